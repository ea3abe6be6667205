"""The cluster simulation loop: pods, metrics pipeline, HPA syncs, nodes and cluster autoscaler.

Internal to :mod:`infra_toolkit.simulate`, which documents the model. Time advances on a tick
grid (the gcd of the sync, metric, and autoscaler cadences, e.g. 5 s); pod and node delays are
exact numbers of seconds that take effect from the first tick at or after them. Pods are held
as cohorts (:mod:`infra_toolkit.controller_view`): nothing in the loop is per pod.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from infra_toolkit.controller_view import (
    LONG_AGO_S,
    MIB_MILLI,
    Cohort,
    ControllerView,
    metric_needs,
)
from infra_toolkit.errors import SimulationError
from infra_toolkit.hpa import HPAState, reconcile
from infra_toolkit.nodes import pod_slots
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
    # nodes hold pods by the scheduler's request, the HPA divides by the containers' sum
    slots = [pod_slots(g, wl.packed_cpu_millicores, wl.packed_memory_mib, wl.max_pods_per_node)
             for g in groups]
    pod_fraction = [max(wl.packed_cpu_millicores / g.allocatable_cpu_millicores,
                        wl.packed_memory_mib / g.allocatable_memory_mib) for g in groups]
    n_groups = len(groups)
    cpu_request = int(wl.cpu_request_millicores)
    requests = {"cpu": cpu_request, "memory": math.ceil(wl.memory_request_mib * MIB_MILLI)}
    startup_to_ready_s = wl.app_start_s + wl.readiness_delay_s
    window_s = mp.sample_window_s
    window_ticks = window_s // tick_s
    needs = metric_needs(hpa, memory_model=wl.memory_baseline_mib is not None)

    ready_delta = [0] * (n_ticks + 2)  # change of the Ready count at each tick
    cum_offered = tick_floats(np.concatenate([[0.0], np.cumsum(rps_ticks)]))

    records: list[tuple[float, float, int, int, int]] = []
    events: list[tuple[float, str, int, int, str]] = []
    syncs = SyncLog()
    cohorts: list[Cohort] = []
    serial = [0]
    version = [0]  # bumped whenever pods are created, placed or removed
    n_pending = [0]  # pods not yet on a node

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
    all_needed_at: list[tuple[int, ...] | None] = [None]  # see ca_scan
    node_changes: list[list[tuple[int, int]]] = [[(0, n)] for n in ready_nodes]
    # nodes launched and not yet Ready, billed from the scan that launched them
    launching_changes: list[list[tuple[int, int]]] = [[(0, 0)] for _ in groups]

    def set_launching(g: int, t: float) -> None:
        launching_changes[g].append((tick_at(t), sum(n for _, gg, n in upcoming if gg == g)))

    # [group, start s, pods left] of the node drained in steps (cordoned), or None
    drain: list[list[Any] | None] = [None]

    def place(t: float) -> None:
        i = 0
        while i < len(cohorts):
            c = cohorts[i]
            if c.group >= 0:
                i += 1
                continue
            for g in range(n_groups):
                free = ready_nodes[g] * slots[g] - scheduled[g]
                if drain[0] is not None and drain[0][0] == g:  # nothing new on the cordoned node
                    free -= slots[g] - drain[0][2]
                if free <= 0:
                    continue
                k = min(free, len(c.names))
                if k < len(c.names):  # split: the placed part becomes its own cohort
                    placed = Cohort(c.names[:k], c.created_s)
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

    def remove(c: Cohort, k: int, t: float) -> None:
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
        cohorts.append(Cohort(new_names(n), t))
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

    budget = spec.disruption_budget
    karpenter = ca.drain_rules == "karpenter"
    # per group: the budget hold last logged, until the group is next free to go (one event a
    # hold, not one each time the group drops out of candidacy and comes back)
    blocked: list[str | None] = [None] * n_groups

    def budget_block(evicted: int, t: float, charged: list[int]) -> tuple[str | None, bool]:
        # the one-workload model evicts an average node's pods of the group; the rule and its
        # sources are shared_scale_down._budget_block's: refused when the budget allows
        # no disruption, drained in steps when it allows fewer than the node's pods
        if budget is None or evicted == 0:
            return None, False
        ready = sum(len(c.names) for c in cohorts
                    if c.group >= 0 and c.ready_tick * tick_s <= t)
        allowed = budget.disruptions_allowed(ready, spec_replicas,
                                             sum(len(c.names) for c in cohorts)) - charged[0]
        if allowed < 1:
            return (f"blocked by PodDisruptionBudget {budget.name}: it allows no disruption "
                    f"now for its {evicted} pod(s) on the node ({ready} Ready, "
                    f"{budget.desired_healthy(spec_replicas)} to keep healthy)"), False
        charged[0] += evicted
        return None, evicted > allowed

    def evict(g: int, n: int, t: float) -> None:
        # ``n`` pods of group ``g`` (its oldest) evicted at ``t``, created again Pending
        for c in [c for c in cohorts if c.group == g]:
            if n == 0:
                break
            k = min(n, len(c.names))
            remove(c, k, t)
            n -= k
            cohorts.append(Cohort(new_names(k), t))
            n_pending[0] += k
            version[0] += 1

    def drain_step(t: float) -> None:
        # the cordoned node's evictions at ``t`` (as shared_scale_down.drain): what the
        # budget allows now; removed when empty; when pods are left at the drain's limit
        # (ca.drain_limit_s), un-cordoned and kept (cluster-autoscaler) or deleted with the node
        # (Karpenter's terminationGracePeriod)
        assert drain[0] is not None and budget is not None
        g, start, left = drain[0]
        left = min(left, scheduled[g])  # the Deployment's own scale-down may have taken some
        limit_s = ca.drain_limit_s(groups[g].name)
        over = limit_s is not None and t - start >= limit_s
        if not over and left:
            ready = sum(len(c.names) for c in cohorts
                        if c.group >= 0 and c.ready_tick * tick_s <= t)
            k = min(left, max(0, budget.disruptions_allowed(
                ready, spec_replicas, sum(len(c.names) for c in cohorts))))
            if k:
                drain[0] = [g, start, left - k]
                evict(g, k, t)
                left -= k
                place(t)
        drain[0] = [g, start, left]
        nodes = ready_nodes[g]
        if left == 0:
            drain[0] = None
            ready_nodes[g] -= 1
            set_nodes(g, t)
            events.append((t, f"node_scale_down:{groups[g].name}", nodes, nodes - 1,
                           f"node drained in {t - start:g} s"))
        elif over and karpenter:
            drain[0] = None
            ready_nodes[g] -= 1
            set_nodes(g, t)
            events.append((t, f"node_scale_down:{groups[g].name}", nodes, nodes - 1,
                           (f"node drained in {t - start:g} s: its {left} pod(s) left deleted "
                            f"at the NodePool's terminationGracePeriod ({limit_s:g} s)")))
            evict(g, left, t)
            place(t)
        elif over:
            drain[0] = None
            unneeded_since[g] = None
            all_needed_at[0] = None
            events.append((t, f"node_drain_abandoned:{groups[g].name}", nodes, nodes,
                           (f"{left} pod(s) still refused eviction {limit_s:g} s "
                            "after the drain started; un-cordoned and kept")))
            place(t)

    def ca_scan(t: float) -> None:
        if drain[0] is not None:
            drain_step(t)
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
                set_launching(g, t)
                events.append((t, f"node_scale_up:{grp.name}", ready_nodes[g] + in_flight,
                               ready_nodes[g] + in_flight + k,
                               (f"{pending} pending pod(s) need {k} more {grp.instance_type} "
                                f"node(s), Ready at {t + ca.provisioning_delay_s:g} s")))
                last_scale_up_s[0] = t
                # one group a scan, as cluster-autoscaler's expander picks one option a loop:
                # the pods it cannot hold at max_size wait for the next scan's choice (or, with
                # no group left below max_size, fit nowhere now)
                need -= k * slots[g]
                if any(h.max_size > ready_nodes[i] + sum(n for _, gg, n in upcoming if gg == i)
                       for i, h in enumerate(groups)):
                    need = 0
                break
            if need > 0 and not stuck[0]:
                events.append((t, "node_scale_up_failed", 0, 0,
                               f"{need} pending pod(s) fit no node group: all at max_size"))
            stuck[0] = need > 0
        else:
            stuck[0] = False
        if pending:  # every slot a pending pod fits is taken: nothing is unneeded
            unneeded_since[:] = [None] * n_groups
            return
        # cluster-autoscaler tracks unneeded nodes at every scan and only holds their removal
        # while ``scale_down_delay_after_add_s`` runs (static_autoscaler: UpdateClusterState
        # before the scaleDownInCooldown check), so the timers keep counting through it
        cooldown = t - last_scale_up_s[0] < ca.scale_down_delay_after_add_s
        # Whether a group is needed depends only on the nodes and the placed pods: while
        # neither changed since a scan that found every group needed, this scan is that scan.
        key = (version[0], *ready_nodes)
        if key == all_needed_at[0] and drain[0] is None:
            return
        # the cordoned node's slots and pods are on their way out: not counted
        cg, cleft = (drain[0][0], drain[0][2]) if drain[0] is not None else (-1, 0)
        total_slots = sum(ready_nodes[g] * slots[g] for g in range(n_groups))
        total_pods = sum(scheduled)
        if cg >= 0:
            total_slots -= slots[cg]
            total_pods -= cleft
        needed = 0
        charged = [0]  # evictions charged to the budget in this scan
        # every group's timer is updated on the scan's state before a node goes (a removal
        # does not keep the other groups from counting their unneeded time this scan)
        fired: tuple[int, float, bool] | None = None
        for g in reversed(range(n_groups)):
            nodes = ready_nodes[g] - (g == cg)
            placed = scheduled[g] - (cleft if g == cg else 0)
            util = placed * pod_fraction[g] / nodes if nodes else 1.0
            if (nodes <= groups[g].min_size or util >= ca.scale_down_utilization_threshold
                    or total_slots - slots[g] < total_pods
                    or groups[g].name in ca.undisruptable_groups):
                unneeded_since[g] = None
                needed += 1
                if needed == n_groups and cg < 0:
                    all_needed_at[0] = key
                continue
            evicted = placed // nodes
            # Karpenter checks each candidate against the budgets' status alone (no charge
            # across candidates: shared_scale_down._budget_block)
            why, staged = budget_block(evicted, t, [0] if karpenter else charged)
            if why is not None:
                # as shared_scale_down.scale_down: cluster-autoscaler's unremovable node is not
                # unneeded; Karpenter's skipped candidate keeps its time. Ready pods change the
                # answer without a new key, so no scan is skipped
                unneeded_since[g] = (t if unneeded_since[g] is None else unneeded_since[g]) \
                    if karpenter else None
                all_needed_at[0] = None
                if blocked[g] != why.split(":")[0]:
                    blocked[g] = why.split(":")[0]
                    events.append((t, f"node_scale_down_blocked:{groups[g].name}", nodes, nodes,
                                   (f"utilization {util:.0%} < "
                                    f"{ca.scale_down_utilization_threshold:.0%} but {why}; "
                                    "kept, checked again each scan"
                                    + (" (its unneeded time counting on)" if karpenter
                                       else ""))))
                continue
            blocked[g] = None
            if unneeded_since[g] is None:
                unneeded_since[g] = t
                all_needed_at[0] = None  # a skipped scan would reset this timer
            since: float = unneeded_since[g]  # type: ignore[assignment]
            # one node drained at a time (CA's --max-drain-parallelism default 1)
            if (fired is None and not cooldown and cg < 0
                    and t - since >= ca.scale_down_unneeded_s):
                fired = (g, util, staged)
        if fired is None:
            return
        g, util, staged = fired  # one node per scan, the last group in priority order first
        nodes = ready_nodes[g]
        evicted = scheduled[g] // nodes
        if staged:  # the budget allows fewer evictions than the node's pods: drained in steps
            drain[0] = [g, t, evicted]
            all_needed_at[0] = None
            events.append((t, f"node_drain_started:{groups[g].name}", nodes, nodes,
                           (f"utilization {util:.0%} < "
                            f"{ca.scale_down_utilization_threshold:.0%} for "
                            f"{ca.scale_down_unneeded_s:g} s; cordoned, its {evicted} pod(s) "
                            "evicted as its PodDisruptionBudget allows")))
            drain_step(t)
            return
        ready_nodes[g] -= 1
        set_nodes(g, t)
        events.append((t, f"node_scale_down:{groups[g].name}", nodes, nodes - 1,
                       (f"utilization {util:.0%} < "
                        f"{ca.scale_down_utilization_threshold:.0%} for "
                        f"{ca.scale_down_unneeded_s:g} s; {evicted} pod(s) evicted")))
        evict(g, evicted, t)
        place(t)

    # ---- initial state: warm pods on enough nodes ----------------------------------------
    initial = spec.initial_replicas
    short = initial - sum(ready_nodes[g] * slots[g] for g in range(n_groups))
    for g in range(n_groups):
        add = max(0, min(groups[g].max_size - ready_nodes[g], math.ceil(short / slots[g])))
        ready_nodes[g] += add
        short -= add * slots[g]
        node_changes[g] = [(0, ready_nodes[g])]
    if initial:
        cohorts.append(Cohort(new_names(initial), LONG_AGO_S))
        n_pending[0] += initial
        place(LONG_AGO_S)
        if cohorts[-1].group < 0:
            raise SimulationError(
                f"initial_replicas (={initial}) pods do not fit on the node groups at max_size; "
                "raise max_size or lower initial_replicas"
            )
        for c in cohorts:
            c.running_s = LONG_AGO_S
            c.ready_tick = 0
        ready_delta[:] = [0] * len(ready_delta)
        ready_delta[0] = initial

    # ---- the loop over syncs -------------------------------------------------------------
    spec_replicas = initial
    spec_changes = [(0, initial)]
    desired_changes = [(0, initial)]
    state = HPAState()
    next_scan = float(ca.scan_interval_s)
    sync_step = cfg.sync_period_s + spec.sync_duration_s
    t_sync = float(cfg.sync_period_s)
    scrape_times = tick_floats(0)

    load = RequestQueue(rps_ticks, tick_s, wl, ready_delta)
    advance = load.advance

    def events_until(t: float) -> None:
        nonlocal next_scan
        scan_s = ca.scan_interval_s
        while True:
            if not upcoming:  # the usual case: only scans are due
                if next_scan > t:
                    return
                ca_scan(next_scan)
                next_scan += scan_s
                continue
            arrival = upcoming[0][0]
            if min(arrival, next_scan) > t:
                return
            if arrival <= next_scan:
                _, g, k = upcoming.pop(0)
                ready_nodes[g] += k
                set_nodes(g, arrival)
                set_launching(g, arrival)
                place(arrival)
            else:
                ca_scan(next_scan)
                next_scan += scan_s

    sync_ticks = int(sync_step) // tick_s
    write_delay_s = float(spec.sync_duration_s)
    write_ticks = int(spec.sync_duration_s) // tick_s
    view = ControllerView(tick_s, mp, window_ticks, wl, load.cum_load, cum_offered, requests,
                          needs)
    now_tick = int(t_sync) // tick_s
    read, append_sync, append_scrape = view.read, syncs.append, scrape_times.append
    while t_sync < horizon_s:
        if next_scan <= t_sync or (upcoming and upcoming[0][0] <= t_sync):
            events_until(t_sync)
        advance(now_tick)
        pods, snapshot, ts = read(cohorts, t_sync, version[0])
        if ts is not None:
            append_scrape(ts)
        result = reconcile(hpa, spec_replicas, pods, snapshot, state, t_sync, cfg, spec_replicas)
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
            if write_delay_s and (next_scan <= t_write or (upcoming and upcoming[0][0] <= t_write)):
                events_until(t_write)
            events.append((t_write, "hpa_scale", spec_replicas, new,
                           (f"{result.rescale_reason}; proposal {proposal}, limit "
                            f"{result.scaling_limited_reason}")))
            if new > spec_replicas:
                create(new - spec_replicas, t_write)
            else:
                delete(spec_replicas - new, t_write)
            spec_replicas = new
            spec_changes.append((now_tick + write_ticks, new))
        t_sync += sync_step
        now_tick += sync_ticks
    events_until(horizon_s - 1e-9)
    advance(n_ticks)
    for c in cohorts:
        records.append((c.created_s, c.scheduled_s, c.ready_tick, n_ticks, len(c.names)))
    return RunOutput(tick_s, rps_ticks, as_array(load.served), as_array(load.dropped),
                     as_array(load.backlog_l), as_array(load.ready_l), records,
                     spec_changes, desired_changes, node_changes, launching_changes, syncs, events,
                     as_array(scrape_times))

