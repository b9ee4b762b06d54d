"""The first accept of a distributed opportunity wins, atomically, across processes.

Fifty leads are each distributed to four dealers at once. Four processes (one per
dealer, each with its own app and connections) wait at a barrier and then accept all
fifty through the JSON API as fast as they can, in different orders. Exactly one
accept wins each lead; every other answer is a 409; no lead ends with two owners or
two accepted offers (a partial unique index refuses a second one in the database).
"""

import multiprocessing
import random

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Lead, Offer
from app.services.dispatch import distribute_lead
from app.services.intake import create_lead
from app.services.users import create_token, create_user
from tests.factories import lead_body, make_dealer

pytestmark = pytest.mark.both_databases

LEADS = 50
DEALERS = ("D1", "D2", "D3", "D4")


def _accept_all(database_uri, token, lead_ids, seed, barrier, results) -> None:
    """One process: its own app and connections; accept every lead over the API."""
    from app import create_app
    from tests.conftest import FreshContextClient, TestConfig

    app = create_app(TestConfig(database_uri))
    app.test_client_class = FreshContextClient
    client = app.test_client()
    order = list(lead_ids)
    random.Random(seed).shuffle(order)
    headers = {"Authorization": f"Bearer {token}"}
    client.get("/api/v1/inbox", headers=headers)  # warm up: connections, token lookup
    barrier.wait(timeout=120)
    answers = [
        (lead_id, client.post(f"/api/v1/leads/{lead_id}/accept", headers=headers).status_code)
        for lead_id in order
    ]
    results.put(answers)


def test_exactly_one_of_simultaneous_accepts_wins_each_opportunity(app, database_uri, clock):
    coordinator = create_user("oem@example.com", "coordinator", password="password-123")
    tokens = []
    for code in DEALERS:
        make_dealer(code, name=f"Dealer {code}")
        user = create_user(f"sales@{code.lower()}.example", "salesperson", code, "password-123")
        tokens.append(create_token(user))
    lead_ids = []
    for _ in range(LEADS):
        lead = create_lead(lead_body(), actor=coordinator)
        distribute_lead(lead.id, list(DEALERS), coordinator)
        lead_ids.append(lead.id)
    db.session.remove()

    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(DEALERS))
    results = context.Queue()
    processes = [
        context.Process(
            target=_accept_all,
            args=(database_uri, token, lead_ids, seed, barrier, results),
        )
        for seed, token in enumerate(tokens)
    ]
    for process in processes:
        process.start()
    answers = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    by_lead: dict[str, list[int]] = {lead_id: [] for lead_id in lead_ids}
    for process_answers in answers:
        for lead_id, status in process_answers:
            by_lead[lead_id].append(status)
    for lead_id, statuses in by_lead.items():
        assert sorted(statuses) == [200, 409, 409, 409], (lead_id, statuses)

    leads = list(db.session.scalars(select(Lead).where(Lead.id.in_(lead_ids))))
    assert {lead.status for lead in leads} == {"accepted"}
    assert all(lead.owner_dealer_id is not None for lead in leads)
    accepted = dict(
        db.session.execute(
            select(Offer.lead_id, func.count())
            .where(Offer.status == "accepted")
            .group_by(Offer.lead_id)
        ).all()
    )
    assert accepted == {lead_id: 1 for lead_id in lead_ids}
    for lead in leads:
        winner = next(offer for offer in lead.offers if offer.status == "accepted")
        assert winner.dealer_id == lead.owner_dealer_id
        distributed = [offer for offer in lead.offers if offer.kind == "distributed"]
        assert sorted(offer.status for offer in distributed) == [
            "accepted",
            "withdrawn",
            "withdrawn",
            "withdrawn",
        ]


def test_the_database_refuses_a_second_accepted_offer(app, clock):
    """The guarantee does not rest on the service: the schema itself refuses it."""
    from sqlalchemy.exc import IntegrityError

    coordinator = create_user("oem@example.com", "coordinator", password="password-123")
    for code in DEALERS[:2]:
        make_dealer(code, name=f"Dealer {code}")
    lead = create_lead(lead_body(), actor=coordinator)
    distribute_lead(lead.id, list(DEALERS[:2]), coordinator)
    first, second = (offer for offer in lead.offers if offer.kind == "distributed")
    first.status = "accepted"
    db.session.commit()
    second.status = "accepted"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
