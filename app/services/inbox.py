"""The dealer's inbox: which leads, in which order."""

from app.enums import Stage
from app.extensions import db
from app.geocoding import PostalCodeFormatError, locate
from app.models import Dealer, Lead, Offer, User
from app.routing import distance_km
from app.services.visibility import pending_offer_for, visible_leads


def inbox_leads(user: User) -> list[Lead]:
    """Leads with a pending offer to the user's dealer(s), or owned by them; newest first."""
    return list(db.session.scalars(visible_leads(user).order_by(Lead.updated_at.desc()).limit(500)))


def dealer_inbox(user: User) -> tuple[list[tuple[Lead, Offer]], list[Lead]]:
    """The dealer's inbox: (pending offers, soonest deadline first; owned leads by stage,
    then latest change first)."""
    pairs = [(lead, pending_offer_for(lead, user)) for lead in inbox_leads(user)]
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
