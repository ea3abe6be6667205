"""Plan warnings on an HPA's metrics under its workload's model (:func:`hpa_metric_warnings`),
for every workload with an HPA and a model:

* **never scales up on a metric**: a per-pod metric (Resource cpu or memory, Utilization or
  AverageValue; Pods, read as requests per second per pod) at a pod's full capacity
  (``capacity_rps_per_pod``: a pod serves no more) is not above its target by more than the
  controller's tolerance, so its usage ratio never leaves the tolerance band upwards. When every
  metric is like that, the HPA holds ``minReplicas`` whatever the load. An Object or External
  metric with an AverageValue target (total offered rps over the pods) does rise past capacity,
  but if its target is at or above the capacity the HPA acts only once requests are dropped;
* **scales to maxReplicas at idle**: a Resource metric already above target plus tolerance at
  zero load (the baseline alone); more pods do not lower a per-pod baseline;
* **a queue depth read as a rate**: an Object or External metric whose name says it counts
  waiting messages (SQS ``ApproximateNumberOfMessagesVisible``, a backlog, a consumer lag:
  :data:`BACKLOG_NAME_PARTS`) is simulated as the offered rate, like every such metric, unless
  the workload model names it in ``queue_depth_metrics`` (then it reads the requests queued and
  gets no warning here), so its target is a rate in the figures while the cluster's HPA counts
  messages: the replicas, nodes and latency shown are those of a rate target.

And for every workload with an HPA, model or not (:func:`target_type_warnings`): a metric target
whose ``type`` does not name the field that is set, which the API server accepts and the
controller reads by the field (``hpa_api_metrics.controller_target_type``), as the simulation
does.

Utilization is taken in whole percent as the controller computes it (``int(usage * 100 /
request)``); the tolerance is the HPA's scale-up tolerance under the simulator's controller
defaults (``hpa_metrics.tolerances_for_hpa``). Metrics the simulator cannot feed, and workloads
without a model, are ``validate`` errors or not simulated: they get no warning here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from infra_toolkit.controller_view import MIB_MILLI
from infra_toolkit.hpa_api_metrics import target_type_mismatches
from infra_toolkit.hpa_controller_config import DEFAULT_CONTROLLER_CONFIG
from infra_toolkit.hpa_metrics import tolerances_for_hpa
from infra_toolkit.hpa_spec import HPASpec, MetricSpec
from infra_toolkit.hpa_versions import as_autoscaling_v2
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.plan_warning_type import figure_text as _f
from infra_toolkit.workload import WorkloadSpec

__all__ = ["BACKLOG_NAME_PARTS", "hpa_metric_texts", "hpa_metric_warnings",
           "target_type_warnings"]

#: Parts of a metric name (lower case, letters and digits only) that mark a count of waiting
#: messages rather than a rate: SQS's ApproximateNumberOfMessages{,Visible,NotVisible,Delayed}
#: (CloudWatch, and yace's aws_sqs_approximate_number_of_messages_*; not NumberOfMessagesSent,
#: Received or Deleted, which count a period's messages: rates), RabbitMQ's
#: rabbitmq_queue_messages_ready, Kafka's consumer (group) lag, and the usual backlog words.
BACKLOG_NAME_PARTS = ("approximatenumberofmessages", "messagesready", "backlog", "queuedepth",
                      "queuelength", "queuesize", "consumerlag", "consumergrouplag")


@dataclass(frozen=True)
class _Reading:
    """A per-pod metric at some load: value and target in ``unit``, and how the value is made."""

    what: str  # "spec.metrics[1] (memory)"
    value: float
    target: float
    unit: str  # " %" of requests, "m", " MiB", " rps"
    formula: str
    utilization: bool  # whole percent, as the controller truncates it

    def ratio(self) -> float:
        """The usage ratio the controller compares with 1 +- tolerance."""
        value = math.floor(self.value + 1e-9) if self.utilization else self.value
        return value / self.target


def _reading(i: int, metric: MetricSpec, ws: WorkloadSpec, rps: float) -> _Reading | None:
    """Metric ``i`` of the HPA for one pod serving ``rps`` requests per second, or ``None`` for a
    metric that does not follow one pod's load (Object/External Value, or none simulated)."""
    if metric.type == "Resource" and metric.resource is not None:
        name, target = metric.resource.name, metric.resource.target
        if name == "cpu":
            usage = ws.baseline_cpu_millicores + ws.cpu_millicores_per_rps * rps
            formula = (f"{_f(ws.baseline_cpu_millicores)}m + {_f(ws.cpu_millicores_per_rps)}m "
                       f"x {_f(rps)} rps = {_f(usage)}m")
            request, unit, per_milli = float(ws.cpu_request_millicores), "m", 1.0
        elif name == "memory" and ws.memory_baseline_mib is not None:
            usage = ws.memory_baseline_mib + ws.memory_mib_per_rps * rps
            formula = (f"{_f(ws.memory_baseline_mib)} MiB + {_f(ws.memory_mib_per_rps)} MiB x "
                       f"{_f(rps)} rps = {_f(usage)} MiB")
            request, unit, per_milli = ws.memory_request_mib, " MiB", float(MIB_MILLI)
        else:
            return None
        what = f"spec.metrics[{i}] ({name})"
        if target.average_utilization is not None:
            return _Reading(what, 100.0 * usage / request, float(target.average_utilization),
                            " %", f"{formula} of the {_f(request)}{unit} request", True)
        if target.average_value_milli is not None:
            return _Reading(what, usage, target.average_value_milli / per_milli, unit, formula,
                            False)
        return None
    source = metric.pods or metric.object or metric.external
    if source is None or source.target.average_value_milli is None:
        return None  # a Value target reads the total rate, whatever the pods serve
    return _Reading(f"spec.metrics[{i}] ({metric.type} {source.metric.name})", rps,
                    source.target.average_value_milli / 1000.0, " rps",
                    f"{_f(rps)} rps per pod", False)


def _bound(value: float, above: bool) -> str:
    """A target bound as written: rounded at 2 decimals towards the safe side, so that a target
    strictly beyond the figure shown is beyond the exact bound."""
    exact = round(value, 9)  # float noise must not move the bound a whole step
    safe = math.ceil(exact * 100) / 100 if above else math.floor(exact * 100) / 100
    return f"{safe:g}"


def _idle_fix(idle: _Reading, down: float) -> str:
    if down >= 1:  # no target makes the ratio fall below 1 - down: only lower the baseline
        return "lower the baseline below the target"
    return (f"raise the target above {_bound(idle.ratio() * idle.target / (1 - down), True)}"
            f"{idle.unit} (the idle figure{_whole_text(idle)} / (1 - the {_f(100 * down)} % "
            "scale-down tolerance)), so that it falls back to minReplicas at idle")


def _whole_text(r: _Reading) -> str:
    """Where the controller's whole percent differs from the figure shown (78.1 % is 78 % to
    it), that whole figure: the bound is computed from it, and 78.1 / 1.1 would not give it."""
    whole = math.floor(r.value + 1e-9)  # as _Reading.ratio truncates it
    return f" in the controller's whole percent, {_f(whole)}{r.unit}," if (
        r.utilization and whole != round(r.value, 9)) else ""


def _target_text(r: _Reading, tolerance: float) -> str:
    # "the target plus the 10 % tolerance" read as 80 + 10 = 90 beside the 88 it gave: the
    # tolerance is relative to the target
    return (f"its {_f(r.target)}{r.unit} target (scale-up needs more than "
            f"{_f(r.target * (1 + tolerance))}{r.unit}: the target x {_f(1 + tolerance)}, "
            f"its {_f(100 * tolerance)} % tolerance)")


def _backlog_warning(i: int, metric: MetricSpec) -> list[str]:
    """Metric ``i`` when it is an Object or External metric named as a queue depth."""
    source = metric.object or metric.external
    if source is None:
        return []
    name = source.metric.name
    squashed = "".join(c for c in name.lower() if c.isalnum())
    if not any(part in squashed for part in BACKLOG_NAME_PARTS):
        return []
    target = source.target
    milli = target.average_value_milli if target.average_value_milli is not None \
        else target.value_milli
    per = " a pod" if target.average_value_milli is not None else " in all"
    shown = f" of {_f((milli or 0) / 1000)}{per}" if milli is not None else ""
    return [(
        f"spec.metrics[{i}] ({metric.type} {name}) names a queue depth, messages waiting, but "
        f"the simulation reads an {metric.type} metric as the workload's offered rate in "
        f"requests per second, so its target{shown} is simulated as that many requests per "
        "second: the replicas, nodes, cost and latency shown are those of a rate target, not "
        "of the messages the HPA counts in the cluster (a backlog grows with the gap between "
        "arrivals and processing, not with the rate); name it in the workload model's "
        "queue_depth_metrics to simulate it as the requests queued (with queue_timeout_s, how "
        "long a message may wait), or scale the HPA on the queue's arrival rate (SQS "
        f"NumberOfMessagesSent per second), or read these as those of a rate target{shown}")]


def hpa_metric_warnings(workload: Workload, path: str) -> list[PlanWarning]:
    """The HPA metrics of ``workload`` that never rise above target under its model at a pod's
    full capacity, or are above it at zero load; ``path`` is the workload's ``hpa`` field."""
    # ContainerResource on the pod's one container read as the Resource metric it equals
    hpa = workload.simulated_hpa_spec()
    if hpa is None or workload.model is None:
        return []
    return [PlanWarning(path, text) for text in hpa_metric_texts(hpa, workload.workload_spec())]


def hpa_metric_texts(hpa: HPASpec, ws: WorkloadSpec) -> list[str]:
    """Why each metric of ``hpa`` (as simulated) never rises above its target under ``ws``'s
    model at a pod's full capacity, or is above it at zero load, or is a queue depth read as a
    rate (module docstring); the texts :func:`hpa_metric_warnings` shows."""
    tolerances = tolerances_for_hpa(hpa, DEFAULT_CONTROLLER_CONFIG)
    tolerance = tolerances.scale_up
    cap = ws.capacity_rps_per_pod
    out: list[str] = []
    stuck = 0
    for i, metric in enumerate(hpa.metrics):
        source = metric.object or metric.external
        if source is not None and source.metric.name in ws.queue_depth_metrics:
            continue  # simulated as the requests queued: neither a rate nor a pod's load
        out += _backlog_warning(i, metric)
        full, idle = _reading(i, metric, ws, cap), _reading(i, metric, ws, 0.0)
        if full is None or idle is None:
            continue
        per_pod = metric.type in ("Resource", "Pods")  # these cannot pass what a pod serves
        if idle.ratio() > 1 + tolerance and metric.type == "Resource":
            out.append(
                f"{idle.what} is {_f(idle.value)}{idle.unit} at zero load ({idle.formula}), "
                f"above {_target_text(idle, tolerance)}: the HPA scales to maxReplicas "
                f"({hpa.max_replicas:,}) even with no traffic, since more pods do not lower a "
                f"pod's baseline; {_idle_fix(idle, tolerances.scale_down)}, or correct the "
                "model's baseline")
        elif full.ratio() <= 1 + tolerance:
            if per_pod:
                stuck += 1
                outcome = "the HPA never scales up on this metric"
            else:
                outcome = ("the HPA scales up only once the pods are past capacity, so requests "
                           "are dropped before it acts")
            out.append(
                f"{full.what} reaches at most {_f(full.value)}{full.unit} at a pod's full "
                f"capacity of {_f(cap)} rps ({full.formula}), not above "
                f"{_target_text(full, tolerance)}: {outcome}; lower the target below "
                f"{_bound(full.ratio() * full.target / (1 + tolerance), False)}{full.unit} "
                f"(the figure at capacity{_whole_text(full)} / (1 + the {_f(100 * tolerance)} % "
                "tolerance)), drop the metric, or correct the model")
    if stuck and stuck == len(hpa.metrics):
        low = hpa.min_replicas
        out.append(
            f"no metric of HPA {hpa.name!r} can rise above its target under the model: the HPA "
            f"never scales above minReplicas ({low:,}) under load, and {low:,} pod(s) serve at "
            f"most {low:,} x {_f(cap)} = {_f(low * cap)} rps; fix the targets above")
    return out


def target_type_warnings(workload: Workload, path: str) -> list[PlanWarning]:
    """The metric targets of ``workload``'s HPA whose ``type`` does not match the value set;
    ``path`` is the workload's ``hpa`` field."""
    if workload.hpa is None or workload.hpa_spec is None:
        return []
    manifest = as_autoscaling_v2(workload.hpa.document, str(workload.hpa.path or path))
    return [PlanWarning(path, (
        f"{at}.type is {declared}, which does not match the value set ({field}): the API server "
        f"accepts it and the controller computes a {read_as} target from {field} (as simulated "
        f"here); set type: {read_as} so that the manifest says what runs"))
        for at, declared, read_as, field in target_type_mismatches(manifest)]
