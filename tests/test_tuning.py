"""The sweep (infra_toolkit.tuning) on the small plan of tests/test_analysis.py
(tests/data/plans/report/small.yaml): workload ``api`` (200m CPU request, 20m baseline + 5m per
req/s, 40 req/s per pod, HPA 2..8 at 70 % CPU, the Deployment starting 2 pods) alone on node
group ``general`` (m5.large, 2..4 nodes, 20 GB gp2 disks); scenario ``steady``: 40 req/s for 1 h,
``double``: 80 req/s; SLOs p95 <= 250 ms and 99.9 % of requests served.

Prices (us-east-1 rows of the shipped tables): m5.large $0.096/h, t3.medium $0.0416/h, gp2
$0.10 per GB-month; a month is 730 h.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from infra_toolkit.cost import cents
from infra_toolkit.errors import SimulationError, SpecError
from infra_toolkit.plan import Plan, read_plan
from infra_toolkit.pricing import PriceBook, load_price_book
from infra_toolkit.tuning import SweepResult, sweep_workload
from infra_toolkit.tuning_format import format_sweep
from infra_toolkit.tuning_grid import parse_vary
from tests.conftest import REPO_ROOT, SMALL_PLAN

MANIFESTS = REPO_ROOT / "tests" / "data" / "plans" / "manifests"


@pytest.fixture(scope="module")
def small() -> tuple[Plan, PriceBook]:
    plan = read_plan(REPO_ROOT / SMALL_PLAN)
    return plan, load_price_book(extra_tables=plan.pricing_tables,
                                 overrides=plan.pricing_overrides)


@pytest.fixture(scope="module")
def swept(small: tuple[Plan, PriceBook]) -> SweepResult:
    plan, book = small
    grid = parse_vary(["minReplicas=1", "maxReplicas=1,2", "instance_type=m5.large,t3.medium"])
    return sweep_workload(plan, book, "api", grid, scenarios=["steady"])


def _row(result: SweepResult, **values: object) -> dict[str, object]:
    t = result.table
    found = t[(t[list(values)] == list(values.values())).all(axis=1) & ~t["baseline"]]
    assert len(found) == 1, found
    return dict(found.iloc[0])


def test_one_replica_violates_latency_and_two_meet_it_at_a_hand_computed_cost(
        swept: SweepResult) -> None:
    one = _row(swept, maxReplicas=1, instance_type="m5.large")
    # maxReplicas 1: one pod for 40 req/s at 40 req/s a pod is the latency model's utilization
    # cap (0.99): p95 = ln(20) / (40 x 0.01) s = 7,489 ms > 250 ms; the summary row's max p95
    # already shows it, so the screen rejects it without the report's check
    assert one["status"] == "fails SLOs" and one["checked_by"] == "summary screen"
    assert one["steady:p95 latency:met"] is False
    assert one["note"] == "steady: max p95 7,489 ms > 250 ms"
    assert one["steady:availability:met"] is None  # not judged: never called met
    two = _row(swept, maxReplicas=2, instance_type="m5.large")
    # maxReplicas 2: 2 pods at 20 req/s each, CPU 20 + 5 x 20 = 120m of 200m = 60 % < 70 %:
    # they stay 2; p95 of M/M/1 at 20 of 40 req/s = ln(20) / 20 s = 150 ms <= 250 ms
    assert two["status"] == "meets SLOs" and two["checked_by"] == "report rule"
    assert two["steady:p95 latency:met"] is True
    assert two["steady:p95 latency:violation_minutes"] == 0.0
    # the 2 minimum nodes for the hour: 2 node-hours; x 730 = 1460 node-hours x 0.096 = 140.16,
    # disks 2 node-months x 20 GB x 0.10 = 4.00: $144.16
    assert two["steady:node_hours"] == 2.0
    assert two["monthly_usd"] == Decimal("144.16")
    small_nodes = _row(swept, maxReplicas=2, instance_type="t3.medium")
    # t3.medium (2 vCPU, 2000 - 70 - 125 = 1805m allocatable: 9 pods of 200m): the same 2 nodes:
    # 1460 x 0.0416 = 60.736 + 4.00 = 64.736 -> $64.74, 144.16 - 64.74 = 79.42 less
    assert small_nodes["monthly_usd"] == Decimal("64.74")
    assert small_nodes["delta_monthly_usd"] == Decimal("-79.42")
    # a t3 runs Unlimited by default: confirmed by a run, its surplus CPU credits come from the
    # run as the report's do: 2 pods x 120m = 240m on 2 nodes of 2 vCPUs (4,000m) is 6 % of
    # them, under the t3.medium's 20 % baseline all hour, so none is charged: + $0.00
    assert small_nodes["checked_by"] == "report rule"
    assert small_nodes["note"] == ("surplus CPU credits of node group(s) general included, from "
                                   "the simulated CPU as the report prices them")
    # a variant only screened has no CPU over time (summary rows): the row says they are left
    # out (an m5 has none to leave out)
    screened = _row(swept, maxReplicas=1, instance_type="t3.medium")
    assert screened["checked_by"] == "summary screen"
    assert screened["note"].startswith("surplus CPU credits of node group(s) general not "
                                       "included (the report prices them from the simulated CPU)")
    assert two["note"] == ""


def test_a_declared_cpu_credits_figure_is_not_a_variants(tmp_path: Path) -> None:
    # audit13 A13-3: the group declares Infracost's monthly_cpu_credit_hrs: 100. The report
    # replaces it with the simulated surplus, and so does the sweep: the t3 variant, run
    # through simulate, has its run's credits (2 pods x 120m on 2 t3.medium = 6 %, under the
    # 20 % baseline: none charged), not the declared figure (100 h x 2 vCPU x $0.05 = $10.00
    # more: $74.74)
    shutil.copytree(MANIFESTS, tmp_path / "manifests")
    text = (REPO_ROOT / SMALL_PLAN).read_text().replace("../manifests/", "manifests/")
    text = text.replace("      instance_types: [m5.large]\n", "      instance_types: [m5.large]\n"
                        "      usage: {monthly_cpu_credit_hrs: 100}\n", 1)
    (tmp_path / "plan.yaml").write_text(text)
    plan = read_plan(tmp_path / "plan.yaml")
    result = sweep_workload(plan, load_price_book(), "api",
                            parse_vary(["minReplicas=1", "maxReplicas=1,8",
                                        "instance_type=t3.medium"]),
                            scenarios=["steady"])
    # maxReplicas 1 is rejected by its summary row (one pod for 40 req/s: p95 7,489 ms): never
    # run, it has no credits of its own, and the declared figure is not priced either
    screened = _row(result, maxReplicas=1, instance_type="t3.medium")
    assert screened["checked_by"] == "summary screen"
    assert screened["monthly_usd"] == Decimal("64.74")
    assert "surplus CPU credits of node group(s) general not included" in screened["note"]
    t3 = _row(result, maxReplicas=8, instance_type="t3.medium")
    # the same 2 nodes: 1460 x 0.0416 = 60.736 + 4.00 = 64.736 -> $64.74
    assert t3["monthly_usd"] == Decimal("64.74")
    assert t3["checked_by"] == "report rule"
    assert t3["note"] == ("surplus CPU credits of node group(s) general included, from the "
                          "simulated CPU as the report prices them")


def test_rank_meets_first_cheapest_first_then_fails(swept: SweepResult) -> None:
    t = swept.table
    assert list(t["rank"]) == [1, 2, 3, 4, 5]
    # meets: t3.medium $64.74, then the baseline and (1, 2) on m5.large at $144.16 (ties in
    # grid order, the baseline first); then the two one-replica variants, cheapest first
    assert list(zip(t["status"], t["maxReplicas"], t["instance_type"], strict=True)) == [
        ("meets SLOs", 2, "t3.medium"), ("meets SLOs", 8, "m5.large"),
        ("meets SLOs", 2, "m5.large"), ("fails SLOs", 1, "t3.medium"),
        ("fails SLOs", 1, "m5.large")]
    base = t[t["baseline"]].iloc[0]
    # the plan's own values in the varied columns
    assert (base["minReplicas"], base["maxReplicas"], base["instance_type"]) == \
        (2, 8, "m5.large")
    assert base["delta_monthly_usd"] == Decimal("0.00")
    assert swept.confirmed == 3  # the baseline and the 2 unrejected variants


@pytest.mark.parametrize("scenario", ["steady", "double"])
def test_the_baseline_row_is_the_reports_figures(
        small: tuple[Plan, PriceBook], small_analysis: PlanAnalysis, scenario: str) -> None:
    plan, book = small
    result = sweep_workload(plan, book, "api", parse_vary(["minReplicas=1,2"]),
                            scenarios=[scenario])
    base = result.table[result.table["baseline"]].iloc[0]
    run = small_analysis.run(scenario)
    assert base[f"{scenario}:node_hours"] == run.cluster.node_hours_by_node_group["general"]
    lines = [ln for ln in run.estimate.lines if ln.address == "aws_eks_node_group.general"]
    assert base["monthly_usd"] == cents(sum(ln.monthly_cost_usd for ln in lines))
    report = run.slos["api"]
    for slo, met, minutes in zip(report["slo"], report["met"], report["violation_minutes"],
                                 strict=True):
        assert base[f"{scenario}:{slo}:met"] is bool(met)
        assert base[f"{scenario}:{slo}:violation_minutes"] == minutes
    assert base["steady:peak_replicas" if scenario == "steady" else "double:peak_replicas"] == \
        run.simulations["api"].summary.peak_replicas


def test_an_invalid_combination_is_listed_not_simulated(small: tuple[Plan, PriceBook]) -> None:
    plan, book = small
    grid = parse_vary(["minReplicas=2,6", "maxReplicas=4,8"])
    t = sweep_workload(plan, book, "api", grid, scenarios=["steady"]).table
    bad = t[t["status"] == "invalid"]
    assert list(zip(bad["minReplicas"], bad["maxReplicas"], strict=True)) == [(6, 4)]
    assert "minReplicas" in bad.iloc[0]["note"] and "maxReplicas" in bad.iloc[0]["note"]
    assert bad.iloc[0]["steady:node_hours"] is None or math.isnan(bad.iloc[0]["steady:node_hours"])
    assert int(bad.iloc[0]["rank"]) == len(t)  # last
    # the values refused came from --vary, not from the manifest: the note names the argument
    # (the combination's values) and the HPA they were set in, never "in hpa.yaml" alone
    assert bad.iloc[0]["note"].startswith(
        "spec.maxReplicas (=4) must be greater than or equal to spec.minReplicas (=6) in --vary "
        "minReplicas=6, maxReplicas=4 (set in the HPA of ")


def test_a_value_refused_in_every_combination_names_its_vary_argument(
        small: tuple[Plan, PriceBook]) -> None:
    plan, book = small
    with pytest.raises(SpecError) as exc:
        sweep_workload(plan, book, "api", parse_vary(["cpu.averageUtilization=0"]),
                       scenarios=["steady"])
    # the 0 is the --vary argument's: the manifest says 70 (tests/data/plans/manifests/hpa.yaml)
    text = str(exc.value)
    assert ("spec.metrics[0].resource.target.averageUtilization (=0) must be greater than 0 in "
            "--vary cpu.averageUtilization=0 (set in the HPA of ") in text
    assert text.endswith("manifests/hpa.yaml)")


@pytest.mark.parametrize(("texts", "match"), [
    (["minReplica=2"], r"unknown field 'minReplica'; did you mean 'minReplicas'"),
    (["minReplicas"], r"give FIELD=V1,V2,\.\.\. or FIELD=LO\.\.HI"),
    (["minReplicas=a"], r"--vary minReplicas=a: 'a' is not a whole number; give whole"),
    # the percent a utilization is said in: the number to write is named
    (["cpu.averageUtilization=50%,60"],
     r"--vary cpu.averageUtilization=50%,60: '50%' is not a whole number \(write 50\); give"),
    (["minReplicas=6..2"], r"a range is LO\.\.HI with LO <= HI"),
    (["minReplicas=2", "minReplicas=3"], r"--vary minReplicas is given twice"),
])
def test_bad_vary_texts(texts: list[str], match: str) -> None:
    with pytest.raises(SpecError, match=match):
        parse_vary(texts)


def test_every_bad_vary_text_is_reported_at_once() -> None:
    with pytest.raises(SpecError) as exc:
        parse_vary(["minReplica=2", "maxReplicas=x"])
    assert len(str(exc.value).splitlines()) == 2


def test_ranges_with_a_step() -> None:
    assert parse_vary(["cpu.averageUtilization=50..80:10", "minReplicas=2..4"]) == {
        "cpu.averageUtilization": (50, 60, 70, 80), "minReplicas": (2, 3, 4)}


@pytest.mark.parametrize(("texts", "kwargs", "match"), [
    (["cpu.averageUtilization=0"], {},
     r"--vary cpu.averageUtilization=0: refused by the API in every combination: .*"
     r"averageUtilization"),
    (["memory.averageUtilization=80"], {}, r"the HPA has no Resource memory metric"),
    (["scaleDown.Pods.value=1"], {}, r"scaleDown has no Pods policy \(policies: Percent 100\)"),
    (["instance_type=t3.mediun"], {}, r"--instance-types t3.mediun: .*t3.medium"),
    (["max_size=1"], {}, r"--vary max_size=1: node group 'general'.max_size \(=1\) must be >= "
     r"min_size \(=2\)"),
    # the only type given cannot run here: nothing to sweep (a mixed list: an invalid row,
    # test_a_type_the_group_cannot_run_is_an_invalid_row)
    (["instance_type=m6g.large"], {},
     r"--instance-types: no type given can run here: instance type m6g.large: node group "
     r"'general': 'm6g.large' is arm64 but ami_type"),
    (["minReplicas=1,2", "maxReplicas=2,3"], {"max_variants": 3},
     r"the grid has 4 variants \(2 minReplicas x 2 maxReplicas\), more than the limit of 3; .*"
     r"--max-variants"),
])
def test_bad_grids(small: tuple[Plan, PriceBook], texts: list[str], kwargs: dict[str, int],
                   match: str) -> None:
    plan, book = small
    with pytest.raises(SpecError, match=match):
        sweep_workload(plan, book, "api", parse_vary(texts), scenarios=["steady"],
                       **kwargs)  # type: ignore[arg-type]


def test_default_policies_can_be_varied(small: tuple[Plan, PriceBook]) -> None:
    # the HPA has no behavior: the API's scale-up policies (100 % and 4 pods per 15 s) are
    # written out and their Pods value changed
    plan, book = small
    t = sweep_workload(plan, book, "api", parse_vary(["scaleUp.Pods.value=2"]),
                       scenarios=["steady"]).table
    assert list(t["scaleUp.Pods.value"]) == [4, 2]  # the baseline's API default, then 2


@pytest.mark.parametrize(("workload", "match"), [
    ("apii", r"--workload 'apii' is not a workload of proposed .*; workloads with an HPA: api"),
])
def test_unknown_workload(small: tuple[Plan, PriceBook], workload: str, match: str) -> None:
    plan, book = small
    with pytest.raises(SimulationError, match=match):
        sweep_workload(plan, book, workload, {})


def _plan_with_neighbour(tmp_path: Path) -> Path:
    shutil.copytree(MANIFESTS, tmp_path / "manifests")
    text = (REPO_ROOT / SMALL_PLAN).read_text().replace("../manifests/", "manifests/")
    text = text.replace("  workloads:\n", """  workloads:
    - name: cron
      deployment: manifests/deployment.yaml
      node_group: general
""", 1)
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    return path


def test_a_workload_sharing_nodes_runs_with_them_as_the_report_does(tmp_path: Path) -> None:
    plan = read_plan(_plan_with_neighbour(tmp_path))
    book = load_price_book()
    result = sweep_workload(plan, book, "api", parse_vary(["maxReplicas=2,8"]),
                            scenarios=["steady"])
    assert result.cluster == ("cron",)
    base = result.table[result.table["baseline"]].iloc[0]
    # api's 2 pods and cron's 2 (200m each) fit one m5.large (1,805m allocatable: 9 pods), and
    # the group's min_size keeps 2 nodes for the hour: 2 node-hours, priced as the report does:
    # 2 nodes x 730 h x $0.096 = $140.16 + 2 x 20 GB gp2 x $0.10 = $4.00 -> $144.16
    assert base["steady:node_hours"] == 2.0
    assert base["monthly_usd"] == Decimal("144.16")
    assert base["checked_by"] == "report rule" and base["status"] == "meets SLOs"
    assert result.confirmed == 2  # cluster mode runs every valid variant
    head = format_sweep(result, "table").splitlines()[:2]
    assert head[0].startswith("workload api: 2 variants (0 invalid, 2 run with cron as in the "
                              "report), scenarios steady")
    assert head[1].startswith("SLO rule: cluster mode: every variant runs with the pods it "
                              "shares nodes with")
    with pytest.raises(SimulationError, match=r"--workload 'cron' has no HPA: the sweep varies "
                       r"an HPA's fields; workloads with an HPA: api"):
        sweep_workload(plan, book, "cron", {})


def test_a_cluster_mode_t3_variant_has_its_cpu_credits_from_its_run(tmp_path: Path) -> None:
    plan = read_plan(_plan_with_neighbour(tmp_path))
    result = sweep_workload(plan, load_price_book(), "api",
                            parse_vary(["instance_type=t3.medium"]), scenarios=["steady"])
    assert result.cluster == ("cron",)
    t3 = _row(result, instance_type="t3.medium")
    # every cluster-mode variant is run, so its credits come from the joint run as the report's:
    # api's 2 pods x 120m = 240m (cron's Deployment has no CPU model) on the 2 nodes of 2 vCPUs
    # (4,000m) is 6 %, under the t3.medium's 20 % baseline: nothing charged. The 2 node-hours:
    # 2 x 730 h x $0.0416 = 60.736 + 2 x 20 GB gp2 x $0.10 = 4.00 -> $64.74 (+ $0.00 credits)
    assert t3["checked_by"] == "report rule" and t3["steady:node_hours"] == 2.0
    assert t3["monthly_usd"] == Decimal("64.74")
    assert t3["note"] == ("surplus CPU credits of node group(s) general included, from the "
                          "simulated CPU as the report prices them")


def _plan_with_autoscaled_neighbour(tmp_path: Path, worker_cpu_per_rps: int = 20) -> Path:
    """small.yaml plus ``worker`` on ``general``: its own Deployment (4 replicas, 200m) and HPA
    (4..10 at 70 % CPU), 20m + ``worker_cpu_per_rps`` (20m) per req/s, 20 req/s a pod, an SLO of
    its own (p95 <= 400 ms), and a scenario ``ramp``: 20 req/s, rising to 60 req/s from minute 5
    to minute 35."""
    shutil.copytree(MANIFESTS, tmp_path / "manifests")
    m = tmp_path / "manifests"
    (m / "worker-deployment.yaml").write_text(
        (m / "deployment.yaml").read_text().replace("name: api", "name: worker")
        .replace("app: api", "app: worker").replace("replicas: 2", "replicas: 4"))
    (m / "worker-hpa.yaml").write_text(
        (m / "hpa.yaml").read_text().replace("name: api", "name: worker")
        .replace("minReplicas: 2", "minReplicas: 4").replace("maxReplicas: 8", "maxReplicas: 10"))
    text = (REPO_ROOT / SMALL_PLAN).read_text().replace("../manifests/", "manifests/")
    text = text.replace("""        app_start_s: 10
scenarios:
""", """        app_start_s: 10
    - name: worker
      deployment: manifests/worker-deployment.yaml
      hpa: manifests/worker-hpa.yaml
      node_group: general
      model: {cpu_millicores_per_rps: WORKER_CPU_PER_RPS, baseline_cpu_millicores: 20,
              capacity_rps_per_pod: 20, image_pull_s: 5, app_start_s: 10}
scenarios:
  - name: ramp
    description: 20 req/s, rising to 60 req/s from minute 5 to minute 35
    synthetic: {shape: ramp, duration: 1h, start_rps: 20, end_rps: 60, ramp_start_s: 300,
                ramp_end_s: 2100}
""".replace("WORKER_CPU_PER_RPS", str(worker_cpu_per_rps)))
    text = text.replace("threshold_ms: 250}", "threshold_ms: 250, workload: api}")
    text = text.replace("objective_pct: 99.9}", """objective_pct: 99.9, workload: api}
  - {name: worker p95, metric: latency, percentile: 95, threshold_ms: 400, workload: worker}""")
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    return path


def _ramp_sweep(tmp_path: Path, texts: list[str]) -> SweepResult:
    """api of :func:`_plan_with_autoscaled_neighbour` swept over ``texts`` in scenario ramp."""
    plan = read_plan(_plan_with_autoscaled_neighbour(tmp_path))
    return sweep_workload(plan, load_price_book(), "api", parse_vary(texts), scenarios=["ramp"])


def test_a_variant_crowding_out_a_neighbour_fails_by_the_neighbours_slo(tmp_path: Path
                                                                         ) -> None:
    result = _ramp_sweep(tmp_path, ["minReplicas=14", "maxReplicas=16", "max_size=2,4"])
    assert result.cluster == ("worker",)
    # An m5.large holds 9 pods of 200m (floor(1,805m / 200m)), so 2 nodes hold 18. At 60 req/s
    # worker wants ceil(n x (20 + 20 x 60 / n) / 140) pods: 10 at its maxReplicas (60 / 10 = 6
    # req/s a pod, 140m = 70 %). With api at minReplicas 14 on at most 2 nodes, worker keeps
    # the 4 pods it started with: 15 req/s a pod against 20, p95 = ln(20) / (20 - 15) s = 599 ms
    # > 400 ms. The baseline (api at 2 pods) meets worker's SLO, so the variant fails by it,
    # though api's own SLOs are met.
    crowded = _row(result, max_size=2)
    assert crowded["status"] == "fails SLOs"
    assert crowded["ramp:p95 latency:met"] is True and crowded["ramp:availability:met"] is True
    assert crowded["note"] == "breaks SLO(s) the baseline meets: ramp: worker's worker p95"
    # up to 4 nodes: a third node joins for api's 14 + worker's pods, and both meet their SLOs
    roomy = _row(result, max_size=4)
    assert roomy["status"] == "meets SLOs" and roomy["note"] == ""
    assert roomy["ramp:node_hours"] > 2.0


def test_a_variant_breaking_a_neighbour_ranks_by_the_neighbours_minutes(tmp_path: Path
                                                                        ) -> None:
    # slo20: a variant failing only a neighbour's SLO had 0 summary minutes of its own, so it
    # ranked first among the failing rows however long it broke the neighbour. The scenario
    # ramp in 15 s steps, each the mean of 20 + 40 x (t - 300) / 1800 over the step: a step
    # starting at t offers 20 + 40 x (t + 7.5 - 300) / 1800 req/s.
    result = _ramp_sweep(tmp_path, ["minReplicas=2,14", "maxReplicas=2,16", "max_size=2"])
    # api held at 2 pods (40 req/s each, M/M/1): p95 = ln 20 / (40 - r) s > 250 ms once r >
    # 40 - 2.99573 / 0.25 = 28.0171, the step's rate above 56.0343: the step at 1,905 s offers
    # 55.83, the one at 1,920 s 56.17; 1,920 s to the end (3,600 s) = 1,680 s = 28 minutes of
    # its own, and the worker keeps the room it had (the baseline's 0 minutes).
    own = _row(result, minReplicas=2, maxReplicas=2)
    assert own["status"] == "fails SLOs" and own["ramp:summary_violation_minutes"] == 28.0
    assert own["ramp:neighbour_violation_minutes"] == 0.0
    # api at 14 pods on 2 nodes of 9: worker keeps its first 4 pods (20 req/s each): p95 =
    # ln 20 / (20 - r) s > 400 ms once r > 20 - 2.99573 / 0.4 = 12.5107, the step's rate above
    # 4 x 12.5107 = 50.0428: the step at 1,635 s offers 49.83, the one at 1,650 s 50.17;
    # 1,650 s to the end = 1,950 s = 32.5 minutes of worker's, none of api's own
    crowded = _row(result, minReplicas=14, maxReplicas=16)
    assert crowded["status"] == "fails SLOs" and crowded["ramp:summary_violation_minutes"] == 0
    assert crowded["ramp:neighbour_violation_minutes"] == 32.5
    # nearest to passing first: 28 (own) before 0 + 32.5 (the neighbour's), where the crowding
    # variant ranked first by its 0 own minutes
    assert own["rank"] < crowded["rank"]
    base = result.table[result.table["baseline"]].iloc[0]
    assert base["ramp:neighbour_violation_minutes"] == 0.0
    text = format_sweep(result, "table", 10)
    assert "ramp neighbour min" in text and "\nneighbour min = the minutes the variant " in text
    doc = json.loads(format_sweep(result, "json", 10))
    assert [v["scenarios"]["ramp"]["neighbour_violation_minutes"] for v in doc["variants"]
            if v["status"] == "fails SLOs"] == [0.0, 32.5]  # in rank order


def test_a_variant_worsening_an_slo_the_baseline_already_fails_is_noted(tmp_path: Path
                                                                        ) -> None:
    path = _plan_with_autoscaled_neighbour(tmp_path)
    path.write_text(path.read_text().replace("threshold_ms: 400", "threshold_ms: 210"))
    result = sweep_workload(read_plan(path), load_price_book(), "api",
                            parse_vary(["minReplicas=14", "maxReplicas=16", "max_size=2"]),
                            scenarios=["ramp"])
    # worker's p95 at r req/s a pod is ln(20) / (20 - r) s: over 210 ms once r > 20 - 2.99573 /
    # 0.21 = 5.7346, about the 6 req/s a pod its 70 % target keeps, so the baseline fails it
    # too. The variant (api 14 pods, 2 nodes of 9) keeps worker at its first 4 pods: over
    # 210 ms from 4 x 5.7346 = 22.94 req/s, which the ramp (20 + 40 x (t - 300) / 1800) passes
    # between steps 420 s (22.67) and 435 s (23.00): 435 s to the end, 3,165 s = 52.75 min.
    crowded = _row(result, max_size=2)
    assert crowded["status"] == "meets SLOs"  # api's own SLOs; worker's was failing already
    prefix = "worsens SLO(s) the baseline already fails: ramp: worker's worker p95 ("
    assert crowded["note"].startswith(prefix)
    before, after = crowded["note"][len(prefix):].removesuffix(" violation minutes)").split(
        " -> ")
    assert after == "52.75" and 0 < float(before) < 52.75


def test_cluster_mode_bounds_its_runs(tmp_path: Path) -> None:
    plan = read_plan(_plan_with_neighbour(tmp_path))
    with pytest.raises(SimulationError, match=r"workload 'api' shares its nodes with cron, so "
                       r"each variant runs with them .*: 6 runs \(variants x scenarios\) is "
                       r"over the limit of 5; narrow the grid, choose fewer scenarios, or "
                       r"raise the limit with --max-cluster-runs"):
        sweep_workload(plan, load_price_book(), "api", parse_vary(["maxReplicas=2,3,8"]),
                       scenarios=["steady", "double"], max_cluster_runs=5)


def test_max_size_variants_keep_the_baseline_once(small: tuple[Plan, PriceBook]) -> None:
    # max_size 4 is the plan's own: that variant is the baseline row, not a second row
    plan, book = small
    t = sweep_workload(plan, book, "api", parse_vary(["max_size=3,4"]),
                       scenarios=["steady"]).table
    assert sorted(zip(t["max_size"], t["baseline"], strict=True)) == [(3, False), (4, True)]


def test_only_load_tests_cannot_be_priced() -> None:
    plan = read_plan(REPO_ROOT / "plans" / "ecommerce-eks.yaml")
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    test = next(s.name for s in plan.scenarios if s.name.startswith("load-test"))
    with pytest.raises(SimulationError, match=r"--scenario: every chosen scenario is a load "
                       r"test, which has no month to price; add one that is not \(e.g. "
                       r"'expected-day'\)"):
        sweep_workload(plan, book, "backend", {}, scenarios=[test])


def _spot_plan(tmp_path: Path) -> Plan:
    """The small plan with its node group on SPOT: the public tables hold on-demand prices
    only, and the plan gives no spot rate, so its instance hours have no price."""
    shutil.copytree(MANIFESTS, tmp_path / "manifests")
    text = (REPO_ROOT / SMALL_PLAN).read_text().replace("../manifests/", "manifests/")
    text = text.replace("      instance_types: [m5.large]\n",
                        "      instance_types: [m5.large]\n      capacity_type: SPOT\n")
    (tmp_path / "plan.yaml").write_text(text)
    return read_plan(tmp_path / "plan.yaml")


def test_a_missing_price_is_flagged_never_zero(tmp_path: Path) -> None:
    # the group on SPOT: the public tables hold on-demand prices only, and the plan gives no
    # spot rate, so its instance hours have no price (as the report's cost line says)
    plan = _spot_plan(tmp_path)
    t = sweep_workload(plan, load_price_book(), "api", parse_vary(["maxReplicas=2"]),
                       scenarios=["steady"]).table
    assert list(t["monthly_usd"]) == [None, None]
    assert list(t["delta_monthly_usd"]) == [None, None]
    assert all(n.startswith("PRICE NOT FOUND: no spot rate for AmazonEC2 instance "
                            "us-east-1/m5.large") for n in t["note"])


def test_a_missing_price_every_variant_shares_is_printed_once(tmp_path: Path) -> None:
    # region17: a sweep of a plan in a region the tables lack printed the ~500-character
    # reason and fix on every rank's note; the table prints it once, naming the ranks, and each
    # rank keeps its own note (JSON and CSV keep the whole note on every row)
    result = sweep_workload(_spot_plan(tmp_path), load_price_book(), "api",
                            parse_vary(["maxReplicas=2,3"]), scenarios=["steady"])
    reason = result.table["note"].iloc[0]
    assert reason.startswith("PRICE NOT FOUND: no spot rate") and \
        list(result.table["note"]) == [reason] * 3 and result.shared_cost_notes == (reason,)
    notes = format_sweep(result, "table").split("\nnotes:\n")[1]
    assert notes == f"  every rank: {reason}"
    assert json.loads(format_sweep(result, "json"))["variants"][1]["note"] == reason


def test_unconfirmed_variants_are_never_called_meeting(small: tuple[Plan, PriceBook]) -> None:
    plan, book = small
    grid = parse_vary(["minReplicas=1", "maxReplicas=1,2", "instance_type=m5.large,t3.medium"])
    result = sweep_workload(plan, book, "api", grid, scenarios=["steady"], top=1)
    # top=1: the baseline, then the cheapest unrejected variant (t3.medium, $64.74) meets the
    # SLOs and the confirmation stops; (1, 2) on m5.large passed the screen but was not run
    assert result.confirmed == 2
    row = _row(result, maxReplicas=2, instance_type="m5.large")
    assert row["status"] == "not confirmed" and row["checked_by"] == ""
    assert row["steady:p95 latency:met"] is None
    assert math.isnan(row["steady:p95 latency:violation_minutes"])
    assert list(result.table["status"]) == ["meets SLOs", "meets SLOs", "not confirmed",
                                            "fails SLOs", "fails SLOs"]


def test_a_variant_must_meet_every_slo_in_every_scenario(small: tuple[Plan, PriceBook]) -> None:
    plan, book = small
    result = sweep_workload(plan, book, "api", parse_vary(["maxReplicas=2"]),
                            scenarios=["double", "steady"])
    assert result.cost_scenario == "double"  # the first chosen that is not a load test
    base = result.table[result.table["baseline"]].iloc[0]
    # steady is met (2 pods at 60 % CPU, p95 150 ms); in double the 2 starting pods serve
    # 80 req/s at their 2 x 40 capacity until the HPA's 4 pods are Ready: not met there, so the
    # baseline fails (the minutes are the report's: test_the_baseline_row_is_the_reports_figures)
    assert base["steady:p95 latency:met"] is True
    assert base["double:p95 latency:met"] is False
    assert base["status"] == "fails SLOs" and base["checked_by"] == "report rule"
    two = _row(result, maxReplicas=2)
    # maxReplicas 2 in double: 2 pods at 40 of 40 req/s, the model's cap all hour:
    # p95 = ln(20) / (40 x 0.01) s = 7,489 ms
    assert two["note"] == "double: max p95 7,489 ms > 250 ms"
    assert two["status"] == "fails SLOs"


def test_the_sweeps_pricing_api_is_fixed() -> None:
    from infra_toolkit import tuning_cost

    assert sorted(tuning_cost.__all__) == ["SweepPricer", "group_resources"]


def _plan_on_two_m5_groups(tmp_path: Path) -> Path:
    """small.yaml with a second m5.large group ``spare`` (1..2 nodes) and api on both groups
    (no node_group: its pods may run on either)."""
    shutil.copytree(MANIFESTS, tmp_path / "manifests")
    text = (REPO_ROOT / SMALL_PLAN).read_text().replace("../manifests/", "manifests/")
    for old, new in (("      scaling_config: {desired_size: 2, min_size: 2, max_size: 4}\n",
                      "      scaling_config: {desired_size: 2, min_size: 2, max_size: 4}\n"
                      "    - type: aws_eks_node_group\n      name: spare\n"
                      "      instance_types: [m5.large]\n"
                      "      scaling_config: {desired_size: 1, min_size: 1, max_size: 2}\n"),
                     ("      node_group: general\n", "")):
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    return path


def test_a_workload_on_two_groups_of_one_type_runs_every_variant_unscreened(
        tmp_path: Path) -> None:
    # summary rows count node-hours per instance type (both groups are m5.large), so the sweep
    # runs every variant alone through the report's run, which counts them per group
    plan = read_plan(_plan_on_two_m5_groups(tmp_path))
    book = load_price_book()
    result = sweep_workload(plan, book, "api", parse_vary(["maxReplicas=2,8"]),
                            scenarios=["steady"])
    assert result.cluster == ()
    assert result.unscreened == "node groups general, spare of one instance type, m5.large"
    assert result.confirmed == 2  # the baseline (maxReplicas 8) and maxReplicas 2, both run
    base = result.table[result.table["baseline"]].iloc[0]
    # 40 req/s on the 2 starting pods: 20 req/s each, CPU 20 + 5 x 20 = 120m of 200m = 60 % <
    # 70 %, so they stay 2 and fit the nodes already up; the groups' min_size keeps 2 general
    # + 1 spare node for the hour: 3 node-hours. Priced as the report does, per group:
    # general 2 x 730 h x $0.096 = $140.16 + 2 x 20 GB gp2 x $0.10 = $4.00 -> $144.16;
    # spare   1 x 730 h x $0.096 =  $70.08 + 1 x 20 GB gp2 x $0.10 = $2.00 ->  $72.08;
    # together $216.24
    assert base["steady:node_hours"] == 3.0
    assert base["monthly_usd"] == Decimal("216.24")
    assert base["checked_by"] == "report rule" and base["status"] == "meets SLOs"
    two = _row(result, maxReplicas=2)
    assert two["checked_by"] == "report rule" and two["monthly_usd"] == Decimal("216.24")
    # the report's own run of the plan gives the same node-hours per group and cost
    report = analyze_plan(plan.path, scenarios=["steady"],
                          store_location=str(tmp_path / "none"))
    run = report.run("steady")
    assert run.cluster.node_hours_by_node_group == {"general": 2.0, "spare": 1.0}
    lines = [ln for ln in run.estimate.lines if ln.address.startswith("aws_eks_node_group.")]
    assert cents(sum(ln.monthly_cost_usd for ln in lines)) == Decimal("216.24")
    text = format_sweep(result, "table").splitlines()[:2]
    assert text[0].startswith(
        "workload api: 2 variants (0 invalid, 2 run through simulate, every variant run (no "
        "screen): node groups general, spare of one instance type, m5.large), scenarios steady")
    assert text[1].startswith("SLO rule: every variant runs (no screen: node groups general, "
                              "spare of one instance type, m5.large, which simulate_many's "
                              "summary rows cannot bill apart (they count node-hours per "
                              "instance type)), alone as the report runs it")
    doc = json.loads(format_sweep(result, "json"))
    assert doc["no_screen"] == ("every variant run (no screen): node groups general, spare of "
                                "one instance type, m5.large")
    assert doc["shares_nodes_with"] == [] and doc["confirmed_count"] == 2
    with pytest.raises(SimulationError, match=r"workload 'api' runs on node groups general, "
                       r"spare of one instance type, m5.large, so each variant runs alone \(the "
                       r"report's run, no summary screen\): 4 runs \(variants x scenarios\) is "
                       r"over the limit of 3"):
        sweep_workload(plan, book, "api", parse_vary(["maxReplicas=2,8"]),
                       scenarios=["steady", "double"], max_cluster_runs=3)


def _small_plan_with_hpa(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the small plan whose HPA manifest has ``old`` (which must be there) as ``new``."""
    shutil.copytree(MANIFESTS, tmp_path / "manifests")
    hpa = tmp_path / "manifests" / "hpa.yaml"
    text = hpa.read_text()
    assert old in text
    hpa.write_text(text.replace(old, new))
    path = tmp_path / "plan.yaml"
    path.write_text((REPO_ROOT / SMALL_PLAN).read_text().replace("../manifests/", "manifests/"))
    return path


def test_a_cpu_target_typed_value_is_varied_as_the_controller_reads_it(tmp_path: Path) -> None:
    # audit11 A11-6: {type: Value, averageUtilization: 70} is accepted and read as a 70 %
    # Utilization target (the controller dispatches a Resource target on the field set), so
    # --vary cpu.averageUtilization must change that field, not find no Utilization target
    path = _small_plan_with_hpa(tmp_path, "{type: Utilization, averageUtilization: 70}",
                                "{type: Value, averageUtilization: 70}")
    result = sweep_workload(read_plan(path), load_price_book(), "api",
                            parse_vary(["cpu.averageUtilization=50,70"]), scenarios=["steady"])
    assert len(result.table) == 2  # the baseline (70) and 50
    fifty = _row(result, **{"cpu.averageUtilization": 50})
    # 2 pods at 20 req/s: 20 + 5 x 20 = 120m of 200m = 60 %; 60 / 50 = 1.2 > 1.1: ceil(2 x 60 /
    # 50) = ceil(2.4) = 3 pods; at 3 pods 20 + 5 x 13.3 = 86.7m = 43 %, ceil(3 x 43 / 50) = 3: 3
    assert fifty["steady:peak_replicas"] == 3
    base = result.table[result.table["baseline"]].iloc[0]
    # 70 %: 60 / 70 = 0.857, below 1 - 0.1, but ceil(2 x 60 / 70) = ceil(1.71) = 2 (and
    # minReplicas 2): stays 2
    assert base["steady:peak_replicas"] == 2


def test_a_container_resource_cpu_target_is_varied_as_its_resource_twin(tmp_path: Path) -> None:
    # the small plan's pod runs one container, 'api': a ContainerResource cpu metric on it is
    # the Resource metric (container_metrics), so the sweep runs and varies it (it refused: "the
    # HPA has no Resource cpu metric", and any --vary stopped at "cannot be simulated")
    path = _small_plan_with_hpa(tmp_path, "    - type: Resource\n      resource:\n",
                                "    - type: ContainerResource\n      containerResource:\n"
                                "        container: api\n")
    result = sweep_workload(read_plan(path), load_price_book(), "api",
                            parse_vary(["cpu.averageUtilization=50,70"]), scenarios=["steady"])
    assert len(result.table) == 2  # the baseline (70) and 50
    # the same figures as the Resource metric's (test above): 60 % at 2 pods of 20 req/s,
    # ceil(2 x 60 / 50) = 3 at a 50 % target; 2 at 70 %
    assert _row(result, **{"cpu.averageUtilization": 50})["steady:peak_replicas"] == 3
    base = result.table[result.table["baseline"]].iloc[0]
    assert base["steady:peak_replicas"] == 2
    minimum = sweep_workload(read_plan(path), load_price_book(), "api",
                             parse_vary(["minReplicas=2,3"]), scenarios=["steady"])
    assert _row(minimum, minReplicas=3)["steady:peak_replicas"] == 3


# audit14 A14-8: m6g.large is arm64, the group's AMI amd64; session 19: t3.nano has 0.5 GiB of
# memory, less than the kubelet's reserve and one pod's 256 MiB request (200m, 256Mi in
# tests/data/plans/manifests/deployment.yaml), which the simulation refused only once the
# screen ran. Before, either ended the whole sweep instead of giving an invalid row beside
# the types that can run.
@pytest.mark.parametrize(("itype", "note"), [
    ("m6g.large", "instance type m6g.large: node group 'general': 'm6g.large' is arm64 but "
                  "ami_type"),
    ("t3.nano", "instance type t3.nano: a pod requesting 200m CPU and 256 MiB does not fit on "
                "node group 'general' (t3.nano: "),
])
def test_a_type_the_group_cannot_run_is_an_invalid_row(
        small: tuple[Plan, PriceBook], itype: str, note: str) -> None:
    plan, book = small
    t = sweep_workload(plan, book, "api", parse_vary([f"instance_type=m5.large,{itype}"]),
                       scenarios=["steady"]).table
    row = t[t["instance_type"] == itype].iloc[0]
    assert row["status"] == "invalid" and row["monthly_usd"] is None
    assert row["note"].startswith(note)
    # the baseline (m5.large) is swept as before: 2 nodes x 730 h x 0.096 + 2 x 20 GB x 0.10
    assert t[t["baseline"]].iloc[0]["monthly_usd"] == Decimal("144.16")
    # alone, the type leaves nothing to sweep
    with pytest.raises(SpecError, match="--instance-types: no type given can run here: "
                                        + re.escape(note)):
        sweep_workload(plan, book, "api", parse_vary([f"instance_type={itype}"]),
                       scenarios=["steady"])


def test_a_workload_with_a_disruption_budget_runs_every_variant_unscreened(
        tmp_path: Path) -> None:
    # audit15 A15-4: the sweep engine does not model PodDisruptionBudgets, so a workload with
    # one (beside its Deployment) has every variant run through simulate, which honours it
    shutil.copytree(MANIFESTS, tmp_path / "manifests")
    deployment = tmp_path / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text() + (
        "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: api-pdb}\n"
        "spec:\n  maxUnavailable: 1\n  selector: {matchLabels: {app: api}}\n"))
    path = tmp_path / "plan.yaml"
    path.write_text((REPO_ROOT / SMALL_PLAN).read_text().replace("../manifests/", "manifests/"))
    result = sweep_workload(read_plan(path), load_price_book(), "api",
                            parse_vary(["maxReplicas=2,8"]), scenarios=["steady"])
    assert result.unscreened == ("nodes whose scale-down honours its PodDisruptionBudget "
                                 "api-pdb, which the sweep engine does not model")
    # the SLO rule line gives that reason, not node groups of one type (author18: both said)
    assert format_sweep(result, "table").splitlines()[1].startswith(
        "SLO rule: every variant runs (no screen: nodes whose scale-down honours its "
        "PodDisruptionBudget api-pdb, which the sweep engine does not model), alone as the "
        "report runs it")
    assert result.confirmed == 2
    assert set(result.table["checked_by"]) == {"report rule"}


def _with_load_test(tmp_path: Path) -> Plan:
    """small.yaml with a third scenario, a load test: 200 users each sending a request every
    5 s (no response time) = 40 req/s, held 10 minutes."""
    shutil.copytree(MANIFESTS, tmp_path / "manifests")
    text = (REPO_ROOT / SMALL_PLAN).read_text().replace("../manifests/", "manifests/")
    text = text.replace("slos:\n", "  - name: load-test\n    description: 200 users\n"
                        "    load_test: {users: 200, think_time: 5s, ramp_up: 0s, hold: 10m}\n"
                        "slos:\n", 1)
    (tmp_path / "plan.yaml").write_text(text)
    return read_plan(tmp_path / "plan.yaml")


def test_a_load_test_has_no_monthly_projection_in_any_format(tmp_path: Path) -> None:
    # the report's rule (docs/PLAN.md "Scenarios and cost"): a load test is simulated and its
    # SLOs judged, but minutes of synthetic users are not a month of traffic
    plan = _with_load_test(tmp_path)
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    grid = parse_vary(["maxReplicas=2"])
    result = sweep_workload(plan, book, "api", grid, scenarios=["steady", "load-test"])
    alone = sweep_workload(plan, book, "api", grid, scenarios=["steady"]).table
    t = result.table
    assert result.cost_scenario == "steady"
    # the ranking and its money are steady's, as without the load test
    assert list(t["maxReplicas"]) == list(alone["maxReplicas"])
    assert list(t["monthly_usd"]) == list(alone["monthly_usd"])
    # steady's own figure is there: 2 m5.large nodes x $0.096 x 730 h = $140.16, plus
    # 2 x 20 GB gp2 x $0.10 = $4.00 (small.yaml's disks): $144.16
    assert t.loc[t["baseline"], "steady:monthly_usd"].iloc[0] == Decimal("144.16")
    assert list(t["load-test:monthly_usd"]) == [None, None]
    assert list(t["load-test:request_share_monthly_usd"]) == [None, None]
    assert list(t["steady:monthly_note"]) == ["", ""]
    note = ("load test: no monthly projection (minutes of synthetic users are not a month of "
            "traffic)")
    assert list(t["load-test:monthly_note"]) == [note, note]
    assert t["load-test:peak_replicas"].notna().all()  # simulated all the same
    doc = json.loads(format_sweep(result, "json"))
    for v in doc["variants"]:
        assert v["scenarios"]["load-test"]["monthly_usd"] is None
        assert v["scenarios"]["load-test"]["monthly_note"] == note
        assert v["scenarios"]["steady"]["monthly_usd"] is not None
        assert v["scenarios"]["steady"]["monthly_note"] == ""
    rows = format_sweep(result, "csv").splitlines()
    header = rows[0].split(",")
    cells = rows[1].split(",")
    assert cells[header.index("load-test:monthly_usd")] == ""
    assert note in rows[1]
    assert f"\nload-test: {note}\n" in format_sweep(result, "table")
