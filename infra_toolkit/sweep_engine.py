"""The sweep engine: many variants of one simulation stepped together through one tick grid.

:func:`run_batch` is :func:`infra_toolkit.cluster.run_cluster` plus
:func:`infra_toolkit.simulation_summary.summarize` for a batch of specs that share a
:func:`~infra_toolkit.sweep_params.batch_key`, with numpy arrays of one slot per variant in place
of the scalar loop's Python objects. The order of a run is the scalar loop's, instant by instant:

1. at each sync time, first every autoscaler scan due (nodes arriving at or before a scan are
   Ready before it), then the nodes arriving up to the sync (:mod:`infra_toolkit.sweep_cluster`);
2. the ticks up to the sync: ready pods from the ring of ready deltas, served, dropped and queued
   load (:mod:`infra_toolkit.request_queue`'s rule: a push consumer's backlog capped at what its
   Ready pods serve in ``queue_timeout_s``, a pull consumer's at the arrivals of that time),
   and the prefix sums of load per ready pod that metric samples average over;
3. what the controller reads (``controller_view``): pod classes and sample sums per variant
   (:func:`metric_inputs`), through a shortcut for variants whose pods have all been Ready and
   past their CPU burst for a whole window (every sample is then equal, as in the scalar view);
4. one ``hpa.reconcile`` per variant (:func:`infra_toolkit.sweep_hpa.reconcile_batch`), then
   the pods it creates or deletes;
5. after the last sync, the scans and arrivals up to the end of the curve, and the last ticks.

Per-tick figures go to :class:`~infra_toolkit.sweep_summary.TickSummary`. A variant whose latency
maximum the streamed figures cannot prove comes back in ``uncertain``: run it on the scalar path.
With ``record=True`` the engine also returns each variant's sync table and event log, in the
scalar wording, for the differential tests.

Throughout the engine a mask is tested with ``np.count_nonzero`` and turned into row numbers
with ``.nonzero()[0]``: on arrays of a few hundred variants these cost a quarter of
``ndarray.any`` and ``np.flatnonzero``, and a batch calls them some twenty times a sync.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from infra_toolkit.controller_view import MIB_MILLI
from infra_toolkit.simulation_summary import summary_row
from infra_toolkit.sweep_cluster import Cluster
from infra_toolkit.sweep_history import Recommendations, ScaleEvents, window_lags
from infra_toolkit.sweep_hpa import MetricInputs, SyncOutcome, reconcile_batch
from infra_toolkit.sweep_logs import event_logs, sync_tables
from infra_toolkit.sweep_params import (
    CPU_AVG,
    CPU_UTIL,
    MEM_AVG,
    MEM_UTIL,
    PODS_AVG,
    Variants,
)
from infra_toolkit.sweep_summary import TickSummary

__all__ = ["BatchOutput", "metric_inputs", "run_batch"]


@dataclass
class BatchOutput:
    """Summary rows (``SimulationSummary.as_row`` layout, without ``name``), the rows to redo
    on the scalar path, and with ``record`` the sync tables and event logs per variant."""

    rows: list[dict[str, Any]]
    uncertain: np.ndarray
    syncs: list[list[tuple[float, int, int | None, int, str]]] | None = None
    events: list[list[tuple[float, str, int, int, str]]] | None = None


def _pow2(x: int) -> int:
    return 1 << max(4, int(x - 1).bit_length())


def metric_inputs(c: Cluster, v: Variants, t: float, ts: float, a: int, b: int, cum: np.ndarray,
                  cmask: int, cur: np.ndarray, total: int) -> MetricInputs:
    """What the HPA reads at sync ``t`` from the scrape at ``ts`` (window ticks ``a:b``)."""
    p, kinds = v.a, set(v.kinds)
    n = cur.size
    tick, wt = v.tick_s, b - a
    window = float(wt * tick)
    cum_b = cum[b & cmask]
    load = (cum_b - cum[a & cmask]) / wt
    settled = (ts - window) >= c.settled_from
    zero = np.zeros(n, dtype=np.int64)
    count = np.where(settled, cur, 0)
    usage = {"cpu": zero, "memory": zero, "rps": zero}
    if kinds & {CPU_UTIL, CPU_AVG}:
        usage["cpu"] = count * np.ceil(p["baseline"] + p["per_rps"] * load - 1e-9).astype(np.int64)
    if kinds & {MEM_UTIL, MEM_AVG}:
        usage["memory"] = count * _memory_milli(p, load)
    if PODS_AVG in kinds:
        usage["rps"] = count * np.ceil(1000.0 * load - 1e-9).astype(np.int64)
    rows = (~settled).nonzero()[0]
    if not rows.size:  # every variant settled: the arrays are only read from here on
        return MetricInputs(count, zero, zero, count, zero, zero, usage["cpu"], usage["memory"],
                            usage["rps"], count > 0, count, True, total)
    x = MetricInputs(ready_c=count.copy(), unready_c=zero.copy(), missing_c=zero.copy(),
                     ready_n=count.copy(), unready_n=zero.copy(), missing_n=zero.copy(),
                     usage_cpu=usage["cpu"].copy(), usage_memory=usage["memory"].copy(),
                     usage_rps=usage["rps"].copy(), sampled=count > 0,
                     running_ready=count.copy(), snapshot=True, total_milli=total)
    _detailed(c, v, rows, t, ts, window, a, b, cum, cmask, cum_b, x, kinds)
    return x


def _memory_milli(p: dict[str, np.ndarray], load: np.ndarray) -> npt.NDArray[np.int64]:
    """``controller_view._memory_milli``: the working set at ``load`` rps, milli-bytes."""
    mib = p["mem_base"] + p["mem_per_rps"] * load
    milli: npt.NDArray[np.int64] = np.ceil(mib * MIB_MILLI - 1e-3).astype(np.int64)
    return milli


def _detailed(c: Cluster, v: Variants, rows: np.ndarray, t: float, ts: float, window: float,
              a: int, b: int, cum: np.ndarray, cmask: int, cum_b: np.ndarray, x: MetricInputs,
              kinds: set[int]) -> None:
    """Cohort by cohort, for the variants with pods still starting (``controller_view``)."""
    p = v.a
    cnt = c.cnt[rows]
    live = cnt > 0
    group, running = c.group[rows], c.running[rows]
    ready_tick = c.ready_tick[rows]
    pending = live & ((group < 0) | (t < running))
    has = live & (group >= 0) & ~(running + window > ts)
    missing = live & ~pending & ~has
    ready_s = ready_tick * float(v.tick_s)
    is_ready = t >= ready_s
    since = np.maximum(a, np.minimum(ready_tick, b))
    load = (cum_b[rows][:, None] - cum[since & cmask, rows[:, None]]) / (b - a)

    def total(mask: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
        w = np.where(mask, cnt, 0)
        summed: np.ndarray = (w if values is None else w * values).sum(axis=1)
        return summed

    x.ready_n[rows] = total(has)
    x.unready_n[rows] = total(pending)
    x.missing_n[rows] = total(missing)
    x.sampled[rows] = x.ready_n[rows] > 0
    x.running_ready[rows] = total(live & ~pending & is_ready)
    if kinds & {CPU_UTIL, CPU_AVG}:
        pr = {k: p[k][rows, None] for k in ("baseline", "startup_mc", "startup_cpu_s", "per_rps",
                                            "cpu_init", "ready_delay")}
        burst_end = running + pr["startup_cpu_s"]
        burst = np.maximum(0.0, np.minimum(ts, burst_end) - (ts - window)) / window
        usage = pr["baseline"] + pr["startup_mc"] * burst + pr["per_rps"] * load
        sample = np.ceil(usage - 1e-9).astype(np.int64)
        start = c.sched[rows]
        transition = np.where(is_ready, ready_s, start)
        initializing = start + pr["cpu_init"] > t
        unready = np.where(initializing, ~is_ready | (ts < transition + window),
                           ~is_ready & (start + pr["ready_delay"] > transition))
        counted = has & ~unready
        x.ready_c[rows] = total(counted)
        x.unready_c[rows] = total(pending | (has & unready))
        x.missing_c[rows] = total(missing)
        x.usage_cpu[rows] = total(counted, sample)
    if kinds & {MEM_UTIL, MEM_AVG}:
        mib = p["mem_base"][rows, None] + p["mem_per_rps"][rows, None] * load
        x.usage_memory[rows] = total(has, np.ceil(mib * MIB_MILLI - 1e-3).astype(np.int64))
    if PODS_AVG in kinds:
        x.usage_rps[rows] = total(has, np.ceil(1000.0 * load - 1e-9).astype(np.int64))


def run_batch(rps_ticks: np.ndarray, v: Variants, record: bool = False) -> BatchOutput:
    """Run every variant of ``v`` over ``rps_ticks`` (offered rps per tick of ``v.tick_s``)."""
    p = v.a
    n_ticks, tick = rps_ticks.size, v.tick_s
    nv = len(v.specs)
    horizon = n_ticks * tick
    sync_ticks = v.sync_step_s // tick
    wt = v.window_s // tick
    delay_ticks = int(np.max((p["pull"] + p["s2r"]) / tick, initial=0.0)) + 2
    log: list[tuple[Any, ...]] | None = [] if record else None
    c = Cluster(v, n_ticks, _pow2(sync_ticks + delay_ticks + 8), log)
    cmask = _pow2(v.resolution_s // tick + wt + sync_ticks + 4) - 1
    cum = np.zeros((cmask + 1, nv))
    cum_offered = np.concatenate([[0.0], np.cumsum(rps_ticks)]).tolist()
    summary = TickSummary(p, rps_ticks, tick)
    history = Recommendations(nv, window_lags(v), need_min=not v.legacy)
    ups = None if v.legacy else ScaleEvents(nv)
    downs = None if v.legacy else ScaleEvents(nv)
    zero_flag = np.zeros(nv, dtype=bool)
    spec = p["initial"].copy()
    spec_area = np.zeros(nv, dtype=np.int64)
    spec_last = np.zeros(nv, dtype=np.int64)
    peak = spec.copy()
    scale_events = np.zeros(nv, dtype=np.int64)
    flaps = np.zeros(nv, dtype=np.int64)
    last_change = np.zeros(nv, dtype=np.int64)
    last_time = np.full(nv, -np.inf)
    sync_log: list[tuple[float, np.ndarray, SyncOutcome]] = []
    hpa_log: list[tuple[float, np.ndarray, np.ndarray, SyncOutcome]] = []

    rps = (rps_ticks * tick).tolist()  # offered requests per tick (the scalar's rps * tick)
    cap, timeout = p["cap"], p["timeout"]
    ring, rmask = c.ring, c.ring_mask
    ready, backlog, acc = np.zeros(nv), np.zeros(nv), np.zeros(nv)
    rc, gone, left, drop, one = (np.zeros(nv) for _ in range(5))  # tick temporaries
    done = [0]

    queues = bool(np.count_nonzero(timeout))
    # a pull consumer's cap on the backlog: the arrivals of its last ``queue_timeout_s``
    # (request_queue.recent_arrivals, the same prefix sums and the same operations per tick),
    # cum_k[m] = the work of the ticks before m - kmax, work_k[m] = the work of tick m - kmax
    pulls = (p["pull_consumer"] & (timeout > 0)).nonzero()[0]
    if pulls.size:
        k_ticks = timeout[pulls] // tick
        frac = (timeout[pulls] - k_ticks * tick) / tick
        kmax = int(k_ticks.max())
        offered = rps_ticks * tick
        cum_k = np.concatenate([np.zeros(kmax + 1), np.cumsum(offered)])
        work_k = np.concatenate([np.zeros(kmax), offered])
        lo_at = (kmax + 1 - k_ticks).astype(np.int64)  # + i: the window's first tick
        work_at = (kmax - k_ticks).astype(np.int64)  # + i: the tick before the window

    def advance(to_tick: int) -> None:
        # ready counts are float64 (exact small integers): the same values as the scalar ints
        # in every product and quotient, without a conversion per operation
        nonlocal backlog, acc
        end = min(to_tick, n_ticks)
        for i in range(done[0], end):
            k = summary.row()
            r = i & rmask
            np.add(ready, ring[r], out=ready)
            ring[r] = 0.0
            np.multiply(ready, cap, out=rc)
            if queues:
                work = backlog + rps[i]
                np.minimum(work, np.multiply(rc, tick, out=gone), out=gone)  # served requests
                np.subtract(work, gone, out=left)
                np.multiply(rc, timeout, out=drop)  # a push consumer's cap
                if pulls.size:
                    drop[pulls] = (cum_k[kmax + 1 + i] - cum_k[lo_at + i]) + frac * work_k[
                        work_at + i]
                np.maximum(np.subtract(left, drop, out=drop), 0.0, out=drop)
                backlog = left - drop
                summary.backlog[k] = backlog
            else:  # no queue anywhere: the backlog stays 0 and all that is left is dropped
                np.minimum(np.multiply(rc, tick, out=gone), rps[i], out=gone)
                np.subtract(rps[i], gone, out=drop)
            served = np.divide(gone, tick, out=summary.served[k])
            np.divide(drop, tick, out=summary.dropped[k])
            summary.ready[k] = ready
            summary.filled = k + 1
            acc = acc + served / np.maximum(ready, 1.0, out=one)
            cum[(i + 1) & cmask] = acc
        done[0] = max(done[0], end)

    def events_until(t: float, scan_at: list[float]) -> None:
        while scan_at[0] <= t:
            c.arrivals(scan_at[0])
            c.scan(scan_at[0])
            scan_at[0] += v.scan_interval_s
        c.arrivals(t)

    scan_at = [float(v.scan_interval_s)]
    s, t_sync, now_tick = 0, float(v.sync_period_s), v.sync_period_s // tick
    write_s = v.sync_step_s - v.sync_period_s  # sync_duration_s
    write_ticks = write_s // tick
    res, off = v.resolution_s, v.offset_s
    while t_sync < horizon:
        events_until(t_sync, scan_at)
        advance(now_tick)
        ts = off + math.floor((t_sync - off) / res) * res
        b = round(ts / tick)
        a = b - wt
        if a >= 0:
            total = math.ceil(1000.0 * (cum_offered[b] - cum_offered[a]) / wt - 1e-9)
            x = metric_inputs(c, v, t_sync, float(ts), a, b, cum, cmask, spec, total)
        else:
            x = _no_snapshot(nv)
        out = reconcile_batch(v, s, t_sync, spec, x, history, ups, downs, zero_flag, record)
        written = out.written
        if record:
            sync_log.append((t_sync, spec.copy(), out))
        changed = (written != spec).nonzero()[0]
        # the controller writes the scale when the sync ends, ``sync_duration_s`` after it read
        t_write, write_tick = t_sync + write_s, now_tick + write_ticks
        if changed.size and t_write < horizon:
            if write_s:
                events_until(t_write, scan_at)
            if record:
                hpa_log.append((t_write, changed, spec[changed].copy(), out))
            old, new = spec[changed], written[changed]
            up = new > old
            c.create(changed[up], new[up] - old[up], np.full(int(up.sum()), t_write))
            c.delete(changed[~up], old[~up] - new[~up], t_write)
            spec_area[changed] += old * (write_tick - spec_last[changed])
            spec_last[changed] = write_tick
            step = new - old
            flaps[changed] += ((step * last_change[changed] < 0)
                               & (t_write - last_time[changed] <= p["flap_window"][changed]))
            last_change[changed], last_time[changed] = step, t_write
            scale_events[changed] += 1
            peak[changed] = np.maximum(peak[changed], new)
            spec = written.copy()
        s += 1
        t_sync += v.sync_step_s
        now_tick += sync_ticks
    events_until(horizon - 1e-9, scan_at)
    advance(n_ticks)
    spec_area += spec * (n_ticks - spec_last)
    fig = summary.finish()
    rows = _rows(v, rps_ticks, fig, spec_area, c.billed_areas(), peak, scale_events, flaps, c)
    result = BatchOutput(rows, fig["uncertain"])
    if record:
        result.syncs = sync_tables(v, sync_log)
        result.events = event_logs(v, c, hpa_log)
    return result


def _no_snapshot(n: int) -> MetricInputs:
    z = np.zeros(n, dtype=np.int64)
    return MetricInputs(z, z, z, z, z, z, z, z, z, np.zeros(n, dtype=bool), z, False, 0)


def _rows(v: Variants, rps_ticks: np.ndarray, fig: dict[str, Any], spec_area: np.ndarray,
          billed_area: np.ndarray, peak: np.ndarray, scale_events: np.ndarray, flaps: np.ndarray,
          c: Cluster) -> list[dict[str, Any]]:
    """``summarize`` per variant, in the layout of ``SimulationSummary.as_row``."""
    tick = v.tick_s
    n = rps_ticks.size
    hours = tick / 3600.0
    offered = float(rps_ticks.sum()) * tick
    rows = []
    for i, spec in enumerate(v.specs):
        node_hours: dict[str, float] = {}
        for g, grp in enumerate(spec.node_groups):
            node_hours[grp.instance_type] = (node_hours.get(grp.instance_type, 0.0)
                                             + float(billed_area[i, g]) * hours)
        count = fig["cpu_count"][i]
        scalars = {
            "duration_s": float(n * tick),
            "pod_hours": float(spec_area[i]) * hours,
            "peak_replicas": int(peak[i]),
            "scale_events": int(scale_events[i]),
            "flaps": int(flaps[i]),
            "node_scale_ups": int(c.node_ups[i]),
            "node_scale_downs": int(c.node_downs[i]),
            "slo_violation_minutes": float(fig["slo_ticks"][i]) * tick / 60.0,
            "offered_requests": offered,
            "served_requests": float(fig["served"][i]) * tick,
            "dropped_requests": float(fig["dropped"][i]) * tick,
            "max_p95_latency_ms": float(fig["max_p95"][i]),
            "mean_cpu_utilization_pct": float(fig["cpu_sum"][i] / count) if count else math.nan,
        }
        rows.append(summary_row(scalars, node_hours, fig["episodes"][i]))
    return rows
