"""PodDisruptionBudgets kept outside the Deployment's file: the HPA's file, and the files a
workload's ``disruption_budgets`` names (a path or a list of paths, relative to the plan's
folder). Such a budget holds a scale-down as one beside the Deployment does, its file is
hashed into the plan digest, and a file that cannot be used is refused at its plan path.
Expected events are test_disruption_budget's hand-worked scale-down."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_toolkit.disruption_budget import DisruptionBudget
from infra_toolkit.plan import read_plan, validate_plan
from infra_toolkit.plan_simulation import simulation_spec
from infra_toolkit.pricing import load_price_book
from tests.test_plan_warnings import _plan

# minimal.yaml's api: pods labelled app: api
_PDB = ("# the api team's budgets\napiVersion: policy/v1\nkind: PodDisruptionBudget\n"
        "metadata: {name: api-pdb}\nspec:\n  minAvailable: 2\n  selector:\n"
        "    matchExpressions:\n    - {key: app, operator: In, values: [api]}\n")
_KEY = ("      hpa: manifests/hpa.yaml\n", "      hpa: manifests/hpa.yaml\n"
        "      disruption_budgets: {files}\n")


def _with_budget_file(tmp_path: Path, files: str = "manifests/pdb.yaml",
                      text: str = _PDB) -> Path:
    plan = _plan(tmp_path, plan_edits=((_KEY[0], _KEY[1].format(files=files)),))
    (tmp_path / "manifests" / "pdb.yaml").write_text(text)
    return plan


def _budget(plan: Path) -> DisruptionBudget | None:
    return simulation_spec(read_plan(plan), "api", load_price_book()).disruption_budget


@pytest.mark.parametrize("files", ["manifests/pdb.yaml", "[manifests/pdb.yaml]"])
def test_a_budget_in_its_own_file_holds_the_scale_down(tmp_path: Path, files: str) -> None:
    from tests.test_disruption_budget import _scale_down_run

    budget = _budget(_with_budget_file(tmp_path, files))
    assert budget == DisruptionBudget("api-pdb", min_available=2)
    # minAvailable 2 of 2 Ready: 0 allowed, the node kept from 340 s to the end
    spec, curve, simulate = _scale_down_run(budget)
    result = simulate(curve, spec)
    nodes = result.events[result.events["kind"].str.startswith("node_scale_down")]
    assert list(zip(nodes["time_s"], nodes["kind"])) == [(340.0, "node_scale_down_blocked:ng")]
    assert result.summary.node_scale_downs == 0


def test_a_budget_file_the_plan_does_not_name_is_not_seen(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    (tmp_path / "manifests" / "pdb.yaml").write_text(_PDB)
    assert _budget(plan) is None


def test_a_budget_in_the_hpa_file_is_honoured(tmp_path: Path) -> None:
    plan = _plan(tmp_path)
    hpa = tmp_path / "manifests" / "hpa.yaml"
    hpa.write_text(hpa.read_text() + "---\n" + _PDB)
    assert _budget(plan) == DisruptionBudget("api-pdb", min_available=2)


def test_the_budget_file_is_in_the_plan_digest(tmp_path: Path) -> None:
    from infra_toolkit.digest import plan_digest

    plan = _with_budget_file(tmp_path)
    read = read_plan(plan)
    assert tmp_path / "manifests" / "pdb.yaml" in read.referenced_files()
    before = plan_digest(read)
    # one byte of a comment: the budget reads the same, the digest does not
    (tmp_path / "manifests" / "pdb.yaml").write_text(_PDB.replace("team's", "team`s"))
    after = plan_digest(read_plan(plan))
    assert before != after
    assert _budget(plan) == DisruptionBudget("api-pdb", min_available=2)


_AT = "proposed.workloads[0].disruption_budgets"


@pytest.mark.parametrize(("files", "text", "expected"), [
    ("manifests/pdb.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: api}\n",
     [(_AT, "pdb.yaml holds no PodDisruptionBudget (kinds found: Service); point at the file "
            "holding the workload's budgets")]),
    ("[]", _PDB, [(_AT, "is an empty list; name the files holding the workload's "
                        "PodDisruptionBudgets, or leave disruption_budgets out")]),
    ("[manifests/pdb.yaml, manifests/none.yaml]", _PDB, None),  # a missing second file
    ("manifests/pdb.yaml", _PDB.replace("operator: In, values: [api]", "operator: Exists, "
                                        "values: [api]"),
     [(_AT, "spec.selector.matchExpressions[0].values (=['api']) must be empty when operator "
            "is Exists in PodDisruptionBudget 'api-pdb' of pdb.yaml (the API server refuses "
            "it) (fix: delete values, or use In / NotIn to match given values)")]),
])
def test_a_budget_file_that_cannot_be_used_is_refused_at_its_path(
        tmp_path: Path, files: str, text: str, expected: list[tuple[str, str]] | None) -> None:
    got = [(p.path, p.message) for p in validate_plan(_with_budget_file(tmp_path, files, text))]
    if expected is None:  # referenced_file's own wording: only where it is said is pinned
        assert [p for p, _ in got] == [f"{_AT}[1]"]
        assert "none.yaml" in got[0][1]
    else:
        assert got == expected


def test_a_refused_budget_second_in_a_list_is_said_at_its_own_entry(tmp_path: Path) -> None:
    bad = _PDB.replace("operator: In, values: [api]", "operator: Exists, values: [api]")
    plan = _with_budget_file(tmp_path, "[manifests/ok.yaml, manifests/pdb.yaml]", bad)
    (tmp_path / "manifests" / "ok.yaml").write_text(_PDB.replace("api-pdb", "api-pdb-2"))
    got = [(p.path, p.message) for p in validate_plan(plan)]
    assert got == [(f"{_AT}[1]", "spec.selector.matchExpressions[0].values (=['api']) must be "
                                 "empty when operator is Exists in PodDisruptionBudget 'api-pdb' "
                                 "of pdb.yaml (the API server refuses it) (fix: delete values, "
                                 "or use In / NotIn to match given values)")]
