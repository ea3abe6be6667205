"""The HorizontalPodAutoscaler API versions users still have, read as ``autoscaling/v2``.

The API server stores one internal HPA and serves it in every version, so an older manifest
means what its ``autoscaling/v2`` conversion means:

- ``autoscaling/v2beta2`` has the same fields as v2 (v2 only adds ``behavior.*.tolerance``) and
  the same defaults: it is read as v2.
- ``autoscaling/v1`` has ``targetCPUUtilizationPercentage`` instead of ``metrics``; the conversion
  (pkg/apis/autoscaling/v1/conversion.go) makes it one Resource cpu Utilization metric, and
  without it v2's default (CPU 80 %) applies. Metrics kept in the
  ``autoscaling.alpha.kubernetes.io/metrics`` annotation (an HPA written in v2, read back in v1)
  are refused: the v2 form holds them.
- ``autoscaling/v2beta1`` writes targets differently (``targetAverageUtilization``); it is
  refused with the rewrite to make.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra_toolkit.errors import SpecError
from infra_toolkit.hpa_problems import NO_VALUE, format_problem

__all__ = ["as_autoscaling_v2"]

_V2 = "autoscaling/v2"
_V1_SPEC_FIELDS = ("scaleTargetRef", "minReplicas", "maxReplicas", "targetCPUUtilizationPercentage")
_V1_METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics"


def as_autoscaling_v2(manifest: Mapping[str, Any], source: str) -> Mapping[str, Any]:
    """``manifest`` as the ``autoscaling/v2`` manifest the API server would serve for it.

    v2 is returned unchanged; v2beta2 and v1 are converted (see the module docstring). Raises
    :class:`SpecError` naming ``source``, the field and the fix for v2beta1, for v1 fields that
    do not convert and for any other ``apiVersion``.
    """
    version = manifest.get("apiVersion")
    if version == _V2 or manifest.get("kind") != "HorizontalPodAutoscaler":
        return manifest  # the v2 reader words a wrong kind
    if version == "autoscaling/v2beta2":
        return {**manifest, "apiVersion": _V2}
    if version == "autoscaling/v1":
        return _from_v1(manifest, source)
    if version == "autoscaling/v2beta1":
        raise SpecError(format_problem(
            "apiVersion", version, f"is not read (removed in Kubernetes 1.25); use {_V2}", (
                "set apiVersion: autoscaling/v2 and write each metric's target as a block, e.g. "
                "targetAverageUtilization: 50 -> target: {type: Utilization, "
                "averageUtilization: 50}; targetAverageValue -> {type: AverageValue, "
                "averageValue}; targetValue -> {type: Value, value}"), source))
    raise SpecError(format_problem(
        "apiVersion", version, f"must be {_V2} (or autoscaling/v2beta2, autoscaling/v1)",
        "fix the header: apiVersion: autoscaling/v2", source))


def _from_v1(manifest: Mapping[str, Any], source: str) -> Mapping[str, Any]:
    metadata = manifest.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    if isinstance(annotations, Mapping) and _V1_METRICS_ANNOTATION in annotations:
        raise SpecError(format_problem(
            f"metadata.annotations.{_V1_METRICS_ANNOTATION}", NO_VALUE,
            "holds metrics autoscaling/v1 cannot show",
            "export the HPA as autoscaling/v2: kubectl get hpa.v2.autoscaling NAME -o yaml",
            source))
    spec = manifest.get("spec")
    if not isinstance(spec, Mapping):
        return {**manifest, "apiVersion": _V2}  # the v2 reader words a missing spec
    for key in spec:
        if key not in _V1_SPEC_FIELDS:
            raise SpecError(format_problem(
                f"spec.{key}", NO_VALUE, "is not a field of an autoscaling/v1 HPA",
                f"valid fields: {', '.join(_V1_SPEC_FIELDS)}; for metrics and behavior write "
                f"apiVersion: {_V2}", source))
    converted = {k: v for k, v in spec.items() if k != "targetCPUUtilizationPercentage"}
    target = spec.get("targetCPUUtilizationPercentage")
    if target is not None:
        if isinstance(target, bool) or not isinstance(target, int) or target < 1:
            raise SpecError(format_problem(
                "spec.targetCPUUtilizationPercentage", target,
                "must be a whole number of percent greater than 0",
                "write e.g. targetCPUUtilizationPercentage: 70", source))
        converted["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}}]
    return {**manifest, "apiVersion": _V2, "spec": converted}
