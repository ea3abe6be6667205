"""A workload's own update strategy (Deployment spec.strategy, StatefulSet spec.updateStrategy)
and the plan's deployment_strategy naming the workloads it rolls."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_toolkit.plan import read_plan, validate_plan
from infra_toolkit.plan_operations_types import DeploymentStrategy
from infra_toolkit.plan_warnings import statefulset_rolling_warnings
from infra_toolkit.rollout_strategies import effective_strategy
from infra_toolkit.rollout_tables import _row
from infra_toolkit.update_strategy import UpdateStrategy, update_strategy_from


@pytest.mark.parametrize(("kind", "spec", "expected"), [
    ("Deployment", {}, UpdateStrategy("RollingUpdate", None, None)),  # 25 % / 25 % by default
    ("Deployment", {"strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": "10%"}}},
     UpdateStrategy("RollingUpdate", 1, "10%")),
    ("Deployment", {"strategy": {"type": "Recreate"}}, UpdateStrategy("Recreate")),
    # a StatefulSet never surges; one pod at a time unless maxUnavailable says more
    ("StatefulSet", {}, UpdateStrategy("RollingUpdate", 0, 1, progress_deadline_s=None)),
    ("StatefulSet", {"updateStrategy": {"rollingUpdate": {"maxUnavailable": 2}}},
     UpdateStrategy("RollingUpdate", 0, 2, progress_deadline_s=None)),
    ("StatefulSet", {"updateStrategy": {"type": "OnDelete"}},
     UpdateStrategy("OnDelete", progress_deadline_s=None)),
    # rollingUpdate.partition: ordinals below it are held back; above the replicas is allowed
    ("StatefulSet", {"updateStrategy": {"rollingUpdate": {"partition": 3}}},
     UpdateStrategy("RollingUpdate", 0, 1, 3, progress_deadline_s=None)),
    ("StatefulSet", {"updateStrategy": {"rollingUpdate": {"partition": 9, "maxUnavailable": 2}}},
     UpdateStrategy("RollingUpdate", 0, 2, 9, progress_deadline_s=None)),
    # A17-1: minReadySeconds (both kinds) and a Deployment's progressDeadlineSeconds (600 when
    # unset, SetDefaults_Deployment); a StatefulSet has no progress deadline
    ("Deployment", {"minReadySeconds": 20},
     UpdateStrategy(min_ready_s=20, progress_deadline_s=600)),
    ("Deployment", {"minReadySeconds": 0, "progressDeadlineSeconds": 120},
     UpdateStrategy(progress_deadline_s=120)),
    ("StatefulSet", {"minReadySeconds": 10},
     UpdateStrategy("RollingUpdate", 0, 1, min_ready_s=10, progress_deadline_s=None)),
    # A17-14: spec.revisionHistoryLimit, 10 when unset
    ("Deployment", {"revisionHistoryLimit": 0}, UpdateStrategy(revision_history_limit=0)),
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
    # apps validation: ValidateNonnegativeField(partition)
    ("StatefulSet", {"updateStrategy": {"rollingUpdate": {"partition": -1}}},
     "spec.updateStrategy.rollingUpdate.partition of D: -1 must be a whole number >= 0"),
    ("StatefulSet", {"updateStrategy": {"rollingUpdate": {"partition": "3"}}},
     "spec.updateStrategy.rollingUpdate.partition of D: '3' must be a whole number >= 0"),
    ("StatefulSet", {"updateStrategy": {"rollingUpdate": {"partition": 1.5}}},
     "spec.updateStrategy.rollingUpdate.partition of D: 1.5 must be a whole number >= 0"),
    ("Deployment", {"strategy": {"rollingUpdate": "maxSurge=1"}},
     "spec.strategy.rollingUpdate of D: must be a mapping"),
    # apps ValidateDeploymentSpec: both fields non-negative, the deadline above minReadySeconds
    ("Deployment", {"minReadySeconds": -5},
     "spec.minReadySeconds of D: -5 must be a whole number of seconds >= 0"),
    ("StatefulSet", {"minReadySeconds": "30s"},
     "spec.minReadySeconds of D: '30s' must be a whole number of seconds >= 0"),
    ("Deployment", {"progressDeadlineSeconds": 1.5},
     "spec.progressDeadlineSeconds of D: 1.5 must be a whole number of seconds >= 0"),
    ("Deployment", {"revisionHistoryLimit": -1},
     "spec.revisionHistoryLimit of D: -1 must be a whole number >= 0"),
    ("Deployment", {"minReadySeconds": 600},
     "spec.progressDeadlineSeconds of D: 600 must be greater than minReadySeconds (600)"),
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


def _stateful_plan(tmp_path: Path, rolling_update: dict[str, Any]) -> Path:
    """minimal.yaml with its Deployment as a StatefulSet whose rollingUpdate is given."""
    path = _plan(tmp_path, ["api"], {})
    manifests = tmp_path / "manifests"
    dep = yaml.safe_load((manifests / "deployment.yaml").read_text())
    dep["kind"] = "StatefulSet"
    del dep["spec"]["strategy"]
    dep["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": rolling_update}
    (manifests / "deployment.yaml").write_text(yaml.safe_dump(dep))
    hpa = yaml.safe_load((manifests / "hpa.yaml").read_text())
    hpa["spec"]["scaleTargetRef"]["kind"] = "StatefulSet"
    (manifests / "hpa.yaml").write_text(yaml.safe_dump(hpa))
    return path


def _naming_another(plan: DeploymentStrategy) -> DeploymentStrategy:
    """The plan's strategy naming another workload only, so "api" rolls by its manifest."""
    return replace(plan, workloads=("someone-else",))


@pytest.mark.parametrize(("partition", "rolled", "waves", "duration"), [
    # 5 replicas, maxUnavailable 1, time to Ready 5 s pull + 10 s start + 5 s readiness = 20 s:
    # partition 3 rolls ordinals 4 and 3 = 5 - 3 = 2 pods, one a wave: 2 waves x 20 s = 40 s
    (3, 2, 2, "40 s"),
    # partition 5 (= replicas) or above holds every ordinal back: nothing rolls
    (5, 0, 0, "0 s"),
    (7, 0, 0, "0 s"),
])
def test_a_statefulset_partition_rolls_the_ordinals_from_it_up(
        tmp_path: Path, partition: int, rolled: int, waves: int, duration: str) -> None:
    plan = read_plan(_stateful_plan(tmp_path, {"partition": partition}))
    (api,) = plan.proposed.workloads
    own = effective_strategy(_naming_another(plan.deployment_strategy), api)
    assert (own.type, own.partition) == ("rolling", partition)
    assert own.description == (f"the StatefulSet's own rolling update with partition "
                               f"{partition} (ordinals below {partition} are not updated)")
    row = _row(own, api, "Deployment replicas (no HPA)", 5, None, None)
    # the held-back pods stay available: 5 - min(1 unavailable, pods rolled)
    assert (row["Pods rolled"], row["Waves"], row["Duration"], row["Fewest available"]) == \
        (rolled, waves, duration, 5 - min(1, rolled))


def test_without_a_partition_every_pod_rolls(tmp_path: Path) -> None:
    plan = read_plan(_stateful_plan(tmp_path, {"maxUnavailable": 1}))
    (api,) = plan.proposed.workloads
    own = effective_strategy(_naming_another(plan.deployment_strategy), api)
    assert (own.partition, own.description) == (0, "the StatefulSet's own rolling update")
    row = _row(own, api, "Deployment replicas (no HPA)", 5, None, None)
    assert "Pods rolled" not in row and (row["Waves"], row["Duration"]) == (5, "1 min 40 s")


def test_the_plans_rolling_strategy_leaves_a_statefulset_to_its_own(tmp_path: Path) -> None:
    # audit18 A18-13: the plan's rolling strategy (25 % surge, 0 unavailable) covering a
    # StatefulSet of 4 replicas with partition 1 and minReadySeconds 10: a StatefulSet has no
    # surge, so it rolls by its own updateStrategy, one pod at a time (maxUnavailable 1 default)
    path = _stateful_plan(tmp_path, {"partition": 1})
    dep_path = tmp_path / "manifests" / "deployment.yaml"
    dep = yaml.safe_load(dep_path.read_text())
    dep["spec"]["minReadySeconds"] = 10
    dep_path.write_text(yaml.safe_dump(dep))
    plan = read_plan(path)
    (api,) = plan.proposed.workloads
    rolling = DeploymentStrategy("rolling", "plan's rolling", "25%", 0)
    s = effective_strategy(rolling, api)
    assert (s.max_surge, s.max_unavailable, s.partition) == (0, 1, 1)
    row = _row(s, api, "Deployment replicas (no HPA)", 4, None, None)
    # ordinals 3, 2, 1 roll (4 - partition 1 = 3 pods), one a wave: 3 waves of time to Ready
    # (5 s pull + 10 s start + 5 s readiness = 20 s) + minReadySeconds 10 s = 3 x 30 s = 90 s;
    # no surge, so the most pods at once are the 4 replicas
    assert (row["Pods rolled"], row["Waves"], row["Duration"], row["Surge"],
            row["Most pods at once"]) == (3, 3, "1 min 30 s", 0, 4)
    (w,) = statefulset_rolling_warnings(replace(plan, deployment_strategy=rolling))
    assert w.path == "deployment_strategy"
    assert w.message.startswith(
        "the plan's rolling strategy (max_surge 25%, max_unavailable 0) cannot apply to "
        "workload 'api', a StatefulSet: a StatefulSet has no maxSurge")
    assert "(RollingUpdate, maxUnavailable 1, partition 1;" in w.message
    # the plan naming another workload only: no warning, nothing the plan says applies to it
    assert statefulset_rolling_warnings(replace(
        plan, deployment_strategy=replace(rolling, workloads=("someone-else",)))) == []


def test_a_deployment_under_the_plans_rolling_strategy_takes_the_plans(tmp_path: Path) -> None:
    plan = read_plan(_plan(tmp_path, ["api"], {"rollingUpdate": {"maxSurge": 1}}))
    (api,) = plan.proposed.workloads
    rolling = DeploymentStrategy("rolling", "plan's rolling", "25%", 0)
    assert effective_strategy(rolling, api) is rolling
    assert statefulset_rolling_warnings(replace(plan, deployment_strategy=rolling)) == []
