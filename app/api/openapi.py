"""The OpenAPI 3.1 document, generated from the URL map and each endpoint's declared
pydantic models (app/api/spec.py): nothing here is written by hand per endpoint."""

import re
from collections.abc import Mapping

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from werkzeug.routing import Rule
from werkzeug.routing.converters import IntegerConverter

from app.api.spec import Answer, Endpoint, endpoint_spec
from app.auth import declared_access
from app.responses import ErrorsOut

API_PREFIX = "/api/v1/"
_REF = "#/components/schemas/{model}"
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_ERROR_TEXT = {
    400: "The request could not be read",
    401: "No valid token",
    403: "This token may not do this",
    404: "Not found, or not yours to see",
    409: "Not allowed in the lead's current state",
    413: "The body is too large",
    415: "Unsupported media type",
    422: "Invalid input: each field named by its dotted path",
    429: "Too many requests (see Retry-After)",
}


def openapi_document(app: Flask) -> dict:
    """The whole document for this app; built once and kept."""
    if "openapi" not in app.extensions:
        app.extensions["openapi"] = _build(app)
    return app.extensions["openapi"]


def api_rules(app: Flask) -> list[Rule]:
    """The URL map's /api/v1 rules, in path order."""
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API_PREFIX)),
        key=lambda rule: rule.rule,
    )


def operation_methods(rule: Rule) -> list[str]:
    """The methods a rule documents (not HEAD / OPTIONS, which Flask adds)."""
    return sorted(method.lower() for method in rule.methods - {"HEAD", "OPTIONS"})


def openapi_path(rule: Rule) -> str:
    """`/api/v1/users/<int:user_id>/tokens` -> `/api/v1/users/{user_id}/tokens`."""
    return _ARGUMENT.sub(lambda match: "{" + match.group(1) + "}", rule.rule)


def _build(app: Flask) -> dict:
    declared = [
        (rule, spec)
        for rule in api_rules(app)
        if (spec := endpoint_spec(app.view_functions[rule.endpoint])) is not None
    ]
    schemas = _Schemas([spec for _, spec in declared])
    paths: dict[str, dict] = {}
    for rule, spec in declared:
        for method in operation_methods(rule):
            operation = _operation(rule, spec, schemas)
            operation["operationId"] = rule.endpoint.removeprefix("api.") + (
                "" if len(operation_methods(rule)) == 1 else f"_{method}"
            )
            access = declared_access(app.view_functions[rule.endpoint])
            if access is not None:
                operation["x-access"] = _access(access)
            paths.setdefault(openapi_path(rule), {})[method] = operation
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
            "schemas": schemas.components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "formKey": {"type": "apiKey", "in": "header", "name": "X-Form-Key"},
            },
        },
        "security": [{"bearer": []}],
    }


def _access(access) -> dict:
    """Who may call an operation, as its view declares it (app/auth.py): roles, and how
    the caller must relate to the object in the path (else 404), and the dealer tier."""
    described = {"roles": sorted(str(role) for role in access.roles)}
    if access.relation:
        described["relation"] = access.relation
    if access.tier:
        described["tier"] = access.tier
    return described


def _models_of(spec: Endpoint) -> tuple[list[type[BaseModel]], list[type[BaseModel]]]:
    requests = [spec.body] if spec.body is not None else []
    answers = [
        model
        for answer in spec.responses.values()
        for model in (answer if isinstance(answer, tuple) else (answer,))
        if isinstance(model, type) and issubclass(model, BaseModel)
    ]
    return requests, answers


class _Schemas:
    """The component schemas of every declared model, and a `$ref` to each."""

    def __init__(self, specs: list[Endpoint]) -> None:
        requests: dict[type[BaseModel], None] = {}
        answers: dict[type[BaseModel], None] = {ErrorsOut: None}
        for spec in specs:
            inbound, outbound = _models_of(spec)
            requests.update(dict.fromkeys(inbound))
            answers.update(dict.fromkeys(outbound))
        keys = [(model, "validation") for model in requests] + [
            (model, "serialization") for model in answers
        ]
        refs, definitions = models_json_schema(keys, ref_template=_REF)
        self.refs = {model: ref for (model, _), ref in refs.items()}
        self.components = definitions.get("$defs", {})

    def ref(self, model: type[BaseModel]) -> dict:
        """A `$ref` to the model's component schema."""
        return self.refs[model]


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _operation(rule: Rule, spec: Endpoint, schemas: _Schemas) -> dict:
    operation: dict = {"summary": spec.summary, "responses": {}}
    if spec.description:
        operation["description"] = spec.description
    parameters = [_path_parameter(name, rule) for name in rule.arguments]
    if spec.query is not None:
        parameters += _query_parameters(spec.query)
    if parameters:
        operation["parameters"] = sorted(parameters, key=lambda p: p["in"] != "path")
    if spec.body is not None:
        operation["requestBody"] = {
            "required": spec.body_required,
            **_json(schemas.ref(spec.body)),
        }
    elif spec.body_media_types != ("application/json",):
        operation["requestBody"] = {
            "required": True,
            "content": {media: {"schema": {"type": "string"}} for media in spec.body_media_types},
        }
    for status, model in spec.responses.items():
        operation["responses"][str(status)] = _success(model, schemas)
    # An error status the endpoint declares an answer for keeps that answer.
    errors = set(_implied_errors(rule, spec)) | set(spec.errors)
    for status in sorted(errors - set(spec.responses)):
        operation["responses"][str(status)] = {
            "description": _ERROR_TEXT.get(status, "Error"),
            **_json(schemas.ref(ErrorsOut)),
        }
    # Any other client error has the same shape (rate limits, oversize bodies, ...).
    operation["responses"]["4XX"] = {
        "description": "Client error",
        **_json(schemas.ref(ErrorsOut)),
    }
    if spec.auth == "public":
        operation["security"] = []
    elif spec.auth == "bearer_or_form_key":
        operation["security"] = [{"bearer": []}, {"formKey": []}]
    return operation


def _success(answer: Answer, schemas: _Schemas) -> dict:
    if answer is None:
        return {"description": "No content"}
    if isinstance(answer, Mapping):
        return {"description": "OK", **_json(dict(answer))}
    if isinstance(answer, tuple):
        return {"description": "OK", **_json({"oneOf": [schemas.ref(model) for model in answer]})}
    return {"description": (answer.__doc__ or "OK").splitlines()[0], **_json(schemas.ref(answer))}


def _implied_errors(rule: Rule, spec: Endpoint) -> list[int]:
    errors = []
    if spec.auth != "public":
        errors += [401, 403]
    if rule.arguments:
        errors.append(404)
    if spec.body is not None:
        errors += [400, 413, 422]
    if spec.query is not None:
        errors.append(422)
    return errors


def _path_parameter(name: str, rule: Rule) -> dict:
    converter = rule._converters.get(name)
    schema: dict = {"type": "string"}
    if isinstance(converter, IntegerConverter):
        schema = {"type": "integer", "minimum": 0}
        if converter.max is not None:
            schema["maximum"] = converter.max
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(ref_template=_REF)
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": {key: value for key, value in field.items() if key != "title"},
            **({"description": field["description"]} if "description" in field else {}),
        }
        for name, field in schema.get("properties", {}).items()
    ]
