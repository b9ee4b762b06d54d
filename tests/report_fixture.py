"""A hand-computed report fixture: two dealers, five leads, every time and state exact.

Written straight into the tables (then backfilled into the reporting tables), so the
figures the report tests expect (worked out by hand in tests/api/test_reports_api.py)
follow from what is here and nothing else.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.extensions import db
from app.models import Lead, LineItem, Offer
from app.services.report_facts import refresh_leads
from tests.factories import make_dealer

NOV = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def _lead(country, postal_code, groups, custom_fields, **fields) -> Lead:
    lead = Lead(
        first_name="Eva",
        last_name="Ng",
        inquiry_type="b2c",
        country=country,
        postal_code=postal_code,
        custom_fields=custom_fields,
        created_at=fields.pop("created_at", NOV),
        **fields,
    )
    lead.line_items = [
        LineItem(position=index, product_group=group) for index, group in enumerate(groups)
    ]
    db.session.add(lead)
    db.session.flush()
    return lead


def _offer(lead, dealer, status, offered_at, answer_after=None, reason=None) -> Offer:
    responded = offered_at + timedelta(seconds=answer_after) if answer_after is not None else None
    offer = Offer(
        lead=lead,
        dealer=dealer,
        status=status,
        offered_at=offered_at,
        expires_at=offered_at + timedelta(hours=1),
        responded_at=responded,
        reason=reason,
    )
    db.session.add(offer)
    return offer


def build_report_fixture(backfill: bool = True) -> None:
    """Two dealers, five leads; L5 lies before the range (October).

    `backfill=False` leaves the reporting tables alone (a schema that has none yet).
    """
    a, b = make_dealer("D-A"), make_dealer("D-B")
    # L1: DE-10, tractors (twice: counts once) + mowers, campaign spring.
    # A declines after 60 s (portfolio), B accepts after 120 s and wins 1000.
    l1 = _lead(
        "DE",
        "10117",
        ["tractors", "tractors", "mowers"],
        {"campaign_id": "spring", "utm_campaign": "ignored"},
        status="accepted",
        stage="won",
        owner_dealer_id=b.id,
        order_value=Decimal("1000.00"),
        order_currency="EUR",
    )
    _offer(l1, a, "declined", NOV, 60, "portfolio")
    _offer(l1, b, "accepted", NOV + timedelta(minutes=2), 120)
    # L2: DE-10, tractors, utm_campaign fall; A accepts after 300 s, not won yet.
    l2 = _lead(
        "DE",
        "10243",
        ["tractors"],
        {"utm_campaign": "fall"},
        status="accepted",
        stage="contacted",
        owner_dealer_id=a.id,
    )
    _offer(l2, a, "accepted", NOV + timedelta(days=1), 300)
    # L3: DE-80, mowers, no campaign; A lets it expire, B declines after 30 s (capacity).
    l3 = _lead("DE", "80331", ["mowers"], {}, status="unassigned")
    _offer(l3, a, "expired", NOV + timedelta(days=2), 3600)
    _offer(l3, b, "declined", NOV + timedelta(days=2, hours=1), 30, "capacity")
    # L4: AT-10, mowers, campaign spring; B accepts after 600 s and wins 500.50.
    l4 = _lead(
        "AT",
        "1010",
        ["mowers"],
        {"campaign_id": "spring"},
        status="accepted",
        stage="won",
        owner_dealer_id=b.id,
        order_value=Decimal("500.50"),
        order_currency="EUR",
    )
    _offer(l4, b, "accepted", NOV + timedelta(days=3), 600)
    # L5: October, outside the range: A accepted and won 9999.
    october = datetime(2026, 10, 15, 9, 0, tzinfo=UTC)
    l5 = _lead(
        "DE",
        "10115",
        ["tractors"],
        {"campaign_id": "spring"},
        status="accepted",
        stage="won",
        owner_dealer_id=a.id,
        order_value=Decimal("9999.00"),
        order_currency="EUR",
        created_at=october,
    )
    _offer(l5, a, "accepted", october, 10)
    # Written past the services, as existing data is: the migration's backfill fills the
    # reporting tables the reports read.
    if backfill:
        refresh_leads(None)
    db.session.commit()
