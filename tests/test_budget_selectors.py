"""PodDisruptionBudget selectors with ``matchExpressions``: which pods a label selector selects
(the one matcher, :func:`infra_toolkit.label_selector.selects`, as apimachinery's
``LabelSelectorAsSelector``: ``matchLabels`` and every requirement ANDed), the selectors the
API server refuses (``ValidateLabelSelector``), and a plan's budget picked by them. Expected
values are written by hand from the selector rules, not computed by the code under test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.label_selector import selector_problems, selects
from tests.test_plan_warnings import _plan

POD = {"app": "api", "tier": "web"}


def _in(key: str, *values: str) -> dict[str, Any]:
    return {"key": key, "operator": "In", "values": list(values)}


@pytest.mark.parametrize(("selector", "selected"), [
    (None, False),  # no selector: no pod
    ({}, True),  # an empty selector: every pod
    ({"matchLabels": {"app": "api"}}, True),
    ({"matchLabels": {"app": "api", "tier": "db"}}, False),  # tier is web
    ({"matchExpressions": [_in("app", "api", "worker")]}, True),  # api is listed
    ({"matchExpressions": [_in("app", "worker")]}, False),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["worker"]}]}, True),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["api"]}]}, False),
    # a label the pod lacks is in no set: NotIn holds, In does not
    ({"matchExpressions": [{"key": "track", "operator": "NotIn", "values": ["canary"]}]}, True),
    ({"matchExpressions": [_in("track", "canary")]}, False),
    ({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, True),
    ({"matchExpressions": [{"key": "track", "operator": "Exists"}]}, False),
    ({"matchExpressions": [{"key": "track", "operator": "DoesNotExist"}]}, True),
    ({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, False),
    # ANDed: matchLabels true and the requirement false, or one requirement of two false
    ({"matchLabels": {"app": "api"},
      "matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, False),
    ({"matchLabels": {"app": "api"}, "matchExpressions": [_in("tier", "web", "db")]}, True),
    ({"matchExpressions": [_in("app", "api"), _in("tier", "db")]}, False),
    ({"matchExpressions": [_in("app", "api"), {"key": "tier", "operator": "Exists"}]}, True),
])
def test_a_label_selector_selects_as_apimachinery(selector: Any, selected: bool) -> None:
    assert selects(selector, POD) is selected


_SOURCE = "PodDisruptionBudget 'api-pdb' of deployment.yaml (the API server refuses it)"
_EXPR = "spec.selector.matchExpressions[0]"


@pytest.mark.parametrize(("selector", "expected"), [
    ({"matchLabels": {"app": "api"}}, []),
    ({"matchExpressions": [_in("app", "api")]}, []),
    ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, []),
    (None, []),
    ({"matchExpressions": [{"key": "app", "operator": "in", "values": ["api"]}]},
     [f"{_EXPR}.operator (='in') must be one of In, NotIn, Exists, DoesNotExist in {_SOURCE} "
      "(fix: operators are case-sensitive)"]),
    ({"matchExpressions": [{"key": "app", "operator": "In"}]},
     [f"{_EXPR}.values must list at least one value when operator is In in {_SOURCE} (fix: "
      "list the label values, or use Exists / DoesNotExist)"]),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": []}]},
     [f"{_EXPR}.values must list at least one value when operator is NotIn in {_SOURCE} (fix: "
      "list the label values, or use Exists / DoesNotExist)"]),
    ({"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["api"]}]},
     [f"{_EXPR}.values (=['api']) must be empty when operator is Exists in {_SOURCE} (fix: "
      "delete values, or use In / NotIn to match given values)"]),
    ({"matchExpressions": [{"operator": "Exists"}]},
     [f"{_EXPR}.key is required in {_SOURCE} (fix: name the label the requirement tests)"]),
    ({"matchExpressions": [{"key": "app"}]},
     [f"{_EXPR}.operator is required in {_SOURCE} (fix: use In, NotIn, Exists or "
      "DoesNotExist)"]),
    ({"matchExpressions": [_in("app", "a b")]},
     [f"{_EXPR}.values (='a b') must be empty or a label value of at most 63 characters: "
      f"letters, digits, '-', '_' and '.', starting and ending with a letter or digit in "
      f"{_SOURCE}"]),
    # every entry is checked, each at its own index
    ({"matchExpressions": [_in("app", "api"), {"key": "t", "operator": "DoesNotExist",
                                                "values": ["x"]}]},
     [f"spec.selector.matchExpressions[1].values (=['x']) must be empty when operator is "
      f"DoesNotExist in {_SOURCE} (fix: delete values, or use In / NotIn to match given "
      "values)"]),
    ({"matchExpressions": {"key": "app"}},
     [f"spec.selector.matchExpressions (={{'key': 'app'}}) must be a list of {{key, operator, "
      f"values}} in {_SOURCE}"]),
])
def test_a_selector_the_api_server_refuses_is_worded(selector: Any, expected: list[str]
                                                     ) -> None:
    assert selector_problems(selector, "spec.selector", _SOURCE) == expected


_PDB = ("---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: api-pdb}}\n"
        "spec:\n  minAvailable: 2\n  selector:\n    matchExpressions:\n{expressions}")


def _budgeted_plan(tmp_path: Path, expressions: str) -> Path:
    """minimal.yaml (Deployment api, pods labelled app: api) with a budget in its file."""
    plan = _plan(tmp_path)
    deployment = tmp_path / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text() + _PDB.format(expressions=expressions))
    return plan


@pytest.mark.parametrize(("expressions", "honoured"), [
    ("    - {key: app, operator: In, values: [api, web]}\n", True),
    ("    - {key: app, operator: NotIn, values: [worker]}\n"
     "    - {key: track, operator: DoesNotExist}\n", True),
    ("    - {key: app, operator: Exists}\n", True),
    ("    - {key: app, operator: NotIn, values: [api]}\n", False),
    ("    - {key: app, operator: In, values: [api]}\n"
     "    - {key: track, operator: Exists}\n", False),  # ANDed: the pods have no track
])
def test_a_plan_budget_is_picked_by_its_match_expressions(
        tmp_path: Path, expressions: str, honoured: bool) -> None:
    from infra_toolkit.disruption_budget import DisruptionBudget
    from infra_toolkit.plan import read_plan
    from infra_toolkit.plan_simulation import simulation_spec
    from infra_toolkit.pricing import load_price_book

    plan = _budgeted_plan(tmp_path, expressions)
    spec = simulation_spec(read_plan(plan), "api", load_price_book())
    assert spec.disruption_budget == (DisruptionBudget("api-pdb", min_available=2)
                                      if honoured else None)


@pytest.mark.parametrize(("expressions", "problem"), [
    ("    - {key: app, operator: Equals, values: [api]}\n",
     "spec.selector.matchExpressions[0].operator (='Equals') must be one of In, NotIn, Exists, "
     "DoesNotExist"),
    ("    - {key: app, operator: In}\n",
     "spec.selector.matchExpressions[0].values must list at least one value when operator "
     "is In"),
    ("    - {key: app, operator: Exists, values: [api]}\n",
     "spec.selector.matchExpressions[0].values (=['api']) must be empty when operator is "
     "Exists"),
])
def test_a_plan_budget_with_a_selector_the_api_server_refuses_is_refused(
        tmp_path: Path, expressions: str, problem: str) -> None:
    from infra_toolkit.plan import validate_plan

    got = [(p.path, p.message) for p in validate_plan(_budgeted_plan(tmp_path, expressions))]
    assert len(got) == 1
    assert got[0][0] == "proposed.workloads[0].deployment"
    assert got[0][1].startswith(f"{problem} in PodDisruptionBudget 'api-pdb' of "
                                "deployment.yaml (the API server refuses it) (fix: ")
