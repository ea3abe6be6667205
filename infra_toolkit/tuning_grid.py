"""The grid a sweep runs: ``--vary FIELD=V1,V2`` / ``FIELD=LO..HI[:STEP]`` texts parsed
(:func:`parse_vary`), and every combination turned into a
:class:`~infra_toolkit.simulate.SimulationSpec` of one plan workload (:func:`build_variants`).

HPA fields are named as in the manifest and set in a copy of the workload's HPA manifest (read
as ``autoscaling/v2``), which then goes through the API server's defaulting and validation
(:func:`~infra_toolkit.hpa_api.hpa_from_dict`): a value the API refuses wherever it appears
(``minReplicas=0`` without an Object / External metric, ``cpu.averageUtilization=0``,
``pods.<metric>.averageValue=-1``) is a bad input, reported with the API's message; a
combination it refuses (``minReplicas`` above ``maxReplicas``) is an invalid variant, listed
with that message and never simulated. Every metric target of the HPA is a field
(:mod:`infra_toolkit.tuning_targets`: ``pods.<metric>.averageValue``,
``external.<metric>.value``, ...), a quantity target's values quantities as the API takes them.

Node fields (``instance_type``, ``max_size``) change the one node group the workload runs on:
its nodes' vCPU, memory and max pods from the price book's instance specs, and the scheduler's
filters checked for the new type (:func:`~infra_toolkit.plan_simulation.placement_problems`).
A Karpenter NodePool's group (``node_pools``) is held to what ``validate`` holds the plan to:
only the types its requirements allow, each with the ``max_size`` its ``spec.limits`` give,
and a ``max_size`` above that is an invalid variant.

Pure: no I/O (the plan and price book are read by the caller).
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra_toolkit.errors import InfraToolkitError, SimulationError, SpecError
from infra_toolkit.hpa_api import hpa_from_dict
from infra_toolkit.hpa_spec import HPABehavior, HPASpec
from infra_toolkit.hpa_versions import as_autoscaling_v2
from infra_toolkit.karpenter_config import NodePool, excluded_by, node_group_config
from infra_toolkit.nodes import NodeGroup, pod_slots
from infra_toolkit.plan import Plan
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_cost import node_group_resources
from infra_toolkit.plan_fields import did_you_mean
from infra_toolkit.plan_simulation import placement_problems, sized_node_group
from infra_toolkit.price_book_checks import node_group_arch_problem
from infra_toolkit.pricing import PriceBook
from infra_toolkit.quantity import QuantityError, parse_quantity
from infra_toolkit.simulate import SimulationSpec
from infra_toolkit.tuning_targets import (
    QUANTITY_KEYS,
    RESOURCE_TARGET_FIELDS,
    TARGET_FIELD_FORMS,
    TargetField,
    missing_target,
    parse_target_field,
    shared_targets,
    target_blocks,
    written_value,
)

__all__ = ["DEFAULT_MAX_CLUSTER_RUNS", "DEFAULT_MAX_VARIANTS", "FIELDS", "HPA_FIELDS",
           "NODE_FIELDS", "Variant", "baseline_values", "build_variants", "field_value",
           "grid_size", "hpa_document", "parse_vary"]

#: HPA fields, named as in the manifest (``<direction>.<policy type>.value``: the value of
#: every policy of that type in that direction; the API's default policies when none is
#: written); the other metric targets' fields are named after the HPA's metrics
#: (:data:`~infra_toolkit.tuning_targets.TARGET_FIELD_FORMS`)
HPA_FIELDS = ("minReplicas", "maxReplicas", *RESOURCE_TARGET_FIELDS,
              "scaleUp.stabilizationWindowSeconds",
              "scaleDown.stabilizationWindowSeconds", "scaleUp.Percent.value",
              "scaleUp.Pods.value", "scaleDown.Percent.value", "scaleDown.Pods.value")
#: the node group's fields, named as in the plan (its ``instance_types`` first entry and
#: ``scaling_config.max_size``)
NODE_FIELDS = ("instance_type", "max_size")
FIELDS = HPA_FIELDS + NODE_FIELDS
DEFAULT_MAX_VARIANTS = 20_000
#: the sweep's cluster mode: at most this many variants x scenarios (each a joint run of the
#: plan's workloads, no summary screen)
DEFAULT_MAX_CLUSTER_RUNS = 1_000

_WHOLE = re.compile(r"^[+-]?[0-9]+$")
# a negative STEP is matched, to be refused as a step (not as "not a whole number")
_RANGE = re.compile(r"^(-?[0-9]+)\.\.(-?[0-9]+)(?::(-?[0-9]+))?$")


@dataclass(frozen=True)
class Variant:
    """One point of the grid: its ``values`` (field -> value, the grid's fields in order), the
    spec to simulate (``None`` when invalid, ``invalid`` then saying why) and the node group's
    instance type (priced from it)."""

    values: Mapping[str, Any]
    spec: SimulationSpec | None
    instance_type: str
    invalid: str | None = None


def _option(field: str, text: str) -> str:
    """The option as the user wrote it: ``--instance-types T1,T2`` is the grid's
    ``instance_type`` field."""
    return f"--instance-types {text!r}" if field == "instance_type" else f"--vary {field}={text}"


def _values(field: str, text: str, problems: list[str], max_variants: int) -> list[Any]:
    if field == "instance_type":
        return [v.strip() for v in text.split(",") if v.strip()]
    if not text.strip():
        return []  # no value at all: parse_vary says to give one ('' is no bad number)
    target = parse_target_field(field)
    if target is not None and target.key in QUANTITY_KEYS and not _RANGE.match(text.strip()):
        return _quantities(field, text, problems)
    match = _RANGE.match(text.strip())
    if match:
        lo, hi, step = int(match[1]), int(match[2]), int(match[3] or 1)
        if hi < lo or step < 1:
            problems.append(f"--vary {field}={text}: a range is LO..HI with LO <= HI and an "
                            "optional :STEP >= 1, e.g. 2..6 or 50..80:10")
            return []
        count = (hi - lo) // step + 1
        if count > max_variants:
            # refused before the list is built: 1..10000000000 would fill the memory first
            problems.append(f"--vary {field}={text}: {count:,} values, more than the limit of "
                            f"{max_variants:,} variants; give a narrower range or a larger "
                            ":STEP, or raise the limit with --max-variants")
            return []
        # a quantity target's values are quantities as written, a range's whole numbers too
        numbers = range(lo, hi + 1, step)
        return [str(n) for n in numbers] if target is not None \
            and target.key in QUANTITY_KEYS else list(numbers)
    out = []
    for part in text.split(","):
        # ASCII digits only, as --top reads them: int() also takes '1_0' (10) and other
        # scripts' digits, which would run a value nobody typed
        if _WHOLE.match(part.strip()):
            out.append(int(part.strip()))
        else:
            # `50%` is how a utilization reads aloud; the field holds the number, as the HPA's
            number = part.strip().rstrip("%").strip()
            hint = f" (write {number})" if number.isdigit() and part.strip() != number else ""
            problems.append(f"--vary {field}={text}: {part.strip()!r} is not a whole number"
                            f"{hint}; give whole numbers (V1,V2,...) or a range LO..HI[:STEP]")
    return out


def _quantities(field: str, text: str, problems: list[str]) -> list[str]:
    """A quantity target's values as written, each read by the HPA loader's quantity parser
    (its sign and size the API's rules, checked when the variant is read); one of equal value
    to an earlier one (``1.5k`` after ``1500``) dropped as a repeat."""
    out: dict[Any, str] = {}
    for part in (p.strip() for p in text.split(",")):
        try:
            out.setdefault(parse_quantity(part), part)
        except QuantityError as exc:
            problems.append(f"--vary {field}={text}: {exc}; give quantities (V1,V2,..., e.g. "
                            "80,100,1.5k,500m) or a whole-number range LO..HI[:STEP]")
    return list(out.values())


def parse_vary(texts: Sequence[str], max_variants: int = DEFAULT_MAX_VARIANTS,
               hpa_targets: Sequence[str] = ()) -> dict[str, tuple[Any, ...]]:
    """``FIELD=V1,V2,...`` or ``FIELD=LO..HI[:STEP]`` texts as field -> values (in the order
    given, repeats dropped). A metric target's field (:mod:`infra_toolkit.tuning_targets`) is
    known by its form; ``hpa_targets``, the workload's HPA's own
    (:func:`~infra_toolkit.tuning_targets.hpa_target_fields`), are listed and suggested by an
    unknown field's message. Raises :class:`SpecError` listing every bad text at once: no ``=``,
    an unknown field (with the nearest names), a field given twice, a value that is not a whole
    number (a quantity target's: not a quantity), an empty list, a range of more than
    ``max_variants`` values (the grid's limit, checked before the range is built)."""
    problems: list[str] = []
    grid: dict[str, tuple[Any, ...]] = {}
    for text in texts:
        field, sep, values = text.partition("=")
        field = field.strip()
        if not sep:
            problems.append(f"--vary {text!r}: give FIELD=V1,V2,... or FIELD=LO..HI, e.g. "
                            "minReplicas=2..6")
            continue
        if field not in FIELDS and parse_target_field(field) is None:
            near = did_you_mean(field, (*FIELDS, *hpa_targets), list_choices=False)
            targets = f"; this HPA's targets: {', '.join(hpa_targets)}" if hpa_targets else ""
            problems.append(f"--vary {text!r}: unknown field {field!r}{near}"
                            f" (fields: {', '.join(FIELDS)}; a metric target: "
                            f"{', '.join(TARGET_FIELD_FORMS)}{targets})")
            continue
        if field in grid:
            problems.append(
                "instance types are given twice (--instance-types and --vary instance_type set "
                "one field); give them once: --instance-types T1,T2" if field == "instance_type"
                else f"--vary {field} is given twice; give its values once")
            continue
        found = _values(field, values, problems, max_variants)
        if not found and not any(p.startswith(f"--vary {field}=") for p in problems):
            problems.append(f"{_option(field, values)}: give at least one value")
        grid[field] = tuple(dict.fromkeys(found))
    if problems:
        raise SpecError("\n".join(problems))
    return grid


def grid_size(grid: Mapping[str, Sequence[Any]]) -> int:
    """The number of combinations of ``grid`` (1 for an empty grid: the baseline alone)."""
    n = 1
    for values in grid.values():
        n *= len(values)
    return n


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
        return window
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


def _hpa_variants(plan: Plan, workload: Workload, grid: Mapping[str, Sequence[Any]]
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
    if problems:
        return {}, problems
    out: dict[tuple[Any, ...], HPASpec | str] = {}
    for combo in itertools.product(*(grid[f] for f in fields)):
        doc = copy.deepcopy(dict(base))
        for f, v in zip(fields, combo, strict=True):
            _set(doc, f, v, workload.hpa_spec)
        try:
            variant = workload.simulated_hpa_spec(hpa_from_dict(doc, source))
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


def _ami_problem(plan: Plan, group: str, itype: str, book: PriceBook) -> str | None:
    """Why the group's AMI cannot run ``itype`` (another architecture), as the plan's validator
    words it, or None."""
    name = node_group_resources(plan).get(group, group)
    for r in plan.proposed.resources:
        if r.type == "aws_eks_node_group" and r.name == name:
            why = node_group_arch_problem(book, [(0, itype)], str(r.attributes.get("ami_type", "")))
            return None if why is None else why[1]
    return None


def _node_groups(plan: Plan, workload: Workload, base: SimulationSpec,
                 grid: Mapping[str, Sequence[Any]], book: PriceBook
                 ) -> tuple[dict[tuple[Any, ...], NodeGroup | str], list[str]]:
    """Per (instance_type, max_size) of the grid, the workload's node group or why it is no
    variant (a type the group's AMI, the pods' placement or a Karpenter NodePool's requirements
    refuse; more nodes than a NodePool's limits allow); and the problems (an unknown type, or
    no type given that can run). A NodePool's
    group takes only the types its requirements allow, each with the ``max_size`` its limits
    give (:func:`~infra_toolkit.karpenter_config.node_group_config`), as ``validate`` reads it."""
    fields = [f for f in NODE_FIELDS if f in grid]
    if not fields:
        return {(): base.node_groups[0]}, []
    if len(base.node_groups) != 1:
        names = ", ".join(g.name for g in base.node_groups)
        return {}, [f"--vary {'/'.join(fields)}: workload {workload.name!r} runs on several node "
                    f"groups ({names}); the sweep changes one: give the workload a node_group"]
    group = base.node_groups[0]
    config = next(g for g in plan.proposed.node_groups if g.name == group.name)
    pool = next((p for p in plan.proposed.karpenter_pools if p.name == group.name), None)
    problems: list[str] = []
    sized: dict[str, NodeGroup] = {}
    unfit: dict[str, str] = {}
    types = grid.get("instance_type", (group.instance_type,))
    for itype in types:
        try:
            spec = book.instance_spec(itype)
        except InfraToolkitError as exc:
            problems.append(f"--instance-types {itype}: {exc}")
            continue
        max_pods = config.pods_per_node(spec.vcpu, spec.max_pods_eni)
        if max_pods is None:
            problems.append(f"--instance-types {itype}: no max-pods figure for it in the "
                            "instance specs table; choose another type")
            continue
        # a type this group or these pods cannot run is an invalid row, not the sweep's end:
        # a mixed list (--instance-types m5.large,m6g.large) still sweeps the rest
        ami = _ami_problem(plan, group.name, itype, book)
        if ami:
            unfit[itype] = f"instance type {itype}: node group {group.name!r}: {ami}"
            continue
        arch = dataclasses.replace(plan.proposed, node_groups=tuple(
            dataclasses.replace(g, instance_types=(itype,)) if g.name == group.name else g
            for g in plan.proposed.node_groups))
        why = placement_problems(arch, workload, book)[config.name]
        if why:
            unfit[itype] = (f"instance type {itype}: the pods of workload {workload.name!r} "
                            f"cannot run on it: {why}")
            continue
        max_size = group.max_size
        if pool is not None:
            limit = _pool_problem(pool, itype, book)
            if isinstance(limit, str):
                unfit[itype] = f"instance type {itype}: {limit}"
                continue
            max_size = limit
        # the kubelet's reserve and the DaemonSets' requests as for the plan's own type
        candidate = dataclasses.replace(
            sized_node_group(config, spec, plan.simulation.node_daemonsets,
                             group.pod_termination_s),
            min_size=group.min_size, max_size=max_size)
        # a type too small for one pod is an invalid row of a mixed list, as an unfit AMI is;
        # the simulation would refuse it only once the screen ran, ending the whole sweep
        try:
            pod_slots(candidate, base.workload.packed_cpu_millicores,
                      base.workload.packed_memory_mib, base.workload.max_pods_per_node)
        except SimulationError as exc:
            unfit[itype] = f"instance type {itype}: {exc}"
            continue
        sized[itype] = candidate
    if unfit and not sized:
        problems += [f"--instance-types: no type given can run here: {why}"
                     for why in unfit.values()]
    out: dict[tuple[Any, ...], NodeGroup | str] = {}
    for combo in itertools.product(*(grid[f] for f in fields)):
        values = dict(zip(fields, combo, strict=True))
        itype = values.get("instance_type", group.instance_type)
        if itype in unfit:
            out[combo] = unfit[itype]
            continue
        g = sized.get(itype)
        if g is None:
            continue
        size = values.get("max_size", g.max_size)
        if pool is not None and size > g.max_size:
            # Karpenter launches no node past spec.limits: more nodes are not a variant of it
            out[combo] = (f"max_size {size} is above the {g.max_size} {g.instance_type} nodes "
                          f"spec.limits of NodePool {pool.name!r} allow; raise the limits in a "
                          "copy of the NodePool file to sweep more nodes")
            continue
        try:
            out[combo] = dataclasses.replace(g, max_size=size)
        except SpecError as exc:
            problems.append(f"--vary max_size={values['max_size']}: {exc}")
    if "max_size" in fields:
        i = fields.index("max_size")
        for size in grid["max_size"]:
            refusals = [r for c, r in out.items() if c[i] == size]
            if refusals and all(isinstance(r, str) for r in refusals):
                problems.append(f"--vary max_size={size}: refused for every instance type: "
                                f"{refusals[0]}")
    return out, list(dict.fromkeys(problems))


def _pool_problem(pool: NodePool, itype: str, book: PriceBook) -> int | str:
    """The most ``itype`` nodes Karpenter NodePool ``pool`` launches (``spec.limits``), or why
    it launches none: its requirements exclude the type, or the limits leave no room."""
    why = excluded_by(pool, itype, book)
    if why is not None:
        return (f"requirements of NodePool {pool.name!r} do not allow it ({why}); name types "
                "they allow (infra-toolkit validate names the cheapest)")
    try:
        return node_group_config(pool, itype, book).max_size
    except SpecError as exc:
        return str(exc)


def build_variants(plan: Plan, workload: Workload, base: SimulationSpec,
                   grid: Mapping[str, Sequence[Any]], book: PriceBook,
                   max_variants: int = DEFAULT_MAX_VARIANTS) -> list[Variant]:
    """Every combination of ``grid`` (field -> values, :func:`parse_vary`) applied to ``base``
    (the workload's simulation as the plan gives it), in grid order (the last field fastest).
    Raises :class:`SpecError` listing every problem at once: a grid over ``max_variants``
    combinations, a field the HPA cannot vary, a value refused in every combination, an
    instance type the price book lacks (nearest names) or the pods cannot run on."""
    size = grid_size(grid)
    if size > max_variants:
        counts = " x ".join(f"{len(v)} {f}" for f, v in grid.items())
        raise SpecError(f"the grid has {size:,} variants ({counts}), more than the limit of "
                        f"{max_variants:,}; vary fewer values, or raise the limit with "
                        "--max-variants")
    hpas, problems = _hpa_variants(plan, workload, grid)
    groups, node_problems = _node_groups(plan, workload, base, grid, book)
    problems += node_problems
    if problems:
        raise SpecError("\n".join(problems))
    hpa_fields = [f for f in grid if f not in NODE_FIELDS]
    node_fields = [f for f in NODE_FIELDS if f in grid]
    out = []
    for i, combo in enumerate(itertools.product(*grid.values())):
        values = dict(zip(grid, combo, strict=True))
        hpa = hpas.get(tuple(values[f] for f in hpa_fields), base.hpa)
        group = groups[tuple(values[f] for f in node_fields)]
        if isinstance(group, str):
            out.append(Variant(values, None, str(values.get("instance_type",
                                                            base.node_groups[0].instance_type)),
                               group))
            continue
        if isinstance(hpa, str):
            out.append(Variant(values, None, group.instance_type, hpa))
            continue
        try:
            spec = dataclasses.replace(base, hpa=hpa, node_groups=(group,), name=f"v{i}") \
                if node_fields else dataclasses.replace(base, hpa=hpa, name=f"v{i}")
        except InfraToolkitError as exc:
            out.append(Variant(values, None, group.instance_type, str(exc)))
            continue
        out.append(Variant(values, spec, group.instance_type))
    return out
