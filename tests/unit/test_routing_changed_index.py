"""An index with dealers changed since it was built answers as an index built anew.

Each process holds one ``DealerIndex`` and lays the dealers changed since over it
(``with_changes``) rather than building it again for every change.
"""

from hypothesis import given
from hypothesis import strategies as st

from app.routing import DealerIndex, DealerProfile, rank_dealers
from tests.unit.test_routing_properties import (
    CLUSTERS,
    CODES,
    DEALER_FIELDS,
    PROPERTY,
    build_dealer,
    scenarios,
)

# A change names a dealer (one of the network's or a new one) and gives its new profile,
# anywhere (it may move far off), or None: the dealer is gone.
CHANGES = st.dictionaries(
    st.sampled_from(CODES),
    st.one_of(st.none(), st.tuples(st.sampled_from(CLUSTERS), DEALER_FIELDS)),
    max_size=12,
)


def changed(network: list[DealerProfile], changes: dict) -> list[DealerProfile]:
    """The network with the changes made, as a rebuild would read it."""
    by_code = {dealer.code: dealer for dealer in network}
    for code, profile in changes.items():
        by_code.pop(code, None)
        if profile is not None:
            by_code[code] = profile
    return list(by_code.values())


def profiles(drawn: dict) -> dict[str, DealerProfile | None]:
    return {code: None if new is None else build_dealer(code, *new) for code, new in drawn.items()}


@PROPERTY
@given(scenarios(), CHANGES, CHANGES)
def test_changes_laid_over_an_index_rank_as_an_index_built_anew(scenario, first, second):
    lead, network, routes = scenario
    first, second = profiles(first), profiles(second)
    now = changed(changed(network, first), second)
    full = rank_dealers(lead, now, routes)
    index = DealerIndex(network).with_changes(first).with_changes(second)
    candidates = index.candidates_for(lead)
    assert len({dealer.code for dealer in candidates}) == len(candidates)
    assert {dealer.code for dealer in candidates} <= {dealer.code for dealer in now}
    assert len(index) == len(now)
    decision = index.rank(lead, routes)
    assert decision.chosen == full.chosen
    assert decision.ranked == full.ranked
    assert decision.out_of_reach == len(now) - len(candidates)


@PROPERTY
@given(scenarios())
def test_a_network_laid_whole_over_an_empty_index_ranks_as_its_own_index(scenario):
    """The changed dealers' own check finds every dealer that could be eligible."""
    lead, network, routes = scenario
    full = rank_dealers(lead, network, routes)
    index = DealerIndex(()).with_changes({dealer.code: dealer for dealer in network})
    assert index.rank(lead, routes).ranked == full.ranked
