"""One test per eligibility filter of the contract's routing semantics."""

import pytest

from app.routing import FILTER_ORDER, rank_dealers

from .builders import CUSTOMER, dealer, lead, point_east_of


def excluded_rules(decision) -> dict[str, str]:
    return {exclusion.code: exclusion.rule for exclusion in decision.excluded}


def test_active_store_with_the_product_group_nearby_is_eligible():
    decision = rank_dealers(lead(), [dealer("D-1")])
    assert decision.chosen is not None and decision.chosen.code == "D-1"
    assert decision.excluded == ()


def test_inactive_dealer_is_excluded():
    decision = rank_dealers(lead(), [dealer("D-1", active=False)])
    assert decision.chosen is None
    assert excluded_rules(decision) == {"D-1": "inactive"}


def test_absent_dealer_is_excluded():
    decision = rank_dealers(lead(), [dealer("D-1", absent=True)])
    assert excluded_rules(decision) == {"D-1": "absent"}


def test_dealer_that_already_had_the_lead_is_excluded():
    decision = rank_dealers(lead(excluded_dealers={"D-1"}), [dealer("D-1"), dealer("D-2")])
    assert decision.chosen.code == "D-2"
    assert excluded_rules(decision) == {"D-1": "already_offered"}


def test_dealer_at_daily_capacity_is_excluded():
    decision = rank_dealers(lead(), [dealer("D-1", daily_capacity=3, offers_today=3)])
    assert excluded_rules(decision) == {"D-1": "capacity"}
    assert "3 of 3" in decision.excluded[0].reason


def test_dealer_below_daily_capacity_is_eligible():
    decision = rank_dealers(lead(), [dealer("D-1", daily_capacity=3, offers_today=2)])
    assert decision.chosen.code == "D-1"


def test_no_daily_capacity_means_unlimited():
    decision = rank_dealers(lead(), [dealer("D-1", daily_capacity=None, offers_today=10_000)])
    assert decision.chosen.code == "D-1"


def test_zero_daily_capacity_takes_no_leads():
    decision = rank_dealers(lead(), [dealer("D-1", daily_capacity=0)])
    assert excluded_rules(decision) == {"D-1": "capacity"}


def test_dealer_without_any_requested_product_group_is_excluded():
    decision = rank_dealers(
        lead(product_groups=("tractors", "mowers")),
        [dealer("D-1", tags={"harvesters", "store"}), dealer("D-2", tags={"mowers", "store"})],
    )
    assert decision.chosen.code == "D-2"
    assert excluded_rules(decision) == {"D-1": "portfolio"}


def test_b2b_lead_needs_b2b_tag():
    dealers = [dealer("D-1"), dealer("D-2", tags={"tractors", "store", "b2b"})]
    decision = rank_dealers(lead(inquiry_type="b2b"), dealers)
    assert decision.chosen.code == "D-2"
    assert excluded_rules(decision) == {"D-1": "b2b"}


def test_service_lead_needs_service_tag():
    dealers = [dealer("D-1"), dealer("D-2", tags={"tractors", "store", "service"})]
    decision = rank_dealers(lead(inquiry_type="service"), dealers)
    assert decision.chosen.code == "D-2"
    assert excluded_rules(decision) == {"D-1": "service"}


def test_b2c_lead_needs_no_special_tag():
    decision = rank_dealers(lead(inquiry_type="b2c"), [dealer("D-1")])
    assert decision.chosen.code == "D-1"


def test_pickup_needs_store_tag():
    decision = rank_dealers(lead(delivery="pickup"), [dealer("D-1", tags={"tractors", "online"})])
    assert excluded_rules(decision) == {"D-1": "store"}


def test_pickup_needs_store_within_radius():
    lat, lon = point_east_of(CUSTOMER, 30)
    near_enough = dealer("D-1", lat=lat, lon=lon, service_radius_km=31)
    too_small = dealer("D-2", lat=lat, lon=lon, service_radius_km=29)
    decision = rank_dealers(lead(delivery="pickup"), [near_enough, too_small])
    assert [candidate.code for candidate in decision.ranked] == ["D-1"]
    assert excluded_rules(decision) == {"D-2": "radius"}
    assert "29 km service radius" in decision.excluded[0].reason


def test_customer_exactly_on_the_radius_is_within_it():
    lat, lon = point_east_of(CUSTOMER, 30)
    probe = rank_dealers(lead(), [dealer("D-1", lat=lat, lon=lon)])
    exact = probe.chosen.distance_km
    decision = rank_dealers(lead(), [dealer("D-1", lat=lat, lon=lon, service_radius_km=exact)])
    assert decision.chosen.code == "D-1"


def test_ship_takes_online_dealer_at_any_distance():
    far_online = dealer("D-1", tags={"tractors", "online"}, lat=40.7, lon=-74.0)
    decision = rank_dealers(lead(delivery="ship"), [far_online])
    assert decision.chosen.code == "D-1"
    assert decision.chosen.qualified_as == "online"


def test_ship_takes_online_dealer_without_a_location():
    unlocated_online = dealer("D-1", tags={"tractors", "online"}, lat=None, lon=None)
    decision = rank_dealers(lead(delivery="ship"), [unlocated_online])
    assert decision.chosen.code == "D-1"
    assert decision.chosen.distance_km is None


def test_ship_takes_store_within_radius_but_not_beyond():
    lat, lon = point_east_of(CUSTOMER, 30)
    inside = dealer("D-1", lat=lat, lon=lon, service_radius_km=40)
    outside = dealer("D-2", lat=lat, lon=lon, service_radius_km=20)
    decision = rank_dealers(lead(delivery="ship"), [inside, outside])
    assert [candidate.code for candidate in decision.ranked] == ["D-1"]
    assert excluded_rules(decision) == {"D-2": "radius"}


def test_ship_excludes_dealer_neither_online_nor_store():
    decision = rank_dealers(lead(delivery="ship"), [dealer("D-1", tags={"tractors"})])
    assert excluded_rules(decision) == {"D-1": "delivery"}


def test_pickup_excludes_online_seller_that_is_no_store():
    decision = rank_dealers(lead(delivery="pickup"), [dealer("D-1", tags={"tractors", "online"})])
    assert decision.chosen is None


def test_store_without_a_location_is_excluded_when_the_customer_is_located():
    decision = rank_dealers(lead(), [dealer("D-1", lat=None, lon=None)])
    assert excluded_rules(decision) == {"D-1": "radius"}
    assert "location is unknown" in decision.excluded[0].reason


def test_first_failing_filter_is_the_one_recorded():
    # Inactive, absent, already offered, wrong portfolio and far away all at once.
    lat, lon = point_east_of(CUSTOMER, 500)
    hopeless = dealer(
        "D-1", active=False, absent=True, tags={"mowers"}, lat=lat, lon=lon, daily_capacity=0
    )
    decision = rank_dealers(lead(excluded_dealers={"D-1"}), [hopeless])
    assert excluded_rules(decision) == {"D-1": "inactive"}


@pytest.mark.parametrize(
    ("earlier", "later", "dealer_fields", "lead_fields"),
    [
        ("absent", "already_offered", {"absent": True}, {"excluded_dealers": {"D-1"}}),
        ("already_offered", "portfolio", {"tags": {"mowers"}}, {"excluded_dealers": {"D-1"}}),
        ("portfolio", "b2b", {"tags": {"mowers", "store"}}, {"inquiry_type": "b2b"}),
        ("service", "store", {"tags": {"tractors"}}, {"inquiry_type": "service"}),
        ("radius", "capacity", {"service_radius_km": 0.5, "daily_capacity": 0}, {}),
    ],
)
def test_filters_apply_in_the_documented_order(earlier, later, dealer_fields, lead_fields):
    assert FILTER_ORDER.index(earlier) < FILTER_ORDER.index(later)
    decision = rank_dealers(lead(**lead_fields), [dealer("D-1", **dealer_fields)])
    assert excluded_rules(decision) == {"D-1": earlier}


def test_every_dealer_is_either_ranked_or_excluded_once():
    dealers = [dealer("D-1"), dealer("D-2", active=False), dealer("D-3", tags={"mowers"})]
    decision = rank_dealers(lead(), dealers)
    codes = [c.code for c in decision.ranked] + [e.code for e in decision.excluded]
    assert sorted(codes) == ["D-1", "D-2", "D-3"]


def test_duplicate_dealer_codes_are_rejected():
    with pytest.raises(ValueError, match="appears twice"):
        rank_dealers(lead(), [dealer("D-1"), dealer("D-1")])


def test_lead_rejects_unknown_inquiry_type():
    with pytest.raises(ValueError, match="inquiry_type"):
        lead(inquiry_type="wholesale")


def test_lead_rejects_unknown_delivery():
    with pytest.raises(ValueError, match="delivery"):
        lead(delivery="drone")


def test_lead_rejects_coordinates_out_of_range():
    with pytest.raises(ValueError, match="lat"):
        lead(lat=91.0)


def test_dealers_may_be_any_iterable():
    decision = rank_dealers(lead(), (d for d in [dealer("D-1")]))
    assert decision.chosen.code == "D-1"


def test_empty_network_chooses_nobody():
    decision = rank_dealers(lead(), [])
    assert decision.chosen is None
    assert decision.ranked == () and decision.excluded == ()
    assert "OEM queue" in decision.explanation()
