"""An HPA's ContainerResource metrics read as the Resource metrics they equal, where they do.

The simulator's pod model gives one usage per pod, not per container. A ContainerResource
metric divides the named container's usage by that container's request (the controller's
``computeStatusForContainerResourceMetric``); when the pod template runs exactly one container
for the pod's life (its ``containers`` plus its native sidecars, the init containers with
``restartPolicy: Always``, which use CPU and whose requests count) and the metric names it,
that usage and request are the pod's, so the metric *is* the Resource metric of the same
resource and target. :func:`resource_twins` makes that substitution for the simulation; the
other cases are refused with the reason:

- the named container is not in the pod template: the controller reports
  ``FailedGetContainerResourceMetric`` and never scales on the metric;
- sidecars run beside it: the model cannot give the container its share of the pod's usage;
- a pod-level request of the resource (``spec.template.spec.resources``): the Resource metric
  divides by it, the ContainerResource metric by the container's own request;
- the pod template is unknown (``simulate`` without ``--deployment``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra_toolkit.errors import SimulationError, clipped, quoted
from infra_toolkit.hpa_spec import HPASpec, MetricSpec, ResourceMetricSource

__all__ = ["PodContainers", "pod_containers", "resource_twins"]


@dataclass(frozen=True)
class PodContainers:
    """What a ContainerResource metric is checked against: ``owner`` names the workload in
    messages (``Deployment 'web'``); ``running``: the names of the containers that run for the
    pod's life (``containers``, then the native sidecars); ``pod_level``: the resources the pod
    template requests or limits at pod level (``spec.template.spec.resources``);
    ``one_shot_init``: the names of the init containers that run to completion before the
    containers start (those without ``restartPolicy: Always``)."""

    owner: str
    running: tuple[str, ...]
    pod_level: frozenset[str] = frozenset()
    one_shot_init: tuple[str, ...] = ()


def pod_containers(doc: Mapping[str, Any]) -> PodContainers:
    """The :class:`PodContainers` of a Deployment, StatefulSet or Rollout manifest (a dict the
    manifest reader has already accepted: its containers are mappings)."""
    metadata = doc.get("metadata") or {}
    name = metadata.get("name", "") if isinstance(metadata, Mapping) else ""
    spec = doc.get("spec") or {}
    template = spec.get("template") or {} if isinstance(spec, Mapping) else {}
    pod = template.get("spec") or {} if isinstance(template, Mapping) else {}
    containers = [c for c in pod.get("containers") or [] if isinstance(c, Mapping)]
    init = [c for c in pod.get("initContainers") or [] if isinstance(c, Mapping)]
    sidecars = [c for c in init if c.get("restartPolicy") == "Always"]
    resources = pod.get("resources") or {}
    pod_level = {str(r) for kind in ("requests", "limits")
                 for r in (resources.get(kind) or {} if isinstance(resources, Mapping) else {})}
    return PodContainers(f"{doc.get('kind') or 'Deployment'} {quoted(name)}",
                         tuple(str(c.get("name")) for c in [*containers, *sidecars]),
                         frozenset(pod_level),
                         tuple(str(c.get("name")) for c in init
                               if c.get("restartPolicy") != "Always"))


def resource_twins(hpa: HPASpec, pod: PodContainers | None, no_pod_fix: str = "") -> HPASpec:
    """``hpa`` with each ContainerResource metric replaced by the Resource metric it equals on
    ``pod`` (same resource, same target); ``hpa`` itself when it has none. Raises
    :class:`SimulationError` naming the metric, why it differs from the Resource metric and the
    fix; ``pod`` ``None`` (the pod template is not known) is refused with ``no_pod_fix``."""
    if not any(m.type == "ContainerResource" for m in hpa.metrics):
        return hpa
    metrics: list[MetricSpec] = []
    for i, m in enumerate(hpa.metrics):
        source = m.container_resource
        if m.type != "ContainerResource" or source is None:
            metrics.append(m)
            continue
        what = (f"HPA {hpa.name!r} spec.metrics[{i}] (ContainerResource {clipped(source.name)} "
                f"of container {quoted(source.container)})")
        if pod is None:
            raise SimulationError(f"{what} needs the pod template to be simulated: it is the "
                                  "Resource metric only when that container is the pod's one "
                                  f"container{no_pod_fix}")
        names = ", ".join(quoted(n) for n in pod.running)
        if source.container not in pod.running:
            raise SimulationError(
                f"{what}: container {quoted(source.container)} is not in {pod.owner} "
                f"(containers: {names}); the controller would report "
                "FailedGetContainerResourceMetric and never scale on this metric: name one of "
                "those containers")
        rewrite = (f"write type: Resource, resource: {{name: {clipped(source.name)}, "
                   "target: ...}")
        if len(pod.running) > 1:
            raise SimulationError(
                f"{what} cannot be simulated: {pod.owner} runs {len(pod.running)} containers "
                f"for the pod's life ({names}, native sidecars included) and the model, one "
                f"pod's usage, cannot give container {quoted(source.container)} its share; "
                f"{rewrite} to scale on the pod's usage of all of them (a Utilization target "
                f"is then a percent of their requests summed, not of container "
                f"{quoted(source.container)}'s alone: recheck it)")
        if source.name in pod.pod_level:
            raise SimulationError(
                f"{what} cannot be simulated: {pod.owner} sets a pod-level {source.name} "
                "request or limit (spec.template.spec.resources), which the Resource metric "
                "divides by and this metric does not (it divides by the container's own "
                f"request); {rewrite} to scale on the pod's request")
        metrics.append(MetricSpec("Resource", resource=ResourceMetricSource(source.name,
                                                                            source.target)))
    return dataclasses.replace(hpa, metrics=tuple(metrics))
