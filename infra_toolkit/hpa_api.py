"""What the API server does with an autoscaling/v2 HorizontalPodAutoscaler: defaults, validation.

:func:`hpa_from_dict` takes a manifest as a dict (autoscaling/v2, or v2beta2 and v1 converted by
:mod:`infra_toolkit.hpa_versions`) (camelCase fields, quantities such as "500m",
"1Gi", "100"), applies the defaults of ``pkg/apis/autoscaling/v2/defaults.go`` (minReplicas 1;
metrics CPU 80 %; behavior rules filled only when ``behavior`` is present, the scale-down window
left unset for the controller flag) and rejects what the API validation rejects, each problem as a
:class:`~infra_toolkit.errors.SpecError` naming the source, the field path, the bad value and the
fix, e.g. ``spec.minReplicas (=5) must be <= spec.maxReplicas (=3) in plans/x.yaml``.

Unknown fields are rejected too (kubectl validates strictly by default), with the nearest valid
name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from infra_toolkit.errors import SpecError
from infra_toolkit.hpa_problems import NO_VALUE, format_problem
from infra_toolkit.hpa_spec import (
    MAX_PERIOD_SECONDS,
    MAX_STABILIZATION_WINDOW_SECONDS,
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
    may_scale_to_zero,
)
from infra_toolkit.hpa_versions import as_autoscaling_v2
from infra_toolkit.quantity import QuantityError, parse_quantity, parse_quantity_milli

__all__ = ["hpa_from_dict", "API_VERSION", "KIND"]

API_VERSION = "autoscaling/v2"
KIND = "HorizontalPodAutoscaler"

T = TypeVar("T")

# apimachinery's DNS-1123 subdomain (object names) and label (container names)
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
_DNS_LABEL = re.compile(_LABEL)
# the metric source blocks of a MetricSpec, by the type that must populate each
_SOURCE_KEYS = {"Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods",
                "Object": "object", "External": "external"}


class _Reader:
    """Reads fields of one manifest, raising SpecErrors that carry the path and the source."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def collect(self, read: Callable[[], T]) -> T | None:
        """``read()``, or ``None`` with its SpecError kept in ``problems``: the independent parts
        of a manifest (each metric, each scaling direction, each policy) are all checked, as the
        API server lists every invalid field at once."""
        try:
            return read()
        except SpecError as exc:
            self.problems.append(str(exc))
            return None

    def fail(self, path: str, value: object, rule: str, fix: str = "") -> SpecError:
        return SpecError(format_problem(path, value, rule, fix, self.source))

    @contextmanager
    def at(self, prefix: str) -> Iterator[None]:
        """Re-raise a dataclass's own SpecError with the full field path and the source."""
        try:
            yield
        except SpecError as exc:
            field_path = getattr(exc, "field_path", None)
            if field_path is None:
                raise
            raise SpecError(
                format_problem(
                    prefix + field_path, exc.value, exc.rule, exc.fix, self.source  # type: ignore[attr-defined]
                )
            ) from None

    def mapping(self, value: object, path: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, value, "must be a mapping of fields")
        for key in value:
            if key not in allowed:
                near = difflib.get_close_matches(str(key), allowed, n=1)
                fix = f"did you mean {near[0]}?" if near else "valid fields: " + ", ".join(allowed)
                raise self.fail(f"{path}.{key}", NO_VALUE, "is not a known field", fix)
        return value

    def integer(self, value: object, path: str) -> int:
        """An int32, as every integer field of the HPA API is."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, value, "must be an integer")
        if not -(2**31) <= value < 2**31:
            raise self.fail(path, value, "must fit in 32 bits (at most 2147483647)")
        return value

    def string(self, value: object, path: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(path, value, "must be a non-empty string")
        return value

    def segment(self, value: object, path: str) -> str:
        """A non-empty name usable as one API path segment (Go ``IsValidPathSegmentName``)."""
        text = self.string(value, path)
        if text in (".", "..") or "/" in text or "%" in text:
            raise self.fail(path, text, "may not be '.' or '..' and may not contain '/' or '%'",
                            "use the object's or metric's name as Kubernetes shows it")
        return text

    def pattern(self, value: object, path: str, regex: re.Pattern[str], max_len: int,
                what: str) -> str:
        """A name matching ``regex`` with at most ``max_len`` characters (a DNS-1123 name)."""
        text = self.string(value, path)
        if len(text) > max_len or not regex.fullmatch(text):
            raise self.fail(path, text, f"must be {what} of at most {max_len} characters",
                            "use lowercase letters, digits and '-', starting and ending with a "
                            "letter or digit")
        return text

    def milli(self, value: object, path: str) -> int:
        try:
            return parse_quantity_milli(value)
        except QuantityError as exc:
            raise self.fail(path, value, "must be a quantity", str(exc)) from None

    def required(self, block: Mapping[str, Any], key: str, path: str, fix: str) -> Any:
        value = block.get(key, NO_VALUE)
        if value is NO_VALUE or value is None:
            raise self.fail(f"{path}.{key}" if path else key, NO_VALUE, "is required", fix)
        return value

    def items(
        self, value: object, path: str, parse: Callable[[Any, str], T]
    ) -> tuple[T, ...]:
        if not isinstance(value, list):
            raise self.fail(path, value, "must be a list")
        return tuple(parse(item, f"{path}[{i}]") for i, item in enumerate(value))


def hpa_from_dict(
    manifest: Mapping[str, Any], source: str = "<dict>", *, gate_scale_to_zero: bool = True
) -> HPASpec:
    """An :class:`HPASpec` from an autoscaling/v2 HorizontalPodAutoscaler manifest dict.

    ``source`` names the input in error messages (a file path). ``gate_scale_to_zero`` is the
    HPAScaleToZero feature gate, which decides whether ``minReplicas: 0`` is valid.
    Raises :class:`SpecError` naming every invalid part of the spec, one line each (a bad
    header or an unknown field of the spec stops at that).
    """
    r = _Reader(source)
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
            "metadata.name", _DNS_SUBDOMAIN, 253, "a lowercase RFC 1123 subdomain",
        )
    namespace = metadata.get("namespace") or "default"
    spec = r.mapping(
        r.required(top, "spec", "", "add the HPA spec"), "spec",
        ("scaleTargetRef", "minReplicas", "maxReplicas", "metrics", "behavior",
         "selectionStrategy"),
    )
    target_ref = r.collect(lambda: _object_ref(
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
        metrics_raw, "spec.metrics", lambda m, p: r.collect(lambda: _metric(r, m, p))))
    behavior_raw = spec.get("behavior")
    behavior = None if behavior_raw is None else r.collect(
        lambda: _behavior(r, behavior_raw, "spec.behavior"))

    if min_replicas == 0 and not may_scale_to_zero(metrics, gate_scale_to_zero):
        r.problems.append(str(r.fail(
            "spec.minReplicas", 0,
            "must be >= 1 unless the HPAScaleToZero gate is on and spec.metrics has an "
            "Object or External metric",
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


def _object_ref(r: _Reader, raw: object, path: str) -> CrossVersionObjectReference:
    block = r.mapping(raw, path, ("apiVersion", "kind", "name"))
    kind = r.segment(r.required(block, "kind", path, "e.g. kind: Deployment"), f"{path}.kind")
    name = r.segment(r.required(block, "name", path, "name the object"), f"{path}.name")
    api_version = block.get("apiVersion") or ""
    return CrossVersionObjectReference(kind=kind, name=name, api_version=str(api_version))


def _identifier(r: _Reader, raw: object, path: str) -> MetricIdentifier:
    block = r.mapping(raw, path, ("name", "selector"))
    name = r.segment(r.required(block, "name", path, "name the metric"), f"{path}.name")
    selector_raw = block.get("selector") or {}
    selector = r.mapping(selector_raw, f"{path}.selector", ("matchLabels", "matchExpressions"))
    labels = selector.get("matchLabels") or {}
    if not isinstance(labels, Mapping):
        raise r.fail(f"{path}.selector.matchLabels", labels, "must be a mapping")
    return MetricIdentifier(name=name, selector=tuple(sorted((str(k), str(v))
                                                             for k, v in labels.items())))


def _target(
    r: _Reader, raw: object, path: str, exclusive: tuple[str, str] | None = None
) -> MetricTarget:
    """A metric target; the API forbids setting both fields of ``exclusive`` (Resource and
    ContainerResource: averageUtilization and averageValue; External: averageValue and value)."""
    block = r.mapping(raw, path, ("type", "averageUtilization", "averageValue", "value"))
    if exclusive is not None and all(block.get(k) is not None for k in exclusive):
        raise r.fail(f"{path}.{exclusive[1]}", block[exclusive[1]],
                     f"may not be set together with {exclusive[0]}",
                     "keep the one that matches target.type and delete the other")
    target_type = r.string(
        r.required(block, "type", path, "use Utilization, Value or AverageValue"), f"{path}.type"
    )
    utilization = block.get("averageUtilization")
    average = block.get("averageValue")
    value = block.get("value")
    with r.at(path + "."):
        return MetricTarget(
            type=target_type,
            average_utilization=(
                None if utilization is None
                else r.integer(utilization, f"{path}.averageUtilization")
            ),
            average_value_milli=(
                None if average is None else r.milli(average, f"{path}.averageValue")
            ),
            value_milli=None if value is None else r.milli(value, f"{path}.value"),
        )


def _metric(r: _Reader, raw: object, path: str) -> MetricSpec:
    block = r.mapping(
        raw, path, ("type", "resource", "containerResource", "pods", "object", "external")
    )
    metric_type = block.get("type")
    expected = _SOURCE_KEYS.get(metric_type) if isinstance(metric_type, str) else None
    extra = [k for k in _SOURCE_KEYS.values() if k != expected and block.get(k) is not None]
    if expected is not None and extra:
        raise r.fail(
            f"{path}.{extra[0]}", NO_VALUE, f"must not be set when type is {metric_type}",
            "give each metric source its own entry in spec.metrics",
        )
    if metric_type == "Resource":
        src = r.mapping(r.required(block, "resource", path, "add resource: {name, target}"),
                        f"{path}.resource", ("name", "target"))
        name = r.string(r.required(src, "name", f"{path}.resource", "use cpu or memory"),
                        f"{path}.resource.name")
        target = _target(r, r.required(src, "target", f"{path}.resource", "add a target"),
                         f"{path}.resource.target", ("averageUtilization", "averageValue"))
        with r.at(f"{path}.resource."):
            return MetricSpec(type="Resource", resource=ResourceMetricSource(name, target))
    if metric_type == "ContainerResource":
        p = f"{path}.containerResource"
        src = r.mapping(r.required(block, "containerResource", path,
                                   "add containerResource: {name, container, target}"),
                        p, ("name", "container", "target"))
        name = r.string(r.required(src, "name", p, "use cpu or memory"), f"{p}.name")
        container = r.pattern(r.required(src, "container", p, "name the container"),
                              f"{p}.container", _DNS_LABEL, 63, "a DNS-1123 label")
        target = _target(r, r.required(src, "target", p, "add a target"), f"{p}.target",
                         ("averageUtilization", "averageValue"))
        with r.at(p + "."):
            return MetricSpec(
                type="ContainerResource",
                container_resource=ContainerResourceMetricSource(name, container, target),
            )
    if metric_type == "Pods":
        p = f"{path}.pods"
        src = r.mapping(r.required(block, "pods", path, "add pods: {metric, target}"), p,
                        ("metric", "target"))
        ident = _identifier(r, r.required(src, "metric", p, "add metric: {name}"), f"{p}.metric")
        target = _target(r, r.required(src, "target", p, "add a target"), f"{p}.target")
        with r.at(p + "."):
            return MetricSpec(type="Pods", pods=PodsMetricSource(ident, target))
    if metric_type == "Object":
        p = f"{path}.object"
        src = r.mapping(r.required(block, "object", path,
                                   "add object: {describedObject, metric, target}"),
                        p, ("describedObject", "metric", "target"))
        ref = _object_ref(r, r.required(src, "describedObject", p, "name the object"),
                          f"{p}.describedObject")
        ident = _identifier(r, r.required(src, "metric", p, "add metric: {name}"), f"{p}.metric")
        target = _target(r, r.required(src, "target", p, "add a target"), f"{p}.target")
        with r.at(p + "."):
            return MetricSpec(type="Object", object=ObjectMetricSource(ref, ident, target))
    if metric_type == "External":
        p = f"{path}.external"
        src = r.mapping(r.required(block, "external", path, "add external: {metric, target}"),
                        p, ("metric", "target"))
        ident = _identifier(r, r.required(src, "metric", p, "add metric: {name}"), f"{p}.metric")
        target = _target(r, r.required(src, "target", p, "add a target"), f"{p}.target",
                         ("averageValue", "value"))
        with r.at(p + "."):
            return MetricSpec(type="External", external=ExternalMetricSource(ident, target))
    raise r.fail(
        f"{path}.type", metric_type if metric_type is not None else NO_VALUE,
        "must be one of Resource, ContainerResource, Pods, Object, External",
        "check the spelling of the metric type",
    )


def _policy(r: _Reader, raw: object, path: str) -> HPAScalingPolicy:
    block = r.mapping(raw, path, ("type", "value", "periodSeconds"))
    policy_type = r.string(r.required(block, "type", path, "use Pods or Percent"), f"{path}.type")
    value = r.integer(r.required(block, "value", path, "set how many pods or percent"),
                      f"{path}.value")
    period = r.integer(
        r.required(block, "periodSeconds", path,
                   f"set the period in seconds (1 to {MAX_PERIOD_SECONDS})"),
        f"{path}.periodSeconds",
    )
    with r.at(path + "."):
        return HPAScalingPolicy(type=policy_type, value=value, period_s=period)


def _rules(r: _Reader, raw: object, path: str) -> HPAScalingRules | None:
    """One scaling direction, or ``None`` with its problems kept in ``r.problems``."""
    block = r.mapping(
        raw, path, ("stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance")
    )
    count = len(r.problems)
    window_raw = block.get("stabilizationWindowSeconds")
    window = None if window_raw is None else r.collect(lambda: r.integer(
        window_raw, f"{path}.stabilizationWindowSeconds"
    ))
    if window is not None and not 0 <= window <= MAX_STABILIZATION_WINDOW_SECONDS:
        r.problems.append(str(r.fail(
            f"{path}.stabilizationWindowSeconds", window,
            f"must be between 0 and {MAX_STABILIZATION_WINDOW_SECONDS}",
            "use a window of at most one hour",
        )))
    select = block.get("selectPolicy")
    policies_raw = block.get("policies")
    parsed = None if policies_raw is None else r.collect(lambda: r.items(
        policies_raw, f"{path}.policies", lambda p, q: r.collect(lambda: _policy(r, p, q))
    ))
    policies = None if parsed is None else tuple(p for p in parsed if p is not None)
    tolerance_raw = block.get("tolerance")
    tolerance = None
    if tolerance_raw is not None:
        try:
            tolerance = float(parse_quantity(tolerance_raw))
        except QuantityError as exc:
            r.problems.append(str(r.fail(f"{path}.tolerance", tolerance_raw,
                                         "must be a quantity", str(exc))))
    if len(r.problems) > count:
        return None
    with r.at(path + "."):
        return HPAScalingRules(
            stabilization_window_s=window,
            select_policy=None if select is None else str(select),
            policies=policies,
            tolerance=tolerance,
        )


def _behavior(r: _Reader, raw: object, path: str) -> HPABehavior:
    block = r.mapping(raw, path, ("scaleUp", "scaleDown"))
    up = block.get("scaleUp")
    down = block.get("scaleDown")
    scale_up = None if up is None else r.collect(lambda: _rules(r, up, f"{path}.scaleUp"))
    scale_down = None if down is None else r.collect(
        lambda: _rules(r, down, f"{path}.scaleDown"))
    return HPABehavior(scale_up=scale_up, scale_down=scale_down)
