"""author22: a change to an EXISTING EKS cluster (tests/data/author22/orders-graviton.yaml):
today orders-api runs a Deployment + HPA on an m5.large managed node group (current side, with
its workload), the proposal moves it to m7g.large (Graviton) with a retuned HPA and smaller
requests. Traffic: NASA-HTTP 18 July 1995 (real, cut in orders/traces/*.md) and a synthetic
flash crowd.

The defect the plan showed: the current side's workloads were read and never simulated, so the
report set today's declared ``desired_size`` (3 m5 nodes all month) against the proposal's
simulated node-hours, and its Scaling Behaviour showed the proposal alone. Prices by hand from
pricing_data/ (us-east-1): m5.large $0.096 and m7g.large $0.0816 an hour
(ec2_on_demand_2026-07-20.csv), EKS $0.10 a cluster-hour and EBS gp2 $0.10 a GB-month
(other_services_2026-05-03.csv); 730 hours a month.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from infra_toolkit import sections
from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from infra_toolkit.errors import PlanError
from infra_toolkit.plan import read_plan

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "tests" / "data" / "author22" / "orders-graviton.yaml"
TODAY = ROOT / "tests" / "data" / "author22" / "orders" / "today-resources.yaml"
D = Decimal


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> PlanAnalysis:
    store = tmp_path_factory.mktemp("store") / "approvals.sqlite"
    return analyze_plan(PLAN, store_location=str(store))


def _line(a: PlanAnalysis, resource: str, component: str, column: str) -> Decimal:
    c = a.comparison
    row = c[(c["resource"] == resource) & (c["component"].str.startswith(component))]
    assert len(row) == 1, (resource, component)
    return D(str(row.iloc[0][column]))


def test_today_is_simulated_on_the_same_scenarios(analysis: PlanAnalysis) -> None:
    # both sides ran both scenarios, today on its own m5 group
    assert [r.name for r in analysis.runs] == ["ordinary-day", "flash-crowd"]
    assert [r.name for r in analysis.current_runs] == ["ordinary-day", "flash-crowd"]
    for run in analysis.current_runs:
        assert list(run.simulations) == ["orders-api"]
        assert [g.name for g in run.simulations["orders-api"].spec.node_groups] == ["m5"]
        assert run.simulations["orders-api"].spec.name == "current/orders-api"


def test_today_priced_from_its_simulated_node_hours_by_the_proposal_rule(
        analysis: PlanAnalysis) -> None:
    today = next(r for r in analysis.current_runs if r.name == "ordinary-day")
    m5_h = today.cluster.node_hours_by_node_group["m5"]  # the simulator's, over 24 h
    # the group's floor is min_size 2 all day, its peak 4 nodes: 48 <= node-hours <= 96
    assert 48.0 <= m5_h <= 96.0
    # the proposal's rule: node-hours x 730 / 24 a month at the hourly rate; storage the mean
    # nodes (node-hours / 24) x 20 GB x $0.10
    instance = _line(analysis, "aws_eks_node_group.m5", "Instance usage", "current_monthly_usd")
    storage = _line(analysis, "aws_eks_node_group.m5", "Storage", "current_monthly_usd")
    assert float(instance) == pytest.approx(m5_h * 730 / 24 * 0.096, rel=1e-12)
    assert float(storage) == pytest.approx(m5_h / 24 * 20 * 0.10, rel=1e-12)
    # not the declared 3 nodes all month: 3 x 730 x 0.096 = 210.24
    assert instance != D("210.24")
    # the proposal the same way: graviton holds its min_size 2 all day (a node takes 4 pods of
    # 400m: 2000m - 70m kubelet reserve - 125m DaemonSets = 1805m; the day's peak is 8 pods),
    # 2 x 24 = 48 node-hours -> 48 x 730 / 24 = 1,460 h x 0.0816 = 119.136
    proposed = next(r for r in analysis.runs if r.name == "ordinary-day")
    assert proposed.cluster.node_hours_by_node_group["graviton"] == 48.0
    assert _line(analysis, "aws_eks_node_group.graviton", "Instance usage",
                 "proposed_monthly_usd") == D("119.136")
    # the delta per component: EKS 73.00 on both sides (730 x 0.10), 0
    assert _line(analysis, "aws_eks_cluster.orders", "EKS", "delta_monthly_usd") == 0


def test_declared_figures_stay_declared(analysis: PlanAnalysis) -> None:
    # Current State and the review's basis keep today's resources as declared:
    # EKS 730 x 0.10 = 73.00; m5 3 x 730 x 0.096 = 210.24; gp2 3 x 20 x 0.10 = 6.00 -> 289.24
    assert analysis.current_declared_estimate.total_monthly_usd == D("289.24")
    html = sections.current_state(analysis)._repr_html_()
    assert "Monthly cost as declared: $289.24" in html
    # the review's delta: proposed 73 + 2 x 730 x 0.0816 (119.136) + 2 x 20 x 0.10 (4.00)
    # = 196.136 -> $196.14, minus 289.24 = -93.10
    assert analysis.review.subject.monthly_cost_delta_usd == D("-93.10")


def test_scaling_shows_today_beside_the_proposal(analysis: PlanAnalysis) -> None:
    table = next(t for t in sections.scaling_behaviour(analysis).tables
                 if t.css_class == "today-vs-proposed")
    f = table.frame
    assert list(zip(f["Scenario"], f["Side"], f["Node groups"], strict=True)) == [
        ("ordinary-day", "today", "m5"), ("ordinary-day", "proposed", "graviton"),
        ("flash-crowd", "today", "m5"), ("flash-crowd", "proposed", "graviton")]
    proposed = f[(f["Scenario"] == "ordinary-day") & (f["Side"] == "proposed")].iloc[0]
    assert proposed["Node-hours (billed)"] == 48.0  # 2 nodes x 24 h, as above
    assert proposed["Peak Ready nodes"] == 2
    # each row's figures are its own run's
    for side, runs in (("today", analysis.current_runs), ("proposed", analysis.runs)):
        for run in runs:
            row = f[(f["Scenario"] == run.name) & (f["Side"] == side)].iloc[0]
            s = run.simulations["orders-api"].summary
            assert row["Peak replicas"] == s.peak_replicas
            for slo, minutes in zip(run.slos["orders-api"]["slo"],
                                    run.slos["orders-api"]["violation_minutes"], strict=True):
                assert row[f"Minutes violated: {slo}"] == pytest.approx(minutes)


def test_cost_summary_says_both_sides_are_simulated(analysis: PlanAnalysis) -> None:
    section = sections.cost_summary(analysis)
    html = section._repr_html_()
    assert "both sides simulated on it" in html
    today = next(r for r in analysis.current_runs if r.name == "ordinary-day")
    hours = today.cluster.node_hours_by_node_group["m5"]
    assert (f"today&#x27;s m5: declared 3 m5.large nodes all month (desired_size); simulated "
            f"ordinary-day {hours / 24:.1f} on average ({hours:.2f} node-hours in 1 d"
            ) in html


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "INFRA_TOOLKIT_DB": str(db)}
    return subprocess.run([sys.executable, "-m", "infra_toolkit.cli", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=False)


def test_cost_compare_declared_lines_by_hand(tmp_path: Path) -> None:
    out = _cli("cost", str(PLAN), "--compare", str(TODAY), "--format", "csv",
               db=tmp_path / "db.sqlite")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "resource,component,unit,current_monthly_usd,proposed_monthly_usd,delta_monthly_usd,"
        "status",
        # 730 x 0.10 both sides
        "aws_eks_cluster.orders,EKS cluster,hours,73.00,73.00,0.00,priced",
        # 3 x 730 x 0.096 = 210.24
        'aws_eks_node_group.m5,"Instance usage (Linux/UNIX, on-demand, m5.large)",hours,'
        "210.24,0.00,-210.24,priced",
        # 3 x 20 GB x 0.10 = 6.00
        'aws_eks_node_group.m5,"Storage (general purpose SSD, gp2)",GB,6.00,0.00,-6.00,priced',
        # 2 x 730 x 0.0816 = 119.136 -> 119.14
        'aws_eks_node_group.graviton,"Instance usage (Linux/UNIX, on-demand, m7g.large)",hours,'
        "0.00,119.14,119.14,priced",
        # 2 x 20 GB x 0.10 = 4.00
        'aws_eks_node_group.graviton,"Storage (general purpose SSD, gp2)",GB,0.00,4.00,4.00,'
        "priced",
        # 289.24 and 196.136 -> 196.14; -93.104 -> -93.10
        "TOTAL,,,289.24,196.14,-93.10,priced"]


def test_submit_approve_gate(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    assert _cli("gate", str(PLAN), db=db).returncode == 1
    assert _cli("submit", str(PLAN), db=db).returncode == 0
    approved = _cli("approve", str(PLAN), "--reviewer", "dana", "--answer",
                    "1=yes, at the expected scenario's figure", db=db)
    assert approved.returncode == 0, approved.stderr
    assert _cli("gate", str(PLAN), db=db).returncode == 0


def test_overview_says_today_is_the_expected_scenario(analysis: PlanAnalysis) -> None:
    html = sections.overview(analysis)._repr_html_()
    # today's figure is the simulated one: its label names the scenario as the proposal's does
    assert "<th>Monthly cost today (expected scenario &#x27;ordinary-day&#x27;)</th>" in html
    total = analysis.current_estimate.total_monthly_usd
    assert total != D("289.24")  # not the declared figure


def test_migration_overlap_is_said_with_a_day_of_the_old_group(
        analysis: PlanAnalysis) -> None:
    html = sections.cost_summary(analysis)._repr_html_()
    # m5 as declared, one day: 3 nodes x 24 h x $0.096 = $6.912, storage 3 x 20 GB x $0.10 x
    # 24 / 730 = $0.1973; together $7.1093 -> $7.11
    assert ("Node groups of today the proposal removes: m5 $7.11 a day as declared (each "
            "group&#x27;s declared nodes and their disks for 24 h). While one is cordoned and "
            "drained beside its replacement both are billed") in html


def test_validate_checks_todays_workloads_as_the_report_runs_them(tmp_path: Path) -> None:
    # today's Deployment starting at 12 pods on an m5 group of max_size 2 passed validate and
    # then failed the report (SimulationError: initial_replicas (=12) pods do not fit)
    shutil.copytree(PLAN.parent, tmp_path, dirs_exist_ok=True)
    deployment = tmp_path / "orders" / "current" / "orders-api.yaml"
    deployment.write_text(deployment.read_text().replace("replicas: 4", "replicas: 12", 1))
    plan = tmp_path / PLAN.name
    plan.write_text(plan.read_text().replace(
        "scaling_config: {desired_size: 3, min_size: 2, max_size: 10}",
        "scaling_config: {desired_size: 2, min_size: 2, max_size: 2}", 1))
    # an m5.large node takes 3 pods of 500m: 2000m - 70m kubelet reserve (6 % of the first
    # core, 1 % of the second) - 125m EKS DaemonSets = 1805m; 2 nodes x 3 = 6 < 12
    with pytest.raises(PlanError, match=re.escape(
            "current.workloads[0]: workload 'orders-api' starts with 12 pod(s) but its node "
            "groups hold at most 6 at max_size (m5: 6)")):
        read_plan(plan)


def test_the_rollback_trigger_says_it_fires_on_todays_cluster(analysis: PlanAnalysis) -> None:
    # left24: the Rollback Plan quoted only the proposal's replay ("never"), yet today's
    # cluster meets the trigger's condition on the flash crowd: rolling back would not clear
    # it. Today's orders-api p95 is above 300 ms from the tick [3615, 3620) on, held through
    # 4220 s; the alert (for: 10m) sees it at 3620 and fires 600 s later: 4220 s = 1 h 10 min
    # 20 s. The proposal never fires it on either scenario.
    from infra_toolkit.plan_sections import rollback_plan

    today = next(r for r in analysis.current_runs if r.name == "flash-crowd")
    t = today.simulations["orders-api"].timeline
    over = t[t.p95_latency_ms > 300].time_s
    assert over.min() == 3615.0
    assert bool((t[(t.time_s >= 3615) & (t.time_s < 4220)].p95_latency_ms > 300).all())
    table = rollback_plan(analysis).tables[0]
    (row,) = table.frame.to_dict("records")
    assert (row["Fires in the simulation"], row["Fires on today's cluster"]) == (
        "never (2 scenarios)", "'flash-crowd' at 1 h 10 min 20 s")
    assert "rolling back would not clear it" in table.caption
