"""KEDA's own scaling between zero (or ``idleReplicaCount``) and the HPA's range, one poll at a
time (:func:`keda_poll`); the simulation loops call it every ``pollingInterval``.

KEDA's operator, not the HPA, moves a ScaledObject's target in and out of zero. What it does,
as read in kedacore/keda's public source (the rules, not its code):

- ``pkg/scaling/scale_handler.go`` (``startScaleLoop``, ``checkScalers``,
  ``getScaledObjectState``): every ``pollingInterval`` seconds the operator asks each trigger's
  scaler for its value and activity; the ScaledObject is **active when any trigger is**.
- The scalers' ``GetMetricsAndActivity``: ``pkg/scalers/aws_sqs_queue_scaler.go`` is active when
  the queue's messages are above ``activationQueueLength`` (default 0), counting the messages
  in flight (received, not yet deleted) unless ``scaleOnInFlight`` is ``"false"``;
  ``pkg/scalers/prometheus_scaler.go`` when the query's value is above ``activationThreshold``
  (default 0). Both strictly above.
- ``pkg/scaling/executor/scale_scaledobjects.go`` ``RequestScale``: active, and the target at 0
  replicas (or below ``minReplicaCount`` with ``idleReplicaCount`` set) -> ``scaleFromZeroOrIdle``
  writes ``minReplicaCount`` when above 0, else 1, and records ``status.lastActiveTime``;
  active otherwise -> only ``lastActiveTime`` is recorded (the HPA scales). Inactive, and the
  target above ``idleReplicaCount`` (when set) or above 0 with ``minReplicaCount`` 0 (or
  absent) -> ``scaleToZeroOrIdle``: once ``lastActiveTime + cooldownPeriod`` is before now (or,
  never active, ``creationTimestamp + initialCooldownPeriod`` is) it writes
  ``idleReplicaCount``, else ``minReplicaCount`` (0 when absent); inactive with no
  ``idleReplicaCount`` and the target below ``minReplicaCount`` -> ``minReplicaCount``.
  ``scale_executor.go``: ``cooldownPeriod`` defaults to 300 s, ``initialCooldownPeriod`` to 0.

While the target is at 0 replicas the HPA KEDA made (``minReplicas`` >= 1) does nothing: the
controller's ScalingDisabled rule (``hpa.reconcile``, /work/shared/hpa/SPEC.md §6), which the
loops run unchanged. An ``idleReplicaCount`` above 0 runs as it does in a cluster: the HPA
raises the target from the idle count to its ``minReplicas`` at its next sync and KEDA writes
the idle count back at its next poll, the fight behind KEDA's note that only 0 is supported.

The simulation's terms: the ScaledObject is created at the run's start (t = 0) and polls at
every multiple of ``polling_interval_s`` after it (a poll at 0 would read no simulated tick).
A trigger's value at a poll is the simulated series the HPA reads for its metric, at the poll
instant rather than a metrics-server window: the requests waiting at the end of the tick before
the poll (a pull consumer's backlog; a push consumer's plus that tick's drops) and for an SQS
trigger counting them, those in flight (Little's law), for a metric named in the workload's
``queue_depth_metrics``; else the requests per second offered in that tick
(:func:`trigger_values`): a query of what reaches the workload from outside (an ingress, a
load balancer). A query of the workload's own pods' series (``http_requests_total`` of its
app) has no series at zero pods: ``prometheus_scaler.go`` reads an empty result as 0
(``ignoreNullValues``, default true) or fails, and KEDA never wakes the target, where this
simulation does. "Before now" is strict: a cooldown ending
exactly at a poll scales at the next one.

Not modelled, and why it matters little: ``startScaleLoop`` also polls at the creation itself,
which here would read no tick (every value 0: no branch writes unless a threshold is below 0);
newer releases (``pkg/scaling/jitter.go`` ``jitterOffset``) shift the first poll by up to one
``pollingInterval`` from a hash of the object's UID, which moves every poll by that offset. A
scaler's error (``isError``: the trigger counts as inactive, ``fallback`` replicas) never
happens: simulated metrics never fail. The values are the fluid model's means, so a fraction
of a message counts as activity (above 0), where KEDA's SQS count is a whole number: a trickle
whose mean in flight is below one message keeps the target active at every poll here, in KEDA
only at the polls that catch a message in flight. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from infra_toolkit.errors import SimulationError

__all__ = ["KedaActivation", "KedaDecision", "TriggerActivation", "keda_poll", "trigger_values"]


class _PerTick(Protocol):
    """A per-tick series (a numpy array, an ``array.array``), read by tick index."""

    def __getitem__(self, index: int, /) -> Any: ...


@dataclass(frozen=True)
class TriggerActivation:
    """One trigger's activation rule: active when the value of the HPA's External metric
    ``metric_name`` is above ``threshold`` (in the metric's own unit: messages, or the query's
    value). ``threshold_field`` is the ScaledObject field that sets it (for the event log);
    ``in_flight``: a queue's messages being processed count too (SQS ``scaleOnInFlight``)."""

    metric_name: str
    threshold: float
    threshold_field: str
    in_flight: bool = False

    def __post_init__(self) -> None:
        if self.threshold != self.threshold:  # NaN compares false with everything
            raise SimulationError(f"KEDA trigger {self.metric_name!r}: {self.threshold_field} is "
                                  "NaN; give a number")


@dataclass(frozen=True)
class KedaActivation:
    """What KEDA's operator reads of a ScaledObject to scale between zero (or the idle count)
    and the HPA's range: ``polling_interval_s`` (``pollingInterval``), ``cooldown_period_s``
    (``cooldownPeriod``), ``initial_cooldown_period_s`` (``initialCooldownPeriod``),
    ``min_replica_count`` (``minReplicaCount``, 0 when absent), ``idle_replica_count``
    (``idleReplicaCount``, ``None`` when absent) and the triggers that can activate it (cpu and
    memory triggers are refused with scale to zero, :mod:`infra_toolkit.keda_scaled_object`)."""

    polling_interval_s: int
    cooldown_period_s: int
    initial_cooldown_period_s: int
    min_replica_count: int
    idle_replica_count: int | None
    triggers: tuple[TriggerActivation, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "triggers", tuple(self.triggers))
        if self.polling_interval_s < 1:
            raise SimulationError(f"KEDA pollingInterval (={self.polling_interval_s}) must be at "
                                  "least 1 s to be simulated; write pollingInterval: 30")
        if min(self.cooldown_period_s, self.initial_cooldown_period_s, self.min_replica_count,
               0 if self.idle_replica_count is None else self.idle_replica_count) < 0:
            raise SimulationError("KEDA cooldownPeriod, initialCooldownPeriod, minReplicaCount "
                                  "and idleReplicaCount must be >= 0")
        if not self.triggers:
            raise SimulationError("KEDA scale to zero needs a trigger that can activate it (an "
                                  "aws-sqs-queue or prometheus trigger)")


@dataclass(frozen=True)
class KedaDecision:
    """One poll's outcome: ``replicas`` to write (``None``: no write), the ScaledObject's
    ``last_active_s`` (``status.lastActiveTime``; ``None``: never active) and the event's
    ``reason`` (empty without a write)."""

    replicas: int | None
    last_active_s: float | None
    reason: str = ""


def keda_poll(activation: KedaActivation, current_replicas: int, values: Mapping[str, float],
              now_s: float, last_active_s: float | None) -> KedaDecision:
    """KEDA's ``RequestScale`` at the poll ``now_s`` (seconds from the run's start, the
    ScaledObject's creation) for a target at ``current_replicas``, the triggers' ``values`` by
    metric name and the last time it was active (``None``: never); see the module docstring."""
    a = activation
    active = [t for t in a.triggers if values[t.metric_name] > t.threshold]
    idle = a.idle_replica_count
    if active:
        if current_replicas == 0 or (idle is not None and current_replicas < a.min_replica_count):
            # scaleFromZeroOrIdle: minReplicaCount 0 wakes to 1, as the HPA's minReplicas
            new = a.min_replica_count if a.min_replica_count > 0 else 1
            why = "; ".join(f"{t.metric_name} {values[t.metric_name]:g} > {t.threshold_field} "
                            f"{t.threshold:g}" for t in active)
            return KedaDecision(new, now_s, f"KEDA activated: {why}")
        return KedaDecision(None, now_s)  # the HPA scales; KEDA only records the time
    if (idle is not None and current_replicas > idle) or \
            (current_replicas > 0 and a.min_replica_count == 0):
        # scaleToZeroOrIdle: time.Time.Before is strict, so a cooldown ending at a poll waits
        if last_active_s is None:
            cooled = a.initial_cooldown_period_s < now_s
            since = f"never active; initialCooldownPeriod {a.initial_cooldown_period_s} s"
        else:
            cooled = last_active_s + a.cooldown_period_s < now_s
            since = (f"last active at {last_active_s:g} s; cooldownPeriod "
                     f"{a.cooldown_period_s} s")
        if not cooled:
            return KedaDecision(None, last_active_s)
        new = idle if idle is not None else a.min_replica_count
        to = "idleReplicaCount" if idle is not None else "minReplicaCount"
        return KedaDecision(new, last_active_s,
                            f"KEDA deactivated: no trigger active ({since}); to {to} {new}")
    if idle is None and current_replicas < a.min_replica_count:  # back to minReplicaCount
        return KedaDecision(a.min_replica_count, last_active_s,
                            f"KEDA: no trigger active, target below minReplicaCount "
                            f"{a.min_replica_count}")
    return KedaDecision(None, last_active_s)


def trigger_values(activation: KedaActivation, queued: Collection[str],
                   series: tuple[_PerTick, _PerTick, _PerTick, _PerTick], tick_s: int,
                   seconds_per_request: float, done_ticks: int, *, pull: bool
                   ) -> dict[str, float]:
    """Each trigger's value at a poll after ``done_ticks`` simulated ticks of ``tick_s`` seconds,
    from the run's per-tick ``series`` (offered rps, served rps, requests queued at the tick's
    end, dropped rps). For a metric in ``queued`` (the workload's ``queue_depth_metrics``): the
    requests waiting in the last tick. For a pull consumer (``pull``) those queued at its end:
    the simulator keeps every message younger than ``queue_timeout_s`` whatever the Ready pods
    (:mod:`infra_toolkit.request_queue`), as the broker does, and a dropped message has expired,
    gone from the queue. For a push consumer, those queued plus those dropped in the tick (x
    ``tick_s``): its queue holds only what the Ready pods serve in ``queue_timeout_s``, nothing
    at zero Ready pods, where the requests arriving still wait to be sent. For an ``in_flight``
    trigger, also those being processed, the served rate x ``seconds_per_request`` (Little's
    law; a pod's ``concurrency`` over its ``capacity_rps_per_pod``). Else the requests per
    second offered in the last tick. 0 before the first tick."""
    last = done_ticks - 1
    if last < 0:
        return {t.metric_name: 0.0 for t in activation.triggers}
    offered, served, backlog, dropped = series
    waiting = float(backlog[last]) if pull else float(backlog[last] + dropped[last] * tick_s)
    return {t.metric_name: (waiting + (float(served[last]) * seconds_per_request
                                       if t.in_flight else 0.0))
            if t.metric_name in queued else float(offered[last])
            for t in activation.triggers}
