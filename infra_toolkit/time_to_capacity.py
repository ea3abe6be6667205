"""Time to capacity: one :class:`TimeToCapacity` per under-capacity episode of a run, split into
KEDA's activation (an episode that began at zero replicas), metric lag, sync wait, controller
hold, node provisioning and pod start-up, with the seconds at
the HPA's ``maxReplicas`` and at every node group's ``max_size`` carved out
(``time_to_capacity_episodes``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, ClassVar

import numpy as np

from infra_toolkit.cluster import RunOutput
from infra_toolkit.simulation_timeline import per_tick
from infra_toolkit.tick_buffers import first_tick_at

__all__ = ["PART_LABELS", "TimeToCapacity", "time_to_capacity_episodes"]


@dataclass(frozen=True)
class TimeToCapacity:
    """One under-capacity episode: offered load above what the Ready pods can serve
    (``offered_rps > ready_pods * capacity_rps_per_pod``) from ``start_s`` until ``end_s``.

    The episode is explained by the pods that closed it: the cohort that became Ready at
    ``end_s`` (if several cohorts became Ready then, the first in creation order that brought
    enough capacity). Its milestones, each clamped to lie between the
    previous one and ``end_s``, split ``total_s = end_s - start_s`` into:

    - ``keda_activation_s``: when the episode began at zero spec replicas (or the ScaledObject's
      ``idleReplicaCount``) under a ScaledObject that scales to zero: start -> KEDA's poll that
      wrote the replicas up from there (the first such ``keda_scale`` event at or after the
      start, :mod:`infra_toolkit.keda_activation`; the episode's end when none came).
      At zero KEDA's HPA does not scale (its ``ScalingActive`` is false), so no scrape or sync
      of the HPA could have shortened these seconds; the HPA's milestones below are counted
      from the write. 0 for every other episode;
    - ``metric_lag_s``: start (or KEDA's write) -> the first metric scrape after it (the first
      sample whose window sees the new load);
    - ``sync_wait_s``: -> the end of the first HPA sync starting at or after that scrape (the
      controller writes the scale ``sync_duration_s`` after the sync starts);

      both end at the write that created the closing pods when it came first: pods created
      before the episode (a replacement of an evicted pod, a scale-up on earlier metrics)
      waited for no scrape or sync, so their episode is node provisioning and start-up alone;
    - ``controller_hold_s``: -> the write that created the closing pods (stabilization windows,
      rate-limit policies, and proposals held down by unready or missing pods);
    - ``node_provisioning_s``: -> those pods were scheduled on a node;
    - ``pod_startup_s``: -> they were Ready (image pull, then the readiness probe's first
      success on its grid, :mod:`infra_toolkit.readiness`).

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
    and ``node_provisioning_s`` are what is left of their intervals: the eight parts (``PARTS``)
    sum to ``total_s``.

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
    #: last with a default: an episode without KEDA's scaling to zero has none
    keda_activation_s: float = 0.0

    #: The parts that sum to ``total_s``, in the order an episode goes through them.
    PARTS: ClassVar[tuple[str, ...]] = ("keda_activation_s", "metric_lag_s", "sync_wait_s",
                                        "controller_hold_s",
                                        "at_max_replicas_s", "node_provisioning_s",
                                        "at_max_nodes_s", "pod_startup_s")


#: Each part (``TimeToCapacity.PARTS``, in that order) as the report names it: the Scaling
#: Behaviour table's columns, the canary step table's episodes and the chart's legend alike
PART_LABELS = (("keda_activation_s", "KEDA activation"), ("metric_lag_s", "metric lag"),
               ("sync_wait_s", "sync wait"),
               ("controller_hold_s", "controller hold"), ("at_max_replicas_s", "at maxReplicas"),
               ("node_provisioning_s", "node provisioning"),
               ("at_max_nodes_s", "nodes at max_size"), ("pod_startup_s", "pod start-up"))


def _on_nodes(out: RunOutput) -> np.ndarray:
    """Pods scheduled on a node at each tick (any phase from scheduling to deletion)."""
    n, tick = out.offered_rps.size, out.tick_s
    delta = np.zeros(n + 2, dtype=np.int64)
    for _created_s, scheduled_s, _ready_tick, end_tick, k in out.records:
        if not math.isnan(scheduled_s):
            delta[first_tick_at(scheduled_s, tick, n + 1)] += k
            delta[min(end_tick, n + 1)] -= k
    return np.cumsum(delta)[:n]


def _asked_and_placed(i0: int, i1: int, tick_s: int, spec_replicas: np.ndarray,
                      need: np.ndarray, on_nodes: np.ndarray) -> tuple[float, float]:
    """For an episode no pods closed (ticks ``i0`` to ``i1``): the first instant the spec replicas
    covered the offered load (``need`` pods per tick), and from then the first instant that many
    pods were scheduled on nodes (``on_nodes`` per tick: :func:`_on_nodes`; ``inf`` when it
    never happened), so that the wait for nodes that never came (a group at ``max_size``) or for
    pods still starting when the load fell is not a controller hold."""
    need = need[i0:i1]
    asked = np.flatnonzero(spec_replicas[i0:i1] >= need)
    if not asked.size:
        return math.inf, math.inf
    j = int(asked[0])
    placed = np.flatnonzero(on_nodes[i0 + j:i1] >= need[j:])
    return (float((i0 + j) * tick_s),
            float((i0 + j + int(placed[0])) * tick_s) if placed.size else math.inf)


def _seconds_where(flags: np.ndarray, tick_s: int, a_s: float, b_s: float) -> float:
    """Seconds of ``[a_s, b_s)`` that fall in the ticks where ``flags`` holds (tick ``i`` spans
    ``[i * tick_s, (i + 1) * tick_s)``)."""
    if b_s <= a_s:
        return 0.0
    i = np.arange(int(a_s // tick_s), min(flags.size, math.ceil(b_s / tick_s - 1e-9)))
    i = i[flags[i]]
    return float(np.sum(np.minimum((i + 1) * tick_s, b_s) - np.maximum(i * tick_s, a_s)))


def _keda_wakes(out: RunOutput, spec: Any) -> tuple[int, list[float]]:
    """The replicas KEDA rests at (``idleReplicaCount``, else 0) and the instants it wrote
    replicas up from them (``keda_scale`` events), in order; no instant without KEDA's
    scaling to zero (``spec.keda`` unset)."""
    keda = getattr(spec, "keda", None)
    if keda is None:
        return 0, []
    rest = keda.idle_replica_count or 0
    return rest, sorted(t for t, kind, before, after, _ in out.events
                        if kind == "keda_scale" and int(before) == rest and int(after) > rest)


def _limits(out: RunOutput, spec: Any, spec_replicas: np.ndarray,
            need: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per tick: the spec replicas at the HPA's ``maxReplicas`` and short of the ``need``ed pods;
    every node group of the pod at ``max_size`` Ready nodes (see :class:`TimeToCapacity`)."""
    at_max_replicas = (spec_replicas >= spec.hpa.max_replicas) & (spec_replicas < need)
    at_max_nodes = np.ones(need.size, dtype=bool)
    for g, changes in zip(spec.node_groups, out.node_changes, strict=True):
        at_max_nodes &= per_tick(changes, need.size) >= g.max_size
    return at_max_replicas, at_max_nodes


def time_to_capacity_episodes(out: RunOutput, spec: Any,
                              arrays: dict[str, np.ndarray]) -> tuple[TimeToCapacity, ...]:
    """Every under-capacity episode of the run ``out`` of ``spec``, in time order, from its
    per-tick ``arrays`` (:func:`~infra_toolkit.simulation_timeline.timeline`)."""
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
    rest, wakes = _keda_wakes(out, spec)
    episodes = []
    on_nodes: np.ndarray | None = None  # one pass over the run's records, when first needed
    for i0, i1 in zip(starts, ends):
        t0, t1 = float(i0 * tick), float(i1 * tick)
        # begun at zero (or KEDA's idle count): the HPA is inactive until KEDA's write, its
        # scrape and sync count from there (t1: KEDA did not wake it by the episode's end)
        woken = (next((w for w in wakes if w >= t0), t1)
                 if wakes and arrays["spec_replicas"][i0] == rest else t0)
        woken = min(woken, t1)
        scrape = (mp.offset_s
                  + (math.floor((woken - mp.offset_s) / mp.resolution_s) + 1) * mp.resolution_s)
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
            if on_nodes is None:
                on_nodes = _on_nodes(out)
            created, scheduled = _asked_and_placed(int(i0), int(i1), tick,
                                                   arrays["spec_replicas"], need, on_nodes)
        # pods asked for before the scrape or the sync (a replacement the ReplicaSet created
        # before the episode began, a write on earlier metrics) waited for neither: those
        # milestones end at the write, so a faster metric or sync is never credited with
        # seconds it could not have saved
        scrape, sync = min(scrape, created), min(sync, created)
        marks = [t0, woken]
        for x in (scrape, sync, created, scheduled, t1):
            marks.append(min(t1, max(marks[-1], x)))
        activation, *parts = (float(x) for x in np.diff(marks))
        # the limits' seconds leave the interval they fell in
        ceiling = [_seconds_where(at_max_replicas, tick, a, b) for a, b in pairwise(marks[1:5])]
        full = _seconds_where(at_max_nodes, tick, marks[4], marks[5])
        lag, wait, hold = (p - c for p, c in zip(parts[:3], ceiling, strict=True))
        episodes.append(TimeToCapacity(t0, t1, t1 - t0, lag, wait, hold, sum(ceiling),
                                       parts[3] - full, full, parts[4], closed_by, activation))
    return tuple(episodes)

