"""analyze_plan on a plan small enough to check by hand (tests/data/plans/report/small.yaml).

Prices used (us-east-1 rows of the shipped tables, as AWS publishes them): m5.large $0.096/h,
t3.medium $0.0416/h, EKS cluster $0.10/h, ALB $0.0225/h and $0.008/LCU-hour (1 LCU = 1 GB
processed per hour, 25 new connections/s, 3,000 active connections), gp2 $0.10 and gp3 $0.08 per
GB-month, Internet egress $0.09/GB (first 10 TB). A month is 730 h.
"""

from __future__ import annotations

import math
import re
import shutil
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
import yaml

from infra_toolkit import charts, sections
from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from infra_toolkit.approval_store import open_store
from infra_toolkit.approval_writes import submit
from infra_toolkit.digest import plan_digest
from infra_toolkit.errors import PlanError, SimulationError
from infra_toolkit.notebook_parameters import cut_to_horizon
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.review_subject import read_review_subject
from infra_toolkit.traffic import constant_curve
from tests.approval_helpers import T0
from tests.conftest import REPO_ROOT as REPO
from tests.conftest import SMALL_PLAN as SMALL
from tests.conftest import shipped_tables_sha256


@pytest.fixture
def small(small_analysis: PlanAnalysis) -> PlanAnalysis:
    return small_analysis


def usd(frame: object, resource: str, component_start: str, column: str) -> float:
    rows = frame[(frame["resource"] == resource)  # type: ignore[index]
                 & frame["component"].str.startswith(component_start)]  # type: ignore[index]
    assert len(rows) == 1, rows
    return float(rows.iloc[0][column])


def test_current_and_expected_proposed_cost_by_hand(small: PlanAnalysis) -> None:
    c = small.comparison
    # current: t3.medium 730 h x 0.0416 = 30.368; 8 GB gp3 x 0.08 = 0.64
    assert usd(c, "aws_instance.api", "Instance usage", "current_monthly_usd") == 30.368
    assert usd(c, "aws_instance.api", "root_block_device", "current_monthly_usd") == 0.64
    # steady (40 req/s, 1 h): 2 pods on the 2 minimum nodes -> 2 node-hours x 730 = 1460 h
    # x 0.096 = 140.16; their 20 GB gp2 disks: 2 node-months x 20 GB x 0.10 = 4.00
    assert usd(c, "aws_eks_node_group.general", "Instance usage", "proposed_monthly_usd") == 140.16
    assert usd(c, "aws_eks_node_group.general", "Storage", "proposed_monthly_usd") == 4.0
    assert usd(c, "aws_eks_cluster.main", "EKS cluster", "proposed_monthly_usd") == 73.0
    assert usd(c, "aws_lb.api", "Application load balancer", "proposed_monthly_usd") == 16.425
    # at the reference rate the LB processes its declared 2 GB/h: 2 LCU x 730 h x 0.008
    assert usd(c, "aws_lb.api", "Load balancer capacity", "proposed_monthly_usd") == \
        pytest.approx(11.68)
    # and sends its declared 730 GB a month to the Internet: 730 x 0.09
    assert usd(c, "aws_data_transfer.internet", "Outbound", "proposed_monthly_usd") == \
        pytest.approx(65.70)
    total = c[c["resource"] == "TOTAL"].iloc[0]
    # 73 + 140.16 + 4 + 16.425 + 11.68 + 65.70 = 310.965; the delta as printed: $310.97 minus
    # today's 31.008 -> $31.01 = 279.96 (the exact 279.957 would print 279.96 too)
    assert float(total["proposed_monthly_usd"]) == pytest.approx(310.965)
    assert total["delta_monthly_usd"] == Decimal("279.96")
    assert small.monthly_delta_usd == Decimal("279.96")


def test_range_across_scenarios_and_ceiling(small: PlanAnalysis) -> None:
    rng = small.cost_range
    assert rng is not None
    total = rng[rng["resource"] == "TOTAL"].iloc[0]
    # double (80 req/s): LCU 4 x 730 x 0.008 = 23.36 and egress 1460 GB x 0.09 = 131.40; the HPA
    # goes to 4 pods, which still fit on the 2 nodes (9 pods of 200m per m5.large):
    # 73 + 140.16 + 4 + 16.425 + 23.36 + 131.40 = 388.345
    assert float(total["low_monthly_usd"]) == pytest.approx(310.965)
    assert float(total["expected_monthly_usd"]) == pytest.approx(310.965)
    assert float(total["high_monthly_usd"]) == pytest.approx(388.345)
    # ceiling: 4 nodes x 730 h x 0.096 = 280.32 and 4 x 20 GB x 0.10 = 8.00, the LB and egress
    # of the busiest scenario, double, every request served (23.36 + 131.40 above):
    # 280.32 + 8 + 73 + 16.425 + 23.36 + 131.40 = 532.505 (audit4 A4-W2: it was steady's
    # 11.68 + 65.70, below the High column)
    assert float(small.ceiling_estimate.total_monthly_usd) == pytest.approx(532.505)
    assert float(total["high_monthly_usd"]) <= 532.505
    # declared usage describes the expected scenario, so pricing it as written agrees
    assert float(small.declared_estimate.total_monthly_usd) == pytest.approx(310.965)


def test_the_ceiling_does_not_depend_on_the_selection(tmp_path: Path) -> None:
    # only steady (40 req/s) selected: the ceiling still takes double's 80 req/s from the plan
    a = analyze_plan(REPO / SMALL, scenarios=["steady"], store_location=str(tmp_path / "none"))
    assert float(a.ceiling_estimate.total_monthly_usd) == pytest.approx(532.505)


def test_simulated_facts_by_hand(small: PlanAnalysis) -> None:
    steady = small.run("steady").simulations["api"].summary
    assert steady.pod_hours == 2.0 and steady.peak_replicas == 2  # 60 % CPU < 70 % target
    # one pod: M/M/1 at 20 of 40 req/s; response time ~ Exp(40 - 20 per s), p95 = ln(20) / 20 s
    assert steady.max_p95_latency_ms == pytest.approx(1000 * math.log(20) / 20)
    slos = small.run("steady").slos["api"]
    assert list(slos["met"]) == [True, True]
    # 80 req/s: CPU 20 + 5 x 40 = 220m of 200m (110 %) -> ceil(2 x 110 / 70) = 4 replicas
    assert small.run("double").simulations["api"].summary.peak_replicas == 4
    with pytest.raises(KeyError, match=r"scenario 'peak' was not run; runs: steady, double"):
        small.run("peak")


def test_identity_digest_tables_version(small: PlanAnalysis) -> None:
    plan = read_plan(REPO / SMALL)
    assert small.digest == plan_digest(plan)
    assert [(t.name, t.sha256) for t in small.pricing_tables] == shipped_tables_sha256()
    assert small.toolkit_version == version("infra_toolkit")
    assert small.expected_scenario == "steady"
    assert small.notes == ("per-request load balancer and egress usage: the declared usage at "
                           "the mean rate of the plan's reference scenario 'steady' (40.0 rps; "
                           "its first scenario that is not a load test), whichever scenarios "
                           "this report selects",)


def test_review_status_missing_store_is_not_submitted(small: PlanAnalysis) -> None:
    r = small.review
    assert r.status == "NOT SUBMITTED"
    assert r.text.startswith(f"{SMALL} (digest {small.digest[:12]}…) was never submitted")
    # the store was named (db): the command records into it, not into the default one
    assert r.approve_command == ("infra-toolkit approve tests/data/plans/report/small.yaml "
                                 f"--digest {small.digest} --reviewer YOUR_NAME "
                                 "--answer '1=YOUR ANSWER' "
                                 f"--answer '2=YOUR ANSWER' --db {r.store}")


def test_review_status_is_the_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    db = str(tmp_path / "approvals.sqlite")
    subject = read_review_subject(SMALL)
    with open_store(db, create=True) as store:
        submit(store, subject, requester="ci", at=T0)
    a = analyze_plan(SMALL, scenarios=["steady"], horizon_h=0.25, store_location=db)
    assert a.review.status == "AWAITING APPROVAL"
    # small.yaml's policy asks 1 approver and lists 2 questions
    assert a.review.text == (f"{SMALL}: review-001 AWAITING APPROVAL: 0 of 1 approver(s) so far; "
                             "1 more needed")
    assert a.review.approve_command == (f"infra-toolkit approve {SMALL} --digest "
                                        f"{subject.digest} --reviewer YOUR_NAME "
                                        "--answer '1=YOUR ANSWER' --answer '2=YOUR ANSWER' "
                                        f"--db {db}")
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"not a database, just bytes" * 100)
    b = analyze_plan(SMALL, scenarios=["steady"], horizon_h=0.25, store_location=str(damaged))
    assert b.review.status == "STATUS UNAVAILABLE"
    assert b.review.text.startswith(f"status unavailable: approval store {damaged}")


@pytest.mark.parametrize(("names", "message"), [
    (["peak"], r"unknown scenario\(s\) \['peak'\] for .*small\.yaml; the plan's scenarios: "
               r"steady, double: give names from that list"),
    (["steady", "steady"], r"scenarios \['steady', 'steady'\] repeat"),
])
def test_scenario_selection_errors(names: list[str], message: str) -> None:
    with pytest.raises(PlanError, match=message):
        analyze_plan(REPO / SMALL, scenarios=names)


def test_selection_order_expected_and_horizon(tmp_path: Path) -> None:
    a = analyze_plan(REPO / SMALL, scenarios=["double", "steady"], expected_scenario="steady",
                     horizon_h=0.5, store_location=str(tmp_path / "none"))
    assert [r.name for r in a.runs] == ["double", "steady"]
    assert a.run("steady").simulations["api"].summary.duration_s == 1800.0
    # a constant rate costs the same per month whatever the window
    assert float(a.proposed_estimate.total_monthly_usd) == pytest.approx(310.965)
    with pytest.raises(PlanError, match=r"expected_scenario 'steady' is not among the selected"):
        analyze_plan(REPO / SMALL, scenarios=["double"], expected_scenario="steady")


@pytest.mark.parametrize(("horizon_h", "message"), [
    (0, r"horizon_h = 0: give a number of hours > 0"),
    (float("inf"), r"horizon_h = inf: give a number of hours > 0"),
    # A26-2: one step of 15 s is 15 / 3600 = 0.0041666... h, rounded up to 0.0042
    (0.001, r"horizon_h = 0\.001 h is shorter than one step \(15 s\) of scenario 'c': give "
            r"at least 0\.0042 hours, or None"),
])
def test_bad_horizon(horizon_h: float, message: str) -> None:
    with pytest.raises(SimulationError, match=message):
        cut_to_horizon(constant_curve(1.0, 3600, 15.0, name="c"), horizon_h)


def test_the_least_horizon_the_error_suggests_runs_one_step() -> None:
    # 0.0042 h = 15.12 s: one whole step of 15 s
    assert cut_to_horizon(constant_curve(1.0, 3600, 15.0, name="c"), 0.0042).duration_s == 15


def test_horizon_longer_than_the_scenario_keeps_it_whole() -> None:
    curve = constant_curve(1.0, 3600, 15.0, name="c")
    assert cut_to_horizon(curve, 5.0) is not None
    assert cut_to_horizon(curve, 5.0).duration_s == 3600
    assert cut_to_horizon(curve, None) is curve


def test_region_reprices_every_resource(tmp_path: Path) -> None:
    a = analyze_plan(REPO / SMALL, scenarios=["steady"], region="us-gov-west-1",
                     store_location=str(tmp_path / "none"))
    line = next(ln for ln in a.current_estimate.lines if ln.component.startswith("Instance"))
    assert line.region == "us-gov-west-1"
    assert line.unit_price_usd == Decimal("0.0488")  # the published us-gov-west-1 t3.medium
    assert "priced in us-gov-west-1, not the plan's regions" in a.notes[-1]


def test_plan_without_workloads_is_priced_as_declared(tmp_path: Path) -> None:
    data = yaml.safe_load((REPO / SMALL).read_text())
    del data["proposed"]["workloads"], data["scenarios"], data["slos"]
    data["testing"][0].pop("scenario")
    plan = tmp_path / "static.yaml"
    plan.write_text(yaml.safe_dump(data))
    a = analyze_plan(plan, store_location=str(tmp_path / "none"))
    assert a.runs == () and a.cost_range is None and a.expected_scenario is None
    assert a.proposed_estimate is a.declared_estimate
    # declared: 2 nodes x 730 h x 0.096 = 140.16 among the rest, as in the steady scenario
    assert float(a.proposed_estimate.total_monthly_usd) == pytest.approx(310.965)
    assert sections.scaling_behaviour(a).parts == (
        "<p>Nothing was simulated: the plan has no workload with an HPA or no scenario.</p>",)
    assert charts.scaling_figures(a) == []
    # the other sections render from the declared figures alone
    overview = sections.overview(a)._repr_html_()
    assert overview.startswith('<section class="report-section"><h2 id="overview">Overview</h2>')
    # 310.965 - 31.008, without today's CPU credits, whose usage is not given (audit27 A27-6)
    assert ("<th>Monthly change (as declared)</th><td>+$279.96 (not counting 1 line(s) today "
            "and 0 proposed whose usage the plan does not give, named beside the totals)</td>"
            ) in overview
    # reader: the review's basis says it too (it read a bare +$279.96)
    assert "<th>Monthly change as declared, priced in us-east-1 (the review&#x27;s cost " \
        "basis)</th><td>+$279.96 (not counting 1 line(s) today and 0 proposed whose usage the " \
        "plan does not give, named beside the totals)</td>" in \
        sections.cost_summary(a)._repr_html_()
    tests = sections.testing_plan(a).tables[0].frame
    assert list(tests["Simulated outcome"]) == ["-", "-"]  # nothing was simulated


def _lines(a: PlanAnalysis, scenario: str) -> list[tuple[str, str, object, object]]:
    return [(ln.address, ln.component, ln.monthly_quantity, ln.monthly_cost_usd)
            for ln in a.run(scenario).estimate.lines]


def test_a_scenarios_cost_does_not_depend_on_the_report_selection(tmp_path: Path) -> None:
    none = str(tmp_path / "none")
    both = analyze_plan(REPO / SMALL, store_location=none)
    alone = analyze_plan(REPO / SMALL, scenarios=["double"], store_location=none)
    assert alone.expected_scenario == "double"  # the only one selected...
    # ...but the declared usage still describes the plan's first scenario, steady (40 req/s):
    # double's LB processes 2 x 2 GB/h -> 4 LCU x 730 x 0.008 = 23.36 and sends 2 x 730 GB x
    # 0.09 = 131.40; with 73 + 140.16 + 4 + 16.425 the month is 388.345 either way.
    assert _lines(alone, "double") == _lines(both, "double")
    assert float(alone.run("double").estimate.total_monthly_usd) == pytest.approx(388.345)
    assert "reference scenario 'steady' (40.0 rps" in alone.notes[0]


def _small_with(tmp_path: Path, *scenarios: dict[str, object]) -> Path:
    """small.yaml (and its manifests) copied to ``tmp_path`` with more scenarios."""
    from tests.notebook_fixtures import fixture_plan

    plan = fixture_plan(tmp_path, "small")
    data = yaml.safe_load(plan.read_text())
    data["scenarios"] += list(scenarios)
    plan.write_text(yaml.safe_dump(data, sort_keys=False))
    return plan


# 600 users x 1 request / (4 s think + 1 s response) = 120 req/s, 12 minutes in all
BURST = {"name": "burst", "description": "the staging load test",
         "load_test": {"users": 600, "think_time": "4s", "response_time": "1s",
                       "requests_per_iteration": 1, "ramp_up": "1m", "hold": "10m",
                       "ramp_down": "1m"}}


def test_load_tests_run_but_stay_out_of_the_monthly_range(tmp_path: Path) -> None:
    plan = _small_with(tmp_path, BURST)
    none = str(tmp_path / "none")
    a = analyze_plan(plan, store_location=none)
    assert [r.name for r in a.runs] == ["steady", "double", "burst"]
    assert list(a.run("burst").slos["api"]["slo"]) == ["p95 latency", "availability"]
    rng = a.cost_range
    assert rng is not None
    assert [c for c in rng.columns if c.endswith("_monthly_usd") and "burst" in c] == []
    total = rng[rng["resource"] == "TOTAL"].iloc[0]
    # steady and double as in test_range_across_scenarios_and_ceiling: 120 req/s for 12 min
    # projected to 730 h would be the high end; it is not a month of traffic
    assert float(total["low_monthly_usd"]) == pytest.approx(310.965)
    assert float(total["high_monthly_usd"]) == pytest.approx(388.345)
    overview = sections.overview(a)._repr_html_()
    assert ("<th>Proposed monthly range across scenarios (load tests left out)</th><td>$310.97 "
            "(steady, projected from 1 h) to $388.35 (double, projected from 1 h)</td>") in overview
    caption = sections.cost_summary(a).tables[1].caption
    assert caption.endswith("load tests left out, as minutes of synthetic users are not a month "
                            "of traffic (their simulation and SLO checks are in Scaling "
                            "Behaviour): burst (12 min); TOTAL's Low and High are the cheapest "
                            "and the dearest scenario's totals, not sums of the columns above)")
    with pytest.raises(PlanError, match=r"expected_scenario 'burst' is a load test: .* pick a "
                                        r"scenario of real traffic \(steady, double\)"):
        analyze_plan(plan, expected_scenario="burst", store_location=none)
    only = analyze_plan(plan, scenarios=["burst"], store_location=none)
    assert [r.name for r in only.runs] == ["burst"]
    assert only.expected_scenario is None and only.cost_range is None
    assert only.proposed_estimate is only.declared_estimate


def test_a_saturated_pods_latency_is_marked_as_the_models_ceiling(tmp_path: Path) -> None:
    # 400 req/s against at most 8 pods x 40 req/s: the pods run at the model's 0.99 cap
    overload = {"name": "overload", "description": "more than the HPA's maximum serves",
                "synthetic": {"shape": "constant", "duration": "1h", "rps": 400}}
    a = analyze_plan(_small_with(tmp_path, overload), scenarios=["steady", "overload"],
                     store_location=str(tmp_path / "none"))
    t = a.run("overload").simulations["api"].timeline
    capped = t[t["latency_saturated"] & (t["backlog_requests"] == 0)]
    assert not capped.empty
    # M/M/1 at utilization 0.99 of 40 req/s: p95 = ln(20) / (40 x 0.01) s = 7,489.33 ms
    assert np.allclose(capped["p95_latency_ms"], 1000 * math.log(20) / 0.4)
    # steady: 20 of 40 req/s per pod, far from the cap
    assert not a.run("steady").simulations["api"].timeline["latency_saturated"].any()
    scaling = sections.scaling_behaviour(a).tables
    worst = t["p95_latency_ms"].max()
    assert list(scaling[0].frame["Max p95"]) == [
        f"{1000 * math.log(20) / 20:,.0f} ms",  # steady: M/M/1 at 20 of 40 req/s, 150 ms
        f"≥ {worst:,.0f} ms (saturated: model ceiling)"]
    slos = scaling[1].frame
    achieved = slos[(slos["Scenario"] == "overload") & (slos["SLO"] == "p95 latency")]
    assert list(achieved["Achieved"]) == [f"max p95 ≥ {worst:,.0f} ms (saturated: model ceiling)"]


def test_the_reports_plan_warnings_are_validates_whatever_it_selects(tmp_path: Path) -> None:
    # N-12: the report listed only the selected scenarios' peak warnings
    shutil.copytree((REPO / SMALL).parent.parent / "manifests", tmp_path / "manifests")
    (tmp_path / "report").mkdir()
    plan = tmp_path / "report" / "small.yaml"
    double = "  - name: double\n"  # surge goes after steady: not the reference scenario
    text = (REPO / SMALL).read_text()
    assert double in text
    plan.write_text(text.replace(double, "  - name: surge\n    description: a busy hour\n"
                                 "    synthetic: {shape: constant, duration: 1h, rps: 400}\n"
                                 + double, 1))
    _plan, problems, warnings = check_plan_warnings(plan)
    assert problems == []
    a = analyze_plan(plan, scenarios=["steady"], horizon_h=0.25,
                     store_location=str(tmp_path / "db.sqlite"))
    assert [(w.path, f"warning: {w.message}") for w in a.warnings] == \
        [(w.path, w.message) for w in warnings]
    # maxReplicas 8 x 40 rps = 320 rps < 400 rps; ceil(400 / 40) = 10 pods
    assert any(re.match(r"scenario 'surge' peaks at 400 rps .*\(8 x 40 rps = 320 rps\).*"
                        r"raise maxReplicas to at least 10 \(400 / 40\)", w.message)
               for w in a.warnings)


_INTERNET = """    - type: aws_data_transfer
      name: internet
      usage:
        monthly_outbound_internet_gb: 730  # 1 GB per hour at 40 req/s
"""


@pytest.mark.parametrize(("transfers", "note", "overview", "cross_zone_usd"), [
    # the cross-zone GB on a transfer of their own: held as declared (docs/PLAN.md), so the
    # note names the internet resource's egress only; 300 GB x 2 directions x 0.01 = 6.00 in
    # both scenarios, double's 80 req/s as steady's 40
    (_INTERNET + "    - type: aws_data_transfer\n      name: crossaz\n"
                 "      usage: {monthly_intra_region_gb: 300}\n",
     "node-hours, load balancer capacity units, and aws_data_transfer.internet's Internet "
     "egress (monthly_outbound_internet_gb) from the simulated 'double' scenario",
     "per-request load balancer and egress usage", ("aws_data_transfer.crossaz", "6.00")),
    # on the egress resource: they follow the served requests, double's 80 req/s twice the
    # reference 40: 300 x 2 = 600 GB x 2 directions x 0.01 = 12.00
    (_INTERNET + "        monthly_intra_region_gb: 300\n",
     "node-hours, load balancer capacity units, and aws_data_transfer.internet's Internet "
     "egress and intra-region transfer (monthly_outbound_internet_gb, "
     "monthly_intra_region_gb) from the simulated 'double' scenario",
     "per-request load balancer, egress and intra-region usage",
     ("aws_data_transfer.internet", "12.00")),
])
def test_the_usage_note_names_the_transfer_that_follows_the_load(
        tmp_path: Path, transfers: str, note: str, overview: str,
        cross_zone_usd: tuple[str, str]) -> None:
    # audit25 A25-2: the note said the intra-region GB followed the load when the plan's sat
    # on a second aws_data_transfer, priced as declared in every scenario
    shutil.copytree((REPO / SMALL).parent.parent / "manifests", tmp_path / "manifests")
    (tmp_path / "report").mkdir()
    plan = tmp_path / "report" / "small.yaml"
    text = (REPO / SMALL).read_text()
    assert _INTERNET in text
    plan.write_text(text.replace(_INTERNET, transfers))
    a = analyze_plan(plan, scenarios=["double"], store_location=str(tmp_path / "none"))
    (usage,) = a.run("double").estimate.notes
    assert usage.startswith(note)
    assert a.notes[0].startswith(overview + ": the declared usage at the mean rate")
    address, usd = cross_zone_usd
    (line,) = [ln for ln in a.run("double").estimate.lines
               if ln.address == address and ln.component == "Intra-region data transfer"]
    assert str(line.monthly_cost_usd.quantize(Decimal("0.01"))) == usd


def test_the_usage_note_gives_a_short_window_as_a_duration(tmp_path: Path) -> None:
    # tests/data/argo2's traffic.csv: 5 rows 300 s apart, the last held one step, 5 x 300 =
    # 1,500 s = 25 min (it read "(0.416667 h)", hours to six digits, beside the "25 min" the
    # Scaling Behaviour table gives the same run)
    a = analyze_plan(REPO / "tests/data/argo2/canary-plan.yaml",
                     store_location=str(tmp_path / "none"))
    (usage,) = a.run("ramp").estimate.notes
    assert "from the simulated 'ramp' scenario (25 min), projected to a 730-hour month" in usage
    assert sections.scaling_behaviour(a).tables[0].frame["Duration"].tolist() == ["25 min"]
