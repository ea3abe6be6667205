"""One resource's attributes and usage read against its schema: nested blocks flattened to
dotted names (``flatten``), a dotted name as the file writes it (``written_path``), a value
checked against its :class:`~infra_toolkit.resource_types.Field` (``check_value``) and
Terraform's ConflictsWith (``conflict``)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from infra_toolkit.errors import quoted
from infra_toolkit.plan_fields import did_you_mean
from infra_toolkit.resource_types import Field

__all__ = ["check_value", "conflict", "flatten", "written_path"]


def written_path(raw: Mapping[str, Any], key: str) -> str:
    """A flattened ``key`` (``block_device_mappings.ebs.volume_size``) as it is written in
    ``raw``: a block given as a one-element list keeps its index
    (``block_device_mappings[0].ebs.volume_size``)."""
    out: list[str] = []
    node: Any = raw
    for part in key.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, list) and len(node) == 1 and isinstance(node[0], Mapping):
            part, node = f"{part}[0]", node[0]
        out.append(part)
    return ".".join(out)


def flatten(value: Mapping[str, Any], schema_keys: set[str], prefix: str = ""
             ) -> dict[str, Any]:
    """Nested blocks -> dotted names; a block written as a one-element list (Terraform JSON)
    is taken as its element."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        is_block = any(k.startswith(name + ".") for k in schema_keys)
        if is_block and isinstance(item, list) and len(item) == 1 and isinstance(item[0], dict):
            item = item[0]
        if is_block and isinstance(item, dict):
            out.update(flatten(item, schema_keys, name + "."))
        else:
            out[name] = item
    return out


_MAX_QUANTITY = 1e15  # any numeric attribute or usage: x 730 h x a price it stays in cents


def check_value(spec: Field, value: Any) -> str | None:
    """Why ``value`` does not fit ``spec`` (None when it fits)."""
    if spec.kind == "bool":
        return None if isinstance(value, bool) else f"{quoted(value)} must be true or false"
    if spec.kind == "str":
        if not isinstance(value, str) or not value:
            return f"{quoted(value)} must be a non-empty string"
        if spec.choices and value not in spec.choices:
            return (f"{quoted(value)} is not one of {', '.join(spec.choices)}"
                    + did_you_mean(value, spec.choices, list_choices=False))
        return None
    if spec.kind == "list[str]":
        if (not isinstance(value, list) or not value
                or not all(isinstance(v, str) and v for v in value)):
            return f"{quoted(value)} must be a non-empty list of strings"
        return None
    ok = isinstance(value, int) if spec.kind == "int" else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok:
        noun = "a whole number" if spec.kind == "int" else "a number"
        # `committed_instances: "3"` is YAML text: say so, rather than that 3 is no number
        text = value.strip() if isinstance(value, str) else ""
        unquoted = (re.fullmatch(r"[+-]?\d+", text) if spec.kind == "int"
                    else re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text))
        hint = f"; write {text} without quotes (quoted, YAML reads it as text)" if unquoted \
            else ""
        return f"{quoted(value)} must be {noun}{hint}"
    if not math.isfinite(value):
        return f"{quoted(value)} must be a finite number"
    if abs(value) > _MAX_QUANTITY:
        # 1e30 GB of egress raised decimal.InvalidOperation at the cent rounding (28 digits)
        return (f"{value:.3g} is more than {_MAX_QUANTITY:.0e}, beyond any quantity AWS bills "
                "(a zettabyte is 1e12 GB); check the value and its unit")
    if spec.minimum is not None and value < spec.minimum:
        return f"{quoted(value)} must be >= {spec.minimum:g}"
    return None


def conflict(spec: Field, flat: Mapping[str, Any]) -> str | None:
    """Why an attribute may not be given beside the others (Terraform's ConflictsWith)."""
    for other in spec.conflicts_with:
        if any(k == other or k.startswith(other + ".") for k in flat):
            return f"conflicts with {other}: {spec.conflict_fix}"
    return None

