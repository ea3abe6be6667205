"""Plan inputs a mutation fuzzer (fuzz26) found crashing validation: each is one problem naming
the file, the field and the fix, never a traceback."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import yaml

from infra_toolkit.eksctl_config import read_cluster_config
from infra_toolkit.errors import PricingError, SpecError
from infra_toolkit.hpa_yaml import read_hpa_yaml
from infra_toolkit.karpenter_manifests import node_pools_from_documents
from infra_toolkit.plan import validate_plan
from infra_toolkit.plan_yaml import read_yaml_documents
from infra_toolkit.pricing_overrides import read_overrides
from infra_toolkit.pricing_tables import read_price_table
from tests.test_plan_node_pools import NODE_POOLS

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "plans"

_RECURSIVE = ("an alias (*name) refers to a mapping or list that contains it, which makes the "
              "value infinite; write the value out instead of the alias")


def _minimal(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    plan = tmp_path / "plan.yaml"
    shutil.copy(DATA / "minimal.yaml", plan)
    return plan


def test_a_recursive_alias_in_a_manifest_is_one_problem_at_its_line(tmp_path: Path) -> None:
    # before: RecursionError from plan_fields.join_path (the line index walked the loop forever)
    plan = _minimal(tmp_path)
    hpa = tmp_path / "manifests" / "hpa.yaml"
    text = hpa.read_text()
    assert "\nspec:\n" in text and "  maxReplicas: 8\n" in text
    hpa.write_text(text.replace("\nspec:\n", "\nspec: &s\n").replace("  maxReplicas: 8\n",
                                                                      "  maxReplicas: *s\n"))
    line = hpa.read_text().splitlines().index("  maxReplicas: *s") + 1
    problems = validate_plan(plan)
    assert [(p.path, p.message) for p in problems] == [
        ("proposed.workloads[0].hpa", f"hpa.yaml:{line}: spec.maxReplicas: {_RECURSIVE}")]


def test_a_recursive_alias_in_the_plan_is_one_problem_at_its_line(tmp_path: Path) -> None:
    plan = _minimal(tmp_path)
    text = plan.read_text()
    plan.write_text(text.replace("proposed:\n  region: us-east-1\n",
                                 "proposed: &p\n  region: us-east-1\n  again: *p\n"))
    (problem,) = validate_plan(plan)
    assert problem.line == plan.read_text().splitlines().index("  again: *p") + 1
    assert str(problem).endswith(f"proposed.again: {_RECURSIVE}")


def test_a_recursive_alias_in_a_cluster_config_read_alone_is_a_spec_error(
        tmp_path: Path) -> None:
    config = tmp_path / "cluster.yaml"
    config.write_text("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\n"
                      "managedNodeGroups: &groups\n  - name: a\n    tags: *groups\n")
    with pytest.raises(SpecError, match=r"cluster\.yaml:5: YAML syntax error: "
                       r"managedNodeGroups\[0\]\.tags: an alias \(\*name\) refers to a mapping "
                       r"or list that contains it"):
        read_yaml_documents(config)


def test_aliases_expanding_to_a_hundred_million_values_are_refused_quickly(
        tmp_path: Path) -> None:
    # eight levels of ten aliases each: 10**8 values once expanded ("billion laughs"); the line
    # index walked every one of them, for minutes
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 8)]
    plan = tmp_path / "plan.yaml"
    plan.write_text("version: 1\n" + "\n".join(levels) + "\n")
    started = time.monotonic()
    (problem,) = validate_plan(plan)
    assert time.monotonic() - started < 30  # a guard against the walk, not a benchmark
    assert problem.message == ("the aliases (*name) expand to more than 1,000,000 values; "
                               "write the values out or use fewer nested aliases")


def test_a_file_name_too_long_for_the_os_is_one_problem_at_its_field(tmp_path: Path) -> None:
    # before: OSError [Errno 36] from Path.exists() in plan_files.referenced_file
    plan = _minimal(tmp_path)
    plan.write_text(plan.read_text().replace("hpa: manifests/hpa.yaml", "hpa: " + "y" * 5000))
    problems = validate_plan(plan)
    assert [(p.path, p.message) for p in problems] == [(
        "proposed.workloads[0].hpa",
        # errors.quoted: the first 60 characters in quotes, then the length
        "'" + "y" * 60 + "'… (5,000 characters) cannot be used as a file name (File name too "
        "long); name an existing file relative to the plan file's folder")]


_PDB = ("---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: api-pdb}\n"
        "spec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: api}\n")
_REFUSED = "(the API server refuses it)"


@pytest.mark.parametrize("old, new, expected", [
    # before: AttributeError 'bool' object has no attribute 'get' in the budget warnings of
    # `validate` (disruption_budget_warnings._policy), after validate_plan had passed
    ("metadata: {name: api-pdb}", "metadata: true",
     f"metadata (=True) must be a mapping in PodDisruptionBudget '?' of deployment.yaml "
     f"{_REFUSED} (fix: write `name: <budget name>` under it)"),
    ("metadata: {name: api-pdb}", "metadata: {name: [a]}",
     f"metadata.name (=['a']) must be the budget's name (text) in PodDisruptionBudget '?' of "
     f"deployment.yaml {_REFUSED} (fix: name the budget)"),
    ("spec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: api}\n", "spec: 5\n",
     f"spec (=5) must be a mapping in PodDisruptionBudget 'api-pdb' of deployment.yaml "
     f"{_REFUSED} (fix: write the budget's selector and minAvailable or maxUnavailable "
     "under it)"),
])
def test_a_budget_whose_metadata_or_spec_is_no_mapping_is_refused_at_the_deployment(
        tmp_path: Path, old: str, new: str, expected: str) -> None:
    plan = _minimal(tmp_path)
    deployment = tmp_path / "manifests" / "deployment.yaml"
    assert old in _PDB
    deployment.write_text(deployment.read_text() + _PDB.replace(old, new))
    problems = validate_plan(plan)
    assert [(p.path, p.message) for p in problems] == [
        ("proposed.workloads[0].deployment", expected)]


def test_a_budget_without_spec_is_valid_and_selects_no_pod(tmp_path: Path) -> None:
    # policy/v1 accepts a budget without spec (a null selector selects nothing)
    plan = _minimal(tmp_path)
    deployment = tmp_path / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text() + _PDB.split("spec:")[0])
    assert validate_plan(plan) == []


@pytest.mark.parametrize("taint, expected", [
    # before: KeyError 'key' in eksctl_config._taints after the problem was recorded
    ("      - value: compute\n        effect: NoSchedule\n",
     r"managedNodeGroups\[1\]\.taints\[0\]\.key: missing \(required\); add `key:`"),
    ("      - key: [a]\n        effect: NoSchedule\n",
     r"managedNodeGroups\[1\]\.taints\[0\]\.key: expected text, got a list"),
])
def test_a_taint_without_a_text_key_is_one_spec_error(tmp_path: Path, taint: str,
                                                       expected: str) -> None:
    text = (REPO / "plans" / "ecommerce-eks" / "cluster.yaml").read_text()
    written = "      - key: workload-class\n        value: compute\n        effect: NoSchedule\n"
    assert written in text
    config = tmp_path / "cluster.yaml"
    config.write_text(text.replace(written, taint))
    with pytest.raises(SpecError, match=rf"^{config}: {expected}$"):
        read_cluster_config(config)


@pytest.mark.parametrize("kind, shape", [(["EC2NodeClass"], "a list"),
                                         ({"EC2NodeClass": 1}, "a mapping")])
def test_a_node_pool_document_whose_kind_is_no_text_is_one_spec_error(kind: object,
                                                                       shape: str) -> None:
    # before: TypeError unhashable type in karpenter_manifests._header
    docs = list(yaml.safe_load_all(NODE_POOLS.replace("TYPES", "c6i.large")))
    assert [d["kind"] for d in docs] == ["NodePool", "EC2NodeClass"]
    docs[1]["kind"] = kind
    with pytest.raises(SpecError, match=rf"^nodepools\.yaml: documents\[1\]\.kind: expected "
                                        rf"text, got {shape}; write the object's kind "
                                        r"\(NodePool, EC2NodeClass\)"):
        node_pools_from_documents(docs, "nodepools.yaml")


_ABOVE = re.escape("is above 1,000,000 US dollars per unit, more than any AWS unit price; "
                   "write the price of one unit (an hour, a GB) like")


def test_a_price_table_row_beyond_any_unit_price_is_refused_at_its_cell(tmp_path: Path) -> None:
    # before: `cost` died with decimal.InvalidOperation rounding 1e308 x 730 h to cents
    table = tmp_path / "ec2_on_demand_2026-07-21.csv"
    table.write_text("region,instance_type,usd_per_hour,source,as_of\n"
                     "us-east-1,m6i.large,0.096,my quote,2026-07-21\n"
                     "us-east-1,c6i.large,1e308,my quote,2026-07-21\n")
    with pytest.raises(PricingError, match=rf"^{table}: line 3: column 'usd_per_hour': "
                                           rf"'1e308' {_ABOVE} 0\.0416$"):
        read_price_table(table)


def test_an_override_rate_beyond_any_unit_price_is_refused_at_its_entry(tmp_path: Path) -> None:
    overrides = tmp_path / "rates.yaml"
    overrides.write_text(yaml.safe_dump({"version": 1, "rates": [
        {"service": "AmazonEC2", "region": "us-east-1", "instance_type": "c6i.large",
         "purchase_option": "spot", "usd_per_unit": "2000000", "source": "a typo"}]}))
    with pytest.raises(PricingError, match=rf"usd_per_unit: '2000000' {_ABOVE} "
                                           r"\"0\.034\" \(US dollars per unit\)$"):
        read_overrides(overrides)


_DEEP = ("mappings and lists nest deeper than 100 levels; no plan, manifest or pricing file "
         "needs that")


def test_a_value_nested_990_deep_in_the_plan_is_one_problem_at_its_line(tmp_path: Path) -> None:
    # before: RecursionError from the line index (libyaml itself stops only at 1,000 levels)
    plan = _minimal(tmp_path)
    text = plan.read_text()
    plan.write_text(text.replace("summary: Move the API to EKS.",
                                 "summary: " + "[" * 990 + "]" * 990))
    (problem,) = validate_plan(plan)
    assert problem.line == 10
    # the path at depth 101 (metadata 1, summary 2, its lists 3 to 101: 99 steps "[0]") is
    # 16 + 99 x 3 = 313 characters; errors.clipped shows its first 60: 16 + 14 x 3 + 2
    assert problem.message == (f"metadata.summary{'[0]' * 14}[0… (313 characters): {_DEEP}: "
                               "flatten the value")


def test_deep_nesting_in_an_overrides_file_or_a_manifest_is_one_error(tmp_path: Path) -> None:
    # before: RecursionError from PyYAML's pure-Python composer at about 500 levels
    overrides = tmp_path / "rates.yaml"
    overrides.write_text("version: 1\nrates: " + "[" * 600 + "]" * 600 + "\n")
    # the path at depth 101 (rates 1, its lists 2 to 101): "rates" and 100 steps "[0]",
    # 5 + 100 x 3 = 305 characters, of which the first 60 are shown: 5 + 18 x 3 + 1
    with pytest.raises(PricingError, match=re.escape(
            f"{overrides}:2: rates{'[0]' * 18}[… (305 characters): {_DEEP}")):
        read_overrides(overrides)
    hpa = tmp_path / "hpa.yaml"
    hpa.write_text((DATA / "manifests" / "hpa.yaml").read_text().replace(
        "  maxReplicas: 8", "  maxReplicas: " + "[" * 600 + "]" * 600))
    # spec 1, maxReplicas 2, its lists 3 to 101: 16 + 99 x 3 = 313 characters, 60 shown
    with pytest.raises(SpecError, match=re.escape(
            f"{hpa}:8: spec.maxReplicas{'[0]' * 14}[0… (313 characters): {_DEEP}: "
            "flatten the value")):
        read_hpa_yaml(hpa)


def test_a_syntax_error_in_an_overrides_file_is_one_line_at_its_line(tmp_path: Path) -> None:
    # before: PyYAML's four lines naming "<unicode string>" instead of the file
    overrides = tmp_path / "rates.yaml"
    overrides.write_text("version: 1\nrates: [a\n")
    with pytest.raises(PricingError, match=re.escape(
            f"{overrides}:3: not valid YAML: did not find expected ',' or ']' (while parsing a "
            "flow sequence); fix the indentation, brackets or quoting on this line")):
        read_overrides(overrides)


_LONG = ("an integer of 5,000 characters; no field holds a number longer than 1,000 digits: "
         "check the value")


def test_an_integer_of_5000_digits_is_one_problem_at_its_field(tmp_path: Path) -> None:
    # before: ValueError "Exceeds the limit (4300 digits) for integer string conversion" from
    # inside the YAML constructor, in the plan, a manifest or a pricing file alike
    plan = _minimal(tmp_path)
    plan.write_text(plan.read_text().replace("requested_review: 45",
                                             "requested_review: " + "9" * 5000))
    (problem,) = validate_plan(plan)
    assert (problem.line, problem.message) == (9, f"metadata.requested_review: {_LONG}")
    overrides = tmp_path / "rates.yaml"
    overrides.write_text("version: 1\ndiscounts_pct:\n  AmazonEC2: " + "9" * 5000 + "\n")
    with pytest.raises(PricingError, match=re.escape(
            f"{overrides}:3: discounts_pct.AmazonEC2: {_LONG}")):
        read_overrides(overrides)
