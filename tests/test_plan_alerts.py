"""An alert's ``simulated`` mapping in a plan: validated with path-named messages, its workload
resolved, the looser-than-the-SLO and silent-critical-alert warnings, and the report's alert
replay table."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from infra_toolkit import today_findings
from infra_toolkit.alert_replay import AlertReplay
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_alerts import alert_workloads, replay_scenario, silent_alert_warnings
from infra_toolkit.plan_operations_types import SimulatedCondition
from infra_toolkit.plan_validate import check_plan, check_plan_warnings
from infra_toolkit.sections_monitoring import (
    alert_fires_text,
    alert_replay_frame,
    saturated_note,
    slo_lead_text,
)
from infra_toolkit.slo_check import evaluate_slos

DATA = Path(__file__).resolve().parent / "data" / "plans"
ALERT = ("    - {name: ApiDown, expr: up == 0, for: 2m, severity: critical, "
         "summary: the API is down}\n")


def _plan(tmp_path: Path, simulated: str, old: str = "", new: str = "") -> Path:
    """minimal.yaml (workload 'api', HPA maxReplicas 8, SLO p95 <= 250 ms) with its only alert,
    ApiDown (critical, for 2m), given ``simulated: <simulated>``; ``old`` replaced by ``new``."""
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    text = (DATA / "minimal.yaml").read_text()
    assert ALERT in text and old in text
    text = text.replace(ALERT, ALERT[:-2] + f", simulated: {simulated}}}\n").replace(old, new)
    (tmp_path / "plan.yaml").write_text(text)
    return tmp_path / "plan.yaml"


SECOND_WORKLOAD = ("  workloads:\n", "  workloads:\n    - name: web\n"
                   "      deployment: manifests/deployment.yaml\n")
P = "monitoring.alerts[0].simulated"


@pytest.mark.parametrize(("simulated", "path", "message", "edit"), [
    ("{signal: p95, op: '>', threshold: 300}", f"{P}.signal",
     "'p95' is not a simulated signal; one of p50_latency_ms, p95_latency_ms, p99_latency_ms, "
     "dropped_ratio, cpu_utilization_pct, replicas_pct_of_max, pending_pods, nodes_pct_of_max; "
     "did you mean "
     "'p95_latency_ms'?", ("", "")),
    ("{signal: p95_latency_ms, op: '>'}", f"{P}.threshold",
     "missing (required); add `threshold:` ({signal, op, threshold}: the alert's condition on a "
     "simulated signal)", ("", "")),
    ("{signal: p95_latency_ms, op: '=', threshold: 300}", f"{P}.op",
     "'=' is not a comparison; one of >, >=, <, <=", ("", "")),
    ("{signal: p95_latency_ms, op: '>', threshold: 300, window: 5m}", f"{P}.window",
     "a window applies only to dropped_ratio, cpu_utilization_pct (a ratio or mean over time); "
     "p95_latency_ms is compared per simulated step: remove window", ("", "")),
    ("{signal: dropped_ratio, op: '>', threshold: 0.01, window: 5}", f"{P}.window",
     "expected a duration with its unit (30s, 10m, 2h, 1d), got int (5); write e.g. '5m' or "
     "'5s'", ("", "")),
    ("{signal: pending_pods, op: '>', threshold: 0, workload: apu}", f"{P}.workload",
     "no proposed workload named 'apu'; did you mean 'api'?", ("", "")),
    ("{signal: pending_pods, op: '>', threshold: 0, workload: [api, wbe]}", f"{P}.workload[1]",
     "no proposed workload named 'wbe'; did you mean 'web'?", SECOND_WORKLOAD),
    ("{signal: pending_pods, op: '>', threshold: 0, workload: web}", f"{P}.workload",
     "workload 'web' has no HPA, so it is not simulated; name one of api", SECOND_WORKLOAD),
    # audit18 A18-16: before, "workload 'api' has no HPA, so it is not simulated; name one of
    # none: no proposed workload has an HPA"
    ("{signal: pending_pods, op: '>', threshold: 0, workload: api}", P,
     "no proposed workload has an HPA, so nothing is simulated to replay the alert on; remove "
     "`simulated:` (the rule stays listed) or give a workload an hpa",
     ("      hpa: manifests/hpa.yaml\n      model:", "      model:")),
    ("simulated", P, "expected a mapping ({signal, op, threshold}: the alert's condition on a "
     "simulated signal), got text ('simulated')", ("", "")),
])
def test_a_bad_mapping_is_refused_at_its_path(tmp_path: Path, simulated: str, path: str,
                                              message: str, edit: tuple[str, str]) -> None:
    plan, problems = check_plan(_plan(tmp_path, simulated, *edit))
    assert plan is None
    assert [(p.path, p.message) for p in problems] == [(path, message)]


def test_an_unknown_key_is_refused_like_the_rest_of_the_schema(tmp_path: Path) -> None:
    plan, problems = check_plan(_plan(tmp_path, "{signal: p95_latency_ms, op: '>', "
                                                "treshold: 300}"))
    assert plan is None
    assert [(p.path, p.message) for p in problems] == [
        (f"{P}.treshold", "unknown key 'treshold'; did you mean 'threshold'?"),
        (f"{P}.threshold", "missing (required); add `threshold:` ({signal, op, threshold}: the "
                           "alert's condition on a simulated signal)")]


def test_a_window_is_whole_simulation_steps(tmp_path: Path) -> None:
    # minimal.yaml simulates in 5 s steps (SimulationSpec.tick_s: the gcd of the controller
    # cadences), so a 7 s window would sum one step and two fifths
    plan, problems = check_plan(_plan(tmp_path, "{signal: dropped_ratio, op: '>', "
                                                "threshold: 0.01, window: 7s}"))
    assert [(p.path, p.message) for p in problems] == [
        (f"{P}.window", "7 s is not a whole number of the 5 s simulation steps of 'api'; give "
                        "a multiple of 5 s")]
    plan, problems = check_plan(_plan(tmp_path / "ok", "{signal: dropped_ratio, op: '>', "
                                                       "threshold: 0.01, window: 45s}"))
    assert plan is not None and problems == []


def test_several_autoscaled_workloads_need_the_workload_named(tmp_path: Path) -> None:
    # a second workload with the same HPA: the alert must say which it watches
    path = _plan(tmp_path, "{signal: pending_pods, op: '>', threshold: 0}",
                 "  workloads:\n", "  workloads:\n    - name: web\n"
                 "      deployment: manifests/deployment.yaml\n      hpa: manifests/hpa.yaml\n"
                 "      model: {cpu_millicores_per_rps: 5, baseline_cpu_millicores: 20,\n"
                 "              capacity_rps_per_pod: 40, image_pull_s: 5, app_start_s: 10}\n")
    plan, problems = check_plan(path)
    assert [(p.path, p.message) for p in problems if p.path.startswith("monitoring")] == [
        (P, "the plan has 2 autoscaled workloads; say which the alert watches with `workload:` "
            "(one of web, api, or a list of them)")]


def test_the_only_autoscaled_workload_is_the_default(tmp_path: Path) -> None:
    plan = read_plan(_plan(tmp_path, "{signal: pending_pods, op: '>', threshold: 0}"))
    assert alert_workloads(plan, plan.monitoring.alerts[0]) == ("api",)


@pytest.mark.parametrize(("simulated", "expected"), [
    # p95 > 400 ms against the SLO's p95 <= 250 ms: between 250 and 400 the SLO breaks quietly
    ("{signal: p95_latency_ms, op: '>', threshold: 400}",
     [("monitoring.alerts[0].simulated.threshold",
       "alert 'ApiDown' fires at p95_latency_ms > 400 but SLO 'p95' allows at most 250 ms: while "
       "the latency is between the two the SLO is broken and the alert stays quiet; lower its "
       "threshold to 250 (and the same in its expr)")]),
    ("{signal: p95_latency_ms, op: '>', threshold: 250}", []),  # as tight as the SLO
    ("{signal: p95_latency_ms, op: '>', threshold: 200}", []),  # tighter: fires first
    ("{signal: p99_latency_ms, op: '>', threshold: 900}", []),  # no p99 SLO to compare with
    ("{signal: p95_latency_ms, op: '<', threshold: 900}", []),  # not an upper limit
])
def test_a_latency_alert_looser_than_its_slo_warns(tmp_path: Path, simulated: str,
                                                   expected: list[tuple[str, str]]) -> None:
    plan, problems, warnings = check_plan_warnings(_plan(tmp_path, simulated))
    assert plan is not None and problems == []
    got = [(w.path, w.message.removeprefix("warning: ")) for w in warnings
           if w.path.startswith("monitoring")]
    assert got == expected


def _run(plan_path: Path, p95_ms: list[float], dropped_rps: list[float] | None = None
         ) -> SimpleNamespace:
    """A scenario run of workload 'api' at 60 s steps with the given p95 (ms) per step, 10 rps
    offered and ``dropped_rps`` of them dropped (none when not given)."""
    n = len(p95_ms)
    dropped = dropped_rps or [0.0] * n
    timeline = pd.DataFrame({"time_s": [60.0 * i for i in range(n)], "p95_latency_ms": p95_ms,
                             "offered_rps": [10.0] * n, "dropped_rps": dropped,
                             "served_rps": [10.0 - d for d in dropped],
                             "pending_pods": [0] * n,
                             "latency_saturated": [False] * n, "ready_pods": [2] * n})
    plan = read_plan(plan_path)
    sim = SimpleNamespace(timeline=timeline,
                          spec=SimpleNamespace(tick_s=60, hpa=SimpleNamespace(max_replicas=8),
                                               node_groups=()))
    return SimpleNamespace(name="surge", simulations={"api": sim},
                           slos={"api": evaluate_slos(plan.slos, "api", timeline, 60.0)})


@pytest.mark.parametrize(("bad_minutes", "warned"), [
    # p95 300 ms (> the SLO's 250) for 1 minute: SLO not met; ApiDown (p95 > 250 for 2m) is
    # pending at the bad step and resolved at the next: it never fires -> warning
    (1, True),
    # 3 bad minutes (steps 2..4): pending at 120 s, fires at 240 s: no warning
    (3, False),
    # no bad minute: the SLO is met, nothing to warn about
    (0, False),
])
def test_a_critical_alert_silent_while_its_slo_breaks_warns(tmp_path: Path, bad_minutes: int,
                                                            warned: bool) -> None:
    path = _plan(tmp_path, "{signal: p95_latency_ms, op: '>', threshold: 250}")
    plan = read_plan(path)
    run = _run(path, [100.0] * 2 + [300.0] * bad_minutes + [100.0] * 5)
    got = silent_alert_warnings(plan, [run])  # type: ignore[list-item]
    assert [(w.path, w.message) for w in got] == ([(
        "monitoring.alerts[0]",
        "critical alert 'ApiDown' never fires in scenario 'surge' (p95_latency_ms > 250 for 120 s "
        "on api) although SLO 'p95' is not met there; lower its threshold or its `for`, or say "
        "in the plan why this is accepted")] if warned else [])


@pytest.mark.parametrize(("proposal_bad_minutes", "beside"), [
    # the proposal's 3 bad minutes (steps 2..4 of 60 s): pending from 180 s, fires at
    # 180 + 120 = 300 s = 5 min
    (3, "; the proposal: fires at 5 min"),
    # the proposal's 1 bad minute: pending at 180 s, resolved at 240 s, never fires
    (1, "; the proposal: never fires either"),
])
def test_todays_silent_alert_says_what_the_proposal_does_and_no_fix(
        tmp_path: Path, proposal_bad_minutes: int, beside: str) -> None:
    # reader26: today's finding repeated the proposal's plan warning word for word, fix
    # included ("or say in the plan why this is accepted") under a caption saying there is
    # nothing to acknowledge; it now says what the alert does on the proposal instead
    path = _plan(tmp_path, "{signal: p95_latency_ms, op: '>', threshold: 250}")
    plan = read_plan(path)
    today = _run(path, [100.0] * 2 + [300.0] + [100.0] * 5)  # 1 bad minute: silent
    proposed = _run(path, [100.0] * 2 + [300.0] * proposal_bad_minutes + [100.0] * 5)
    got = today_findings.alert_findings(plan, [today], [proposed])  # type: ignore[list-item]
    assert [(w.path, w.message) for w in got] == [(
        "monitoring.alerts[0]",
        "today: critical alert 'ApiDown' never fires in scenario 'surge' (p95_latency_ms > 250 "
        "for 120 s on api) although SLO 'p95' is not met there" + beside)]


def test_the_replay_table_rows(tmp_path: Path) -> None:
    # 3 bad minutes from 120 s (steps 2..4 of 60 s): the SLO breaks at 120 s; the alert sees
    # step 2 at its end, pending from 180 s, (for 2m) fires at 300 s and resolves at step 5's
    # end, 360 s (step 5 is good again): 1 minute firing, 3 min after the violation began
    path = _plan(tmp_path, "{signal: p95_latency_ms, op: '>', threshold: 250}")
    plan = read_plan(path)
    run = _run(path, [100.0] * 2 + [300.0] * 3 + [100.0] * 5)
    frame = alert_replay_frame(replay_scenario(plan, run.simulations))
    assert frame.to_dict("records") == [{
        "Alert": "ApiDown", "Workload": "api", "Signal": "p95_latency_ms > 250", "For": "2 min",
        "Fires at": "5 min", "Firing (min)": 1.0, "Times fired": 1,
        "vs first SLO violation": "3 min after"}]
    # the same alert never firing, and a run that is bad to its last step
    quiet = alert_replay_frame(replay_scenario(plan, _run(path, [100.0, 300.0] + [100.0] * 8)
                                               .simulations))
    assert quiet["Fires at"].tolist() == ["never"]
    assert quiet["vs first SLO violation"].tolist() == [
        "never fires; SLO first violated at 1 min"]
    # a run bad from its first step (audit14 A14-15): its start-up, 2 pods under 10 rps until
    # the step of 60 s, is not the violation compared; none comes after it
    start = alert_replay_frame(replay_scenario(plan, _run(path, [300.0] + [100.0] * 9)
                                               .simulations))
    assert start["vs first SLO violation"].tolist() == [
        "SLO violated from the start (start-up: 2 replicas under 10 rps, until 1 min); first "
        "violation after the run first met the SLO: none"]
    late = alert_replay_frame(replay_scenario(plan, _run(path, [100.0] * 6 + [300.0] * 4)
                                              .simulations))
    # bad from 360 s to the end (600 s): pending from 420 s, fires at 540 s, 1 minute firing,
    # still at the end
    assert late[["Fires at", "Firing (min)", "Times fired"]].values.tolist() == [
        ["9 min", 1.0, "1 (firing at the end)"]]


def test_saturated_note_names_each_replay_the_rule_decided() -> None:
    c = SimulatedCondition("p50_latency_ms", ">", 300000.0)
    ruled = AlertReplay("Backlog", "indexer", c, 600.0, (), 3600.0, 60.0, saturated_steps=28)
    plain = AlertReplay("Slow", "api", c, 600.0, (), 3600.0, None)
    assert saturated_note((plain,)) is None
    note = saturated_note((plain, ruled))
    assert note is not None and note.endswith("Steps decided so: Backlog on indexer (28 step(s)).")


def test_an_alert_is_compared_with_the_slo_it_is_tied_to(tmp_path: Path) -> None:
    # audit27 A27-2: the search-api launch-day replay said the error-rate alert fired "13 h 46
    # min after" the first SLO violation: p95's at 40 min, not the dropping that began at 14 h
    # 21 min, 5 min before it fired. Here, 60 s steps: p95 300 ms (> 250) in step 1 only; 1 of
    # 10 rps dropped in steps 5..9. ApiDown on dropped_ratio > 0.05 (no window, for 2m): holds
    # from step 5, seen at its end (360 s), pending, fires at 360 + 120 = 480 s (8 min), still
    # firing at the end. Its SLO is 'availability' (dropped from 300 s): 480 - 300 = 180 s
    # after. Compared with any SLO (p95 at 60 s) it would read 7 min after.
    avail = "  - {name: availability, metric: availability, objective_pct: 99.9}\n"
    path = _plan(tmp_path, "{signal: dropped_ratio, op: '>', threshold: 0.05}",
                 "deployment_strategy:", avail + "deployment_strategy:")
    plan = read_plan(path)
    run = _run(path, [100.0, 300.0] + [100.0] * 8, [0.0] * 5 + [1.0] * 5)
    (replay,) = replay_scenario(plan, run.simulations)
    assert (replay.first_fire_s, replay.first_violation_s, replay.compared_slos) == (
        480.0, 300.0, ("availability",))
    frame = alert_replay_frame((replay,))
    assert frame["vs first SLO violation"].tolist() == ["3 min after (SLO 'availability')"]
    # the p95 alert is tied to 'p95' (violated at 60 s only); an alert on pending pods is tied
    # to no SLO and is compared with any: p95's at 60 s, unnamed
    path = _plan(tmp_path / "p95", "{signal: p95_latency_ms, op: '>', threshold: 250}",
                 "deployment_strategy:", avail + "deployment_strategy:")
    (p95,) = replay_scenario(read_plan(path), run.simulations)
    assert alert_replay_frame((p95,))["vs first SLO violation"].tolist() == [
        "never fires; SLO 'p95' first violated at 1 min"]
    path = _plan(tmp_path / "pending", "{signal: pending_pods, op: '>', threshold: 0}",
                 "deployment_strategy:", avail + "deployment_strategy:")
    (pending,) = replay_scenario(read_plan(path), run.simulations)
    assert (pending.compared_slos, slo_lead_text(pending)) == (
        (), "never fires; SLO first violated at 1 min")
    # a tied SLO never violated says which
    (quiet,) = replay_scenario(plan, _run(path, [100.0, 300.0] + [100.0] * 8).simulations)
    assert slo_lead_text(quiet) == "SLO 'availability' not violated"


def test_when_each_alert_fires_for_the_rollback_triggers(tmp_path: Path) -> None:
    # audit27 A27-3: the Rollback Plan's triggers now say when their alert fires in the
    # simulated scenarios. ApiDown (p95 > 250 for 2m) on 60 s steps, 'surge': steps 2..4 and
    # 6..8 at 300 ms. The first stretch is seen at step 2's end, 180 s, and fires at 180 + 120
    # = 300 s (5 min), resolved at step 5's end; the second pending at 420 s fires at 540 s:
    # twice. 'calm' never breaks 250 ms.
    path = _plan(tmp_path, "{signal: p95_latency_ms, op: '>', threshold: 250}")
    plan = read_plan(path)
    ok, bad = 100.0, 300.0
    surge = _run(path, [ok, ok, bad, bad, bad, ok, bad, bad, bad, ok])
    calm = _run(path, [ok] * 10)
    calm.name = "calm"
    both = SimpleNamespace(plan=plan, runs=[surge, calm])
    assert alert_fires_text(both) == {"ApiDown": "'surge' at 5 min (2 times)"}  # type: ignore[arg-type]
    assert alert_fires_text(SimpleNamespace(plan=plan, runs=[calm])) == {  # type: ignore[arg-type]
        "ApiDown": "never (1 scenario)"}
    assert alert_fires_text(SimpleNamespace(plan=plan, runs=[])) == {}  # type: ignore[arg-type]
    # left24: today's runs given apart (the Rollback Plan's today column), in the same words
    today = SimpleNamespace(plan=plan, runs=[calm])
    assert alert_fires_text(today, (surge,)) == {  # type: ignore[arg-type]
        "ApiDown": "'surge' at 5 min (2 times)"}
    # a run without the alert's workload replays nothing: left out, not "never"
    empty = SimpleNamespace(name="x", simulations={})
    assert alert_fires_text(today, (empty,)) == {}  # type: ignore[arg-type]


@pytest.mark.parametrize(("signal", "threshold", "shown"), [
    # reader: the search-api replay wrote "p50_latency_ms > 300000" beside the SLO table's
    # "p95 <= 300,000 ms"; `:g` turns 20 minutes in ms, 1,200,000, into 1.2e+06
    ("p50_latency_ms", 300000.0, "p50_latency_ms > 300,000"),
    ("p50_latency_ms", 1200000.0, "p50_latency_ms > 1,200,000"),
    ("dropped_ratio", 0.001, "dropped_ratio > 0.001"),  # search-api's error-rate alert
    ("replicas_pct_of_max", 100.0, "replicas_pct_of_max > 100"),
])
def test_replay_signal_thresholds_read_as_written(signal: str, threshold: float,
                                                  shown: str) -> None:
    replay = AlertReplay("A", "api", SimulatedCondition(signal, ">", threshold), 600.0, (),
                         3600.0, None)
    assert alert_replay_frame((replay,))["Signal"].tolist() == [shown]
