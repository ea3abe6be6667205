"""A plan's operational sections as frozen dataclasses: deployment strategy (with canary steps),
monitoring (metrics, dashboards, alert rules), rollback plan (triggers, steps), testing plan,
security checklist, timeline phases and risks.

:mod:`infra_toolkit.plan_operations` reads these sections of a plan file; the values they allow
(:data:`~infra_toolkit.plan.STRATEGY_TYPES`, :data:`~infra_toolkit.plan.SEVERITIES`, ...) are in
:mod:`infra_toolkit.plan`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from infra_toolkit.plan_fields import InvalidField

__all__ = [
    "AlertRule",
    "CanaryStep",
    "Dashboard",
    "DeploymentStrategy",
    "Metric",
    "Monitoring",
    "Phase",
    "Risk",
    "RollbackPlan",
    "RollbackTrigger",
    "SecurityItem",
    "TestItem",
]


@dataclass(frozen=True)
class CanaryStep:
    """Shift ``weight_pct`` of traffic to the new version, then wait ``pause_s`` seconds
    (``None``: wait for a manual promotion)."""

    weight_pct: float
    pause_s: float | None


@dataclass(frozen=True)
class DeploymentStrategy:
    """How the change rolls out: ``rolling`` (``max_surge``/``max_unavailable`` as int or "25%"),
    ``canary`` (``steps``), ``blue-green`` (``preview_s``, ``scale_down_delay_s``) or
    ``recreate``; ``workloads``: the proposed workloads it rolls (empty: all of them; the
    others roll by their manifest's own update strategy)."""

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
class AlertRule:
    """An alert: fires when ``expr`` (PromQL or CloudWatch expression with its threshold) has held
    for ``for_s`` seconds."""

    name: str
    expr: str
    for_s: float
    severity: str
    summary: str
    runbook: str | None = None


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


@dataclass(frozen=True)
class Risk:
    """A risk with its severity, likelihood and mitigation."""

    description: str
    severity: str
    likelihood: str
    mitigation: str
    owner: str | None = None
