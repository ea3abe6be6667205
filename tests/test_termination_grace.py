"""A drained node waits for its pods' terminationGracePeriodSeconds (the Deployment's, 30 s
unset), not a fixed 30 s: the plan's and the simulate command's Karpenter-like autoscaler; in a
plan, per node group, the longest grace of the Deployments whose pods can run on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra_toolkit.analysis import load_price_book
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_simulation import group_termination_s, simulation_spec

DATA = Path(__file__).resolve().parent / "data" / "plans"


def _plan(tmp_path: Path, autoscaler: str, grace: str | None) -> Path:
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    deployment = tmp_path / "manifests" / "deployment.yaml"
    if grace is not None:
        text = deployment.read_text()
        assert "    spec:\n      containers:\n" in text
        deployment.write_text(text.replace(
            "    spec:\n      containers:\n",
            f"    spec:\n      terminationGracePeriodSeconds: {grace}\n      containers:\n"))
    plan = tmp_path / "plan.yaml"
    plan.write_text((DATA / "minimal.yaml").read_text()
                    + f"simulation:\n  node_autoscaler: {autoscaler}\n")
    return plan


@pytest.mark.parametrize(("autoscaler", "grace", "termination_s"), [
    # karpenter-like waits for the pods to terminate: the Deployment's 90 s
    ("karpenter-like", "90", 90.0),
    # unset: the API's default, 30 s
    ("karpenter-like", None, 30.0),
    # 0: the pods are killed at once, the node goes with its last eviction
    ("karpenter-like", "0", 0.0),
    # cluster-autoscaler's preset does not wait (0) whatever the Deployment says
    ("cluster-autoscaler", "90", 0.0),
])
def test_a_drained_node_waits_for_the_deployments_grace_period(
        tmp_path: Path, autoscaler: str, grace: str | None, termination_s: float) -> None:
    plan = read_plan(_plan(tmp_path, autoscaler, grace))
    spec = simulation_spec(plan, "api", load_price_book())
    (general,) = spec.node_groups
    assert spec.autoscaler.termination_s(general) == termination_s


def test_each_group_waits_for_the_pods_that_can_run_on_it(tmp_path: Path) -> None:
    # search-api's shape: the api (45 s) may run on both groups, the indexer (120 s) is pinned
    # to burst. general holds only api pods: 45 s; burst either: max(45, 120) = 120 s. Before,
    # the side's longest grace, 120 s, was every group's.
    plan_path = _plan(tmp_path, "karpenter-like", "45")
    manifests = tmp_path / "manifests"
    indexer = (manifests / "deployment.yaml").read_text().replace(
        "terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 120").replace(
        "name: api", "name: indexer").replace("app: api", "app: indexer")
    (manifests / "indexer.yaml").write_text(indexer)
    text = plan_path.read_text()
    burst = ("    - type: aws_eks_node_group\n      name: burst\n"
             "      instance_types: [m5.large]\n"
             "      scaling_config: {desired_size: 0, min_size: 0, max_size: 4}\n")
    anchor = "  workloads:\n"
    text = text.replace(anchor, burst + anchor, 1).replace(
        "scenarios:\n", "    - name: indexer\n      deployment: manifests/indexer.yaml\n"
        "      node_group: burst\nscenarios:\n", 1)
    plan_path.write_text(text)
    plan = read_plan(plan_path)
    book = load_price_book()
    assert group_termination_s(plan, plan.proposed, book) == {"general": 45.0, "burst": 120.0}
    spec = simulation_spec(plan, "api", book)
    assert {g.name: spec.autoscaler.termination_s(g) for g in spec.node_groups} == {
        "general": 45.0, "burst": 120.0}


def test_cluster_autoscaler_sets_no_group_wait(tmp_path: Path) -> None:
    # the cluster-autoscaler preset does not wait: no group gets one, the node goes at its
    # last eviction as before
    plan = read_plan(_plan(tmp_path, "cluster-autoscaler", "90"))
    assert group_termination_s(plan, plan.proposed, load_price_book()) == {}
    (general,) = simulation_spec(plan, "api", load_price_book()).node_groups
    assert general.pod_termination_s is None
