"""E-mail delivery of accepted leads to a dealer's own systems (a CRM's inbox, a DMS).

Each dealer may name one address and a format: `adf` (the automotive lead standard,
ADF/XML, which most dealer CRMs import from a mailbox) or `text` (for people).
Mail goes out through SMTP_URL (app/mailer.py, the same sender as the customer's
confirmation); the outbox in app.services.deliveries retries it.
"""

from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from app import mailer
from app.clock import utcnow
from app.extensions import db
from app.models import EMAIL_FORMATS, Dealer, DealerDelivery, Lead
from app.services.errors import ValidationFailed

DEFAULT_SENDER = "leads@leadrelay.invalid"


class MailNotConfigured(RuntimeError):
    """SMTP_URL is not set (or cannot be read): nothing can be sent."""


def setting_for(dealer: Dealer) -> DealerDelivery | None:
    """The dealer's e-mail delivery setting, if it has one."""
    return db.session.get(DealerDelivery, dealer.id)


def save_setting(dealer: Dealer, email: str, email_format: str, active: bool) -> DealerDelivery:
    """Set where (and in which format) the dealer's accepted leads are e-mailed."""
    if email_format not in EMAIL_FORMATS:
        raise ValidationFailed(
            "bad format", {"format": f"must be one of {', '.join(EMAIL_FORMATS)}"}
        )
    setting = setting_for(dealer) or DealerDelivery(dealer_id=dealer.id)
    setting.email = email
    setting.format = email_format
    setting.active = active
    setting.updated_at = utcnow()
    db.session.add(setting)
    db.session.commit()
    return setting


def compose(lead: Lead, dealer: Dealer | None, recipient: str) -> EmailMessage:
    """The message for one accepted lead, in the dealer's chosen format."""
    setting = setting_for(dealer) if dealer is not None else None
    email_format = setting.format if setting else "text"
    message = EmailMessage()
    message["From"] = current_app.config.get("MAIL_FROM") or DEFAULT_SENDER
    message["To"] = recipient
    message["Subject"] = f"Lead accepted: {lead.title} ({lead.customer_name})"[:200]
    message["Date"] = formatdate(utcnow().timestamp(), usegmt=True)
    message["Message-ID"] = make_msgid(idstring=lead.id, domain="leadrelay.invalid")
    message["X-LeadRelay-Lead"] = lead.id
    if email_format == "adf":
        from app.services.adf import lead_to_adf  # the intake side owns ADF/XML

        message.set_content(lead_to_adf(lead), subtype="xml", charset="utf-8")
    else:
        message.set_content(lead_text(lead, dealer))
    return message


def lead_text(lead: Lead, dealer: Dealer | None) -> str:
    """A plain-text summary of a lead for a person to read."""
    lines = [
        f"{dealer.name if dealer else 'Your dealership'} accepted this lead in LeadRelay.",
        "",
        f"Lead: {lead.id}",
        f"Customer: {lead.customer_name}",
    ]
    for label, value in (
        ("Company", lead.company),
        ("E-mail", lead.email),
        ("Phone", lead.phone),
        ("Postal code", " ".join(filter(None, [lead.country, lead.postal_code]))),
        ("Inquiry", lead.inquiry_type),
        ("Interest", lead.interest_category),
        ("Delivery", lead.delivery),
    ):
        if value:
            lines.append(f"{label}: {value}")
    lines.append("")
    lines.append("Products:")
    for item in lead.line_items:
        sku = f" {item.sku}" if item.sku else ""
        lines.append(f"- {item.quantity} x {item.product_group}{sku} ({item.interest_type})")
    if lead.message:
        lines += ["", "Message:", lead.message]
    if lead.custom_fields:
        lines += ["", "Campaign fields:"]
        lines += [f"{key}: {value}" for key, value in sorted(lead.custom_fields.items())]
    return "\n".join(lines) + "\n"


def send(raw_message: str) -> None:
    """Send one stored message through SMTP_URL (app/mailer.py); raises MailError on failure."""
    url = current_app.config.get("SMTP_URL")
    if not url:
        raise MailNotConfigured("SMTP_URL is not set")
    mailer.send_message(url, message_from_string(raw_message, policy=policy.SMTP))
