"""Pricing and cost timings: loading the price book, validating and pricing the seed's proposed
architecture, and LCU-hours / egress from 7 days of served traffic at a 15 s step.
Prints one line per figure and, last, a summary line."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from infra_toolkit.cost_pricing import estimate
from infra_toolkit.cost_sim import TrafficProfile, egress_gb, lcu_hours
from infra_toolkit.pricing import load_price_book
from infra_toolkit.resources import read_resources_yaml

SEED = Path(__file__).resolve().parent.parent / "tests" / "data" / "cost" / "seed_proposed.yaml"


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    load_s = best_of(load_price_book)
    book = load_price_book()
    parse_s = best_of(lambda: read_resources_yaml(SEED, price_book=book))
    resources = read_resources_yaml(SEED, price_book=book)
    price_s = best_of(lambda: estimate(resources, book), repeat=20)
    rps = 200 + 150 * np.sin(np.arange(7 * 86400 // 15) * 15 * 2 * np.pi / 86400)
    profile = TrafficProfile(request_bytes=800, response_bytes=12000,
                             new_connections_per_request=0.05, connection_duration_s=30)
    per_lcu = book.lcu_dimensions("application", "HTTP")
    lcu_s = best_of(lambda: lcu_hours(rps, 15.0, profile, per_lcu, "application"))
    egress_s = best_of(lambda: egress_gb(rps, 15.0, profile))
    print(f"load_price_book: {load_s * 1000:.0f} ms ({sum(t.rows for t in book.tables_used)} rows)")
    print("read_resources_yaml (seed proposed, validated against the book): "
          f"{parse_s * 1000:.1f} ms")
    print(f"estimate (seed proposed, {len(resources)} resources): {price_s * 1000:.2f} ms")
    print(f"lcu_hours (7 days at 15 s = {rps.size} steps): {lcu_s * 1000:.1f} ms")
    print(f"egress_gb (same): {egress_s * 1000:.2f} ms")
    print(f"load_ms={load_s * 1000:.0f} parse_ms={parse_s * 1000:.1f} "
          f"estimate_ms={price_s * 1000:.2f} lcu_7d_ms={lcu_s * 1000:.1f}")


if __name__ == "__main__":
    main()
