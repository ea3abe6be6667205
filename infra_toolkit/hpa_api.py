"""What the API server does with an autoscaling/v2 HorizontalPodAutoscaler: defaults, validation.

:func:`hpa_from_dict` takes a manifest as a dict (autoscaling/v2, or v2beta2 and v1 converted by
:mod:`infra_toolkit.hpa_versions`) (camelCase fields, quantities such as "500m",
"1Gi", "100"), applies the defaults of ``pkg/apis/autoscaling/v2/defaults.go`` (minReplicas 1;
metrics CPU 80 %; behavior rules filled only when ``behavior`` is present, the scale-down window
left unset for the controller flag) and rejects what the API validation rejects, each problem as a
:class:`~infra_toolkit.errors.SpecError` naming the source, the field path, the bad value and the
fix, e.g. ``spec.maxReplicas (=3) must be greater than or equal to spec.minReplicas (=5) in
plans/x.yaml``; each problem is reported on the field the API server names.

Unknown fields are rejected too (kubectl validates strictly by default), with the nearest valid
name. The parts are read in :mod:`infra_toolkit.hpa_api_metrics` (``spec.metrics``, object
references) and :mod:`infra_toolkit.hpa_api_behavior` (``spec.behavior``), field by field through
:mod:`infra_toolkit.hpa_api_fields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra_toolkit.errors import SpecError
from infra_toolkit.hpa_api_behavior import behavior_from_dict
from infra_toolkit.hpa_api_fields import DNS_SUBDOMAIN, ManifestReader
from infra_toolkit.hpa_api_metrics import metric_from_dict, object_ref_from_dict
from infra_toolkit.hpa_problems import NO_VALUE
from infra_toolkit.hpa_spec import HPASpec
from infra_toolkit.hpa_versions import as_autoscaling_v2

__all__ = ["hpa_from_dict", "API_VERSION", "KIND"]

API_VERSION = "autoscaling/v2"
KIND = "HorizontalPodAutoscaler"


def hpa_from_dict(
    manifest: Mapping[str, Any], source: str = "<dict>", *, gate_scale_to_zero: bool = True
) -> HPASpec:
    """An :class:`HPASpec` from an autoscaling/v2 HorizontalPodAutoscaler manifest dict.

    ``source`` names the input in error messages (a file path). ``gate_scale_to_zero`` is the
    HPAScaleToZero feature gate, which decides whether ``minReplicas: 0`` is valid.
    Raises :class:`SpecError` naming every invalid part of the spec, one line each (a bad
    header or an unknown field of the spec stops at that).
    """
    r = ManifestReader(source)
    top = r.mapping(manifest, "manifest", ("apiVersion", "kind", "metadata", "spec", "status"))
    top = as_autoscaling_v2(top, source)  # v2beta2 and v1 read as the API server serves them
    api_version = top.get("apiVersion")
    if api_version != API_VERSION:
        raise r.fail("apiVersion", api_version, f"must be {API_VERSION}",
                     "fix the header: apiVersion: autoscaling/v2")
    if top.get("kind") != KIND:
        raise r.fail("kind", top.get("kind"), f"must be {KIND}")
    metadata = top.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise r.fail("metadata", metadata, "must be a mapping")
    if metadata.get("name") is None and metadata.get("generateName"):
        name = ""  # the API server generates it
    else:
        name = r.pattern(
            r.required(metadata, "name", "metadata", "name the HPA, e.g. name: web"),
            "metadata.name", DNS_SUBDOMAIN, 253, "a lowercase RFC 1123 subdomain",
        )
    namespace = metadata.get("namespace") or "default"
    spec = r.mapping(
        r.required(top, "spec", "", "add the HPA spec"), "spec",
        ("scaleTargetRef", "minReplicas", "maxReplicas", "metrics", "behavior",
         "selectionStrategy"),
    )
    target_ref = r.collect(lambda: object_ref_from_dict(
        r, r.required(spec, "scaleTargetRef", "spec", "name the Deployment the HPA scales"),
        "spec.scaleTargetRef"))
    max_replicas = r.collect(lambda: r.integer(
        r.required(spec, "maxReplicas", "spec", "set the largest replica count allowed"),
        "spec.maxReplicas",
    ))
    min_raw = spec.get("minReplicas")
    min_replicas = 1 if min_raw is None else r.collect(
        lambda: r.integer(min_raw, "spec.minReplicas"))
    metrics_raw = spec.get("metrics")
    metrics = () if metrics_raw is None else r.collect(lambda: r.items(
        metrics_raw, "spec.metrics", lambda m, p: r.collect(lambda: metric_from_dict(r, m, p))))
    behavior_raw = spec.get("behavior")
    behavior = None if behavior_raw is None else r.collect(
        lambda: behavior_from_dict(r, behavior_raw, "spec.behavior"))

    # validation.go asks only for a metric of type Object or External: one whose own fields
    # are wrong is named for those, not also reported on spec.metrics for minReplicas 0
    declared = [m.get("type") for m in metrics_raw if isinstance(m, Mapping)] \
        if isinstance(metrics_raw, list) else []
    # validation.go: with the HPAScaleToZero gate off minReplicas' lower bound is 1 (reported on
    # spec.minReplicas, for -1 as for 0: validation_test.go expects "must be greater than or
    # equal to 1" for -1); whatever the gate, minReplicas 0 without an Object or External
    # metric is forbidden on spec.metrics
    wakes = any(t in ("Object", "External") for t in declared)
    if min_replicas is not None and min_replicas < 1 and not gate_scale_to_zero:
        r.problems.append(str(r.fail(
            "spec.minReplicas", min_replicas,
            "must be greater than or equal to 1 while the HPAScaleToZero feature gate is off",
            "set minReplicas: 1, or turn the gate on (with an Object or External metric)"
            if min_replicas == 0 else "set minReplicas: 1 or more",
        )))
    if min_replicas == 0 and not wakes:
        r.problems.append(str(r.fail(
            "spec.metrics", NO_VALUE,
            "must have an Object or External metric when spec.minReplicas is 0 (only such a "
            "metric can be read while no pod runs, to scale up from zero)",
            "set minReplicas: 1, or add an Object/External metric that can wake the workload",
        )))
    if r.problems:
        raise SpecError("\n".join(r.problems))
    assert target_ref is not None and max_replicas is not None and min_replicas is not None
    with r.at(""):
        return HPASpec(
            max_replicas=max_replicas,
            min_replicas=min_replicas,
            metrics=tuple(m for m in metrics or () if m is not None),
            behavior=behavior,
            scale_target_ref=target_ref,
            name=str(name),
            namespace=str(namespace),
        )
