"""What the API shows of a lead and its offers, for a given viewer."""

from app.clock import iso
from app.models import Lead, Offer, User
from app.services.privacy import customer_for
from app.services.visibility import explanation_shown_to, offers_shown_to


def lead_to_dict(lead: Lead, viewer: User | None = None) -> dict:
    """The API's view of a lead; a dealer sees only its own offers, and the customer's
    contact details only once its dealer owns the lead (app/services/privacy.py)."""
    return {
        "id": lead.id,
        "status": lead.status,
        "stage": lead.stage,
        "dealer": lead.holder.code if lead.holder else None,
        "offers": [offer_to_dict(offer, viewer) for offer in offers_shown_to(lead, viewer)],
        "customer": customer_for(lead, viewer).to_dict(),
        "inquiry_type": lead.inquiry_type,
        "interest_category": lead.interest_category,
        "postal_code": lead.postal_code,
        "country": lead.country,
        "lat": lead.lat,
        "lon": lead.lon,
        "location_note": lead.location_note,
        "delivery": lead.delivery,
        "message": lead.message,
        "volume_estimate": lead.volume_estimate,
        "line_items": [
            {
                "sku": item.sku,
                "product_group": item.product_group,
                "interest_type": item.interest_type,
                "item_type": item.item_type,
                "quantity": item.quantity,
            }
            for item in lead.line_items
        ],
        "preferred_seller": {
            "dealer": lead.preferred_dealer_code,
            "contact": lead.preferred_contact,
        }
        if lead.preferred_dealer_code or lead.preferred_contact
        else None,
        "custom_fields": dict(lead.custom_fields or {}),
        "consent": lead.consent,
        "source": lead.source,
        "order_value": float(lead.order_value) if lead.order_value is not None else None,
        "created_at": iso(lead.created_at),
        "updated_at": iso(lead.updated_at),
    }


def offer_to_dict(offer: Offer, viewer: User | None = None) -> dict:
    """The API's view of an offer; dealers get only the line about themselves."""
    return {
        "dealer": offer.dealer.code,
        "status": offer.status,
        "kind": offer.kind,
        "offered_at": iso(offer.offered_at),
        "expires_at": iso(offer.expires_at),
        "responded_at": iso(offer.responded_at),
        "reason": offer.reason,
        "note": offer.note,
        "explanation": explanation_shown_to(offer, viewer),
    }
