"""The data model: dealers, users, tokens, leads, offers, events, questions, push.

Typed SQLAlchemy 2 models. They hold columns, relationships and small invariants;
they never touch Flask request state.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    TypeDecorator,
    func,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.clock import utcnow
from app.enums import LeadStatus, OfferKind, OfferStatus, Role, Stage, Tier
from app.extensions import db


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, on SQLite (naive storage) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def new_lead_id() -> str:
    """A random public identifier for a lead; reveals nothing about volume."""
    return uuid.uuid4().hex


# Leads' ids are at most this long (new_lead_id's 32 hex digits; imported ids too).
LEAD_ID_MAX = 32


def could_be_lead_id(value: object) -> bool:
    """Whether an id from outside (a URL, a cursor) is worth looking up at all."""
    return isinstance(value, str) and len(value) <= LEAD_ID_MAX


class Dealer(db.Model):
    """A dealership, or a distributor with sub-dealers, in the OEM's network."""

    __tablename__ = "dealers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(20), default=Tier.DEALER)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    postal_code: Mapped[str | None] = mapped_column(String(12))
    town: Mapped[str | None] = mapped_column(String(120))  # the console's picker finds by it
    country: Mapped[str] = mapped_column(String(2), default="DE")
    # ISO 4217: the currency its won leads' order values are in (default: its country's).
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    service_radius_km: Mapped[float] = mapped_column(Float, default=50.0)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    inventory: Mapped[list[str]] = mapped_column(JSON, default=list)
    daily_capacity: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # {"mon": [["08:00", "18:00"]], ...}; null means always open.
    opening_hours: Mapped[dict | None] = mapped_column(JSON)
    absent_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    absent_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The network version at which routing's view of the dealer last changed (written by
    # the session hook that bumps it): a process holding the network at version v reads
    # only the dealers above v (services/candidates.py).
    routing_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)

    parent: Mapped[Dealer | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Dealer]] = relationship(back_populates="parent")
    tag_rows: Mapped[list[DealerTag]] = relationship(
        back_populates="dealer", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # Covering for the routing bounding-box scan: no table lookups for far dealers.
        Index("ix_dealers_active_lat_lon", "active", "lat", "lon", "service_radius_km"),
        # The widest service radius sizes the routing bounding box: read from the index.
        Index("ix_dealers_active_radius", "active", "service_radius_km"),
    )

    def is_absent(self, at: datetime) -> bool:
        """True while the dealer's absence (holiday) covers the given instant."""
        return absence_covers(self.absent_from, self.absent_until, at)


def absence_covers(starts: datetime | None, ends: datetime | None, at: datetime) -> bool:
    """True when an absence from `starts` until `ends` (either open) covers `at`."""
    if starts is None and ends is None:
        return False
    return (
        (starts or datetime.min.replace(tzinfo=UTC))
        <= at
        < (ends or datetime.max.replace(tzinfo=UTC))
    )


class DealerTag(db.Model):
    """One tag of a dealer, kept beside Dealer.tags so candidates are found by index."""

    __tablename__ = "dealer_tags"

    dealer_id: Mapped[int] = mapped_column(
        ForeignKey("dealers.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)

    dealer: Mapped[Dealer] = relationship(back_populates="tag_rows")


class User(UserMixin, db.Model):
    """A person who signs in: an OEM coordinator or a dealer's manager or salesperson."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Tiers: a coordinator limited to regions, each a country ("AT") or a country and
    # postal-code prefix ("DE-80"); empty means the whole network.
    regions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Tiers: a salesperson's own absence; the dealership's manager assigns around it.
    absent_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    absent_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The coordinator console shows every time in this zone (a setting), labelled.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    # The language the user chose for the pages ("de", "en"); null: the browser's.
    language: Mapped[str | None] = mapped_column(String(5))

    dealer: Mapped[Dealer | None] = relationship()

    # Not a column: the key of the browser session this object was loaded for (set by
    # the session service). Flask-Login puts it, never the user id, into the cookies.
    session_key = None

    def session_cookie_id(self) -> str:
        """What the session and remember-me cookies carry: the server-side session key."""
        if not self.session_key:
            raise RuntimeError("sign in through the session service, which opens a session")
        return self.session_key

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    def is_absent(self, at: datetime) -> bool:
        """True while the user's own absence covers the given instant."""
        return absence_covers(self.absent_from, self.absent_until, at)


class ApiToken(db.Model):
    """An API token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Optional end of life; a token past it answers 401 like a revoked one.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class FormKey(db.Model):
    """A public key for an embedded inquiry form (X-Form-Key); rate limited."""

    __tablename__ = "form_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    rate_limit: Mapped[str] = mapped_column(String(40), default="30/minute;300/hour")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # --- embedded forms (issue 10): the settings a coordinator edits in the console ---
    # Origins of the host sites ("https://brand.example") that may frame the form and
    # call the JSON API from a browser (CORS).
    allowed_origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    inquiry_types: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: ["b2c", "b2b", "service"]
    )
    default_interest_category: Mapped[str | None] = mapped_column(String(40))
    # Product groups the picker offers; empty means the whole catalog.
    product_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    default_language: Mapped[str] = mapped_column(String(5), default="en")
    # All submissions of this form together, whatever their address (rate_limit is per address).
    form_rate_limit: Mapped[str] = mapped_column(String(40), default="300/minute;3000/hour")
    consent_version: Mapped[str] = mapped_column(String(40), default="2026-11")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Lead(db.Model):
    """A customer's inquiry and where it stands."""

    __tablename__ = "leads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_lead_id)
    status: Mapped[str] = mapped_column(String(20), default=LeadStatus.OFFERED)
    stage: Mapped[str] = mapped_column(String(20), default=Stage.NEW)
    # The dealer with the pending offer, or the owner; null when none or several.
    holder_dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"))
    owner_dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"))
    # Tiers: the owning dealership's salesperson working the lead; null = unassigned.
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    company: Mapped[str | None] = mapped_column(String(200))

    inquiry_type: Mapped[str] = mapped_column(String(10))
    interest_category: Mapped[str | None] = mapped_column(String(40))
    postal_code: Mapped[str | None] = mapped_column(String(12))
    country: Mapped[str | None] = mapped_column(String(2))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    location_note: Mapped[str | None] = mapped_column(String(300))
    delivery: Mapped[str] = mapped_column(String(10), default="pickup")
    message: Mapped[str | None] = mapped_column(Text)
    volume_estimate: Mapped[float | None] = mapped_column(Float)
    preferred_dealer_code: Mapped[str | None] = mapped_column(String(40))
    preferred_contact: Mapped[str | None] = mapped_column(String(120))
    custom_fields: Mapped[dict] = mapped_column(JSON, default=dict)
    # custom_fields.campaign_id, else utm_campaign: kept as a column so the console
    # board filters by campaign through an index (see campaign_of).
    campaign: Mapped[str | None] = mapped_column(String(120))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20), default="api")
    # The embedded form it came through, what the customer agreed to, and the spam verdict.
    form_id: Mapped[int | None] = mapped_column(ForeignKey("form_keys.id"))
    consent_text: Mapped[str | None] = mapped_column(Text)
    consent_version: Mapped[str | None] = mapped_column(String(40))
    spam_score: Mapped[float | None] = mapped_column(Float)
    spam_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Normalised e-mail and phone: duplicate detection finds the same customer by index.
    email_key: Mapped[str | None] = mapped_column(String(254))
    phone_key: Mapped[str | None] = mapped_column(String(40))
    order_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # The owning dealer's currency when the lead was won: amounts in different currencies
    # are never added together.
    order_currency: Mapped[str | None] = mapped_column(String(3))
    # Why it was lost (LostReason) and the dealer's words about it, while its stage is lost.
    lost_reason: Mapped[str | None] = mapped_column(String(20))
    lost_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    line_items: Mapped[list[LineItem]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", order_by="LineItem.position"
    )
    offers: Mapped[list[Offer]] = relationship(
        back_populates="lead", cascade="all, delete-orphan", order_by="Offer.id"
    )
    holder: Mapped[Dealer | None] = relationship(foreign_keys=[holder_dealer_id])
    owner: Mapped[Dealer | None] = relationship(foreign_keys=[owner_dealer_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_user_id])

    __table_args__ = (
        Index("ix_leads_created", "created_at", "id"),
        Index("ix_leads_updated", "updated_at", "id"),
        Index("ix_leads_status_created", "status", "created_at"),
        Index("ix_leads_holder", "holder_dealer_id", "status"),
        Index("ix_leads_owner_assignee", "owner_dealer_id", "assignee_user_id"),
        Index("ix_leads_email_key", "email_key", "created_at"),
        Index("ix_leads_phone_key", "phone_key", "created_at"),
        # Console board: a status tab, a campaign, a region, each newest change first.
        Index("ix_leads_status_updated", "status", "updated_at", "id"),
        Index("ix_leads_campaign_updated", "campaign", "updated_at"),
        Index("ix_leads_country_postal", "country", "postal_code"),
    )

    @validates("custom_fields")
    def _keep_campaign(self, key: str, value: dict | None) -> dict | None:
        self.campaign = campaign_of(value)
        return value

    @property
    def customer_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def product_groups(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(item.product_group for item in self.line_items))

    @property
    def title(self) -> str:
        """A short human title: what the customer asks about ("TR-500 +1", "Mowers")."""
        first = self.line_items[0] if self.line_items else None
        if first is None:
            return "Inquiry"
        what = first.sku or first.product_group.replace("-", " ").replace("_", " ").capitalize()
        more = f" +{len(self.line_items) - 1}" if len(self.line_items) > 1 else ""
        return f"{what}{more}"

    @property
    def title_detail(self) -> str:
        """The product groups, when the title does not already say them ("" otherwise)."""
        groups = self.product_groups
        first = self.line_items[0] if self.line_items else None
        if first is not None and not first.sku and len(self.line_items) == 1:
            return ""
        return ", ".join(groups)


def campaign_of(custom_fields: dict | None) -> str | None:
    """A lead's campaign: custom_fields.campaign_id, else utm_campaign, else None."""
    fields = custom_fields or {}
    for key in ("campaign_id", "utm_campaign"):
        value = fields.get(key)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()[:120]
    return None


# Console search: customer name prefixes, case-insensitive, by index (e-mail and phone
# are found through email_key and phone_key).
Index("ix_leads_last_name_lower", func.lower(Lead.last_name))
Index("ix_leads_first_name_lower", func.lower(Lead.first_name))


class LineItem(db.Model):
    """One product the customer asks about."""

    __tablename__ = "line_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    sku: Mapped[str | None] = mapped_column(String(80))
    product_group: Mapped[str] = mapped_column(String(80))
    interest_type: Mapped[str] = mapped_column(String(20), default="buy")
    item_type: Mapped[str] = mapped_column(String(20), default="vehicle")
    quantity: Mapped[int] = mapped_column(Integer, default=1)

    lead: Mapped[Lead] = relationship(back_populates="line_items")

    # Console board filter by product group.
    __table_args__ = (Index("ix_line_items_group_lead", "product_group", "lead_id"),)


class Offer(db.Model):
    """A lead offered to one dealer, with a deadline and the dealer's answer."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"))
    status: Mapped[str] = mapped_column(String(20), default=OfferStatus.PENDING)
    kind: Mapped[str] = mapped_column(String(20), default=OfferKind.ROUTED)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the worker reminds the dealer (a fraction of the SLA in open hours); cleared
    # once the reminder is queued, so the reminder query reads only due rows by index.
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text, default="")
    # A distributor that forwarded the lead gets it back on decline or expiry.
    return_to_dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"))

    lead: Mapped[Lead] = relationship(back_populates="offers")
    dealer: Mapped[Dealer] = relationship(foreign_keys=[dealer_id])
    return_to: Mapped[Dealer | None] = relationship(foreign_keys=[return_to_dealer_id])

    __table_args__ = (
        Index("ix_offers_pending_expiry", "status", "expires_at"),
        Index("ix_offers_pending_reminder", "status", "remind_at"),
        Index("ix_offers_dealer_status", "dealer_id", "status"),
        Index("ix_offers_dealer_offered", "dealer_id", "offered_at"),
        # Two pending offers for one lead are impossible, except a deliberate
        # distribution to several dealers at once.
        Index(
            "uq_offers_one_pending_per_lead",
            "lead_id",
            unique=True,
            sqlite_where=text("status = 'pending' AND kind != 'distributed'"),
            postgresql_where=text("status = 'pending' AND kind != 'distributed'"),
        ),
        # A lead has at most one accepted offer: of a distributed opportunity's
        # simultaneous accepts the database lets exactly one through.
        Index(
            "uq_offers_one_accepted_per_lead",
            "lead_id",
            unique=True,
            sqlite_where=text("status = 'accepted'"),
            postgresql_where=text("status = 'accepted'"),
        ),
    )


class LeadEvent(db.Model):
    """Append-only history of what happened to a lead, and who did it."""

    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    dealer: Mapped[Dealer | None] = relationship()
    actor: Mapped[User | None] = relationship()


class Question(db.Model):
    """A dealer's question to the OEM about a lead, and the answer."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    lead: Mapped[Lead] = relationship()
    dealer: Mapped[Dealer] = relationship()
    asked_by: Mapped[User] = relationship(foreign_keys=[asked_by_id])


class InterestRoute(db.Model):
    """Binds an interest category (or ALL) to a set of dealers or a region."""

    __tablename__ = "interest_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    dealer_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    postal_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PushSubscription(db.Model):
    """One browser/device subscribed to web push for a user."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(2000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Notification preferences per kind on this device (app/services/push_preferences.py):
    # a new device wants everything until its owner switches a kind off.
    wants_new_lead: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    wants_reminder: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    wants_answer: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    wants_taken_back: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Notification(db.Model):
    """An outbox row: a push to send to a user; the worker sends it with retries."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_notifications_due", "sent_at", "failed_at", "next_attempt_at"),)


# --- Reports and delivery to dealers' systems (campaign spend, webhooks, outbox, log) ---

WEBHOOK_EVENTS = (
    "lead.created",
    "offer.created",
    "offer.accepted",
    "offer.declined",
    "offer.expired",
    "lead.unassigned",
    "lead.won",
)
DELIVERY_CHANNELS = ("webhook", "email")
EMAIL_FORMATS = ("adf", "text")


class CampaignSpend(db.Model):
    """What the OEM spent on a campaign; the campaign report turns it into ROI."""

    __tablename__ = "campaign_spend"

    campaign: Mapped[str] = mapped_column(String(120), primary_key=True)
    spend: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Webhook(db.Model):
    """An integration's URL that hears about lead events, signed with its secret."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Deleted webhooks stay as rows so their delivery log keeps its target.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DealerDelivery(db.Model):
    """Where a dealer wants its accepted leads e-mailed, and in which format."""

    __tablename__ = "dealer_deliveries"

    dealer_id: Mapped[int] = mapped_column(
        ForeignKey("dealers.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254))
    format: Mapped[str] = mapped_column(String(10), default="text")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dealer: Mapped[Dealer] = relationship()


class Delivery(db.Model):
    """An outbox row: one lead event to send to one webhook or one dealer mailbox."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    event: Mapped[str] = mapped_column(String(40))
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    # The dealer the event concerns (the recipient of an e-mail), if any.
    dealer_id: Mapped[int | None] = mapped_column(ForeignKey("dealers.id"), index=True)
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("webhooks.id"))
    target: Mapped[str] = mapped_column(String(2000))
    # Frozen at the first attempt, so every retry sends the same document.
    body: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))

    dealer: Mapped[Dealer | None] = relationship()
    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="delivery", cascade="all, delete-orphan", order_by="DeliveryAttempt.id"
    )

    __table_args__ = (Index("ix_deliveries_due", "sent_at", "failed_at", "next_attempt_at"),)

    @property
    def status(self) -> str:
        """sent, failed, retrying (tried and due again) or queued."""
        if self.sent_at is not None:
            return "sent"
        if self.failed_at is not None:
            return "failed"
        return "retrying" if self.attempts else "queued"


class DeliveryAttempt(db.Model):
    """One try at a delivery: when, the answer's status code, what went wrong."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))

    delivery: Mapped[Delivery] = relationship(back_populates="attempt_log")


# --- Hardening: server-side sessions and the audit log -------------------------------


class UserSession(db.Model):
    """One signed-in browser: its cookie names this row, so logout can end it for good.

    Only a digest of the session key is stored; the key itself lives in the signed
    session cookie (and in the remember-me cookie when the user ticked "remember me").
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship()


class AuditEvent(db.Model):
    """Who did what, when, and from where: sign-ins, token use, coordinator actions."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # (the log pages by id)
    action: Mapped[str] = mapped_column(String(80), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Kept as text too: the row stays readable after the user is deleted, and a failed
    # sign-in names the email that was tried.
    actor_email: Mapped[str | None] = mapped_column(String(254))
    via: Mapped[str] = mapped_column(String(10), default="session")  # session, token, cli
    ip: Mapped[str | None] = mapped_column(String(45))
    target: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


# --- product catalog (issue 10): what the form's picker offers --------------------------


class Product(db.Model):
    """A catalog entry: a SKU, its name, product group and item type."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    product_group: Mapped[str] = mapped_column(String(80), index=True)
    item_type: Mapped[str] = mapped_column(String(20), default="vehicle")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- pre-qualification rules (issue 10): leads that wait for a coordinator ---------------

REVIEW_RULE_KINDS = ("b2b_volume", "source", "campaign", "product_group", "spam_score")


class ReviewRule(db.Model):
    """A coordinator's rule: a lead it matches waits in `review` instead of being routed.

    `threshold` serves b2b_volume (volume estimate above it) and spam_score (score at
    or above it); `value` serves source, campaign and product_group (equal, any case).
    """

    __tablename__ = "review_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    threshold: Mapped[float | None] = mapped_column(Float)
    value: Mapped[str | None] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# --- Reports (issue 11's speed): one narrow row per offer, kept by the offer transitions ---


class ReportFactColumns:
    """What a report groups and sums an offer by, copied from the offer and its lead.

    Written in the same transaction as every change of those facts (offer created or
    ended, lead won, owner or campaign changed: app/services/report_facts.py), so a
    report reads one narrow table by date, without joining offers to leads.
    """

    offer_id: Mapped[int] = mapped_column(
        ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True
    )
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    dealer_id: Mapped[int] = mapped_column(Integer)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(20))
    # Offer to accept or decline; null for offers not answered by the dealer.
    response_seconds: Mapped[float | None] = mapped_column(Float)
    region: Mapped[str | None] = mapped_column(String(20))  # "DE-10": country, two digits
    campaign: Mapped[str | None] = mapped_column(String(120))
    # Accepted, and that dealer owns the lead, which is won: the order value counts.
    won: Mapped[bool] = mapped_column(Boolean, default=False)
    order_value: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # The won amount's currency: reports sum each currency apart, never across.
    order_currency: Mapped[str | None] = mapped_column(String(3))


# The columns every report aggregates: PostgreSQL reads a date range from the index alone.
REPORT_FACT_FIGURES = [
    "status",
    "reason",
    "response_seconds",
    "won",
    "order_value",
    "order_currency",
]
# What the grouping indexes carry besides their key and response time.
REPORT_GROUPED_FIGURES = ["offered_at", "status", "reason", "won", "order_value", "order_currency"]


def report_grouping_index(name: str, key: str) -> Index:
    """A report's grouping read in key order, response time within (the median's order).

    On PostgreSQL it covers every aggregated column: a long range is one index-only
    pass, grouped as it is read, with no sort of a million rows.
    """
    return Index(name, key, "response_seconds", postgresql_include=list(REPORT_GROUPED_FIGURES))


class ReportOffer(ReportFactColumns, db.Model):
    """One row per offer: the dealer, region, campaign reports (and the totals)."""

    __tablename__ = "report_offers"
    __table_args__ = (
        Index(
            "ix_report_offers_offered_at",
            "offered_at",
            postgresql_include=["dealer_id", "region", "campaign", *REPORT_FACT_FIGURES],
        ),
        report_grouping_index("ix_report_offers_dealer", "dealer_id"),
        report_grouping_index("ix_report_offers_region", "region"),
        report_grouping_index("ix_report_offers_campaign", "campaign"),
    )


class ReportOfferGroup(ReportFactColumns, db.Model):
    """One row per offer and product group of its lead: the product-group report."""

    __tablename__ = "report_offer_groups"

    product_group: Mapped[str] = mapped_column(String(80), primary_key=True)

    __table_args__ = (
        Index(
            "ix_report_offer_groups_offered_at",
            "offered_at",
            postgresql_include=["product_group", *REPORT_FACT_FIGURES],
        ),
        report_grouping_index("ix_report_offer_groups_group", "product_group"),
    )


# --- Dealer app: private notes on a lead (issue 14) ---


class LeadNote(db.Model):
    """A salesperson's private note on a lead, read by everyone of the same dealership
    (never by the customer, the manufacturer or another dealer)."""

    __tablename__ = "lead_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    dealer_id: Mapped[int] = mapped_column(ForeignKey("dealers.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()

    __table_args__ = (Index("ix_lead_notes_lead_dealer", "lead_id", "dealer_id", "created_at"),)


# --- Versions of what processes cache (issue 9: app/services/versioned_cache.py) ---------


class CacheVersion(db.Model):
    """A counter per cache ("network", "tokens", ...), bumped in the same transaction as
    every change to the rows that cache holds.

    Each process keeps such rows in memory, filed under the version it read before them,
    and reloads when the counter in the database differs: so a change made through any
    process is seen by every other one at its next request.
    """

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
