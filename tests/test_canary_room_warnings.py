"""A canary of pods whose pods at once do not fit on its node groups at the expected peak is a
plan warning (canary_room_warnings), at the plan's step, acknowledgeable; validate, which does
not simulate, leaves an acknowledgement of it unchecked rather than calling it stale."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from infra_toolkit.canary_room_warnings import canary_room_warnings
from infra_toolkit.plan_acknowledgements import Acknowledgement, acknowledge
from infra_toolkit.plan_simulation import simulation_spec
from infra_toolkit.plan_validate import check_plan_warnings, load_plan
from infra_toolkit.pricing import load_price_book
from tests.test_plan_warnings import _plan

ROLLING = ("  type: rolling\n  description: plain rolling update\n"
           "  rolling: {max_surge: 1, max_unavailable: 0}\n")
CANARY = ("  type: canary\n  description: a canary behind the mesh\n  canary:\n"
          "    traffic_router: istio\n    steps:\n"
          "      - {weight_pct: 25, pause: 10m}\n      - {weight_pct: 50, pause: 10m}\n"
          "      - {weight_pct: 100}\n")
ACK = ("acknowledged_warnings:\n  - path: deployment_strategy.canary.steps[2]\n"
       "    contains: rollout stalls\n    reason: the canary runs at night\n    by: ops\n")


def _run(plan_path: Path, peak_replicas: int) -> SimpleNamespace:
    """The expected scenario's run as canary_room_warnings reads it: the workload's simulated
    node groups and the peak replicas it reached (stood in for: no simulation here)."""
    plan = load_plan(plan_path)
    spec = simulation_spec(plan, "api", load_price_book())
    return SimpleNamespace(name="day", cluster=None, simulations={"api": SimpleNamespace(
        spec=spec, summary=SimpleNamespace(peak_replicas=peak_replicas))})


@pytest.mark.parametrize(("peak", "expected"), [
    # minimal.yaml's 'api' (200m, 256 MiB) alone on group 'general', m5.large, max_size 4: a
    # node leaves 1805m, 6903 MiB and 27 pods (tests/test_plan_warnings.py) and holds
    # min(9, 26, 27) = 9 pods, so 4 x 9 = 36. At 20 replicas: step 1, ceil(20 x 25 / 100) =
    # 5 canary + 20 stable = 25; step 2, 10 + 20 = 30; step 3, 20 + 20 = 40 > 36: 4 Pending,
    # at steps[2]
    (20, [("deployment_strategy.canary.steps[2]",
           "the plan's canary of workload 'api', rolled at its peak of 20 replicas in scenario "
           "'day', runs 40 pods at once at step 3 of 3 (traffic weight 100 %: 20 canary + 20 "
           "stable), but its node groups (general, max_size 4) hold 36 of its pods beside the "
           "other workloads at their peak: 4 pod(s) stay Pending and the rollout stalls at that "
           "step (the Canary pods per step table's 'Fits, others at peak' NO); raise max_size "
           "or use a larger instance type, or roll at a quieter hour (the table's minReplicas "
           "rows)")]),
    # at 18: 18 + 18 = 36, exactly the room: no warning
    (18, []),
    # at 30: step 1, ceil(7.5) = 8 + 30 = 38 > 36 already: the first step that does not fit
    (30, [("deployment_strategy.canary.steps[0]", "runs 38 pods at once at step 1 of 3")]),
])
def test_a_canary_step_past_the_room_is_warned(tmp_path: Path, peak: int,
                                               expected: list[tuple[str, str]]) -> None:
    path = _plan(tmp_path, plan_edits=((ROLLING, CANARY),))
    got = [(w.path, w.message) for w in canary_room_warnings(load_plan(path), _run(path, peak))]
    assert len(got) == len(expected)
    for (at, message), (want_at, want) in zip(got, expected, strict=True):
        assert at == want_at and want in message


def test_no_run_no_warning(tmp_path: Path) -> None:
    # only load tests selected: no expected scenario, no peak to roll at
    assert canary_room_warnings(load_plan(_plan(tmp_path, plan_edits=((ROLLING, CANARY),))),
                                None) == []


def test_it_is_acknowledged_like_the_others(tmp_path: Path) -> None:
    path = _plan(tmp_path, plan_edits=((ROLLING, CANARY),))
    (warning,) = canary_room_warnings(load_plan(path), _run(path, 20))
    ack = Acknowledgement("acknowledged_warnings[0]", "deployment_strategy.canary.steps[2]",
                          "rollout stalls", "the canary runs at night", "ops")
    triage = acknowledge([warning], [ack], complete=True)
    assert triage.open == () and [a.warning for a in triage.acknowledged] == [warning]
    # validate simulates nothing: the same acknowledgement is left unchecked, not stale
    acked = _plan(tmp_path / "acked", plan_edits=((ROLLING, CANARY + ACK),))
    plan, problems, warnings = check_plan_warnings(acked)
    assert plan is not None and problems == []
    assert [(w.path, w.message) for w in warnings if "acknowledged_warnings" in w.path] == [
        ("acknowledged_warnings[0]",
         "note: matches none of the warnings validate computes; the report, which simulates, "
         "checks it against the simulation's warnings at deployment_strategy.canary.steps[2] "
         "too")]
