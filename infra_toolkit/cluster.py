"""The cluster simulation loop: pods, metrics pipeline, HPA syncs, nodes and cluster autoscaler.

Internal to :mod:`infra_toolkit.simulate`, which documents the model. Time advances on a tick
grid (the gcd of the sync, metric, and autoscaler cadences, e.g. 5 s); pod and node delays are
exact numbers of seconds that take effect from the first tick at or after them. Pods are held
as *cohorts*: pods created at the same instant and placed on the same node group share one
timeline, so nothing in the loop is per pod except the :class:`~infra_toolkit.hpa.Pod` records
the controller reads (built once per cohort state and reused).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np

from infra_toolkit.errors import SimulationError
from infra_toolkit.hpa import (
    HPASpec,
    HPAState,
    MetricsSnapshot,
    Pod,
    PodSample,
    reconcile,
)
from infra_toolkit.nodes import pod_slots

__all__ = ["MetricNeeds", "RunOutput", "metric_needs", "run_cluster"]

_LONG_AGO_S = -1.0e9  # start time of the pods that exist when the simulation begins
_NOT_YET = 1 << 62


@dataclass(frozen=True)
class MetricNeeds:
    """Which metrics the HPA reads: CPU samples, per-pod rps (Pods metric names) and the total
    request rate (Object / External metric names)."""

    cpu: bool
    pods: tuple[str, ...]
    object: tuple[str, ...]
    external: tuple[str, ...]


def metric_needs(hpa: HPASpec) -> MetricNeeds:
    """What to feed the controller for ``hpa``'s metrics; a metric the simulation cannot produce
    is a :class:`SimulationError` naming it and the supported ones."""
    cpu = False
    pods: list[str] = []
    objects: list[str] = []
    external: list[str] = []
    for i, m in enumerate(hpa.metrics):
        if m.type == "Resource" and m.resource is not None and m.resource.name == "cpu":
            cpu = True
        elif m.type == "Pods" and m.pods is not None:
            pods.append(m.pods.metric.name)
        elif m.type == "Object" and m.object is not None:
            objects.append(m.object.metric.name)
        elif m.type == "External" and m.external is not None:
            external.append(m.external.metric.name)
        else:
            what = m.resource.name if m.resource is not None else ""
            raise SimulationError(
                f"HPA {hpa.name!r} spec.metrics[{i}] ({m.type} {what}".rstrip() + ") cannot be "
                "simulated; supported: Resource cpu (the workload's CPU model), Pods (read as "
                "requests per second per pod), Object and External (read as the total requests "
                "per second)"
            )
    return MetricNeeds(cpu, tuple(pods), tuple(objects), tuple(external))


@dataclass
class _Cohort:
    names: list[str]
    created_s: float
    group: int = -1  # -1: Pending, not yet on a node
    scheduled_s: float = math.nan
    running_s: float = math.inf
    ready_tick: int = _NOT_YET
    view: tuple[Any, ...] = ()  # (state key, pods) cache of the controller's view


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
    node_changes: list[list[tuple[int, int]]]
    syncs: list[tuple[float, int, int | None, int, str]]  # time, current, proposal, written, why
    events: list[tuple[float, str, int, int, str]]
    scrape_times_s: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _tick_grid(spec: Any) -> int:
    parts = [spec.controller.sync_period_s, spec.sync_duration_s, spec.metrics.resolution_s,
             spec.metrics.sample_window_s, spec.metrics.offset_s, spec.autoscaler.scan_interval_s]
    for value in parts:
        if value != int(value):
            raise SimulationError(
                f"timing value {value} s is not a whole number of seconds; the simulation grid "
                "needs whole seconds for the sync period, sync duration, metric resolution, "
                "window, offset and autoscaler scan interval"
            )
    return math.gcd(*(int(v) for v in parts))


def run_cluster(rps_ticks: np.ndarray, tick_s: int, spec: Any) -> RunOutput:
    """Run one simulation over ``rps_ticks`` (offered rps per tick of ``tick_s`` seconds)."""
    hpa, wl, groups, ca, mp, cfg = (spec.hpa, spec.workload, spec.node_groups, spec.autoscaler,
                                    spec.metrics, spec.controller)
    n_ticks = rps_ticks.size
    horizon_s = n_ticks * tick_s
    slots = [pod_slots(g, wl.cpu_request_millicores, wl.memory_request_mib) for g in groups]
    pod_fraction = [max(wl.cpu_request_millicores / g.allocatable_cpu_millicores,
                        wl.memory_request_mib / g.allocatable_memory_mib) for g in groups]
    n_groups = len(groups)
    cpu_request = int(wl.cpu_request_millicores)
    requests = {"cpu": cpu_request}
    startup_to_ready_s = wl.app_start_s + wl.readiness_delay_s
    window_s = mp.sample_window_s
    window_ticks = window_s // tick_s
    needs = metric_needs(hpa)

    ready_delta = np.zeros(n_ticks + 2, dtype=np.int64)
    served = np.zeros(n_ticks)
    dropped = np.zeros(n_ticks)
    backlog_arr = np.zeros(n_ticks)
    ready_arr = np.zeros(n_ticks, dtype=np.int64)
    cum_load = np.zeros(n_ticks + 1)  # prefix sums of rps per ready pod
    cum_offered = np.concatenate([[0.0], np.cumsum(rps_ticks)])

    records: list[tuple[float, float, int, int, int]] = []
    events: list[tuple[float, str, int, int, str]] = []
    syncs: list[tuple[float, int, int | None, int, str]] = []
    cohorts: list[_Cohort] = []
    serial = [0]
    version = [0]  # bumped whenever pods are created, placed or removed
    n_pending = [0]  # pods not yet on a node
    view_cache = _ViewCache()

    def tick_at(t: float) -> int:
        return min(n_ticks + 1, max(0, math.ceil(t / tick_s - 1e-9)))

    def new_names(n: int) -> list[str]:
        first = serial[0]
        serial[0] += n
        return [f"p{i}" for i in range(first, first + n)]

    # ---- nodes and placement -------------------------------------------------------------
    ready_nodes = [g.min_size for g in groups]
    scheduled = [0] * n_groups
    upcoming: list[tuple[float, int, int]] = []  # (ready time, group, nodes)
    unneeded_since: list[float | None] = [None] * n_groups
    last_scale_up_s = [-math.inf]
    stuck = [False]
    node_changes: list[list[tuple[int, int]]] = [[(0, n)] for n in ready_nodes]

    def place(t: float) -> None:
        i = 0
        while i < len(cohorts):
            c = cohorts[i]
            if c.group >= 0:
                i += 1
                continue
            for g in range(n_groups):
                free = ready_nodes[g] * slots[g] - scheduled[g]
                if free <= 0:
                    continue
                k = min(free, len(c.names))
                if k < len(c.names):  # split: the placed part becomes its own cohort
                    placed = _Cohort(c.names[:k], c.created_s)
                    del c.names[:k]
                    cohorts.insert(i, placed)
                    c = placed
                c.group = g
                c.scheduled_s = t
                c.running_s = t + wl.image_pull_s
                c.ready_tick = tick_at(c.running_s + startup_to_ready_s)
                ready_delta[min(c.ready_tick, n_ticks + 1)] += k
                scheduled[g] += k
                n_pending[0] -= k
                version[0] += 1
                break
            i += 1

    def remove(c: _Cohort, k: int, t: float) -> None:
        j = tick_at(t)
        if c.group >= 0:
            scheduled[c.group] -= k
            ready_delta[min(max(j, c.ready_tick), n_ticks + 1)] -= k
        else:
            n_pending[0] -= k
        records.append((c.created_s, c.scheduled_s, c.ready_tick, j, k))
        del c.names[len(c.names) - k:]
        version[0] += 1
        if not c.names:
            cohorts.remove(c)

    def create(n: int, t: float) -> None:
        cohorts.append(_Cohort(new_names(n), t))
        n_pending[0] += n
        version[0] += 1
        place(t)

    def delete(n: int, t: float) -> None:
        # ReplicaSet order: unscheduled first, then not ready, then ready; newest first in each
        for rank in (0, 1, 2):
            for c in reversed(list(cohorts)):
                if n == 0:
                    return
                state = 0 if c.group < 0 else (1 if c.ready_tick * tick_s > t else 2)
                if state == rank:
                    k = min(n, len(c.names))
                    remove(c, k, t)
                    n -= k

    def set_nodes(g: int, t: float) -> None:
        node_changes[g].append((tick_at(t), ready_nodes[g]))

    def ca_scan(t: float) -> None:
        pending = n_pending[0]
        need = pending - sum(n * slots[g] for _, g, n in upcoming) if pending else 0
        if need > 0:
            for g, grp in enumerate(groups):
                in_flight = sum(n for _, gg, n in upcoming if gg == g)
                room = grp.max_size - ready_nodes[g] - in_flight
                k = min(room, math.ceil(need / slots[g]))
                if k <= 0:
                    continue
                upcoming.append((t + ca.provisioning_delay_s, g, k))
                upcoming.sort()
                events.append((t, f"node_scale_up:{grp.name}", ready_nodes[g] + in_flight,
                               ready_nodes[g] + in_flight + k,
                               (f"{pending} pending pod(s) need {k} more {grp.instance_type} "
                                f"node(s), Ready at {t + ca.provisioning_delay_s:g} s")))
                last_scale_up_s[0] = t
                need -= k * slots[g]
                if need <= 0:
                    break
            if need > 0 and not stuck[0]:
                events.append((t, "node_scale_up_failed", 0, 0,
                               f"{need} pending pod(s) fit no node group: all at max_size"))
            stuck[0] = need > 0
        else:
            stuck[0] = False
        if pending or t - last_scale_up_s[0] < ca.scale_down_delay_after_add_s:
            unneeded_since[:] = [None] * n_groups
            return
        total_slots = sum(ready_nodes[g] * slots[g] for g in range(n_groups))
        total_pods = sum(scheduled)
        for g in reversed(range(n_groups)):
            nodes = ready_nodes[g]
            util = scheduled[g] * pod_fraction[g] / nodes if nodes else 1.0
            if (nodes <= groups[g].min_size or util >= ca.scale_down_utilization_threshold
                    or total_slots - slots[g] < total_pods):
                unneeded_since[g] = None
                continue
            if unneeded_since[g] is None:
                unneeded_since[g] = t
            if t - unneeded_since[g] >= ca.scale_down_unneeded_s:  # type: ignore[operator]
                evicted = scheduled[g] // nodes
                ready_nodes[g] -= 1
                set_nodes(g, t)
                events.append((t, f"node_scale_down:{groups[g].name}", nodes, nodes - 1,
                               (f"utilization {util:.0%} < "
                                f"{ca.scale_down_utilization_threshold:.0%} for "
                                f"{ca.scale_down_unneeded_s:g} s; {evicted} pod(s) evicted")))
                for c in [c for c in cohorts if c.group == g]:
                    if evicted == 0:
                        break
                    k = min(evicted, len(c.names))
                    remove(c, k, t)
                    evicted -= k
                    cohorts.append(_Cohort(new_names(k), t))
                    n_pending[0] += k
                    version[0] += 1
                place(t)
                return  # one node per scan

    # ---- initial state: warm pods on enough nodes ----------------------------------------
    initial = spec.initial_replicas
    short = initial - sum(ready_nodes[g] * slots[g] for g in range(n_groups))
    for g in range(n_groups):
        add = max(0, min(groups[g].max_size - ready_nodes[g], math.ceil(short / slots[g])))
        ready_nodes[g] += add
        short -= add * slots[g]
        node_changes[g] = [(0, ready_nodes[g])]
    if initial:
        cohorts.append(_Cohort(new_names(initial), _LONG_AGO_S))
        n_pending[0] += initial
        place(_LONG_AGO_S)
        if cohorts[-1].group < 0:
            raise SimulationError(
                f"initial_replicas (={initial}) pods do not fit on the node groups at max_size; "
                "raise max_size or lower initial_replicas"
            )
        for c in cohorts:
            c.running_s = _LONG_AGO_S
            c.ready_tick = 0
        ready_delta[:] = 0
        ready_delta[0] = initial

    # ---- the loop over syncs -------------------------------------------------------------
    spec_replicas = initial
    spec_changes = [(0, initial)]
    desired_changes = [(0, initial)]
    state = HPAState()
    cap = wl.capacity_rps_per_pod
    timeout = wl.queue_timeout_s
    next_scan = float(ca.scan_interval_s)
    sync_step = cfg.sync_period_s + spec.sync_duration_s
    t_sync = float(cfg.sync_period_s)
    done_tick = 0
    ready_now = 0
    backlog = 0.0
    scrape_times: list[float] = []

    def advance(to_tick: int) -> None:
        nonlocal done_tick, ready_now, backlog
        for i in range(done_tick, min(to_tick, n_ticks)):
            ready_now += int(ready_delta[i])
            capacity = ready_now * cap * tick_s
            work = backlog + rps_ticks[i] * tick_s
            out = min(capacity, work)
            left = work - out
            limit = ready_now * cap * timeout
            drop = left - limit if left > limit else 0.0
            backlog = left - drop
            served[i] = out / tick_s
            dropped[i] = drop / tick_s
            backlog_arr[i] = backlog
            ready_arr[i] = ready_now
            cum_load[i + 1] = cum_load[i] + (served[i] / ready_now if ready_now else 0.0)
        done_tick = max(done_tick, min(to_tick, n_ticks))

    def events_until(t: float) -> None:
        nonlocal next_scan
        while True:
            arrival = upcoming[0][0] if upcoming else math.inf
            if min(arrival, next_scan) > t:
                return
            if arrival <= next_scan:
                _, g, k = upcoming.pop(0)
                ready_nodes[g] += k
                set_nodes(g, arrival)
                place(arrival)
            else:
                ca_scan(next_scan)
                next_scan += ca.scan_interval_s

    while t_sync < horizon_s:
        events_until(t_sync)
        now_tick = tick_at(t_sync)
        advance(now_tick)
        pods, snapshot, ts = _controller_view(
            cohorts, t_sync, tick_s, mp, window_ticks, wl, cum_load, cum_offered, requests,
            needs, view_cache, version[0])
        if ts is not None:
            scrape_times.append(ts)
        result = reconcile(hpa, spec_replicas, pods, snapshot, state, t_sync, cfg,
                           status_replicas=spec_replicas)
        state = result.state
        proposal = result.metric_desired_replicas  # None when every metric failed
        reason = result.scaling_limited_reason or result.error or ""
        syncs.append((t_sync, spec_replicas, proposal, result.desired_replicas, reason))
        if proposal is not None and desired_changes[-1][1] != proposal:
            desired_changes.append((now_tick, proposal))
        new = result.desired_replicas
        if new != spec_replicas:
            events.append((t_sync, "hpa_scale", spec_replicas, new,
                           (f"{result.rescale_reason}; proposal {proposal}, limit "
                            f"{result.scaling_limited_reason}")))
            if new > spec_replicas:
                create(new - spec_replicas, t_sync)
            else:
                delete(spec_replicas - new, t_sync)
            spec_replicas = new
            spec_changes.append((now_tick, new))
        t_sync += sync_step
    events_until(horizon_s - 1e-9)
    advance(n_ticks)
    for c in cohorts:
        records.append((c.created_s, c.scheduled_s, c.ready_tick, n_ticks, len(c.names)))
    return RunOutput(tick_s, rps_ticks, served, dropped, backlog_arr, ready_arr, records,
                     spec_changes, desired_changes, node_changes, syncs, events,
                     np.array(scrape_times))


@dataclass
class _ViewCache:
    """The pod list the controller reads, reused while no pod changes (``version``) and no pod
    changes phase or readiness (``valid_until_s``). ``settled_from_s``: from then on every
    scheduled pod has been Ready and past its start-up CPU burst, so all samples are equal."""

    version: int = -1
    valid_until_s: float = -math.inf
    pods: list[Pod] = field(default_factory=list)
    sampled_names: list[str] = field(default_factory=list)
    settled_from_s: float = math.inf


def _rebuild_view(cache: _ViewCache, cohorts: list[_Cohort], t: float, tick_s: int,
                  requests: dict[str, int], startup_cpu_s: float, version: int) -> None:
    pods: list[Pod] = []
    names: list[str] = []
    valid_until = math.inf
    settled = -math.inf
    for c in cohorts:
        if c.group < 0:
            key: tuple[Any, ...] = (0, len(c.names))
        else:
            ready_s = c.ready_tick * tick_s
            key = (1 if t < c.running_s else (2 if t < ready_s else 3), len(c.names))
            for x in (c.running_s, ready_s):
                if t < x < valid_until:
                    valid_until = x
            settled = max(settled, ready_s, c.running_s + startup_cpu_s)
            names.extend(c.names)
        if not c.view or c.view[0] != key:
            c.view = (key, _pods_of(c, key[0], tick_s, requests))
        pods.extend(c.view[1])
    cache.version, cache.valid_until_s, cache.pods = version, valid_until, pods
    cache.sampled_names, cache.settled_from_s = names, settled


def _controller_view(cohorts: list[_Cohort], t: float, tick_s: int, mp: Any, window_ticks: int,
                     wl: Any, cum_load: np.ndarray, cum_offered: np.ndarray,
                     requests: dict[str, int], needs: Any, cache: _ViewCache, version: int,
                     ) -> tuple[list[Pod], MetricsSnapshot, float | None]:
    """The pods and metric samples the HPA reads at sync time ``t``."""
    if cache.version != version or t >= cache.valid_until_s:
        _rebuild_view(cache, cohorts, t, tick_s, requests, wl.startup_cpu_s, version)
    pods = cache.pods
    ts = mp.offset_s + math.floor((t - mp.offset_s) / mp.resolution_s) * mp.resolution_s
    window_s = window_ticks * tick_s
    b = round(ts / tick_s)
    a = b - window_ticks
    if a < 0:
        return pods, MetricsSnapshot(), None
    cpu: dict[str, PodSample] = {}
    rps: dict[str, PodSample] = {}
    if ts - window_s >= cache.settled_from_s:
        # every scheduled pod served a full share over the whole window: one sample for all
        load = (cum_load[b] - cum_load[a]) / window_ticks
        if needs.cpu:
            usage = wl.baseline_cpu_millicores + wl.cpu_millicores_per_rps * load
            cpu = dict.fromkeys(cache.sampled_names,
                                PodSample(math.ceil(usage - 1e-9), float(ts), float(window_s)))
        if needs.pods:
            rps = dict.fromkeys(cache.sampled_names, PodSample(
                math.ceil(1000.0 * load - 1e-9), float(ts), float(window_s)))
    else:
        for c in cohorts:
            if c.group < 0 or c.running_s + window_s > ts:
                continue  # a sample needs a full window of the container running
            ready_from = max(a, min(c.ready_tick, b))
            load = (cum_load[b] - cum_load[ready_from]) / window_ticks
            if needs.cpu:
                burst_end = c.running_s + wl.startup_cpu_s
                burst = max(0.0, min(ts, burst_end) - (ts - window_s)) / window_s
                usage = (wl.baseline_cpu_millicores + wl.startup_cpu_millicores * burst
                         + wl.cpu_millicores_per_rps * load)
                sample = PodSample(math.ceil(usage - 1e-9), float(ts), float(window_s))
                cpu.update(zip(c.names, repeat(sample)))
            if needs.pods:
                sample = PodSample(math.ceil(1000.0 * load - 1e-9), float(ts), float(window_s))
                rps.update(zip(c.names, repeat(sample)))
    total = math.ceil(1000.0 * (cum_offered[b] - cum_offered[a]) / window_ticks - 1e-9)
    snapshot = MetricsSnapshot(
        resource={"cpu": cpu} if needs.cpu else {},
        pods={name: rps for name in needs.pods},
        object={name: total for name in needs.object},
        external={name: [total] for name in needs.external},
    )
    return pods, snapshot, float(ts)


def _pods_of(c: _Cohort, state: int, tick_s: int, requests: dict[str, int]) -> list[Pod]:
    if state == 0:  # Pending, unscheduled: no StartTime, no Ready condition
        return [Pod(n, "Pending", None, None, None, False, requests) for n in c.names]
    start = c.scheduled_s
    if state == 1:  # scheduled, pulling the image
        return [Pod(n, "Pending", False, start, start, False, requests) for n in c.names]
    if state == 2:  # Running, not Ready yet
        return [Pod(n, "Running", False, start, start, False, requests) for n in c.names]
    ready_s = float(c.ready_tick * tick_s)
    return [Pod(n, "Running", True, start, ready_s, False, requests) for n in c.names]
