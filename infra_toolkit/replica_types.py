"""The replica calculator's records: what it reads, what it proposes, how it fails.

:class:`Pod` (what the pod lister returns) and :class:`PodSample` (one pod's sample from a metrics
API) go in; :class:`ReplicaProposal` comes out; :class:`Tolerances` is the usage-ratio band
within which the current size is kept. Times are absolute seconds on the caller's clock;
quantities are integer milli-units.

A failed metric read or computation raises :class:`MetricComputationError` with the controller's
wording; :func:`infra_toolkit.hpa.reconcile` turns it into the HPA's error and condition, as the
controller does, so it never escapes a reconcile.

:class:`Pod` and :class:`PodSample` are named tuples rather than dataclasses because a simulator
builds them on every sync, and a tuple is several times cheaper to create.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

__all__ = [
    "Pod",
    "PodSample",
    "Tolerances",
    "ReplicaProposal",
    "MetricComputationError",
    "NO_PODS",
    "new_record",
]

_NO_REQUESTS: Mapping[str, int] = MappingProxyType({})

#: ``new_record(ReplicaProposal, (replicas, usage, utilization))``: a named tuple from all its
#: fields, in order, defaults included. The records made at every sync (proposals, statuses,
#: samples, the reconcile result and state) are built this way on the per-sync paths: it skips
#: the generated ``__new__`` (one more Python call, which binds the fields one by one) and is
#: two to three times faster; a simulated week is 40,000 syncs of some ten records each.
new_record = tuple.__new__

# The controller's error for an empty pod list (Go, in several functions of the calculator).
NO_PODS = "no pods returned by selector while calculating replica count"


class Pod(NamedTuple):
    """A pod as the HPA sees it.

    ``ready`` is the Ready condition (``None``: no condition); ``start_time_s`` is
    ``status.startTime`` (``None``: unset); ``ready_transition_time_s`` is the Ready condition's
    ``lastTransitionTime``. ``requests_milli`` maps a resource name to the pod's request (sum of
    its containers and restartable init containers, or the pod-level request);
    ``container_requests_milli`` maps container name -> resource -> request, for
    ContainerResource metrics.
    """

    name: str
    phase: str = "Running"
    ready: bool | None = True
    start_time_s: float | None = 0.0
    ready_transition_time_s: float | None = 0.0
    deleting: bool = False
    requests_milli: Mapping[str, int] = _NO_REQUESTS
    container_requests_milli: Mapping[str, Mapping[str, int]] | None = None


class PodSample(NamedTuple):
    """One pod's metric sample: value in milli-units, taken at ``timestamp_s`` over ``window_s``."""

    value_milli: int
    timestamp_s: float
    window_s: float = 60.0


class Tolerances(NamedTuple):
    """The usage-ratio tolerances (fractions): ``1-scale_down <= ratio <= 1+scale_up`` is within."""

    scale_down: float
    scale_up: float

    def is_within(self, usage_ratio: float) -> bool:
        """Whether the ratio is close enough to 1 to keep the current size (inclusive bounds)."""
        return (1.0 - self.scale_down) <= usage_ratio <= (1.0 + self.scale_up)


class ReplicaProposal(NamedTuple):
    """A metric's proposal: replicas, the usage the HPA status reports, and utilization in %.

    ``usage_milli`` is the raw per-pod average (Resource), the average value (Pods, per-pod
    Object/External) or the total value (Object/External Value). ``utilization`` is set for
    Resource Utilization targets only.
    """

    replicas: int
    usage_milli: int
    utilization: int | None = None


class MetricComputationError(Exception):
    """The controller could not compute a proposal from this metric (Go returns an error)."""
