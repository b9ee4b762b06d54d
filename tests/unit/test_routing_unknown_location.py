"""An unlocated lead stays in its country; an approximate location is said to be one."""

from app.routing import FILTER_ORDER, rank_dealers
from tests.unit.builders import dealer, lead


def excluded_rules(decision):
    return {exclusion.code: exclusion.rule for exclusion in decision.excluded}


def test_unlocated_lead_keeps_to_the_dealers_of_its_country():
    graz = dealer("AT-GRZ", country="AT", lat=47.07, lon=15.44)
    berlin = dealer("DE-BER", country="DE", lat=52.52, lon=13.40, open_offers=5)
    decision = rank_dealers(lead(lat=None, lon=None, country="DE"), [graz, berlin])
    assert decision.chosen.code == "DE-BER"
    assert excluded_rules(decision) == {"AT-GRZ": "country"}
    assert decision.country_only == "DE"
    text = decision.explanation()
    assert "Only dealers in DE were considered" in text
    assert "another country" in next(e.reason for e in decision.excluded)


def test_unlocated_lead_with_no_dealer_in_its_country_goes_to_the_oem_queue():
    graz = dealer("AT-GRZ", country="AT")
    decision = rank_dealers(lead(lat=None, lon=None, country="DE"), [graz])
    assert decision.chosen is None
    assert excluded_rules(decision) == {"AT-GRZ": "country"}


def test_country_is_checked_only_when_the_location_is_unknown():
    # A located customer near a border may be served across it, by radius.
    across = dealer("AT-SBG", country="AT")
    decision = rank_dealers(lead(country="DE"), [across])
    assert decision.chosen.code == "AT-SBG"
    assert decision.country_only is None


def test_country_filter_comes_after_already_offered_and_before_portfolio():
    assert FILTER_ORDER.index("already_offered") < FILTER_ORDER.index("country")
    assert FILTER_ORDER.index("country") < FILTER_ORDER.index("portfolio")
    decision = rank_dealers(
        lead(lat=None, lon=None, country="DE"),
        [dealer("AT-1", country="AT", tags={"mowers"})],
    )
    assert excluded_rules(decision) == {"AT-1": "country"}


def test_approximate_location_is_named_in_the_explanation():
    note = "Postal code 01000 (DE) is not in our dataset; placed at the centre of the codes 010"
    decision = rank_dealers(
        lead(location_note=note, location_approximate=True, country="DE"), [dealer("D-1")]
    )
    assert decision.location_known and decision.location_approximate
    text = decision.explanation()
    assert "location is approximate" in text and "01000" in text
    assert "unknown" not in text.lower().replace("unknown)", "")
