"""What the API shows of leads, dealers, users and questions: response models
(app/responses.py) built for a given viewer.

A dealer sees only its own offers and the first line of their routing explanation,
and the customer's contact details only once its dealer owns the lead
(app/services/visibility.py, app/services/privacy.py).
"""

import functools
from typing import Any, TypeVar

from app.models import (
    ApiToken,
    Dealer,
    DealerDelivery,
    Delivery,
    FormKey,
    InterestRoute,
    Lead,
    Offer,
    Product,
    Question,
    ReviewRule,
    User,
    Webhook,
)
from app.responses import (
    CustomerOut,
    DealerDeliveryOut,
    DealerOut,
    DeliveryOut,
    FormOut,
    ImportReportOut,
    InterestRouteOut,
    LeadImportErrorOut,
    LeadImportReportOut,
    LeadOut,
    LineItemOut,
    OfferOut,
    Out,
    PreferredSellerOut,
    ProductOut,
    QuestionOut,
    ReviewRuleOut,
    TokenInfoOut,
    UserOut,
    WebhookOut,
)
from app.services.catalog import ImportReport as ProductImport
from app.services.lead_import import ImportReport as LeadImport
from app.services.privacy import customer_for
from app.services.review_rules import describe
from app.services.visibility import explanation_shown_to, offers_shown_to

Shape = TypeVar("Shape", bound=Out)


def from_row(shape: type[Shape], row: object, **computed: Any) -> Shape:
    """A response model from a row's attributes of the same names; `computed` gives the
    fields that are not plain attributes (a related dealer's code, a derived status)."""
    # Loaded values straight from the row's dict (an ORM attribute's descriptor cost as
    # much again as the rest of the read); anything else (a property, an attribute not
    # loaded) through getattr, which loads it.
    loaded = getattr(row, "__dict__", {})
    values = {
        name: loaded[name] if name in loaded else getattr(row, name)
        for name in _field_names(shape)
        if name not in computed
    }
    return shape.model_validate({**values, **computed})


@functools.cache
def _field_names(shape: type[Out]) -> tuple[str, ...]:
    """A response model's field names (pydantic's class attribute costs microseconds a read)."""
    return tuple(shape.model_fields)


def lead_out(lead: Lead, viewer: User | None = None) -> LeadOut:
    """The API's view of a lead for this viewer (None: the system, e.g. a webhook)."""
    customer = customer_for(lead, viewer)
    preferred = None
    if lead.preferred_dealer_code or lead.preferred_contact:
        preferred = PreferredSellerOut(
            dealer=lead.preferred_dealer_code, contact=lead.preferred_contact
        )
    return from_row(
        LeadOut,
        lead,
        dealer=lead.holder.code if lead.holder else None,
        offers=[offer_out(offer, viewer) for offer in offers_shown_to(lead, viewer)],
        customer=from_row(CustomerOut, customer),
        line_items=[from_row(LineItemOut, item) for item in lead.line_items],
        preferred_seller=preferred,
        custom_fields=dict(lead.custom_fields or {}),
        assignee=lead.assignee.email if lead.assignee_user_id and lead.assignee else None,
        order_value=float(lead.order_value) if lead.order_value is not None else None,
    )


def offer_out(offer: Offer, viewer: User | None = None) -> OfferOut:
    """The API's view of an offer; dealers get only the line about themselves."""
    return from_row(
        OfferOut, offer, dealer=offer.dealer.code, explanation=explanation_shown_to(offer, viewer)
    )


def dealer_out(dealer: Dealer) -> DealerOut:
    """The API's view of a dealer."""
    return from_row(
        DealerOut,
        dealer,
        parent=dealer.parent.code if dealer.parent else None,
        tags=list(dealer.tags),
        inventory=list(dealer.inventory),
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
    return from_row(QuestionOut, question)


def interest_route_out(route: InterestRoute) -> InterestRouteOut:
    """The API's view of an interest-category route."""
    return from_row(
        InterestRouteOut,
        route,
        dealer_codes=list(route.dealer_codes or []),
        countries=list(route.countries or []),
        postal_prefixes=list(route.postal_prefixes or []),
    )


def token_out(row: ApiToken) -> TokenInfoOut:
    """A token as listed: never the secret (only its digest is stored)."""
    return from_row(TokenInfoOut, row)


def form_out(form: FormKey) -> FormOut:
    """The API's view of an embedded form."""
    return from_row(
        FormOut,
        form,
        allowed_origins=list(form.allowed_origins or []),
        inquiry_types=list(form.inquiry_types or []),
        product_groups=list(form.product_groups or []),
    )


def product_out(product: Product) -> ProductOut:
    """The API's view of a catalog product."""
    return from_row(ProductOut, product)


def review_rule_out(rule: ReviewRule) -> ReviewRuleOut:
    """A pre-qualification rule with its description in words."""
    return from_row(ReviewRuleOut, rule, description=describe(rule))


def webhook_out(webhook: Webhook) -> WebhookOut:
    """The API's view of a webhook (never its secret)."""
    return from_row(WebhookOut, webhook, events=list(webhook.events or []))


def dealer_delivery_out(dealer: Dealer, setting: DealerDelivery | None) -> DealerDeliveryOut:
    """Where a dealer's accepted leads are e-mailed, if anywhere."""
    return DealerDeliveryOut(
        dealer=dealer.code,
        email=setting.email if setting else None,
        format=setting.format if setting else None,
        active=bool(setting and setting.active),
    )


def delivery_out(delivery: Delivery) -> DeliveryOut:
    """A delivery receipt; the next attempt only while it is still due."""
    due = delivery.sent_at is None and delivery.failed_at is None
    return from_row(
        DeliveryOut,
        delivery,
        lead=delivery.lead_id,
        dealer=delivery.dealer.code if delivery.dealer else None,
        next_attempt_at=delivery.next_attempt_at if due else None,
        log=[
            {"at": a.at, "ok": a.ok, "status_code": a.status_code, "error": a.error}
            for a in delivery.attempt_log
        ],
    )


def lead_import_report_out(report: LeadImport) -> LeadImportReportOut:
    """What a lead CSV import found and did."""
    return from_row(
        LeadImportReportOut,
        report,
        failed=report.failed_rows,
        imported=[lead.id for lead in report.imported],
        errors=[from_row(LeadImportErrorOut, error) for error in report.errors],
    )


def product_import_report_out(report: ProductImport) -> ImportReportOut:
    """What a catalog CSV import did, and each rejected row's errors by line."""
    return from_row(
        ImportReportOut,
        report,
        errors=[{"line": line, "errors": errors} for line, errors in report.errors],
    )
