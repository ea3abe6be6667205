"""Node groups, pod placement and the cluster autoscaler.

Model (documented assumptions):

(One Deployment. Pods of several Deployments on shared nodes: :mod:`infra_toolkit.shared_nodes`,
which holds every node on its own.)

- All pods of the Deployment have the same requests, so a node of a group holds
  ``pod_slots = min(cpu fit, memory fit, max_pods - daemonset_pods, max_pods_per_node)`` of
  them, computed from its allocatable CPU and memory (capacity minus ``reserved_*``, which covers
  kubelet, system and daemonset requests; a plan's nodes reserve what EKS's kubelet and
  DaemonSets take, :mod:`infra_toolkit.node_allocatable`); ``max_pods_per_node`` is the
  workload's cap (1 for a required pod anti-affinity on ``kubernetes.io/hostname`` against its
  own pods, which kube-scheduler's InterPodAffinity filter enforces and the cluster autoscaler
  simulates, so it adds a node per pod past the first; none by default).
  Scheduling fills free slots on ready nodes, groups in list order.
- Within a group the scheduler spreads pods evenly over nodes (kube-scheduler's default
  LeastAllocated scoring), so every node of a group has the same utilization.
- Cluster autoscaler, run every ``scan_interval_s``:
  * **scale-up**: pending pods that will not fit on ready nodes or on nodes already being
    provisioned get new nodes, first group in list order with headroom below ``max_size``
    (a priority expander), one group a scan: pods that group cannot hold at ``max_size`` wait
    for the next scan (cluster-autoscaler's expander picks one option a loop). New nodes are
    Ready ``provisioning_delay_s`` after the scan; they are billed from the scan (EC2 bills
    from launch), so node-hours count that delay.
  * **scale-down**: a group's nodes are *unneeded* while the group is above ``min_size``, its
    request utilization (:func:`request_utilization`: the pods' and DaemonSets' requests over
    the kubelet's allocatable, the larger of CPU and memory) is below
    ``scale_down_utilization_threshold`` and the pods of one node fit on the other nodes. After
    ``scale_down_unneeded_s`` continuously unneeded, and ``scale_down_delay_after_add_s`` after
    the last scale-up, one node per scan is removed; its pods are evicted and re-created Pending
    (they start again), as a drain does. The delay after a scale-up holds removals only: the
    unneeded time counts through it, as cluster-autoscaler updates its unneeded nodes at every
    scan before it checks ``scaleDownInCooldown``. While pods are Pending nothing is unneeded
    (every slot they fit is taken) and the timers restart. Karpenter's timing
    (``KARPENTER_LIKE`` and NodePools): a node whose time is up is only chosen, and goes
    ``consolidation_validation_s`` later if it still may (its ``consolidationTTL``); once its
    pods are evicted it stays cordoned and billed ``pod_termination_s`` while they terminate.
    One node at a time either way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from infra_toolkit.disruption_budget import smallest_scaled
from infra_toolkit.errors import SimulationError, SpecError
from infra_toolkit.spec_checks import require_finite, require_whole

__all__ = ["DRAIN_RULES", "KARPENTER_COMMAND_S", "KARPENTER_LIKE", "MAX_POD_EVICTION_S",
           "POD_TERMINATION_GRACE_S", "ClusterAutoscalerSpec", "NodeGroup", "node_room",
           "pod_slots", "request_utilization"]


@dataclass(frozen=True)
class NodeGroup:
    """A group of identical nodes: instance type, its size (vCPU, memory GiB, max pods) and the
    group's ``min_size``/``max_size`` node counts. ``reserved_cpu_millicores`` and
    ``reserved_memory_mib`` are taken off capacity for kubelet, system and daemonset use (the
    defaults are a round stand-in for a group built by hand; a plan's and the ``simulate``
    command's groups reserve what an EKS node does, :func:`~infra_toolkit.node_allocatable.
    node_reserve`); ``daemonset_pods`` count against ``max_pods``. ``pod_termination_s``:
    seconds a drained node of the group stays, cordoned and billed, after its last eviction
    while its pods terminate (the longest ``terminationGracePeriodSeconds`` of the workloads
    that can run on it); ``None``: the autoscaler's
    (:meth:`ClusterAutoscalerSpec.termination_s`). ``daemonset_cpu_millicores`` and
    ``daemonset_memory_mib``: the DaemonSet pods' requests within ``reserved_*``, which
    cluster-autoscaler counts in a node's utilization (:func:`request_utilization`)."""

    name: str
    instance_type: str
    vcpu: float
    memory_gib: float
    max_pods: int
    min_size: int = 1
    max_size: int = 10
    reserved_cpu_millicores: float = 100.0
    reserved_memory_mib: float = 600.0
    daemonset_pods: int = 2
    pod_termination_s: float | None = None
    daemonset_cpu_millicores: float = 0.0
    daemonset_memory_mib: float = 0.0

    def __post_init__(self) -> None:
        o = f"node group {self.name!r}"
        if self.pod_termination_s is not None:
            require_finite(f"{o}.pod_termination_s", self.pod_termination_s, 0,
                           rule="{bound} seconds")
        for name in ("vcpu", "memory_gib"):
            require_finite(f"{o}.{name}", getattr(self, name), 0, strict=True, rule="{bound}")
        for name in ("max_pods", "min_size", "max_size", "daemonset_pods"):
            require_whole(f"{o}.{name}", getattr(self, name), 0)
        if self.max_size < max(self.min_size, 1):
            raise SpecError(f"{o}.max_size (={self.max_size}) must be >= min_size "
                            f"(={self.min_size}) and >= 1")
        if self.reserved_cpu_millicores < 0 or self.reserved_memory_mib < 0:
            raise SpecError(f"{o}: reserved_cpu_millicores and reserved_memory_mib must be >= 0")
        if not (0 <= self.daemonset_cpu_millicores <= self.reserved_cpu_millicores
                and 0 <= self.daemonset_memory_mib <= self.reserved_memory_mib):
            raise SpecError(f"{o}: daemonset_cpu_millicores and daemonset_memory_mib are part "
                            "of reserved_cpu_millicores and reserved_memory_mib: each >= 0 and "
                            "at most its reserve")

    @property
    def allocatable_cpu_millicores(self) -> float:
        """CPU left for pods, in millicores."""
        return self.vcpu * 1000.0 - self.reserved_cpu_millicores

    @property
    def allocatable_memory_mib(self) -> float:
        """Memory left for pods, in MiB."""
        return self.memory_gib * 1024.0 - self.reserved_memory_mib

    @property
    def kubelet_allocatable_cpu_millicores(self) -> float:
        """The kubelet's allocatable CPU (what is left for pods and DaemonSets), millicores."""
        return self.allocatable_cpu_millicores + self.daemonset_cpu_millicores

    @property
    def kubelet_allocatable_memory_mib(self) -> float:
        """The kubelet's allocatable memory (left for pods and DaemonSets), MiB."""
        return self.allocatable_memory_mib + self.daemonset_memory_mib


def request_utilization(group: NodeGroup, cpu_millicores: float, memory_mib: float) -> float:
    """A node's utilization as cluster-autoscaler's scale-down judges it: the requests of its
    pods (``cpu_millicores``, ``memory_mib``) and of its DaemonSets over the kubelet's
    allocatable, the larger of CPU and memory (DaemonSet pods count, as
    ``--ignore-daemonsets-utilization`` is false by default), as a fraction."""
    cpu = (cpu_millicores + group.daemonset_cpu_millicores) / \
        group.kubelet_allocatable_cpu_millicores
    memory = (memory_mib + group.daemonset_memory_mib) / group.kubelet_allocatable_memory_mib
    return max(cpu, memory)


# A whole-core CPU request this large is far more likely `cpu: 500` meant as 500m than a pod
# wanting 100+ cores (audit14 A14-6)
_UNLIKELY_CORES = 100


def pod_slots(group: NodeGroup, cpu_request_millicores: float, memory_request_mib: float,
              max_pods_per_node: int | None = None) -> int:
    """How many pods with these requests one node of ``group`` holds, at most
    ``max_pods_per_node`` (the workload's cap, ``None``: none)."""
    free_pods = group.max_pods - group.daemonset_pods

    def fitting(allocatable: float, request: float) -> int:
        # a request of 0 (a Deployment without an HPA whose containers request no CPU) leaves
        # the pod count to the other limits; so does one so small (1e-320 MiB) that the room
        # over it is past any pod count (it overflowed to inf: OverflowError from floor)
        room = allocatable / request if request > 0 else math.inf
        return math.floor(room + 1e-9) if room < free_pods else free_pods

    by_cpu = fitting(group.allocatable_cpu_millicores, cpu_request_millicores)
    by_memory = fitting(group.allocatable_memory_mib, memory_request_mib)
    slots = max(0, min(by_cpu, by_memory, free_pods))
    if slots >= 1 and max_pods_per_node is not None:
        slots = min(slots, max_pods_per_node)
    if slots < 1:
        cores = cpu_request_millicores / 1000
        # `cpu: 500` is 500 cores: name the likely slip for a request no node type comes near
        hint = (f" (cpu {cores:g} is {cores:g} cores: a CPU quantity without a unit is cores; "
                f"write {cores:g}m for millicores)" if cores >= _UNLIKELY_CORES
                and cores.is_integer() else "")
        # whole millicores as written out: `:g` gave 3e+06m for `cpu: 3000` (audit15)
        cpu = f"{cpu_request_millicores:.0f}" if float(cpu_request_millicores).is_integer() \
            else f"{cpu_request_millicores:g}"
        free_cpu, free_memory = (f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"
                                 for x in (group.allocatable_cpu_millicores,
                                           group.allocatable_memory_mib))
        raise SimulationError(
            f"a pod requesting {cpu}m CPU and {memory_request_mib:g} MiB does "
            f"not fit on node group {group.name!r} ({group.instance_type}: {free_cpu}m, "
            f"{free_memory} MiB and {group.max_pods - group.daemonset_pods} pod(s) free beside "
            f"the kubelet's reserve and DaemonSets); lower the requests or use a larger "
            f"instance type{hint}"
        )
    return slots


def node_room(groups: Sequence[NodeGroup], cpu_request_millicores: float,
              memory_request_mib: float, max_pods_per_node: int | None = None
              ) -> dict[str, int]:
    """How many pods with these requests (at most ``max_pods_per_node`` a node) each group (by
    name) holds at its ``max_size``."""
    return {g.name: g.max_size * pod_slots(g, cpu_request_millicores, memory_request_mib,
                                           max_pods_per_node)
            for g in groups}

#: cluster-autoscaler's ``--max-pod-eviction-time`` default (seconds): a node drained in steps
#: whose pods are still refused eviction this long after its drain started is given up,
#: un-cordoned and kept (``core/scaledown/actuation/drain.go``, ``evictPod`` retrying every
#: 10 s until then; ``CleanUpAndRecordFailedScaleDownEvent`` removes the taint)
MAX_POD_EVICTION_S = 120.0

#: How a node drained in steps is chosen and ended (docs/DESIGN.md, node scale-down):
#: ``cluster-autoscaler`` (a candidate its PodDisruptionBudgets refuse is unremovable, its unneeded
#: time restarted; a drain given up ``MAX_POD_EVICTION_S`` after it started) or ``karpenter``
#: (a candidate they refuse is skipped at the moment of choice, its unneeded time counting on;
#: a drain never given up, ended at its NodePool's ``terminationGracePeriod`` when one is set)
DRAIN_RULES = ("cluster-autoscaler", "karpenter")

#: Karpenter's ``consolidationTTL`` (seconds, ``pkg/controllers/disruption/consolidation.go``):
#: every consolidation command, empty nodes (``emptiness.go``: ``clock.After(consolidationTTL)``
#: then ``Validate``) or a node whose pods fit elsewhere (``singlenodeconsolidation.go``:
#: ``validator.Validate(ctx, cmd, consolidationTTL)``), waits this long after it is computed and
#: checks its candidates again before it acts; the disruption controller computes one command at
#: a time (``ClusterAutoscalerSpec.consolidation_validation_s`` of ``KARPENTER_LIKE``)
KARPENTER_COMMAND_S = 15.0

#: Kubernetes' default ``terminationGracePeriodSeconds`` (seconds): an evicted pod's containers
#: get up to this long to stop after SIGTERM, and Karpenter's termination controller
#: (``terminator.Drain``, ``awaitDrain``) terminates the instance only once the drained node's
#: pods are gone (``ClusterAutoscalerSpec.pod_termination_s`` of ``KARPENTER_LIKE``)
POD_TERMINATION_GRACE_S = 30.0


@dataclass(frozen=True)
class ClusterAutoscalerSpec:
    """Cluster autoscaler timing (seconds) and its scale-down utilization threshold (fraction).
    Defaults are the Kubernetes cluster-autoscaler's (scan 10 s, unneeded 10 min, 0.5, delay after
    add 10 min) with a typical EC2 node start of 2 min."""

    scan_interval_s: int = 10
    provisioning_delay_s: float = 120.0
    scale_down_unneeded_s: float = 600.0
    scale_down_utilization_threshold: float = 0.5
    scale_down_delay_after_add_s: float = 600.0
    name: str = "cluster-autoscaler"
    #: one of ``DRAIN_RULES``; the NodePools' fields below apply to ``karpenter`` only
    drain_rules: str = "cluster-autoscaler"
    #: ``(group name, seconds)``: a NodePool's ``terminationGracePeriod``, after which a drain's
    #: pods left are deleted and the node goes
    termination_grace_periods_s: tuple[tuple[str, float], ...] = ()
    #: groups whose NodePool disruption budget allows no node: none of their nodes is removed
    undisruptable_groups: tuple[str, ...] = ()
    #: ``(group name, its NodePool's budgets' nodes)``: a whole number or ``"N%"`` each, the
    #: smallest binding (:meth:`disruption_allowed`)
    node_pool_budgets: tuple[tuple[str, tuple[int | str, ...]], ...] = ()
    #: seconds a removal chosen at a scan waits before it is carried out, at the first scan at
    #: or after that, if the node is then still a candidate (dropped otherwise, and whenever a
    #: scan finds pods Pending meanwhile); no other removal is chosen while it waits
    #: (Karpenter's ``consolidationTTL``, ``KARPENTER_COMMAND_S``; 0: at once, as
    #: cluster-autoscaler removes a node whose unneeded time is up)
    consolidation_validation_s: float = 0.0
    #: seconds a drained node stays, cordoned, empty and billed, after its last pod's eviction
    #: until its pods have terminated and the instance is terminated (the pods'
    #: ``terminationGracePeriodSeconds``, ``POD_TERMINATION_GRACE_S`` by default; 0: the node
    #: goes at its last eviction); no other removal starts meanwhile. A group's own
    #: ``NodeGroup.pod_termination_s`` replaces it for that group's nodes (:meth:`termination_s`)
    pod_termination_s: float = 0.0

    def __post_init__(self) -> None:
        require_whole(f"{self.name}.scan_interval_s", self.scan_interval_s, 1, "seconds")
        if self.drain_rules not in DRAIN_RULES:
            raise SpecError(f"{self.name}.drain_rules (={self.drain_rules!r}) must be one of "
                            f"{', '.join(DRAIN_RULES)}")
        for group, grace_s in self.termination_grace_periods_s:
            require_finite(f"{self.name}.termination_grace_periods_s[{group!r}]", grace_s, 0,
                           rule="{bound} seconds")
        for name in ("provisioning_delay_s", "scale_down_unneeded_s",
                     "scale_down_delay_after_add_s", "consolidation_validation_s",
                     "pod_termination_s"):
            require_finite(f"{self.name}.{name}", getattr(self, name), 0, rule="{bound} seconds")
        if not 0 <= self.scale_down_utilization_threshold <= 1:
            raise SpecError(f"{self.name}.scale_down_utilization_threshold "
                            f"(={self.scale_down_utilization_threshold}) must be in [0, 1]")

    def termination_s(self, group: NodeGroup) -> float:
        """Seconds a drained node of ``group`` stays cordoned and billed after its last
        eviction: the group's own ``pod_termination_s`` when it has one (the grace of the pods
        that can run there), else ``pod_termination_s``; 0: it goes at its last eviction."""
        return self.pod_termination_s if group.pod_termination_s is None \
            else group.pod_termination_s

    def drain_limit_s(self, group: str) -> float | None:
        """Seconds after its start that a drain of a ``group`` node ends with pods left: given up
        (cluster-autoscaler's ``MAX_POD_EVICTION_S``) or, Karpenter, forced (the NodePool's
        ``terminationGracePeriod``); ``None``: never (Karpenter retries evictions for ever)."""
        if self.drain_rules == "cluster-autoscaler":
            return MAX_POD_EVICTION_S
        return dict(self.termination_grace_periods_s).get(group)

    def disruption_allowed(self, group: str, nodes: int) -> bool:
        """Whether a node of ``group`` (``nodes`` nodes) may be chosen for removal under its
        NodePool's disruption budget: Karpenter's ``BuildDisruptionBudgetMapping`` allows the
        budget of the pool's nodes less those being disrupted, and the model chooses a node
        only while none drains or terminates (one at a time), so none is. Always true for a
        group without a NodePool budget."""
        budgets = dict(self.node_pool_budgets).get(group)
        return budgets is None or smallest_scaled(budgets, nodes) >= 1


KARPENTER_LIKE = ClusterAutoscalerSpec(
    scan_interval_s=5, provisioning_delay_s=45.0, scale_down_unneeded_s=30.0,
    scale_down_utilization_threshold=0.5, scale_down_delay_after_add_s=0.0, name="karpenter-like",
    consolidation_validation_s=KARPENTER_COMMAND_S, pod_termination_s=POD_TERMINATION_GRACE_S,
)
"""Fast provisioning: pending pods are batched within seconds and a node is Ready ~45 s later;
underused nodes are consolidated after 30 s, each removal validated 15 s later
(``KARPENTER_COMMAND_S``) and the node billed until its pods have terminated
(``POD_TERMINATION_GRACE_S``)."""
