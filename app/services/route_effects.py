"""What a change to the interest-category routes would do, before it is saved.

Adding the first route changes the meaning of every category without one: with routes
present, such a lead takes the ALL route, and without an ALL route it goes straight to the
OEM queue. That silently stranded ordinary `new` leads once. So before a route is added
or removed the coordinator sees, over recent leads, which categories would be left with
no route and where a sample of recent leads would go now and after the change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.clock import utcnow
from app.extensions import db
from app.models import InterestRoute, Lead
from app.routing import FALLBACK, RouteRule, select_routes
from app.services import candidates
from app.services.candidates import interest_routes

SAMPLE = 40  # recent leads routed twice (now, and with the change)
CATEGORY_WINDOW = 1000  # recent leads whose categories are checked


@dataclass
class LeadMove:
    """A sampled lead whose destination the change would alter."""

    lead: Lead
    before: str | None  # dealer code; None = the OEM queue
    after: str | None


@dataclass
class RouteEffect:
    """The change's effect on recent leads."""

    sampled: int = 0
    unchanged: int = 0
    moves: list[LeadMove] = field(default_factory=list)
    # (category, how many recent leads) that would have no route and go to the OEM queue
    stranded_categories: list[tuple[str, int]] = field(default_factory=list)

    @property
    def stranded(self) -> list[LeadMove]:
        """Sampled leads that have a dealer now and would have none."""
        return [move for move in self.moves if move.before and not move.after]

    @property
    def harmless(self) -> bool:
        return not self.moves and not self.stranded_categories


def rule_from(data: dict) -> RouteRule:
    """A routing rule from a route's fields (category, dealer_codes, countries, prefixes)."""
    return RouteRule(
        category=data["category"],
        dealer_codes=frozenset(data.get("dealer_codes") or ()),
        countries=frozenset(data.get("countries") or ()),
        postal_prefixes=tuple(data.get("postal_prefixes") or ()),
    )


def effect_of_adding(data: dict, now: datetime | None = None) -> RouteEffect:
    """What adding a route with these fields would change."""
    current = interest_routes()
    return _compare(current, [*current, rule_from(data)], now)


def effect_of_removing(route_id: int, now: datetime | None = None) -> RouteEffect:
    """What removing this route would change."""
    rows = db.session.scalars(select(InterestRoute).where(InterestRoute.active.is_(True)))
    current, remaining = [], []
    for row in rows:
        rule = rule_from(
            {
                "category": row.category,
                "dealer_codes": row.dealer_codes,
                "countries": row.countries,
                "postal_prefixes": row.postal_prefixes,
            }
        )
        current.append(rule)
        if row.id != route_id:
            remaining.append(rule)
    return _compare(current, remaining, now)


def _compare(current: list[RouteRule], proposed: list[RouteRule], now: datetime | None):
    now = now or utcnow()
    effect = RouteEffect()
    categories = _recent_categories()
    for category, count in categories.items():
        was = select_routes(current, category).status
        will = select_routes(proposed, category).status
        if will == FALLBACK and was != FALLBACK:
            effect.stranded_categories.append((category or "(none)", count))
    leads = db.session.scalars(
        select(Lead)
        .options(selectinload(Lead.line_items))
        .order_by(Lead.created_at.desc())
        .limit(SAMPLE)
    ).all()
    for lead in leads:
        before = candidates.decide(lead, now, routes=current, excluded=frozenset()).chosen
        after = candidates.decide(lead, now, routes=proposed, excluded=frozenset()).chosen
        effect.sampled += 1
        before_code = before.code if before else None
        after_code = after.code if after else None
        if before_code == after_code:
            effect.unchanged += 1
        else:
            effect.moves.append(LeadMove(lead, before_code, after_code))
    return effect


def _recent_categories() -> dict[str | None, int]:
    """Interest categories of the most recent leads, with how often each occurs."""
    recent = select(Lead.interest_category).order_by(Lead.created_at.desc()).limit(CATEGORY_WINDOW)
    counts: dict[str | None, int] = {}
    for category in db.session.scalars(recent):
        counts[category] = counts.get(category, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))
