"""The spam filter for form submissions: a score from 0 to 1 and the reasons behind it.

Signals: a honeypot field people never see, the time from showing the form to sending it
(a signed timestamp the form page carries), links, throw-away e-mail domains (the
maintained `disposable-email-domains` list) and runs of repeated characters. Spam
(score >= SPAM_THRESHOLD) is stored, rejected and never routed; a coordinator can
release it. A lower non-zero score stays on the lead for pre-qualification rules.
Rate limits per address and per form are the views' (Flask-Limiter).
"""

import re
from dataclasses import dataclass, field

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.clock import utcnow
from app.models import Lead

SPAM_THRESHOLD = 0.7
WEIGHTS = {
    "honeypot": 1.0,  # a hidden field was filled in: a script, not a person
    "no_timestamp": 0.8,  # the form page's signed timestamp is missing or forged
    "too_fast": 0.8,  # sent sooner after showing than a person can type
    "link_in_name": 0.6,
    "links": 0.4,  # two or three links in the message
    "many_links": 0.8,  # four or more
    "disposable_email": 0.5,
    "repeated_characters": 0.4,
}
_LINK = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_REPEATED_CHARACTER = re.compile(r"(\S)\1{5,}")
_REPEATED_WORD = re.compile(r"\b(\w{2,})\b(?:\W+\1\b){3,}", re.IGNORECASE)
_SALT = "leadrelay-form-started"


@dataclass(frozen=True)
class Signals:
    """What the channel knows beyond the lead itself."""

    honeypot: str | None = None
    # Seconds from showing the form to sending it; None when unknown.
    fill_seconds: float | None = None
    # True for the form page, which always carries a timestamp (the JSON API does not).
    timed: bool = False


@dataclass(frozen=True)
class Verdict:
    score: float
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_spam(self) -> bool:
        return self.score >= SPAM_THRESHOLD


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def form_started_token(form_id: int) -> str:
    """A signed note of when the form was shown (the clock is injectable in tests)."""
    return _serializer().dumps([form_id, round(utcnow().timestamp(), 3)])


def fill_seconds(token: str | None, form_id: int) -> float | None:
    """Seconds since the form was shown, or None when the token is missing or not ours."""
    if not token or len(token) > 200:
        return None
    try:
        shown_form, shown_at = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if shown_form != form_id or not isinstance(shown_at, int | float):
        return None
    return utcnow().timestamp() - shown_at


def min_fill_seconds() -> float:
    """Faster than this from showing to sending is not a person (RELAY_FORM_MIN_FILL_SECONDS)."""
    return float(current_app.config.get("RELAY_FORM_MIN_FILL_SECONDS", 3))


def assess(lead: Lead, signals: Signals) -> Verdict:
    """Score a submission from its content and the channel's signals."""
    reasons: list[str] = []
    if signals.honeypot and signals.honeypot.strip():
        reasons.append("honeypot")
    if signals.timed and signals.fill_seconds is None:
        reasons.append("no_timestamp")
    elif signals.fill_seconds is not None and signals.fill_seconds < min_fill_seconds():
        reasons.append("too_fast")
    names = " ".join(filter(None, (lead.first_name, lead.last_name, lead.company)))
    if _LINK.search(names):
        reasons.append("link_in_name")
    links = len(_LINK.findall(lead.message or ""))
    if links >= 4:
        reasons.append("many_links")
    elif links >= 2:
        reasons.append("links")
    if is_disposable_email(lead.email):
        reasons.append("disposable_email")
    text = f"{names} {lead.message or ''}"
    if _REPEATED_CHARACTER.search(text) or _REPEATED_WORD.search(text):
        reasons.append("repeated_characters")
    score = min(1.0, round(sum(WEIGHTS[reason] for reason in reasons), 2))
    return Verdict(score=score, reasons=tuple(reasons))


def is_disposable_email(email: str | None) -> bool:
    """True for an address at a throw-away mail service (or a subdomain of one)."""
    if not email or "@" not in email:
        return False
    labels = email.rsplit("@", 1)[1].strip().lower().rstrip(".").split(".")
    return any(".".join(labels[start:]) in DISPOSABLE_DOMAINS for start in range(len(labels) - 1))
