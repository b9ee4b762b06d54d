"""Privacy before acceptance: which of the customer's details a viewer of a lead may read.

A dealer deciding on an offer needs what the customer asks for, where and why, but not
how to reach them: until its dealer owns the lead it reads no surname, e-mail or phone.
That keeps a dealer who declines (or whose offer is withdrawn or expires) from ever
holding the customer's contact details. The owning dealer (its users, and its
distributor's) and the OEM's coordinators read everything.

Every place that shows a customer to a person (API, pages, partials, push texts) goes
through `customer_for` or `shows_contact`, so the rule lives here only; pushes to
dealers (app/services/notify.py) name the customer by first name alone.
"""

from dataclasses import asdict, dataclass

from app.enums import LeadStatus
from app.models import Lead, User
from app.services.visibility import acting_dealer_ids

# Held back until the viewer's dealer owns the lead.
CONTACT_FIELDS = ("last_name", "email", "phone")


@dataclass(frozen=True)
class CustomerView:
    """The customer as one viewer may see them; hidden fields are None."""

    first_name: str
    last_name: str | None
    email: str | None
    phone: str | None
    company: str | None
    hidden: bool

    @property
    def name(self) -> str:
        """First name and, when shown, surname."""
        return f"{self.first_name} {self.last_name or ''}".strip()

    def to_dict(self) -> dict:
        """The API's `customer` object."""
        data = asdict(self)
        del data["hidden"]
        return data


def shows_contact(lead: Lead, viewer: User | None) -> bool:
    """True when this viewer may read the customer's surname, e-mail and phone.

    `viewer` None is the system itself (webhooks, exports to the OEM's integrations).
    """
    if viewer is None or viewer.is_coordinator:
        return True
    return lead.status == LeadStatus.ACCEPTED and lead.owner_dealer_id in acting_dealer_ids(viewer)


def customer_for(lead: Lead, viewer: User | None) -> CustomerView:
    """The lead's customer as this viewer may see them."""
    shown = shows_contact(lead, viewer)
    return CustomerView(
        first_name=lead.first_name,
        last_name=lead.last_name if shown else None,
        email=lead.email if shown else None,
        phone=lead.phone if shown else None,
        company=lead.company,
        hidden=not shown,
    )
