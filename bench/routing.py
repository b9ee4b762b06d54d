"""Routing decisions on the production path against a naive scan of the same database.

Run from the repository root:

    .venv/bin/python bench/routing.py [--network dense|sparse|both] [--leads 3000]
                                      [--naive-leads 30] [--history 50000] [--no-postgres]

Builds the network (bench/network.py) in a fresh database with an offer history, turns
generated leads into unsaved leads as intake does (validated, geocoded), and times:

- production: ``candidates.decide``, exactly what intake and every hand-on call: read
  the network version, the process's in-memory index (built once, timed apart), the
  candidates and their ranking, and the capacity and load counts of the best-ranked
  dealers from the database;
- naive: ``candidates.full_scan_decision``, every dealer read from the database, counted
  and ranked, on the first --naive-leads leads.

Both must choose the same dealer and agree on the production path's ranked dealers.
Runs on SQLite, then on a throwaway PostgreSQL (tests/pg) unless --no-postgres.
"""

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from network import SEED, build_network, lead_bodies, load_network, start_postgres  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402


class BenchConfig:
    """The app's settings for an in-process benchmark: no worker thread."""

    TESTING = False
    SECRET_KEY = "bench"
    RELAY_WORKER = False
    RELAY_OFFER_SLA_SECONDS = 3600
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    RATELIMIT_STORAGE_URI = "memory://"

    def __init__(self, database_uri: str):
        self.SQLALCHEMY_DATABASE_URI = database_uri


def figures(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (
        f"{len(ordered) / sum(ordered):>9,.0f} decisions/s"
        f"  p50 {statistics.median(ordered) * 1e3:7.3f} ms"
        f"  p99 {p99 * 1e3:7.3f} ms  (n={len(ordered)})"
    )


def timed(function, leads) -> tuple[list, list[float]]:
    clock = time.perf_counter
    results, seconds = [], []
    for lead in leads:
        start = clock()
        results.append(function(lead))
        seconds.append(clock() - start)
    return results, seconds


def run(label: str, database_uri: str, network: str, args) -> dict:
    """One network on one database: load it, time both paths, compare, print."""
    from app.services import candidates
    from app.services.intake import build_lead

    dealers = build_network(network, args.seed)
    bodies = lead_bodies(network, args.leads, dealers, args.seed)
    app = create_app(BenchConfig(database_uri))
    with app.app_context():
        db.create_all()
        started = time.perf_counter()
        load_network(dealers, history=args.history, seed=args.seed)
        print(
            f"\n{network} network on {label}: {len(dealers):,} dealers and {args.history:,} "
            f"past offers loaded in {time.perf_counter() - started:.1f} s"
        )
        leads = [build_lead(body) for body in bodies]
        started = time.perf_counter()
        copy = candidates.current_network()
        print(
            f"  in-memory copy of the network built in "
            f"{(time.perf_counter() - started) * 1e3:.0f} ms (once per process; the dealers a "
            "change touches are laid over it)"
        )
        examined = [
            len(copy.index.candidates_for(candidates.lead_request(x, frozenset()))) for x in leads
        ]
        print(
            f"  dealers examined per lead: median {statistics.median(examined):.0f}, "
            f"max {max(examined):,} of {len(dealers):,}"
        )
        gc.collect()
        gc.freeze()
        now = datetime.now(UTC)
        timed(lambda lead: candidates.decide(lead, now), leads[:200])  # warm-up
        fast, fast_seconds = timed(lambda lead: candidates.decide(lead, now), leads)
        _, explain_seconds = timed(lambda decision: decision.explanation(), fast)
        sample = leads[: args.naive_leads]
        naive, naive_seconds = timed(lambda lead: candidates.full_scan_decision(lead, now), sample)
        print(f"  production (candidates.decide) {figures(fast_seconds)}")
        print(f"    + explanation text           {figures(explain_seconds)}")
        print(f"  naive full scan of the DB      {figures(naive_seconds)}")
        count = len(sample)
        ratio = statistics.fmean(naive_seconds) / statistics.fmean(fast_seconds[:count])
        differ = sum(
            a.chosen != b.chosen or a.ranked != b.ranked[: len(a.ranked)]
            for a, b in zip(fast, naive, strict=False)
        )
        chosen = sum(decision.chosen is not None for decision in fast)
        print(
            f"  speed-up on the same {count} leads: {ratio:.0f}x (goal >= 10x: "
            f"{'met' if ratio >= 10 else 'MISSED'}); decisions differing: {differ} of {count}; "
            f"leads with a dealer: {chosen:,} of {len(fast):,}"
        )
        gc.unfreeze()
        db.session.remove()
        db.engine.dispose()
    if differ:
        sys.exit("the production path decided differently from the naive scan")
    return {"rate": len(fast_seconds) / sum(fast_seconds), "ratio": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", choices=("dense", "sparse", "both"), default="both")
    parser.add_argument("--leads", type=int, default=3000)
    parser.add_argument("--naive-leads", type=int, default=30)
    parser.add_argument("--history", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f}")
    networks = ("dense", "sparse") if args.network == "both" else (args.network,)
    postgres = None if args.no_postgres else start_postgres()
    try:
        with tempfile.TemporaryDirectory(prefix="leadrelay-routing-") as directory:
            for network in networks:
                run("SQLite", f"sqlite:///{Path(directory) / network}.db", network, args)
                if postgres is not None:
                    run("PostgreSQL 15", postgres.url(postgres.create_database()), network, args)
    finally:
        if postgres is not None:
            postgres.stop()


if __name__ == "__main__":
    main()
    print(f"load average at the end: {os.getloadavg()[0]:.1f} / {os.getloadavg()[1]:.1f}")
