"""Plan warnings on capacity: pods a workload's HPA and node groups can hold against the load
and the nodes a plan declares. For every workload with an HPA and a model:

* **maxReplicas short of a scenario's peak**: ``maxReplicas x capacity_rps_per_pod`` below the
  peak step rate of a scenario times the workload's ``traffic_share`` (from the scenario curves
  the caller already built; nothing is simulated);
* **node groups too small**: the node groups it may run on hold fewer than ``maxReplicas`` pods
  at ``max_size`` (``nodes.pod_slots``, one pod a node with a required pod anti-affinity on
  ``kubernetes.io/hostname`` against its own pods, which the simulation honours: then
  ``maxReplicas`` above the groups' nodes at ``max_size`` leaves pods Pending). Each workload is
  checked alone, as ``validate`` checks the starting replicas; workloads sharing node groups
  also compete for that room.

* **pods kept apart per zone**: a required pod anti-affinity against its own pods
  (:mod:`infra_toolkit.pod_anti_affinity`) on another key than ``kubernetes.io/hostname`` (a
  zone) allows one pod per value of it cluster-wide, which the simulation does not model.

And for every proposed node group:

* **desired_size below the starting pods**: a node group (``aws_eks_node_group``) whose
  ``desired_size``, the node count the review's declared cost prices, is below the nodes that
  the starting replicas (the Deployment's ``replicas``, within the HPA's bounds) of the
  workloads that can run only on it need at least: each workload's ``ceil(replicas / pods per
  node)`` and the group's ``ceil(requests summed / allocatable)`` of CPU, of memory and of pod
  slots, the largest of them, so the declared monthly change leaves out nodes the cluster runs
  from its first minute. Pods of several workloads are not summed as fractions of a node: the
  room a large pod leaves on its node holds small pods, which the fractions miss (audit18 A18-5:
  2 pods of 1000m and 2 of 500m were said to fill at least 3 m6i.large, where 2 hold them).

And for the proposed EKS managed node groups (:func:`node_group_quota_warnings`): a
``max_size`` above EKS's default quota of nodes per managed node group, or more managed node
groups than its default quota per cluster: the Auto Scaling group cannot grow past a quota the
account has not raised, so the simulated nodes above it would never come.

And for the plan's ``simulation.node_daemonsets`` (:func:`daemonset_warnings`): a memory under
1 MiB (a bare quantity is bytes), and fewer pods or less CPU than EKS's own kube-proxy and
aws-node, which the stated figure replaces rather than adds to.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from infra_toolkit.deployment_spec import DeploymentSpec
from infra_toolkit.errors import SimulationError
from infra_toolkit.node_allocatable import EKS_DAEMONSETS
from infra_toolkit.nodes import NodeGroup, node_room, pod_slots
from infra_toolkit.plan import Plan
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_cost import node_group_resource_paths, node_group_resources
from infra_toolkit.plan_simulation import simulation_node_groups
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.plan_warning_type import figure_text as _f
from infra_toolkit.pod_anti_affinity import HOSTNAME
from infra_toolkit.pricing import PriceBook
from infra_toolkit.report_html import duration_text
from infra_toolkit.traffic import TrafficCurve

__all__ = ["EKS_MANAGED_GROUPS_PER_CLUSTER", "EKS_NODES_PER_MANAGED_GROUP",
           "anti_affinity_warnings", "daemonset_warnings", "desired_size_warnings",
           "node_group_quota_warnings", "node_room_warnings", "peak_warnings"]

# Amazon EKS service quotas, defaults (both adjustable through Service Quotas), as the EKS User
# Guide's "Amazon EKS service quotas" table gives them: "Nodes per managed node group" 450,
# "Managed node groups per cluster" 30. Self-managed groups and Karpenter's nodes have neither.
EKS_NODES_PER_MANAGED_GROUP = 450
EKS_MANAGED_GROUPS_PER_CLUSTER = 30


def peak_warnings(workload: Workload, path: str, curves: Mapping[str, TrafficCurve]
                  ) -> list[PlanWarning]:
    """Each scenario (by name in ``curves``, requests per second) whose peak step, times the
    workload's ``traffic_share``, is more than ``maxReplicas`` pods serve."""
    hpa, model = workload.hpa_spec, workload.model
    if hpa is None or model is None:
        return []
    cap = model.capacity_rps_per_pod
    most = hpa.max_replicas * cap
    out = []
    for name, curve in curves.items():
        rps = curve.rps * workload.traffic_share
        peak = float(rps.max())
        if peak <= most * (1 + 1e-9):
            continue
        over_s = float((rps > most).sum()) * curve.step_s
        share = "" if workload.traffic_share == 1 else \
            f" ({_f(float(curve.rps.max()))} rps x traffic_share {_f(workload.traffic_share)})"
        # a queue consumer's excess waits rather than fails: the fix may be to accept the wait
        queued = "" if not model.queue_timeout_s else (
            f" (it waits in the queue, up to queue_timeout_s {_f(model.queue_timeout_s)} s, and "
            f"drains once the rate falls below {_f(most)} rps: a short peak costs latency, not "
            "requests)")
        out.append(PlanWarning(path, (
            f"scenario {name!r} peaks at {_f(peak)} rps for workload {workload.name!r}{share}, "
            f"more than maxReplicas pods serve ({hpa.max_replicas:,} x {_f(cap)} rps = "
            f"{_f(most)} rps): {_f(peak - most)} rps ({_f(100 * (peak - most) / peak)} %) cannot "
            f"be served at the peak even at maxReplicas{queued}, and the rate is above "
            f"{_f(most)} rps "
            # as the report writes a length ('5 s', '4 min 35 s'), not '0.0833 min'
            f"for {duration_text(over_s)} of the scenario; raise maxReplicas to at least "
            f"{math.ceil(peak / cap - 1e-9):,} ({_f(peak)} / {_f(cap)}) or the pod's capacity")))
    return out


def node_room_warnings(workload: Workload, path: str, groups: tuple[NodeGroup, ...]
                       ) -> list[PlanWarning]:
    """A warning when ``groups`` (the node groups ``workload`` may run on) hold fewer than its
    ``maxReplicas`` pods at ``max_size`` (one a node with a required pod anti-affinity on
    ``kubernetes.io/hostname`` against its own pods)."""
    hpa, d = workload.hpa_spec, workload.deployment_spec
    if hpa is None or not groups:
        return []
    cap = d.max_pods_per_node
    room = node_room(groups, d.packed_cpu_millicores, d.packed_memory_mib, cap)
    total = sum(room.values())
    if total >= hpa.max_replicas:
        return []
    held = ", ".join(f"{g.name}: {g.max_size:,} node(s) x {room[g.name] // g.max_size:,} pod(s)"
                     for g in groups)
    if cap is not None and room != node_room(groups, d.packed_cpu_millicores,
                                             d.packed_memory_mib):
        # the cap comes from DeploymentSpec.max_pods_per_node: one a node
        if d.host_ports:
            why = (f"; one pod a node: its pods take host port(s) "
                   f"{', '.join(map(str, d.host_ports))}")
            fix = "raise max_size or lower maxReplicas, or drop the hostPort / hostNetwork"
        else:
            why = (f"; one pod a node: a required podAntiAffinity on {HOSTNAME} selects its "
                   "own labels")
            fix = ("raise max_size or lower maxReplicas, or make the rule preferred "
                   "(preferredDuringSchedulingIgnoredDuringExecution) or a topology spread "
                   "constraint")
    else:
        why = ""
        fix = "raise max_size, use a larger instance type, lower the requests or maxReplicas"
    return [PlanWarning(path, (
        f"maxReplicas {hpa.max_replicas:,} of workload {workload.name!r} needs room for "
        f"{hpa.max_replicas:,} pods ({_packed(d, 'm CPU, ', ' each')}) but its node groups hold "
        f"at most {total:,} at "
        f"max_size ({held}{why}): {hpa.max_replicas - total:,} pod(s) stay Pending at "
        f"maxReplicas; {fix}"))]


def _packed(d: DeploymentSpec, between: str, after: str = "") -> str:
    """One pod's CPU and memory as the scheduler reserves them (``between`` after the
    millicores, ``after`` the MiB), saying so when its init containers raise them above its
    containers'."""
    return (f"{d.packed_cpu_millicores}{between}{_f(d.packed_memory_mib)} MiB{after}"
            + (", its init containers' request" if d.packed_by_init else ""))


def anti_affinity_warnings(workload: Workload, path: str, groups: tuple[NodeGroup, ...]
                           ) -> list[PlanWarning]:
    """A warning per topology key other than ``kubernetes.io/hostname`` (a zone) on which
    ``workload``'s pods must stay apart (a required pod anti-affinity against its own pods):
    one pod per value of it cluster-wide, which the simulation does not model. (One pod a node,
    on ``kubernetes.io/hostname``, is simulated; :func:`node_room_warnings` says where it
    leaves pods Pending.)"""
    hpa, d = workload.hpa_spec, workload.deployment_spec
    keys = d.self_anti_affinity_keys
    if hpa is None or not groups or not (keys or d.namespace_selector_keys):
        return []
    fix = ("make the rule preferred (preferredDuringSchedulingIgnoredDuringExecution) or a "
           "topology spread constraint, or read those figures as a lower bound")
    out = [PlanWarning(path, (
        f"no two pods of workload {workload.name!r} may share a value of {key} (a required "
        f"podAntiAffinity selecting its own labels): at most one pod per {key} value, which "
        f"the simulation does not model (up to maxReplicas {hpa.max_replicas:,} there); {fix}"))
        for key in keys if key != HOSTNAME]
    # a namespaceSelector picks namespaces by labels the manifests do not hold
    out += [PlanWarning(path, (
        f"a required podAntiAffinity of workload {workload.name!r} on {key} selects its own "
        "labels in the namespaces its namespaceSelector picks; whether that includes the "
        "workload's own namespace is not known from the manifests, so the simulation applies "
        "no cap for it; if it does, list the namespace in the term's namespaces so that the "
        f"rule is simulated{' (one pod a node)' if key == HOSTNAME else ''}"))
        for key in d.namespace_selector_keys]
    return out


def desired_size_warnings(plan: Plan, book: PriceBook) -> list[PlanWarning]:
    """One warning per proposed ``aws_eks_node_group`` whose ``desired_size`` is below the
    nodes the starting pods of the workloads confined to it fill (a lower bound, see the
    module docstring), at its ``scaling_config.desired_size``."""
    alone: dict[str, int] = {}  # per group, the most nodes one workload's pods need by themselves
    summed: dict[str, tuple[NodeGroup, float, float, int]] = {}  # CPU, memory, pods summed
    starting: dict[str, list[str]] = {}
    out = []
    for i, w in enumerate(plan.proposed.workloads):
        d = w.deployment_spec
        try:
            groups = simulation_node_groups(plan.proposed, w, book,
                                            plan.simulation.node_daemonsets)
            if len(groups) != 1:
                continue  # its pods may go to several groups: no one group is bound to hold them
            per_node = pod_slots(groups[0], d.packed_cpu_millicores, d.packed_memory_mib,
                                 d.max_pods_per_node)
        except SimulationError as exc:
            # validate makes this a problem only when something is simulated (an HPA): a plan of
            # fixed Deployments gets it here, located, not as a bare error
            out.append(PlanWarning(f"proposed.workloads[{i}]",
                                   f"workload {w.name!r} cannot start: {exc}"))
            continue
        g = groups[0]
        pods = d.replicas if d.replicas is not None else 1
        # its first sync brings the count within its bounds, but leaves 0 replicas alone
        # (ScalingDisabled: audit18 A18-17)
        if w.hpa_spec is not None and pods > 0:
            pods = min(max(pods, w.hpa_spec.min_replicas), w.hpa_spec.max_replicas)
        alone[g.name] = max(alone.get(g.name, 0), math.ceil(pods / per_node))
        _, cpu, memory, count = summed.get(g.name, (g, 0.0, 0.0, 0))
        summed[g.name] = (g, cpu + pods * d.packed_cpu_millicores,
                          memory + pods * d.packed_memory_mib, count + pods)
        starting.setdefault(g.name, []).append(f"{w.name} {pods} x {_packed(d, 'm / ')}, "
                                               f"{per_node} per {g.instance_type}")
    group_of = {res: group for group, res in node_group_resources(plan).items()}
    pools = {p.name for p in plan.proposed.karpenter_pools}
    for r in plan.proposed.resources:
        name = group_of.get(r.name, r.name)
        if r.type != "aws_eks_node_group" or name not in alone:
            continue
        group, cpu, memory, count = summed[name]
        need = max(alone[name], math.ceil(cpu / group.allocatable_cpu_millicores - 1e-9),
                   math.ceil(memory / group.allocatable_memory_mib - 1e-9),
                   math.ceil(count / (group.max_pods - group.daemonset_pods) - 1e-9))
        desired = r.attributes["scaling_config.desired_size"]
        top = r.attributes["scaling_config.max_size"]
        # desired_size may not exceed max_size: above it, both must be raised, where the
        # group is defined (an inline resource, the ClusterConfig or a NodePool's limits)
        if name in pools:
            also = ""
            also_max = (f" (the NodePool's limits allow {top} node(s) of "
                        f"{r.attributes['instance_types'][0]}: raise limits.cpu / limits.memory)")
        elif plan.proposed.cluster_config is not None:
            also = " (and eksctl's desiredCapacity)"
            also_max = " (and eksctl's maxSize and desiredCapacity)"
        else:
            also = also_max = ""
        fix = (f"; set desired_size to {need}{also}" if need <= top
               else f", and they do not fit its max_size {top} either; raise max_size and "
                    f"desired_size to {need}{also_max}")
        if need > desired:
            out.append(PlanWarning(f"{r.entry_path}.scaling_config.desired_size", (
                f"node group {name!r} declares desired_size {desired} but its starting pods "
                f"({'; '.join(starting[name])}) fill at least {need} node(s): the declared "
                f"cost, the review's basis, leaves out {need - desired} node(s) that run from "
                f"the first minute{fix}")))
    return out


def daemonset_warnings(plan: Plan) -> list[PlanWarning]:
    """Warnings on ``simulation.node_daemonsets`` as stated: a memory under 1 MiB (``memory:
    200`` is 200 bytes, which sizes every node as if the DaemonSets used none), and fewer pods
    or less CPU than EKS's own kube-proxy and aws-node (2 pods, 125m): the figure is every
    DaemonSet pod a node runs, so a log shipper's ``{pods: 1, cpu: 100m}`` alone drops those
    two from every node (a cluster without kube-proxy, Cilium's replacement, may mean it)."""
    daemonsets = plan.simulation.node_daemonsets
    out = []
    if 0 < daemonsets.memory_mib < 1:
        size = round(daemonsets.memory_mib * 2**20)
        out.append(PlanWarning("simulation.node_daemonsets.memory", (
            f"the DaemonSets request {size:,} bytes of memory a node "
            f"({daemonsets.memory_mib:.4g} MiB), under 1 MiB: every node is sized as if they "
            f"used no memory; a quantity without a unit is bytes, so write the unit ({size}Mi "
            f"if {size} was meant in MiB)")))
    eks = EKS_DAEMONSETS
    if daemonsets != eks and (daemonsets.pods < eks.pods
                              or daemonsets.cpu_millicores < eks.cpu_millicores):
        out.append(PlanWarning("simulation.node_daemonsets", (
            f"{daemonsets.pods} pod(s) and {daemonsets.cpu_millicores:g}m CPU are fewer than "
            f"EKS's own kube-proxy and aws-node alone ({eks.pods} pods, "
            f"{eks.cpu_millicores:g}m CPU), which every node runs: node_daemonsets is every "
            f"DaemonSet pod a node runs, replacing EKS's figure, not added to it; count them in "
            f"(pods: {daemonsets.pods + eks.pods}, cpu: "
            f"{daemonsets.cpu_millicores + eks.cpu_millicores:g}m if yours come on top), or "
            "leave it if the cluster runs without them (a kube-proxy replacement)")))
    return out


def node_group_quota_warnings(plan: Plan) -> list[PlanWarning]:
    """A warning per proposed managed node group whose ``max_size`` is above
    :data:`EKS_NODES_PER_MANAGED_GROUP`, and one when the plan has more managed node groups than
    :data:`EKS_MANAGED_GROUPS_PER_CLUSTER`: defaults an account raises on request, so they are
    warnings, not problems."""
    paths = node_group_resource_paths(plan)
    pools = {p.name for p in plan.proposed.karpenter_pools}
    managed = [g for g in plan.proposed.node_groups if g.managed and g.name not in pools]
    eksctl = " (eksctl's maxSize)" if plan.proposed.cluster_config is not None else ""
    out = [PlanWarning(f"{paths[g.name]}.scaling_config.max_size" if g.name in paths
                       else "proposed.cluster_config", (
        f"node group {g.name!r}: max_size{eksctl} {g.max_size:,} is above EKS's default quota "
        f"of {EKS_NODES_PER_MANAGED_GROUP} nodes per managed node group, so the group stops "
        "there until the account's quota is raised (Service Quotas, Amazon EKS, 'Nodes per "
        "managed node group'); raise the quota before the change, or split the capacity over "
        "several groups"))
        for g in managed if g.max_size > EKS_NODES_PER_MANAGED_GROUP]
    if len(managed) > EKS_MANAGED_GROUPS_PER_CLUSTER:
        out.append(PlanWarning("proposed", (
            f"{len(managed)} managed node groups, more than EKS's default quota of "
            f"{EKS_MANAGED_GROUPS_PER_CLUSTER} per cluster: creating the groups past it fails "
            "until the account's quota is raised (Service Quotas, Amazon EKS, 'Managed node "
            "groups per cluster'); raise it before the change, or merge groups")))
    return out

