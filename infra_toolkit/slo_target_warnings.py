"""A plan warning for an HPA whose scaling target lets a pod sit past the latency SLO
(:func:`slo_target_warnings`).

In steady state the HPA holds each pod near its metric's target: it scales up only once the
usage ratio passes ``1 + tolerance`` (the HPA's scale-up tolerance, 10 % by default,
``hpa_metrics.tolerances_for_hpa``). Where the metric maps to a per-pod request rate under the
workload's model, the rate at the target and at the tolerance's edge (``target x (1 +
tolerance)``) give, by the latency model (:func:`~infra_toolkit.startup_warnings.percentile_ms`,
the simulation's :mod:`infra_toolkit.latency` without backlog), the percentiles a pod shows
under steady load near the target. When the percentile at the edge is above a latency SLO's
threshold (``plan_simulation.latency_thresholds_ms``), steady load near the target misses the
SLO with no scale-up to relieve it (the default plan's risk "The p95 SLO sits at the HPA's CPU
target", found by hand; reader24: author21's infer-api at 8 rps a pod).

The metrics that map to a rate: Resource cpu (Utilization or AverageValue: usage =
``baseline_cpu_millicores + cpu_millicores_per_rps x rps``) and a Pods, Object or External
AverageValue (read by the simulation as requests per second a pod), unless the model names it in
``queue_depth_metrics`` (messages waiting, not a rate). Memory, Value targets and queue depths
are skipped, and so is a target whose edge is at or past a pod's capacity (the HPA never
scales up on it, or only once requests are dropped: ``hpa_metric_warnings`` says so, and the
latency there is the model's cap). An SLO no rate meets (an idle pod already breaks it) has
its own warning (``startup_warnings.unreachable_slo_warnings``) and is skipped here. The edge
is the target x (1 + tolerance) as written; the controller's whole-percent utilization lets a
pod go a little further, so the edge's percentile is the least a pod may show before it
scales. No I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from infra_toolkit.hpa_controller_config import DEFAULT_CONTROLLER_CONFIG
from infra_toolkit.hpa_metrics import tolerances_for_hpa
from infra_toolkit.hpa_spec import MetricSpec
from infra_toolkit.latency import MAX_UTILIZATION
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.plan_warning_type import figure_text as _f
from infra_toolkit.startup_warnings import per_pod_limit_rps, percentile_ms
from infra_toolkit.workload import WorkloadSpec

__all__ = ["slo_target_warnings"]


def _g(value: float) -> str:
    """A rate or figure to 2 decimals, trailing zeros dropped (16.75, 15, 70.06): the one
    decimal of ``figure_text`` would show 16.75 rps as 16.8."""
    return f"{round(value, 2):,g}"


@dataclass(frozen=True)
class _RateMetric:
    """A metric whose target maps to a per-pod rate: ``value_at(rps)`` in the metric's unit, and
    the arithmetic from a metric value to its rate as text."""

    what: str  # "spec.metrics[0] (cpu Utilization)"
    target: float  # in ``unit``
    unit: str  # " %", "m", " rps"
    baseline: float  # the metric at zero load, in ``unit``
    per_rps: float  # the metric's rise per rps a pod, in ``unit``
    whole: bool  # the target is written in whole units (percent, millicores)
    request_m: float | None  # the CPU request a Utilization is a percent of

    def rps_at(self, value: float) -> float:
        """The per-pod rate at which the metric reads ``value``."""
        return (value - self.baseline) / self.per_rps

    def value_at(self, rps: float) -> float:
        """The metric's value for a pod at ``rps``."""
        return self.baseline + self.per_rps * rps

    def arithmetic(self, factor: str, ws: WorkloadSpec) -> str:
        """How the rate at the target (``factor`` "" ) or at its edge (" x 1.1") is worked out."""
        if self.unit == " rps":
            return f"{_f(self.target)} rps{factor} = " if factor else ""
        base, per = _f(ws.baseline_cpu_millicores), _f(ws.cpu_millicores_per_rps)
        if self.request_m is not None:
            usage = f"{_f(self.target / 100)}{factor} x {_f(self.request_m)}m"
        else:
            usage = f"{_f(self.target)}m{factor}"
        return f"({usage} - {base}m) / {per}m = "


def _rate_metric(i: int, metric: MetricSpec, ws: WorkloadSpec) -> _RateMetric | None:
    """Metric ``i`` as a per-pod rate (module docstring), or ``None`` for one that does not map."""
    if metric.type == "Resource" and metric.resource is not None:
        target = metric.resource.target
        if metric.resource.name != "cpu" or ws.cpu_millicores_per_rps <= 0:
            return None
        base, per = ws.baseline_cpu_millicores, ws.cpu_millicores_per_rps
        if target.average_utilization is not None:
            request = float(ws.cpu_request_millicores)
            return _RateMetric(f"spec.metrics[{i}] (cpu Utilization)",
                               float(target.average_utilization), " %", 100 * base / request,
                               100 * per / request, True, request)
        if target.average_value_milli is not None:
            return _RateMetric(f"spec.metrics[{i}] (cpu AverageValue)",
                               float(target.average_value_milli), "m", base, per, True, None)
        return None
    source = metric.pods or metric.object or metric.external
    if source is None or source.target.average_value_milli is None \
            or source.metric.name in ws.queue_depth_metrics:
        return None  # a Value target reads the total rate; a queue depth counts messages
    return _RateMetric(f"spec.metrics[{i}] ({metric.type} {source.metric.name} AverageValue)",
                       source.target.average_value_milli / 1000.0, " rps", 0.0, 1.0, False,
                       None)


def _highest_target(r: _RateMetric, limit_rps: float, tolerance: float) -> str:
    """The highest target whose edge keeps a pod at or under ``limit_rps``, with its arithmetic,
    rounded down to what the manifest can say (whole percent or millicores, 0.01 rps)."""
    exact = r.value_at(limit_rps) / (1 + tolerance)
    step = 1.0 if r.whole else 0.01
    highest = math.floor(round(exact / step, 9)) * step
    at = "" if r.unit == " rps" else f", the figure at {_g(limit_rps)} rps"
    return (f"{_g(highest)}{r.unit} ({_g(r.value_at(limit_rps))}{r.unit}{at}, where the SLO's "
            f"percentile reaches its threshold, / {_f(1 + tolerance)}, rounded down)")


def slo_target_warnings(workload: Workload, path: str, thresholds_ms: Mapping[int, float]
                        ) -> list[PlanWarning]:
    """One warning per metric of ``workload``'s HPA that maps to a per-pod rate whose
    percentile at the tolerance's edge is above a threshold of ``thresholds_ms`` (percentile ->
    ms, ``plan_simulation.latency_thresholds_ms``; module docstring); at ``path``, the
    workload's ``hpa`` field."""
    hpa = workload.simulated_hpa_spec()
    if hpa is None or workload.model is None or not thresholds_ms:
        return []
    ws = workload.workload_spec()
    cap, conc = ws.capacity_rps_per_pod, ws.concurrency
    tolerance = tolerances_for_hpa(hpa, DEFAULT_CONTROLLER_CONFIG).scale_up
    edge_factor = f" x {_f(1 + tolerance)}"
    out = []
    for i, metric in enumerate(hpa.metrics):
        r = _rate_metric(i, metric, ws)
        if r is None or r.rps_at(r.target) <= 0:
            continue  # no load below the target (the idle warning of hpa_metric_warnings)
        at_rps, edge_rps = r.rps_at(r.target), r.rps_at(r.target * (1 + tolerance))
        if edge_rps >= cap:
            continue  # not passed at a pod's capacity: hpa_metric_warnings says so
        broken, limits = [], []
        for q, threshold in sorted(thresholds_ms.items()):
            if percentile_ms(q, 0.0, cap, conc) > threshold:
                continue  # no rate meets it: unreachable_slo_warnings says so
            limit = per_pod_limit_rps([Slo(f"p{q}", "latency", q, threshold)], cap, conc)
            if edge_rps <= limit:
                continue
            at_ms, edge_ms = (percentile_ms(q, x, cap, conc) for x in (at_rps, edge_rps))
            capped = " (at the latency model's utilization cap: a lower bound)" \
                if edge_rps / cap >= MAX_UTILIZATION else ""
            broken.append(f"p{q} {at_ms:,.0f} ms at the target and {edge_ms:,.0f} ms at the "
                          f"edge{capped}, against the p{q} SLO of {_f(threshold)} ms")
            limits.append(limit)
        if not broken:
            continue
        out.append(PlanWarning(path, (
            f"{r.what} of workload {workload.name!r} targets {_f(r.target)}{r.unit}: a pod there "
            f"takes {r.arithmetic('', ws)}{_g(at_rps)} rps, and within the HPA's "
            f"{_f(100 * tolerance)} % tolerance up to {r.arithmetic(edge_factor, ws)}"
            f"{_g(edge_rps)} rps before it scales up; the latency model ({_f(cap)} rps a pod, "
            f"concurrency {conc:,}) puts {'; '.join(broken)}: steady load near the target "
            f"misses the SLO with no scale-up to relieve it; lower the target to at most "
            f"{_highest_target(r, min(limits), tolerance)}, or acknowledge with the reason")))
    return out
