"""A workload whose pods request more local ephemeral storage than the disk of the nodes they may
run on (audit19 A19-20): the scheduler's NodeResourcesFit filter counts ``ephemeral-storage``
against the node's allocatable, so such a pod stays Pending there, while the simulation places
pods by CPU, memory and pod count alone.

The disk compared with is a node group's root volume as the plan states it (``disk_size`` of an
``aws_eks_node_group``, 20 GiB when unwritten; its launch template's ``volume_size``; eksctl's
``volumeSize``, 80 GiB when unstated; for a Karpenter EC2NodeClass the one volume Karpenter
counts as the node's ephemeral storage: the ``rootVolume: true`` mapping, else the one on the
AMI family's device, ``/dev/xvda`` or Bottlerocket's ``/dev/xvdb``, else Karpenter's
default; :func:`~infra_toolkit.karpenter_node_class.ephemeral_volume_gib`). Assumption: the
kubelet's allocatable ephemeral storage is the node's root filesystem less its ``kube-reserved`` /
``system-reserved`` ephemeral storage and the hard eviction threshold
(``nodefs.available<10%`` by default), and that filesystem is no larger than its volume, so
allocatable is always below the volume: a request above the volume never fits, while one a
little below it may not fit either (that depends on the AMI's reserve and image layout, which
the plan does not hold). So this catches only the certain cases.
"""

from __future__ import annotations

from infra_toolkit.eksctl_config import EKSCTL_DEFAULT_VOLUME_SIZE_GIB, NodeGroupConfig
from infra_toolkit.errors import SimulationError
from infra_toolkit.plan import Plan
from infra_toolkit.plan_simulation import simulation_node_groups
from infra_toolkit.plan_warning_type import PlanWarning, figure_text
from infra_toolkit.pod_template import ephemeral_storage_request_bytes
from infra_toolkit.pricing import PriceBook

__all__ = ["ephemeral_storage_warnings", "root_volume_gib"]

_GIB = 2**30


def root_volume_gib(group: NodeGroupConfig) -> int:
    """The GiB of EBS volume each node of ``group`` has, as the plan states it (eksctl's
    default of :data:`EKSCTL_DEFAULT_VOLUME_SIZE_GIB` GiB when the ClusterConfig states none),
    the volume holding its ephemeral storage where that is another (``ephemeral_gib``)."""
    if group.ephemeral_gib is not None:
        return group.ephemeral_gib
    return EKSCTL_DEFAULT_VOLUME_SIZE_GIB if group.disk_size_gib is None else group.disk_size_gib


def _volume_text(group: NodeGroupConfig) -> str:
    # a Karpenter node with several volumes keeps its ephemeral storage on one that need not be
    # the root one (Bottlerocket's data volume /dev/xvdb): calling it the root volume misleads
    kind = ("root volume" if group.ephemeral_gib is None
            else "volume Karpenter gives its ephemeral storage")
    return f"the {root_volume_gib(group)} GiB {kind}"


def ephemeral_storage_warnings(plan: Plan, book: PriceBook) -> list[PlanWarning]:
    """One warning per proposed workload (HPA or not) whose pod's ``ephemeral-storage`` request
    (:func:`~infra_toolkit.pod_template.ephemeral_storage_request_bytes`) is above the root volume
    of one or more of the node groups its pods may run on (by its placement, ``book`` sizing
    them), at its ``deployment``: the figures, whether any group is left for its pods, and the
    fix. A workload that fits no group at all is warned of elsewhere."""
    out = []
    configs = {g.name: g for g in plan.proposed.node_groups}
    for i, w in enumerate(plan.proposed.workloads):
        request = ephemeral_storage_request_bytes(w.deployment.document)
        if not request:
            continue
        try:
            names = [g.name for g in simulation_node_groups(plan.proposed, w, book,
                                                            plan.simulation.node_daemonsets)]
        except SimulationError:
            continue
        small = [configs[n] for n in names if root_volume_gib(configs[n]) * _GIB < request]
        if not small:
            continue
        disks = ("node group " if len(small) == 1 else "node groups ") + ", ".join(
            f"{g.name!r} ({_volume_text(g)})" for g in small)
        where = ("none of its node groups can hold its pods: they stay Pending and never run"
                 if len(small) == len(names) else
                 "its pods stay Pending on those groups' nodes, where the simulation may place "
                 "them (it places by CPU, memory and pod count)")
        out.append(PlanWarning(f"proposed.workloads[{i}].deployment", (
            f"Deployment {w.deployment_spec.name!r} requests "
            f"{figure_text(request / _GIB)} GiB of ephemeral-storage a pod, more than the "
            f"volume holding ephemeral storage on each node of {disks}: the kubelet's "
            "allocatable ephemeral storage is that volume less its reserve and eviction "
            "threshold, so the scheduler "
            f"(NodeResourcesFit) cannot put the pod there and {where}; make that volume "
            "larger than the request with room for the kubelet's reserve (disk_size, the "
            "launch template's volume_size, eksctl's volumeSize or the EC2NodeClass's "
            "blockDeviceMappings) or lower the request")))
    return out
