"""A node group priced from an eksctl ClusterConfig: the ClusterConfig names the group, the
``aws_eks_node_group`` resource says which group it is by ``node_group_name``; the resource's own
name must not matter to the simulation or the price.

plans/ecommerce-eks.yaml has two groups, ``general`` (t3.medium, the backend runs on it) and
``compute`` (c5.large, desired 0, max 5, tainted: nothing runs on it), each resource named as its
group. Renaming the resources (``general_pool``, ``compute_pool``, keeping ``node_group_name``)
must leave every node figure as it was: the same node-hours per group, the same cost lines (now
under the new resource names), the same node cost per hour and the same ceiling.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from infra_toolkit.plan_validate import check_plan_warnings
from tests.conftest import REPO_ROOT as REPO

_RENAMED = {"general": "general_pool", "compute": "compute_pool"}


def _plan(root: Path, rename: bool) -> Path:
    shutil.copytree(REPO / "plans", root / "plans")
    path = root / "plans" / "ecommerce-eks.yaml"
    plan = yaml.safe_load(path.read_text())
    for r in plan["proposed"]["resources"]:
        if r["type"] == "aws_eks_node_group":
            assert r["node_group_name"] == r["name"]  # the premise: named as their groups
            if rename:
                r["name"] = _RENAMED[r["name"]]
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


def _analysis(path: Path) -> PlanAnalysis:
    return analyze_plan(path, scenarios=["expected-day"], horizon_h=1,
                        store_location=str(path.parent / "no-store"))


def _node_lines(estimate: object, names: dict[str, str]) -> dict[tuple[str, str], object]:
    return {(names.get(ln.resource_name, ln.resource_name), ln.component): ln.monthly_cost_usd
            for ln in estimate.lines  # type: ignore[attr-defined]
            if ln.resource_type == "aws_eks_node_group"}


def test_renaming_the_node_group_resources_changes_no_figure(tmp_path: Path) -> None:
    before = _analysis(_plan(tmp_path / "as-is", rename=False))
    after = _analysis(_plan(tmp_path / "renamed", rename=True))
    run_before, run_after = before.run("expected-day"), after.run("expected-day")
    assert run_before.cluster is not None and run_after.cluster is not None
    # the simulation keys groups by the ClusterConfig's names, whatever the resources are called
    assert run_after.cluster.node_hours_by_node_group == \
        run_before.cluster.node_hours_by_node_group
    assert set(run_after.cluster.node_hours_by_node_group) == {"general"}  # compute: idle
    back = {new: old for old, new in _RENAMED.items()}
    lines = _node_lines(run_after.estimate, back)
    # the premise of comparing: general is priced from its simulation, compute as declared (0)
    assert lines == _node_lines(run_before.estimate, {})
    assert any(v for (name, component), v in lines.items()
               if name == "general" and component.startswith("Instance usage"))
    assert _node_lines(after.ceiling_estimate, back) == _node_lines(before.ceiling_estimate, {})
    assert run_after.cluster_hourly_cost is not None and run_before.cluster_hourly_cost is not None
    assert run_after.cluster_hourly_cost.equals(run_before.cluster_hourly_cost)


def test_the_cluster_config_still_matches_renamed_resources(tmp_path: Path) -> None:
    _plan_, problems, _warnings = check_plan_warnings(_plan(tmp_path, rename=True))
    assert problems == []


def test_a_resource_named_as_the_group_but_another_node_group_name_is_refused(
        tmp_path: Path) -> None:
    # the group is found by node_group_name, never by the resource's name
    path = _plan(tmp_path, rename=False)
    plan = yaml.safe_load(path.read_text())
    (general,) = [r for r in plan["proposed"]["resources"]
                  if r["type"] == "aws_eks_node_group" and r["name"] == "general"]
    general["node_group_name"] = "general-nodes"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    _plan_, problems, _warnings = check_plan_warnings(path)
    assert any("node group 'general' of the ClusterConfig has no aws_eks_node_group resource "
               "with that node_group_name" in p.message for p in problems), problems
