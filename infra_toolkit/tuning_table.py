"""The sweep's table (:func:`~infra_toolkit.tuning.sweep_workload`): a variant's status
(``STATUSES``, best first), its row before any run (``blank_row``), a scenario's columns
(``scenario_columns``) and figures from a summary row (``summary_figures``), and the rows ranked
into the table (``ranked_table`` by ``rank_key``: :data:`RANK_RULE`; ``cost_key``, ``tie_key``;
a load test's monthly figures empty with ``LOAD_TEST_NOTE``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

from infra_toolkit.cost_summary import printed_delta_usd
from infra_toolkit.plan_cost import is_load_test
from infra_toolkit.plan_scenario_types import Scenario, Slo
from infra_toolkit.simulate import SimulationSpec
from infra_toolkit.tuning_grid import Variant

__all__ = ["LOAD_TEST_NOTE", "NEIGHBOUR_MINUTES", "RANK_RULE", "STATUSES", "blank_row",
           "cost_key", "rank_key", "ranked_table", "scenario_columns", "summary_figures",
           "tie_key"]

#: a variant's status, best first (the rank's first key)
STATUSES = ("meets SLOs", "not confirmed", "fails SLOs", "invalid")
#: why a load test's ``<scenario>:monthly_usd`` is empty: the report leaves it out of every
#: monthly figure
LOAD_TEST_NOTE = ("load test: no monthly projection (minutes of synthetic users are not a "
                  "month of traffic)")
#: how :func:`rank_key` orders the rows, in one sentence (the table's legend, JSON ``rank_rule``)
RANK_RULE = ("rows ranked by status (meets SLOs, not confirmed, fails SLOs, invalid), failing "
             "rows nearest to passing first (fewest summary minutes plus, in cluster mode, "
             "neighbour minutes, the chosen scenarios added), then cheapest monthly, cheapest "
             "over all chosen scenarios (load tests aside), fewest summary minutes, lowest peak "
             "replicas (the highest scenario's), fewest scale events, and last the grid's order")
#: a scenario's column, cluster mode only (:func:`~infra_toolkit.tuning_runs.cluster_runs`):
#: the minutes the variant adds to the other workloads' SLO violations over the baseline's
NEIGHBOUR_MINUTES = "neighbour_violation_minutes"


def scenario_columns(name: str, slos: Sequence[Slo]) -> list[str]:
    """The table's columns of scenario ``name``: its figures, then each SLO's ``met`` and
    ``violation_minutes``."""
    cols = [f"{name}:{k}" for k in ("dropped_pct", "peak_replicas", "scale_events", "node_hours",
                                    "monthly_usd", "request_share_monthly_usd", "monthly_note",
                                    "max_p95_latency_ms", "summary_violation_minutes")]
    for s in slos:
        cols += [f"{name}:{s.name}:met", f"{name}:{s.name}:violation_minutes"]
    return cols


def summary_figures(name: str, row: Mapping[str, Any], spec: SimulationSpec,
                    cost: tuple[Decimal | None, str, Decimal | None],
                    hours: float | None = None
                    ) -> dict[str, Any]:
    """A scenario's columns from a summary row (``hours``: the workload's groups' node-hours,
    when not the row's per-type counts). ``summary_violation_minutes`` is the row's
    ``slo_violation_minutes`` (the steps with any latency percentile over its threshold, the
    workload's ``slo_latency_ms``: p95, and p50 / p99 where the plan's SLOs set them, or
    dropping requests, or saturated): every simulated variant has it, a screened one too,
    where the report's per-SLO minutes need a run."""
    offered = float(row["offered_requests"])
    if hours is None:
        hours = sum(float(row.get(f"node_hours_{t}", 0.0))
                    for t in {g.instance_type for g in spec.node_groups})
    return {f"{name}:dropped_pct": 100.0 * float(row["dropped_requests"]) / offered
            if offered > 0 else 0.0,
            f"{name}:peak_replicas": int(row["peak_replicas"]),
            f"{name}:scale_events": int(row["scale_events"]),
            f"{name}:max_p95_latency_ms": float(row["max_p95_latency_ms"]),
            f"{name}:summary_violation_minutes": float(row["slo_violation_minutes"]),
            f"{name}:node_hours": hours, f"{name}:monthly_usd": cost[0]}


def blank_row(i: int, v: Variant, chosen: Sequence[Scenario], slos: Sequence[Slo]
              ) -> dict[str, Any]:
    """Variant ``i``'s row before any run: its values, status (invalid or not confirmed) and
    empty scenario columns."""
    row: dict[str, Any] = {"baseline": i == 0, **v.values, "status": "invalid"
                           if v.invalid else "not confirmed", "monthly_usd": None,
                           "request_share_monthly_usd": None, "claimed_volumes_monthly_usd": None,
                           "checked_by": "", "note": v.invalid or "", "cost_note": ""}
    for s in chosen:
        row.update(dict.fromkeys(scenario_columns(s.name, slos)))
        for slo in slos:
            row[f"{s.name}:{slo.name}:violation_minutes"] = math.nan
    return row


def cost_key(row: Mapping[str, Any]) -> tuple[int, Decimal]:
    """A row's place by monthly cost: cheapest first, a missing price last."""
    usd = row["monthly_usd"]
    return (1, Decimal(0)) if usd is None else (0, usd)


def _figure(value: Any) -> float:
    """A figure for ordering: a missing one (not simulated: None or NaN) after every number."""
    return math.inf if value is None or math.isnan(value) else float(value)


def tie_key(row: Mapping[str, Any], chosen: Sequence[Scenario]) -> tuple[Any, ...]:
    """A row's place among rows of one status by :data:`RANK_RULE` after its closeness: monthly
    cost (:func:`cost_key`), the cost over the chosen scenarios that are not load tests (a
    missing price last), summary minutes added over them, the highest peak replicas, scale
    events added. Every part but the costs comes from summary rows, and a variant's costs only
    grow from its screen to its run, so a screened row's key is a lower bound of its key once
    run (the confirmation's stopping rule, :func:`~infra_toolkit.tuning_runs.confirm_variants`)."""
    costs = [row[f"{s.name}:monthly_usd"] for s in chosen if not is_load_test(s)]
    total = (1, Decimal(0)) if any(c is None for c in costs) else (0, sum(costs, Decimal(0)))
    return (*cost_key(row), *total,
            sum(_figure(row[f"{s.name}:summary_violation_minutes"]) for s in chosen),
            max(_figure(row[f"{s.name}:peak_replicas"]) for s in chosen),
            sum(_figure(row[f"{s.name}:scale_events"]) for s in chosen))


def rank_key(row: Mapping[str, Any], chosen: Sequence[Scenario]) -> tuple[Any, ...]:
    """A row's place in the table (:data:`RANK_RULE`): its status (:data:`STATUSES` order);
    a failing row's summary minutes added over the chosen scenarios (a user whose grid has no
    variant meeting every SLO looks for the nearest to passing: the summary row's minutes are
    the one figure every simulated row has, screened or run), in cluster mode with the minutes
    it adds to the neighbours' SLO violations (:data:`NEIGHBOUR_MINUTES`: a variant failing
    only a neighbour's SLO has 0 summary minutes of its own, and ranked first among the failing
    rows however long the neighbour broke); then :func:`tie_key`."""
    closeness = sum(_figure(row[f"{s.name}:summary_violation_minutes"])
                    + _figure(row.get(f"{s.name}:{NEIGHBOUR_MINUTES}", 0.0)) for s in chosen) \
        if row["status"] == "fails SLOs" else 0.0
    return (STATUSES.index(row["status"]), closeness, *tie_key(row, chosen))


def ranked_table(rows: list[dict[str, Any]], fields: Sequence[str],
                 chosen: Sequence[Scenario], slos: Sequence[Slo]) -> pd.DataFrame:
    """The sweep's table (columns in :func:`~infra_toolkit.tuning.sweep_workload`): ``rows``
    ranked by :func:`rank_key` (ties left in grid order, the baseline first), each with its
    change against the baseline (the first row) and a load test's monthly figures left out."""
    base_usd = rows[0]["monthly_usd"]
    for r in rows:
        r["delta_monthly_usd"] = None if base_usd is None or r["monthly_usd"] is None \
            else printed_delta_usd(base_usd, r["monthly_usd"])
    order = sorted(range(len(rows)), key=lambda i: (*rank_key(rows[i], chosen), i))
    columns = ["rank", "baseline", *fields, "status", "monthly_usd", "delta_monthly_usd",
               "request_share_monthly_usd", "claimed_volumes_monthly_usd", "checked_by", "note"]
    for s in chosen:
        columns += scenario_columns(s.name, slos)
        if any(f"{s.name}:{NEIGHBOUR_MINUTES}" in r for r in rows):  # cluster mode
            columns.append(f"{s.name}:{NEIGHBOUR_MINUTES}")
    # the report's rule: a load test has no month to project, whatever its run cost
    unpriced = {f"{s.name}:{k}": None for s in chosen if is_load_test(s)
                for k in ("monthly_usd", "request_share_monthly_usd")}
    notes = {f"{s.name}:monthly_note": LOAD_TEST_NOTE if is_load_test(s) else "" for s in chosen}
    ranked = [{**rows[i], **unpriced, **notes, "rank": n,
               "note": "; ".join(filter(None, (rows[i]["cost_note"], rows[i]["note"])))}
              for n, i in enumerate(order, start=1)]
    frame = pd.DataFrame(ranked, columns=columns)
    for c in columns:  # True / False / None as they are, not numpy bools or NaN
        if c.endswith(":met"):
            frame[c] = pd.Series([r[c] for r in ranked], dtype=object)
    return frame
