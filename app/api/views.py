"""JSON endpoints: parse, call one service, serialise. No business logic here."""

from flask import jsonify, request

from app.api import bp, intake
from app.api.openapi import openapi_document
from app.auth import COORDINATORS, api_user, declare_access, public, token_required
from app.extensions import limiter
from app.inputs import datetime_arg, int_arg, read_json_object
from app.models import DEALER_ROLES, LEAD_STATUSES
from app.schemas import DeclineIn, UserIn, parse
from app.services import adf, dealers, forms, leads, offers, users
from app.services.errors import UnsupportedMediaType, ValidationFailed


def json_body() -> dict:
    """The request's JSON object through the one strict path (app/inputs.py), else a 4xx."""
    return read_json_object()


def optional_json_body() -> dict:
    """The request's JSON object, or {} when the request has no body at all."""
    return read_json_object(optional=True)


@bp.get("/openapi.json")
@public
def get_openapi():
    """The OpenAPI 3 document of this API (no token needed)."""
    return jsonify(openapi_document())


# --- dealers -------------------------------------------------------------------------


@bp.put("/dealers/<code>")
@token_required("coordinator")
def put_dealer(code: str):
    """Create or replace a dealer."""
    dealer, created = dealers.save_dealer(dealers.check_code(code), json_body())
    return jsonify(dealers.dealer_to_dict(dealer)), 201 if created else 200


@bp.get("/dealers/<code>")
@token_required("coordinator")
def get_dealer(code: str):
    """One dealer."""
    return jsonify(dealers.dealer_to_dict(dealers.get_dealer(code)))


@bp.get("/dealers")
@token_required("coordinator")
def list_dealers():
    """All dealers."""
    return jsonify({"items": [dealers.dealer_to_dict(d) for d in dealers.list_dealers()]})


# --- users ---------------------------------------------------------------------------


@bp.post("/users")
@token_required("coordinator")
def create_user():
    """Create a user (coordinator, dealer manager or salesperson)."""
    payload = parse(UserIn, json_body())
    user = users.create_user(
        payload.email, payload.role, payload.dealer, payload.password, payload.regions
    )
    return jsonify(users.user_to_dict(user)), 201


# --- leads ---------------------------------------------------------------------------


@bp.post("/leads")
@declare_access(*COORDINATORS)  # or a form's X-Form-Key: app/api/intake.py checks
@limiter.limit(
    intake.form_key_rate_limit,
    key_func=intake.form_rate_key,
    exempt_when=intake.not_a_form_request,
)
@limiter.limit(
    intake.form_total_rate_limit,
    key_func=intake.form_total_rate_key,
    exempt_when=intake.not_a_form_request,
)
def create_lead():
    """Take in a lead and route it before answering."""
    actor, source = intake.lead_submitter()
    if source == "form":
        # Spam filter and duplicate check, as for the form page; the public learns little.
        submission = forms.receive_submission(intake.submitted_form_key(), json_body())
        return intake.submission_response(submission.lead, None, submission.merged_into)
    lead = leads.create_lead(json_body(), source=source, actor=actor)
    return intake.submission_response(lead, actor)


@bp.post("/leads/adf")
@declare_access(*COORDINATORS)  # or a form's X-Form-Key: app/api/intake.py checks
@limiter.limit(
    intake.form_key_rate_limit,
    key_func=intake.form_rate_key,
    exempt_when=intake.not_a_form_request,
)
def create_lead_from_adf():
    """Take in a lead as an ADF/XML 1.0 document; answered like POST /leads."""
    actor, _ = intake.lead_submitter()
    if request.mimetype not in ("application/xml", "text/xml"):
        raise UnsupportedMediaType(
            "not xml", {"content_type": "send ADF/XML as application/xml or text/xml"}
        )
    lead = adf.create_lead_from_adf(request.get_data(), source="adf", actor=actor)
    return intake.submission_response(lead, actor)


@bp.get("/leads/<lead_id>")
@token_required(relation="lead")
def get_lead(lead_id: str):
    """One lead, if the caller may see it."""
    user = api_user()
    return jsonify(leads.lead_to_dict(leads.get_visible_lead(lead_id, user), user))


@bp.get("/leads")
@token_required()
def list_leads():
    """A page of leads, oldest change first, with a cursor for the next page."""
    user = api_user()
    args = request.args
    status = args.get("status") or None
    if status is not None and status not in LEAD_STATUSES:
        raise ValidationFailed(
            "bad status", {"status": f"must be one of {', '.join(LEAD_STATUSES)}"}
        )
    page, next_cursor = leads.list_leads(
        user,
        status=status,
        dealer_code=args.get("dealer") or None,
        updated_since=datetime_arg("updated_since"),
        limit=int_arg("limit", leads.DEFAULT_PAGE, 1, leads.MAX_PAGE),
        cursor=args.get("cursor") or None,
    )
    return jsonify(
        {"items": [leads.lead_to_dict(lead, user) for lead in page], "next_cursor": next_cursor}
    )


# --- dealer actions ------------------------------------------------------------------


@bp.get("/inbox")
@token_required(*DEALER_ROLES)
def get_inbox():
    """Leads offered to or owned by my dealer (and a distributor's sub-dealers);
    `?scope=own|sub_dealers` narrows a distributor's to its own or its sub-dealers'."""
    user = api_user()
    scope = request.args.get("scope") or None
    if scope is not None and scope not in leads.INBOX_SCOPES:
        raise ValidationFailed(
            "bad scope", {"scope": f"must be one of {', '.join(leads.INBOX_SCOPES)}"}
        )
    items = leads.inbox_leads(user, scope)
    return jsonify({"items": [leads.lead_to_dict(lead, user) for lead in items]})


@bp.post("/leads/<lead_id>/accept")
@token_required(*DEALER_ROLES, relation="offered_lead")
def accept_lead(lead_id: str):
    """Accept my pending offer: my dealer owns the lead."""
    user = api_user()
    lead = offers.accept_offer(lead_id, user)
    return jsonify(leads.lead_to_dict(lead, user))


@bp.post("/leads/<lead_id>/decline")
@token_required(*DEALER_ROLES, relation="offered_lead")
def decline_lead(lead_id: str):
    """Decline my pending offer with a reason; the next dealer gets it at once."""
    user = api_user()
    payload = parse(DeclineIn, json_body())
    offers.decline_offer(lead_id, user, payload.reason, payload.note)
    return jsonify({"id": lead_id, "status": "declined", "reason": payload.reason})
