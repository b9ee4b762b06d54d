"""The inquiry form a customer fills in, framed by a brand site or opened on its own.

It works without JavaScript: a plain POST to itself, then a thank-you page. No session
cookie is read or set (framed pages are third-party there): the signed timestamp the
page carries is what ties a submission to a page this server rendered.
"""

from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.auth import public
from app.errors import retry_after_seconds
from app.extensions import csrf, limiter
from app.form import bp
from app.form.fields import InquiryForm, field_errors, lead_body, web_url
from app.i18n import use_default_language
from app.models import FormKey
from app.security import allow_framing
from app.services import catalog, forms, person_mail, spam
from app.services.errors import ValidationFailed

# Names of the demo catalog's product groups in the customer's language; others title-cased.
GROUP_LABELS = {
    "tractors": _l("Tractors"),
    "mowers": _l("Lawn mowers"),
    "chainsaws": _l("Chainsaws"),
    "utility": _l("Utility vehicles"),
    "harvesters": _l("Harvesters"),
}
INQUIRY_LABELS = {
    "b2c": _l("For me (private)"),
    "b2b": _l("For my business"),
    "service": _l("Service or repair"),
}
COUNTRIES = ("DE", "AT", "CH", "NL", "BE", "LU", "DK", "FR", "IT", "PL", "CZ", "GB", "US")


@bp.context_processor
def form_page_helpers() -> dict:
    """What every form template needs: its language, labels and the consent text."""
    return {
        "lang": str(get_locale() or "en"),
        "group_label": lambda group: str(GROUP_LABELS.get(group, group.replace("_", " ").title())),
        "inquiry_labels": {key: str(label) for key, label in INQUIRY_LABELS.items()},
        "consent_text": _consent_text(),
        "country_name": lambda code: get_locale().territories.get(code, code),
    }


def _form_or_404() -> FormKey:
    """The active form of this URL (its language the page default), else 404."""
    form = _requested_form()
    if form is None:
        abort(404)
    use_default_language(form.default_language)
    return form


def _requested_form() -> FormKey | None:
    """The active form named in the URL, looked up once per request (limits and view ask)."""
    if "requested_form" not in g:
        g.requested_form = forms.active_form((request.view_args or {}).get("public_key"))
    return g.requested_form


def per_address_limit() -> str:
    """The form's own limit for one address (a dynamic Flask-Limiter limit)."""
    form = _requested_form()
    return form.rate_limit if form else "30/minute"


def per_form_limit() -> str:
    """The form's limit for all addresses together."""
    form = _requested_form()
    return form.form_rate_limit if form else "300/minute"


def _address_key() -> str:
    return f"form-page|{(request.view_args or {}).get('public_key')}|{request.remote_addr}"


def _form_key() -> str:
    return f"form-page|{(request.view_args or {}).get('public_key')}"


def _framable(form: FormKey, response) -> Response:
    response = current_app.make_response(response)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = "Accept-Language"
    return allow_framing(response, list(form.allowed_origins or []))


def _page(form: FormKey, values=None, errors=None, status: int = 200):
    values = values if values is not None else request.args
    products = catalog.list_products(active_only=True, groups=form.product_groups or None)
    groups = catalog.product_groups(products)
    dealers = forms.nearby_dealers(
        values.get("postal_code"),
        values.get("country") or "DE",
        name_contains=values.get("dealer_q"),
    )
    host = web_url(values.get("page_url") or request.args.get("host"))
    return _framable(
        form,
        (
            render_template(
                "form/page.html",
                form=form,
                values=values,
                errors=errors or {},
                products=products,
                groups=groups,
                dealers=dealers,
                countries=COUNTRIES,
                page_url=host or "",
                referrer=web_url(values.get("referrer") or request.args.get("ref")) or "",
                parent_origin=_parent_origin(form, host),
                started=spam.form_started_token(form.id),
            ),
            status,
        ),
    )


def _parent_origin(form: FormKey, host: str | None) -> str:
    """The host page's origin when the form may talk to it (resize messages)."""
    if not host:
        return ""
    parts = urlsplit(host)
    origin = f"{parts.scheme}://{parts.netloc}"
    return forms.normalise_origin(origin) if forms.origin_allowed(form, origin) else ""


@bp.get("/f/<public_key>")
@public
def show_form(public_key: str):
    """The form; `?postal_code=` lists nearby dealers without JavaScript."""
    return _page(_form_or_404())


@bp.post("/f/<public_key>")
@public
@csrf.exempt  # no session here; the signed timestamp stands in (see the module docstring)
@limiter.limit(per_address_limit, key_func=_address_key)
@limiter.limit(per_form_limit, key_func=_form_key)
def submit_form(public_key: str):
    """Take the inquiry in; a thank-you page, or the form again naming what to fix."""
    form = _form_or_404()
    fields = request.form
    if fields.get("find_dealers"):  # "Find dealers" without JavaScript: show the list
        return _page(form, values=fields)
    products = {product.sku: product for product in catalog.list_products(active_only=True)}
    body, errors = lead_body(form, InquiryForm(fields), products)
    if errors:  # show everything to fix at once, the intake's findings too
        errors = {**forms.submission_errors(body), **errors}
        return _page(form, values=fields, errors=field_errors(errors), status=422)
    signals = spam.Signals(
        honeypot=fields.get("website"),
        fill_seconds=spam.fill_seconds(fields.get("started"), form.id),
        timed=True,
    )
    try:
        forms.receive_submission(
            form, body, signals, consent_text=_consent_text(), language=str(get_locale())
        )
    except ValidationFailed as error:
        return _page(form, values=fields, errors=field_errors(error.errors), status=422)
    return redirect(
        url_for("form.thank_you", public_key=public_key, host=fields.get("page_url") or None),
        code=303,
    )


@bp.get("/f/<public_key>/thanks")
@public
def thank_you(public_key: str):
    """What happens next, in the customer's words."""
    form = _form_or_404()
    host = web_url(request.args.get("host"))
    return _framable(
        form,
        render_template(
            "form/thanks.html",
            form=form,
            host=host,
            parent_origin=_parent_origin(form, host),
            confirmation_mail=person_mail.mail_enabled(),
        ),
    )


@bp.get("/f/<public_key>/dealers")
@public
def list_nearby_dealers(public_key: str):
    """Dealers near a postal code or position: names and towns only (for the picker)."""
    _form_or_404()
    args = request.args
    lat, lon = _coordinate(args.get("lat"), 90), _coordinate(args.get("lon"), 180)
    items = forms.nearby_dealers(
        args.get("postal_code"), args.get("country") or "DE", lat, lon, args.get("q")
    )
    response = jsonify({"items": items})
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _coordinate(raw: str | None, bound: float) -> float | None:
    """A latitude (bound 90) or longitude (180) from the picker; nonsense is no position."""
    try:
        value = float(raw) if raw else None
    except ValueError:
        return None
    return value if value is not None and -bound <= value <= bound else None


@bp.errorhandler(429)
def too_many(error):
    """A page that says when to try again (Flask-Limiter adds Retry-After)."""
    seconds = retry_after_seconds(error)
    form = _requested_form()
    page = render_template("form/limited.html", minutes=max(1, round(seconds / 60)))
    response = current_app.make_response((page, 429, {"Retry-After": str(seconds)}))
    return _framable(form, response) if form else response


def _consent_text() -> str:
    """The consent sentence exactly as the customer saw it (stored with the lead)."""
    return _(
        "I agree that the manufacturer and its dealers may contact me about this inquiry "
        "by e-mail or phone. I can withdraw this at any time."
    )


@bp.get("/embed.js")
@public
def embed_script():
    """The script brand sites paste; it inserts the framed form right after itself."""
    body = (Path(current_app.static_folder) / "js" / "embed.js").read_bytes()
    return Response(
        body,
        content_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )
