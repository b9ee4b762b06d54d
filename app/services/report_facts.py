"""The reporting tables: one narrow row per offer (and per offer and product group).

Reports group and sum offers by dealer, region, campaign and product group over a date
range. Joining every offer of a year with its lead and line items took 5-24 s on a
million leads; these tables hold exactly the columns a report reads, so a report is one
scan of one table by date.

They are kept in the same transaction as each write that changes their facts:
`refresh_leads` rewrites a lead's rows from its offers, lead and line items, and is
called by the offer transitions (app/services/offers.py: an offer created or ended),
by a stage change (won and its order value), and by a duplicate merged into a lead
(new product groups, a campaign). `refresh_leads(None)` rewrites every row: the
migration's backfill. Deleting a lead or an offer deletes its rows (ON DELETE CASCADE).
"""

import functools
from collections.abc import Iterable

from sqlalchemy import (
    Update,
    and_,
    bindparam,
    case,
    delete,
    false,
    func,
    insert,
    literal,
    null,
    select,
    true,
    update,
)

from app.extensions import db
from app.models import Lead, LineItem, Offer, ReportOffer, ReportOfferGroup
from app.services.unit_of_work import insert_rows

# The columns both tables share, in the order the INSERT ... SELECT fills them.
FACT_COLUMNS = (
    "offer_id",
    "lead_id",
    "dealer_id",
    "offered_at",
    "status",
    "reason",
    "response_seconds",
    "region",
    "campaign",
    "won",
    "order_value",
    "order_currency",
)


def _response_seconds(dialect: str):
    """Seconds from offer to answer, in the database's own arithmetic."""
    if dialect == "postgresql":
        return func.extract("epoch", Offer.responded_at - Offer.offered_at)
    return (func.julianday(Offer.responded_at) - func.julianday(Offer.offered_at)) * 86400.0


def _facts(dialect: str):
    """SELECT of the fact columns of every offer with its lead (the caller narrows it)."""
    answered = and_(Offer.status.in_(("accepted", "declined")), Offer.responded_at.is_not(None))
    won = and_(
        Offer.status == "accepted",
        Lead.stage == "won",
        Lead.owner_dealer_id == Offer.dealer_id,
    )
    region = case(
        (Lead.country.is_(None), null()),
        (Lead.postal_code.is_(None), Lead.country),
        else_=Lead.country + literal("-") + func.substr(Lead.postal_code, 1, 2),
    )
    return (
        select(
            Offer.id,
            Offer.lead_id,
            Offer.dealer_id,
            Offer.offered_at,
            Offer.status,
            Offer.reason,
            case((answered, _response_seconds(dialect)), else_=null()),
            region,
            Lead.campaign,
            case((won, true()), else_=false()),
            case((won, Lead.order_value), else_=null()),
            case((won, Lead.order_currency), else_=null()),
        )
        .select_from(Offer)
        .join(Lead, Lead.id == Offer.lead_id)
    )


def refresh_leads(lead_ids: Iterable[str] | None, executor=None) -> None:
    """Rewrite the report rows of these leads' offers (every lead's when None).

    Runs in the caller's transaction (`executor`: the session by default, or the
    migration's connection), after the changes it reads have been flushed.
    """
    if executor is None:
        db.session.flush()
        executor = db.session
    bind = executor.get_bind() if hasattr(executor, "get_bind") else executor
    dialect = bind.dialect.name
    ids = None if lead_ids is None else sorted(set(lead_ids))
    if ids == []:
        return
    if ids is not None:
        # Two transactions rewriting one lead's rows at once (a stage change beside an
        # offer's end) would both insert the same keys: the lead's row lock (PostgreSQL;
        # SQLite has one writer) makes the second wait and then read what the first wrote.
        executor.execute(select(Lead.id).where(Lead.id.in_(ids)).with_for_update())
    for table in (ReportOfferGroup, ReportOffer):
        statement = delete(table)
        if ids is not None:
            statement = statement.where(table.lead_id.in_(ids))
        executor.execute(statement)
    facts = _facts(dialect)
    if ids is not None:
        facts = facts.where(Offer.lead_id.in_(ids))
    _insert_rows(executor, facts, ids, None if ids is None else ReportOffer.lead_id.in_(ids))


def _insert_rows(executor, facts, lead_ids, written) -> None:
    """INSERT ... SELECT the offers' rows from `facts`, then their product-group rows
    (`written`: which report_offers rows were just inserted; None: all)."""
    executor.execute(insert(ReportOffer).from_select(FACT_COLUMNS, facts))
    groups = select(LineItem.lead_id, LineItem.product_group).distinct()
    if lead_ids is not None:
        groups = groups.where(LineItem.lead_id.in_(lead_ids))
    groups = groups.subquery("groups")
    per_group = select(
        *(getattr(ReportOffer, column) for column in FACT_COLUMNS), groups.c.product_group
    ).join(groups, groups.c.lead_id == ReportOffer.lead_id)
    if written is not None:
        per_group = per_group.where(written)
    executor.execute(
        insert(ReportOfferGroup).from_select((*FACT_COLUMNS, "product_group"), per_group)
    )


def refresh_offer(offer_id: int, lead_id: str) -> None:
    """Rewrite one offer's report rows after it ended (its lead's other rows stay).

    An offer's end changes only its own facts (status, reason, response time, a win),
    so its rows are updated in place from the offer and its lead: two UPDATEs, built
    once per process, instead of deleting and inserting them again (four statements,
    each built anew: that building cost more CPU than the database's work). An offer
    without rows yet gets them written as the backfill would. The callers
    (offers.end_offer) hold the lead's row lock.
    """
    db.session.flush()
    connection = db.session.connection()
    offer_rows, group_rows = _ended_offer_updates(connection.dialect.name)
    if connection.execute(offer_rows, {"ended_offer_id": offer_id}).rowcount == 0:
        facts = _facts(connection.dialect.name).where(Offer.id == offer_id)
        _insert_rows(db.session, facts, [lead_id], ReportOffer.offer_id == offer_id)
        return
    connection.execute(group_rows, {"ended_offer_id": offer_id})


@functools.cache
def _ended_offer_updates(dialect: str) -> tuple[Update, Update]:
    """UPDATE ... FROM statements setting one offer's (`:ended_offer_id`) report row from its
    facts, then its product-group rows from that row (the groups stay: line items
    change only through refresh_lead)."""
    ended = bindparam("ended_offer_id")
    facts = _facts(dialect).where(Offer.id == ended).subquery("facts")
    fact = dict(zip(FACT_COLUMNS, facts.c, strict=True))
    offers, groups = ReportOffer.__table__, ReportOfferGroup.__table__
    changed = FACT_COLUMNS[4:]  # an offer's lead, dealer and time never change
    offer_rows = (
        update(offers)
        .where(offers.c.offer_id == fact["offer_id"])
        .values({offers.c[column]: fact[column] for column in changed})
    )
    group_rows = (
        update(groups)
        .where(groups.c.offer_id == offers.c.offer_id, offers.c.offer_id == ended)
        .values({groups.c[column]: offers.c[column] for column in changed})
    )
    return offer_rows, group_rows


def add_offer(offer: Offer) -> None:
    """Insert the report rows of a just-flushed new, pending offer (the lead's other rows stay).

    A new offer's rows cannot exist yet, so nothing is deleted, and its facts are all
    in hand (pending: no answer, no win), so they are written as values, two plain
    INSERTs, instead of refresh_lead's six statements (1.9 ms of an intake's ~10 ms of
    CPU). No lock is taken here: every caller already holds the lead's row lock
    (offers.lock_lead) or has just created the lead, which nobody else can see.
    tests/services/test_report_facts.py checks these rows against the backfill's.
    """
    lead = offer.lead
    facts = {
        "offer_id": offer.id,
        "lead_id": lead.id,
        "dealer_id": offer.dealer_id,
        "offered_at": offer.offered_at,
        "status": offer.status,
        "reason": None,
        "response_seconds": None,
        "region": region_of(lead.country, lead.postal_code),
        "campaign": lead.campaign,
        "won": False,
        "order_value": None,
        "order_currency": None,
    }
    connection = db.session.connection()
    insert_rows(connection, ReportOffer.__table__, [facts])
    groups = sorted({item.product_group for item in lead.line_items})
    if groups:
        insert_rows(
            connection,
            ReportOfferGroup.__table__,
            [{**facts, "product_group": group} for group in groups],
        )


def region_of(country: str | None, postal_code: str | None) -> str | None:
    """A lead's report region, as _facts computes it in SQL: country-first two digits."""
    if country is None:
        return None
    return country if postal_code is None else f"{country}-{postal_code[:2]}"


def refresh_lead(lead_id: str) -> None:
    """Rewrite one lead's report rows in the current transaction."""
    refresh_leads([lead_id])
