"""reader24: author21's inference-API report (tests/data/author21/inference-api.yaml) read as a
staff SRE approving it: an Argo Rollout canary scaled by KEDA, Karpenter NodePools spot first,
a pull consumer on an SQS trigger. Each test pins a sentence or cell that was untrue of this
plan, its expected text written by hand from the plan and its manifests."""

from __future__ import annotations

import html
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from infra_toolkit.hpa_spec import MetricSpec, MetricTarget, ResourceMetricSource
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.queue_depth_warnings import queue_depth_cycle_warnings
from infra_toolkit.report_html import Table
from infra_toolkit.sections_architecture import proposed_architecture
from infra_toolkit.sections_deployment import deployment_strategy
from infra_toolkit.sections_scaling import scaling_behaviour
from infra_toolkit.traffic import TrafficCurve

PLAN = Path(__file__).resolve().parent / "data" / "author21" / "inference-api.yaml"


def _analysis(plan: Path, store: Path) -> PlanAnalysis:
    # 3 minutes of one scenario: the sentences below do not depend on the simulated load
    return analyze_plan(plan, scenarios=["conversation-hour"], horizon_h=0.05,
                        store_location=str(store / "none"))


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> PlanAnalysis:
    return _analysis(PLAN, tmp_path_factory.mktemp("store"))


def _texts(parts: tuple[object, ...]) -> str:
    return "\n".join(html.unescape(p) for p in parts if isinstance(p, str))


def test_the_workloads_table_names_the_rollout_as_a_rollout(analysis: PlanAnalysis) -> None:
    # api-rollout.yaml is kind: Rollout (Argo), worker-deployment.yaml kind: Deployment; the
    # column read "Deployment | infer-api"
    (table,) = [t for t in proposed_architecture(analysis).tables
                if isinstance(t, Table) and t.css_class == "workloads"]
    assert "Deployment" not in table.frame.columns
    assert list(table.frame["Manifest"]) == ["Rollout infer-api", "Deployment infer-worker"]


def test_time_to_ready_reads_the_probes_from_the_rollout(analysis: PlanAnalysis) -> None:
    text = _texts(deployment_strategy(analysis).parts)
    assert ("time to Ready of infer-api (image pull and app start from the workload model, "
            "probes from the Rollout): image pull 30 s") in text
    assert ("time to Ready of infer-worker (image pull and app start from the workload model, "
            "probes from the Deployment): image pull 20 s") in text


def test_the_undo_of_a_promoted_canary_runs_its_steps_again(analysis: PlanAnalysis) -> None:
    # the Rollout's steps: setWeight 10, pause 10m, setWeight 50, pause 10m, setWeight 100:
    # pauses 10 + 10 = 20 min, above the plan's rollback.expected_time of 10m
    text = _texts(deployment_strategy(analysis).parts)
    assert ("kubectl argo rollouts undo infer-api once it is promoted, which Argo Rollouts runs "
            "as a new update through every canary step again: at least their pauses, 20 min, "
            "longer than the plan's rollback.expected_time (10 min), as no spec.rollbackWindow "
            "lets it skip them)") in text


def test_a_rollback_window_is_said_to_skip_the_steps(tmp_path: Path) -> None:
    folder = tmp_path / "author21"
    shutil.copytree(PLAN.parent, folder)
    rollout = folder / "inference" / "api-rollout.yaml"
    docs = list(yaml.safe_load_all(rollout.read_text()))
    docs[0]["spec"]["rollbackWindow"] = {"revisions": 3}
    rollout.write_text(yaml.safe_dump_all(docs))
    text = _texts(deployment_strategy(_analysis(folder / PLAN.name, tmp_path)).parts)
    assert ("kubectl argo rollouts undo infer-api once it is promoted, which skips the canary "
            "steps for a revision within its spec.rollbackWindow and runs them all again for an "
            "older one)") in text
    assert "20 min, longer than" not in text


def test_no_pull_consumer_latency_sentence_without_a_latency_slo(
        analysis: PlanAnalysis) -> None:
    # infer-worker (consumer: pull) is judged by 'worker keeps up' (availability) alone; the
    # latency SLO 'api p95' is infer-api's, a push consumer: no latency of a pull consumer is
    # judged, so the caption has nothing to say of one
    captions = [t.caption for t in scaling_behaviour(analysis).tables
                if isinstance(t, Table) and t.caption.startswith("SLO checks")]
    assert len(captions) == 1
    assert "pull consumer" not in captions[0]


# ------------------------------------------- a queue-depth HPA that cycles (plan warning)

def _worker() -> Workload:
    (worker,) = [w for w in read_plan(PLAN).proposed.workloads if w.name == "infer-worker"]
    return worker


def test_a_pull_consumer_scaled_on_its_queue_alone_is_warned_of_its_cycle() -> None:
    # keda.yaml: infer-worker's one trigger, aws-sqs-queue queueLength "20" (External
    # s0-aws-sqs-infer-jobs, AverageValue 20 a pod), minReplicaCount 2; the model: 3 rps a
    # pod, concurrency 1 (< 20), traffic_share 0.2. A curve of 100 and 120 rps: mean 110 x 0.2
    # = 22 rps, above 2 x 3 = 6 rps; minReplicas to serve it: ceil(22 / 3) = ceil(7.33) = 8
    (w,) = queue_depth_cycle_warnings(_worker(), "proposed.workloads[1].hpa",
                                      {"busy": TrafficCurve(np.array([100.0, 120.0]), 1.0)})
    assert w.path == "proposed.workloads[1].hpa"
    assert w.message == (
        "workload 'infer-worker' scales on its queue depth alone (s0-aws-sqs-infer-jobs at 20 "
        "a pod): while its Ready pods keep up the queue is near empty (the messages in process, "
        "at most concurrency 1 a pod, are under the target), so the HPA asks for minReplicas "
        "(2), which serve 2 x 3 = 6 rps, less than the mean rate of scenario 'busy' (22 rps) "
        "(x traffic_share 0.2): the replicas cycle, a backlog building until it asks for more "
        "pods, the pods draining it, then down towards minReplicas once the downscale "
        "stabilization window has passed, and messages wait for the backlog each time; add a "
        "metric that follows the work done (cpu, or the rate messages arrive) or raise "
        "minReplicas to 8 (22 / 3, rounded up)")


def test_no_cycle_warning_when_min_replicas_serve_the_mean_or_another_metric_holds() -> None:
    worker = _worker()
    # mean 30 x 0.2 = 6 rps: exactly what 2 x 3 rps pods serve, no backlog at the mean
    assert queue_depth_cycle_warnings(worker, "p", {"quiet": TrafficCurve(
        np.array([20.0, 40.0]), 1.0)}) == []
    # a cpu metric beside the queue's: the pods' own load holds them while the queue is empty
    assert worker.hpa_spec is not None
    cpu = MetricSpec(type="Resource", resource=ResourceMetricSource(
        "cpu", MetricTarget(type="Utilization", average_utilization=70)))
    held = replace(worker, hpa_spec=replace(worker.hpa_spec,
                                            metrics=(*worker.hpa_spec.metrics, cpu)))
    assert queue_depth_cycle_warnings(held, "p", {"busy": TrafficCurve(
        np.array([100.0, 120.0]), 1.0)}) == []


def test_the_plans_both_scenarios_are_named_in_its_warning() -> None:
    # the trace's mean 110.65 rps x 0.2 = 22.13 (22.1); the flash crowd's 160.16 x 0.2 = 32.03
    # (32.0); minReplicas ceil(32.03 / 3) = ceil(10.68) = 11
    _plan, _problems, warnings = check_plan_warnings(PLAN)
    (w,) = [w for w in warnings if w.path == "proposed.workloads[1].hpa"]
    assert ("less than the mean rate of scenarios 'conversation-hour' (22.1 rps) and "
            "'launch-flash-crowd' (32.0 rps) (x traffic_share 0.2)") in w.message
    assert w.message.endswith("raise minReplicas to 11 (32.0 / 3, rounded up)")


def test_the_node_groups_table_says_the_order_karpenter_tries_the_pools(
        analysis: PlanAnalysis) -> None:
    # nodepools.yaml: api-spot weight 50, api-on-demand weight 10: the higher weight first
    (table,) = [t for t in proposed_architecture(analysis).tables
                if isinstance(t, Table) and t.css_class == "node-groups"]
    assert dict(zip(table.frame["Node group"], table.frame["Karpenter NodePool"],
                    strict=True)) == {"api-spot": "weight 50, tried 1 of 2",
                                      "api-on-demand": "weight 10, tried 2 of 2"}
    assert table.caption.startswith(
        "Node groups. Karpenter NodePool: its spec.weight and the order Karpenter tries the "
        "pools in for a pending pod, the highest weight first, as the simulation does: a pod "
        "gets a node of a later pool only once the earlier ones are at their spec.limits (Max) "
        "or cannot take it. Room for pods a node:")
