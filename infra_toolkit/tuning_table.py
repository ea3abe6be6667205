"""The sweep's table (:func:`~infra_toolkit.tuning.sweep_workload`): a variant's status
(``STATUSES``, best first), its row before any run (``blank_row``), a scenario's columns
(``scenario_columns``) and figures from a summary row (``summary_figures``), and the rows ranked
by status and monthly cost into the table (``ranked_table``, ``cost_key``; a load test's monthly
figures empty with ``LOAD_TEST_NOTE``)."""

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

__all__ = ["LOAD_TEST_NOTE", "STATUSES", "blank_row", "cost_key", "ranked_table",
           "scenario_columns", "summary_figures"]

#: a variant's status, best first (the rank's first key)
STATUSES = ("meets SLOs", "not confirmed", "fails SLOs", "invalid")
#: why a load test's ``<scenario>:monthly_usd`` is empty: the report leaves it out of every
#: monthly figure
LOAD_TEST_NOTE = ("load test: no monthly projection (minutes of synthetic users are not a "
                  "month of traffic)")


def scenario_columns(name: str, slos: Sequence[Slo]) -> list[str]:
    """The table's columns of scenario ``name``: its figures, then each SLO's ``met`` and
    ``violation_minutes``."""
    cols = [f"{name}:{k}" for k in ("dropped_pct", "peak_replicas", "node_hours", "monthly_usd",
                                    "request_share_monthly_usd", "monthly_note")]
    for s in slos:
        cols += [f"{name}:{s.name}:met", f"{name}:{s.name}:violation_minutes"]
    return cols


def summary_figures(name: str, row: Mapping[str, Any], spec: SimulationSpec,
                    cost: tuple[Decimal | None, str, Decimal | None],
                    hours: float | None = None
                    ) -> dict[str, Any]:
    """A scenario's columns from a summary row (``hours``: the workload's groups' node-hours,
    when not the row's per-type counts)."""
    offered = float(row["offered_requests"])
    if hours is None:
        hours = sum(float(row.get(f"node_hours_{t}", 0.0))
                    for t in {g.instance_type for g in spec.node_groups})
    return {f"{name}:dropped_pct": 100.0 * float(row["dropped_requests"]) / offered
            if offered > 0 else 0.0,
            f"{name}:peak_replicas": int(row["peak_replicas"]),
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


def ranked_table(rows: list[dict[str, Any]], fields: Sequence[str],
                 chosen: Sequence[Scenario], slos: Sequence[Slo]) -> pd.DataFrame:
    """The sweep's table (columns in :func:`~infra_toolkit.tuning.sweep_workload`): ``rows``
    ranked by status (:data:`STATUSES` order), then monthly cost, each with its change against
    the baseline (the first row) and a load test's monthly figures left out."""
    base_usd = rows[0]["monthly_usd"]
    for r in rows:
        r["delta_monthly_usd"] = None if base_usd is None or r["monthly_usd"] is None \
            else printed_delta_usd(base_usd, r["monthly_usd"])
    order = sorted(range(len(rows)), key=lambda i: (STATUSES.index(rows[i]["status"]),
                                                    *cost_key(rows[i]), i))
    columns = ["rank", "baseline", *fields, "status", "monthly_usd", "delta_monthly_usd",
               "request_share_monthly_usd", "claimed_volumes_monthly_usd", "checked_by", "note"]
    for s in chosen:
        columns += scenario_columns(s.name, slos)
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
