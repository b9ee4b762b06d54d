"""A lead's whole story in words, for the coordinator: one entry per thing that happened.

The event log stores facts (kinds and ids); this turns them into sentences a coordinator
reads without decoding: who was offered the lead and why, who declined and with which
reason, who let it expire, why nobody was left, questions with their answers, stage
changes with the order value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Lead, LeadEvent, Offer, Question

DECLINE_REASON_TEXT = {
    "portfolio": "does not sell this",
    "capacity": "no capacity",
    "location": "too far away",
    "spam": "spam",
    "other": "other reason",
}
OFFER_KIND_TEXT = {
    "routed": "Offered to {dealer}",
    "assigned": "Assigned by hand to {dealer}",
    "distributed": "Opportunity sent to {dealer}",
    "forwarded": "Forwarded to the sub-dealer {dealer}",
    "returned": "Returned to the distributor {dealer}",
}


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the story: when, what (a sentence), more detail, and its tone."""

    at: datetime
    kind: str
    title: str
    detail: str | None = None
    by: str | None = None
    tone: str = "info"  # info | success | warning | danger | muted


def lead_state(lead: Lead) -> tuple[str, str]:
    """(css modifier, label) of where the lead stands: a won lead reads Won, not Accepted."""
    if lead.status == "accepted" and lead.stage in ("won", "lost"):
        return lead.stage, lead.stage.capitalize()
    if lead.status == "accepted" and lead.stage != "new":
        return "accepted", f"Accepted · {lead.stage}"
    return lead.status, lead.status.capitalize()


def lead_timeline(lead: Lead) -> list[TimelineEntry]:
    """Every event of the lead as a sentence, oldest first."""
    events = list(
        db.session.scalars(
            select(LeadEvent)
            .where(LeadEvent.lead_id == lead.id)
            .options(selectinload(LeadEvent.dealer), selectinload(LeadEvent.actor))
            .order_by(LeadEvent.id)
        )
    )
    questions = {
        question.id: question
        for question in db.session.scalars(select(Question).where(Question.lead_id == lead.id))
    }
    return [_entry(event, lead, questions) for event in events]


def _dealer(event: LeadEvent) -> str:
    dealer = event.dealer
    return f"{dealer.name} ({dealer.code})" if dealer else "a dealer"


def _entry(event: LeadEvent, lead: Lead, questions: dict[int, Question]) -> TimelineEntry:
    detail = event.detail or {}
    by = event.actor.email if event.actor else None
    kind = event.kind
    dealer = _dealer(event)

    def entry(title: str, text: str | None = None, tone: str = "info") -> TimelineEntry:
        return TimelineEntry(event.at, kind, title, text, by, tone)

    if kind == "received":
        consent = "consent given" if detail.get("consent") else "no consent recorded"
        return entry(f"Received from {detail.get('source', 'the API')}", consent.capitalize())
    if kind == "held_for_review":
        return entry("Held for pre-qualification", detail.get("reason"), "warning")
    if kind == "approved":
        return entry("Approved after pre-qualification", tone="success")
    if kind == "rejected":
        reason = detail.get("note")
        return entry("Rejected by the OEM", f"Reason: {reason}" if reason else None, "danger")
    if kind == "offered":
        template = OFFER_KIND_TEXT.get(detail.get("offer_kind"), OFFER_KIND_TEXT["routed"])
        return entry(template.format(dealer=dealer), detail.get("explanation"))
    if kind == "withdrawn":
        note = detail.get("note") or detail.get("reason")
        why = {"absent": "the dealer is marked as away"}.get(note, note)
        return entry(f"Offer to {dealer} withdrawn", why.capitalize() if why else None, "muted")
    if kind == "accepted":
        return entry(f"Accepted by {dealer}", tone="success")
    if kind == "declined":
        reason = detail.get("reason")
        said = DECLINE_REASON_TEXT.get(reason, reason or "no reason")
        note = detail.get("note")
        return entry(f"Declined by {dealer}: {said}", f"“{note}”" if note else None, "danger")
    if kind == "expired":
        return entry(f"{dealer} let the offer expire", "No answer by the deadline.", "warning")
    if kind == "reminded":
        return entry(f"Reminder sent to {dealer}", tone="muted")
    if kind == "unassigned":
        return entry(
            "No dealer left: the lead is in the OEM queue",
            _why_unassigned(lead, event.at, detail.get("explanation")),
            "danger",
        )
    if kind == "stage_changed":
        return _stage_entry(event, detail, by)
    if kind == "question_asked":
        question = questions.get(detail.get("question_id"))
        return entry(f"{dealer} asked a question", question.body if question else None)
    if kind == "question_answered":
        question = questions.get(detail.get("question_id"))
        return entry("Question answered", question.answer if question else None, "success")
    return entry(kind.replace("_", " ").capitalize())


def _stage_entry(event: LeadEvent, detail: dict, by: str | None) -> TimelineEntry:
    stage = detail.get("stage", "")
    previous = detail.get("stage_from")
    title = f"Stage: {previous.capitalize()} → {stage.capitalize()}" if previous else stage
    tone = {"won": "success", "lost": "danger"}.get(stage, "info")
    if stage == "won" and detail.get("order_value"):
        currency = detail.get("order_currency")
        title = f"Won, order value {_amount(detail['order_value'])}" + (
            f" {currency}" if currency else ""
        )
    note = detail.get("note")
    return TimelineEntry(event.at, event.kind, title, f"“{note}”" if note else None, by, tone)


def _amount(raw: str) -> str:
    try:
        return f"{Decimal(raw):,.2f}"
    except (InvalidOperation, ValueError):
        return str(raw)


def _why_unassigned(lead: Lead, at: datetime, explanation: str | None) -> str:
    """Who had the lead before it ran out of dealers, and how each offer ended."""
    ended: list[Offer] = [
        offer
        for offer in lead.offers
        if offer.status in ("declined", "expired", "withdrawn")
        and offer.responded_at is not None
        and offer.responded_at <= at
    ]
    parts = []
    for offer in ended:
        name = f"{offer.dealer.name} ({offer.dealer.code})"
        if offer.status == "declined":
            reason = DECLINE_REASON_TEXT.get(offer.reason, offer.reason or "no reason")
            parts.append(f"{name} declined: {reason}")
        elif offer.status == "expired":
            parts.append(f"{name} let it expire")
        else:
            parts.append(f"{name} was withdrawn")
    lines = []
    if parts:
        lines.append("Before: " + "; ".join(parts) + ".")
    elif not lead.offers:
        lines.append("No dealer was eligible from the start.")
    if explanation:
        lines.append(explanation)
    return "\n".join(lines)
