"""Several Deployments on one cluster: the joint simulation loop (internal to
:func:`infra_toolkit.simulate.simulate_cluster`).

Each autoscaled workload keeps what :mod:`infra_toolkit.cluster` keeps for one (its cohorts, load
and queue per tick, metrics pipeline, HPA and its history, the same rules); the nodes, the
scheduler and the one cluster autoscaler are shared (:mod:`infra_toolkit.shared_nodes`). Pods of
different sizes share nodes, so every node is held on its own: its free CPU (millicores), memory
(MiB) and pod slots. Events at one instant run in this order: nodes that become Ready, the
autoscaler's scan, the HPA writes due, KEDA's polls, then the HPA syncs (workloads in the order
given).

- **Scheduler**: pending pods, oldest first, go to the first node with room (groups in
  priority order, among the groups the pod may use; nodes in the order they arrived): nodes fill
  up before the next is used, as with kube-scheduler's MostAllocated scoring. A Deployment's
  ``max_pods_per_node`` (1 for a required pod anti-affinity on ``kubernetes.io/hostname``
  against its own pods) caps its pods on each node, in the scheduler, the scale-up's packing and
  the scale-down's check that a node's pods fit elsewhere.
- **Warm start**: the pods the run starts with are packed largest request first (CPU, then
  memory; :func:`~infra_toolkit.bin_packing.warm_order`, which keeps the plan's order where
  that opens fewer nodes), each Deployment first fit as above, nodes added group by group in
  priority order while pods wait: a steady cluster is what the autoscaler left, not the
  plan's order (docs/DESIGN.md, "Where pods go").
- **Scale-up** (each scan): the pending pods are packed first onto the nodes being provisioned,
  then onto new nodes of the first group (priority order) each may use, with headroom below
  ``max_size``; that group gets as many nodes as that first-fit packing opens, and only it:
  one group a scan (cluster-autoscaler's expander picks one option a loop), the pods it
  cannot hold wait for the next scan.
- **Scale-down** (each scan with no pending pod): a node is unneeded while its group is above
  ``min_size``, its utilization (the larger of requested CPU / allocatable and requested
  memory / allocatable) is below ``scale_down_utilization_threshold``, its pods fit on the
  other nodes and each of their owners' PodDisruptionBudgets allows at least one eviction at
  that scan, less what the nodes checked before it in the scan took (docs/DESIGN.md; a node
  a budget holds is logged as ``node_scale_down_blocked:<group>``; one whose budget allows
  fewer than its pods is cordoned and drained in steps, ``node_drain_started:<group>``). After
  ``scale_down_unneeded_s`` continuously unneeded, and not within
  ``scale_down_delay_after_add_s`` of the last scale-up (which holds removals, not the
  unneeded time), it is removed (one node per scan, lowest priority group and newest node
  first); its pods are evicted and re-created Pending.
- Deployments without an HPA (:class:`~infra_toolkit.fixed_pods.FixedPods`) hold a fixed
  number of pods: they take room on the nodes (and count in utilization) but serve no modelled
  traffic.
- Node groups are in one priority order for all pods: each workload's (then each fixed
  Deployment's) order kept, otherwise the order they are first named in
  (:func:`~infra_toolkit.shared_nodes.union_groups`); a plan's is its node groups' (Karpenter
  NodePools by ``spec.weight``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from infra_toolkit.cluster import RunOutput
from infra_toolkit.controller_view import MIB_MILLI, ControllerView, metric_needs
from infra_toolkit.fixed_pods import FixedPods
from infra_toolkit.hpa import HPAState, reconcile
from infra_toolkit.keda_activation import keda_poll, trigger_values
from infra_toolkit.nodes import NodeGroup
from infra_toolkit.request_queue import RequestQueue
from infra_toolkit.shared_nodes import Owner, SharedNodes, union_groups
from infra_toolkit.tick_buffers import SyncLog, as_array, tick_floats

__all__ = ["SharedRun", "run_shared_cluster"]


@dataclass
class SharedRun:
    """A joint run: one :class:`RunOutput` per autoscaled workload (its ``node_changes`` and
    ``launching_changes`` are the shared groups'), the shared groups' Ready node counts
    (``node_changes``, one list of ``(tick, nodes)`` per group of ``groups``) and counts of nodes
    launched and not yet Ready (``launching_changes``, alike), the node events, the pods each
    owner (workloads, then fixed Deployments) had placed on each group (``placed[owner][group]``:
    ``(tick, pods)`` changes) and each node's peak use (``node_peaks``: group, node id, CPU
    millicores, memory MiB, pods)."""

    outputs: list[RunOutput]
    groups: tuple[NodeGroup, ...]
    node_changes: list[list[tuple[int, int]]]
    launching_changes: list[list[tuple[int, int]]]
    events: list[tuple[float, str, int, int, str]]
    placed: list[list[list[tuple[int, int]]]]
    node_peaks: list[tuple[str, int, float, float, int]]


def _owners(specs: list[Any], fixed: list[FixedPods], groups: tuple[NodeGroup, ...]
            ) -> list[Owner]:
    index = {g.name: i for i, g in enumerate(groups)}
    owners = []
    for i, item in enumerate([*specs, *fixed]):
        wl = getattr(item, "workload", item)
        owners.append(Owner(i, item.name, float(wl.packed_cpu_millicores),
                            float(wl.packed_memory_mib),
                            sorted(index[g.name] for g in item.node_groups), len(groups),
                            wl.max_pods_per_node))
        owners[-1].budget = item.disruption_budget
        owners[-1].replicas = int(item.replicas if isinstance(item, FixedPods)
                                  else item.initial_replicas)
    return owners


def run_shared_cluster(rps_by_workload: list[np.ndarray], tick_s: int, specs: list[Any],
                       fixed: list[FixedPods]) -> SharedRun:
    """Run the workloads of ``specs`` (offered rps per tick of ``tick_s`` seconds, one array
    each, all of one length) and the ``fixed`` Deployments on shared nodes."""
    groups = union_groups([*specs, *fixed])
    n_ticks = rps_by_workload[0].size
    horizon_s = n_ticks * tick_s
    ca = specs[0].autoscaler
    owners = _owners(specs, fixed, groups)
    cluster = SharedNodes(groups, owners, ca, tick_s, n_ticks)
    cluster.start([int(s.initial_replicas) for s in specs] + [f.replicas for f in fixed])

    loads: list[RequestQueue] = []
    views: list[ControllerView] = []
    for o, s, rps in zip(owners, specs, rps_by_workload, strict=False):
        wl = s.workload
        o.bind_to_running_s = wl.running_s  # the pull and the native sidecars before it
        o.startup_to_ready_s = wl.running_to_ready_s  # probe grid: readiness.py
        o.ready_delta = [0] * (n_ticks + 2)
        o.ready_delta[0] = int(s.initial_replicas)
        loads.append(RequestQueue(rps, tick_s, wl, o.ready_delta))
        cum_offered = tick_floats(np.concatenate([[0.0], np.cumsum(rps)]))
        requests = {"cpu": int(wl.cpu_request_millicores),
                    "memory": math.ceil(wl.memory_request_mib * MIB_MILLI)}
        needs = metric_needs(s.hpa, memory_model=wl.memory_baseline_mib is not None,
                             queue_depth=wl.queue_depth_metrics)
        views.append(ControllerView(tick_s, s.metrics, s.metrics.sample_window_s // tick_s, wl,
                                    loads[-1].cum_load, cum_offered, requests, needs,
                                    loads[-1].backlog_l))
    spec_replicas = [int(s.initial_replicas) for s in specs]
    spec_changes = [[(0, n)] for n in spec_replicas]
    desired_changes = [[(0, n)] for n in spec_replicas]
    states = [HPAState() for _ in specs]
    syncs = [SyncLog() for _ in specs]
    hpa_events: list[list[tuple[float, str, int, int, str]]] = [[] for _ in specs]
    next_sync = [float(s.controller.sync_period_s) for s in specs]
    kedas = [getattr(s, "keda", None) for s in specs]
    next_poll = [math.inf if k is None else float(k.polling_interval_s) for k in kedas]
    last_active: list[float | None] = [None] * len(specs)
    next_scan = float(ca.scan_interval_s)

    def events_until(t: float) -> None:
        nonlocal next_scan
        while True:
            arrival = cluster.upcoming[0][0] if cluster.upcoming else math.inf
            if min(arrival, next_scan) > t:
                return
            if arrival <= next_scan:
                cluster.arrive(arrival)
            else:
                cluster.scan(next_scan)
                next_scan += ca.scan_interval_s

    # scale writes waiting for their sync's end (``sync_duration_s`` after its start):
    # per workload the time, the spec written and the hpa_scale reason
    writes: list[tuple[float, int, str] | None] = [None] * len(specs)

    def write(w: int, t: float, new: int, why: str, kind: str = "hpa_scale") -> None:
        # from the size now: KEDA may have written since the HPA read it
        o, current = owners[w], spec_replicas[w]
        hpa_events[w].append((t, kind, current, new, why))
        if new > current:
            cluster.create(o, new - current, t)
        else:
            cluster.delete(o, current - new, t)
        cluster.place(t)  # new pods, or room freed for other workloads' pods
        spec_replicas[w] = o.replicas = new
        spec_changes[w].append((int(t) // tick_s, new))

    def poll(w: int, t: float) -> None:
        """KEDA's poll of workload ``w`` at ``t`` (:func:`keda_poll`)."""
        keda = kedas[w]
        assert keda is not None
        next_poll[w] = t + keda.polling_interval_s
        done = int(t) // tick_s
        load = loads[w]
        load.advance(done)
        wl = specs[w].workload
        values = trigger_values(keda, wl.queue_depth_metrics,
                                (rps_by_workload[w], load.served, load.backlog_l, load.dropped),
                                tick_s, wl.concurrency / wl.capacity_rps_per_pod, done,
                                pull=wl.consumer == "pull")
        decision = keda_poll(keda, spec_replicas[w], values, t, last_active[w])
        last_active[w] = decision.last_active_s
        if decision.replicas is not None and decision.replicas != spec_replicas[w]:
            write(w, t, decision.replicas, decision.reason, "keda_scale")

    def next_instant() -> float:
        due = [p[0] for p in writes if p is not None]
        return min(min(next_sync), min(next_poll), *due) if due else \
            min(min(next_sync), min(next_poll))

    # at one instant: node events, then writes of syncs that end, then syncs that start
    while (t := next_instant()) < horizon_s:
        events_until(t)
        for w, p in enumerate(writes):
            if p is not None and p[0] == t:
                writes[w] = None
                write(w, *p)
        for w, t_poll in enumerate(next_poll):
            if t_poll == t:
                poll(w, t)
        for w, s in enumerate(specs):
            if next_sync[w] != t:
                continue
            o, now_tick = owners[w], int(t) // tick_s
            loads[w].advance(now_tick)
            pods, snapshot = views[w].read(o.cohorts, t, o.version)
            current = spec_replicas[w]
            result = reconcile(s.hpa, current, pods, snapshot, states[w], t, s.controller,
                               current, metrics_step=views[w].metrics_step)
            states[w] = result.state
            proposal, new = result.metric_desired_replicas, result.desired_replicas
            limited = result.scaling_limited
            syncs[w].append((t, current, proposal, new,
                             limited.reason if limited is not None else (result.error or "")))
            if proposal is not None and desired_changes[w][-1][1] != proposal:
                desired_changes[w].append((now_tick, proposal))
            t_write = t + s.sync_duration_s
            if new != current and t_write < horizon_s:
                why = (f"{result.rescale_reason}; proposal {proposal}, limit "
                       f"{result.scaling_limited_reason}")
                if t_write == t:
                    write(w, t, new, why)
                else:
                    writes[w] = (t_write, new, why)
            next_sync[w] = t_write + s.controller.sync_period_s
    events_until(horizon_s - 1e-9)

    outputs = []
    index = {g.name: i for i, g in enumerate(groups)}
    for w, (s, o, load) in enumerate(zip(specs, owners, loads, strict=False)):
        load.advance(n_ticks)
        for c in o.cohorts:
            o.records.append((c.created_s, c.scheduled_s, c.ready_tick, n_ticks, len(c.names)))
        mine = {g.name for g in s.node_groups}
        # node events first: at one instant the autoscaler's scan runs before the syncs
        logged = sorted([*(e for e in cluster.events if e[1] == "node_scale_up_failed"
                           or e[1].split(":", 1)[-1] in mine), *hpa_events[w]],
                        key=lambda e: e[0])
        outputs.append(RunOutput(
            tick_s, rps_by_workload[w], as_array(load.served), as_array(load.dropped),
            as_array(load.backlog_l), as_array(load.ready_l), o.records,
            spec_changes[w], desired_changes[w],
            [cluster.node_changes[index[g.name]] for g in s.node_groups],
            [cluster.launching_changes[index[g.name]] for g in s.node_groups],
            syncs[w], logged))
    return SharedRun(outputs, groups, cluster.node_changes, cluster.launching_changes,
                     cluster.events, [o.placed for o in owners], cluster.node_peaks())
