"""The one-workload simulation loop: HPA syncs in time order over the pods, the metrics pipeline,
the nodes and the cluster autoscaler; :class:`RunOutput`, its raw result.

Internal to :mod:`infra_toolkit.simulate`, which documents the model. Time advances on a tick
grid (the gcd of the sync, metric, and autoscaler cadences, e.g. 5 s: :func:`_tick_grid`); pod
and node delays are exact numbers of seconds that take effect from the first tick at or after
them. Pods are held as cohorts (:mod:`infra_toolkit.controller_view`): nothing in the loop is per
pod. The pods, nodes, scheduler and scale-up are :class:`~infra_toolkit.cluster_nodes.ClusterNodes`
(the scale-down :mod:`infra_toolkit.cluster_scale_down`), the requests served and queued per tick
:class:`~infra_toolkit.request_queue.RequestQueue`, what the HPA reads
:class:`~infra_toolkit.controller_view.ControllerView`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from infra_toolkit.cluster_nodes import ClusterNodes
from infra_toolkit.controller_view import MIB_MILLI, ControllerView, metric_needs
from infra_toolkit.errors import SimulationError
from infra_toolkit.hpa import HPAState, reconcile
from infra_toolkit.keda_activation import keda_poll, trigger_values
from infra_toolkit.request_queue import RequestQueue
from infra_toolkit.tick_buffers import SyncLog, as_array, tick_floats

__all__ = ["RunOutput", "run_cluster"]


@dataclass
class RunOutput:
    """Raw per-tick arrays and logs of one run (see :mod:`infra_toolkit.simulate`)."""

    tick_s: int
    offered_rps: np.ndarray
    served_rps: np.ndarray
    dropped_rps: np.ndarray
    backlog_requests: np.ndarray
    ready_pods: np.ndarray
    records: list[tuple[float, float, int, int, int]]  # created s, scheduled s, ready/end tick, n
    spec_changes: list[tuple[int, int]]
    desired_changes: list[tuple[int, int]]
    node_changes: list[list[tuple[int, int]]]  # per group: (tick, Ready nodes)
    launching_changes: list[list[tuple[int, int]]]  # per group: (tick, launched, not yet Ready)
    syncs: SyncLog  # time, current, proposal, written, why
    events: list[tuple[float, str, int, int, str]]


def _tick_grid(spec: Any) -> int:
    """The simulation tick (s) of ``spec``: the gcd of its timings, each whole seconds."""
    parts = [spec.controller.sync_period_s, spec.sync_duration_s, spec.metrics.resolution_s,
             spec.metrics.sample_window_s, spec.metrics.offset_s, spec.autoscaler.scan_interval_s]
    keda = getattr(spec, "keda", None)
    if keda is not None:  # KEDA's polls fall on the grid
        parts.append(keda.polling_interval_s)
    for value in parts:
        if value != int(value):
            raise SimulationError(
                f"timing value {value} s is not a whole number of seconds; the simulation grid "
                "needs whole seconds for the sync period, sync duration, metric resolution, "
                "window, offset and autoscaler scan interval"
            )
    return math.gcd(*(int(v) for v in parts))


def run_cluster(rps_ticks: np.ndarray, tick_s: int, spec: Any) -> RunOutput:
    """Run one simulation over ``rps_ticks`` (offered rps per tick of ``tick_s`` seconds): the
    HPA's syncs in order, each after the node events due by then (nodes that become Ready, the
    autoscaler's scans: :class:`~infra_toolkit.cluster_nodes.ClusterNodes`) and the requests
    served up to it (:class:`~infra_toolkit.request_queue.RequestQueue`)."""
    hpa, wl, ca, mp, cfg = spec.hpa, spec.workload, spec.autoscaler, spec.metrics, spec.controller
    n_ticks = rps_ticks.size
    horizon_s = n_ticks * tick_s
    cn = ClusterNodes(spec, tick_s, n_ticks)
    initial = spec.initial_replicas
    cn.start(initial)  # warm pods on enough nodes
    cn.replicas = spec_replicas = initial
    load = RequestQueue(rps_ticks, tick_s, wl, cn.ready_delta)
    requests = {"cpu": int(wl.cpu_request_millicores),
                "memory": math.ceil(wl.memory_request_mib * MIB_MILLI)}
    needs = metric_needs(hpa, memory_model=wl.memory_baseline_mib is not None,
                         queue_depth=wl.queue_depth_metrics)
    cum_offered = tick_floats(np.concatenate([[0.0], np.cumsum(rps_ticks)]))
    view = ControllerView(tick_s, mp, mp.sample_window_s // tick_s, wl, load.cum_load,
                          cum_offered, requests, needs, load.backlog_l)

    syncs = SyncLog()
    spec_changes = [(0, initial)]
    desired_changes = [(0, initial)]
    state = HPAState()
    next_scan = float(ca.scan_interval_s)
    upcoming, scan, arrive = cn.upcoming, cn.scan, cn.arrive

    def events_until(t: float) -> None:
        # node arrivals and scans due by ``t``, in time order (an arrival before a scan at
        # the same instant)
        nonlocal next_scan
        scan_s = ca.scan_interval_s
        while True:
            if not upcoming:  # the usual case: only scans are due
                if next_scan > t:
                    return
                scan(next_scan)
                next_scan += scan_s
                continue
            arrival = upcoming[0][0]
            if min(arrival, next_scan) > t:
                return
            if arrival <= next_scan:
                arrive(arrival)
            else:
                scan(next_scan)
                next_scan += scan_s

    sync_step = cfg.sync_period_s + spec.sync_duration_s
    t_sync = float(cfg.sync_period_s)
    sync_ticks = int(sync_step) // tick_s
    write_delay_s = float(spec.sync_duration_s)
    write_ticks = int(spec.sync_duration_s) // tick_s
    now_tick = int(t_sync) // tick_s
    cohorts, events = cn.cohorts, cn.events
    read, advance, metrics_step = view.read, load.advance, view.metrics_step
    append_sync = syncs.append
    keda = getattr(spec, "keda", None)
    queued = frozenset(wl.queue_depth_metrics)
    series = (rps_ticks, load.served, load.backlog_l, load.dropped)
    per_request_s = wl.concurrency / wl.capacity_rps_per_pod  # in flight: Little's law
    pull = wl.consumer == "pull"
    next_poll = float(keda.polling_interval_s) if keda is not None else math.inf
    last_active: float | None = None

    def polls_before(t: float) -> None:
        # KEDA's polls before ``t``, each after the node events due by then (see simulate.py)
        nonlocal next_poll, last_active, spec_replicas
        assert keda is not None
        while next_poll < t and next_poll < horizon_s:
            t_poll, next_poll = next_poll, next_poll + keda.polling_interval_s
            events_until(t_poll)
            done = int(t_poll) // tick_s
            advance(done)
            values = trigger_values(keda, queued, series, tick_s, per_request_s, done,
                                    pull=pull)
            decision = keda_poll(keda, spec_replicas, values, t_poll, last_active)
            last_active = decision.last_active_s
            new_size = decision.replicas
            if new_size is None or new_size == spec_replicas:
                continue
            events.append((t_poll, "keda_scale", spec_replicas, new_size, decision.reason))
            if new_size > spec_replicas:
                cn.create(new_size - spec_replicas, t_poll)
            else:
                cn.delete(spec_replicas - new_size, t_poll)
            cn.replicas = spec_replicas = new_size
            spec_changes.append((done, new_size))

    while t_sync < horizon_s:
        if next_poll <= t_sync:  # a poll at the sync's instant runs before it
            polls_before(t_sync + 1e-9)
        if next_scan <= t_sync or (upcoming and upcoming[0][0] <= t_sync):
            events_until(t_sync)
        advance(now_tick)
        pods, snapshot = read(cohorts, t_sync, cn.version)
        result = reconcile(hpa, spec_replicas, pods, snapshot, state, t_sync, cfg, spec_replicas,
                           metrics_step=metrics_step)
        state = result.state
        proposal = result.metric_desired_replicas  # None when every metric failed
        new = result.desired_replicas
        limited = result.scaling_limited
        append_sync((t_sync, spec_replicas, proposal, new,
                     limited.reason if limited is not None else (result.error or "")))
        if proposal is not None and desired_changes[-1][1] != proposal:
            desired_changes.append((now_tick, proposal))
        # the controller writes the scale when the sync ends, ``sync_duration_s`` after it read
        if new != spec_replicas and (t_write := t_sync + write_delay_s) < horizon_s:
            if next_poll < t_write:  # KEDA's polls between the read and the write
                polls_before(t_write)
            if write_delay_s and (next_scan <= t_write or (upcoming and upcoming[0][0] <= t_write)):
                events_until(t_write)
            events.append((t_write, "hpa_scale", spec_replicas, new,
                           (f"{result.rescale_reason}; proposal {proposal}, limit "
                            f"{result.scaling_limited_reason}")))
            if new > spec_replicas:
                cn.create(new - spec_replicas, t_write)
            else:
                cn.delete(spec_replicas - new, t_write)
            cn.replicas = spec_replicas = new
            spec_changes.append((now_tick + write_ticks, new))
        t_sync += sync_step
        now_tick += sync_ticks
    if next_poll < horizon_s:
        polls_before(horizon_s)
    events_until(horizon_s - 1e-9)
    advance(n_ticks)
    records = cn.records
    for c in cohorts:
        records.append((c.created_s, c.scheduled_s, c.ready_tick, n_ticks, len(c.names)))
    return RunOutput(tick_s, rps_ticks, as_array(load.served), as_array(load.dropped),
                     as_array(load.backlog_l), as_array(load.ready_l), records,
                     spec_changes, desired_changes, cn.node_changes, cn.launching_changes,
                     syncs, events)
