"""Today's cluster beside the proposal on the same traffic: one row per scenario, workload and
side (``today``, ``proposed``) of what each simulation did, so a change to an existing
cluster (a new instance type, a retuned HPA, new requests) shows its improvement against what
runs now, not against nothing. Pure: it reads the analysis's runs.

:func:`replaced_node_groups` names today's node groups the proposal drops (a node-group
migration) with what one day of each costs as declared: while it is cordoned and drained it is
billed beside the new group, which no figure of the report counts.

A workload is paired by name across the sides; one that only one side has gets its row alone.
The SLO minutes are each run's minutes violating each SLO of the workload, one column per SLO
(``Minutes violated: <slo>``, last), as the SLO table lists them
(:func:`~infra_toolkit.slo_check.evaluate_slos`). reader25: one column summed over the SLOs
counted a minute twice when it broke the latency SLO and dropped requests, and did not add up
to the SLO table's rounded minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

from infra_toolkit.analysis import ScenarioRun
from infra_toolkit.cost import HOURS_PER_MONTH, CostEstimate
from infra_toolkit.resources import Resource

__all__ = ["SLO_COLUMN_PREFIX", "replaced_node_groups", "side_by_side_frame"]

#: the heading of a column of one SLO's minutes violated, before the SLO's name
SLO_COLUMN_PREFIX = "Minutes violated: "


def _row(side: str, run: ScenarioRun, name: str) -> dict[str, Any]:
    sim = run.simulations[name]
    s = sim.summary
    groups = [g.name for g in sim.spec.node_groups]
    assert run.cluster is not None  # every analysed run comes from a cluster simulation
    node_hours = sum(run.cluster.node_hours_by_node_group.get(g, 0.0) for g in groups)
    longest_s = max((e.total_s for e in s.time_to_capacity), default=0.0)
    slos = run.slos[name]
    return {"Scenario": run.name, "Workload": name, "Side": side,
            "Node groups": ", ".join(groups), "Peak replicas": s.peak_replicas,
            "Pod-hours": s.pod_hours, "Peak Ready nodes": int(sim.timeline["nodes"].max()),
            "Node-hours (billed)": node_hours,
            "Dropped requests (%)": (100.0 * s.dropped_requests / s.offered_requests
                                     if s.offered_requests else 0.0),
            "Longest time to capacity (s)": longest_s,
            **{f"{SLO_COLUMN_PREFIX}{slo}": float(minutes) for slo, minutes in zip(
                slos["slo"], slos["violation_minutes"], strict=True)}}


def side_by_side_frame(proposed: Sequence[ScenarioRun], today: Sequence[ScenarioRun]
                       ) -> pd.DataFrame:
    """Per scenario (in ``proposed``'s order) and workload, today's row then the proposal's:
    peak replicas, pod-hours, peak Ready nodes and billed node-hours of the workload's node
    groups, dropped requests, the longest time to capacity and the minutes violating each SLO
    (a column per SLO name, NaN in a row whose workload has no such SLO). Empty when
    ``today`` is (the current side has no autoscaled workload)."""
    rows: list[dict[str, Any]] = []
    if not today:
        return pd.DataFrame(rows)
    now = {r.name: r for r in today}
    for run in proposed:
        before = now.get(run.name)
        names = list(run.simulations)
        if before is not None:
            names += [n for n in before.simulations if n not in run.simulations]
        for name in names:
            if before is not None and name in before.simulations:
                rows.append(_row("today", before, name))
            if name in run.simulations:
                rows.append(_row("proposed", run, name))
    return pd.DataFrame(rows)


def replaced_node_groups(current: Sequence[Resource], proposed: Sequence[Resource],
                         today_declared: CostEstimate) -> dict[str, Decimal]:
    """Today's ``aws_eks_node_group`` resources (by name) that ``proposed`` has no resource of
    that name for, each with one day of its declared monthly lines in ``today_declared``
    (instances and storage: the monthly USD x 24 / 730), what a day of overlap adds while
    the old group is cordoned and drained beside the new one."""
    kept = {r.name for r in proposed if r.type == "aws_eks_node_group"}
    out = {}
    for r in current:
        if r.type != "aws_eks_node_group" or r.name in kept:
            continue
        monthly = sum((line.monthly_cost_usd or Decimal(0) for line in today_declared.lines
                       if line.resource_type == r.type and line.resource_name == r.name),
                      Decimal(0))
        out[r.name] = monthly * 24 / HOURS_PER_MONTH
    return out
