"""Benchmark: ``infra-toolkit sweep`` on the default plan's backend over its expected-day scenario
(one day of the NASA trace, 15 s syncs): a 200-variant grid (5 minReplicas x 4 CPU targets x
2 maxReplicas x 5 scale-down windows) through ``tuning.sweep_workload``, the library call the
command makes (plan and price book read once, outside the timing).

Prints the phases, then as its last line ``variants=N scenarios=S wall_s=X`` (N counts the
baseline row; X includes the screen, the pricing and the ``simulate`` runs that confirm the
cheapest candidates with the report's SLO rule, ``confirmed=C`` of them).
"""

from __future__ import annotations

import time
from pathlib import Path

from infra_toolkit.plan import read_plan
from infra_toolkit.pricing import load_price_book
from infra_toolkit.tuning import sweep_workload
from infra_toolkit.tuning_grid import parse_vary

PLAN = Path(__file__).resolve().parents[1] / "plans" / "ecommerce-eks.yaml"
VARY = ["minReplicas=2..6", "cpu.averageUtilization=50,60,70,80", "maxReplicas=10,15",
        "scaleDown.stabilizationWindowSeconds=0,60,120,300,600"]


def main() -> None:
    plan = read_plan(PLAN)
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    grid = parse_vary(VARY)
    start = time.perf_counter()
    result = sweep_workload(plan, book, "backend", grid, scenarios=["expected-day"])
    wall_s = time.perf_counter() - start
    statuses = result.table["status"].value_counts().to_dict()
    print(f"statuses={statuses} confirmed={result.confirmed}")
    best = result.table.iloc[0]
    print("best: " + " ".join(f"{f}={best[f]}" for f in result.fields)
          + f" status={best['status']} monthly_usd={best['monthly_usd']}")
    print(f"variants={len(result.table)} scenarios={len(result.scenarios)} wall_s={wall_s:.2f}")


if __name__ == "__main__":
    main()
