"""Sending e-mail over SMTP, configured by one URL (SMTP_URL).

    smtp://host:25            plain (a local relay)
    smtp://user:pass@host:587 STARTTLS when the server offers it, then login
    smtps://user:pass@host:465 TLS from the start

Kept to the standard library; callers decide what to do when sending fails.
"""

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

TIMEOUT_SECONDS = 10


class MailError(Exception):
    """The message could not be handed to the SMTP server."""


def send_mail(smtp_url: str, sender: str, to: str, subject: str, body: str) -> None:
    """Hand one plain-text message to the SMTP server named by smtp_url."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    send_message(smtp_url, message)


def send_message(smtp_url: str, message: EmailMessage) -> None:
    """Hand a composed message (its own From, To and body) to the SMTP server; MailError else."""
    parts = urlsplit(smtp_url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailError(f"SMTP_URL must be smtp://… or smtps://…, not {parts.scheme or smtp_url!r}")
    try:
        if parts.scheme == "smtps":
            client = smtplib.SMTP_SSL(
                parts.hostname,
                parts.port or 465,
                timeout=TIMEOUT_SECONDS,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(parts.hostname, parts.port or 25, timeout=TIMEOUT_SECONDS)
        with client:
            if parts.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(str(error)) from error
