"""Duplicates: the same customer about the same kind of product joins the open lead."""

from sqlalchemy import func, select

from app.models import Lead, Notification
from app.services import spam
from app.services.duplicates import normalised_phone
from app.services.forms import receive_submission
from app.services.users import create_user
from tests.factories import lead_body

PERSON = spam.Signals(fill_seconds=60, timed=True)


def lead_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Lead))


def test_same_email_same_group_merges_into_the_open_lead(form, db, clock):
    create_user("sales@ber.example", "salesperson", "D-BER-1")
    first = receive_submission(form, lead_body(), PERSON)
    clock.advance(hours=5)
    customer = {**lead_body()["customer"], "email": "EVA@Example.com", "phone": None}
    again = lead_body(
        customer=customer,
        message="Could you also quote the TR-700?",
        line_items=[{"sku": "TR-700", "product_group": "tractors"}],
    )
    second = receive_submission(form, again, PERSON)
    assert second.outcome == "merged" and second.merged_into == first.lead.id
    assert lead_count(db) == 1
    lead = db.session.get(Lead, first.lead.id)
    assert lead.message.startswith("Looking for a compact tractor")
    assert "again] Could you also quote the TR-700?" in lead.message
    assert [item.sku for item in lead.line_items] == ["TR-500", "TR-700"]
    assert len(lead.offers) == 1  # not routed a second time
    kinds = [row.kind for row in db.session.scalars(select(Notification))]
    assert kinds == ["new_offer", "customer_again"]


def test_same_phone_written_differently_merges(form, db):
    first = receive_submission(form, lead_body(), PERSON)
    customer = {"first_name": "Eva", "last_name": "Ng", "email": None, "phone": "030 1234567"}
    second = receive_submission(form, lead_body(customer=customer), PERSON)
    assert second.merged_into == first.lead.id
    assert normalised_phone("030 1234567", "DE") == normalised_phone("+49 30 1234567", "DE")


def test_other_product_group_is_a_new_lead(form, db):
    receive_submission(form, lead_body(), PERSON)
    mower = lead_body(line_items=[{"sku": "MW-20", "product_group": "mowers"}])
    assert receive_submission(form, mower, PERSON).outcome == "received"
    assert lead_count(db) == 2


def test_outside_the_window_is_a_new_lead(form, db, clock, app):
    app.config["RELAY_DUPLICATE_WINDOW_HOURS"] = 24
    receive_submission(form, lead_body(), PERSON)
    clock.advance(hours=25)
    assert receive_submission(form, lead_body(), PERSON).outcome == "received"
    assert lead_count(db) == 2


def test_closed_or_rejected_leads_take_no_merges(form, db):
    first = receive_submission(form, lead_body(), PERSON)
    first.lead.stage = "lost"
    db.session.commit()
    assert receive_submission(form, lead_body(), PERSON).outcome == "received"
    spam_signals = spam.Signals(honeypot="x", fill_seconds=60, timed=True)
    customer = {**lead_body()["customer"], "email": "bot@example.com", "phone": None}
    receive_submission(form, lead_body(customer=customer), spam_signals)
    assert receive_submission(form, lead_body(customer=customer), PERSON).outcome == "received"


def test_api_answer_names_the_lead_it_merged_into(client, form):
    headers = {"X-Form-Key": form.public_key}
    first = client.post("/api/v1/leads", json=lead_body(), headers=headers).get_json()
    second = client.post("/api/v1/leads", json=lead_body(), headers=headers).get_json()
    assert second == {"id": first["id"], "status": "received", "merged_into": first["id"]}
