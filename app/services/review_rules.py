"""Pre-qualification rules: which new leads wait in `review` for a coordinator.

A fresh install has none, so every lead is routed at once. A coordinator adds rules
(API or console); a new lead that one of them matches is held instead of routed, and
the review queue shows the rule that fired. Approve routes the lead, reject closes it
with a reason (app.services.dispatch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import REVIEW_RULE_KINDS, Lead, LeadEvent, ReviewRule
from app.schemas import ReviewRuleIn, ReviewRulePatch, parse
from app.services.errors import NotFound, ValidationFailed
from app.services.versioned_cache import VersionedCache

HELD_EVENT = "held_for_review"
THRESHOLD_KINDS = ("b2b_volume", "spam_score")
# Where a lead names its campaign and its marketing source (custom fields).
CAMPAIGN_FIELDS = ("campaign_id", "utm_campaign", "campaign")
SOURCE_FIELDS = ("utm_source",)

KIND_LABELS = {
    "b2b_volume": "B2B volume above",
    "source": "Source is",
    "campaign": "Campaign is",
    "product_group": "Product group is",
    "spam_score": "Spam score at least",
}


@dataclass(frozen=True)
class ActiveRule:
    """An active rule as plain values, as each process keeps them (see ACTIVE_RULES)."""

    id: int
    name: str
    kind: str
    threshold: float | None
    value: str | None


def describe(rule: ReviewRule | ActiveRule) -> str:
    """The rule in words: "B2B volume above 10", "Campaign is spring-26"."""
    setting = f"{rule.threshold:g}" if rule.kind in THRESHOLD_KINDS else rule.value
    return f"{KIND_LABELS.get(rule.kind, rule.kind)} {setting}"


def rule_matches(rule: ReviewRule | ActiveRule, lead: Lead) -> bool:
    """True when the rule holds this lead for review."""
    fields = lead.custom_fields or {}
    if rule.kind == "b2b_volume":
        return (
            lead.inquiry_type == "b2b"
            and lead.volume_estimate is not None
            and rule.threshold is not None
            and lead.volume_estimate > rule.threshold
        )
    if rule.kind == "spam_score":
        # The spam filter's score, where it has given one (form submissions).
        score = getattr(lead, "spam_score", None)
        return score is not None and rule.threshold is not None and score >= rule.threshold
    wanted = (rule.value or "").strip().lower()
    if not wanted:
        return False
    if rule.kind == "product_group":
        return wanted in {group.lower() for group in lead.product_groups}
    if rule.kind == "source":
        named = [lead.source, *(fields.get(key) for key in SOURCE_FIELDS)]
    elif rule.kind == "campaign":
        named = [fields.get(key) for key in CAMPAIGN_FIELDS]
    else:
        return False
    return any(str(value).strip().lower() == wanted for value in named if value is not None)


def first_matching_rule(lead: Lead) -> ActiveRule | None:
    """The oldest active rule that holds this lead, if any (from the process's copy)."""
    return next((rule for rule in ACTIVE_RULES.get() if rule_matches(rule, lead)), None)


def _read_active_rules() -> tuple[ActiveRule, ...]:
    """The active rules, oldest first (the order in which they are tried)."""
    rules = ReviewRule.__table__.c
    rows = db.session.execute(
        select(rules.id, rules.name, rules.kind, rules.threshold, rules.value)
        .where(rules.active.is_(True))
        .order_by(rules.id)
    )
    return tuple(ActiveRule(*row) for row in rows)


# Every new lead asks; the rules change when a coordinator edits them.
ACTIVE_RULES = VersionedCache("review_rules", _read_active_rules, {"review_rules": None})


def held_reason(rule: ReviewRule | ActiveRule) -> str:
    """What the lead's history and the queue say about the rule that fired."""
    return f"Rule “{rule.name}”: {describe(rule)}"


# --- managing rules ---------------------------------------------------------------------


def list_rules() -> list[ReviewRule]:
    """Every rule, oldest first (the order in which they are tried)."""
    return list(db.session.scalars(select(ReviewRule).order_by(ReviewRule.id)))


def create_rule(data: dict) -> ReviewRule:
    """Add a rule; threshold kinds need a threshold, the others a value."""
    payload = parse(ReviewRuleIn, data)
    rule = ReviewRule(
        kind=payload.kind,
        threshold=payload.threshold if payload.kind in THRESHOLD_KINDS else None,
        value=_normalised_value(payload.kind, payload.value),
        active=payload.active,
    )
    _check_setting(rule)
    rule.name = payload.name or describe(rule)
    db.session.add(rule)
    db.session.commit()
    return rule


def update_rule(rule_id: object, data: dict) -> ReviewRule:
    """Change a rule's name, setting or active flag."""
    rule = get_rule(rule_id)
    payload = parse(ReviewRulePatch, data)
    if payload.name:
        rule.name = payload.name
    if payload.threshold is not None and rule.kind in THRESHOLD_KINDS:
        rule.threshold = payload.threshold
    if payload.value is not None and rule.kind not in THRESHOLD_KINDS:
        rule.value = _normalised_value(rule.kind, payload.value)
    if payload.active is not None:
        rule.active = payload.active
    _check_setting(rule)
    db.session.commit()
    return rule


def delete_rule(rule_id: object) -> None:
    """Remove a rule; leads it held stay in review."""
    db.session.delete(get_rule(rule_id))
    db.session.commit()


def get_rule(rule_id: object) -> ReviewRule:
    """One rule, or NotFound."""
    rule = db.session.get(ReviewRule, rule_id) if isinstance(rule_id, int) else None
    if rule is None:
        raise NotFound("no such rule", {"id": "no such review rule"})
    return rule


def _normalised_value(kind: str, value: str | None) -> str | None:
    if kind in THRESHOLD_KINDS or value is None:
        return None
    return value.lower() if kind == "product_group" else value


def _check_setting(rule: ReviewRule) -> None:
    if rule.kind not in REVIEW_RULE_KINDS:
        raise ValidationFailed("bad kind", {"kind": "is not a rule kind"})
    if rule.kind in THRESHOLD_KINDS and rule.threshold is None:
        raise ValidationFailed("no threshold", {"threshold": f"a {rule.kind} rule needs it"})
    if rule.kind not in THRESHOLD_KINDS and not rule.value:
        raise ValidationFailed("no value", {"value": f"a {rule.kind} rule needs it"})


# --- the queue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldLead:
    """A lead waiting in review, and why it waits."""

    lead: Lead
    reason: str
    held_at: datetime | None


def review_queue(limit: int = 200) -> list[HeldLead]:
    """Leads waiting in review, longest waiting first, each with the reason it waits."""
    waiting = list(
        db.session.scalars(
            select(Lead)
            .where(Lead.status == "review")
            .options(selectinload(Lead.line_items))
            .order_by(Lead.created_at, Lead.id)
            .limit(limit)
        )
    )
    held: dict[str, LeadEvent] = {}
    if waiting:
        events = db.session.scalars(
            select(LeadEvent)
            .where(
                LeadEvent.lead_id.in_([lead.id for lead in waiting]),
                LeadEvent.kind == HELD_EVENT,
            )
            .order_by(LeadEvent.id)
        )
        held = {event.lead_id: event for event in events}  # the latest per lead wins
    return [
        HeldLead(
            lead,
            (held[lead.id].detail or {}).get("reason", "") if lead.id in held else "",
            held[lead.id].at if lead.id in held else None,
        )
        for lead in waiting
    ]
