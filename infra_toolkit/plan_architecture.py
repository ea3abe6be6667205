"""One side of a plan's change (``current`` or ``proposed``) as frozen dataclasses: the
:class:`Architecture` with its priced resources, its :class:`Workload` s (a Deployment, its HPA and
the :class:`WorkloadModel` of one pod under load) and node groups, and the manifests they come
from (:class:`Manifest`). :func:`workload_spec` turns a workload into the simulator's
:class:`~infra_toolkit.workload.WorkloadSpec`.

:mod:`infra_toolkit.plan_workloads` reads these sections of a plan file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra_toolkit.container_metrics import pod_containers, resource_twins
from infra_toolkit.deployment_spec import DeploymentSpec
from infra_toolkit.eksctl_config import NodeGroupConfig
from infra_toolkit.errors import SpecError, quoted
from infra_toolkit.hpa_spec import HPASpec
from infra_toolkit.karpenter_manifests import NodePool
from infra_toolkit.keda_activation import KedaActivation
from infra_toolkit.readiness import MAX_STARTUP_DELAY_S, STARTUP_DELAY_RULE, slowest_container
from infra_toolkit.resources import Resource
from infra_toolkit.spec_checks import require_at_most, require_finite
from infra_toolkit.workload import WorkloadSpec

__all__ = ["Architecture", "Manifest", "Workload", "WorkloadModel", "workload_spec"]


@dataclass(frozen=True)
class Manifest:
    """A Kubernetes/eksctl document given inline or by path (``path`` is ``None`` when inline);
    ``budgets``: the ``PodDisruptionBudget`` objects of its file (a workload's Deployment:
    also those of its HPA's file and its ``disruption_budgets`` files), of which the
    simulation honours the one selecting the workload's pods
    (:mod:`infra_toolkit.workload_budgets`); ``storage_classes``: the ``StorageClass`` objects
    of its file, which a StatefulSet's ``volumeClaimTemplates`` name
    (:mod:`infra_toolkit.claimed_volumes`); ``scaled_object``: the KEDA ScaledObject as written
    when ``document`` is the HPA KEDA's operator creates for it (what that HPA does not hold,
    such as an SQS trigger's ``scaleOnInFlight``, is read there)."""

    kind: str
    document: Mapping[str, Any]
    path: Path | None = None
    budgets: tuple[Mapping[str, Any], ...] = ()
    storage_classes: tuple[Mapping[str, Any], ...] = ()
    scaled_object: Mapping[str, Any] | None = None

    @property
    def name(self) -> str:
        """``metadata.name`` of the document (empty when absent)."""
        meta = self.document.get("metadata")
        return str(meta.get("name", "")) if isinstance(meta, Mapping) else ""


@dataclass(frozen=True)
class WorkloadModel:
    """How one pod of the workload behaves under load, in the simulator's own terms (the fields
    of :class:`~infra_toolkit.workload.WorkloadSpec` the Deployment does not give).

    ``cpu_millicores_per_rps`` is CPU per request per second served, i.e. CPU milliseconds per
    request (10 means a pod serving 20 rps uses 200 millicores above its baseline). A pod serves
    at most ``capacity_rps_per_pod`` with ``concurrency`` requests in parallel. Start-up: the
    image pulls in ``image_pull_s``, the app is up ``app_start_s`` after, and the Deployment's
    probes decide when the pod is Ready (:mod:`infra_toolkit.readiness`). The memory fields
    describe memory use for memory-based HPA metrics (MiB at zero load, MiB per rps).
    ``queue_depth_metrics`` names the HPA's Object or External metrics that count the messages
    waiting in a queue, read as the requests queued rather than the offered rate.
    ``consumer``: ``"push"`` (default: a load balancer sends the requests) or ``"pull"`` (queue
    workers take a message when a slot is free; latency is the larger of the M/M/c value and the
    service time plus the backlog's wait, :mod:`infra_toolkit.latency`).
    """

    cpu_millicores_per_rps: float
    baseline_cpu_millicores: float
    capacity_rps_per_pod: float
    image_pull_s: float
    app_start_s: float
    concurrency: int = 1
    startup_cpu_millicores: float = 0.0
    startup_cpu_s: float = 0.0
    queue_timeout_s: float = 0.0
    memory_baseline_mib: float | None = None
    memory_mib_per_rps: float | None = None
    queue_depth_metrics: tuple[str, ...] = ()
    consumer: str = "push"


@dataclass(frozen=True)
class Workload:
    """A Deployment with its (optional) HPA, the load model, and which scenario share it gets.

    ``deployment``/``hpa`` are the manifests as written; ``deployment_spec``/``hpa_spec`` what the
    simulator reads from them (requests and probes; the HPA with API defaults applied).
    ``model`` is required with an HPA; a workload without one serves no modelled traffic (its
    Deployment's replicas only hold room on the nodes), so its model may be ``None``.
    ``traffic_share`` multiplies each scenario's request rate for this workload (0.5 = half the
    requests reach it; 3 = each scenario request makes three calls to it).
    ``behind_load_balancer`` (default true) says its requests pass through the plan's load
    balancer: false (a queue worker fed by SQS) keeps its served requests out of the load
    balancer's capacity units and the Internet egress, and its share out of the reference rate
    the declared usage is sized at (:func:`~infra_toolkit.plan_cost.load_balanced_workloads`).
    ``budget_files``: the files its ``disruption_budgets`` names, whose PodDisruptionBudgets
    are among ``deployment.budgets`` with those of the Deployment's and the HPA's files.
    ``keda``: when ``hpa`` was a KEDA ScaledObject that scales to zero (or its idle count),
    KEDA's operator's part, which the simulation runs beside the HPA.
    """

    name: str
    deployment: Manifest
    deployment_spec: DeploymentSpec
    model: WorkloadModel | None
    hpa: Manifest | None = None
    hpa_spec: HPASpec | None = None
    node_group: str | None = None
    traffic_share: float = 1.0
    behind_load_balancer: bool = True
    budget_files: tuple[Path, ...] = ()
    # a KEDA ScaledObject's own scaling to zero (keda_scaled_object.read_scaled_object)
    keda: KedaActivation | None = None

    def simulated_hpa_spec(self, hpa: HPASpec | None = None) -> HPASpec | None:
        """``hpa`` (default: the workload's own, ``None`` without one) as the simulation runs it
        on the Deployment's pods: each ContainerResource metric as the Resource metric it
        equals (:func:`container_metrics.resource_twins`; validation refused the others)."""
        hpa = self.hpa_spec if hpa is None else hpa
        if hpa is None:
            return None
        return resource_twins(hpa, pod_containers(self.deployment.document))

    def workload_spec(self, slo_p95_latency_ms: float = 500.0) -> WorkloadSpec:
        """The simulator's :class:`~infra_toolkit.workload.WorkloadSpec` for one pod; raises
        ``SpecError`` for a workload without a model (one without an HPA is not simulated)."""
        if self.model is None:
            raise SpecError(f"workload {self.name!r} has no model; give it a `model:` block to "
                            "simulate it")
        return workload_spec(self.name, self.model, self.deployment_spec, slo_p95_latency_ms)


def workload_spec(name: str, model: WorkloadModel, deployment: DeploymentSpec,
                  slo_p95_latency_ms: float = 500.0) -> WorkloadSpec:
    """The simulator's :class:`~infra_toolkit.workload.WorkloadSpec` from a plan's workload model
    and what its Deployment gives (the HPA's requests and the scheduler's, the probes of the
    container Ready last and the native sidecars' start before it, its cap of pods a node);
    raises ``SpecError`` when the simulator refuses a value."""
    m, d = model, deployment
    # slowest_container puts these on the probes' grid before WorkloadSpec checks them: a NaN
    # or infinite delay must be refused by WorkloadSpec's rules first, not fail in math.ceil
    for field in ("image_pull_s", "app_start_s"):
        where = f"workload {quoted(name)}.{field}"
        require_finite(where, getattr(m, field), 0)
        require_at_most(where, getattr(m, field), MAX_STARTUP_DELAY_S, "s", STARTUP_DELAY_RULE)
    last, sidecar_start_s = slowest_container(d.probes, m.image_pull_s, m.app_start_s)
    return WorkloadSpec(
        cpu_request_millicores=d.cpu_request_millicores,
        memory_request_mib=d.memory_request_mib, readiness_probe=last.readiness,
        startup_probe=last.startup,
        schedule_cpu_millicores=d.packed_cpu_millicores,
        schedule_memory_mib=d.packed_memory_mib,
        capacity_rps_per_pod=m.capacity_rps_per_pod,
        cpu_millicores_per_rps=m.cpu_millicores_per_rps,
        baseline_cpu_millicores=m.baseline_cpu_millicores, concurrency=m.concurrency,
        startup_cpu_millicores=m.startup_cpu_millicores, startup_cpu_s=m.startup_cpu_s,
        image_pull_s=m.image_pull_s, app_start_s=m.app_start_s,
        queue_timeout_s=m.queue_timeout_s, slo_p95_latency_ms=slo_p95_latency_ms, name=name,
        memory_baseline_mib=m.memory_baseline_mib, memory_mib_per_rps=m.memory_mib_per_rps or 0.0,
        max_pods_per_node=d.max_pods_per_node, sidecar_start_s=sidecar_start_s,
        queue_depth_metrics=m.queue_depth_metrics, consumer=m.consumer)


@dataclass(frozen=True)
class Architecture:
    """One side of the change (``current`` or ``proposed``): region, priced resources and, when it
    runs on Kubernetes, workloads and node groups (from an eksctl ``ClusterConfig`` when
    ``cluster_config`` is given, else from the ``aws_eks_node_group`` resources; those of
    Karpenter ``NodePool`` s, ``karpenter_pools``, from the ``node_pools`` file)."""

    region: str
    resources: tuple[Resource, ...]
    workloads: tuple[Workload, ...] = ()
    node_groups: tuple[NodeGroupConfig, ...] = ()
    cluster_config: Manifest | None = None
    node_pools: Manifest | None = None
    karpenter_pools: tuple[NodePool, ...] = ()
