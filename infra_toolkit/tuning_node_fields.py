"""The sweep's node fields (``instance_type``, ``max_size``) on the one node group the workload
runs on (:func:`node_group_variants`): its nodes' vCPU, memory and max pods from the price
book's instance specs, and the scheduler's filters checked for the new type
(:func:`~infra_toolkit.plan_simulation.placement_problems`). A Karpenter NodePool's group
(``node_pools``) is held to what ``validate`` holds the plan to: only the types its
requirements allow, each with the ``max_size`` its ``spec.limits`` give, and a ``max_size``
above that is an invalid variant.

Pure: no I/O (the plan and price book are read by the caller).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from infra_toolkit.errors import InfraToolkitError, SimulationError, SpecError
from infra_toolkit.karpenter_config import NodePool, excluded_by, node_group_config
from infra_toolkit.nodes import NodeGroup, pod_slots
from infra_toolkit.plan import Plan
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_cost import node_group_resources
from infra_toolkit.plan_simulation import placement_problems, sized_node_group
from infra_toolkit.price_book_checks import node_group_arch_problem
from infra_toolkit.pricing import PriceBook
from infra_toolkit.simulate import SimulationSpec
from infra_toolkit.tuning_grid import NODE_FIELDS

__all__ = ["node_group_variants"]


def _ami_problem(plan: Plan, group: str, itype: str, book: PriceBook) -> str | None:
    """Why the group's AMI cannot run ``itype`` (another architecture), as the plan's validator
    words it, or None."""
    name = node_group_resources(plan).get(group, group)
    for r in plan.proposed.resources:
        if r.type == "aws_eks_node_group" and r.name == name:
            why = node_group_arch_problem(book, [(0, itype)], str(r.attributes.get("ami_type", "")))
            return None if why is None else why[1]
    return None


def node_group_variants(plan: Plan, workload: Workload, base: SimulationSpec,
                 grid: Mapping[str, Sequence[Any]], book: PriceBook
                 ) -> tuple[dict[tuple[Any, ...], NodeGroup | str], list[str]]:
    """Per (instance_type, max_size) of the grid, the workload's node group or why it is no
    variant (a type the group's AMI, the pods' placement or a Karpenter NodePool's requirements
    refuse; more nodes than a NodePool's limits allow); and the problems (an unknown type, or
    no type given that can run). A NodePool's
    group takes only the types its requirements allow, each with the ``max_size`` its limits
    give (:func:`~infra_toolkit.karpenter_config.node_group_config`), as ``validate`` reads it."""
    fields = [f for f in NODE_FIELDS if f in grid]
    if not fields:
        return {(): base.node_groups[0]}, []
    if len(base.node_groups) != 1:
        names = ", ".join(g.name for g in base.node_groups)
        # as the user gave them: the grid's instance_type field is --instance-types (fuzz20)
        given = " and ".join("--instance-types" if f == "instance_type" else f"--vary {f}"
                             for f in fields)
        pools = {p.name for p in plan.proposed.karpenter_pools}
        # author21's NodePools (spot by weight, on-demand fallback): pinning the workload to
        # one, as the old fix said, would sweep a plan without its fallback
        lost = (" (which drops the fallback between its Karpenter NodePools' weights)"
                if any(g.name in pools for g in base.node_groups) else "")
        return {}, [f"{given}: workload {workload.name!r} runs on several node "
                    f"groups ({names}); the sweep varies one group's node fields only: leave "
                    f"{given} out (the HPA fields still vary), or sweep a copy of the plan "
                    f"that gives the workload a node_group{lost}"]
    group = base.node_groups[0]
    config = next(g for g in plan.proposed.node_groups if g.name == group.name)
    pool = next((p for p in plan.proposed.karpenter_pools if p.name == group.name), None)
    problems: list[str] = []
    sized: dict[str, NodeGroup] = {}
    unfit: dict[str, str] = {}
    types = grid.get("instance_type", (group.instance_type,))
    for itype in types:
        try:
            spec = book.instance_spec(itype)
        except InfraToolkitError as exc:
            problems.append(f"--instance-types {itype}: {exc}")
            continue
        max_pods = config.pods_per_node(spec.vcpu, spec.max_pods_eni)
        if max_pods is None:
            problems.append(f"--instance-types {itype}: no max-pods figure for it in the "
                            "instance specs table; choose another type")
            continue
        # a type this group or these pods cannot run is an invalid row, not the sweep's end:
        # a mixed list (--instance-types m5.large,m6g.large) still sweeps the rest
        ami = _ami_problem(plan, group.name, itype, book)
        if ami:
            unfit[itype] = f"instance type {itype}: node group {group.name!r}: {ami}"
            continue
        arch = dataclasses.replace(plan.proposed, node_groups=tuple(
            dataclasses.replace(g, instance_types=(itype,)) if g.name == group.name else g
            for g in plan.proposed.node_groups))
        why = placement_problems(arch, workload, book)[config.name]
        if why:
            unfit[itype] = (f"instance type {itype}: the pods of workload {workload.name!r} "
                            f"cannot run on it: {why}")
            continue
        max_size = group.max_size
        if pool is not None:
            limit = _pool_problem(pool, itype, book)
            if isinstance(limit, str):
                unfit[itype] = f"instance type {itype}: {limit}"
                continue
            max_size = limit
        # the kubelet's reserve and the DaemonSets' requests as for the plan's own type
        candidate = dataclasses.replace(
            sized_node_group(config, spec, plan.simulation.node_daemonsets,
                             group.pod_termination_s),
            min_size=group.min_size, max_size=max_size)
        # a type too small for one pod is an invalid row of a mixed list, as an unfit AMI is;
        # the simulation would refuse it only once the screen ran, ending the whole sweep
        try:
            pod_slots(candidate, base.workload.packed_cpu_millicores,
                      base.workload.packed_memory_mib, base.workload.max_pods_per_node)
        except SimulationError as exc:
            unfit[itype] = f"instance type {itype}: {exc}"
            continue
        sized[itype] = candidate
    if unfit and not sized:
        problems += [f"--instance-types: no type given can run here: {why}"
                     for why in unfit.values()]
    out: dict[tuple[Any, ...], NodeGroup | str] = {}
    for combo in itertools.product(*(grid[f] for f in fields)):
        values = dict(zip(fields, combo, strict=True))
        itype = values.get("instance_type", group.instance_type)
        if itype in unfit:
            out[combo] = unfit[itype]
            continue
        g = sized.get(itype)
        if g is None:
            continue
        size = values.get("max_size", g.max_size)
        if pool is not None and size > g.max_size:
            # Karpenter launches no node past spec.limits: more nodes are not a variant of it
            out[combo] = (f"max_size {size} is above the {g.max_size} {g.instance_type} nodes "
                          f"spec.limits of NodePool {pool.name!r} allow; raise the limits in a "
                          "copy of the NodePool file to sweep more nodes")
            continue
        try:
            out[combo] = dataclasses.replace(g, max_size=size)
        except SpecError as exc:
            problems.append(f"--vary max_size={values['max_size']}: {exc}")
    if "max_size" in fields:
        i = fields.index("max_size")
        for size in grid["max_size"]:
            refusals = [r for c, r in out.items() if c[i] == size]
            if refusals and all(isinstance(r, str) for r in refusals):
                problems.append(f"--vary max_size={size}: refused for every instance type: "
                                f"{refusals[0]}")
    return out, list(dict.fromkeys(problems))


def _pool_problem(pool: NodePool, itype: str, book: PriceBook) -> int | str:
    """The most ``itype`` nodes Karpenter NodePool ``pool`` launches (``spec.limits``), or why
    it launches none: its requirements exclude the type, or the limits leave no room."""
    why = excluded_by(pool, itype, book)
    if why is not None:
        return (f"requirements of NodePool {pool.name!r} do not allow it ({why}); name types "
                "they allow (infra-toolkit validate names the cheapest)")
    try:
        return node_group_config(pool, itype, book).max_size
    except SpecError as exc:
        return str(exc)
