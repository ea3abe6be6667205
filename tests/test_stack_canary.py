"""A whole-stack canary: its traffic (weights, start rule), its plan field, and its simulation
on a plan small enough to work out by hand (tests/data/plans/canary/stack.yaml)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from infra_toolkit.canary_traffic import (
    CanaryWindow,
    canary_curve,
    canary_start_s,
    canary_windows,
)
from infra_toolkit.charts import canary_figures
from infra_toolkit.errors import PlanError
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_operations_types import CanaryStep
from infra_toolkit.sections import deployment_strategy
from infra_toolkit.stack_canary import canary_step_table
from infra_toolkit.traffic import constant_curve

DATA = Path(__file__).parent / "data" / "plans"
STACK = DATA / "canary" / "stack.yaml"
# the default plan's steps: 5 % for 30 min, 25 % for 1 h, 50 % for 2 h, then 100 % by hand
STEPS = (CanaryStep(5, 1800.0), CanaryStep(25, 3600.0), CanaryStep(50, 7200.0),
         CanaryStep(100, None))


def test_weights_on_a_constant_curve_hold_the_manual_step_to_the_end() -> None:
    # 100 req/s for 5 h in 60 s bins, the canary starting 600 s in:
    # [0, 600) nothing; [600, 2400) 5 %; [2400, 6000) 25 %; [6000, 13200) 50 %;
    # [13200, 18000) 100 % (the manual step held to the scenario's end)
    curve, windows = canary_curve(constant_curve(100, 18_000, 60), STEPS, 600.0)
    assert windows == (CanaryWindow(1, 5, 600, 2400), CanaryWindow(2, 25, 2400, 6000),
                       CanaryWindow(3, 50, 6000, 13200),
                       CanaryWindow(4, 100, 13200, 18000, holds_to_end=True))
    rps = curve.rps
    # the bins either side of each boundary (bin i covers [60 i, 60 i + 60))
    assert (rps[9], rps[10]) == (0.0, pytest.approx(5.0))  # 540 / 600
    assert (rps[39], rps[40]) == (pytest.approx(5.0), pytest.approx(25.0))  # 2340 / 2400
    assert (rps[99], rps[100]) == (pytest.approx(25.0), pytest.approx(50.0))  # 5940 / 6000
    assert (rps[219], rps[220]) == (pytest.approx(50.0), 100.0)  # 13140 / 13200
    assert rps[-1] == 100.0  # 17940: still the manual step's 100 %
    # 5 x 1800 + 25 x 3600 + 50 x 7200 + 100 x 4800 = 9,000 + 90,000 + 360,000 + 480,000
    assert curve.total_requests == pytest.approx(939_000)


def test_a_bin_cut_by_a_step_boundary_gets_the_time_weighted_mean() -> None:
    # start 630 s: bin [600, 660) has 30 s at 5 % of 100 -> 30 x 5 / 60 = 2.5 req/s; the 25 %
    # step starts at 630 + 1800 = 2430: bin [2400, 2460) is (30 x 5 + 30 x 25) / 60 = 15
    curve, _ = canary_curve(constant_curve(100, 7200, 60), STEPS, 630.0)
    assert curve.rps[10] == pytest.approx(2.5)
    assert curve.rps[40] == pytest.approx(15.0)
    assert curve.rps[11] == pytest.approx(5.0)


@pytest.mark.parametrize(("steps", "end_s", "expected"), [
    # the scenario ends 3000 s in: step 2 is cut at 3000 (its hour would end at 5400), steps 3
    # and 4 never start
    (STEPS, 3000.0, (CanaryWindow(1, 5, 0, 1800),
                     CanaryWindow(2, 25, 1800, 3000, cut=True))),
    # a manual step before the last: what follows it happens at no known time, so it holds
    ((CanaryStep(10, None), CanaryStep(100, 3600.0)), 7200.0,
     (CanaryWindow(1, 10, 0, 7200, holds_to_end=True),)),
    # a last step with a pause: the rollout is complete at 100 % and stays there
    ((CanaryStep(50, 600.0), CanaryStep(100, 600.0)), 3600.0,
     (CanaryWindow(1, 50, 0, 600), CanaryWindow(2, 100, 600, 3600, holds_to_end=True))),
])
def test_windows_end_with_the_scenario(steps: tuple[CanaryStep, ...], end_s: float,
                                       expected: tuple[CanaryWindow, ...]) -> None:
    assert canary_windows(steps, 0.0, end_s) == expected


_DAY = 86400.0


@pytest.mark.parametrize(("start", "duration_s", "time_of_day_s", "expected"), [
    # no start in the plan: the scenario's start
    (pd.Timestamp("1995-07-12T04:00Z"), _DAY, None, 0.0),
    # the default plan: expected-day starts 04:00 UTC, the change window opens at 04:00
    (pd.Timestamp("1995-07-12T04:00Z"), _DAY, 4 * 3600.0, 0.0),
    # 05:30 is 1 h 30 min after 04:00: 5400 s
    (pd.Timestamp("1995-07-12T04:00Z"), _DAY, 5.5 * 3600, 5400.0),
    # 03:00 has passed at 04:00: the next one, 23 h later
    (pd.Timestamp("1995-07-12T04:00Z"), _DAY, 3 * 3600.0, 23 * 3600.0),
    # a zone other than UTC: 06:00+02:00 is 04:00 UTC, the clock the start is read in
    (pd.Timestamp("2027-01-19T06:00+02:00"), _DAY, 4 * 3600.0, 0.0),
    # no zone: the clock as written, 04:00 -> 04:00 is 0
    (pd.Timestamp("2027-01-19T04:00"), _DAY, 4 * 3600.0, 0.0),
    # a synthetic scenario (no start) begins at 00:00: 04:00 is 14400 s in
    (None, _DAY, 4 * 3600.0, 14400.0),
    # ... and a 1 h one ends before 04:00: nothing to simulate
    (None, 3600.0, 4 * 3600.0, None),
])
def test_start_rule(start: pd.Timestamp | None, duration_s: float, time_of_day_s: float | None,
                    expected: float | None) -> None:
    assert canary_start_s(start, duration_s, time_of_day_s) == expected


def _stack_plan(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of stack.yaml (and the manifests it reads) with ``old`` replaced by ``new``."""
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    plan = tmp_path / "canary" / "stack.yaml"
    plan.parent.mkdir()
    text = STACK.read_text()
    assert old in text
    plan.write_text(text.replace(old, new, 1))
    return plan


@pytest.mark.parametrize(("line", "message"), [
    # YAML 1.1 reads an unquoted 4:00 as 4 x 60 + 0 = 240
    ("    start: 4:00\n", r"deployment_strategy\.canary\.start: expected a time of day as "
                         r"text, got the number 240 \(YAML reads an unquoted H:MM as a base-60 "
                         r"number\); write it in quotes: start: '04:00'$"),
    # the time meant, back from the number: 14 x 60 + 30 = 870
    ("    start: 14:30\n", r"got the number 870 .*; write it in quotes: start: '14:30'$"),
    # 25:00 is 1500, no time of day: the general hint
    ("    start: 25:00\n", r"got the number 1500 .*; write a time of day in quotes, e\.g\. "
                          r"start: '04:00'$"),
    ("    start: '4am'\n", r"deployment_strategy\.canary\.start: '4am' is not a time of day "
                         r"HH:MM from 00:00 to 23:59; write a time of day in quotes"),
    ("    start: '24:00'\n", r"canary\.start: '24:00' is not a time of day HH:MM from 00:00"),
    ("    start: '04:60'\n", r"canary\.start: '04:60' is not a time of day HH:MM"),
])
def test_a_bad_start_is_named_with_its_fix(tmp_path: Path, line: str, message: str) -> None:
    plan = _stack_plan(tmp_path, "    scope: stack\n", "    scope: stack\n" + line)
    with pytest.raises(PlanError, match=message):
        read_plan(plan)


def test_a_start_on_a_pods_canary_is_refused(tmp_path: Path) -> None:
    plan = _stack_plan(tmp_path, "    scope: stack\n", "    scope: pods\n    start: '04:00'\n")
    with pytest.raises(PlanError, match=r"deployment_strategy\.canary\.start: is read only for "
                                        r"scope: stack .*remove it or set scope: stack"):
        read_plan(plan)


def test_a_start_the_scenario_never_reaches_is_said(tmp_path: Path) -> None:
    # the synthetic scenario runs 00:00 -> 00:30: a canary at 04:00 starts after its end
    plan = _stack_plan(tmp_path, "    scope: stack\n", "    scope: stack\n    start: '04:00'\n")
    a = analyze_plan(plan, store_location=str(tmp_path / "none"))
    assert a.canary is not None and a.canary.start_s is None and a.canary.cluster is None
    assert canary_figures(a) == []
    assert ("The canary&#x27;s start, 04:00 (deployment_strategy.canary.start), falls after the "
            "end of the scenario &#x27;steady&#x27; (00:00 to 00:30): nothing was simulated. "
            "Give a start within that span, or select a longer scenario."
            in deployment_strategy(a)._repr_html_())


def test_a_start_past_the_horizon_names_the_horizon(tmp_path: Path) -> None:
    # '00:20' is within the 30-minute scenario, but horizon_h 0.25 simulates 00:00 -> 00:15
    # only: the fix is a longer horizon, not a longer scenario (audit9 A9-4)
    plan = _stack_plan(tmp_path, "    scope: stack\n", "    scope: stack\n    start: '00:20'\n")
    a = analyze_plan(plan, horizon_h=0.25, store_location=str(tmp_path / "none"))
    assert a.canary is not None and a.canary.start_s is None
    assert ("falls after the end of the simulated part of scenario &#x27;steady&#x27; (00:00 to "
            "00:15, the first 0.25 h: horizon_h): nothing was simulated. Give a start within "
            "that span, or a horizon_h reaching it." in deployment_strategy(a)._repr_html_())


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> PlanAnalysis:
    return analyze_plan(STACK, store_location=str(tmp_path_factory.mktemp("db") / "none"))


def test_the_jump_to_100_pct_is_short_of_capacity_for_60_s(stack: PlanAnalysis) -> None:
    # api: 2 pods (minReplicas; the Deployment's replicas) x 100 req/s; 200m CPU request, 2 m
    # per req/s, so CPU % = req/s a pod; HPA CPU 70 %, tolerance 10 %, no behavior (scale-up
    # cap max(2 x 2, 4) = 4). Syncs every 15 s (15, 30, ...); scrapes at 5, 20, 35, ... each
    # the mean over the 15 s before it; 5 s ticks. Pods Ready 30 s after scheduling: image
    # pulled at 10 s, app up at 10 + 20 = 30 s (past the probe's 10 + 5 = 15 s), and the
    # readiness probe's 10 s grid from the bind has a tick at 30 s; the 2 m5.large nodes
    # (min_size) have room.
    #
    # Step 1, 50 % of 240 = 120 req/s from 0: 60 a pod = 60 % -> ratio 60/70 = 0.857, beyond
    # the tolerance but ceil(0.857 x 2) = 2 = minReplicas: 2 replicas throughout.
    # Step 2, 100 % = 240 req/s from 600 s: above 2 x 100 = 200 -> under capacity from 600.
    #   metric lag: 600 -> scrape 605 = 5 s
    #   sync wait: 605 -> sync 615 = 10 s. That sync reads scrape 605 over [590, 605): ticks 590
    #     and 595 at 60 m, 600 at 100 m (capacity: 200 req/s served) -> (60+60+100)/3 x 2 m =
    #     146.7 m -> 147 m -> int(2 x 147 x 100 / 400) = 73 %, ratio 73/70 = 1.043 within the
    #     tolerance: stays 2
    #   controller hold: 615 -> sync 630 = 15 s: scrape 620 over [605, 620) at 100 % ->
    #     ratio 100/70 -> ceil(1.43 x 2) = 3 written; pod 3 scheduled at once (room on the nodes)
    #   node provisioning 0; pod start-up 630 -> Ready 660 = 30 s; 3 x 100 >= 240 closes it
    #   total 5 + 10 + 15 + 0 + 30 = 60 s
    # Dropped in step 2: 40 req/s over [600, 660) = 2,400 of 240 x 1,200 s = 288,000 requests
    #   = 0.8333 %
    c = stack.canary
    assert c is not None and c.start_s == 0.0
    frame = canary_step_table(c, stack.plan, "api")
    step1, step2 = frame.to_dict("records")
    assert (step1["Weight (%)"], step1["Starts"], step1["Lasts"]) == (50, "00:00", "10 min")
    assert (step1["Offered rps at the start"], step1["Peak offered rps"]) == (120, 120)
    # 2 pods throughout step 1; in step 2, 2 before the jump, 3 at 630, and the peak and end
    # read from the run's own syncs (the table must agree with them)
    syncs = c.simulations["api"].syncs
    later = syncs[syncs["time_s"] >= 600]["written"]
    assert step1["Replicas: before the jump → peak → end"] == "2 → 2 → 2"
    assert step2["Replicas: before the jump → peak → end"] == \
        f"2 → {later.max()} → {later.iloc[-1]}"
    assert step1["Under capacity after the jump"] == "none"
    assert step1["Dropped (%)"] == 0
    assert (step2["Weight (%)"], step2["Starts"], step2["Lasts"]) == (
        100, "00:10", "20 min (to the scenario's end)")
    assert step2["Offered rps at the start"] == 240
    assert step2["Under capacity after the jump"] == (
        "1 min: metric lag 5 s + sync wait 10 s + controller hold 15 s + pod start-up 30 s "
        "= 60 s (closed by pods)")
    assert step2["Later under-capacity episodes"] == "none"
    assert step2["Dropped (%)"] == pytest.approx(100 * 2400 / 288_000)
    # the p95 SLO (250 ms) cannot hold while requests are dropped: the pods are saturated
    assert step2["Within the p95 SLO (250 ms)"] == "NO"
    assert step1["Within the p95 SLO (250 ms)"] == "yes"


def test_the_section_and_chart_of_a_stack_canary(stack: PlanAnalysis) -> None:
    html = deployment_strategy(stack)._repr_html_()
    assert 'class="dataframe report-table canary-simulation"' in html
    # no start in the plan: the scenario's start, which a synthetic scenario puts at 00:00
    assert "it starts at the scenario&#x27;s start (the plan gives no " \
           "deployment_strategy.canary.start), 00:00" in html
    assert "(api: 2 Ready pods on 2 Ready nodes)" in html
    (fig,) = canary_figures(stack)
    # 0 -> the 100 % step's start (600 s) + its first hour, cut at the scenario's end (1800 s)
    # evenly spaced bins: plotly's x0 and dx (minutes: the span ends before 3 h), the last
    # point x0 + (n - 1) dx = 1,795 s = 29.92 min; the steps marked at 0 and 600 s = 10 min
    first = fig.data[0]
    x = first.x0 + first.dx * np.arange(len(first.y))
    assert (x[0], x[-1]) == (0.0, pytest.approx(1795 / 60))
    assert [s.x0 for s in fig.layout.shapes] == [0.0, pytest.approx(10.0)]
    assert fig.layout.xaxis.title.text == "minutes from the scenario's start (00:00)"
    # the whole canary fits in the chart: its span, no cut
    assert fig.layout.title.text == ("Canary steady / api: offered vs served load, replicas "
                                     "and nodes<br><sup>00:00 to 00:30</sup>")
    # each step's weight above the plot, right of its line (visual23: written down the line
    # inside the plot, the labels lay over the pod and node lines at the right axis' top)
    assert [(a.yref, a.y, a.yanchor, a.xanchor, a.textangle)
            for a in fig.layout.annotations] == [("y domain", 1, "bottom", "left", None)] * 2


def test_a_canary_chart_cut_in_its_held_step_says_so(tmp_path: Path) -> None:
    # a 3-hour scenario: the 100 % step runs from 600 s to the end at 10,800 s (03:00); the
    # chart stops 1 h into it, at 600 + 3,600 = 4,200 s = 01:10, while the step table's peak
    # covers the whole step (audit9 A9-3: the title did not say the chart was cut)
    plan = _stack_plan(tmp_path, "duration: 30m", "duration: 3h")
    a = analyze_plan(plan, store_location=str(tmp_path / "none"))
    (fig,) = canary_figures(a)
    assert fig.layout.title.text == (
        "Canary steady / api: offered vs served load, replicas and nodes<br>"
        "<sup>00:00 to 01:10; the first 1 h of step 2; the step table covers it to 03:00</sup>")


def test_only_a_stack_canary_is_simulated(tmp_path: Path) -> None:
    # minimal.yaml rolls by a rolling update: nothing simulated, no chart
    a = analyze_plan(DATA / "minimal.yaml", store_location=str(tmp_path / "none"))
    assert a.canary is None
    assert canary_figures(a) == []
    assert "canary-simulation" not in deployment_strategy(a)._repr_html_()


def test_a_start_time_moves_the_steps(tmp_path: Path) -> None:
    # the synthetic scenario starts at 00:00 (no timestamps): '00:05' is 300 s in, so 50 % from
    # 300 to 300 + 600 = 900, then 100 % to the scenario's end at 1800; nothing before 300
    plan = _stack_plan(tmp_path, "    scope: stack\n", "    scope: stack\n    start: '00:05'\n")
    a = analyze_plan(plan, store_location=str(tmp_path / "none"))
    assert a.canary is not None and a.canary.start_s == 300.0
    assert a.canary.windows == (CanaryWindow(1, 50, 300, 900),
                                CanaryWindow(2, 100, 900, 1800, holds_to_end=True))
    t = a.canary.simulations["api"].timeline.set_index("time_s")["offered_rps"]
    assert (t.loc[295.0], t.loc[300.0], t.loc[895.0], t.loc[900.0]) == (0, 120, 120, 240)
    frame = canary_step_table(a.canary, a.plan, "api")
    assert list(frame["Starts"]) == ["00:05", "00:15"]


def test_a_pods_canary_keeps_its_canary_pods_table(tmp_path: Path) -> None:
    plan = _stack_plan(tmp_path, "    scope: stack\n", "    scope: pods\n")
    a = analyze_plan(plan, store_location=str(tmp_path / "none"))
    assert a.canary is None
    html = deployment_strategy(a)._repr_html_()
    assert "canary-simulation" not in html and "canary-pods" in html


def test_steps_after_a_manual_pause_are_said_to_be_left_out(tmp_path: Path) -> None:
    # step 1 (50 %) waits for a person: it holds to the scenario's end, so the 100 % step, the
    # one a reviewer wants to see, never runs; the rule says so (audit9 A9-7: it said nothing)
    plan = _stack_plan(tmp_path, "{weight_pct: 50, pause: 10m}", "{weight_pct: 50, pause: manual}")
    a = analyze_plan(plan, store_location=str(tmp_path / "none"))
    assert a.canary is not None
    assert [w.step for w in a.canary.windows] == [1]
    assert ("Step 1 waits for a person (pause: manual), which happens at no known time: it is "
            "held to the scenario&#x27;s end, so step 2 is not simulated; give it a duration, or "
            "put the manual pause on the last step, to simulate them."
            in deployment_strategy(a)._repr_html_())


def test_steps_after_the_runs_end_are_said_to_be_left_out(tmp_path: Path) -> None:
    # '00:25' in a 30-minute scenario: step 1 (10 min) is cut at 00:30, step 2 never starts
    plan = _stack_plan(tmp_path, "    scope: stack\n", "    scope: stack\n    start: '00:25'\n")
    a = analyze_plan(plan, store_location=str(tmp_path / "none"))
    assert a.canary is not None
    assert [(w.step, w.cut) for w in a.canary.windows] == [(1, True)]
    assert ("The run ends during step 1, so step 2 is not simulated; choose an earlier start or "
            "a longer scenario to simulate them."
            in deployment_strategy(a)._repr_html_())


def test_a_selection_of_load_tests_only_says_the_canary_was_not_simulated(
        tmp_path: Path) -> None:
    # the canary runs on the expected scenario, which a selection of load tests lacks: the
    # section said nothing of the simulation (audit9 A9-13)
    load_test = ("    synthetic: {shape: constant, rps: 240, duration: 30m}\n"
                 "  - name: load\n    description: staging load test\n"
                 "    load_test: {users: 100, think_time: 1s, response_time: 100ms, "
                 "ramp_up: 1m, hold: 5m}\n")
    plan = _stack_plan(tmp_path, "    synthetic: {shape: constant, rps: 240, duration: 30m}\n",
                       load_test)
    a = analyze_plan(plan, scenarios=["load"], store_location=str(tmp_path / "none"))
    assert a.canary is None and a.expected_scenario is None
    assert ("The canary is simulated over the expected scenario, and the scenarios this report "
            "selects (load) are load tests only, which have none: nothing was simulated. "
            "Select a scenario that is not a load test (-p scenarios) to see the canary&#x27;s "
            "steps." in deployment_strategy(a)._repr_html_())
    # with the steady scenario selected, the canary is simulated as before
    assert analyze_plan(plan, store_location=str(tmp_path / "none")).canary is not None


def test_a_capitalised_manual_pause_says_manual(tmp_path: Path) -> None:
    # before: "'Manual' is not a duration; write <number><unit> parts ...", never naming manual
    plan = _stack_plan(tmp_path, "pause: manual}", "pause: Manual}")
    with pytest.raises(PlanError, match=r"deployment_strategy\.canary\.steps\[\d\]\.pause: "
                                        r"'Manual' is not a duration; write manual \(lower "
                                        r"case\) to wait for a person"):
        read_plan(plan)
