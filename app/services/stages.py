"""Sales stages of an owned lead: new → contacted → qualified → appointment → won / lost.

Only the owning dealer moves a lead (a user of that dealer, or of its distributor).
A dealer whose offer is still pending gets a 409 (accept first); a dealer who may not
see the lead gets a 404, as if it did not exist.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from babel.numbers import NumberFormatError, parse_decimal

from app.clock import utcnow
from app.enums import TARGET_STAGES, LostReason, Stage
from app.models import Lead, User
from app.services import report_facts
from app.services.errors import DomainError, ValidationFailed
from app.services.events import record_event
from app.services.unit_of_work import unit_of_work
from app.services.visibility import owned_lead_for

MAX_ORDER_VALUE = Decimal("999999999999.99")
# One separator with exactly three digits after it: "12.500" is twelve thousand five
# hundred to a German and twelve and a half to an English writer, "1,250" the other way
# round. A leading zero ("0,500") cannot be a thousands group, so it reads one way only.
_TWO_WAY_AMOUNT = re.compile(r"^[1-9]\d{0,2}[.,]\d{3}$")


class AmountToConfirm(DomainError):
    """A typed amount that reads two ways: the page shows how it read it and asks first."""

    status = 409

    def __init__(self, value: Decimal):
        super().__init__("amount to confirm", {"order_value": "confirm the amount"})
        self.value = value


@dataclass(frozen=True)
class AmountReading:
    """How a page reads what was typed so far: the amount (None when it is none yet) and
    whether it could also mean another amount (then saving asks to confirm)."""

    value: Decimal | None
    two_way: bool


def read_typed_amount(raw: str, locale: str) -> AmountReading:
    """The live preview's reading of an amount typed into a page in `locale`."""
    try:
        value = parse_order_value(raw, locale)
    except ValidationFailed:
        return AmountReading(None, False)
    return AmountReading(value, value is not None and _reads_two_ways(raw))


def _reads_two_ways(raw: object) -> bool:
    return isinstance(raw, str) and bool(_TWO_WAY_AMOUNT.match(raw.strip()))


def parse_order_value(raw: object, locale: str | None = None) -> Decimal | None:
    """An order value from a form or JSON: a non-negative amount with at most two decimals.

    With a locale (a page's language), text is read as that language writes numbers
    (CONTRACT "Languages"): "12.500,50" in German and "12,500.50" in English are 12500.5,
    "12.500" in German is 12500. Babel's strict mode refuses a grouping that does not fit
    the language ("12.50" on a German page) instead of guessing.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise ValidationFailed("bad order value", {"order_value": "must be a number"})
    if locale is not None and isinstance(raw, str):
        try:
            value = parse_decimal(raw.strip(), locale=locale, strict=True)
        except (NumberFormatError, InvalidOperation, ValueError):
            raise ValidationFailed("bad order value", {"order_value": "must be a number"}) from None
        return _checked(value)
    try:
        text = str(raw).strip().replace(" ", "")
        if isinstance(raw, str) and "," in text and "." not in text:
            text = text.replace(",", ".")  # "1250,50" as typed on a German keyboard
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationFailed("bad order value", {"order_value": "must be a number"}) from None
    return _checked(value)


def _checked(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0 or value > MAX_ORDER_VALUE:
        raise ValidationFailed(
            "bad order value", {"order_value": "must be an amount from 0 to 999,999,999,999.99"}
        )
    return value.quantize(Decimal("0.01"))


def change_stage(
    lead_id: str,
    user: User,
    stage: str,
    order_value: object = None,
    note: str | None = None,
    now: datetime | None = None,
    locale: str | None = None,
    lost_reason: str | None = None,
    confirmed_amount: str | None = None,
) -> Lead:
    """Move an owned lead to a stage; won needs the order value, lost may say why
    (a LostReason). Records a stage event.

    `locale` is the page's language when the value was typed into a page (None for JSON).
    A typed value that reads two ways ("12.500") raises AmountToConfirm, with nothing
    stored, unless `confirmed_amount` is the amount the page showed ("12500.00").
    """
    if stage not in TARGET_STAGES:
        raise ValidationFailed(
            "bad stage", {"stage": f"must be one of: {', '.join(TARGET_STAGES)}"}
        )
    if lost_reason is not None and lost_reason not in tuple(LostReason):
        raise ValidationFailed(
            "bad lost reason",
            {"lost_reason": f"must be one of: {', '.join(LostReason)}"},
        )
    value = parse_order_value(order_value, locale)
    if stage == Stage.WON and value is None:
        raise ValidationFailed("order value needed", {"order_value": "a won lead needs its value"})
    now = now or utcnow()
    with unit_of_work():
        lead = owned_lead_for(lead_id, user)
        if (
            stage == Stage.WON
            and locale is not None
            and _reads_two_ways(order_value)
            and (confirmed_amount or "").strip() != str(value)
        ):
            raise AmountToConfirm(value)
        previous = lead.stage
        lead.stage = stage
        # Reports sum the order value of won leads only: anything else carries none.
        lead.order_value = value if stage == Stage.WON else None
        # The amount is in the owning dealer's currency; kept with it so that a later
        # change of the dealer's currency does not relabel what was won.
        lead.order_currency = lead.owner.currency if stage == Stage.WON and lead.owner else None
        lead.lost_reason = lost_reason if stage == Stage.LOST else None
        note_text = (note or "").strip()[:2000] or None
        lead.lost_note = note_text if stage == Stage.LOST else None
        record_event(
            lead,
            "stage_changed",
            actor=user,
            dealer=lead.owner,
            stage_from=previous,
            stage=stage,
            order_value=str(value) if stage == Stage.WON else None,
            order_currency=lead.order_currency,
            lost_reason=lead.lost_reason,
            note=note_text,
        )
        lead.updated_at = now
        report_facts.refresh_lead(lead.id)  # won and its order value, in this transaction
    return lead
