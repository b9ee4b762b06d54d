"""Declare each API endpoint's request and response models; the OpenAPI document at
/api/v1/openapi.json is generated from these declarations and the URL map.

    @bp.post("/leads/<lead_id>/decline")
    @token_required(*DEALER_ROLES)
    @api_endpoint("Decline my offer with a reason", body=DeclineIn, returns=DeclinedOut,
                  errors=(404, 409))
    def decline_lead(lead_id: str):
        payload = parse(DeclineIn, json_body())
        ...
        return DeclinedOut(...)

A view may return a pydantic model (or `(model, status)`): it is sent as JSON with the
declared status. Path parameters come from the URL rule (`<int:...>` is a bounded
integer), the security from `auth`, and every operation documents the `{"errors": ...}`
shape for its 4xx answers. tests/api/test_openapi.py fails for an /api/v1 route that
has no declaration.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Literal

from flask import jsonify
from pydantic import BaseModel

from app.security import without_nonce

Auth = Literal["bearer", "public", "bearer_or_form_key"]
# A successful answer: a model, several (one of them), a raw JSON schema, or None (no body).
Answer = type[BaseModel] | tuple[type[BaseModel], ...] | Mapping | None


@dataclass(frozen=True)
class Endpoint:
    """What one endpoint takes and gives, for the document."""

    summary: str
    body: type[BaseModel] | None = None
    body_required: bool = True
    body_media_types: tuple[str, ...] = ("application/json",)
    query: type[BaseModel] | None = None
    responses: Mapping[int, Answer] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    auth: Auth = "bearer"
    description: str | None = None


def api_endpoint(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    body_required: bool = True,
    body_media_types: tuple[str, ...] = ("application/json",),
    query: type[BaseModel] | None = None,
    returns: Answer = None,
    status: int = 200,
    responses: Mapping[int, Answer] | None = None,
    errors: tuple[int, ...] = (),
    auth: Auth = "bearer",
    description: str | None = None,
) -> Callable:
    """Declare an endpoint for the OpenAPI document; send a returned model as JSON.

    `returns` is the model of the `status` answer (a tuple: one of these; None: an
    empty answer, e.g. 204); `responses` adds other successful answers. `errors` lists
    the 4xx statuses worth naming beyond those implied (400/413/422 with a body,
    401/403 with a token, 404 with a path parameter). Media types other than JSON in
    `body_media_types` document a raw text body (ADF/XML).
    """
    spec = Endpoint(
        summary=summary,
        body=body,
        body_required=body_required,
        body_media_types=body_media_types,
        query=query,
        responses={status: returns, **(responses or {})},
        errors=errors,
        auth=auth,
        description=description,
    )

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            return to_response(view(*args, **kwargs), status)

        wrapped.api_endpoint = spec
        return without_nonce(wrapped)  # a JSON answer has no script to carry one

    return decorate


def to_response(result, status: int = 200):
    """A model, or (model, status), as a JSON response; anything else unchanged."""
    code = status
    if isinstance(result, tuple) and result and isinstance(result[0], BaseModel):
        result, code = result[0], result[1]
    if isinstance(result, BaseModel):
        # Optional fields a view did not set are left out (a receipt's merged_into).
        return jsonify(result.model_dump(mode="json", exclude_unset=True)), code
    return result


def endpoint_spec(view: Callable) -> Endpoint | None:
    """The declaration of a view function (through its decorators), if any."""
    return getattr(view, "api_endpoint", None)
