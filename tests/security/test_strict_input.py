"""Each input that once gave a 500 (issue 13) now gets a 4xx naming the field."""

import base64
import json

import pytest

from app.inputs import JSONRejected, strict_loads
from app.models import Lead
from app.services.users import create_user
from tests.conftest import csrf_token_in
from tests.factories import lead_body, make_dealer


def _cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.fixture
def network(app):
    make_dealer("D-BER-1")


def _errors(response) -> dict:
    assert response.is_json, response.get_data(as_text=True)[:200]
    return response.get_json()["errors"]


@pytest.mark.both_databases
def test_nul_bytes_are_refused_naming_the_field(oem, network, db):
    customer = {**lead_body()["customer"], "first_name": "Eva\u0000"}
    named = oem.post("/api/v1/leads", json=lead_body(customer=customer))
    assert named.status_code == 422
    assert "customer.first_name" in _errors(named)
    message = oem.post("/api/v1/leads", json=lead_body(message="hello\u0000world"))
    assert message.status_code == 422 and "message" in _errors(message)
    assert oem.get("/api/v1/leads/abc%00def").status_code == 400
    assert oem.get("/api/v1/leads?dealer=D%00").status_code == 400
    assert db.session.query(Lead).count() == 0


def test_nul_in_a_header_or_the_raw_query_is_refused_naming_it(oem, network):
    header = oem.get("/api/v1/leads", headers={"X-Campaign-Note": "spring\x00"})
    assert header.status_code == 400 and "X-Campaign-Note" in _errors(header)
    raw = oem.client.get(
        "/api/v1/leads",
        headers=oem._headers(None),
        environ_overrides={"QUERY_STRING": "dealer=D\x00"},
    )
    assert raw.status_code == 400 and "dealer" in _errors(raw)
    typed = oem.get("/api/v1/leads?dealer=D%2500")  # "%00" typed: no NUL, a bad dealer code
    assert typed.status_code == 422 and "NUL" not in _errors(typed)["dealer"]


@pytest.mark.both_databases
@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_are_refused_naming_the_field(oem, network, db, constant):
    body = json.dumps(lead_body()).replace('"spring-26"', constant)
    answer = oem.client.post(
        "/api/v1/leads",
        data=body,
        headers={**oem._headers(None), "Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert "custom_fields.campaign_id" in _errors(answer)
    assert db.session.query(Lead).count() == 0
    listing = oem.get("/api/v1/leads")
    strict_loads(listing.get_data())  # the coordinator's list is strict JSON


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_deep_nesting_is_a_400_on_the_api(oem, network, depth):
    body = "[" * depth + "]" * depth
    answer = oem.client.post(
        "/api/v1/leads",
        data=body,
        headers={**oem._headers(None), "Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert "nested deeper" in _errors(answer)["body"]


def test_deep_nesting_is_a_400_on_push_subscriptions(client, auth, app):
    make_dealer("D-BER-1")
    create_user("sales@example.com", "salesperson", "D-BER-1", "password-123")
    auth.login("sales@example.com")
    token = csrf_token_in(client.get("/inbox").get_data(as_text=True))
    answer = client.post(
        "/inbox/push-subscriptions",
        data="[" * 100_000,
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
    )
    assert answer.status_code == 400
    assert "body" in answer.get_json()["errors"]
    plain = client.post(
        "/inbox/push-subscriptions",
        data="{}",
        headers={"Content-Type": "text/plain", "X-CSRFToken": token},
    )
    assert plain.status_code == 415


@pytest.mark.parametrize(
    "cursor", [_cursor([1, "x"]), _cursor([None, "x"]), _cursor("[" * 2500), "%%%", "x" * 5000]
)
def test_bad_cursors_are_422_naming_cursor(oem, cursor):
    answer = oem.get("/api/v1/leads", query_string={"cursor": cursor})
    assert answer.status_code == 422 and "cursor" in _errors(answer)


@pytest.mark.parametrize("limit", ["²", "0", "201", "-1", "1e3", "9" * 30, "٣"])
def test_bad_limits_are_422_naming_limit(oem, limit):
    answer = oem.get("/api/v1/leads", query_string={"limit": limit})
    assert answer.status_code == 422 and "limit" in _errors(answer)


@pytest.mark.both_databases
@pytest.mark.parametrize(
    "since", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2026-13-01T00:00:00Z"]
)
def test_out_of_range_times_are_422_naming_the_field(oem, since):
    answer = oem.get("/api/v1/leads", query_string={"updated_since": since})
    assert answer.status_code == 422 and "updated_since" in _errors(answer)


def test_out_of_range_report_dates_are_422(oem):
    answer = oem.get("/api/v1/reports/dealers", query_string={"from": "0001-01-01"})
    assert answer.status_code == 422 and "from" in _errors(answer)


@pytest.mark.both_databases
def test_integers_beyond_64_bits_in_paths_are_404(oem):
    for url in (f"/api/v1/questions/{2**64}/answer", f"/api/v1/interest-routes/{10**30}"):
        answer = oem.client.post(url, json={"body": "x"}, headers=oem._headers(None))
        assert answer.status_code in (404, 405)
    assert oem.get(f"/api/v1/users/{2**70}/tokens").status_code == 404
    assert oem.get(f"/api/v1/users/{2**63}/tokens").status_code == 404
    # Ten digits above the largest INTEGER id match no rule for this method (werkzeug: 405).
    assert oem.get(f"/api/v1/users/{2**31}/tokens").status_code in (404, 405)
    assert oem.get(f"/api/v1/users/{2**31 - 1}/tokens").status_code == 404


@pytest.mark.both_databases
def test_absence_from_year_one_is_refused(client, auth, app):
    make_dealer("D-BER-1", timezone="Europe/Berlin")
    create_user("boss@example.com", "dealer_manager", "D-BER-1", "password-123")
    auth.login("boss@example.com")
    token = csrf_token_in(client.get("/inbox/settings").get_data(as_text=True))
    answer = client.post(
        "/inbox/settings/absence",
        data={"csrf_token": token, "absent_from": "0001-01-01", "absent_until": "0001-01-02"},
    )
    assert answer.status_code == 422
    assert "Give a date between" in answer.get_data(as_text=True)


@pytest.mark.parametrize("content_type", ["text/plain", None, "application/x-www-form-urlencoded"])
def test_json_endpoints_want_json_content_type(oem, network, content_type, db):
    headers = oem._headers(None)
    if content_type:
        headers["Content-Type"] = content_type
    answer = oem.client.post("/api/v1/leads", data=json.dumps(lead_body()), headers=headers)
    assert answer.status_code == 415
    assert "body" in _errors(answer)
    assert db.session.query(Lead).count() == 0


def test_strict_loads_reads_plain_json_and_names_bad_fields():
    assert strict_loads(b'{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}
    with pytest.raises(JSONRejected) as error:
        strict_loads('{"a": {"b": [0, 123456789012345678901234567890]}}')
    assert error.value.errors == {"a.b.1": "is out of range (64-bit integers only)"}
    with pytest.raises(JSONRejected):
        strict_loads(b'{"a": "\xff"}')
    with pytest.raises(JSONRejected):
        strict_loads('{"a": ' + "9" * 5000 + "}")
