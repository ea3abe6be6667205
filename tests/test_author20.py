"""author20: an event-ingest plan in us-west-2 written from the docs alone
(tests/data/author20/event-ingest.yaml): an HTTP ingest API on a CPU HPA, an SQS consumer on
an External ApproximateNumberOfMessagesVisible metric (AverageValue, ``consumer: pull``), a
PodDisruptionBudget, ElastiCache in cluster mode, an NLB and a NAT gateway, priced from the
fixture's own us-west-2 tables (typed for the fixture, not checked against AWS). Also the
defects the plan's writing showed, each with its expected values worked by hand."""

from __future__ import annotations

import hashlib
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from infra_toolkit import sections
from infra_toolkit.analysis import analyze_plan
from infra_toolkit.cost import cents
from infra_toolkit.cost_sim import lcu_hours
from infra_toolkit.errors import PlanError
from infra_toolkit.object_external_replicas import get_external_per_pod_metric_replicas
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_cost import traffic_profile_from_usage
from infra_toolkit.plan_operations_types import DeploymentStrategy
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import load_price_book
from infra_toolkit.replica_types import Tolerances
from infra_toolkit.resources import Resource, parse_resources
from infra_toolkit.rollout_strategies import manifest_mismatches
from infra_toolkit.rollout_tables import rollout_table
from infra_toolkit.sections_deployment import _why_own_strategy
from tests.cost_helpers import declared_cents, plan_price_book

PLAN = Path(__file__).resolve().parent / "data" / "author20" / "event-ingest.yaml"
D = Decimal

ElastiCache = dict[str, Any]


# ------------------------------------------- replication groups AWS or Terraform refuse

def _group(**fields: Any) -> list[ElastiCache]:
    return [{"type": "aws_elasticache_replication_group", "name": "dedupe",
             "node_type": "cache.r6g.large", **fields}]


@pytest.mark.parametrize(("fields", "message"), [
    # Terraform's CustomizeDiff: "automatic_failover_enabled must be true if multi_az_enabled
    # is true"; was priced as 2 x 0.206 x 730 = $300.76
    ({"num_cache_clusters": 2, "multi_az_enabled": True},
     r"resources\[0\]\.automatic_failover_enabled: must be true when multi_az_enabled is "
     r"true .*set automatic_failover_enabled: true, or multi_az_enabled: false"),
    # CreateReplicationGroup: AutomaticFailoverEnabled "must be enabled for ... (cluster mode
    # enabled) replication groups"; was priced as 2 x (1 + 1) = 4 nodes
    ({"num_node_groups": 2, "replicas_per_node_group": 1},
     r"resources\[0\]\.automatic_failover_enabled: must be true with num_node_groups 2 "
     r"\(cluster mode"),
    # 300 shards x (1 + 1 replica) = 600 nodes > AWS's 500 a group; was priced as
    # 600 x 0.206 x 730 = $90,228
    ({"num_node_groups": 300, "replicas_per_node_group": 1, "automatic_failover_enabled": True},
     r"resources\[0\]\.num_node_groups: 300 shard\(s\) x \(1 \+ 1 replica\(s\)\) is 600 nodes, "
     r"more than the 500 a replication group can have"),
])
def test_replication_groups_aws_refuses_are_errors(fields: ElastiCache, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        parse_resources(_group(**fields), default_region="us-west-2")


def test_the_largest_replication_group_aws_allows_is_accepted() -> None:
    # 250 shards x (1 + 1) = 500 nodes: exactly the limit
    (group,) = parse_resources(_group(num_node_groups=250, replicas_per_node_group=1,
                                      automatic_failover_enabled=True),
                               default_region="us-west-2")
    assert group.attributes["num_node_groups"] == 250


# ----------------------------------------------- Internet egress that leaves by a NAT gateway

def _ingest_resources(through_lb: bool) -> tuple[Resource, ...]:
    transfer_usage: dict[str, Any] = {"monthly_outbound_internet_gb": 3650}
    if not through_lb:
        transfer_usage["egress_through_load_balancer"] = False
    return parse_resources([
        {"type": "aws_lb", "name": "ingest", "load_balancer_type": "network",
         "usage": {"processed_bytes_gb": 2, "new_connections": 60, "active_connections": 3000}},
        {"type": "aws_data_transfer", "name": "internet", "usage": transfer_usage}],
        default_region="us-west-2")


def test_egress_through_a_nat_gateway_adds_nothing_to_the_load_balancers_bytes() -> None:
    # at 1,000 requests a second: a month is 1000 x 730 x 3600 = 2,628,000,000 requests.
    # egress 3,650 GB / 2.628e9 = 1.388889e-6 GB = 1491.308 bytes a request (x 2^30);
    # processed 2 GB an hour / 3.6e6 requests an hour = 5.5556e-7 GB = 596.523 bytes a request
    nat = traffic_profile_from_usage(_ingest_resources(through_lb=False), 1000.0)
    assert nat is not None
    assert nat.response_bytes == pytest.approx(3650 / 2_628_000_000 * 2**30)
    assert nat.request_bytes == pytest.approx(2 / 3_600_000 * 2**30)  # all of processed
    assert nat.responses_through_load_balancer is False
    # through the load balancer (the default) the responses are part of the 2 GB, which they
    # exceed: request bytes max(0, 596.5 - 1491.3) = 0
    lb = traffic_profile_from_usage(_ingest_resources(through_lb=True), 1000.0)
    assert lb is not None and lb.request_bytes == 0.0 and lb.responses_through_load_balancer


def test_nlcu_hours_count_the_request_bytes_alone_when_egress_leaves_by_nat() -> None:
    # one hour at the reference 1,000 req/s (240 steps of 15 s): processed = 3.6e6 requests x
    # 596.523 bytes = 2 GB -> 2 NLCU (TCP: 1 GB an hour each); new flows 60 / 800 = 0.075,
    # active 60 x (3000 / 60 s) = 3,000 / 100,000 = 0.03: the hour bills 2 NLCU-hours.
    # Before, the responses were added: (0 + 1491.3) x 3.6e6 / 2^30 = 5 GB -> 5 NLCU-hours.
    per_lcu = load_price_book().lcu_dimensions("network", "TCP")
    served = np.full(240, 1000.0)
    for through_lb, expected in ((False, "2"), (True, "5")):
        traffic = traffic_profile_from_usage(_ingest_resources(through_lb), 1000.0)
        assert traffic is not None
        assert round(lcu_hours(served, 15.0, traffic, per_lcu, "network"), 9) == D(expected)


# ------------------------------------------------------------------------ the fixture itself

def test_the_fixture_validates_with_the_consumers_queue_cycle_warning_alone() -> None:
    plan, problems, warnings = check_plan_warnings(PLAN)
    assert plan is not None and problems == []
    # reader24: event-consumer scales on the queue depth alone (300 messages a pod, concurrency
    # 10 < 300), so while it keeps up the HPA asks for minReplicas 2 = 2 x 100 = 200 rps, under
    # the mean rates 987.9 and 1,036.7 rps: it cycles (42 scale events in expected-hour)
    assert [w.path for w in warnings] == ["proposed.workloads[1].hpa"]
    assert "minReplicas (2), which serve 2 x 100 = 200 rps" in warnings[0].message
    # the PodDisruptionBudget in ingest-api.yaml is the API's, read from its Deployment's file
    (budget,) = plan.proposed.workloads[0].deployment.budgets
    assert budget["spec"] == {"maxUnavailable": 1, "selector": {"matchLabels": {
        "app.kubernetes.io/name": "ingest-api"}}}


def test_the_trace_is_the_cut_its_origin_note_says() -> None:
    csv = PLAN.parent / "ingest" / "traces" / "azure_llm_conv_20231116_1min.csv"
    note = csv.with_suffix(".md").read_text()
    assert hashlib.sha256(csv.read_bytes()).hexdigest() in note
    rows = [r.split(",") for r in csv.read_text().splitlines()]
    assert rows[0] == ["timestamp", "requests"] and len(rows) == 1 + 58
    counts = [int(c) for _t, c in rows[1:]]
    assert sum(counts) == 19_328 and max(counts) == 506 and min(counts) == 190
    assert rows[1 + counts.index(506)][0] == "1860"  # minute 31


# Declared cost, by hand (730 hours a month). Rows: ingest/prices-us-west-2-ec2.csv (typed for
# the fixture) c5.large 0.085, m6i.large 0.096; ingest/prices-us-west-2-services.csv (typed)
# eks standard 0.10, nlb_hour 0.0225, nlb_nlcu 0.006, nat_gateway_hour 0.045,
# nat_gateway_data_processed 0.045 a GB, ebs_gp2 0.10 and ebs_gp3 0.08 a GB-month; shipped
# elasticache_on_demand_2024-08-09.csv us-west-2 Redis cache.r6g.large 0.206 (line 1530),
# other_services_2026-05-03.csv us-west-2 internet_out first 10 TB 0.09, intra_region 0.01.
SHARED = {
    ("aws_lb.ingest", "Network load balancer"): D("16.43"),  # 730 x 0.0225 = 16.425
    # NLCU (TCP): max(2 GB/h / 1, 60 new flows/s / 800 = 0.075, 3,000 active / 100,000 = 0.03)
    # = 2; 2 x 730 x 0.006 = 8.76
    ("aws_lb.ingest", "Load balancer capacity units"): D("8.76"),
    ("aws_nat_gateway.egress", "NAT gateway"): D("32.85"),  # 730 x 0.045
    ("aws_nat_gateway.egress", "Data processed"): D("164.25"),  # 3,650 GB x 0.045
    # 3,650 GB x 0.09 (all within the first 10 TB tier)
    ("aws_data_transfer.internet", "Outbound data transfer to Internet (first 10TB)"):
        D("328.50"),
}
CURRENT = {
    **{(f"aws_instance.ingest[{i}]", "Instance usage (Linux/UNIX, on-demand, c5.large)"):
       D("62.05") for i in range(4)},  # 730 x 0.085
    **{(f"aws_instance.ingest[{i}]", "root_block_device: Storage (general purpose SSD, gp3)"):
       D("2.40") for i in range(4)},  # 30 GB x 0.08
    **SHARED,
}
PROPOSED = {
    ("aws_eks_cluster.events", "EKS cluster"): D("73.00"),  # 730 x 0.10
    # desired_size 4: 4 x 730 x 0.096 = 280.32; disks 4 x 30 GB gp2 x 0.10 = 12
    ("aws_eks_node_group.events", "Instance usage (Linux/UNIX, on-demand, m6i.large)"):
        D("280.32"),
    ("aws_eks_node_group.events", "Storage (general purpose SSD, gp2)"): D("12.00"),
    # cluster mode: 2 shards x (1 primary + 1 replica) = 4 nodes x 0.206 x 730 = 601.52
    ("aws_elasticache_replication_group.dedupe", "ElastiCache (on-demand, cache.r6g.large)"):
        D("601.52"),
    # 400 GB between zones, billed out of one and into the other: 2 x 400 x 0.01 = 8
    ("aws_data_transfer.internet", "Intra-region data transfer"): D("8.00"),
    **SHARED,
}


@pytest.mark.parametrize(("side", "expected", "total"), [
    # 4 x (62.05 + 2.40) + 16.425 + 8.76 + 32.85 + 164.25 + 328.50 = 257.80 + 550.785 = 808.585
    ("current", CURRENT, D("808.59")),
    # 73 + 280.32 + 12 + 601.52 + 8 + 550.785 = 1,525.625, rounded half up
    ("proposed", PROPOSED, D("1525.63")),
])
def test_every_declared_cost_line_is_the_hand_arithmetic(
        side: str, expected: dict[tuple[str, str], Decimal], total: Decimal) -> None:
    assert declared_cents(PLAN, side, plan_price_book(PLAN)) == (expected, total)


def test_the_expected_hours_load_following_lines_are_the_declared_ones(
        tmp_path: Path) -> None:
    # expected-hour is the reference scenario (the first): its mean offered rate is the
    # trace's 19,328 requests in 3,480 s scaled by 1,500 / (506 / 60), i.e. 19,328 x 1,500 x
    # 60 / 506 = 3,437,786.56 requests, and the API serves every one, so the NLB (2 NLCU, the
    # uploads only: the egress leaves by the NAT gateway), the egress and the intra-region GB
    # come back as declared.
    a = analyze_plan(PLAN, scenarios=["expected-hour"], store_location=str(tmp_path / "none"))
    api = a.runs[0].simulations["ingest-api"].summary
    assert api.offered_requests == pytest.approx(19_328 * 1_500 * 60 / 506)
    assert api.dropped_requests == 0 and api.served_requests == api.offered_requests
    lines = {(ln.address, ln.component): cents(ln.monthly_cost_usd)
             for ln in a.proposed_estimate.lines}
    for key in [("aws_lb.ingest", "Load balancer capacity units"),
                ("aws_data_transfer.internet",
                 "Outbound data transfer to Internet (first 10TB)"),
                ("aws_data_transfer.internet", "Intra-region data transfer")]:
        assert lines[key] == PROPOSED[key]


@pytest.mark.parametrize(("visible_messages", "replicas", "expected"), [
    # AverageValue 300 a pod: ceil(4,500 / 300) = 15 (ratio 4,500 / (300 x 7) = 2.14,
    # outside the 10 % tolerance)
    (4_500, 7, 15),
    # 2,000 waiting with 7 pods: ratio 2,000 / 2,100 = 0.952, within tolerance: stay at 7
    (2_000, 7, 7),
    # 1,800 with 7: ratio 0.857, outside: ceil(1,800 / 300) = 6
    (1_800, 7, 6),
])
def test_the_consumer_hpa_asks_for_a_pod_per_300_waiting_messages(
        visible_messages: int, replicas: int, expected: int) -> None:
    hpa = read_plan(PLAN).proposed.workloads[1].hpa_spec
    assert hpa is not None
    target = hpa.metrics[0].external
    assert target is not None and target.target.average_value_milli == 300_000
    proposal = get_external_per_pod_metric_replicas(
        replicas, target.target.average_value_milli, Tolerances(0.1, 0.1),
        [visible_messages * 1000])
    assert proposal.replicas == expected


def test_the_backfill_bursts_nat_gateway_gb_follow_its_egress(tmp_path: Path) -> None:
    # The egress leaves by the NAT gateway (egress_through_load_balancer: false), so the
    # declared 3,650 GB of each describe the reference expected-hour: 3,437,786.56 requests in
    # 3,480 s, 987.87 req/s. backfill-burst serves 3,665,115.05 in 3,600 s, 1,018.09 req/s, so
    # both are 3,650 x 1,018.09 / 987.87 = 3,650 x 3,665,115.05 x 3,480 / (3,437,786.56 x
    # 3,600) = 3,761.65 GB (before: the NAT gateway stayed at 3,650 GB while the egress rose).
    # NAT: 3,761.65 x 0.045 (ingest/prices-us-west-2-services.csv) = 169.27; egress: x 0.09
    # (first 10 TB) = 338.55. expected-hour serves its reference rate: 3,650 GB, 164.25.
    a = analyze_plan(PLAN, store_location=str(tmp_path / "none"))
    burst = a.run("backfill-burst")
    served = burst.simulations["ingest-api"].summary.served_requests
    assert served == pytest.approx(3_665_115.05, abs=0.01)
    nat_gb = 3650 * 3_665_115.0462 * 3480 / (19_328 * 1_500 * 60 / 506 * 3600)
    assert nat_gb == pytest.approx(3761.65, abs=0.005)
    for run, gb, nat_usd, egress_usd in ((burst, nat_gb, "169.27", "338.55"),
                                        (a.run("expected-hour"), 3650, "164.25", "328.50")):
        lines = {(ln.address, ln.component): ln for ln in run.estimate.lines}
        nat = lines[("aws_nat_gateway.egress", "Data processed")]
        egress = lines[("aws_data_transfer.internet",
                        "Outbound data transfer to Internet (first 10TB)")]
        assert float(nat.monthly_quantity) == pytest.approx(gb)
        assert float(egress.monthly_quantity) == pytest.approx(gb)
        assert cents(nat.monthly_cost_usd) == D(nat_usd)
        assert cents(egress.monthly_cost_usd) == D(egress_usd)
        assert "aws_nat_gateway.egress's data processed (monthly_data_processed_gb, the egress " \
            "leaving by it)" in run.estimate.notes[0]
    # the declared (review basis) cost keeps the declared 3,650 GB: 164.25
    assert PROPOSED[("aws_nat_gateway.egress", "Data processed")] == D("164.25")
    assert declared_cents(PLAN, "proposed", plan_price_book(PLAN))[0] == PROPOSED


def test_each_workload_rolls_by_the_surge_its_controller_uses(tmp_path: Path) -> None:
    # The plan's rolling block (maxSurge 25 %) is ingest-api's; event-consumer's Deployment
    # rolls with maxSurge 1, maxUnavailable 0, as the plan's description says. Timed by the
    # plan's 25 % the consumer's 30 pods took ceil(30 x 0.25) = 8 surge pods, 4 waves, 40 s, a
    # figure its controller never produces (and the report said the manifests disagree).
    a = analyze_plan(PLAN, scenarios=["expected-hour"], store_location=str(tmp_path / "none"))
    assert manifest_mismatches(a) == []
    rows = {(r["Workload"], r["Rolled at"]): r for r in rollout_table(a).to_dict("records")}
    api = rows[("ingest-api", "maxReplicas")]
    # 20 pods, surge ceil(20 x 0.25) = 5: ceil(20 / 5) = 4 waves x 15 s to Ready = 1 min
    assert (api["Surge"], api["Most pods at once"], api["Waves"], api["Duration"]) == (
        5, 25, 4, "1 min")
    consumer = rows[("event-consumer", "maxReplicas")]
    # 30 pods, surge 1: 31 at once, ceil(30 / 1) = 30 waves x 10 s to Ready = 300 s = 5 min
    assert (consumer["Surge"], consumer["Most pods at once"], consumer["Waves"],
            consumer["Duration"]) == (1, 31, 30, "5 min")
    # Two strategies (the plan's 25 % and the consumer's own 1) but one way back: the rollback
    # note names both workloads in one clause, not the same sentence twice.
    (note,) = [p for p in sections.deployment_strategy(a).parts
               if isinstance(p, str) and "rollout-rollback" in p]
    assert note.count("a rolling update is rolled back by another") == 1
    assert "Rolling back: ingest-api, event-consumer: a rolling update is rolled back" in note


def test_the_point_of_no_return_names_the_timelines_termination_day() -> None:
    # reader22: it said "after 14 days of clean operation" with no date, where the other
    # fixtures name the day; the timeline's cutover is 2027-03-16, hypercare the 14 days
    # 2027-03-17 to 2027-03-30, the termination 2027-03-31 (16 + 1 + 14 = 31)
    plan = read_plan(PLAN)
    phases = {p.name.split(" (")[0]: p for p in plan.timeline}
    assert str(phases["Cutover of the NLB listener"].start) == "2027-03-16"
    assert str(phases["Hypercare with the instances kept for rollback"].start) == "2027-03-17"
    assert phases["Hypercare with the instances kept for rollback"].duration_s == 14 * 86_400
    assert str(phases["Terminate the instances"].start) == "2027-03-31"
    # reader23: question 3 said "keeping the four instances for 14 days": they run from the
    # cutover to the termination, 2027-03-16 to 2027-03-31; the 14 days are the hypercare
    assert " ".join(plan.questions[2].split()) == (
        "Do you accept keeping the four instances running as the rollback path until "
        "2027-03-31, through the 2027-03-16 cutover and the 14 days of hypercare after it?")
    point = " ".join((plan.rollback.point_of_no_return or "").split())
    assert point.startswith("Terminating the four c5.large instances on 2027-03-31 (timeline "
                            'phase "Terminate the instances"), after the 2027-03-16 cutover and '
                            "14 days of clean hypercare")


def test_the_flapping_risk_counts_the_nodes_the_load_needs_by_hand(tmp_path: Path) -> None:
    # reader22: the risk set the simulated 15-node peak against "about 8 (9 API pods at 2 a
    # node, 10 consumers at 3 a node)": the hour's mean load, 4.5 + 3.3 nodes, not its busiest
    # minute, and packed apart. A node leaves 1,805m (m6i.large less the kubelet's reserve and
    # the 2 DaemonSets, the report's room): 2 API pods (2 x 800 = 1,600m), 3 consumers
    # (3 x 500 = 1,500m) or 1 API pod and 2 consumers (800 + 1,000 = 1,800m).
    # API pods at the HPA's 60 % of 800m: (480 - 30) / 4 = 112.5 batches a second each;
    # consumers 100 each.
    # Busiest minute, 1,500: ceil(1,500 / 112.5) = 14 API pods, 15 consumers; 14 x 800 +
    # 15 x 500 = 18,700m > 10 x 1,805 = 18,050m, so at least 11 nodes, and 11 hold them:
    # 8 mixed (8 API, 16 consumers >= 15) + 3 of 2 API (6) = 11.
    # Mean, 988: ceil(988 / 112.5) = 9 API pods, ceil(988 / 100) = 10 consumers; 9 x 800 +
    # 10 x 500 = 12,200m > 6 x 1,805 = 10,830m, at least 7, and 5 mixed (5 API, 10
    # consumers) + 2 of 2 API (4) = 7 hold them.
    assert (math.ceil(1_500 / 112.5), math.ceil(1_500 / 100)) == (14, 15)
    assert 14 * 800 + 15 * 500 > 10 * 1_805 and (8 + 2 * 3, 2 * 8) == (14, 16)
    assert (math.ceil(988 / 112.5), math.ceil(988 / 100)) == (9, 10)
    assert 9 * 800 + 10 * 500 > 6 * 1_805 and (5 + 2 * 2, 2 * 5) == (9, 10)
    risk = " ".join(read_plan(PLAN).risks[1].description.split())
    assert ("the node group runs 15 nodes at its peak where the load alone needs 11 at the "
            "busiest minute (1,500 batches a second: 14 API pods at 112.5 each, 15 consumers at "
            "100 each; a node holds 2 API pods, 3 consumers or 1 API pod and 2 consumers) and 7 "
            "at the hour's mean of 988 (9 API pods, 10 consumers)") in risk
    a = analyze_plan(PLAN, scenarios=["expected-hour"], store_location=str(tmp_path / "none"))
    assert int(a.runs[0].simulations["ingest-api"].timeline["nodes"].max()) == 15


def test_the_slo_caption_says_a_pull_consumers_saturated_steps_are_judged_on_their_value(
        tmp_path: Path) -> None:
    # reader22: the caption said a latency SLO's minutes count the steps "at saturated pods",
    # but event-consumer (consumer: pull) is judged on its value there: its expected-hour p95
    # peaks at 55,130 ms, 0.30 s of work (ln 20 / (100 / 10 slots) s) plus a 38,381-message
    # backlog over 7 Ready pods x 100 a second (54.83 s), under the 120,000 ms SLO: 0 minutes
    a = analyze_plan(PLAN, scenarios=["expected-hour"], store_location=str(tmp_path / "none"))
    table = next(t for t in sections.scaling_behaviour(a).tables if t.css_class == "slo-checks")
    assert table.caption is not None and (
        "A pull consumer's (event-consumer: consumer: pull) steps at saturated pods are judged "
        "on their value, not counted as violated") in table.caption
    row = table.frame.set_index("SLO").loc["forwarding delay"]
    assert (row["Achieved"], row["Minutes violated"], bool(row["Met"])) == (
        "max p95 55,130 ms", 0.0, True)


def test_the_consumers_own_rolling_update_says_why_it_is_not_the_plans(tmp_path: Path) -> None:
    # reader23: the caption said "not rolled by the plan's strategy (not named by it, or unable
    # to take it: see the plan warnings)", but this plan has no plan warning: its rolling
    # strategy names only ingest-api (deployment_strategy.workloads), so event-consumer rolls
    # by its Deployment's own maxSurge 1. The caption now gives that one reason.
    a = analyze_plan(PLAN, scenarios=["expected-hour"], store_location=str(tmp_path / "none"))
    # the one plan warning is the consumer's queue cycle (reader24), none on the strategy
    assert [w.path for w in a.warnings] == ["proposed.workloads[1].hpa"]
    (caption,) = [t.caption for t in sections.deployment_strategy(a).parts
                  if not isinstance(t, str) and t.caption.startswith("event-consumer")]
    assert caption.startswith(
        "event-consumer: not rolled by the plan's strategy (deployment_strategy.workloads "
        "names only ingest-api), but by the Deployment's own rolling update. ")
    assert "see the plan warnings" not in caption


@pytest.mark.parametrize(("named", "names", "why"), [
    # left out of the strategy's workloads: that is the whole reason
    (("ingest-api",), ("event-consumer",),
     "deployment_strategy.workloads names only ingest-api"),
    # covered (no workloads: all of them) yet on its own: a StatefulSet or an Argo Rollout,
    # each with its plan warning
    ((), ("db",), "unable to take it: see the plan warnings"),
    # both in one group: each reason for its own workload
    (("api", "db"), ("db", "worker"),
     "deployment_strategy.workloads names only api, db; db unable to take it: see the plan "
     "warnings"),
])
def test_why_a_workload_rolls_by_its_own_strategy(named: tuple[str, ...],
                                                  names: tuple[str, ...], why: str) -> None:
    plan = DeploymentStrategy("rolling", "", "25%", 0, workloads=named)
    assert _why_own_strategy(plan, names) == why


def test_the_backfill_bursts_description_gives_its_busiest_steps_rate(tmp_path: Path) -> None:
    # reader23: the description said the load "rises to 3,000" beside the report's peak offered
    # 2,970.25: each 15 s step holds the shape's mean. By hand, the step after the peak (720 to
    # 735 s) averages 600 + 2,400 x exp(-t / 600) over t in [0, 15):
    # 600 + 2,400 x (600 / 15) x (1 - exp(-15 / 600)) = 600 + 96,000 x 0.0246901 = 2,970.25;
    # the ramp's last step (705 to 720 s, linear from 600 at 600 s) averages
    # 600 + 2,400 x 112.5 / 120 = 2,850.
    (scenario,) = [s for s in read_plan(PLAN).scenarios if s.name == "backfill-burst"]
    assert "so the busiest step, the first after the peak, offers 2,970.25." in " ".join(
        scenario.description.split())
    a = analyze_plan(PLAN, scenarios=["backfill-burst"], store_location=str(tmp_path / "none"))
    t = a.run("backfill-burst").simulations["ingest-api"].timeline
    rates = {s: float(t.loc[t["time_s"] == s, "offered_rps"].iloc[0]) for s in (705.0, 720.0)}
    assert round(rates[720.0], 2) == 2970.25 and rates[705.0] == 2850.0
    assert round(float(t["offered_rps"].max()), 2) == 2970.25
    # its test's drain bound quotes the simulation: the busiest step starts at 720 s, the
    # consumer's queue holds messages from 660 s to the tick at 1,075 s and is empty at
    # 1,080 s: 1,080 - 720 = 360 s = 6 min after the peak (reader23: no figure was given)
    (test,) = [x for x in read_plan(PLAN).testing if x.name == "Backfill burst replay"]
    assert "drains within 20 minutes of the peak (the simulation's: 6 min)" in " ".join(
        test.pass_criteria.split())
    assert t.loc[t["offered_rps"].round(2) == 2970.25, "time_s"].tolist() == [720.0, 725.0,
                                                                             730.0]
    queue = a.run("backfill-burst").simulations["event-consumer"].timeline
    waiting = queue.loc[(queue["time_s"] >= 600) & (queue["time_s"] < 1800)
                        & (queue["backlog_requests"] > 0), "time_s"]
    assert (float(waiting.iloc[0]), float(waiting.iloc[-1])) == (660.0, 1075.0)


def test_the_cluster_is_created_on_a_version_in_standard_support() -> None:
    # reader23: the cluster was 1.34, priced at standard support's $0.10 an hour, but EKS's
    # calendar ends 1.34's standard support on 2026-12-02 and 1.35's on 2027-03-27; created on
    # 2027-03-01 a 1.34 cluster bills extended support ($0.60) from its first hour. On 1.35 it
    # bills standard until 2027-03-27, 11 days after the 2027-03-16 cutover (16 + 11 = 27): a
    # risk says so, with the extra 730 x (0.60 - 0.10) = $365 a month if it is not upgraded.
    plan = read_plan(PLAN)
    (cluster,) = [r for r in plan.proposed.resources if r.type == "aws_eks_cluster"]
    assert cluster.attributes["version"] == "1.35"
    assert not cluster.usage["in_extended_support"]
    assert str(plan.timeline[0].start) == "2027-03-01"
    risks = [" ".join(r.description.split()) for r in plan.risks]
    assert ("EKS 1.35 leaves standard support on 2027-03-27, eleven days after the cutover: "
            "from then the control plane bills extended support, $0.60 an hour instead of the "
            "$0.10 the report prices (730 x 0.50 = $365 a month more).") in risks
