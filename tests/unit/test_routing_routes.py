"""Interest-category routes: the lead's category, then ALL, then the OEM queue."""

from app.routing import FALLBACK, ROUTED, UNRESTRICTED, RouteRule, rank_dealers

from .builders import dealer, lead

NETWORK = [
    dealer("DE-BER", country="DE", postal_code="10115"),
    dealer("DE-MUC", country="DE", postal_code="80331"),
    dealer("AT-VIE", country="AT", postal_code="1010"),
]


def eligible_codes(decision) -> set[str]:
    return {candidate.code for candidate in decision.ranked}


def test_no_routes_means_the_whole_network_is_considered():
    decision = rank_dealers(lead(), NETWORK, routes=())
    assert eligible_codes(decision) == {"DE-BER", "DE-MUC", "AT-VIE"}
    assert decision.route is None
    assert decision.route_status == UNRESTRICTED


def test_category_route_restricts_candidates_to_its_dealers():
    routes = [RouteRule("new", dealer_codes=frozenset({"DE-MUC"}))]
    decision = rank_dealers(lead(interest_category="new"), NETWORK, routes)
    assert eligible_codes(decision) == {"DE-MUC"}
    assert decision.route == "new"
    assert decision.route_status == ROUTED
    assert {e.code: e.rule for e in decision.excluded} == {"DE-BER": "route", "AT-VIE": "route"}


def test_category_route_takes_precedence_over_the_all_route():
    routes = [
        RouteRule("ALL", dealer_codes=frozenset({"DE-BER"})),
        RouteRule("used", dealer_codes=frozenset({"AT-VIE"})),
    ]
    decision = rank_dealers(lead(interest_category="used"), NETWORK, routes)
    assert eligible_codes(decision) == {"AT-VIE"}
    assert decision.route == "used"


def test_all_route_applies_when_the_category_has_no_route():
    routes = [
        RouteRule("ALL", dealer_codes=frozenset({"DE-BER"})),
        RouteRule("used", dealer_codes=frozenset({"AT-VIE"})),
    ]
    decision = rank_dealers(lead(interest_category="new"), NETWORK, routes)
    assert eligible_codes(decision) == {"DE-BER"}
    assert decision.route == "ALL"


def test_all_route_applies_when_the_lead_has_no_category():
    routes = [RouteRule("ALL", countries=frozenset({"AT"}))]
    decision = rank_dealers(lead(interest_category=None), NETWORK, routes)
    assert eligible_codes(decision) == {"AT-VIE"}
    assert decision.route == "ALL"


def test_no_matching_route_and_no_all_route_goes_to_the_oem_queue():
    routes = [RouteRule("service", dealer_codes=frozenset({"DE-BER"}))]
    decision = rank_dealers(lead(interest_category="new"), NETWORK, routes)
    assert decision.chosen is None
    assert decision.route is None
    assert decision.route_status == FALLBACK
    assert "OEM queue" in decision.explanation()


def test_route_that_admits_no_eligible_dealer_chooses_none():
    routes = [RouteRule("new", dealer_codes=frozenset({"AT-VIE"}))]
    network = [*NETWORK[:2], dealer("AT-VIE", active=False, country="AT")]
    decision = rank_dealers(lead(interest_category="new"), network, routes)
    assert decision.chosen is None
    assert decision.route == "new"
    assert "OEM queue" in decision.explanation()


def test_route_region_by_country():
    routes = [RouteRule("new", countries=frozenset({"de"}))]
    decision = rank_dealers(lead(), NETWORK, routes)
    assert eligible_codes(decision) == {"DE-BER", "DE-MUC"}


def test_route_region_by_country_and_postal_prefix():
    routes = [RouteRule("new", countries=frozenset({"DE"}), postal_prefixes=("8",))]
    decision = rank_dealers(lead(), NETWORK, routes)
    assert eligible_codes(decision) == {"DE-MUC"}


def test_route_region_needs_the_dealers_country_to_be_known():
    routes = [RouteRule("new", countries=frozenset({"DE"}))]
    decision = rank_dealers(lead(), [dealer("X-1", country=None)], routes)
    assert decision.chosen is None


def test_several_routes_for_one_category_admit_the_union():
    routes = [
        RouteRule("new", countries=frozenset({"AT"})),
        RouteRule("new", dealer_codes=frozenset({"DE-BER"})),
    ]
    decision = rank_dealers(lead(), NETWORK, routes)
    assert eligible_codes(decision) == {"DE-BER", "AT-VIE"}


def test_route_without_restrictions_admits_every_dealer():
    decision = rank_dealers(lead(), NETWORK, [RouteRule("new")])
    assert eligible_codes(decision) == {"DE-BER", "DE-MUC", "AT-VIE"}
    assert decision.route == "new"


def test_route_category_match_ignores_case_and_spaces():
    routes = [RouteRule(" New ", dealer_codes=frozenset({"DE-MUC"}))]
    decision = rank_dealers(lead(interest_category="new"), NETWORK, routes)
    assert eligible_codes(decision) == {"DE-MUC"}


def test_preferred_seller_outside_the_route_does_not_win():
    routes = [RouteRule("new", dealer_codes=frozenset({"DE-MUC"}))]
    decision = rank_dealers(lead(preferred_dealer="DE-BER"), NETWORK, routes)
    assert decision.chosen.code == "DE-MUC"
    assert "preferred seller DE-BER is not eligible" in decision.explanation()
