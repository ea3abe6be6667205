"""The environment variables the docs name are the ones the code reads, both ways: every variable
the package or the test suite reads (``os.environ.get``, ``os.getenv``, ``os.environ[...]``,
directly or through a module constant such as ``approval_store.ENV_VAR``) is named in
README.md, docs/*.md or pricing_data/README.md, and every ``$NAME`` / ``INFRA_TOOLKIT_*`` the
docs name is read by one of them. Read with ``ast``, not copied, so a new knob fails here until
it is documented, and a renamed one until the docs follow."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from tests.conftest import REPO_ROOT

DOCS = ("README.md", "docs/PLAN.md", "docs/APPROVALS.md", "docs/DESIGN.md",
        "pricing_data/README.md")
# named by the docs, read by no code here: docs/APPROVALS.md's pipeline variable holding a kept
# head (`--known-head "$APPROVALS_HEAD"`) and its example of a variable left unset
# (`--reviewer "$UNSET"`)
NOT_OURS = {"APPROVALS_HEAD", "UNSET"}
# read by tests/readme_examples.py only to hand the shell's own on to the examples it runs
PASSED_ON = {"PATH", "PYTHONPATH"}
_NAME = r"[A-Z][A-Z0-9_]*[A-Z0-9]"


def _constants(tree: ast.Module) -> dict[str, str]:
    """A module's ``NAME = "TEXT"`` constants."""
    return {t.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for t in node.targets if isinstance(t, ast.Name)}


def _is_environ(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


@functools.cache  # the three tests scan the same files: parse them once (4 s a scan)
def read_variables(folder: Path) -> dict[str, str]:
    """Each variable the ``*.py`` files of ``folder`` read -> the first file reading it. A name
    given by a constant is looked up among every module's constants (``cli_review`` reads
    ``approval_store.ENV_VAR``)."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.py"))}
    constants: dict[str, str] = {}
    for tree in trees.values():
        constants.update(_constants(tree))
    out: dict[str, str] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            arg: ast.expr | None = None
            if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute):
                f = node.func
                if (f.attr == "get" and _is_environ(f.value)) or f.attr == "getenv":
                    arg = node.args[0]
            elif isinstance(node, ast.Subscript) and _is_environ(node.value):
                arg = node.slice
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                out.setdefault(arg.value, path.name)
            elif isinstance(arg, ast.Name) and arg.id in constants:
                out.setdefault(constants[arg.id], path.name)
    return out


def named_variables(settings: bool = False) -> dict[str, str]:
    """Each variable the docs name -> the first doc naming it: ``$NAME`` (or ``${NAME}``) and
    any ``INFRA_TOOLKIT_*`` with or without the ``$``; with ``settings``, a code span setting
    one too (`` `CI=true` ``), which reads alike with a placeholder (`` `FIELD=VALUES` ``), so it
    counts as documenting a variable but not as a claim that one exists."""
    setting = rf"|`({_NAME})=" if settings else ""
    out: dict[str, str] = {}
    for doc in DOCS:
        text = (REPO_ROOT / doc).read_text(encoding="utf-8")
        for found in re.findall(rf"\$\{{?({_NAME})\b|\b(INFRA_TOOLKIT_[A-Z0-9_]+){setting}",
                                text):
            out.setdefault(next(name for name in found if name), doc)
    return out


def test_the_scan_finds_what_it_must() -> None:
    # without these the checks below pass vacuously: the store's two variables through
    # constants (ENV_VAR, TIMEOUT_ENV), XDG_DATA_HOME as a literal, the tests' golden switch
    package = read_variables(REPO_ROOT / "infra_toolkit")
    assert {"INFRA_TOOLKIT_DB", "INFRA_TOOLKIT_DB_TIMEOUT_S", "XDG_DATA_HOME"} <= set(package)
    assert "INFRA_TOOLKIT_UPDATE_GOLDEN" in read_variables(REPO_ROOT / "tests")
    assert {"INFRA_TOOLKIT_DB", "XDG_DATA_HOME"} <= set(named_variables())


def test_every_variable_read_is_documented() -> None:
    read = {**read_variables(REPO_ROOT / "tests"), **read_variables(REPO_ROOT / "infra_toolkit")}
    named = named_variables(settings=True)
    assert {v: f for v, f in read.items() if v not in named and v not in PASSED_ON} == {}


def test_every_variable_documented_is_read() -> None:
    read = {**read_variables(REPO_ROOT / "tests"), **read_variables(REPO_ROOT / "infra_toolkit")}
    # CI=true is the CI system's, read by tests/conftest.py: in `read` like the others
    assert {v: d for v, d in named_variables().items() if v not in read and v not in NOT_OURS} \
        == {}
