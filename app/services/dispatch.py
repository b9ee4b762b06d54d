"""Hand-steering of leads: the coordinator's approve, reject, assign and distribute,
and a distributor forwarding a lead to one of its sub-dealers."""

from datetime import datetime

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.models import Dealer, Lead, User
from app.services import notify
from app.services.errors import Conflict, Forbidden, ValidationFailed
from app.services.events import record_event
from app.services.leads import get_visible_lead
from app.services.offers import (
    commit_transition,
    create_offer,
    end_offer,
    offer_next_dealer,
)

STEERABLE = ("review", "offered", "unassigned")


def _lead_in_state(lead_id: str, actor: User, allowed: tuple[str, ...]) -> Lead:
    lead = get_visible_lead(lead_id, actor)
    if lead.status not in allowed:
        raise Conflict(
            "not allowed now", {"status": f"not allowed while the lead is {lead.status}"}
        )
    return lead


def _dealers_by_code(codes: list[str], field: str) -> list[Dealer]:
    wanted = list(dict.fromkeys(codes))
    found = {d.code: d for d in db.session.scalars(select(Dealer).where(Dealer.code.in_(wanted)))}
    missing = [code for code in wanted if code not in found]
    if missing:
        raise ValidationFailed(
            "unknown dealer", {field: f"no dealer with code {', '.join(missing)}"}
        )
    return [found[code] for code in wanted]


def _withdraw_pending(lead: Lead, now: datetime, note: str | None = None) -> None:
    """End every pending offer on the lead as withdrawn, and tell those dealers."""
    for offer in lead.offers:
        if offer.status != "pending":
            continue
        end_offer(offer, "withdrawn", now, note=note)
        record_event(lead, "withdrawn", dealer=offer.dealer, note=note)
        if note is not None:
            continue  # the dealer withdrew it itself (forwarded); nobody to tell
        notify.notify_withdrawn(lead, offer.dealer)


def approve_lead(lead_id: str, actor: User) -> Lead:
    """A lead cleared by pre-qualification is routed now."""
    lead = _lead_in_state(lead_id, actor, ("review",))
    record_event(lead, "approved", actor=actor)
    offer_next_dealer(lead, utcnow(), actor=actor)
    commit_transition()
    return lead


def reject_lead(lead_id: str, actor: User, note: str | None = None) -> Lead:
    """A lead in review is rejected (spam, or not a real inquiry)."""
    lead = _lead_in_state(lead_id, actor, ("review",))
    lead.status = "rejected"
    lead.holder_dealer_id = None
    record_event(lead, "rejected", actor=actor, note=note)
    commit_transition()
    return lead


def release_spam(lead_id: str, actor: User) -> Lead:
    """A lead the spam filter caught was a real customer after all: route it now."""
    lead = _lead_in_state(lead_id, actor, ("rejected",))
    if not lead.spam_reasons or lead.offers:
        raise Conflict("not spam", {"status": "only a lead the spam filter rejected is released"})
    lead.status = "offered"
    record_event(lead, "released", actor=actor, score=lead.spam_score)
    offer_next_dealer(lead, utcnow(), actor=actor)
    commit_transition()
    return lead


def assign_lead(lead_id: str, dealer_code: str, actor: User) -> Lead:
    """Offer the lead to this dealer by hand, eligible or not; other offers are withdrawn."""
    lead = _lead_in_state(lead_id, actor, STEERABLE)
    (dealer,) = _dealers_by_code([dealer_code], "dealer")
    now = utcnow()
    _withdraw_pending(lead, now)
    create_offer(
        lead,
        dealer,
        now,
        kind="assigned",
        explanation=f"Assigned by hand to {dealer.name} ({dealer.code}) by {actor.email}.",
        actor=actor,
    )
    commit_transition()
    return lead


def distribute_lead(lead_id: str, dealer_codes: list[str], actor: User) -> Lead:
    """Offer the lead to several dealers at once; the first to accept wins."""
    lead = _lead_in_state(lead_id, actor, STEERABLE)
    dealers = _dealers_by_code(dealer_codes, "dealers")
    now = utcnow()
    _withdraw_pending(lead, now)
    names = ", ".join(dealer.code for dealer in dealers)
    for dealer in dealers:
        create_offer(
            lead,
            dealer,
            now,
            kind="distributed",
            explanation=f"Opportunity distributed by {actor.email} to {len(dealers)} dealers "
            f"({names}); the first to accept wins.",
            actor=actor,
        )
    lead.holder_dealer_id = dealers[0].id if len(dealers) == 1 else None
    commit_transition()
    return lead


def forward_lead(lead_id: str, sub_dealer_code: str, user: User) -> Lead:
    """A distributor hands a lead it holds or owns to one of its sub-dealers."""
    distributor = user.dealer
    if distributor is None or distributor.tier != "distributor":
        raise Forbidden(errors={"authorization": "only a distributor's users forward leads"})
    lead = get_visible_lead(lead_id, user)
    (target,) = _dealers_by_code([sub_dealer_code], "dealer")
    if target.parent_id != distributor.id:
        raise ValidationFailed(
            "not a sub-dealer", {"dealer": f"{target.code} is not your sub-dealer"}
        )
    mine = next(
        (o for o in lead.offers if o.status == "pending" and o.dealer_id == distributor.id), None
    )
    owned = lead.status == "accepted" and lead.owner_dealer_id == distributor.id
    if mine is None and not owned:
        raise Conflict(
            "not yours to forward", {"status": "forward a lead you hold or own, not one in flight"}
        )
    now = utcnow()
    if mine is not None:
        _withdraw_pending(lead, now, note=f"forwarded to {target.code}")
    else:
        lead.owner_dealer_id = None
        lead.assignee_user_id = None
    create_offer(
        lead,
        target,
        now,
        kind="forwarded",
        explanation=f"Forwarded by {distributor.name} to its sub-dealer {target.name}.",
        actor=user,
        return_to=distributor,
    )
    commit_transition()
    return lead
