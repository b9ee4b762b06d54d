"""Validated shapes of what comes in from outside (API bodies, forms, imports).

Pydantic reports each problem with its location, which becomes the contract's
dotted field path (`line_items.0.product_group`).
"""

from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

import phonenumbers
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic import ValidationError as PydanticValidationError

from app.enums import (
    TARGET_STAGES,
    DeclineReason,
    Delivery,
    InquiryType,
    LeadStatus,
    LostReason,
    Role,
    Tier,
)
from app.inputs import MAX_YEAR, MIN_YEAR, parse_utc_datetime
from app.models import WEBHOOK_EVENTS
from app.services.errors import ValidationFailed


def one_of(members: Iterable[StrEnum]) -> Any:
    """A string field that takes one of these enum values (schema: a string enum)."""
    return Literal[tuple(member.value for member in members)]


Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=60)
]
Country = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")
]
# ISO 4217, checked against Babel's list where it is used (services/dealers.check_dealer).
Currency = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{3}$")
]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
CustomValue = str | int | float | bool | None

# Pages of leads in the API: the default size and the largest a client may ask for.
DEFAULT_PAGE = 50
MAX_PAGE = 200
# A dealer page may be larger: a network's sync reads thousands of them.
MAX_DEALER_PAGE = 1000


class Strict(BaseModel):
    """Base: no type coercion ("1" is not 1), unknown keys ignored."""

    model_config = ConfigDict(strict=True, extra="ignore")


class CustomerIn(Strict):
    first_name: Short
    last_name: Short
    email: EmailStr | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    company: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class LineItemIn(Strict):
    sku: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)] | None = None
    product_group: Tag
    interest_type: Literal["buy", "test_drive", "quote"] = "buy"
    item_type: Literal["vehicle", "accessory", "part"] = "vehicle"
    quantity: Annotated[int, Field(ge=1, le=100000)] = 1


class PreferredSellerIn(Strict):
    dealer: Code | None = None
    contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None


class LeadIn(Strict):
    customer: CustomerIn
    inquiry_type: one_of(InquiryType)
    interest_category: (
        Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=40)]
        | None
    ) = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=12)] | None = (
        None
    )
    country: Country | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    delivery: one_of(Delivery) = Delivery.PICKUP.value
    message: Annotated[str, StringConstraints(max_length=5000)] | None = None
    volume_estimate: Annotated[float, Field(gt=0, le=1e9)] | None = None
    line_items: Annotated[list[LineItemIn], Field(min_length=1, max_length=50)]
    preferred_seller: PreferredSellerIn | None = None
    custom_fields: Annotated[dict[str, CustomValue], Field(max_length=50)] = Field(
        default_factory=dict
    )
    consent: bool = False


class DealerIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    tier: one_of(Tier) = Tier.DEALER.value
    parent: Code | None = None
    email: EmailStr | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=12)] | None = (
        None
    )
    town: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None
    country: Country = "DE"
    # Left out: the currency of the dealer's country (EUR for DE and AT, CHF for CH).
    currency: Currency | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    service_radius_km: Annotated[float, Field(ge=0, le=5000)] = 50
    tags: Annotated[list[Tag], Field(max_length=100)] = Field(default_factory=list)
    inventory: Annotated[
        list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]],
        Field(max_length=50000),
    ] = Field(default_factory=list)
    daily_capacity: Annotated[int, Field(ge=0, le=100000)] | None = None
    active: bool = True
    timezone: Annotated[str, StringConstraints(max_length=64)] = "UTC"
    # {"mon": [["08:00", "18:00"]], ...}; null = always open. Checked in the service.
    opening_hours: dict[str, Any] | None = None


class UserIn(Strict):
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)]
    role: one_of(Role)
    dealer: Code | None = None
    password: Annotated[str, StringConstraints(max_length=200)] | None = None
    regions: list[Annotated[str, StringConstraints(max_length=20)]] = Field(
        default=[], max_length=50
    )


class TokenIn(Strict):
    """Optional settings of a new API token."""

    # An ISO 8601 time with a zone; past it the token answers 401. Null: no expiry.
    expires_at: Annotated[datetime, Field(strict=False)] | None = None


class DeclineIn(Strict):
    reason: one_of(DeclineReason)
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class DealerRefIn(Strict):
    dealer: Code


class AssigneeIn(Strict):
    """Inside a dealership: the salesperson who works the lead from now on."""

    user_id: int


class DealersRefIn(Strict):
    dealers: Annotated[list[Code], Field(min_length=1, max_length=50)]


class StageIn(Strict):
    stage: one_of(TARGET_STAGES)
    order_value: Annotated[float, Field(ge=0, le=1e12)] | None = None
    # Only with stage "lost": why it was lost; the note is then kept as the lost note.
    lost_reason: one_of(LostReason) | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class InterestRouteIn(Strict):
    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    dealer_codes: Annotated[list[Code], Field(max_length=500)] = Field(default_factory=list)
    countries: Annotated[list[Country], Field(max_length=50)] = Field(default_factory=list)
    postal_prefixes: Annotated[
        list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10)]],
        Field(max_length=500),
    ] = Field(default_factory=list)
    active: bool = True


class RejectIn(Strict):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class TextIn(Strict):
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


# --- reports and delivery ---------------------------------------------------------

WebhookEvent = Literal[WEBHOOK_EVENTS]


class WebhookIn(Strict):
    url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    events: Annotated[list[WebhookEvent], Field(min_length=1, max_length=20)]
    secret: Annotated[str, StringConstraints(min_length=16, max_length=200)]


class DealerDeliveryIn(Strict):
    email: EmailStr
    format: Literal["adf", "text"] = "text"
    active: bool = True


class CampaignSpendIn(Strict):
    spend: Annotated[float, Field(ge=0, lt=1e12, allow_inf_nan=False)]


class Query(BaseModel):
    """Base of query-string models: values arrive as text, so types are coerced."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class InboxQuery(Query):
    scope: Literal["own", "sub_dealers"] | None = Field(
        None, description="a distributor's own leads, or its sub-dealers'"
    )


class LeadQuery(Query):
    status: one_of(LeadStatus) | None = Field(None, description="lead status")
    dealer: Code | None = Field(None, description="the dealer that now holds the lead")
    updated_since: AwareDatetime | None = Field(None, description="changed at or after")
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = Field(DEFAULT_PAGE, description="page size")
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        None, description="next_cursor of the previous page"
    )

    @field_validator("updated_since", mode="before")
    @classmethod
    def _bounded_time(cls, value: Any) -> Any:
        # One reading of query times for the whole API (zone required, years bounded).
        return parse_utc_datetime(value, "updated_since") if isinstance(value, str) else value


class DealerQuery(Query):
    limit: Annotated[int, Field(ge=1, le=MAX_DEALER_PAGE)] | None = Field(
        None, description="page size; without it, every dealer in one answer"
    )
    cursor: Code | None = Field(None, description="next_cursor of the previous page")


class LeadImportQuery(Query):
    dry_run: bool = Field(False, description="check every row, store nothing")
    import_valid_rows: bool = Field(
        False, description="store the valid rows even when others fail (else all or nothing)"
    )
    country: Country | None = Field(None, description="the country of rows that name none")
    campaign: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = (
        Field(None, description="campaign recorded on every imported lead")
    )


class ReportQuery(Query):
    start: date | None = Field(
        None, alias="from", description="offers made from this day (inclusive)"
    )
    end: date | None = Field(None, alias="to", description="to this day (exclusive)")

    @field_validator("start", "end")
    @classmethod
    def _bounded_day(cls, value: date | None) -> date | None:
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"must be between the years {MIN_YEAR} and {MAX_YEAR}")
        return value


def phone_in_e164(phone: str, country: str | None) -> str:
    """A customer's phone number as E.164 (+4930123456), read as dialled in `country`.

    Raises ValueError with a sentence for the customer when it is not a phone number
    (letters, too short or long, no country to read a national number in).
    """
    region = country.upper() if country else None
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        if region is None and not phone.lstrip().startswith(("+", "00")):
            raise ValueError(
                "give the number with its country code (e.g. +49 30 1234567), or the lead's country"
            ) from None
        raise ValueError("is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        where = f" in {region}" if region and not phone.lstrip().startswith("+") else ""
        raise ValueError(f"is not a valid phone number{where}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class ReviewRuleIn(Strict):
    kind: Literal["b2b_volume", "source", "campaign", "product_group", "spam_score"]
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None
    threshold: Annotated[float, Field(ge=0, le=1e9)] | None = None
    value: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
        | None
    ) = None
    active: bool = True


class ReviewRulePatch(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] | None = None
    threshold: Annotated[float, Field(ge=0, le=1e9)] | None = None
    value: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
        | None
    ) = None
    active: bool | None = None


Model = TypeVar("Model", bound=BaseModel)


def parse(model: type[Model], data: Any) -> Model:
    """Validate `data` into `model`, or raise ValidationFailed naming each bad field."""
    if not isinstance(data, dict):
        raise ValidationFailed("invalid body", {"body": "must be a JSON object"})
    try:
        return model.model_validate(data)
    except PydanticValidationError as error:
        raise ValidationFailed("invalid input", errors_by_field(error)) from None


def errors_by_field(error: PydanticValidationError) -> dict[str, str]:
    """Pydantic's errors as {dotted.path: message}, first message per field."""
    errors: dict[str, str] = {}
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"] if not _is_union_branch(part))
        errors.setdefault(path or "body", _readable(item))
    return errors


def _is_union_branch(part: Any) -> bool:
    # Pydantic names the branch of a union it tried ("str", "function-after[...]").
    return isinstance(part, str) and (
        part in {"str", "int", "float", "bool", "none"} or "[" in part
    )


def _readable(item: dict) -> str:
    message = item["msg"]
    if item["type"] == "missing":
        return "is required"
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return message[0].lower() + message[1:] if message else "is invalid"


# --- embedded forms and the product catalog (issue 10) -----------------------------------

Origin = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
RateLimit = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Language = Literal["en", "de"]
ProductGroup = Tag


class FormIn(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    allowed_origins: Annotated[list[Origin], Field(max_length=50)] = Field(default_factory=list)
    inquiry_types: Annotated[list[one_of(InquiryType)], Field(min_length=1, max_length=3)] = Field(
        default_factory=lambda: [kind.value for kind in InquiryType]
    )
    default_interest_category: (
        Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=40)]
        | None
    ) = None
    product_groups: Annotated[list[ProductGroup], Field(max_length=200)] = Field(
        default_factory=list
    )
    default_language: Language = "en"
    rate_limit: RateLimit = "30/minute;300/hour"
    form_rate_limit: RateLimit = "300/minute;3000/hour"
    consent_version: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
    ] = "2026-11"
    active: bool = True


class FormPatchIn(Strict):
    """Every field optional: only what is sent changes."""

    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
        | None
    ) = None
    allowed_origins: Annotated[list[Origin], Field(max_length=50)] | None = None
    inquiry_types: (
        Annotated[list[one_of(InquiryType)], Field(min_length=1, max_length=3)] | None
    ) = None
    default_interest_category: (
        Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=40)]
        | None
    ) = None
    product_groups: Annotated[list[ProductGroup], Field(max_length=200)] | None = None
    default_language: Language | None = None
    rate_limit: RateLimit | None = None
    form_rate_limit: RateLimit | None = None
    consent_version: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None
    ) = None
    active: bool | None = None


class ProductIn(Strict):
    sku: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,79}$")
    ]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    product_group: ProductGroup
    item_type: Literal["vehicle", "accessory", "part"] = "vehicle"
    active: bool = True
