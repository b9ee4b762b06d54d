"""The reporting tables follow every offer transition in the same transaction."""

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models import Dealer, ReportOffer, ReportOfferGroup
from app.services import recycling, reports
from app.services.offers import accept_offer, decline_offer
from app.services.report_facts import refresh_leads
from app.services.stages import change_stage
from app.services.users import find_user_by_email
from tests.factories import lead_body
from tests.services.helpers import new_lead

pytestmark = pytest.mark.both_databases

SECOND_ITEM = {
    "sku": None,
    "product_group": "mowers",
    "interest_type": "quote",
    "item_type": "vehicle",
    "quantity": 1,
}


def _rows(table=ReportOffer) -> list[tuple]:
    """Every report row as (dealer code, status, reason, seconds, region, campaign, won, value)."""
    db.session.expire_all()
    codes = dict(db.session.execute(select(Dealer.id, Dealer.code)).all())
    order = [table.offer_id, *([table.product_group] if table is ReportOfferGroup else [])]
    rows = db.session.scalars(select(table).order_by(*order)).all()
    return [
        (
            codes[row.dealer_id],
            getattr(row, "product_group", None),
            row.status,
            row.reason,
            round(row.response_seconds, 3) if row.response_seconds is not None else None,
            row.region,
            row.campaign,
            bool(row.won),
            float(row.order_value) if row.order_value is not None else None,
        )
        for row in rows
    ]


def _salesperson(code: str):
    return find_user_by_email(f"sales@{code.lower()}.example")


def test_offer_transitions_and_a_win_keep_the_report_rows(network, clock):
    lead = new_lead(line_items=[*lead_body()["line_items"], SECOND_ITEM])
    assert _rows() == [
        ("D1", None, "pending", None, None, "DE-10", "spring-26", False, None),
    ]
    clock.advance(seconds=90)
    decline_offer(lead.id, _salesperson("D1"), "capacity")
    clock.advance(seconds=30)
    accept_offer(lead.id, _salesperson("D2"))
    clock.advance(days=2)
    change_stage(lead.id, _salesperson("D2"), "won", order_value="1200.50")
    assert _rows() == [
        ("D1", None, "declined", "capacity", 90.0, "DE-10", "spring-26", False, None),
        ("D2", None, "accepted", None, 30.0, "DE-10", "spring-26", True, 1200.5),
    ]
    # One row per offer and product group: the product-group report counts the lead once
    # in each of its groups.
    assert [(row[0], row[1], row[2]) for row in _rows(ReportOfferGroup)] == [
        ("D1", "mowers", "declined"),
        ("D1", "tractors", "declined"),
        ("D2", "mowers", "accepted"),
        ("D2", "tractors", "accepted"),
    ]
    by_dealer = {item["dealer"]: item for item in reports.report("dealers")}
    assert by_dealer["D2"]["won"] == 1 and by_dealer["D2"]["order_value"] == 1200.5
    assert by_dealer["D1"]["decline_reasons"]["capacity"] == 1


def test_expiry_is_kept_and_the_kept_rows_equal_a_backfill(network, clock):
    first = new_lead()
    second = new_lead(
        customer={"first_name": "Max", "last_name": "Rot", "email": "max@example.com"},
        custom_fields={"utm_campaign": "fall"},
    )
    clock.advance(hours=1)
    assert recycling.expire_overdue_offers() == 2
    clock.advance(minutes=5)
    accept_offer(first.id, _salesperson("D2"))
    kept = (_rows(), _rows(ReportOfferGroup))
    # The worker expires the two offers in no particular order: compare as a set.
    assert {(row[0], row[2], row[6]) for row in kept[0]} == {
        ("D1", "expired", "spring-26"),
        ("D1", "expired", "fall"),
        ("D2", "accepted", "spring-26"),
        ("D2", "pending", "fall"),
    }
    assert second.id  # both leads went through the services above
    refresh_leads(None)  # what the migration's backfill writes from the same tables
    db.session.commit()
    assert (_rows(), _rows(ReportOfferGroup)) == kept


def test_an_offer_without_report_rows_gets_them_when_it_ends(network, clock):
    """refresh_offer updates an ended offer's rows in place; rows that were never written
    (an offer stored before the tables existed) are written then, as the backfill would."""
    lead = new_lead(line_items=[*lead_body()["line_items"], SECOND_ITEM])
    db.session.execute(delete(ReportOfferGroup))
    db.session.execute(delete(ReportOffer))
    db.session.commit()
    clock.advance(seconds=45)
    decline_offer(lead.id, _salesperson("D1"), "capacity")
    declined = ("D1", None, "declined", "capacity", 45.0, "DE-10", "spring-26", False, None)
    assert _rows()[0] == declined
    assert [(row[0], row[1], row[2]) for row in _rows(ReportOfferGroup)] == [
        ("D1", "mowers", "declined"),
        ("D1", "tractors", "declined"),
        ("D2", "mowers", "pending"),
        ("D2", "tractors", "pending"),
    ]
