"""A conformance vector's ``hpa`` object (SPEC.md section 0 of ``../shared/hpa``) as an
:class:`~infra_toolkit.hpa.HPASpec`: its metrics and behavior, for
:mod:`infra_toolkit.conformance_cases`.

How the schema is read where it leaves room (decided by what the Go code and its tests do; the
rest is in :mod:`infra_toolkit.conformance_inputs`):

- Metric items: ``metric`` may be a name or ``{name: ...}``; ``resource`` a name or
  ``{name, target}``. A Resource item without a target is the Go harness's default metric
  (no CPU target set): the controller fails it with FailedGetResourceMetric.
- ContainerResource items: ``{type: ContainerResource, resource, container, target}``; the
  fields may also be nested under ``container_resource``.
- Targets are read as the controller dispatches on them: Resource, ContainerResource and
  External by the field that is set (averageValue first) whatever ``type`` says, Pods always by
  averageValue; an Object target without the field its type names, or an External one with
  neither, fails that metric (FailedGetObjectMetric / FailedGetExternalMetric).
- Behavior rules: ``policies: []`` is Go's nil slice, so the API default policies apply;
  ``min_replicas: null`` is 1.
- A metric with ``fetch_error: true`` gets a resource or metric name that no snapshot serves, so
  its read fails (:func:`infra_toolkit.conformance_inputs.parse_snapshot` skips it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra_toolkit.hpa import (
    ContainerResourceMetricSource,
    CrossVersionObjectReference,
    ExternalMetricSource,
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    HPASpec,
    MetricIdentifier,
    MetricSpec,
    MetricTarget,
    ObjectMetricSource,
    PodsMetricSource,
    ResourceMetricSource,
)

__all__ = ["parse_behavior", "parse_hpa", "parse_metric", "parse_rules"]


def _go_dispatch(kind: str, raw: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
    """The target as the controller dispatches on it, and whether the metric fails for want of
    a target value: Resource, ContainerResource and External targets are read by which field is
    set (averageValue first), whatever ``type`` says; an Object target needs the field its type
    names (H ``computeStatusFor*Metric``)."""
    if kind == "Object":
        needed = {"Value": "value_milli", "AverageValue": "average_value_milli"}.get(
            str(raw.get("type")))
        return raw, needed is None or raw.get(needed) is None
    if raw.get("average_value_milli") is not None:
        return {**raw, "type": "AverageValue"}, False
    field = "value_milli" if kind == "External" else "average_utilization"
    if raw.get(field) is not None:
        return {**raw, "type": "Value" if kind == "External" else "Utilization"}, False
    return raw, True


def _target(raw: Mapping[str, Any]) -> MetricTarget:
    return MetricTarget(
        type=raw["type"],
        average_utilization=raw.get("average_utilization"),
        average_value_milli=raw.get("average_value_milli"),
        value_milli=raw.get("value_milli"),
    )


def _container_metric_fields(raw: Mapping[str, Any]) -> tuple[str, str, Any]:
    """(resource, container, target) of a ContainerResource item, flat or nested."""
    nested = raw.get("container_resource") or raw.get("containerResource") or {}
    merged = {**nested, **{k: v for k, v in raw.items() if k not in ("type",)}}
    resource = merged.get("resource") or merged.get("name") or "cpu"
    container = merged.get("container") or merged.get("container_name") or ""
    return str(resource), str(container), merged.get("target")


def _metric_name(raw: Mapping[str, Any]) -> str:
    """The custom/external metric name: ``metric: qps`` or ``metric: {name: qps}``."""
    metric = raw.get("metric") or ""
    return str(metric.get("name", "")) if isinstance(metric, Mapping) else str(metric)


def _resource_fields(raw: Mapping[str, Any]) -> tuple[str, Mapping[str, Any] | None]:
    """(resource name, target) of a Resource item: ``resource: cpu`` or
    ``resource: {name, target}``."""
    resource = raw.get("resource")
    if isinstance(resource, Mapping):
        return str(resource.get("name") or "cpu"), resource.get("target", raw.get("target"))
    return str(resource or raw.get("name") or "cpu"), raw.get("target")


def _has_target(raw: Mapping[str, Any] | None) -> bool:
    return isinstance(raw, Mapping) and any(
        raw.get(k) is not None for k in ("average_utilization", "average_value_milli")
    )


# A metric whose read must fail reads a resource or metric name that no snapshot serves.
_UNSERVED = "{}#unserved-{}"


def parse_metric(raw: Mapping[str, Any], index: int = 0) -> MetricSpec:
    """Item ``index`` of an HPA's ``metrics``; one that must fail to read (``fetch_error``, or a
    Resource item without a target) gets a name no snapshot serves."""
    kind = raw.get("type")
    unserved = bool(raw.get("fetch_error"))
    if kind in ("Resource", "ContainerResource"):
        if kind == "Resource":
            resource, target_raw = _resource_fields(raw)
            container = ""
        else:
            resource, container, target_raw = _container_metric_fields(raw)
        if _has_target(target_raw):
            target_raw = _go_dispatch(str(kind), target_raw)[0]  # type: ignore[arg-type]
        else:
            # Go's harness leaves the target empty when a test sets no CPU target; the controller
            # then fails the metric ("invalid resource metric source"), FailedGetResourceMetric.
            unserved, target_raw = True, {"type": "Utilization", "average_utilization": 100}
        if unserved:
            resource = _UNSERVED.format(resource, index)
        target = _target(target_raw)
        if container:
            csource = ContainerResourceMetricSource(resource, container, target)
            return MetricSpec(type=kind, container_resource=csource)
        return MetricSpec(type="Resource", resource=ResourceMetricSource(resource, target))
    metric_name = _metric_name(raw)
    target_raw = raw.get("target") or {}
    if kind in ("Object", "External"):
        target_raw, no_value = _go_dispatch(str(kind), target_raw)
        if no_value:  # "invalid ... metric source: neither a value target nor ..."
            unserved, target_raw = True, {"type": "Value", "value_milli": 1}
    if unserved:
        metric_name = _UNSERVED.format(metric_name, index)
    name = MetricIdentifier(metric_name)
    if kind == "Pods":  # the controller always reads a Pods target's averageValue
        return MetricSpec(type=kind, pods=PodsMetricSource(
            name, _target({**target_raw, "type": "AverageValue"})))
    if kind == "Object":
        ref = raw.get("described_object") or {}
        obj = CrossVersionObjectReference(ref.get("kind", ""), ref.get("name", ""),
                                          ref.get("api_version", ""))
        return MetricSpec(type=kind, object=ObjectMetricSource(obj, name, _target(target_raw)))
    if kind == "External":
        return MetricSpec(type=kind, external=ExternalMetricSource(name, _target(target_raw)))
    return MetricSpec(type=str(kind))


def parse_rules(raw: Mapping[str, Any] | None) -> HPAScalingRules | None:
    """One direction of ``behavior`` (``None`` when absent); ``policies: []`` is unset."""
    if raw is None:
        return None
    policies = raw.get("policies") or None  # [] is Go's nil slice: the API defaults apply
    return HPAScalingRules(
        stabilization_window_s=raw.get("stabilization_window_s"),
        select_policy=raw.get("select_policy"),
        policies=None if policies is None else tuple(
            HPAScalingPolicy(p["type"], int(p["value"]), int(p["period_s"])) for p in policies
        ),
        tolerance=raw.get("tolerance"),
    )


def parse_behavior(raw: Mapping[str, Any] | None) -> HPABehavior | None:
    """``behavior`` (``None`` when absent: the no-behavior path)."""
    if raw is None:
        return None
    return HPABehavior(scale_up=parse_rules(raw.get("scale_up")),
                       scale_down=parse_rules(raw.get("scale_down")))


def parse_hpa(raw: Mapping[str, Any]) -> HPASpec:
    """A reconcile case's ``hpa``: max and min replicas (null min: 1, as Go's nil
    minReplicas), metrics and behavior."""
    min_replicas = raw.get("min_replicas")
    return HPASpec(
        max_replicas=raw["max_replicas"],
        min_replicas=1 if min_replicas is None else min_replicas,
        metrics=tuple(parse_metric(m, i) for i, m in enumerate(raw.get("metrics") or ())),
        behavior=parse_behavior(raw.get("behavior")),
    )
