"""Hand-steering of leads: the coordinator's approve, reject, assign and distribute,
and a distributor forwarding a lead to one of its sub-dealers."""

from sqlalchemy import select

from app.clock import utcnow
from app.enums import LeadStatus, OfferKind, OfferStatus, Tier, WithdrawalReason
from app.extensions import db
from app.models import Dealer, Lead, User, could_be_lead_id
from app.services.errors import Conflict, Forbidden, ValidationFailed
from app.services.events import record_event
from app.services.offers import (
    create_offer,
    lock_lead,
    offer_next_dealer,
    withdraw_pending_offers,
)
from app.services.unit_of_work import unit_of_work
from app.services.visibility import dealer_within_reach, get_visible_lead

STEERABLE = (LeadStatus.REVIEW, LeadStatus.OFFERED, LeadStatus.UNASSIGNED)


def _lead_in_state(lead_id: str, actor: User, allowed: tuple[str, ...]) -> Lead:
    """The lead, locked for this transaction, if the actor may see it and its state allows."""
    _lock(lead_id)
    lead = get_visible_lead(lead_id, actor)
    if lead.status not in allowed:
        raise Conflict(
            "not allowed now", {"status": f"not allowed while the lead is {lead.status}"}
        )
    return lead


def _dealers_by_code(codes: list[str], field: str, actor: User) -> list[Dealer]:
    """The dealers the codes name, each one the actor may hand leads to."""
    wanted = list(dict.fromkeys(codes))
    found = {d.code: d for d in db.session.scalars(select(Dealer).where(Dealer.code.in_(wanted)))}
    missing = [code for code in wanted if code not in found]
    if missing:
        raise ValidationFailed(
            "unknown dealer", {field: f"no dealer with code {', '.join(missing)}"}
        )
    outside = [code for code in wanted if not dealer_within_reach(actor, found[code])]
    if outside:
        raise ValidationFailed(
            "dealer outside the regions",
            {field: f"{', '.join(outside)} lies outside your regions ({', '.join(actor.regions)})"},
        )
    return [found[code] for code in wanted]


def _lock(lead_id: str) -> None:
    """Every transition locks its lead first (see offers.lock_lead)."""
    if could_be_lead_id(lead_id):
        lock_lead(lead_id)


def approve_lead(lead_id: str, actor: User) -> Lead:
    """A lead cleared by pre-qualification is routed now."""
    with unit_of_work():
        lead = _lead_in_state(lead_id, actor, (LeadStatus.REVIEW,))
        record_event(lead, "approved", actor=actor)
        offer_next_dealer(lead, utcnow(), actor=actor)
    return lead


def reject_lead(lead_id: str, actor: User, note: str | None = None) -> Lead:
    """A lead in review is rejected (spam, or not a real inquiry)."""
    with unit_of_work():
        lead = _lead_in_state(lead_id, actor, (LeadStatus.REVIEW,))
        lead.status = LeadStatus.REJECTED
        lead.holder_dealer_id = None
        record_event(lead, "rejected", actor=actor, note=note)
    return lead


def release_spam(lead_id: str, actor: User) -> Lead:
    """A lead the spam filter caught was a real customer after all: route it now."""
    with unit_of_work():
        lead = _lead_in_state(lead_id, actor, (LeadStatus.REJECTED,))
        if not lead.spam_reasons or lead.offers:
            raise Conflict(
                "not spam", {"status": "only a lead the spam filter rejected is released"}
            )
        lead.status = LeadStatus.OFFERED
        record_event(lead, "released", actor=actor, score=lead.spam_score)
        offer_next_dealer(lead, utcnow(), actor=actor)
    return lead


def assign_lead(lead_id: str, dealer_code: str, actor: User) -> Lead:
    """Offer the lead to this dealer by hand, eligible or not; other offers are withdrawn."""
    with unit_of_work():
        lead = _lead_in_state(lead_id, actor, STEERABLE)
        (dealer,) = _dealers_by_code([dealer_code], "dealer", actor)
        now = utcnow()
        withdraw_pending_offers(lead, now, WithdrawalReason.REASSIGNED)
        create_offer(
            lead,
            dealer,
            now,
            kind=OfferKind.ASSIGNED,
            explanation=f"Assigned by hand to {dealer.name} ({dealer.code}) by {actor.email}.",
            actor=actor,
        )
    return lead


def distribute_lead(lead_id: str, dealer_codes: list[str], actor: User) -> Lead:
    """Offer the lead to several dealers at once; the first to accept wins."""
    with unit_of_work():
        lead = _lead_in_state(lead_id, actor, STEERABLE)
        dealers = _dealers_by_code(dealer_codes, "dealers", actor)
        now = utcnow()
        withdraw_pending_offers(lead, now, WithdrawalReason.REASSIGNED)
        names = ", ".join(dealer.code for dealer in dealers)
        for dealer in dealers:
            create_offer(
                lead,
                dealer,
                now,
                kind=OfferKind.DISTRIBUTED,
                explanation=f"Opportunity distributed by {actor.email} to {len(dealers)} "
                f"dealers ({names}); the first to accept wins.",
                actor=actor,
            )
        lead.holder_dealer_id = dealers[0].id if len(dealers) == 1 else None
    return lead


def _forwarding_hold(lead: Lead, distributor: Dealer):
    """(whether the distributor may forward the lead now, its pending offer on it or None):
    it may while it holds a pending offer on the lead or owns the accepted lead."""
    mine = next(
        (
            offer
            for offer in lead.offers
            if offer.status == OfferStatus.PENDING and offer.dealer_id == distributor.id
        ),
        None,
    )
    owned = lead.status == LeadStatus.ACCEPTED and lead.owner_dealer_id == distributor.id
    return mine is not None or owned, mine


def forward_targets(lead: Lead, user: User) -> list[Dealer]:
    """The active sub-dealers, by name, that the user's distributor may forward this lead
    to now; empty for a user of no distributor, or a lead not its to forward."""
    distributor = user.dealer
    if distributor is None or distributor.tier != Tier.DISTRIBUTOR:
        return []
    if not _forwarding_hold(lead, distributor)[0]:
        return []
    return sorted(
        (child for child in distributor.children if child.active), key=lambda child: child.name
    )


def forward_lead(lead_id: str, sub_dealer_code: str, user: User) -> Lead:
    """A distributor hands a lead it holds or owns to one of its sub-dealers."""
    distributor = user.dealer
    if distributor is None or distributor.tier != Tier.DISTRIBUTOR:
        raise Forbidden(errors={"authorization": "only a distributor's users forward leads"})
    with unit_of_work():
        _lock(lead_id)
        lead = get_visible_lead(lead_id, user)
        (target,) = _dealers_by_code([sub_dealer_code], "dealer", user)
        if target.parent_id != distributor.id:
            raise ValidationFailed(
                "not a sub-dealer", {"dealer": f"{target.code} is not your sub-dealer"}
            )
        may_forward, mine = _forwarding_hold(lead, distributor)
        if not may_forward:
            raise Conflict(
                "not yours to forward",
                {"status": "forward a lead you hold or own, not one in flight"},
            )
        now = utcnow()
        if mine is not None:
            withdraw_pending_offers(
                lead, now, WithdrawalReason.FORWARDED, note=f"forwarded to {target.code}"
            )
        else:
            lead.owner_dealer_id = None
            lead.assignee_user_id = None
        create_offer(
            lead,
            target,
            now,
            kind=OfferKind.FORWARDED,
            explanation=f"Forwarded by {distributor.name} to its sub-dealer {target.name}.",
            actor=user,
            return_to=distributor,
        )
    return lead
