"""A sweep's row equals ``simulate PLAN`` on the plan edited by hand to that variant (sweep16):
the variant is rebuilt here by editing a copy of plans/ecommerce-eks.yaml and its manifests as
text, never through the sweep's grid code, and run through ``simulate`` (the report's joint run).
The first 6 hours of expected-day keep the runs short."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.cli import main
from tests.conftest import REPO_ROOT

PLAN = REPO_ROOT / "plans" / "ecommerce-eks.yaml"
HORIZON = ["--scenario", "expected-day", "--horizon-h", "6"]


def _sweep(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["sweep", str(PLAN), "--workload", "backend", *HORIZON,
                 "--vary", "minReplicas=2", "--vary", "cpu.averageUtilization=50",
                 "--instance-types", "t3.small", "--format", "json"]) == 0
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return doc


def _edited_copy(tmp_path: Path) -> Path:
    """plans/ecommerce-eks.yaml with backend at minReplicas 2, a 50 % CPU target and its node
    group on t3.small (the plan's node group and the eksctl config, which validate matches)."""
    for name in ("ecommerce-eks", "traces"):
        shutil.copytree(REPO_ROOT / "plans" / name, tmp_path / name)
    hpa = tmp_path / "ecommerce-eks" / "backend-hpa.yaml"
    text = hpa.read_text()
    assert text.count("minReplicas: 3") == 1 and text.count("averageUtilization: 70") == 1
    hpa.write_text(text.replace("minReplicas: 3", "minReplicas: 2")
                   .replace("averageUtilization: 70", "averageUtilization: 50"))
    cluster = tmp_path / "ecommerce-eks" / "cluster.yaml"
    text = cluster.read_text()
    assert text.count("instanceType: t3.medium") == 1
    cluster.write_text(text.replace("instanceType: t3.medium", "instanceType: t3.small"))
    plan = tmp_path / "ecommerce-eks.yaml"
    text = PLAN.read_text()
    assert text.count("instance_types: [t3.medium]") == 1
    plan.write_text(text.replace("instance_types: [t3.medium]", "instance_types: [t3.small]"))
    return plan


def _simulate(capsys: pytest.CaptureFixture[str], plan: Path) -> dict[str, Any]:
    assert main(["simulate", str(plan), "--workload", "backend", *HORIZON,
                 "--format", "json"]) == 0
    (run,) = json.loads(capsys.readouterr().out)
    return dict(run)


def test_the_cheapest_variant_and_the_baseline_are_the_single_runs(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = _sweep(capsys)
    variant = next(v for v in doc["variants"] if not v["baseline"])
    baseline = next(v for v in doc["variants"] if v["baseline"])
    assert variant["values"] == {"minReplicas": 2, "cpu.averageUtilization": 50,
                                 "instance_type": "t3.small"}
    for row, run in ((variant, _simulate(capsys, _edited_copy(tmp_path))),
                     (baseline, _simulate(capsys, PLAN))):
        got = row["scenarios"]["expected-day"]
        (hours,) = run["node_hours_by_instance_type"].values()
        assert got["node_hours"] == hours
        assert got["peak_replicas"] == run["peak_replicas"]
        assert got["dropped_pct"] == round(100 * run["dropped_requests"]
                                           / run["offered_requests"], 3)
        # simulate PLAN counts the minutes violating any of the workload's SLOs: the sweep's
        # per-SLO minutes are those minutes SLO by SLO (here at most one SLO is violated)
        minutes = [s["violation_minutes"] for s in got["slos"].values()]
        assert max(minutes) == run["slo_violation_minutes"]
        assert row["status"] == ("meets SLOs" if run["slo_violation_minutes"] == 0
                                 else "fails SLOs")
    # the edited plan: 18 node-hours in 6 h are 3 t3.small nodes all along; a month of them at
    # us-east-1's $0.0208 an hour is 3 x 730 x 0.0208 = 45.552, their 20 GB gp3 disks
    # 3 x 20 x $0.08 = 4.80, and their CPU stays under the t3 baseline (no surplus credits):
    # 50.352 -> $50.35; the baseline's 3 t3.medium: 3 x 730 x 0.0416 = 91.104 + 4.80 = 95.904
    assert (variant["monthly_usd"], variant["status"]) == (50.35, "meets SLOs")
    assert (baseline["monthly_usd"], baseline["status"]) == (95.9, "fails SLOs")
    assert variant["delta_monthly_usd"] == pytest.approx(50.35 - 95.9)
