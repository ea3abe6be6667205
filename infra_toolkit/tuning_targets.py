"""A sweep's metric target fields: each target of an HPA's ``spec.metrics`` as a ``--vary``
field, found in the manifest (``autoscaling/v2``) and set there.

Fields are named in the manifest's own words (``<metric>`` is the metric's ``metric.name``,
which may hold dots; ``<container>`` a container's name):

- ``cpu.averageUtilization``, ``memory.averageUtilization``, ``cpu.averageValue``,
  ``memory.averageValue``: the Resource metric of that resource, or a ContainerResource one (the
  simulation runs one only on the pod's one container, as the Resource metric it equals);
- ``containerResource.<container>.<resource>.averageUtilization`` / ``.averageValue``;
- ``pods.<metric>.averageValue``;
- ``object.<metric>.value`` / ``.averageValue``, ``external.<metric>.value`` /
  ``.averageValue``.

A field names the target field the controller reads
(:func:`~infra_toolkit.hpa_api_metrics.controller_target_type`): an External target with
``averageValue`` set is ``external.<metric>.averageValue`` whatever its ``type`` says. Where
several metrics match (two External metrics of one name, other selectors), the field sets each,
as a policy field sets every policy of its type.

``averageUtilization`` is a whole percent; the other targets are quantities, checked with the
HPA loader's own parser (:func:`~infra_toolkit.quantity.parse_quantity`: ``500m``, ``1.5k``,
``2Gi``, ``1e3``) and kept as written, which is the variant's label.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra_toolkit.hpa_api_metrics import controller_target_type

__all__ = ["QUANTITY_KEYS", "RESOURCE_TARGET_FIELDS", "TARGET_FIELD_FORMS", "TargetField",
           "hpa_target_fields", "missing_target", "parse_target_field", "shared_targets",
           "target_blocks", "written_value"]

#: the Resource metrics' fields (the simulation models CPU and memory only)
RESOURCE_TARGET_FIELDS = ("cpu.averageUtilization", "memory.averageUtilization",
                          "cpu.averageValue", "memory.averageValue")
#: the other metric types' fields, in the form an error lists them
TARGET_FIELD_FORMS = ("pods.<metric>.averageValue", "object.<metric>.value|averageValue",
                      "external.<metric>.value|averageValue",
                      "containerResource.<container>.<resource>.averageUtilization|averageValue")
#: the target fields that hold a quantity (the rest, averageUtilization, a whole percent)
QUANTITY_KEYS = ("averageValue", "value")
# per metric type, the target fields the API takes (validation.go)
_KEYS = {"Resource": ("averageUtilization", "averageValue"),
         "ContainerResource": ("averageUtilization", "averageValue"),
         "Pods": ("averageValue",), "Object": ("value", "averageValue"),
         "External": ("value", "averageValue")}
_TYPE_OF_KEY = {"averageUtilization": "Utilization", "averageValue": "AverageValue",
                "value": "Value"}


@dataclass(frozen=True)
class TargetField:
    """A target field parsed: the metric ``kind`` (``Pods``), its ``name`` (the metric's, or the
    resource's for Resource and ContainerResource), the ``container`` (ContainerResource only)
    and the target's ``key`` (``averageValue``)."""

    kind: str
    name: str
    key: str
    container: str = ""


def _source_key(kind: str) -> str:
    """The manifest's block of a metric type: ``Pods`` -> ``pods``, ``ContainerResource`` ->
    ``containerResource`` (the API's own rule)."""
    return kind[0].lower() + kind[1:]


def parse_target_field(field: str) -> TargetField | None:
    """``field`` as a :class:`TargetField`, or None when it names no metric target."""
    if field in RESOURCE_TARGET_FIELDS:
        resource, key = field.split(".")
        return TargetField("Resource", resource, key)
    head, _, key = field.rpartition(".")
    word, _, rest = head.partition(".")
    kind = next((k for k in ("Pods", "Object", "External", "ContainerResource")
                 if _source_key(k) == word), None)
    if kind is None or not rest or key not in _KEYS[kind]:
        return None
    if kind == "ContainerResource":
        container, _, resource = rest.partition(".")
        return TargetField(kind, resource, key, container) if container and resource else None
    return TargetField(kind, rest, key)


def _field_of(kind: str, source: Mapping[str, Any], key: str) -> str:
    if kind == "Resource":
        return f"{source.get('name')}.{key}"
    if kind == "ContainerResource":
        return f"containerResource.{source.get('container')}.{source.get('name')}.{key}"
    return f"{_source_key(kind)}.{(source.get('metric') or {}).get('name')}.{key}"


def _metrics(doc: Mapping[str, Any]) -> list[tuple[int, str, Mapping[str, Any]]]:
    """(index, type, source block) of each metric of an accepted manifest."""
    out = []
    for i, m in enumerate((doc.get("spec") or {}).get("metrics") or ()):
        kind = str(m.get("type"))
        if kind in _KEYS and isinstance(m.get(_source_key(kind)), Mapping):
            out.append((i, kind, m[_source_key(kind)]))
    return out


def _read_key(kind: str, source: Mapping[str, Any]) -> str | None:
    """The target field the controller reads, or None when it reads none."""
    read_as = controller_target_type(kind, source.get("target") or {})
    return next((k for k, t in _TYPE_OF_KEY.items() if t == read_as), None)


def hpa_target_fields(doc: Mapping[str, Any]) -> tuple[str, ...]:
    """The target fields of an ``autoscaling/v2`` manifest the API server accepted, in
    ``spec.metrics`` order (each metric's field the controller reads)."""
    fields = (_field_of(kind, source, key) for _, kind, source in _metrics(doc)
              if (key := _read_key(kind, source)) is not None)
    return tuple(dict.fromkeys(fields))


def target_blocks(doc: Mapping[str, Any], field: TargetField
                  ) -> list[tuple[int, dict[str, Any]]]:
    """(index in ``spec.metrics``, target block) of each metric ``field`` sets in ``doc``: of
    its type and name (a Resource field: a ContainerResource metric of that resource too)
    whose target the controller reads at ``field.key``."""
    out = []
    for i, kind, source in _metrics(doc):
        if field.kind == "Resource":
            same = kind in ("Resource", "ContainerResource") and source.get("name") == field.name
        elif field.kind == "ContainerResource":
            same = kind == field.kind and source.get("name") == field.name \
                and source.get("container") == field.container
        else:
            same = kind == field.kind and (source.get("metric") or {}).get("name") == field.name
        if same and _read_key(kind, source) == field.key:
            out.append((i, source["target"]))
    return out


def written_value(doc: Mapping[str, Any], field: TargetField) -> Any:
    """The value of ``field`` in ``doc`` as written (a quantity as text, ``120`` -> ``'120'``,
    as a variant's value is), its first metric's where several match; None where none does."""
    found = target_blocks(doc, field)
    if not found:
        return None
    value = found[0][1][field.key]
    return str(value) if field.key in QUANTITY_KEYS else value


def missing_target(field: str, target: TargetField, doc: Mapping[str, Any]) -> str | None:
    """Why ``field`` cannot be varied on ``doc`` (no metric of it), with the fields it has, or
    None."""
    if target_blocks(doc, target):
        return None
    what = {"Resource": f"Resource {target.name} metric",
            "ContainerResource": f"ContainerResource {target.name} metric of container "
                                 f"{target.container!r}"}.get(target.kind,
                                                              f"{target.kind} metric "
                                                              f"{target.name!r}")
    have = ", ".join(hpa_target_fields(doc)) or "none"
    return (f"--vary {field}: the HPA has no {what} with a{'n' if target.key[0] == 'a' else ''} "
            f"{target.key} target (its targets: {have}); vary one of those, or add the metric "
            "to the HPA")


def shared_targets(fields: Sequence[str], doc: Mapping[str, Any]) -> list[str]:
    """A problem per pair of ``fields`` that set one target (``cpu.averageUtilization`` and
    ``containerResource.api.cpu.averageUtilization`` on one ContainerResource metric)."""
    seen: dict[int, str] = {}
    problems = []
    for f in fields:
        target = parse_target_field(f)
        for i, _ in target_blocks(doc, target) if target is not None else ():
            if i in seen and seen[i] != f:
                problems.append(f"--vary {seen[i]} and --vary {f} set one target "
                                f"(spec.metrics[{i}]); give its values once, under one name")
            seen.setdefault(i, f)
    return list(dict.fromkeys(problems))
