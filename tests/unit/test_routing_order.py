"""One test per ordering step: preferred, groups, SKUs, distance, load, reliability, code."""

from app.routing import RANKING_ORDER, Candidate, Exclusion, rank_dealers
from app.routing.decision import new_candidate, new_exclusion

from .builders import CUSTOMER, dealer, lead, point_east_of


def ranked_codes(decision) -> list[str]:
    return [candidate.code for candidate in decision.ranked]


def at_km(km: float) -> dict[str, float]:
    lat, lon = point_east_of(CUSTOMER, km)
    return {"lat": lat, "lon": lon}


def test_chosen_is_the_first_ranked():
    decision = rank_dealers(lead(), [dealer("D-1", **at_km(5)), dealer("D-2", **at_km(2))])
    assert decision.chosen == decision.ranked[0]


def test_preferred_seller_ranks_first_when_eligible():
    farther_preferred = dealer("D-FAR", **at_km(40))
    better_on_everything = dealer(
        "D-NEAR", tags={"tractors", "mowers", "store"}, inventory={"TR-500"}, **at_km(1)
    )
    decision = rank_dealers(
        lead(preferred_dealer="D-FAR", product_groups=("tractors", "mowers"), skus=("TR-500",)),
        [better_on_everything, farther_preferred],
    )
    assert ranked_codes(decision) == ["D-FAR", "D-NEAR"]
    assert decision.chosen.preferred


def test_preferred_seller_that_is_not_eligible_does_not_win():
    decision = rank_dealers(
        lead(preferred_dealer="D-1"), [dealer("D-1", active=False), dealer("D-2")]
    )
    assert decision.chosen.code == "D-2"


def test_more_product_groups_covered_ranks_higher_even_when_farther():
    one_group = dealer("D-1", **at_km(1))
    two_groups = dealer("D-2", tags={"tractors", "mowers", "store"}, **at_km(30))
    decision = rank_dealers(lead(product_groups=("tractors", "mowers")), [one_group, two_groups])
    assert ranked_codes(decision) == ["D-2", "D-1"]


def test_more_skus_in_stock_ranks_higher_even_when_farther():
    none_in_stock = dealer("D-1", **at_km(1))
    one_in_stock = dealer("D-2", inventory={"TR-500", "XX-1"}, **at_km(30))
    both_in_stock = dealer("D-3", inventory={"TR-500", "TR-700"}, **at_km(45))
    decision = rank_dealers(
        lead(skus=("TR-500", "TR-700")), [none_in_stock, one_in_stock, both_in_stock]
    )
    assert ranked_codes(decision) == ["D-3", "D-2", "D-1"]


def test_product_groups_outrank_skus_in_stock():
    stocked = dealer("D-1", inventory={"TR-500"})
    broader = dealer("D-2", tags={"tractors", "mowers", "store"})
    decision = rank_dealers(
        lead(product_groups=("tractors", "mowers"), skus=("TR-500",)), [stocked, broader]
    )
    assert ranked_codes(decision) == ["D-2", "D-1"]


def test_nearer_dealer_ranks_higher():
    decision = rank_dealers(
        lead(), [dealer("D-1", **at_km(20)), dealer("D-2", **at_km(5)), dealer("D-3", **at_km(9))]
    )
    assert ranked_codes(decision) == ["D-2", "D-3", "D-1"]


def test_fewer_open_offers_breaks_a_distance_tie():
    same_spot = at_km(10)
    busy = dealer("D-1", open_offers=4, **same_spot)
    idle = dealer("D-2", open_offers=1, **same_spot)
    decision = rank_dealers(lead(), [busy, idle])
    assert ranked_codes(decision) == ["D-2", "D-1"]


def test_distance_outranks_open_offers():
    decision = rank_dealers(
        lead(), [dealer("D-1", open_offers=0, **at_km(20)), dealer("D-2", open_offers=9)]
    )
    assert ranked_codes(decision) == ["D-2", "D-1"]


def test_acceptance_rate_only_breaks_ties_after_open_offers():
    same_spot = at_km(10)
    reliable_but_busy = dealer("D-1", open_offers=3, acceptance_rate=1.0, **same_spot)
    idle = dealer("D-2", open_offers=0, acceptance_rate=0.1, **same_spot)
    reliable_idle = dealer("D-3", open_offers=0, acceptance_rate=0.9, **same_spot)
    decision = rank_dealers(lead(), [reliable_but_busy, idle, reliable_idle])
    assert ranked_codes(decision) == ["D-3", "D-2", "D-1"]


def test_unknown_acceptance_rate_ranks_after_a_known_one():
    same_spot = at_km(10)
    decision = rank_dealers(
        lead(), [dealer("D-1", **same_spot), dealer("D-2", acceptance_rate=0.2, **same_spot)]
    )
    assert ranked_codes(decision) == ["D-2", "D-1"]


def test_faster_median_response_breaks_remaining_ties():
    same_spot = at_km(10)
    slow = dealer("D-1", median_response_seconds=3600, **same_spot)
    fast = dealer("D-2", median_response_seconds=120, **same_spot)
    decision = rank_dealers(lead(), [slow, fast])
    assert ranked_codes(decision) == ["D-2", "D-1"]


def test_dealer_code_is_the_final_tiebreak():
    same_spot = at_km(10)
    decision = rank_dealers(
        lead(), [dealer("D-B", **same_spot), dealer("D-C", **same_spot), dealer("D-A", **same_spot)]
    )
    assert ranked_codes(decision) == ["D-A", "D-B", "D-C"]


def test_ranking_order_is_documented_in_contract_order():
    assert RANKING_ORDER[:5] == (
        "preferred seller",
        "product groups covered",
        "SKUs in stock",
        "distance",
        "fewer open offers",
    )
    assert RANKING_ORDER[-1] == "dealer code"


def test_located_online_dealer_ranks_before_one_without_a_location():
    located = dealer("D-2", tags={"tractors", "online"}, **at_km(800))
    unlocated = dealer("D-1", tags={"tractors", "online"}, lat=None, lon=None)
    decision = rank_dealers(lead(delivery="ship"), [unlocated, located])
    assert ranked_codes(decision) == ["D-2", "D-1"]


def test_candidates_carry_the_facts_that_ordered_them():
    decision = rank_dealers(
        lead(product_groups=("tractors", "mowers"), skus=("TR-500", "TR-700")),
        [dealer("D-1", inventory={"TR-700", "OTHER"}, open_offers=2, **at_km(10))],
    )
    chosen = decision.chosen
    assert chosen.covered_groups == ("tractors",)
    assert chosen.skus_in_stock == ("TR-700",)
    assert round(chosen.distance_km) == 10
    assert chosen.open_offers == 2
    assert chosen.preferred is False


def test_fast_constructors_build_the_same_objects_as_the_dataclasses():
    values = ("D-1", 3.5, ("mowers", "tractors"), ("TR-500",), True, 2, "online", 0.8, 120.0)
    fast = new_candidate(*values)
    assert fast == Candidate(*values)
    assert hash(fast) == hash(Candidate(*values))
    assert repr(fast) == repr(Candidate(*values))
    exclusion = ("D-2", "radius", "Too far.", 12.0)
    assert new_exclusion(*exclusion) == Exclusion(*exclusion)
