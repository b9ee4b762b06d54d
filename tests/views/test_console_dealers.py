"""Console dealers pages: list and search, create and edit, CSV export and import."""

import io

import pytest

from app.services.dealers import get_dealer
from tests.conftest import csrf_token_in
from tests.factories import make_dealer


@pytest.fixture
def signed_in(auth, coordinator):
    auth.login("oem@example.com")
    return coordinator


def _form(dealer_code="D-NEW-1", **overrides):
    data = {
        "code": dealer_code,
        "name": "Neuer Händler",
        "tier": "dealer",
        "parent": "",
        "postal_code": "14467",
        "town": "Potsdam",
        "country": "DE",
        "service_radius_km": "60",
        "tags": "tractors, store",
        "inventory": "TR-500\nTR-700",
        "daily_capacity": "12",
        "timezone": "Europe/Berlin",
        "opening_hours": "mon 08:00-18:00; sat 09:00-13:00",
        "absent_from": "",
        "absent_until": "",
        "active": "y",
    }
    data.update(overrides)
    return data


def test_list_searches_by_code_name_or_town(client, signed_in):
    make_dealer("D-BER-1", name="Autohaus Mitte", town="Berlin")
    make_dealer("D-POT-1", name="Gartencenter Havel", town="Potsdam")
    html = client.get("/console/dealers?q=potsdam").get_data(as_text=True)
    assert "Gartencenter Havel" in html and "Autohaus Mitte" not in html
    partial = client.get("/console/dealers?q=d-ber", headers={"HX-Request": "true"})
    assert partial.get_data(as_text=True).lstrip().startswith('<div id="dealer-list"')
    assert "Autohaus Mitte" in partial.get_data(as_text=True)


def test_create_and_edit_a_dealer_through_the_dealer_service(client, signed_in, oem):
    page = client.get("/console/dealers/new").get_data(as_text=True)
    response = client.post(
        "/console/dealers/new", data={**_form(), "csrf_token": csrf_token_in(page)}
    )
    assert response.status_code == 302
    body = oem.get("/api/v1/dealers/D-NEW-1").get_json()
    assert body["town"] == "Potsdam" and body["tags"] == ["store", "tractors"]
    assert body["opening_hours"] == {"mon": [["08:00", "18:00"]], "sat": [["09:00", "13:00"]]}
    assert body["lat"] is not None  # placed by its postal code, as the API does
    edit = client.get("/console/dealers/D-NEW-1").get_data(as_text=True)
    assert "mon 08:00-18:00; sat 09:00-13:00" in edit and "TR-700" in edit
    client.post(
        "/console/dealers/D-NEW-1",
        data={
            **_form(daily_capacity="3", absent_from="2026-12-24", absent_until="2027-01-02"),
            "csrf_token": csrf_token_in(edit),
        },
    )
    body = oem.get("/api/v1/dealers/D-NEW-1").get_json()
    assert body["daily_capacity"] == 3
    assert body["absent_from"] == "2026-12-23T23:00:00Z"  # midnight in Berlin
    assert body["currency"] == "EUR"  # left empty: the currency of Germany


def test_console_sets_a_dealers_currency_and_names_a_bad_one(client, signed_in):
    make_dealer("D-ZRH", name="Zürich", country="CH", postal_code=None)
    edit = client.get("/console/dealers/D-ZRH").get_data(as_text=True)
    assert 'name="currency"' in edit and 'value="CHF"' in edit
    bad = client.post(
        "/console/dealers/D-ZRH",
        data={
            **_form("D-ZRH", postal_code="8001", country="CH", currency="FRANC"),
            "csrf_token": csrf_token_in(edit),
        },
    )
    assert bad.status_code == 422 and "ISO 4217" in bad.get_data(as_text=True)
    assert get_dealer("D-ZRH").name == "Zürich"  # nothing stored
    saved = client.post(
        "/console/dealers/D-ZRH",
        data={
            **_form("D-ZRH", postal_code="8001", country="CH", currency="eur"),
            "csrf_token": csrf_token_in(edit),
        },
    )
    assert saved.status_code == 302 and get_dealer("D-ZRH").currency == "EUR"


def test_bad_dealer_input_is_a_422_naming_the_field(client, signed_in):
    make_dealer("D-BER-1")
    page = client.get("/console/dealers/new").get_data(as_text=True)
    response = client.post(
        "/console/dealers/new",
        data={
            **_form(postal_code="1", parent="D-BER-1", opening_hours="mon 8-18"),
            "csrf_token": csrf_token_in(page),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "write times as 08:00-18:00" in html
    response = client.post(
        "/console/dealers/new",
        data={**_form(postal_code="1", parent="D-BER-1"), "csrf_token": csrf_token_in(page)},
    )
    html = response.get_data(as_text=True)
    assert "the parent must be a distributor" in html and 'value="Neuer Händler"' in html


def test_export_then_import_with_a_dry_run(client, signed_in):
    make_dealer("D-BER-1", name="Autohaus Mitte", daily_capacity=20)
    exported = client.get("/console/dealers.csv")
    assert exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True).replace(",20,", ",44,")
    text += "D-NEW-1,Neuer Händler,dealer,,,,80331,München,DE,,,50,tractors|store,,,yes,UTC,\r\n"
    page = client.get("/console/dealers/import").get_data(as_text=True)
    dry = client.post(
        "/console/dealers/import",
        data={"csrf_token": csrf_token_in(page), "file": (io.BytesIO(text.encode()), "d.csv")},
        content_type="multipart/form-data",
    )
    html = dry.get_data(as_text=True)
    assert dry.status_code == 200
    assert "Apply: 1 new, 1 changed" in html and "daily_capacity" in html
    assert get_dealer("D-BER-1").daily_capacity == 20
    applied = client.post(
        "/console/dealers/import",
        data={"csrf_token": csrf_token_in(html), "content": text, "apply": "1"},
    )
    assert applied.status_code == 302
    assert get_dealer("D-BER-1").daily_capacity == 44
    assert get_dealer("D-NEW-1").town == "München"


def test_import_with_errors_saves_nothing(client, signed_in):
    page = client.get("/console/dealers/import").get_data(as_text=True)
    text = "code,name,postal_code\nD-1,One,10115\nD-2,,10115\n"
    response = client.post(
        "/console/dealers/import",
        data={"csrf_token": csrf_token_in(page), "content": text, "apply": "1"},
    )
    assert response.status_code == 422
    assert "nothing has been saved" in response.get_data(as_text=True)
