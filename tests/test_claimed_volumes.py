"""A proposed StatefulSet's claimed volumes priced from its simulated replicas
(:mod:`infra_toolkit.claimed_volumes`): the volume count per tick by ``whenScaled``, the EBS
volume a StorageClass provisions, the cost lines in cents by hand, and the report's wiring
(each scenario, the ceiling, the declared figure, the warnings)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from infra_toolkit.analysis import analyze_plan
from infra_toolkit.claimed_volumes import (
    ClaimTemplate,
    claimed_volume_resources,
    ebs_attributes,
    volume_counts,
)
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import load_price_book
from infra_toolkit.resources import Resource
from infra_toolkit.sections_cost import cost_summary

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "plans"
# ordinals 0..n-1: 3 replicas, up to 5, back to 3 (8 ticks)
REPLICAS = [3, 3, 4, 5, 5, 3, 3, 3]


@pytest.mark.parametrize(("replicas", "start", "when_scaled", "expected"), [
    # Retain: a scaled-down ordinal keeps its claim: the most replicas so far
    (REPLICAS, 3, "Retain", [3, 3, 4, 5, 5, 5, 5, 5]),
    # Delete: the claims of the ordinals above the replica count go with their pods
    (REPLICAS, 3, "Delete", REPLICAS),
    # a running StatefulSet of 4 already has 4 volumes, whatever the HPA does first
    ([3, 3, 2, 5], 4, "Retain", [4, 4, 4, 5]),
])
def test_volume_counts_follow_when_scaled(replicas: list[int], start: int, when_scaled: str,
                                          expected: list[int]) -> None:
    assert volume_counts(np.array(replicas), start, when_scaled).tolist() == expected


def _class(provisioner: str, **parameters: str) -> dict[str, Any]:
    return {"kind": "StorageClass", "metadata": {"name": "fast"}, "provisioner": provisioner,
            "parameters": parameters}


CSI, IN_TREE = "ebs.csi.aws.com", "kubernetes.io/aws-ebs"


@pytest.mark.parametrize(("storage_class", "size_gib", "expected"), [
    (_class(CSI, type="gp3", iops="6000", throughput="250"), 20,
     {"volume_type": "gp3", "size": 20, "iops": 6000, "throughput": 250}),
    # the EBS CSI driver's default type (docs/parameters.md), its keys case insensitive
    (_class(CSI), 20, {"volume_type": "gp3", "size": 20}),
    (_class(CSI, Type="io1", IopsPerGB="50"), 20,
     {"volume_type": "io1", "size": 20, "iops": 1000}),  # 50 x 20 GiB
    # above the most gp3 provisions: the driver caps it at 16,000
    (_class(CSI, type="gp3", iops="20000"), 100,
     {"volume_type": "gp3", "size": 100, "iops": 16000}),
    # 2 x 20 = 40 IOPS, below io1's 100: raised to it only when allowed
    (_class(CSI, type="io1", iopsPerGB="2", allowAutoIOPSPerGBIncrease="true"), 20,
     {"volume_type": "io1", "size": 20, "iops": 100}),
    # the in-tree plugin's default type
    (_class(IN_TREE), 8, {"volume_type": "gp2", "size": 8}),
    (_class(IN_TREE, type="st1"), 500, {"volume_type": "st1", "size": 500}),
])
def test_a_storage_class_gives_the_ebs_volume(storage_class: dict[str, Any], size_gib: int,
                                              expected: dict[str, Any]) -> None:
    assert ebs_attributes(storage_class, size_gib) == (expected, "")


@pytest.mark.parametrize(("storage_class", "why"), [
    (_class(CSI, type="io1", iopsPerGB="2"),
     "StorageClass 'fast': 40 IOPS for a 20 GiB io1 volume is below the 100 EBS provisions, so "
     "the driver refuses to create it; raise iops / iopsPerGB or set "
     'allowAutoIOPSPerGBIncrease: "true"'),
    (_class(CSI, type="gp3", iops="4000", iopsPerGB="200"),
     "StorageClass 'fast' gives both iops and iopsPerGB, which the EBS CSI driver refuses as an "
     "invalid StorageClass; keep one"),
    (_class(CSI, type="io2"), "StorageClass 'fast': an io2 volume needs iops or iopsPerGB; give "
                              "one"),
    (_class("efs.csi.aws.com"),
     "StorageClass 'fast' has provisioner 'efs.csi.aws.com', not EBS (ebs.csi.aws.com or "
     "kubernetes.io/aws-ebs): its volumes are not priced"),
])
def test_a_storage_class_the_driver_refuses_is_not_priced(storage_class: dict[str, Any],
                                                          why: str) -> None:
    assert ebs_attributes(storage_class, 20) == (None, why)


def _claim(attributes: dict[str, Any], when_scaled: str = "Retain") -> ClaimTemplate:
    return ClaimTemplate(0, "api", "data", 20, "fast", when_scaled, attributes)


@pytest.mark.parametrize(("when_scaled", "expected_usd"), [
    # Retain: volumes 3, 3, 4, 5, 5, 5, 5, 5 = 35 over 8 ticks = 4.375 on average;
    # 4.375 x 20 GiB = 87.5 GB-months x $0.08 (us-east-1 ebs_gp3_storage) = $7.00
    ("Retain", Decimal("7.00")),
    # Delete: volumes 3, 3, 4, 5, 5, 3, 3, 3 = 29 / 8 = 3.625; x 20 = 72.5 GB-months x $0.08
    # = $5.80
    ("Delete", Decimal("5.80")),
])
def test_claimed_volumes_are_priced_by_hand(when_scaled: str, expected_usd: Decimal) -> None:
    book = load_price_book()
    mean = float(volume_counts(np.array(REPLICAS), 3, when_scaled).mean())
    claim = _claim({"volume_type": "gp3", "size": 20}, when_scaled)
    priced = claimed_volume_resources([], [claim], {"api": mean}, "us-east-1")
    lines = estimate(priced, book).lines
    assert [(ln.address, ln.component, ln.monthly_quantity, ln.monthly_cost_usd)
            for ln in lines] == [
        ("aws_ebs_volume.statefulset/api/data", "Storage (general purpose SSD, gp3)",
         Decimal(repr(mean)) * 20, expected_usd)]
    assert lines[0].note == f"{mean:g} volume(s) on average (usage.monthly_volume_hours / 730)"


def test_gp3_iops_and_throughput_above_the_baseline_are_priced_per_volume() -> None:
    # 4.375 volumes on average (Retain above) of gp3 with 4,000 IOPS and 150 MiBps:
    # IOPS above 3,000: 1,000 x 4.375 = 4,375 IOPS-months x $0.005 = $21.875;
    # throughput above 125: 25 x 4.375 = 109.375 MiBps-months x $0.04 = $4.375
    claim = _claim({"volume_type": "gp3", "size": 20, "iops": 4000, "throughput": 150})
    priced = claimed_volume_resources([], [claim], {"api": 4.375}, "us-east-1")
    lines = estimate(priced, load_price_book()).lines
    assert [(ln.component, ln.monthly_cost_usd) for ln in lines] == [
        ("Storage (general purpose SSD, gp3)", Decimal("7.00")),
        ("Provisioned IOPS (above 3,000)", Decimal("21.875")),
        ("Provisioned throughput (above 125 MiBps)", Decimal("4.375"))]


def test_a_declared_volume_linked_to_the_statefulset_is_replaced_not_added() -> None:
    declared = [Resource("aws_ebs_volume", f"api_data[{i}]", "us-east-1",
                         {"volume_type": "gp3", "size": 20}, {"claimed_by_statefulset": "api"})
                for i in range(5)]
    other = Resource("aws_ebs_volume", "scratch", "us-east-1", {"volume_type": "gp2", "size": 8})
    claim = _claim({"volume_type": "gp3", "size": 20})
    priced = claimed_volume_resources([*declared, other], [claim], {"api": 4.375}, "us-east-1")
    assert [r.address for r in priced] == ["aws_ebs_volume.scratch",
                                           "aws_ebs_volume.statefulset/api/data"]
    # an unpriced claim (no StorageClass) leaves the declared volumes as they are
    unpriced = ClaimTemplate(0, "api", "data", 20, None, "Retain", None, "names no class")
    assert claimed_volume_resources(declared, [unpriced], {"api": 4.375}, "us-east-1") == \
        tuple(declared)


STATEFULSET = """apiVersion: apps/v1
kind: StatefulSet
metadata: {name: api}
spec:
  serviceName: api
  replicas: 3
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: example/api:1.0
          resources: {requests: {cpu: 200m, memory: 256Mi}}
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        storageClassName: fast
        resources: {requests: {storage: 20Gi}}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: ebs.csi.aws.com
parameters: {type: gp3}
"""
HPA = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: api}
  minReplicas: 3
  maxReplicas: 5
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 70}
"""


def _statefulset_plan(tmp_path: Path, resources: str = "") -> Path:
    """minimal.yaml with its workload a StatefulSet (3 replicas, HPA 3-5, a 20 GiB gp3 claim)
    and a traffic that takes it to 5 and back: a pod holds 70 % of 200m at (140 - 20) / 5 = 24
    rps, so 60 rps needs 3 pods and 120 rps 5."""
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    (tmp_path / "manifests" / "deployment.yaml").write_text(STATEFULSET)
    (tmp_path / "manifests" / "hpa.yaml").write_text(HPA)
    rates = [60] * 10 + [120] * 20 + [60] * 30
    (tmp_path / "manifests" / "traffic.csv").write_text(
        "timestamp,requests_per_second\n"
        + "".join(f"{60 * i},{r}\n" for i, r in enumerate(rates)))
    text = (DATA / "minimal.yaml").read_text()
    text = text.replace("  workloads:\n", resources + "  workloads:\n", 1)
    plan = tmp_path / "plan.yaml"
    plan.write_text(text)
    return plan


def _warnings(plan: Path) -> list[tuple[str, str]]:
    got, problems, warnings = check_plan_warnings(plan)
    assert got is not None and problems == []
    return [(w.path, w.message.removeprefix("warning: ")) for w in warnings
            if "volumeClaimTemplates" in w.message or "claimed_by_statefulset" in w.path]


def test_each_scenario_prices_the_volumes_from_its_simulated_replicas(tmp_path: Path) -> None:
    a = analyze_plan(_statefulset_plan(tmp_path), store_location=str(tmp_path / "none"))
    run = a.run("steady")
    replicas = run.simulations["api"].timeline["spec_replicas"].tolist()
    assert max(replicas) == 5 and replicas[-1] == 3  # up to 5 and back: Retain keeps 5
    # Retain: the most replicas so far from the 3 at the start, counted here by hand
    volumes = list(accumulate([max(3, r) for r in replicas], max))
    mean = Decimal(repr(sum(volumes) / len(volumes)))
    (line,) = [ln for ln in run.estimate.lines if ln.address.startswith("aws_ebs_volume.")]
    assert line.address == "aws_ebs_volume.statefulset/api/data"
    # mean x 20 GiB x $0.08 a GB-month
    assert line.monthly_cost_usd == mean * 20 * Decimal("0.08")
    assert line.note.startswith(
        "StatefulSet api's volumeClaimTemplates data: a 20 GiB gp3 volume per replica "
        "(StorageClass fast); whenScaled Retain: the most replicas reached so far, kept on a "
        f"scale-down (3 at the start, 5 at the most, {float(mean):.4g} on average over the "
        "simulated window, projected to a 730-hour month; a month after the window keeps its "
        "peak volumes); ")
    # the ceiling: maxReplicas 5 all month, 5 x 20 x $0.08 = $8.00; the declared figure has none
    (ceiling,) = [ln for ln in a.ceiling_estimate.lines if ln.address == line.address]
    assert ceiling.monthly_cost_usd == Decimal("8.00")
    assert not [ln for ln in a.declared_estimate.lines if ln.address == line.address]
    # the usage and ceiling notes name them (as "every other usage as declared" would not)
    assert "and the claimed volumes of StatefulSet(s) api from its replicas (each line's " \
        "note) from the simulated 'steady' scenario" in run.estimate.notes[0]
    summary = str(cost_summary(a))
    assert "every node group at its maximum size all month, each StatefulSet&#x27;s claimed " \
        "volumes (api) at maxReplicas, and the load balancer" in summary
    assert "; the claimed volumes of api, by their mean count (each line&#x27;s note); " \
        in summary
    assert _warnings(tmp_path / "plan.yaml") == [("proposed.workloads[0].deployment", (
        "StatefulSet 'api' claims 20 GiB a pod (volumeClaimTemplates, each rounded up to whole "
        "GiB as EBS creates it), a volume per replica that its StorageClass creates (EBS on EKS) "
        "and keeps them when the StatefulSet scales down (whenScaled: Retain, the default): 5 x "
        "20 = 100 GiB at maxReplicas; each scenario prices them from its simulated replicas, "
        "but the declared figure (the review's cost basis) leaves them out; declare them as an "
        "aws_ebs_volume with count, size and usage.claimed_by_statefulset: api (each scenario "
        "then prices the simulated volumes in its place, never both)"))]


DECLARED = """    - type: aws_ebs_volume
      name: api_data
      count: 5
      size: 20
      volume_type: gp3
      usage: {claimed_by_statefulset: api}
"""


def test_a_declared_volume_stands_for_them_in_the_declared_figure_only(tmp_path: Path) -> None:
    plan = _statefulset_plan(tmp_path, DECLARED)
    a = analyze_plan(plan, store_location=str(tmp_path / "none"))
    # declared: 5 x 20 GiB x $0.08 = $8.00, the review's basis; a scenario: the simulated ones
    declared = [ln for ln in a.declared_estimate.lines if ln.address.startswith("aws_ebs")]
    assert sum(ln.monthly_cost_usd for ln in declared) == Decimal("8.00")
    assert [ln.address for ln in a.run("steady").estimate.lines
            if ln.address.startswith("aws_ebs")] == ["aws_ebs_volume.statefulset/api/data"]
    assert _warnings(plan) == []


def test_a_link_naming_no_statefulset_is_warned(tmp_path: Path) -> None:
    plan = _statefulset_plan(tmp_path, DECLARED.replace("statefulset: api", "statefulset: db"))
    assert _warnings(plan)[-1] == ("proposed.resources[2].usage.claimed_by_statefulset", (
        "'db' names no proposed StatefulSet with volumeClaimTemplates (those: api), so every "
        "scenario prices this volume as declared; name the StatefulSet (its metadata.name) or "
        "drop the key"))


def test_a_storage_class_not_in_the_file_is_named_and_not_guessed(tmp_path: Path) -> None:
    plan = _statefulset_plan(tmp_path)
    sts = tmp_path / "manifests" / "deployment.yaml"
    sts.write_text(sts.read_text().split("---")[0])
    a = analyze_plan(plan, store_location=str(tmp_path / "none"))
    assert not [ln for ln in a.run("steady").estimate.lines if ln.address.startswith("aws_ebs")]
    assert _warnings(plan) == [("proposed.workloads[0].deployment", (
        "StatefulSet 'api' claims 20 GiB a pod (volumeClaimTemplates, each rounded up to whole "
        "GiB as EBS creates it), a volume per replica that its StorageClass creates (EBS on EKS) "
        "and keeps them when the StatefulSet scales down (whenScaled: Retain, the default): 5 x "
        "20 = 100 GiB at maxReplicas; template 'data' names storageClassName 'fast', but "
        "deployment.yaml holds no StorageClass of that name: so no cost line prices these "
        "volumes (the report does not guess a volume type); add the StorageClass (provisioner "
        "ebs.csi.aws.com, parameters.type) to deployment.yaml and name it in storageClassName, "
        "or declare an aws_ebs_volume with count, size and usage.claimed_by_statefulset: api"))]
