"""CSV import of leads: dry run, per-row errors by row and column, all or nothing."""

import io

import pytest

from app.extensions import db
from app.models import Lead
from tests.conftest import csrf_token_in
from tests.factories import make_dealer

GOOD = (
    "first_name,last_name,email,phone,postal_code,country,product_group,sku,booth\n"
    "Eva,Ng,eva@example.com,,10117,DE,tractors,TR-500,A12\n"
    "Jan,Berg,,030 1234567,10115,,mowers;tractors,,B3\n"
)
# Row 3 has no way to reach the customer, row 4 a phone that is no phone and a bad code.
MIXED = GOOD + ("Ida,Roth,,,10117,DE,tractors,,\nTom,Lenz,,call me maybe,1O117,DE,tractors,,\n")


@pytest.fixture
def network(app):
    make_dealer("D-BER-1", name="Autohaus Mitte")


def post_csv(oem, text, **query):
    url = "/api/v1/leads/import"
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return oem.post(url, data=text.encode(), headers={"Content-Type": "text/csv"})


def test_dry_run_checks_every_row_and_stores_nothing(oem, network):
    response = post_csv(oem, GOOD, dry_run="true", country="DE")
    assert response.status_code == 200
    report = response.get_json()
    assert (report["rows"], report["valid"], report["errors"]) == (2, 2, [])
    assert report["imported"] == []
    assert db.session.query(Lead).count() == 0


def test_import_stores_and_routes_every_row(oem, network):
    response = post_csv(oem, GOOD, country="DE", campaign="agritechnica-26")
    assert response.status_code == 201
    ids = response.get_json()["imported"]
    assert len(ids) == 2
    first = oem.get(f"/api/v1/leads/{ids[0]}").get_json()
    assert first["source"] == "import" and first["dealer"] == "D-BER-1"
    assert first["custom_fields"] == {"booth": "A12", "campaign_id": "agritechnica-26"}
    second = oem.get(f"/api/v1/leads/{ids[1]}").get_json()
    assert second["country"] == "DE"  # from the default
    assert second["customer"]["phone"] == "+49301234567"
    assert [item["product_group"] for item in second["line_items"]] == ["mowers", "tractors"]


def test_errors_name_row_and_column_and_nothing_is_stored(oem, network):
    response = post_csv(oem, MIXED, country="DE")
    assert response.status_code == 422
    errors = {(e["row"], e["column"]) for e in response.get_json()["errors"]}
    assert errors == {(4, "email"), (5, "phone"), (5, "postal_code")}
    assert db.session.query(Lead).count() == 0
    # The dry run reports the same.
    dry = post_csv(oem, MIXED, country="DE", dry_run="true").get_json()
    assert {(e["row"], e["column"]) for e in dry["errors"]} == errors
    assert dry["valid"] == 2


def test_import_the_valid_rows_when_the_coordinator_chooses_to(oem, network):
    response = post_csv(oem, MIXED, country="DE", import_valid_rows="true")
    assert response.status_code == 201
    report = response.get_json()
    assert len(report["imported"]) == 2 and report["failed"] == 2
    assert db.session.query(Lead).count() == 2


@pytest.mark.parametrize(
    ("text", "row", "column"),
    [
        ("", 1, "file"),
        ("first_name,last_name,email\nEva,Ng,e@example.com\n", 1, "product_group"),
        ("first_name,last_name,product_group\nEva,Ng,tractors\n", 1, "email"),
        ("first_name,first_name,last_name,email,product_group\n", 1, "first_name"),
        (
            "first_name,last_name,email,product_group\nEva,Ng,e@example.com,tractors,x,y\n",
            2,
            "file",
        ),
        (
            "first_name,last_name,email,product_group,postal_code,quantity\n"
            "Eva,Ng,e@example.com,tractors,10117,many\n",
            2,
            "quantity",
        ),
        (
            "first_name,last_name,email,product_group,postal_code,consent\n"
            "Eva,Ng,e@example.com,tractors,10117,perhaps\n",
            2,
            "consent",
        ),
        (
            "first_name;last_name;email;product_group;postal_code;inquiry_type\n"
            "Eva;Ng;e@example.com;tractors;10117;b2b\n",
            2,
            "company",
        ),
    ],
)
def test_bad_files_and_rows_are_named(oem, network, text, row, column):
    response = post_csv(oem, text, country="DE")
    assert response.status_code == 422
    assert (row, column) in {(e["row"], e["column"]) for e in response.get_json()["errors"]}
    assert db.session.query(Lead).count() == 0


def test_latin1_semicolon_file_from_a_spreadsheet_is_read(oem, network):
    text = (
        "first_name;last_name;email;postal_code;product_group\r\n"
        "Jürgen;Müller;j@example.com;10117;tractors\r\n"
    )
    response = oem.post(
        "/api/v1/leads/import?country=DE",
        data=text.encode("cp1252"),
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 201
    lead = oem.get(f"/api/v1/leads/{response.get_json()['imported'][0]}").get_json()
    assert lead["customer"]["first_name"] == "Jürgen"


def test_import_needs_csv_and_a_coordinator(oem, network, dealer_api):
    assert oem.post("/api/v1/leads/import", json={"a": 1}).status_code == 415
    assert post_csv(oem, GOOD, dry_run="perhaps").status_code == 422
    assert post_csv(oem, GOOD, country="Germany").status_code == 422
    dealer = dealer_api("D-BER-1")
    response = dealer.post(
        "/api/v1/leads/import", data=GOOD.encode(), headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 403


def test_import_endpoint_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "text/csv" in paths["/api/v1/leads/import"]["post"]["requestBody"]["content"]


# --- console ---------------------------------------------------------------------------


def _upload(client, page, text, action, **fields):
    data = {
        "csrf_token": csrf_token_in(page),
        "file": (io.BytesIO(text.encode()), "leads.csv"),
        "country": "DE",
        "action": action,
        **fields,
    }
    return client.post("/console/leads/import", data=data, content_type="multipart/form-data")


def test_console_check_then_import(auth, client, network):
    from app.services.users import create_user

    create_user("boss@example.com", "coordinator", password="password-123")
    auth.login("boss@example.com")
    page = client.get("/console/leads/import").get_data(as_text=True)
    assert "Check (dry run)" in page
    checked = _upload(client, page, MIXED, "check")
    assert checked.status_code == 422
    html = checked.get_data(as_text=True)
    assert "2 rows would be imported; 2 fail. Nothing was stored." in html
    assert '<td class="num">5</td><td>phone</td>' in html
    assert db.session.query(Lead).count() == 0
    refused = _upload(client, page, MIXED, "import")
    assert "Nothing was stored" in refused.get_data(as_text=True)
    assert db.session.query(Lead).count() == 0
    imported = _upload(client, page, MIXED, "import", import_valid_rows="y")
    assert "2 leads imported and routed; 2 rows left out" in imported.get_data(as_text=True)
    assert db.session.query(Lead).count() == 2
