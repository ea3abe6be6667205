"""Today's findings: what the plan's checks say of today's cluster when the current side is
simulated too (``analysis.PlanAnalysis.current_runs``, author22), each message opening
``today:``. Pure: it reads the plan, the curves and today's runs.

* each SLO today's workloads miss in a scenario, with its minutes as the SLO table counts them
  and the proposal's minutes beside them (:func:`slo_findings`);
* the model's checks of today's autoscaled workloads that the proposal's get in
  :func:`~infra_toolkit.plan_warnings.plan_warnings`: maxReplicas short of a scenario's peak
  (:func:`~infra_toolkit.capacity_warnings.peak_warnings`), starting replicas that cannot serve
  a scenario's first rate, a latency SLO an idle pod breaks
  (:mod:`~infra_toolkit.startup_warnings`), at ``current.workloads[i]``;
* a critical alert that never fires on today's runs while an SLO tied to it is missed
  (:func:`alert_findings`), with what the alert does on the proposal's run beside it, and no
  fix: the same alert silent on the proposal is a plan warning with its fix, and this finding
  only repeated it word for word (reader26).

**Why they are not plan warnings.** A plan warning says the *proposal* will behave in a way its
author likely did not intend: it stays open until the plan is fixed or the plan acknowledges it
with a reason, and an open one is news to every reviewer. Today's findings describe what runs now
and what the change is for ("today: p95 above the SLO for 42 min in flash-crowd"): nothing in
the plan can fix them but the proposal itself, so asking the author to acknowledge them would
only make them write "that is why we change it". They are listed apart, labelled today's, never
acknowledged (``acknowledged_warnings`` does not match them, so an acknowledgement written for one
is reported as matching no warning) and never count toward the approval. A commitment today's
nodes leave unused is the exception: it is billed whichever side runs, so it stays a plan warning
(:func:`~infra_toolkit.unused_commitment.simulated_commitment_warnings` with ``side="current"``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from infra_toolkit.capacity_warnings import peak_warnings
from infra_toolkit.errors import quoted
from infra_toolkit.plan import Plan
from infra_toolkit.plan_alerts import replay_scenario, silent_alert_texts
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.report_html import elapsed_text, quantity_text
from infra_toolkit.startup_warnings import starting_replicas_warnings, unreachable_slo_warnings
from infra_toolkit.traffic import TrafficCurve

if TYPE_CHECKING:
    from infra_toolkit.analysis import ScenarioRun

__all__ = ["TODAY", "alert_findings", "model_findings", "slo_findings", "today_findings"]

#: how every finding's message opens
TODAY = "today: "


def _today(w: PlanWarning) -> PlanWarning:
    """``w`` labelled today's."""
    return PlanWarning(w.path, TODAY + w.message)


def slo_findings(plan: Plan, today: Sequence[ScenarioRun], proposed: Sequence[ScenarioRun]
                 ) -> list[PlanWarning]:
    """Per today's run (in order), workload and SLO not met, at ``current.workloads[i]``: the
    SLO, the scenario, the minutes violated (the SLO table's ``violation_minutes``, to the
    hundredth as that table prints them) and what today achieved; then the proposal's minutes
    of that SLO in that scenario, or that it met it (nothing when the proposal has no such
    run or workload)."""
    index = {w.name: i for i, w in enumerate(plan.current.workloads)}
    theirs = {r.name: r for r in proposed}
    out = []
    for run in today:
        for workload, slos in run.slos.items():
            other = theirs.get(run.name)
            table = other.slos.get(workload) if other is not None else None
            then = {} if table is None else dict(zip(table["slo"], zip(
                table["met"], table["violation_minutes"], strict=True), strict=True))
            for row in slos.itertuples(index=False):
                if row.met:
                    continue
                minutes = quantity_text(float(row.violation_minutes), 2)
                proposal = then.get(row.slo)
                beside = "" if proposal is None else "; the proposal: " + (
                    "met" if proposal[0] else
                    f"{quantity_text(float(proposal[1]), 2)} min violated")
                out.append(PlanWarning(f"current.workloads[{index[workload]}]", (
                    f"{TODAY}SLO {quoted(row.slo)} ({row.objective}) not met by {workload} in "
                    f"scenario {quoted(run.name)}: {minutes} min violated, achieved "
                    f"{row.achieved}{beside}")))
    return out


def model_findings(plan: Plan, curves: Mapping[str, TrafficCurve]) -> list[PlanWarning]:
    """The plan warnings' capacity and start checks of today's autoscaled workloads with a
    model (the ones :func:`~infra_toolkit.plan_warnings.plan_warnings` runs on the proposal's),
    at ``current.workloads[i]``, labelled today's."""
    out = []
    for i, w in enumerate(plan.current.workloads):
        if w.hpa_spec is None or w.model is None:
            continue  # not simulated
        at = f"current.workloads[{i}]"
        out += peak_warnings(w, f"{at}.hpa", curves)
        out += starting_replicas_warnings(w, f"{at}.deployment", curves, plan.slos)
        out += unreachable_slo_warnings(w, plan.slos)
    return [_today(w) for w in out]


def alert_findings(plan: Plan, today: Sequence[ScenarioRun], proposed: Sequence[ScenarioRun]
                   ) -> list[PlanWarning]:
    """Each critical alert silent on one of today's runs while an SLO tied to it is missed
    (:func:`~infra_toolkit.plan_alerts.silent_alert_texts`), at ``monitoring.alerts[i]``; then
    what the alert does on the proposal's run of that scenario and workload: ``never fires
    either`` or when it first fires (nothing when the proposal has no such run)."""
    theirs = {r.name: r for r in proposed}
    out = []
    for i, scenario, text, replay in silent_alert_texts(plan, today):
        other = theirs.get(scenario)
        then = None if other is None else next(
            (r for r in replay_scenario(plan, other.simulations)
             if (r.alert, r.workload) == (replay.alert, replay.workload)), None)
        beside = "" if then is None else "; the proposal: " + (
            "never fires either" if then.first_fire_s is None
            else f"fires at {elapsed_text(then.first_fire_s)}")
        out.append(PlanWarning(f"monitoring.alerts[{i}]", TODAY + text + beside))
    return out


def today_findings(plan: Plan, curves: Mapping[str, TrafficCurve],
                   today: Sequence[ScenarioRun], proposed: Sequence[ScenarioRun]
                   ) -> tuple[PlanWarning, ...]:
    """Every finding of today's simulated cluster (module docstring), none when ``today`` is
    empty (today is not simulated): :func:`slo_findings`, :func:`model_findings`, then
    :func:`alert_findings`."""
    if not today:
        return ()
    return tuple(slo_findings(plan, today, proposed) + model_findings(plan, curves)
                 + alert_findings(plan, today, proposed))
