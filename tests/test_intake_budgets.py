"""PodDisruptionBudgets as users bring them (tests/data/intake, origins in its README), read as
the disruption controller reads them (pkg/controller/disruption: ``getExpectedPodCount``,
``updatePdbStatus``) and the API server validates them (``IsNotMoreThan100Percent``)."""

from __future__ import annotations

from pathlib import Path

from infra_toolkit.disruption_budget import DisruptionBudget
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.workload_budgets import budget_problems, workload_budget
from tests.test_intake_karpenter_volumes import INTAKE, intake_plan


def _budget_warnings(tmp_path: Path, budgets: str) -> list[str]:
    # deploy_ephemeral_30gi.yaml: Deployment 'api', pods labelled app: api, 2 replicas, no
    # HPA; the workload names the intake budget file
    plan = intake_plan(tmp_path, "deploy_ephemeral_30gi.yaml",
                       workload={"disruption_budgets": budgets})
    got, problems, warnings = check_plan_warnings(plan)
    assert got is not None and problems == []
    (workload,) = got.proposed.workloads
    assert workload_budget(workload).selecting == ("api-pdb",)
    return [w.message for w in warnings if "PodDisruptionBudget" in w.message]


def test_a_selector_only_budget_is_honoured_as_blocking_and_said(tmp_path: Path) -> None:
    assert _budget_warnings(tmp_path, "pdb_selector_only.yaml") == [
        "warning: PodDisruptionBudgets with neither minAvailable nor maxUnavailable: api "
        "(budget api-pdb): policy/v1 has no default for them and the disruption controller "
        "then allows no eviction at all, so the node autoscaler never drains a node holding "
        "one of their pods (simulated so: such nodes stay, and are billed); give each "
        "maxUnavailable: 1 (or a minAvailable) if its pods may move"]


def test_a_percent_budget_is_honoured_without_a_word(tmp_path: Path) -> None:
    # api-pdb (maxUnavailable 25 %) alone: the file's worker-pdb (150 %) is refused below
    text = (INTAKE / "pdb_percentages.yaml").read_text()
    plan = intake_plan(tmp_path, "deploy_ephemeral_30gi.yaml",
                       workload={"disruption_budgets": "pdb_percentages.yaml"})
    (tmp_path / "m" / "pdb_percentages.yaml").write_text(text[:text.index("---")])
    got, problems, warnings = check_plan_warnings(plan)
    assert got is not None and problems == []
    (workload,) = got.proposed.workloads
    assert workload_budget(workload).budget == DisruptionBudget("api-pdb", max_unavailable="25%")
    assert [w.message for w in warnings if "PodDisruptionBudget" in w.message] == []


def test_a_budget_with_neither_field_allows_no_eviction() -> None:
    # policy/v1 has no default: getExpectedPodCount falls through with expectedCount 0, and
    # updatePdbStatus then allows 0 disruptions whatever the Ready pods (fail-closed); it was
    # refused as unreadable and the simulation evicted the pods freely
    budget = DisruptionBudget("api-pdb")
    assert budget.blocks_every_eviction
    assert [budget.disruptions_allowed(ready, 4, 4) for ready in (0, 4, 6)] == [0, 0, 0]
    assert budget.desired_healthy(4) == 4


def test_a_percent_budget_rounds_up_as_the_controller() -> None:
    # maxUnavailable 25 % of 4 replicas: ceil(1.0) = 1 may go, 4 - 1 = 3 kept; of 6:
    # ceil(1.5) = 2 may go, 6 - 2 = 4 kept (GetScaledValueFromIntOrPercent, roundUp true)
    budget = DisruptionBudget("api-pdb", max_unavailable="25%")
    assert [budget.desired_healthy(n) for n in (4, 6)] == [3, 4]
    assert [budget.disruptions_allowed(n, n, n) for n in (4, 6)] == [1, 2]


def test_a_budget_above_100_percent_is_refused(tmp_path: Path) -> None:
    # worker-pdb's minAvailable 150 % (a typo for 50 %): the API server refuses it
    # (IsNotMoreThan100Percent), so kubectl apply would leave its pods without a budget; it was
    # honoured as keeping ceil(1.5 x 2) = 3 of 2 pods, then only warned of. A budget of another
    # app in the same file is refused alike: the file is what gets applied
    plan = intake_plan(tmp_path, "deploy_ephemeral_30gi.yaml",
                       workload={"disruption_budgets": "pdb_percentages.yaml"})
    _, problems, _ = check_plan_warnings(plan)
    assert [(p.path, p.message) for p in problems] == [(
        "proposed.workloads[0].disruption_budgets",
        "spec.minAvailable (='150%') must be a whole number >= 0 or a percent from '0%' to "
        "'100%' in PodDisruptionBudget 'worker-pdb' of pdb_percentages.yaml (the API server "
        "refuses it) (fix: write e.g. 1 or '25%')")]


def test_a_budget_with_both_fields_or_a_negative_one_is_refused() -> None:
    # ValidatePodDisruptionBudgetSpec: minAvailable and maxUnavailable are exclusive, and an
    # int must be >= 0 (both were only warned of as not honoured)
    def budget(**spec: object) -> dict[str, object]:
        return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                "metadata": {"name": "api-pdb"},
                "spec": {**spec, "selector": {"matchLabels": {"app": "api"}}}}

    where = "PodDisruptionBudget 'api-pdb' of m/pdb.yaml (the API server refuses it)"
    assert budget_problems([budget(minAvailable=1, maxUnavailable="25%")], "m/pdb.yaml") == [
        f"spec sets both minAvailable and maxUnavailable in {where} (fix: keep one of them)"]
    assert budget_problems([budget(maxUnavailable=-1)], "m/pdb.yaml") == [
        f"spec.maxUnavailable (=-1) must be a whole number >= 0 or a percent from '0%' to "
        f"'100%' in {where} (fix: write e.g. 1 or '25%')"]
    assert budget_problems([budget(maxUnavailable="one")], "m/pdb.yaml") == [
        f"spec.maxUnavailable (='one') must be a whole number >= 0 or a percent from '0%' to "
        f"'100%' in {where} (fix: write e.g. 1 or '25%')"]
    assert budget_problems([budget(maxUnavailable=0), budget(minAvailable="100%")],
                           "m/pdb.yaml") == []


def test_a_misspelt_eviction_policy_is_refused() -> None:
    budget = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
              "metadata": {"name": "api-pdb"},
              "spec": {"maxUnavailable": 1, "unhealthyPodEvictionPolicy": "Always",
                       "selector": {"matchLabels": {"app": "api"}}}}
    assert budget_problems([budget], "m/pdb.yaml") == [
        "spec.unhealthyPodEvictionPolicy (='Always') must be IfHealthyBudget or AlwaysAllow in "
        "PodDisruptionBudget 'api-pdb' of m/pdb.yaml (the API server refuses it) (fix: write "
        "one of them (IfHealthyBudget, the default, when left out))"]
