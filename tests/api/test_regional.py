"""Regional coordinators: a coordinator limited to countries or postal-code prefixes sees
and acts only there (API, board, lead pages, questions); elsewhere a lead is a 404."""

import re

import pytest

from app.services.users import create_token, create_user
from tests.conftest import Api, csrf_token_in
from tests.factories import lead_body, make_dealer


@pytest.fixture
def network(app):
    make_dealer("D-BER-1", name="Berlin")
    make_dealer("D-M-1", name="München", lat=48.137, lon=11.575, postal_code="80331")


@pytest.fixture
def north(client):
    """A coordinator for Berlin and around (postal codes 10…) and all of Austria."""
    user = create_user(
        "north@oem.example", "coordinator", password="password-123", regions=["DE-10", "at"]
    )
    return Api(client, create_token(user))


def _lead(oem, postal_code):
    return oem.post("/api/v1/leads", json=lead_body(postal_code=postal_code)).get_json()


def test_regional_coordinator_sees_and_acts_only_in_its_regions(oem, north, network):
    berlin, munich = _lead(oem, "10117"), _lead(oem, "80331")
    assert north.get(f"/api/v1/leads/{berlin['id']}").status_code == 200
    assert north.get(f"/api/v1/leads/{munich['id']}").status_code == 404
    listed = [item["id"] for item in north.get("/api/v1/leads").get_json()["items"]]
    assert listed == [berlin["id"]]
    # Acting outside the region: as if the lead did not exist.
    assert (
        north.post(f"/api/v1/leads/{munich['id']}/assign", json={"dealer": "D-BER-1"}).status_code
        == 404
    )
    # A lead in the region goes to the region's dealers only.
    outside = north.post(f"/api/v1/leads/{berlin['id']}/assign", json={"dealer": "D-M-1"})
    assert outside.status_code == 422
    assert "D-M-1 lies outside your regions" in outside.get_json()["errors"]["dealer"]
    assert (
        north.post(f"/api/v1/leads/{berlin['id']}/assign", json={"dealer": "D-BER-1"}).status_code
        == 200
    )


def test_regional_coordinator_may_not_manage_the_network(north, network):
    assert north.get("/api/v1/dealers").status_code == 403
    assert (
        north.post(
            "/api/v1/users", json={"email": "x@example.com", "role": "coordinator"}
        ).status_code
        == 403
    )


def test_regions_are_validated_and_shown(oem):
    created = oem.post(
        "/api/v1/users",
        json={"email": "south@oem.example", "role": "coordinator", "regions": ["DE-8", "CH"]},
    )
    assert created.status_code == 201
    assert created.get_json()["regions"] == ["DE-8", "CH"]
    bad = oem.post(
        "/api/v1/users",
        json={"email": "bad@oem.example", "role": "coordinator", "regions": ["Bavaria"]},
    )
    assert bad.status_code == 422 and "regions.0" in bad.get_json()["errors"]


def test_board_and_lead_pages_follow_the_region(app, client, auth, oem, north, network):
    berlin, munich = _lead(oem, "10117"), _lead(oem, "80331")
    auth.login("north@oem.example")
    board = client.get("/console").get_data(as_text=True)
    assert berlin["id"] in board and munich["id"] not in board
    assert client.get(f"/console/leads/{berlin['id']}").status_code == 200
    assert client.get(f"/console/leads/{munich['id']}").status_code == 404


def _offers_per_dealer(api) -> dict[str, int]:
    response = api.get("/api/v1/reports/dealers")
    assert response.status_code == 200
    return {item["dealer"]: item["offers"] for item in response.get_json()["items"]}


def test_reports_count_only_the_regions_leads(oem, north, network):
    _lead(oem, "10117")
    _lead(oem, "80331")
    assert _offers_per_dealer(oem) == {"D-BER-1": 1, "D-M-1": 1}
    assert _offers_per_dealer(north) == {"D-BER-1": 1}


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return [line.split(",") for line in response.get_data(as_text=True).splitlines()]


def test_report_pages_and_csv_exports_follow_the_region(app, client, auth, oem, north, network):
    _lead(oem, "10117")
    _lead(oem, "80331")
    # The API's CSV: one region, one dealer.
    regions = _csv_rows(north.get("/api/v1/reports/regions?format=csv"))
    assert [row[0] for row in regions[1:]] == ["DE-10"]
    dealers = _csv_rows(north.get("/api/v1/reports/dealers?format=csv"))
    assert [row[0] for row in dealers[1:]] == ["D-BER-1"]
    # The console's report page and its exports, signed in as the regional coordinator.
    auth.login("north@oem.example")
    page = client.get("/console/reports/dealers")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "D-BER-1" in html and "D-M-1" not in html
    figures = _csv_rows(client.get("/console/reports/dealers/figures.csv"))
    assert [row[0] for row in figures[1:]] == ["D-BER-1"]
    funnel = dict(_csv_rows(client.get("/console/reports/dealers/funnel.csv"))[1:])
    assert funnel["offers"] == "1"
    # Managing campaign spend stays with unrestricted coordinators.
    spend = client.post(
        "/console/reports/campaigns/spend", data={"csrf_token": csrf_token_in(html)}
    )
    assert spend.status_code == 403


def test_questions_and_receipts_follow_the_region(app, client, auth, oem, north, network):
    berlin, munich = _lead(oem, "10117"), _lead(oem, "80331")
    munich_dealer = Api(
        client, create_token(create_user("sales@m.example", "salesperson", "D-M-1", "pw-123456"))
    )
    asked = munich_dealer.post(f"/api/v1/leads/{munich['id']}/questions", json={"body": "Stock?"})
    assert asked.status_code == 201
    # Receipts of a lead outside the region: as if the lead did not exist.
    assert north.get(f"/api/v1/leads/{berlin['id']}/deliveries").status_code == 200
    assert north.get(f"/api/v1/leads/{munich['id']}/deliveries").status_code == 404
    assert north.get(f"/api/v1/leads/{munich['id']}/questions").status_code == 404
    assert (
        north.post(f"/api/v1/questions/{asked.get_json()['id']}/answer", json={"body": "Yes"})
    ).status_code == 404
    auth.login("north@oem.example")
    assert "Stock?" not in client.get("/console/questions").get_data(as_text=True)


def _pushed(email: str, kind: str) -> list:
    from app.extensions import db
    from app.models import Notification, User

    user_id = db.session.query(User.id).filter_by(email=email).scalar()
    return list(db.session.query(Notification).filter_by(user_id=user_id, kind=kind))


def test_pushes_about_a_lead_reach_only_coordinators_who_may_see_it(
    app, client, oem, north, network
):
    """A lead with no dealer left, and a dealer's question, are pushed to the coordinators
    of the lead's region only: a push payload names the customer and the lead."""
    nobody_sells_boats = lead_body(
        postal_code="80331",
        line_items=[{"product_group": "boats", "interest_type": "buy", "item_type": "vehicle"}],
    )
    munich = oem.post("/api/v1/leads", json=nobody_sells_boats).get_json()
    assert munich["status"] == "unassigned"
    someone_else = {"first_name": "Jo", "last_name": "Berg", "email": "jo@example.com"}
    berlin = oem.post(
        "/api/v1/leads",
        json={**nobody_sells_boats, "postal_code": "10117", "customer": someone_else},
    ).get_json()
    assert berlin["status"] == "unassigned"
    assert [push.lead_id for push in _pushed("north@oem.example", "unassigned")] == [berlin["id"]]
    assert len(_pushed("oem@example.com", "unassigned")) == 2


def test_the_menu_shows_a_regional_coordinator_only_pages_it_may_open(client, auth, oem, north):
    auth.login("north@oem.example")
    board = client.get("/console").get_data(as_text=True)
    menu = board[board.index('aria-label="Main"') : board.index("</nav>")]
    links = re.findall(r'<a href="([^"]+)"', menu)
    assert "/console/reports" in links and "/console/questions" in links
    assert not {"/console/dealers", "/console/users", "/console/forms"} & set(links)
    for link in links:  # opened, not sent back to the board
        response = client.get(link, follow_redirects=True)
        assert response.status_code == 200 and response.request.path.startswith(link), link
    auth.login("oem@example.com")
    full = client.get("/console").get_data(as_text=True)
    assert '<a href="/console/dealers"' in full and '<a href="/console/users"' in full


def test_the_picker_offers_a_regional_coordinator_only_its_regions_dealers(
    app, client, auth, oem, north, network
):
    berlin = _lead(oem, "10117")
    auth.login("north@oem.example")
    best = client.get(f"/console/leads/{berlin['id']}/picker").get_data(as_text=True)
    found = client.get(f"/console/leads/{berlin['id']}/picker?q=D-").get_data(as_text=True)
    assert "D-M-1" not in best and "D-M-1" not in found and "D-BER-1" in found
    page = client.get(f"/console/leads/{berlin['id']}").get_data(as_text=True)
    refused = client.post(
        f"/console/leads/{berlin['id']}/distribute",
        data={"csrf_token": csrf_token_in(page), "dealers": "D-BER-1, D-M-1"},
    )
    assert refused.status_code == 422
    assert "D-M-1 lies outside your regions" in refused.get_data(as_text=True)
    auth.login("oem@example.com")
    unrestricted = client.get(f"/console/leads/{berlin['id']}/picker?q=D-").get_data(as_text=True)
    assert "D-BER-1" in unrestricted and "D-M-1" in unrestricted
