"""The form page: who may frame it, its fields, a submission without JavaScript, languages."""

import re
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.models import Lead
from tests.form.conftest import BRAND

STARTED = re.compile(r'name="started" value="([^"]+)"')


def filled(page_html: str, **overrides) -> dict:
    """The fields a customer fills in (B2C, a tractor, Berlin), with the page's timestamp."""
    data = {
        "started": STARTED.search(page_html).group(1),
        "page_url": f"{BRAND}/tractors?utm_source=newsletter&utm_campaign=spring&campaign=c-26&x=1",
        "referrer": "https://search.example/?q=tractor",
        "inquiry_type": "b2c",
        "product_group": "tractors",
        "sku": "TR-500",
        "interest_type": "quote",
        "postal_code": "10117",
        "country": "DE",
        "delivery": "pickup",
        "first_name": "Eva",
        "last_name": "Ng",
        "email": "eva@example.com",
        "phone": "",
        "message": "Is the TR-500 in stock?",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def test_form_page_may_be_framed_by_its_allowed_origins_only(client, form):
    response = client.get(f"/f/{form.public_key}")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    ancestors = re.search(r"frame-ancestors ([^;]+)", policy).group(1).split()
    assert sorted(ancestors) == sorted(["'self'", BRAND])
    assert "X-Frame-Options" not in response.headers
    assert "Set-Cookie" not in response.headers


def test_unknown_or_inactive_key_is_404(client, form, db):
    assert client.get("/f/pk_nothing").status_code == 404
    form.active = False
    db.session.commit()
    assert client.get(f"/f/{form.public_key}").status_code == 404
    assert client.post(f"/f/{form.public_key}", data={}).status_code == 404


def test_form_page_has_the_contract_fields(client, form):
    html = client.get(f"/f/{form.public_key}").get_data(as_text=True)
    for name in (
        "first_name",
        "last_name",
        "email",
        "phone",
        "company",
        "inquiry_type",
        "postal_code",
        "country",
        "message",
        "product_group",
        "sku",
        "volume_estimate",
        "delivery",
        "preferred_dealer",
    ):
        assert f'name="{name}"' in html, name
    assert re.search(r'<input type="checkbox" name="consent"', html)
    assert "TR-500 compact tractor" in html
    assert "<script>" not in html and " onclick=" not in html


def test_submission_without_javascript_routes_the_lead_and_thanks(client, form, db, clock):
    page = client.get(f"/f/{form.public_key}").get_data(as_text=True)
    clock.advance(seconds=40)
    response = client.post(f"/f/{form.public_key}", data=filled(page))
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200
    html = thanks.get_data(as_text=True)
    assert 'role="status"' in html
    assert "D-BER-1" not in html and "Landtechnik" not in html  # no internal routing named
    lead = db.session.scalar(select(Lead))
    assert lead.source == "form" and lead.form_id == form.id
    assert lead.status == "offered" and lead.holder.code == "D-BER-1"
    assert lead.custom_fields["utm_source"] == "newsletter"
    assert lead.custom_fields["utm_campaign"] == "spring"
    assert lead.custom_fields["campaign"] == "c-26"
    assert "x" not in lead.custom_fields
    assert lead.custom_fields["page_url"].startswith(f"{BRAND}/tractors?")
    assert lead.custom_fields["referrer"] == "https://search.example/?q=tractor"
    assert lead.line_items[0].sku == "TR-500" and lead.line_items[0].interest_type == "quote"
    assert lead.consent and lead.consent_version == form.consent_version
    assert lead.consent_text.startswith("I agree")
    assert lead.spam_score == 0 and lead.spam_reasons == []


def test_b2b_submission_needs_company_and_volume(client, form, db, clock):
    page = client.get(f"/f/{form.public_key}").get_data(as_text=True)
    clock.advance(seconds=40)
    missing = client.post(f"/f/{form.public_key}", data=filled(page, inquiry_type="b2b"))
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert 'id="f-company" name="company"' in html and 'aria-invalid="true"' in html
    assert db.session.scalar(select(Lead)) is None
    done = client.post(
        f"/f/{form.public_key}",
        data=filled(page, inquiry_type="b2b", company="Hof Ng GmbH", volume_estimate="1.200,5"),
    )
    assert done.status_code == 303
    lead = db.session.scalar(select(Lead))
    assert lead.inquiry_type == "b2b" and lead.company == "Hof Ng GmbH"
    assert lead.volume_estimate == 1200.5


def test_missing_fields_come_back_named_and_nothing_is_stored(client, form, db, clock):
    page = client.get(f"/f/{form.public_key}").get_data(as_text=True)
    response = client.post(
        f"/f/{form.public_key}",
        data=filled(page, first_name="", email="", consent="", product_group="", sku=""),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for name in ("first_name", "email", "consent", "product_group"):
        assert f'href="#f-{name}"' in html, name
    assert 'value="Ng"' in html  # what was typed stays
    assert db.session.scalar(select(Lead)) is None


def test_form_speaks_german_to_german_browsers_and_its_default_otherwise(client, form, db):
    german = client.get(f"/f/{form.public_key}", headers={"Accept-Language": "de-DE,de;q=0.9"})
    html = german.get_data(as_text=True)
    assert '<html lang="de">' in html and "Händler" in html
    french = client.get(f"/f/{form.public_key}", headers={"Accept-Language": "fr-FR"})
    assert '<html lang="en">' in french.get_data(as_text=True)
    form.default_language = "de"
    db.session.commit()
    french = client.get(f"/f/{form.public_key}", headers={"Accept-Language": "fr-FR"})
    assert '<html lang="de">' in french.get_data(as_text=True)


def test_nearby_dealers_shows_names_and_towns_only(client, form):
    response = client.get(f"/f/{form.public_key}/dealers?postal_code=10117&country=DE")
    items = response.get_json()["items"]
    assert items == [{"code": "D-BER-1", "name": "Landtechnik Mitte", "town": "10115 (DE)"}]
    assert client.get(f"/f/{form.public_key}/dealers?postal_code=80331").get_json()["items"] == []
    no_js = client.get(f"/f/{form.public_key}?postal_code=10117&country=DE")
    assert '<option value="D-BER-1"' in no_js.get_data(as_text=True)


def test_host_page_origin_gets_resize_messages_only_when_allowed(client, form):
    allowed = client.get(f"/f/{form.public_key}?host={quote(BRAND + '/p?utm_source=x')}")
    assert f'data-parent-origin="{BRAND}"' in allowed.get_data(as_text=True)
    stranger = client.get(f"/f/{form.public_key}?host={quote('https://evil.example/')}")
    assert 'data-parent-origin=""' in stranger.get_data(as_text=True)


def test_embed_script_is_served_as_javascript(client):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    body = response.get_data(as_text=True)
    assert "data-form" in body and "event.origin !== base" in body


@pytest.mark.parametrize("bad", ["", "not-a-token", "x" * 300])
def test_forged_timestamp_counts_against_the_submission(client, form, db, clock, bad):
    page = client.get(f"/f/{form.public_key}").get_data(as_text=True)
    clock.advance(seconds=40)
    client.post(f"/f/{form.public_key}", data=filled(page, started=bad))
    lead = db.session.scalar(select(Lead))
    assert "no_timestamp" in lead.spam_reasons


@pytest.mark.parametrize(
    ("typed", "read"),
    [("1.200,5", 1200.5), ("2,5", 2.5), ("1 200", 1200.0), ("12,500.50", 12500.5), ("40", 40.0)],
)
def test_b2b_volume_is_read_as_people_write_numbers(client, form, db, clock, typed, read):
    page = client.get(f"/f/{form.public_key}").get_data(as_text=True)
    clock.advance(seconds=40)
    body = filled(page, inquiry_type="b2b", company="Hof GmbH", volume_estimate=typed)
    assert client.post(f"/f/{form.public_key}", data=body).status_code == 303
    assert db.session.scalar(select(Lead)).volume_estimate == read


def test_an_unreadable_volume_is_named_and_nothing_is_stored(client, form, db, clock):
    page = client.get(f"/f/{form.public_key}").get_data(as_text=True)
    clock.advance(seconds=40)
    body = filled(page, inquiry_type="b2b", company="Hof GmbH", volume_estimate="lots")
    refused = client.post(f"/f/{form.public_key}", data=body)
    assert refused.status_code == 422
    assert "as a number above 0" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Lead)) is None
