"""analyze_plan on a plan whose workloads share one node group: node-hours count each node once.

The plan (written to tmp_path): node group ``general``, m5.large (2 vCPU, 8 GiB, 29 ENI pods in
the shipped instance table) -> as an EKS node, less the kubelet's reserve and the DaemonSets
(kube-proxy 100m + aws-node 25m, 2 pods): CPU 2000 - (60 + 10) kubeReserved - 125 = 1805m,
memory 8192 - 615 (ceil(7.5 %), the VM's share) - 574 (11 x 29 + 255) - 100 (eviction)
= 6903 MiB, 29 - 2 = 27 pods; min 1, max 4 nodes; a new node is Ready 60 s after the scan
that asks for it.
Workloads on it (every pod 256 MiB): ``api`` 2 pods of 600m (HPA min = max = 2), ``worker``
500m pods (Deployment replicas 1, HPA min = max = 4) and ``cron``, a Deployment without HPA:
1 pod of 100m. One hour of 20 req/s. On-demand m5.large in us-east-1: $0.096 per hour.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from infra_toolkit import charts, sections
from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from infra_toolkit.errors import SimulationError
from infra_toolkit.explorer import ScalingExplorer
from infra_toolkit.plan_operations_types import CanaryStep, DeploymentStrategy
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.rollout_tables import canary_step_table, rollout_table
from tests.conftest import REPO_ROOT as REPO
from tests.conftest import SMALL_PLAN

M5_LARGE_USD_PER_HOUR = 0.096


def _deployment(name: str, cpu: str, replicas: int) -> dict:  # type: ignore[type-arg]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                         {"name": name, "image": "example/app:1",
                          "resources": {"requests": {"cpu": cpu, "memory": "256Mi"}}}]}}}}


def _hpa(name: str, replicas: int) -> dict:  # type: ignore[type-arg]
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                        "name": name},
                     "minReplicas": replicas, "maxReplicas": replicas,
                     "metrics": [{"type": "Resource", "resource": {
                         "name": "cpu", "target": {"type": "Utilization",
                                                   "averageUtilization": 70}}}]}}


@pytest.fixture(scope="module")
def shared_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shared-plan")
    plan = yaml.safe_load((REPO / SMALL_PLAN).read_text())
    model = {"cpu_millicores_per_rps": 2, "baseline_cpu_millicores": 10,
             "capacity_rps_per_pod": 100, "image_pull_s": 10,
             "app_start_s": 20}
    workloads = []
    for name, cpu, replicas, hpa in (("api", "600m", 2, 2), ("worker", "500m", 1, 4),
                                     ("cron", "100m", 1, None)):
        (root / f"{name}-deployment.yaml").write_text(yaml.safe_dump(
            _deployment(name, cpu, replicas)))
        w = {"name": name, "deployment": f"{name}-deployment.yaml"}
        if hpa is not None:  # D-4: cron, without an HPA, serves no traffic and needs no model
            (root / f"{name}-hpa.yaml").write_text(yaml.safe_dump(_hpa(name, hpa)))
            w["hpa"] = f"{name}-hpa.yaml"
            w["model"] = model
        workloads.append(w)
    plan["proposed"]["workloads"] = workloads
    plan["proposed"]["resources"] = [
        {"type": "aws_eks_cluster", "name": "main"},
        {"type": "aws_eks_node_group", "name": "general", "instance_types": ["m5.large"],
         "scaling_config": {"desired_size": 1, "min_size": 1, "max_size": 4}}]
    plan["scenarios"] = [{"name": "steady", "description": "20 req/s for an hour",
                          "synthetic": {"shape": "constant", "duration": "1h", "rps": 20}}]
    plan["testing"] = [t for t in plan["testing"] if "scenario" not in t]
    plan["simulation"] = {"node_provisioning_s": 60}
    path = root / "shared.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def analysis(shared_plan: Path) -> PlanAnalysis:
    return analyze_plan(shared_plan, store_location=str(shared_plan.parent / "no-store"))


def test_node_hours_count_each_shared_node_once(analysis: PlanAnalysis) -> None:
    run = analysis.run("steady")
    # t = 0: node 1 holds api 2 x 600m + worker 500m + cron 100m = 1800m of 1805m.
    # t = 15 s: worker's HPA 1 -> 4 (below minReplicas): 3 x 500m, 5m free: Pending.
    # t = 20 s: scan: the 3 pods (1500m) fit one new node, launched now, Ready at 20 + 60 = 80 s.
    # Node-seconds over the hour, billed from launch: 3600 + (3600 - 20) = 7180 -> 7180 / 3600
    # = 1.9944 node-hours. (Each workload on its own nodes, as before: api 3600, worker
    # 3600 + 3580 -> 10780.)
    assert run.cluster is not None
    assert run.cluster.node_hours_by_instance_type == {"m5.large": pytest.approx(7180 / 3600)}
    group = next(r for r in run.priced_resources if r.name == "general")
    # projected to a month: 7180 / 3600 h per simulated hour x 730 h
    assert float(group.usage["monthly_node_hours"]) == pytest.approx(7180 / 3600 * 730)
    line = next(ln for ln in run.estimate.lines
                if ln.resource_name == "general" and ln.component.startswith("Instance usage"))
    # 7180 x 730 / 3600 = 1455.94 node-hours x $0.096 = $139.77 a month
    assert line.monthly_cost_usd is not None
    assert float(line.monthly_cost_usd) == pytest.approx(139.77, abs=0.01)
    assert set(run.simulations) == {"api", "worker"}  # cron has no HPA: room only


def test_node_cost_per_hour_is_split_by_requests(analysis: PlanAnalysis) -> None:
    run = analysis.run("steady")
    assert run.cluster_hourly_cost is not None
    cluster = run.cluster_hourly_cost.set_index("time_s")["usd_per_hour"]
    # billed from launch: 1 node until the 20 s scan launches the 2nd (Ready at 80 s), then 2:
    # 0.096, then 0.192 USD per hour
    assert cluster.loc[15] == pytest.approx(0.096) and cluster.loc[20] == pytest.approx(0.192)
    assert cluster.loc[75] == pytest.approx(0.192)
    api = run.hourly_cost["api"].set_index("time_s")["usd_per_hour"]
    worker = run.hourly_cost["worker"].set_index("time_s")["usd_per_hour"]
    # Shares: half by CPU requests, half by memory requests (all pods 256 MiB: pod counts).
    # Before 15 s: api 1200m of 1800m and 2 of 4 pods -> 0.5 x 2/3 + 0.5 x 1/2 = 7/12.
    assert api.loc[0] == pytest.approx(M5_LARGE_USD_PER_HOUR * 7 / 12)
    # From 80 s: api 1200m, worker 2000m, cron 100m (3300m); pods 2, 4, 1 (7):
    # api 0.5 x 12/33 + 0.5 x 2/7, worker 0.5 x 20/33 + 0.5 x 4/7, cron the rest.
    assert api.loc[3595] == pytest.approx(0.192 * (0.5 * 12 / 33 + 0.5 * 2 / 7))
    assert worker.loc[3595] == pytest.approx(0.192 * (0.5 * 20 / 33 + 0.5 * 4 / 7))
    cron = 0.192 * (0.5 * 1 / 33 + 0.5 * 1 / 7)
    assert api.loc[3595] + worker.loc[3595] + cron == pytest.approx(0.192)


def test_report_charts_each_share_and_the_whole_cluster(analysis: PlanAnalysis) -> None:
    figures = charts.scaling_figures(analysis)
    titles = [f.layout.title.text for f in figures]
    # per workload: load, latency, its part of the node cost; then the cluster's node cost,
    # then the time-to-capacity breakdown: 2 x 3 + 1 + 1
    assert len(figures) == 8
    assert "steady / api (its request share): node cost per hour" in titles
    assert titles[6] == "steady / all workloads: node cost per hour"
    summary = sections.scaling_behaviour(analysis).tables[0].frame.set_index("Workload")
    # both workloads see the same two shared nodes at the peak (not 1 + 2 of their own)
    assert summary["Peak Ready nodes"].to_dict() == {"api": 2, "worker": 2}
    assert summary["Peak replicas"].to_dict() == {"api": 2, "worker": 4}


def test_a_workload_without_hpa_or_model_is_shown_as_room_only(analysis: PlanAnalysis) -> None:
    (cron,) = [w for w in analysis.plan.proposed.workloads if w.name == "cron"]
    assert cron.model is None and cron.hpa_spec is None
    rows = sections.proposed_architecture(analysis).tables[2].frame.set_index("Workload")
    assert rows.loc["cron", "Replicas"] == "1" and rows.loc["cron", "HPA metrics"] == "no HPA"
    # no model: its capacity and start-up are unknown, and nothing waits on them
    assert (rows.loc["cron", "Capacity (rps per pod)"], rows.loc["cron", "Pod start-up"]) == \
        ("-", "-")
    # no readiness probe: Ready when the container runs, after the 10 s image pull (the kubelet
    # does not wait for the app's 20 s start)
    assert rows.loc["api", "Pod start-up"] == "10 s"
    assert "<td>cron</td>" in sections.proposed_architecture(analysis).tables[2].to_html()


@pytest.mark.parametrize("workload", ["api", "worker"])
def test_the_explorer_runs_the_shared_cluster_as_the_report(shared_plan: Path,
                                                            analysis: PlanAnalysis,
                                                            workload: str) -> None:
    explorer = ScalingExplorer.from_plan(shared_plan, workload=workload)
    assert explorer.result is not None
    assert explorer.result.summary == analysis.run("steady").simulations[workload].summary


def test_the_explorers_worker_waits_for_the_node_the_shared_cluster_needs(
        shared_plan: Path) -> None:
    explorer = ScalingExplorer.from_plan(shared_plan, workload="worker")
    assert explorer.result is not None
    t = explorer.result.timeline.set_index("time_s")
    # t = 15 s: worker 1 -> 4; node 1 has 5m free (api 1200m + worker 500m + cron 100m of
    # 1805m): the 3 new pods (500m each) are Pending until the node Ready at 80 s; then the 10 s
    # image pull, and no readiness probe: Ready when running, at 90 s. Before, the explorer ran
    # the worker alone on the group (1805 - 500 = 1305m free): 2 of the 3 started at once.
    assert t.loc[45, "ready_pods"] == 1 and t.loc[75, "pending_pods"] == 3
    assert t.loc[85, "ready_pods"] == 1 and t.loc[90, "ready_pods"] == 4
    # the slider sets the one cluster autoscaler: the node asked for at 20 s is Ready at
    # 20 + 120 = 140 s, the pods 10 s later
    explorer.node_provisioning.value = 120
    assert explorer.error is None and explorer.result is not None
    t = explorer.result.timeline.set_index("time_s")
    assert t.loc[145, "ready_pods"] == 1 and t.loc[150, "ready_pods"] == 4


def test_the_explorer_refuses_a_workload_without_hpa(shared_plan: Path) -> None:
    with pytest.raises(SimulationError, match=r"^workload = 'cron' has no HPA to tune; give one "
                                              r"with an HPA \(api, worker\), or None for the "
                                              r"first$"):
        ScalingExplorer.from_plan(shared_plan, workload="cron")
    with pytest.raises(SimulationError, match=r"^workload = 'crон' is not a workload of "
                                              r"proposed in .*shared\.yaml; give one with an HPA"):
        ScalingExplorer.from_plan(shared_plan, workload="crон")


@pytest.fixture(scope="module")
def same_type_plan(shared_plan: Path) -> Path:
    """The shared plan with a second m5.large group beside ``general``: ``system`` (node group
    ``system-nodes``), tainted CriticalAddonsOnly=true:NoSchedule, fixed at 2 nodes (min = max =
    desired), running ``metrics`` (one 200m pod tolerating the taint, HPA min = max = 1,
    ``node_group`` naming it)."""
    plan = yaml.safe_load(shared_plan.read_text())
    root = shared_plan.parent
    metrics = _deployment("metrics", "200m", 1)
    # the tainted group takes only pods that tolerate its taint (as kube-scheduler filters)
    metrics["spec"]["template"]["spec"]["tolerations"] = [
        {"key": "CriticalAddonsOnly", "operator": "Exists", "effect": "NoSchedule"}]
    (root / "metrics-deployment.yaml").write_text(yaml.safe_dump(metrics))
    (root / "metrics-hpa.yaml").write_text(yaml.safe_dump(_hpa("metrics", 1)))
    model = plan["proposed"]["workloads"][0]["model"]
    plan["proposed"]["workloads"].append(
        {"name": "metrics", "deployment": "metrics-deployment.yaml", "hpa": "metrics-hpa.yaml",
         "model": model, "node_group": "system-nodes"})
    plan["proposed"]["resources"].append(
        {"type": "aws_eks_node_group", "name": "system", "node_group_name": "system-nodes",
         "instance_types": ["m5.large"],
         "taint": [{"key": "CriticalAddonsOnly", "value": "true", "effect": "NO_SCHEDULE"}],
         "scaling_config": {"desired_size": 2, "min_size": 2, "max_size": 2}})
    path = root / "same-type.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


def test_two_groups_of_one_instance_type_are_priced_from_their_own_node_hours(
        same_type_plan: Path) -> None:
    analysis = analyze_plan(same_type_plan, store_location=str(same_type_plan.parent / "none"))
    run = analysis.run("steady")
    assert run.cluster is not None
    # general: as in the shared plan (api, worker and cron are kept off the tainted group),
    # 3600 + (3600 - 20) = 7180 node-seconds; system-nodes: 2 nodes x 3600 s = 7200, its one
    # metrics pod needing no more.
    assert run.cluster.node_hours_by_node_group == {
        "general": pytest.approx(7180 / 3600), "system-nodes": pytest.approx(7200 / 3600)}
    # the per-type figure stays their sum: (7180 + 7200) / 3600
    assert run.cluster.node_hours_by_instance_type == {"m5.large": pytest.approx(14380 / 3600)}
    usd = {ln.resource_name: float(ln.monthly_cost_usd) for ln in run.estimate.lines
           if ln.component.startswith("Instance usage") and ln.monthly_cost_usd is not None}
    # general: 7180 / 3600 x 730 = 1455.94 h x $0.096 = $139.77; system: 2 x 730 = 1460 h x
    # $0.096 = $140.16 (us-east-1,m5.large on demand)
    assert usd == {"general": pytest.approx(139.77, abs=0.01),
                   "system": pytest.approx(140.16, abs=0.01)}
    # node cost per hour, by group: system 2 x 0.096 throughout; general 1 node until the 20 s
    # scan launches the 2nd
    cost = run.cluster_hourly_cost
    assert cost is not None
    cost = cost.set_index("time_s")
    assert cost.loc[15, "usd_per_hour_system-nodes"] == pytest.approx(0.192)
    assert cost.loc[15, "usd_per_hour"] == pytest.approx(0.096 + 0.192)
    assert cost.loc[20, "usd_per_hour"] == pytest.approx(0.192 + 0.192)
    # the report's pieces build: its charts and the scaling table (one row per workload)
    assert charts.scaling_figures(analysis)
    summary = sections.scaling_behaviour(analysis).tables[0].frame.set_index("Workload")
    assert summary["Peak Ready nodes"].to_dict() == {"api": 2, "worker": 2, "metrics": 2}


@pytest.fixture(scope="module")
def renamed_groups_plan(same_type_plan: Path) -> Path:
    """The two-group plan with ``system`` (node group ``system-nodes``) bought as SPOT at a user
    spot rate of $0.04 an hour for m5.large in us-east-1 (``pricing.overrides``), and a third
    group no workload runs on: resource ``batch``, node group ``batch-nodes``, one m5.xlarge
    (tainted dedicated=batch:NoSchedule, so no untainted workload lands on it). Every priced
    group's resource name differs from its node group name except ``general``."""
    plan = yaml.safe_load(same_type_plan.read_text())
    root = same_type_plan.parent
    (root / "spot-rates.yaml").write_text(yaml.safe_dump({"version": 1, "rates": [{
        "service": "AmazonEC2", "region": "us-east-1", "instance_type": "m5.large",
        "purchase_option": "spot", "usd_per_unit": "0.04", "source": "test spot rate"}]}))
    plan["pricing"] = {"overrides": "spot-rates.yaml"}
    system = next(r for r in plan["proposed"]["resources"] if r.get("name") == "system")
    system["capacity_type"] = "SPOT"
    plan["proposed"]["resources"].append(
        {"type": "aws_eks_node_group", "name": "batch", "node_group_name": "batch-nodes",
         "instance_types": ["m5.xlarge"],
         "taint": [{"key": "dedicated", "value": "batch", "effect": "NO_SCHEDULE"}],
         "scaling_config": {"desired_size": 1, "min_size": 1, "max_size": 3}})
    path = root / "renamed-groups.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


def test_a_renamed_spot_group_and_a_renamed_idle_group_are_priced_from_their_resources(
        renamed_groups_plan: Path) -> None:
    analysis = analyze_plan(renamed_groups_plan,
                            store_location=str(renamed_groups_plan.parent / "none"))
    run = analysis.run("steady")
    assert run.cluster is not None
    # batch-nodes runs no workload: it is not simulated, it stays at its desired_size
    assert set(run.cluster.node_hours_by_node_group) == {"general", "system-nodes"}
    usd = {(ln.resource_name, ln.component): float(ln.monthly_cost_usd)
           for ln in run.estimate.lines
           if ln.component.startswith("Instance usage") and ln.monthly_cost_usd is not None}
    assert usd == {
        # general: 7180 / 3600 x 730 = 1455.94 h x $0.096 (on demand) = $139.77
        ("general", "Instance usage (Linux/UNIX, on-demand, m5.large)"):
            pytest.approx(139.77, abs=0.01),
        # system (SPOT): 2 nodes x 730 h = 1460 h x $0.04 (the user's spot rate) = $58.40
        ("system", "Instance usage (Linux/UNIX, spot, m5.large)"): pytest.approx(58.40),
        # batch (idle): desired_size 1 x 730 h x $0.192 (us-east-1,m5.xlarge on demand) = $140.16
        ("batch", "Instance usage (Linux/UNIX, on-demand, m5.xlarge)"): pytest.approx(140.16),
    }
    # the ceiling: every group at max_size all month: general 4 x 730 x 0.096 = 280.32,
    # system 2 x 730 x 0.04 = 58.40, batch 3 x 730 x 0.192 = 420.48
    ceiling = {ln.resource_name: float(ln.monthly_cost_usd)
               for ln in analysis.ceiling_estimate.lines
               if ln.component.startswith("Instance usage") and ln.monthly_cost_usd is not None}
    assert ceiling == {"general": pytest.approx(280.32), "system": pytest.approx(58.40),
                       "batch": pytest.approx(420.48)}
    # node cost per hour: system-nodes at the spot rate, 2 x 0.04 = 0.08 (at on demand it
    # would read 2 x 0.096 = 0.192); general 1 x 0.096 before the 20 s scan, 2 x 0.096 after
    cost = run.cluster_hourly_cost
    assert cost is not None
    cost = cost.set_index("time_s")
    assert list(cost.columns) == ["usd_per_hour_general", "usd_per_hour_system-nodes",
                                  "usd_per_hour"]
    assert cost.loc[15, "usd_per_hour_system-nodes"] == pytest.approx(0.08)
    assert cost.loc[15, "usd_per_hour"] == pytest.approx(0.096 + 0.08)
    assert cost.loc[20, "usd_per_hour"] == pytest.approx(0.192 + 0.08)
    # the node groups table says which resource (the cost lines' name) prices each group
    groups = sections.proposed_architecture(analysis).tables[1].frame
    assert dict(zip(groups["Node group"], groups["Priced as"], strict=True)) == {
        "general": "aws_eks_node_group.general", "system-nodes": "aws_eks_node_group.system",
        "batch-nodes": "aws_eks_node_group.batch"}


def test_the_desired_size_warning_names_a_renamed_group_at_its_resource(
        same_type_plan: Path) -> None:
    # metrics at 10 pods of 200m on system-nodes (desired 1, max 2): an m5.large holds
    # 1805 // 200 = 9 of them (memory 6903 // 256 = 26, pods 27): 10 / 9 -> 2 nodes > 1
    plan = yaml.safe_load(same_type_plan.read_text())
    root = same_type_plan.parent
    (root / "metrics10-hpa.yaml").write_text(yaml.safe_dump(_hpa("metrics", 10)))
    metrics = next(w for w in plan["proposed"]["workloads"] if w["name"] == "metrics")
    metrics["hpa"] = "metrics10-hpa.yaml"
    system = next(r for r in plan["proposed"]["resources"] if r.get("name") == "system")
    system["scaling_config"] = {"desired_size": 1, "min_size": 1, "max_size": 2}
    path = root / "renamed-desired.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    _plan, problems, warnings = check_plan_warnings(path)
    assert problems == []
    # (general gets its own, as in the shared plan: 3 nodes of starting pods)
    assert [(w.path, w.message) for w in warnings if "system" in w.message] == [(
        "proposed.resources[2].scaling_config.desired_size",
        "warning: node group 'system-nodes' declares desired_size 1 but its starting pods "
        "(metrics 10 x 200m / 256 MiB, 9 per m5.large) fill at least 2 node(s): the declared "
        "cost, the review's basis, leaves out 1 node(s) that run from the first minute; set "
        "desired_size to 2")]


def test_a_node_group_the_cost_lines_leave_unpriced_has_no_price_in_the_chart(
        shared_plan: Path) -> None:
    # general on a Windows AMI: the shipped tables hold Linux prices only, so its instance
    # usage is PRICE NOT FOUND; the chart drew the Linux $0.096 an hour as a complete total
    plan = yaml.safe_load(shared_plan.read_text())
    (general,) = [r for r in plan["proposed"]["resources"] if r["type"] == "aws_eks_node_group"]
    general["ami_type"] = "WINDOWS_CORE_2022_x86_64"
    path = shared_plan.parent / "windows.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    run = analyze_plan(path, store_location=str(path.parent / "none")).run("steady")
    (line,) = [ln for ln in run.estimate.lines if ln.component.startswith("Instance usage")]
    assert line.monthly_cost_usd is None
    assert line.price_not_found is not None and "Windows prices" in line.price_not_found
    assert run.cluster_hourly_cost is not None
    assert list(run.cluster_hourly_cost.columns) == ["time_s"]  # no group's price, no total
    assert list(run.hourly_cost["api"].columns) == ["time_s"]


def test_the_rollout_of_a_workload_without_hpa_or_model(analysis: PlanAnalysis) -> None:
    frame = rollout_table(analysis).set_index("Rolled at")
    # cron: 1 replica (its Deployment), rolling max_surge 1 / max_unavailable 0 (the small plan):
    # 2 pods at once. Room beside the others (api and worker at 2 and 4 pods: min = max) on 4
    # m5.large nodes (2000 m less EKS's 70 m kubeReserved and 125 m of kube-proxy and aws-node:
    # 1805 m each), first fit, api's then worker's pods first:
    #   node 1: api 2 x 600 = 1200 m, then floor(605 / 500) = 1 worker pod: 105 m left
    #   node 2: the other 3 worker pods, 1500 m: 305 m left; nodes 3 and 4 empty
    # cron's 100 m pods: 1 + 3 + 18 + 18 = 40 (alone: 18 a node x 4 = 72); no model: no
    # capacity, time to Ready or duration
    cron = frame.loc["Deployment replicas (no HPA)"]
    assert cron[["Workload", "Replicas", "Surge", "Unavailable", "Most pods at once",
                 "Room, others at peak", "Fits, others at peak", "Room, others at max",
                 "Fits, others at max", "Fewest available", "Serves the peak", "Waves",
                 "Time to Ready", "Duration"]].tolist() == \
        ["cron", 1, 1, 0, 2, 40, "yes", 40, "yes", 1, "-", 1, "-", "-"]
    html = "".join(p if isinstance(p, str) else p.to_html()
                   for p in sections.deployment_strategy(analysis).parts)
    # api and worker: image pull 10 s, app start 20 s, no readiness probe: Ready at 10 s
    assert ("time to Ready of api (image pull and app start from the workload model, probes "
            "from the Deployment): image pull 10 s, app start 20 s; no readiness probe: Ready "
            "when the container runs (app not awaited) = 10 s") in html
    assert "time to Ready of cron" not in html
    assert "fit on its node groups at max_size once the other workloads" in html


def test_the_rollout_room_counts_the_other_workloads_pods(analysis: PlanAnalysis) -> None:
    frame = rollout_table(analysis)
    got = {(r["Workload"], r["Rolled at"]): (r["Most pods at once"], r["Room, others at peak"],
                                            r["Room, others at max"])
           for r in frame.to_dict("records")}
    # nodes of 1805 m (above). api (600 m; 2 pods, surge 1: 3 at once): worker's 4 x 500 m
    # first, 3 on node 1 (305 m left) and 1 on node 2 (1305 m left), then cron's 100 m on node
    # 1 (205 m left): api fits 0 + floor(1305 / 600) = 2 + 3 + 3 = 8 (alone 3 a node x 4 = 12).
    # worker (500 m; 4 pods, surge 1: 5 at once): api's 1200 m and cron's 100 m on node 1
    # (505 m left): 1 + 3 + 3 + 3 = 10 (alone 12)
    # (each HPA has minReplicas = maxReplicas, so its maxReplicas row is its minReplicas one)
    assert got == {("api", "peak replicas in 'steady'"): (3, 8, 8),
                   ("api", "minReplicas"): (3, 8, 8), ("api", "maxReplicas"): (3, 8, 8),
                   ("worker", "peak replicas in 'steady'"): (5, 10, 10),
                   ("worker", "minReplicas"): (5, 10, 10), ("worker", "maxReplicas"): (5, 10, 10),
                   ("cron", "Deployment replicas (no HPA)"): (2, 40, 40)}


def _worker_up_to_9(analysis: PlanAnalysis, strategy: DeploymentStrategy) -> PlanAnalysis:
    """The analysis with worker's HPA allowed up to 9 pods (its steady peak stays at its 4: 20
    req/s need 10 + 2 x 20 / 4 = 20 m a pod, far below 70 % of 500 m) and ``strategy``."""
    plan = analysis.plan
    workloads = tuple(
        dataclasses.replace(w, hpa_spec=dataclasses.replace(w.hpa_spec, max_replicas=9))
        if w.name == "worker" and w.hpa_spec is not None else w
        for w in plan.proposed.workloads)
    return dataclasses.replace(analysis, plan=dataclasses.replace(
        plan, proposed=dataclasses.replace(plan.proposed, workloads=workloads),
        deployment_strategy=strategy))


# Others at max for api: worker's 9 x 500 m first fit as 3 + 3 + 3 on nodes 1-3 (400 m left
# each), cron's 100 m on node 1: api's 600 m pods fit only on node 4: room 3. At their peak the
# room is 8, as above.


def test_the_others_at_their_max_can_leave_no_room(analysis: PlanAnalysis) -> None:
    # blue-green api: 2 x 2 = 4 pods: 4 <= 8 at the others' peak, 4 > 3 at their max
    a = _worker_up_to_9(analysis, DeploymentStrategy("blue-green", "switch", preview_s=60))
    api = rollout_table(a).set_index(["Workload", "Rolled at"]).loc[("api", "minReplicas")]
    assert api[["Pods at once", "Room, others at peak", "Fits, others at peak",
                "Room, others at max", "Fits, others at max"]].tolist() == [4, 8, "yes", 3, "NO"]


def test_a_canary_step_that_fits_only_beside_the_others_peak(analysis: PlanAnalysis) -> None:
    # api at 2 pods: 50 % -> ceil(1.0) = 1 canary pod, 3 at once (<= 3 even at the others' max);
    # 100 % -> 2 canary pods, 4 at once: > 3 at the others' max
    a = _worker_up_to_9(analysis, DeploymentStrategy(
        "canary", "halves", steps=(CanaryStep(50, 600), CanaryStep(100, None)),
        traffic_router="alb"))
    frame = canary_step_table(a)
    api = frame[(frame["Workload"] == "api") & (frame["Rolled at"] == "minReplicas")]
    assert api[["Step", "Canary pods", "Pods at once", "Room, others at peak",
                "Fits, others at peak", "Room, others at max", "Fits, others at max"]
               ].values.tolist() == [[1, 1, 3, 8, "yes", 3, "yes"], [2, 2, 4, 8, "yes", 3, "NO"]]
