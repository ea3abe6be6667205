"""One Deployment's pods and nodes: the scheduler and the cluster autoscaler's scale-up for
:func:`infra_toolkit.cluster.run_cluster` (internal; :mod:`infra_toolkit.simulate` documents the
model); the scale-down (candidates, PodDisruptionBudget holds, staged drain) is
:mod:`infra_toolkit.cluster_scale_down`.

All pods have one size, so a node group is a count of Ready nodes and of pods scheduled on them,
each node holding :func:`~infra_toolkit.nodes.pod_slots` pods (unlike
:mod:`infra_toolkit.shared_nodes`, which holds every node on its own for pods of several sizes).
Pods are held as cohorts (:class:`~infra_toolkit.controller_view.Cohort`); times are seconds,
ticks of ``tick_s``.
"""

from __future__ import annotations

import math
from typing import Any

from infra_toolkit.cluster_scale_down import drain, scale_down
from infra_toolkit.controller_view import LONG_AGO_S, Cohort
from infra_toolkit.errors import SimulationError
from infra_toolkit.nodes import pod_slots
from infra_toolkit.tick_buffers import first_tick_at

__all__ = ["ClusterNodes"]


class ClusterNodes:
    """The pods of ``spec``'s workload on its node groups, the scheduler and the cluster
    autoscaler, over ``n_ticks`` ticks of ``tick_s`` seconds; the per-run state the loop, the
    scale-up and the scale-down share. ``replicas`` is the Deployment's scale (the budget's
    expected count), set by the loop when the HPA writes it."""

    def __init__(self, spec: Any, tick_s: int, n_ticks: int) -> None:
        wl, groups = spec.workload, spec.node_groups
        self.groups, self.ca, self.budget = groups, spec.autoscaler, spec.disruption_budget
        self.karpenter = self.ca.drain_rules == "karpenter"
        self.tick_s, self.n_ticks = tick_s, n_ticks
        self.n_groups = len(groups)
        # nodes hold pods by the scheduler's request, the HPA divides by the containers' sum
        self.slots = [pod_slots(g, wl.packed_cpu_millicores, wl.packed_memory_mib,
                                wl.max_pods_per_node) for g in groups]
        # what the scheduler reserves for one pod, which scale-down's utilization counts
        self.pod_cpu_millicores = wl.packed_cpu_millicores
        self.pod_memory_mib = wl.packed_memory_mib
        self.bind_to_running_s = wl.running_s  # the pull and the native sidecars before it
        self.startup_to_ready_s = wl.running_to_ready_s  # probe grid: readiness.py
        self.replicas = 0

        # ---- pods ----
        self.cohorts: list[Cohort] = []
        self.ready_delta = [0] * (n_ticks + 2)  # change of the Ready count at each tick
        # created s, scheduled s, Ready tick, end tick, pods: one row per ended piece of a cohort
        self.records: list[tuple[float, float, int, int, int]] = []
        self.serial = 0
        self.version = 0  # bumped whenever pods are created, placed or removed
        self.n_pending = 0  # pods not yet on a node

        # ---- nodes and the autoscaler ----
        self.ready_nodes = [g.min_size for g in groups]
        self.scheduled = [0] * self.n_groups  # pods on each group's nodes
        self.upcoming: list[tuple[float, int, int]] = []  # (ready time, group, nodes)
        self.events: list[tuple[float, str, int, int, str]] = []
        self.node_changes: list[list[tuple[int, int]]] = [[(0, n)] for n in self.ready_nodes]
        # nodes launched and not yet Ready, billed from the scan that launched them
        self.launching_changes: list[list[tuple[int, int]]] = [[(0, 0)] for _ in groups]
        self.last_scale_up_s = -math.inf
        self.stuck = False  # the last scan's pending pods fit no group: logged once
        self.unneeded_since: list[float | None] = [None] * self.n_groups
        # (group, scan s) of the removal chosen and waiting for its validation, or None
        self.command: tuple[int, float] | None = None
        # (pods version, Ready nodes) of the last scan whose scale-down changed nothing and
        # depended on the time only through the groups' unneeded timers, and the earliest of
        # those timers (inf: every group needed); see cluster_scale_down.scale_down
        self.quiet_key: tuple[int, ...] | None = None
        self.quiet_since_s = math.inf
        # per group: the budget hold last logged, until the group is next free to go (one event
        # a hold, not one each time the group drops out of candidacy and comes back)
        self.blocked: list[str | None] = [None] * self.n_groups
        # the cordoned node being drained: [group, start s, pods left, s its last pod left (its
        # pods terminating) or None, why it goes], or None (cluster_scale_down.drain)
        self.drain: list[Any] | None = None

    def tick_at(self, t: float) -> int:
        """The first tick at or after ``t`` seconds."""
        return first_tick_at(t, self.tick_s, self.n_ticks + 1)

    def new_names(self, n: int) -> list[str]:
        """``n`` fresh pod names."""
        first = self.serial
        self.serial += n
        return [f"p{i}" for i in range(first, first + n)]

    def set_nodes(self, g: int, t: float) -> None:
        """Log group ``g``'s Ready node count at ``t``."""
        self.node_changes[g].append((self.tick_at(t), self.ready_nodes[g]))

    def set_launching(self, g: int, t: float) -> None:
        """Log group ``g``'s count of nodes launched and not yet Ready at ``t``."""
        self.launching_changes[g].append((self.tick_at(t), self._in_flight(g)))

    # ---- pods ----------------------------------------------------------------------------
    def ready_at(self, t: float) -> int:
        """Pods Ready at ``t`` (on a node, past their Ready tick)."""
        tick_s = self.tick_s
        return sum(len(c.names) for c in self.cohorts
                   if c.group >= 0 and c.ready_tick * tick_s <= t)

    def pods(self) -> int:
        """Every pod of the Deployment, pending or not."""
        return sum(len(c.names) for c in self.cohorts)

    def place(self, t: float) -> None:
        """The scheduler at ``t``: pending cohorts, oldest first, into the free slots of the
        groups in priority order (a cohort split where a group holds only part of it)."""
        cohorts, slots, ready_nodes, scheduled = (self.cohorts, self.slots, self.ready_nodes,
                                                  self.scheduled)
        drain_ = self.drain
        i = 0
        while i < len(cohorts):
            c = cohorts[i]
            if c.group >= 0:
                i += 1
                continue
            for g in range(self.n_groups):
                free = ready_nodes[g] * slots[g] - scheduled[g]
                if drain_ is not None and drain_[0] == g:  # nothing new on the cordoned node
                    free -= slots[g] - drain_[2]
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
                c.running_s = t + self.bind_to_running_s
                c.ready_tick = self.tick_at(c.running_s + self.startup_to_ready_s)
                self.ready_delta[min(c.ready_tick, self.n_ticks + 1)] += k
                scheduled[g] += k
                self.n_pending -= k
                self.version += 1
                break
            i += 1

    def remove(self, c: Cohort, k: int, t: float) -> None:
        """``k`` pods of ``c`` end at ``t`` (deleted or evicted; newest names first)."""
        j = self.tick_at(t)
        if c.group >= 0:
            self.scheduled[c.group] -= k
            self.ready_delta[min(max(j, c.ready_tick), self.n_ticks + 1)] -= k
        else:
            self.n_pending -= k
        self.records.append((c.created_s, c.scheduled_s, c.ready_tick, j, k))
        del c.names[len(c.names) - k:]
        self.version += 1
        if not c.names:
            self.cohorts.remove(c)

    def create(self, n: int, t: float) -> None:
        """``n`` new pods at ``t``, placed at once where there is room."""
        self._add_pending(n, t)
        self.place(t)

    def _add_pending(self, n: int, t: float) -> None:
        self.cohorts.append(Cohort(self.new_names(n), t))
        self.n_pending += n
        self.version += 1

    def delete(self, n: int, t: float) -> None:
        """The Deployment scaled down by ``n`` at ``t``: ReplicaSet order (unscheduled, then not
        ready, then ready; newest first in each)."""
        tick_s = self.tick_s
        for rank in (0, 1, 2):
            for c in reversed(list(self.cohorts)):
                if n == 0:
                    return
                state = 0 if c.group < 0 else (1 if c.ready_tick * tick_s > t else 2)
                if state == rank:
                    k = min(n, len(c.names))
                    self.remove(c, k, t)
                    n -= k

    def evict(self, g: int, n: int, t: float) -> None:
        """``n`` pods of group ``g`` (its oldest) evicted at ``t``, created again Pending (placed
        by the caller's next :meth:`place`)."""
        for c in [c for c in self.cohorts if c.group == g]:
            if n == 0:
                break
            k = min(n, len(c.names))
            self.remove(c, k, t)
            n -= k
            self._add_pending(k, t)

    # ---- nodes ---------------------------------------------------------------------------
    def start(self, initial: int) -> None:
        """The run's start: each group at ``min_size``, then enough nodes, group by group, for
        ``initial`` warm pods (Running and Ready from tick 0); refused when they do not fit at
        ``max_size``."""
        slots, ready_nodes = self.slots, self.ready_nodes
        short = initial - sum(ready_nodes[g] * slots[g] for g in range(self.n_groups))
        for g in range(self.n_groups):
            add = max(0, min(self.groups[g].max_size - ready_nodes[g],
                             math.ceil(short / slots[g])))
            ready_nodes[g] += add
            short -= add * slots[g]
            self.node_changes[g] = [(0, ready_nodes[g])]
        if not initial:
            return
        # not a change the view or the scale-down's skip could have seen: no version bump
        self.cohorts.append(Cohort(self.new_names(initial), LONG_AGO_S))
        self.n_pending += initial
        self.place(LONG_AGO_S)
        if self.cohorts[-1].group < 0:
            raise SimulationError(
                f"initial_replicas (={initial}) pods do not fit on the node groups at max_size; "
                "raise max_size or lower initial_replicas"
            )
        for c in self.cohorts:
            c.running_s = LONG_AGO_S
            c.ready_tick = 0
        self.ready_delta[:] = [0] * len(self.ready_delta)
        self.ready_delta[0] = initial

    def arrive(self, t: float) -> None:
        """The first batch of provisioned nodes is Ready at ``t``."""
        _, g, k = self.upcoming.pop(0)
        self.ready_nodes[g] += k
        self.set_nodes(g, t)
        self.set_launching(g, t)
        self.place(t)

    def scan(self, t: float) -> None:
        """One cluster-autoscaler scan at ``t``: the staged drain's step, scale-up for pending
        pods, else scale-down."""
        if self.drain is not None:
            drain(self, t)
        pending = self.n_pending
        if pending:
            self._scale_up(t, pending)
        else:
            self.stuck = False
        if pending:  # every slot a pending pod fits is taken: nothing is unneeded
            self.unneeded_since[:] = [None] * self.n_groups
            self.command = None  # a removal waiting for validation finds the cluster changed
            return
        # Whether a group is needed depends only on the nodes and the placed pods: while
        # neither changed since a quiet scan (scale_down keeps its key in quiet_key), this scan
        # is that scan until an unneeded timer it started runs out (the first one, started at
        # quiet_since_s: ``t - since`` only grows as ``since`` falls, so no later timer is up
        # before it). Most scans of a run end here.
        if (self.drain is None and self.command is None
                and self.quiet_key == (self.version, *self.ready_nodes)
                and t - self.quiet_since_s < self.ca.scale_down_unneeded_s):
            return
        # cluster-autoscaler tracks unneeded nodes at every scan and only holds their removal
        # while ``scale_down_delay_after_add_s`` runs (static_autoscaler: UpdateClusterState
        # before the scaleDownInCooldown check), so the timers keep counting through it
        scale_down(self, t, t - self.last_scale_up_s < self.ca.scale_down_delay_after_add_s)

    def _in_flight(self, g: int) -> int:
        return sum(n for _, gg, n in self.upcoming if gg == g)

    def _scale_up(self, t: float, pending: int) -> None:
        ca, groups, slots, ready_nodes = self.ca, self.groups, self.slots, self.ready_nodes
        need = pending - sum(n * slots[g] for _, g, n in self.upcoming)
        if need <= 0:
            self.stuck = False
            return
        for g, grp in enumerate(groups):
            in_flight = self._in_flight(g)
            room = grp.max_size - ready_nodes[g] - in_flight
            k = min(room, math.ceil(need / slots[g]))
            if k <= 0:
                continue
            self.upcoming.append((t + ca.provisioning_delay_s, g, k))
            self.upcoming.sort()
            self.set_launching(g, t)
            self.events.append((t, f"node_scale_up:{grp.name}", ready_nodes[g] + in_flight,
                                ready_nodes[g] + in_flight + k,
                                (f"{pending} pending pod(s) need {k} more {grp.instance_type} "
                                 f"node(s), Ready at {t + ca.provisioning_delay_s:g} s")))
            self.last_scale_up_s = t
            # one group a scan, as cluster-autoscaler's expander picks one option a loop: the
            # pods it cannot hold at max_size wait for the next scan's choice (or, with no group
            # left below max_size, fit nowhere now)
            need -= k * slots[g]
            if any(h.max_size > ready_nodes[i] + self._in_flight(i)
                   for i, h in enumerate(groups)):
                need = 0
            break
        if need > 0 and not self.stuck:
            self.events.append((t, "node_scale_up_failed", 0, 0,
                                f"{need} pending pod(s) fit no node group: all at max_size"))
        self.stuck = need > 0
