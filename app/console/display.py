"""How the console writes times, durations and amounts: one place, one time zone.

Every time is shown in the signed-in coordinator's zone (a setting) and labelled with
it, so "09:05" never leaves anyone guessing whether it is UTC.
"""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_login import current_user
from markupsafe import Markup

from app.console import bp


def viewer_zone() -> ZoneInfo:
    """The signed-in user's time zone (UTC when none is set)."""
    return ZoneInfo(getattr(current_user, "timezone", None) or "UTC")


@bp.app_template_filter("console_time")
def console_time(value: datetime | None, with_date: bool = True) -> Markup:
    """<time> in the viewer's zone, labelled: '27 Nov 2026, 09:05 CET'."""
    if value is None:
        return Markup("—")
    local = value.astimezone(viewer_zone())
    shown = local.strftime("%d %b %Y, %H:%M" if with_date else "%H:%M")
    return Markup('<time datetime="{iso}">{shown} {zone}</time>').format(
        iso=value.astimezone(UTC).isoformat(), shown=shown, zone=local.tzname()
    )


@bp.app_template_filter("duration")
def duration(seconds: int | None) -> str:
    """A short human duration: '42 min', '3 h 05 min', '2 d 4 h'."""
    if seconds is None:
        return "—"
    seconds = abs(int(seconds))
    minutes, hours, days = seconds // 60 % 60, seconds // 3600 % 24, seconds // 86400
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min" if minutes else "<1 min"


@bp.app_template_filter("amount")
def amount(value: Decimal | float | None, currency: str | None = None) -> str:
    """An order value with thousands separators and its currency: '12,500.00 EUR';
    '—' when none. Amounts in different currencies are never summed, so each says which."""
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f}" + (f" {currency}" if currency else "")


@bp.app_context_processor
def _zone_label() -> dict:
    """`viewer_zone_name` for the 'Times in …' labels."""
    return {"viewer_zone_name": viewer_zone().key}
