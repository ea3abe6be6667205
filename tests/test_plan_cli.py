"""`infra-toolkit validate`: exit 0 valid / 1 invalid / 2 unreadable, one line per problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra_toolkit.cli import main
from tests.test_plan_validate import EXPECTED

REPO = Path(__file__).resolve().parent.parent
BROKEN = REPO / "tests" / "data" / "plans" / "broken"


def test_valid_plan_exits_0_and_prints_its_digest(capsys: pytest.CaptureFixture[str]) -> None:
    plan = str(REPO / "plans" / "ecommerce-eks.yaml")
    assert main(["validate", plan]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(rf"{re.escape(plan)}: valid; digest [0-9a-f]{{64}}\n", out)


@pytest.mark.parametrize("broken", sorted(p.name for p in BROKEN.glob("*.yaml")))
def test_each_broken_plan_exits_1_with_one_line_per_problem(
        broken: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(BROKEN / broken)
    assert main(["validate", path]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    count = int(re.fullmatch(rf"{re.escape(path)}: (\d+) problem\(s\); the plan is not valid",
                             lines[-1]).group(1))  # type: ignore[union-attr]
    # as many as test_plan_validate.py expects of that file, one line each, then the summary
    assert count == len(lines) - 1 == len(EXPECTED[broken.removesuffix(".yaml")])
    assert all(line.startswith(path) for line in lines)
    assert captured.err == "" and "Traceback" not in captured.out


def test_unreadable_plan_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert re.match(r"error: cannot read plan .*nope.yaml: No such file or directory",
                    capsys.readouterr().err)


def test_several_plans_exit_1_when_any_is_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = REPO / "plans" / "ecommerce-eks.yaml", BROKEN / "version.yaml"
    assert main(["validate", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{good}: valid; digest " in out and f"{bad}: 1 problem(s)" in out


def test_an_unreadable_plan_does_not_stop_the_others(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # exit 2 for the unreadable file, and the invalid plan after it is still checked
    missing, bad = tmp_path / "nope.yaml", BROKEN / "version.yaml"
    assert main(["validate", str(missing), str(bad)]) == 2
    captured = capsys.readouterr()
    assert re.match(r"error: cannot read plan .*nope.yaml: No such file", captured.err)
    assert f"{bad}: 1 problem(s); the plan is not valid" in captured.out
