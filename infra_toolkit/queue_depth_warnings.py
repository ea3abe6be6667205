"""A plan warning for an HPA that scales on a queue's depth alone
(:func:`queue_depth_cycle_warnings`).

A workload whose every HPA metric is one of its model's ``queue_depth_metrics`` (an AverageValue
of messages waiting a pod: a KEDA ``aws-sqs-queue`` trigger's ``queueLength``, a hand-written
External metric on ``ApproximateNumberOfMessagesVisible``) is asked for pods by the backlog
alone. While its Ready pods keep up, the queue is near empty: the messages a pod is processing
(at most its ``concurrency``, which KEDA's SQS scaler counts too by default, ``scaleOnInFlight``)
are under one pod's target, so the HPA asks for ``minReplicas``. When ``minReplicas`` pods serve
less than a scenario's mean rate, the replicas cycle: a backlog builds until it asks for more
pods, they drain it, and once the downscale stabilization window has passed the HPA falls
towards ``minReplicas`` (as fast as its scale-down rules let it) and the backlog builds again
(reader24: author21's infer-worker, 2 pods of 3 rps under a mean of 22.1 rps, went 2 -> 30 -> 2
every 7 minutes, 50 scale events in the hour, its messages' p95 up to 2 min 45 s waiting for the
backlog the HPA needs; author20's event-consumer, 42 scale events). A metric that follows
the work done (cpu, or the rate messages arrive) beside the depth, or a ``minReplicas`` that
serves the mean rate, holds the pods. No I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.plan_warning_type import figure_text as _f
from infra_toolkit.traffic import TrafficCurve

__all__ = ["queue_depth_cycle_warnings"]


def queue_depth_cycle_warnings(workload: Workload, path: str,
                               curves: Mapping[str, TrafficCurve]) -> list[PlanWarning]:
    """A warning when ``workload``'s HPA scales on its queue depth metrics alone and
    ``minReplicas`` pods serve less than the mean rate (x ``traffic_share``) of a scenario in
    ``curves`` (module docstring); empty otherwise."""
    hpa, model = workload.hpa_spec, workload.model
    if hpa is None or model is None or not model.queue_depth_metrics or not hpa.metrics:
        return []
    targets = []
    for m in hpa.metrics:
        source = m.object or m.external
        if (source is None or source.metric.name not in model.queue_depth_metrics
                or source.target.average_value_milli is None):
            return []  # another metric (cpu, a rate) or a Value target holds the pods
        targets.append((source.metric.name, source.target.average_value_milli / 1000.0))
    if any(model.concurrency >= target for _name, target in targets):
        return []  # the messages in process alone keep the depth at a pod's target
    cap = model.capacity_rps_per_pod
    floor_rps = hpa.min_replicas * cap
    means = {name: float(curve.rps.mean()) * workload.traffic_share
             for name, curve in curves.items()}
    short = {name: rps for name, rps in means.items() if rps > floor_rps * (1 + 1e-9)}
    if not short:
        return []
    metrics = ", ".join(f"{name} at {_f(target)} a pod" for name, target in targets)
    said = " and ".join(f"{name!r} ({_f(rps)} rps)" for name, rps in short.items())
    noun = "scenario" if len(short) == 1 else "scenarios"
    need = math.ceil(max(short.values()) / cap - 1e-9)
    return [PlanWarning(path, (
        f"workload {workload.name!r} scales on its queue depth alone ({metrics}): while its "
        f"Ready pods keep up the queue is near empty (the messages in process, at most "
        f"concurrency {model.concurrency} a pod, are under the target), so the HPA asks for "
        f"minReplicas ({hpa.min_replicas:,}), which serve {hpa.min_replicas:,} x {_f(cap)} = "
        f"{_f(floor_rps)} rps, less than the mean rate of {noun} {said} (x traffic_share "
        f"{_f(workload.traffic_share)}): the replicas cycle, a backlog building until it asks "
        "for more pods, the pods draining it, then down towards minReplicas once the downscale "
        "stabilization window has passed, and messages wait for the backlog each time; add a "
        "metric that follows the work done (cpu, or the rate messages arrive) or raise "
        f"minReplicas to {need:,} ({_f(max(short.values()))} / {_f(cap)}, rounded up)"))]
