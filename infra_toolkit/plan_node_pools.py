"""A plan side's ``node_pools``: Karpenter ``NodePool`` s as node groups the plan simulates and
prices (the rules are :mod:`infra_toolkit.karpenter_config`'s).

Karpenter's nodes are EC2 instances with EBS volumes, which is what an ``aws_eks_node_group``
resource prices (EKS adds no charge for a managed node group), so each NodePool is priced by the
``aws_eks_node_group`` whose ``node_group_name`` is the NodePool's name, as each group of an eksctl
``ClusterConfig`` is. That resource also names the one instance type the plan simulates and prices
for the NodePool (its ``instance_types``, one entry): the NodePool's requirements must allow it.
Its ``scaling_config`` must be the NodePool's bounds (min 0, max from ``spec.limits``) and its
``desired_size`` is the node count the declared cost assumes (Karpenter has none). The plan
warnings say when the NodePool allows a cheaper type than the one named
(:func:`node_pool_warnings`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra_toolkit.eksctl_config import NodeGroupConfig, zones_outside
from infra_toolkit.errors import PricingError, SpecError, quoted
from infra_toolkit.karpenter_config import (
    allowed_disruptions,
    allowed_instance_types,
    cheapest_allowed,
    consolidation_autoscaler,
    excluded_by,
    node_group_config,
    order_by_weight,
)
from infra_toolkit.karpenter_manifests import DEFAULT_BUDGET_NODES, NodePool
from infra_toolkit.nodes import KARPENTER_COMMAND_S, KARPENTER_LIKE, POD_TERMINATION_GRACE_S
from infra_toolkit.plan_architecture import Architecture, Manifest
from infra_toolkit.plan_fields import FieldReader, join_path
from infra_toolkit.plan_files import load_node_pools
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.pricing import PriceBook

__all__ = ["node_pool_groups", "node_pool_warnings"]

# what node_pool_groups needs of each priced aws_eks_node_group: its path, the group it declares
Priced = Mapping[str, tuple[str, NodeGroupConfig, Any, Any]]


def _cheapest_text(pool: NodePool, book: PriceBook, region: str | None) -> str:
    found = cheapest_allowed(pool, book, region) if region else None
    if found is None:
        return ""
    itype, price = found
    return (f"; the cheapest type it allows is {itype} at ${price.usd_per_unit}/h on-demand in "
            f"{region}")


def _group(r: FieldReader, pool: NodePool, priced: Priced, path: str, book: PriceBook,
           region: str | None) -> NodeGroupConfig | None:
    if pool.name not in priced:
        r.add(path, f"NodePool {quoted(pool.name)} has no aws_eks_node_group resource with that "
                    f"node_group_name, so it would not be priced; add one with node_group_name: "
                    f"{pool.name}, instance_types: the one type to simulate and price"
                    f"{_cheapest_text(pool, book, region)}, and min_size 0")
        return None
    rp, res, _template, _ami = priced[pool.name]
    if len(res.instance_types) != 1:
        r.add(join_path(rp, "instance_types"),
              f"lists {len(res.instance_types)} types but NodePool {quoted(pool.name)} is "
              "simulated and priced as one instance type (Karpenter picks among the allowed "
              "ones per launch); name the one to assume")
        return None
    itype = res.instance_types[0]
    try:
        why = excluded_by(pool, itype, book)
        if why is not None:
            r.add(join_path(rp, "instance_types"),
                  f"{quoted(itype)} is not allowed by the requirements of NodePool "
                  f"{quoted(pool.name)} ({why}); "
                  f"name a type they allow{_cheapest_text(pool, book, region)}")
            return None
        group = node_group_config(pool, itype, book)
    except PricingError:
        return None  # an instance type the tables lack is reported with its resource
    except SpecError as exc:
        r.add(path, str(exc))
        return None
    if res.desired_size > group.max_size:
        r.add(f"{rp}.scaling_config.desired_size",
              f"{res.desired_size} is above the {group.max_size} {itype} nodes the spec.limits "
              f"of NodePool {quoted(pool.name)} allow; lower it to at most {group.max_size}")
        return None
    # Karpenter has no desired size: the resource's is the count the declared cost assumes
    return dataclasses.replace(group, desired_size=res.desired_size)


def node_pool_groups(r: FieldReader, m: Mapping[str, Any], p: str, base_dir: Path,
                     priced: Priced | None, region: str | None, book: PriceBook | None
                     ) -> tuple[tuple[NodeGroupConfig, ...], Manifest | None, tuple[NodePool, ...]]:
    """The node groups of ``m["node_pools"]`` (a file of NodePools) priced by the
    ``aws_eks_node_group`` s of ``priced`` (by group name), in the order Karpenter tries the
    NodePools (:func:`~infra_toolkit.karpenter_config.order_by_weight`: the simulation's
    priority), the file as a manifest and its NodePools (in the file's order); ``()`` groups
    when the file, the price book or the resources (``priced`` ``None``) have problems
    (recorded)."""
    path = join_path(p, "node_pools")
    loaded = load_node_pools(r, m["node_pools"], path, base_dir)
    if loaded is None:
        return (), None, ()
    manifest, pools = loaded
    try:
        consolidation_autoscaler(KARPENTER_LIKE, pools)
    except SpecError as exc:
        r.add(path, str(exc))
    for pool in pools:  # requirements Karpenter can meet in no zone of the region
        outside = zones_outside(pool.zones, region) if region else ""
        if outside:
            r.add(path, f"NodePool {quoted(pool.name)}: topology.kubernetes.io/zone {outside} "
                        f"of the plan's region {quoted(region)}, so Karpenter launches no node "
                        f"for it; name zones of {region} ({region}a, ...), or correct the region")
    if book is None or priced is None:
        return (), manifest, pools
    groups = [_group(r, pool, priced, path, book, region) for pool in order_by_weight(pools)]
    return tuple(g for g in groups if g is not None), manifest, pools


def node_pool_warnings(arch: Architecture, side: str, book: PriceBook,
                       group_paths: Mapping[str, str]) -> list[PlanWarning]:
    """What the plan assumes of each NodePool of ``arch``: the one instance type it simulates
    and prices when the requirements allow several (and the cheapest allowed, which Karpenter
    would launch first when it fits the pods), a disruption budget that allows no node (its
    nodes are never consolidated) or, Karpenter's default ``10%`` as any other, more than one
    of its ``max_size`` nodes at once (the simulation removes one at a time), each NodePool
    field it does not model, and each other node
    group beside them free to scale (scaled by the NodePools' rules, which Karpenter does not
    do), at its ``aws_eks_node_group``'s ``scaling_config`` (``group_paths``: each group's
    resource path, ``plan_cost.node_group_resource_paths``)."""
    out = []
    path = join_path(side, "node_pools")
    groups = {g.name: g for g in arch.node_groups}
    for pool in arch.karpenter_pools:
        group = groups[pool.name]
        allowed = allowed_instance_types(pool, book)
        if len(allowed) > 1:
            found = cheapest_allowed(pool, book, arch.region)
            cheaper = "" if found is None or found[0] == group.instance_types[0] else (
                f"; the cheapest it allows is {found[0]} at ${found[1].usd_per_unit}/h "
                f"on-demand in {arch.region}, which Karpenter launches first when it fits the "
                "pods: name it in the aws_eks_node_group if it does")
            out.append(PlanWarning(path, (
                f"NodePool {quoted(pool.name)} allows {len(allowed)} instance types of the price "
                f"book; the plan simulates and prices {group.instance_types[0]} only (its "
                f"aws_eks_node_group's instance_types), {group.capacity_type}, at most "
                f"{group.max_size} nodes by spec.limits{cheaper}")))
        if allowed_disruptions(pool, 1) == 0:
            zero = ", ".join(repr(str(b)) for b in pool.disruption_budgets if b in (0, "0%"))
            out.append(PlanWarning(path, (
                f"NodePool {quoted(pool.name)}: spec.disruption.budgets allow no node to be "
                f"disrupted (nodes: {zero}, with no schedule), so Karpenter never consolidates "
                "it: every node it launches is kept, and billed, to the end of the run however "
                "idle; give the budget a schedule and duration for the hours to protect, or "
                "allow at least one node (Karpenter's default is \"10%\")")))
        at_once = allowed_disruptions(pool, group.max_size)
        if at_once > 1:
            shown = ", ".join(f'nodes: "{b}"' for b in pool.disruption_budgets)
            default = (" (Karpenter's default)"
                       if pool.disruption_budgets == (DEFAULT_BUDGET_NODES,) else "")
            out.append(PlanWarning(path, (
                f"NodePool {quoted(pool.name)}: its disruption budget {shown}{default} lets "
                f"Karpenter disrupt up to {at_once} of its {group.max_size} nodes at once (a "
                "percent of the nodes rounded up; emptiness and multi-node consolidation "
                "delete several nodes in one command), but the simulation removes one node at "
                f"a time (each removal validated {KARPENTER_COMMAND_S:g} s after it is chosen, "
                "the node billed until its pods have terminated, the longest "
                "terminationGracePeriodSeconds of the pods its group may hold later, "
                f"{POD_TERMINATION_GRACE_S:g} s unset): when several nodes are unneeded "
                "together, the simulated scale-down is slower and its node-hours and cost "
                "may be higher than Karpenter's")))
        out += [PlanWarning(path, f"NodePool {quoted(pool.name)}: {note}")
                for note in pool.not_modelled]
    return out + _unowned_group_warnings(arch, side, group_paths)


def _unowned_group_warnings(arch: Architecture, side: str, group_paths: Mapping[str, str]
                            ) -> list[PlanWarning]:
    """A warning per node group beside the NodePools (eksctl's or an ``aws_eks_node_group``)
    free to scale: the simulation has one node autoscaler per cluster, so it scales such a
    group by the NodePools' rules, while Karpenter scales only the nodes it launched. An
    eksctl group's is at ``cluster_config`` (its sizes are the ClusterConfig's), another's at
    its resource's ``scaling_config``."""
    if not arch.karpenter_pools:
        return []
    pools = {p.name for p in arch.karpenter_pools}
    eksctl = arch.cluster_config is not None
    also = " (and eksctl's minSize, maxSize and desiredCapacity)" if eksctl else ""

    def path(group: str) -> str:
        if eksctl:
            return join_path(side, "cluster_config")
        if group in group_paths:
            return f"{group_paths[group]}.scaling_config"
        return join_path(side, "resources")

    return [PlanWarning(path(g.name), (
        f"node group {quoted(g.name)} is not a NodePool's, yet the simulation scales it between "
        f"min_size {g.min_size} and max_size {g.max_size} by the NodePools' rules (Karpenter "
        "launches and consolidates only its own NodeClaims; cluster-autoscaler would scale this "
        "group, if installed); to hold it as Karpenter leaves it, set min_size = max_size = "
        f"desired_size ({g.desired_size}){also}"))
        for g in arch.node_groups if g.name not in pools and g.min_size < g.max_size]
