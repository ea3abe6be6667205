"""Plan warnings: facts computed from a valid plan's own model that make it behave in a way its
author almost certainly did not intend (the plan stays valid; ``validate`` still exits 0).

Each warning names its place in the plan, writes out the figures and says the fix. For every
workload with an HPA and a model:

* the HPA's metrics (:mod:`infra_toolkit.hpa_metric_warnings`): one never passes its target at a
  pod's capacity, or one is past it at idle; and, model or not, a target whose ``type`` does not
  match the value set;
* a queue's depth alone (:mod:`infra_toolkit.queue_depth_warnings`): an HPA whose every metric
  counts the messages waiting, with minReplicas pods serving less than a scenario's mean rate,
  so the replicas cycle between minReplicas and a backlog's worth;
* a KEDA ScaledObject's ``idleReplicaCount`` above 0 (:mod:`infra_toolkit.keda_idle_warnings`),
  model or not: KEDA writes the idle count and the HPA raises it back to minReplicas, so the
  replicas flap every pollingInterval;
* a scaling target at the latency SLO (:mod:`infra_toolkit.slo_target_warnings`): a metric
  mapping to a per-pod rate whose tolerance edge (target x (1 + tolerance)) the latency model
  puts above a latency SLO's threshold, so steady load near the target misses the SLO;
* capacity (:mod:`infra_toolkit.capacity_warnings`): maxReplicas short of a scenario's peak, node
  groups too small for maxReplicas (one pod a node with a required anti-affinity on the
  hostname), pods kept apart per zone by a required anti-affinity the simulation does not model;
  and for every node group, a desired_size below its starting pods, and a managed group past
  EKS's default quotas (450 nodes a group, 30 groups a cluster);
* the start (:mod:`infra_toolkit.startup_warnings`): starting replicas that cannot serve a
  scenario's first rate within the workload's SLOs, so the run starts in violation; a latency
  SLO that an idle pod already breaks, so no load meets it; a start-up
  CPU burst that lasts past Ready, which the HPA reads as load; a startup or liveness probe
  that restarts a container before its app is up (pods never Ready);
* the load balancer (:mod:`infra_toolkit.load_balancer_warnings`): declared below the egress it
  carries, or with no autoscaled workload behind it; an ``egress_through_load_balancer`` that
  no load balancer makes matter;

* drains (:func:`~infra_toolkit.disruption_budget_warnings.drain_give_up_warnings`): a
  PodDisruptionBudget the node autoscaler drains in steps slower than it waits, so
  cluster-autoscaler gives up, or Karpenter deletes the pods left at a NodePool's
  ``terminationGracePeriod``;

* requests (:func:`unitless_memory_warnings`): a pod requesting less than 1 MiB of memory,
  almost always a bare number (``memory: 768``, bytes) meant as ``768Mi``;
* extended resources (:func:`extended_resource_warnings`): a pod requesting a GPU or huge
  pages, which the simulation does not place by;
* the runtime class (:func:`runtime_class_warnings`): a pod run by a RuntimeClass whose
  overhead the scheduler adds to its requests, which the plan does not hold;
* an injected sidecar (:func:`sidecar_injection_warnings`): a pod template asking Istio or
  Linkerd for a proxy container that the manifest does not hold;
* ephemeral storage (:mod:`infra_toolkit.ephemeral_storage_warnings`): a pod requesting more
  than its node groups' root volume, which the scheduler never places there;
* the HPA manifest (:func:`hpa_manifest_warnings`): a scaleTargetRef outside the ``apps`` group
  (the real HPA never scales), an ``autoscaling/v2beta2`` HPA (no longer served);
* volumes (:func:`volume_claim_warnings`): a StatefulSet's per-replica volumes the report
  cannot price from its replicas (no StorageClass to read), or that the declared figure leaves
  out;
* the strategy (:func:`statefulset_rolling_warnings`): a plan's ``rolling`` strategy over a
  StatefulSet, which has no surge and rolls by its own ``spec.updateStrategy``;
* pod management (:func:`ordered_ready_warnings`): an autoscaled StatefulSet that creates its
  pods one at a time (``OrderedReady``), which the simulation starts at once;
* node configuration (:func:`node_config_warnings`): an eksctl node group's kubelet
  reservations, which the simulation's own node reserve stands in for;

and for every plan, workloads or not, RDS storage AWS would refuse
(:mod:`infra_toolkit.storage_warnings`), a cost line without a price
(:mod:`infra_toolkit.price_warnings`) and a commitment its declared nodes leave unused
(:mod:`infra_toolkit.unused_commitment`). Each of those modules says in its docstring what it
computes. One warning is a :class:`~infra_toolkit.plan_warning_type.PlanWarning`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra_toolkit.argo_rollout_warnings import argo_rollout_warnings
from infra_toolkit.capacity_warnings import (
    anti_affinity_warnings,
    daemonset_warnings,
    desired_size_warnings,
    node_group_quota_warnings,
    node_room_warnings,
    peak_warnings,
)
from infra_toolkit.claimed_volumes import (
    CSI_PROVISIONER,
    LINK_USAGE_KEY,
    ClaimTemplate,
    claim_templates,
    priced_claims,
)
from infra_toolkit.disruption_budget_warnings import (
    disruption_budget_warnings,
    drain_give_up_warnings,
)
from infra_toolkit.ephemeral_storage_warnings import ephemeral_storage_warnings
from infra_toolkit.errors import quoted
from infra_toolkit.hpa_metric_warnings import hpa_metric_warnings, target_type_warnings
from infra_toolkit.keda_idle_warnings import idle_replica_warnings
from infra_toolkit.load_balancer_warnings import (
    ignored_egress_route_warnings,
    load_balancer_bytes_warnings,
    no_egress_warnings,
    off_load_balancer_warnings,
)
from infra_toolkit.manifests import WORKLOAD_API_VERSIONS
from infra_toolkit.plan import Plan
from infra_toolkit.plan_cost import node_group_resource_paths
from infra_toolkit.plan_node_pools import node_pool_warnings
from infra_toolkit.plan_operations_types import phase_dates
from infra_toolkit.plan_simulation import (
    latency_thresholds_ms,
    side_autoscaler,
    simulation_node_groups,
)
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.price_warnings import (
    commitment_warnings,
    discount_warnings,
    price_warnings,
    unused_price_warnings,
)
from infra_toolkit.pricing import PriceBook
from infra_toolkit.queue_depth_warnings import queue_depth_cycle_warnings
from infra_toolkit.rollout import plan_rolling_skips, time_to_ready
from infra_toolkit.slo_target_warnings import slo_target_warnings
from infra_toolkit.startup_warnings import (
    init_container_warnings,
    restart_loop_warnings,
    starting_replicas_warnings,
    startup_burst_warnings,
    unreachable_slo_warnings,
)
from infra_toolkit.storage_warnings import rds_backup_warnings, rds_storage_warnings
from infra_toolkit.traffic import TrafficCurve
from infra_toolkit.unused_commitment import declared_commitment_warnings

__all__ = ["deadline_warnings", "extended_resource_warnings", "hpa_manifest_warnings",
           "plan_warnings", "runtime_class_warnings", "sidecar_injection_warnings",
           "ordered_ready_warnings", "statefulset_rolling_warnings", "unitless_memory_warnings",
           "volume_claim_warnings"]

_MIB_BYTES = 1024 * 1024


def unitless_memory_warnings(plan: Plan) -> list[PlanWarning]:
    """A proposed workload whose pod requests less than 1 MiB of memory, every workload with or
    without an HPA: a bare Kubernetes quantity is bytes, so ``memory: 768`` is 768 bytes, which
    the API server accepts and the scheduler packs as no memory at all (audit14 A14-14)."""
    out = []
    for i, w in enumerate(plan.proposed.workloads):
        d = w.deployment_spec
        if d.memory_requested and d.memory_request_mib < 1:
            size = round(d.memory_request_mib * _MIB_BYTES)
            out.append(PlanWarning(
                f"proposed.workloads[{i}].deployment",
                f"Deployment {d.name!r} requests {size:,} bytes of memory a pod "
                f"({d.memory_request_mib:.4g} MiB), under 1 MiB: its pods are packed on the "
                "nodes as if they used no memory; a quantity without a unit is bytes, so write "
                f"the unit ({size}Mi if {size} was meant in MiB)"))
    return out


def extended_resource_warnings(plan: Plan) -> list[PlanWarning]:
    """A proposed workload (HPA or not) whose pods request extended resources (a GPU) or huge
    pages: the scheduler places such a pod only on a node that offers them, which a node group
    here does not say, so the simulation places it by CPU, memory and pod count alone, where
    Kubernetes may leave it Pending (audit19 A19-10)."""
    out = []
    for i, w in enumerate(plan.proposed.workloads):
        names = w.deployment_spec.extended_resources
        if names:
            out.append(PlanWarning(f"proposed.workloads[{i}].deployment", (
                f"Deployment {w.deployment_spec.name!r} requests {', '.join(names)}, which the "
                "simulation does not place by: its pods go on its node groups by CPU, memory "
                "and pod count alone, while Kubernetes leaves them Pending on nodes that do not "
                "offer it (a GPU on a c5 or m5 node); check that its node groups' instance "
                "types (and device plugin) provide it")))
    return out


def runtime_class_warnings(plan: Plan) -> list[PlanWarning]:
    """A proposed workload whose pod template names a ``runtimeClassName`` (gVisor, Kata): the
    RuntimeClass admission controller adds that class's ``overhead.podFixed`` to each pod, and the
    scheduler and the node's allocatable count it beside the containers' requests, while the
    plan holds no RuntimeClass object, so the simulation packs the pods by their requests alone:
    more pods a node, fewer nodes and lower node-hours than the cluster would have."""
    out = []
    for i, w in enumerate(plan.proposed.workloads):
        template = w.deployment.document.get("spec", {}).get("template", {})
        pod = template.get("spec") if isinstance(template, dict) else None
        name = pod.get("runtimeClassName") if isinstance(pod, dict) else None
        if isinstance(name, str) and name:
            out.append(PlanWarning(f"proposed.workloads[{i}].deployment", (
                f"Deployment {quoted(w.deployment_spec.name)} runs its pods with "
                f"runtimeClassName {quoted(name)}: Kubernetes adds that RuntimeClass's "
                "overhead.podFixed to every pod's requests (scheduling and node room), which "
                "the simulation cannot see, so it fits more pods a node and counts fewer "
                "node-hours than the cluster will; add the overhead to the container requests "
                "in the manifest the plan reads (kubectl get runtimeclass "
                f"{name} -o jsonpath='{{.overhead.podFixed}}')")))
    return out


# The pod-template annotation (or label) asking a mesh to inject its proxy, the value that asks,
# and the container the injector adds. Istio's proxy requests 100m CPU and 128Mi by default
# (values global.proxy.resources.requests), or its sidecar.istio.io/proxyCPU / proxyMemory.
_MESH_INJECTION = (("sidecar.istio.io/inject", "true", "istio-proxy", "Istio"),
                   ("linkerd.io/inject", "enabled", "linkerd-proxy", "Linkerd"))


def sidecar_injection_warnings(plan: Plan) -> list[PlanWarning]:
    """A proposed workload whose pod template asks Istio or Linkerd to inject its proxy
    (``sidecar.istio.io/inject: "true"``, ``linkerd.io/inject: enabled``) without that container
    in the manifest: the injector adds it at admission, so its requests count in the pods'
    scheduling and node room and in the HPA's CPU and memory utilization (over every
    container's requests), while the simulation reads the manifest's containers alone. A
    Deployment exported with ``kubectl get deploy -o yaml`` never holds the injected container."""
    out = []
    for i, w in enumerate(plan.proposed.workloads):
        template = w.deployment.document.get("spec", {}).get("template", {})
        if not isinstance(template, dict):
            continue
        meta: dict[str, Any] = template.get("metadata") or {}
        marks = {**(meta.get("labels") or {}), **(meta.get("annotations") or {})}
        pod: dict[str, Any] = template.get("spec") or {}
        names = {c.get("name") for c in (pod.get("containers") or []) + (
            pod.get("initContainers") or []) if isinstance(c, dict)}
        for key, asks, container, mesh in _MESH_INJECTION:
            if str(marks.get(key, "")).lower() == asks and container not in names:
                out.append(PlanWarning(f"proposed.workloads[{i}].deployment", (
                    f"Deployment {quoted(w.deployment_spec.name)} asks {mesh} to inject its "
                    f"proxy ({key}: {quoted(marks[key])}): the injector adds the {container} "
                    "container to every pod at admission, which the manifest does not hold, so "
                    "the simulation leaves its requests out of the pods' node room and of the "
                    "HPA's CPU and memory utilization (over every container's requests); add "
                    f"the {container} container with its requests to the manifest the plan "
                    "reads (kubectl get pod -o yaml shows it)")))
    return out


def hpa_manifest_warnings(plan: Plan) -> list[PlanWarning]:
    """An HPA manifest a current cluster will not run as simulated (audit19 A19-11): a
    ``spec.scaleTargetRef`` whose ``apiVersion`` is not in its target kind's group (``apps``;
    ``argoproj.io`` for an Argo Rollout; unset, or the old ``extensions/v1beta1``): the
    controller looks its target up by group and kind
    (``RESTMappings``), finds none, reports FailedGetScale and never scales; and an
    ``autoscaling/v2beta2`` HPA, which Kubernetes 1.26 stopped serving, so applying the file
    fails (the plan reads it as v2, whose fields are the same)."""
    out = []
    for i, w in enumerate(plan.proposed.workloads):
        if w.hpa is None or w.hpa_spec is None:
            continue
        doc, at = w.hpa.document, f"proposed.workloads[{i}].hpa"
        if doc.get("apiVersion") == "autoscaling/v2beta2":
            out.append(PlanWarning(at, (
                f"HPA {w.hpa.name!r} is autoscaling/v2beta2, which Kubernetes stopped serving "
                "in 1.26 (every EKS version in support is later): applying the file fails; the "
                "plan reads it as autoscaling/v2, whose fields are the same, so set apiVersion: "
                "autoscaling/v2")))
        spec = doc.get("spec")
        ref = spec.get("scaleTargetRef") if isinstance(spec, Mapping) else None
        # a Rollout is served by Argo Rollouts' CRD in group argoproj.io, not in apps
        wanted = WORKLOAD_API_VERSIONS.get(w.deployment.kind, "apps/v1")
        api = str(ref.get("apiVersion") or "") if isinstance(ref, Mapping) else wanted
        group = api.rpartition("/")[0]
        if group != wanted.rpartition("/")[0]:
            out.append(PlanWarning(at, (
                f"spec.scaleTargetRef.apiVersion of HPA {w.hpa.name!r} is "
                f"{api or 'unset'}: the controller looks the target up by group and kind and "
                f"finds no {w.deployment.kind} in group {group!r} (FailedGetScale), so the real "
                f"HPA never scales while the simulation scales it; set apiVersion: {wanted}")))
    return out


def volume_claim_warnings(plan: Plan) -> list[PlanWarning]:
    """A proposed StatefulSet whose ``volumeClaimTemplates`` give each pod its own volume (an
    EBS volume per replica on EKS, created as the HPA scales it up and, under ``whenScaled:
    Retain``, the default, kept when it scales down; audit19 A19-14), when the report cannot
    price them from its replicas (:mod:`~infra_toolkit.claimed_volumes`: no StorageClass named,
    or none of that name in its file, or one that is not EBS), or when it can but the declared
    figure (the review's cost basis) leaves them out; and an ``aws_ebs_volume`` whose
    ``usage.claimed_by_statefulset`` names no such StatefulSet."""
    out = []
    claims = claim_templates(plan)
    priced = {c.statefulset for c in priced_claims(claims)}
    raw = plan.data.get("proposed", {}).get("resources", [])
    links = {i: item["usage"][LINK_USAGE_KEY] for i, item in enumerate(raw)
             if isinstance(item, Mapping) and item.get("type") == "aws_ebs_volume"
             and isinstance(item.get("usage"), Mapping) and LINK_USAGE_KEY in item["usage"]}
    by_set: dict[str, list[ClaimTemplate]] = {}
    for c in claims:
        by_set.setdefault(c.statefulset, []).append(c)
    for name, own in by_set.items():
        i = own[0].workload_index
        w = plan.proposed.workloads[i]
        per_pod = sum(c.size_gib for c in own)
        pods, why = (w.hpa_spec.max_replicas, "at maxReplicas") if w.hpa_spec is not None \
            else (1 if w.deployment_spec.replicas is None else w.deployment_spec.replicas,
                  "at its replicas")
        kept = ("deletes a scaled-down ordinal's (whenScaled: Delete)"
                if own[0].when_scaled == "Delete" else
                "keeps them when the StatefulSet scales down (whenScaled: Retain, the default)")
        said = (f"StatefulSet {name!r} claims {per_pod:g} GiB a pod (volumeClaimTemplates, "
                "each rounded up to whole GiB as EBS creates it), a volume per replica that "
                f"its StorageClass creates (EBS on EKS) and {kept}: {pods} x {per_pod:g} = "
                f"{pods * per_pod:g} GiB {why}")
        declared = name in links.values()
        if name in priced and not declared:
            out.append(PlanWarning(f"proposed.workloads[{i}].deployment", (
                f"{said}; each scenario prices them from its simulated replicas, but the "
                "declared figure (the review's cost basis) leaves them out; declare them as an "
                f"aws_ebs_volume with count, size and usage.{LINK_USAGE_KEY}: {name} (each "
                "scenario then prices the simulated volumes in its place, never both)")))
        problems = [f"template {c.template!r} {c.problem}" for c in own if c.problem]
        if problems and not declared:
            where = (w.deployment.path.name if w.deployment.path is not None
                     else "the inline manifest")
            out.append(PlanWarning(f"proposed.workloads[{i}].deployment", (
                f"{said}; {'; '.join(problems)}: so no cost line prices these volumes (the "
                "report does not guess a volume type); add the StorageClass (provisioner "
                f"{CSI_PROVISIONER}, parameters.type) to {where} and name it in "
                f"storageClassName, or declare an aws_ebs_volume with count, size and "
                f"usage.{LINK_USAGE_KEY}: {name}")))
    for i, link in links.items():
        if link not in by_set:
            out.append(PlanWarning(f"proposed.resources[{i}].usage.{LINK_USAGE_KEY}", (
                f"{quoted(link)} names no proposed StatefulSet with volumeClaimTemplates "
                f"(those: {', '.join(by_set) or 'none'}), so every scenario prices this volume "
                "as declared; name the StatefulSet (its metadata.name) or drop the key")))
    return out


def statefulset_rolling_warnings(plan: Plan) -> list[PlanWarning]:
    """One warning per StatefulSet the plan's ``rolling`` strategy covers: a StatefulSet has no
    maxSurge, its controller replaces one pod at a time from the highest ordinal down by its own
    ``spec.updateStrategy`` (maxUnavailable more only behind an alpha feature gate, partition
    holding the lower ordinals back), so the report's tables roll it by that, not by the
    plan's max_surge / max_unavailable (audit18 A18-13)."""
    s = plan.deployment_strategy
    out = []
    for w in plan.proposed.workloads:
        if not plan_rolling_skips(s, w):
            continue
        u = w.deployment_spec.update_strategy
        held = f", partition {u.partition}" if u.partition else ""
        out.append(PlanWarning("deployment_strategy", (
            f"the plan's rolling strategy (max_surge {s.max_surge}, max_unavailable "
            f"{s.max_unavailable}) cannot apply to workload {w.name!r}, a StatefulSet: a "
            "StatefulSet has no maxSurge; its controller replaces pods one at a time from the "
            f"highest ordinal down by its own spec.updateStrategy ({u.type}, maxUnavailable "
            f"{u.max_unavailable}{held}; maxUnavailable above 1 only with the alpha "
            "MaxUnavailableStatefulSet feature gate), which the report's rollout table uses; "
            "to roll it with a surge, run it as a Deployment; to say what happens, name only "
            "the other workloads in deployment_strategy.workloads")))
    return out


def ordered_ready_warnings(plan: Plan) -> list[PlanWarning]:
    """One warning per simulated StatefulSet (an HPA and a model) with ``podManagementPolicy:
    OrderedReady``, its default: the StatefulSet controller creates a missing pod only once
    every pod before it is Running and Ready (``monotonic`` in
    pkg/controller/statefulset/stateful_set_control.go), and deletes one at a time, while the
    simulation starts every pod the HPA adds at once. The figures: from minReplicas to
    maxReplicas, that many pods one after another at one pod's time to Ready each (the least:
    a node is already there), against one time to Ready."""
    out = []
    for i, w in enumerate(plan.proposed.workloads):
        d, hpa, ttr = w.deployment_spec, w.hpa_spec, time_to_ready(w)
        if not d.ordered_ready or hpa is None or ttr is None:
            continue
        added = hpa.max_replicas - max(1, hpa.min_replicas)
        if added < 2:
            continue
        each = ttr.total_s
        out.append(PlanWarning(f"proposed.workloads[{i}].deployment", (
            f"StatefulSet {d.name!r} keeps spec.podManagementPolicy OrderedReady (the "
            "default): its controller creates one pod at a time, each once the one before it "
            "is Running and Ready, and deletes them one at a time, while the simulation starts "
            f"every pod the HPA adds at once; from minReplicas {max(1, hpa.min_replicas)} to "
            f"maxReplicas {hpa.max_replicas} the {added} pods come one after another, at "
            f"least {added} x {each:g} s = {added * each:g} s (a pod's time to Ready on a node "
            f"already there) where the simulation takes {each:g} s, so its time to capacity, "
            "dropped requests and latency are better than the cluster's; set "
            "podManagementPolicy: Parallel (rolling updates stay one pod at a time) unless "
            "the pods must start in order")))
    return out


def node_config_warnings(plan: Plan) -> list[PlanWarning]:
    """One warning per field of the proposed eksctl ``ClusterConfig``'s node groups that the
    simulation does not use (a self-managed group's ``evictionSoft``), at
    ``proposed.cluster_config``: Karpenter's are the NodePools' warnings
    (:func:`~infra_toolkit.plan_node_pools.node_pool_warnings`); and one at each Windows node
    group's resource, whose room for pods is sized with EKS's Linux reservations."""
    out = [PlanWarning("proposed.cluster_config", f"node group {quoted(g.name)}: {note}")
           for g in plan.proposed.node_groups for note in g.not_modelled] \
        if plan.proposed.cluster_config is not None else []
    paths = node_group_resource_paths(plan)
    # EKS's Windows AMIs reserve by their own rules, not sourced here: said, not guessed
    return out + [PlanWarning(paths.get(g.name, "proposed.node_groups"), (
        f"node group {quoted(g.name)} runs Windows nodes: a node's room for pods is sized with "
        "EKS's Linux kubelet reservations (docs/PLAN.md, Node allocatable), not the Windows "
        "AMI's own, so it may be overstated; check `kubectl describe node` on one and pack "
        "the plan's pods with room to spare")) for g in plan.proposed.node_groups
        if g.os == "windows"]


def deadline_warnings(plan: Plan) -> list[PlanWarning]:
    """A warning at the timeline's last-ending phase when phases end after
    ``metadata.needed_by``: the plan, as scheduled, misses the deadline it states."""
    deadline = plan.metadata.needed_by
    ends = [(end, i) for i, (_start, end) in enumerate(phase_dates(plan.timeline))
            if end is not None and deadline is not None and end > deadline]
    if not ends:
        return []
    last, i = max(ends)
    others = f" ({len(ends) - 1} other phase(s) end after it too)" if len(ends) > 1 else ""
    return [PlanWarning(f"timeline[{i}]", (
        f"phase {plan.timeline[i].name!r} ends {last}, after metadata.needed_by ({deadline})"
        f"{others}: as scheduled the change misses its deadline; move the phases earlier or "
        "the deadline later"))]


def plan_warnings(plan: Plan, book: PriceBook, curves: Mapping[str, TrafficCurve]
                  ) -> tuple[PlanWarning, ...]:
    """Every warning of the autoscaled proposed workloads of a valid ``plan``, in plan order:
    node groups sized from ``book``'s instance specs, and ``curves`` mapping a scenario's name
    to its request rate (``plan_traffic.scenario_curves``; only those scenarios are checked:
    ``validate`` and the report both pass every scenario of the plan, so they list the same
    warnings whichever scenarios a report selects); then the node groups declared below their
    starting pods (:func:`desired_size_warnings`), the PodDisruptionBudgets not honoured
    (:mod:`~infra_toolkit.disruption_budget_warnings`), a load balancer declared below its egress
    (:func:`load_balancer_bytes_warnings`) or with no autoscaled workload behind it
    (:func:`off_load_balancer_warnings`), the cost lines ``book`` cannot price
    (:func:`price_warnings`), a commitment above its node group's max_size
    (:func:`~infra_toolkit.price_warnings.commitment_warnings`), a commitment its declared nodes
    leave unused where no simulation changes them
    (:func:`~infra_toolkit.unused_commitment.declared_commitment_warnings`), the user's prices no
    cost line asks for
    (:func:`unused_price_warnings`) and what the plan assumes of its Karpenter NodePools: the one
    instance type simulated among those allowed, the fields not modelled
    (:func:`~infra_toolkit.plan_node_pools.node_pool_warnings`); last, a timeline ending after
    the plan's deadline (:func:`deadline_warnings`)."""
    out: list[PlanWarning] = []
    autoscaler = side_autoscaler(plan, plan.proposed)
    for i, w in enumerate(plan.proposed.workloads):
        out += target_type_warnings(w, f"proposed.workloads[{i}].hpa")
        out += idle_replica_warnings(w, f"proposed.workloads[{i}].hpa")  # model or not
        if w.hpa_spec is None or w.model is None:
            continue  # not simulated
        at = f"proposed.workloads[{i}]"
        out += hpa_metric_warnings(w, f"{at}.hpa")
        out += peak_warnings(w, f"{at}.hpa", curves)
        out += queue_depth_cycle_warnings(w, f"{at}.hpa", curves)
        out += slo_target_warnings(w, f"{at}.hpa", latency_thresholds_ms(plan, w.name))
        out += starting_replicas_warnings(w, f"{at}.deployment", curves, plan.slos)
        out += unreachable_slo_warnings(w, plan.slos)
        out += startup_burst_warnings(w, f"{at}.model.startup_cpu_s")
        out += restart_loop_warnings(w, f"{at}.deployment")
        out += init_container_warnings(w, f"{at}.deployment")
        groups = simulation_node_groups(plan.proposed, w, book,
                                        plan.simulation.node_daemonsets)
        out += node_room_warnings(w, at, groups)
        out += anti_affinity_warnings(w, f"{at}.deployment", groups)
        out += drain_give_up_warnings(w, f"{at}.deployment", groups, autoscaler)
    return tuple(out + disruption_budget_warnings(plan) + unitless_memory_warnings(plan)
                 + daemonset_warnings(plan)
                 + extended_resource_warnings(plan) + runtime_class_warnings(plan)
                 + sidecar_injection_warnings(plan)
                 + ephemeral_storage_warnings(plan, book)
                 + hpa_manifest_warnings(plan) + volume_claim_warnings(plan)
                 + statefulset_rolling_warnings(plan) + argo_rollout_warnings(plan)
                 + ordered_ready_warnings(plan)
                 + node_config_warnings(plan)
                 + desired_size_warnings(plan, book) + node_group_quota_warnings(plan)
                 + load_balancer_bytes_warnings(plan)
                 + off_load_balancer_warnings(plan) + no_egress_warnings(plan)
                 + ignored_egress_route_warnings(plan)
                 + rds_storage_warnings(plan) + rds_backup_warnings(plan)
                 + price_warnings(plan, book)
                 + commitment_warnings(plan)
                 + declared_commitment_warnings(plan, book)
                 + discount_warnings(book)
                 + unused_price_warnings(book, [*plan.current.resources,
                                                *plan.proposed.resources])
                 + node_pool_warnings(plan.proposed, "proposed", book,
                                      node_group_resource_paths(plan))
                 + deadline_warnings(plan))
