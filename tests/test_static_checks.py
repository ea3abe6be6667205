"""The code stays clean: ``ruff check`` and ``mypy`` (strict, settings in pyproject.toml) pass, and
every module of the package has ``__all__``, a module docstring and a docstring on each public
function, class and method.

ruff and mypy run from the environment running the tests (the folder of ``sys.executable``: the
``[dev]`` extras); mypy keeps its cache in the repository's ``.mypy_cache`` (gitignored), so only
the first run pays the cold start.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = REPO_ROOT / "infra_toolkit"


def _run(tool: str, *args: str) -> None:
    """Run ``tool`` from the test environment's bin folder in the repository root; fail the
    test with its output unless it exits 0."""
    exe = Path(sys.executable).parent / tool
    if not exe.is_file():
        pytest.fail(f"{exe} is missing: install the dev extras (pip install -e '.[dev]')")
    run = subprocess.run([str(exe), *args], cwd=REPO_ROOT, capture_output=True, text=True,
                         timeout=600, check=False)
    if run.returncode != 0:
        pytest.fail(f"{tool} {' '.join(args)} exited {run.returncode}:\n{run.stdout}{run.stderr}",
                    pytrace=False)


def test_ruff_passes() -> None:
    _run("ruff", "check", "infra_toolkit", "tests", "benchmarks", "pricing_data", "notebooks")


def test_mypy_strict_passes() -> None:
    _run("mypy", "--config-file", "pyproject.toml", "--cache-dir", str(REPO_ROOT / ".mypy_cache"),
         "infra_toolkit")


def _is_public(name: str) -> bool:
    return not name.startswith("_")


def documentation_problems(source: str) -> list[str]:
    """What a module's source lacks: ``__all__``, its docstring, or the docstring of a public
    top-level function or class or of a public method of a public class (``line: name``)."""
    tree = ast.parse(source)
    problems = [] if ast.get_docstring(tree) else ["module docstring"]
    targets = [t for node in tree.body if isinstance(node, ast.Assign) for t in node.targets]
    targets += [node.target for node in tree.body if isinstance(node, ast.AnnAssign)]
    if not any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
        problems.append("__all__")
    defs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    for node in tree.body:
        if not isinstance(node, defs) or not _is_public(node.name):
            continue
        if ast.get_docstring(node) is None:
            problems.append(f"{node.lineno}: {node.name} has no docstring")
        if isinstance(node, ast.ClassDef):
            for member in node.body:
                if (isinstance(member, defs[:2]) and _is_public(member.name)
                        and ast.get_docstring(member) is None):
                    problems.append(f"{member.lineno}: {node.name}.{member.name} has no docstring")
    return problems


@pytest.mark.parametrize(("source", "expected"), [
    ('"""Doc."""\n__all__ = ["f"]\ndef f():\n    """Doc."""\n', []),
    ('"""Doc."""\n__all__: list[str] = []\ndef _private():\n    pass\n', []),
    ('__all__ = []\n', ["module docstring"]),
    ('"""Doc."""\nALL = []\n', ["__all__"]),
    ('"""Doc."""\n__all__ = ["f"]\ndef f():\n    pass\n', ["3: f has no docstring"]),
    ('"""Doc."""\n__all__ = ["C"]\nclass C:\n    def m(self):\n        pass\n'
     '    def _n(self):\n        pass\n',
     ["3: C has no docstring", "4: C.m has no docstring"]),
])
def test_documentation_problems_finds_what_is_missing(source: str, expected: list[str]) -> None:
    assert documentation_problems(source) == expected


def test_every_module_has_all_and_docstrings() -> None:
    found = {path.name: documentation_problems(path.read_text(encoding="utf-8"))
             for path in sorted(PACKAGE.glob("*.py"))}
    assert len(found) > 50  # the package's modules were found
    missing = [f"infra_toolkit/{name}: {problem}"
               for name, problems in found.items() for problem in problems]
    assert not missing, "add what is missing:\n" + "\n".join(missing)
