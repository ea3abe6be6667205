"""Small builders for the HPA tests: pods, samples, specs and one reconcile call.

Conventions: the evaluated sync is at ``NOW = 0.0``; pods started ``LONG_AGO`` unless a test
says otherwise; CPU requests are 1000 millicores; the controller runs with the production flags
(tolerance 0.1, CPU initialization 300 s, readiness delay 30 s, downscale window 300 s,
legacy factor 2 / minimum 4).
"""

from __future__ import annotations

from collections.abc import Sequence

from infra_toolkit.hpa import (
    ControllerConfig,
    CrossVersionObjectReference,
    HPABehavior,
    HPASpec,
    HPAState,
    MetricIdentifier,
    MetricSpec,
    MetricsSnapshot,
    MetricTarget,
    ObjectMetricSource,
    Pod,
    PodSample,
    ReconcileResult,
    cpu_utilization_metric,
    reconcile,
)

NOW = 0.0
LONG_AGO = -100_000.0
CONFIG = ControllerConfig()
NO_HISTORY = HPAState(recommendations=())  # an empty (not absent) history: nothing seeded


def pod(
    name: str,
    *,
    phase: str = "Running",
    ready: bool | None = True,
    start: float | None = LONG_AGO,
    transition: float | None = None,
    deleting: bool = False,
    cpu: int | None = 1000,
) -> Pod:
    """A pod; its Ready condition changed when it started unless ``transition`` is given."""
    return Pod(
        name, phase, ready, start, start if transition is None else transition, deleting,
        {} if cpu is None else {"cpu": cpu},
    )


def pods(count: int, **kwargs: object) -> tuple[Pod, ...]:
    """``count`` identical pods named p0, p1, ..."""
    return tuple(pod(f"p{i}", **kwargs) for i in range(count))  # type: ignore[arg-type]


def samples(values: Sequence[int | None], at: float = NOW, window: float = 60.0) -> dict:
    """Samples for pods p0, p1, ... (``None``: that pod has no sample)."""
    return {
        f"p{i}": PodSample(v, at, window) for i, v in enumerate(values) if v is not None
    }


def cpu_hpa(
    target: int, *, min_replicas: int = 1, max_replicas: int = 100,
    behavior: HPABehavior | None = None,
) -> HPASpec:
    """An HPA on CPU utilization ``target`` percent."""
    return HPASpec(
        max_replicas=max_replicas, min_replicas=min_replicas,
        metrics=(cpu_utilization_metric(target),), behavior=behavior,
    )


def object_metric(name: str = "rps", value_milli: int = 1000) -> MetricSpec:
    """An Object metric on an Ingress with a Value target in milli-units."""
    return MetricSpec(
        type="Object",
        object=ObjectMetricSource(
            CrossVersionObjectReference("Ingress", "web", "networking.k8s.io/v1"),
            MetricIdentifier(name),
            MetricTarget(type="Value", value_milli=value_milli),
        ),
    )


def object_hpa(
    *, min_replicas: int = 1, max_replicas: int = 1000, behavior: HPABehavior | None = None,
    target_milli: int = 1000,
) -> HPASpec:
    """An HPA whose proposal is ``ceil(value/target x Running&Ready pods)``."""
    return HPASpec(
        max_replicas=max_replicas, min_replicas=min_replicas,
        metrics=(object_metric(value_milli=target_milli),), behavior=behavior,
    )


def sync(
    hpa: HPASpec,
    current: int,
    pod_list: Sequence[Pod] = (),
    *,
    cpu: dict | None = None,
    rps: int | None = None,
    state: HPAState = NO_HISTORY,
    now: float = NOW,
    config: ControllerConfig = CONFIG,
    status_replicas: int | None = None,
) -> ReconcileResult:
    """One reconcile with CPU samples and/or the Object metric ``rps`` value (milli)."""
    metrics = MetricsSnapshot(
        resource={} if cpu is None else {"cpu": cpu},
        object={} if rps is None else {"rps": rps},
    )
    return reconcile(hpa, current, pod_list, metrics, state, now, config, status_replicas)
