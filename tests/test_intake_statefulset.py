"""A StatefulSet as users bring it (tests/data/intake/statefulset_ordered_ready.yaml, after the
Kubernetes docs' ZooKeeper and MySQL examples): read as the API server defaults it, and its
default ``podManagementPolicy: OrderedReady`` (pods created one at a time, each once the one
before is Running and Ready: ``monotonic`` in pkg/controller/statefulset) warned, since the
simulation starts every pod the HPA adds at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_toolkit.errors import SpecError
from infra_toolkit.manifests import read_deployment_yaml
from infra_toolkit.plan_validate import check_plan_warnings
from tests.test_intake_karpenter_volumes import INTAKE, intake_plan

LEDGER = "statefulset_ordered_ready.yaml"


def test_the_statefulset_is_read_as_the_api_server_defaults_it() -> None:
    d = read_deployment_yaml(INTAKE / LEDGER)
    # containers: ledger "0.5" = 500m + backup-agent 100m = 600m; 1Gi = 1024 MiB + 100 MiB;
    # the two one-shot init containers request nothing, so they add nothing
    assert (d.cpu_request_millicores, d.memory_request_mib) == (600, 1124.0)
    assert (d.init_cpu_millicores, d.init_memory_mib) == (0, 0.0)
    assert (d.packed_cpu_millicores, d.packed_memory_mib) == (600, 1124.0)
    assert d.ordered_ready  # no podManagementPolicy: OrderedReady


def _ledger_plan(tmp_path: Path, policy: str | None) -> Path:
    text = (INTAKE / LEDGER).read_text()
    if policy is not None:
        text = text.replace("  serviceName: ledger-hs\n",
                            f"  serviceName: ledger-hs\n  podManagementPolicy: {policy}\n")
    plan = intake_plan(tmp_path, LEDGER, hpa=LEDGER)
    (tmp_path / "m" / LEDGER).write_text(text)
    plan.write_text(plan.read_text().replace("  - name: api\n", "  - name: ledger\n"))
    return plan


def _ordered(plan: Path) -> list[tuple[str, str]]:
    got, problems, warnings = check_plan_warnings(plan)
    assert got is not None and problems == []
    return [(w.path, w.message) for w in warnings if "OrderedReady" in w.message]


@pytest.mark.parametrize("policy", [None, "OrderedReady"])
def test_ordered_ready_pods_are_warned_with_the_time_they_take(
        tmp_path: Path, policy: str | None) -> None:
    # minimal.yaml's model: image_pull_s 5, app_start_s 10: the app is up 15 s after the bind;
    # the readiness probe (initialDelaySeconds 5, periodSeconds 2 from the container's start at
    # 5 s) runs at 10, 12, 14, 16 s: Ready at 16 s. HPA 3 -> 9: 6 pods one after another,
    # 6 x 16 = 96 s, where the simulation starts the 6 together, Ready at 16 s
    assert _ordered(_ledger_plan(tmp_path, policy)) == [(
        "proposed.workloads[0].deployment",
        "warning: StatefulSet 'ledger' keeps spec.podManagementPolicy OrderedReady (the "
        "default): its controller creates one pod at a time, each once the one before it is "
        "Running and Ready, and deletes them one at a time, while the simulation starts every "
        "pod the HPA adds at once; from minReplicas 3 to maxReplicas 9 the 6 pods come one "
        "after another, at least 6 x 16 s = 96 s (a pod's time to Ready on a node already "
        "there) where the simulation takes 16 s, so its time to capacity, dropped requests "
        "and latency are better than the cluster's; set podManagementPolicy: Parallel "
        "(rolling updates stay one pod at a time) unless the pods must start in order")]


def test_parallel_pods_are_not_warned(tmp_path: Path) -> None:
    assert _ordered(_ledger_plan(tmp_path, "Parallel")) == []


def test_an_unknown_policy_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sts.yaml"
    path.write_text((INTAKE / LEDGER).read_text().replace(
        "  serviceName: ledger-hs\n",
        "  serviceName: ledger-hs\n  podManagementPolicy: parallel\n"))
    with pytest.raises(SpecError, match=r"spec.podManagementPolicy of StatefulSet 'ledger' in "
                       r".*sts.yaml is 'parallel', which the API server refuses; write "
                       r"OrderedReady \(the default"):
        read_deployment_yaml(path)
