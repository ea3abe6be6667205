"""Alert replay on hand-built timelines: Prometheus ``for:`` semantics (pending, firing, reset),
the simulated signals and their windows, and the lead/lag against the first SLO violation.
Every expected time is worked out by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from infra_toolkit.alert_replay import (
    condition_steps,
    firing_intervals,
    replay_alert,
    saturated_condition_steps,
    signal_values,
)
from infra_toolkit.errors import SimulationError
from infra_toolkit.plan_fields import InvalidField
from infra_toolkit.plan_operations_types import (
    SIMULATED_SIGNALS,
    AlertRule,
    SimulatedCondition,
)
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.slo_check import first_violation_s


def _held(n: int, *true_runs: tuple[int, int]) -> np.ndarray:
    """``n`` steps, true on the step index ranges ``[a, b)``."""
    out = np.zeros(n, dtype=bool)
    for a, b in true_runs:
        out[a:b] = True
    return out


@pytest.mark.parametrize(("held", "step_s", "for_s", "expected"), [
    # Each step's values are its mean over [t, t + step), so an evaluation sees step i at its
    # end, (i + 1) x step.
    # True in steps 4..59 (60 s to 900 s at 15 s; step 60 is false), for 10m: pending at step
    # 4's end, 75 s; fires at the first evaluation with t - 75 >= 600 -> 675 s (step 44's end);
    # resolves at step 60's end, 915 s: firing 915 - 675 = 240 s
    (_held(80, (4, 60)), 15.0, 600.0, ((675.0, 915.0),)),
    # for 0: fires at the first evaluation that holds, 75 s, resolves at step 6's end, 105 s
    (_held(80, (4, 6)), 15.0, 0.0, ((75.0, 105.0),)),
    # flapping: true in steps 0..19, false in step 20, true again in steps 21..44, for 5m. The
    # first run is pending from 15 s; its last true evaluation is 300 s, 285 s later < 300 s:
    # never fires, and step 20 resets it. The second is pending from step 21's end, 330 s, and
    # fires at 330 + 300 = 630 s, resolving at step 45's end, 690 s
    (_held(80, (0, 20), (21, 45)), 15.0, 300.0, ((630.0, 690.0),)),
    # true from step 4 to the end of a 1,200 s run (80 steps): fires at 675 s, still firing at
    # the end, so the interval closes at 80 x 15 = 1,200 s
    (_held(80, (4, 80)), 15.0, 600.0, ((675.0, 1200.0),)),
    # a for that is not a whole number of steps: 20 s at 15 s steps, true in steps 4..7:
    # pending at 75 s; 90 - 75 = 15 < 20, 105 - 75 = 30 >= 20 -> fires at 105 s, resolves at
    # step 8's end, 135 s
    (_held(80, (4, 8)), 15.0, 20.0, ((105.0, 135.0),)),
    # held exactly as long as for, then false: true in steps 0..119 at 5 s, for 10m: pending at
    # 5 s, the last true evaluation is 600 s, 595 s later < 600 s: never fires
    (_held(200, (0, 120)), 5.0, 600.0, ()),
    # two separate firings: true in steps 0..9 and 20..29 at 5 s, for 10 s: pending at 5 s,
    # fires at 15 s until step 10's end, 55 s; pending at 105 s, fires at 115 s until 155 s
    (_held(40, (0, 10), (20, 30)), 5.0, 10.0, ((15.0, 55.0), (115.0, 155.0))),
    # never true: never fires
    (_held(40), 5.0, 0.0, ()),
])
def test_firing_intervals_follow_prometheus_for(held: np.ndarray, step_s: float, for_s: float,
                                                expected: tuple[tuple[float, float], ...]
                                                ) -> None:
    assert firing_intervals(held, step_s, for_s) == expected


def test_firing_intervals_count_from_the_timelines_first_time() -> None:
    # a timeline starting at 3,600 s: true in steps 2..5 at 60 s, for 2m -> pending at step 2's
    # end, 3,600 + 180 = 3,780 s, fires at 3,900 s, resolves at step 6's end, 3,600 + 7 x 60 =
    # 4,020 s
    assert firing_intervals(_held(10, (2, 6)), 60.0, 120.0, 3600.0) == ((3900.0, 4020.0),)


@pytest.mark.parametrize(("op", "expected"), [
    (">", [False, False, True, False, False]),
    (">=", [False, True, True, False, False]),
    ("<", [True, False, False, False, False]),
    ("<=", [True, True, False, False, False]),
])
def test_a_step_without_a_value_never_holds(op: str, expected: list[bool]) -> None:
    # values 1, 2, 3 against threshold 2; NaN (no load) holds for no comparison; +inf (load
    # and no Ready pod) holds for > and >= only
    values = np.array([1.0, 2.0, 3.0, np.nan, np.nan])
    assert condition_steps(values, op, 2.0).tolist() == expected
    assert condition_steps(np.array([np.inf]), op, 2.0).tolist() == [op in (">", ">=")]


def _timeline(**columns: list[float]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"time_s": [15.0 * i for i in range(n)], **columns})


def test_dropped_ratio_per_step_and_over_a_window() -> None:
    # offered 100 rps each step, dropped 0, 0, 4, 0, 0 rps; a step without load has no ratio
    t = _timeline(offered_rps=[100.0, 100.0, 100.0, 100.0, 100.0, 0.0],
                  dropped_rps=[0.0, 0.0, 4.0, 0.0, 0.0, 0.0])
    step = SimulatedCondition("dropped_ratio", ">", 0.01)
    got = signal_values(t, step, 15.0, 10)
    assert got[:5].tolist() == [0.0, 0.0, 0.04, 0.0, 0.0] and math.isnan(got[5])
    # window 45 s = 3 steps, a ratio of sums over steps i-2..i: step 0 holds one step, 0 / 100;
    # steps 2, 3 and 4 each hold step 2's 4 dropped: 4 / 300; step 5 (steps 3..5) 0 / 200 = 0
    windowed = SimulatedCondition("dropped_ratio", ">", 0.01, window_s=45.0)
    got = signal_values(t, windowed, 15.0, 10)
    assert got.tolist() == pytest.approx([0.0, 0.0, 4 / 300, 4 / 300, 4 / 300, 0.0])


def test_cpu_window_and_replicas_against_max() -> None:
    t = _timeline(cpu_utilization_pct=[50.0, 70.0, np.nan, 90.0],
                  spec_replicas=[3.0, 12.0, 15.0, 15.0])
    # 2-step mean of the steps with a value: 50, (50 + 70) / 2 = 60, 70 (NaN left out), 90
    got = signal_values(t, SimulatedCondition("cpu_utilization_pct", ">", 80, window_s=30.0),
                        15.0, 15)
    assert got.tolist() == [50.0, 60.0, 70.0, 90.0]
    # spec replicas as % of maxReplicas 15: 3 -> 20 %, 12 -> 80 %, 15 -> 100 %
    got = signal_values(t, SimulatedCondition("replicas_pct_of_max", ">=", 100), 15.0, 15)
    assert got.tolist() == [20.0, 80.0, 100.0, 100.0]


def test_a_window_must_be_whole_steps() -> None:
    t = _timeline(offered_rps=[1.0], dropped_rps=[0.0])
    with pytest.raises(SimulationError, match=r"alert window of 20 s is not a whole number of "
                                              r"the simulation's 15 s steps"):
        signal_values(t, SimulatedCondition("dropped_ratio", ">", 0.1, window_s=20.0), 15.0, 1)


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"signal": "p95"}, "signal", r"'p95' is not a simulated signal; one of p50_latency_ms, "),
    ({"op": "=="}, "op", r"'==' is not a comparison; one of >, >=, <, <="),
    ({"window_s": 300.0}, "window", r"a window applies only to dropped_ratio, "
                                    r"cpu_utilization_pct .*p95_latency_ms is compared per "
                                    r"simulated step: remove window"),
    ({"signal": "dropped_ratio", "window_s": 0.0}, "window", r"0 s must be longer than 0 s"),
])
def test_a_simulated_condition_refuses_what_cannot_be_replayed(
        fields: dict[str, object], field: str, message: str) -> None:
    base: dict[str, object] = {"signal": "p95_latency_ms", "op": ">", "threshold": 300.0}
    with pytest.raises(InvalidField, match=message) as info:
        SimulatedCondition(**{**base, **fields})  # type: ignore[arg-type]
    assert info.value.field == field


def test_every_signal_is_computed() -> None:
    # each listed signal has a value for a one-step timeline with all the columns it reads
    t = _timeline(offered_rps=[10.0], dropped_rps=[1.0], spec_replicas=[4.0],
                  cpu_utilization_pct=[55.0], pending_pods=[2.0], p50_latency_ms=[40.0],
                  p95_latency_ms=[90.0], p99_latency_ms=[120.0], nodes_a=[3.0],
                  launching_nodes_a=[1.0], nodes_b=[1.0], launching_nodes_b=[0.0])
    got = {s: signal_values(t, SimulatedCondition(s, ">", 0), 15.0, 8, {"a": 5, "b": 5})[0]
           for s in SIMULATED_SIGNALS}
    # dropped 1 / offered 10 = 0.1; 4 of max 8 replicas = 50 %; nodes (3 + 1 launching) in
    # group a and 1 in b of max 5 + 5 = 50 %
    assert got == {"p50_latency_ms": 40.0, "p95_latency_ms": 90.0, "p99_latency_ms": 120.0,
                   "dropped_ratio": 0.1, "cpu_utilization_pct": 55.0,
                   "replicas_pct_of_max": 50.0, "pending_pods": 2.0, "nodes_pct_of_max": 50.0}


def test_nodes_against_max_size_count_launching_nodes() -> None:
    # one group of max_size 4 (another group's columns are not the workload's): 2 Ready -> 50 %;
    # 3 Ready + 1 launching -> 100 %, the group can grow no more although one node is not Ready
    t = _timeline(nodes_g=[2.0, 3.0, 4.0], launching_nodes_g=[0.0, 1.0, 0.0],
                  nodes_other=[9.0, 9.0, 9.0], launching_nodes_other=[0.0, 0.0, 0.0])
    at_max = SimulatedCondition("nodes_pct_of_max", ">=", 100)
    assert signal_values(t, at_max, 15.0, 8, {"g": 4}).tolist() == [50.0, 100.0, 100.0]
    with pytest.raises(ValueError, match="nodes_pct_of_max needs the node groups' max_size"):
        signal_values(t, at_max, 15.0, 8)


def test_replay_against_the_first_slo_violation() -> None:
    # 15 s steps, p95 (ms): 200 for steps 0..3, 350 for steps 4..59 (60 s .. 885 s), then 200
    # until step 79. SLO p95 <= 300 ms is first violated in step 4, from 60 s. The alert p95 >
    # 300 for 10m sees step 4 at its end: pending from 75 s, fires at 675 s, 615 s after the
    # violation began, firing until step 60's end, 915 s = 240 s
    p95 = [200.0] * 4 + [350.0] * 56 + [200.0] * 20
    t = _timeline(p95_latency_ms=p95, dropped_rps=[0.0] * 80, offered_rps=[50.0] * 80)
    slos = [Slo("p95", "latency", percentile=95, threshold_ms=300.0, workload="api")]
    rule = AlertRule("HighP95", "p95 > 0.3", 600.0, "critical", "slow",
                     simulated=SimulatedCondition("p95_latency_ms", ">", 300.0))
    r = replay_alert(rule, "api", t, 15.0, 10, first_violation_s(slos, "api", t))
    assert (r.first_violation_s, r.first_fire_s, r.firing_s) == (60.0, 675.0, 240.0)
    assert r.fire_vs_slo_s == 615.0 and r.intervals_s == ((675.0, 915.0),)
    assert not r.firing_at_end and r.run_end_s == 80 * 15.0
    # an SLO of another workload does not count; an SLO for every workload does
    other = [Slo("p95", "latency", percentile=95, threshold_ms=300.0, workload="web")]
    assert first_violation_s(other, "api", t) is None
    everyone = [Slo("p95", "latency", percentile=95, threshold_ms=100.0, workload=None)]
    assert first_violation_s(everyone, "api", t) == 0.0  # 200 > 100 from the first step


def test_replay_needs_a_mapping() -> None:
    rule = AlertRule("Raw", "up == 0", 0.0, "critical", "down")
    with pytest.raises(ValueError, match="alert 'Raw' has no simulated condition"):
        replay_alert(rule, "api", _timeline(p95_latency_ms=[1.0]), 15.0, 1, None)


def test_saturated_latency_is_read_as_the_slo_table_reads_it() -> None:
    # 15 s steps; p50 (ms) 100, 100, then 4,000 (saturated: the model's ceiling, a lower bound)
    # for steps 2..5, then 100. The condition p50 > 10,000 never holds on the bounds, but a
    # saturated step cannot show the latency stayed under 10 s (slo_check counts it violated),
    # so it holds on steps 2..5: pending at step 2's end (45 s), `for` 30 s fires at 75 s, the
    # end of step 4, and resolves at step 6's end (105 s) -> 30 s firing; 4 steps decided so
    sat = [False, False, True, True, True, True, False, False]
    t = _timeline(p50_latency_ms=[100.0, 100.0] + [4000.0] * 4 + [100.0, 100.0])
    t["latency_saturated"] = sat
    rule = AlertRule("Backlog", "p50 > 10", 30.0, "critical", "backlog",
                     simulated=SimulatedCondition("p50_latency_ms", ">", 10000.0))
    r = replay_alert(rule, "api", t, 15.0, 10, None)
    assert (r.intervals_s, r.saturated_steps) == (((75.0, 105.0),), 4)
    # p50 > 50 holds on every step's bound anyway: nothing decided by the rule
    low = SimulatedCondition("p50_latency_ms", ">", 50.0)
    held, n = saturated_condition_steps(np.ones(8, dtype=bool), t, low)
    assert held.all() and n == 0
    # a `<` condition (latency is good) cannot hold on a lower bound: steps 2..5 drop out
    good = SimulatedCondition("p50_latency_ms", "<", 10000.0)
    held, n = saturated_condition_steps(np.ones(8, dtype=bool), t, good)
    assert held.tolist() == [not s for s in sat] and n == 4
    # another signal is not a latency: saturation does not touch it
    cpu = SimulatedCondition("cpu_utilization_pct", ">", 90.0)
    held, n = saturated_condition_steps(np.zeros(8, dtype=bool), t, cpu)
    assert not held.any() and n == 0
