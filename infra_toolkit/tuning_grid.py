"""The grid a sweep runs: ``--vary FIELD=V1,V2`` / ``FIELD=LO..HI[:STEP]`` texts parsed
(:func:`parse_vary`) into field -> values, its size (:func:`grid_size`) and one point of it
(:class:`Variant`); :mod:`infra_toolkit.tuning_variants` turns every combination into a
:class:`~infra_toolkit.simulate.SimulationSpec` of one plan workload.

HPA fields are named as in the manifest (:data:`HPA_FIELDS`); every metric target of the HPA is
a field (:mod:`infra_toolkit.tuning_targets`: ``pods.<metric>.averageValue``,
``external.<metric>.value``, ...), a quantity target's values quantities as the API takes them.
Node fields (:data:`NODE_FIELDS`: ``instance_type``, ``max_size``) change the one node group
the workload runs on.

Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra_toolkit.errors import SpecError
from infra_toolkit.plan_fields import did_you_mean
from infra_toolkit.quantity import QuantityError, parse_quantity
from infra_toolkit.simulate import SimulationSpec
from infra_toolkit.tuning_targets import (
    QUANTITY_KEYS,
    RESOURCE_TARGET_FIELDS,
    TARGET_FIELD_FORMS,
    parse_target_field,
)

__all__ = ["DEFAULT_MAX_CLUSTER_RUNS", "DEFAULT_MAX_VARIANTS", "FIELDS", "HPA_FIELDS",
           "NODE_FIELDS", "Variant", "grid_size", "parse_vary"]

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
