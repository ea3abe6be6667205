"""KEDA ScaledObjects read as the HPA KEDA's operator creates (keda_scaled_object): each
expected HPA below is written by hand from KEDA's rules (kedacore/keda controllers/keda/hpa.go
newHPAForScaledObject / getScaledObjectMetricSpecs, the scalers' GetMetricSpecForScaling), then
a plan whose SQS workers are scaled by a ScaledObject replays as the same plan with the
equivalent hand-written HPA."""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_toolkit.errors import SpecError
from infra_toolkit.hpa_api import hpa_from_dict
from infra_toolkit.hpa_metrics import MetricsSnapshot, compute_replicas_for_metrics
from infra_toolkit.keda_activation import KedaActivation, TriggerActivation
from infra_toolkit.keda_scaled_object import hpa_manifest_from_scaled_object
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_replay import replay_plan
from infra_toolkit.plan_simulation import simulation_spec
from infra_toolkit.plan_validate import check_plan_warnings
from tests.cost_helpers import plan_price_book

AUTHOR18 = Path(__file__).resolve().parent / "data" / "author18"
BEHAVIOR = {"scaleUp": {"stabilizationWindowSeconds": 0, "policies": [
                {"type": "Percent", "value": 100, "periodSeconds": 15}]},
            "scaleDown": {"stabilizationWindowSeconds": 300, "policies": [
                {"type": "Pods", "value": 4, "periodSeconds": 60}]}}
# the author18 workers' HPA as a ScaledObject: CPU first, the queue second
WORKERS = {
    "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
    "metadata": {"name": "jobs-worker", "namespace": "jobs"},
    "spec": {
        "scaleTargetRef": {"name": "jobs-worker"},
        "minReplicaCount": 2, "maxReplicaCount": 40, "pollingInterval": 15,
        "cooldownPeriod": 300,
        "advanced": {"horizontalPodAutoscalerConfig": {"behavior": BEHAVIOR}},
        "triggers": [
            {"type": "cpu", "metricType": "Utilization", "metadata": {"value": "70"}},
            {"type": "aws-sqs-queue", "authenticationRef": {"name": "keda-aws"}, "metadata": {
                "queueURL": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs",
                "queueLength": "100", "activationQueueLength": "10",
                "awsRegion": "eu-west-1"}}]}}
OWNER = {"matchLabels": {"scaledobject.keda.sh/name": "jobs-worker"}}
KEDA_LABELS = {"app.kubernetes.io/name": "keda-hpa-jobs-worker",
               "app.kubernetes.io/part-of": "jobs-worker",
               "app.kubernetes.io/managed-by": "keda-operator"}


def _so(**spec: Any) -> dict[str, Any]:
    doc = copy.deepcopy(WORKERS)
    doc["spec"].update(spec)
    return doc


def test_the_sqs_and_cpu_scaled_object_is_the_hpa_keda_writes() -> None:
    # name keda-hpa-<name> (getHPAName); target kind defaults to Deployment, apps/v1; min 2,
    # max 40 as written; behavior copied; the queue trigger is index 1: s1-aws-sqs-jobs, its
    # queueLength 100 an AverageValue (metricType absent), selecting the ScaledObject by name;
    # sorted by type, External before Resource although the cpu trigger comes first
    assert hpa_manifest_from_scaled_object(WORKERS, "so.yaml") == {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "keda-hpa-jobs-worker", "namespace": "jobs",
                     "labels": KEDA_LABELS},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                               "name": "jobs-worker"},
            "minReplicas": 2, "maxReplicas": 40,
            "metrics": [
                {"type": "External", "external": {
                    "metric": {"name": "s1-aws-sqs-jobs", "selector": OWNER},
                    "target": {"type": "AverageValue", "averageValue": "100"}}},
                {"type": "Resource", "resource": {
                    "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}],
            "behavior": BEHAVIOR}}


def test_memory_prometheus_and_a_named_hpa_on_a_stateful_set() -> None:
    # advanced.horizontalPodAutoscalerConfig.name names the HPA; maxReplicaCount absent: 100;
    # memory by the deprecated metadata.type with containerName: a ContainerResource metric;
    # prometheus threshold 2.5 with metricType Value: int64(2.5 x 1000) = 2500 milli ->
    # value "2500m", named s1-prometheus; a bare queue name (not a URL) "orders.fifo"
    # normalized ("." -> "-") with queueLength absent: 5
    doc = _so(scaleTargetRef={"name": "db", "kind": "StatefulSet"}, minReplicaCount=3,
              advanced={"horizontalPodAutoscalerConfig": {"name": "db-scaler"}},
              triggers=[
                  {"type": "memory", "metadata": {"type": "AverageValue", "value": "512Mi",
                                                  "containerName": "db"}},
                  {"type": "prometheus", "metricType": "Value", "metadata": {
                      "serverAddress": "http://prometheus:9090", "query": "sum(x)",
                      "threshold": "2.5", "activationThreshold": "1"}},
                  {"type": "aws-sqs-queue", "metadata": {"queueURL": "orders.fifo"}}])
    del doc["spec"]["maxReplicaCount"]
    hpa = hpa_manifest_from_scaled_object(doc, "so.yaml")
    assert hpa["metadata"]["name"] == "db-scaler"
    assert hpa["spec"] == {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db"},
        "minReplicas": 3, "maxReplicas": 100,
        "metrics": [
            {"type": "ContainerResource", "containerResource": {
                "name": "memory", "container": "db",
                "target": {"type": "AverageValue", "averageValue": "512Mi"}}},
            {"type": "External", "external": {
                "metric": {"name": "s1-prometheus", "selector": OWNER},
                "target": {"type": "Value", "value": "2500m"}}},
            {"type": "External", "external": {
                "metric": {"name": "s2-aws-sqs-orders-fifo", "selector": OWNER},
                "target": {"type": "AverageValue", "averageValue": "5"}}}]}


@pytest.mark.parametrize(("threshold", "written"), [
    ("10", "10"),          # 10,000 milli: a whole number, written as KEDA's quantity prints it
    ("1.2345", "1234m"),   # int64(1234.5) truncates to 1234 milli
    ("0.5", "500m")])
def test_a_prometheus_threshold_is_a_milli_quantity(threshold: str, written: str) -> None:
    doc = _so(triggers=[{"type": "prometheus", "metadata": {
        "serverAddress": "http://p", "query": "q", "threshold": threshold}}])
    metric = hpa_manifest_from_scaled_object(doc, "so.yaml")["spec"]["metrics"][0]
    assert metric["external"]["target"] == {"type": "AverageValue", "averageValue": written}
    assert metric["external"]["metric"]["name"] == "s0-prometheus"


@pytest.mark.parametrize(("change", "message"), [
    # scale to zero is simulated now (keda_activation); what is still refused about it: a cpu
    # trigger beside the queue (its activity comes from the HPA's status, not modelled) ...
    ({"minReplicaCount": None}, r"spec\.triggers\[0\]\.type \(='cpu'\) is a cpu / memory "
     r"trigger on a ScaledObject that scales to zero .* in so\.yaml \(fix: remove the cpu / "
     r"memory trigger .*or set minReplicaCount: 1"),
    ({"minReplicaCount": 0}, r"spec\.triggers\[0\]\.type \(='cpu'\) is a cpu / memory"),
    ({"idleReplicaCount": 0}, r"spec\.triggers\[0\]\.type \(='cpu'\) is a cpu / memory"),
    # ... an idle count not below the minimum (CheckReplicaCountBoundsAreValid: 2 >= 2) ...
    ({"idleReplicaCount": 2}, r"spec\.idleReplicaCount \(=2\) must be below the minimum "
     r"replica count \(=2; KEDA's CheckReplicaCountBoundsAreValid\)"),
    # ... and only cpu / memory triggers with minReplicaCount 0: KEDA's webhook refuses it
    ({"minReplicaCount": 0, "triggers": [WORKERS["spec"]["triggers"][0]]},
     r"spec\.minReplicaCount \(=0\) is 0 and every trigger is cpu or memory: KEDA's admission "
     r"webhook refuses it \(scaledobject_webhook\.go, verifyCPUMemoryScalers\).* \(fix: set "
     r"minReplicaCount: 1 \(or more\), or add a trigger that can wake the workload from zero"),
    ({"minReplicaCount": None, "triggers": [WORKERS["spec"]["triggers"][0]]},
     r"spec\.minReplicaCount is absent \(KEDA's default: 0\) and every trigger is cpu or "
     r"memory"),
    ({"minReplicaCount": 5, "maxReplicaCount": 3},
     r"spec\.minReplicaCount \(=5\) must be <= maxReplicaCount \(=3\)"),
    ({"triggers": [{"type": "kafka", "metadata": {"topic": "t"}}]},
     r"spec\.triggers\[0\]\.type \(='kafka'\) is not simulated .*supported trigger types: cpu, "
     r"memory, aws-sqs-queue, prometheus"),
    ({"triggers": [{"type": "cpu", "metricType": "Utilization",
                    "metadata": {"type": "Utilization", "value": "70"}}]},
     r"spec\.triggers\[0\]\.metadata\.type \(='Utilization'\) and metricType are both set"),
    ({"triggers": [{"type": "cpu", "metadata": {"value": "70"}}]},
     r"spec\.triggers\[0\]\.metricType must be Utilization or AverageValue"),
    ({"triggers": [{"type": "aws-sqs-queue", "metricType": "Utilization",
                    "metadata": {"queueURL": "q"}}]},
     r"spec\.triggers\[0\]\.metricType \(='Utilization'\) must be AverageValue or Value"),
    ({"triggers": [{"type": "aws-sqs-queue", "metadata": {"queueURL": "q",
                                                          "queueLength": 100}}]},
     r"spec\.triggers\[0\]\.metadata\.queueLength \(=100\) must be text .*quote it"),
    ({"triggers": [{"type": "aws-sqs-queue", "metadata": {"queueURL": "q",
                                                          "queueLength": "0"}}]},
     r"spec\.triggers\[0\]\.metadata\.queueLength \(='0'\) must be a whole number >= 1"),
    ({"triggers": [{"type": "aws-sqs-queue", "metadata": {"queueURL": "q",
                                                          "queueLength": "5.0"}}]},
     r"queueLength \(='5\.0'\) must be a whole number >= 1"),
    ({"triggers": [{"type": "aws-sqs-queue", "metadata": {
        "queueURL": "https://sqs.eu-west-1.amazonaws.com/jobs"}}]},
     r"spec\.triggers\[0\]\.metadata\.queueURL .* has no queue name"),
    ({"triggers": [{"type": "prometheus", "metadata": {
        "serverAddress": "http://p", "query": "q", "threshold": "0.0005"}}]},
     r"threshold \(='0\.0005'\) gives a target of 0 milli-units"),
    ({"advanced": {"scalingModifiers": {"formula": "a + b", "target": "5"}}},
     r"spec\.advanced\.scalingModifiers .* is not modelled"),
    ({"advanced": {"horizontalPodAutoscalerConfig": {"behavior": {"scaleUp": {
        "selectPolicy": "Fastest"}}}}},
     r"spec\.advanced\.horizontalPodAutoscalerConfig\.behavior\.scaleUp\.selectPolicy"),
    ({"fallback": {"failureThreshold": 3, "replicas": 6}},
     r"spec\.triggers\[0\]\.metricType \(='Utilization'\) must be AverageValue on every "
     r"trigger \(not cpu or memory\) .*"
     r"CheckFallbackValid"),
    # KEDA scales a Rollout only under its own apiVersion; its default apps/v1 serves none
    ({"scaleTargetRef": {"name": "r", "kind": "Rollout"}},
     r"spec\.scaleTargetRef\.apiVersion is missing, and KEDA's default apps/v1 serves no "
     r"Rollout .*write apiVersion: argoproj\.io/v1alpha1"),
    ({"scaleTargetRef": {"name": "r", "kind": "CronJob"}},
     r"spec\.scaleTargetRef\.kind \(='CronJob'\) is not read here"),
    ({"jobTargetRef": {}}, r"spec\.jobTargetRef is not a ScaledObject field"),
])
def test_what_keda_refuses_or_the_simulation_does_not_model_is_refused(
        change: dict[str, Any], message: str) -> None:
    doc = _so(**change)
    doc["spec"] = {k: v for k, v in doc["spec"].items() if v is not None}
    with pytest.raises(SpecError, match=message):
        hpa_manifest_from_scaled_object(doc, "so.yaml")


def test_fallback_is_accepted_where_keda_accepts_it_and_changes_nothing() -> None:
    # every trigger an AverageValue External one: KEDA accepts it; it acts only when a scaler
    # fails to read its metric, which a simulated metric never does, so the HPA is unchanged
    doc = _so(fallback={"failureThreshold": 3, "replicas": 6}, triggers=[
        {"type": "aws-sqs-queue", "metricType": "AverageValue",
         "metadata": {"queueURL": "jobs", "queueLength": "100"}}])
    without = _so(triggers=doc["spec"]["triggers"])
    assert hpa_manifest_from_scaled_object(doc, "so.yaml") == \
        hpa_manifest_from_scaled_object(without, "so.yaml")


def test_a_pause_annotation_is_refused() -> None:
    doc = _so()
    doc["metadata"]["annotations"] = {"autoscaling.keda.sh/paused-replicas": "0"}
    with pytest.raises(SpecError, match=re.escape(
            "metadata.annotations.autoscaling.keda.sh/paused-replicas (='0') pauses KEDA's")):
        hpa_manifest_from_scaled_object(doc, "so.yaml")


def _keda_copy(tmp_path: Path, scaled_object: dict[str, Any] = WORKERS,
               queue: str = "s1-aws-sqs-jobs") -> Path:
    """author18 with the workers scaled by the ScaledObject above, the plan naming KEDA's
    metric as the queue depth."""
    shutil.copytree(AUTHOR18, tmp_path / "author18")
    (tmp_path / "author18" / "jobs" / "worker-scaledobject.yaml").write_text(
        yaml.safe_dump(scaled_object))
    plan = tmp_path / "author18" / "jobs-workers.yaml"
    text = plan.read_text()
    for old, new in (("hpa: jobs/worker-hpa.yaml", "hpa: jobs/worker-scaledobject.yaml"),
                     ("queue_depth_metrics: [sqs-approximatenumberofmessagesvisible]",
                      f"queue_depth_metrics: [{queue}]")):
        assert text.count(old) == 1
        text = text.replace(old, new)
    plan.write_text(text)
    return plan


def test_a_plan_scaled_by_the_scaled_object_replays_as_the_hand_written_hpa(
        tmp_path: Path) -> None:
    # the same hand arithmetic as test_author18_queue_workers: before the batch the queue is
    # steady at 0 and CPU keeps the workers; from 615 s the backlog per pod (AverageValue 100)
    # asks for more than the scale-up policy allows (Percent 100 per 15 s): 4, 8, 16, 32, then
    # maxReplicas 40
    keda_plan = _keda_copy(tmp_path)
    original = AUTHOR18 / "jobs-workers.yaml"
    plan, problems, warnings = check_plan_warnings(keda_plan)
    assert plan is not None and problems == []
    assert [w.message for w in warnings] == [w.message for w in check_plan_warnings(original)[2]]
    (workers, _) = read_plan(keda_plan).proposed.workloads
    assert workers.hpa is not None and workers.hpa.name == "keda-hpa-jobs-worker"
    assert workers.hpa.path is not None and workers.hpa.path.name == "worker-scaledobject.yaml"
    book = plan_price_book(original)
    (keda,) = replay_plan(read_plan(keda_plan), book, scenarios=["batch-burst"])
    (hand,) = replay_plan(read_plan(original), book, scenarios=["batch-burst"])
    syncs = keda.result.syncs.set_index("time_s")
    assert list(syncs.loc[615.0:690.0, "written"]) == [4, 8, 16, 32, 40, 40]
    assert list(keda.result.syncs["written"]) == list(hand.result.syncs["written"])
    assert list(keda.result.timeline["ready_pods"]) == list(hand.result.timeline["ready_pods"])


def test_on_a_steady_queue_depth_the_scaled_object_asks_what_the_hand_written_hpa_asks() -> None:
    # 4 pods, 730 messages waiting, target 100 a pod (AverageValue): the controller asks for
    # ceil(730 / 100) = ceil(7.3) = 8 from either HPA, on the metric KEDA names s0-aws-sqs-jobs
    queue_only = _so(triggers=[WORKERS["spec"]["triggers"][1]])
    hand = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "jobs-worker", "namespace": "jobs"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                        "name": "jobs-worker"},
                     "minReplicas": 2, "maxReplicas": 40, "behavior": BEHAVIOR,
                     "metrics": [{"type": "External", "external": {
                         "metric": {"name": "s0-aws-sqs-jobs", "selector": OWNER},
                         "target": {"type": "AverageValue", "averageValue": "100"}}}]}}
    depth = MetricsSnapshot(external={"s0-aws-sqs-jobs": [730_000]})  # milli-messages
    asked = [compute_replicas_for_metrics(hpa_from_dict(doc), 4, 4, [], depth, 0.0)[0]
             for doc in (hpa_manifest_from_scaled_object(queue_only, "so.yaml"), hand)]
    assert asked == [8, 8]


def test_a_plan_scaled_to_zero_by_its_scaled_object_simulates_keda(tmp_path: Path) -> None:
    # minReplicaCount left out (KEDA's 0) on the queue trigger alone, now index 0: the plan
    # validates, its HPA runs at minReplicas 1 and the workload carries KEDA's polls with the
    # ScaledObject's pollingInterval 15, cooldownPeriod 300 and activationQueueLength 10, the
    # messages in flight counted (scaleOnInFlight absent: true)
    doc = _so(triggers=[WORKERS["spec"]["triggers"][1]])
    del doc["spec"]["minReplicaCount"]
    keda_plan = _keda_copy(tmp_path, doc, "s0-aws-sqs-jobs")
    plan, problems, _ = check_plan_warnings(keda_plan)
    assert plan is not None and problems == []
    (workers, _) = plan.proposed.workloads
    expected = KedaActivation(15, 300, 0, 0, None, (
        TriggerActivation("s0-aws-sqs-jobs", 10.0, "activationQueueLength", in_flight=True),))
    assert workers.keda == expected
    assert workers.hpa_spec is not None and workers.hpa_spec.min_replicas == 1
    spec = simulation_spec(plan, workers.name, plan_price_book(AUTHOR18 / "jobs-workers.yaml"))
    assert spec.keda == expected
