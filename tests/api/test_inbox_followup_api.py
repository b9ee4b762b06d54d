"""The contract's follow-up endpoints: stage changes, questions and the OEM's answers."""

import pytest
from sqlalchemy import select

from app.models import Lead, LeadEvent, Notification
from app.services.users import create_user
from tests.factories import lead_body, make_dealer


@pytest.fixture
def network(oem, dealer_api):
    """Two Berlin stores; a lead offered to the first; API clients for both and a distributor."""
    make_dealer("D-DIST", name="Nord Distribution", tier="distributor", tags=["parts"])
    make_dealer("D-BER-1", name="Autohaus Mitte", parent="D-DIST")
    make_dealer("D-BER-2", name="Spandau", lat=52.535, lon=13.197, inventory=[])
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    assert lead["dealer"] == "D-BER-1"
    return {
        "lead": lead,
        "mine": dealer_api("D-BER-1"),
        "other": dealer_api("D-BER-2"),
        "distributor": dealer_api("D-DIST", "dealer_manager"),
    }


def _accept(network):
    response = network["mine"].post(f"/api/v1/leads/{network['lead']['id']}/accept")
    assert response.status_code == 200


@pytest.mark.both_databases
def test_stage_is_409_while_the_offer_is_pending(network):
    lead_id = network["lead"]["id"]
    response = network["mine"].post(f"/api/v1/leads/{lead_id}/stage", json={"stage": "contacted"})
    assert response.status_code == 409
    assert "status" in response.get_json()["errors"]


def test_stage_is_404_for_a_dealer_that_cannot_see_the_lead(network):
    _accept(network)
    lead_id = network["lead"]["id"]
    response = network["other"].post(f"/api/v1/leads/{lead_id}/stage", json={"stage": "contacted"})
    assert response.status_code == 404
    missing = network["mine"].post("/api/v1/leads/nope/stage", json={"stage": "contacted"})
    assert missing.status_code == 404


@pytest.mark.both_databases
def test_owner_moves_the_lead_through_stages_and_events_are_recorded(network, db):
    _accept(network)
    lead_id = network["lead"]["id"]
    for stage in ("contacted", "qualified", "appointment"):
        response = network["mine"].post(f"/api/v1/leads/{lead_id}/stage", json={"stage": stage})
        assert response.status_code == 200
        assert response.get_json()["stage"] == stage
    events = db.session.scalars(
        select(LeadEvent).where(LeadEvent.lead_id == lead_id, LeadEvent.kind == "stage_changed")
    ).all()
    assert [event.detail["stage"] for event in events] == ["contacted", "qualified", "appointment"]
    assert events[0].detail["stage_from"] == "new"


@pytest.mark.both_databases
def test_won_needs_an_order_value_and_stores_it(network, oem):
    _accept(network)
    lead_id = network["lead"]["id"]
    url = f"/api/v1/leads/{lead_id}/stage"
    missing = network["mine"].post(url, json={"stage": "won"})
    assert missing.status_code == 422
    assert "order_value" in missing.get_json()["errors"]
    negative = network["mine"].post(url, json={"stage": "won", "order_value": -5})
    assert negative.status_code == 422 and "order_value" in negative.get_json()["errors"]
    won = network["mine"].post(url, json={"stage": "won", "order_value": 24500.5, "note": "cash"})
    assert won.status_code == 200
    assert won.get_json()["stage"] == "won"
    assert won.get_json()["order_value"] == 24500.5
    assert won.get_json()["order_currency"] == "EUR"  # the Berlin dealer's currency
    lost = network["mine"].post(url, json={"stage": "lost"})
    assert lost.get_json()["order_value"] is None
    assert lost.get_json()["order_currency"] is None


@pytest.mark.both_databases
def test_lost_reason_and_note_are_in_the_stage_answer_and_the_lead(network):
    _accept(network)
    lead_id = network["lead"]["id"]
    lost = network["mine"].post(
        f"/api/v1/leads/{lead_id}/stage",
        json={"stage": "lost", "lost_reason": "price", "note": "  Cheaper in Potsdam  "},
    )
    assert lost.status_code == 200
    assert (lost.get_json()["lost_reason"], lost.get_json()["lost_note"]) == (
        "price",
        "Cheaper in Potsdam",
    )
    shown = network["mine"].get(f"/api/v1/leads/{lead_id}").get_json()
    assert (shown["lost_reason"], shown["lost_note"]) == ("price", "Cheaper in Potsdam")
    reopened = network["mine"].post(f"/api/v1/leads/{lead_id}/stage", json={"stage": "contacted"})
    assert (reopened.get_json()["lost_reason"], reopened.get_json()["lost_note"]) == (None, None)


def test_a_won_amount_keeps_the_currency_of_the_dealer_that_won_it(network):
    make_dealer("D-BER-1", name="Autohaus Mitte", parent="D-DIST", currency="CHF")
    _accept(network)
    url = f"/api/v1/leads/{network['lead']['id']}/stage"
    won = network["mine"].post(url, json={"stage": "won", "order_value": 900})
    assert (won.get_json()["order_value"], won.get_json()["order_currency"]) == (900.0, "CHF")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"stage": "new"}, "stage"),
        ({"stage": "sold"}, "stage"),
        ({}, "stage"),
        ({"stage": "won", "order_value": "lots"}, "order_value"),
        ({"stage": "lost", "lost_reason": "weather"}, "lost_reason"),
    ],
)
def test_bad_stage_bodies_name_the_field(network, body, field):
    _accept(network)
    response = network["mine"].post(f"/api/v1/leads/{network['lead']['id']}/stage", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_stage_body_must_be_json(network):
    _accept(network)
    response = network["mine"].post(
        f"/api/v1/leads/{network['lead']['id']}/stage",
        data="not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_distributor_may_move_its_sub_dealers_lead(network):
    _accept(network)
    response = network["distributor"].post(
        f"/api/v1/leads/{network['lead']['id']}/stage", json={"stage": "contacted"}
    )
    assert response.status_code == 200


def test_coordinator_may_not_change_a_stage(network, oem):
    _accept(network)
    response = oem.post(f"/api/v1/leads/{network['lead']['id']}/stage", json={"stage": "lost"})
    assert response.status_code == 403


@pytest.mark.both_databases
def test_question_round_trip_in_the_contract_shape(network, oem, db):
    lead_id = network["lead"]["id"]
    asked = network["mine"].post(
        f"/api/v1/leads/{lead_id}/questions", json={"body": "  Is the TR-500 in stock?  "}
    )
    assert asked.status_code == 201
    question = asked.get_json()
    assert set(question) == {"id", "body", "answer", "asked_at", "answered_at"}
    assert question["body"] == "Is the TR-500 in stock?"
    assert question["answer"] is None and question["answered_at"] is None
    assert question["asked_at"].endswith("Z")

    answered = oem.post(
        f"/api/v1/questions/{question['id']}/answer", json={"body": "Yes, two units."}
    )
    assert answered.status_code == 200
    assert answered.get_json()["answer"] == "Yes, two units."
    assert answered.get_json()["answered_at"].endswith("Z")

    listed = network["mine"].get(f"/api/v1/leads/{lead_id}/questions").get_json()["items"]
    assert [item["answer"] for item in listed] == ["Yes, two units."]
    assert oem.get(f"/api/v1/leads/{lead_id}/questions").get_json()["items"] == listed
    kinds = {event.kind for event in db.session.scalars(select(LeadEvent))}
    assert {"question_asked", "question_answered"} <= kinds


def test_questions_notify_coordinators_and_answers_notify_the_asking_dealer(network, oem, db):
    lead_id = network["lead"]["id"]
    db.session.execute(Notification.__table__.delete())
    db.session.commit()
    question = (
        network["mine"]
        .post(f"/api/v1/leads/{lead_id}/questions", json={"body": "Trade-in possible?"})
        .get_json()
    )
    rows = db.session.scalars(select(Notification)).all()
    assert [row.kind for row in rows] == ["question"]
    assert rows[0].payload["url"] == f"/console/questions#question-{question['id']}"

    oem.post(f"/api/v1/questions/{question['id']}/answer", json={"body": "Yes."})
    answers = db.session.scalars(select(Notification).where(Notification.kind == "answer")).all()
    assert len(answers) == 1  # the one salesperson of D-BER-1
    assert answers[0].payload["url"] == f"/inbox/leads/{lead_id}#questions"
    assert answers[0].payload["body"] == "Yes."


def test_question_rules(network, oem):
    lead_id = network["lead"]["id"]
    url = f"/api/v1/leads/{lead_id}/questions"
    assert network["other"].post(url, json={"body": "Hi?"}).status_code == 404
    assert network["other"].get(url).status_code == 404
    assert network["mine"].post(url, json={"body": "   "}).status_code == 422
    assert network["mine"].post(url, json={}).get_json()["errors"] == {"body": "is required"}
    assert oem.post(url, json={"body": "Coordinators answer"}).status_code == 403
    question = network["mine"].post(url, json={"body": "Colour?"}).get_json()
    answer_url = f"/api/v1/questions/{question['id']}/answer"
    assert network["mine"].post(answer_url, json={"body": "Red"}).status_code == 403
    assert oem.post("/api/v1/questions/999999/answer", json={"body": "x"}).status_code == 404
    assert oem.post(answer_url, json={"body": ""}).status_code == 422
    assert oem.post(answer_url, json={"body": "Red"}).status_code == 200
    assert oem.post(answer_url, json={"body": "Blue"}).status_code == 409


def test_a_dealer_sees_only_its_own_questions(network, oem, client):
    lead_id = network["lead"]["id"]
    network["mine"].post(f"/api/v1/leads/{lead_id}/questions", json={"body": "Mine?"})
    # The first dealer declines; the second gets the offer and its own thread.
    network["mine"].post(f"/api/v1/leads/{lead_id}/decline", json={"reason": "capacity"})
    other_items = network["other"].get(f"/api/v1/leads/{lead_id}/questions").get_json()["items"]
    assert other_items == []
    assert network["mine"].get(f"/api/v1/leads/{lead_id}/questions").status_code == 404
    assert len(oem.get(f"/api/v1/leads/{lead_id}/questions").get_json()["items"]) == 1


def test_withdrawn_notification_reaches_the_dealer(network, db):
    from app.models import Dealer
    from app.services.notify import notify_withdrawn

    create_user("second@example.com", "salesperson", "D-BER-1", "password-123")
    lead = db.session.get(Lead, network["lead"]["id"])
    dealer = db.session.scalar(select(Dealer).where(Dealer.code == "D-BER-1"))
    notify_withdrawn(lead, dealer)
    db.session.commit()
    rows = db.session.scalars(select(Notification).where(Notification.kind == "withdrawn")).all()
    assert len(rows) == 2
    assert rows[0].payload["title"].startswith("Lead taken back")


def test_openapi_describes_the_follow_up_endpoints(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/leads/{lead_id}/stage"]
    assert {"get", "post"} <= set(paths["/api/v1/leads/{lead_id}/questions"])
    assert "post" in paths["/api/v1/questions/{question_id}/answer"]
