"""The OpenAPI document is generated from the URL map and the declared models: every
/api/v1 route is in it, with the models the endpoint really validates and returns."""

from app.api.openapi import api_rules, openapi_path, operation_methods
from app.api.spec import endpoint_spec
from app.enums import DeclineReason, LeadStatus, OfferStatus, Stage
from app.inputs import ID_MAX


def test_every_api_route_is_declared_and_in_the_document(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    missing = []
    for rule in api_rules(app):
        if endpoint_spec(app.view_functions[rule.endpoint]) is None:
            missing.append(f"{rule.rule}: no @api_endpoint declaration")
            continue
        for method in operation_methods(rule):
            if method not in document["paths"].get(openapi_path(rule), {}):
                missing.append(f"{method.upper()} {openapi_path(rule)}")
    assert missing == []


def test_document_lists_no_path_the_app_does_not_serve(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    served = {openapi_path(rule) for rule in api_rules(app)}
    assert set(document["paths"]) <= served


def test_request_schemas_carry_the_validation_constraints(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["DeclineIn"]["properties"]["reason"]["enum"] == [r.value for r in DeclineReason]
    assert schemas["StageIn"]["properties"]["stage"]["enum"] == [
        "contacted",
        "qualified",
        "appointment",
        "won",
        "lost",
    ]
    line_items = schemas["LeadIn"]["properties"]["line_items"]
    assert line_items["minItems"] == 1
    assert "InterestRouteIn" in schemas


def test_response_schemas_come_from_the_enums(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert schemas["LeadStatus"]["enum"] == [s.value for s in LeadStatus]
    assert schemas["Stage"]["enum"] == [s.value for s in Stage]
    assert schemas["OfferStatus"]["enum"] == [s.value for s in OfferStatus]


def test_integer_path_parameters_are_bounded_and_oversize_ones_are_404(client, oem):
    document = client.get("/api/v1/openapi.json").get_json()
    (parameter,) = document["paths"]["/api/v1/questions/{question_id}/answer"]["post"]["parameters"]
    assert parameter["schema"]["type"] == "integer"
    assert parameter["schema"]["maximum"] == ID_MAX
    response = oem.post("/api/v1/users/3704223235855801001181184/tokens")
    assert response.status_code == 404
    assert "errors" in response.get_json()


def test_the_document_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["openapi"].startswith("3.")
