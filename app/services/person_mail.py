"""Plain-text mail to one person through SMTP_URL: a customer's confirmation, a user's
password-reset link. Failures are logged and reported as False, never raised: the
page that caused the mail answers the same either way."""

import logging

from flask import current_app

from app.mailer import MailError, send_mail

log = logging.getLogger(__name__)

DEFAULT_SENDER = "LeadRelay <no-reply@leadrelay.invalid>"


def mail_enabled() -> bool:
    """True when an SMTP server is configured (SMTP_URL): without one nothing is sent."""
    return bool(current_app.config.get("SMTP_URL"))


def send_to_person(to: str, subject: str, body: str, about: str) -> bool:
    """Send from MAIL_FROM through SMTP_URL; False when SMTP_URL is unset or sending
    failed (logged, naming `about`: "confirmation for lead 42")."""
    if not mail_enabled():
        return False
    try:
        config = current_app.config
        send_mail(config["SMTP_URL"], config.get("MAIL_FROM", DEFAULT_SENDER), to, subject, body)
    except MailError as error:
        log.warning("%s not sent: %s", about, error)
        return False
    return True
