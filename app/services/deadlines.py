"""When an offer's answer is due: the SLA counted in the dealer's opening hours."""

from datetime import datetime, timedelta

from app.models import Dealer


def offer_deadline(dealer: Dealer, offered_at: datetime, sla_seconds: int) -> datetime:
    """The instant the dealer's answer is due (always-open dealers: plain SLA)."""
    return offered_at + timedelta(seconds=sla_seconds)
