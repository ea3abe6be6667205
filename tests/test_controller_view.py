"""The controller's view of one run: the memoized metrics step (``ControllerView.metrics_step``)
gives the outcome the HPA's own computation gives, reuses it only for reads with the same
inputs, and recomputes while a pod is Pending (by hand).

The view: 5 s ticks, metrics-server every 15 s at offset 5 with a 15 s window (3 ticks); pods
request 500 m CPU and use 20 m + 10 m per rps; the HPA targets 50 % CPU.
"""

from __future__ import annotations

from infra_toolkit.controller_view import LONG_AGO_S, Cohort, ControllerView, metric_needs
from infra_toolkit.hpa import DEFAULT_CONTROLLER_CONFIG, HPASpec, cpu_utilization_metric
from infra_toolkit.hpa_metrics import MetricsOutcome
from infra_toolkit.hpa_spec import (
    ExternalMetricSource,
    MetricIdentifier,
    MetricSpec,
    MetricTarget,
    PodsMetricSource,
)
from infra_toolkit.workload import MetricsPipelineSpec, WorkloadSpec

HPA = HPASpec(max_replicas=10, min_replicas=1, metrics=(cpu_utilization_metric(50),))
WL = WorkloadSpec(cpu_request_millicores=500, capacity_rps_per_pod=50, cpu_millicores_per_rps=10,
                  baseline_cpu_millicores=20)
# each Ready pod serves 30 rps in ticks 0..12, then 45 rps: prefix sums over 20 ticks
PER_TICK_RPS = [30.0] * 13 + [45.0] * 7
CUM_LOAD = [sum(PER_TICK_RPS[:i]) for i in range(21)]


def _view() -> ControllerView:
    return ControllerView(5, MetricsPipelineSpec(), 3, WL, CUM_LOAD, [0.0] * 21,
                          {"cpu": 500, "memory": 256}, metric_needs(HPA))


def _warm(names: list[str]) -> Cohort:
    """Pods Running and Ready from the run's start (as the run's initial pods)."""
    return Cohort(names, LONG_AGO_S, group=0, scheduled_s=LONG_AGO_S, running_s=LONG_AGO_S,
                  ready_tick=0)


def _step(view: ControllerView, cohorts: list[Cohort], t: float, version: int,
          spec_replicas: int) -> MetricsOutcome:
    pods, snapshot = view.read(cohorts, t, version)
    return view.metrics_step(HPA, spec_replicas, spec_replicas, pods, snapshot, t,
                             DEFAULT_CONTROLLER_CONFIG)


def test_settled_reads_with_equal_inputs_share_one_outcome() -> None:
    view, cohorts = _view(), [_warm(["a", "b", "c"])]
    # t = 60: scrape at 5 + floor(55 / 15) * 15 = 50 s (tick 10), window ticks 7..9: 30 rps a
    # pod -> 20 + 10 * 30 = 320 m each; 3 x 320 / (3 x 500) = 64 % -> ratio 64 / 50 = 1.28
    # -> ceil(1.28 x 3) = ceil(3.84) = 4
    first = _step(view, cohorts, 60.0, 1, 3)
    assert (first.replicas, first.statuses[0].average_utilization) == (4, 64)
    assert first.statuses[0].average_value_milli == 320
    # t = 75: scrape at 65 s (tick 13), window ticks 10..12 still 30 rps: the same inputs, the
    # same outcome, reused
    assert _step(view, cohorts, 75.0, 1, 3) is first
    # t = 90: scrape at 80 s (tick 16), window ticks 13..15 at 45 rps -> 20 + 450 = 470 m;
    # 94 % -> ratio 1.88 -> ceil(1.88 x 3) = ceil(5.64) = 6
    later = _step(view, cohorts, 90.0, 1, 3)
    assert (later.replicas, later.statuses[0].average_utilization) == (6, 94)
    # the same sample with 4 pods wanted is another input: ceil(1.88 x 3) = 6 again, recomputed
    other = _step(view, cohorts, 90.0, 1, 4)
    assert other.replicas == 6 and other is not later


def test_a_pending_pod_is_computed_afresh() -> None:
    view = _view()
    cohorts = [_warm(["a", "b", "c"]), Cohort(["d", "e"], 40.0)]  # d, e: Pending, no node
    # t = 60: the 3 Ready pods at 320 m (64 %, ratio 1.28, a scale-up); the 2 Pending pods count
    # as unready at 0 m: 3 x 320 / (5 x 500) = 960 / 2500 = 38 % -> ratio 0.76 flips the
    # direction, so the proposal is the current 5
    first = _step(view, cohorts, 60.0, 2, 5)
    assert first.replicas == 5
    assert first.statuses[0].average_utilization == 64
    assert _step(view, cohorts, 75.0, 2, 5) is not first


def test_a_settled_read_of_several_metrics_gives_each_its_samples() -> None:
    # the settled read's per-pod samples and total are built when the memo misses (metrics_step):
    # each metric must still read its own. CPU at 50 %, Pods "rps" at 30 rps a pod, External
    # "queue" at 20 rps a pod (AverageValue); the service is offered 3 x its pods' served rps
    rps = MetricSpec("Pods", pods=PodsMetricSource(
        MetricIdentifier("rps"), MetricTarget("AverageValue", average_value_milli=30_000)))
    queue = MetricSpec("External", external=ExternalMetricSource(
        MetricIdentifier("queue"), MetricTarget("AverageValue", average_value_milli=20_000)))
    hpa = HPASpec(max_replicas=10, min_replicas=1,
                  metrics=(cpu_utilization_metric(50), rps, queue))
    view = ControllerView(5, MetricsPipelineSpec(), 3, WL, CUM_LOAD, [3 * x for x in CUM_LOAD],
                          {"cpu": 500, "memory": 256}, metric_needs(hpa))
    pods, snapshot = view.read([_warm(["a", "b", "c"])], 90.0, 1)
    outcome = view.metrics_step(hpa, 3, 3, pods, snapshot, 90.0, DEFAULT_CONTROLLER_CONFIG)
    # t = 90: scrape at 80 s, window ticks 13..15 at 45 rps a pod.
    # CPU: 20 + 10 x 45 = 470 m, 94 % -> ratio 1.88 -> ceil(1.88 x 3) = ceil(5.64) = 6;
    # rps: 45,000 m a pod / 30,000 = 1.5 -> ceil(1.5 x 3) = ceil(4.5) = 5;
    # queue: 3 x 45 = 135 rps = 135,000 m in all / (20,000 x 3) = 2.25 -> ceil(135,000 / 20,000)
    # = ceil(6.75) = 7, the largest
    assert [s.proposed_replicas for s in outcome.statuses] == [6, 5, 7]
    assert outcome.statuses[1].average_value_milli == 45_000
    assert outcome.replicas == 7
