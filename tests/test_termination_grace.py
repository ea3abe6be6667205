"""A drained node waits for its pods' terminationGracePeriodSeconds (the Deployment's, 30 s
unset), not a fixed 30 s: the plan's and the simulate command's Karpenter-like autoscaler."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra_toolkit.plan import read_plan
from infra_toolkit.plan_simulation import side_autoscaler

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
    assert side_autoscaler(plan, plan.proposed).pod_termination_s == termination_s
