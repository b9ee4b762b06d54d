"""The OpenAPI 3 document, built from the same schemas that validate requests."""

from functools import cache

from pydantic.json_schema import models_json_schema

from app.models import DECLINE_REASONS, LEAD_STATUSES, OFFER_STATUSES, REVIEW_RULE_KINDS, STAGES
from app.schemas import (
    AssigneeIn,
    DealerIn,
    DealerRefIn,
    DealersRefIn,
    DeclineIn,
    FormIn,
    FormPatchIn,
    LeadIn,
    ReviewRuleIn,
    ReviewRulePatch,
    StageIn,
    TextIn,
    TokenIn,
    UserIn,
)

REQUEST_MODELS = (
    LeadIn,
    DealerIn,
    UserIn,
    DeclineIn,
    StageIn,
    TextIn,
    DealerRefIn,
    DealersRefIn,
    AssigneeIn,
    ReviewRuleIn,
    ReviewRulePatch,
    TokenIn,
    FormIn,
    FormPatchIn,
)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


ERRORS = {
    "description": "Error: field path -> message",
    **_json(_ref("Errors")),
}


def _op(
    summary: str,
    ok: int,
    response: dict,
    *,
    body: str | None = None,
    errors=(401, 403, 404),
    params: list | None = None,
    secured: bool = True,
) -> dict:
    operation: dict = {
        "summary": summary,
        "responses": {str(ok): {"description": "OK", **_json(response)}},
    }
    for status in errors:
        operation["responses"][str(status)] = ERRORS
    if body:
        operation["requestBody"] = {"required": True, **_json(_ref(body))}
        operation["responses"].setdefault("422", ERRORS)
        operation["responses"].setdefault("400", ERRORS)
        operation["responses"].setdefault("413", ERRORS)
    if params:
        operation["parameters"] = params
    if not secured:
        operation["security"] = []
    return operation


def _path_param(name: str, schema_type: str = "string") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": schema_type}}


def _query(name: str, schema: dict, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _response_schemas() -> dict:
    time = {"type": "string", "format": "date-time"}
    nullable_time = {"anyOf": [time, {"type": "null"}]}
    return {
        "Errors": {
            "type": "object",
            "properties": {
                "errors": {"type": "object", "additionalProperties": {"type": "string"}}
            },
            "required": ["errors"],
        },
        "Offer": {
            "type": "object",
            "properties": {
                "dealer": {"type": "string"},
                "status": {"type": "string", "enum": list(OFFER_STATUSES)},
                "kind": {"type": "string"},
                "offered_at": time,
                "expires_at": time,
                "responded_at": nullable_time,
                "reason": {
                    "anyOf": [{"type": "string", "enum": list(DECLINE_REASONS)}, {"type": "null"}]
                },
                "note": {"type": ["string", "null"]},
                "explanation": {"type": "string"},
            },
        },
        "Lead": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "status": {"type": "string", "enum": list(LEAD_STATUSES)},
                "stage": {"type": "string", "enum": list(STAGES)},
                "dealer": {"type": ["string", "null"]},
                "offers": {"type": "array", "items": _ref("Offer")},
                "customer": {"type": "object"},
                "line_items": {"type": "array", "items": {"type": "object"}},
                "custom_fields": {"type": "object"},
                "created_at": time,
                "updated_at": time,
            },
            "required": ["id", "status", "stage", "dealer", "offers", "created_at"],
        },
        "Receipt": {
            "type": "object",
            "description": "What a form key is told of its new lead: nothing about routing.",
            "properties": {"id": {"type": "string"}, "status": {"const": "received"}},
            "required": ["id", "status"],
            "additionalProperties": False,
        },
        "LeadPage": {
            "type": "object",
            "properties": {
                "items": {"type": "array", "items": _ref("Lead")},
                "next_cursor": {"type": ["string", "null"]},
            },
        },
        "Dealer": {
            "allOf": [
                _ref("DealerIn"),
                {"type": "object", "properties": {"code": {"type": "string"}}},
            ]
        },
        "User": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "email": {"type": "string"},
                "role": {"type": "string"},
                "dealer": {"type": ["string", "null"]},
                "regions": {"type": "array", "items": {"type": "string"}},
            },
        },
        "Token": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "token": {"type": "string", "description": "the secret; shown only here"},
                "prefix": {"type": "string"},
                "created_at": time,
                "expires_at": nullable_time,
            },
            "required": ["id", "token"],
        },
        "TokenInfo": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "prefix": {"type": "string"},
                "created_at": time,
                "last_used_at": nullable_time,
                "expires_at": nullable_time,
                "revoked": {"type": "boolean"},
            },
            "required": ["id", "created_at", "last_used_at", "revoked"],
        },
        "TokenList": {
            "type": "object",
            "properties": {"items": {"type": "array", "items": _ref("TokenInfo")}},
        },
        "Question": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "body": {"type": "string"},
                "answer": {"type": ["string", "null"]},
                "asked_at": time,
                "answered_at": nullable_time,
            },
        },
        "DealerReport": {"type": "object"},
        "ReviewRule": {
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "name": {"type": "string"},
                "kind": {"type": "string", "enum": list(REVIEW_RULE_KINDS)},
                "threshold": {"type": ["number", "null"]},
                "value": {"type": ["string", "null"]},
                "active": {"type": "boolean"},
                "description": {"type": "string"},
            },
        },
        "HeldLead": {
            "type": "object",
            "properties": {
                "lead": {"type": "string"},
                "title": {"type": "string"},
                "reason": {"type": "string"},
                "held_at": nullable_time,
            },
        },
        "Form": {
            "allOf": [
                _ref("FormIn"),
                {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "public_key": {"type": "string"}},
                    "required": ["id", "name", "public_key", "allowed_origins", "active"],
                },
            ]
        },
        "Product": {
            "type": "object",
            "properties": {
                "sku": {"type": "string"},
                "name": {"type": "string"},
                "product_group": {"type": "string"},
                "item_type": {"type": "string"},
                "active": {"type": "boolean"},
            },
        },
        "ImportReport": {
            "type": "object",
            "properties": {
                "created": {"type": "integer"},
                "updated": {"type": "integer"},
                "errors": {"type": "array", "items": {"type": "object"}},
            },
        },
    }


def items(schema: dict) -> dict:
    """A `{"items": [...]}` envelope."""
    return {"type": "object", "properties": {"items": {"type": "array", "items": schema}}}


@cache
def openapi_document() -> dict:
    """The whole document; built once per process."""
    _, definitions = models_json_schema(
        [(model, "validation") for model in REQUEST_MODELS],
        ref_template="#/components/schemas/{model}",
    )
    schemas = {**definitions.get("$defs", {}), **_response_schemas()}
    lead = _ref("Lead")
    lead_id = [_path_param("lead_id")]
    paths = {
        "/api/v1/openapi.json": {
            "get": _op("This document", 200, {"type": "object"}, errors=(), secured=False)
        },
        "/api/v1/dealers": {"get": _op("List dealers", 200, items(_ref("Dealer")))},
        "/api/v1/dealers/{code}": {
            "put": _op(
                "Create or replace a dealer",
                200,
                _ref("Dealer"),
                body="DealerIn",
                params=[_path_param("code")],
            ),
            "get": _op("Get a dealer", 200, _ref("Dealer"), params=[_path_param("code")]),
        },
        "/api/v1/users": {"post": _op("Create a user", 201, _ref("User"), body="UserIn")},
        "/api/v1/users/{user_id}/tokens": {
            "post": {
                **_op(
                    "Issue an API token (optional expires_at); the secret is shown once",
                    201,
                    _ref("Token"),
                    errors=(401, 404, 422),
                    params=[_path_param("user_id", "integer")],
                ),
                "requestBody": {"required": False, **_json(_ref("TokenIn"))},
            },
            "get": _op(
                "A user's tokens (never the secret)",
                200,
                _ref("TokenList"),
                errors=(401, 404),
                params=[_path_param("user_id", "integer")],
            ),
        },
        "/api/v1/tokens/{token_id}": {
            "delete": {
                **_op(
                    "Revoke a token: 401 from then on",
                    204,
                    {},
                    errors=(401, 404),
                    params=[_path_param("token_id", "integer")],
                ),
                "responses": {
                    "204": {"description": "Revoked"},
                    "401": ERRORS,
                    "404": ERRORS,
                },
            }
        },
        "/api/v1/leads": {
            "post": {
                **_op(
                    "Submit a lead (routed before the response); a form key gets a receipt",
                    201,
                    {"oneOf": [lead, _ref("Receipt")]},
                    body="LeadIn",
                    errors=(401, 403, 429),
                ),
                "security": [{"bearer": []}, {"formKey": []}],
            },
            "get": _op(
                "List leads (keyset pages, oldest change first)",
                200,
                _ref("LeadPage"),
                errors=(401, 422),
                params=[
                    _query(
                        "status", {"type": "string", "enum": list(LEAD_STATUSES)}, "lead status"
                    ),
                    _query("dealer", {"type": "string"}, "the dealer that now holds the lead"),
                    _query(
                        "updated_since",
                        {"type": "string", "format": "date-time"},
                        "changed at or after",
                    ),
                    _query(
                        "limit",
                        {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
                        "page size",
                    ),
                    _query("cursor", {"type": "string"}, "next_cursor of the previous page"),
                ],
            ),
        },
        "/api/v1/leads/adf": {
            "post": {
                "summary": "Submit a lead as an ADF/XML 1.0 document (answered like POST /leads)",
                "requestBody": {
                    "required": True,
                    "content": {
                        kind: {"schema": {"type": "string", "description": "ADF/XML 1.0"}}
                        for kind in ("application/xml", "text/xml")
                    },
                },
                "responses": {
                    "201": {
                        "description": "OK",
                        **_json({"oneOf": [lead, _ref("Receipt")]}),
                    },
                    **{
                        str(status): {
                            **ERRORS,
                            "description": "Error: field path -> message; "
                            "422 names the document's problem under `adf`",
                        }
                        for status in (401, 403, 413, 415, 422, 429)
                    },
                },
                "security": [{"bearer": []}, {"formKey": []}],
            }
        },
        "/api/v1/leads/{lead_id}": {"get": _op("Get a lead", 200, lead, params=lead_id)},
        "/api/v1/inbox": {
            "get": _op(
                "My dealer's pending and owned leads",
                200,
                items(lead),
                errors=(401, 403, 422),
                params=[
                    _query(
                        "scope",
                        {"type": "string", "enum": ["own", "sub_dealers"]},
                        "a distributor's own leads, or its sub-dealers'",
                    )
                ],
            )
        },
        "/api/v1/leads/{lead_id}/accept": {
            "post": _op("Accept my offer", 200, lead, errors=(401, 403, 404, 409), params=lead_id)
        },
        "/api/v1/leads/{lead_id}/decline": {
            "post": _op(
                "Decline my offer with a reason",
                200,
                {"type": "object"},
                body="DeclineIn",
                errors=(401, 403, 404, 409),
                params=lead_id,
            )
        },
        "/api/v1/leads/{lead_id}/assignee": {
            "post": _op(
                "Give my dealership's lead to one of its salespeople (a manager), or hand it "
                "to a colleague (a salesperson); they get a push",
                200,
                lead,
                body="AssigneeIn",
                errors=(401, 403, 404, 409, 422),
                params=lead_id,
            )
        },
        "/api/v1/leads/{lead_id}/stage": {
            "post": _op(
                "Move my lead to a stage",
                200,
                lead,
                body="StageIn",
                errors=(401, 403, 404, 409),
                params=lead_id,
            )
        },
        "/api/v1/leads/{lead_id}/questions": {
            "post": _op(
                "Ask the OEM a question", 201, _ref("Question"), body="TextIn", params=lead_id
            ),
            "get": _op("The lead's questions", 200, items(_ref("Question")), params=lead_id),
        },
        "/api/v1/leads/{lead_id}/forward": {
            "post": _op(
                "Distributor: forward to a sub-dealer",
                200,
                lead,
                body="DealerRefIn",
                errors=(401, 403, 404, 409),
                params=lead_id,
            )
        },
        "/api/v1/leads/{lead_id}/approve": {
            "post": _op(
                "Approve a lead in review", 200, lead, errors=(401, 403, 404, 409), params=lead_id
            )
        },
        "/api/v1/leads/{lead_id}/reject": {
            "post": _op(
                "Reject a lead in review", 200, lead, errors=(401, 403, 404, 409), params=lead_id
            )
        },
        "/api/v1/leads/{lead_id}/assign": {
            "post": _op(
                "Assign to a dealer by hand",
                200,
                lead,
                body="DealerRefIn",
                errors=(401, 403, 404, 409),
                params=lead_id,
            )
        },
        "/api/v1/leads/{lead_id}/distribute": {
            "post": _op(
                "Offer to several dealers at once",
                200,
                lead,
                body="DealersRefIn",
                errors=(401, 403, 404, 409),
                params=lead_id,
            )
        },
        "/api/v1/questions/{question_id}/answer": {
            "post": _op(
                "Answer a dealer's question",
                200,
                _ref("Question"),
                body="TextIn",
                params=[_path_param("question_id", "integer")],
            )
        },
        "/api/v1/reports/dealers": {
            "get": _op(
                "Per-dealer report",
                200,
                items(_ref("DealerReport")),
                errors=(401, 403, 422),
                params=[
                    _query(
                        "from",
                        {"type": "string", "format": "date"},
                        "offers made from this day (inclusive)",
                    ),
                    _query("to", {"type": "string", "format": "date"}, "to this day (exclusive)"),
                ],
            )
        },
        "/api/v1/review-rules": {
            "get": _op("Pre-qualification rules", 200, items(_ref("ReviewRule"))),
            "post": _op(
                "Add a pre-qualification rule", 201, _ref("ReviewRule"), body="ReviewRuleIn"
            ),
        },
        "/api/v1/review-rules/{rule_id}": {
            "patch": _op(
                "Change a pre-qualification rule",
                200,
                _ref("ReviewRule"),
                body="ReviewRulePatch",
                params=[_path_param("rule_id", "integer")],
            ),
            "delete": {
                "summary": "Remove a pre-qualification rule",
                "parameters": [_path_param("rule_id", "integer")],
                "responses": {
                    "204": {"description": "Removed"},
                    **{str(status): ERRORS for status in (401, 403, 404)},
                },
            },
        },
        "/api/v1/review-queue": {
            "get": _op(
                "Leads waiting in review, with the rule that holds each",
                200,
                items(_ref("HeldLead")),
            )
        },
        "/api/v1/forms": {
            "post": _op("Create an embedded form", 201, _ref("Form"), body="FormIn"),
            "get": _op("List embedded forms", 200, items(_ref("Form"))),
        },
        "/api/v1/forms/{form_id}": {
            "get": _op("Get a form", 200, _ref("Form"), params=[_path_param("form_id", "integer")]),
            "patch": _op(
                'Change a form\'s settings ({"active": false} deactivates it)',
                200,
                _ref("Form"),
                body="FormPatchIn",
                params=[_path_param("form_id", "integer")],
            ),
        },
        "/api/v1/forms/{form_id}/rotate-key": {
            "post": _op(
                "Give the form a new public key (the old one stops working)",
                200,
                _ref("Form"),
                params=[_path_param("form_id", "integer")],
            )
        },
        "/api/v1/products": {"get": _op("The product catalog", 200, items(_ref("Product")))},
        "/api/v1/products/import": {
            "post": {
                **_op("Import catalog rows from CSV", 200, _ref("ImportReport"), errors=(401, 403)),
                "requestBody": {
                    "required": True,
                    "content": {"text/csv": {"schema": {"type": "string"}}},
                },
            }
        },
        "/api/v1/leads/{lead_id}/release": {
            "post": _op(
                "Release a lead the spam filter rejected (it is routed now)",
                200,
                lead,
                errors=(401, 403, 404, 409),
                params=lead_id,
            )
        },
        "/api/v1/routing/preview": {
            "post": _op(
                "Rank dealers for a lead body without storing anything",
                200,
                {"type": "object"},
                body="LeadIn",
            )
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LeadRelay API",
            "version": "1.0.0",
            "description": "Routes customer inquiries to the right dealer.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "formKey": {"type": "apiKey", "in": "header", "name": "X-Form-Key"},
            },
        },
        "security": [{"bearer": []}],
    }
