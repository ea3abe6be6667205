"""What an EKS node leaves for pods: its allocatable CPU and memory, and what the node group's
reserve (:class:`~infra_toolkit.nodes.NodeGroup` ``reserved_*``) is for a plan's nodes.

The kubelet reports ``allocatable = capacity - kubeReserved - systemReserved - evictionHard``
(kubelet's node allocatable), and the scheduler places pods against it less what the node's
DaemonSet pods request. EKS's AMIs (AL2023 ``nodeadm``, Bottlerocket, the AL2 bootstrap) and
Karpenter set the kubelet's reservations the same way when the node configuration states none:

- ``kubeReserved`` CPU: 6 % of the first core, 1 % of the second, 0.5 % of the third and fourth,
  0.25 % of every further core (:func:`eks_kube_reserved_cpu_millicores`);
- ``kubeReserved`` memory: ``11 MiB x max pods + 255 MiB`` (:func:`eks_kube_reserved_memory_mib`);
- ``evictionHard`` ``memory.available``: 100 MiB; no ``systemReserved``.

A node's memory capacity is below the instance type's nominal memory (the hypervisor and kernel
keep some): the nominal figure less :data:`VM_MEMORY_OVERHEAD_FRACTION` of it, rounded up to a
whole MiB, as Karpenter estimates it (``vmMemoryOverheadPercent``'s default; an estimate the
Karpenter project calls sufficient for nearly every type, and what it provisions by;
:func:`memory_capacity_mib`, aws/karpenter-provider-aws ``pkg/providers/instancetype/types.go``
``memory()``). Karpenter first takes :data:`ARM64_CMA_MIB` off an arm64 (Graviton) type.
With those, :func:`allocatable` gives Karpenter's published allocatable CPU of every instance
type and its memory to the MiB for every amd64 type (its generated instance-types reference,
``../shared/pricing_reference/ec2_karpenter_allocatable.csv``); arm64 types are listed there
59 MiB lower: Karpenter's 64 MiB less the 5 MiB less overhead that leaves (a1.large, 4096 MiB:
4096 - ceil(307.2) = 3788 MiB amd64's way, 4032 - ceil(302.4) = 3729 arm64's), which
:func:`allocatable`, given no architecture, leaves out.

DaemonSets: every EKS node runs ``kube-proxy`` (requests 100m CPU) and ``aws-node``, the VPC CNI
(requests 25m CPU); neither requests memory (:data:`EKS_DAEMONSETS`). A plan with more
DaemonSets (log shippers, node exporters, security agents) states them in
``simulation.node_daemonsets``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from infra_toolkit.errors import SpecError
from infra_toolkit.spec_checks import require_finite, require_whole

__all__ = ["ARM64_CMA_MIB", "EKS_DAEMONSETS", "EVICTION_HARD_MEMORY_MIB",
           "VM_MEMORY_OVERHEAD_FRACTION", "KubeletReserve", "NodeDaemonsets", "allocatable",
           "eks_kube_reserved_cpu_millicores", "eks_kube_reserved_memory_mib",
           "memory_capacity_mib", "node_reserve"]

#: Share of an instance type's nominal memory a node's kubelet does not see (Karpenter's
#: ``vmMemoryOverheadPercent`` default, 7.5 %).
VM_MEMORY_OVERHEAD_FRACTION = 0.075
#: Memory an arm64 (Graviton) instance keeps for its contiguous memory allocator, MiB, which
#: Karpenter takes off the nominal memory before the overhead ("Gravitons have an extra 64 MiB of
#: cma reserved memory that we can't use").
ARM64_CMA_MIB = 64
#: The kubelet's hard eviction threshold for ``memory.available`` on EKS's AMIs, MiB.
EVICTION_HARD_MEMORY_MIB = 100.0


@dataclass(frozen=True)
class KubeletReserve:
    """The reservations a node configuration states for its kubelet (eksctl
    ``kubeletExtraConfig``, a Karpenter ``kubelet`` block); ``None``: EKS's default for the node.
    ``eviction_memory_percent``: an ``evictionHard`` ``memory.available`` given as a percent of
    the node's memory capacity (then ``eviction_memory_mib`` is ``None``)."""

    kube_cpu_millicores: float | None = None
    kube_memory_mib: float | None = None
    system_cpu_millicores: float = 0.0
    system_memory_mib: float = 0.0
    eviction_memory_mib: float | None = None
    eviction_memory_percent: float | None = None

    def __post_init__(self) -> None:
        for name in ("kube_cpu_millicores", "kube_memory_mib", "system_cpu_millicores",
                     "system_memory_mib", "eviction_memory_mib"):
            value = getattr(self, name)
            if value is not None:
                require_finite(f"kubelet reserve {name}", value, 0, rule="{bound}")
        if self.eviction_memory_percent is not None:
            require_finite("kubelet reserve eviction_memory_percent",
                           self.eviction_memory_percent, 0, rule="{bound}")
            if self.eviction_memory_percent > 100 or self.eviction_memory_mib is not None:
                raise SpecError("kubelet reserve: give evictionHard memory.available once, as "
                                "a quantity or as a percent of at most 100")


@dataclass(frozen=True)
class NodeDaemonsets:
    """What the DaemonSet pods on every node take together: their count (against the node's
    max pods) and their summed CPU (millicores) and memory (MiB) requests."""

    pods: int
    cpu_millicores: float
    memory_mib: float

    def __post_init__(self) -> None:
        require_whole("node_daemonsets.pods", self.pods, 0)
        require_finite("node_daemonsets.cpu_millicores", self.cpu_millicores, 0, rule="{bound}")
        require_finite("node_daemonsets.memory_mib", self.memory_mib, 0, rule="{bound}")


#: EKS's own DaemonSets on every node: kube-proxy (100m CPU) and aws-node (25m CPU).
EKS_DAEMONSETS = NodeDaemonsets(pods=2, cpu_millicores=125.0, memory_mib=0.0)

# (cores up to, share of each of those cores) of EKS's kubeReserved CPU
_CPU_TIERS = ((1, 0.06), (2, 0.01), (4, 0.005))
_CPU_SHARE_ABOVE = 0.0025


def eks_kube_reserved_cpu_millicores(vcpu: float) -> float:
    """EKS's default ``kubeReserved`` CPU for a node of ``vcpu`` vCPU, in millicores."""
    reserved, below = 0.0, 0
    for up_to, share in _CPU_TIERS:
        reserved += max(0, min(vcpu, up_to) - below) * share * 1000
        below = up_to
    return reserved + max(0, vcpu - below) * _CPU_SHARE_ABOVE * 1000


def eks_kube_reserved_memory_mib(max_pods: int) -> float:
    """EKS's default ``kubeReserved`` memory for a node of ``max_pods`` pods, in MiB."""
    return 11.0 * max_pods + 255.0


def memory_capacity_mib(memory_mib: float, arch: str = "amd64",
                        overhead_fraction: float = VM_MEMORY_OVERHEAD_FRACTION) -> float:
    """A node's memory capacity in MiB as Karpenter estimates it for an instance type of
    ``memory_mib`` nominal memory and architecture ``arch`` (``memory()``): less
    :data:`ARM64_CMA_MIB` on ``arm64``, then less ``ceil(that x overhead_fraction)`` MiB
    (``vmMemoryOverheadPercent``, a Karpenter controller setting,
    :data:`VM_MEMORY_OVERHEAD_FRACTION` by default; a plan states none, so the default is what
    its NodePools are counted with). What a NodeClaim's capacity holds, so what a NodePool's
    ``spec.limits.memory`` counts (:func:`~infra_toolkit.karpenter_config.node_group_config`)."""
    size_mib = memory_mib - (ARM64_CMA_MIB if arch == "arm64" else 0)
    return size_mib - math.ceil(size_mib * overhead_fraction)


def allocatable(vcpu: float, memory_mib: float, max_pods: int,
                reserve: KubeletReserve = KubeletReserve()) -> tuple[float, float]:
    """The kubelet's allocatable ``(CPU millicores, memory MiB)`` of a node of ``vcpu`` vCPU,
    ``memory_mib`` nominal memory and ``max_pods`` pods, with ``reserve`` (EKS's defaults for
    what it leaves unset)."""
    capacity_mib = memory_capacity_mib(memory_mib)
    kube_cpu = (eks_kube_reserved_cpu_millicores(vcpu) if reserve.kube_cpu_millicores is None
                else reserve.kube_cpu_millicores)
    kube_memory = (eks_kube_reserved_memory_mib(max_pods) if reserve.kube_memory_mib is None
                   else reserve.kube_memory_mib)
    if reserve.eviction_memory_percent is not None:
        eviction = capacity_mib * reserve.eviction_memory_percent / 100
    else:
        eviction = (EVICTION_HARD_MEMORY_MIB if reserve.eviction_memory_mib is None
                    else reserve.eviction_memory_mib)
    return (vcpu * 1000.0 - kube_cpu - reserve.system_cpu_millicores,
            capacity_mib - kube_memory - reserve.system_memory_mib - eviction)


def node_reserve(vcpu: float, memory_mib: float, max_pods: int,
                 reserve: KubeletReserve = KubeletReserve(),
                 daemonsets: NodeDaemonsets = EKS_DAEMONSETS) -> tuple[float, float]:
    """What a node takes off its nominal size before the plan's pods, as
    :class:`~infra_toolkit.nodes.NodeGroup`'s ``(reserved_cpu_millicores,
    reserved_memory_mib)``: the kubelet's reservations (:func:`allocatable`) and the
    DaemonSets' requests."""
    cpu, memory = allocatable(vcpu, memory_mib, max_pods, reserve)
    return (vcpu * 1000.0 - cpu + daemonsets.cpu_millicores,
            memory_mib - memory + daemonsets.memory_mib)
