"""``DeploymentSpec``: what the simulation reads from a workload's manifest (a Deployment,
StatefulSet or Argo Rollout, read by :func:`~infra_toolkit.manifests.deployment_from_dict`), and
what one of its pods takes on a node as the scheduler counts it (``packed_cpu_millicores`` /
``packed_memory_mib``, the init containers' effective request included) and its
``max_pods_per_node`` (a hostname anti-affinity or a host port)."""

from __future__ import annotations

from dataclasses import dataclass

from infra_toolkit.node_placement import PodPlacement
from infra_toolkit.nodes import POD_TERMINATION_GRACE_S
from infra_toolkit.pod_anti_affinity import max_pods_per_node as _node_cap
from infra_toolkit.readiness import ContainerProbes
from infra_toolkit.restart_probes import RestartProbe
from infra_toolkit.update_strategy import UpdateStrategy

__all__ = ["DeploymentSpec"]


@dataclass(frozen=True)
class DeploymentSpec:
    """What the simulation reads from an apps/v1 Deployment (or StatefulSet, or Argo Rollout):
    ``spec.replicas``
    (``None`` when unset), the pod's requests (a limit where no request is written) summed over
    its containers and native sidecars (millicores, MiB; the pod-level request instead when set)
    and ``probes``: the readiness and startup probe timings of each container and native sidecar
    with a probe (:mod:`infra_toolkit.readiness`; the pod is Ready when all are; a sidecar's is
    marked ``sidecar``, its startup probe holding the containers after it).
    ``termination_grace_period_s``: ``spec.template.spec.terminationGracePeriodSeconds`` (30 when
    unset, the API default), the most an evicted pod takes to terminate (a ``preStop`` hook runs
    within it, so it does not lengthen it). ``memory_requested`` is false when a counted container
    requests no memory (and has no memory limit): ``memory_request_mib`` is then the toolkit's 256
    MiB stand-in, and an HPA memory utilization metric cannot be computed (see
    :func:`~infra_toolkit.hpa_requests.memory_utilization_problem`).
    ``placement``: the pod's nodeSelector, required node affinity and tolerations, which decide
    the node groups it may run on (:mod:`infra_toolkit.node_placement`); ``update_strategy``:
    how it replaces its pods by itself (:mod:`infra_toolkit.update_strategy`);
    ``self_anti_affinity_keys``: topology keys on which no two of its pods may share a value
    (:mod:`infra_toolkit.pod_anti_affinity`); ``namespace_selector_keys``: those of terms whose
    namespaceSelector may or may not pick its own namespace (not simulated; warned).
    ``init_cpu_millicores`` / ``init_memory_mib``: the effective request of its one-shot init
    containers (each with the native sidecars started before it, the largest; 0 without any),
    which the scheduler reserves when it is above the containers' sum; the HPA never counts
    them. ``native_sidecars``: how many init containers are native sidecars (``restartPolicy:
    Always``, counted with the containers); ``sidecars_before_init``: whether one runs before a
    one-shot init container (so the init request includes it). ``memory_stand_in``: no counted
    container requests memory, so ``memory_request_mib`` is the stand-in and the scheduler
    counts 0. :attr:`packed_cpu_millicores` /
    :attr:`packed_memory_mib` are what one pod takes on a node. ``extended_resources``: the
    extended resources (``nvidia.com/gpu``) and huge pages its containers or the pod request or
    limit, which the simulation does not place by (sorted; warned). ``host_ports``: the host
    ports its containers take (``hostPort``, or every ``containerPort`` with ``hostNetwork:
    true``, which the API server defaults so), sorted. ``restart_probes``: the startup and
    liveness probes of its containers and native sidecars, whose failures restart a container
    (:mod:`infra_toolkit.restart_probes`). ``ordered_ready``: a StatefulSet whose
    ``spec.podManagementPolicy`` is ``OrderedReady`` (its default): the controller creates its
    pods one at a time, each once the one before it is Running and Ready, and removes them one
    at a time (false for ``Parallel`` and for a Deployment)."""

    name: str
    replicas: int | None
    cpu_request_millicores: int
    memory_request_mib: float
    probes: tuple[ContainerProbes, ...]
    memory_requested: bool = True
    placement: PodPlacement = PodPlacement()
    update_strategy: UpdateStrategy = UpdateStrategy()
    self_anti_affinity_keys: tuple[str, ...] = ()
    namespace_selector_keys: tuple[str, ...] = ()
    init_cpu_millicores: int = 0
    init_memory_mib: float = 0.0
    extended_resources: tuple[str, ...] = ()
    host_ports: tuple[int, ...] = ()
    memory_stand_in: bool = False
    native_sidecars: int = 0
    sidecars_before_init: bool = False
    termination_grace_period_s: float = POD_TERMINATION_GRACE_S
    restart_probes: tuple[RestartProbe, ...] = ()
    ordered_ready: bool = False

    @property
    def packed_cpu_millicores(self) -> int:
        """The CPU (millicores) one pod takes on a node as the scheduler counts it
        (``PodRequests``): the containers' sum or the init containers' request, the larger."""
        return max(self.cpu_request_millicores, self.init_cpu_millicores)

    @property
    def packed_memory_mib(self) -> float:
        """The memory (MiB) one pod takes on a node as the scheduler counts it: the
        containers' sum (0 when none requests memory: not the stand-in) or the init containers'
        request, the larger."""
        return max(0.0 if self.memory_stand_in else self.memory_request_mib,
                   self.init_memory_mib)

    @property
    def packed_by_init(self) -> bool:
        """Whether its init containers raise what a pod takes on a node above its containers'
        requests (CPU or memory)."""
        return (self.init_cpu_millicores > self.cpu_request_millicores or self.init_memory_mib
                > (0.0 if self.memory_stand_in else self.memory_request_mib))

    @property
    def max_pods_per_node(self) -> int | None:
        """The most of its pods one node may hold (1 with a required anti-affinity on
        ``kubernetes.io/hostname`` against its own pods, or with a host port: the scheduler's
        NodePorts filter keeps two pods using one host port off one node), ``None`` without
        such a cap."""
        return 1 if self.host_ports else _node_cap(self.self_anti_affinity_keys)
