"""Report sections that restate the plan's operational parts: deployment strategy, monitoring
and alerts, rollback plan, testing plan (with the simulated outcome of each test's scenario),
security checklist, questions for approval, timeline (end dates computed) and risk assessment
(ranked). Re-exported by :mod:`infra_toolkit.sections`."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from infra_toolkit.analysis import PlanAnalysis
from infra_toolkit.argo_rollout import DEFAULT_SCALE_DOWN_DELAY_S
from infra_toolkit.plan import LIKELIHOODS, SEVERITIES
from infra_toolkit.plan_operations_types import CanaryStep, Phase, Risk, phase_dates
from infra_toolkit.report_html import (
    Section,
    Table,
    duration_text,
    fields,
    longest_time_to_capacity_text,
    paragraph,
    quantity_text,
    share_pct_text,
)
from infra_toolkit.rollout import canary_bake, time_to_ready
from infra_toolkit.rollout_nodes import node_provisioning_s
from infra_toolkit.rollout_strategies import (
    later_update_groups,
    manifest_mismatches,
    strategy_groups,
)
from infra_toolkit.rollout_tables import (
    canary_step_table,
    extra_node_rows,
    later_update_table,
    rollback_floor,
    rollout_table,
)
from infra_toolkit.sections_canary import stack_canary_parts
from infra_toolkit.sections_monitoring import alert_fires_text, alert_replay_parts
from infra_toolkit.update_strategy import UpdateStrategy

__all__ = [
    "ROLLOUT_FORMATS",
    "deployment_strategy",
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


def deployment_strategy(a: PlanAnalysis) -> Section:
    """How the change rolls out: the strategy, its parameters, for a canary its steps and bake
    time, and per proposed workload what the strategy implies, for a canary per step
    (:mod:`infra_toolkit.rollout_tables`)."""
    s = a.plan.deployment_strategy
    rows = [("Type", s.type)]
    if s.type == "rolling":
        rows += [("Max surge", str(s.max_surge)), ("Max unavailable", str(s.max_unavailable))]
    if s.type == "canary":
        rows += [("Traffic router", s.traffic_router or "-"), ("Analysis", s.analysis or "-")]
    if s.type == "blue-green":
        rows += [("Preview", duration_text(s.preview_s)),
                 ("Auto promote", "yes" if s.auto_promote else "no"),
                 ("Scale-down delay", duration_text(s.scale_down_delay_s))]
    parts: list[str | Table] = [paragraph(s.description), fields(rows, "strategy")]
    if s.steps:
        parts += _canary_steps(s.steps)
        if s.canary_scope == "pods":
            parts.append(paragraph(_canary_wait(a), "canary-ready-wait"))
    parts += _rollout_parts(a)
    rollback = _rollback_note(a)
    if rollback:
        parts.append(paragraph(rollback, "rollout-rollback"))
    return Section("Deployment Strategy", tuple(parts))


def _canary_wait(a: PlanAnalysis) -> str:
    """Why a pods canary's elapsed and bake times are lower bounds: each step that adds canary
    pods waits for them, and for the nodes they take when the canary pods table counts extra
    nodes (audit27 A27-9: the note said one time to Ready where a node comes first)."""
    text = ("Argo Rollouts moves a step's weight only once the canary pods it needs are "
            "available, and the pause starts after that, so each step that adds canary pods "
            "lasts one more time to Ready (below)")
    steps = canary_step_table(a)
    run = a.run(a.expected_scenario) if a.expected_scenario is not None else None
    extra = (pd.to_numeric(steps["Extra nodes, others at peak"], errors="coerce")
             if "Extra nodes, others at peak" in steps else pd.Series(dtype=float))
    if run is not None and (extra > 0).any():
        text += (", after the node autoscaler's provisioning "
                 f"({node_provisioning_s(run):g} s, scan to Ready) when its pods take extra "
                 "nodes (the canary pods table)")
    return text + ": the elapsed and bake times count the pauses alone, a lower bound."


_ROLLBACK_BY_TYPE = {
    "rolling": "a rolling update is rolled back by another (kubectl rollout undo: the previous "
               "ReplicaSet becomes the new one) with the same surge, unavailable and waves, so "
               "it takes the Duration above again (less when undone midway: the old pods "
               "still running count)",
    "recreate": "a Recreate is rolled back by another Recreate: the same downtime again",
    "blue-green": "a blue-green is rolled back by switching the active Service back to the "
                  "old set: at once while the old set runs (until the scale-down delay ends), "
                  "at least one time to Ready once it is scaled down",
    # audit27 A27-4: "every request ... at once" is not so behind an NLB, which weights
    # connections (the search-api plan's own description says so)
    "pods": "aborting the canary gives the stable ReplicaSet, which kept its full replicas "
            "(dynamicStableScale off), the whole weight again: no pod to start; a router that "
            "weights requests moves every request back at once, one that weights connections "
            "(an NLB's weighted target groups) only new connections, while open keep-alive "
            "connections stay on the canary pods until they close",
    # calculateDesiredWeightOnAbortOrStableRollback: with dynamicStableScale the weight moves
    # back only as fast as the stable pods, scaled down with the traffic, become available
    "dynamic": "aborting a canary with dynamicStableScale scales the stable ReplicaSet, which "
               "Argo Rollouts scaled down as the traffic left it, back up, and moves the weight "
               "back only as its pods become available: at least one time to Ready (plus "
               "minReadySeconds) before the stable version takes the whole traffic again",
    # a Rollout's canary without trafficRouting: Argo scaled the stable ReplicaSet down as the
    # canary grew (CalculateReplicaCountsForCanary), so an abort has stable pods to start again
    "basic": "aborting a basic canary (no trafficRouting) scales the stable ReplicaSet back up "
             "to the full replicas, which Argo Rollouts scaled down as the canary grew, and the "
             "canary down within maxSurge / maxUnavailable: the stable pods it lost start "
             "again, at least one time to Ready (plus minReadySeconds) before it is whole, "
             "while the Service spreads requests over every Ready pod, old and new",
    "stack": "a stack canary is rolled back by giving the old stack the whole weight again; "
             "with DNS weights resolvers and clients keep the old answer up to the records' "
             "TTL (some clients longer), so the new stack's share falls over at least one TTL "
             "rather than at once, and the old stack takes the whole traffic back within it",
}


def _rollback_note(a: PlanAnalysis) -> str:
    """How each strategy the workloads roll by is rolled back and how long that takes."""
    said: list[str] = []
    for s, names in strategy_groups(a):
        key = s.type if s.type != "canary" else (
            "basic" if s.traffic_router is None else
            "dynamic" if s.canary_dynamic_stable else s.canary_scope)
        text = f"{', '.join(names)}: {_ROLLBACK_BY_TYPE[key]}"
        argo = [n for n in names if _kind(a, n) == "Rollout"]
        if argo:  # Argo Rollouts' kubectl plugin, not kubectl rollout undo
            text += (f" (an Argo Rollout: kubectl argo rollouts abort {argo[0]} while the update "
                     f"runs, kubectl argo rollouts undo {argo[0]} once it is promoted)")
        if any(_kind(a, n) == "StatefulSet" for n in names):  # no ReplicaSets (A18-13)
            text = text.replace("the previous ReplicaSet", "the previous ReplicaSet, for a "
                                "StatefulSet its previous ControllerRevision,")
        if text not in said:
            said.append(text)
    own = {n for s, names in [*strategy_groups(a), *later_update_groups(a)]
           if s.type in ("rolling", "recreate") for n in names}
    for w in a.plan.proposed.workloads:
        if w.name in own and w.deployment_spec.update_strategy.revision_history_limit == 0:
            said.append(f"{w.name}'s manifest sets revisionHistoryLimit: 0, so no old revision "
                        "is kept and kubectl rollout undo has nothing to return to: re-apply "
                        "the previous manifest instead (or keep a few revisions)")
    return ("Rolling back: " + "; ".join(said) + ".") if said else ""


def _kind(a: PlanAnalysis, name: str) -> str:
    """The kind of the proposed workload ``name``'s manifest (``Deployment``, ``StatefulSet``
    or ``Rollout``)."""
    w = next(w for w in a.plan.proposed.workloads if w.name == name)
    return w.deployment.kind if w.deployment is not None else "Deployment"


def _canary_steps(steps: Sequence[CanaryStep], caption: str = "Canary steps"
                  ) -> list[str | Table]:
    """The canary steps with the time elapsed at the end of each pause, and the bake time."""
    elapsed, manual, rows = 0.0, False, []
    scaled = any(st.scale_replicas is not None or st.scale_weight_pct is not None
                 for st in steps)
    for i, st in enumerate(steps, 1):
        manual = manual or st.pause_s is None
        elapsed += st.pause_s or 0.0
        rows.append({"Step": i, "Traffic weight (%)": st.weight_pct,
                     # an Argo Rollout's setCanaryScale in force: the canary pods apart from
                     # the traffic (the canary pods table counts them)
                     **({"Canary scale": "the traffic weight" if st.scale_weight_pct is None
                         and st.scale_replicas is None else f"{st.scale_replicas} pod(s)"
                         if st.scale_replicas is not None
                         else f"{st.scale_weight_pct:g}% of the replicas"} if scaled else {}),
                     "Pause": "until promoted by hand" if st.pause_s is None
                     else duration_text(st.pause_s),
                     "Elapsed at the step's end": ("at least " if manual else "")
                     + duration_text(elapsed)})
    bake_s, has_manual = canary_bake(steps)
    # a step without a pause (an Argo Rollout's promotion, a setCanaryScale) adds no "0 s"
    pauses = " + ".join(duration_text(st.pause_s) for st in steps if st.pause_s)
    bake = (f"Bake time: {'at least ' if has_manual else ''}{duration_text(bake_s)} (the "
            f"automatic pauses {pauses or 'none'}"
            + (", plus the wait for a manual promotion)." if has_manual else ")."))
    return [Table(pd.DataFrame(rows), css_class="canary-steps", caption=caption),
            paragraph(bake, "canary-bake")]


_ROOM = ("; room = how many of the workload's pods fit on its node groups at max_size once the "
         "other workloads' pods there are placed (the simulator's per-node packing of mixed "
         "requests, first fit in the groups' priority order); others at peak: each other "
         "autoscaled workload at its peak spec replicas in the expected scenario (peaks that may "
         "fall at different times: a little more than they hold at once; a Deployment without "
         "an HPA at its replicas), others at max: at its maxReplicas. Rolled at: the "
         "expected scenario's peak replicas (a rollout at the busiest moment of an expected "
         "day), minReplicas (the quietest) and maxReplicas (a rollout during a surge: the most "
         "pods the HPA allows)")
_EXTRA = ("; extra nodes: the nodes those pods at once take beyond the "
          "replicas alone, others at peak, by the same packing, never below a group's min_size "
          "(the nodes it keeps anyway absorb a small surge); their cost: each at its group's "
          "price per node-hour for the node autoscaler's provisioning + the rollout's duration "
          "(a blue-green's both sets running) + its unneeded time before removal (see the "
          "simulation settings), at least that when both sets run until a person promotes, "
          "'-' when they do not fit or a price is missing")
_CANARY_PODS = ("Canary pods per step (Argo Rollouts with a traffic router, "
                "utils/replicaset/canary.go CalculateReplicaCountsForTrafficRoutedCanary): "
                "canary pods = ceil(replicas x weight / 100), at least a Rollout's "
                "minPodsPerReplicaSet above weight 0 (capped at the replicas); a Rollout's "
                "setCanaryScale in force sizes them instead (its replicas as written, or "
                "ceil(replicas x its weight / 100)) until another or the promotion; weights "
                "count out of a Rollout's maxTrafficWeight (the table shows them as "
                "percentages). The stable ReplicaSet stays at "
                "the full replicas until the rollout completes (dynamicStableScale off, its "
                "default), so pods at once = replicas + canary pods, 2 x replicas at weight "
                "100; with a Rollout's dynamicStableScale the stable pods are "
                "ceil(replicas x (100 - w) / 100) for w the smaller of the traffic weight and a "
                "setCanaryScale weight (the full replicas under a scale of replicas), at least "
                "its minPodsPerReplicaSet, shrunk only once the traffic has moved, so the pods "
                "at once add the canary's new pods to the previous step's stable pods; "
                "extra nodes: the nodes those pods at once take beyond the replicas alone, "
                "others at peak, packed as for the room, never below a group's min_size, held "
                "for the step's pause, '-' when the pods at once do not fit")

_ROLLOUT_CAPTIONS = {
    "rolling": "Rolling update per workload (Kubernetes ResolveFenceposts: max surge as a "
               "percentage of the replicas rounds up, max unavailable rounds down, both 0 "
               "makes unavailable 1, 25 % each when unset). Most pods at once = replicas + "
               "surge, at most 2 x replicas (the new ReplicaSet never exceeds the "
               "replicas), as the controller counts them: old pods still terminating (up to "
               "their terminationGracePeriodSeconds, 30 s by default) are not counted but "
               "keep their node room meanwhile; fewest available = replicas - unavailable, "
               "their capacity = that x "
               "capacity_rps_per_pod of the workload model, against the peak rate: the "
               "highest the expected scenario offered the workload while its HPA held at "
               "most those replicas (the day's peak at its peak replicas and above; at "
               "minReplicas the busiest moment it stayed there, '-' if it never did; rates "
               "to the hundredth, the peak rounded up, the capacity down) (NO also "
               "whenever no pod stays available: an outage, whatever the rate); "
               "waves = ceil(replicas / (surge + unavailable)): "
               "each wave starts surge + unavailable new pods (only the surge when max "
               "unavailable is 0: an old pod stops once a new one is available) and waits for "
               "them; duration = waves x (time to Ready + the manifest's minReadySeconds, said "
               "under the table when set: a new pod counts as available only once Ready that "
               "long), at least (old pods' "
               "termination and any new node's start not counted). An HPA that changes the "
               "replicas mid-rollout: the controller re-resolves surge and unavailable for the "
               "new count and spreads the change over the old and new pods in proportion, so "
               "the row at the replicas it reaches applies from then on. A StatefulSet's "
               "partition P leaves the ordinals below P on the old version: pods rolled = "
               "max(0, replicas - P) (none when P >= replicas), waves and duration count "
               "those; fewest available = replicas - min(unavailable, pods rolled), over every "
               "replica",
    "blue-green": "Blue-green per workload: a second full set of pods (2 x replicas) from "
                  "the new set's start until the old one is scaled down: both sets run for "
                  "time to Ready + the manifest's minReadySeconds (promoted once the new "
                  "set is available) + preview + scale-down delay (Argo Rollouts' default "
                  f"{DEFAULT_SCALE_DOWN_DELAY_S:g} s when not given), \"at least\" that "
                  "when auto promote is off (autoPromotionEnabled: false: the preview lasts "
                  "until a person promotes). A Rollout's previewReplicaCount P: the preview "
                  "set runs P pods (replicas + P at once) for their time to Ready (none when "
                  "P is 0) + minReadySeconds + preview, then grows to the replicas, switched "
                  "to once available: both full sets run for time to Ready + minReadySeconds "
                  "(none when P >= replicas) + scale-down delay, each extra node billed for "
                  "the phases that need it. Rolling back is switching the active Service "
                  "back to the old set: at once while it runs (before the scale-down delay "
                  "ends), at least one time to Ready after it",
    "recreate": "Recreate per workload: every old pod stops before the new ones start, so "
                "the service is down for at least one time to Ready (plus the old pods' "
                "termination)",
    "canary": "The new version's pods per workload and their time to Ready",
}


def _rollout_parts(a: PlanAnalysis) -> list[str | Table]:
    """The rollout of each proposed workload under the strategy it rolls by (the plan's, or for
    a workload the plan's strategy does not name, its manifest's own), for a canary per step,
    with where its figures come from."""
    groups = strategy_groups(a)
    if not groups:
        return [paragraph("Rollout figures: none (the plan has no workloads).")]
    parts: list[str | Table] = []
    rolling_frames = []
    plan = a.plan.deployment_strategy
    for s, names in groups:
        frame = rollout_table(a, s)
        if s.type == "rolling":
            rolling_frames.append(frame)
        caption = _ROLLOUT_CAPTIONS[s.type]
        if s.type in ("rolling", "blue-green"):
            caption += _ROOM + _EXTRA
        if s != a.plan.deployment_strategy:
            # not named by the plan's strategy, or unable to take it (a StatefulSet under a
            # rolling one, an Argo Rollout under rolling or recreate: said in the warnings)
            caption = (f"{', '.join(names)}: not rolled by the plan's strategy (not named by it, "
                       f"or unable to take it: see the plan warnings), but by {s.description}. "
                       + caption)
        parts.append(Table(frame, ROLLOUT_FORMATS, css_class="rollout", caption=caption))
        if s != a.plan.deployment_strategy and s.steps:
            # an Argo Rollout's own canary: its steps, pauses and bake time, as the plan's are
            parts += _canary_steps(s.steps, f"Canary steps of {', '.join(names)} (the "
                                            "Rollout's own spec.strategy.canary.steps, Argo's "
                                            "promotion to 100 % last" + _kept_after(a, names)
                                   + ")")
            wait = paragraph(_canary_wait(a), "canary-ready-wait")
            if wait not in parts and not (plan.steps and plan.canary_scope == "pods"):
                parts.append(wait)  # said once, and above already for the plan's own canary
    for s, names in later_update_groups(a):
        caption = _ROLLOUT_CAPTIONS[s.type] + (_ROOM + _EXTRA if s.type == "rolling" else "")
        later = later_update_table(a, s)
        if s.type == "rolling":
            rolling_frames.append(later)
        parts.append(Table(later, ROLLOUT_FORMATS, css_class="rollout-later",
                           caption=f"After the canary, every later update of {', '.join(names)} "
                                   f"inside the new stack rolls by {s.description}. "
                                   + caption))
    notes = []
    rolled = {n for s, names in [*groups, *later_update_groups(a)] if s.type == "rolling"
              for n in names}
    for w in a.plan.proposed.workloads:
        t = time_to_ready(w)
        if t is not None:
            notes.append(f"time to Ready of {w.name} (image pull and app start from the "
                         f"workload model, probes from the Deployment): {t.text}"
                         + _deadline_note(w.deployment_spec.update_strategy, t.total_s,
                                          w.name in rolled, _node_wait(a, rolling_frames, w.name)))
    parts.append(paragraph("; ".join(notes) + "." if notes else "Time to Ready: no workload "
                           "model.", "rollout-ready"))
    mismatches = manifest_mismatches(a)
    if mismatches:
        parts.append(paragraph(
            "The manifests disagree with the plan's strategy, and the controller replaces pods "
            "by the manifest, so the figures above hold only once they agree: "
            + "; ".join(mismatches) + ". Write the plan's values into the manifest (or the "
            "manifest's into the plan).", "rollout-mismatch"))
    stack = [s for s, _names in groups if s.type == "canary" and s.canary_scope == "stack"]
    if stack:
        parts.append(paragraph(
            f"The canary moves traffic between two whole stacks ({stack[0].traffic_router}): the "
            "new stack's Deployment is its only ReplicaSet, so there are no canary pods beside "
            "stable ones; its HPA sizes it for each step's share of the traffic, within the "
            "replicas above.", "canary-stack"))
        parts += stack_canary_parts(a)
    steps = canary_step_table(a)
    if not steps.empty:
        parts.append(Table(steps, ROLLOUT_FORMATS, css_class="canary-pods",
                           caption=_CANARY_PODS + _ROOM))
    return parts


def _kept_after(a: PlanAnalysis, names: Sequence[str]) -> str:
    """For Rollouts' own canaries, how long Argo keeps the previous stable ReplicaSet at its full
    replicas after the promotion (``scaleDownDelaySeconds``, 30 s unset, with trafficRouting):
    the 100 % step's pods at once last that long past the steps."""
    delays = [f"{w.name} {argo.scale_down_delay_s} s" for w in a.plan.proposed.workloads
              if w.name in names and (argo := w.deployment_spec.update_strategy.argo) is not None
              and argo.traffic_router is not None and not argo.dynamic_stable_scale]
    return ("; after it Argo keeps the previous stable ReplicaSet at full replicas for "
            f"scaleDownDelaySeconds ({', '.join(delays)}), not in the elapsed times"
            if delays else "")


def _node_wait(a: PlanAnalysis, frames: Sequence[pd.DataFrame], name: str
               ) -> tuple[float, list[str]] | None:
    """The node autoscaler's provisioning in seconds and the rows of ``name``'s rolling tables
    whose surge takes extra nodes, ``None`` when none does."""
    rows = [b for f in frames for b in extra_node_rows(f, name)]
    run = a.run(a.expected_scenario) if a.expected_scenario is not None else None
    if not rows or run is None:
        return None
    return node_provisioning_s(run), list(dict.fromkeys(rows))


def _deadline_note(u: UpdateStrategy, ready_s: float, rolling: bool,
                   node_wait: tuple[float, list[str]] | None = None) -> str:
    """The manifest's minReadySeconds when set (a rolling wave lasts that much longer, when the
    workload rolls: not a "rolling wave" under a recreate or blue-green, audit18 A18-12), and a
    warning when one wave (time to Ready + minReadySeconds) outlasts the Deployment's
    progressDeadlineSeconds: no pod becomes available for that long, so the controller sets
    Progressing=False, ProgressDeadlineExceeded (``DeploymentTimedOut`` in
    pkg/controller/deployment/util) and ``kubectl rollout status`` fails, though the pods
    keep coming."""
    wave_s = ready_s + u.min_ready_s
    wave = f": a rolling wave takes {wave_s:g} s" if rolling else f" ({wave_s:g} s)"
    said = (f", then minReadySeconds {u.min_ready_s} s before it counts as available{wave}"
            if u.min_ready_s else "")
    fails = ("the Deployment reports ProgressDeadlineExceeded and `kubectl rollout status` "
             "fails mid-rollout (raise progressDeadlineSeconds")
    if u.progress_deadline_s is None:
        return said
    if wave_s > u.progress_deadline_s:
        return f"{said}, more than its progressDeadlineSeconds {u.progress_deadline_s} s: {fails})"
    if not rolling or node_wait is None or node_wait[0] + wave_s <= u.progress_deadline_s:
        return said
    # audit18 A18-19: the first surge pod waits for the node the table says it takes
    provisioning_s, rows = node_wait
    return (f"{said}; rolled at {', '.join(rows)} its surge takes extra nodes (table above), so "
            "the first wave also waits for the node autoscaler's provisioning "
            f"({provisioning_s:g} s, scan to Ready): {provisioning_s:g} + {ready_s:g}"
            + (f" + {u.min_ready_s}" if u.min_ready_s else "") + " = "
            f"{provisioning_s + wave_s:g} s, more than its progressDeadlineSeconds "
            f"{u.progress_deadline_s} s: {fails}, or keep room for the surge on the nodes "
            "already running)")


def _count_text(v: object) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:g}"


#: The rollout tables' cell formats: counts as they are, rates as the report's other rates (to
#: the hundredth), the peak rounded up and the capacity down so that a peak above the capacity
#: never reads as equal (a capacity of more decimals rounded to the nearest could round up)
ROLLOUT_FORMATS: dict[str, Callable[[Any], str]] = {
    "Room, others at peak": _count_text, "Room, others at max": _count_text,
    "Extra nodes, others at peak": _count_text,
    "Their capacity (rps)": lambda v: quantity_text(v, 2, down=True),
    "Peak rate (rps)": lambda v: quantity_text(v, 2, up=True)}


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
    return Section("Monitoring and Alerts", (
        Table(metrics, css_class="metrics", caption="Metrics"),
        Table(dashboards, css_class="dashboards", caption="Dashboards"),
        Table(alerts, css_class="alerts", caption="Alert rules"), *alert_replay_parts(a)))


def rollback_plan(a: PlanAnalysis) -> Section:
    """What starts a rollback, its steps in order, how long it takes, the point of no return."""
    r = a.plan.rollback
    fires = alert_fires_text(a)
    triggers = pd.DataFrame([{"Condition": t.condition, "Alert": t.alert or "-",
                              "Automatic": "yes" if t.automatic else "no",
                              "Fires in the simulation": _trigger_fires(t.alert, fires, a)}
                             for t in r.triggers])
    parts: list[str | Table] = [
        Table(triggers, css_class="rollback-triggers", caption=_TRIGGERS),
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


def _trigger_fires(alert: str | None, fires: dict[str, str], a: PlanAnalysis) -> str:
    """When a trigger's alert fires in the simulated scenarios (:func:`alert_fires_text`)."""
    if alert is None or not a.runs:
        return "-"
    return fires.get(alert, "not simulated (no simulated mapping)")


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
        out.append(f"{name}: SLOs met {int(slos['met'].sum())} of {len(slos)}, peak replicas "
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
    """The questions the approver answers, numbered as ``--answer N=TEXT`` expects."""
    return Section("Questions for Approval", (
        _ordered(a.plan.questions, "questions"),
        paragraph("Each approval answers every question (infra-toolkit approve ... --answer "
                  "N=TEXT, or the approval notebook).")))


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


def timeline(a: PlanAnalysis) -> Section:
    """The phases with their dates, and the span from the first start to the last end."""
    frame = phase_table(a.plan.timeline)
    starts, ends = frame["Start"].dropna(), frame["End"].dropna()
    parts: list[str | Table] = []
    if len(starts) and len(ends):
        first, last = min(starts), max(ends)
        parts.append(paragraph(f"From {first} to {last}: {(last - first).days + 1} days."))
    parts.append(Table(frame, {"Start": lambda v: str(v) if v is not None else "-",
                               "End": lambda v: str(v) if v is not None else "-"},
                       css_class="timeline",
                       caption="A phase given a duration alone starts the day after the phase "
                               "before it ends (undated when that one has no end); dates are "
                               "whole days, so a phase of a few hours still takes one"))
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
