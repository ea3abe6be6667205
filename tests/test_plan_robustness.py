"""`validate_plan` never raises on a plan or manifest with a wrong value anywhere: every field of
the minimal plan and of its manifests is replaced by a value of another type. Each replacement
gives problems, except the few listed in ``STILL_VALID`` (each with the reason it is valid)."""

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

_TEXT = "free text: a number, a date-like string or another word is still text"
_UNREAD = "a manifest field the toolkit does not read (only requests, replicas, probes)"
# (file, field path) whose replacement (CASES gives the value) is still a valid plan
STILL_VALID = {
    **{("minimal.yaml", path): _TEXT for path in (
        "metadata.title", "metadata.owner", "metadata.summary", "slos.0.name",
        "monitoring.metrics.0.name", "monitoring.metrics.0.source",
        "monitoring.dashboards.0.panels.0", "monitoring.alerts.0.summary",
        "rollback.triggers.0.condition", "rollback.steps.0", "testing.0.pass_criteria",
        "security.0.item", "timeline.0.name", "risks.0.mitigation", "questions.0")},
    ("minimal.yaml", "proposed.workloads.0.model.cpu_millicores_per_rps"):
        "1.5 millicores per request is a valid model",
    ("minimal.yaml", "rollback.triggers.0.alert"): "optional: null is the same as absent",
    # the selector and the template's labels must agree (audit19 A19-13), so a wrong value
    # in either is a problem
    # (a container name that is no text is refused, as the API server does: fuzz20)
    **{("manifests/deployment.yaml", path): _UNREAD for path in (
        "spec.template.spec.containers.0.image",
        "spec.template.spec.containers.0.readinessProbe.httpGet.path")},
    # a probe's port is read (probe_handlers: the API server refuses port: true), so it is
    # not in the list
}


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
    still_valid = (file, ".".join(map(str, leaf))) in STILL_VALID
    assert (problems == []) is still_valid, problems
    for problem in problems:
        assert problem.message and "Traceback" not in problem.message


def test_every_still_valid_field_is_one_of_the_cases() -> None:
    # a stale entry (the minimal plan changed) would silently widen what passes
    cases = {(file, ".".join(map(str, leaf))) for file, leaf, _ in CASES}
    assert set(STILL_VALID) <= cases
