"""A KEDA ScaledObject with idleReplicaCount above 0 (keda_idle_warnings): KEDA's docs support
only 0, since KEDA writes the idle count when the triggers are inactive and the HPA it made
raises it back to its minReplicas at each sync, so the replicas flap every pollingInterval.
Warned by ``validate`` at the workload's hpa path and by ``simulate``'s flag mode on stderr;
an idle count of 0 is not warned. On a copy of author21 (tests/data/author21), whose infer-api
ScaledObject has minReplicaCount 3 and pollingInterval 15."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra_toolkit.cli import main
from infra_toolkit.plan_validate import check_plan_warnings

AUTHOR21 = Path(__file__).resolve().parent / "data" / "author21"
# the infer-api ScaledObject's replica counts as tests/data/author21 writes them
COUNTS = "  minReplicaCount: 3\n  maxReplicaCount: 45\n  pollingInterval: 15\n"

# written by hand: idle 1, the HPA's minReplicas = minReplicaCount 3, pollingInterval 15 s
EXPECTED = (
    "the KEDA ScaledObject of workload 'infer-api': idleReplicaCount 1 is above 0, which KEDA "
    "does not support (its ScaledObject docs: only 0 is): with the triggers inactive past "
    "cooldownPeriod KEDA writes replicas: 1 and the HPA (minReplicas 3) raises it back to 3 "
    "at each sync, so the replicas flap 3 -> 1 -> 3 every pollingInterval (15 s); set "
    "idleReplicaCount: 0 or remove it")


def _plan_with_idle(tmp_path: Path, idle: int) -> Path:
    """A copy of author21 whose infer-api ScaledObject has ``idleReplicaCount: idle``."""
    root = tmp_path / "author21"
    shutil.copytree(AUTHOR21, root)
    keda = root / "inference" / "keda.yaml"
    text = keda.read_text(encoding="utf-8")
    assert text.count(COUNTS) == 1  # the fixture still writes infer-api's counts so
    keda.write_text(text.replace(COUNTS, f"{COUNTS}  idleReplicaCount: {idle}\n"),
                    encoding="utf-8")
    return root / "inference-api.yaml"


def _idle_warnings(plan: Path) -> list[str]:
    got, problems, warnings = check_plan_warnings(plan)
    assert got is not None and problems == []
    return [w.message for w in warnings if "idleReplicaCount" in w.message]


def test_idle_replica_count_above_zero_is_warned_at_the_hpa(tmp_path: Path) -> None:
    got, problems, warnings = check_plan_warnings(_plan_with_idle(tmp_path, 1))
    assert got is not None and problems == []
    idle = [w for w in warnings if "idleReplicaCount" in w.message]
    assert [(w.path, w.message) for w in idle] == [
        ("proposed.workloads[0].hpa", f"warning: {EXPECTED}")]


def test_idle_replica_count_zero_is_not_warned(tmp_path: Path) -> None:
    assert _idle_warnings(_plan_with_idle(tmp_path, 0)) == []


def test_the_shipped_author21_has_no_idle_warning() -> None:
    assert _idle_warnings(AUTHOR21 / "inference-api.yaml") == []


# simulate's flag mode: one ScaledObject (minReplicaCount 3, pollingInterval left at KEDA's 30 s)
# with a prometheus trigger, 10 idle minutes
SCALED_OBJECT = """apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web}
spec:
  scaleTargetRef: {name: web}
  minReplicaCount: 3
  idleReplicaCount: IDLE
  maxReplicaCount: 10
  triggers:
  - type: prometheus
    metadata: {serverAddress: "http://p", query: q, threshold: "50"}
"""
FLAGS = ["--capacity-rps-per-pod", "100", "--cpu-millicores-per-rps", "10", "--concurrency",
         "8", "--vcpu", "4", "--memory-gib", "16", "--max-pods", "58", "--max-nodes", "5",
         "--instance-type", "m5.xlarge", "--format", "json"]


@pytest.mark.parametrize("idle", [0, 1])
def test_simulate_flag_mode_prints_the_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], idle: int) -> None:
    scaled = tmp_path / "scaledobject.yaml"
    scaled.write_text(SCALED_OBJECT.replace("IDLE", str(idle)), encoding="utf-8")
    traffic = tmp_path / "idle.csv"
    traffic.write_text("timestamp,requests_per_second\n"
                       + "".join(f"{60 * i},0\n" for i in range(10)), encoding="utf-8")
    assert main(["simulate", "--traffic", str(traffic), "--hpa", str(scaled), *FLAGS]) == 0
    err = [line for line in capsys.readouterr().err.splitlines() if "idleReplicaCount" in line]
    # by hand: idle 1, minReplicas 3 (minReplicaCount), the default pollingInterval of 30 s
    assert err == ([] if idle == 0 else [
        "warning: idleReplicaCount 1 is above 0, which KEDA does not support (its ScaledObject "
        "docs: only 0 is): with the triggers inactive past cooldownPeriod KEDA writes "
        "replicas: 1 and the HPA (minReplicas 3) raises it back to 3 at each sync, so the "
        "replicas flap 3 -> 1 -> 3 every pollingInterval (30 s); set idleReplicaCount: 0 or "
        "remove it"])
