"""A canary step's pause as the plan writes it: a duration (``0s`` too: no wait), ``manual`` (a
person promotes) or, on the 100 % step only, nothing, which completes the rollout there as Argo
Rollouts does once its steps are done (the payments fixture's canary, tests/data/author19, was
read as waiting for a person)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra_toolkit.analysis import analyze_plan
from infra_toolkit.canary_traffic import CanaryWindow, canary_windows
from infra_toolkit.errors import PlanError
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_operations_types import CanaryStep
from infra_toolkit.sections import deployment_strategy

DATA = Path(__file__).resolve().parent / "data" / "author19"
PLAN = DATA / "payments-eks.yaml"
# the payments plan's steps as written in payments-eks.yaml
STEPS_YAML = ("      - {weight_pct: 5, pause: 10m}\n"
              "      - {weight_pct: 25, pause: 20m}\n"
              "      - {weight_pct: 50, pause: 30m}\n"
              "      - {weight_pct: 100}\n")


def _with_steps(tmp_path: Path, steps_yaml: str) -> Path:
    """A copy of the payments plan (and the files it reads) with ``steps_yaml`` as its steps."""
    shutil.copytree(DATA, tmp_path / "author19")
    plan = tmp_path / "author19" / "payments-eks.yaml"
    text = plan.read_text(encoding="utf-8")
    assert STEPS_YAML in text
    plan.write_text(text.replace(STEPS_YAML, steps_yaml), encoding="utf-8")
    return plan


def test_the_payments_canary_completes_at_100_without_a_person(tmp_path: Path) -> None:
    # 5 % for 10 min, 25 % for 20 min, 50 % for 30 min, then 100 % and done
    plan = read_plan(PLAN)
    assert plan.deployment_strategy.steps == (
        CanaryStep(5.0, 600.0), CanaryStep(25.0, 1200.0), CanaryStep(50.0, 1800.0),
        CanaryStep(100.0, 0.0))
    a = analyze_plan(PLAN, scenarios=["match-day"], store_location=str(tmp_path / "none"))
    section = deployment_strategy(a)
    table = next(t for t in section.tables if t.css_class == "canary-steps").frame
    assert list(table["Pause"]) == ["10 min", "20 min", "30 min", "none: the rollout completes"]
    # elapsed: 10, 10 + 20 = 30, 30 + 30 = 60 min = 1 h, 60 + 0 = 1 h; no "at least"
    assert list(table["Elapsed at the step's end"]) == ["10 min", "30 min", "1 h", "1 h"]
    # 10 + 20 + 30 = 60 min, and no manual promotion to wait for
    bake = "Bake time: 1 h (the automatic pauses 10 min + 20 min + 30 min)."
    assert f'<p class="canary-bake">{bake}</p>' in section.parts
    html = section._repr_html_()
    assert "promoted by hand" not in html and "manual promotion" not in html


@pytest.mark.parametrize(("steps_yaml", "expected"), [
    # the 100 % step: nothing or 0s completes there, manual waits for a person, a duration waits
    (STEPS_YAML.replace("{weight_pct: 100}", "{weight_pct: 100, pause: manual}"),
     (CanaryStep(5.0, 600.0), CanaryStep(25.0, 1200.0), CanaryStep(50.0, 1800.0),
      CanaryStep(100.0, None))),
    (STEPS_YAML.replace("{weight_pct: 100}", "{weight_pct: 100, pause: 0s}"),
     (CanaryStep(5.0, 600.0), CanaryStep(25.0, 1200.0), CanaryStep(50.0, 1800.0),
      CanaryStep(100.0, 0.0))),
    (STEPS_YAML.replace("{weight_pct: 100}", "{weight_pct: 100, pause: 15m}"),
     (CanaryStep(5.0, 600.0), CanaryStep(25.0, 1200.0), CanaryStep(50.0, 1800.0),
      CanaryStep(100.0, 900.0))),
    # an earlier step: 0s moves on at once (Argo's setWeight after setWeight), manual waits
    ("      - {weight_pct: 5, pause: 0s}\n      - {weight_pct: 50, pause: manual}\n"
     "      - {weight_pct: 100}\n",
     (CanaryStep(5.0, 0.0), CanaryStep(50.0, None), CanaryStep(100.0, 0.0))),
])
def test_a_steps_pause_as_written(tmp_path: Path, steps_yaml: str,
                                  expected: tuple[CanaryStep, ...]) -> None:
    assert read_plan(_with_steps(tmp_path, steps_yaml)).deployment_strategy.steps == expected


def test_a_step_before_the_last_without_a_pause_is_refused(tmp_path: Path) -> None:
    plan = _with_steps(tmp_path, STEPS_YAML.replace("{weight_pct: 25, pause: 20m}",
                                                    "{weight_pct: 25}"))
    with pytest.raises(PlanError, match=r"deployment_strategy\.canary\.steps\[1\]\.pause: "
                                        r"missing: a step before the 100 % one waits a duration "
                                        r"\(10m, or 0s for none\) or manual \(until a person "
                                        r"promotes\); only the 100 % step may leave it out, the "
                                        r"rollout then completing"):
        read_plan(plan)


def test_a_stack_canarys_windows_with_no_wait_steps() -> None:
    # from 0 s to a 2 h (7,200 s) scenario's end: 5 % for 600 s; 25 % paused 0 s, a window of
    # no length at 600 s; 50 % from 600 to 600 + 1,800 = 2,400 s; 100 % with no pause, the
    # rollout complete, from 2,400 s held to the end
    steps = (CanaryStep(5.0, 600.0), CanaryStep(25.0, 0.0), CanaryStep(50.0, 1800.0),
             CanaryStep(100.0, 0.0))
    assert canary_windows(steps, 0.0, 7200.0) == (
        CanaryWindow(1, 5.0, 0.0, 600.0), CanaryWindow(2, 25.0, 600.0, 600.0),
        CanaryWindow(3, 50.0, 600.0, 2400.0),
        CanaryWindow(4, 100.0, 2400.0, 7200.0, holds_to_end=True))
