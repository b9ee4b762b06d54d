"""The coordinator's dealer picker: find dealers by name, code or town for one lead, and
show how each would fit it, from the same routing decision the preview shows.

A dealer the routing engine ranks shows its rank, distance and the lead's product groups it
covers; one it excludes shows the filter's reason; one outside the engine's search area
gets its distance and portfolio fit computed here. Picking an unfit dealer is allowed (the
coordinator decides) but warned about.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.models import Dealer, Lead, User
from app.routing.geo import distance_km
from app.services import dispatch
from app.services.dealers import search_dealers
from app.services.errors import ValidationFailed
from app.services.offers import decide_next_dealer
from app.services.visibility import dealers_within_reach

MAX_OPTIONS = 12


@dataclass
class PickerOption:
    """One dealer as the picker shows it for a lead."""

    dealer: Dealer
    distance_km: float | None
    covered_groups: tuple[str, ...]
    missing_groups: tuple[str, ...]
    skus_in_stock: tuple[str, ...] = ()
    rank: int | None = None  # 1 = the routing engine's choice; None = not eligible
    excluded_because: str | None = None
    warnings: list[str] = field(default_factory=list)


def picker_options(
    lead: Lead, user: User, query: str = "", limit: int = MAX_OPTIONS
) -> list[PickerOption]:
    """Dealers matching `query` (name, code or town), or the best-ranked ones when empty;
    only dealers the user may hand leads to (a regional coordinator: its regions')."""
    decision = decide_next_dealer(lead, utcnow())
    ranks = {candidate.code: (rank, candidate) for rank, candidate in enumerate(decision.ranked, 1)}
    exclusions = {exclusion.code: exclusion for exclusion in decision.excluded}
    text = (query or "").strip()
    within_reach = dealers_within_reach(user)
    if text:
        dealers = search_dealers(text, limit, within_reach)
    else:
        ranked = [candidate.code for candidate in decision.ranked]
        by_code = {
            d.code: d
            for d in db.session.scalars(select(Dealer).where(Dealer.code.in_(ranked), within_reach))
        }
        dealers = [by_code[code] for code in ranked if code in by_code][:limit]
    options = []
    for dealer in dealers:
        option = describe_fit(lead, dealer)
        if dealer.code in ranks:
            rank, candidate = ranks[dealer.code]
            option.rank = rank
            option.distance_km = candidate.distance_km
            option.skus_in_stock = candidate.skus_in_stock
        elif dealer.code in exclusions:
            option.excluded_because = exclusions[dealer.code].reason
        else:
            option.excluded_because = "Outside the area the routing engine searched."
        options.append(option)
    return options


def describe_fit(lead: Lead, dealer: Dealer) -> PickerOption:
    """Distance and portfolio fit of any dealer for the lead, with warnings."""
    tags = set(dealer.tags or [])
    groups = lead.product_groups
    covered = tuple(group for group in groups if group in tags)
    missing = tuple(group for group in groups if group not in tags)
    distance = None
    if None not in (lead.lat, lead.lon, dealer.lat, dealer.lon):
        distance = distance_km(lead.lat, lead.lon, dealer.lat, dealer.lon)
    warnings = []
    if missing:
        warnings.append(f"Does not carry {', '.join(missing)}.")
    if not dealer.active:
        warnings.append("Inactive.")
    if dealer.is_absent(utcnow()):
        warnings.append("Marked as away.")
    return PickerOption(dealer, distance, covered, missing, warnings=warnings)


def resolve_codes(typed: list[str], field_name: str = "dealer") -> list[str]:
    """Dealer codes as stored, whatever their case; unknown ones are a ValidationFailed."""
    wanted = [code.strip() for code in typed if code and code.strip()]
    if not wanted:
        raise ValidationFailed("no dealer", {field_name: "name a dealer code"})
    rows = db.session.execute(
        select(Dealer.code).where(func.lower(Dealer.code).in_([code.lower() for code in wanted]))
    ).scalars()
    stored = {code.lower(): code for code in rows}
    missing = [code for code in wanted if code.lower() not in stored]
    if missing:
        raise ValidationFailed(
            "unknown dealer", {field_name: f"no dealer with code {', '.join(missing)}"}
        )
    return list(dict.fromkeys(stored[code.lower()] for code in wanted))


def fit_warnings(lead: Lead, codes: list[str]) -> list[str]:
    """Warnings about dealers a lead was just given to (e.g. one lacking its product group)."""
    dealers = db.session.scalars(select(Dealer).where(Dealer.code.in_(codes)))
    return [
        f"{dealer.name} ({dealer.code}): {warning}"
        for dealer in dealers
        for warning in describe_fit(lead, dealer).warnings
    ]


def steer_lead(lead_id: str, codes: list[str], actor: User, action: str) -> Lead:
    """Assign the lead to one dealer, or distribute it to several (contract semantics)."""
    if action == "assign":
        return dispatch.assign_lead(lead_id, codes[0], actor)
    return dispatch.distribute_lead(lead_id, codes, actor)
