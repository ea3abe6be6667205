"""A workload's own update strategy (Deployment spec.strategy, StatefulSet spec.updateStrategy)
and the plan's deployment_strategy naming the workloads it rolls."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_toolkit.plan import read_plan, validate_plan
from infra_toolkit.rollout_tables import effective_strategy
from infra_toolkit.update_strategy import UpdateStrategy, update_strategy_from


@pytest.mark.parametrize(("kind", "spec", "expected"), [
    ("Deployment", {}, UpdateStrategy("RollingUpdate", None, None)),  # 25 % / 25 % by default
    ("Deployment", {"strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": "10%"}}},
     UpdateStrategy("RollingUpdate", 1, "10%")),
    ("Deployment", {"strategy": {"type": "Recreate"}}, UpdateStrategy("Recreate")),
    # a StatefulSet never surges; one pod at a time unless maxUnavailable says more
    ("StatefulSet", {}, UpdateStrategy("RollingUpdate", 0, 1)),
    ("StatefulSet", {"updateStrategy": {"rollingUpdate": {"maxUnavailable": 2}}},
     UpdateStrategy("RollingUpdate", 0, 2)),
    ("StatefulSet", {"updateStrategy": {"type": "OnDelete"}}, UpdateStrategy("OnDelete")),
])
def test_update_strategy(kind: str, spec: dict[str, Any], expected: UpdateStrategy) -> None:
    assert update_strategy_from(spec, kind) == (expected, [])


@pytest.mark.parametrize(("kind", "spec", "problem"), [
    ("Deployment", {"strategy": {"type": "Rolling"}},
     "spec.strategy.type of D: 'Rolling' must be one of RollingUpdate, Recreate"),
    ("Deployment", {"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}},
     "spec.strategy.rollingUpdate of D: maxSurge and maxUnavailable cannot both be 0"),
    ("Deployment", {"strategy": {"rollingUpdate": {"maxSurge": "a lot"}}},
     "spec.strategy.rollingUpdate.maxSurge of D: 'a lot' must be a pod count >= 0 or a "
     "percentage like '25%'"),
    ("Deployment", {"strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}},
     "spec.strategy.rollingUpdate of D: only applies to type RollingUpdate"),
    ("StatefulSet", {"updateStrategy": {"type": "Recreate"}},
     "spec.updateStrategy.type of D: 'Recreate' must be one of RollingUpdate, OnDelete"),
    # apps validation: IsNotMoreThan100Percent(maxUnavailable), for both kinds
    ("Deployment", {"strategy": {"rollingUpdate": {"maxUnavailable": "150%"}}},
     "spec.strategy.rollingUpdate.maxUnavailable of D: '150%' is more than 100%"),
    ("StatefulSet", {"updateStrategy": {"rollingUpdate": {"maxUnavailable": "101%"}}},
     "spec.updateStrategy.rollingUpdate.maxUnavailable of D: '101%' is more than 100%"),
    # a StatefulSet's maxUnavailable "cannot be 0" (apps validateRollingUpdateStatefulSet)
    ("StatefulSet", {"updateStrategy": {"rollingUpdate": {"maxUnavailable": "0%"}}},
     "spec.updateStrategy.rollingUpdate.maxUnavailable of D: cannot be 0 for a StatefulSet"),
    ("StatefulSet", {"updateStrategy": {"rollingUpdate": {"maxUnavailable": 0}}},
     "spec.updateStrategy.rollingUpdate.maxUnavailable of D: cannot be 0 for a StatefulSet"),
    ("Deployment", {"strategy": {"rollingUpdate": "maxSurge=1"}},
     "spec.strategy.rollingUpdate of D: must be a mapping"),
])
def test_bad_update_strategy_is_named(kind: str, spec: dict[str, Any], problem: str) -> None:
    _strategy, problems = update_strategy_from(spec, kind, " of D")
    assert len(problems) == 1 and problems[0].startswith(problem), problems


DATA = Path(__file__).parent / "data" / "plans"


def _plan(tmp_path: Path, strategy_workloads: Any, deployment_strategy: dict[str, Any]) -> Path:
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    dep_path = tmp_path / "manifests" / "deployment.yaml"
    dep = yaml.safe_load(dep_path.read_text())
    dep["spec"]["strategy"] = deployment_strategy
    dep_path.write_text(yaml.safe_dump(dep))
    plan = yaml.safe_load((DATA / "minimal.yaml").read_text())
    plan["deployment_strategy"] = {
        "type": "canary", "description": "API by weights",
        "canary": {"traffic_router": "alb", "steps": [{"weight_pct": 100}]},
        "workloads": strategy_workloads}
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


def test_a_workload_the_strategy_does_not_name_rolls_by_its_manifest(tmp_path: Path) -> None:
    # minimal.yaml's one workload is "api": named, it rolls by the plan's canary; with the
    # strategy naming another workload only, by its Deployment's Recreate
    named = read_plan(_plan(tmp_path / "named", ["api"], {"type": "Recreate"}))
    (api,) = named.proposed.workloads
    assert effective_strategy(named.deployment_strategy, api) is named.deployment_strategy
    plan = named.deployment_strategy
    other = type(plan)(plan.type, plan.description, steps=plan.steps,
                       traffic_router=plan.traffic_router, workloads=("someone-else",))
    own = effective_strategy(other, api)
    assert (own.type, own.description) == ("recreate", "the Deployment's own Recreate strategy")


def test_strategy_workloads_must_be_proposed_workloads(tmp_path: Path) -> None:
    problems = validate_plan(_plan(tmp_path, ["apii", "api", "api"],
                                   {"rollingUpdate": {"maxSurge": 1}}))
    assert [(p.path, p.message) for p in problems] == [
        ("deployment_strategy.workloads[0]", "no proposed workload named 'apii'; did you mean "
                                             "'api'?"),
        ("deployment_strategy.workloads[2]", "'api' is named twice")]
