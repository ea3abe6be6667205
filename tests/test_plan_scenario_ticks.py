"""`validate` refuses a scenario that does not last a whole number of simulation ticks, at the
scenario, where the plan used to be valid and `simulate` and the report then failed (author18:
the 3,437 s Azure LLM trace, seconds from its start, with `step_s: 1`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra_toolkit.plan_validate import check_plan

DATA = Path(__file__).resolve().parent / "data" / "plans"
SCENARIO = "    csv: {path: manifests/traffic.csv}\n"
# minimal.yaml's timings are the simulator's defaults: HPA sync 15 s, metric resolution 15 s,
# cluster-autoscaler scan 10 s, so its tick is gcd(15, 15, 10, ...) = 5 s.
TICK = ("the simulation's 5 s ticks (the gcd of the HPA sync period, the metric resolution "
        "and window and the node autoscaler's scan interval), so `simulate` and the report "
        "would refuse it; ")


def _plan(tmp_path: Path, source: str) -> Path:
    """minimal.yaml with ``step_s: 1`` and its scenario's source replaced by ``source``."""
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    text = (DATA / "minimal.yaml").read_text()
    assert SCENARIO in text
    text = text.replace(SCENARIO, source) + "simulation: {step_s: 1}\n"
    (tmp_path / "plan.yaml").write_text(text)
    return tmp_path / "plan.yaml"


def _seconds_csv(tmp_path: Path, rows: int) -> None:
    lines = ["timestamp,requests_per_second"] + [f"{t},10" for t in range(rows)]
    (tmp_path / "seconds.csv").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(("source", "rows", "path", "message"), [
    # 17 rows of 1 s: 17 s = 3 ticks of 5 s and 2 s over; the largest whole length is 15 s
    ("    csv: {path: seconds.csv}\n", 17, "scenarios[0].csv",
     "scenario 'steady' lasts 17 s, not a whole number of " + TICK + "cut the trace to a "
     "multiple of 5 s, such as 15 s (with `end`; a file of seconds from its start is read "
     "whole, so cut the file itself)"),
    # 1 min 2 s = 62 s: 12 ticks and 2 s over, 60 s whole
    ("    synthetic: {shape: constant, duration: 1m2s, rps: 10}\n", 0,
     "scenarios[0].synthetic",
     "scenario 'steady' lasts 62 s, not a whole number of " + TICK + "make its duration a "
     "multiple of 5 s, such as 60 s"),
])
def test_a_scenario_of_part_ticks_is_refused_at_the_scenario(
        tmp_path: Path, source: str, rows: int, path: str, message: str) -> None:
    _seconds_csv(tmp_path, rows)
    plan, problems = check_plan(_plan(tmp_path, source))
    assert plan is None
    assert [(p.path, p.message) for p in problems] == [(path, message)]


def test_whole_ticks_are_valid(tmp_path: Path) -> None:
    # 20 rows of 1 s = 4 ticks of 5 s
    _seconds_csv(tmp_path, 20)
    plan, problems = check_plan(_plan(tmp_path, "    csv: {path: seconds.csv}\n"))
    assert problems == [] and plan is not None
