"""docs/DESIGN.md's module map is the package as it is: every module of ``infra_toolkit`` has a
row, and a row's "may import" column names exactly the package's modules that module imports
(read from its source with ``ast``; other words there, ``stdlib``, ``numpy``, ``boto3``, are the
outside dependencies and not checked)."""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "infra_toolkit"
MODULES = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}


def imported(module: str) -> set[str]:
    """The package's modules ``module`` imports, anywhere in its source."""
    out: set[str] = set()
    for node in ast.walk(ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("infra_toolkit"):
            parts = (node.module or "").split(".")
            out |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names
                    if a.name.startswith("infra_toolkit.")}
    return (out & MODULES) - {module}


def rows() -> dict[tuple[str, ...], str]:
    """The modules of a row (one, or several read as one: `plan_fields.py`, `plan_yaml.py`) ->
    its "may import" cell."""
    text = (REPO_ROOT / "docs/DESIGN.md").read_text(encoding="utf-8")
    return {tuple(re.findall(r"`(\w+)\.py`", m.group(1))): m.group(2) for m in
            re.finditer(r"^\| (`\w+\.py`(?:, `\w+\.py`)*) \|.*\| ([^|]*) \|$", text, re.M)}


def test_every_module_has_a_row() -> None:
    listed = [m for modules in rows() for m in modules]
    assert sorted(MODULES - set(listed)) == []
    assert sorted(set(listed) - MODULES) == []
    assert len(listed) == len(set(listed))


def test_may_import_names_the_imports() -> None:
    wrong = {}
    for modules, cell in rows().items():
        named = set(re.findall(r"\w+", re.sub(r"\([^)]*\)", "", cell))) & MODULES
        actual = set().union(*(imported(m) for m in modules)) - set(modules)
        if named != actual:
            wrong[modules] = {"undocumented": sorted(actual - named),
                              "not imported": sorted(named - actual)}
    assert wrong == {}
