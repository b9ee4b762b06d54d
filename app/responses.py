"""Shapes of what the API answers: pydantic models, so the OpenAPI document is generated
from the same definitions the endpoints return (app/api/spec.py).

Build them in app/services/serialisation.py (which knows what a viewer may see);
an endpoint returns the model and `api_endpoint` turns it into JSON.
"""

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from app.enums import (
    DeclineReason,
    LeadStatus,
    LostReason,
    OfferKind,
    OfferStatus,
    Role,
    Stage,
    Tier,
)


class Out(BaseModel):
    """Base of response models: built by our code, so no coercion and no extras."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)


class ErrorsOut(Out):
    """Any 4xx: each problem under its field's dotted path."""

    errors: dict[str, str] = Field(
        description="field path (customer.email, line_items.0.product_group) -> message"
    )


Item = TypeVar("Item", bound=BaseModel)


class Items(Out, Generic[Item]):
    """A list envelope: `{"items": [...]}`."""

    items: list[Item]


class OfferOut(Out):
    dealer: str
    status: OfferStatus
    kind: OfferKind
    offered_at: datetime
    expires_at: datetime
    responded_at: datetime | None
    reason: DeclineReason | None
    note: str | None
    explanation: str


class CustomerOut(Out):
    first_name: str
    last_name: str | None = Field(description="null for a dealer until it accepts")
    email: str | None
    phone: str | None
    company: str | None


class LineItemOut(Out):
    sku: str | None
    product_group: str
    interest_type: str
    item_type: str
    quantity: int


class PreferredSellerOut(Out):
    dealer: str | None
    contact: str | None


class LeadOut(Out):
    id: str
    status: LeadStatus
    stage: Stage
    dealer: str | None = Field(description="the dealer with the pending offer, or the owner")
    offers: list[OfferOut] = Field(description="oldest first; a dealer sees only its own")
    customer: CustomerOut
    inquiry_type: str
    interest_category: str | None
    postal_code: str | None
    country: str | None
    lat: float | None
    lon: float | None
    location_note: str | None
    delivery: str
    message: str | None
    volume_estimate: float | None
    line_items: list[LineItemOut]
    preferred_seller: PreferredSellerOut | None
    custom_fields: dict[str, Any]
    consent: bool
    source: str
    order_value: float | None = Field(description="a won lead's order value, else null")
    order_currency: str | None = Field(
        description="ISO 4217 currency of order_value: the owning dealer's when it was won"
    )
    lost_reason: LostReason | None = Field(description="why a lost lead was lost, else null")
    lost_note: str | None = Field(description="the dealer's note when marking it lost")
    assignee: str | None = Field(
        None, description="the owning dealership's salesperson working the lead (e-mail)"
    )
    created_at: datetime
    updated_at: datetime


class LeadPageOut(Out):
    items: list[LeadOut]
    next_cursor: str | None = Field(description="null on the last page")


class ReceiptOut(Out):
    """What a form key is told of its new lead: nothing about routing."""

    id: str
    status: Literal["received"]
    merged_into: str | None = Field(
        None, description="the customer's open lead this submission joined (left out if none)"
    )


class DeclinedOut(Out):
    id: str
    status: Literal["declined"]
    reason: DeclineReason


class DealerOut(Out):
    code: str
    name: str
    tier: Tier
    parent: str | None
    email: str | None
    phone: str | None
    postal_code: str | None
    town: str | None = None
    country: str
    currency: str = Field(description="ISO 4217: the currency of its won leads' order values")
    lat: float | None
    lon: float | None
    service_radius_km: float
    tags: list[str]
    inventory: list[str]
    daily_capacity: int | None
    active: bool
    timezone: str
    opening_hours: dict[str, Any] | None
    absent_from: datetime | None
    absent_until: datetime | None


class DealerPageOut(Out):
    items: list[DealerOut]
    next_cursor: str | None = Field(
        description="the last code of this page, to pass as `cursor`; null on the last page"
    )


class UserOut(Out):
    id: int
    email: str
    role: Role
    dealer: str | None
    regions: list[str] | None = Field(
        None, description="a regional coordinator's countries or postal-code prefixes"
    )


class TokenInfoOut(Out):
    """A token as listed: never the secret."""

    id: int
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked: bool


class TokenOut(TokenInfoOut):
    """A new token: the secret is shown here once; only its digest is stored."""

    token: str


class FormOut(Out):
    """An embedded inquiry form and its public key."""

    id: int
    name: str
    public_key: str
    allowed_origins: list[str]
    active: bool
    inquiry_types: list[str]
    default_interest_category: str | None
    product_groups: list[str]
    default_language: str
    rate_limit: str
    form_rate_limit: str
    consent_version: str


class ProductOut(Out):
    sku: str
    name: str
    product_group: str
    item_type: str
    active: bool


class ImportRowErrorOut(Out):
    line: int
    errors: dict[str, str]


class ImportReportOut(Out):
    """What a CSV import did, and each rejected row's errors by line."""

    created: int
    updated: int
    errors: list[ImportRowErrorOut]


class QuestionOut(Out):
    id: int
    body: str
    answer: str | None
    asked_at: datetime
    answered_at: datetime | None


class InterestRouteOut(Out):
    id: int
    category: str
    dealer_codes: list[str]
    countries: list[str]
    postal_prefixes: list[str]
    active: bool


class ReportItemOut(Out):
    """One group's figures, keyed by `dealer`, `region`, `product_group` or `campaign`;
    campaign items also carry `spend` and `roi`."""

    model_config = ConfigDict(extra="allow")

    offers: int
    accepted: int
    declined: int
    expired: int
    acceptance_rate: float
    median_response_seconds: float | None
    won: int
    conversion_rate: float
    order_value: float | None = Field(
        description="sum of won order values when they are in one currency; null with several"
    )
    order_currency: str | None = Field(
        description="ISO 4217 currency of order_value; null when nothing was won or several"
    )
    order_values: dict[str, float] = Field(
        description='won order values summed per currency ({"EUR": 12500.5}); never added '
        "across currencies"
    )
    decline_reasons: dict[str, int] = Field(description="declined offers by reason")


class RoutingPreviewOut(Out):
    """Where a lead would go, and why (the routing decision, explained)."""

    model_config = ConfigDict(extra="allow")

    chosen: dict[str, Any] | None
    ranked: list[dict[str, Any]]
    excluded: list[dict[str, Any]]
    explanation: str


class ReviewRuleOut(Out):
    """A pre-qualification rule: leads it matches wait in review."""

    id: int
    name: str | None
    kind: str
    threshold: float | None
    value: str | None
    active: bool
    description: str


class HeldLeadOut(Out):
    """A lead waiting in review, and why."""

    lead: str
    title: str
    reason: str | None
    held_at: datetime | None


# --- reports and delivery to dealers' systems -----------------------------------------


class CampaignSpendOut(Out):
    campaign: str
    spend: float


class WebhookOut(Out):
    id: int
    url: str
    events: list[str]
    created_at: datetime | None = None


class DealerDeliveryOut(Out):
    dealer: str
    email: str | None
    format: Literal["adf", "text"] | None
    active: bool


class DeliveryAttemptOut(Out):
    at: datetime
    ok: bool
    status_code: int | None
    error: str | None


class DeliveryOut(Out):
    """A delivery receipt: one lead event sent to a webhook or a dealer's mailbox."""

    id: int
    channel: Literal["webhook", "email"]
    event: str
    lead: str
    dealer: str | None
    target: str
    status: Literal["queued", "retrying", "sent", "failed"]
    attempts: int
    occurred_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None
    log: list[DeliveryAttemptOut]


# --- CSV import of leads (issue 10) ---------------------------------------------------


class LeadImportErrorOut(Out):
    """One problem of a CSV row: the row (file line, header = 1) and the column."""

    row: int
    column: str
    message: str


class LeadImportReportOut(Out):
    """What a lead CSV import found and did (nothing is stored on a dry run)."""

    dry_run: bool
    rows: int
    valid: int
    failed: int
    imported: list[str]
    errors: list[LeadImportErrorOut]
