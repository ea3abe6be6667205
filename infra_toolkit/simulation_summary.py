"""The summary of a simulation from its per-tick arrays, and its renderings.

Definitions used in :class:`SimulationSummary` (``tick_s`` is the simulation grid):

- ``pod_hours``: integral of the pods that exist (spec replicas, every phase) over time.
- ``node_hours_by_node_group``: node-hours billed from launch, per node group (by its name):
  each node counted from the autoscaler scan that launched it (not from Ready: EC2 bills the
  provisioning delay too) until the scan that removed it or the end of the run; the nodes the
  run starts with from 0. Launches and removals happen at scans, which lie on the tick grid, so
  the sum over ticks of the timeline's ``nodes_<group> + launching_nodes_<group>`` is exact, not
  rounded to the tick. This is what prices each node group (two groups may run the same
  instance type, e.g. a tainted ``system`` group beside an app group).
- ``node_hours_by_instance_type``: the same node-hours added up per instance type
  (:func:`node_hours_per_instance_type`), for tables and sweeps.
- ``scale_events``: writes that changed the spec replicas: the HPA's syncs and, under a
  ScaledObject that scales to zero, KEDA's writes from zero (or ``idleReplicaCount``) and back
  (the events' ``hpa_scale`` and ``keda_scale``): a worker woken and put back to sleep is two
  scale events, each with its cold start or its pods removed. A **flap** is a scale event whose
  direction is opposite to the previous scale event's (of either writer) and that comes at
  most ``flap_window_s`` seconds after it: 0 -> 1 by KEDA and 1 -> 0 within the window is one.
- ``slo_violation_minutes``: minutes of ticks with a latency percentile over its threshold (the
  workload's ``slo_latency_ms``: ``slo_p95_latency_ms``, and ``slo_p50_latency_ms`` /
  ``slo_p99_latency_ms`` when set; a plan sets them from its latency SLOs, the lowest
  threshold of each percentile), that drop requests, or whose Ready pods are saturated (the
  timeline's ``latency_saturated``: the latency model at its utilization cap, where each
  percentile is only the model's ceiling, a lower bound that cannot show the SLO was kept), as
  the report's SLO checks count;
  a run whose starting replicas cannot serve its first rate counts its start-up's minutes too
  (docs/PLAN.md, "A run that starts in violation").
- ``time_to_capacity``: one :class:`~infra_toolkit.time_to_capacity.TimeToCapacity` per
  under-capacity episode.

The per-tick arrays it reads are :mod:`infra_toolkit.simulation_timeline`'s; ``format_summary``
renders a summary as a table, JSON or CSV, ``format_summaries`` several (``simulate PLAN``),
each value rounded by its unit as printed (:func:`~infra_toolkit.output_numbers.rounded`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from itertools import pairwise
from typing import Any

import numpy as np

from infra_toolkit.cluster import RunOutput
from infra_toolkit.output_numbers import rounded
from infra_toolkit.time_to_capacity import TimeToCapacity, time_to_capacity_episodes

__all__ = ["SimulationSummary", "format_summaries", "format_summary",
           "node_hours_per_instance_type", "summarize", "summary_row"]


@dataclass(frozen=True)
class SimulationSummary:
    """Totals of one run (units in the names; see the module docstring for definitions)."""

    duration_s: float
    pod_hours: float
    node_hours_by_instance_type: dict[str, float]
    peak_replicas: int
    scale_events: int
    flaps: int
    node_scale_ups: int
    node_scale_downs: int
    slo_violation_minutes: float
    offered_requests: float
    served_requests: float
    dropped_requests: float
    max_p95_latency_ms: float
    mean_cpu_utilization_pct: float
    time_to_capacity: tuple[TimeToCapacity, ...]
    node_hours_by_node_group: dict[str, float]

    def as_row(self) -> dict[str, Any]:
        """Flat scalars for a table row: node-hours as ``node_hours_<type>``, episodes as
        ``capacity_episodes``, ``max_time_to_capacity_s`` and ``mean_time_to_capacity_s``."""
        return summary_row({k: getattr(self, k) for k in _ROW_SCALARS},
                           self.node_hours_by_instance_type,
                           [e.total_s for e in self.time_to_capacity])


_ROW_SCALARS = tuple(f.name for f in fields(SimulationSummary)
                     if f.name not in ("node_hours_by_instance_type", "time_to_capacity",
                                       "node_hours_by_node_group"))


def summary_row(scalars: dict[str, Any], node_hours_by_instance_type: dict[str, float],
                capacity_totals_s: list[float]) -> dict[str, Any]:
    """The row layout of :meth:`SimulationSummary.as_row` from its parts: the scalar fields (by
    name), node-hours per instance type and each time-to-capacity episode's ``total_s``."""
    row = {k: scalars[k] for k in _ROW_SCALARS}
    for itype, hours in node_hours_by_instance_type.items():
        row[f"node_hours_{itype}"] = hours
    row["capacity_episodes"] = len(capacity_totals_s)
    row["max_time_to_capacity_s"] = max(capacity_totals_s, default=0.0)
    row["mean_time_to_capacity_s"] = (float(np.mean(capacity_totals_s)) if capacity_totals_s
                                      else 0.0)
    return row


def _flaps(events: list[tuple[float, int, int]], window_s: float) -> int:
    flaps = 0
    for (t0, a0, b0), (t1, a1, b1) in pairwise(events):
        if (b0 - a0) * (b1 - a1) < 0 and t1 - t0 <= window_s:
            flaps += 1
    return flaps


def summarize(out: RunOutput, spec: Any, arrays: dict[str, np.ndarray]) -> SimulationSummary:
    """The :class:`SimulationSummary` of a run from its per-tick ``arrays``."""
    tick = out.tick_s
    hours = tick / 3600.0
    by_group = {g.name: float(int(arrays[f"nodes_{g.name}"].sum()  # billed from launch: Ready
                                  + arrays[f"launching_nodes_{g.name}"].sum())) * hours
                for g in spec.node_groups}  # plus launching node-ticks
    # both writers of the scale, in time order, an instant's in the order written (KEDA's poll
    # before the HPA's sync; summary docstring: scale_events)
    scales = sorted(((t, a, b) for t, kind, a, b, _ in out.events
                     if kind in ("hpa_scale", "keda_scale")), key=lambda e: e[0])
    p95 = arrays["p95_latency_ms"]
    cpu = arrays["cpu_utilization_pct"]
    return SimulationSummary(
        duration_s=float(out.offered_rps.size * tick),
        pod_hours=float(arrays["pods"].sum()) * hours,
        node_hours_by_instance_type=node_hours_per_instance_type(spec.node_groups, by_group),
        peak_replicas=int(arrays["spec_replicas"].max()),
        scale_events=len(scales),
        flaps=_flaps(scales, spec.flap_window_s),
        node_scale_ups=sum(1 for e in out.events if e[1].startswith("node_scale_up:")),
        node_scale_downs=sum(1 for e in out.events if e[1].startswith("node_scale_down:")),
        slo_violation_minutes=float(arrays["slo_violated"].sum()) * tick / 60.0,
        offered_requests=float(out.offered_rps.sum()) * tick,
        served_requests=float(out.served_rps.sum()) * tick,
        dropped_requests=float(out.dropped_rps.sum()) * tick,
        max_p95_latency_ms=float(np.nanmax(p95)) if np.isfinite(p95).any() or np.isinf(p95).any()
        else math.nan,
        mean_cpu_utilization_pct=float(np.nanmean(cpu)) if np.isfinite(cpu).any() else math.nan,
        time_to_capacity=time_to_capacity_episodes(out, spec, arrays),
        node_hours_by_node_group=by_group,
    )


def node_hours_per_instance_type(node_groups: Any, node_hours_by_node_group: dict[str, float]
                                 ) -> dict[str, float]:
    """Node-hours per instance type: the ``node_hours_by_node_group`` of ``node_groups`` (objects
    with ``name`` and ``instance_type``) added up by their instance type, in group order."""
    out: dict[str, float] = {}
    for g in node_groups:
        out[g.instance_type] = out.get(g.instance_type, 0.0) + node_hours_by_node_group[g.name]
    return out


def format_summary(summary: SimulationSummary, fmt: str,
                   header: Mapping[str, Any] | None = None,
                   after: Mapping[str, Any] | None = None) -> str:
    """A :class:`~infra_toolkit.simulate.SimulationSummary` as a table, one JSON object or CSV.

    CSV is ``as_row()`` (the columns of ``simulate_many``) followed, as in the table, by the
    time-to-capacity breakdown summed over the episodes (``total_metric_lag_s`` ...); JSON lists
    every episode. With no episode the table prints "-" and JSON null for the longest and mean
    time to capacity; CSV keeps 0.0, the numeric column of ``simulate_many`` rows.

    ``header``: fields that say what was run (a plan replay's plan, digest, scenario ...), put
    first in every format; a list value is a JSON list and ``a, b`` in the table and CSV.
    ``after``: fields put last in every format (KEDA's scaling to zero,
    :func:`~infra_toolkit.keda_summary.zero_scaling_fields`); a ``None`` is JSON null, an empty
    CSV cell and "-" in the table.
    """
    return format_summaries([(header or {}, summary)], fmt, one_object=True,
                            after=[after or {}])


def format_summaries(items: Sequence[tuple[Mapping[str, Any], SimulationSummary]], fmt: str,
                     one_object: bool = False,
                     after: Sequence[Mapping[str, Any]] | None = None) -> str:
    """Several ``(header, summary)`` pairs as :func:`format_summary` renders one: the tables one
    after another with a blank line between them, a JSON list of the objects (``one_object``:
    the one pair's object alone), one CSV row each under one header line (the union of their
    columns in order of appearance; a column a row lacks, such as another instance type's
    ``node_hours_<type>``, is empty); ``after``: each pair's last fields, as
    :func:`format_summary`'s."""
    tails = list(after) if after is not None else [{}] * len(items)
    if fmt == "json":
        objects = [_json_object(h, s, a) for (h, s), a in zip(items, tails, strict=True)]
        return json.dumps(objects[0] if one_object and len(objects) == 1 else objects, indent=2)
    if fmt == "csv":
        rows = [{**{k: _joined(v, "") for k, v in h.items()},
                 **{k: rounded(k, v) for k, v in {**_flat_row(s), **a}.items()}}
                for (h, s), a in zip(items, tails, strict=True)]
        columns = list(dict.fromkeys(k for row in rows for k in row))
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue().rstrip("\n")
    return "\n\n".join(_table(h, s, a) for (h, s), a in zip(items, tails, strict=True))


def _joined(value: Any, empty: str) -> Any:
    """A header value for the table and CSV: a list as ``a, b`` (``empty`` when it has none)."""
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) or empty
    return value


def _json_object(header: Mapping[str, Any], summary: SimulationSummary,
                 after: Mapping[str, Any]) -> dict[str, Any]:
    row = summary.as_row()
    if not summary.time_to_capacity:  # no episode has no longest or mean (the table's "-")
        row["max_time_to_capacity_s"] = row["mean_time_to_capacity_s"] = None
    data = {**{k: list(v) if isinstance(v, tuple) else v for k, v in header.items()}, **row,
            "node_hours_by_instance_type": summary.node_hours_by_instance_type,
            "node_hours_by_node_group": summary.node_hours_by_node_group,
            "time_to_capacity": [asdict(e) for e in summary.time_to_capacity], **after}
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else rounded(k, v))
            for k, v in data.items()}  # JSON has no NaN/Infinity


def _flat_row(summary: SimulationSummary) -> dict[str, Any]:
    """``as_row()`` and the time-to-capacity breakdown summed over the episodes (JSON lists each
    episode)."""
    row = summary.as_row()
    for part in TimeToCapacity.PARTS:
        row[f"total_{part}"] = float(sum(getattr(e, part) for e in summary.time_to_capacity))
    return row


def _table(header: Mapping[str, Any], summary: SimulationSummary,
           after: Mapping[str, Any]) -> str:
    # the table's labels say what the cost counts (CSV and JSON keep the column names)
    row = {**{k: _joined(v, "none") for k, v in header.items()},
           **{(f"{k} (billed from launch)" if k.startswith("node_hours_") else k): rounded(k, v)
              for k, v in _flat_row(summary).items()}}
    if not summary.time_to_capacity:  # no episode has no longest or mean, not 0 s (the report)
        row["max_time_to_capacity_s"] = row["mean_time_to_capacity_s"] = "-"
    row |= {k: "-" if v is None else rounded(k, v) for k, v in after.items()}
    width = max(map(len, row))
    # whole numbers in full and other values in fixed decimals (never 6 significant digits:
    # 2381580 s was printed 2.38158e+06)
    return "\n".join(
        f"{k:<{width}}  {np.format_float_positional(v, precision=6, trim='-')}"
        if isinstance(v, float) else f"{k:<{width}}  {v}" for k, v in row.items())
