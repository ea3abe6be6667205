"""A plan's scenarios replayed as its report runs them, one workload's summary at a time: what
``infra-toolkit simulate PLAN.yaml --workload NAME --scenario NAME`` prints.

Each chosen scenario runs once, through the report's own joint run
(:func:`~infra_toolkit.joint_run.simulate_scenario` over
:func:`~infra_toolkit.joint_run.joint_run`): every autoscaled workload of the proposed side with
its ``traffic_share`` of the scenario, and the Deployments without an HPA holding room on the
nodes, so a workload that shares a node group runs beside the same pods as in the report and
its figures are the report's. ``horizon_h`` cuts each scenario as the report's does.

Defaults, for a reviewer who asks for less: no workload named means every workload with an HPA,
no scenario named means every scenario of the plan (the report's default), in plan order. A
name the plan lacks is refused with the plan file, the field, the valid names and the nearest.
Pure but for the plan digest, which reads the files the plan references.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra_toolkit.digest import plan_digest
from infra_toolkit.joint_run import joint_run, simulate_scenario
from infra_toolkit.keda_summary import zero_scaling_fields
from infra_toolkit.notebook_parameters import (
    check_horizon_cuts,
    cut_to_horizon,
    select_scenarios,
    select_workloads,
)
from infra_toolkit.plan import Plan
from infra_toolkit.plan_traffic import scenario_curve
from infra_toolkit.pricing import PriceBook
from infra_toolkit.simulate import SimulationResult
from infra_toolkit.simulation_summary import format_summaries
from infra_toolkit.slo_check import violation_minutes

__all__ = ["WorkloadReplay", "format_replays", "pending_warning", "pending_warnings",
           "replay_plan", "select_workloads"]


@dataclass(frozen=True)
class WorkloadReplay:
    """One workload of one scenario of a plan, as the report ran it: ``shared_nodes_with`` names
    the workloads and Deployments without an HPA whose pods ran on one of its node groups
    (empty: it had its groups alone), ``node_groups`` the groups its pods may use."""

    plan_path: str
    digest: str
    scenario: str
    workload: str
    node_groups: tuple[str, ...]
    shared_nodes_with: tuple[str, ...]
    result: SimulationResult

    def header(self) -> dict[str, Any]:
        """What was run, as the first fields of the printed summary."""
        return {"plan": self.plan_path, "digest": self.digest, "scenario": self.scenario,
                "workload": self.workload, "node_groups": self.node_groups,
                "shared_nodes_with": self.shared_nodes_with}


def replay_plan(plan: Plan, book: PriceBook, workloads: Sequence[str] | None = None,
                scenarios: Sequence[str] | None = None, horizon_h: float | None = None
                ) -> tuple[WorkloadReplay, ...]:
    """``plan``'s ``scenarios`` (None: all) each run once as the report runs them (the joint
    run of every autoscaled workload, ``book`` sizing the nodes; each cut to ``horizon_h``
    hours), one :class:`WorkloadReplay` per scenario and chosen workload (None: every one with
    an HPA), scenario by scenario in the order asked, workloads in plan order.

    Raises :class:`~infra_toolkit.errors.PlanError` for a name the plan lacks
    (:func:`select_workloads`, :func:`~infra_toolkit.notebook_parameters.select_scenarios`)."""
    chosen = select_workloads(plan, workloads)
    selected = select_scenarios(plan, None if scenarios is None else list(scenarios),
                                "--scenario")
    run = joint_run(plan, book)
    digest = plan_digest(plan)
    whole = {s.name: scenario_curve(s, plan.simulation.step_s) for s in selected}
    check_horizon_cuts(horizon_h, whole)
    out = []
    for s in selected:
        cluster = simulate_scenario(plan, run, s.name, cut_to_horizon(whole[s.name], horizon_h))
        out += [WorkloadReplay(plan.path.as_posix(), digest, s.name, name,
                               tuple(g.name for g in run.specs[name].node_groups),
                               run.sharing(name), _judged_by_plan(plan, name,
                                                                  cluster.simulations[name]))
                for name in chosen]
    return tuple(out)


def _judged_by_plan(plan: Plan, workload: str, result: SimulationResult) -> SimulationResult:
    """``result`` with its ``slo_violation_minutes`` counted against the plan's SLOs of
    ``workload``, as the report's SLO table judges them: the simulator's own figure holds the
    plan's latency thresholds but a p95 one of 500 ms for a workload without a p95 SLO, so a
    worker with only an availability SLO would show minutes "violated" that the report calls
    met."""
    minutes = violation_minutes(plan.slos, workload, result.timeline, result.spec.tick_s)
    return dataclasses.replace(result, summary=dataclasses.replace(
        result.summary, slo_violation_minutes=minutes))


def format_replays(replays: Sequence[WorkloadReplay], fmt: str) -> str:
    """``replays`` as ``simulate`` prints summaries (``table``, ``json``, ``csv``), each led by
    its :meth:`~WorkloadReplay.header`: JSON always a list (one object per replay, however
    many were chosen, so a script reads every answer the same way), followed by KEDA's
    scaling to zero for a workload whose ScaledObject scales to zero."""
    return format_summaries([(r.header(), r.result.summary) for r in replays], fmt,
                            after=[zero_scaling_fields(r.result) for r in replays])


def pending_warnings(replays: Sequence[WorkloadReplay]) -> list[str]:
    """One line per scenario whose pods waited for a node no group could add (the summary has
    no figure for it): :func:`pending_warning` of each scenario's replays."""
    lines = (pending_warning(scenario, {r.workload: r.result for r in replays
                                        if r.scenario == scenario})
             for scenario in dict.fromkeys(r.scenario for r in replays))
    return [line for line in lines if line]


def pending_warning(scenario: str, results: Mapping[str, SimulationResult]) -> str | None:
    """The warning for one run of ``scenario`` (``results``: its workloads' runs, by name)
    whose pods waited for a node no group could add, naming the workloads whose node groups it
    happened on (the node autoscaler's events are the cluster's, so workloads sharing a group
    see the same ones); None when no pod did. ``simulate PLAN`` prints it, the explorer shows
    it for the settings its sliders hold."""
    stuck = {name: r.events[r.events["kind"] == "node_scale_up_failed"]
             for name, r in results.items()}
    stuck = {name: e for name, e in stuck.items() if len(e)}
    if not stuck:
        return None
    first = min((e.iloc[0] for e in stuck.values()), key=lambda e: e["time_s"])
    return (f"warning: scenario {scenario!r}: from {first['time_s']:g} s, "
            f"{first['reason']}: pods stayed Pending on the node groups of "
            f"{', '.join(stuck)}, and the load they would serve was queued or "
            "dropped; raise the groups' scaling_config.max_size in the plan or use a "
            "larger instance type")
