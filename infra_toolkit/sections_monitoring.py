"""The Monitoring section's alert replay: per simulated scenario, when each alert with a
``simulated`` mapping would have fired (:mod:`infra_toolkit.alert_replay`) and how that compares
with the scenario's first SLO violation; the alerts without a mapping listed as not simulated."""

from __future__ import annotations

import pandas as pd

from infra_toolkit.alert_replay import AlertReplay
from infra_toolkit.analysis import PlanAnalysis, ScenarioRun
from infra_toolkit.plan_alerts import alert_workloads, replay_scenario
from infra_toolkit.report_html import (
    Table,
    duration_text,
    elapsed_text,
    paragraph,
    quantity_text,
)

__all__ = ["alert_fires_text", "alert_replay_frame", "alert_replay_parts", "saturated_note",
           "slo_lead_text", "start_up_lead_text"]

_EXPLAINED = (
    "Alert replay: each mapped alert's condition evaluated at the end of every {step} s "
    "simulation step, on that step's values, with its `for` (pending until it has held that "
    "long; a step where it does not hold resets it). Times are from the scenario's start. "
    "Expression windows such as [5m] are modelled only where the mapping gives `window`; the "
    "rule's evaluation interval is taken as the step (a coarser one fires up to one interval "
    "later). 'vs first SLO violation' compares the first fire with the first step that broke the "
    "SLO the alert is tied to (a latency alert's percentile, an error-rate alert's "
    "availability; named when the workload has others), else any SLO of the workload, as the "
    "SLO table counts it; a run that broke them from its first step (its starting replicas "
    "cannot serve the scenario's first rate) says so, and compares the first fire after it "
    "first met them with the first violation after that.")


def _slo_words(replay: AlertReplay) -> str:
    """``SLO``, or the SLOs the alert was compared with when they are not all of its
    workload's: ``SLO 'search availability'``, ``SLOs 'p95', 'p99'``."""
    names = replay.compared_slos
    if not names:
        return "SLO"
    return f"SLO{'s' if len(names) > 1 else ''} {', '.join(repr(n) for n in names)}"


def _lead_text(lead: float) -> str:
    if lead == 0:
        return "at the same step"
    # to the second, as the two moments it is the difference of (elapsed_text)
    return f"{elapsed_text(abs(lead))} {'after' if lead > 0 else 'before'}"


def slo_lead_text(replay: AlertReplay) -> str:
    """How the first fire compares with the first SLO violation: ``8 min after``, ``2 min
    before``, ``at the same step``, ``never fires; SLO first violated at 1 h 5 min``, ``no SLO
    violated``; naming the SLO compared when it is not every SLO of the workload (``5 min after
    (SLO 'availability')``, ``SLO 'availability' not violated``). A run violating its SLOs from
    its first step says so and compares the alert after its start-up
    (:func:`start_up_lead_text`)."""
    if replay.startup is not None:
        return start_up_lead_text(replay)
    slo = _slo_words(replay)
    if replay.first_violation_s is None:
        return f"{slo} not violated" if replay.compared_slos else "no SLO violated"
    if replay.first_fire_s is None:
        return f"never fires; {slo} first violated at {elapsed_text(replay.first_violation_s)}"
    lead = replay.fire_vs_slo_s
    assert lead is not None
    return _lead_text(lead) + (f" ({slo})" if replay.compared_slos else "")


def start_up_lead_text(replay: AlertReplay) -> str:
    """For a run violating its SLOs from its first step (``replay.startup``): ``SLO violated
    from the start (start-up: 4 replicas under 150 rps, until 2 min 30 s); first violation after
    the run first met the SLO: 1 h 5 min, the alert fires 30 s after``, ``...: none``, ``...,
    the alert never fires after the start-up``, ``SLO violated from the start and never met
    (start-up: ...)``; and ``; it also fired during the start-up, at 20 s`` when it did."""
    up = replay.startup
    assert up is not None
    slo = _slo_words(replay)
    if up.met_s is None:
        return f"{slo} violated from the start and never met (start-up: {up.text()})"
    text = (f"{slo} violated from the start (start-up: {up.text()}, until "
            f"{elapsed_text(up.met_s)}); first violation after the run first met the "
            f"{slo}: ")
    if replay.first_violation_s is None:
        text += "none"
    elif replay.fire_vs_slo_s is None:
        text += (f"{elapsed_text(replay.first_violation_s)}, the alert never fires after the "
                 "start-up")
    else:
        text += (f"{elapsed_text(replay.first_violation_s)}, the alert fires "
                 f"{_lead_text(replay.fire_vs_slo_s)}")
    first = replay.first_fire_s
    if first is not None and first < up.met_s:
        text += f"; it also fired during the start-up, at {elapsed_text(first)}"
    return text


def alert_replay_frame(replays: tuple[AlertReplay, ...]) -> pd.DataFrame:
    """One row per replay: alert, workload, simulated condition, for, fires at, firing minutes,
    times it fired and the comparison with the first SLO violation."""
    rows = []
    for r in replays:
        fires = "never" if r.first_fire_s is None else elapsed_text(r.first_fire_s)
        c = r.condition
        window = "" if c.window_s is None else f" over {duration_text(c.window_s)}"
        rows.append({"Alert": r.alert, "Workload": r.workload,
                     # as the SLO table writes its thresholds (300,000 ms); `:g` printed
                     # 300000, and 1.2e+06 for a 20-minute backlog age
                     "Signal": f"{c.signal}{window} {c.op} {quantity_text(c.threshold, 6)}",
                     "For": duration_text(r.for_s), "Fires at": fires,
                     "Firing (min)": round(r.firing_s / 60.0, 2),
                     "Times fired": len(r.intervals_s)
                     if not r.firing_at_end else f"{len(r.intervals_s)} (firing at the end)",
                     "vs first SLO violation": slo_lead_text(r)})
    return pd.DataFrame(rows, columns=["Alert", "Workload", "Signal", "For", "Fires at",
                                       "Firing (min)", "Times fired", "vs first SLO violation"])


def saturated_note(replays: tuple[AlertReplay, ...]) -> str | None:
    """The sentence naming the replays whose latency condition was decided at saturated pods
    (:mod:`infra_toolkit.alert_replay`), ``None`` when there is none."""
    ruled = [f"{r.alert} on {r.workload} ({r.saturated_steps} step(s))"
             for r in replays if r.saturated_steps]
    if not ruled:
        return None
    return ("At saturated pods the latency is the model's ceiling, a lower bound that grows with "
            "the backlog: as in the SLO table, a latency condition with > or >= is taken to hold "
            "there and one with < or <= not to, whatever that bound. Steps decided so: "
            f"{'; '.join(ruled)}.")


def alert_replay_parts(a: PlanAnalysis) -> list[str | Table]:
    """One alert replay table per simulated scenario, then one per scenario of today's
    cluster when it is simulated too (``a.current_runs``, captioned today's: how the alerts
    behave on what runs now), and a line naming the alerts that are not simulated (no mapping,
    or a workload the run did not simulate)."""
    plan = a.plan
    mapped = [r for r in plan.monitoring.alerts if alert_workloads(plan, r)]
    parts: list[str | Table] = []
    if mapped and not a.runs:
        parts.append(paragraph("Alert replay: none (no scenario was simulated)."))
    # the rule once, before the first table; each table then names its scenario
    # beside today's tables the proposal's name their side too (reader26: "Alert replay,
    # scenario 'flash-crowd'" beside "Alert replay, today's cluster, ..." read as either)
    ours = "the proposal's cluster, " if a.current_runs else ""
    sides = [(run, ours) for run in a.runs] + [(run, "today's cluster, ")
                                               for run in a.current_runs]
    steps = sorted({float(sim.spec.tick_s) for run, _side in sides
                    for sim in run.simulations.values()})
    explained = False
    for run, side in sides:
        replays = replay_scenario(plan, run.simulations)
        if replays:
            if not explained:
                step = " or ".join(f"{s:g}" for s in steps)
                parts.append(paragraph(_EXPLAINED.format(step=step), "alert-replay-rule"))
                explained = True
            parts.append(Table(alert_replay_frame(replays), css_class="alert-replay",
                               caption=f"Alert replay, {side}scenario {run.name!r}"))
            note = saturated_note(replays)
            if note:
                parts.append(paragraph(note, "alert-replay-saturated"))
    others = [r.name for r in plan.monitoring.alerts if r not in mapped]
    if others:
        parts.append(paragraph(f"Not simulated (no `simulated` mapping to a signal the "
                               f"simulation computes): {', '.join(others)}.",
                               "alerts-not-simulated"))
    return parts


def alert_fires_text(a: PlanAnalysis,
                     runs: tuple[ScenarioRun, ...] | None = None) -> dict[str, str]:
    """Per replayed alert (by name), when it first fires in each simulated scenario, from the
    scenario's start (``'launch-day' at 8 h 7 min 5 s (3 times); 'tv-flash-crowd' at 35 min
    20 s``, the workload named when the alert watches several), or ``never (4 scenarios)``;
    empty when nothing was simulated. ``runs``: the proposal's (``a.runs``) unless given, such
    as today's (``a.current_runs``: an alert whose workload no run has is left out). The
    Rollback Plan's triggers quote it (audit27 A27-3)."""
    given = runs is not None
    runs = a.runs if runs is None else runs
    if not runs:
        return {}
    plan = a.plan
    watched = {r.name: alert_workloads(plan, r) for r in plan.monitoring.alerts}
    fires: dict[str, list[str]] = {name: [] for name, on in watched.items() if on}
    replayed = set()
    for run in runs:
        for r in replay_scenario(plan, run.simulations):
            replayed.add(r.alert)
            if r.first_fire_s is None:
                continue
            on = f" on {r.workload}" if len(watched[r.alert]) > 1 else ""
            times = f" ({len(r.intervals_s)} times)" if len(r.intervals_s) > 1 else ""
            fires[r.alert].append(f"{run.name!r} at {elapsed_text(r.first_fire_s)}{on}{times}")
    n = len(runs)
    return {name: "; ".join(said) or f"never ({n} scenario{'s' if n > 1 else ''})"
            for name, said in fires.items() if name in replayed or not given}
