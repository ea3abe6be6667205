"""`validate_plan` never raises on a plan or manifest with a wrong value anywhere: every field of
the minimal plan and of its manifests, replaced by a value of another type, gives problems."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_toolkit.plan import validate_plan

DATA = Path(__file__).parent / "data" / "plans"
# One wrong value per leaf, cycling through the kinds of mistake (rotating keeps the run short)
WRONG: list[Any] = [None, "text", -1, True, [], {"x": 1}, 1.5, "2027-02-30"]


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))] or [path]
    return [path]


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _replaced(data[path[0]], path[1:], value)
    return copy


def _cases(file: str) -> list[tuple[str, tuple[Any, ...], Any]]:
    data = yaml.safe_load((DATA / file).read_text())
    return [(file, leaf, WRONG[i % len(WRONG)]) for i, leaf in enumerate(_leaves(data))]


CASES = _cases("minimal.yaml") + _cases("manifests/deployment.yaml") + \
    _cases("manifests/hpa.yaml")


@pytest.mark.parametrize(("file", "leaf", "value"), CASES,
                         ids=[f"{f}:{'.'.join(map(str, p))}={v!r}" for f, p, v in CASES])
def test_a_wrong_value_anywhere_is_a_problem_not_a_traceback(tmp_path: Path, file: str,
                                                             leaf: tuple[Any, ...],
                                                             value: Any) -> None:
    shutil.copytree(DATA, tmp_path / "plans", ignore=shutil.ignore_patterns("broken"))
    target = tmp_path / "plans" / file
    data = yaml.safe_load(target.read_text())
    target.write_text(yaml.safe_dump(_replaced(data, leaf, value), sort_keys=False))
    problems = validate_plan(tmp_path / "plans" / "minimal.yaml")  # must not raise
    for problem in problems:
        assert problem.message and "Traceback" not in problem.message
