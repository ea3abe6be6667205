"""The Scaling Behaviour section: per scenario and workload what the simulator did (load,
replicas, nodes, drops, latency, time to capacity), each SLO checked, every under-capacity
episode broken down, each workload a KEDA ScaledObject scales to zero with its time at zero and
cold starts (:mod:`infra_toolkit.keda_summary`), the simulation settings and the plan's warnings,
open then acknowledged
(:func:`warning_tables`); the workloads whose charts the report leaves out (``chart_workloads``)
and the command that charts them.

A run that breaks its SLOs from its first step (its starting replicas cannot serve the
scenario's first rate) keeps those minutes in "Minutes violated"; the SLO table then gains the
column "Of which start-up" (:func:`~infra_toolkit.slo_check.start_up_minutes`), shown only when
some run of the report has such minutes, so a report of runs that start healthy is unchanged."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from infra_toolkit.analysis import PlanAnalysis
from infra_toolkit.keda_summary import ZeroScaling, zero_scaling
from infra_toolkit.plan_acknowledgements import AcknowledgedWarning
from infra_toolkit.plan_scenario_types import CsvTraffic, LoadTest, Scenario, SyntheticTraffic
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.report_html import (
    Section,
    Table,
    chart_links,
    duration_text,
    elapsed_text,
    fields,
    longest_time_to_capacity_text,
    paragraph,
    preformatted,
    quantity_text,
    share_pct_text,
)
from infra_toolkit.side_comparison import SLO_COLUMN_PREFIX, side_by_side_frame
from infra_toolkit.slo_check import latency_text, start_up, start_up_minutes, worst_latency_ms
from infra_toolkit.time_to_capacity import PART_LABELS

__all__ = ["SLO_COLUMNS", "capacity_table", "scaling_behaviour", "warning_tables"]

_STARTUP = "Of which start-up"
# a shared group's nodes are the group's: one row per workload on it shows them all (A18-15)
_SUMMARY_CAPTION = ("Simulated behaviour per scenario: Peak Ready nodes and Node scale-ups "
                    "count the nodes of the workload's node groups, whoever's pods they hold, "
                    "so workloads sharing a group show the same nodes (count them once)")


#: The time-to-capacity table's column of KEDA's wait, and what it is (time_to_capacity.py)
_KEDA_PART = "KEDA activation (s)"
_KEDA_PART_CAPTION = ("KEDA activation: an episode that began at zero replicas (or the "
                      "ScaledObject's idleReplicaCount) waited for KEDA's poll to wake the "
                      "workload, since the HPA does not scale at zero; its metric lag and sync "
                      "wait count from that write. ")


def capacity_table(episodes: list[dict[str, Any]], keda: bool) -> Table:
    """The time-to-capacity table of the episodes' rows; ``keda``: a workload a ScaledObject
    scales to zero was run, so its "KEDA activation (s)" column is shown (elsewhere it is 0 by
    definition, :mod:`infra_toolkit.time_to_capacity`) and the caption says what it is."""
    frame = pd.DataFrame(episodes).drop(columns=[] if keda else [_KEDA_PART], errors="ignore")
    return Table(frame, css_class="time-to-capacity", caption=(
        "Time to capacity: under-capacity episodes (offered load above what the Ready pods "
        "serve) and where their seconds went (the parts add up to the total). "
        + (_KEDA_PART_CAPTION if keda else "")
        + "Metric lag, sync wait and controller hold time the way to the write that created "
        "the pods; pods created before the episode began (the replacement of an evicted pod, a "
        "scale-up on earlier metrics) waited for none of them. At maxReplicas: before the "
        "scale-up, the HPA at maxReplicas and short of the pods the load needs; Nodes at "
        "max_size: pods waiting for a node while every node group they may use is at max_size. "
        "No faster metric, sync or node would shorten those: raise the limit. Closed by: pods "
        "(the pods that became Ready ended it), load (the offered load fell below the Ready "
        "pods' capacity first: capacity was not reached, the parts time the scale-up until "
        "then) or end (the run ended first)"))


def _summary_caption(a: PlanAnalysis) -> str:
    """The summary's caption with what a flap is: the column was a bare count, defined only in
    the Testing Plan's outcomes ("reversals within 5 min"), so a reviewer could not tell
    launch-day's 13 from noise. Every run shares the simulator's flap window."""
    window = next(iter(a.runs[0].simulations.values())).spec.flap_window_s
    return (f"{_SUMMARY_CAPTION}. Scale events: HPA syncs that changed the spec replicas "
            f"and KEDA's writes from and to zero (a ScaledObject's activation and cooldown); "
            f"Flaps: scale events that reverse the previous one's direction within "
            f"{duration_text(window)} of it")
# audit27 A27-8: search-api's launch-day availability read "1.83" minutes violated beside
# "yes" met, unexplained
#: The SLO table's headers for :func:`~infra_toolkit.slo_check.evaluate_slos`'s columns (the
#: scaling explorer's summary uses them too)
SLO_COLUMNS = {"slo": "SLO", "objective": "Objective", "achieved": "Achieved",
               "violation_minutes": "Minutes violated", "met": "Met"}

_SLO_CAPTION = ("SLO checks. Minutes violated: for a latency SLO the minutes whose percentile "
                "was above the threshold (or at saturated pods); for availability the minutes "
                "in which requests were dropped, while Met compares the whole run's share of "
                "requests served with the objective, so a run may drop requests for minutes "
                "and meet it")
# reader22: event-ingest's consumer (consumer: pull) is never judged "at saturated pods", but
# the caption said every latency SLO was
_PULL_CAPTION = (
    ". A pull consumer's ({names}: consumer: pull) steps at saturated pods are judged on their "
    "value, not counted as violated: its percentile is an estimate there, not a lower bound")
_STARTUP_CAPTION = (
    ". Of which start-up: the minutes violated before the run first met every SLO of its "
    "workload, when it broke them from its first step (each run starts warm at the "
    "Deployment's replicas under the scenario's first rate, and those pods could not serve it: "
    "see the plan warnings). They are counted in Minutes violated, as a Deployment applied "
    "under that load would break the SLO, but they are the start, not the traffic")
_NEVER_CAPTION = (
    ". '-': the run broke its SLOs from its first step and never met them, so no start-up can "
    "be told apart from the traffic: every minute violated counts (see the plan warnings: "
    "maxReplicas or the node groups short of the load)")


def _pull_caption(a: PlanAnalysis) -> str:
    """The SLO caption's sentence on the pull consumers among the proposed workloads that a
    latency SLO applies to (their own, or one for every workload), if any. reader24: author21's
    infer-worker, judged by an availability SLO alone, was named as a pull consumer whose
    latency steps are judged on their value, when no latency of it is judged at all."""
    latency = [s.workload for s in a.plan.slos if s.metric == "latency"]
    names = [w.name for w in a.plan.proposed.workloads
             if w.model is not None and w.model.consumer == "pull"
             and (w.name in latency or None in latency)]
    return _PULL_CAPTION.format(names=", ".join(names)) if names else ""


def scaling_behaviour(a: PlanAnalysis) -> Section:
    """Per scenario and workload: load, replicas, nodes, scale events, drops, latency and
    time to capacity; each SLO checked; every under-capacity episode broken down."""
    if not a.runs:
        return Section("Scaling Behaviour", (paragraph(
            "Nothing was simulated: the plan has no workload with an HPA or no scenario."),
            *_warnings(a)))
    summary, slos, episodes = [], [], []
    zeros: list[dict[str, object]] = []
    never = False  # a run broke its SLOs from its first step and never met them
    for run in a.runs:
        for name, sim in run.simulations.items():
            s, t = sim.summary, sim.timeline
            row = s.as_row()
            worst_p95 = worst_latency_ms(t, 95)
            summary.append({
                "Scenario": run.name, "Workload": name, "Duration": duration_text(s.duration_s),
                "Peak offered rps": float(t["offered_rps"].max()),
                "Mean offered rps": float(t["offered_rps"].mean()),
                "Peak replicas": s.peak_replicas, "Peak Ready nodes": int(t["nodes"].max()),
                "Scale events": s.scale_events, "Flaps": s.flaps,
                "Node scale-ups": s.node_scale_ups,
                "Dropped requests (%)": 100.0 * s.dropped_requests / s.offered_requests
                if s.offered_requests else 0.0,
                "Max p95": latency_text(*worst_p95),
                "Under-capacity episodes": row["capacity_episodes"],
                "Longest time to capacity": longest_time_to_capacity_text(s.time_to_capacity),
            })
            slo = run.slos[name].rename(columns=SLO_COLUMNS)
            first = start_up(a.plan.slos, name, t)
            if first is not None and first.met_s is None:
                # never met: no start-up to tell apart from the traffic (audit18 A18-14)
                never = True
                column = pd.Series(math.nan, index=slo.index)
            else:
                startup = start_up_minutes(a.plan.slos, name, t, float(sim.spec.tick_s))
                column = slo["SLO"].map(startup).fillna(0.0)
            slos.append(slo.assign(Scenario=run.name, Workload=name, **{_STARTUP: column}))
            episodes += [{"Scenario": run.name, "Workload": name,
                          "Start": elapsed_text(e.start_s), "Total": duration_text(e.total_s),
                          # the parts in the words of the chart's legend and the canary table
                          **{f"{label[0].upper()}{label[1:]} (s)": getattr(e, key)
                             for key, label in PART_LABELS},
                          "Closed by": e.closed_by}
                         for e in s.time_to_capacity]
            if sim.spec.keda is not None:
                zeros.append(_zero_row(run.name, name, zero_scaling(
                    t, sim.events, float(sim.spec.tick_s), sim.spec.workload.startup_s),
                    {g.name: g.min_size for g in sim.spec.node_groups}))
    slo_frame = pd.concat(slos)
    # the start-up's minutes are shown only when a run has any (module docstring)
    started_bad = bool((slo_frame[_STARTUP] > 0).any()) or never
    slo_frame = slo_frame[["Scenario", "Workload", "SLO", "Objective", "Achieved",
                           "Minutes violated", *([_STARTUP] if started_bad else []), "Met"]]
    two = {c: (lambda v: quantity_text(v, 2)) for c in (
        "Peak offered rps", "Mean offered rps", "Minutes violated", _STARTUP)}
    two["Dropped requests (%)"] = share_pct_text
    return Section("Scaling Behaviour", (
        *_scenarios(a),
        Table(pd.DataFrame(summary), two,
              css_class="scaling-summary", caption=_summary_caption(a)),
        *_today_beside(a),
        chart_links((run.name, [w for w in run.simulations if w not in a.charts.left_out])
                    for run in a.runs),
        *_charts_left_out(a),
        Table(slo_frame, {**two, "Met": lambda v: "yes" if v else "NO"}, css_class="slo-checks",
              caption=_SLO_CAPTION + _pull_caption(a) + (_STARTUP_CAPTION if started_bad else "")
              + (_NEVER_CAPTION if never else "")),
        capacity_table(episodes, keda=bool(zeros)),
        *((Table(pd.DataFrame(zeros), css_class="keda-scale-to-zero", caption=_ZERO_CAPTION),)
          if zeros else ()),
        _simulation_settings(a),
        *_warnings(a),
    ))


_ZERO_CAPTION = (
    "KEDA scale to zero: workloads whose ScaledObject lets KEDA's operator scale them to zero "
    "(minReplicaCount 0 or idleReplicaCount). KEDA polls the triggers every pollingInterval, "
    "writes minReplicaCount (at least 1) when one is above its activation value and the target "
    "is at 0, and writes 0 (or idleReplicaCount) once no trigger has been active for "
    "cooldownPeriod; at 0 the HPA does nothing. With no Ready pod a push consumer's requests "
    "are dropped (its queue holds what the Ready pods serve in queue_timeout_s); a pull "
    "consumer's messages wait in the queue until they are queue_timeout_s old (the broker "
    "keeps them), and their latency counts the wait for the first pod. A prometheus "
    "trigger is read as the requests offered to the workload: a query of its own pods' series "
    "reads nothing at zero pods, and KEDA would never wake it. The cost follows the run: "
    "node-hours while the node autoscaler keeps nodes (a group's min_size keeps them at zero "
    "pods), a workload's share by its pods. Time at zero replicas: the run's time at 0 spec "
    "replicas. Cold starts: KEDA's writes from 0 replicas; Scaled to zero: its writes to 0 "
    "(the two differ by one when the run starts and ends on different sides of zero). Cold "
    "start: from the first request offered at zero to the first Ready pod; Longest cold "
    "start: the longest one of the run, split into Activation wait (to KEDA's poll's write), "
    "Node wait (a node with room) and Pod start-up, which add up to it ('-' without a cold "
    "start). Nodes kept at zero: the min_size of each node group the workload may use, billed "
    "while it sits at zero (none: its groups may shrink to zero, unless other pods hold their "
    "nodes). The time-to-capacity table above counts the activation wait as its KEDA "
    "activation part")


def _zero_row(scenario: str, workload: str, found: ZeroScaling,
              min_sizes: Mapping[str, int]) -> dict[str, object]:
    """One row of the KEDA scale-to-zero table: a run's :class:`ZeroScaling`, and the
    ``min_size`` of each node group the workload may use (the nodes billed at zero pods)."""
    longest = found.longest
    kept = [f"{group} {size}" for group, size in min_sizes.items() if size > 0]

    def seconds(value: float | None) -> str:
        return "not Ready by the run's end" if value is None else duration_text(value)

    return {"Scenario": scenario, "Workload": workload,
            "Time at zero replicas": duration_text(found.seconds_at_zero),
            "Cold starts": len(found.cold_starts), "Scaled to zero": found.deactivations,
            "Longest cold start": "-" if longest is None else seconds(longest.total_s),
            "Activation wait": "-" if longest is None else duration_text(
                longest.activation_wait_s),
            "Node wait": "-" if longest is None else seconds(longest.node_wait_s),
            "Pod start-up": "-" if longest is None else seconds(longest.pod_startup_s),
            "Nodes kept at zero (min_size)": ", ".join(kept) or "none"}


def _today_beside(a: PlanAnalysis) -> tuple[Table, ...]:
    """Today's cluster (the current side's autoscaled workloads) beside the proposal on the
    same scenarios (author22: a change to an existing cluster showed the proposal alone)."""
    frame = side_by_side_frame(a.runs, a.current_runs)
    if frame.empty:
        return ()
    slo_columns = [c for c in frame.columns if c.startswith(SLO_COLUMN_PREFIX)]
    two = {c: (lambda v: quantity_text(v, 2)) for c in ("Pod-hours", "Node-hours (billed)")}
    # a workload without an SLO of that name: no minutes to show, not 0
    two |= {c: (lambda v: "-" if pd.isna(v) else quantity_text(v, 2)) for c in slo_columns}
    two["Dropped requests (%)"] = share_pct_text
    return (Table(frame, two, css_class="today-vs-proposed", caption=(
        "Today beside the proposal: the current side's workloads simulated on the same "
        "scenarios and timings. Minutes violated: per SLO, as the SLO checks table counts "
        "them (a minute may break more than one); Node-hours: its node groups', billed from "
        "launch")),) + _today_findings(a)


def _today_findings(a: PlanAnalysis) -> tuple[Table, ...]:
    """What the plan's checks say of today's simulated cluster (``a.today_findings``), apart
    from the plan warnings: they make the case for the change and ask nothing of the plan."""
    if not a.today_findings:
        return ()
    frame = pd.DataFrame([{"Where": w.path, "Finding": w.message} for w in a.today_findings])
    return (Table(frame, css_class="today-findings", caption=(
        "Today's findings: the plan's SLO, capacity, start and alert checks run on today's "
        "simulated cluster. They describe what runs now, which only the proposal changes: "
        "context for the review, not plan warnings (nothing to acknowledge, no bearing on "
        "the approval)")),)


def _scenarios(a: PlanAnalysis) -> tuple[str, ...]:
    """What traffic each simulated scenario replays, as the plan describes it, and its source:
    every figure of the report stands on them (audit24 A24-3: the report named 'flash-crowd'
    and priced it without saying what it was)."""
    rows = [(r.name, f"{r.scenario.description} (traffic: "
             f"{_source_text(r.scenario, r.curve.start)})") for r in a.runs]
    return (paragraph("Scenarios simulated: the traffic each replays, as the plan describes "
                      "it, and where the rates come from", "scenarios-caption"),
            fields(rows, "scenarios"))


def _source_text(scenario: Scenario, start: pd.Timestamp | None = None) -> str:
    """A scenario's traffic source in a few words: the CSV file, its cut (or, read whole, the
    instant it starts, ``start``, in UTC) and its scaling; the synthetic shape; or the load
    test's users."""
    t = scenario.traffic
    if isinstance(t, CsvTraffic):
        # every time in the report counts from the scenario's start ("first violated at 14 h
        # 30 min", the charts' hours): without that instant a reviewer cannot tell it from a
        # time of day, nor in which zone a file of +09:00 offsets is replayed (author23)
        began = start.tz_convert("UTC") if start is not None and start.tzinfo is not None \
            else start
        whole = (f", starting {began.strftime('%Y-%m-%dT%H:%M:%SZ')} (UTC; the report's "
                 "times count from it)" if began is not None else "")
        cut = (f", {t.start.isoformat() if t.start else 'its start'} to "
               f"{t.end.isoformat() if t.end else 'its end'}" if t.start or t.end else whole)
        scaled = (f", x {t.scale:g}" if t.scale is not None else
                  f", scaled to a peak of {quantity_text(t.peak_rps)} rps"
                  if t.peak_rps is not None else "")
        # rates the file does not hold: the reviewer must see that some were made up
        filled = ", its gaps filled linearly (interpolate_gaps)" if t.interpolate_gaps else ""
        return f"CSV {t.path.name}{cut}{scaled}{filled}"
    if isinstance(t, SyntheticTraffic):
        return f"synthetic {t.shape}, {duration_text(t.duration_s)}"
    assert isinstance(t, LoadTest)
    # the ramps too: the run's length in the summary table is ramp up + hold + ramp down
    up = f"ramp up {duration_text(t.ramp_up_s)}, " if t.ramp_up_s else ""
    down = f", ramp down {duration_text(t.ramp_down_s)}" if t.ramp_down_s else ""
    return (f"load test, {t.users:,} users, {up}{quantity_text(t.steady_rps, 1)} rps held for "
            f"{duration_text(t.hold_s)}{down}")


def _charts_left_out(a: PlanAnalysis) -> tuple[str, ...]:
    """Whose charts the report leaves out (``chart_workloads``), and the command that draws
    them; nothing when every workload is charted."""
    c = a.charts
    if not c.left_out:
        return ()
    return (paragraph(f"Charts below: {c.rule}: {', '.join(c.shown)}. Left out, "
                      f"{len(c.left_out)} workload(s), in the tables above but not charted: "
                      f"{', '.join(c.left_out)}. To chart them, build the report with:",
                      "charts-left-out"),
            preformatted(c.command, "chart-command"))


def _simulation_settings(a: PlanAnalysis) -> Table:
    """The timings every simulation above ran with (the plan's ``simulation`` section, the
    simulator's defaults where it is silent), so a reviewer sees how fast nodes and syncs were
    assumed to be. Every workload shares them (one cluster, one node autoscaler)."""
    spec = next(iter(a.runs[0].simulations.values())).spec
    ca = spec.autoscaler
    rows = [("Traffic step", f"{a.plan.simulation.step_s:g} s"),
            ("HPA sync period", f"{spec.controller.sync_period_s:g} s"),
            ("Metrics resolution", f"{spec.metrics.resolution_s:g} s"),
            ("Node autoscaler", ca.name),
            ("Node scan interval", f"{ca.scan_interval_s:g} s"),
            ("Node provisioning (scan to Ready)", f"{ca.provisioning_delay_s:g} s"),
            ("Unneeded node removed after", f"{ca.scale_down_unneeded_s:g} s"),
            ("No removal after a node addition for", f"{ca.scale_down_delay_after_add_s:g} s"),
            # the grid every timeline, SLO minute and alert replay above is evaluated on
            ("Simulation tick (the cadences' greatest common divisor)", f"{spec.tick_s:g} s")]
    return Table(pd.DataFrame(rows, columns=["Setting", "Value"]),
                 css_class="simulation-settings",
                 caption="Simulation settings: the plan's simulation section, the simulator's "
                         "defaults where it gives none")


def _warnings(a: PlanAnalysis) -> tuple[Table, ...]:
    """The plan's warnings (what ``infra-toolkit validate`` prints after its problems), if any:
    what its own model implies that explains the behaviour above."""
    return warning_tables(a.warnings, a.acknowledged)


def warning_tables(open_: Sequence[PlanWarning], acknowledged: Sequence[AcknowledgedWarning]
                   ) -> tuple[Table, ...]:
    """The open warnings' table, then the "Acknowledged warnings" table: each warning the
    plan's ``acknowledged_warnings`` cover, with the reason and who accepted it (kept in sight:
    the plan or the simulation may change what they say). Each only when it has a row."""
    out = []
    if open_:
        frame = pd.DataFrame([{"Where": w.path, "Warning": w.message} for w in open_])
        out.append(Table(frame, css_class="plan-warnings", caption="Plan warnings: what the "
                         "plan's own model implies (the plan is valid; see the fix in each)"))
    if acknowledged:
        frame = pd.DataFrame([{"Where": k.warning.path, "Warning": k.warning.message,
                               "Reason": k.acknowledgement.reason, "By": k.acknowledgement.by}
                              for k in acknowledged])
        out.append(Table(frame, css_class="acknowledged-warnings", caption=(
            "Acknowledged warnings: accepted in the plan's acknowledged_warnings, each with the "
            "reason and who accepted it")))
    return tuple(out)
