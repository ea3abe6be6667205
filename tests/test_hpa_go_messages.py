"""The ScalingActive messages and reconcile errors of a failed metric, worded as the Go code words
them (audit against omerap12/kubernetes@a769d588 pkg/controller/podautoscaler/horizontal.go and
replica_calculator.go). Every expected string is assembled by hand from the Go format strings,
quoted in the comments, never from the code under test.

Two layers of wrapping (horizontal.go):

- the condition quotes ``computeStatusFor*Metric``'s error: "the HPA was unable to compute the
  replica count: %v" (``getUnableComputeReplicaCountCondition``);
- the reconcile returns "failed to compute desired number of replicas based on listed metrics for
  %s: %w" (``reconcileAutoscaler``, %s = Kind/namespace/name) around "invalid metrics (%v invalid
  out of %v), first error is: %w" (``computeReplicasForMetrics``) around the first error as
  ``computeReplicasForMetric`` wraps it per metric type.
"""

from __future__ import annotations

from infra_toolkit.hpa import (
    ContainerResourceMetricSource,
    CrossVersionObjectReference,
    ExternalMetricSource,
    HPASpec,
    MetricIdentifier,
    MetricSpec,
    MetricsSnapshot,
    MetricTarget,
    ObjectMetricSource,
    Pod,
    ResourceMetricSource,
    cpu_utilization_metric,
    reconcile,
)
from tests.hpa_builders import CONFIG, NO_HISTORY, NOW, pods, samples

UNABLE = "the HPA was unable to compute the replica count: "
FAILED = "failed to compute desired number of replicas based on listed metrics: "
ONE_OF_ONE = "invalid metrics (1 invalid out of 1), first error is: "


def _failing(hpa: HPASpec, pod_list: tuple[Pod, ...], snapshot: MetricsSnapshot,
             ) -> tuple[str, str | None]:
    result = reconcile(hpa, 3, pod_list, snapshot, NO_HISTORY, NOW, CONFIG)
    assert result.scaling_active is not None and not result.scale_updated
    return result.scaling_active.message, result.error


def test_all_cpu_pods_unready_is_wrapped_as_a_utilization_error() -> None:
    # Pods started 10 s ago, Ready False: within the 300 s CPU initialization period they are
    # unready, so no sample is left: GetResourceReplicas "did not receive metrics for targeted
    # pods (pods might be unready)"; computeStatusForResourceMetricGeneric "failed to get %s
    # utilization: %w"; computeReplicasForMetric "failed to get %s resource metric value: %w".
    detail = ("failed to get cpu utilization: did not receive metrics for targeted pods "
              "(pods might be unready)")
    message, error = _failing(
        HPASpec(max_replicas=10, metrics=(cpu_utilization_metric(50),)),
        pods(3, ready=False, start=-10.0, transition=-9.0),
        MetricsSnapshot(resource={"cpu": samples([100, 100, 100])}),
    )
    assert message == UNABLE + detail
    assert error == FAILED + ONE_OF_ONE + "failed to get cpu resource metric value: " + detail


def test_an_empty_resource_metrics_answer_fails_as_no_answer() -> None:
    # metrics/client.go: an empty PodMetrics list is "no metrics returned from resource metrics
    # API", wrapped by GetResourceReplicas "unable to get metrics for resource %s: %w" and
    # then "failed to get %s utilization: %w", as when the API returned nothing at all.
    detail = ("failed to get cpu utilization: unable to get metrics for resource cpu: no metrics "
              "returned from resource metrics API")
    hpa = HPASpec(max_replicas=10, metrics=(cpu_utilization_metric(50),))
    for snapshot in (MetricsSnapshot(), MetricsSnapshot(resource={"cpu": {}})):
        assert _failing(hpa, pods(3), snapshot)[0] == UNABLE + detail


def test_an_average_value_target_reports_usage_not_utilization() -> None:
    # computeStatusForResourceMetricGeneric: AverageValue -> "failed to get %s usage: %w" around
    # GetRawResourceReplicas' error (here: no pods, "no pods returned by selector while
    # calculating replica count" from calcPlainMetricReplicas).
    hpa = HPASpec(max_replicas=10, metrics=(MetricSpec(
        type="Resource",
        resource=ResourceMetricSource(
            "memory", MetricTarget(type="AverageValue", average_value_milli=500)),
    ),))
    detail = ("failed to get memory usage: no pods returned by selector while calculating "
              "replica count")
    message, error = _failing(hpa, (), MetricsSnapshot(resource={"memory": samples([100])}))
    assert message == UNABLE + detail
    assert error == FAILED + ONE_OF_ONE + "failed to get memory resource metric value: " + detail


def test_container_resource_names_the_container_and_its_description() -> None:
    metric = MetricSpec(type="ContainerResource", container_resource=ContainerResourceMetricSource(
        "cpu", "app", MetricTarget(type="Utilization", average_utilization=60)))
    hpa = HPASpec(max_replicas=10, metrics=(metric,))
    # computeReplicasForMetric: "failed to get %s container metric value: %w" with the
    # container's name (not the resource's)
    detail = ("failed to get cpu utilization: unable to get metrics for resource cpu: no metrics "
              "returned from resource metrics API")
    message, error = _failing(hpa, pods(2), MetricsSnapshot())
    assert message == UNABLE + detail
    assert error == FAILED + ONE_OF_ONE + "failed to get app container metric value: " + detail
    # computeStatusForResourceMetricGeneric names a ContainerResource utilization
    # "%s container resource utilization (percentage of request)". app: 450m of 500m in both
    # pods, util 900*100/1000 = 90 vs 60 -> ratio 1.5, ceil(1.5 * 2) = 3 > 2: scale up.
    pod_list = tuple(
        Pod(f"p{i}", requests_milli={"cpu": 1000}, container_requests_milli={"app": {"cpu": 500}},
            start_time_s=-1e5, ready_transition_time_s=-1e5)
        for i in range(2)
    )
    result = reconcile(hpa, 2, pod_list,
                       MetricsSnapshot(container_resource={("cpu", "app"): samples([450, 450])}),
                       NO_HISTORY, NOW, CONFIG)
    described = "cpu container resource utilization (percentage of request)"
    assert result.desired_replicas == 3
    assert result.rescale_reason == described + " above target"
    assert result.scaling_active is not None
    assert result.scaling_active.message == (
        "the HPA was able to successfully calculate a replica count from " + described)


def test_object_metrics_name_the_namespace_and_wrap_average_value_twice() -> None:
    ingress = CrossVersionObjectReference("Ingress", "web", "networking.k8s.io/v1")

    def hpa(target: MetricTarget) -> HPASpec:
        return HPASpec(max_replicas=10, namespace="shop", metrics=(MetricSpec(
            type="Object", object=ObjectMetricSource(ingress, MetricIdentifier("rps"), target)),))

    # GetObjectMetricReplicas / GetObjectPerPodMetricReplicas: "unable to get metric %s on %s
    # %s/%s: %w" (metric, Kind, the HPA's namespace, object name); the snapshot carries no API
    # error text to append.
    detail = "unable to get metric rps on Ingress shop/web"
    message, error = _failing(hpa(MetricTarget(type="Value", value_milli=1000)), pods(3),
                              MetricsSnapshot())
    assert message == UNABLE + detail
    # computeReplicasForMetric: "failed to get object metric value: %w"
    assert error == FAILED + ONE_OF_ONE + "failed to get object metric value: " + detail
    message, error = _failing(hpa(MetricTarget(type="AverageValue", average_value_milli=1000)),
                              pods(3), MetricsSnapshot())
    assert message == UNABLE + detail
    # computeStatusForObjectMetric (AverageValue) first wraps "failed to get %s object metric: %w"
    assert error == (FAILED + ONE_OF_ONE + "failed to get object metric value: "
                     "failed to get rps object metric: " + detail)


def test_external_metrics_wrap_per_target_type() -> None:
    def hpa(target: MetricTarget) -> HPASpec:
        return HPASpec(max_replicas=10, metrics=(MetricSpec(
            type="External", external=ExternalMetricSource(MetricIdentifier("queue"), target)),))

    detail = "unable to get external metric queue"  # the library's own text for a failed read
    outer = "failed to get queue external metric value: "  # computeReplicasForMetric
    _, error = _failing(hpa(MetricTarget(type="AverageValue", average_value_milli=100)), pods(3),
                        MetricsSnapshot())
    # computeStatusForExternalMetric, AverageValue: "failed to get %s external metric: %w"
    assert error == FAILED + ONE_OF_ONE + outer + "failed to get queue external metric: " + detail
    _, error = _failing(hpa(MetricTarget(type="Value", value_milli=100)), pods(3),
                        MetricsSnapshot())
    # ... Value: "failed to get external metric %s: %w"
    assert error == FAILED + ONE_OF_ONE + outer + "failed to get external metric queue: " + detail


def test_an_unknown_metric_type_is_quoted_as_go_quotes_it() -> None:
    # computeReplicasForMetric default branch: "unknown metric source type %q", not wrapped again
    detail = 'unknown metric source type "CheddarCheese"'
    message, error = _failing(HPASpec(max_replicas=5, metrics=(MetricSpec(type="CheddarCheese"),)),
                              pods(3), MetricsSnapshot())
    assert message == UNABLE + detail
    assert error == FAILED + ONE_OF_ONE + detail


def test_the_reconcile_error_names_the_scale_target() -> None:
    # reconcileAutoscaler: reference = "%s/%s/%s" of ScaleTargetRef.Kind, the HPA's namespace and
    # ScaleTargetRef.Name
    hpa = HPASpec(max_replicas=5, namespace="shop", metrics=(MetricSpec(type="Foo"),),
                  scale_target_ref=CrossVersionObjectReference("Deployment", "web", "apps/v1"))
    _, error = _failing(hpa, pods(3), MetricsSnapshot())
    assert error == ("failed to compute desired number of replicas based on listed metrics for "
                     'Deployment/shop/web: ' + ONE_OF_ONE + 'unknown metric source type "Foo"')
