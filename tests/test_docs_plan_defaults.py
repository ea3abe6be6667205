"""docs/PLAN.md's Field reference gives each optional key's default; tests/test_docs_plan_fields.py
checks the defaults the value objects carry (model, simulation, csv, approval_policy). These are
the defaults the section loaders fill in themselves when a key is left out: each case reads a
section without the key through its loader and checks both the value read and the row's
default cell (the value is what the doc's words mean, written here by hand). The rows' lists of
choices (environments, strategy types, severities, operators, signals...) are the loader's."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from infra_toolkit import plan
from infra_toolkit.node_allocatable import EKS_DAEMONSETS
from infra_toolkit.plan import SimulationSettings
from infra_toolkit.plan_domain import MAX_SCENARIO_STEPS
from infra_toolkit.plan_fields import FieldReader
from infra_toolkit.plan_operations import read_monitoring, read_rollback, read_strategy
from infra_toolkit.plan_operations_types import (
    CANARY_SCOPES,
    CONDITION_OPS,
    SIMULATED_SIGNALS,
    WINDOWED_SIGNALS,
)
from infra_toolkit.plan_scenario_types import LoadTest
from infra_toolkit.plan_scenarios import read_scenarios
from infra_toolkit.plan_validate import MAX_REVIEW_MINUTES
from infra_toolkit.readiness import MAX_STARTUP_DELAY_S
from infra_toolkit.rollout import blue_green_rollout
from infra_toolkit.traffic_csv_cells import MAX_RATE_RPS
from infra_toolkit.workload import MAX_CONCURRENCY
from tests.test_docs_plan_fields import PLAN_MD, plan_rows

ALERT = {"name": "Down", "expr": "up == 0", "severity": "critical", "summary": "down"}
MONITORING = {"metrics": [{"name": "up", "source": "Prometheus"}],
              "dashboards": [{"name": "d", "panels": ["p"]}], "alerts": [ALERT]}
LOAD_TEST = {"users": 10, "think_time": "1s", "response_time": "200ms", "ramp_up": "1m",
             "hold": "5m"}


T = TypeVar("T")


def some(value: T | None) -> T:
    """``value``, which a valid section read is (``None`` only after a problem)."""
    assert value is not None
    return value


def _read(reader: Callable[[FieldReader], Any]) -> Any:
    r = FieldReader()
    out = reader(r)
    assert r.problems == [], r.problems  # the minimal section is valid without the key
    return out


def _load_test(r: FieldReader) -> LoadTest:
    scenarios = some(read_scenarios(r, {"scenarios": [{"name": "t", "description": "t",
                                                       "load_test": LOAD_TEST}]},
                                    Path("."), True, 15))
    traffic = scenarios[0].traffic
    assert isinstance(traffic, LoadTest)
    return traffic


CASES: list[tuple[str, str, Callable[[FieldReader], Any], Any]] = [
    # (row, its default cell, the section read without that key -> the value, that value)
    ("scenarios[].load_test.requests_per_iteration", "1",
     lambda r: _load_test(r).requests_per_iteration, 1),
    ("scenarios[].load_test.ramp_down", "0s",
     lambda r: _load_test(r).ramp_down_s, 0.0),
    ("deployment_strategy.canary.scope", "pods",
     lambda r: some(read_strategy(r, {"type": "canary", "description": "c", "canary": {
         "traffic_router": "alb", "steps": [{"weight_pct": 10, "pause": "5m"},
                                            {"weight_pct": 100}]}})).canary_scope, "pods"),
    ("deployment_strategy.blue_green.auto_promote", "false",
     lambda r: some(read_strategy(r, {"type": "blue-green", "description": "b",
                                 "blue_green": {"preview": "5m"}})).auto_promote, False),
    # left out, it is None and the rollout takes Argo Rollouts' 30 s (checked below)
    ("deployment_strategy.blue_green.scale_down_delay", "30s (Argo Rollouts')",
     lambda r: some(read_strategy(r, {"type": "blue-green", "description": "b",
                                 "blue_green": {"preview": "5m"}})).scale_down_delay_s, None),
    ("monitoring.alerts[].for", "0s",
     lambda r: some(read_monitoring(r, MONITORING)).alerts[0].for_s, 0.0),
    ("rollback.triggers[].automatic", "false",
     lambda r: some(read_rollback(r, {"triggers": [{"condition": "errors"}], "steps": ["undo"],
                                 "expected_time": "10m"}, set())).triggers[0].automatic, False),
]


@pytest.mark.parametrize("row,cell,read,value", CASES, ids=[c[0] for c in CASES])
def test_loader_default_is_the_documented_one(row: str, cell: str,
                                              read: Callable[[FieldReader], Any],
                                              value: Any) -> None:
    assert plan_rows()[row][1] == cell
    assert _read(read) == value


def test_scale_down_delay_left_out_is_argos_30_s() -> None:
    # the row says 30s (Argo Rollouts'): 4 replicas Ready in 40 s, a 5 min preview and no
    # delay given run both sets 40 + 300 + 30 = 370 s
    switch = blue_green_rollout(4, 40.0, 300.0, None)
    assert (switch.scale_down_delay_s, switch.overlap_s) == (30.0, 370.0)


def test_node_daemonsets_default_is_ekss_two() -> None:
    # "`{pods: 2, cpu: 125m}` (kube-proxy and aws-node)": 100m + 25m = 125m, no memory
    assert plan_rows()["simulation.node_daemonsets"][1] == \
        "`{pods: 2, cpu: 125m}` (kube-proxy and aws-node)"
    assert SimulationSettings().node_daemonsets == EKS_DAEMONSETS
    assert (EKS_DAEMONSETS.pods, EKS_DAEMONSETS.cpu_millicores, EKS_DAEMONSETS.memory_mib) == \
        (2, 100 + 25, 0)


@pytest.mark.parametrize(("row", "choices"), [
    ("metadata.environment", plan.ENVIRONMENTS), ("metadata.priority", plan.PRIORITIES),
    ("deployment_strategy.type", plan.STRATEGY_TYPES),
    ("deployment_strategy.canary.scope", CANARY_SCOPES),
    ("monitoring.alerts[].severity", plan.ALERT_SEVERITIES),
    ("monitoring.alerts[].simulated.op", CONDITION_OPS),
    ("security[].status", plan.SECURITY_STATUSES), ("risks[].severity", plan.SEVERITIES),
    ("risks[].likelihood", plan.LIKELIHOODS),
    ("simulation.node_autoscaler", plan.NODE_AUTOSCALERS),
])
def test_a_rows_choices_are_the_loaders(row: str, choices: tuple[str, ...]) -> None:
    cell = plan_rows()[row][0]
    assert [c.strip("`") for c in cell.split(", ")] == list(choices)


def test_the_sections_table_lists_the_types() -> None:
    # metadata.type and testing[].type send the reader to the sections table
    assert plan_rows()["metadata.type"][0] == "the seven types in the sections table"
    assert len(plan.PLAN_TYPES) == 7
    text = " ".join(PLAN_MD.read_text(encoding="utf-8").split())
    assert f"`type` ({', '.join(plan.PLAN_TYPES)})" in text
    assert f"`type` is one of {', '.join(plan.TEST_TYPES)};" in text


def test_the_alert_signals_are_the_simulated_ones() -> None:
    text = PLAN_MD.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `signal` | yes |"))
    named = [s for s in re.findall(r"`(\w+)`", row) if s != "signal"]
    assert set(named) >= set(SIMULATED_SIGNALS)
    assert [s for s in named if s in SIMULATED_SIGNALS] == list(SIMULATED_SIGNALS)
    window = next(line for line in text.splitlines() if line.startswith("| `window` | no |"))
    assert f"`{'` and `'.join(WINDOWED_SIGNALS)}` only" in window


def test_documented_limits_are_the_code_s() -> None:
    rows = plan_rows()
    text = " ".join(PLAN_MD.read_text(encoding="utf-8").split())
    assert rows["<side>.workloads[].model.concurrency"][0] == \
        f"requests in parallel (1-{MAX_CONCURRENCY:,})"
    for key in ("image_pull_s", "app_start_s"):  # a day: 24 x 3600 = 86,400 s
        assert rows[f"<side>.workloads[].model.{key}"][0] == f"s (at most {MAX_STARTUP_DELAY_S:,})"
    assert MAX_STARTUP_DELAY_S == 24 * 3600
    # requested_review: at most 30 days = 30 x 24 x 60 = 43,200 minutes
    assert "(at most 30 days)" in rows["metadata.requested_review"][0]
    assert MAX_REVIEW_MINUTES == 43_200
    assert f"at most {MAX_SCENARIO_STEPS:,} steps" in text
    assert MAX_RATE_RPS == 1e9 and "each rate from 0 to 1e9 requests per second" in text
