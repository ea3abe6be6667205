"""An HPA manifest's ``spec.metrics`` entries as the API server reads them: defaults, validation.

:func:`metric_from_dict` reads one entry (Resource, ContainerResource, Pods, Object or External:
its source block, metric identifier with its label selector's ``matchLabels`` and
``matchExpressions``, and target) into a :class:`MetricSpec`;
:func:`object_ref_from_dict` reads a ``CrossVersionObjectReference`` (``scaleTargetRef``, an
Object metric's ``describedObject``). Problems are raised through the
:class:`~infra_toolkit.hpa_api_fields.ManifestReader`, with the field path and the source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from infra_toolkit.hpa_api_fields import DNS_LABEL, ManifestReader
from infra_toolkit.hpa_problems import NO_VALUE
from infra_toolkit.hpa_spec import (
    ContainerResourceMetricSource,
    CrossVersionObjectReference,
    ExternalMetricSource,
    MetricIdentifier,
    MetricSpec,
    MetricTarget,
    ObjectMetricSource,
    PodsMetricSource,
    ResourceMetricSource,
)
from infra_toolkit.label_selector import LabelSelectorRequirement, label_key_rule, label_value_rule

__all__ = ["metric_from_dict", "object_ref_from_dict"]

# the metric source blocks of a MetricSpec, by the type that must populate each
_SOURCE_KEYS = {"Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods",
                "Object": "object", "External": "external"}


def object_ref_from_dict(r: ManifestReader, raw: object, path: str) -> CrossVersionObjectReference:
    """A ``CrossVersionObjectReference`` at ``path``: kind and name required, apiVersion
    optional."""
    block = r.mapping(raw, path, ("apiVersion", "kind", "name"))
    kind = r.segment(r.required(block, "kind", path, "e.g. kind: Deployment"), f"{path}.kind")
    name = r.segment(r.required(block, "name", path, "name the object"), f"{path}.name")
    api_version = block.get("apiVersion") or ""
    return CrossVersionObjectReference(kind=kind, name=name, api_version=str(api_version))


def _identifier(r: ManifestReader, raw: object, path: str) -> MetricIdentifier:
    block = r.mapping(raw, path, ("name", "selector"))
    name = r.segment(r.required(block, "name", path, "name the metric"), f"{path}.name")
    selector_raw = block.get("selector") or {}
    selector = r.mapping(selector_raw, f"{path}.selector", ("matchLabels", "matchExpressions"))
    labels = selector.get("matchLabels") or {}
    if not isinstance(labels, Mapping):
        raise r.fail(f"{path}.selector.matchLabels", labels, "must be a mapping")
    # a YAML 1 or true would otherwise become "1" or "True": the API server refuses both
    pairs = tuple(sorted(
        (_label_key(r, k, f"{path}.selector.matchLabels"),
         _label_value(r, v, f"{path}.selector.matchLabels.{k}")) for k, v in labels.items()))
    expressions = r.items(selector.get("matchExpressions") or [],
                          f"{path}.selector.matchExpressions", lambda e, p: _requirement(r, e, p))
    return MetricIdentifier(name=name, selector=pairs, match_expressions=expressions)


def _requirement(r: ManifestReader, raw: object, path: str) -> LabelSelectorRequirement:
    """One ``matchExpressions`` entry at ``path``: ``{key, operator, values}``."""
    block = r.mapping(raw, path, ("key", "operator", "values"))
    key = _label_key(r, r.required(block, "key", path, "name the label"), f"{path}.key")
    operator = r.string(r.required(block, "operator", path,
                                   "use In, NotIn, Exists or DoesNotExist"), f"{path}.operator")
    values = r.items(block.get("values") or [], f"{path}.values",
                     lambda v, p: _label_value(r, v, p))
    with r.at(path + "."):
        return LabelSelectorRequirement(key, operator, values)


def _label_key(r: ManifestReader, raw: object, path: str) -> str:
    """A label key at ``path`` (a ``matchLabels`` key is reported at the mapping's path)."""
    return _label_text(r, raw, path, "must have string label keys", label_key_rule)


def _label_value(r: ManifestReader, raw: object, path: str) -> str:
    return _label_text(r, raw, path, "must be a string", label_value_rule)


def _label_text(r: ManifestReader, raw: object, path: str, not_text: str,
                rule_of: Callable[[str], str | None]) -> str:
    if not isinstance(raw, str):
        raise r.fail(path, raw, not_text,
                     "quote it: YAML reads 1, true or null unquoted as a number, a boolean, "
                     "nothing")
    rule = rule_of(raw)
    if rule is not None:
        raise r.fail(path, raw, rule)
    return raw


def _target(
    r: ManifestReader, raw: object, path: str, exclusive: tuple[str, str] | None = None
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


def metric_from_dict(r: ManifestReader, raw: object, path: str) -> MetricSpec:
    """One ``spec.metrics`` entry at ``path``: the block named by its type, and only that one."""
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
                              f"{p}.container", DNS_LABEL, 63, "a DNS-1123 label")
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
        ref = object_ref_from_dict(r, r.required(src, "describedObject", p, "name the object"),
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
