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
    METRIC_TYPES,
    TARGET_TYPES,
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

__all__ = ["controller_target_type", "metric_from_dict", "object_ref_from_dict",
           "target_type_mismatches"]

# the metric source blocks of a MetricSpec, by the type that must populate each
_SOURCE_KEYS = {"Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods",
                "Object": "object", "External": "external"}


# core/v1 validation's standard container resources (IsStandardContainerResourceName: these,
# and hugepages-<size>)
_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")


def _container_resource_rule(name: str) -> str | None:
    """The rule a ContainerResource metric's resource ``name`` breaks, or ``None``: validation.go
    holds it to core/v1 ``ValidateContainerResourceName`` (a qualified name; without a '/', a
    standard container resource; with one, a ``kubernetes.io/`` native resource or an extended
    resource, which may not start with ``requests.``). A Resource metric's name is only required
    to be non-empty."""
    if label_key_rule(name) is not None:
        return "must be a qualified name, e.g. cpu, memory or example.com/foo"
    if "/" not in name:
        if name in _CONTAINER_RESOURCES or name.startswith("hugepages-"):
            return None
        return ("must be a standard resource for containers (cpu, memory, ephemeral-storage or "
                "hugepages-<size>)")
    if "kubernetes.io/" in name:
        return None  # a native resource (IsPrefixedNativeResource)
    if name.startswith("requests.") or label_key_rule("requests." + name) is not None:
        return "doesn't follow extended resource name standard"  # IsExtendedResourceName
    return None


def object_ref_from_dict(r: ManifestReader, raw: object, path: str) -> CrossVersionObjectReference:
    """A ``CrossVersionObjectReference`` at ``path``: kind and name required, apiVersion
    optional."""
    block = r.mapping(raw, path, ("apiVersion", "kind", "name"))
    kind = r.segment(r.required(block, "kind", path, "e.g. kind: Deployment"), f"{path}.kind")
    name = r.segment(r.required(block, "name", path, "name the object"), f"{path}.name")
    raw_version = block.get("apiVersion")
    # unset or empty is "no group/version given"; anything else must read as one (a number or
    # a list here would otherwise be printed into the reference as text)
    api_version = "" if raw_version in (None, "") else r.string(raw_version, f"{path}.apiVersion")
    return CrossVersionObjectReference(kind=kind, name=name, api_version=api_version)


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


# a target's fields by the type that names each
_TYPE_FIELDS = {"Utilization": "averageUtilization", "Value": "value",
                "AverageValue": "averageValue"}
_FIELD_TYPES = {f: t for t, f in _TYPE_FIELDS.items()}
# the fields validation.go asks a target of each metric type for (one at least), the first being
# the path it reports a missing one at
_NEEDED = {"Resource": ("averageUtilization", "averageValue"),
           "ContainerResource": ("averageUtilization", "averageValue"),
           "Pods": ("averageValue",), "Object": ("averageValue", "value"),
           "External": ("averageValue", "value")}


def controller_target_type(kind: str, target: Mapping[str, object]) -> str | None:
    """The target type the HPA controller computes for a ``kind`` metric's target block (camelCase
    fields), or ``None`` when it computes nothing. The controller dispatches Resource,
    ContainerResource and External targets on the field that is set (averageValue first),
    whatever ``type`` says; it always reads a Pods target's averageValue; only an Object target
    goes by ``type``, and fails when the field its type names is unset (horizontal.go
    ``computeStatusFor*Metric``)."""
    def has(key: str) -> bool:
        return target.get(key) is not None

    if kind == "Object":
        named = _TYPE_FIELDS.get(str(target.get("type")))
        return str(target["type"]) if named in ("value", "averageValue") and has(named) else None
    if has("averageValue"):
        return "AverageValue"
    other = {"Resource": "averageUtilization", "ContainerResource": "averageUtilization",
             "External": "value"}.get(kind)
    if other is not None and has(other):
        return "Utilization" if other == "averageUtilization" else "Value"
    return None


def target_type_mismatches(
    manifest: Mapping[str, object],
) -> list[tuple[str, str, str, str]]:
    """``(field path, type as written, type the controller computes, the field it reads)`` of
    every target of an
    autoscaling/v2 HPA manifest (already accepted by :func:`hpa_from_dict`) whose ``type`` does
    not name the field that is set: the API server accepts it, and it is read as the controller
    reads it."""
    spec = manifest.get("spec")
    metrics = spec.get("metrics") if isinstance(spec, Mapping) else None
    out: list[tuple[str, str, str, str]] = []
    for i, metric in enumerate(metrics if isinstance(metrics, list) else []):
        kind = metric.get("type") if isinstance(metric, Mapping) else None
        key = _SOURCE_KEYS.get(kind) if isinstance(kind, str) else None
        source = metric.get(key) if key is not None else None
        target = source.get("target") if isinstance(source, Mapping) else None
        if not isinstance(target, Mapping) or not isinstance(kind, str):
            continue
        read_as = controller_target_type(kind, target)
        if read_as is not None and read_as != target.get("type"):
            out.append((f"spec.metrics[{i}].{key}.target", str(target.get("type")), read_as,
                        _TYPE_FIELDS[read_as]))
    return out


def _target(
    r: ManifestReader, raw: object, path: str, kind: str,
    exclusive: tuple[str, str] | None = None,
) -> MetricTarget:
    """A ``kind`` metric's target, read as the controller reads it (a ``type`` that does not
    name the field set is accepted where the API server and the controller accept it:
    :func:`controller_target_type`); the API forbids setting both fields of ``exclusive``
    (Resource and ContainerResource: averageUtilization and averageValue; External: averageValue
    and value)."""
    block = r.mapping(raw, path, ("type", "averageUtilization", "averageValue", "value"))
    if exclusive is not None and all(block.get(k) is not None for k in exclusive):
        raise r.fail(f"{path}.{exclusive[1]}", block[exclusive[1]],
                     f"may not be set together with {exclusive[0]}",
                     "keep the one that matches target.type and delete the other")
    target_type = r.string(
        r.required(block, "type", path, "use Utilization, Value or AverageValue"), f"{path}.type"
    )
    if target_type not in TARGET_TYPES:
        raise r.fail(f"{path}.type", target_type, "must be one of " + ", ".join(TARGET_TYPES))
    read_as = controller_target_type(kind, block)
    needed = _NEEDED[kind]
    if read_as is None and kind == "Object" and any(block.get(k) is not None for k in needed):
        # validation.go accepts it (value or averageValue is set); the controller does not
        is_set = "AverageValue" if block.get("averageValue") is not None else "Value"
        raise r.fail(
            f"{path}.type", target_type,
            f"must name the field that is set ({is_set}: {_TYPE_FIELDS[is_set]}): the API server "
            "accepts this Object target, but the controller fails the metric on every sync "
            "(FailedGetObjectMetric) and the HPA does not scale on it",
            f"set type: {is_set}",
        )
    if read_as is None and _TYPE_FIELDS[target_type] not in needed:
        wanted = " or ".join(needed)
        raise r.fail(f"{path}.{needed[0]}", NO_VALUE,
                     f"is required: {'an' if kind[0] in 'AEIOU' else 'a'} {kind} target needs "
                     f"{wanted}",
                     " or ".join(f"set {f} with type: {_FIELD_TYPES[f]}" for f in needed))
    utilization = block.get("averageUtilization")
    with r.at(path + "."):
        return MetricTarget(
            type=read_as or target_type,  # unset: MetricTarget names the field the type needs
            average_utilization=(
                None if utilization is None
                else r.integer(utilization, f"{path}.averageUtilization")
            ),
            average_value_milli=_positive_milli(r, block.get("averageValue"),
                                                f"{path}.averageValue"),
            value_milli=_positive_milli(r, block.get("value"), f"{path}.value"),
        )


def _positive_milli(r: ManifestReader, raw: object, path: str) -> int | None:
    """A target quantity in milli-units, ``None`` when unset; refused unless positive
    (validation.go: ``Sign() != 1``, "must be positive"). The refusal shows the value as
    written ("-300m", "-1"), not its milli-units, which the user never wrote."""
    if raw is None:
        return None
    milli = r.milli(raw, path)
    if milli <= 0:
        raise r.fail(path, raw, "must be greater than 0")
    return milli


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
                         f"{path}.resource.target", "Resource",
                         ("averageUtilization", "averageValue"))
        with r.at(f"{path}.resource."):
            return MetricSpec(type="Resource", resource=ResourceMetricSource(name, target))
    if metric_type == "ContainerResource":
        p = f"{path}.containerResource"
        src = r.mapping(r.required(block, "containerResource", path,
                                   "add containerResource: {name, container, target}"),
                        p, ("name", "container", "target"))
        name = r.string(r.required(src, "name", p, "use cpu or memory"), f"{p}.name")
        rule = _container_resource_rule(name)
        if rule is not None:
            raise r.fail(f"{p}.name", name, rule, "use cpu or memory")
        container = r.pattern(r.required(src, "container", p, "name the container"),
                              f"{p}.container", DNS_LABEL, 63, "a DNS-1123 label")
        target = _target(r, r.required(src, "target", p, "add a target"), f"{p}.target",
                         "ContainerResource", ("averageUtilization", "averageValue"))
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
        target = _target(r, r.required(src, "target", p, "add a target"), f"{p}.target", "Pods")
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
        target = _target(r, r.required(src, "target", p, "add a target"), f"{p}.target",
                         "Object")
        with r.at(p + "."):
            return MetricSpec(type="Object", object=ObjectMetricSource(ref, ident, target))
    if metric_type == "External":
        p = f"{path}.external"
        src = r.mapping(r.required(block, "external", path, "add external: {metric, target}"),
                        p, ("metric", "target"))
        ident = _identifier(r, r.required(src, "metric", p, "add metric: {name}"), f"{p}.metric")
        target = _target(r, r.required(src, "target", p, "add a target"), f"{p}.target",
                         "External", ("averageValue", "value"))
        with r.at(p + "."):
            return MetricSpec(type="External", external=ExternalMetricSource(ident, target))
    raise r.fail(
        f"{path}.type", metric_type if metric_type is not None else NO_VALUE,
        "must be one of " + ", ".join(METRIC_TYPES),
        "check the spelling of the metric type",
    )
