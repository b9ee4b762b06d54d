"""Console: interest routes editor, routing preview, manual assignment."""

from app.services.users import create_user
from tests.conftest import csrf_token_in
from tests.factories import lead_body, make_dealer


def _login_coordinator(auth):
    create_user("boss@example.com", "coordinator", password="password-123")
    auth.login("boss@example.com")


def test_add_and_remove_route(auth, client, app):
    make_dealer("D-BER-1")
    _login_coordinator(auth)
    page = client.get("/console/routes").get_data(as_text=True)
    assert "No routes yet" in page
    response = client.post(
        "/console/routes",
        data={"csrf_token": csrf_token_in(page), "category": "used", "dealer_codes": "D-BER-1"},
    )
    assert response.status_code == 302
    page = client.get("/console/routes").get_data(as_text=True)
    assert "D-BER-1" in page and "Remove route" in page
    empty = client.post(
        "/console/routes", data={"csrf_token": csrf_token_in(page), "category": "new"}
    )
    assert empty.status_code == 422
    assert "name dealers, countries or postal-code prefixes" in empty.get_data(as_text=True)


def test_preview_shows_ranked_dealers_and_why(auth, client, app):
    make_dealer("D-BER-1", name="Autohaus Mitte")
    _login_coordinator(auth)
    query = (
        "postal_code=10117&country=DE&product_group=tractors&sku=TR-500"
        "&interest_category=new&inquiry_type=b2c&delivery=pickup"
    )
    html = client.get(f"/console/routes/preview?{query}").get_data(as_text=True)
    assert "Goes to D-BER-1" in html and "Why" in html
    partial = client.get(f"/console/routes/preview?{query}", headers={"HX-Request": "true"})
    assert partial.get_data(as_text=True).lstrip().startswith('<div id="routing-preview"')
    bad = client.get(
        "/console/routes/preview?postal_code=1&country=DE&product_group=tractors&inquiry_type=b2c&delivery=pickup"
    )
    assert "postal code" in bad.get_data(as_text=True)


def test_assign_from_the_lead_page(auth, client, oem):
    make_dealer("D-BER-1")
    make_dealer("D-M-1", lat=48.137, lon=11.575)
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    auth.login("oem@example.com")
    page = client.get(f"/console/leads/{lead['id']}").get_data(as_text=True)
    assert "Assign by hand" in page
    client.post(
        f"/console/leads/{lead['id']}/assign",
        data={"csrf_token": csrf_token_in(page), "dealer": "D-M-1"},
    )
    assert oem.get(f"/api/v1/leads/{lead['id']}").get_json()["dealer"] == "D-M-1"
    page = client.get(f"/console/leads/{lead['id']}").get_data(as_text=True)
    assert "Offered to D-M-1." in page or "D-M-1" in page


def test_approve_and_reject_from_the_lead_page(auth, client, oem, app):
    from app.services.intake import create_lead

    make_dealer("D-BER-1")
    held = create_lead(lead_body(), review_reason="big fleet")
    spam = create_lead(lead_body(), review_reason="flagged source")
    auth.login("oem@example.com")
    page = client.get(f"/console/leads/{held.id}").get_data(as_text=True)
    assert "Approve and route" in page and "Reject lead" in page
    token = csrf_token_in(page)
    client.post(f"/console/leads/{held.id}/approve", data={"csrf_token": token})
    client.post(f"/console/leads/{spam.id}/reject", data={"csrf_token": token})
    assert oem.get(f"/api/v1/leads/{held.id}").get_json()["dealer"] == "D-BER-1"
    assert oem.get(f"/api/v1/leads/{spam.id}").get_json()["status"] == "rejected"
