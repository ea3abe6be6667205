"""``behind_load_balancer``: a workload whose requests do not pass through the load balancer (a
queue worker) adds neither capacity units nor egress, nor its share to the reference rate.

The plan is tests/data/plans/report/small.yaml (see test_analysis.py: an ALB declaring 2 GB an
hour processed, 10 new connections/s, 1,000 active connections and no rule evaluations, 730 GB
a month of Internet egress; the api serves all of its scenario's 40 req/s on its 2 starting pods
of 40 rps each) plus a ``worker``: ``traffic_share`` 0.5 of the scenario's rate (20 req/s), one
pod (HPA min = max = 1) that serves at most 10 req/s and drops the rest at once
(``queue_timeout_s`` 0). Only the 1-hour ``steady`` scenario (40 req/s) is run.

Prices (us-east-1, shipped tables): $0.008 per LCU-hour (1 LCU = 1 GB processed an hour, 25 new
connections/s or 3,000 active connections), Internet egress $0.09 per GB. A month is 730 h.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from infra_toolkit import sections
from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from infra_toolkit.errors import PlanError
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_cost import load_balanced_workloads, reference_traffic_profile
from infra_toolkit.plan_traffic import scenario_curves
from infra_toolkit.plan_validate import check_plan_warnings
from tests.conftest import REPO_ROOT as REPO
from tests.conftest import SMALL_PLAN

_WORKER_DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "worker"},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "worker"}},
             "template": {"metadata": {"labels": {"app": "worker"}}, "spec": {"containers": [
                 {"name": "worker", "image": "example/worker:1",
                  "resources": {"requests": {"cpu": "200m", "memory": "256Mi"}}}]}}}}
_WORKER_HPA = {
    "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "worker"},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "worker"},
             "minReplicas": 1, "maxReplicas": 1,
             "metrics": [{"type": "Resource", "resource": {
                 "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}}
_WORKER_MODEL = {"cpu_millicores_per_rps": 5, "baseline_cpu_millicores": 20,
                 "capacity_rps_per_pod": 10, "image_pull_s": 5, "app_start_s": 10}


def _plan(root: Path, worker: dict[str, Any] | None = None, api: dict[str, Any] | None = None
          ) -> Path:
    """small.yaml in ``root``/report (its manifests beside it), with ``worker`` (the fields
    given added to the worker above; None: no worker) and ``api``'s fields added to the api."""
    shutil.copytree((REPO / SMALL_PLAN).parent.parent / "manifests", root / "manifests")
    plan = yaml.safe_load((REPO / SMALL_PLAN).read_text())
    plan["proposed"]["workloads"][0].update(api or {})
    if worker is not None:
        plan["proposed"]["workloads"].append({
            "name": "worker", "deployment": _WORKER_DEPLOYMENT, "hpa": _WORKER_HPA,
            "node_group": "general", "traffic_share": 0.5, "model": _WORKER_MODEL, **worker})
    (root / "report").mkdir()
    path = root / "report" / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


def _analysis(path: Path) -> PlanAnalysis:
    return analyze_plan(path, scenarios=["steady"], store_location=str(path.parent / "no-store"))


def _usage(a: PlanAnalysis, resource_type: str, key: str) -> float:
    (r,) = [r for r in a.run("steady").priced_resources if r.type == resource_type]
    return float(r.usage[key])


def _usd(a: PlanAnalysis, scenario: str, component_start: str) -> float:
    (line,) = [line for line in a.run(scenario).estimate.lines
               if line.component.startswith(component_start)]
    assert line.monthly_cost_usd is not None
    return float(line.monthly_cost_usd)


@pytest.mark.parametrize(("behind", "reference_rps", "lcu_hours", "egress_gb"), [
    # worker off the LB: the reference rate is the api's share alone, 40 x 1 = 40 req/s, and the
    # api serves 40 req/s: the declared usage back. LCU: max(2 GB/h, 10 new/s / 25 = 0.4,
    # 1000 / 3000 = 0.33) = 2 an hour x 730 h = 1460 LCU-hours; egress 730 GB.
    (False, 40.0, 2 * 730, 730.0),
    # worker behind the LB (the default): reference 40 x (1 + 0.5) = 60 req/s, served 40 + 10 =
    # 50 req/s (the worker's one pod serves 10 of its 20). Bytes: 2 GB/h x 50 / 60 = 1.6667 LCU
    # (new connections 10 x 50 / 60 / 25 = 0.33, active 1000 x 50 / 60 / 3000 = 0.28 are less):
    # 1.6667 x 730 = 1216.67 LCU-hours; egress 730 x 50 / 60 = 608.33 GB.
    (True, 60.0, 2 * 730 * 50 / 60, 730 * 50 / 60),
])
def test_only_workloads_behind_the_load_balancer_are_priced_as_its_traffic(
        tmp_path: Path, behind: bool, reference_rps: float, lcu_hours: float,
        egress_gb: float) -> None:
    path = _plan(tmp_path, {"behind_load_balancer": behind})
    plan = read_plan(path)
    assert load_balanced_workloads(plan) == (("api", "worker") if behind else ("api",))
    curves = scenario_curves(plan.scenarios, plan.simulation.step_s)
    _profile, rps = reference_traffic_profile(plan, plan.proposed.resources, curves)
    assert rps == pytest.approx(reference_rps)
    a = _analysis(path)
    worker = a.run("steady").simulations["worker"].timeline["served_rps"].to_numpy()
    assert np.allclose(worker, 10.0)  # the premise: one pod of 10 req/s, all hour long
    assert _usage(a, "aws_lb", "monthly_lcu_hours") == pytest.approx(lcu_hours)
    assert _usage(a, "aws_data_transfer", "monthly_outbound_internet_gb") == \
        pytest.approx(egress_gb)
    # in dollars: 1460 x 0.008 = 11.68 and 730 x 0.09 = 65.70 off the LB; with it,
    # 1216.67 x 0.008 = 9.7333 and 608.33 x 0.09 = 54.75
    assert _usd(a, "steady", "Load balancer capacity") == pytest.approx(lcu_hours * 0.008)
    assert _usd(a, "steady", "Outbound") == pytest.approx(egress_gb * 0.09)
    (row,) = [r for _i, r in sections.proposed_architecture(a).tables[2].frame.iterrows()
              if r["Workload"] == "worker"]
    assert row["Behind load balancer"] == ("yes" if behind else "no")
    assert row["Traffic share"] == "50 %"


def test_no_workload_behind_the_load_balancer_prices_it_as_declared(tmp_path: Path) -> None:
    path = _plan(tmp_path, api={"behind_load_balancer": False})
    plan, problems, warnings = check_plan_warnings(path)
    assert plan is not None and problems == []
    # (small.yaml's 'double' also starts under-provisioned: tests/test_plan_warnings.py)
    assert [(w.path, w.message) for w in warnings if "starts with" not in w.message] == [(
        "proposed.workloads[0].behind_load_balancer",
        "warning: every autoscaled workload (api) sets behind_load_balancer: false, so no "
        "simulated request passes through aws_lb.api: the report prices its declared usage and "
        "the Internet egress and intra-region transfer as declared in every scenario, not from "
        "each scenario's served "
        "requests; set behind_load_balancer: true on the workloads it serves (keep false only "
        "when it serves Deployments without an HPA)")]
    curves = scenario_curves(plan.scenarios, plan.simulation.step_s)
    assert reference_traffic_profile(plan, plan.proposed.resources, curves) == (None, 0.0)
    # "double" runs 80 req/s, twice the reference: as declared, the LB still processes its
    # 2 GB an hour (2 LCU x 730 h x 0.008 = 11.68) and egress stays 730 GB (x 0.09 = 65.70),
    # where an api behind it would price 23.36 and 131.40 (test_analysis.py)
    a = analyze_plan(path, scenarios=["double"], store_location=str(tmp_path / "no-store"))
    assert _usd(a, "double", "Load balancer capacity") == pytest.approx(11.68)
    assert _usd(a, "double", "Outbound") == pytest.approx(65.70)
    assert not any(n.startswith("per-request load balancer") for n in a.notes)


@pytest.mark.parametrize("value", ["no", 0, "false"])
def test_behind_load_balancer_must_be_a_boolean(tmp_path: Path, value: object) -> None:
    path = _plan(tmp_path, {"behind_load_balancer": value})
    with pytest.raises(PlanError, match=r"proposed\.workloads\[1\]\.behind_load_balancer: "
                                        r"expected true or false, got "):
        read_plan(path)


@pytest.mark.parametrize(("behind", "bytes_warning"), [(False, False), (True, True)])
def test_the_bytes_warning_only_when_requests_pass_through_the_load_balancer(
        tmp_path: Path, behind: bool, bytes_warning: bool) -> None:
    # the ALB declares 0.5 GB an hour: 0.5 x 730 = 365 GB a month, below the 730 GB of egress.
    # Behind it, the report sizes requests from the egress (the bytes warning is true). Off it,
    # nothing is sized from the egress (reference_traffic_profile gives (None, 0.0) and both are
    # priced as declared): before, the warning still said "the report sends [the egress]
    # through aws_lb.api ... prices the load balancer on the egress alone", which it does not
    path = _plan(tmp_path, api={"behind_load_balancer": behind})
    text = path.read_text()
    assert "processed_bytes_gb: 2" in text
    path.write_text(text.replace("processed_bytes_gb: 2", "processed_bytes_gb: 0.5"))
    plan, problems, warnings = check_plan_warnings(path)
    assert plan is not None and problems == []
    paths = [w.path for w in warnings]
    assert ("proposed.resources[2].usage.processed_bytes_gb" in paths) is bytes_warning, paths
    assert ("proposed.workloads[0].behind_load_balancer" in paths) is not behind, paths
