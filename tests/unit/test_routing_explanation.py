"""The explanation stored on an offer, and the JSON preview."""

import json

from app.routing import DealerIndex, RouteRule, rank_dealers

from .builders import CUSTOMER, dealer, lead, point_east_of


def at_km(km: float) -> dict[str, float]:
    lat, lon = point_east_of(CUSTOMER, km)
    return {"lat": lat, "lon": lon}


def test_explanation_names_the_chosen_dealer_and_what_decided():
    decision = rank_dealers(
        lead(skus=("TR-500",)),
        [dealer("D-1", inventory={"TR-500"}, **at_km(20)), dealer("D-2", **at_km(3))],
    )
    text = decision.explanation()
    assert text.startswith("Offered to D-1:")
    assert "1 of 1 SKUs in stock (TR-500)" in text
    assert "ranks above D-2 because it has more of the requested SKUs in stock (1 vs 0)" in text


def test_explanation_says_nearer_when_distance_decided():
    decision = rank_dealers(lead(), [dealer("D-1", **at_km(20)), dealer("D-2", **at_km(3))])
    assert "because it is nearer (3.0 km vs 20.0 km)" in decision.explanation()


def test_explanation_says_when_fairness_decided():
    spot = at_km(8)
    decision = rank_dealers(
        lead(), [dealer("D-1", open_offers=2, **spot), dealer("D-2", open_offers=0, **spot)]
    )
    assert "equally near and has fewer open offers (0 vs 2)" in decision.explanation()


def test_explanation_notes_the_only_eligible_dealer():
    decision = rank_dealers(lead(), [dealer("D-1")])
    assert "It was the only eligible dealer." in decision.explanation()


def test_explanation_mentions_the_preferred_seller_when_it_won():
    decision = rank_dealers(lead(preferred_dealer="D-1"), [dealer("D-1"), dealer("D-2")])
    assert "the customer's preferred seller" in decision.explanation()


def test_explanation_gives_why_each_of_a_few_dealers_was_excluded():
    decision = rank_dealers(
        lead(), [dealer("D-1"), dealer("D-2", active=False), dealer("D-3", daily_capacity=0)]
    )
    text = decision.explanation()
    assert "Not eligible: 2 dealers (inactive 1, capacity 1)." in text
    assert "- D-2, 1.8 km: The dealer is inactive." in text
    assert "- D-3, 1.8 km: Daily capacity reached: 0 of 0 offers made today." in text


def test_explanation_summarises_many_exclusions_by_rule_and_names_the_nearest():
    inactive = [dealer(f"I-{n:02}", active=False, **at_km(10 + n)) for n in range(30)]
    too_far = [dealer(f"R-{n:02}", service_radius_km=1, **at_km(5 + n)) for n in range(20)]
    decision = rank_dealers(lead(), [dealer("D-1", **at_km(2)), *inactive, *too_far])
    text = decision.explanation()
    assert "Not eligible: 50 dealers (inactive 30, radius 20)." in text
    assert "Nearest of them, at least one per reason:" in text
    named = [line.split(",")[0] for line in text.splitlines() if line.startswith("- ")]
    # The four nearest are all too far for their radius; the nearest inactive one joins.
    assert named == ["- R-00", "- R-01", "- R-02", "- R-03", "- I-00"]


def test_explanation_without_distances_names_one_per_reason():
    inactive = [dealer(f"I-{n:02}", active=False) for n in range(10)]
    absent = [dealer(f"A-{n:02}", absent=True) for n in range(10)]
    decision = rank_dealers(lead(lat=None, lon=None), [*inactive, *absent])
    text = decision.explanation()
    assert "Not eligible: 20 dealers (inactive 10, absent 10)." in text
    assert "Some of them, at least one per reason:" in text
    named = [line for line in text.splitlines() if line.startswith("- ")]
    assert "- A-00: The dealer is absent (on holiday) right now." in named
    assert "- I-00: The dealer is inactive." in named
    assert len(named) == 5


def test_explanation_counts_use_thousands_separators():
    inactive = [dealer(f"I-{n:04}", active=False) for n in range(1200)]
    text = rank_dealers(lead(), inactive).explanation()
    assert "Not eligible: 1,200 dealers (inactive 1,200)." in text


def test_explanation_says_which_route_applied():
    routes = [RouteRule("new", countries=frozenset({"DE"}))]
    decision = rank_dealers(lead(), [dealer("D-1", country="DE")], routes)
    assert "Interest route 'new' applied, restricting candidates to country DE." in (
        decision.explanation()
    )


def test_explanation_says_when_the_all_route_applied():
    routes = [RouteRule("ALL", dealer_codes=frozenset({"D-1"}))]
    decision = rank_dealers(lead(interest_category="used"), [dealer("D-1")], routes)
    assert "No route is set for category 'used', so the ALL route applied" in (
        decision.explanation()
    )


def test_explanation_says_when_no_routes_are_configured():
    decision = rank_dealers(lead(), [dealer("D-1")])
    assert "No interest-category routes are configured" in decision.explanation()


def test_no_eligible_dealer_explanation_mentions_the_oem_queue():
    decision = rank_dealers(lead(), [dealer("D-1", active=False)])
    text = decision.explanation()
    assert text.startswith("No dealer is eligible, so the lead goes to the OEM queue")


def test_preferred_seller_missing_from_the_network_is_explained():
    decision = rank_dealers(lead(preferred_dealer="D-GONE"), [dealer("D-1")])
    assert "The preferred seller D-GONE is not in the dealer network." in decision.explanation()


def test_to_dict_is_json_serialisable_and_complete():
    decision = rank_dealers(
        lead(skus=("TR-500",)), [dealer("D-1", inventory={"TR-500"}), dealer("D-2", absent=True)]
    )
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["chosen"]["code"] == "D-1"
    assert data["ranked"][0]["rank"] == 1
    assert data["excluded"] == [
        {
            "code": "D-2",
            "rule": "absent",
            "reason": "The dealer is absent (on holiday) right now.",
            "distance_km": decision.excluded[0].distance_km,
        }
    ]
    assert data["excluded_by_rule"] == {"absent": 1}
    assert data["route"] is None
    assert data["explanation"] == decision.explanation()


def test_explanation_counts_the_dealers_an_index_left_out():
    far_away = dealer("D-FAR", lat=48.14, lon=11.58, service_radius_km=20)
    decision = DealerIndex([dealer("D-1"), far_away]).rank(lead())
    assert decision.out_of_reach == 1
    assert (
        "1 more dealer was not examined: their service areas do not reach the customer, "
        "or they sell none of the requested product groups." in decision.explanation()
    )


def test_explanation_names_a_nearby_dealer_left_out_for_its_portfolio():
    mowers_only = dealer("D-MOW", tags=frozenset({"mowers", "store"}))
    decision = DealerIndex([dealer("D-1"), mowers_only]).rank(lead())
    assert decision.out_of_reach == 1
    assert decision.unexamined_example.code == "D-MOW"
    line = decision.explanation().splitlines()[-1]
    assert line.startswith("- for example D-MOW, ")
    assert line.endswith("km: The dealer carries none of the requested product groups (tractors).")
