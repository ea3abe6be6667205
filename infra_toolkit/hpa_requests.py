"""What an HPA's metrics need of its workload's pod requests: ``reads_cpu_requests`` (a CPU
Utilization metric divides by every counted container's CPU request) and
``memory_utilization_problem`` (a memory Utilization metric on pods without memory requests)."""

from __future__ import annotations

from infra_toolkit.deployment_spec import DeploymentSpec
from infra_toolkit.hpa_spec import HPASpec

__all__ = ["memory_utilization_problem", "reads_cpu_requests"]


def reads_cpu_requests(hpa: HPASpec) -> bool:
    """Whether ``hpa`` has a CPU Utilization metric (Resource or ContainerResource): the
    controller then divides by every counted container's CPU request (calculatePodRequests),
    and fails the metric when one has none."""
    return any(source is not None and source.name == "cpu"
               and source.target.type == "Utilization"
               for m in hpa.metrics for source in (m.resource, m.container_resource))


def memory_utilization_problem(hpa: HPASpec, workload: DeploymentSpec) -> str | None:
    """Why ``hpa``'s Resource memory Utilization metric cannot be computed for ``workload``
    (a container without a memory request: the controller's calculateRequests fails and the
    HPA reports FailedGetResourceMetric for it), or ``None``."""
    for i, metric in enumerate(hpa.metrics):
        source = metric.resource
        if (source is not None and source.name == "memory"
                and source.target.type == "Utilization" and not workload.memory_requested):
            return (f"spec.metrics[{i}] of HPA {hpa.name!r} is memory utilization, but a container "
                    f"of {workload.name!r} requests no memory (and has no memory limit): the HPA "
                    "cannot compute it (FailedGetResourceMetric); add a memory request to every "
                    "container, or use an AverageValue target")
    return None
