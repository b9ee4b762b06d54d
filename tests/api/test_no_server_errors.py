"""Whatever arrives from outside, the API answers 4xx or success, never 5xx, and stays JSON."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import lead_body, make_dealer
from tests.hypothesis_profiles import examples

FIELD_NAMES = [
    "customer",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "inquiry_type",
    "interest_category",
    "postal_code",
    "country",
    "lat",
    "lon",
    "delivery",
    "message",
    "line_items",
    "sku",
    "product_group",
    "quantity",
    "preferred_seller",
    "dealer",
    "custom_fields",
    "consent",
    "volume_estimate",
    "reason",
    "note",
    "stage",
    "order_value",
    "body",
    "dealers",
    "name",
    "tier",
    "parent",
    "tags",
    "inventory",
    "daily_capacity",
    "service_radius_km",
    "role",
    "password",
    "category",
    "dealer_codes",
    "countries",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["b2b", "pickup", "ship", "DE", "10117", "tractors", "won", "capacity"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=20,
)

# A valid body with one field replaced by anything: reaches deep validation paths.
mutated_lead = st.builds(
    lambda key, value: {**lead_body(), key: value}, st.sampled_from(list(lead_body())), json_values
)

FUZZ = settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(app, oem, dealer_api):
    make_dealer("D-BER-1")
    make_dealer("DIST", tier="distributor")
    lead = oem.post("/api/v1/leads", json=lead_body()).get_json()
    return {"lead": lead["id"], "dealer": dealer_api("D-BER-1"), "distributor": dealer_api("DIST")}


def _assert_clean(response):
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        assert "errors" in response.get_json()


@FUZZ
@given(body=mutated_lead | json_values)
def test_lead_intake_never_fails(world, oem, body):
    _assert_clean(oem.post("/api/v1/leads", json=body))
    _assert_clean(oem.post("/api/v1/routing/preview", json=body))


@FUZZ
@given(body=json_values)
def test_coordinator_endpoints_never_fail(world, oem, body):
    lead = world["lead"]
    for method, url in [
        ("put", "/api/v1/dealers/FUZZ"),
        ("post", "/api/v1/users"),
        ("post", f"/api/v1/leads/{lead}/assign"),
        ("post", f"/api/v1/leads/{lead}/distribute"),
        ("post", f"/api/v1/leads/{lead}/reject"),
        ("post", "/api/v1/interest-routes"),
    ]:
        _assert_clean(getattr(oem, method)(url, json=body))


@FUZZ
@given(body=json_values)
def test_dealer_endpoints_never_fail(world, body):
    lead, dealer = world["lead"], world["dealer"]
    for action in ("decline", "stage", "questions", "forward"):
        _assert_clean(dealer.post(f"/api/v1/leads/{lead}/{action}", json=body))
    _assert_clean(world["distributor"].post(f"/api/v1/leads/{lead}/forward", json=body))


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(["status", "dealer", "updated_since", "limit", "cursor", "from", "to"]),
        st.text(max_size=40),
        max_size=4,
    )
)
def test_query_strings_never_fail(world, oem, query):
    _assert_clean(oem.get("/api/v1/leads", query_string=query))
    _assert_clean(oem.get("/api/v1/reports/dealers", query_string=query))


@FUZZ
@given(
    raw=st.binary(max_size=200),
    content_type=st.sampled_from(["application/json", "text/plain", ""]),
)
def test_raw_bytes_never_fail(world, oem, raw, content_type):
    headers = {**oem._headers(None), "Content-Type": content_type}
    _assert_clean(oem.client.post("/api/v1/leads", data=raw, headers=headers))
    _assert_clean(oem.client.put("/api/v1/dealers/X", data=raw, headers=headers))
