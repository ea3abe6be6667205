"""The pod list as the replica calculator reads it: grouped by readiness, with requests.

:func:`group_pods` (Go ``groupPods``) sorts the pods behind one metric into ready, unready,
missing (no sample) and ignored; :func:`calculate_requests` (Go ``calculateRequests``) gives each
pod's request for a resource; :func:`get_ready_pods_count` (Go ``getReadyPodsCount``) counts the
Running and Ready pods that Object and External Value targets multiply by. Times are absolute
seconds on the caller's clock; quantities are integer milli-units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from infra_toolkit.replica_types import NO_PODS, MetricComputationError, Pod, PodSample

__all__ = [
    "GroupedPods",
    "group_pods",
    "group_pods_with_totals",
    "calculate_requests",
    "get_ready_pods_count",
]

_NEVER = float("-inf")  # Go's zero time.Time, for an unset Ready transition


class GroupedPods(NamedTuple):
    """The outcome of :func:`group_pods`: a count and three lists of pod names."""

    ready_count: int
    unready: list[str]
    missing: list[str]
    ignored: list[str]


def group_pods(
    pods: Sequence[Pod],
    samples: Mapping[str, PodSample],
    resource: str,
    now_s: float,
    cpu_initialization_period_s: float,
    initial_readiness_delay_s: float,
    ignore_succeeded_pods: bool = True,
) -> GroupedPods:
    """Classify pods as ready, unready, missing (no sample) or ignored (Go ``groupPods``).

    Deleting and Failed pods (and Succeeded ones when ``ignore_succeeded_pods``) are ignored;
    Pending pods are unready. For ``resource == "cpu"`` only, readiness and start time matter:
    within ``cpu_initialization_period_s`` of start a pod counts only if Ready and its sample
    covers a full window after it became ready; later, only a pod that never became ready
    (Ready False with a transition less than ``initial_readiness_delay_s`` after start) is unready.
    """
    grouped = group_pods_with_totals(
        pods, samples, resource, now_s, cpu_initialization_period_s, initial_readiness_delay_s,
        ignore_succeeded_pods, "",
    )
    return GroupedPods(*grouped[:4])


def group_pods_with_totals(
    pods: Sequence[Pod],
    samples: Mapping[str, PodSample],
    resource: str,
    now_s: float,
    cpu_initialization_period_s: float,
    initial_readiness_delay_s: float,
    ignore_succeeded_pods: bool,
    sum_requests_of: str,
) -> tuple[int, list[str], list[str], list[str], int, int, bool]:
    """:func:`group_pods` as a plain tuple, and with ``sum_requests_of`` set, in the same pass:
    the usage and request totals over the ready pods, and whether every pod has a request for
    that resource.
    """
    ready_count = 0
    unready: list[str] = []
    missing: list[str] = []
    ignored: list[str] = []
    usage_total = requests_total = 0
    all_requested = True
    request = 0
    is_cpu = resource == "cpu"
    get_sample = samples.get
    # Fields are read by index (Pod order) on this hot path: it is twice as fast as by name.
    for pod in pods:
        if sum_requests_of:
            pod_request = pod[6].get(sum_requests_of)
            if pod_request is None:
                all_requested = False
                pod_request = 0
            request = pod_request
        phase = pod[1]
        if pod[5] or phase == "Failed" or (phase == "Succeeded" and ignore_succeeded_pods):
            ignored.append(pod[0])
            continue
        if phase == "Pending":
            unready.append(pod[0])
            continue
        sample = get_sample(pod[0])
        if sample is None:
            missing.append(pod[0])
            continue
        if is_cpu:
            ready = pod[2]
            start = pod[3]
            if ready is None or start is None:
                unready.append(pod[0])
                continue
            if start + cpu_initialization_period_s > now_s:
                # Still initializing: a sample counts only once a full window follows readiness.
                transition = pod[4]
                if transition is None:
                    transition = _NEVER
                if not ready or sample[1] < transition + sample[2]:
                    unready.append(pod[0])
                    continue
            elif not ready:
                # Unready after initialization: ignored only if it never became ready.
                transition = pod[4]
                if transition is None:
                    transition = _NEVER
                if start + initial_readiness_delay_s > transition:
                    unready.append(pod[0])
                    continue
        ready_count += 1
        usage_total += sample[0]
        requests_total += request
    return ready_count, unready, missing, ignored, usage_total, requests_total, all_requested


def calculate_requests(pods: Sequence[Pod], container: str, resource: str) -> dict[str, int]:
    """Each pod's request for ``resource`` in milli-units (Go ``calculateRequests``).

    With ``container`` set, that container's request; otherwise the pod total. Every pod needs
    one, ignored pods included, or the metric fails.
    """
    requests: dict[str, int] = {}
    for pod in pods:
        if container:
            per_container = pod.container_requests_milli
            if per_container is None or container not in per_container:
                raise MetricComputationError(f"container {container} not found in Pod {pod.name}")
            request = per_container[container].get(resource)
            if request is None:
                raise MetricComputationError(
                    f"missing request for {resource} in container {container} of Pod {pod.name}"
                )
        else:
            request = pod.requests_milli.get(resource)
            if request is None:
                raise MetricComputationError(f"missing request for {resource} in Pod {pod.name}")
        requests[pod.name] = request
    return requests


def get_ready_pods_count(pods: Sequence[Pod]) -> int:
    """Pods in phase Running with Ready True; deleting pods are not excluded."""
    if not pods:
        raise MetricComputationError(NO_PODS)
    return sum(1 for pod in pods if pod.phase == "Running" and pod.ready is True)
