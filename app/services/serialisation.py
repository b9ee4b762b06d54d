"""What the API shows of leads, dealers, users and questions: response models
(app/responses.py) built for a given viewer.

A dealer sees only its own offers and the first line of their routing explanation,
and the customer's contact details only once its dealer owns the lead
(app/services/visibility.py, app/services/privacy.py).
"""

from app.models import Dealer, InterestRoute, Lead, Offer, Question, User
from app.responses import (
    CustomerOut,
    DealerOut,
    InterestRouteOut,
    LeadOut,
    LineItemOut,
    OfferOut,
    PreferredSellerOut,
    QuestionOut,
    UserOut,
)
from app.services.privacy import customer_for
from app.services.visibility import explanation_shown_to, offers_shown_to


def lead_out(lead: Lead, viewer: User | None = None) -> LeadOut:
    """The API's view of a lead for this viewer (None: the system, e.g. a webhook)."""
    customer = customer_for(lead, viewer)
    preferred = None
    if lead.preferred_dealer_code or lead.preferred_contact:
        preferred = PreferredSellerOut(
            dealer=lead.preferred_dealer_code, contact=lead.preferred_contact
        )
    return LeadOut(
        id=lead.id,
        status=lead.status,
        stage=lead.stage,
        dealer=lead.holder.code if lead.holder else None,
        offers=[offer_out(offer, viewer) for offer in offers_shown_to(lead, viewer)],
        customer=CustomerOut(
            first_name=customer.first_name,
            last_name=customer.last_name,
            email=customer.email,
            phone=customer.phone,
            company=customer.company,
        ),
        inquiry_type=lead.inquiry_type,
        interest_category=lead.interest_category,
        postal_code=lead.postal_code,
        country=lead.country,
        lat=lead.lat,
        lon=lead.lon,
        location_note=lead.location_note,
        delivery=lead.delivery,
        message=lead.message,
        volume_estimate=lead.volume_estimate,
        line_items=[
            LineItemOut(
                sku=item.sku,
                product_group=item.product_group,
                interest_type=item.interest_type,
                item_type=item.item_type,
                quantity=item.quantity,
            )
            for item in lead.line_items
        ],
        preferred_seller=preferred,
        custom_fields=dict(lead.custom_fields or {}),
        consent=lead.consent,
        source=lead.source,
        assignee=lead.assignee.email if lead.assignee_user_id and lead.assignee else None,
        order_value=float(lead.order_value) if lead.order_value is not None else None,
        created_at=lead.created_at,
        updated_at=lead.updated_at,
    )


def offer_out(offer: Offer, viewer: User | None = None) -> OfferOut:
    """The API's view of an offer; dealers get only the line about themselves."""
    return OfferOut(
        dealer=offer.dealer.code,
        status=offer.status,
        kind=offer.kind,
        offered_at=offer.offered_at,
        expires_at=offer.expires_at,
        responded_at=offer.responded_at,
        reason=offer.reason,
        note=offer.note,
        explanation=explanation_shown_to(offer, viewer),
    )


def dealer_out(dealer: Dealer) -> DealerOut:
    """The API's view of a dealer."""
    return DealerOut(
        code=dealer.code,
        name=dealer.name,
        tier=dealer.tier,
        parent=dealer.parent.code if dealer.parent else None,
        email=dealer.email,
        phone=dealer.phone,
        postal_code=dealer.postal_code,
        town=dealer.town,
        country=dealer.country,
        lat=dealer.lat,
        lon=dealer.lon,
        service_radius_km=dealer.service_radius_km,
        tags=list(dealer.tags),
        inventory=list(dealer.inventory),
        daily_capacity=dealer.daily_capacity,
        active=dealer.active,
        timezone=dealer.timezone,
        opening_hours=dealer.opening_hours,
        absent_from=dealer.absent_from,
        absent_until=dealer.absent_until,
    )


def user_out(user: User) -> UserOut:
    """The API's view of a user (a regional coordinator's regions only where it has some)."""
    shown = UserOut(
        id=user.id,
        email=user.email,
        role=user.role,
        dealer=user.dealer.code if user.dealer else None,
    )
    if user.regions:
        shown.regions = list(user.regions)
    return shown


def question_out(question: Question) -> QuestionOut:
    """The contract's shape of a question."""
    return QuestionOut(
        id=question.id,
        body=question.body,
        answer=question.answer,
        asked_at=question.asked_at,
        answered_at=question.answered_at,
    )


def interest_route_out(route: InterestRoute) -> InterestRouteOut:
    """The API's view of an interest-category route."""
    return InterestRouteOut(
        id=route.id,
        category=route.category,
        dealer_codes=list(route.dealer_codes or []),
        countries=list(route.countries or []),
        postal_prefixes=list(route.postal_prefixes or []),
        active=route.active,
    )
