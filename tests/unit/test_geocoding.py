"""Offline postal codes: formats, canonical forms, coordinates, unknown codes."""

import pytest

from app import geocoding
from app.geocoding import (
    Location,
    PostalCodeFormatError,
    approximate_location,
    distance_km,
    locate,
    unknown_location_note,
    validate_postal_code,
)


@pytest.mark.parametrize(
    ("raw", "country", "canonical"),
    [
        ("10115", "DE", "10115"),
        (" 10115 ", "de", "10115"),
        ("1010", "AT", "1010"),
        ("8001", "CH", "8001"),
        ("10001", "US", "10001"),
        ("10001-1234", "US", "10001-1234"),
        ("100011234", "US", "10001-1234"),
        ("1012ab", "NL", "1012 AB"),
        ("1012  AB", "NL", "1012 AB"),
        ("75001", "FR", "75001"),
        ("sw1a1aa", "GB", "SW1A 1AA"),
        ("M1 1AE", "GB", "M1 1AE"),
        ("00950", "PL", "00-950"),
        ("11000", "CZ", "110 00"),
        ("L-1111", "LU", "1111"),
        ("k1a0b1", "CA", "K1A 0B1"),
        ("ab-12 3", "XX", "AB-12 3"),
    ],
)
def test_valid_postal_codes_are_normalised(raw, country, canonical):
    assert validate_postal_code(raw, country) == canonical


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        ("1011", "DE"),
        ("101155", "DE"),
        ("1O115", "DE"),
        ("12345", "AT"),
        ("101", "AT"),
        ("1234", "US"),
        ("10001-12", "US"),
        ("1012", "NL"),
        ("0123 AB", "NL"),
        ("SW1A", "GB"),
        ("7500", "FR"),
        ("", "DE"),
        ("   ", "AT"),
        ("1", "XX"),
        ("ABCDEFGHIJK", "XX"),
        ("12_34", "XX"),
    ],
)
def test_wrong_formats_raise_with_a_message(raw, country):
    with pytest.raises(PostalCodeFormatError) as raised:
        validate_postal_code(raw, country)
    assert str(raised.value)


def test_format_error_names_the_expected_format():
    with pytest.raises(PostalCodeFormatError, match="expected 4 digits"):
        validate_postal_code("12345", "AT")


def test_format_error_is_a_value_error():
    assert issubclass(PostalCodeFormatError, ValueError)


@pytest.mark.parametrize("country", ["Germany", "D", "", "1A", None])
def test_country_must_be_a_two_letter_code(country):
    with pytest.raises(PostalCodeFormatError, match="country"):
        validate_postal_code("10115", country)


def test_locate_german_postal_code():
    berlin_mitte = locate("10117", "DE")
    assert berlin_mitte is not None
    assert distance_km(berlin_mitte.lat, berlin_mitte.lon, 52.517, 13.388) < 3


def test_locate_us_zip_code_and_zip_plus_four():
    manhattan = locate("10001", "US")
    assert manhattan is not None
    assert distance_km(manhattan.lat, manhattan.lon, 40.75, -74.00) < 5
    assert manhattan.place == "New York, NY"
    assert locate("10001-1234", "US") == manhattan


@pytest.mark.parametrize(
    ("postal_code", "near", "place"),
    [
        ("1010", (48.208, 16.372), "Wien, Innere Stadt"),
        ("5020", (47.80, 13.04), None),  # Salzburg
        ("6020", (47.26, 11.39), None),  # Innsbruck
        ("8010", (47.07, 15.44), None),  # Graz
    ],
)
def test_locate_austrian_postal_code(postal_code, near, place):
    found = locate(postal_code, "AT")
    assert found is not None
    assert distance_km(found.lat, found.lon, *near) < 10
    if place:
        assert found.place == place
    assert found.source == "GeoNames"


def test_locate_swiss_dutch_and_british_codes():
    assert distance_km(*_coordinates(locate("8001", "CH")), 47.37, 8.54) < 3
    assert distance_km(*_coordinates(locate("1012 AB", "NL")), 52.37, 4.89) < 3
    assert distance_km(*_coordinates(locate("SW1A 1AA", "GB")), 51.50, -0.13) < 5


def test_locate_accepts_what_validate_accepts():
    assert locate(" 1010 ", "at") == locate("1010", "AT")


@pytest.mark.parametrize(
    ("postal_code", "country"), [("99999", "DE"), ("0000", "AT"), ("00000", "US"), ("1234", "XX")]
)
def test_unknown_well_formed_postal_code_locates_to_none(postal_code, country):
    assert locate(postal_code, country) is None


def test_locate_rejects_a_malformed_postal_code():
    with pytest.raises(PostalCodeFormatError):
        locate("1234", "DE")


def test_demo_network_countries_are_covered():
    assert all(locate(code, country) for code, country in [("10115", "DE"), ("1010", "AT")])
    assert locate("10001", "US") is not None


def test_a_provider_for_another_country_is_used(monkeypatch, request):
    # Register into a copy of the registry, restored (and the cache cleared) afterwards.
    monkeypatch.setattr(geocoding, "_PROVIDERS", dict(geocoding._PROVIDERS))
    request.addfinalizer(locate.cache_clear)

    class Island:
        def lookup(self, postal_code):
            return Location(64.1, -21.9, "Reykjavik", "test") if postal_code == "101" else None

    geocoding._PROVIDERS["ZZ"] = Island()
    locate.cache_clear()
    assert locate("101", "ZZ") == Location(64.1, -21.9, "Reykjavik", "test")
    assert locate("102", "ZZ") is None


def test_unknown_location_note_says_why():
    assert unknown_location_note("99999", "de") == ("postal code 99999 (DE) is not in our dataset")
    assert "no postal-code coordinates for country XY" in unknown_location_note("1", "XY")


def _coordinates(location: Location | None) -> tuple[float, float]:
    assert location is not None
    return location.lat, location.lon


def test_approximate_location_places_an_unknown_code_by_its_neighbours():
    near_mitte = approximate_location("10118", "DE")
    assert locate("10118", "DE") is None
    assert near_mitte is not None
    assert distance_km(near_mitte.lat, near_mitte.lon, 52.52, 13.40) < 5
    assert near_mitte.place == "area of postal codes 1011…"
    assert near_mitte.source.endswith("approximated")


def test_approximate_location_in_austria():
    vienna = approximate_location("1019", "AT")
    assert vienna is not None
    assert distance_km(vienna.lat, vienna.lon, 48.21, 16.37) < 10


def test_approximate_location_of_a_known_code_is_the_code_itself():
    assert approximate_location("10117", "DE") == locate("10117", "DE")


@pytest.mark.parametrize(
    ("postal_code", "country"), [("00000", "US"), ("0000", "AT"), ("12345", "XX")]
)
def test_approximate_location_gives_none_without_a_near_enough_prefix(postal_code, country):
    assert approximate_location(postal_code, country) is None


def test_approximate_location_rejects_a_malformed_code():
    with pytest.raises(PostalCodeFormatError):
        approximate_location("1234", "DE")
