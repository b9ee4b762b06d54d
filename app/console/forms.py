"""Forms of the coordinator console."""

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

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
