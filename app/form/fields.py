"""Reading the form page's fields into a lead body, and its errors back onto the fields."""

from urllib.parse import parse_qsl, urlsplit

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

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


def _number(raw: str | None) -> float | str | None:
    """A number as people type it ("1.500", "2,5", "1 200"); the raw text when it is none."""
    text = (raw or "").strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if "," in text and "." in text:
        text = (
            text.replace(".", "").replace(",", ".")
            if text.rfind(",") > text.rfind(".")
            else text.replace(",", "")
        )
    elif "," in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return raw


def lead_body(
    form: FormKey, fields: MultiDict, products: dict[str, Product]
) -> tuple[dict, dict[str, str]]:
    """The lead body the API would take, and the errors found before the service looks."""
    errors: dict[str, str] = {}

    def text(name: str, limit: int = 200) -> str | None:
        value = (fields.get(name) or "").strip()
        return value[:limit] or None

    inquiry_type = text("inquiry_type", 10) or (form.inquiry_types or ["b2c"])[0]
    if inquiry_type not in (form.inquiry_types or []):
        errors["inquiry_type"] = "not offered"
    group = text("product_group", 80)
    sku = text("sku", 80)
    item_type = "vehicle"
    if sku:
        product = products.get(sku)
        if product is None:
            errors["sku"] = "not in the catalog"
        else:
            group, item_type = product.product_group, product.item_type
    if not group:
        errors["product_group"] = "missing"
    volume = _number(fields.get("volume_estimate"))
    if isinstance(volume, str):
        errors["volume_estimate"] = "not a number"
        volume = None
    lat, lon = _number(fields.get("lat")), _number(fields.get("lon"))
    if isinstance(lat, str) or isinstance(lon, str):
        lat = lon = None
    page_url = web_url(fields.get("page_url"))
    referrer = web_url(fields.get("referrer"))
    body = {
        "customer": {
            "first_name": text("first_name", 100) or "",
            "last_name": text("last_name", 100) or "",
            "email": text("email", 254),
            "phone": text("phone", 40),
            "company": text("company", 200) if inquiry_type == "b2b" else None,
        },
        "inquiry_type": inquiry_type,
        "postal_code": text("postal_code", 12),
        "country": text("country", 2),
        "lat": lat,
        "lon": lon,
        "delivery": "ship" if fields.get("delivery") == "ship" else "pickup",
        "message": (fields.get("message") or "").strip()[:5000] or None,
        "volume_estimate": volume if inquiry_type == "b2b" else None,
        "line_items": [
            {
                "sku": sku,
                "product_group": group or "",
                "interest_type": text("interest_type", 20) or "buy",
                "item_type": item_type,
                "quantity": 1,
            }
        ],
        "custom_fields": campaign_fields(page_url, referrer),
        "consent": fields.get("consent") in ("on", "yes", "true", "1"),
    }
    preferred = text("preferred_dealer", 40)
    if preferred:
        body["preferred_seller"] = {"dealer": preferred, "contact": None}
    if not body["customer"]["first_name"]:
        errors["first_name"] = "missing"
    if not body["customer"]["last_name"]:
        errors["last_name"] = "missing"
    if not body["customer"]["email"] and not body["customer"]["phone"]:
        errors["email"] = "missing"
    if not body["consent"]:
        errors["consent"] = "missing"
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
