"""JSON endpoints: parse, call one service, return a response model. No business logic here.

Each endpoint declares its request and response models with `@api_endpoint`; the
OpenAPI document is generated from those declarations (app/api/spec.py).
"""

from flask import current_app, request

from app.api import bp, submitters
from app.api.openapi import openapi_document
from app.api.spec import api_endpoint
from app.auth import COORDINATORS, api_user, declare_access, public, token_required
from app.enums import DEALER_ROLES, Role
from app.extensions import limiter
from app.inputs import read_json_object
from app.responses import (
    DealerOut,
    DealerPageOut,
    DeclinedOut,
    Items,
    LeadOut,
    LeadPageOut,
    UserOut,
)
from app.schemas import (
    DealerIn,
    DealerQuery,
    DeclineIn,
    InboxQuery,
    LeadIn,
    LeadQuery,
    UserIn,
    parse,
)
from app.services import adf, dealers, forms, inbox, intake, leads, offers, users, visibility
from app.services.errors import UnsupportedMediaType
from app.services.serialisation import dealer_out, lead_out, user_out


def json_body() -> dict:
    """The request's JSON object through the one strict path (app/inputs.py), else a 4xx."""
    return read_json_object()


def optional_json_body() -> dict:
    """The request's JSON object, or {} when the request has no body at all."""
    return read_json_object(optional=True)


def query_args(model):
    """The request's query string validated into `model` (empty values count as absent)."""
    return parse(model, {key: value for key, value in request.args.items() if value != ""})


@bp.get("/openapi.json")
@public
@api_endpoint("This document", returns={"type": "object"}, auth="public")
def get_openapi():
    """The OpenAPI 3 document of this API (no token needed)."""
    return openapi_document(current_app._get_current_object())


# --- dealers -------------------------------------------------------------------------


@bp.put("/dealers/<code>")
@token_required(Role.COORDINATOR)
@api_endpoint(
    "Create or replace a dealer",
    body=DealerIn,
    returns=DealerOut,
    responses={201: DealerOut},
    errors=(404,),
)
def put_dealer(code: str):
    """Create or replace a dealer (201 when created)."""
    dealer, created = dealers.save_dealer(dealers.check_code(code), json_body())
    return dealer_out(dealer), 201 if created else 200


@bp.get("/dealers/<code>")
@token_required(Role.COORDINATOR)
@api_endpoint("Get a dealer", returns=DealerOut)
def get_dealer(code: str):
    """One dealer."""
    return dealer_out(dealers.get_dealer(code))


@bp.get("/dealers")
@token_required(Role.COORDINATOR)
@api_endpoint(
    "List dealers by code (all of them, or keyset pages with limit)",
    query=DealerQuery,
    returns=DealerPageOut,
)
def list_dealers():
    """Every dealer by code, or a page of them after the cursor."""
    query = query_args(DealerQuery)
    page, next_cursor = dealers.dealer_page(after=query.cursor, limit=query.limit)
    return DealerPageOut(items=[dealer_out(dealer) for dealer in page], next_cursor=next_cursor)


# --- users ---------------------------------------------------------------------------


@bp.post("/users")
@token_required(Role.COORDINATOR)
@api_endpoint("Create a user", body=UserIn, returns=UserOut, status=201)
def create_user():
    """Create a user (coordinator, dealer manager or salesperson)."""
    payload = parse(UserIn, json_body())
    user = users.create_user(
        payload.email, payload.role, payload.dealer, payload.password, payload.regions
    )
    return user_out(user)


# --- leads ---------------------------------------------------------------------------


def form_key_limits(view):
    """The public form key's limits (per address, and for the whole form) on a lead intake."""
    per_address = limiter.limit(
        submitters.form_key_rate_limit,
        key_func=submitters.form_rate_key,
        exempt_when=submitters.not_a_form_request,
    )
    whole_form = limiter.limit(
        submitters.form_total_rate_limit,
        key_func=submitters.form_total_rate_key,
        exempt_when=submitters.not_a_form_request,
    )
    limited = per_address(whole_form(view))
    # Both exempt the same requests: submitters.no_limit_applies skips them early.
    setattr(limited, submitters.ONLY_FORM_KEYS_LIMITED, True)
    return limited


@bp.post("/leads")
@declare_access(*COORDINATORS)  # or a form's X-Form-Key: app/api/submitters.py checks
@form_key_limits
@api_endpoint(
    "Submit a lead (routed before the response); a form key gets only a receipt",
    body=LeadIn,
    returns=submitters.SUBMISSION_ANSWER,
    status=201,
    auth="bearer_or_form_key",
    errors=(429,),
)
def create_lead():
    """Take in a lead and route it before answering."""
    actor, source = submitters.lead_submitter()
    if source == "form":
        # Spam filter and duplicate check, as for the form page; the public learns little.
        submission = forms.receive_submission(submitters.submitted_form_key(), json_body())
        return submitters.submission_response(submission.lead, None, submission.merged_into)
    lead = intake.create_lead(json_body(), source=source, actor=actor, audit_status=201)
    return submitters.submission_response(lead, actor)


@bp.post("/leads/adf")
@declare_access(*COORDINATORS)  # or a form's X-Form-Key: app/api/submitters.py checks
@form_key_limits
@api_endpoint(
    "Submit a lead as an ADF/XML 1.0 document; answered like POST /leads",
    body_media_types=("application/xml", "text/xml"),
    returns=submitters.SUBMISSION_ANSWER,
    status=201,
    auth="bearer_or_form_key",
    errors=(400, 413, 415, 422, 429),
)
def create_lead_from_adf():
    """Take in a lead as an ADF/XML 1.0 document; answered like POST /leads."""
    actor, _ = submitters.lead_submitter()
    if request.mimetype not in ("application/xml", "text/xml"):
        raise UnsupportedMediaType(
            "not xml", {"content_type": "send ADF/XML as application/xml or text/xml"}
        )
    lead = adf.create_lead_from_adf(request.get_data(), source="adf", actor=actor)
    return submitters.submission_response(lead, actor)


@bp.get("/leads/<lead_id>")
@token_required(relation="lead")
@api_endpoint("Get a lead", returns=LeadOut)
def get_lead(lead_id: str):
    """One lead, if the caller may see it."""
    user = api_user()
    return lead_out(visibility.get_visible_lead(lead_id, user), user)


@bp.get("/leads")
@token_required()
@api_endpoint(
    "List leads (keyset pages, oldest change first)", query=LeadQuery, returns=LeadPageOut
)
def list_leads():
    """A page of leads, oldest change first, with a cursor for the next page."""
    user = api_user()
    query = query_args(LeadQuery)
    page, next_cursor = leads.list_leads(
        user,
        status=query.status,
        dealer_code=query.dealer,
        updated_since=query.updated_since,
        limit=query.limit,
        cursor=query.cursor,
    )
    return LeadPageOut(items=[lead_out(lead, user) for lead in page], next_cursor=next_cursor)


# --- dealer actions ------------------------------------------------------------------


@bp.get("/inbox")
@token_required(*DEALER_ROLES)
@api_endpoint(
    "My dealer's pending and owned leads; a distributor narrows them with scope",
    query=InboxQuery,
    returns=Items[LeadOut],
)
def get_inbox():
    """Leads offered to or owned by my dealer (and a distributor's sub-dealers);
    `?scope=own|sub_dealers` narrows a distributor's to its own or its sub-dealers'."""
    user = api_user()
    items = inbox.inbox_leads(user, query_args(InboxQuery).scope)
    return Items[LeadOut](items=[lead_out(lead, user) for lead in items])


@bp.post("/leads/<lead_id>/accept")
@token_required(*DEALER_ROLES, relation="offered_lead")
@api_endpoint("Accept my offer: my dealer owns the lead", returns=LeadOut, errors=(409,))
def accept_lead(lead_id: str):
    """Accept my pending offer: my dealer owns the lead."""
    user = api_user()
    return lead_out(offers.accept_offer(lead_id, user), user)


@bp.post("/leads/<lead_id>/decline")
@token_required(*DEALER_ROLES, relation="offered_lead")
@api_endpoint(
    "Decline my offer with a reason; the next dealer gets it at once",
    body=DeclineIn,
    returns=DeclinedOut,
    errors=(409,),
)
def decline_lead(lead_id: str):
    """Decline my pending offer with a reason; the next dealer gets it at once."""
    user = api_user()
    payload = parse(DeclineIn, json_body())
    offers.decline_offer(lead_id, user, payload.reason, payload.note)
    return DeclinedOut(id=lead_id, status="declined", reason=payload.reason)
