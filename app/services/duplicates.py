"""Duplicates: the same customer asking again about the same kind of product.

Within a window (RELAY_DUPLICATE_WINDOW_HOURS, default 72) a form submission whose
normalised e-mail or phone matches an open lead with an overlapping product group joins
that lead (its message appended, the dealer holding it told by push) instead of being
routed a second time.
"""

from datetime import timedelta

import phonenumbers
from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.clock import utcnow
from app.enums import Stage
from app.extensions import db
from app.models import Lead, LineItem
from app.services import notify, report_facts
from app.services.events import record_event

OPEN_STATUSES = ("review", "offered", "accepted", "unassigned")
CLOSED_STAGES = tuple(stage for stage in Stage if not stage.is_open)


def contact_keys(
    email: str | None, phone: str | None, country: str | None
) -> tuple[str | None, str | None]:
    """The e-mail in lower case and the phone in E.164 (digits alone when unparsable)."""
    email_key = email.strip().lower() if email else None
    return email_key, normalised_phone(phone, country)


def normalised_phone(phone: str | None, country: str | None) -> str | None:
    """A phone number as +E.164 for the lead's country, so '030 1234567' = '+49 30 1234567'."""
    if not phone:
        return None
    try:
        number = phonenumbers.parse(phone, (country or "DE").upper())
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = "".join(character for character in phone if character.isdigit())
    return digits or None


def duplicate_window() -> timedelta:
    """How far back a submission looks for the same customer's open lead."""
    return timedelta(hours=float(current_app.config.get("RELAY_DUPLICATE_WINDOW_HOURS", 72)))


def find_open_duplicate(lead: Lead) -> Lead | None:
    """The newest open lead of the same customer about an overlapping product group."""
    matches = []
    if lead.email_key:
        matches.append(Lead.email_key == lead.email_key)
    if lead.phone_key:
        matches.append(Lead.phone_key == lead.phone_key)
    if not matches:
        return None
    since = (lead.created_at or utcnow()) - duplicate_window()
    candidates = db.session.scalars(
        select(Lead)
        .where(
            or_(*matches),
            Lead.created_at >= since,
            Lead.status.in_(OPEN_STATUSES),
            Lead.stage.not_in(CLOSED_STAGES),
        )
        .options(selectinload(Lead.line_items))
        .order_by(Lead.created_at.desc())
        .limit(20)
    )
    groups = set(lead.product_groups)
    return next((found for found in candidates if groups & set(found.product_groups)), None)


def merge_into(existing: Lead, newcomer: Lead) -> Lead:
    """Add what the customer said again to the open lead, tell its dealer, and commit."""
    when = (newcomer.created_at or utcnow()).strftime("%Y-%m-%d %H:%M UTC")
    if newcomer.message:
        addition = f"[{when}, again] {newcomer.message}"
        existing.message = f"{existing.message}\n\n{addition}" if existing.message else addition
    known = {(item.sku, item.product_group) for item in existing.line_items}
    added = []
    for item in newcomer.line_items:
        if (item.sku, item.product_group) not in known:
            known.add((item.sku, item.product_group))
            added.append(item.sku or item.product_group)
            existing.line_items.append(
                LineItem(
                    position=len(existing.line_items),
                    sku=item.sku,
                    product_group=item.product_group,
                    interest_type=item.interest_type,
                    item_type=item.item_type,
                    quantity=item.quantity,
                )
            )
    fields = dict(existing.custom_fields or {})
    for key, value in (newcomer.custom_fields or {}).items():
        fields.setdefault(key, value)
    existing.custom_fields = fields
    record_event(
        existing,
        "merged",
        source=newcomer.source,
        message=newcomer.message,
        added_items=added or None,
    )
    notify.notify_customer_wrote_again(existing)
    report_facts.refresh_lead(existing.id)  # new product groups, perhaps a campaign
    db.session.commit()
    return existing
