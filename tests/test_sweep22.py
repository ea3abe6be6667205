"""sweep22: the sweep on the newest plan shapes (author21's KEDA ScaledObjects on Karpenter
NodePools, author20's plain HPA on an SQS External metric).

- a KEDA workload's ``--vary minReplicas=0`` ran as an HPA scaling to zero, and an SQS
  trigger's target took ``500m``: rows no ScaledObject (so no plan) reproduces, since KEDA's
  HPA never has ``minReplicas`` 0 (KEDA's operator scales to zero, simulated from the
  ScaledObject) and KEDA reads ``queueLength`` as a whole number;
- ``--instance-types`` on a workload of two weighted NodePools told the user to pin it to one
  node group, which drops the on-demand fallback;
- a variant at the baseline's shown scale-down window (300) cost less than the baseline with no
  word why: on an HPA with no spec.behavior a behavior field writes one, which leaves the
  legacy scale-up limit (double or 4 a sync) for the API's default policies;
- the baseline's scale-down window not written (the controller's 300.0 s flag) made the
  column float: every row read ``60.0``, ``300.0``.
"""

from __future__ import annotations

import json

import pytest

from infra_toolkit.cli import main
from infra_toolkit.joint_run import joint_run
from infra_toolkit.plan import Plan, read_plan
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.pricing import load_price_book
from infra_toolkit.tuning import sweep_workload
from infra_toolkit.tuning_format import format_sweep
from infra_toolkit.tuning_hpa_fields import baseline_values, hpa_variants
from tests.conftest import REPO_ROOT

AUTHOR21 = REPO_ROOT / "tests/data/author21/inference-api.yaml"
AUTHOR20 = REPO_ROOT / "tests/data/author20/event-ingest.yaml"
KEDA = REPO_ROOT / "tests/data/author21/inference/keda.yaml"


@pytest.fixture(scope="module")
def author21() -> Plan:
    return read_plan(AUTHOR21)


def _workload(plan: Plan, name: str) -> Workload:
    return next(w for w in plan.proposed.workloads if w.name == name)


def test_a_keda_workload_refuses_min_replicas_zero_which_no_keda_hpa_has(
        author21: Plan) -> None:
    # KEDA's scaling to zero is simulated now (keda_activation), from the ScaledObject's own
    # minReplicaCount; the HPA KEDA writes never has minReplicas 0, so the row is still refused
    variants, problems = hpa_variants(author21, _workload(author21, "infer-worker"),
                                      {"minReplicas": (0, 2)})
    assert variants == {}
    assert problems == [
        f"--vary minReplicas=0: the HPA is KEDA's for ScaledObject 'infer-worker' ({KEDA}): "
        "KEDA's HPA runs at minReplicas 1 or more (minReplicaCount 0 gives 1, and KEDA's "
        "operator, not the HPA, scales to zero); write minReplicaCount: 0 in the ScaledObject "
        "to simulate scaling to zero, and vary minReplicas from 1"]


def test_an_sqs_trigger_target_takes_only_whole_numbers_from_1(author21: Plan) -> None:
    # queueLength is a whole number >= 1: 500m (0.5) and 15500m (15.5) cannot be written;
    # 1e1 is 10 and 20 is 20, both whole
    field = "external.s0-aws-sqs-infer-jobs.averageValue"
    _, problems = hpa_variants(author21, _workload(author21, "infer-worker"),
                               {field: ("500m", "15500m", "20", "1e1")})
    tail = (f": the HPA is KEDA's for ScaledObject 'infer-worker' ({KEDA}): its aws-sqs-queue "
            "trigger's metadata.queueLength, which sets this target, is a whole number >= 1; "
            "give whole numbers, e.g. 10,20,40")
    assert problems == [f"--vary {field}=500m{tail}", f"--vary {field}=15500m{tail}"]


def test_whole_sqs_targets_and_a_fractional_prometheus_threshold_still_vary(
        author21: Plan) -> None:
    worker = _workload(author21, "infer-worker")
    variants, problems = hpa_variants(
        author21, worker, {"external.s0-aws-sqs-infer-jobs.averageValue": ("1e1", "40")})
    assert problems == []
    # 1e1 = 10 units = 10,000 milli; 40 units = 40,000 milli
    assert [v.metrics[0].external.target.average_value_milli  # type: ignore[union-attr]
            for v in variants.values()] == [10_000, 40_000]
    # a prometheus threshold is a decimal (threshold: "0.5" is 500m): KEDA can hold it
    api = _workload(author21, "infer-api")
    _, problems = hpa_variants(author21, api, {"external.s0-prometheus.averageValue": ("500m",)})
    assert problems == []


def test_a_plain_hpa_on_an_external_metric_keeps_min_replicas_zero() -> None:
    # author20's event-consumer is an autoscaling/v2 HPA, not KEDA's: the API's own rule
    # (minReplicas 0 with an External metric) is all that applies
    plan = read_plan(AUTHOR20)
    variants, problems = hpa_variants(plan, _workload(plan, "event-consumer"),
                                      {"minReplicas": (0,)})
    assert problems == []
    assert [v.min_replicas for v in variants.values()] == [0]  # type: ignore[union-attr]


def test_node_fields_on_weighted_nodepools_say_what_pinning_the_workload_loses(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", str(AUTHOR21), "--workload", "infer-api", "--instance-types",
                 "m6i.large,c6i.large", "--scenario", "launch-flash-crowd"]) == 2
    err = capsys.readouterr().err
    assert ("--instance-types: workload 'infer-api' runs on several node groups (api-spot, "
            "api-on-demand); the sweep varies one group's node fields only: leave "
            "--instance-types out (the HPA fields still vary), or sweep a copy of the plan "
            "that gives the workload a node_group (which drops the fallback between its "
            "Karpenter NodePools' weights)") in err
    assert "give the workload a node_group\n" not in err


def test_a_scale_down_window_not_written_is_the_flag_in_whole_seconds(author21: Plan) -> None:
    # keda.yaml's infer-api writes no behavior: the window is the controller's
    # --horizontal-pod-autoscaler-downscale-stabilization flag, 300 s (5 min); scale-up's
    # default is 0
    api = _workload(author21, "infer-api")
    book = load_price_book(extra_tables=author21.pricing_tables,
                           overrides=author21.pricing_overrides)
    spec = joint_run(author21, book).specs["infer-api"]
    values = baseline_values(author21, api, spec, ("scaleDown.stabilizationWindowSeconds",
                                                   "scaleUp.stabilizationWindowSeconds"))
    assert values == {"scaleDown.stabilizationWindowSeconds": 300,
                      "scaleUp.stabilizationWindowSeconds": 0}
    assert type(values["scaleDown.stabilizationWindowSeconds"]) is int


def test_a_behavior_field_on_an_hpa_without_behavior_says_why_it_differs_at_equal_values(
        author21: Plan) -> None:
    book = load_price_book(extra_tables=author21.pricing_tables,
                           overrides=author21.pricing_overrides)
    # 300 s is the window the baseline shows (the controller's flag): written, it is a row of
    # its own, since spec.behavior now exists
    result = sweep_workload(author21, book, "infer-api",
                            {"scaleDown.stabilizationWindowSeconds": (300,)},
                            scenarios=["launch-flash-crowd"], horizon_h=0.25)
    assert len(result.table) == 2
    assert list(result.table["scaleDown.stabilizationWindowSeconds"]) == [300, 300]
    assert result.behavior_written == (
        "the plan's HPA writes no spec.behavior, so the controller limits scale-up by its "
        "legacy rule (at most double the replicas, or 4, a sync); a variant setting "
        "scaleDown.stabilizationWindowSeconds writes spec.behavior, whose other parts take the "
        "API's defaults (scale-up 4 pods or 100 % per 15 s), so it can differ from the "
        "baseline even at the baseline's shown values")
    # the table's header says it on a line of its own; JSON under behavior_written
    assert f"\nbehavior: {result.behavior_written}\n" in format_sweep(result, "table", 3)
    assert json.loads(format_sweep(result, "json", 3))["behavior_written"] == \
        result.behavior_written


def test_no_behavior_line_where_the_hpa_writes_one_or_no_behavior_field_varies(
        author21: Plan) -> None:
    book = load_price_book(extra_tables=author21.pricing_tables,
                           overrides=author21.pricing_overrides)
    result = sweep_workload(author21, book, "infer-api", {"minReplicas": (3,)},
                            scenarios=["launch-flash-crowd"], horizon_h=0.25)
    assert result.behavior_written == ""
    plan = read_plan(AUTHOR20)  # event-consumer's HPA writes behavior.scaleUp and scaleDown
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    result = sweep_workload(plan, book, "event-consumer", {"scaleDown.Pods.value": (2,)},
                            scenarios=["backfill-burst"], horizon_h=0.25)
    assert result.behavior_written == ""
