"""reader24: author21's inference-API report (tests/data/author21/inference-api.yaml) read as a
staff SRE approving it: an Argo Rollout canary scaled by KEDA, Karpenter NodePools spot first,
a pull consumer on an SQS trigger. Each test pins a sentence or cell that was untrue of this
plan, its expected text written by hand from the plan and its manifests."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import pytest
import yaml

from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from infra_toolkit.report_html import Table
from infra_toolkit.sections_architecture import proposed_architecture
from infra_toolkit.sections_deployment import deployment_strategy
from infra_toolkit.sections_scaling import scaling_behaviour

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
