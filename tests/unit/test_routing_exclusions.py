"""A decision's exclusions: kept as rows while ranking, read as the tuple they stand for."""

from app.routing import rank_dealers
from app.routing.decision import Exclusion, Exclusions, RoutingDecision

from .builders import dealer, lead


def test_exclusions_read_as_the_tuple_nearest_first_with_their_sentences():
    rows = [
        (12.0, "R-2", "radius", None, 12.0, 10.0),
        (float("inf"), "I-1", "inactive", "The dealer is inactive.", None, 50.0),
        (3.5, "R-1", "radius", None, 3.5, 2.5),
    ]
    exclusions = Exclusions(rows)
    expected = (
        Exclusion(
            "R-1",
            "radius",
            "The customer is 3.5 km away, beyond the dealer's 2.5 km service radius.",
            3.5,
        ),
        Exclusion(
            "R-2",
            "radius",
            "The customer is 12.0 km away, beyond the dealer's 10 km service radius.",
            12.0,
        ),
        Exclusion("I-1", "inactive", "The dealer is inactive.", None),
    )
    # What the explanation reads, without building the others...
    assert exclusions.rules() == ["radius", "radius", "inactive"]
    assert exclusions.at(2) == expected[2]
    assert exclusions.of_dealer("R-2") == expected[1]
    assert exclusions.of_dealer("D-9") is None
    # ... and the whole, as the tuple it stands for.
    assert exclusions == expected and expected == exclusions
    assert list(exclusions) == list(expected) and exclusions[1:] == expected[1:]
    assert len(exclusions) == 3 and hash(exclusions) == hash(expected)


def test_a_decision_given_a_tuple_of_exclusions_keeps_their_order():
    given = (
        Exclusion("B", "absent", "The dealer is absent (on holiday) right now.", 9.0),
        Exclusion("A", "inactive", "The dealer is inactive.", 1.0),
    )
    decision = RoutingDecision(chosen=None, ranked=(), excluded=given, route=None)
    assert decision.excluded == given
    assert decision.excluded.rules() == ["absent", "inactive"]
    assert "- B, 9.0 km: The dealer is absent" in decision.explanation()


def test_the_preferred_sellers_exclusion_is_explained_from_the_rows():
    decision = rank_dealers(
        lead(preferred_dealer="D-2"),
        [dealer("D-1"), dealer("D-2", service_radius_km=1.0)],
    )
    assert (
        "The preferred seller D-2 is not eligible. The customer is 1.8 km away, beyond "
        "the dealer's 1 km service radius."
    ) in decision.explanation()
