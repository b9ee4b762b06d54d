"""Forms, the product catalog and spam release: coordinator endpoints. CORS for form keys."""

from flask import Response, request

from app.api import bp
from app.api.spec import api_endpoint
from app.api.submitters import FORM_KEY_HEADER
from app.api.views import json_body
from app.auth import COORDINATORS, api_user, token_required
from app.enums import Role
from app.responses import ErrorsOut, FormOut, ImportReportOut, Items, LeadOut, ProductOut
from app.schemas import FormIn, FormPatchIn
from app.services import catalog, forms
from app.services.dispatch import release_spam
from app.services.errors import BadRequest, Forbidden
from app.services.serialisation import (
    form_out,
    lead_out,
    product_import_report_out,
    product_out,
)

# Browser calls with a form key may reach these (sites that build their own form).
CORS_PATHS = ("/api/v1/leads", "/api/v1/leads/adf")


@bp.post("/forms")
@token_required(Role.COORDINATOR)
@api_endpoint("Create an embedded form", body=FormIn, returns=FormOut, status=201)
def create_form():
    """A new embedded form with its public key."""
    return form_out(forms.create_form(json_body()))


@bp.get("/forms")
@token_required(Role.COORDINATOR)
@api_endpoint("List embedded forms", returns=Items[FormOut])
def list_forms():
    """Every form."""
    return Items[FormOut](items=[form_out(form) for form in forms.list_forms()])


@bp.get("/forms/<int:form_id>")
@token_required(Role.COORDINATOR)
@api_endpoint("Get a form", returns=FormOut)
def get_form(form_id: int):
    """One form."""
    return form_out(forms.get_form(form_id))


@bp.patch("/forms/<int:form_id>")
@token_required(Role.COORDINATOR)
@api_endpoint(
    'Change a form\'s settings ({"active": false} deactivates it)',
    body=FormPatchIn,
    returns=FormOut,
)
def update_form(form_id: int):
    """Change a form's settings (`{"active": false}` deactivates it)."""
    return form_out(forms.update_form(form_id, json_body()))


@bp.post("/forms/<int:form_id>/rotate-key")
@token_required(Role.COORDINATOR)
@api_endpoint("Give the form a new public key (the old one stops working)", returns=FormOut)
def rotate_form_key(form_id: int):
    """A new public key for the form; the old one stops working at once."""
    return form_out(forms.rotate_key(form_id))


@bp.get("/products")
@token_required(Role.COORDINATOR)
@api_endpoint("The product catalog", returns=Items[ProductOut])
def list_products():
    """The product catalog."""
    products = catalog.list_products()
    return Items[ProductOut](items=[product_out(p) for p in products])


@bp.post("/products/import")
@token_required(Role.COORDINATOR)
@api_endpoint(
    "Import catalog rows from CSV (a report of each rejected row)",
    body_media_types=("text/csv",),
    returns=ImportReportOut,
    responses={422: (ImportReportOut, ErrorsOut)},
    errors=(400,),
)
def import_products():
    """Import catalog rows from CSV (text/csv body); a report of each rejected row."""
    if not (request.mimetype or "").startswith("text/"):
        raise BadRequest("send CSV", {"body": "send the CSV file as text/csv"})
    text = request.get_data(as_text=True)
    report = catalog.import_csv(text)
    return product_import_report_out(report), 200 if not report.errors else 422


@bp.post("/leads/<lead_id>/release")
@token_required(*COORDINATORS, relation="lead")
@api_endpoint(
    "Release a lead the spam filter rejected (it is routed now)", returns=LeadOut, errors=(409,)
)
def release_lead(lead_id: str):
    """Release a lead the spam filter rejected: it is routed now."""
    user = api_user()
    return lead_out(release_spam(lead_id, user), user)


@bp.before_request
def refuse_foreign_origin():
    """A browser page may use a form key only from one of that form's allowed origins."""
    origin = request.headers.get("Origin")
    key = request.headers.get(FORM_KEY_HEADER)
    if not origin or not key or request.method == "OPTIONS" or _same_origin(origin):
        return None
    form = forms.active_form(key)
    if form is not None and not forms.origin_allowed(form, origin):
        raise Forbidden("origin not allowed", {"origin": "this form does not allow this site"})
    return None


@bp.after_request
def add_cors_headers(response: Response) -> Response:
    """CORS only for form keys' allowed origins, on the lead intake endpoints."""
    origin = request.headers.get("Origin")
    if not origin or request.path not in CORS_PATHS:
        return response
    key = request.headers.get(FORM_KEY_HEADER)
    if request.method == "OPTIONS":
        allowed = forms.origin_allowed_by_any_form(origin)
    else:
        form = forms.active_form(key)
        allowed = form is not None and forms.origin_allowed(form, origin)
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = forms.normalise_origin(origin)
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, X-Form-Key"
        response.headers["Access-Control-Max-Age"] = "600"
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    response.vary.add("Origin")
    return response


def _same_origin(origin: str) -> bool:
    return forms.normalise_origin(origin) == forms.normalise_origin(request.host_url.rstrip("/"))
