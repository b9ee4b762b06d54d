"""Forms of the coordinator console."""

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

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
            SelectChoice("b2c", "B2C"),
            SelectChoice("b2b", "B2B"),
            SelectChoice("service", "Service"),
        ],
    )
    delivery = SelectField(
        "Delivery",
        choices=[
            SelectChoice("pickup", "Pickup at a store"),
            SelectChoice("ship", "Ship to customer"),
        ],
    )


class AssignForm(FlaskForm):
    dealer = StringField("Dealer code", validators=[DataRequired(), Length(max=40)])


def split_codes(text: str | None) -> list[str]:
    """'a, b ,c' -> ['a', 'b', 'c']."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


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
