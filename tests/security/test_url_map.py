"""Acceptance checks that walk the whole URL map, so a route added later is covered too.

- every state-changing form route rejects a request without a CSRF token;
- an XSS corpus in every free-text field of a lead comes back escaped on every page and
  htmx fragment that shows it;
- SQL-injection strings in every filter change nothing and leak nothing;
- every JSON endpoint answers a malformed-body corpus with a 4xx, and other content
  types with 415, and nothing stored changes.

When a new route needs an exception, add it to the lists below with the reason.
"""

from dataclasses import dataclass, field

import pytest
from werkzeug.routing import IntegerConverter

from app.models import Dealer, Lead, Offer, Question, User
from app.services.users import create_token, create_user
from tests.conftest import Api, AuthActions, csrf_token_in
from tests.factories import lead_body, make_dealer

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Form routes that may be posted without a CSRF token, each with the reason.
CSRF_FREE = {
    "form.submit_form": "the public inquiry form: anonymous, framed cross-site (no session "
    "cookie reaches it); a signed timestamp stands in for the token",
}
# API routes that take no body at all: a body sent to them is ignored.
BODILESS = {
    "api.accept_lead",
    "api.approve_lead",
    "api.release_lead",
    "api.rotate_form_key",
}
# Routes whose JSON body may be left out (an empty body is then fine).
OPTIONAL_BODY = {"api.create_token", "api.reject_lead", "inbox.delete_push_subscription"}
# DELETE routes that do read a JSON body.
JSON_DELETES = {"inbox.delete_push_subscription"}
# JSON endpoints outside /api (session + CSRF header).
SESSION_JSON = {"inbox.save_push_subscription", "inbox.delete_push_subscription"}
# Body endpoints that take another format than JSON (they answer 415 to JSON instead).
NOT_JSON = {
    "api.create_lead_from_adf",  # ADF/XML: application/xml or text/xml
    "api.import_products",  # CSV: text/csv
    "api.import_leads",  # CSV: text/csv (or text/plain, as some browsers send a .csv)
}

XSS = {
    "first_name": '<script>alert("fn")</script>',
    "last_name": '"><img src=x onerror=alert("ln")>',
    "company": "<svg onload=alert('co')>",
    "message": '</textarea><script>alert("msg")</script>',
    "sku": "<b onmouseover=alert(1)>sku</b>",
    "contact": '<iframe src="javascript:alert(1)">',
    "campaign": "<script>alert('utm')</script>",
    "note": "<img src=x onerror=alert('note')>",
    "question": "<script>alert('question')</script>",
    "answer": "<script>alert('answer')</script>",
}
SQL_INJECTION = [
    "' OR '1'='1",
    "1; DROP TABLE leads;--",
    "D-BER-1' --",
    "%' OR 1=1 --",
    '") OR 1=1 --',
    "1 UNION SELECT email, password_hash FROM users --",
]
FILTERS = [
    "status",
    "dealer",
    "updated_since",
    "limit",
    "cursor",
    "from",
    "to",
    "kind",
    "before",
    "q",
    "format",
    "category",
    "country",
    "postal_code",
    "product_group",
    "inquiry_type",
    "delivery",
    "campaign",
    "page",
    "sort",
]
MALFORMED_BODIES = [
    ("deep array", b"[" * 100_000, "application/json"),
    ("deep object", b'{"a":' * 50_000, "application/json"),
    ("NaN", b'{"customer": NaN, "body": NaN, "dealer": NaN}', "application/json"),
    ("Infinity", b'{"order_value": Infinity, "stage": "won"}', "application/json"),
    (
        "1e400",
        b'{"order_value": 1e400, "stage": "won", "volume_estimate": 1e400}',
        "application/json",
    ),
    ("NUL", b'{"body": "a\\u0000b", "name": "x\\u0000", "dealer": "D\\u0000"}', "application/json"),
    (
        "huge int",
        b'{"quantity": 123456789012345678901234567890, "daily_capacity": 1e30}',
        "application/json",
    ),
    ("5000 digits", b'{"a": ' + b"9" * 5000 + b"}", "application/json"),
    ("array", b"[]", "application/json"),
    ("string", b'"text"', "application/json"),
    ("number", b"42", "application/json"),
    ("null", b"null", "application/json"),
    (
        "wrong types",
        # Every field name the API knows, each with a type it does not take.
        b'{"customer": [], "line_items": {"a": 1}, "dealer": 5, "dealers": "x", "body": [],'
        b' "expires_at": [], "name": 5, "category": [], "stage": 5, "reason": 5, "email": 5,'
        b' "role": [], "url": 5, "events": "x", "spend": "x", "allowed_origins": "x",'
        b' "endpoint": 5, "keys": "x", "active": "yes", "note": 5, "order_value": "x"}',
        "application/json",
    ),
    ("bad utf-8", b'{"body": "\xff\xfe"}', "application/json"),
    ("truncated", b'{"body": ', "application/json"),
    ("empty", b"", "application/json"),
]


@dataclass
class World:
    """Everything the walks need: ids for URL arguments, clients for each role."""

    ids: dict = field(default_factory=dict)
    coordinator: object = None
    dealer: object = None
    oem: Api = None
    dealer_api: Api = None


@pytest.fixture
def world(app, client, coordinator, db) -> World:
    # A distributor, so that its manager passes the forward endpoint's declared tier and
    # the request reaches body parsing (tests/access checks who may call what).
    make_dealer("D-BER-1", name="Autohaus Mitte", tier="distributor")
    manager = create_user("boss@example.com", "dealer_manager", "D-BER-1", "password-123")
    oem = Api(client, create_token(coordinator))
    dealer_api = Api(client, create_token(manager))
    customer = {
        "first_name": XSS["first_name"],
        "last_name": XSS["last_name"],
        "email": "eva@example.com",
        "phone": "+49 30 1234567",
        "company": XSS["company"],
    }
    body = lead_body(
        customer=customer,
        message=XSS["message"],
        preferred_seller={"dealer": "D-BER-1", "contact": XSS["contact"]},
        custom_fields={"campaign_id": XSS["campaign"], "utm_source": XSS["campaign"]},
    )
    body["line_items"][0]["sku"] = XSS["sku"]
    created = oem.post("/api/v1/leads", json=body)
    assert created.status_code == 201, created.get_json()
    lead_id = created.get_json()["id"]
    assert dealer_api.post(f"/api/v1/leads/{lead_id}/accept").status_code == 200
    staged = dealer_api.post(
        f"/api/v1/leads/{lead_id}/stage", json={"stage": "contacted", "note": XSS["note"]}
    )
    assert staged.status_code == 200
    question = dealer_api.post(f"/api/v1/leads/{lead_id}/questions", json={"body": XSS["question"]})
    question_id = question.get_json()["id"]
    assert (
        oem.post(
            f"/api/v1/questions/{question_id}/answer", json={"body": XSS["answer"]}
        ).status_code
        == 200
    )
    second = oem.post("/api/v1/leads", json=lead_body())
    assert second.status_code == 201
    route = oem.post(
        "/api/v1/interest-routes", json={"category": "new", "dealer_codes": ["D-BER-1"]}
    )
    spare = create_token(create_user("spare@example.com", "coordinator", password="password-123"))
    del spare
    form = oem.post(
        "/api/v1/forms", json={"name": "Brand site", "allowed_origins": ["https://brand.example"]}
    )
    assert form.status_code == 201, form.get_json()

    coordinator_browser = app.test_client()
    AuthActions(coordinator_browser).login("oem@example.com")
    dealer_browser = app.test_client()
    AuthActions(dealer_browser).login("boss@example.com")
    ids = {
        "lead_id": lead_id,
        "code": "D-BER-1",
        "user_id": manager.id,
        "question_id": question_id,
        "route_id": route.get_json()["id"] if route.status_code == 201 else 1,
        "token_id": 3,
        "form_id": form.get_json()["id"],
        "public_key": form.get_json()["public_key"],
    }
    return World(ids, coordinator_browser, dealer_browser, oem, dealer_api)


def _rules(app, predicate):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if predicate(rule)), key=lambda rule: rule.rule
    )


def _url(app, rule, ids: dict) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        values[name] = ids.get(name, 1 if isinstance(converter, IntegerConverter) else "x")
    return app.url_map.bind("localhost").build(rule.endpoint, values, append_unknown=False)


def _counts(db) -> tuple:
    db.session.expire_all()
    return tuple(db.session.query(model).count() for model in (Lead, Offer, Dealer, User, Question))


# --- CSRF ------------------------------------------------------------------------------


def test_every_state_changing_form_route_rejects_a_missing_csrf_token(app, world, db):
    rules = _rules(
        app,
        lambda rule: (
            not rule.rule.startswith("/api/")
            and rule.methods & STATE_CHANGING
            and rule.endpoint not in CSRF_FREE
        ),
    )
    assert len(rules) >= 10
    before = _counts(db)
    for rule in rules:
        url = _url(app, rule, world.ids)
        for method in sorted(rule.methods & STATE_CHANGING):
            for browser in (world.coordinator, world.dealer):
                answer = browser.open(url, method=method, data={"note": "x", "body": "x"})
                assert answer.status_code == 400, (method, url, answer.status_code)
                assert "session form expired" in answer.get_data(as_text=True), (method, url)
    assert _counts(db) == before


# --- XSS -------------------------------------------------------------------------------


def _page_rules(app):
    return _rules(
        app,
        lambda rule: (
            "GET" in rule.methods
            and not rule.rule.startswith(("/api/", "/static"))
            and rule.endpoint != "static"
        ),
    )


def test_xss_corpus_comes_back_escaped_on_every_page_and_fragment(app, world):
    raw_markers = [payload for payload in XSS.values()]
    seen_escaped: set[str] = set()
    pages = 0
    for rule in _page_rules(app):
        url = _url(app, rule, world.ids)
        for browser in (world.coordinator, world.dealer):
            for htmx in (False, True):
                headers = {"HX-Request": "true"} if htmx else {}
                answer = browser.get(url, headers=headers)
                assert answer.status_code < 500, (url, answer.status_code)
                if answer.mimetype != "text/html":
                    answer.close()
                    continue
                pages += 1
                html = answer.get_data(as_text=True)
                for name, payload in XSS.items():
                    assert payload not in html, (url, name, htmx)
                    if _escaped(payload) in html:
                        seen_escaped.add(name)
    assert pages >= 10
    # The fields the pages show all came back, escaped.
    assert {"first_name", "last_name", "message", "question", "answer"} <= seen_escaped, (
        seen_escaped
    )
    assert raw_markers


def _escaped(payload: str) -> str:
    from markupsafe import escape

    return str(escape(payload))


# --- SQL injection ---------------------------------------------------------------------


def test_sql_injection_in_every_filter_changes_nothing(app, world, db):
    before = _counts(db)
    for rule in _rules(app, lambda rule: "GET" in rule.methods and rule.endpoint != "static"):
        url = _url(app, rule, world.ids)
        for payload in SQL_INJECTION:
            query = {name: payload for name in FILTERS}
            if rule.rule.startswith("/api/"):
                callers = [world.oem.get, world.dealer_api.get]
            else:
                callers = [world.coordinator.get, world.dealer.get]
            for call in callers:
                answer = call(url, query_string=query)
                assert answer.status_code < 500, (url, payload, answer.status_code)
                answer.close()
    assert _counts(db) == before
    for payload in SQL_INJECTION:
        listing = world.oem.get("/api/v1/leads", query_string={"dealer": payload})
        assert listing.status_code in (200, 422)
        if listing.status_code == 200:
            assert listing.get_json()["items"] == []


# --- malformed JSON bodies -------------------------------------------------------------


def _json_rules(app, include_other_formats: bool = False):
    def takes_json(rule) -> bool:
        if rule.endpoint in BODILESS:
            return False
        if rule.endpoint in NOT_JSON and not include_other_formats:
            return False
        if rule.endpoint in SESSION_JSON:
            return True
        if not rule.rule.startswith("/api/"):
            return False
        methods = rule.methods & STATE_CHANGING
        return bool(methods - {"DELETE"}) or rule.endpoint in JSON_DELETES

    return _rules(app, takes_json)


def _send(world, app, rule, method, data, content_type):
    url = _url(app, rule, world.ids)
    headers = {} if content_type is None else {"Content-Type": content_type}
    if rule.endpoint in SESSION_JSON:
        token = csrf_token_in(world.dealer.get("/inbox").get_data(as_text=True))
        return world.dealer.open(
            url, method=method, data=data, headers={**headers, "X-CSRFToken": token}
        )
    answer = None
    for api in (world.oem, world.dealer_api):
        answer = api.client.open(
            url, method=method, data=data, headers={**api._headers(None), **headers}
        )
        if answer.status_code != 403:
            break
    return answer


def test_every_json_endpoint_answers_malformed_bodies_with_4xx(app, world, db):
    rules = _json_rules(app, include_other_formats=True)
    assert len(rules) >= 12
    before = _counts(db)
    for rule in rules:
        for method in sorted(rule.methods & STATE_CHANGING):
            if method == "DELETE" and rule.endpoint not in JSON_DELETES:
                continue
            for name, data, content_type in MALFORMED_BODIES:
                if name == "empty" and rule.endpoint in OPTIONAL_BODY:
                    continue
                answer = _send(world, app, rule, method, data, content_type)
                assert 400 <= answer.status_code < 500, (
                    rule.rule,
                    method,
                    name,
                    answer.status_code,
                )
                assert answer.is_json and answer.get_json()["errors"], (rule.rule, name)
    assert _counts(db) == before


def test_every_json_endpoint_wants_a_json_content_type(app, world, db):
    before = _counts(db)
    for rule in _json_rules(app):
        for method in sorted(rule.methods & STATE_CHANGING):
            if method == "DELETE" and rule.endpoint not in JSON_DELETES:
                continue
            for content_type in ("text/plain", None, "application/x-www-form-urlencoded"):
                answer = _send(world, app, rule, method, b'{"body": "x"}', content_type)
                assert answer.status_code == 415, (
                    rule.rule,
                    method,
                    content_type,
                    answer.status_code,
                )
                assert "body" in answer.get_json()["errors"]
    assert _counts(db) == before
