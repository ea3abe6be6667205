"""`infra-toolkit simulate PLAN.yaml` (infra_toolkit.plan_replay): a plan's scenario as its
report runs it.

The small plan (tests/data/plans/report/small.yaml): workload ``api`` (200m CPU request, 20m +
5m per req/s, 40 req/s a pod, HPA 2..8 at 70 % CPU, 2 pods at the start) alone on node group
``general`` (m5.large, 2..4 nodes); scenario ``steady``: 40 req/s for 1 h. The neighbour plans
are tests/test_tuning.py's (``cron``: a Deployment without an HPA; ``worker``: autoscaled).
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import shutil
from pathlib import Path

import pytest

from infra_toolkit import sections
from infra_toolkit.analysis import analyze_plan
from infra_toolkit.cli import main
from infra_toolkit.digest import plan_digest
from infra_toolkit.plan import read_plan
from tests.conftest import REPO_ROOT, SMALL_PLAN
from tests.readme_examples import DEFAULT_PLAN
from tests.test_tuning import _plan_with_autoscaled_neighbour, _plan_with_neighbour

SMALL = str(REPO_ROOT / SMALL_PLAN)


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main(["simulate", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_constant_scenario_gives_the_hand_worked_figures(
        capsys: pytest.CaptureFixture[str]) -> None:
    doc = _json(capsys, SMALL, "--workload", "api", "--scenario", "steady")
    # always a list, even for one workload in one scenario (flag mode prints one object)
    assert isinstance(doc, list) and len(doc) == 1
    data = doc[0]
    # 40 req/s on the 2 starting pods: 20 req/s each, 20 + 5 x 20 = 120m of 200m = 60 % < the
    # 70 % target (and minReplicas is 2): 2 pods all hour, 2 x 1 h = 2 pod-hours
    assert (data["pod_hours"], data["peak_replicas"], data["scale_events"]) == (2.0, 2, 0)
    # the group's min_size keeps 2 m5.large for the hour: 2 node-hours
    assert data["node_hours_by_node_group"] == {"general": 2.0}
    assert data["offered_requests"] == 40 * 3600 and data["dropped_requests"] == 0.0
    # M/M/1 at 20 of 40 req/s: p95 = ln(20) / (40 - 20) s = 149.79 ms <= the plan's 250 ms
    # (printed to 2 decimals: 149.7866... -> 149.79)
    assert data["max_p95_latency_ms"] == round(1000 * math.log(20) / 20, 2) == 149.79
    assert data["slo_violation_minutes"] == 0.0
    assert {k: data[k] for k in ("plan", "scenario", "workload", "node_groups",
                                 "shared_nodes_with")} == {
        "plan": Path(SMALL).as_posix(), "scenario": "steady", "workload": "api",
        "node_groups": ["general"], "shared_nodes_with": []}
    # the digest a reviewer approves (validate and the report print the same)
    assert data["digest"] == plan_digest(read_plan(SMALL))


def test_horizon_cuts_the_scenario_as_the_report_does(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    doc = _json(capsys, SMALL, "--scenario", "steady", "--horizon-h", "0.5")
    assert isinstance(doc, list) and len(doc) == 1
    data = doc[0]
    # the first half hour: 2 pods x 0.5 h = 1 pod-hour, 40 x 1800 requests
    assert (data["duration_s"], data["pod_hours"], data["offered_requests"]) == (
        1800.0, 1.0, 72_000.0)


def test_a_horizon_cutting_no_scenario_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    # steady is 1 h long: --horizon-h 2 cut nothing and ran it whole without a word, while
    # sweep refuses it (1000 meant as minutes, say); 1 h is steady whole, as asked
    assert main(["simulate", SMALL, "--scenario", "steady", "--horizon-h", "2"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: --horizon-h 2: longer than every chosen scenario (steady 1 h), so it cuts none; "
        "give fewer hours, or leave --horizon-h out to simulate whole scenarios")
    assert main(["simulate", SMALL, "--scenario", "steady", "--horizon-h", "1"]) == 0


def test_with_nothing_chosen_every_workload_and_scenario_is_printed(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", SMALL, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    # the plan's scenarios in plan order, its one autoscaled workload each, what was run first
    assert [(r["scenario"], r["workload"]) for r in rows] == [("steady", "api"),
                                                              ("double", "api")]
    assert list(rows[0])[:6] == ["plan", "digest", "scenario", "workload", "node_groups",
                                 "shared_nodes_with"]
    assert rows[0]["pod_hours"] == "2.0" and rows[0]["shared_nodes_with"] == ""
    data = _json(capsys, SMALL)
    assert isinstance(data, list) and [d["scenario"] for d in data] == ["steady", "double"]


def test_a_workload_sharing_nodes_names_them_and_has_the_reports_figures(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _plan_with_autoscaled_neighbour(tmp_path)
    data = _json(capsys, str(path), "--scenario", "ramp")
    assert isinstance(data, list)
    assert [(d["workload"], d["shared_nodes_with"]) for d in data] == [
        ("api", ["worker"]), ("worker", ["api"])]
    report = analyze_plan(path, scenarios=["ramp"], store_location=str(tmp_path / "none"))
    for d in data:  # the report's own run of both on one cluster
        s = report.run("ramp").simulations[d["workload"]].summary
        # printed to 3 decimals (output_numbers), the report's figures unrounded
        assert (d["pod_hours"], d["peak_replicas"], d["slo_violation_minutes"],
                d["node_hours_by_node_group"]) == (
            round(s.pod_hours, 3), s.peak_replicas, round(s.slo_violation_minutes, 3),
            {g: round(h, 3) for g, h in s.node_hours_by_node_group.items()})
    assert main(["simulate", str(path), "--workload", "api", "--scenario", "ramp"]) == 0
    lines = dict(ln.split(maxsplit=1) for ln in capsys.readouterr().out.splitlines())
    assert (lines["workload"], lines["shared_nodes_with"]) == ("api", "worker")


def test_a_deployment_without_hpa_is_named_as_a_neighbour(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = _json(capsys, str(_plan_with_neighbour(tmp_path)), "--scenario", "steady")
    assert isinstance(doc, list) and len(doc) == 1
    data = doc[0]
    assert data["shared_nodes_with"] == ["cron"]
    # api's 2 pods and cron's 2 (200m each) fit one m5.large; min_size keeps 2 for the hour
    assert data["node_hours_by_node_group"] == {"general": 2.0}


@pytest.mark.parametrize("scenario", ["flash-crowd", "load-test-1000-users"])
def test_backend_matches_the_reports_scaling_and_slo_tables(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], scenario: str) -> None:
    plan = str(REPO_ROOT / DEFAULT_PLAN)
    doc = _json(capsys, plan, "--workload", "backend", "--scenario", scenario)
    assert isinstance(doc, list) and len(doc) == 1
    data = doc[0]
    report = analyze_plan(plan, scenarios=[scenario], store_location=str(tmp_path / "none"))
    scaling, slo_checks = sections.scaling_behaviour(report).tables[:2]
    row = scaling.frame.set_index("Workload").loc["backend"]
    assert data["peak_replicas"] == row["Peak replicas"]
    assert data["dropped_requests"] / data["offered_requests"] * 100 == pytest.approx(
        row["Dropped requests (%)"])
    slo = slo_checks.frame.set_index("SLO").loc["checkout p95 latency"]  # backend's p95 SLO
    assert data["slo_violation_minutes"] == slo["Minutes violated"]
    # the report's timeline: pods (every phase) per 5 s tick, summed into hours
    timeline = report.run(scenario).simulations["backend"].timeline
    tick_s = float(timeline["time_s"].iloc[1] - timeline["time_s"].iloc[0])
    # printed to 3 decimals (output_numbers)
    assert data["pod_hours"] == round(timeline["pods"].sum() * tick_s / 3600, 3)
    assert data["shared_nodes_with"] == [] and data["scenario"] == scenario


@pytest.mark.parametrize(("argv", "match"), [
    (["--workload", "apj"], r"^error: --workload 'apj': no workload of that name in "
                            r"proposed.workloads of \S+small.yaml; did you mean 'api'\?; "
                            r"workloads with an HPA: api$"),
    (["--workload", "zzz"], r"'zzz': no workload of that name in proposed.workloads of \S+; "
                            r"workloads with an HPA: api$"),
    (["--workload", "api", "--workload", "api"],
     r"^error: --workload 'api' is given twice; pass each workload once \(workloads with an "
     r"HPA: api\)$"),
    (["--scenario", "stedy"], r"^error: --scenario 'stedy': no scenario of that name in "
                              r"\S+small.yaml; did you mean 'steady'\?; the plan's scenarios: "
                              r"steady, double; give one of those, or leave --scenario out for "
                              r"the default$"),
    (["--traffic", "t.csv", "--hpa", "h.yaml"],
     r"runs the plan as its report does: .* so --traffic, --hpa would contradict it; drop"),
    # refused even at its default value: the plan's node group decides, not the flag
    (["--min-nodes", "1", "--karpenter"], r"so --min-nodes, --karpenter would contradict it"),
    (["--metric-resolution-s", "15"], r"so --metric-resolution-s would contradict it"),
])
def test_plan_mode_errors_name_the_field_and_the_choices(
        capsys: pytest.CaptureFixture[str], argv: list[str], match: str) -> None:
    assert main(["simulate", SMALL, *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert re.search(match, captured.err.strip()), captured.err


def test_a_workload_without_hpa_is_refused_as_not_simulated(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", str(_plan_with_neighbour(tmp_path)), "--workload", "cron"]) == 2
    err = capsys.readouterr().err
    assert "--workload 'cron': proposed.workloads 'cron' of " in err
    assert "has no HPA, so it is not simulated: its 2 pod(s) only hold room" in err
    assert err.rstrip().endswith("workloads with an HPA: api")


@pytest.mark.parametrize(("argv", "match"), [
    (["--workload", "api", "--horizon-h", "1"],
     "--workload, --horizon-h without a plan: --workload, --scenario and --horizon-h choose "
     "what to run of one; give it first (simulate PLAN.yaml --workload ...)"),
    (["--traffic", "t.csv"], "simulate needs a plan (simulate PLAN.yaml) or, without one, "
     "--traffic, --hpa, --capacity-rps-per-pod, --cpu-millicores-per-rps; missing: --hpa, "
     "--capacity-rps-per-pod, --cpu-millicores-per-rps"),
])
def test_flag_mode_says_what_it_lacks(capsys: pytest.CaptureFixture[str], argv: list[str],
                                      match: str) -> None:
    assert main(["simulate", *argv]) == 2
    assert capsys.readouterr().err.strip().startswith(f"error: {match}")


def test_pods_no_node_group_could_take_are_warned_about_once_per_scenario(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _plan_with_autoscaled_neighbour(tmp_path)
    path.write_text(path.read_text().replace(
        "scaling_config: {desired_size: 2, min_size: 2, max_size: 4}",
        "scaling_config: {desired_size: 1, min_size: 1, max_size: 1}"))
    assert main(["simulate", str(path), "--scenario", "ramp", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    # one m5.large holds floor(1,805m allocatable / 200m) = 9 pods; at 60 req/s worker wants
    # ceil(4 x (20 + 20 x 15) / 140) = 10 pods and api 3 (20 + 5 x 30 = 170m, 85 % > 70 %):
    # more than 9, so some wait for a node the group (max_size 1) cannot add
    assert isinstance(data, list)
    assert sum(d["peak_replicas"] for d in data) > 9
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: scenario 'ramp': from ")
    assert "pods stayed Pending on the node groups of api, worker, and the load" in lines[0]
    assert main(["simulate", SMALL, "--scenario", "steady"]) == 0  # none short of a node
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("command", [["simulate", SMALL], ["sweep", SMALL, "--workload", "api"]])
@pytest.mark.parametrize("hours", ["0", "-1", "nan", "inf", "two"])
def test_horizon_h_is_refused_by_its_flag(capsys: pytest.CaptureFixture[str],
                                          command: list[str], hours: str) -> None:
    # audit18 A18-1: before, "horizon_h = 0.0: give a number of hours > 0, or None to simulate
    # whole scenarios" (the notebook parameter's words: no such name or None on the CLI)
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--horizon-h", hours])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip().endswith(
        f"error: argument --horizon-h: {hours!r} is not a number of hours > 0; leave "
        "--horizon-h out to simulate whole scenarios")


@pytest.mark.parametrize(("slos", "minutes"), [
    # the plan's p99 SLO, 200 ms: steady's 2 pods get 20 of their 40 req/s, M/M/1 sojourn time
    # exponential at 40 - 20 = 20 /s, p99 = ln(100) / 20 s = 230.26 ms > 200 ms every step of
    # the hour: 60 minutes (the simulator's own figure held a p95 of 500 ms the plan does not
    # state, p95 149.79 ms: 0 minutes)
    ("  - {name: p99, metric: latency, percentile: 99, threshold_ms: 200}\n", 60.0),
    # only an availability SLO, no request dropped: no minute violates it (the default 500 ms
    # p95 is no SLO of the plan)
    ("  - {name: availability, metric: availability, objective_pct: 99}\n", 0.0),
])
def test_slo_minutes_count_the_plans_own_slos(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], slos: str, minutes: float) -> None:
    shutil.copytree(REPO_ROOT / "tests/data/plans/manifests", tmp_path / "manifests")
    text = (REPO_ROOT / SMALL_PLAN).read_text().replace("../manifests/", "manifests/")
    old = ("  - {name: p95 latency, metric: latency, percentile: 95, threshold_ms: 250}\n"
           "  - {name: availability, metric: availability, objective_pct: 99.9}\n")
    assert old in text
    plan = tmp_path / "plan.yaml"
    plan.write_text(text.replace(old, slos))
    doc = _json(capsys, str(plan), "--scenario", "steady")
    assert isinstance(doc, list)
    assert [(d["workload"], d["max_p95_latency_ms"], d["slo_violation_minutes"])
            for d in doc] == [("api", 149.79, minutes)]
