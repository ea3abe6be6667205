"""A plan's alert rules against its simulated scenarios: each mapped alert replayed on its
workload's timeline (:mod:`infra_toolkit.alert_replay`), the mappings' workloads checked, and two
warnings. No I/O.

An alert is **tied to an SLO** when its simulated signal is what the SLO measures, for the SLO's
workload: ``p<q>_latency_ms`` to a latency SLO of percentile ``q``, ``dropped_ratio`` to an
availability SLO. Warnings, in the style of :mod:`infra_toolkit.plan_warnings`:

- **threshold looser than the SLO** (:func:`threshold_warnings`, no simulation needed): a latency
  alert that fires above a threshold (``>`` or ``>=``) higher than the tied SLO's; between the
  two the SLO is broken and the alert stays quiet. Availability is not compared: its objective
  holds over the whole run, and an alert on a short window's ratio above ``1 - objective`` is the
  usual fast-burn alert, not a slip;
- **critical alert silent while its SLO is violated** (:func:`silent_alert_warnings`): a
  ``critical`` alert that never fires in a scenario in which an SLO tied to it is not met (the
  report's SLO table).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from infra_toolkit.alert_replay import AlertReplay, replay_alert
from infra_toolkit.errors import quoted
from infra_toolkit.plan import Plan
from infra_toolkit.plan_operations_types import AlertRule
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.simulate import SimulationResult
from infra_toolkit.slo_check import first_violation_s, start_up

if TYPE_CHECKING:
    from infra_toolkit.analysis import ScenarioRun

__all__ = ["alert_warnings", "alert_workloads", "replay_scenario",
           "silent_alert_texts", "silent_alert_warnings", "threshold_warnings", "tied_slos"]


def _autoscaled(plan: Plan) -> list[str]:
    return [w.name for w in plan.proposed.workloads if w.hpa_spec is not None]


def alert_workloads(plan: Plan, rule: AlertRule) -> tuple[str, ...]:
    """The workloads a mapped alert is replayed on: its ``workload`` list, else the plan's only
    autoscaled one (none without a mapping or when that is ambiguous)."""
    if rule.simulated is None:
        return ()
    if rule.simulated.workloads:
        return rule.simulated.workloads
    names = _autoscaled(plan)
    return tuple(names) if len(names) == 1 else ()


def tied_slos(plan: Plan, rule: AlertRule, workload: str) -> list[Slo]:
    """The SLOs of ``workload`` that measure the alert's simulated signal (module docstring)."""
    if rule.simulated is None:
        return []
    signal = rule.simulated.signal
    return [s for s in plan.slos if s.workload in (workload, None) and (
        (s.metric == "latency" and signal == f"p{s.percentile}_latency_ms")
        or (s.metric == "availability" and signal == "dropped_ratio"))]


def replay_scenario(plan: Plan, simulations: Mapping[str, SimulationResult]
                    ) -> tuple[AlertReplay, ...]:
    """Every mapped alert of ``plan`` replayed on the simulation of its workload in one
    scenario (``simulations`` by workload name), in plan order, compared with the first
    violation of the SLOs it is tied to (:func:`tied_slos`), else of any SLO of its workload;
    a run violating those from its first step compared with its first violation after the
    start-up (:func:`~infra_toolkit.slo_check.start_up`)."""
    out = []
    for rule in plan.monitoring.alerts:
        for workload in alert_workloads(plan, rule):
            sim = simulations.get(workload)
            if sim is None:
                continue  # a workload without an HPA: validate refuses the mapping
            timeline = sim.timeline
            # audit27 A27-2: an error-rate alert against a latency SLO's first violation read
            # "13 h 46 min after" on launch-day, though it fired 5 min into the dropping
            applying = [s for s in plan.slos if s.workload in (workload, None)]
            tied = tied_slos(plan, rule, workload)
            slos = tied or applying
            named = tuple(s.name for s in tied) if tied and len(tied) < len(applying) else ()
            # a run violating its SLOs from its first step is compared after its start-up
            startup = start_up(slos, workload, timeline)
            after = None if startup is None else startup.met_s
            first = None if startup is not None and after is None else \
                first_violation_s(slos, workload, timeline, after)
            out.append(replay_alert(rule, workload, timeline, float(sim.spec.tick_s),
                                    sim.spec.hpa.max_replicas, first,
                                    {g.name: g.max_size for g in sim.spec.node_groups}, startup,
                                    named))
    return tuple(out)


def threshold_warnings(plan: Plan) -> list[PlanWarning]:
    """A latency alert firing only above a tied SLO's threshold (module docstring)."""
    out = []
    for i, rule in enumerate(plan.monitoring.alerts):
        c = rule.simulated
        if c is None or c.op not in (">", ">="):
            continue
        slos = {s.name: s for w in alert_workloads(plan, rule) for s in tied_slos(plan, rule, w)}
        for slo in slos.values():
            if slo.threshold_ms is not None and c.threshold > slo.threshold_ms:
                out.append(PlanWarning(f"monitoring.alerts[{i}].simulated.threshold", (
                    f"alert {quoted(rule.name)} fires at {c.signal} {c.op} {c.threshold:g} but SLO "
                    f"{quoted(slo.name)} allows at most {slo.threshold_ms:g} ms: while the "
                    "latency is between the two the SLO is broken and the alert stays quiet; "
                    f"lower its threshold to {slo.threshold_ms:g} (and the same in its expr)")))
    return out


def silent_alert_texts(plan: Plan, runs: Sequence[ScenarioRun]
                       ) -> list[tuple[int, str, str, AlertReplay]]:
    """A critical alert that never fires in a scenario where an SLO tied to it is not met:
    per case, the alert's index in ``monitoring.alerts``, the scenario's name, what happened
    (no fix: today's findings say it of today's cluster, where there is nothing to fix) and
    the replay."""
    index = {rule.name: i for i, rule in enumerate(plan.monitoring.alerts)}
    out = []
    for run in runs:
        for replay in replay_scenario(plan, run.simulations):
            rule = plan.monitoring.alerts[index[replay.alert]]
            if rule.severity != "critical" or replay.first_fire_s is not None:
                continue
            table = run.slos[replay.workload].set_index("slo")
            broken = [s.name for s in tied_slos(plan, rule, replay.workload)
                      if not bool(table.loc[s.name, "met"])]
            if broken:
                out.append((index[replay.alert], run.name, (
                    f"critical alert {quoted(rule.name)} never fires in scenario "
                    f"{quoted(run.name)} "
                    f"({replay.condition.text()} for {rule.for_s:g} s on {replay.workload}) "
                    f"although SLO {', '.join(map(repr, broken))} is not met there"), replay))
    return out


def silent_alert_warnings(plan: Plan, runs: Sequence[ScenarioRun]) -> list[PlanWarning]:
    """:func:`silent_alert_texts` of the proposal's runs, each with its fix."""
    return [PlanWarning(f"monitoring.alerts[{i}]", text + "; lower its threshold or its `for`, "
                        "or say in the plan why this is accepted")
            for i, _, text, _ in silent_alert_texts(plan, runs)]


def alert_warnings(plan: Plan, runs: Sequence[ScenarioRun] = ()) -> tuple[PlanWarning, ...]:
    """:func:`threshold_warnings`, then :func:`silent_alert_warnings` over ``runs`` (none:
    ``validate``, which simulates nothing)."""
    return tuple(threshold_warnings(plan) + silent_alert_warnings(plan, runs))
