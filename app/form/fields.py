"""Reading the form page's fields (a WTForms form) into a lead body, and its errors back
onto the fields."""

from urllib.parse import parse_qsl, urlsplit

from babel.numbers import NumberFormatError, parse_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, FloatField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import TextInput

from app.enums import LANGUAGES
from app.i18n import FALLBACK
from app.models import FormKey, Product

# Query parameters of the host page that are kept on the lead.
CAMPAIGN_PARAMS = ("campaign", "campaign_id")
MAX_FIELD = 500

# API error paths -> the form field that shows them.
FIELD_OF_ERROR = {
    "customer.first_name": "first_name",
    "customer.last_name": "last_name",
    "customer.email": "email",
    "customer.phone": "phone",
    "customer.company": "company",
    "line_items.0.product_group": "product_group",
    "line_items.0.sku": "sku",
    "line_items.0.interest_type": "interest_type",
    "line_items": "product_group",
    "preferred_seller.dealer": "preferred_dealer",
    "lat": "postal_code",
    "lon": "postal_code",
}


# What each field says when it is not right, in the customer's words (and language).
MESSAGES = {
    "first_name": _l("Please enter your first name."),
    "last_name": _l("Please enter your last name."),
    "email": _l("Please enter a valid e-mail address, or give a phone number instead."),
    "phone": _l("Please enter a phone number we can call, such as +49 30 1234567."),
    "company": _l("Please enter your company's name."),
    "volume_estimate": _l("Please enter how many units you expect, as a number above 0."),
    "inquiry_type": _l("Please choose what your inquiry is about."),
    "product_group": _l("Please choose a product."),
    "sku": _l("Please choose a model from the list."),
    "interest_type": _l("Please choose what you would like."),
    "postal_code": _l("Please enter your postal code and country, or use your location."),
    "country": _l("Please choose your country."),
    "consent": _l("Please agree so that a dealer may contact you."),
    "preferred_dealer": _l("Please choose a dealer from the list, or none."),
    "message": _l("Your message is too long."),
}


def campaign_fields(page_url: str | None, referrer: str | None) -> dict[str, str]:
    """utm_* and campaign parameters of the host page, the page itself and the referrer."""
    fields: dict[str, str] = {}
    if page_url:
        query = urlsplit(page_url).query
        for name, value in parse_qsl(query, keep_blank_values=False):
            name = name.strip().lower()
            if (name.startswith("utm_") or name in CAMPAIGN_PARAMS) and len(name) <= 40:
                fields.setdefault(name, value[:MAX_FIELD])
        fields["page_url"] = page_url[:MAX_FIELD]
    if referrer:
        fields["referrer"] = referrer[:MAX_FIELD]
    return dict(list(fields.items())[:40])


def web_url(value: str | None) -> str | None:
    """An http(s) URL as sent by the embed script, or None."""
    value = (value or "").strip()
    if not value or len(value) > 2000:
        return None
    return value if urlsplit(value).scheme in ("http", "https") else None


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class LocaleNumberField(Field):
    """A number as the customer writes it, read by Babel in the page's language first,
    then in the app's other languages ("1.200,5" on an English page is German for
    1200.5); strict, so a grouping that fits no language is refused. Empty is None."""

    widget = TextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        # Spaces group digits in many languages ("1 200"); none of ours uses them otherwise.
        raw = "".join((valuelist[0] if valuelist else "").split())
        self.data = None
        if not raw:
            return
        page = str(get_locale() or FALLBACK)
        for locale in (page, *(language for language in LANGUAGES if language != page)):
            try:
                self.data = float(parse_decimal(raw, locale=locale, strict=True))
                return
            except (NumberFormatError, ValueError):
                continue
        raise ValueError("not a number")


class InquiryForm(FlaskForm):
    """The public form's fields as the customer sent them. No session is read on the
    form's pages, so the signed timestamp stands in for a CSRF token (see views)."""

    class Meta:
        csrf = False

    inquiry_type = StringField(filters=[_stripped], validators=[Length(max=10)])
    product_group = StringField(filters=[_stripped], validators=[Length(max=80)])
    sku = StringField(filters=[_stripped], validators=[Length(max=80)])
    interest_type = StringField(filters=[_stripped], validators=[Length(max=20)])
    first_name = StringField(filters=[_stripped], validators=[InputRequired(), Length(max=100)])
    last_name = StringField(filters=[_stripped], validators=[InputRequired(), Length(max=100)])
    email = StringField(filters=[_stripped], validators=[Length(max=254)])
    phone = StringField(filters=[_stripped], validators=[Length(max=40)])
    company = StringField(filters=[_stripped], validators=[Length(max=200)])
    volume_estimate = LocaleNumberField()
    postal_code = StringField(filters=[_stripped], validators=[Length(max=12)])
    country = StringField(filters=[_stripped], validators=[Length(max=2)])
    # From the browser's geolocation, not typed: an unreadable position is simply ignored.
    lat = FloatField(validators=[Optional()])
    lon = FloatField(validators=[Optional()])
    delivery = StringField()
    message = TextAreaField(filters=[_stripped], validators=[Length(max=5000)])
    preferred_dealer = StringField(filters=[_stripped], validators=[Length(max=40)])
    consent = BooleanField(false_values=("", "false", "0", "off", "no"))
    page_url = StringField(filters=[web_url])
    referrer = StringField(filters=[web_url])


def lead_body(
    form: FormKey, inquiry: InquiryForm, products: dict[str, Product]
) -> tuple[dict, dict[str, str]]:
    """The lead body the API would take, and the errors found before the service looks."""
    inquiry.validate()
    errors = {name: messages[0] for name, messages in inquiry.errors.items() if messages}
    data = {
        name: (value or None) if isinstance(value, str) else value
        for name, value in inquiry.data.items()
    }
    inquiry_type = data["inquiry_type"] or (form.inquiry_types or ["b2c"])[0]
    if inquiry_type not in (form.inquiry_types or []):
        errors["inquiry_type"] = "not offered"
    group, sku, item_type = data["product_group"], data["sku"], "vehicle"
    if sku:
        product = products.get(sku)
        if product is None:
            errors["sku"] = "not in the catalog"
        else:
            group, item_type = product.product_group, product.item_type
    if not group:
        errors["product_group"] = "missing"
    if "lat" in errors or "lon" in errors:
        for name in ("lat", "lon"):
            errors.pop(name, None)
            data[name] = None
    if not data["email"] and not data["phone"]:
        errors["email"] = "missing"
    if not data["consent"]:
        errors["consent"] = "missing"
    b2b = inquiry_type == "b2b"
    body = {
        "customer": {
            "first_name": data["first_name"] or "",
            "last_name": data["last_name"] or "",
            "email": data["email"],
            "phone": data["phone"],
            "company": data["company"] if b2b else None,
        },
        "inquiry_type": inquiry_type,
        "postal_code": data["postal_code"],
        "country": data["country"],
        "lat": data["lat"],
        "lon": data["lon"],
        "delivery": "ship" if data["delivery"] == "ship" else "pickup",
        "message": data["message"],
        "volume_estimate": data["volume_estimate"] if b2b else None,
        "line_items": [
            {
                "sku": sku,
                "product_group": group or "",
                "interest_type": data["interest_type"] or "buy",
                "item_type": item_type,
                "quantity": 1,
            }
        ],
        "custom_fields": campaign_fields(data["page_url"], data["referrer"]),
        "consent": bool(data["consent"]),
    }
    if data["preferred_dealer"]:
        body["preferred_seller"] = {"dealer": data["preferred_dealer"], "contact": None}
    return body, errors


def field_errors(errors: dict[str, str]) -> dict[str, str]:
    """Errors by dotted path (ours or the service's) as messages on the form's fields."""
    shown: dict[str, str] = {}
    for path in errors:
        name = FIELD_OF_ERROR.get(path, path.removeprefix("customer."))
        if name not in MESSAGES:
            name = "form"
        shown.setdefault(name, str(MESSAGES.get(name, _l("Please check your entries."))))
    return shown
