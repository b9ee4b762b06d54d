"""Who may submit leads: a coordinator's token, or an embedded form's public key."""

from flask import current_app, g, request

from app.auth import Unauthorized, api_user
from app.extensions import limiter
from app.models import FormKey, Lead, User
from app.responses import LeadOut, ReceiptOut
from app.services import forms
from app.services.errors import Forbidden
from app.services.serialisation import lead_out

FORM_KEY_HEADER = "X-Form-Key"


# Marks a view whose every rate limit is exempt when not_a_form_request() (form_key_limits).
ONLY_FORM_KEYS_LIMITED = "only_form_keys_limited"


def not_a_form_request() -> bool:
    """Rate limits guard public form keys only; coordinator tokens are not limited."""
    return not request.headers.get(FORM_KEY_HEADER) or bool(request.headers.get("Authorization"))


@limiter.request_filter
def no_limit_applies() -> bool:
    """A lead intake not by form key, whose limits would all be exempt: flask-limiter is
    told so before it resolves them (twice a request, only to find each one exempt)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, ONLY_FORM_KEYS_LIMITED, False) and not_a_form_request()


def submitted_form_key() -> FormKey | None:
    """The request's active form key, read once per request (limiter and view both ask)."""
    if "form_key" not in g:
        g.form_key = forms.active_form(request.headers.get(FORM_KEY_HEADER))
    return g.form_key


def form_key_rate_limit() -> str:
    """The limit configured for the submitting form key."""
    form = submitted_form_key()
    return form.rate_limit if form else "30/minute"


def form_total_rate_limit() -> str:
    """The limit for all submissions of the form together, whatever their address."""
    form = submitted_form_key()
    return form.form_rate_limit if form else "300/minute"


def form_total_rate_key() -> str:
    """Limit per form key alone."""
    return f"form-total|{request.headers.get(FORM_KEY_HEADER, '')}"


def form_rate_key() -> str:
    """Limit per form key and client address."""
    return f"{request.headers.get(FORM_KEY_HEADER, '')}|{request.remote_addr}"


def lead_submitter() -> tuple[User | None, str]:
    """(actor, source) for a new lead: a coordinator token, or a valid form key."""
    if request.headers.get("Authorization"):
        user = api_user()
        if not user.is_coordinator:
            raise Forbidden(errors={"authorization": "only coordinators and forms submit leads"})
        return user, "api"
    form = submitted_form_key()
    if form is None:
        raise Unauthorized(
            errors={"authorization": "send a coordinator bearer token or a valid X-Form-Key"}
        )
    return None, "form"


# What POST /leads answers: the lead for a coordinator, a receipt for a form key.
SUBMISSION_ANSWER = (LeadOut, ReceiptOut)


def submission_response(
    lead: Lead, actor: User | None, merged_into: str | None = None
) -> LeadOut | ReceiptOut:
    """A new lead's answer: the whole lead for a coordinator, only its receipt for a form.

    The public never learns which dealer got the lead, who else was in the running, or
    how far away they are. A submission that joined the customer's open lead names it.
    """
    if actor is None:
        if merged_into:
            return ReceiptOut(id=lead.id, status="received", merged_into=merged_into)
        return ReceiptOut(id=lead.id, status="received")
    return lead_out(lead, actor)
