"""Report sections that restate the plan's operational parts: monitoring and alerts, rollback
plan, testing plan (with the simulated outcome of each test's scenario), security checklist,
questions for approval, timeline (end dates computed) and risk assessment (ranked); the
deployment strategy is in :mod:`infra_toolkit.sections_deployment`. Re-exported by
:mod:`infra_toolkit.sections`."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

import pandas as pd

from infra_toolkit.analysis import PlanAnalysis
from infra_toolkit.cost import usd_text
from infra_toolkit.plan import LIKELIHOODS, SEVERITIES
from infra_toolkit.plan_operations_types import Phase, Risk, phase_dates
from infra_toolkit.report_html import (
    Section,
    Table,
    duration_text,
    fields,
    longest_time_to_capacity_text,
    paragraph,
    share_pct_text,
)
from infra_toolkit.rollout_tables import rollback_floor
from infra_toolkit.sections_figures import incomplete, unknown_usage, unknown_usage_change
from infra_toolkit.sections_monitoring import alert_fires_text, alert_replay_parts

__all__ = [
    "cost_figures_text",
    "monitoring",
    "phase_table",
    "questions",
    "risk_assessment",
    "risk_table",
    "rollback_plan",
    "security",
    "testing_plan",
    "timeline",
]

_DAY_S = 86400


def _ordered(items: Sequence[str], css_class: str) -> str:
    body = "".join(f"<li>{html.escape(i)}</li>" for i in items)
    return f'<ol class="{css_class}">{body}</ol>'


def monitoring(a: PlanAnalysis) -> Section:
    """The metrics watched, the dashboards, every alert rule with its condition, and the alert
    replay on each simulated scenario (:mod:`infra_toolkit.sections_monitoring`)."""
    m = a.plan.monitoring
    metrics = pd.DataFrame([{"Metric": x.name, "Source": x.source,
                             "Description": x.description or "-"} for x in m.metrics])
    dashboards = pd.DataFrame([{"Dashboard": d.name, "URL": d.url or "-",
                                "Panels": ", ".join(d.panels)} for d in m.dashboards])
    alerts = pd.DataFrame([{"Alert": x.name, "Severity": x.severity, "For": duration_text(x.for_s),
                            "Condition": x.expr, "Summary": x.summary, "Runbook": x.runbook or "-"}
                           for x in m.alerts])
    missing = _missing_runbooks(a)
    return Section("Monitoring and Alerts", (
        Table(metrics, css_class="metrics", caption="Metrics"),
        Table(dashboards, css_class="dashboards", caption="Dashboards"),
        Table(alerts, css_class="alerts", caption="Alert rules"),
        *([paragraph(missing, "alerts-without-runbook")] if missing else []),
        *alert_replay_parts(a)))


def _missing_runbooks(a: PlanAnalysis) -> str | None:
    """A sentence naming each alert without a runbook, its severity and whether a rollback
    trigger rests on it (automatic or by hand), with the plan field that fixes it; ``None``
    when every alert has one. The table's '-' alone left a reviewer to notice that whoever is
    paged, or whose rollout is aborted, by that alert has no written steps."""
    triggers = {t.alert: t.automatic for t in a.plan.rollback.triggers if t.alert}
    named = []
    for i, x in enumerate(a.plan.monitoring.alerts):
        if x.runbook:
            continue
        role = ("" if x.name not in triggers else
                ", an automatic rollback trigger" if triggers[x.name] else ", a rollback trigger")
        named.append(f"{x.name} ({x.severity}{role}; monitoring.alerts[{i}].runbook)")
    if not named:
        return None
    return (f"{len(named)} of {len(a.plan.monitoring.alerts)} alert(s) have no runbook, so "
            f"whoever they page has no written steps: {', '.join(named)}.")


def rollback_plan(a: PlanAnalysis) -> Section:
    """What starts a rollback, its steps in order, how long it takes, the point of no return."""
    r = a.plan.rollback
    fires = alert_fires_text(a)
    # today's cluster simulated too: whether the trigger's condition is met without the change
    today = alert_fires_text(a, a.current_runs) if a.current_runs else None
    triggers = pd.DataFrame([{"Condition": t.condition, "Alert": t.alert or "-",
                              "Automatic": "yes" if t.automatic else "no",
                              "Fires in the simulation": _trigger_fires(t.alert, fires, a),
                              **({} if today is None else {_TODAY: _trigger_fires(
                                  t.alert, today, a, "not simulated (its workload does not "
                                  "run today)")})}
                             for t in r.triggers])
    parts: list[str | Table] = [
        Table(triggers, css_class="rollback-triggers",
              caption=_TRIGGERS + ("" if today is None else _TODAY_CAPTION)),
        _ordered(r.steps, "rollback-steps"),
        fields([("Expected time", duration_text(r.expected_time_s)),
                ("Point of no return", r.point_of_no_return or "-")], "rollback-facts")]
    floor = rollback_floor(a)
    if floor is not None and r.expected_time_s < floor[0]:
        parts.append(paragraph(
            f"The expected time ({duration_text(r.expected_time_s)}) is shorter than the "
            f"rollback the deployment strategy itself takes: {floor[1]} takes "
            f"{duration_text(floor[0])} (Deployment Strategy), before anyone notices or "
            "decides; raise rollback.expected_time.", "rollback-too-short"))
    return Section("Rollback Plan", tuple(parts))


_TRIGGERS = ("Triggers. Fires in the simulation: the trigger's alert replayed on each "
             "simulated scenario (Monitoring and Alerts), its first fire from the scenario's "
             "start; an automatic trigger firing there would roll back a rollout running at "
             "that moment, though the simulation models no fault of the new version")


_TODAY = "Fires on today's cluster"
_TODAY_CAPTION = (". Fires on today's cluster: the same alert replayed on today's simulated "
                  "cluster and scenarios; a trigger that fires there too meets its condition "
                  "without the change, so rolling back would not clear it (its runbook should "
                  "say what to do then)")


def _trigger_fires(alert: str | None, fires: dict[str, str], a: PlanAnalysis,
                   unreplayed: str = "not simulated (no simulated mapping)") -> str:
    """When a trigger's alert fires in the simulated scenarios (:func:`alert_fires_text`);
    ``unreplayed``: what to say of an alert ``fires`` lacks."""
    if alert is None or not a.runs:
        return "-"
    if alert not in fires and alert in {x.name for x in a.plan.monitoring.alerts
                                        if x.simulated is None}:
        return "not simulated (no simulated mapping)"
    return fires.get(alert, unreplayed)


def _simulated(a: PlanAnalysis, scenario: str | None) -> str:
    run = next((r for r in a.runs if r.name == scenario), None)
    if run is None:
        return "-" if scenario is None else "not simulated in this report"
    out = []
    for name, sim in run.simulations.items():
        slos = run.slos[name]
        s = sim.summary
        dropped = 100.0 * s.dropped_requests / s.offered_requests if s.offered_requests else 0.0
        # flaps too: pass criteria often say "without flapping" (audit24 A24-10); and the time
        # to capacity, which criteria bound ("within the simulated time to capacity + 20 %")
        ttc = ("no under-capacity episode" if not s.time_to_capacity else
               f"longest time to capacity {longest_time_to_capacity_text(s.time_to_capacity)}")
        # a workload no SLO judges: "SLOs met 0 of 0" read as a failure (author23's features)
        met = f"SLOs met {int(slos['met'].sum())} of {len(slos)}" if len(slos) else "no SLO"
        out.append(f"{name}: {met}, peak replicas "
                   f"{s.peak_replicas}, {share_pct_text(dropped, trailing_zeros=True)} % "
                   f"dropped, {s.flaps} flap(s) "
                   f"(reversals within {duration_text(sim.spec.flap_window_s)}), {ttc}")
    return "; ".join(out)


def testing_plan(a: PlanAnalysis) -> Section:
    """Each test with its pass criteria and, for tests tied to a scenario, what the simulation
    of that scenario predicts."""
    frame = pd.DataFrame([{"Test": t.name, "Type": t.type, "Environment": t.environment,
                           "Scenario": t.scenario or "-", "Pass criteria": t.pass_criteria,
                           "Simulated outcome": _simulated(a, t.scenario)}
                          for t in a.plan.testing])
    return Section("Testing Plan", (Table(frame, css_class="tests"),))


def security(a: PlanAnalysis) -> Section:
    """The security checklist, with a count per status."""
    items = a.plan.security
    frame = pd.DataFrame([{"Item": s.item, "Status": s.status, "Notes": s.notes or "-"}
                          for s in items])
    if not any(s.notes for s in items):  # a column of blanks reads as notes lost
        frame = frame.drop(columns="Notes")
    counts = pd.Series([s.status for s in items]).value_counts()
    line = ", ".join(f"{n} {status}" for status, n in counts.items())
    noun = "item" if len(items) == 1 else "items"  # "1 items" read as a slip
    return Section("Security", (paragraph(f"{len(items)} {noun}: {line}."),
                                Table(frame, css_class="security")))


def questions(a: PlanAnalysis) -> Section:
    """The questions the approver answers, numbered as ``--answer N=TEXT`` expects, and the
    cost figures a question on "the monthly cost change" may mean (:func:`cost_figures_text`)."""
    return Section("Questions for Approval", (
        _ordered(a.plan.questions, "questions"),
        paragraph(cost_figures_text(a)),
        paragraph("Each approval answers every question (infra-toolkit approve ... --answer "
                  "N=TEXT, or the approval notebook).")))


def cost_figures_text(a: PlanAnalysis) -> str:
    """The report's monthly changes and ceiling, each as the Overview or the Cost Summary
    prints it (with what it leaves out), for a question asking to approve "the monthly cost
    change in the cost summary" (reader21: the summary prints two changes, payments' +$992.87
    in the expected scenario and +$1,023.67 as declared, and the question did not say which)."""
    s = a.review.subject
    same_region = not a.region or a.region == a.plan.proposed.region
    declared = ("the monthly change as declared (the review's cost basis: the policy counts "
                "the approvers on it, and an approval signs this digest), "
                + usd_text(s.monthly_cost_delta_usd, signed=True)
                + incomplete(missing=len(s.missing_prices))
                + (unknown_usage_change(a.current_declared_estimate, a.review_basis_estimate)
                   if same_region else ""))
    expected = "" if not a.expected_scenario else (
        f"the monthly change in the expected scenario {a.expected_scenario!r}"
        + ("" if same_region else f", priced in {a.region}")
        + f", {usd_text(a.monthly_delta_usd, signed=True)}"
        + incomplete(a.current_estimate, a.proposed_estimate)
        + unknown_usage_change(a.current_estimate, a.proposed_estimate) + "; ")
    ceiling = a.ceiling_estimate
    return ("Cost figures a question may mean (Overview and Cost Summary): " + expected
            + declared + f"; the ceiling, {usd_text(ceiling.total_monthly_usd)}"
            + incomplete(ceiling) + unknown_usage(ceiling) + ".")


def phase_table(phases: Sequence[Phase]) -> pd.DataFrame:
    """The timeline's phases with ``Start`` (given; for a phase with a duration alone, the day
    after the phase before it ends, and none when that phase has no end), ``End`` (the last
    day, inclusive: given, or start plus the duration rounded up to whole days, minus one) and
    ``Duration`` (given, or the days from start to end inclusive)."""
    rows = []
    for p, (start, end) in zip(phases, phase_dates(phases), strict=True):
        length = p.duration_s if p.duration_s is not None else (
            ((p.end - p.start).days + 1) * _DAY_S if p.end and p.start else None)
        rows.append({"Phase": p.name, "Start": start, "End": end,
                     "Duration": duration_text(length)})
    return pd.DataFrame(rows, columns=["Phase", "Start", "End", "Duration"])


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # not %a: the locale's names


def _day_text(day: dt.date | None) -> str:
    """``2027-01-16 (Sat)``: a phase's date with its weekday, so a reviewer sees a change
    dated on a weekend and can check a plan's 'a weekday' or 'Tuesday' (reader21: catalog's
    production cutover fell on a Saturday and its decommission on the Sunday, with nothing in
    the table to tell); ``-`` undated."""
    return "-" if day is None else f"{day.isoformat()} ({_WEEKDAYS[day.weekday()]})"


def timeline(a: PlanAnalysis) -> Section:
    """The phases with their dates, and the span from the first start to the last end."""
    frame = phase_table(a.plan.timeline)
    starts, ends = frame["Start"].dropna(), frame["End"].dropna()
    parts: list[str | Table] = []
    if len(starts) and len(ends):
        first, last = min(starts), max(ends)
        parts.append(paragraph(f"From {first} to {last}: {(last - first).days + 1} days."))
    parts.append(Table(frame, {"Start": _day_text, "End": _day_text},
                       css_class="timeline",
                       caption="A phase given a duration alone starts the day after the phase "
                               "before it ends (undated when that one has no end); dates are "
                               "whole days, so a phase of a few hours still takes one, each "
                               "with its weekday"))
    return Section("Timeline", tuple(parts))


def risk_table(risks: Sequence[Risk]) -> pd.DataFrame:
    """Risks ranked by ``Score`` = severity rank (low 1 .. critical 4) x likelihood rank (low 1
    .. high 3), highest first; ties keep the plan's order."""
    frame = pd.DataFrame([{"Risk": r.description, "Severity": r.severity,
                           "Likelihood": r.likelihood,
                           "Score": (SEVERITIES.index(r.severity) + 1)
                           * (LIKELIHOODS.index(r.likelihood) + 1),
                           "Mitigation": r.mitigation, "Owner": r.owner or "-"} for r in risks],
                         columns=["Risk", "Severity", "Likelihood", "Score", "Mitigation",
                                  "Owner"])
    return frame.sort_values("Score", ascending=False, kind="stable").reset_index(drop=True)


def risk_assessment(a: PlanAnalysis) -> Section:
    """Every risk with its severity, likelihood, score, mitigation and owner, ranked."""
    return Section("Risk Assessment", (
        paragraph("Score = severity (low 1, medium 2, high 3, critical 4) x likelihood (low 1, "
                  "medium 2, high 3)."),
        Table(risk_table(a.plan.risks), css_class="risks")))
