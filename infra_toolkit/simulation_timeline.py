"""From a run's raw arrays to its timeline: one row per tick of ``tick_s`` (``timeline``), and a
change log ``[(tick, value), ...]`` as one value per tick (``per_tick``).

The columns (docs/DESIGN.md, "simulate → cost / report"): load and queue, desired and spec
replicas, pods by phase, Ready and launching nodes per node group, CPU utilization, p50 / p95 /
p99 latency (the queue's wait added), ``slo_violated`` (a percentile over its threshold in
``WorkloadSpec.slo_latency_ms``, requests dropped or pods saturated) and ``latency_saturated``.

Memory (audit15 A15-7: a month of 20 workloads held 1.4 GB of timelines): the count columns
are int32 in the frame (``narrow_counts``; replicas are int32 in the Kubernetes API, so every
count fits, and a value that did not would keep int64: never a wrapped number), and the frame
takes the run's arrays as they are rather than copying them into one block."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from infra_toolkit.cluster import RunOutput
from infra_toolkit.latency import (
    at_utilization_cap,
    response_time_percentile_ms,
    with_backlog_wait_ms,
)
from infra_toolkit.tick_buffers import first_tick_at

__all__ = ["COUNT_DTYPE", "narrow_counts", "per_tick", "timeline"]

#: the dtype of a timeline's count columns (pods, replicas, nodes)
COUNT_DTYPE = np.dtype(np.int32)
_COUNT_INFO = np.iinfo(COUNT_DTYPE)


def per_tick(changes: list[tuple[int, int]], n: int) -> np.ndarray:
    """The value at each of ``n`` ticks of a change log ``[(tick, value), ...]`` in tick order:
    the last change at or before the tick (the first one's value before it)."""
    ticks = np.array([c[0] for c in changes], dtype=np.int64)
    values = np.array([c[1] for c in changes], dtype=np.int64)
    if ticks.size > 1 and (ticks[1:] < ticks[:-1]).any():  # not in tick order: search each tick
        idx = np.searchsorted(ticks, np.arange(n), side="right") - 1
    else:  # the changes at or before each tick, counted per tick and summed (no search)
        idx = np.cumsum(np.bincount(np.clip(ticks, 0, n), minlength=n + 1)[:n]) - 1
    return values[np.maximum(idx, 0)]


def narrow_counts(values: np.ndarray) -> np.ndarray:
    """Integer counts as :data:`COUNT_DTYPE` (int32), or as they are if a value does not fit."""
    if values.size and (values.min() < _COUNT_INFO.min or values.max() > _COUNT_INFO.max):
        return values
    return values.astype(COUNT_DTYPE)


def timeline(out: RunOutput, spec: Any, frame: bool = True) -> tuple[pd.DataFrame | None,
                                                                    dict[str, np.ndarray]]:
    """Per-tick arrays of the run, and (``frame=True``) the timeline DataFrame built from them."""
    wl = spec.workload
    n = out.offered_rps.size
    tick = out.tick_s
    exist = np.zeros(n + 2, dtype=np.int64)
    pending = np.zeros(n + 2, dtype=np.int64)
    for created_s, scheduled_s, _ready_tick, end_tick, k in out.records:
        c = first_tick_at(created_s, tick, n + 1)
        run_s = scheduled_s + wl.running_s
        r = n + 1 if math.isnan(run_s) else first_tick_at(run_s, tick, n + 1)
        exist[c] += k
        exist[min(end_tick, n + 1)] -= k
        pending[c] += k
        pending[min(r, end_tick, n + 1)] -= k
    exist_t = np.cumsum(exist)[:n]
    pending_t = np.cumsum(pending)[:n]
    ready = out.ready_pods
    per_pod = np.divide(out.served_rps, ready, out=np.zeros(n), where=ready > 0)
    # the distinct rates, and each tick's among them by a search: np.unique's own inverse
    # argsorts every tick, twice the time
    unique = np.unique(per_pod)
    inverse = np.searchsorted(unique, per_pod)
    pct = {}
    capacity = ready * wl.capacity_rps_per_pod
    wait_ms = 1000.0 * np.divide(out.backlog_requests, capacity, out=np.zeros(n),
                                 where=capacity > 0)
    # no Ready pod: infinite while requests arrive or wait (a pull consumer's queue at zero)
    no_pod = np.where((out.offered_rps > 0) | (out.backlog_requests > 0), np.inf, np.nan)
    for q in (50, 95, 99):
        base = response_time_percentile_ms(q / 100, unique, np.ones_like(unique),
                                           wl.capacity_rps_per_pod, wl.concurrency,
                                           np.zeros_like(unique), np.zeros_like(unique))
        pct[q] = np.where(ready > 0, with_backlog_wait_ms(q / 100, base[inverse], wait_ms,
                                                          wl.capacity_rps_per_pod,
                                                          wl.concurrency, wl.consumer == "pull"),
                          no_pod)
    nodes = {g.name: per_tick(ch, n) for g, ch in zip(spec.node_groups, out.node_changes)}
    launching = {g.name: per_tick(ch, n)
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
        "desired_replicas": per_tick(out.desired_changes, n),
        "spec_replicas": per_tick(out.spec_changes, n),
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
    # the percentiles of these ticks are the model's ceiling: a bound, shown as such (a pull
    # consumer's are an estimate, latency.with_backlog_wait_ms: a value, judged as one)
    saturated = (ready > 0) & at_utilization_cap(per_pod, wl.capacity_rps_per_pod) \
        & (wl.consumer != "pull")
    # a lower bound cannot show the SLO was kept: saturated ticks violate it (as slo_check);
    # a tick over any percentile's threshold violates it, as the report counts any SLO
    violated = (out.dropped_rps > 0) | saturated
    for q, threshold_ms in wl.slo_latency_ms:
        violated |= pct[q] > threshold_ms
    arrays["slo_violated"] = violated
    arrays["latency_saturated"] = saturated
    if not frame:
        return None, arrays
    # the frame owns its columns (no copy into one block); the offered load is the caller's
    columns = {k: narrow_counts(v) if v.dtype.kind == "i" else v for k, v in arrays.items()}
    columns["offered_rps"] = np.array(out.offered_rps, dtype=np.float64)
    return pd.DataFrame(columns, copy=False), arrays

