"""From a plan to the simulator's inputs: one :class:`~infra_toolkit.simulate.SimulationSpec` per
workload, with its node groups sized from the pricing tables' instance specs.

* Node groups: the plan's :class:`~infra_toolkit.eksctl_config.NodeGroupConfig` (eksctl or
  ``aws_eks_node_group``) with vCPU, memory and ENI max pods of its first instance type from
  the price book, less what EKS's kubelet and the plan's DaemonSets take of each node
  (:func:`sized_node_group`, :mod:`infra_toolkit.node_allocatable`). A workload with
  ``node_group`` runs on that group only; otherwise on every group its pods may be scheduled
  on (:mod:`infra_toolkit.node_placement`: the Deployment's nodeSelector and required node
  affinity against the group's labels, its tolerations against the group's NoSchedule /
  NoExecute taints).
* The workload: :meth:`Workload.workload_spec` with the p95 latency SLO of that workload (or of
  all workloads) as the simulator's SLO threshold.
* The workload's PodDisruptionBudget from its Deployment's file
  (:func:`~infra_toolkit.workload_budgets.workload_budget`), honoured by node scale-down.
* Timings and the node autoscaler preset from the plan's ``simulation`` section; the
  simulator's defaults otherwise. With Karpenter NodePools the scale-down is their disruption's
  (:func:`~infra_toolkit.karpenter_config.consolidation_autoscaler`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from infra_toolkit.eksctl_config import NodeGroupConfig
from infra_toolkit.errors import PricingError, SimulationError
from infra_toolkit.hpa_controller_config import DEFAULT_CONTROLLER_CONFIG
from infra_toolkit.karpenter_config import consolidation_autoscaler
from infra_toolkit.node_allocatable import NodeDaemonsets, node_reserve
from infra_toolkit.node_placement import node_labels, placement_problem
from infra_toolkit.nodes import (
    KARPENTER_LIKE,
    POD_TERMINATION_GRACE_S,
    ClusterAutoscalerSpec,
    NodeGroup,
)
from infra_toolkit.plan import Plan
from infra_toolkit.plan_architecture import Architecture, Workload
from infra_toolkit.pricing import InstanceSpec, PriceBook
from infra_toolkit.simulate import SimulationSpec
from infra_toolkit.workload import MetricsPipelineSpec
from infra_toolkit.workload_budgets import workload_budget

__all__ = ["daemonset_room_problems", "group_termination_s", "latency_thresholds_ms",
           "node_autoscaler", "p95_latency_slo_ms", "placement_problems", "placement_summary",
           "side_autoscaler", "simulation_node_groups", "simulation_spec", "sized_node_group"]

_PRESETS = {spec.name: spec for spec in (ClusterAutoscalerSpec(), KARPENTER_LIKE)}


def node_autoscaler(preset: str, provisioning_s: float | None = None) -> ClusterAutoscalerSpec:
    """The node autoscaler of ``simulation.node_autoscaler`` (``plan.NODE_AUTOSCALERS``), with
    its node provisioning delay replaced by ``provisioning_s`` seconds when that is given."""
    spec = _PRESETS[preset]
    return spec if provisioning_s is None else \
        dataclasses.replace(spec, provisioning_delay_s=provisioning_s)


def side_autoscaler(plan: Plan, arch: Architecture) -> ClusterAutoscalerSpec:
    """The node autoscaler simulated for ``arch`` (a side of ``plan``): the ``simulation``
    section's preset, with the scale-down and drain rules of its Karpenter NodePools if any.
    How long a drained node waits for its pods to terminate is its group's
    (:func:`group_termination_s`); the preset's ``pod_termination_s`` says whether it waits."""
    settings = plan.simulation
    return consolidation_autoscaler(
        node_autoscaler(settings.node_autoscaler, settings.node_provisioning_s),
        arch.karpenter_pools)


def group_termination_s(plan: Plan, arch: Architecture, book: PriceBook) -> dict[str, float]:
    """Per node group of ``arch`` (by name), seconds a drained node of it waits for its pods to
    terminate: the longest ``terminationGracePeriodSeconds`` of the Deployments whose pods can
    run on it (its ``node_group`` workloads, else those :func:`placement_problems` lets on),
    which a node of the group may hold (``POD_TERMINATION_GRACE_S`` where none; a ``preStop``
    hook runs within the grace period, so it adds nothing). Empty when the side's autoscaler
    does not wait (cluster-autoscaler: the node goes at its last eviction)."""
    if side_autoscaler(plan, arch).pod_termination_s <= 0:
        return {}
    graces_s: dict[str, list[float]] = {g.name: [] for g in arch.node_groups}
    for w in arch.workloads:
        runs_on = [w.node_group] if w.node_group else \
            [name for name, why in placement_problems(arch, w, book).items() if why is None]
        for name in runs_on:
            graces_s.get(name, []).append(w.deployment_spec.termination_grace_period_s)
    return {name: max(found, default=POD_TERMINATION_GRACE_S)
            for name, found in graces_s.items()}


def placement_problems(arch: Architecture, workload: Workload, book: PriceBook
                       ) -> dict[str, str | None]:
    """Per node group (by name), why ``workload``'s pods cannot be scheduled on its nodes, or
    ``None`` where they can: on a node of the group's first instance type, the one the
    simulation sizes its nodes by and the cost model prices (its architecture from ``book``'s
    instance specs). When only a later type would take the pods, the reason says to list it
    first."""
    out: dict[str, str | None] = {}
    eksctl = None if arch.cluster_config is None else arch.cluster_config.name
    karpenter = {pool.name for pool in arch.karpenter_pools}
    for g in arch.node_groups:
        # a group whose zones the ClusterConfig names has nodes in any of them: the pods fit
        # if they fit a node in one
        zones: tuple[str | None, ...] = g.zones or (None,)
        reasons = {}
        for itype in g.instance_types:
            per_zone = [placement_problem(
                workload.deployment_spec.placement,
                node_labels(g.name, itype, book.instance_spec(itype).arch, g.capacity_type,
                            g.labels, arch.region, None if g.name in karpenter else eksctl,
                            g.managed, g.os, zone), g.taints)
                for zone in zones]
            why = per_zone[0]
            if why is not None and None not in per_zone and g.zones and "zone" in why:
                why += f" (its nodes are in {', '.join(g.zones)})"
            reasons[itype] = None if None in per_zone else why
        first = g.instance_types[0]
        why = reasons[first]
        takers = [t for t in g.instance_types[1:] if reasons[t] is None]
        if why is not None and takers:
            why += (f" (a {takers[0]} node would take them, but the group is simulated and "
                    f"priced as its first instance type, {first}: list {takers[0]} first)")
        out[g.name] = why
    return out


def placement_summary(problems: dict[str, str | None]) -> str:
    """``problems`` of :func:`placement_problems` as one clause: ``group: why; ...``."""
    return "; ".join(f"{name}: {why}" for name, why in problems.items() if why)


def sized_node_group(config: NodeGroupConfig, spec: InstanceSpec, daemonsets: NodeDaemonsets,
                     pod_termination_s: float | None = None) -> NodeGroup:
    """``config``'s group with nodes of ``spec`` as the simulator holds it: the pods a node
    takes as its kubelet counts them, what the kubelet reserves and ``daemonsets`` request
    taken off each node, and ``pod_termination_s`` its drain wait (``None``: the autoscaler's).

    Raises :class:`~infra_toolkit.errors.SimulationError` when the instance specs table has no
    max-pods figure for the type and the configuration states none."""
    max_pods = config.pods_per_node(spec.vcpu, spec.max_pods_eni)
    if max_pods is None:
        raise SimulationError(f"node group {config.name!r}: no max-pods figure for "
                              f"{spec.instance_type} in the instance specs table")
    reserved_cpu, reserved_memory = node_reserve(spec.vcpu, spec.memory_mib, max_pods,
                                                 config.kubelet_reserve, daemonsets)
    return NodeGroup(config.name, spec.instance_type, float(spec.vcpu), spec.memory_mib / 1024,
                     max_pods, config.min_size, config.max_size, reserved_cpu, reserved_memory,
                     daemonsets.pods, pod_termination_s, daemonsets.cpu_millicores,
                     daemonsets.memory_mib)


def daemonset_room_problems(arch: Architecture, book: PriceBook, daemonsets: NodeDaemonsets
                            ) -> list[str]:
    """For each node group of ``arch`` on whose nodes ``daemonsets`` (the plan's
    ``simulation.node_daemonsets``) do not fit (more CPU or memory than the kubelet's
    allocatable, more pods than the node's max pods), why, with the fix: every DaemonSet pod
    would stay Pending on every node, and each workload's own "does not fit" would blame its
    pod. A group whose type or max pods the tables lack is left to the workload checks."""
    out = []
    for config in arch.node_groups:
        try:
            group = sized_node_group(config, book.instance_spec(config.instance_types[0]),
                                     daemonsets)
        except (KeyError, PricingError, SimulationError):
            continue
        if (group.allocatable_cpu_millicores >= 0 and group.allocatable_memory_mib >= 0
                and daemonsets.pods <= group.max_pods):
            continue
        cores = daemonsets.cpu_millicores / 1000
        # `cpu: 100` is 100 cores, a slip for 100m a node's allocatable shows at once
        hint = (f"; cpu {cores:g} is {cores:g} cores: a CPU quantity without a unit is cores, "
                f"write {cores:g}m for millicores"
                if cores >= 1 and cores.is_integer()
                and daemonsets.cpu_millicores > group.kubelet_allocatable_cpu_millicores else "")
        out.append(
            f"the DaemonSets ({daemonsets.pods} pod(s), {daemonsets.cpu_millicores:g}m CPU, "
            f"{daemonsets.memory_mib:g} MiB) do not fit a node of group {config.name!r} "
            f"({group.instance_type}: the kubelet's allocatable is "
            f"{group.kubelet_allocatable_cpu_millicores:g}m CPU, "
            f"{group.kubelet_allocatable_memory_mib:g} MiB, {group.max_pods} pods); give every "
            "DaemonSet pod a node runs with its requests summed, or use a larger instance type"
            f"{hint}")
    return out


def simulation_node_groups(arch: Architecture, workload: Workload, book: PriceBook,
                           daemonsets: NodeDaemonsets,
                           termination_s: Mapping[str, float] | None = None
                           ) -> tuple[NodeGroup, ...]:
    """The node groups ``workload``'s pods may run on, sized from ``book``'s instance specs with
    ``daemonsets`` on every node (the plan's ``simulation.node_daemonsets``), each with its
    drain wait from ``termination_s`` (:func:`group_termination_s`; a group not in it: the
    autoscaler's)."""
    waits_s = termination_s or {}
    problems = placement_problems(arch, workload, book)
    if workload.node_group and problems.get(workload.node_group):
        raise SimulationError(f"workload {workload.name!r}: its pods cannot run on its "
                              f"node_group {workload.node_group!r}: "
                              f"{problems[workload.node_group]}")
    groups = [g for g in arch.node_groups
              if (g.name == workload.node_group if workload.node_group
                  else problems[g.name] is None)]
    if not groups:
        why = placement_summary(problems) or "the plan has no node group"
        raise SimulationError(f"workload {workload.name!r}: no node group its pods can run on "
                              f"({why}); change the Deployment's nodeSelector, affinity or "
                              "tolerations, or the node groups' labels and taints")
    return tuple(sized_node_group(g, book.instance_spec(g.instance_types[0]), daemonsets,
                                  waits_s.get(g.name)) for g in groups)


def p95_latency_slo_ms(plan: Plan, workload: str) -> float | None:
    """The plan's p95 latency objective for ``workload`` in ms: the lowest of the SLOs applying
    to it, the threshold its summary minutes count (:func:`latency_thresholds_ms`)."""
    return latency_thresholds_ms(plan, workload).get(95)


def latency_thresholds_ms(plan: Plan, workload: str) -> dict[int, float]:
    """The simulator's latency thresholds for ``workload`` (ms by percentile, the
    :class:`~infra_toolkit.workload.WorkloadSpec` ``slo_p<q>_latency_ms``): per percentile the
    lowest threshold of the plan's SLOs applying to it (its own or one for every workload), as
    the report counts a step violating any of them; a percentile no SLO sets is left out (p95
    then keeps the simulator's 500 ms)."""
    out = {}
    for q in (50, 95, 99):
        found = [s.threshold_ms for s in plan.slos if s.metric == "latency"
                 and s.percentile == q and s.workload in (workload, None)
                 and s.threshold_ms is not None]
        if found:
            out[q] = min(found)
    return out


def simulation_spec(plan: Plan, workload_name: str, book: PriceBook,
                    side: str = "proposed") -> SimulationSpec:
    """The simulation of one workload of ``plan``'s ``side`` (``proposed`` or ``current``).

    Raises :class:`~infra_toolkit.errors.SimulationError` when the workload has no HPA, no node
    group to run on, or no such workload exists."""
    arch = plan.proposed if side == "proposed" else plan.current
    found = [w for w in arch.workloads if w.name == workload_name]
    if not found:
        names = ", ".join(w.name for w in arch.workloads) or "none"
        raise SimulationError(f"no workload {workload_name!r} in {side} of {plan.path}; "
                              f"workloads: {names}")
    workload = found[0]
    if workload.hpa_spec is None:
        raise SimulationError(f"workload {workload_name!r} has no HPA; give it one (minReplicas = "
                              "maxReplicas for a fixed size) to simulate it")
    hpa = workload.simulated_hpa_spec()
    assert hpa is not None
    slos = latency_thresholds_ms(plan, workload_name)
    settings = plan.simulation
    autoscaler = side_autoscaler(plan, arch)
    metrics = MetricsPipelineSpec() if settings.metrics_resolution_s is None else \
        MetricsPipelineSpec(resolution_s=int(settings.metrics_resolution_s))
    controller = DEFAULT_CONTROLLER_CONFIG if settings.hpa_sync_period_s is None else \
        dataclasses.replace(DEFAULT_CONTROLLER_CONFIG, sync_period_s=settings.hpa_sync_period_s)
    return SimulationSpec(
        hpa=hpa,
        workload=dataclasses.replace(
            workload.workload_spec(*(() if 95 not in slos else (slos[95],))),
            slo_p50_latency_ms=slos.get(50), slo_p99_latency_ms=slos.get(99)),
        node_groups=simulation_node_groups(arch, workload, book,
                                           plan.simulation.node_daemonsets,
                                           group_termination_s(plan, arch, book)),
        autoscaler=autoscaler, metrics=metrics, controller=controller,
        initial_replicas=workload.deployment_spec.replicas, name=f"{side}/{workload_name}",
        disruption_budget=workload_budget(workload).budget, keda=workload.keda)
