"""The plan file (``version: 1``): what a reviewer approves, as frozen dataclasses.

A plan is one YAML file (see ``docs/PLAN.md`` for every field) plus the files it references,
resolved relative to the plan file: Kubernetes manifests (Deployment, HPA), eksctl
``ClusterConfig`` files, traffic CSVs and the user's pricing tables and overrides.

This module holds the :class:`Plan` itself, its :class:`Metadata`, :class:`ApprovalPolicy` and
:class:`SimulationSettings`, and the values each section allows (``PRIORITIES``,
``STRATEGY_TYPES``, ...). The sections' own dataclasses are in
:mod:`infra_toolkit.plan_architecture` (``current``/``proposed``: resources, workloads, node
groups), :mod:`infra_toolkit.plan_scenario_types` (traffic scenarios, SLOs) and
:mod:`infra_toolkit.plan_operations_types` (strategy, monitoring, rollback, testing, security,
timeline, risks).

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

from infra_toolkit.node_allocatable import EKS_DAEMONSETS, NodeDaemonsets
from infra_toolkit.plan_acknowledgements import Acknowledgement
from infra_toolkit.plan_architecture import Architecture
from infra_toolkit.plan_fields import Problem
from infra_toolkit.plan_operations_types import (
    DeploymentStrategy,
    Monitoring,
    Phase,
    Risk,
    RollbackPlan,
    SecurityItem,
    TestItem,
)
from infra_toolkit.plan_scenario_types import CsvTraffic, Scenario, Slo

__all__ = [
    "ALERT_SEVERITIES",
    "ALWAYS_PROVIDE",
    "ENVIRONMENTS",
    "LIKELIHOODS",
    "NODE_AUTOSCALERS",
    "PLAN_TYPES",
    "PLAN_VERSION",
    "PRIORITIES",
    "SECURITY_STATUSES",
    "SEVERITIES",
    "SLO_PERCENTILES",
    "STRATEGY_TYPES",
    "TEST_TYPES",
    "ApprovalPolicy",
    "Metadata",
    "Plan",
    "Problem",
    "SimulationSettings",
    "read_plan",
    "validate_plan",
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
#: Node autoscaler presets of ``simulation.node_autoscaler`` (``nodes.ClusterAutoscalerSpec()``
#: and ``nodes.KARPENTER_LIKE``, by their names).
NODE_AUTOSCALERS = ("cluster-autoscaler", "karpenter-like")
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
    curve, default 15 s: one HPA sync), the random seed, the node autoscaler's preset
    (:data:`NODE_AUTOSCALERS`) and timings where ``None`` means the simulator's default (the
    preset's, for ``node_provisioning_s``). ``node_daemonsets``: the DaemonSet pods every node
    runs, all of them together (EKS's kube-proxy and aws-node unless the plan says otherwise)."""

    step_s: float = 15.0
    seed: int = 0
    hpa_sync_period_s: float | None = None
    metrics_resolution_s: float | None = None
    node_provisioning_s: float | None = None
    node_autoscaler: str = "cluster-autoscaler"
    node_daemonsets: NodeDaemonsets = EKS_DAEMONSETS


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
    #: the warnings its author accepts, with the reason and who (``acknowledged_warnings``)
    acknowledged_warnings: tuple[Acknowledgement, ...] = ()

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
            manifests = [arch.cluster_config, arch.node_pools] + [m for w in arch.workloads
                                                 for m in (w.deployment, w.hpa)]
            found += [m.path for m in manifests if m is not None and m.path is not None]
            found += [f for w in arch.workloads for f in w.budget_files]
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
