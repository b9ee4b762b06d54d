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
    data = {"csrf_token": csrf_token_in(page), "category": "used", "dealer_codes": "D-BER-1"}
    assert "Before you save" in client.post("/console/routes", data=data).get_data(as_text=True)
    response = client.post("/console/routes", data={**data, "confirmed": "yes"})
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


def test_preview_link_without_inquiry_type_or_delivery_means_b2c_pickup(auth, client, app):
    make_dealer("D-BER-1", name="Autohaus Mitte")
    _login_coordinator(auth)
    html = client.get(
        "/console/routes/preview?postal_code=10117&country=DE&product_group=tractors"
    ).get_data(as_text=True)
    assert "Not a valid choice" not in html
    assert "Goes to D-BER-1" in html


def test_assign_from_the_lead_page(auth, client, oem):
    make_dealer("D-BER-1")
    make_dealer("D-M-1", lat=48.137, lon=11.575)
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    auth.login("oem@example.com")
    page = client.get(f"/console/leads/{lead['id']}").get_data(as_text=True)
    assert "Assign by hand" in page
    client.post(
        f"/console/leads/{lead['id']}/assign",
        data={"csrf_token": csrf_token_in(page), "dealers": "d-m-1"},
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
    client.post(
        f"/console/leads/{spam.id}/reject",
        data={"csrf_token": token, "reason": "spam", "confirmed": "yes"},
    )
    assert oem.get(f"/api/v1/leads/{held.id}").get_json()["dealer"] == "D-BER-1"
    assert oem.get(f"/api/v1/leads/{spam.id}").get_json()["status"] == "rejected"


def test_adding_a_used_route_warns_that_new_leads_lose_their_destination(auth, client, oem):
    make_dealer("D-BER-1")
    make_dealer("D-USED-1", name="Gebrauchtmaschinen", lat=52.6, lon=13.4)
    for _ in range(3):
        oem.post("/api/v1/leads", json=lead_body(interest_category="new"))
    auth.login("oem@example.com")
    page = client.get("/console/routes").get_data(as_text=True)
    data = {"csrf_token": csrf_token_in(page), "category": "used", "dealer_codes": "d-used-1"}
    html = client.post("/console/routes", data=data).get_data(as_text=True)
    assert "Leads would be left without a route." in html
    assert "Category “new” (3 of the recent leads)" in html
    assert "3 would reach no dealer" in html
    assert "Save this route anyway" in html
    assert oem.get("/api/v1/interest-routes").get_json()["items"] == []  # nothing saved yet
    client.post("/console/routes", data={**data, "confirmed": "yes"})
    (route,) = oem.get("/api/v1/interest-routes").get_json()["items"]
    assert route["dealer_codes"] == ["D-USED-1"]  # stored as the dealer's own code


def test_a_route_naming_an_unknown_dealer_is_refused(auth, client, oem):
    make_dealer("D-BER-1")
    auth.login("oem@example.com")
    page = client.get("/console/routes").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_in(page),
        "category": "used",
        "dealer_codes": "D-BER-1, D-TYPO",
    }
    response = client.post("/console/routes", data={**data, "confirmed": "yes"})
    assert response.status_code == 422
    assert "no dealer with code D-TYPO" in response.get_data(as_text=True)
    api = oem.post("/api/v1/interest-routes", json={"category": "used", "dealer_codes": ["D-TYPO"]})
    assert api.status_code == 422 and "dealer_codes" in api.get_json()["errors"]


def test_removing_a_route_asks_first_and_shows_the_effect(auth, client, oem):
    make_dealer("D-BER-1")
    route = oem.post(
        "/api/v1/interest-routes", json={"category": "ALL", "countries": ["DE"]}
    ).get_json()
    oem.post("/api/v1/interest-routes", json={"category": "used", "dealer_codes": ["D-BER-1"]})
    oem.post("/api/v1/leads", json=lead_body(interest_category="new"))
    auth.login("oem@example.com")
    page = client.get("/console/routes").get_data(as_text=True)
    token = csrf_token_in(page)
    ask = client.post(f"/console/routes/{route['id']}/delete", data={"csrf_token": token})
    html = ask.get_data(as_text=True)
    assert "Remove the route for “ALL”?" in html and "Category “new”" in html
    assert len(oem.get("/api/v1/interest-routes").get_json()["items"]) == 2
    client.post(
        f"/console/routes/{route['id']}/delete", data={"csrf_token": token, "confirmed": "yes"}
    )
    assert len(oem.get("/api/v1/interest-routes").get_json()["items"]) == 1
