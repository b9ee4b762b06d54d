"""Forms of the coordinator console."""

from zoneinfo import available_timezones

from flask import url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from app.enums import Delivery, InquiryType, Role
from app.services.dealer_import import format_opening_hours, parse_opening_hours


class ServiceErrorsForm(FlaskForm):
    """A form that shows a service's errors (dotted field paths) on the fields they name;
    an error for a field the form lacks lands on `fallback_field`."""

    fallback_field = "name"

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Put each error on the field its path starts with."""
        for path, message in errors.items():
            target = getattr(self, path.split(".")[0], None)
            if not isinstance(target, Field):
                target = getattr(self, self.fallback_field)
            target.errors = [*target.errors, message]


CODE_LIST = Regexp(r"^[A-Za-z0-9 ,._-]*$", message="Codes separated by commas.")


class RouteForm(ServiceErrorsForm):
    fallback_field = "category"
    category = StringField(
        "Interest category",
        validators=[DataRequired(), Length(max=40)],
        description="For example new, used, service; ALL catches every category without a route.",
    )
    dealer_codes = StringField("Dealers", validators=[Optional(), Length(max=2000), CODE_LIST])
    countries = StringField("Countries", validators=[Optional(), Length(max=200), CODE_LIST])
    postal_prefixes = StringField(
        "Postal-code prefixes", validators=[Optional(), Length(max=500), CODE_LIST]
    )
    confirmed = HiddenField()

    def route_data(self) -> dict:
        """The route's fields as the routes service takes them."""
        return {
            "category": self.category.data,
            "dealer_codes": split_codes(self.dealer_codes.data),
            "countries": split_codes(self.countries.data),
            "postal_prefixes": split_codes(self.postal_prefixes.data),
        }


class PreviewForm(FlaskForm):
    """Read-only question: where would such a lead go? (GET, no CSRF needed.)"""

    class Meta:
        csrf = False

    postal_code = StringField("Postal code", validators=[DataRequired(), Length(max=12)])
    country = StringField(
        "Country", default="DE", validators=[DataRequired(), Length(min=2, max=2)]
    )
    product_group = StringField("Product group", default="tractors", validators=[DataRequired()])
    sku = StringField("SKU (optional)", validators=[Optional(), Length(max=80)])
    interest_category = StringField("Interest category", default="new", validators=[Optional()])
    inquiry_type = SelectField(
        "Inquiry type",
        choices=[
            SelectChoice(InquiryType.B2C.value, "B2C"),
            SelectChoice(InquiryType.B2B.value, "B2B"),
            SelectChoice(InquiryType.SERVICE.value, "Service"),
        ],
        # The first choice is what the page shows selected; a link that leaves the field
        # out means that choice, not "Not a valid choice" under a visibly chosen B2C.
        default=InquiryType.B2C.value,
    )
    delivery = SelectField(
        "Delivery",
        choices=[
            SelectChoice(Delivery.PICKUP.value, "Pickup at a store"),
            SelectChoice(Delivery.SHIP.value, "Ship to customer"),
        ],
        default=Delivery.PICKUP.value,
    )


MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def read_upload(field: FileField) -> bytes | None:
    """The bytes of the CSV uploaded in `field`; None, with the error on the field, when the
    file is over 5 MB (the lead and catalog imports share this limit and its wording)."""
    content = field.data.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        field.errors = [*field.errors, "The file is larger than 5 MB; split it."]
        return None
    return content


def split_codes(text: str | None) -> list[str]:
    """'a, b ,c' -> ['a', 'b', 'c']."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


class LeadActionForm(FlaskForm):
    """Assign or distribute: dealers picked in the picker and/or typed as codes."""

    dealers = StringField("Dealer codes", validators=[Optional(), Length(max=2000), CODE_LIST])

    def chosen_codes(self, picked: list[str]) -> list[str]:
        """Typed codes and picked ones, in order, without repeats (case kept as typed)."""
        return list(dict.fromkeys([*split_codes(self.dealers.data), *picked]))


REJECT_REASONS = [
    SelectChoice("spam", "Spam"),
    SelectChoice("duplicate", "Duplicate of another lead"),
    SelectChoice("test", "Test or fake inquiry"),
    SelectChoice("incomplete", "Not enough to act on"),
    SelectChoice("other", "Other"),
]


class RejectForm(FlaskForm):
    """Reject a lead in pre-qualification: a reason, a note, and a confirmation step."""

    reason = SelectField("Reason", choices=REJECT_REASONS)
    note = StringField("Note (optional)", validators=[Optional(), Length(max=500)])
    confirmed = HiddenField()
    # Where the coordinator came from, and goes back to: the lead's page or the review queue.
    back = HiddenField()

    def back_url(self, lead_id: str) -> str:
        if self.back.data == "review":
            return url_for("console.review_queue")
        return url_for("console.lead_detail", lead_id=lead_id)

    def note_text(self) -> str:
        """What the lead's history records: the reason's label and the note."""
        label = dict((choice.value, choice.label) for choice in REJECT_REASONS)[self.reason.data]
        return f"{label}: {self.note.data.strip()}" if self.note.data else label


class DealerForm(ServiceErrorsForm):
    """A dealer as the console edits it; `api_body` is what PUT /api/v1/dealers takes."""

    code = StringField(
        "Code",
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message="Letters, digits, '.', '-' or '_'."),
        ],
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    tier = SelectField(
        "Tier",
        choices=[
            SelectChoice("dealer", "Dealer"),
            SelectChoice("distributor", "Distributor (has sub-dealers)"),
        ],
    )
    parent = StringField("Distributor (parent code)", validators=[Optional(), Length(max=40)])
    email = StringField("E-mail", validators=[Optional(), Length(max=254)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    postal_code = StringField("Postal code", validators=[Optional(), Length(max=12)])
    town = StringField("Town", validators=[Optional(), Length(max=120)])
    country = StringField(
        "Country", default="DE", validators=[DataRequired(), Length(min=2, max=2)]
    )
    # Checked by the dealer service (ISO 4217); empty takes the country's currency.
    currency = StringField("Currency", validators=[Optional(), Length(max=10)])
    service_radius_km = DecimalField(
        "Service radius (km)", default=50, places=None, validators=[NumberRange(min=0, max=5000)]
    )
    tags = StringField("Tags", validators=[Optional(), Length(max=2000)])
    inventory = TextAreaField("Inventory (SKUs)", validators=[Optional(), Length(max=100000)])
    daily_capacity = IntegerField(
        "Daily capacity", validators=[Optional(), NumberRange(min=0, max=100000)]
    )
    timezone = StringField(
        "Time zone", default="Europe/Berlin", validators=[DataRequired(), Length(max=64)]
    )
    opening_hours = TextAreaField("Opening hours", validators=[Optional(), Length(max=2000)])
    absent_from = DateField("Away from", validators=[Optional()])
    absent_until = DateField("Away until (first day back)", validators=[Optional()])
    active = BooleanField("Active: routing may offer it leads", default=True)

    @classmethod
    def for_dealer(cls, dealer) -> "DealerForm":
        """The form filled with a stored dealer."""
        form = cls(obj=dealer)
        form.tags.data = ", ".join(dealer.tags or [])
        form.inventory.data = "\n".join(dealer.inventory or [])
        form.opening_hours.data = format_opening_hours(dealer.opening_hours)
        form.absent_from.data = dealer.absent_from.date() if dealer.absent_from else None
        form.absent_until.data = dealer.absent_until.date() if dealer.absent_until else None
        return form

    def api_body(self) -> dict:
        """The dealer API's body from the fields (opening hours parsed from their text)."""
        return {
            "name": self.name.data,
            "tier": self.tier.data,
            "parent": (self.parent.data or "").strip() or None,
            "email": (self.email.data or "").strip() or None,
            "phone": (self.phone.data or "").strip() or None,
            "postal_code": (self.postal_code.data or "").strip() or None,
            "town": (self.town.data or "").strip() or None,
            "country": (self.country.data or "").strip().upper(),
            "currency": (self.currency.data or "").strip() or None,
            "service_radius_km": float(self.service_radius_km.data or 0),
            "tags": [tag for tag in (t.strip() for t in (self.tags.data or "").split(",")) if tag],
            "inventory": [
                sku
                for sku in (
                    s.strip() for s in (self.inventory.data or "").replace(",", "\n").splitlines()
                )
                if sku
            ],
            "daily_capacity": self.daily_capacity.data,
            "active": bool(self.active.data),
            "timezone": (self.timezone.data or "UTC").strip(),
            "opening_hours": parse_opening_hours(self.opening_hours.data),
        }


class DealerImportForm(FlaskForm):
    """Upload a dealer CSV for a dry run; the dry run's page applies it (content carried)."""

    file = FileField("Dealer CSV file")
    content = HiddenField()
    apply = HiddenField()

    def csv_text(self) -> str | None:
        """The CSV as text: the uploaded file, else the content carried from the dry run."""
        upload = self.file.data
        if upload and getattr(upload, "filename", ""):
            raw = upload.read()
            try:
                return raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                return None
        return self.content.data or ""


def _zone_choices() -> list[SelectChoice]:
    zones = sorted(
        zone
        for zone in available_timezones()
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    )
    return [
        SelectChoice("UTC", "UTC"),
        *(SelectChoice(zone, zone.replace("_", " ")) for zone in zones),
    ]


class SettingsForm(FlaskForm):
    """The coordinator's own settings."""

    timezone = SelectField("Time zone", choices=_zone_choices)


class AnswerForm(FlaskForm):
    """The answer to one dealer question."""

    body = TextAreaField("Your answer", validators=[DataRequired(), Length(max=4000)])


# --- embedded forms and the product catalog (issue 10) -----------------------------------


class FormSettingsForm(FlaskForm):
    """A form's settings as the coordinator edits them."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    allowed_origins = TextAreaField(
        "Sites that may embed it",
        validators=[Optional(), Length(max=5000)],
        description="One origin a line, such as https://www.brand.example (no path).",
    )
    inquiry_types = SelectMultipleField(
        "Inquiry types offered",
        choices=[
            SelectChoice("b2c", "Private (B2C)"),
            SelectChoice("b2b", "Business (B2B)"),
            SelectChoice("service", "Service"),
        ],
        default=["b2c", "b2b", "service"],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )
    default_interest_category = StringField(
        "Default interest category", validators=[Optional(), Length(max=40)]
    )
    product_groups = StringField(
        "Product groups offered",
        validators=[Optional(), Length(max=2000), CODE_LIST],
        description="Comma-separated; empty offers the whole catalog.",
    )
    default_language = SelectField(
        "Default language",
        choices=[SelectChoice("en", "English"), SelectChoice("de", "German")],
        description="Used when the browser asks for neither.",
    )
    rate_limit = StringField(
        "Limit per address", default="30/minute;300/hour", validators=[DataRequired()]
    )
    form_rate_limit = StringField(
        "Limit for the whole form", default="300/minute;3000/hour", validators=[DataRequired()]
    )
    consent_version = StringField(
        "Consent text version", default="2026-11", validators=[DataRequired(), Length(max=40)]
    )

    def settings(self) -> dict:
        """The values as the forms service takes them."""
        return {
            "name": self.name.data,
            "allowed_origins": [
                line.strip()
                for line in (self.allowed_origins.data or "").splitlines()
                if line.strip()
            ],
            "inquiry_types": list(self.inquiry_types.data or []),
            "default_interest_category": self.default_interest_category.data or None,
            "product_groups": split_codes(self.product_groups.data),
            "default_language": self.default_language.data,
            "rate_limit": self.rate_limit.data,
            "form_rate_limit": self.form_rate_limit.data,
            "consent_version": self.consent_version.data,
        }


class CatalogImportForm(FlaskForm):
    file = FileField("Catalog CSV", validators=[FileRequired()])


class ReviewRuleForm(FlaskForm):
    """A new pre-qualification rule."""

    kind = SelectField(
        "Hold leads when",
        choices=[
            SelectChoice("b2b_volume", "B2B volume estimate is above"),
            SelectChoice("source", "Source is (api, form, adf, import, or utm_source)"),
            SelectChoice("campaign", "Campaign is (campaign_id or utm_campaign)"),
            SelectChoice("product_group", "Product group is"),
            SelectChoice("spam_score", "Spam score is at least"),
        ],
    )
    setting = StringField("Value or threshold", validators=[DataRequired(), Length(max=120)])
    name = StringField("Name (optional)", validators=[Optional(), Length(max=120)])


class UserForm(ServiceErrorsForm):
    """Invite or create a user; without a password one is generated and shown once."""

    fallback_field = "email"

    email = StringField("E-mail", validators=[DataRequired(), Length(max=254)])
    role = SelectField(
        "Role",
        choices=[
            SelectChoice(Role.SALESPERSON.value, "Salesperson (a dealer)"),
            SelectChoice(Role.DEALER_MANAGER.value, "Dealer manager"),
            SelectChoice(Role.COORDINATOR.value, "OEM coordinator"),
        ],
    )
    dealer = StringField("Dealer code", validators=[Optional(), Length(max=40)])
    password = PasswordField("Password (optional)", validators=[Optional(), Length(min=8, max=200)])


class LeadImportForm(FlaskForm):
    """A CSV list of leads (a trade show), checked first, imported on request."""

    file = FileField("Leads CSV", validators=[FileRequired()])
    country = StringField(
        "Country where a row names none",
        default="DE",
        validators=[Optional(), Length(min=2, max=2)],
    )
    campaign = StringField(
        "Campaign (campaign_id where a row names none)",
        validators=[Optional(), Length(max=120)],
    )
    import_valid_rows = BooleanField("Import the valid rows even if some rows fail")
