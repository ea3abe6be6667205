"""The plan file (``version: 1``): what a reviewer approves, as frozen dataclasses.

A plan is one YAML file (see ``docs/PLAN.md`` for every field) plus the files it references,
resolved relative to the plan file: Kubernetes manifests (Deployment, HPA), eksctl
``ClusterConfig`` files, traffic CSVs and the user's pricing tables and overrides. Resources are
the cost model's :class:`~infra_toolkit.resources.Resource`; workloads carry the specs the
simulator reads.

Use :func:`read_plan` to load a plan (it raises :class:`~infra_toolkit.errors.PlanError` carrying
every problem) and :func:`validate_plan` to list the problems without raising. Both live here;
the section-by-section reading is in :mod:`infra_toolkit.plan_validate`.

The seed's rule "always provide cost estimates, rollback plan, testing plan, monitoring, timeline,
risk assessment" is enforced: a plan missing any of these, or with one empty, is refused
(:data:`ALWAYS_PROVIDE`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from infra_toolkit.errors import SpecError
from infra_toolkit.hpa_spec import HPASpec
from infra_toolkit.manifests import DeploymentSpec, NodeGroupConfig
from infra_toolkit.plan_fields import InvalidField, Problem
from infra_toolkit.resources import Resource
from infra_toolkit.workload import WorkloadSpec

__all__ = [
    "ALERT_SEVERITIES",
    "ALWAYS_PROVIDE",
    "ENVIRONMENTS",
    "LIKELIHOODS",
    "PLAN_TYPES",
    "PLAN_VERSION",
    "PRIORITIES",
    "SECURITY_STATUSES",
    "SEVERITIES",
    "SLO_PERCENTILES",
    "STRATEGY_TYPES",
    "TEST_TYPES",
    "AlertRule",
    "ApprovalPolicy",
    "Architecture",
    "CanaryStep",
    "CsvTraffic",
    "Dashboard",
    "DeploymentStrategy",
    "LoadTest",
    "Manifest",
    "Metadata",
    "Metric",
    "Monitoring",
    "Phase",
    "Plan",
    "Problem",
    "Risk",
    "RollbackPlan",
    "RollbackTrigger",
    "Scenario",
    "SecurityItem",
    "SimulationSettings",
    "Slo",
    "SyntheticTraffic",
    "TestItem",
    "Workload",
    "WorkloadModel",
    "read_plan",
    "validate_plan",
    "workload_spec",
]

PLAN_VERSION = 1

#: The seed's "always provide" sections: (plan key, what the seed calls it).
ALWAYS_PROVIDE: tuple[tuple[str, str], ...] = (
    ("proposed.resources", "cost estimates"),
    ("rollback", "rollback plan"),
    ("testing", "testing plan"),
    ("monitoring", "monitoring"),
    ("timeline", "timeline"),
    ("risks", "risk assessment"),
)



def _seed_rule(key: str) -> str:
    """The "always provide" reminder for section ``key`` (``'; the seed rule says ...'``)."""
    return f"; the seed rule says always provide the {dict(ALWAYS_PROVIDE)[key]}"


PRIORITIES = ("low", "medium", "high", "critical")
PLAN_TYPES = ("new-infrastructure", "migration", "scaling-change", "configuration-change",
              "upgrade", "cost-optimization", "decommission")
ENVIRONMENTS = ("production", "staging", "development", "test", "sandbox")
SEVERITIES = ("low", "medium", "high", "critical")
LIKELIHOODS = ("low", "medium", "high")
ALERT_SEVERITIES = ("info", "warning", "critical")
STRATEGY_TYPES = ("rolling", "canary", "blue-green", "recreate")
TEST_TYPES = ("unit", "integration", "smoke", "load", "soak", "failover", "chaos", "security",
              "rollback-rehearsal", "disaster-recovery", "canary-analysis")
SECURITY_STATUSES = ("done", "in-progress", "planned", "not-applicable")
#: Latency percentiles the simulation reports (its timeline has p50/p95/p99 columns).
SLO_PERCENTILES = (50, 95, 99)


@dataclass(frozen=True)
class Metadata:
    """Who asks for what, and what the review queue needs (priority, type, review time).
    ``id`` is the plan's identity in the approval store when the file name is not enough."""

    title: str
    owner: str
    environment: str
    priority: str
    type: str
    requested_review_minutes: int
    summary: str
    ticket: str | None = None
    team: str | None = None
    needed_by: dt.date | None = None
    id: str | None = None


@dataclass(frozen=True)
class Manifest:
    """A Kubernetes/eksctl document given inline or by path (``path`` is ``None`` when inline)."""

    kind: str
    document: Mapping[str, Any]
    path: Path | None = None

    @property
    def name(self) -> str:
        """``metadata.name`` of the document (empty when absent)."""
        meta = self.document.get("metadata")
        return str(meta.get("name", "")) if isinstance(meta, Mapping) else ""


@dataclass(frozen=True)
class WorkloadModel:
    """How one pod of the workload behaves under load, in the simulator's own terms (the fields
    of :class:`~infra_toolkit.workload.WorkloadSpec` the Deployment does not give).

    ``cpu_millicores_per_rps`` is CPU per request per second served, i.e. CPU milliseconds per
    request (10 means a pod serving 20 rps uses 200 millicores above its baseline). A pod serves
    at most ``capacity_rps_per_pod`` with ``concurrency`` requests in parallel. Start-up is
    ``image_pull_s`` + ``app_start_s`` + the Deployment's readiness delay. The memory fields
    describe memory use for memory-based HPA metrics (MiB at zero load, MiB per rps).
    """

    cpu_millicores_per_rps: float
    baseline_cpu_millicores: float
    capacity_rps_per_pod: float
    image_pull_s: float
    app_start_s: float
    concurrency: int = 1
    startup_cpu_millicores: float = 0.0
    startup_cpu_s: float = 0.0
    queue_timeout_s: float = 0.0
    memory_baseline_mib: float | None = None
    memory_mib_per_rps: float | None = None


@dataclass(frozen=True)
class Workload:
    """A Deployment with its (optional) HPA, the load model, and which scenario share it gets.

    ``deployment``/``hpa`` are the manifests as written; ``deployment_spec``/``hpa_spec`` what the
    simulator reads from them (requests and readiness delay; the HPA with API defaults applied).
    ``model`` is required with an HPA; a workload without one serves no modelled traffic (its
    Deployment's replicas only hold room on the nodes), so its model may be ``None``.
    ``traffic_share`` multiplies each scenario's request rate for this workload (0.5 = half the
    requests reach it; 3 = each scenario request makes three calls to it).
    """

    name: str
    deployment: Manifest
    deployment_spec: DeploymentSpec
    model: WorkloadModel | None
    hpa: Manifest | None = None
    hpa_spec: HPASpec | None = None
    node_group: str | None = None
    traffic_share: float = 1.0

    def workload_spec(self, slo_p95_latency_ms: float = 500.0) -> WorkloadSpec:
        """The simulator's :class:`~infra_toolkit.workload.WorkloadSpec` for one pod; raises
        ``SpecError`` for a workload without a model (one without an HPA is not simulated)."""
        if self.model is None:
            raise SpecError(f"workload {self.name!r} has no model; give it a `model:` block to "
                            "simulate it")
        return workload_spec(self.name, self.model, self.deployment_spec, slo_p95_latency_ms)


def workload_spec(name: str, model: WorkloadModel, deployment: DeploymentSpec,
                  slo_p95_latency_ms: float = 500.0) -> WorkloadSpec:
    """The simulator's :class:`~infra_toolkit.workload.WorkloadSpec` from a plan's workload model
    and what its Deployment gives (requests, readiness delay); raises ``SpecError`` when the
    simulator refuses a value."""
    m, d = model, deployment
    return WorkloadSpec(
        cpu_request_millicores=d.cpu_request_millicores,
        memory_request_mib=d.memory_request_mib, readiness_delay_s=d.readiness_delay_s,
        capacity_rps_per_pod=m.capacity_rps_per_pod,
        cpu_millicores_per_rps=m.cpu_millicores_per_rps,
        baseline_cpu_millicores=m.baseline_cpu_millicores, concurrency=m.concurrency,
        startup_cpu_millicores=m.startup_cpu_millicores, startup_cpu_s=m.startup_cpu_s,
        image_pull_s=m.image_pull_s, app_start_s=m.app_start_s,
        queue_timeout_s=m.queue_timeout_s, slo_p95_latency_ms=slo_p95_latency_ms, name=name,
        memory_baseline_mib=m.memory_baseline_mib, memory_mib_per_rps=m.memory_mib_per_rps or 0.0)


@dataclass(frozen=True)
class Architecture:
    """One side of the change (``current`` or ``proposed``): region, priced resources and, when it
    runs on Kubernetes, workloads and node groups (from an eksctl ``ClusterConfig`` when
    ``cluster_config`` is given, else from the ``aws_eks_node_group`` resources)."""

    region: str
    resources: tuple[Resource, ...]
    workloads: tuple[Workload, ...] = ()
    node_groups: tuple[NodeGroupConfig, ...] = ()
    cluster_config: Manifest | None = None


@dataclass(frozen=True)
class CsvTraffic:
    """A real traffic curve from a ``timestamp,requests_per_second`` CSV, optionally cut to
    ``[start, end)`` and scaled (by ``scale``, or so that its peak equals ``peak_rps``).
    ``interpolate_gaps`` fills missing rows linearly instead of refusing the file."""

    path: Path
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    scale: float | None = None
    peak_rps: float | None = None
    interpolate_gaps: bool = False


@dataclass(frozen=True)
class SyntheticTraffic:
    """A synthetic curve: ``shape`` names a traffic-module shape (``flash_crowd``, ``diurnal``,
    ...) and ``params`` its keyword arguments (rates in rps, times in seconds)."""

    shape: str
    duration_s: float
    params: Mapping[str, float]


@dataclass(frozen=True)
class LoadTest:
    """A closed-loop load test of ``users`` concurrent virtual users.

    Each user repeats: send ``requests_per_iteration`` requests, wait for the response
    (``response_time_s``), think (``think_time_s``). By the interactive response-time law the
    offered rate is ``users * requests_per_iteration / (think_time_s + response_time_s)``; giving
    ``requests_per_user_per_s`` instead sets that per-user rate directly. A think time of 0 is
    back-to-back requests at ``requests_per_iteration / response_time_s`` per user. The rate
    ramps up over ``ramp_up_s``, holds for ``hold_s`` and ramps down over ``ramp_down_s`` (a 0 s
    ramp is a step).
    """

    users: int
    requests_per_user_per_s: float
    ramp_up_s: float
    hold_s: float
    ramp_down_s: float = 0.0
    think_time_s: float | None = None
    response_time_s: float | None = None
    requests_per_iteration: int = 1

    @property
    def steady_rps(self) -> float:
        """Requests per second while all users are active."""
        return self.users * self.requests_per_user_per_s

    @property
    def duration_s(self) -> float:
        """Total test length in seconds."""
        return self.ramp_up_s + self.hold_s + self.ramp_down_s


@dataclass(frozen=True)
class Scenario:
    """A named traffic scenario that the simulation runs every workload through."""

    name: str
    description: str
    traffic: CsvTraffic | SyntheticTraffic | LoadTest


@dataclass(frozen=True)
class Slo:
    """A service-level objective: ``latency`` (``percentile`` under ``threshold_ms``) or
    ``availability`` (served/offered requests at least ``objective_pct``)."""

    name: str
    metric: str
    percentile: int | None = None
    threshold_ms: float | None = None
    objective_pct: float | None = None
    workload: str | None = None


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
    ``recreate``."""

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


@dataclass(frozen=True)
class ApprovalPolicy:
    """How many distinct approvers a plan needs: ``required_approvers``, plus one more when the
    monthly cost increase exceeds ``extra_approver_above_monthly_increase_usd`` (USD; ``None``:
    never)."""

    required_approvers: int = 1
    extra_approver_above_monthly_increase_usd: Decimal | None = None

    def approvers_needed(self, monthly_increase_usd: Decimal) -> int:
        """Distinct approvers needed for a plan whose monthly cost rises by
        ``monthly_increase_usd``."""
        threshold = self.extra_approver_above_monthly_increase_usd
        extra = threshold is not None and monthly_increase_usd > threshold
        return self.required_approvers + int(extra)


@dataclass(frozen=True)
class SimulationSettings:
    """Simulation inputs the plan pins: the traffic step (seconds per step of every scenario
    curve, default 15 s: one HPA sync), the random seed, and timings where ``None`` means the
    simulator's default."""

    step_s: float = 15.0
    seed: int = 0
    hpa_sync_period_s: float | None = None
    metrics_resolution_s: float | None = None
    node_provisioning_s: float | None = None


@dataclass(frozen=True)
class Plan:
    """A validated plan. ``data`` is the YAML content as read (the digest's canonical input);
    ``base_dir`` is the folder every referenced path is relative to."""

    path: Path
    base_dir: Path
    version: int
    metadata: Metadata
    current: Architecture
    proposed: Architecture
    scenarios: tuple[Scenario, ...]
    slos: tuple[Slo, ...]
    deployment_strategy: DeploymentStrategy
    monitoring: Monitoring
    rollback: RollbackPlan
    testing: tuple[TestItem, ...]
    security: tuple[SecurityItem, ...]
    timeline: tuple[Phase, ...]
    risks: tuple[Risk, ...]
    questions: tuple[str, ...]
    approval_policy: ApprovalPolicy
    simulation: SimulationSettings
    pricing_tables: tuple[Path, ...]
    pricing_overrides: Path | None
    data: Mapping[str, Any]

    @property
    def plan_id(self) -> str:
        """The plan's identity across its versions in the approval store: ``metadata.id``,
        else the file name without its extension (``plans/prod.yaml`` -> ``prod``)."""
        return self.metadata.id or self.path.stem

    def referenced_files(self) -> tuple[Path, ...]:
        """Every file the plan references (manifests, cluster configs, traffic CSVs, the user's
        pricing tables and overrides), resolved against ``base_dir``, in plan order, each once.
        The digest hashes these byte for byte, together with the shipped pricing tables the
        price book reads (see :mod:`infra_toolkit.digest`)."""
        found: list[Path] = []
        for arch in (self.current, self.proposed):
            manifests = [arch.cluster_config] + [m for w in arch.workloads
                                                 for m in (w.deployment, w.hpa)]
            found += [m.path for m in manifests if m is not None and m.path is not None]
        found += [s.traffic.path for s in self.scenarios if isinstance(s.traffic, CsvTraffic)]
        found += list(self.pricing_tables)
        found += [self.pricing_overrides] if self.pricing_overrides is not None else []
        return tuple(dict.fromkeys(found))

    def scenario(self, name: str) -> Scenario:
        """The scenario called ``name`` (``KeyError`` listing the names when absent)."""
        for s in self.scenarios:
            if s.name == name:
                return s
        raise KeyError(f"no scenario {name!r} in {self.path}; scenarios: "
                       f"{', '.join(s.name for s in self.scenarios)}")


def read_plan(path: str | Path) -> Plan:
    """Read and validate the plan file at ``path``.

    Raises :class:`~infra_toolkit.errors.PlanError` when the file cannot be read or holds any
    problem; its ``problems`` list holds every problem, one line each (``file:line: path: what;
    fix``).
    """
    from infra_toolkit.plan_validate import load_plan  # plan_validate builds these dataclasses

    return load_plan(Path(path))


def validate_plan(path: str | Path) -> list[Problem]:
    """Every problem in the plan file at ``path`` (an empty list when it is valid).

    Raises :class:`~infra_toolkit.errors.PlanError` only when the file itself cannot be read
    (missing, a folder, not UTF-8): the CLI maps that to exit status 2.
    """
    from infra_toolkit.plan_validate import check_plan

    return check_plan(Path(path))[1]
