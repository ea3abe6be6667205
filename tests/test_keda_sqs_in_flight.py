"""A KEDA aws-sqs-queue trigger's ``scaleOnInFlight`` (default true: KEDA's SQS scaler reads
ApproximateNumberOfMessages + ApproximateNumberOfMessagesNotVisible) read from the ScaledObject
(keda_scaled_object.sqs_in_flight, a value strconv.ParseBool refuses refused) and said in the
workloads table's HPA metrics beside what the simulation reads for it."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit.errors import SpecError
from infra_toolkit.keda_scaled_object import hpa_manifest_from_scaled_object, sqs_in_flight
from infra_toolkit.plan import read_plan
from infra_toolkit.sections_architecture import workloads_table

AUTHOR21 = Path(__file__).resolve().parent / "data" / "author21" / "inference-api.yaml"
# a cpu trigger first, then two queues: the metric names carry the trigger's index
SO = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
      "metadata": {"name": "worker"},
      "spec": {"scaleTargetRef": {"name": "worker"}, "minReplicaCount": 1, "triggers": [
          {"type": "cpu", "metricType": "Utilization", "metadata": {"value": "70"}},
          {"type": "aws-sqs-queue", "metadata": {
              "queueURL": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs"}},
          {"type": "aws-sqs-queue", "metadata": {
              "queueURL": "https://sqs.eu-west-1.amazonaws.com/123456789012/mail",
              "scaleOnInFlight": "false"}}]}}


def _with(**meta: str) -> dict[str, Any]:
    doc = copy.deepcopy(SO)
    doc["spec"]["triggers"][1]["metadata"].update(meta)
    return doc


def test_each_sqs_trigger_says_whether_it_counts_messages_in_flight() -> None:
    # trigger 1 leaves it out (KEDA's default, true), trigger 2 writes "false"; the cpu
    # trigger has no queue
    assert sqs_in_flight(SO) == {"s1-aws-sqs-jobs": True, "s2-aws-sqs-mail": False}
    # strconv.ParseBool's other spellings
    assert sqs_in_flight(_with(scaleOnInFlight="0")) == {"s1-aws-sqs-jobs": False,
                                                         "s2-aws-sqs-mail": False}
    assert sqs_in_flight(_with(scaleOnInFlight="TRUE"))["s1-aws-sqs-jobs"] is True


@pytest.mark.parametrize("key", ["scaleOnInFlight", "scaleOnDelayed"])
def test_a_value_keda_cannot_parse_is_refused(key: str) -> None:
    # "yes" is no strconv.ParseBool value: KEDA refuses the trigger, it was read as written
    with pytest.raises(SpecError, match=rf"spec\.triggers\[1\]\.metadata\.{key} \(='yes'\) must "
                                        r"be true or false \(KEDA's strconv\.ParseBool refuses "
                                        r"the trigger otherwise\)"):
        hpa_manifest_from_scaled_object(_with(**{key: "yes"}), "keda.yaml")


def test_the_workloads_table_says_what_the_queue_metric_counts() -> None:
    plan = read_plan(AUTHOR21)
    api, worker = plan.proposed.workloads
    rows = workloads_table(plan.proposed.workloads).frame["HPA metrics"].tolist()
    # infer-api's prometheus trigger: no queue, as it was; infer-worker's SQS trigger leaves
    # scaleOnInFlight out (true) and the plan names it in queue_depth_metrics, which the
    # simulation reads as the requests waiting alone
    assert rows == ["External s0-prometheus 8 a pod",
                    "External s0-aws-sqs-infer-jobs 20 a pod (KEDA aws-sqs-queue: messages "
                    "visible and in flight, scaleOnInFlight true; simulated as the requests "
                    "waiting, without those in flight: fewer than KEDA reads)"]
    # the same trigger with scaleOnInFlight "false": what KEDA reads is what is simulated
    assert worker.hpa is not None and worker.hpa.scaled_object is not None
    so = copy.deepcopy(dict(worker.hpa.scaled_object))
    so["spec"]["triggers"][0]["metadata"]["scaleOnInFlight"] = "false"
    visible = dataclasses.replace(worker, hpa=dataclasses.replace(worker.hpa, scaled_object=so))
    assert workloads_table([visible]).frame["HPA metrics"].tolist() == [
        "External s0-aws-sqs-infer-jobs 20 a pod (KEDA aws-sqs-queue: messages visible only, "
        "scaleOnInFlight false; simulated as the requests waiting)"]
    # not named in queue_depth_metrics: the simulation feeds it the offered rate
    assert worker.model is not None
    rate = dataclasses.replace(worker, model=dataclasses.replace(worker.model,
                                                                 queue_depth_metrics=()))
    assert workloads_table([rate]).frame["HPA metrics"].tolist() == [
        "External s0-aws-sqs-infer-jobs 20 a pod (KEDA aws-sqs-queue: messages visible and in "
        "flight, scaleOnInFlight true; simulated as the offered rate: not in "
        "queue_depth_metrics)"]
