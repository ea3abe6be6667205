"""Reading real Kubernetes YAML files into the toolkit's specs.

``read_deployment_yaml`` reads the pod requests and readiness delay of an apps/v1 Deployment.
``read_hpa_yaml`` reads an autoscaling/v2 HorizontalPodAutoscaler from a file that may hold
several documents (``---``), as ``kubectl apply -f`` files often do. Errors name the file, and the
line for malformed YAML.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra_toolkit.errors import SpecError
from infra_toolkit.hpa_api import KIND, hpa_from_dict
from infra_toolkit.hpa_spec import HPASpec
from infra_toolkit.quantity import QuantityError, parse_quantity_milli

__all__ = ["DeploymentSpec", "read_deployment_yaml", "read_hpa_yaml"]


def _load_documents(path: Path) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        context_mark = getattr(exc, "context_mark", None)
        if context and context_mark is not None:
            problem += f" ({context} that starts at line {context_mark.line + 1})"
        raise SpecError(
            f"{where}: malformed YAML: {problem}; fix the indentation, brackets or quoting"
        ) from None


def read_hpa_yaml(
    path: str | os.PathLike[str], name: str | None = None, *, gate_scale_to_zero: bool = True
) -> HPASpec:
    """The HorizontalPodAutoscaler in a YAML file, API defaults applied (see ``hpa_from_dict``).

    With several HPAs in the file, ``name`` (``metadata.name``) picks one. Raises
    :class:`SpecError` naming the file when it cannot be read, is not YAML, holds no (or no such)
    HPA, or the HPA is invalid.
    """
    path = Path(path)
    documents = _load_documents(path)
    hpas = [
        doc for doc in documents if isinstance(doc, dict) and doc.get("kind") == KIND
    ]
    if name is not None:
        hpas = [doc for doc in hpas if (doc.get("metadata") or {}).get("name") == name]
    if not hpas:
        kinds = sorted({str(doc.get("kind")) for doc in documents if isinstance(doc, dict)})
        found = ", ".join(kinds) if kinds else "no Kubernetes objects"
        wanted = f"{KIND} named {name!r}" if name is not None else KIND
        raise SpecError(
            f"{path} holds no {wanted} (found: {found}); "
            "point to the file with the HPA manifest (kind: HorizontalPodAutoscaler)"
        )
    if len(hpas) > 1:
        names = ", ".join(str((doc.get("metadata") or {}).get("name")) for doc in hpas)
        raise SpecError(
            f"{path} holds {len(hpas)} HorizontalPodAutoscalers ({names}); "
            "pass name= to choose one"
        )
    return hpa_from_dict(hpas[0], source=str(path), gate_scale_to_zero=gate_scale_to_zero)


@dataclass(frozen=True)
class DeploymentSpec:
    """What the simulation reads from an apps/v1 Deployment: ``spec.replicas`` (``None`` when
    unset), the pod's requests summed over its containers (millicores, MiB) and the readiness
    probe's ``initialDelaySeconds`` (the largest over containers; 0 without a probe)."""

    name: str
    replicas: int | None
    cpu_request_millicores: int
    memory_request_mib: float
    readiness_delay_s: float


def _container_request(container: Any, resource: str, field_path: str, source: Path) -> int:
    requests = ((container.get("resources") or {}).get("requests") or {}) if isinstance(
        container, dict) else {}
    if resource not in requests:
        return 0
    try:
        return parse_quantity_milli(requests[resource])
    except QuantityError as exc:
        raise SpecError(f"{field_path}.resources.requests.{resource} "
                        f"(={requests[resource]!r}) in {source}: {exc}") from None


def read_deployment_yaml(path: str | os.PathLike[str], name: str | None = None) -> DeploymentSpec:
    """The Deployment in a YAML file (``name`` picks one of several) as a :class:`DeploymentSpec`.

    Raises :class:`SpecError` naming the file and field when there is no such Deployment, no
    container, or no CPU request (the HPA's CPU utilization is relative to it).
    """
    path = Path(path)
    documents = _load_documents(path)
    found = [d for d in documents if isinstance(d, dict) and d.get("kind") == "Deployment"]
    if name is not None:
        found = [d for d in found if (d.get("metadata") or {}).get("name") == name]
    if len(found) != 1:
        what = "no Deployment" + (f" named {name!r}" if name else "") if not found else (
            f"{len(found)} Deployments")
        fix = "pass name= to choose one" if found else "point to the Deployment manifest"
        raise SpecError(f"{path} holds {what}; {fix}")
    doc = found[0]
    dep_name = str((doc.get("metadata") or {}).get("name", ""))
    spec = doc.get("spec") or {}
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    if not containers:
        raise SpecError(f"spec.template.spec.containers of Deployment {dep_name!r} in {path} is "
                        "empty; the pod needs at least one container")
    cpu = memory_milli = 0
    delay = 0.0
    for i, c in enumerate(containers):
        where = f"spec.template.spec.containers[{i}]"
        cpu += _container_request(c, "cpu", where, path)
        memory_milli += _container_request(c, "memory", where, path)
        probe = (c.get("readinessProbe") or {}) if isinstance(c, dict) else {}
        delay = max(delay, float(probe.get("initialDelaySeconds", 0) or 0))
    if cpu <= 0:
        raise SpecError(
            f"spec.template.spec.containers[*].resources.requests.cpu of Deployment {dep_name!r} "
            f"in {path} is missing; CPU utilization is a percent of the request: add one "
            "(e.g. cpu: 500m)"
        )
    replicas = spec.get("replicas")
    memory_mib = memory_milli / 1000 / 2**20 if memory_milli else 256.0
    return DeploymentSpec(dep_name, None if replicas is None else int(replicas), cpu,
                          memory_mib, delay)
