"""A run that starts under-provisioned (audit14 A14-15): ``validate``'s warning, the start-up's
span and minutes, and the alert replay compared after the start-up, on a tiny plan whose figures
are worked out by hand; a healthy start keeps the plain wording.

The tiny plan is minimal.yaml (workload 'api': 200m CPU / 256Mi pods, 20m + 5m per rps, capacity
40 rps, concurrency 1, image pull 5 s, app start 10 s, readiness delay 5 s; HPA 2-8 on CPU 70 %;
two m5.large nodes at the start, 9 such pods a node; SLO p95 <= 250 ms) with the Deployment's
replicas set to 4 and one scenario, 'crowd': 150 rps, then 200 rps from 600 s, for 20 min.

A pod is an M/M/1 queue (concurrency 1): its response time is exponential with rate
``40 - x`` at ``x`` rps a pod, so its p95 is ``ln 20 / (40 - x)`` s, at most 250 ms while
``x <= 40 - ln 20 / 0.25 = 40 - 11.98 = 28.017`` rps.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from infra_toolkit import sections
from infra_toolkit.alert_replay import AlertReplay
from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from infra_toolkit.plan_alerts import replay_scenario
from infra_toolkit.plan_operations_types import SimulatedCondition
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.sections_monitoring import alert_replay_frame, slo_lead_text
from infra_toolkit.slo_check import StartUp, first_violation_s, start_up, start_up_minutes
from infra_toolkit.startup_warnings import per_pod_limit_rps, percentile_ms

DATA = Path(__file__).resolve().parent / "data" / "plans"
STEADY = ("  - name: steady\n    description: a constant day\n"
          "    csv: {path: manifests/traffic.csv}\n")
CROWD = ("  - name: crowd\n    description: 150 rps, then 200 rps from 10 min\n"
         "    synthetic: {shape: step, duration: 20m, before_rps: 150, at_s: 600, "
         "after_rps: 200}\n")
ALERT = ("    - {name: ApiDown, expr: up == 0, for: 2m, severity: critical, "
         "summary: the API is down}\n")
# p95 above the SLO for 30 s: pending at the end of the first bad 5 s step, firing 30 s later
MAPPED = ("    - {name: ApiSlow, expr: p95 > 0.25, for: 30s, severity: warning, summary: slow,\n"
          "       simulated: {signal: p95_latency_ms, op: '>', threshold: 250}}\n")
LN20 = math.log(20)


def _plan(tmp_path: Path, replicas: int = 4, scenario: str = CROWD,
          edits: tuple[tuple[str, str], ...] = ()) -> Path:
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    deployment = tmp_path / "manifests" / "deployment.yaml"
    assert "replicas: 2\n" in deployment.read_text()
    deployment.write_text(deployment.read_text().replace("replicas: 2\n",
                                                         f"replicas: {replicas}\n"))
    text = (DATA / "minimal.yaml").read_text()
    for old, new in ((STEADY, scenario), (ALERT, ALERT + MAPPED), *edits):
        assert old in text, old
        text = text.replace(old, new)
    (tmp_path / "plan.yaml").write_text(text)
    return tmp_path / "plan.yaml"


def _start_warnings(path: Path) -> list[tuple[str, str]]:
    plan, problems, warnings = check_plan_warnings(path)
    assert plan is not None and problems == []
    return [(w.path, w.message.removeprefix("warning: ")) for w in warnings
            if "starts with" in w.message]


def test_the_per_pod_limit_is_the_mm1_bound() -> None:
    p95 = [Slo("p95", "latency", percentile=95, threshold_ms=250.0)]
    # ln 20 / (40 - x) = 0.25 s at x = 40 - 4 ln 20 = 28.0171 rps
    assert per_pod_limit_rps(p95, 40.0, 1) == pytest.approx(40 - 4 * LN20, abs=1e-9)
    # at 37.5 rps a pod: ln 20 / 2.5 = 1.19829 s; at 25: ln 20 / 15 = 0.19972 s
    assert percentile_ms(95, 37.5, 40.0, 1) == pytest.approx(1000 * LN20 / 2.5, rel=1e-9)
    assert percentile_ms(95, 25.0, 40.0, 1) == pytest.approx(1000 * LN20 / 15, rel=1e-9)
    # p50 <= 100 ms: ln 2 / (40 - x) <= 0.1 -> x <= 40 - 10 ln 2 = 33.069; the tighter one binds
    both = [*p95, Slo("p50", "latency", percentile=50, threshold_ms=100.0)]
    assert per_pod_limit_rps(both, 40.0, 1) == pytest.approx(40 - 4 * LN20, abs=1e-9)
    # a loose latency SLO: the utilization cap (99 %, counted violated) binds, just under 39.6
    loose = [Slo("p95", "latency", percentile=95, threshold_ms=60_000.0)]
    assert per_pod_limit_rps(loose, 40.0, 1) == pytest.approx(0.99 * 40, abs=1e-9)
    # availability only, or no SLO: the pod's capacity
    avail = [Slo("avail", "availability", objective_pct=99.9)]
    assert per_pod_limit_rps(avail, 40.0, 1) == per_pod_limit_rps([], 40.0, 1) == 40.0
    # p95 <= 50 ms is never met (an idle pod's p95 is ln 20 / 40 = 74.9 ms): left out
    never = [Slo("p95", "latency", percentile=95, threshold_ms=50.0)]
    assert per_pod_limit_rps(never, 40.0, 1) == 40.0


def test_validate_warns_when_the_starting_replicas_cannot_serve_the_first_rate(
        tmp_path: Path) -> None:
    # 150 rps over 4 pods = 37.5 rps a pod: p95 ln 20 / 2.5 = 1,198 ms > 250. 4 pods serve
    # 4 x 28.017 = 112.07 rps (shown rounded down: 112); 150 / 28.017 = 5.35 -> 6 pods
    assert _start_warnings(_plan(tmp_path)) == [(
        "proposed.workloads[0].deployment",
        "workload 'api' starts with 4 replicas (the Deployment's replicas) under the first "
        "rate of scenario 'crowd', 150 rps, 37.5 rps a pod: p95 1,198 ms over SLO 'p95' (250 "
        "ms); the run breaks its SLOs from its first step until "
        "the HPA has added pods, and the report's SLO minutes and alert replay show that "
        "start-up; 4 replicas serve at most 112 rps within its SLOs (28 rps a pod) and 150 rps "
        "needs 6; set the Deployment's replicas to 6, or start scenario 'crowd' at 112 rps or "
        "less")]


@pytest.mark.parametrize(("replicas", "scenario", "edits", "expected"), [
    # 6 pods: 25 rps a pod, p95 199.7 ms: no warning
    (6, CROWD, (), None),
    # 160 rps over 4 pods is 40 rps a pod, all of its capacity
    (4, CROWD.replace("before_rps: 150", "before_rps: 160"), (),
     "40 rps a pod, 100 % of a pod's 40 rps capacity, at the latency model's 99 % utilization "
     "cap (counted violated)"),
    # 200 rps over 4 pods: 50 rps a pod, over capacity; 200 / 28.017 = 7.14 -> 8
    (4, CROWD.replace("before_rps: 150", "before_rps: 200"), (),
     "50 rps a pod, over a pod's 40 rps capacity: requests are dropped or queued"),
    # traffic_share 0.5: 300 x 0.5 = 150 rps; the base 4 pods serve is 112.07 / 0.5 = 224.1
    (4, CROWD.replace("before_rps: 150", "before_rps: 300"),
     (("      hpa: manifests/hpa.yaml\n",
       "      hpa: manifests/hpa.yaml\n      traffic_share: 0.5\n"),),
     "scenario 'crowd', 150 rps (300 rps x traffic_share 0.5), 37.5 rps a pod: p95"),
    # an availability SLO only: 150 rps <= 4 x 40 = 160, nothing dropped at the start
    (4, CROWD, (("  - {name: p95, metric: latency, percentile: 95, threshold_ms: 250}\n",
                 "  - {name: avail, metric: availability, objective_pct: 99.9}\n"),), None),
])
def test_which_starts_warn(tmp_path: Path, replicas: int, scenario: str,
                           edits: tuple[tuple[str, str], ...], expected: str | None) -> None:
    got = _start_warnings(_plan(tmp_path, replicas, scenario, edits))
    if expected is None:
        assert got == []
    else:
        assert len(got) == 1 and expected in got[0][1]


def test_the_warning_names_the_scenario_base_and_max_replicas(tmp_path: Path) -> None:
    # 300 rps: 300 / 28.017 = 10.7 -> 11 pods, above maxReplicas 8; traffic_share 0.5 would make
    # it 150 rps: here the share is 1, so the base is 112 rps
    got = _start_warnings(_plan(tmp_path, 4, CROWD.replace("before_rps: 150", "before_rps: 300")
                                .replace("after_rps: 200", "after_rps: 300")))
    assert len(got) == 1
    assert ("set the Deployment's replicas to 11 (above maxReplicas 8, to which the first sync "
            "cuts it: raise maxReplicas too), or start scenario 'crowd' at 112 rps or less"
            ) in got[0][1]


def test_the_shipped_plans_start_healthy() -> None:
    # no shipped plan has this condition: validate says nothing of a start, and every run of
    # theirs meets its SLOs at its first step (tests/test_plans_shipped.py keeps their figures)
    for plan in ("ecommerce-eks.yaml", "search-api.yaml"):
        _, problems, warnings = check_plan_warnings(DATA.parent.parent.parent / "plans" / plan)
        assert problems == [] and not [w for w in warnings if "starts with" in w.message]


@pytest.fixture(scope="module")
def crowd(tmp_path_factory: pytest.TempPathFactory) -> dict[int, PlanAnalysis]:
    """The 'crowd' scenario analysed with 4 starting replicas and with 6."""
    return {n: analyze_plan(_plan(tmp_path_factory.mktemp(f"r{n}"), n),
                            store_location=str(tmp_path_factory.mktemp("store") / "none"))
            for n in (4, 6)}


def test_the_start_up_span_by_hand(crowd: dict[int, PlanAnalysis]) -> None:
    a = crowd[4]
    t = a.run("crowd").simulations["api"].timeline
    slos = a.plan.slos
    # 4 warm pods under 150 rps break the SLO from 0 s. The HPA syncs at 15 s and 30 s; the
    # metrics-server scrapes at 5 s + k x 15 s, each sample the mean of the 15 s before it: at
    # 15 s the latest scrape (5 s) covers -10..5 s, before the run, so no metric; at 30 s the
    # scrape of 20 s gives 20 + 5 x 37.5 = 207.5 -> 208m, 832m / 800m = 104 %, 104 / 70 x 4 =
    # 5.94 -> 6 replicas, written at 30 s. The 2 new pods fit the 2 nodes (9 a node), start
    # after the 5 s pull and are Ready 10 + 5 s later: 30 + 20 = 50 s, when 6 pods serve 25 rps
    # each (p95 199.7 ms): the SLO is first met at 50 s
    assert start_up(slos, "api", t) == StartUp(4, 150.0, 50.0)
    # the step to 200 rps at 600 s: 33.3 rps over 6 pods, p95 ln 20 / 6.67 = 449 ms
    assert first_violation_s(slos, "api", t) == 0.0
    assert first_violation_s(slos, "api", t, after_s=50.0) == 600.0
    # the start-up's minutes: the 10 steps of 5 s from 0 to 45 s = 50 s = 0.833 min
    assert start_up_minutes(slos, "api", t, 5.0) == {"p95": pytest.approx(50 / 60)}
    healthy = crowd[6].run("crowd").simulations["api"].timeline
    assert start_up_minutes(slos, "api", healthy, 5.0) == {"p95": 0.0}


def test_the_alert_is_compared_after_the_start_up(crowd: dict[int, PlanAnalysis]) -> None:
    # ApiSlow (p95 > 250 for 30 s): the start-up's steps 0..45 s hold; pending at 5 s (the end
    # of step 0), firing at 35 s, resolved at 55 s (the end of step 50 s, met). The crowd: the
    # 15 s sync at 615 s reads the scrape of 605 s (590..605 s: (2 x 25 + 33.3) / 3 = 27.8 rps,
    # 158.9 -> 159m, 79 %, 79 / 70 x 6 = 6.77 -> 7), whose pod is Ready at 615 + 20 = 635 s: the
    # 6 pods break the SLO in steps 600..630 s, so the alert is pending from 605 s and fires at
    # 635 s, 35 s after the violation at 600 s. The first fire of the run is the start-up's, 35 s
    a = crowd[4]
    replays = replay_scenario(a.plan, a.run("crowd").simulations)
    slow = [r for r in replays if r.alert == "ApiSlow"]
    assert len(slow) == 1 and slow[0].intervals_s[0] == (35.0, 55.0)
    assert (slow[0].first_fire_s, slow[0].compared_fire_s, slow[0].first_violation_s,
            slow[0].fire_vs_slo_s) == (35.0, 635.0, 600.0, 35.0)
    frame = alert_replay_frame(replays)
    assert frame["vs first SLO violation"].tolist() == [
        "SLO violated from the start (start-up: 4 replicas under 150 rps, until 50 s); first "
        "violation after the run first met the SLO: 10 min, the alert fires 35 s after; it also "
        "fired during the start-up, at 35 s"]
    # before: "35 s after" the start-up's violation at 0 s, true of the run but not of the crowd


def test_a_healthy_start_keeps_the_plain_wording(crowd: dict[int, PlanAnalysis]) -> None:
    # 6 warm pods at 25 rps each meet the SLO from the start (CPU 20 + 5 x 25 = 145m, 72 %, 72 /
    # 70 = 1.03 within the 10 % tolerance: the HPA keeps 6); the crowd goes as above: violated
    # from 600 s, the alert fires at 635 s, "35 s after", as the under-provisioned run now says
    a = crowd[6]
    frame = alert_replay_frame(replay_scenario(a.plan, a.run("crowd").simulations))
    assert frame[["Fires at", "vs first SLO violation"]].values.tolist() == [
        ["10 min 35 s", "35 s after"]]
    table = next(t for t in sections.scaling_behaviour(a).tables
                 if t.css_class == "slo-checks")
    assert "Of which start-up" not in table.frame.columns
    assert table.caption == (
        "SLO checks. Minutes violated: for a latency SLO the minutes whose percentile was above "
        "the threshold (or at saturated pods); for availability the minutes in which requests "
        "were dropped, while Met compares the whole run's share of requests served with the "
        "objective, so a run may drop requests for minutes and meet it")


def test_the_slo_table_says_which_minutes_are_the_start_up(crowd: dict[int, PlanAnalysis]) -> None:
    table = next(t for t in sections.scaling_behaviour(crowd[4]).tables
                 if t.css_class == "slo-checks")
    row = table.frame.iloc[0]
    # the start-up's 50 s and the crowd's 600..645 s (6 pods to 630 s, 7 from 635 s at 28.6 rps,
    # p95 ln 20 / 11.43 = 262 ms, until the 8th pod of the 630 s sync is Ready at 650 s): 100 s
    assert (row["Minutes violated"], row["Of which start-up"]) == (
        pytest.approx(100 / 60), pytest.approx(50 / 60))
    assert table.caption.startswith("SLO checks. Minutes violated: ")
    assert ("meet it. Of which start-up: the minutes violated before the run first met every "
            "SLO of its workload") in table.caption


def _replay(startup: StartUp | None, intervals: tuple[tuple[float, float], ...],
            first_violation: float | None) -> AlertReplay:
    return AlertReplay("A", "api", SimulatedCondition("p95_latency_ms", ">", 250.0), 0.0,
                       intervals, 1200.0, first_violation, 0, startup)


UP = StartUp(4, 150.0, 50.0)


@pytest.mark.parametrize(("replay", "text"), [
    (_replay(UP, ((700.0, 800.0),), 600.0),
     "SLO violated from the start (start-up: 4 replicas under 150 rps, until 50 s); first "
     "violation after the run first met the SLO: 10 min, the alert fires 1 min 40 s after"),
    (_replay(UP, ((500.0, 800.0),), 600.0),
     "SLO violated from the start (start-up: 4 replicas under 150 rps, until 50 s); first "
     "violation after the run first met the SLO: 10 min, the alert fires 1 min 40 s before"),
    (_replay(UP, ((5.0, 40.0),), 600.0),
     "SLO violated from the start (start-up: 4 replicas under 150 rps, until 50 s); first "
     "violation after the run first met the SLO: 10 min, the alert never fires after the "
     "start-up; it also fired during the start-up, at 5 s"),
    (_replay(UP, ((5.0, 40.0),), None),
     "SLO violated from the start (start-up: 4 replicas under 150 rps, until 50 s); first "
     "violation after the run first met the SLO: none; it also fired during the start-up, at "
     "5 s"),
    (_replay(StartUp(4, 150.5, None), ((5.0, 1200.0),), None),
     "SLO violated from the start and never met (start-up: 4 replicas under 150.5 rps)"),
    # a healthy start: the wording of before
    (_replay(None, ((700.0, 800.0),), 600.0), "1 min 40 s after"),
    (_replay(None, (), 600.0), "never fires; SLO first violated at 10 min"),
    (_replay(None, (), None), "no SLO violated"),
])
def test_lead_texts(replay: AlertReplay, text: str) -> None:
    assert slo_lead_text(replay) == text


def test_start_up_on_a_hand_made_timeline() -> None:
    # 60 s steps, p95: bad, bad, good, bad, good; p50 SLO bad only in step 0
    t = pd.DataFrame({"time_s": [0.0, 60.0, 120.0, 180.0, 240.0],
                      "p95_latency_ms": [300.0, 300.0, 100.0, 300.0, 100.0],
                      "p50_latency_ms": [90.0, 50.0, 50.0, 50.0, 50.0],
                      "offered_rps": [10.0] * 5, "dropped_rps": [0.0] * 5,
                      "ready_pods": [2, 2, 3, 3, 3]})
    slos = [Slo("p95", "latency", percentile=95, threshold_ms=250.0),
            Slo("p50", "latency", percentile=50, threshold_ms=80.0, workload="api")]
    assert start_up(slos, "api", t) == StartUp(2, 10.0, 120.0)
    assert first_violation_s(slos, "api", t, after_s=120.0) == 180.0
    # p95: steps 0 and 1 in the start-up (2 min); p50: step 0 (1 min)
    assert start_up_minutes(slos, "api", t, 60.0) == {"p95": 2.0, "p50": 1.0}
    # the p50 SLO is another workload's: the start-up is the p95's alone, the same span
    assert start_up_minutes(slos, "web", t, 60.0) == {"p95": 2.0}
    # never met: every step is the start-up's
    bad = t.assign(p95_latency_ms=[300.0] * 5)
    assert start_up(slos, "api", bad) == StartUp(2, 10.0, None)
    assert start_up_minutes(slos, "api", bad, 60.0) == {"p95": 5.0, "p50": 1.0}
    # a healthy first step: no start-up
    assert start_up(slos, "api", t.iloc[2:]) is None


def test_a_run_that_never_meets_its_slos_has_no_start_up_to_set_apart(tmp_path: Path) -> None:
    # audit18 A18-14: the crowd with 4 starting pods and maxReplicas 4: 150 rps over 4 pods is
    # 37.5 rps a pod, p95 ln 20 / 2.5 = 1.198 s > 250 ms from 0 s, and the HPA may not add a
    # pod: never met. Before, "Of which start-up" was every minute violated (20 of 20), "the
    # start, not the traffic", though maxReplicas, not the start, keeps the SLO broken
    path = _plan(tmp_path)
    hpa = tmp_path / "manifests" / "hpa.yaml"
    hpa.write_text(hpa.read_text().replace("maxReplicas: 8", "maxReplicas: 4"))
    a = analyze_plan(path, store_location=str(tmp_path / "none"))
    table = next(t for t in sections.scaling_behaviour(a).tables if t.css_class == "slo-checks")
    row = table.frame.iloc[0]
    assert row["Minutes violated"] == pytest.approx(20.0)
    assert math.isnan(row["Of which start-up"])
    assert table.to_html().count("<td>-</td>") == 1
    assert table.caption.endswith(
        "'-': the run broke its SLOs from its first step and never met them, so no start-up "
        "can be told apart from the traffic: every minute violated counts (see the plan "
        "warnings: maxReplicas or the node groups short of the load)")


@pytest.mark.parametrize("scenario", [CROWD, CROWD.replace("before_rps: 150", "before_rps: 0")])
def test_a_deployment_at_0_replicas_is_never_scaled(tmp_path: Path, scenario: str) -> None:
    # audit18 A18-17: Kubernetes' HPA leaves a target at 0 replicas alone while minReplicas
    # (2 here) is above 0 (ScalingDisabled), and so does the simulation: no pod all run long.
    # Before: "the run breaks its SLOs from its first step until the HPA has added pods ...
    # or start scenario 'crowd' at 0 rps or less", and nothing for a scenario starting at 0
    path = _plan(tmp_path, 0, scenario)
    assert _start_warnings(path) == [("proposed.workloads[0].deployment", (
        "workload 'api' starts with 0 replicas (the Deployment's replicas): the HPA does not "
        "scale a Deployment at 0 replicas while its minReplicas is 2 (ScalingDisabled), so no "
        "pod ever serves it: every scenario drops all of its requests; set the Deployment's "
        "replicas to at least 1 (the HPA then brings it to minReplicas), or leave replicas out"))]
    a = analyze_plan(path, store_location=str(tmp_path / "none"))
    summary = a.run("crowd").simulations["api"].summary
    # 150 rps x 600 s + 200 rps x 600 s = 210,000 (or 120,000 from 0 rps), all dropped
    assert (summary.peak_replicas, summary.served_requests) == (0, 0.0)
    assert summary.dropped_requests == pytest.approx(
        210_000.0 if "before_rps: 150" in scenario else 120_000.0)
