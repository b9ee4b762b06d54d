"""Properties of routing over generated networks, checked against a plain reading of the
contract (an oracle written independently of the engine)."""

import math
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from app.routing import (
    DealerIndex,
    DealerProfile,
    LeadRequest,
    RouteRule,
    distance_km,
    rank_dealers,
    select_routes,
)
from tests.hypothesis_profiles import examples

PROPERTY = settings(max_examples=examples(120), deadline=None, database=None)

GROUPS = ("tractors", "mowers", "parts")
SKUS = ("TR-500", "TR-700", "MW-20", "PA-1")
CODES = tuple(f"D-{n:02}" for n in range(40))
# Clusters: central Europe, near the north pole, and astride the antimeridian, so the
# grid index meets its awkward cases too.
CLUSTERS = ((50.0, 10.0), (89.2, 0.0), (0.0, 179.8))


def _wrap(lon: float) -> float:
    return (lon + 540.0) % 360.0 - 180.0


# A dealer or lead sits on one of a few points near the cluster centre (so distances
# tie often), or has no location (offset None).
# (about one in four has no location).
OFFSETS = st.tuples(st.booleans(), st.booleans(), st.integers(-6, 6), st.integers(-6, 6)).map(
    lambda drawn: None if drawn[0] and drawn[1] else drawn[2:]
)

DEALER_FIELDS = st.fixed_dictionaries(
    {
        "active": st.sampled_from((True, True, True, False)),
        "groups": st.frozensets(st.sampled_from(GROUPS), max_size=3),
        # Most dealers are stores; some sell online; b2b and service are common extras.
        "extra_tags": st.tuples(
            st.sampled_from(("store", "store", "store", None)),
            st.sampled_from(("online", None, None)),
            st.sampled_from(("b2b", None)),
            st.sampled_from(("service", None)),
        ),
        "inventory": st.frozensets(st.sampled_from(SKUS), max_size=3),
        "offset": OFFSETS,
        "service_radius_km": st.sampled_from((0.0, 20.0, 60.0, 150.0, 400.0)),
        "daily_capacity": st.sampled_from((None, None, 0, 1, 3)),
        "offers_today": st.integers(0, 3),
        "open_offers": st.integers(0, 2),
        "absent": st.sampled_from((False,) * 9 + (True,)),
        "acceptance_rate": st.sampled_from((None, 0.5, 0.9)),
        "country": st.sampled_from(("DE", "AT")),
        "postal_code": st.sampled_from(("10115", "80331", "1010")),
    }
)


def place(centre: tuple[float, float], offset) -> tuple[float | None, float | None]:
    if offset is None:
        return None, None
    lat = max(-90.0, min(90.0, centre[0] + offset[0] * 0.4))
    return lat, _wrap(centre[1] + offset[1] * 0.4)


def build_dealer(code: str, centre, fields: dict) -> DealerProfile:
    fields = dict(fields)
    lat, lon = place(centre, fields.pop("offset"))
    tags = fields.pop("groups") | {tag for tag in fields.pop("extra_tags") if tag}
    return DealerProfile(code=code, lat=lat, lon=lon, tags=tags, **fields)


ROUTES = st.one_of(
    st.just(()),
    st.just(()),
    st.lists(
        st.builds(
            RouteRule,
            category=st.sampled_from(("new", "used", "ALL")),
            dealer_codes=st.frozensets(st.sampled_from(CODES), max_size=10),
            countries=st.frozensets(st.sampled_from(("DE", "AT")), max_size=1),
        ),
        max_size=3,
    ).map(tuple),
)


@st.composite
def scenarios(draw):
    """(lead, dealers, routes) around one cluster."""
    centre = draw(st.sampled_from(CLUSTERS))
    codes = draw(st.lists(st.sampled_from(CODES), unique=True, min_size=8, max_size=25))
    network = [build_dealer(code, centre, draw(DEALER_FIELDS)) for code in codes]
    lat, lon = place(centre, draw(OFFSETS))
    lead = LeadRequest(
        inquiry_type=draw(st.sampled_from(("b2c", "b2c", "b2b", "service"))),
        interest_category=draw(st.sampled_from((None, "new", "used"))),
        delivery=draw(st.sampled_from(("pickup", "ship"))),
        lat=lat,
        lon=lon,
        product_groups=tuple(draw(st.lists(st.sampled_from(GROUPS), min_size=1, max_size=3))),
        skus=tuple(draw(st.lists(st.sampled_from(SKUS), max_size=3))),
        preferred_dealer=draw(st.one_of(st.none(), st.sampled_from(codes or CODES))),
        excluded_dealers=draw(st.frozensets(st.sampled_from(CODES), max_size=3)),
    )
    return lead, network, draw(ROUTES)


def contract_eligible(lead: LeadRequest, dealer: DealerProfile, routes) -> bool:
    """The contract's eligibility, read literally."""
    if not select_routes(routes, lead.interest_category).admits(dealer):
        return False
    if not dealer.active or dealer.absent or dealer.code in lead.excluded_dealers:
        return False
    if dealer.daily_capacity is not None and dealer.offers_today >= dealer.daily_capacity:
        return False
    if not set(lead.product_groups) & dealer.tags:
        return False
    if lead.inquiry_type in ("b2b", "service") and lead.inquiry_type not in dealer.tags:
        return False
    if lead.lat is None or lead.lon is None:
        within = True
    elif dealer.lat is None or dealer.lon is None:
        within = False
    else:
        within = distance_km(lead.lat, lead.lon, dealer.lat, dealer.lon) <= (
            dealer.service_radius_km
        )
    if lead.delivery == "pickup":
        return "store" in dealer.tags and within
    return "online" in dealer.tags or ("store" in dealer.tags and within)


def contract_key(lead: LeadRequest, dealer: DealerProfile) -> tuple:
    """The contract's order: preferred, groups, SKUs, nearer, fewer open offers."""
    if lead.lat is None or lead.lon is None or dealer.lat is None or dealer.lon is None:
        distance = math.inf
    else:
        distance = distance_km(lead.lat, lead.lon, dealer.lat, dealer.lon)
    return (
        dealer.code != lead.preferred_dealer,
        -len(set(lead.product_groups) & dealer.tags),
        -len(set(lead.skus) & dealer.inventory),
        distance,
        dealer.open_offers,
    )


@PROPERTY
@given(scenarios())
def test_exactly_the_contracts_eligible_dealers_are_ranked(scenario):
    lead, network, routes = scenario
    decision = rank_dealers(lead, network, routes)
    expected = {d.code for d in network if contract_eligible(lead, d, routes)}
    assert {c.code for c in decision.ranked} == expected
    assert {e.code for e in decision.excluded} == {d.code for d in network} - expected


@PROPERTY
@given(scenarios())
def test_chosen_dealer_is_always_eligible(scenario):
    lead, network, routes = scenario
    decision = rank_dealers(lead, network, routes)
    by_code = {d.code: d for d in network}
    if decision.chosen is None:
        assert not any(contract_eligible(lead, d, routes) for d in network)
    else:
        assert decision.chosen == decision.ranked[0]
        assert contract_eligible(lead, by_code[decision.chosen.code], routes)


@PROPERTY
@given(scenarios())
def test_dealer_that_already_had_the_lead_is_never_chosen(scenario):
    lead, network, routes = scenario
    decision = rank_dealers(lead, network, routes)
    assert not {c.code for c in decision.ranked} & lead.excluded_dealers


@PROPERTY
@given(scenarios(), st.integers(0, 24))
def test_preferred_seller_wins_whenever_eligible(scenario, pick):
    lead, network, routes = scenario
    eligible = [d.code for d in network if contract_eligible(lead, d, routes)]
    if eligible:
        # Make one of the eligible dealers the preferred seller (eligibility does not
        # depend on being preferred).
        lead = replace(lead, preferred_dealer=eligible[pick % len(eligible)])
    decision = rank_dealers(lead, network, routes)
    preferred = next((d for d in network if d.code == lead.preferred_dealer), None)
    if preferred is not None and contract_eligible(lead, preferred, routes):
        assert decision.chosen.code == preferred.code
        assert decision.chosen.preferred


@PROPERTY
@given(scenarios())
def test_ranking_follows_the_contracts_order(scenario):
    lead, network, routes = scenario
    decision = rank_dealers(lead, network, routes)
    by_code = {d.code: d for d in network}
    keys = [contract_key(lead, by_code[c.code]) for c in decision.ranked]
    assert keys == sorted(keys)


@PROPERTY
@given(scenarios(), st.randoms(use_true_random=False))
def test_same_inputs_give_the_same_decision_in_any_dealer_order(scenario, random):
    lead, network, routes = scenario
    decision = rank_dealers(lead, network, routes)
    assert rank_dealers(lead, list(network), routes) == decision
    shuffled = list(network)
    random.shuffle(shuffled)
    again = rank_dealers(lead, shuffled, routes)
    assert again == decision
    assert again.explanation() == decision.explanation()


@PROPERTY
@given(scenarios())
def test_index_prefiltered_decision_equals_full_scan_decision(scenario):
    lead, network, routes = scenario
    full = rank_dealers(lead, network, routes)
    index = DealerIndex(network)
    candidates = index.candidates_for(lead)
    assert len({d.code for d in candidates}) == len(candidates)
    prefiltered = rank_dealers(lead, candidates, routes)
    assert prefiltered.chosen == full.chosen
    assert prefiltered.ranked == full.ranked
    assert prefiltered.route == full.route
    indexed = index.rank(lead, routes)
    assert indexed.ranked == full.ranked
    assert indexed.out_of_reach == len(network) - len(candidates)


@PROPERTY
@given(scenarios(), st.sampled_from((0.05, 0.3, 2.0, 45.0)))
def test_index_decision_does_not_depend_on_cell_size(scenario, cell_degrees):
    lead, network, routes = scenario
    full = rank_dealers(lead, network, routes)
    assert DealerIndex(network, cell_degrees=cell_degrees).rank(lead, routes).ranked == full.ranked


def counted_on_demand(network, asked: list | None = None):
    """A load callback answering from the profiles' own figures, noting who was asked."""
    by_code = {dealer.code: dealer for dealer in network}

    def load(dealers):
        if asked is not None:
            asked.extend(dealer.code for dealer in dealers)
        return {
            d.code: (by_code[d.code].offers_today, by_code[d.code].open_offers) for d in dealers
        }

    return load


@PROPERTY
@given(scenarios(), st.integers(1, 6))
def test_checking_load_of_the_best_only_gives_the_top_of_the_full_ranking(scenario, enough):
    lead, network, routes = scenario
    full = rank_dealers(lead, network, routes)
    # What production's index holds: no load figures (they change with every lead).
    unloaded = [replace(dealer, offers_today=0, open_offers=0) for dealer in network]
    asked: list[str] = []
    lazy = DealerIndex(unloaded).rank(
        lead, routes, load=counted_on_demand(network, asked), enough=enough
    )
    assert lazy.chosen == full.chosen
    assert len(lazy.ranked) >= min(enough, len(full.ranked))
    assert lazy.ranked == full.ranked[: len(lazy.ranked)]
    # Every dealer that passed the other filters is ranked, over capacity, or unchecked.
    over = [exclusion for exclusion in lazy.excluded if exclusion.rule == "capacity"]
    full_over = [exclusion for exclusion in full.excluded if exclusion.rule == "capacity"]
    assert len(lazy.ranked) + len(over) + lazy.unchecked == len(full.ranked) + len(full_over)
    assert len(asked) == len(set(asked))  # nobody asked about twice
    # Every dealer named in the explanation's ranking part was checked.
    assert {candidate.code for candidate in lazy.ranked} <= set(asked)


@PROPERTY
@given(scenarios())
def test_checking_load_of_everyone_lazily_is_the_full_decision(scenario):
    lead, network, routes = scenario
    full = rank_dealers(lead, network, routes)
    unloaded = [replace(dealer, offers_today=0, open_offers=0) for dealer in network]
    index = DealerIndex(unloaded)
    complete = index.rank(lead, routes, load=counted_on_demand(network), enough=None)
    assert complete.ranked == full.ranked
    assert complete.unchecked == 0
    assert {(e.code, e.rule) for e in complete.excluded} == {
        (e.code, e.rule)
        for e in full.excluded
        if e.code in {d.code for d in index.candidates_for(lead)}
    }


@PROPERTY
@given(scenarios())
def test_absent_now_from_the_caller_is_the_same_as_an_absent_profile(scenario):
    lead, network, routes = scenario
    full = rank_dealers(lead, network, routes)
    present = [replace(dealer, absent=False) for dealer in network]
    absent = frozenset(dealer.code for dealer in network if dealer.absent)
    assert DealerIndex(present).rank(lead, routes, absent=absent).ranked == full.ranked
