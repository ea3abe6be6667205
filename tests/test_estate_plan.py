"""A platform team's estate (audit15): 25 services, 7 node groups (on-demand and spot, Graviton
and x86, a Karpenter NodePool), multi-document manifest files, written by
``tests/estate_plan.py`` rather than checked in. Read, validated and priced in seconds; the
report's build is ``benchmarks/bench_report_estate.py``."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from infra_toolkit.cost_pricing import estimate
from infra_toolkit.joint_run import joint_run, simulate_scenario
from infra_toolkit.notebook_parameters import cut_to_horizon
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_traffic import scenario_curve
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import load_price_book
from tests.estate_plan import write_estate_plan


def test_the_estate_validates_with_each_workload_its_own_manifests(tmp_path: Path) -> None:
    path = write_estate_plan(tmp_path)
    plan, problems, warnings = check_plan_warnings(path)
    assert problems == [] and plan is not None
    # every sixth service starts at 2 replicas (2 + i % 3, i = 6, 12, 18) under
    # its share of expected-day's first rate, e.g. svc-06-cpu-mem 694.7 rps x 0.08 = 55.6 rps,
    # 27.8 rps a pod, over its p95 SLO; the NodePool allows c6i.xlarge too while the plan
    # prices c6i.large; every PodDisruptionBudget beside the Deployments is honoured, so none
    # is named (audit15 A15-4); and the six aws_eks_node_groups beside the NodePool, each with
    # min_size < max_size, are scaled by its rules, which Karpenter never does (audit21 A21-7),
    # each warned of at its resource's scaling_config (audit22 A22-3): the resources list holds
    # seven entries before the first launch template (7), each group after its template; the
    # NodePool's default budget, 10 % of its 20 nodes = 2 at once, is warned of too (the
    # simulation removes one at a time)
    beside = ["system", "general-x86", "general-arm", "compute-spot", "arm-spot", "memory"]
    # (slowarn23) the five Pods-metric services (i % 5 == 2) scale at 20 rps a pod, and a pod
    # of 30 rps, one request at a time, has p95 ln 20 / (30 - 20) = 0.2996 s there (300 ms, at
    # the 300 ms SLO) and ln 20 / (30 - 22) = 0.3745 s at the 10 % tolerance's edge, 22 rps: a
    # target meeting it is at most (30 - ln 20 / 0.3) / 1.1 = 20.014 / 1.1 = 18.195, 18.19 rps.
    # The CPU ones do not: svc-00's (0.6 x 1.1 x 250 - 20) / 12 = 12.08 rps at its edge has
    # p95 ln 20 / 17.92 = 167 ms.
    slo = [w for w in warnings if "tolerance up to" in w.message]
    assert [w.path for w in slo] == [f"proposed.workloads[{i}].hpa" for i in (2, 7, 12, 17, 22)]
    assert all("targets 20 rps: a pod there takes 20 rps, and within the HPA's 10 % tolerance "
               "up to 20 rps x 1.1 = 22 rps before it scales up" in w.message
               and "puts p95 300 ms at the target and 374 ms at the edge, against the p95 SLO "
               "of 300 ms" in w.message and "at most 18.19 rps" in w.message for w in slo)
    warnings = [w for w in warnings if w not in slo]
    assert [w.path for w in warnings] == [
        "proposed.workloads[6].deployment", "proposed.workloads[12].deployment",
        "proposed.workloads[18].deployment", "proposed.node_pools", "proposed.node_pools"] + \
        [f"proposed.resources[{i}].scaling_config" for i in (8, 10, 12, 14, 16, 18)]
    assert "lets Karpenter disrupt up to 2 of its 20 nodes at once" in warnings[4].message
    assert [w.message.split("'")[1] for w in warnings[5:]] == beside
    assert "'svc-06-cpu-mem' starts with 2 replicas (the Deployment's replicas) under the " \
        "first rate of scenario 'expected-day', 55.6 rps (694.7 rps x traffic_share 0.08), " \
        "27.8 rps a pod" in warnings[0].message
    assert not any("PodDisruptionBudget" in w.message for w in warnings)
    workloads = plan.proposed.workloads
    assert len(workloads) == 25
    assert [w.deployment_spec.name for w in workloads] == [w.name for w in workloads]
    # 5 kinds in turn: every fifth has no HPA
    assert sum(w.hpa_spec is None for w in workloads) == 5
    assert sorted(g.name for g in plan.proposed.node_groups) == [
        "arm-spot", "burst", "compute-spot", "general-arm", "general-x86", "memory", "system"]


def test_the_estates_node_groups_are_priced_as_declared(tmp_path: Path) -> None:
    plan = read_plan(write_estate_plan(tmp_path))
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    lines = {ln.resource_name: ln.monthly_cost_usd
             for ln in estimate(plan.proposed.resources, book).lines
             if ln.component.startswith("Instance usage")}
    # desired nodes x 730 h x the hourly rate (ec2_on_demand_2026-07-20.csv, us-east-1; the two
    # spot groups at the plan's override rates)
    assert lines == {
        "system": Decimal("140.16"),  # 2 x 730 x 0.096 (m5.large)
        "general_x86": Decimal("630.72"),  # 9 x 730 x 0.096 (m6i.large)
        "general_arm": Decimal("281.05"),  # 5 x 730 x 0.077 = 281.05 (m6g.large)
        "compute_spot": Decimal("102.20"),  # 2 x 730 x 0.07 (spot override, c6i.xlarge)
        "arm_spot": Decimal("65.70"),  # 3 x 730 x 0.03 (spot override, c7g.large)
        "memory": Decimal("147.168"),  # 2 x 730 x 0.1008 (r6g.large)
        "burst": Decimal("310.25"),  # 5 x 730 x 0.085 (c6i.large)
    }


def test_a_budgeted_workload_keeps_ready_pods_when_its_node_goes(tmp_path: Path) -> None:
    # audit15 A15-4: at 35 s of expected-day the NodePool's consolidation removed the node
    # holding all 4 svc-05-cpu pods (maxUnavailable 1) at once: 0 Ready pods for 25 s. With
    # the budgets honoured a node is drained in steps: cordoned, each budgeted Deployment's
    # pods evicted one at a time as replacements turn Ready, so none on the node's group has
    # fewer than its spec replicas - 1 Ready while it drains; the first hour is enough.
    plan = read_plan(write_estate_plan(tmp_path))
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    scenario = next(s for s in plan.scenarios if s.name == "expected-day")
    curve = cut_to_horizon(scenario_curve(scenario, plan.simulation.step_s), 1)
    result = simulate_scenario(plan, joint_run(plan, book), "expected-day", curve)
    for name in ("svc-05-cpu", "svc-12-pods", "svc-20-cpu"):
        assert result.simulations[name].timeline["ready_pods"].min() > 0, name
    # That drain of "burst" came from the warm start's plan order (audit18 A18-6): svc-05-cpu
    # 4 x 300m, svc-12-pods 2 x 250m, then svc-19-fixed 3 x 400m one a node took node 0 at
    # 1,200 + 500 = 1,700m and 3 more nodes for svc-19-fixed: 4 nodes, node 0's pods fitting
    # beside the others. Largest first: svc-19-fixed on nodes 0, 1, 2 (400m each), svc-05-cpu
    # 4 x 300m beside it on node 0 (1,600m; 512 + 4 x 640 = 3,072 MiB of a c6i.large's 1,805m
    # / 3,114 MiB: 2,000 - 70 kubeReserved - 125 DaemonSets, 4,096 - 308 VM share - (11 x 29
    # + 255) - 100 eviction), svc-12-pods' 250m / 384 MiB not there (1,850m > 1,805m) but both
    # on node 1 (400 + 2 x 250 = 900m): 3 nodes, the fewest svc-19-fixed's one a node allows,
    # so nothing is drained there in the hour.
    assert result.nodes["nodes_burst"].iloc[0] == 3
    assert not result.events["kind"].str.endswith(":burst").any()
    ev = result.events
    started = ev[ev["kind"].str.startswith("node_drain_started:")]
    assert not started.empty  # consolidation drains a node of another group in the hour
    t0, group = started["time_s"].iloc[0], started["kind"].iloc[0].split(":")[1]
    gone = ev[(ev["kind"] == f"node_scale_down:{group}") & (ev["time_s"] >= t0)]
    node = started["reason"].iloc[0].split(" ")[1]  # "node N utilization ..."
    t1 = gone["time_s"].iloc[0]
    assert t0 < t1 and gone["reason"].iloc[0].startswith(f"node {node} drained in ")
    on_group = [sim.timeline.set_index("time_s") for sim in result.simulations.values()
                if group in {g.name for g in sim.spec.node_groups}]
    assert on_group
    for tl in on_group:  # every estate Deployment has a budget of maxUnavailable 1
        during = tl.loc[t0:t1]
        assert (during["ready_pods"] >= during["spec_replicas"] - 1).all()
