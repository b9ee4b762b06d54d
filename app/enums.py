"""One definition of each closed set of values: models, schemas, forms, templates and
the OpenAPI document all read these.

Each is a `StrEnum`, so a member is also the plain string stored in the database and
sent in JSON (`Stage.WON == "won"`); code compares against members, never literals.
"""

from enum import StrEnum


class Role(StrEnum):
    """Who a user is: the OEM's coordinator, or a dealer's manager or salesperson."""

    COORDINATOR = "coordinator"
    DEALER_MANAGER = "dealer_manager"
    SALESPERSON = "salesperson"


DEALER_ROLES = (Role.DEALER_MANAGER, Role.SALESPERSON)


class Tier(StrEnum):
    """A dealer's place in the network."""

    DEALER = "dealer"
    DISTRIBUTOR = "distributor"


class LeadStatus(StrEnum):
    """Where a lead stands in distribution (the contract's `status`)."""

    REVIEW = "review"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    UNASSIGNED = "unassigned"
    REJECTED = "rejected"


class OfferStatus(StrEnum):
    """A dealer's offer: waiting for an answer, or how it ended."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class OfferKind(StrEnum):
    """How an offer came about."""

    ROUTED = "routed"
    ASSIGNED = "assigned"
    DISTRIBUTED = "distributed"
    FORWARDED = "forwarded"
    RETURNED = "returned"


class Stage(StrEnum):
    """The owning dealer's sales stage of a lead, in pipeline order."""

    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    APPOINTMENT = "appointment"
    WON = "won"
    LOST = "lost"

    @property
    def label(self) -> str:
        """How a page names the stage."""
        return self.value.capitalize()

    @property
    def is_open(self) -> bool:
        """True until the lead is won or lost."""
        return self not in (Stage.WON, Stage.LOST)

    def next_stage(self) -> "Stage | None":
        """The pipeline's next step from an open stage (appointment leads on to won)."""
        if not self.is_open:
            return None
        order = list(Stage)
        return order[order.index(self) + 1]


# The stages a dealer can move a lead to ("new" is where every lead starts).
TARGET_STAGES = tuple(stage for stage in Stage if stage is not Stage.NEW)
OPEN_STAGES = tuple(stage for stage in Stage if stage.is_open)


class DeclineReason(StrEnum):
    """Why a dealer declines an offer."""

    PORTFOLIO = "portfolio"
    CAPACITY = "capacity"
    LOCATION = "location"
    SPAM = "spam"
    OTHER = "other"

    @property
    def label(self) -> str:
        """How the decline form words the reason."""
        return _DECLINE_LABELS[self]


_DECLINE_LABELS = {
    DeclineReason.PORTFOLIO: "Not in our portfolio",
    DeclineReason.CAPACITY: "No capacity right now",
    DeclineReason.LOCATION: "Too far away",
    DeclineReason.SPAM: "Spam or fake",
    DeclineReason.OTHER: "Other reason",
}


class InquiryType(StrEnum):
    """What kind of inquiry a lead is."""

    B2C = "b2c"
    B2B = "b2b"
    SERVICE = "service"


class Delivery(StrEnum):
    """How the customer wants the product: from a store, or shipped."""

    PICKUP = "pickup"
    SHIP = "ship"


class WithdrawalReason(StrEnum):
    """Why a pending offer was taken back from its dealer (told to that dealer)."""

    ACCEPTED_ELSEWHERE = "accepted_elsewhere"
    REASSIGNED = "reassigned"
    FORWARDED = "forwarded"
    ABSENT = "absent"
