"""Reading Karpenter ``NodePool`` manifests (``karpenter.sh/v1``; ``karpenter.sh/v1beta1`` where
its fields are v1's) and the ``EC2NodeClass`` es they name (``karpenter.k8s.aws/v1`` or
``v1beta1``) into the node groups a plan simulates and prices.

Karpenter has no node group: it launches, per pending pod batch, the cheapest instance its
NodePool's requirements allow. The simulator and the cost model run ONE instance type per group,
so these rules turn a NodePool into a :class:`~infra_toolkit.eksctl_config.NodeGroupConfig`:

* **Instance type** -- never guessed. The requirements on ``node.kubernetes.io/instance-type``,
  ``karpenter.k8s.aws/instance-family`` / ``-category`` / ``-generation`` / ``-size`` /
  ``-cpu`` / ``-memory``, ``kubernetes.io/arch`` and ``kubernetes.io/os`` are evaluated against
  every type of the price book's instance specs (:func:`allowed_instance_types`); other keys
  cannot be checked against the table and are listed in :attr:`NodePool.not_modelled`. The plan
  names the one type it simulates and prices (:mod:`infra_toolkit.plan_node_pools`: the NodePool's
  ``aws_eks_node_group``), which the requirements must allow: Karpenter picks the cheapest type
  that fits the pods of the moment, which a plan cannot know in advance, so the author chooses
  and the validator says which allowed type is cheapest (:func:`cheapest_allowed`).
* **Capacity type** -- ``karpenter.sh/capacity-type``; on-demand when no requirement names it
  (Karpenter's default). With spot and on-demand both allowed Karpenter launches spot first, so
  the group is SPOT (priced from a spot rate in the overrides file, ``infra-toolkit pricing
  spot``; without one the line is PRICE NOT FOUND). ``reserved`` (capacity reservations) is not
  modelled: alone it is refused, beside others it is noted and left out.
* **Size** -- ``min_size`` 0 (Karpenter has no minimum); ``max_size`` the nodes that fit the
  NodePool's ``spec.limits``: ``floor(limits.cpu / vCPU)`` and ``floor(limits.memory /
  memory capacity)`` of the chosen type, the smaller (Karpenter launches no node whose
  capacity would pass a limit: kubernetes-sigs/karpenter ``filterByRemainingResources`` compares
  an instance type's ``Capacity``, whose memory is the nominal less the VM overhead,
  :func:`~infra_toolkit.node_allocatable.memory_capacity_mib`; m5.large's 8192 MiB counts as
  7577). A
  NodePool without a cpu or memory limit is refused: the simulation and the ceiling cost need a
  bound.
* **Disruption** -- ``consolidateAfter`` (default 0s) is the node autoscaler's
  ``scale_down_unneeded_s``; ``WhenEmptyOrUnderutilized`` (the default) removes any node whose
  pods fit on the others (threshold 1.0: the model's fit check alone), ``WhenEmpty`` only empty
  nodes, ``Never`` none (:func:`consolidation_autoscaler`). Drains follow Karpenter's rules,
  not cluster-autoscaler's (``ClusterAutoscalerSpec.drain_rules``): never given up, cut at the
  template's ``terminationGracePeriod`` when set; a budget allowing no node
  (:func:`allowed_disruptions` 0: ``nodes: "0"`` or ``"0%"``) keeps every node of the pool;
  each removal is validated ``nodes.KARPENTER_COMMAND_S`` (15 s) after it is chosen, as each
  consolidation command of Karpenter's is, and a drained node is billed until its pods have
  terminated (``nodes.POD_TERMINATION_GRACE_S``); one node is drained at a time, so any budget
  allowing a node is met (``ClusterAutoscalerSpec.disruption_allowed``) and one allowing
  more is noted (:mod:`infra_toolkit.plan_node_pools`: Karpenter may disrupt several at
  once, the simulated scale-down is slower). Budgets with a
  ``schedule``, or ``reasons`` not covering the policy's (``Empty``, and ``Underutilized``
  under WhenEmptyOrUnderutilized), ``expireAfter`` and replacement by a cheaper type have no
  equivalent in the model: they are listed in :attr:`NodePool.not_modelled`, never dropped
  silently.
* **Weight** -- the node groups of the NodePools are tried in Karpenter's order
  (:func:`order_by_weight`: ``spec.weight`` highest first, unset 0, equal weights by name Z to
  A), not the file's: the simulation's scheduler and scale-up take the first group in that
  order with room, and a pool at its ``spec.limits`` (``max_size``) is passed over for the
  next.
* **Placement** -- ``spec.template.metadata.labels``, single-value ``In`` requirements on keys
  that are not instance properties, the ``karpenter.sh/nodepool`` / ``capacity-type`` and
  instance labels Karpenter sets, and ``taints`` are the group's labels and taints;
  ``startupTaints`` are removed once a node is initialized, so pods need not tolerate them
  (noted, not placement).
* **EC2NodeClass** (``nodeClassRef``, when in the same file): the AMI family from
  ``amiSelectorTerms`` ``alias`` (``al2023@latest`` -> AL2023) or ``amiFamily``, and the
  ``blockDeviceMappings`` volumes (one volume type; their sizes add up per node, priced as one
  volume of the total). Without ``blockDeviceMappings`` Karpenter's defaults for the family apply
  (:data:`KARPENTER_DEFAULT_VOLUMES`); without the EC2NodeClass, AL2023 and its 20 GiB gp3 are
  assumed and noted.

Errors name the file, the object (``NodePool/default``), the field path, the bad value and the
fix, every problem at once (:class:`~infra_toolkit.errors.SpecError`, one per line).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence

from infra_toolkit.disruption_budget import smallest_scaled
from infra_toolkit.eksctl_config import NodeGroupConfig
from infra_toolkit.errors import PricingError, SpecError
from infra_toolkit.karpenter_manifests import (
    CAPACITY_TYPE_KEY,
    INSTANCE_KEYS,
    NodePool,
    node_pools_from_documents,
    read_node_pools,
)
from infra_toolkit.karpenter_node_class import (
    KARPENTER_DEFAULT_VOLUMES,
    EC2NodeClass,
    KubeletSettings,
    ephemeral_volume_gib,
)
from infra_toolkit.node_allocatable import memory_capacity_mib
from infra_toolkit.node_placement import NodeRequirement, requirement_met
from infra_toolkit.nodes import KARPENTER_COMMAND_S, POD_TERMINATION_GRACE_S, ClusterAutoscalerSpec
from infra_toolkit.pricing import Price, PriceBook

__all__ = [
    "KARPENTER_DEFAULT_VOLUMES",
    "EC2NodeClass",
    "NodePool",
    "allowed_disruptions",
    "allowed_instance_types",
    "cheapest_allowed",
    "consolidation_autoscaler",
    "excluded_by",
    "instance_labels",
    "node_group_config",
    "node_pools_from_documents",
    "order_by_weight",
    "read_node_pools",
]

_FAMILY = re.compile(r"^([a-z]+)(\d*)")
#: What a NodePool without its EC2NodeClass in the file is assumed to run (module docstring)
_ASSUMED_FAMILY = "AL2023"


def instance_labels(instance_type: str, book: PriceBook, os: str = "linux") -> dict[str, str]:
    """The labels Karpenter puts on a node of ``instance_type`` that its requirements select on
    (``karpenter.k8s.aws/instance-*`` from the type's name and ``book``'s instance specs: vCPU,
    memory in MiB, architecture). Raises :class:`~infra_toolkit.pricing.PriceNotFound` for a type
    the instance specs table lacks."""
    spec = book.instance_spec(instance_type)
    family, _, size = instance_type.partition(".")
    match = _FAMILY.match(family)
    labels = {"node.kubernetes.io/instance-type": instance_type,
              "karpenter.k8s.aws/instance-family": family,
              "karpenter.k8s.aws/instance-size": size,
              "karpenter.k8s.aws/instance-cpu": str(spec.vcpu),
              "karpenter.k8s.aws/instance-memory": str(spec.memory_mib),
              "kubernetes.io/arch": spec.arch, "kubernetes.io/os": os}
    if match:
        labels["karpenter.k8s.aws/instance-category"] = match.group(1)
        if match.group(2):
            labels["karpenter.k8s.aws/instance-generation"] = match.group(2)
    return labels


def _text(req: NodeRequirement) -> str:
    return f"{req.key} {req.operator}" + (f" [{', '.join(req.values)}]" if req.values else "")


def excluded_by(pool: NodePool, instance_type: str, book: PriceBook) -> str | None:
    """The first of ``pool``'s requirements a node of ``instance_type`` fails (as ``key
    Operator [values]`` with the type's value), or ``None`` when they allow it. Requirements on
    keys that are no instance property (zone, capacity type, custom labels) are not checked
    here."""
    labels = instance_labels(instance_type, book, pool.os)
    for req in pool.requirements:
        if req.key in INSTANCE_KEYS and not requirement_met(req, labels):
            return f"{_text(req)} (it is {labels.get(req.key, 'unlabelled')})"
    return None


def allowed_instance_types(pool: NodePool, book: PriceBook) -> tuple[str, ...]:
    """The instance types of ``book``'s instance specs ``pool``'s requirements allow, sorted."""
    return tuple(t for t in book.values("ec2_instance_specs", "instance_type")
                 if excluded_by(pool, t, book) is None)


def cheapest_allowed(pool: NodePool, book: PriceBook, region: str
                     ) -> tuple[str, Price] | None:
    """The allowed instance type with the lowest on-demand Linux price per hour in ``region``
    (ties by name), with that price; ``None`` when the tables price none of them there."""
    priced = []
    for t in allowed_instance_types(pool, book):
        try:
            priced.append((book.lookup("ec2_on_demand", region=region, instance_type=t), t))
        except PricingError:
            continue
    if not priced:
        return None
    price, itype = min(priced, key=lambda pt: (pt[0].usd_per_unit, pt[1]))
    return itype, price


def node_group_config(pool: NodePool, instance_type: str, book: PriceBook,
                      desired_size: int = 0) -> NodeGroupConfig:
    """``pool`` as a node group of ``instance_type`` (module docstring): min 0, max the nodes
    within ``spec.limits``, ``desired_size`` nodes declared (Karpenter has no desired size: the
    count the plan's declared cost assumes), spot when spot is allowed, the node class's
    volumes added up per node. Raises :class:`SpecError` when the limits leave room for no node
    of that type, or when ``desired_size`` is above the maximum."""
    spec = book.instance_spec(instance_type)
    # a NodeClaim's capacity, which the limits count: memory less the VM overhead (docstring)
    capacity_mib = int(memory_capacity_mib(spec.memory_mib, spec.arch))
    bounds = []
    if pool.cpu_limit_millicores is not None:
        bounds.append(pool.cpu_limit_millicores // (spec.vcpu * 1000))
    if pool.memory_limit_bytes is not None:
        bounds.append(pool.memory_limit_bytes // (capacity_mib * 2**20))
    max_size = min(bounds)
    if max_size < 1:
        raise SpecError(f"NodePool {pool.name!r}: spec.limits leave room for no {instance_type} "
                        f"node ({spec.vcpu} vCPU, {capacity_mib} MiB of memory capacity as "
                        "Karpenter counts it): raise the limits or choose a smaller instance "
                        "type")
    capacity = "SPOT" if "spot" in pool.capacity_types else "ON_DEMAND"
    nc = pool.node_class
    kubelet = pool.kubelet or (nc.kubelet if nc is not None else KubeletSettings())
    volumes = nc.volumes if nc is not None else KARPENTER_DEFAULT_VOLUMES[_ASSUMED_FAMILY]
    family = nc.ami_family if nc is not None else _ASSUMED_FAMILY
    # no class read: none in the file, or not the one nodeClassRef names (fuzz20: "holds no
    # EC2NodeClass" was false beside another class)
    why = ("its nodeClassRef names no EC2NodeClass of its file, so AL2023 is assumed"
           if nc is None else
           f"EC2NodeClass {nc.name!r} states no blockDeviceMappings")
    default = "" if nc is not None and nc.volumes_stated else (
        f"Karpenter's default for {family} ({' + '.join(f'{g} GiB' for g, _t in volumes)} "
        f"{volumes[0][1]}; {why})")
    total = sum(size for size, _t in volumes)
    ephemeral = (nc.ephemeral_gib if nc is not None and nc.ephemeral_gib is not None
                 else ephemeral_volume_gib(family, []))
    labels = {**instance_labels(instance_type, book, pool.os),
              "karpenter.sh/nodepool": pool.name,
              CAPACITY_TYPE_KEY: capacity.lower().replace("_", "-"), **pool.labels}
    return NodeGroupConfig(pool.name, (instance_type,), 0, max_size, desired_size, capacity,
                           total, labels, pool.taints,
                           volumes[0][1], family, managed=False, os=pool.os,
                           zones=pool.zones, volumes_default=default,
                           max_pods=kubelet.max_pods,
                           # Bottlerocket's settings have no podsPerCore: Karpenter ignores it
                           pods_per_core=None if family == "Bottlerocket" else
                           kubelet.pods_per_core, kubelet_reserve=kubelet.reserve,
                           # the scheduler's room for ephemeral storage is one volume's, not
                           # the sum the volumes are priced at
                           ephemeral_gib=None if ephemeral == total else ephemeral,
                           volume_iops=nc.iops if nc is not None else None,
                           volume_throughput_mibps=nc.throughput_mibps if nc is not None
                           else None)


def order_by_weight(pools: Sequence[NodePool]) -> tuple[NodePool, ...]:
    """``pools`` in the order Karpenter tries them for a pending pod: ``spec.weight`` highest
    first (unset: 0), equal weights by name, the later in the alphabet first. That is
    ``NodePoolList.OrderByWeight`` (kubernetes-sigs/karpenter, ``pkg/apis/v1/nodepool.go``;
    the same in ``v1beta1``), which the provisioner applies before it builds the scheduler's
    NodeClaim templates: a pod gets a node of the first pool that can take it (its
    requirements and taints, an instance type within the pool's remaining ``spec.limits``),
    a lower one only when no higher one can. Names are unique, so the order is total."""
    # one key, both parts descending: weight, then name (Go's byte order is Python's for the
    # DNS names Kubernetes allows)
    return tuple(sorted(pools, key=lambda p: (p.weight, p.name), reverse=True))


def allowed_disruptions(pool: NodePool, nodes: int) -> int:
    """How many of ``nodes`` nodes of ``pool`` its disruption budgets let Karpenter disrupt at
    once: the smallest over its budgets, a percent of ``nodes`` rounded up (Karpenter's
    ``Budget.GetAllowedDisruptions`` scales with ``GetScaledValueFromIntOrPercent``, round up;
    ``NodePool.GetAllowedDisruptionsByReason`` takes the minimum); unbounded without budgets."""
    return smallest_scaled(pool.disruption_budgets, nodes)


def consolidation_autoscaler(base: ClusterAutoscalerSpec, pools: Sequence[NodePool]
                             ) -> ClusterAutoscalerSpec:
    """``base`` with its scale-down set by the NodePools' disruption: ``consolidateAfter``
    seconds unneeded before a node goes; ``WhenEmptyOrUnderutilized`` any node whose pods fit on
    the others (threshold 1.0), ``WhenEmpty`` only nodes without pods (the smallest positive
    threshold: a node with any pod is needed), ``Never`` none (threshold 0); Karpenter's drain
    rules and timing (each removal validated ``KARPENTER_COMMAND_S`` after it is chosen, a
    drained node billed until its pods have terminated, ``POD_TERMINATION_GRACE_S``), each
    pool's ``terminationGracePeriod``, the pools whose budgets allow no node (one node of a
    pool allowed none: any percent above 0 rounds up to one) undisruptable, and the other
    pools' budgets (``node_pool_budgets``). The
    simulator has one node autoscaler per cluster: raises :class:`SpecError` when the pools
    that may be disrupted disagree."""
    if not pools:
        return base
    kept = tuple(p.name for p in pools if allowed_disruptions(p, 1) == 0)
    base = dataclasses.replace(
        base, drain_rules="karpenter", undisruptable_groups=kept,
        consolidation_validation_s=KARPENTER_COMMAND_S, pod_termination_s=POD_TERMINATION_GRACE_S,
        termination_grace_periods_s=tuple((p.name, p.termination_grace_period_s) for p in pools
                                          if p.termination_grace_period_s is not None),
        node_pool_budgets=tuple((p.name, p.disruption_budgets) for p in pools
                                if p.name not in kept))
    rules = {(p.consolidation_policy, p.consolidate_after_s) for p in pools if p.name not in kept}
    if not rules:
        return base
    if len(rules) > 1:
        shown = "; ".join(f"{p.name}: {p.consolidation_policy} after "
                          f"{'Never' if p.consolidate_after_s is None else p.consolidate_after_s}"
                          for p in pools if p.name not in kept)
        raise SpecError(f"the NodePools' disruption differs ({shown}); the simulation has one "
                        "scale-down rule per cluster: give them one consolidationPolicy and "
                        "consolidateAfter")
    ((policy, after_s),) = rules
    if after_s is None:
        return dataclasses.replace(base, scale_down_utilization_threshold=0.0)
    threshold = 1.0 if policy == "WhenEmptyOrUnderutilized" else math.ulp(0.0)
    return dataclasses.replace(base, scale_down_unneeded_s=after_s,
                               scale_down_utilization_threshold=threshold)
