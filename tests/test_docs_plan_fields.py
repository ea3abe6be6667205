"""docs/PLAN.md's "Field reference" and the plan loader agree both ways: every key the loader
accepts is a row with its unit and default, and every row is a key the loader accepts.

The loader's keys are read from the code, never copied here: the allowed and required keys of
each ``FieldReader.mapping`` / ``FieldReader.items`` call in ``infra_toolkit/plan_*.py`` (parsed
with ``ast``, so a key added to a call fails here until it is documented), the synthetic shapes'
parameters (``plan_traffic.shape_parameters``) and the resource types' attributes and usage
keys (``resource_types.RESOURCE_SCHEMAS``). A loader call has no section path in the code, so a
call's keys must equal the children of one documented parent (``simulation.node_daemonsets`` ->
``pods``, ``cpu``, ``memory``), and each documented parent's children those of one call."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections import defaultdict

import pytest

from infra_toolkit import plan_validate
from infra_toolkit.plan import ApprovalPolicy, SimulationSettings
from infra_toolkit.plan_architecture import WorkloadModel
from infra_toolkit.plan_scenario_types import CsvTraffic
from infra_toolkit.plan_traffic import SHAPES, shape_parameters
from infra_toolkit.resource_types import IGNORED_EVERYWHERE, RESOURCE_SCHEMAS
from tests.conftest import REPO_ROOT

PLAN_MD = REPO_ROOT / "docs/PLAN.md"


def _strings(node: ast.expr, names: dict[str, ast.expr]) -> list[str]:
    """The texts of a tuple / list literal, a name bound to one, ``*name`` or ``a + b``."""
    if isinstance(node, (ast.Tuple, ast.List)):
        return [s for e in node.elts
                for s in _strings(e.value if isinstance(e, ast.Starred) else e, names)]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Name):
        return _strings(names[node.id], names)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _strings(node.left, names) + _strings(node.right, names)
    raise AssertionError(f"cannot read the keys of {ast.unparse(node)}: teach _strings it")


def _assignments(tree: ast.AST) -> dict[str, ast.expr]:
    return {t.id: n.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
            for t in n.targets if isinstance(t, ast.Name)}


def loader_groups() -> list[tuple[str, frozenset[str], frozenset[str]]]:
    """``(where, allowed keys, required keys)`` of every mapping the plan loader reads with a
    key list: ``r.mapping(value, path, allowed, required)`` and ``r.items(m, parent, key,
    allowed, required)`` (a mapping with only required keys, such as a synthetic scenario's,
    allows those plus keys checked elsewhere: its required ones stand for it)."""
    out = []
    for module in sorted((REPO_ROOT / "infra_toolkit").glob("plan_*.py")):
        if module.name == "plan_fields.py":  # the reader itself, not a schema
            continue
        tree = ast.parse(module.read_text(encoding="utf-8"))
        top = _assignments(ast.Module(body=[n for n in tree.body if isinstance(n, ast.Assign)],
                                      type_ignores=[]))
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            names = {**top, **_assignments(function)}
            for call in ast.walk(function):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                    continue
                args: dict[int | str, ast.expr] = dict(enumerate(call.args))
                args.update({k.arg: k.value for k in call.keywords if k.arg})
                first = 2 if call.func.attr == "mapping" else 3
                if call.func.attr not in ("mapping", "items") or len(call.args) < 2:
                    continue  # dict.items() and the like
                allowed = args.get(first, args.get("allowed"))
                required = args.get(first + 1, args.get("required"))
                listed = allowed if allowed is not None else required
                if listed is None:
                    continue  # an open mapping (a node group's labels): no key list
                keys = _strings(listed, names)
                must = _strings(required, names) if required is not None else []
                out.append((f"{module.name}:{call.lineno}", frozenset(keys), frozenset(must)))
    return out


def _table(after: str) -> list[list[str]]:
    """The cells of the first table after the line ``after`` in PLAN.md (header and rule
    left out), backticks stripped from the first cells."""
    text = PLAN_MD.read_text(encoding="utf-8")
    _, found, rest = text.partition(after)
    assert found, f"docs/PLAN.md has no {after!r}"
    lines = rest[rest.index("\n|"):].strip().split("\n\n", 1)[0].splitlines()
    return [[c.strip() for c in line.strip("|").split(" | ")] for line in lines[2:]]


def plan_rows() -> dict[str, tuple[str, str]]:
    """Field path -> (unit, default) of the reference's plan table."""
    rows = _table("## Field reference\n")
    assert all(len(r) == 3 for r in rows), [r for r in rows if len(r) != 3]
    return {r[0].strip("`"): (r[1], r[2]) for r in rows}


def resource_rows() -> dict[str, dict[str, tuple[str, str]]]:
    """Resource type -> field -> (unit, default) of the reference's resource table."""
    out: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    for row in _table("what each type accepts"):
        assert len(row) == 4, row
        out[row[0].strip("`")][row[1].strip("`")] = (row[2], row[3])
    return out


def _children(paths: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    """Parent path -> child key -> its default cell."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for path, (_, default) in paths.items():
        parent, _, key = path.rpartition(".")
        out[parent][key] = default
    return out


def _documented_parents() -> dict[str, dict[str, str]]:
    parents = _children(plan_rows())
    # the node group's taint blocks are read by the plan loader (plan_node_groups), documented
    # with the resource that carries them
    for kind, fields in resource_rows().items():
        for parent, keys in _children(fields).items():
            if parent.endswith("[]"):
                parents[f"{kind}.{parent}"] = keys
    return parents


def test_the_reader_finds_the_loader_calls() -> None:
    # sanity: the ast walk reaches local key lists and starred names, else the checks below
    # would pass on nothing
    groups = {keys for _, keys, _ in loader_groups()}
    assert frozenset({"pods", "cpu", "memory"}) in groups
    assert frozenset(plan_validate.TOP_LEVEL_KEYS) in groups
    assert any("node_daemonsets" in keys and "step_s" in keys for keys in groups)
    assert len(groups) > 25


def test_every_row_gives_a_unit_and_a_default() -> None:
    rows = list(plan_rows().items()) + [
        (f"{kind}.{field}", cells) for kind, fields in resource_rows().items()
        for field, cells in fields.items()]
    blank = [path for path, (unit, default) in rows if not unit or not default]
    assert blank == []


@pytest.mark.parametrize("where,keys,required", loader_groups(),
                         ids=[g[0] for g in loader_groups()])
def test_every_loader_key_is_documented(where: str, keys: frozenset[str],
                                        required: frozenset[str]) -> None:
    parents = _documented_parents()
    matches = [p for p, children in parents.items() if set(children) == keys]
    assert matches, (f"{where} reads {sorted(keys)}: no parent in docs/PLAN.md's Field "
                     "reference has exactly these keys; add or rename its rows")
    for parent in matches:
        undocumented = [k for k in required if not parents[parent][k].startswith("required")]
        assert undocumented == [], f"{where}: required by the loader, not in {parent}"


def test_every_documented_field_is_known_to_the_loader() -> None:
    groups = {keys for _, keys, _ in loader_groups()}
    unknown = [f"{parent or '(top)'}: {sorted(children)}"
               for parent, children in _children(plan_rows()).items()
               if frozenset(children) not in groups]
    assert unknown == []


def test_top_level_required_sections() -> None:
    # the top level's required sections are checked apart from its mapping call
    rows = plan_rows()
    assert [s for s in plan_validate._REQUIRED if not rows[s][1].startswith("required")] == []


def test_synthetic_shapes_name_their_parameters() -> None:
    # "Traffic scenarios" lists each shape with its parameters: `- `ramp`: `start_rps` ...`
    text = PLAN_MD.read_text(encoding="utf-8")
    for shape in SHAPES:
        bullet = re.search(rf"^  - `{shape}`: (.*?)(?=^  - |^- |\n\n)", text, re.M | re.S)
        assert bullet, f"no bullet for synthetic shape {shape}"
        required, optional = shape_parameters(shape)
        missing = [p for p in (*required, *optional) if f"`{p}`" not in bullet.group(1)]
        assert missing == [], shape


def _rendered(default: object) -> str:
    if isinstance(default, bool):
        return str(default).lower()
    return ", ".join(default) if isinstance(default, tuple) else f"{default:g}" \
        if isinstance(default, float) else str(default)


@pytest.mark.parametrize("kind", sorted(RESOURCE_SCHEMAS))
def test_resource_fields_are_documented(kind: str) -> None:
    schema = RESOURCE_SCHEMAS[kind]
    fields = {**schema.attributes, **{f"usage.{k}": f for k, f in schema.usage.items()}}
    documented = resource_rows()[kind]
    # rows beyond the priced fields: arguments the cost model accepts without pricing, which
    # the plan reads for placement (a node group's taint and labels)
    extra = {f for f in documented if f not in fields}
    assert {re.split(r"[.\[]", f)[0] for f in extra} <= schema.ignored | IGNORED_EVERYWHERE
    assert sorted(f for f in fields if f not in documented) == []
    for name, spec in fields.items():
        default = documented[name][1]
        assert default.startswith("required") == spec.required, name
        if spec.default is not None:
            assert _rendered(spec.default) in default, (name, spec.default)


@pytest.mark.parametrize("parent,cls", [
    ("<side>.workloads[].model", WorkloadModel), ("simulation", SimulationSettings),
    ("scenarios[].csv", CsvTraffic), ("approval_policy", ApprovalPolicy)])
def test_documented_defaults_are_the_dataclasses(parent: str, cls: type) -> None:
    # a field's default in the value object the loader builds (None: absent, not checked)
    rows = plan_rows()
    for f in dataclasses.fields(cls):
        if isinstance(f.default, (bool, int, float, str)):
            cell = rows[f"{parent}.{f.name}"][1]
            assert _rendered(f.default) in cell, (parent, f.name, f.default, cell)
