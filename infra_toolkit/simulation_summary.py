"""From a run's raw arrays to the timeline table and the summary of a simulation.

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
- ``scale_events``: HPA syncs that changed the spec replicas. A **flap** is a scale event whose
  direction is opposite to the previous scale event's and that comes at most ``flap_window_s``
  seconds after it.
- ``slo_violation_minutes``: minutes of ticks whose p95 latency exceeds the workload's
  ``slo_p95_latency_ms``, that drop requests, or whose Ready pods are saturated (the timeline's
  ``latency_saturated``: the latency model at its utilization cap, where p95 is only the model's
  ceiling, a lower bound that cannot show the SLO was kept), as the report's SLO checks count.
- ``time_to_capacity``: one :class:`TimeToCapacity` per under-capacity episode.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass, fields
from itertools import pairwise
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from infra_toolkit.cluster import RunOutput
from infra_toolkit.latency import at_utilization_cap, response_time_percentile_ms

__all__ = ["SimulationSummary", "TimeToCapacity", "format_summary", "node_hours_per_instance_type",
           "summarize", "summary_row", "timeline"]


@dataclass(frozen=True)
class TimeToCapacity:
    """One under-capacity episode: offered load above what the Ready pods can serve
    (``offered_rps > ready_pods * capacity_rps_per_pod``) from ``start_s`` until ``end_s``.

    The episode is explained by the pods that closed it: the cohort that became Ready at
    ``end_s`` (if several cohorts became Ready then, the first in creation order that brought
    enough capacity). Its milestones, each clamped to lie between the
    previous one and ``end_s``, split ``total_s = end_s - start_s`` into:

    - ``metric_lag_s``: start -> the first metric scrape after the start (the first sample whose
      window sees the new load);
    - ``sync_wait_s``: -> the end of the first HPA sync starting at or after that scrape (the
      controller writes the scale ``sync_duration_s`` after the sync starts);
    - ``controller_hold_s``: -> the write that created the closing pods (stabilization windows,
      rate-limit policies, and proposals held down by unready or missing pods);
    - ``node_provisioning_s``: -> those pods were scheduled on a node;
    - ``pod_startup_s``: -> they were Ready (image pull, app start, readiness delay).

    Two limits are carved out of those intervals, as their own parts, because no faster
    controller or provisioner would have shortened them:

    - ``at_max_replicas_s``: the seconds before the write (of metric lag, sync wait and controller
      hold) whose tick has the spec replicas at or above the HPA's ``maxReplicas`` and below the
      pods the offered load needs (``ceil(offered_rps / capacity_rps_per_pod)``): the
      Deployment is at its ceiling and the ceiling is short of the load. (The simulated
      Deployment always has an HPA; one without has fixed replicas and no episodes.)
    - ``at_max_nodes_s``: the seconds of node provisioning whose tick has every node group the
      pod may use (the spec's ``node_groups``; a pod fits an empty node of each) with Ready nodes
      at its ``max_size``: the autoscaler never exceeds ``max_size``, so no node is on its way
      and none can be asked for (the ``node_scale_up_failed`` event); the pods wait for room that
      other pods free, or until the end.

    Whether a second is at a limit is read per tick, as the timeline's ``spec_replicas`` and
    ``nodes_<group>`` columns give it. ``metric_lag_s``, ``sync_wait_s``, ``controller_hold_s``
    and ``node_provisioning_s`` are what is left of their intervals: the seven parts sum to
    ``total_s``.

    ``closed_by`` is ``"pods"``; or ``"load"`` when the load fell back under capacity first, or
    ``"end"`` when the run ended first. With no closing pods, the write is the first instant the
    spec replicas covered the offered load (``ceil(offered / capacity_rps_per_pod)``) and
    "scheduled" the first instant from then that as many pods were on nodes: pods Pending until
    the end count as node provisioning (``at_max_nodes_s`` while every group is at ``max_size``),
    pods still starting when the load fell as start-up, not as a controller hold; a spec that
    never covered the load (at ``maxReplicas``) leaves the rest of the episode to the hold and
    ``at_max_replicas_s``.
    """

    start_s: float
    end_s: float
    total_s: float
    metric_lag_s: float
    sync_wait_s: float
    controller_hold_s: float
    at_max_replicas_s: float
    node_provisioning_s: float
    at_max_nodes_s: float
    pod_startup_s: float
    closed_by: str

    #: The parts that sum to ``total_s``, in the order an episode goes through them.
    PARTS: ClassVar[tuple[str, ...]] = ("metric_lag_s", "sync_wait_s", "controller_hold_s",
                                        "at_max_replicas_s", "node_provisioning_s",
                                        "at_max_nodes_s", "pod_startup_s")


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


def _steps(changes: list[tuple[int, int]], n: int) -> np.ndarray:
    ticks = np.array([c[0] for c in changes], dtype=np.int64)
    values = np.array([c[1] for c in changes], dtype=np.int64)
    idx = np.searchsorted(ticks, np.arange(n), side="right") - 1
    return values[np.maximum(idx, 0)]


def timeline(out: RunOutput, spec: Any, frame: bool = True) -> tuple[pd.DataFrame | None,
                                                                    dict[str, np.ndarray]]:
    """Per-tick arrays of the run, and (``frame=True``) the timeline DataFrame built from them."""
    wl = spec.workload
    n = out.offered_rps.size
    tick = out.tick_s
    exist = np.zeros(n + 2, dtype=np.int64)
    pending = np.zeros(n + 2, dtype=np.int64)
    for created_s, scheduled_s, _ready_tick, end_tick, k in out.records:
        c = min(n + 1, max(0, math.ceil(created_s / tick - 1e-9)))
        run_s = scheduled_s + wl.image_pull_s
        r = n + 1 if math.isnan(run_s) else min(n + 1, max(0, math.ceil(run_s / tick - 1e-9)))
        exist[c] += k
        exist[min(end_tick, n + 1)] -= k
        pending[c] += k
        pending[min(r, end_tick, n + 1)] -= k
    exist_t = np.cumsum(exist)[:n]
    pending_t = np.cumsum(pending)[:n]
    ready = out.ready_pods
    per_pod = np.divide(out.served_rps, ready, out=np.zeros(n), where=ready > 0)
    unique, inverse = np.unique(per_pod, return_inverse=True)
    pct = {}
    for q in (50, 95, 99):
        base = response_time_percentile_ms(q / 100, unique, np.ones_like(unique),
                                           wl.capacity_rps_per_pod, wl.concurrency,
                                           np.zeros_like(unique), np.zeros_like(unique))
        capacity = ready * wl.capacity_rps_per_pod
        wait_ms = 1000.0 * np.divide(out.backlog_requests, capacity, out=np.zeros(n),
                                     where=capacity > 0)
        value = base[inverse] + wait_ms
        pct[q] = np.where(ready > 0, value, np.where(out.offered_rps > 0, np.inf, np.nan))
    nodes = {g.name: _steps(ch, n) for g, ch in zip(spec.node_groups, out.node_changes)}
    launching = {g.name: _steps(ch, n)
                 for g, ch in zip(spec.node_groups, out.launching_changes, strict=True)}
    cpu_pct = np.where(ready > 0, 100.0 * (wl.baseline_cpu_millicores
                                           + wl.cpu_millicores_per_rps * per_pod)
                       / wl.cpu_request_millicores, np.nan)
    arrays = {
        "time_s": np.arange(n, dtype=np.float64) * tick,
        "offered_rps": out.offered_rps,
        "served_rps": out.served_rps,
        "dropped_rps": out.dropped_rps,
        "backlog_requests": out.backlog_requests,
        "desired_replicas": _steps(out.desired_changes, n),
        "spec_replicas": _steps(out.spec_changes, n),
        "ready_pods": ready,
        "starting_pods": exist_t - pending_t - ready,
        "pending_pods": pending_t,
        "pods": exist_t,
        "nodes": np.sum(list(nodes.values()), axis=0),
        **{f"nodes_{k}": v for k, v in nodes.items()},
        "launching_nodes": np.sum(list(launching.values()), axis=0),
        **{f"launching_nodes_{k}": v for k, v in launching.items()},
        "cpu_utilization_pct": cpu_pct,
        "p50_latency_ms": pct[50],
        "p95_latency_ms": pct[95],
        "p99_latency_ms": pct[99],
    }
    # the percentiles of these ticks are the model's ceiling: a bound, shown as such
    saturated = (ready > 0) & at_utilization_cap(per_pod, wl.capacity_rps_per_pod)
    # a lower bound cannot show the SLO was kept: saturated ticks violate it (as slo_check)
    arrays["slo_violated"] = ((pct[95] > wl.slo_p95_latency_ms) | (out.dropped_rps > 0)
                              | saturated)
    arrays["latency_saturated"] = saturated
    return (pd.DataFrame(arrays) if frame else None), arrays


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
    hpa_events = [(t, a, b) for t, kind, a, b, _ in out.events if kind == "hpa_scale"]
    p95 = arrays["p95_latency_ms"]
    cpu = arrays["cpu_utilization_pct"]
    return SimulationSummary(
        duration_s=float(out.offered_rps.size * tick),
        pod_hours=float(arrays["pods"].sum()) * hours,
        node_hours_by_instance_type=node_hours_per_instance_type(spec.node_groups, by_group),
        peak_replicas=int(arrays["spec_replicas"].max()),
        scale_events=len(hpa_events),
        flaps=_flaps(hpa_events, spec.flap_window_s),
        node_scale_ups=sum(1 for e in out.events if e[1].startswith("node_scale_up:")),
        node_scale_downs=sum(1 for e in out.events if e[1].startswith("node_scale_down:")),
        slo_violation_minutes=float(arrays["slo_violated"].sum()) * tick / 60.0,
        offered_requests=float(out.offered_rps.sum()) * tick,
        served_requests=float(out.served_rps.sum()) * tick,
        dropped_requests=float(out.dropped_rps.sum()) * tick,
        max_p95_latency_ms=float(np.nanmax(p95)) if np.isfinite(p95).any() or np.isinf(p95).any()
        else math.nan,
        mean_cpu_utilization_pct=float(np.nanmean(cpu)) if np.isfinite(cpu).any() else math.nan,
        time_to_capacity=_time_to_capacity(out, spec, arrays),
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


def _on_nodes(out: RunOutput) -> np.ndarray:
    """Pods scheduled on a node at each tick (any phase from scheduling to deletion)."""
    n, tick = out.offered_rps.size, out.tick_s
    delta = np.zeros(n + 2, dtype=np.int64)
    for _created_s, scheduled_s, _ready_tick, end_tick, k in out.records:
        if not math.isnan(scheduled_s):
            delta[min(n + 1, max(0, math.ceil(scheduled_s / tick - 1e-9)))] += k
            delta[min(end_tick, n + 1)] -= k
    return np.cumsum(delta)[:n]


def _asked_and_placed(i0: int, i1: int, out: RunOutput, spec_replicas: np.ndarray,
                      need: np.ndarray) -> tuple[float, float]:
    """For an episode no pods closed (ticks ``i0`` to ``i1``): the first instant the spec replicas
    covered the offered load (``need`` pods per tick), and from then the first instant that many
    pods were scheduled on nodes (``inf`` when it never happened), so that the wait for nodes
    that never came (a group at ``max_size``) or for pods still starting when the load fell is
    not a controller hold."""
    need = need[i0:i1]
    asked = np.flatnonzero(spec_replicas[i0:i1] >= need)
    if not asked.size:
        return math.inf, math.inf
    j = int(asked[0])
    placed = np.flatnonzero(_on_nodes(out)[i0 + j:i1] >= need[j:])
    return (float((i0 + j) * out.tick_s),
            float((i0 + j + int(placed[0])) * out.tick_s) if placed.size else math.inf)


def _seconds_where(flags: np.ndarray, tick_s: int, a_s: float, b_s: float) -> float:
    """Seconds of ``[a_s, b_s)`` that fall in the ticks where ``flags`` holds (tick ``i`` spans
    ``[i * tick_s, (i + 1) * tick_s)``)."""
    if b_s <= a_s:
        return 0.0
    i = np.arange(int(a_s // tick_s), min(flags.size, math.ceil(b_s / tick_s - 1e-9)))
    i = i[flags[i]]
    return float(np.sum(np.minimum((i + 1) * tick_s, b_s) - np.maximum(i * tick_s, a_s)))


def _limits(out: RunOutput, spec: Any, spec_replicas: np.ndarray,
            need: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per tick: the spec replicas at the HPA's ``maxReplicas`` and short of the ``need``ed pods;
    every node group of the pod at ``max_size`` Ready nodes (see :class:`TimeToCapacity`)."""
    at_max_replicas = (spec_replicas >= spec.hpa.max_replicas) & (spec_replicas < need)
    at_max_nodes = np.ones(need.size, dtype=bool)
    for g, changes in zip(spec.node_groups, out.node_changes, strict=True):
        at_max_nodes &= _steps(changes, need.size) >= g.max_size
    return at_max_replicas, at_max_nodes


def _time_to_capacity(out: RunOutput, spec: Any,
                      arrays: dict[str, np.ndarray]) -> tuple[TimeToCapacity, ...]:
    tick = out.tick_s
    n = out.offered_rps.size
    capacity = out.ready_pods * spec.workload.capacity_rps_per_pod
    under = out.offered_rps > capacity + 1e-9
    if not under.any():
        return ()
    edges = np.diff(np.concatenate([[0], under.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    mp = spec.metrics
    first_sync = float(spec.controller.sync_period_s)
    sync_step = spec.controller.sync_period_s + spec.sync_duration_s
    by_ready: dict[int, list[tuple[float, float, int]]] = {}
    for created_s, scheduled_s, ready_tick, end_tick, k in out.records:
        if not math.isnan(scheduled_s) and end_tick > ready_tick:
            by_ready.setdefault(ready_tick, []).append((created_s, scheduled_s, k))
    cap = spec.workload.capacity_rps_per_pod
    need = np.ceil(out.offered_rps / cap - 1e-9)
    at_max_replicas, at_max_nodes = _limits(out, spec, arrays["spec_replicas"], need)
    episodes = []
    for i0, i1 in zip(starts, ends):
        t0, t1 = float(i0 * tick), float(i1 * tick)
        scrape = (mp.offset_s
                  + (math.floor((t0 - mp.offset_s) / mp.resolution_s) + 1) * mp.resolution_s)
        sync = (first_sync + max(0, math.ceil((scrape - first_sync) / sync_step)) * sync_step
                + spec.sync_duration_s)  # the scale write ends the sync
        created = scheduled = math.inf
        closed_by = "end" if i1 >= n else "load"
        if i1 < n and out.ready_pods[i1] > out.ready_pods[i1 - 1]:
            # the pods that closed the gap: in creation order, the first ones that suffice
            short = int(need[i1]) - int(out.ready_pods[i1 - 1])
            for c_s, s_s, k in sorted(by_ready.get(int(i1), [])):
                short -= k
                if short <= 0:
                    created, scheduled, closed_by = c_s, s_s, "pods"
                    break
        if closed_by != "pods":
            created, scheduled = _asked_and_placed(int(i0), int(i1), out,
                                                   arrays["spec_replicas"], need)
        marks = [t0]
        for x in (scrape, sync, created, scheduled, t1):
            marks.append(min(t1, max(marks[-1], x)))
        parts = [float(x) for x in np.diff(marks)]
        # the limits' seconds leave the interval they fell in
        ceiling = [_seconds_where(at_max_replicas, tick, a, b) for a, b in pairwise(marks[:4])]
        full = _seconds_where(at_max_nodes, tick, marks[3], marks[4])
        lag, wait, hold = (p - c for p, c in zip(parts[:3], ceiling, strict=True))
        episodes.append(TimeToCapacity(t0, t1, t1 - t0, lag, wait, hold, sum(ceiling),
                                       parts[3] - full, full, parts[4], closed_by))
    return tuple(episodes)


def format_summary(summary: SimulationSummary, fmt: str) -> str:
    """A :class:`~infra_toolkit.simulate.SimulationSummary` as a table, one JSON object or CSV.

    CSV is ``as_row()`` (the columns of ``simulate_many``) followed, as in the table, by the
    time-to-capacity breakdown summed over the episodes (``total_metric_lag_s`` ...); JSON lists
    every episode.
    """
    row = summary.as_row()
    if fmt == "json":
        data = {**row, "node_hours_by_instance_type": summary.node_hours_by_instance_type,
                "node_hours_by_node_group": summary.node_hours_by_node_group,
                "time_to_capacity": [asdict(e) for e in summary.time_to_capacity]}
        clean = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                 for k, v in data.items()}  # JSON has no NaN/Infinity
        return json.dumps(clean, indent=2)
    # the time-to-capacity breakdown, summed over the episodes (JSON lists each episode)
    for part in TimeToCapacity.PARTS:
        row[f"total_{part}"] = float(sum(getattr(e, part) for e in summary.time_to_capacity))
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(row), lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
        return buf.getvalue().rstrip("\n")
    # the table's labels say what the cost counts (CSV and JSON keep the column names)
    row = {(f"{k} (billed from launch)" if k.startswith("node_hours_") else k): v
           for k, v in row.items()}
    if not summary.time_to_capacity:  # no episode has no longest or mean, not 0 s (the report)
        row["max_time_to_capacity_s"] = row["mean_time_to_capacity_s"] = "-"
    width = max(map(len, row))
    # whole numbers in full and other values in fixed decimals (never 6 significant digits:
    # 2381580 s was printed 2.38158e+06)
    return "\n".join(
        f"{k:<{width}}  {np.format_float_positional(v, precision=6, trim='-')}"
        if isinstance(v, float) else f"{k:<{width}}  {v}" for k, v in row.items())
