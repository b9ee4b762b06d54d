"""Coordinators manage forms over the API; CORS answers only a form's allowed origins."""

from app.models import Lead
from tests.factories import lead_body
from tests.form.conftest import BRAND


def test_create_form_answers_201_with_a_public_key(oem):
    response = oem.post(
        "/api/v1/forms", json={"name": "Brand site", "allowed_origins": ["https://Brand.example/"]}
    )
    assert response.status_code == 201
    form = response.get_json()
    assert set(form) >= {"id", "name", "public_key", "allowed_origins", "active"}
    assert form["public_key"].startswith("pk_")
    assert form["allowed_origins"] == ["https://brand.example"]
    assert form["active"] is True
    listed = oem.get("/api/v1/forms").get_json()["items"]
    assert [item["id"] for item in listed] == [form["id"]]


def test_bad_form_settings_name_the_field(oem):
    response = oem.post(
        "/api/v1/forms",
        json={"name": "x", "allowed_origins": ["https://ok.example", "brand.example/path"]},
    )
    assert response.status_code == 422
    assert "allowed_origins.1" in response.get_json()["errors"]
    bad_limit = oem.post("/api/v1/forms", json={"name": "x", "rate_limit": "lots"})
    assert "rate_limit" in bad_limit.get_json()["errors"]
    assert oem.post("/api/v1/forms", json={"allowed_origins": []}).get_json()["errors"] == {
        "name": "is required"
    }
    assert oem.get("/api/v1/forms").get_json()["items"] == []


def test_patch_deactivates_and_rotation_replaces_the_key(oem, client, form):
    old_key = form.public_key
    assert client.get(f"/f/{old_key}").status_code == 200
    rotated = oem.post(f"/api/v1/forms/{form.id}/rotate-key").get_json()
    assert rotated["public_key"] != old_key
    assert client.get(f"/f/{old_key}").status_code == 404
    assert client.get(f"/f/{rotated['public_key']}").status_code == 200
    patched = oem.client.patch(
        f"/api/v1/forms/{form.id}",
        json={"active": False, "default_language": "de"},
        headers={"Authorization": f"Bearer {oem.token}"},
    )
    assert patched.status_code == 200
    assert patched.get_json()["active"] is False
    assert client.get(f"/f/{rotated['public_key']}").status_code == 404


def test_forms_need_a_coordinator(client, dealer_api, form):
    assert client.get("/api/v1/forms").status_code == 401
    assert dealer_api("D-BER-1").get("/api/v1/forms").status_code == 403


def test_cors_answers_only_the_forms_allowed_origins(client, form):
    preflight = client.options(
        "/api/v1/leads",
        headers={
            "Origin": BRAND,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-form-key",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == BRAND
    assert "X-Form-Key" in preflight.headers["Access-Control-Allow-Headers"]
    stranger = client.options("/api/v1/leads", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers

    headers = {"X-Form-Key": form.public_key, "Origin": BRAND}
    allowed = client.post("/api/v1/leads", json=lead_body(), headers=headers)
    assert allowed.status_code == 201
    assert allowed.headers["Access-Control-Allow-Origin"] == BRAND
    assert allowed.get_json() == {"id": allowed.get_json()["id"], "status": "received"}

    foreign = client.post(
        "/api/v1/leads",
        json=lead_body(customer={"first_name": "Al", "last_name": "X", "email": "al@example.com"}),
        headers={"X-Form-Key": form.public_key, "Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert "origin" in foreign.get_json()["errors"]
    assert "Access-Control-Allow-Origin" not in foreign.headers


def test_form_key_leads_are_tagged_with_their_form(client, form, db):
    response = client.post(
        "/api/v1/leads", json=lead_body(), headers={"X-Form-Key": form.public_key}
    )
    lead = db.session.get(Lead, response.get_json()["id"])
    assert lead.source == "form"
    assert lead.form_id == form.id
    assert lead.status == "offered"


def test_forms_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/forms", "/api/v1/forms/{form_id}", "/api/v1/leads/{lead_id}/release"} <= set(
        paths
    )
