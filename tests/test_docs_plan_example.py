"""docs/PLAN.md's smallest plan (``<!-- example: smallest-plan -->``) is valid as written, with
no warning, and costs what the text says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from infra_toolkit.cli import main
from infra_toolkit.plan_validate import check_plan_warnings
from tests.conftest import REPO_ROOT


def smallest_plan() -> str:
    text = (REPO_ROOT / "docs/PLAN.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- example: smallest-plan -->\n```yaml\n(.*?)```", text, re.S)
    assert found, "docs/PLAN.md has no smallest-plan example"
    return found.group(1)


def test_smallest_plan_is_valid_without_warnings(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(smallest_plan(), encoding="utf-8")
    plan, problems, warnings = check_plan_warnings(path)
    assert (problems, warnings) == ([], [])
    assert plan is not None and plan.proposed.workloads == () and plan.scenarios == ()


def test_smallest_plan_costs_what_the_text_says(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(smallest_plan(), encoding="utf-8")
    assert main(["cost", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    # one cache.t3.micro node, Redis in us-east-1 at $0.017 an hour: 730 x 0.017 = 12.41
    assert (out["total_monthly_usd"], out["current_total_monthly_usd"]) == (12.41, 0)
    assert "`cost` prices it ($12.41 a month)" in (REPO_ROOT / "docs/PLAN.md").read_text()


def test_python_calls_take_the_path_as_a_string(tmp_path: Path) -> None:
    # "Using a plan from Python" gives read_plan(path), validate_plan(path) and
    # check_plan_warnings(path) alike: each takes a str as well as a Path (check_plan_warnings
    # raised AttributeError: 'str' object has no attribute 'read_text')
    from infra_toolkit.plan import read_plan, validate_plan
    from infra_toolkit.plan_validate import check_plan

    path = tmp_path / "plan.yaml"
    path.write_text(smallest_plan(), encoding="utf-8")
    text = (REPO_ROOT / "docs/PLAN.md").read_text(encoding="utf-8")
    assert all(f"`{call}(path)`" in text for call in (
        "plan.read_plan", "plan.validate_plan", "plan_validate.check_plan_warnings"))
    plan, problems, warnings = check_plan_warnings(str(path))
    assert plan is not None and (problems, warnings) == ([], [])
    assert check_plan(str(path))[1] == validate_plan(str(path)) == []
    assert read_plan(str(path)).metadata.title == "Add a cache"
