"""A plan's operational sections as frozen dataclasses: deployment strategy (with canary steps),
monitoring (metrics, dashboards, alert rules), rollback plan (triggers, steps), testing plan,
security checklist, timeline phases and risks.

:mod:`infra_toolkit.plan_operations` reads these sections of a plan file; the values they allow
(:data:`~infra_toolkit.plan.STRATEGY_TYPES`, :data:`~infra_toolkit.plan.SEVERITIES`, ...) are in
:mod:`infra_toolkit.plan`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from infra_toolkit.errors import quoted
from infra_toolkit.plan_fields import InvalidField, did_you_mean

__all__ = [
    "CANARY_SCOPES",
    "CONDITION_OPS",
    "SIMULATED_SIGNALS",
    "WINDOWED_SIGNALS",
    "AlertRule",
    "CanaryStep",
    "Dashboard",
    "DeploymentStrategy",
    "Metric",
    "Monitoring",
    "Phase",
    "phase_dates",
    "Risk",
    "RollbackPlan",
    "RollbackTrigger",
    "SecurityItem",
    "SimulatedCondition",
    "TestItem",
]

#: What an alert's ``simulated`` mapping may compare, per simulated step of one workload
#: (:mod:`infra_toolkit.alert_replay` computes each from the simulation timeline).
SIMULATED_SIGNALS = {
    "p50_latency_ms": "p50 response time, ms",
    "p95_latency_ms": "p95 response time, ms",
    "p99_latency_ms": "p99 response time, ms",
    "dropped_ratio": "requests dropped / requests offered (0 to 1), what a 5xx ratio sees",
    "cpu_utilization_pct": "CPU usage of the Ready pods, % of their request",
    "replicas_pct_of_max": "spec replicas, % of the HPA's maxReplicas (100: at max)",
    "pending_pods": "pods not yet placed on a node (Pending)",
    "nodes_pct_of_max": "nodes of the workload's node groups, launching ones included, % of "
                        "their summed max_size (100: no room to grow)",
}
#: The signals a trailing ``window`` applies to: a ratio of sums (what ``rate(a[5m]) /
#: rate(b[5m])`` computes) or a mean of a rate; a quantile over a window needs the requests'
#: distribution, which the timeline does not keep, and a gauge has no window.
WINDOWED_SIGNALS = ("dropped_ratio", "cpu_utilization_pct")
#: The comparisons a ``simulated`` mapping may use, as PromQL writes them.
CONDITION_OPS = (">", ">=", "<", "<=")


@dataclass(frozen=True)
class CanaryStep:
    """Shift ``weight_pct`` of traffic to the new version, then wait ``pause_s`` seconds: 0 for
    no wait (a last step of 100 % then completes the rollout, as Argo Rollouts does once its
    steps are done; a plan's ``{weight_pct: 100}`` without a pause, or ``pause: 0s``), ``None``
    until a person promotes (``pause: manual``, Argo's ``pause: {}``). An Argo Rollout's
    ``setCanaryScale`` in force at the step sizes its canary ReplicaSet apart from the traffic:
    ``scale_replicas`` pods, or ``scale_weight_pct`` % of the replicas (``None`` both: the pods
    follow ``weight_pct``; a plan's step never has them)."""

    weight_pct: float
    pause_s: float | None
    scale_replicas: int | None = None
    scale_weight_pct: float | None = None


#: What a canary's traffic router shifts: between a canary and a stable ReplicaSet of one
#: Deployment (``pods``), or between two whole stacks (``stack``, e.g. DNS weights).
CANARY_SCOPES = ("pods", "stack")


@dataclass(frozen=True)
class DeploymentStrategy:
    """How the change rolls out: ``rolling`` (``max_surge``/``max_unavailable`` as int or "25%"),
    ``canary`` (``steps``), ``blue-green`` (``preview_s``, ``scale_down_delay_s``) or
    ``recreate``; a canary's ``canary_scope`` is ``pods`` (a canary ReplicaSet beside the stable
    one, as Argo Rollouts scales them) or ``stack`` (the router moves traffic between two whole
    stacks: the new stack's Deployment is the only one, its HPA sizing it for each step's
    share); ``workloads``: the proposed workloads it rolls (empty: all of them; the
    others roll by their manifest's own update strategy); ``partition``: for a StatefulSet
    rolled by its own manifest, its ``rollingUpdate.partition`` (the ordinals below it are not
    updated; 0 for a plan's strategy); ``canary_start_s``: a stack canary's start as a time of
    day in the scenarios' clock, seconds after 00:00 (``None``: the scenario's start);
    ``canary_min_pods``: a canary of pods' floor of canary pods at any weight above 0 (an Argo
    Rollout's ``minPodsPerReplicaSet``; 0, none, for a plan's strategy);
    ``canary_dynamic_stable``: the stable ReplicaSet scaled down as the traffic leaves it (an
    Argo Rollout's ``dynamicStableScale``; off for a plan's); ``canary_max_weight``: the
    weight Argo's steps count out of (its ``maxTrafficWeight``, 100 unset; the steps' weights
    here are percentages all the same); ``preview_replicas``: a blue-green's preview set size
    until promotion (an Argo Rollout's ``previewReplicaCount``; ``None``: the full replicas)."""

    type: str
    description: str
    max_surge: int | str | None = None
    max_unavailable: int | str | None = None
    steps: tuple[CanaryStep, ...] = ()
    traffic_router: str | None = None
    analysis: str | None = None
    preview_s: float | None = None
    auto_promote: bool | None = None
    scale_down_delay_s: float | None = None
    workloads: tuple[str, ...] = ()
    canary_scope: str = "pods"
    partition: int = 0
    canary_start_s: float | None = None
    canary_min_pods: int = 0
    canary_dynamic_stable: bool = False
    canary_max_weight: int = 100
    preview_replicas: int | None = None


@dataclass(frozen=True)
class Metric:
    """A metric watched during and after the change, and where it comes from."""

    name: str
    source: str
    description: str | None = None


@dataclass(frozen=True)
class Dashboard:
    """A dashboard reviewers and on-call use (``url`` or a path in the repo; ``panels`` listed)."""

    name: str
    panels: tuple[str, ...]
    url: str | None = None


@dataclass(frozen=True)
class SimulatedCondition:
    """An alert's condition restated on a simulated signal: ``signal`` (one of
    :data:`SIMULATED_SIGNALS`) ``op`` ``threshold`` (in the signal's unit) on each of
    ``workloads`` (one alert series per workload, as PromQL gives one per label set; empty: the
    plan's only autoscaled workload), the signal averaged over a trailing ``window_s`` seconds
    when given (:data:`WINDOWED_SIGNALS` only)."""

    signal: str
    op: str
    threshold: float
    workloads: tuple[str, ...] = ()
    window_s: float | None = None

    def __post_init__(self) -> None:
        if self.signal not in SIMULATED_SIGNALS:
            raise InvalidField("signal", f"{quoted(self.signal)} is not a simulated signal; one of "
                                         f"{', '.join(SIMULATED_SIGNALS)}"
                                         f"{did_you_mean(self.signal, SIMULATED_SIGNALS)}")
        if self.op not in CONDITION_OPS:
            raise InvalidField("op", f"{quoted(self.op)} is not a comparison; one of "
                                     f"{', '.join(CONDITION_OPS)}")
        if self.window_s is not None and self.signal not in WINDOWED_SIGNALS:
            raise InvalidField("window", f"a window applies only to {', '.join(WINDOWED_SIGNALS)}"
                                         f" (a ratio or mean over time); {self.signal} is "
                                         "compared per simulated step: remove window")
        if self.window_s is not None and not self.window_s > 0:
            raise InvalidField("window", f"{self.window_s:g} s must be longer than 0 s")

    def text(self) -> str:
        """The condition as the report writes it: ``p95_latency_ms > 300``."""
        window = "" if self.window_s is None else f" over {self.window_s:g} s"
        return f"{self.signal}{window} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class AlertRule:
    """An alert: fires when ``expr`` (PromQL or CloudWatch expression with its threshold) has held
    for ``for_s`` seconds; ``simulated``, when given, restates it on a simulated signal."""

    name: str
    expr: str
    for_s: float
    severity: str
    summary: str
    runbook: str | None = None
    simulated: SimulatedCondition | None = None


@dataclass(frozen=True)
class Monitoring:
    """Metrics, dashboards and alert rules."""

    metrics: tuple[Metric, ...]
    dashboards: tuple[Dashboard, ...]
    alerts: tuple[AlertRule, ...]


@dataclass(frozen=True)
class RollbackTrigger:
    """A condition that starts the rollback; ``alert`` names a monitoring alert when it is one."""

    condition: str
    alert: str | None = None
    automatic: bool = False


@dataclass(frozen=True)
class RollbackPlan:
    """Triggers, ordered steps and how long a rollback takes (``expected_time_s``)."""

    triggers: tuple[RollbackTrigger, ...]
    steps: tuple[str, ...]
    expected_time_s: float
    point_of_no_return: str | None = None


@dataclass(frozen=True)
class TestItem:
    """One test in the testing plan; ``scenario`` names a traffic scenario for load tests."""

    name: str
    type: str
    environment: str
    pass_criteria: str
    scenario: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class SecurityItem:
    """One security checklist item with its status."""

    item: str
    status: str
    notes: str | None = None


@dataclass(frozen=True)
class Phase:
    """A timeline phase: ``start`` with ``end`` (last day, inclusive) or ``duration_s``."""

    name: str
    start: dt.date | None = None
    end: dt.date | None = None
    duration_s: float | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.duration_s is not None:
            raise InvalidField("duration", "give either end or duration, not both")
        if self.end is not None and self.start is None:
            raise InvalidField("start", "an end date needs a start date")
        if self.end is None and self.duration_s is None:
            raise InvalidField("duration", "give a duration (e.g. 3d) or start and end dates")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise InvalidField("end", f"{self.end} is before start {self.start}")


_DAY_S = 86400


def phase_dates(phases: Sequence[Phase]) -> list[tuple[dt.date | None, dt.date | None]]:
    """Each phase's ``(start, last day)``: the start given, or for a phase with a duration
    alone the day after the phase before it ends (``None`` when that one has no end); the last
    day given, or the start plus the duration rounded up to whole days, minus one (a phase of
    a few hours still takes its day)."""
    out: list[tuple[dt.date | None, dt.date | None]] = []
    end: dt.date | None = None
    for p in phases:
        start = p.start if p.start is not None or end is None else end + dt.timedelta(days=1)
        end = p.end
        if end is None and start is not None and p.duration_s is not None:
            end = start + dt.timedelta(days=max(1, math.ceil(p.duration_s / _DAY_S)) - 1)
        out.append((start, end))
    return out


@dataclass(frozen=True)
class Risk:
    """A risk with its severity, likelihood and mitigation."""

    description: str
    severity: str
    likelihood: str
    mitigation: str
    owner: str | None = None
