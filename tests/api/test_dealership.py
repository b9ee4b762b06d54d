"""Inside a dealership: a manager assigns an accepted lead to a salesperson (who gets a
push), a salesperson hands a lead to a colleague, a salesperson sees their own and the
unassigned leads only, and a salesperson sets their own absence."""

from datetime import timedelta

import pytest

from app.clock import utcnow
from app.extensions import db
from app.models import Notification, User
from app.services import absence
from app.services.forms import create_form
from app.services.users import create_token, create_user
from tests.conftest import Api
from tests.factories import lead_body, make_dealer


@pytest.fixture
def dealership(app, client):
    """D-BER-1 with a manager and two salespeople; D-M-1 elsewhere with one."""
    make_dealer("D-BER-1", name="Autohaus Mitte")
    make_dealer("D-M-1", name="München", lat=48.137, lon=11.575, postal_code="80331")
    people = {}
    for key, email, role, code in (
        ("manager", "boss@ber.example", "dealer_manager", "D-BER-1"),
        ("anna", "anna@ber.example", "salesperson", "D-BER-1"),
        ("ben", "ben@ber.example", "salesperson", "D-BER-1"),
        ("munich", "sales@m.example", "salesperson", "D-M-1"),
    ):
        user = create_user(email, role, code, "password-123")
        people[key] = (user.id, Api(client, create_token(user)))
    return people


def _accepted_lead(oem, manager) -> str:
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    assert manager.post(f"/api/v1/leads/{lead['id']}/accept").status_code == 200
    return lead["id"]


def _pushes(user_id: int) -> list[Notification]:
    return list(db.session.query(Notification).filter_by(user_id=user_id, kind="assigned"))


def test_manager_assigns_an_accepted_lead_to_a_salesperson_who_gets_a_push(oem, dealership):
    _, manager = dealership["manager"]
    anna_id, anna = dealership["anna"]
    ben_id, ben = dealership["ben"]
    lead_id = _accepted_lead(oem, manager)
    # Unassigned: every salesperson of the dealership sees it.
    assert anna.get(f"/api/v1/leads/{lead_id}").status_code == 200
    assert ben.get(f"/api/v1/leads/{lead_id}").status_code == 200

    response = manager.post(f"/api/v1/leads/{lead_id}/assignee", json={"user_id": anna_id})
    assert response.status_code == 200
    assert response.get_json()["assignee"] == "anna@ber.example"
    [push] = _pushes(anna_id)
    assert push.payload["url"] == f"/inbox/leads/{lead_id}"
    # Now Anna's: Ben no longer sees it anywhere.
    assert ben.get(f"/api/v1/leads/{lead_id}").status_code == 404
    assert lead_id not in [item["id"] for item in ben.get("/api/v1/inbox").get_json()["items"]]
    assert (
        ben.post(f"/api/v1/leads/{lead_id}/stage", json={"stage": "contacted"}).status_code == 404
    )
    assert (
        anna.post(f"/api/v1/leads/{lead_id}/stage", json={"stage": "contacted"}).status_code == 200
    )


def test_salesperson_hands_a_lead_to_a_colleague(oem, dealership):
    _, manager = dealership["manager"]
    anna_id, anna = dealership["anna"]
    ben_id, ben = dealership["ben"]
    lead_id = _accepted_lead(oem, manager)
    manager.post(f"/api/v1/leads/{lead_id}/assignee", json={"user_id": anna_id})
    assert (
        ben.post(f"/api/v1/leads/{lead_id}/assignee", json={"user_id": ben_id}).status_code == 404
    )  # not Ben's to take: he cannot see it
    handed = anna.post(f"/api/v1/leads/{lead_id}/assignee", json={"user_id": ben_id})
    assert handed.status_code == 200 and handed.get_json()["assignee"] == "ben@ber.example"
    assert len(_pushes(ben_id)) == 1
    assert anna.get(f"/api/v1/leads/{lead_id}").status_code == 404
    assert ben.get(f"/api/v1/leads/{lead_id}").status_code == 200


def test_a_salesperson_who_accepts_works_the_lead(oem, dealership):
    anna_id, anna = dealership["anna"]
    _, ben = dealership["ben"]
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    assert anna.post(f"/api/v1/leads/{lead['id']}/accept").get_json()["assignee"] == (
        "anna@ber.example"
    )
    assert ben.get(f"/api/v1/leads/{lead['id']}").status_code == 404


def test_assignment_refuses_outsiders_absentees_and_open_offers(oem, dealership):
    _, manager = dealership["manager"]
    anna_id, _ = dealership["anna"]
    munich_id, munich = dealership["munich"]
    offered = oem.post("/api/v1/leads", json=lead_body()).get_json()["id"]
    assert (
        manager.post(f"/api/v1/leads/{offered}/assignee", json={"user_id": anna_id}).status_code
        == 409
    )
    lead_id = _accepted_lead(oem, manager)
    other = manager.post(f"/api/v1/leads/{lead_id}/assignee", json={"user_id": munich_id})
    assert other.status_code == 422 and "user_id" in other.get_json()["errors"]
    assert (
        manager.post(f"/api/v1/leads/{lead_id}/assignee", json={"user_id": "x"}).status_code == 422
    )
    assert (
        munich.post(f"/api/v1/leads/{lead_id}/assignee", json={"user_id": munich_id}).status_code
        == 404
    )
    absence.set_user_absence(db.session.get(User, anna_id), None, utcnow() + timedelta(days=3))
    away = manager.post(f"/api/v1/leads/{lead_id}/assignee", json={"user_id": anna_id})
    assert away.status_code == 422 and "absent" in away.get_json()["errors"]["user_id"]


def test_salesperson_sets_their_own_absence_on_the_settings_page(app, client, auth, dealership):
    auth.login("anna@ber.example")
    from tests.conftest import csrf_token_in

    page = client.get("/inbox/settings").get_data(as_text=True)
    assert "Your absence" in page
    response = client.post(
        "/inbox/settings/absence",
        data={"csrf_token": csrf_token_in(page), "absent_until": "2031-08-15"},
    )
    assert response.status_code == 302
    anna = db.session.get(User, dealership["anna"][0])
    db.session.refresh(anna)
    assert anna.is_absent(utcnow()) and anna.dealer.absent_until is None


def test_pushes_about_a_colleagues_lead_do_not_reach_a_salesperson(oem, dealership):
    """Once a lead is Anna's, Ben hears nothing about it: not the customer writing again,
    not the manufacturer's answer to the dealership's question."""
    _, manager = dealership["manager"]
    anna_id, _ = dealership["anna"]
    ben_id, _ = dealership["ben"]
    lead_id = _accepted_lead(oem, manager)
    given = manager.post(f"/api/v1/leads/{lead_id}/assignee", json={"user_id": anna_id})
    assert given.status_code == 200
    asked = manager.post(f"/api/v1/leads/{lead_id}/questions", json={"body": "Stock?"})
    question_id = asked.get_json()["id"]
    answered = oem.post(f"/api/v1/questions/{question_id}/answer", json={"body": "Yes"})
    assert answered.status_code == 200
    # The same customer sends the same inquiry again through the brand's form.
    form = create_form({"name": "Brand site", "allowed_origins": []})
    again = oem.client.post(
        "/api/v1/leads", json=lead_body(), headers={"X-Form-Key": form.public_key}
    )
    assert again.status_code == 201

    def kinds(user_id: int) -> set[str]:
        return {push.kind for push in db.session.query(Notification).filter_by(user_id=user_id)}

    assert {"assigned", "answer", "customer_again"} <= kinds(anna_id)
    assert not kinds(ben_id) & {"answer", "customer_again", "assigned"}
