"""Leads without coordinates (unknown postal code): route on what is known."""

from app.routing import rank_dealers

from .builders import dealer, lead


def test_unknown_location_skips_radius_checks():
    far_store = dealer("D-1", lat=48.14, lon=11.58, service_radius_km=5)
    decision = rank_dealers(lead(lat=None, lon=None), [far_store])
    assert decision.chosen.code == "D-1"
    assert decision.chosen.distance_km is None
    assert decision.location_known is False


def test_unknown_location_still_takes_stores_without_a_location():
    decision = rank_dealers(lead(lat=None, lon=None), [dealer("D-1", lat=None, lon=None)])
    assert decision.chosen.code == "D-1"


def test_unknown_location_still_applies_every_other_filter():
    dealers = [dealer("D-1", tags={"tractors", "online"}), dealer("D-2", active=False)]
    decision = rank_dealers(lead(lat=None, lon=None, delivery="pickup"), dealers)
    assert decision.chosen is None
    assert {e.code: e.rule for e in decision.excluded} == {"D-1": "store", "D-2": "inactive"}


def test_unknown_location_orders_without_distance():
    # D-1 would be far nearer, but without the customer's location load decides.
    near_busy = dealer("D-1", lat=52.53, lon=13.39, open_offers=3)
    far_idle = dealer("D-2", lat=48.14, lon=11.58, service_radius_km=1, open_offers=0)
    decision = rank_dealers(lead(lat=None, lon=None), [near_busy, far_idle])
    assert [c.code for c in decision.ranked] == ["D-2", "D-1"]


def test_only_one_coordinate_counts_as_unknown_location():
    decision = rank_dealers(lead(lat=52.5, lon=None), [dealer("D-1", lat=48.1, lon=11.5)])
    assert decision.location_known is False
    assert decision.chosen.code == "D-1"


def test_unknown_location_is_stated_in_the_explanation_with_its_note():
    note = "postal code 99999 (DE) is not in our dataset"
    decision = rank_dealers(lead(lat=None, lon=None, location_note=note), [dealer("D-1")])
    text = decision.explanation()
    assert "location is unknown" in text
    assert note in text
    assert "radii were not checked" in text


def test_location_note_is_ignored_when_the_location_is_known():
    decision = rank_dealers(lead(location_note="stale note"), [dealer("D-1")])
    assert decision.location_note is None
    assert "stale note" not in decision.explanation()
