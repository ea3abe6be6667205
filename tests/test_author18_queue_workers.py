"""End to end on a plan of a kind the repository does not ship (tests/data/author18/): SQS queue
workers on an eksctl spot node group of three instance types in eu-west-1, scaled by an HPA on
the queue backlog (External ApproximateNumberOfMessagesVisible, AverageValue 100 a pod, named in
``model.queue_depth_metrics``) and CPU, beside an on-demand system group, an NLB, RDS PostgreSQL
gp3 with provisioned IOPS and a 3-node Redis. It validates with only the warnings its figures
imply, every cost line of both sides is the hand arithmetic below, and the simulated HPA reads
the backlog (it doubles to maxReplicas as the batch arrives)."""

from __future__ import annotations

import math
import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from infra_toolkit.plan import read_plan
from infra_toolkit.plan_replay import replay_plan
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import PriceBook
from infra_toolkit.slo_check import evaluate_slos
from tests.cost_helpers import declared_cents, plan_price_book

PLAN = Path(__file__).resolve().parent / "data" / "author18" / "jobs-workers.yaml"
D = Decimal


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return plan_price_book(PLAN)


def test_it_validates_with_the_warnings_its_figures_imply() -> None:
    plan, problems, warnings = check_plan_warnings(PLAN)
    assert plan is not None and problems == []
    # both scenarios peak above maxReplicas x capacity = 40 x 25 = 1,000 rps; the NLB fronts
    # only the ingest API (no HPA). No queue-depth warning: the model names the metric.
    assert [w.path for w in warnings] == ["proposed.workloads[0].hpa"] * 2 + [
        "proposed.workloads[0].behind_load_balancer"]
    assert not any("queue depth" in w.message for w in warnings)


def test_the_time_above_max_replicas_reads_as_a_length() -> None:
    """reader21: the warnings said the rate is above 1,000 rps "for 0.0833 min" and "for
    4.58 min" of the scenarios. By hand: expected-hour is above 1,000 rps in one 5 s step (its
    1,028 rps peak); batch-burst's linear rise from 50 to 1,500 rps between 600 and 660 s has
    its 5 s step mean above 1,000 from the step at 640 s (50 + 1,450 x 42.5 / 60 = 1,077; the
    step at 635 s: 50 + 1,450 x 37.5 / 60 = 956), and the decay 50 + 1,450 x exp(-x / 600)
    from 660 s keeps it there through the step at 910 s (x 250-255 s: about 1,002; at 915 s
    about 994): (910 - 640) / 5 + 1 = 55 steps = 275 s = 4 min 35 s."""
    _, _, warnings = check_plan_warnings(PLAN)
    peaks = [w.message for w in warnings if w.path == "proposed.workloads[0].hpa"]
    assert [m.split("the rate is above 1,000 rps ")[1].split(";")[0] for m in peaks] == [
        "for 5 s of the scenario", "for 4 min 35 s of the scenario"]


# Declared cost, by hand. Rates (jobs/eu-west-1-rates.yaml): m5.large on-demand 0.107 and spot
# 0.0389 an hour; EKS 0.10 an hour; NLB 0.0252 an hour and 0.006 an NLCU-hour; EBS gp3 0.088 a
# GB-month; RDS Multi-AZ gp2 0.253, gp3 0.254 a GB-month and gp3 IOPS 0.044 an IOPS-month.
# Shipped rows: rds_on_demand eu-west-1 PostgreSQL db.m5.large multi-az 0.394 and db.r6g.large
# multi-az 0.504; elasticache_on_demand eu-west-1 Redis cache.r6g.large 0.229 per node.
CURRENT = {
    # 4 instances (count: 4), each 730 x 0.107 = 78.11 and a 50 GB gp3 root 50 x 0.088 = 4.40
    **{(f"aws_instance.worker[{i}]", "Instance usage (Linux/UNIX, on-demand, m5.large)"):
       D("78.11") for i in range(4)},
    **{(f"aws_instance.worker[{i}]", "root_block_device: Storage (general purpose SSD, gp3)"):
       D("4.40") for i in range(4)},
    ("aws_db_instance.jobs", "Database instance (on-demand, Multi-AZ, db.m5.large)"):
        D("287.62"),  # 730 x 0.394
    ("aws_db_instance.jobs", "Storage (general purpose SSD, gp2)"): D("101.20"),  # 400 x 0.253
}
PROPOSED = {
    ("aws_eks_cluster.jobs", "EKS cluster"): D("73.00"),  # 730 x 0.10
    # system: desired 2 on-demand nodes, 2 x 730 x 0.107 = 156.22; 2 x 50 GB x 0.088 = 8.80
    ("aws_eks_node_group.system", "Instance usage (Linux/UNIX, on-demand, m5.large)"):
        D("156.22"),
    ("aws_eks_node_group.system", "launch_template: Storage (general purpose SSD, gp3)"):
        D("8.80"),
    # workers: desired 2 spot nodes priced as the first type, 2 x 730 x 0.0389 = 56.794
    ("aws_eks_node_group.workers", "Instance usage (Linux/UNIX, spot, m5.large)"): D("56.79"),
    ("aws_eks_node_group.workers", "launch_template: Storage (general purpose SSD, gp3)"):
        D("8.80"),
    ("aws_lb.ingest", "Network load balancer"): D("18.40"),  # 730 x 0.0252 = 18.396
    # NLCU (TCP): max(5 new flows/s / 800, 300 active / 100,000, 0.5 GB/h / 1) = 0.5;
    # 0.5 x 730 x 0.006 = 2.19
    ("aws_lb.ingest", "Load balancer capacity units"): D("2.19"),
    ("aws_db_instance.jobs", "Database instance (on-demand, Multi-AZ, db.r6g.large)"):
        D("367.92"),  # 730 x 0.504
    ("aws_db_instance.jobs", "Storage (general purpose SSD, gp3)"): D("101.60"),  # 400 x 0.254
    # gp3 at 400 GiB includes 12,000 IOPS: (15,000 - 12,000) x 0.044 = 132.00; 500 MiBps is
    # the included throughput, so no throughput line
    ("aws_db_instance.jobs", "Provisioned GP3 IOPS (above 12,000)"): D("132.00"),
    # 0 GB beyond the free allowance: $0 with no eu-west-1 rate (author18's first finding)
    ("aws_db_instance.jobs", "Additional backup storage"): D("0.00"),
    ("aws_elasticache_replication_group.jobs_cache", "ElastiCache (on-demand, cache.r6g.large)"):
        D("501.51"),  # 3 nodes x 730 x 0.229 = 501.51
}


@pytest.mark.parametrize(("side", "expected", "total"), [
    # current: 4 x (78.11 + 4.40) + 287.62 + 101.20 = 330.04 + 388.82 = 718.86
    ("current", CURRENT, D("718.86")),
    # proposed: 73 + 156.22 + 8.80 + 56.794 + 8.80 + 18.396 + 2.19 + 367.92 + 101.60 + 132
    # + 0 + 501.51 = 1,427.23
    ("proposed", PROPOSED, D("1427.23")),
])
def test_every_cost_line_and_total_is_the_hand_arithmetic(
        book: PriceBook, side: str, expected: dict[tuple[str, str], Decimal],
        total: Decimal) -> None:
    assert declared_cents(PLAN, side, book) == (expected, total)


def test_the_hpa_reads_the_backlog_and_doubles_to_max_replicas(book: PriceBook) -> None:
    # batch-burst: 50 msg/s, 3 workers (25 msg/s each) keep up until the batch from 600 s.
    # 615: scrape 605, window ticks 590, 595, 600: the tick from 600 s offers 110.42 msg/s
    #   (the flash crowd's rise), the 3 pods serve 75, 177.08 left queued. CPU: per-pod load
    #   (16.67 + 16.67 + 25) / 3 = 19.44 msg/s -> 50 + 20 x 19.44 = 438.9 -> 439m, int(439 x
    #   100 / 500) = 87 %, 87 / 70 = 1.243 -> ceil(1.243 x 3) = 4; the backlog (0 + 0 + 177.08)
    #   / 3 = 59 messages -> ceil(59 / 100) = 1: the larger, 4.
    # 630 on: the backlog asks for far more than 100 a pod, so each sync writes what the
    #   scale-up policy allows, Percent 100 per 15 s: 8, 16, 32, then maxReplicas 40. Read as
    #   a rate (100 msg/s a pod), 1,500 msg/s would ask for at most 15.
    (replay,) = replay_plan(read_plan(PLAN), book, scenarios=["batch-burst"])
    syncs = replay.result.syncs.set_index("time_s")
    assert list(syncs.loc[615.0:690.0, "written"]) == [4, 8, 16, 32, 40, 40]
    assert list(syncs.loc[630.0:660.0, "reason"]) == ["ScaleUpLimit"] * 3


def _as_pull_consumer(tmp_path: Path) -> Path:
    """A copy of the plan whose workers say they pull their messages (``model.consumer``)."""
    shutil.copytree(PLAN.parent, tmp_path / "author18")
    copy = tmp_path / "author18" / PLAN.name
    text = copy.read_text()
    assert text.count("        queue_timeout_s: 900\n") == 1
    copy.write_text(text.replace("        queue_timeout_s: 900\n",
                                 "        queue_timeout_s: 900\n        consumer: pull\n"))
    return copy


def test_as_a_pull_consumer_the_job_latency_slo_is_judged_on_its_value(
        book: PriceBook, tmp_path: Path) -> None:
    # expected-hour as the plan ships (push): 51 ticks of 5 s at the utilization cap, each a
    # violation whatever its p95 (the worst, wait included, 96 s against 120 s): 4.25 minutes.
    # As a pull consumer a job's wait is in the queue, estimated twice: the M/M/4 wait at 0.99
    # (a = 3.96: Erlang B 0.7983871, 0.6125242, 0.4470653, 0.3068046 over k = 1..4, Pw = B /
    # (1 - 0.99 (1 - B)) = 0.9779052; theta = 25 x 0.01 = 0.25 /s; P(T > t) ~ Pw x 6.25 / 6 x
    # e^-0.25t, the e^-6.25t terms e^-75 there: p95 = ln(20 x 0.9779052 x 6.25 / 6) / 0.25 s =
    # 12,056.85 ms) and the service time, ln 20 / mu with mu = 25 / 4 = 6.25 jobs/s (479.32
    # ms), plus the queue's wait backlog / (ready x 25) s; its p95 is the larger of the two
    # (latency.with_backlog_wait_ms); every tick stays under 120 s: met.
    slo = next(s for s in read_plan(PLAN).slos if s.name == "job latency")
    push = replay_plan(read_plan(PLAN), book, scenarios=["expected-hour"])[0].result.timeline
    at_cap = push["latency_saturated"].to_numpy()
    assert at_cap.sum() == 51 and push["p95_latency_ms"].max() < 120_000  # the user's finding
    shipped = evaluate_slos([slo], "jobs-worker", push, 5.0).iloc[0]
    assert shipped["violation_minutes"] == 4.25 and not shipped["met"]
    plan = read_plan(_as_pull_consumer(tmp_path))
    (pull,) = replay_plan(plan, book, scenarios=["expected-hour"])
    t = pull.result.timeline
    assert not t["latency_saturated"].any()
    wait_ms = 1000 * t["backlog_requests"] / (t["ready_pods"] * 25)
    mmc_ms = 1000 * math.log(20 * 0.9779052 * 6.25 / 6) / 0.25  # 12,056.85 ms, above
    np.testing.assert_allclose(t["p95_latency_ms"][at_cap],
                               np.maximum(mmc_ms, 1000 * math.log(20) / 6.25 + wait_ms[at_cap]),
                               rtol=1e-7)
    row = evaluate_slos([slo], "jobs-worker", t, 5.0).iloc[0]
    assert row["violation_minutes"] == 0.0 and row["met"]
    assert "saturated" not in row["achieved"]


def test_as_a_pull_consumer_a_burst_violates_where_the_wait_passes_the_slo(
        book: PriceBook, tmp_path: Path) -> None:
    # batch-burst: the backlog's wait passes 120 s for a while whatever the consumer; a pull
    # consumer's minutes are exactly its ticks whose p95 is above 120 s, no saturated tick added
    slo = next(s for s in read_plan(PLAN).slos if s.name == "job latency")
    (pull,) = replay_plan(read_plan(_as_pull_consumer(tmp_path)), book, scenarios=["batch-burst"])
    t = pull.result.timeline
    over = int((t["p95_latency_ms"] > 120_000).sum())
    assert over > 0
    row = evaluate_slos([slo], "jobs-worker", t, 5.0).iloc[0]
    assert row["violation_minutes"] == over * 5 / 60


def test_the_rollback_matches_the_current_fleet_and_names_the_retirement() -> None:
    """reader21: the rollback's first step scaled "the EC2 worker Auto Scaling group back to 4
    instances", but the current state is 4 aws_instance workers (no Auto Scaling group) that the
    timeline keeps consuming beside EKS, and "Point of no return: -" although the timeline
    retires them. By hand: 2027-01-11 + 3 d ends 2027-01-13; 7 d beside EKS 2027-01-14 to
    2027-01-20; the 1 d retirement is 2027-01-21."""
    from infra_toolkit.plan_operations_types import phase_dates

    plan = read_plan(PLAN)
    assert {r.type for r in plan.current.resources} == {"aws_instance", "aws_db_instance"}
    steps = [" ".join(s.split()) for s in plan.rollback.steps]
    assert not [s for s in steps if "Auto Scaling" in s]
    assert steps[0].startswith("Scale the jobs-worker Deployment to 0;")
    assert "the 4 EC2 workers, still running beside it, take the queue alone" in steps[0]
    dates = dict(zip([p.name for p in plan.timeline], phase_dates(plan.timeline), strict=True))
    assert [str(d) for d in dates["Run workers on EKS beside the EC2 fleet"]] == [
        "2027-01-14", "2027-01-20"]
    assert [str(d) for d in dates["Retire the EC2 worker fleet"]] == ["2027-01-21", "2027-01-21"]
    # the first phase "created" the RDS instance that the current state already runs (the
    # same aws_db_instance.jobs on both sides): it is modified in place
    assert "aws_db_instance.jobs" in {f"{r.type}.{r.name}" for r in plan.current.resources}
    assert plan.timeline[0].name.startswith("Create the cluster, node groups and Redis; modify "
                                            "the RDS instance in place")
    assert " ".join((plan.rollback.point_of_no_return or "").split()).startswith(
        "Retiring the EC2 worker fleet on 2027-01-21 (timeline phase \"Retire the EC2 worker "
        "fleet\")")
