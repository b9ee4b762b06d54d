"""Coordinators manage forms, import the catalog and release spam in the console."""

import io
import re

from sqlalchemy import select

from app.models import FormKey, Lead, Product
from app.services import spam
from app.services.forms import receive_submission
from tests.conftest import csrf_token_in
from tests.factories import lead_body


def signed_in(client, auth, coordinator):
    auth.login(coordinator.email)
    return client


def test_coordinator_creates_edits_rotates_and_switches_off_a_form(client, auth, coordinator, db):
    signed_in(client, auth, coordinator)
    page = client.get("/console/forms")
    assert page.status_code == 200
    token = csrf_token_in(page.get_data(as_text=True))
    created = client.post(
        "/console/forms",
        data={
            "csrf_token": token,
            "name": "Dealer locator",
            "allowed_origins": "https://brand.example\nhttps://shop.brand.example",
            "inquiry_types": ["b2c", "service"],
            "default_language": "de",
            "rate_limit": "30/minute",
            "form_rate_limit": "300/minute",
            "consent_version": "v2",
        },
    )
    assert created.status_code == 302
    form = db.session.scalar(select(FormKey))
    assert form.allowed_origins == ["https://brand.example", "https://shop.brand.example"]
    assert form.inquiry_types == ["b2c", "service"] and form.default_language == "de"
    edit = client.get(created.headers["Location"]).get_data(as_text=True)
    assert f'data-form="{form.public_key}"' in edit  # the snippet to paste

    bad = client.post(
        f"/console/forms/{form.id}",
        data={
            "csrf_token": token,
            "name": "Dealer locator",
            "allowed_origins": "not an origin",
            "inquiry_types": ["b2c"],
            "default_language": "en",
            "rate_limit": "30/minute",
            "form_rate_limit": "300/minute",
            "consent_version": "v2",
        },
    )
    assert bad.status_code == 422
    assert "must be an origin" in bad.get_data(as_text=True)

    old_key = form.public_key
    client.post(f"/console/forms/{form.id}/rotate-key", data={"csrf_token": token})
    db.session.refresh(form)
    assert form.public_key != old_key
    client.post(f"/console/forms/{form.id}/active", data={"csrf_token": token, "active": "0"})
    db.session.refresh(form)
    assert form.active is False
    assert client.get(f"/f/{form.public_key}").status_code == 404


def test_catalog_import_reports_each_bad_row(client, auth, coordinator, db):
    signed_in(client, auth, coordinator)
    token = csrf_token_in(client.get("/console/catalog").get_data(as_text=True))
    csv = (
        "sku,name,product_group,item_type\n"
        "TR-500,TR-500 compact tractor,tractors,vehicle\n"
        ",No SKU,tractors,vehicle\n"
        "MW-20,MW-20 mower,mowers,spaceship\n"
        "TR-500,again,tractors,\n"
        "CS-35,CS-35 chainsaw,chainsaws,\n"
    )
    response = client.post(
        "/console/catalog",
        data={"csrf_token": token, "file": (io.BytesIO(csv.encode()), "catalog.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]+)</td>', html)
    assert rows == [("3", "sku"), ("4", "item_type"), ("5", "sku")]
    assert sorted(db.session.scalars(select(Product.sku))) == ["CS-35", "TR-500"]


def test_catalog_import_over_the_api(oem, db):
    response = oem.post(
        "/api/v1/products/import",
        data="sku,name,product_group\nTR-9,Big tractor,tractors\n",
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 200
    assert response.get_json() == {"created": 1, "updated": 0, "errors": []}
    missing = oem.post(
        "/api/v1/products/import", data="sku;name\n", headers={"Content-Type": "text/csv"}
    )
    assert missing.status_code == 422 and "file" in missing.get_json()["errors"]


def test_coordinator_releases_spam_from_the_lead_page(client, auth, coordinator, form, db):
    caught = receive_submission(form, lead_body(), spam.Signals(honeypot="x", timed=True))
    signed_in(client, auth, coordinator)
    page = client.get(f"/console/leads/{caught.lead.id}").get_data(as_text=True)
    assert "honeypot" in page and "Release" in page
    assert "spam score 1.00" in page and "version 2026-11" in page  # consent kept
    done = client.post(
        f"/console/leads/{caught.lead.id}/release",
        data={"csrf_token": csrf_token_in(page)},
        follow_redirects=True,
    )
    assert "Released and routed." in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Lead, caught.lead.id).status == "offered"
