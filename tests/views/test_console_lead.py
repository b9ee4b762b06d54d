"""Console lead page: the timeline in words, the picker, assign, distribute, reject."""

import pytest

from app.extensions import db
from app.models import User
from app.services.dispatch import distribute_lead
from app.services.intake import create_lead
from app.services.offers import accept_offer, decline_offer
from app.services.questions import ask_question
from app.services.recycling import expire_overdue_offers
from app.services.stages import change_stage
from app.services.users import create_user, set_timezone
from tests.conftest import csrf_token_in
from tests.factories import lead_body, make_dealer


@pytest.fixture
def signed_in(auth, coordinator):
    auth.login("oem@example.com")
    return coordinator


def _page(client, lead_id, query=""):
    return client.get(f"/console/leads/{lead_id}{query}").get_data(as_text=True)


def test_timeline_tells_who_declined_who_let_it_expire_and_why_unassigned(client, signed_in, clock):
    make_dealer("D-BER-1", name="Autohaus Mitte")
    make_dealer("D-BER-2", name="Landtechnik Nord", lat=52.6, lon=13.4)
    seller = create_user("s1@example.com", "salesperson", "D-BER-1", "password-123")
    lead = create_lead(lead_body())
    decline_offer(lead.id, seller, "capacity", "full this week")
    clock.advance(hours=2)
    expire_overdue_offers()
    html = _page(client, lead.id)
    assert "Declined by Autohaus Mitte (D-BER-1): no capacity" in html
    assert "“full this week”" in html
    assert "Landtechnik Nord (D-BER-2) let the offer expire" in html
    assert "No dealer left: the lead is in the OEM queue" in html
    assert "Before: Autohaus Mitte (D-BER-1) declined: no capacity; " in html
    assert "Landtechnik Nord (D-BER-2) let it expire." in html
    assert ">Unassigned</span>" in html


def test_won_lead_shows_won_with_order_value_and_times_in_the_chosen_zone(
    client, signed_in, coordinator, clock
):
    make_dealer("D-BER-1")
    seller = create_user("s1@example.com", "salesperson", "D-BER-1", "password-123")
    lead = create_lead(lead_body())
    accept_offer(lead.id, seller)
    change_stage(lead.id, db.session.get(User, seller.id), "contacted")
    change_stage(lead.id, db.session.get(User, seller.id), "won", "48900")
    set_timezone(db.session.get(User, coordinator.id), "Europe/Berlin")
    html = _page(client, lead.id)
    assert 'badge--won">Won</span>' in html and ">Accepted</span>" not in html.split("<h1")[1][:300]
    assert "Stage: New → Contacted" in html
    assert "Won, order value 48,900.00" in html
    assert "all times in Europe/Berlin" in html
    assert "23 Nov 2026, 10:00 CET" in html  # 09:00 UTC


def test_questions_show_on_the_lead_page_and_are_answered_there(client, signed_in, clock):
    make_dealer("D-BER-1")
    seller = create_user("s1@example.com", "salesperson", "D-BER-1", "password-123")
    lead = create_lead(lead_body())
    accept_offer(lead.id, seller)
    question = ask_question(lead.id, db.session.get(User, seller.id), "Is the trade-in included?")
    html = _page(client, lead.id)
    assert "Is the trade-in included?" in html and "asked a question" in html
    response = client.post(
        f"/console/questions/{question.id}/answer",
        data={"csrf_token": csrf_token_in(html), "body": "Yes, up to 5,000.", "back": "lead"},
    )
    assert response.headers["Location"].endswith(f"/console/leads/{lead.id}")
    html = _page(client, lead.id)
    assert "Question answered" in html and "Yes, up to 5,000." in html


def test_picker_finds_by_name_code_or_town_and_warns_about_missing_groups(client, signed_in, clock):
    make_dealer("D-BER-1", name="Autohaus Mitte", town="Berlin")
    make_dealer("D-POT-1", name="Gartencenter Havel", town="Potsdam", tags=["mowers", "store"])
    lead = create_lead(lead_body())
    by_town = client.get(f"/console/leads/{lead.id}/picker?q=potsd").get_data(as_text=True)
    assert by_town.lstrip().startswith('<div id="dealer-picker"')
    assert "Gartencenter Havel" in by_town and "Does not carry tractors." in by_town
    assert "km" in by_town
    by_code = client.get(f"/console/leads/{lead.id}/picker?q=d-ber").get_data(as_text=True)
    assert "Autohaus Mitte" in by_code and "Rank 1" not in by_code  # it holds the offer now
    by_name = _page(client, lead.id, "?q=mitte")
    assert "Autohaus Mitte" in by_name and 'value="mitte"' in by_name


def test_assign_with_unknown_code_keeps_the_field_and_names_the_error(client, signed_in, clock):
    make_dealer("D-BER-1")
    lead = create_lead(lead_body())
    html = _page(client, lead.id)
    response = client.post(
        f"/console/leads/{lead.id}/assign",
        data={"csrf_token": csrf_token_in(html), "dealers": "D-NOPE-9"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "no dealer with code D-NOPE-9" in page and 'value="D-NOPE-9"' in page


def test_assign_warns_when_the_dealer_lacks_the_product_group(client, signed_in, oem, clock):
    make_dealer("D-BER-1")
    make_dealer("D-POT-1", name="Gartencenter Havel", tags=["mowers", "store"])
    lead = create_lead(lead_body())
    html = _page(client, lead.id)
    response = client.post(
        f"/console/leads/{lead.id}/assign",
        data={"csrf_token": csrf_token_in(html), "picked": "D-POT-1"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Offered to D-POT-1." in page
    assert "Gartencenter Havel (D-POT-1): Does not carry tractors." in page
    assert oem.get(f"/api/v1/leads/{lead.id}").get_json()["dealer"] == "D-POT-1"


def test_distribute_offers_to_every_chosen_dealer(client, signed_in, oem, clock):
    make_dealer("D-BER-1")
    make_dealer("D-BER-2", lat=52.6, lon=13.4)
    make_dealer("D-BER-3", lat=52.4, lon=13.3)
    lead = create_lead(lead_body())
    html = _page(client, lead.id)
    client.post(
        f"/console/leads/{lead.id}/distribute",
        data={"csrf_token": csrf_token_in(html), "dealers": "d-ber-2", "picked": ["D-BER-3"]},
    )
    body = oem.get(f"/api/v1/leads/{lead.id}").get_json()
    pending = sorted(o["dealer"] for o in body["offers"] if o["status"] == "pending")
    assert pending == ["D-BER-2", "D-BER-3"]
    assert "Opportunity sent to" in _page(client, lead.id)


def test_assign_needs_exactly_one_dealer(client, signed_in, clock):
    make_dealer("D-BER-1")
    make_dealer("D-BER-2", lat=52.6, lon=13.4)
    lead = create_lead(lead_body())
    html = _page(client, lead.id)
    response = client.post(
        f"/console/leads/{lead.id}/assign",
        data={"csrf_token": csrf_token_in(html), "dealers": "D-BER-1, D-BER-2"},
    )
    assert response.status_code == 422
    assert "choose exactly one dealer" in response.get_data(as_text=True)


def test_reject_asks_for_confirmation_then_records_the_reason(client, signed_in, oem, clock):
    make_dealer("D-BER-1")
    lead = create_lead(lead_body(), review_reason="B2B above volume")
    html = _page(client, lead.id)
    data = {"csrf_token": csrf_token_in(html), "reason": "spam", "note": "bot text"}
    confirm = client.post(f"/console/leads/{lead.id}/reject", data=data)
    assert confirm.status_code == 200
    assert "Reject this lead?" in confirm.get_data(as_text=True)
    assert oem.get(f"/api/v1/leads/{lead.id}").get_json()["status"] == "review"
    client.post(f"/console/leads/{lead.id}/reject", data={**data, "confirmed": "yes"})
    assert oem.get(f"/api/v1/leads/{lead.id}").get_json()["status"] == "rejected"
    assert "Reason: Spam: bot text" in _page(client, lead.id)


def test_distributed_lead_timeline_and_board(client, signed_in, coordinator, clock):
    make_dealer("D-BER-1")
    make_dealer("D-BER-2", lat=52.6, lon=13.4)
    lead = create_lead(lead_body())
    distribute_lead(lead.id, ["D-BER-1", "D-BER-2"], db.session.get(User, coordinator.id))
    board = client.get("/console").get_data(as_text=True)
    assert "several" in board
