"""Forms of the coordinator console."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from app.enums import Delivery, InquiryType

CODE_LIST = Regexp(r"^[A-Za-z0-9 ,._-]*$", message="Codes separated by commas.")


class RouteForm(FlaskForm):
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
    )
    delivery = SelectField(
        "Delivery",
        choices=[
            SelectChoice(Delivery.PICKUP.value, "Pickup at a store"),
            SelectChoice(Delivery.SHIP.value, "Ship to customer"),
        ],
    )


class AssignForm(FlaskForm):
    dealer = StringField("Dealer code", validators=[DataRequired(), Length(max=40)])


def split_codes(text: str | None) -> list[str]:
    """'a, b ,c' -> ['a', 'b', 'c']."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


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


class RejectReviewForm(FlaskForm):
    """Reject a held lead: the reason is kept in its history."""

    note = StringField("Reason", validators=[DataRequired(), Length(max=2000)])
