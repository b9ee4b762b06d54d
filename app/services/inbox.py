"""The dealer's inbox: which leads, in which order."""

from app.enums import Stage
from app.extensions import db
from app.geocoding import PostalCodeFormatError, locate
from app.models import Dealer, Lead, Offer, User
from app.routing import distance_km
from app.services.visibility import (
    acting_dealer_ids,
    held_by,
    lead_with_details,
    pending_offer_for,
    visible_leads,
)

INBOX_SCOPES = ("own", "sub_dealers")


def inbox_leads(user: User, scope: str | None = None) -> list[Lead]:
    """Leads with a pending offer to the user's dealer(s), or owned by them; newest first.

    A distributor's users narrow it with `scope`: "own" (the distributor's own leads) or
    "sub_dealers" (those its sub-dealers hold or own).
    """
    query = visible_leads(user)
    if scope is not None and not user.is_coordinator:
        dealer_ids = acting_dealer_ids(user)
        if scope == "own":
            dealer_ids &= {user.dealer_id}
        else:
            dealer_ids -= {user.dealer_id}
        query = lead_with_details().where(held_by(user, dealer_ids))
    return list(db.session.scalars(query.order_by(Lead.updated_at.desc()).limit(500)))


def dealer_inbox(
    user: User, scope: str | None = None
) -> tuple[list[tuple[Lead, Offer]], list[Lead]]:
    """The dealer's inbox: (pending offers, soonest deadline first; owned leads by stage,
    then latest change first)."""
    pairs = [(lead, pending_offer_for(lead, user)) for lead in inbox_leads(user, scope)]
    waiting = sorted(
        [(lead, offer) for lead, offer in pairs if offer is not None],
        key=lambda pair: pair[1].expires_at,
    )
    order = {stage: index for index, stage in enumerate(Stage)}
    owned = sorted(
        [lead for lead, offer in pairs if offer is None],
        key=lambda lead: (order.get(lead.stage, len(order)), -lead.updated_at.timestamp()),
    )
    return waiting, owned


def lead_place(lead: Lead) -> str | None:
    """The town of the lead's postal code where our postal-code data names it."""
    if not lead.postal_code or not lead.country:
        return None
    try:
        found = locate(lead.postal_code, lead.country)
    except PostalCodeFormatError:
        return None
    return found.place if found is not None else None


def distance_to(lead: Lead, dealer: Dealer | None) -> float | None:
    """Kilometres from the customer to the dealer, when both are located."""
    if dealer is None or None in (lead.lat, lead.lon, dealer.lat, dealer.lon):
        return None
    return distance_km(lead.lat, lead.lon, dealer.lat, dealer.lon)
