"""A node's allocatable CPU and memory and the reserve of a plan's node groups.

Expected values are worked by hand from EKS's kubeReserved rules (6 % of the first core, 1 % of
the second, 0.5 % of the third and fourth, 0.25 % of the rest; 11 MiB x max pods + 255 MiB;
100 MiB hard eviction) and Karpenter's 7.5 % VM memory overhead, and checked against
Karpenter's own generated instance-types reference (../shared/pricing_reference/
ec2_karpenter_allocatable.csv), an independent source.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from infra_toolkit.errors import SpecError
from infra_toolkit.kubelet_reserve import read_kubelet_reserve
from infra_toolkit.node_allocatable import (
    EKS_DAEMONSETS,
    KubeletReserve,
    NodeDaemonsets,
    allocatable,
    eks_kube_reserved_cpu_millicores,
    eks_kube_reserved_memory_mib,
    memory_capacity_mib,
    node_reserve,
)
from infra_toolkit.nodes import NodeGroup, request_utilization
from infra_toolkit.plan import read_plan, validate_plan
from infra_toolkit.plan_fields import FieldReader
from infra_toolkit.plan_simulation import simulation_spec
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import load_price_book

SHARED = Path(__file__).resolve().parents[2] / "shared" / "pricing_reference"


@pytest.mark.parametrize(("vcpu", "millicores"), [
    (1, 60),                           # 6 % of one core
    (2, 60 + 10),                      # + 1 % of the second
    (4, 60 + 10 + 5 + 5),              # + 0.5 % of the third and fourth
    (8, 60 + 10 + 5 + 5 + 4 * 2.5),    # + 0.25 % of each further core
    (96, 60 + 10 + 5 + 5 + 92 * 2.5),
])
def test_kube_reserved_cpu_tiers(vcpu: int, millicores: float) -> None:
    assert eks_kube_reserved_cpu_millicores(vcpu) == pytest.approx(millicores)


def test_kube_reserved_memory_by_pods() -> None:
    assert eks_kube_reserved_memory_mib(17) == 11 * 17 + 255 == 442
    assert eks_kube_reserved_memory_mib(110) == 11 * 110 + 255 == 1465


def test_t3_medium_and_m5_xlarge_by_hand() -> None:
    # t3.medium: 2 vCPU, 4096 MiB, 17 pods (ENI figure). Memory capacity 4096 - ceil(307.2)
    # = 3788 MiB; less kubeReserved 442 and eviction 100 = 3246
    assert allocatable(2, 4096, 17) == (2000 - 70, 4096 - 308 - 442 - 100)
    # m5.xlarge: 4 vCPU, 16384 MiB, 58 pods: 16384 - ceil(1228.8) - (11 x 58 + 255) - 100
    assert allocatable(4, 16384, 58) == (4000 - 80, 16384 - 1229 - 893 - 100)
    assert allocatable(4, 16384, 58) == (3920, 14162)


def _specs() -> dict[str, tuple[int, int]]:
    with (SHARED / "ec2_instance_specs.csv").open() as f:
        return {r["instance_type"]: (int(r["vcpu"]), int(r["memory_mib"]))
                for r in csv.DictReader(f)}


def test_karpenter_published_allocatable_of_every_type() -> None:
    # every row of Karpenter's generated reference: CPU of every type and memory of every amd64
    # type to the MiB; arm64 types are listed exactly 59 MiB lower (source of that not known:
    # docs/PLAN.md says so)
    specs = _specs()
    arch = {}
    with (SHARED / "ec2_instance_specs.csv").open() as f:
        arch = {r["instance_type"]: r["arch"] for r in csv.DictReader(f)}
    seen = {"amd64": 0, "arm64": 0}
    with (SHARED / "ec2_karpenter_allocatable.csv").open() as f:
        for row in csv.DictReader(f):
            vcpu, memory = specs[row["instance_type"]]
            cpu, mem = allocatable(vcpu, memory, int(row["allocatable_pods"]))
            assert int(cpu) == int(row["allocatable_cpu_millicores"]), row["instance_type"]
            gap = 59 if arch[row["instance_type"]] == "arm64" else 0
            assert mem - gap == int(row["allocatable_memory_mib"]), row["instance_type"]
            seen[arch[row["instance_type"]]] += 1
    assert seen["amd64"] > 900 and seen["arm64"] > 350


def test_stated_reservations_replace_the_defaults() -> None:
    # t3.medium with kubeReserved cpu 300m / memory 1 GiB, systemReserved 100m / 200 MiB and an
    # evictionHard of 5 % of its 3788 MiB capacity (189.4 MiB)
    reserve = KubeletReserve(kube_cpu_millicores=300, kube_memory_mib=1024,
                             system_cpu_millicores=100, system_memory_mib=200,
                             eviction_memory_percent=5)
    cpu, memory = allocatable(2, 4096, 17, reserve)
    assert cpu == 2000 - 300 - 100
    assert memory == pytest.approx(3788 - 1024 - 200 - 189.4)
    # one stated, the others EKS's: kubeReserved memory only
    assert allocatable(2, 4096, 17, KubeletReserve(kube_memory_mib=600)) == (1930, 3788 - 600
                                                                              - 100)
    assert allocatable(2, 4096, 17, KubeletReserve(eviction_memory_mib=500)) == (1930, 3788 - 442
                                                                                 - 500)


def test_node_reserve_adds_the_daemonsets() -> None:
    # EKS's kube-proxy 100m + aws-node 25m on the t3.medium: 70 + 125 CPU, 4096 - 3246 memory
    assert EKS_DAEMONSETS == NodeDaemonsets(2, 125, 0)
    assert node_reserve(2, 4096, 17) == (70 + 125, 4096 - 3246)
    assert node_reserve(2, 4096, 17, daemonsets=NodeDaemonsets(4, 300, 256)) == (
        70 + 300, 4096 - 3246 + 256)


@pytest.mark.parametrize("bad", [
    {"eviction_memory_percent": 101},
    {"eviction_memory_percent": 5, "eviction_memory_mib": 100},
    {"kube_cpu_millicores": -1},
    {"system_memory_mib": float("nan")},
])
def test_bad_reserve_is_refused(bad: dict[str, float]) -> None:
    with pytest.raises(SpecError):
        KubeletReserve(**bad)


def test_reading_a_kubelet_configuration() -> None:
    r = FieldReader()
    reserve, notes = read_kubelet_reserve(r, {
        "kubeReserved": {"cpu": "250m", "memory": "1Gi", "ephemeral-storage": "1Gi"},
        "systemReserved": {"memory": "512Mi"},
        "evictionHard": {"memory.available": "200Mi", "nodefs.available": "10%"},
        "evictionSoft": {"memory.available": "500Mi"}}, "spec.kubelet")
    assert r.problems == []
    assert reserve == KubeletReserve(kube_cpu_millicores=250, kube_memory_mib=1024,
                                     system_memory_mib=512, eviction_memory_mib=200)
    assert notes == ("spec.kubelet.evictionSoft: not modelled (a soft eviction threshold evicts "
                     "pods after its grace period; the kubelet's allocatable, which pods are "
                     "placed by, stays as it is)",)
    reserve, _ = read_kubelet_reserve(r, {"evictionHard": {"memory.available": "7.5%"}}, "k")
    assert reserve == KubeletReserve(eviction_memory_percent=7.5)


def test_a_memory_reservation_without_a_unit_is_noted() -> None:
    # audit newfeat: memory: 512 is 512 bytes (512 / 1,048,576 = 0.00049 MiB) and
    # memory.available: "5" is 5 bytes, both accepted silently before; 1Mi is not noted
    r = FieldReader()
    reserve, notes = read_kubelet_reserve(r, {
        "kubeReserved": {"memory": 512}, "systemReserved": {"memory": "1Mi"},
        "evictionHard": {"memory.available": "5"}}, "k")
    assert r.problems == []
    assert reserve.kube_memory_mib == 512 / 2**20 and reserve.eviction_memory_mib == 5 / 2**20
    assert notes == (
        "k.kubeReserved.memory: 512 bytes, under 1 MiB (a quantity without a unit is bytes), so "
        "the node keeps almost nothing back; write the unit (512Mi if MiB was meant)",
        'k.evictionHard["memory.available"]: 5 bytes, under 1 MiB (a quantity without a unit is '
        "bytes), so the node keeps almost nothing back; write the unit (5Mi if MiB was meant) or "
        "a percent such as '5%'")


def test_bad_kubelet_reservations_name_the_field() -> None:
    r = FieldReader()
    read_kubelet_reserve(r, {
        "kubeReserved": {"cpu": "3OOm", "memroy": "1Gi"},
        "systemReserved": {"memory": "-1Gi"},
        "evictionHard": {"memory.available": "150%", "memory.avail": "1Gi"}}, "k")
    assert [p.path for p in r.problems] == [
        "k.kubeReserved.memroy", "k.kubeReserved.cpu", "k.systemReserved.memory",
        "k.evictionHard[\"memory.avail\"]", "k.evictionHard[\"memory.available\"]"]
    messages = {p.path: p.message for p in r.problems}
    assert "did you mean 'memory'" in messages["k.kubeReserved.memroy"]
    assert "is negative" in messages["k.systemReserved.memory"]
    assert "above 100%" in messages['k.evictionHard["memory.available"]']


REPO = Path(__file__).resolve().parent.parent


def _minimal(tmp_path: Path, simulation: str) -> Path:
    """tests/data/plans/minimal.yaml (api on an m5.large group) with a ``simulation`` section."""
    plans = REPO / "tests" / "data" / "plans"
    shutil.copytree(plans / "manifests", tmp_path / "manifests")
    text = (plans / "minimal.yaml").read_text()
    assert "\nsimulation:" not in text
    (tmp_path / "plan.yaml").write_text(text + simulation)
    return tmp_path / "plan.yaml"


def test_a_plans_node_daemonsets_are_taken_off_every_node(tmp_path: Path) -> None:
    path = _minimal(tmp_path, "simulation:\n  node_daemonsets: {pods: 4, cpu: 300m, "
                              "memory: 256Mi}\n")
    plan = read_plan(path)
    spec = simulation_spec(plan, "api", load_price_book())
    (group,) = spec.node_groups
    # m5.large: 2000m - 70m kubeReserved - 300m DaemonSets = 1630m; 8192 - 615 (7.5 % VM)
    # - 574 (11 x 29 + 255) - 100 (eviction) - 256 = 6647 MiB; 29 - 4 pods free
    assert group.allocatable_cpu_millicores == 2000 - 70 - 300
    assert group.allocatable_memory_mib == 8192 - 615 - 574 - 100 - 256
    assert group.max_pods - group.daemonset_pods == 25
    # without the section: EKS's kube-proxy (100m) and aws-node (25m), 2 pods
    (eks,) = simulation_spec(read_plan(REPO / "tests/data/plans/minimal.yaml"), "api",
                             load_price_book()).node_groups
    assert (eks.allocatable_cpu_millicores, eks.daemonset_pods) == (2000 - 70 - 125, 2)


def test_bad_node_daemonsets_name_each_field(tmp_path: Path) -> None:
    path = _minimal(tmp_path, "simulation:\n  node_daemonsets: {pods: -1, cpu: 1O0m, "
                              "mem: 1Gi}\n")
    messages = [f"{p.path}: {p.message}" for p in validate_plan(path)]
    assert messages == [
        "simulation.node_daemonsets.mem: unknown key 'mem'; did you mean 'memory'?",
        "simulation.node_daemonsets.pods: -1 must be >= 0",
        "simulation.node_daemonsets.cpu: '1O0m' is not a quantity: write a number with an "
        "optional suffix (m, k, M, G, T, Ki, Mi, Gi, Ti or an exponent such as e3)"], messages
    # pods left out: the message says which pods are counted, and the other fields are still
    # checked
    path = _minimal(tmp_path / "nopods", "simulation:\n  node_daemonsets: {cpu: -5m}\n")
    assert [f"{p.path}: {p.message}" for p in validate_plan(path)] == [
        "simulation.node_daemonsets.pods: missing (required): give how many DaemonSet pods run "
        "on every node, EKS's own counted in (kube-proxy and aws-node: 2 pods, plus yours)",
        "simulation.node_daemonsets.cpu: '-5m' is negative; a reservation is >= 0"]
    path = _minimal(tmp_path / "list", "simulation:\n  node_daemonsets: [kube-proxy]\n")
    (problem,) = validate_plan(path)
    assert problem.message.startswith(
        "expected a mapping of the DaemonSet pods on every node, requests summed, EKS's own "
        "counted in (theirs: pods: 2, cpu: 125m), got")


@pytest.mark.parametrize(("daemonsets", "words"), [
    # cpu: 100 is 100 cores, 100,000m: above the m5.large's 2000 - 70 = 1930m
    ("{pods: 3, cpu: 100}", "(3 pod(s), 100000m CPU, 0 MiB) do not fit a node of group "
     "'general' (m5.large: the kubelet's allocatable is 1930m CPU, 6903 MiB, 29 pods); give "
     "every DaemonSet pod a node runs with its requests summed, or use a larger instance type; "
     "cpu 100 is 100 cores: a CPU quantity without a unit is cores, write 100m for millicores"),
    # 8192 - 615 - 574 - 100 = 6903 MiB allocatable, below 7 GiB = 7168 MiB; no cores hint
    ("{pods: 3, cpu: 300m, memory: 7Gi}", "(3 pod(s), 300m CPU, 7168 MiB) do not fit a node of "
     "group 'general' (m5.large: the kubelet's allocatable is 1930m CPU, 6903 MiB, 29 pods); "
     "give every DaemonSet pod a node runs with its requests summed, or use a larger instance "
     "type"),
    # 30 DaemonSet pods on a node of 29
    ("{pods: 30, cpu: 300m}", "(30 pod(s), 300m CPU, 0 MiB) do not fit a node of group "
     "'general' (m5.large: the kubelet's allocatable is 1930m CPU, 6903 MiB, 29 pods)"),
])
def test_daemonsets_larger_than_a_node_are_named_at_node_daemonsets(
        tmp_path: Path, daemonsets: str, words: str) -> None:
    # audit newfeat: `cpu: 100` was reported as api's pod not fitting a node with "-98070m"
    # free, naming neither node_daemonsets nor the cores slip; now the one problem is theirs
    path = _minimal(tmp_path, f"simulation:\n  node_daemonsets: {daemonsets}\n")
    (problem,) = validate_plan(path)
    assert problem.path == "simulation.node_daemonsets"
    assert problem.message.startswith("the DaemonSets " + words), problem.message


def test_daemonsets_memory_without_a_unit_is_warned(tmp_path: Path) -> None:
    # memory: 200 is 200 bytes (200 / 1,048,576 = 0.0001907 MiB), as a Pod's request would be
    path = _minimal(tmp_path, "simulation:\n  node_daemonsets: {pods: 3, cpu: 200m, "
                              "memory: 200}\n")
    plan, problems, found = check_plan_warnings(path)
    assert plan is not None and problems == []
    warnings = [w for w in found if w.path.startswith("simulation")]
    assert [(w.path, w.message) for w in warnings] == [(
        "simulation.node_daemonsets.memory",
        "warning: the DaemonSets request 200 bytes of memory a node (0.0001907 MiB), under 1 "
        "MiB: every node is sized as if they used no memory; a quantity without a unit is bytes, "
        "so write the unit (200Mi if 200 was meant in MiB)")]


@pytest.mark.parametrize(("daemonsets", "expected"), [
    # a log shipper alone (1 pod, 100m) in place of every DaemonSet: EKS's 2 pods and 125m
    # are dropped; the fix adds them: 1 + 2 = 3 pods, 100 + 125 = 225m
    ("{pods: 1, cpu: 100m, memory: 128Mi}",
     "warning: 1 pod(s) and 100m CPU are fewer than EKS's own kube-proxy and aws-node alone "
     "(2 pods, 125m CPU), which every node runs: node_daemonsets is every DaemonSet pod a node "
     "runs, replacing EKS's figure, not added to it; count them in (pods: 3, cpu: 225m if yours "
     "come on top), or leave it if the cluster runs without them (a kube-proxy replacement)"),
    # 3 pods but 100m CPU: fewer than 125m all the same; 3 + 2 = 5 pods, 225m
    ("{pods: 3, cpu: 100m}", "warning: 3 pod(s) and 100m CPU are fewer than EKS's own"),
    # EKS's two and a log shipper counted in: nothing to say
    ("{pods: 3, cpu: 225m, memory: 128Mi}", None),
])
def test_daemonsets_below_eks_own_are_warned(tmp_path: Path, daemonsets: str,
                                             expected: str | None) -> None:
    path = _minimal(tmp_path, f"simulation:\n  node_daemonsets: {daemonsets}\n")
    plan, problems, found = check_plan_warnings(path)
    assert plan is not None and problems == []
    messages = [w.message for w in found if w.path == "simulation.node_daemonsets"]
    if expected is None:
        assert messages == []
    else:
        (message,) = messages
        assert message.startswith(expected), message


def test_the_simulate_command_reserves_what_a_plan_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a t3.medium by flags leaves the pods 2000 - 70 - 125 = 1805m, as a plan's: a 1806m pod
    # fits no node, an 1805m one runs
    from infra_toolkit.cli import main

    (tmp_path / "t.csv").write_text("timestamp,requests_per_second\n0,5\n60,5\n")
    hpa = REPO / "tests" / "data" / "plans" / "manifests" / "hpa.yaml"
    args = ["simulate", "--traffic", str(tmp_path / "t.csv"), "--hpa", str(hpa),
            "--instance-type", "t3.medium", "--capacity-rps-per-pod", "50",
            "--cpu-millicores-per-rps", "1", "--memory-request-mib", "256"]
    assert main([*args, "--cpu-request-millicores", "1806"]) == 2
    assert ("does not fit on node group 't3.medium' (t3.medium: 1805m, 3246 MiB and 15 pod(s) "
            "free beside the kubelet's reserve and DaemonSets)") in capsys.readouterr().err
    assert main([*args, "--cpu-request-millicores", "1805"]) == 0


def test_scale_down_utilization_counts_the_daemonsets() -> None:
    # a plan's t3.medium: kubelet allocatable 1930m / 3246 MiB, of which kube-proxy and
    # aws-node request 125m. cluster-autoscaler counts DaemonSet pods (its
    # --ignore-daemonsets-utilization is false by default): one 250m / 512 MiB pod is
    # max((250 + 125) / 1930, 512 / 3246) = max(0.1943, 0.1577); four are
    # max((1000 + 125) / 1930, 2048 / 3246) = max(0.5829, 0.6309)
    reserved = node_reserve(2, 4096, 17)
    group = NodeGroup("general", "t3.medium", 2, 4, 17, 3, 10, *reserved, 2, None, 125, 0)
    assert (group.kubelet_allocatable_cpu_millicores,
            group.kubelet_allocatable_memory_mib) == (1930, 3246)
    assert request_utilization(group, 250, 512) == pytest.approx(375 / 1930)
    assert request_utilization(group, 1000, 2048) == pytest.approx(2048 / 3246)
    with pytest.raises(SpecError, match="daemonset_cpu_millicores and daemonset_memory_mib are "
                                        "part of reserved_cpu_millicores"):
        NodeGroup("g", "t3.medium", 2, 4, 17, daemonset_cpu_millicores=200)  # reserve 100m


@pytest.mark.parametrize(("memory_mib", "arch", "fraction", "capacity_mib"), [
    # amd64: 8192 - ceil(8192 x 0.075 = 614.4) = 8192 - 615 = 7577 (m5.large)
    (8192, "amd64", 0.075, 7577),
    # arm64 (Graviton): 64 MiB off first: 4032 - ceil(302.4) = 4032 - 303 = 3729 (a1.large),
    # 59 below amd64's 4096 - ceil(307.2) = 3788, the gap Karpenter's reference lists
    (4096, "arm64", 0.075, 3729),
    (4096, "amd64", 0.075, 3788),
    # a Karpenter deployment's own --vm-memory-overhead-percent 0.1: 8192 - ceil(819.2) = 7372
    (8192, "amd64", 0.1, 7372),
])
def test_memory_capacity_is_karpenters_estimate(memory_mib: int, arch: str, fraction: float,
                                                capacity_mib: int) -> None:
    assert memory_capacity_mib(memory_mib, arch, fraction) == capacity_mib
