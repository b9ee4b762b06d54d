"""The customer's confirmation e-mail after a form inquiry (only when SMTP_URL is set).

It says what happens next in the customer's language and names no dealer: routing may
still change hands. Sending failures are logged and never fail the inquiry.
"""

from flask_babel import force_locale
from flask_babel import gettext as _

from app.models import Lead
from app.services.person_mail import mail_enabled, send_to_person


def send_confirmation(lead: Lead, language: str) -> bool:
    """Send the confirmation to the customer's e-mail address; False when not sent."""
    if not mail_enabled() or not lead.email:
        return False
    with force_locale(language):
        subject = _("We have your inquiry")
        what = ", ".join(item.sku or item.product_group for item in lead.line_items)
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=lead.first_name),
                _("thank you for your inquiry about %(what)s.", what=what),
                _(
                    "A dealer near you will contact you soon, usually within one working day, "
                    "by e-mail or phone."
                ),
                _("Your reference: %(reference)s", reference=lead.id[:8].upper()),
                _("You did not send this inquiry? Then you can ignore this e-mail."),
            ]
        )
    return send_to_person(lead.email, subject, body, f"confirmation for lead {lead.id}")
