"""The sweep's HPA fields in the workload's HPA manifest: the manifest they are set in
(:func:`hpa_document`, read as ``autoscaling/v2``), a field's value in a spec
(:func:`field_value`) or as the plan writes it (:func:`baseline_values`), and each combination
of the grid's HPA fields set in a copy of the manifest (:func:`hpa_variants`), which then goes
through the API server's defaulting and validation
(:func:`~infra_toolkit.hpa_api.hpa_from_dict`): a value the API refuses wherever it appears
(``minReplicas=0`` without an Object / External metric, ``cpu.averageUtilization=0``,
``pods.<metric>.averageValue=-1``) is a bad input, reported with the API's message; a
combination it refuses (``minReplicas`` above ``maxReplicas``) is an invalid variant, listed
with that message and never simulated.

Pure: no I/O (the plan is read by the caller).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from infra_toolkit.errors import SpecError
from infra_toolkit.hpa_api import hpa_from_dict
from infra_toolkit.hpa_spec import HPABehavior, HPASpec
from infra_toolkit.hpa_versions import as_autoscaling_v2
from infra_toolkit.plan import Plan
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.simulate import SimulationSpec
from infra_toolkit.tuning_grid import NODE_FIELDS
from infra_toolkit.tuning_keda import keda_value_problems
from infra_toolkit.tuning_targets import (
    TargetField,
    missing_target,
    parse_target_field,
    shared_targets,
    target_blocks,
    written_value,
)

__all__ = ["baseline_values", "field_value", "hpa_document", "hpa_variants"]


def _direction(field: str) -> str:
    return field.split(".")[0]


def hpa_document(plan: Plan, workload: Workload) -> tuple[Mapping[str, Any], str]:
    """The workload's HPA manifest as ``autoscaling/v2`` (the one the fields are set in) and
    the source its messages name (the file, else the plan's workload)."""
    assert workload.hpa is not None
    source = str(workload.hpa.path) if workload.hpa.path \
        else f"{plan.path}: workload {workload.name!r} hpa"
    return as_autoscaling_v2(workload.hpa.document, source), source


def baseline_values(plan: Plan, workload: Workload, spec: SimulationSpec,
                    fields: Sequence[str]) -> dict[str, Any]:
    """The value of each of ``fields`` in the plan's own configuration ``spec`` of
    ``workload``: a metric target as its HPA manifest writes it (a quantity as text, as a
    variant's value is), the others as the controller applies them (:func:`field_value`)."""
    doc = hpa_document(plan, workload)[0] if workload.hpa is not None else {}
    return {f: written_value(doc, target) if (target := parse_target_field(f)) is not None
            else field_value(f, spec) for f in fields}


def _utilization_metric(spec: HPASpec, resource: str) -> int | None:
    for m in spec.metrics:
        r = m.resource
        if m.type == "Resource" and r is not None and r.name == resource \
                and r.target.type == "Utilization":
            return r.target.average_utilization
    return None


def field_value(field: str, spec: SimulationSpec) -> Any:
    """The value of ``field`` in ``spec`` as the controller applies it (a window not written is
    the API's default for scale-up, the controller's flag for scale-down; a policy value is the
    first policy of that type; ``None`` where the HPA has no such part). Of the metric targets
    only ``<resource>.averageUtilization`` (the spec holds no quantity as written: a sweep's
    baseline reads them from the manifest, :func:`baseline_values`)."""
    hpa = spec.hpa
    if field == "minReplicas":
        return hpa.min_replicas
    if field == "maxReplicas":
        return hpa.max_replicas
    if field.endswith(".averageUtilization"):
        return _utilization_metric(hpa, field.split(".")[0])
    if field == "instance_type":
        return spec.node_groups[0].instance_type
    if field == "max_size":
        return spec.node_groups[0].max_size
    behavior = hpa.behavior or HPABehavior()  # none written: the API's defaults
    rules = behavior.scale_up if _direction(field) == "scaleUp" else behavior.scale_down
    if field.endswith("stabilizationWindowSeconds"):
        window: float | None = None if rules is None else rules.stabilization_window_s
        if window is None:
            window = 0 if _direction(field) == "scaleUp" \
                else spec.controller.downscale_stabilization_s
        # the manifest's field is whole seconds: the controller flag's 300.0 made the column
        # float, so every row read 60.0, 300.0 (sweep22)
        return int(window) if float(window).is_integer() else window
    kind = field.split(".")[1]
    return next((p.value for p in (rules.policies or ()) if p.type == kind), None) \
        if rules is not None else None


def _default_policies(hpa: HPASpec, direction: str) -> list[dict[str, Any]]:
    """The policies the API server gives ``direction`` when none is written, as manifest dicts
    (from the defaulted spec, so the API's defaults are stated once)."""
    behavior = hpa.behavior or HPABehavior()  # none written: the API's defaults
    rules = behavior.scale_up if direction == "scaleUp" else behavior.scale_down
    if rules is None or not rules.policies:
        return []
    return [{"type": p.type, "value": p.value, "periodSeconds": p.period_s}
            for p in rules.policies]


def _static_problem(field: str, doc: Mapping[str, Any], hpa: HPASpec) -> str | None:
    """Why ``field`` cannot be varied on this HPA at all, or None."""
    target = parse_target_field(field)
    if target is not None:
        return missing_target(field, target, doc)
    if field.endswith(".value"):
        direction, kind = field.split(".")[:2]
        written = doc["spec"].get("behavior", {}).get(direction, {}).get("policies")
        policies = written if written else _default_policies(hpa, direction)
        if not any(isinstance(p, Mapping) and p.get("type") == kind for p in policies):
            have = ", ".join(f"{p.get('type')} {p.get('value')}" for p in policies) or "none"
            return (f"--vary {field}: the HPA's {direction} has no {kind} policy (policies: "
                    f"{have}); add one to the HPA's behavior.{direction}.policies first")
    return None


def _set(doc: dict[str, Any], field: str, value: Any, hpa: HPASpec) -> None:
    spec = doc["spec"]
    if field in ("minReplicas", "maxReplicas"):
        spec[field] = value
        return
    target: TargetField | None = parse_target_field(field)
    if target is not None:
        # the field the controller reads, whatever the target's type says (A11-6)
        for _, block in target_blocks(doc, target):
            block[target.key] = value
        return
    direction = _direction(field)
    block = spec.setdefault("behavior", {}).setdefault(direction, {})
    if field.endswith("stabilizationWindowSeconds"):
        block["stabilizationWindowSeconds"] = value
        return
    if not block.get("policies"):
        block["policies"] = _default_policies(hpa, direction)
    for policy in block["policies"]:
        if policy.get("type") == field.split(".")[1]:
            policy["value"] = value


def hpa_variants(plan: Plan, workload: Workload, grid: Mapping[str, Sequence[Any]]
                  ) -> tuple[dict[tuple[Any, ...], HPASpec | str], list[str]]:
    """Per combination of the grid's HPA fields, the API's HPASpec or its refusal; and the
    problems: fields the HPA cannot vary, two fields setting one target, values refused in
    every combination."""
    assert workload.hpa_spec is not None
    base, source = hpa_document(plan, workload)
    fields = [f for f in grid if f not in NODE_FIELDS]
    simulated = workload.simulated_hpa_spec()
    assert simulated is not None
    problems = [p for f in fields if (p := _static_problem(f, base, simulated))]
    problems += shared_targets(fields, base)
    # values the API takes but no ScaledObject can hold: rows no plan could reproduce
    problems += keda_value_problems(base, source, {f: grid[f] for f in fields}, workload.keda)
    if problems:
        return {}, problems
    out: dict[tuple[Any, ...], HPASpec | str] = {}
    for combo in itertools.product(*(grid[f] for f in fields)):
        doc = copy.deepcopy(dict(base))
        for f, v in zip(fields, combo, strict=True):
            _set(doc, f, v, workload.hpa_spec)
        # a refused value came from --vary, not from the file: the message names the argument
        # (the values of this combination) and the manifest they were set in
        given = ", ".join(f"{f}={v}" for f, v in zip(fields, combo, strict=True))
        try:
            variant = workload.simulated_hpa_spec(hpa_from_dict(
                doc, f"--vary {given} (set in the HPA of {source})"))
            assert variant is not None
            out[combo] = variant
        except SpecError as exc:
            out[combo] = " ".join(line.strip() for line in str(exc).splitlines())
    for i, f in enumerate(fields):
        for v in grid[f]:
            refusals = [r for c, r in out.items() if c[i] == v]
            if all(isinstance(r, str) for r in refusals):
                problems.append(f"--vary {f}={v}: refused by the API in every combination: "
                                f"{refusals[0]}")
    return out, problems
