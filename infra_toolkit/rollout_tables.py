"""The Deployment Strategy section's tables (pure: no I/O): per proposed workload and replica
count it is rolled at, what the plan's strategy implies (:mod:`infra_toolkit.rollout`'s
arithmetic), for a canary each step's pods, and whether the pods at once fit on its node groups
beside the other workloads' pods.

**Rolled at**: an HPA workload at the peak spec replicas the expected scenario's simulation
reached (a rollout that meets the busiest moment of an expected day), at its minReplicas (the
quietest) and at its maxReplicas (a rollout during a surge, or after someone raised minReplicas
for one: the most pods its HPA allows); a Deployment without an HPA at its replicas.

The room and the extra nodes each row is checked against: :mod:`infra_toolkit.rollout_nodes`;
the strategy each workload rolls by: :mod:`infra_toolkit.rollout_strategies`.

A figure is ``-`` when not known.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from infra_toolkit.analysis import PlanAnalysis
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_cost import node_group_resources
from infra_toolkit.plan_operations_types import DeploymentStrategy
from infra_toolkit.report_html import duration_text
from infra_toolkit.rollout import (
    blue_green_rollout,
    canary_step_pods,
    rolling_rollout,
    time_to_ready,
)
from infra_toolkit.rollout_nodes import (
    Fleet,
    extra_node_columns,
    extra_node_count,
    flag_text,
    node_tenants,
    room_columns,
    room_of,
)
from infra_toolkit.rollout_strategies import effective_strategy, later_update_groups

__all__ = ["canary_step_table", "extra_node_rows", "later_update_table", "rollback_floor",
           "rollout_table"]


def extra_node_rows(frame: pd.DataFrame, workload: str) -> list[str]:
    """The "Rolled at" of ``workload``'s rows of a rolling :func:`rollout_table` whose pods at
    once take extra nodes (more than 0; not when unknown)."""
    if "Extra nodes, others at peak" not in frame:
        return []
    mine = frame[frame["Workload"] == workload]
    extra = pd.to_numeric(mine["Extra nodes, others at peak"], errors="coerce")
    return [str(b) for b in mine["Rolled at"][extra > 0]]


def _bases(a: PlanAnalysis, w: Workload
           ) -> tuple[list[tuple[str, int, float | None]], tuple[int, int] | None,
                      Fleet | None]:
    """(what the rollout is taken at, replicas, the highest rate in rps the expected scenario
    offered while the HPA held at most those replicas: :func:`_rate_held`), the
    room beside the others at their peak and at their max and the nodes' tenants (``None``:
    not known)."""
    run = a.run(a.expected_scenario) if a.expected_scenario is not None else None
    if run is None:  # only load tests selected: the replicas the manifests give, no room
        if w.hpa_spec is not None:
            return [("minReplicas (no expected scenario)", w.hpa_spec.min_replicas, None),
                    ("maxReplicas (no expected scenario)", w.hpa_spec.max_replicas, None)
                    ], None, None
        replicas = 1 if w.deployment_spec.replicas is None else w.deployment_spec.replicas
        return [("Deployment replicas (no HPA)", replicas, None)], None, None
    everyone = node_tenants(a.plan, run)
    me = next((t for t in everyone if t.workload.name == w.name), None)
    rooms = None if me is None else (room_of(everyone, me, False), room_of(everyone, me, True))
    fleet = None if me is None else Fleet(run, tuple(everyone), me,
                                          node_group_resources(a.plan))
    sim = run.simulations.get(w.name)
    if sim is not None and w.hpa_spec is not None:
        at = [(f"peak replicas in {run.name!r}", sim.summary.peak_replicas),
              ("minReplicas", w.hpa_spec.min_replicas), ("maxReplicas", w.hpa_spec.max_replicas)]
        return ([(basis, n, _rate_held(sim.timeline, n)) for basis, n in at], rooms, fleet)
    replicas = 1 if w.deployment_spec.replicas is None else w.deployment_spec.replicas
    return [("Deployment replicas (no HPA)", replicas, None)], rooms, fleet


def _rate_held(timeline: pd.DataFrame, replicas: int) -> float | None:
    """The highest rate (rps) the run offered while the HPA held at most ``replicas``: the load
    a rollout at that count meets (the HPA sits at minReplicas only when the load is low, so
    the day's peak would flag a shortfall no rollout meets; audit17 A17-10); ``None`` when the
    run never held so few."""
    held = timeline["offered_rps"].to_numpy()[timeline["spec_replicas"].to_numpy() <= replicas]
    return float(held.max()) if held.size else None


def _row(s: DeploymentStrategy, w: Workload, basis: str, replicas: int, peak_rps: float | None,
         rooms: tuple[int, int] | None, fleet: Fleet | None = None) -> dict[str, object]:
    ttr = time_to_ready(w)
    ready_s = None if ttr is None else ttr.total_s
    row: dict[str, object] = {"Workload": w.name, "Rolled at": basis, "Replicas": replicas}
    if s.type == "rolling":
        # the manifest's minReadySeconds holds each wave whoever picked the surge and unavailable
        min_ready_s = w.deployment_spec.update_strategy.min_ready_s
        r = rolling_rollout(replicas, s.max_surge, s.max_unavailable, ready_s or 0.0,
                            None if w.model is None else w.model.capacity_rps_per_pod, peak_rps,
                            s.partition, min_ready_s)
        if s.partition:
            row["Pods rolled"] = r.rolled
        row.update({"Surge": r.surge, "Unavailable": r.unavailable,
                    "Most pods at once": r.most_pods, **room_columns(r.most_pods, rooms),
                    **extra_node_columns(fleet, replicas, r.most_pods, None if ready_s is None
                                         else [(r.most_pods, r.duration_s)]),
                    "Fewest available": r.fewest_available,
                    "Their capacity (rps)": r.fewest_capacity_rps, "Peak rate (rps)": peak_rps,
                    "Serves the peak": flag_text(r.serves_peak), "Waves": r.waves,
                    "Time to Ready": duration_text(ready_s),
                    "Duration": duration_text(None if ready_s is None else r.duration_s)})
    elif s.type == "blue-green":
        b = blue_green_rollout(replicas, ready_s or 0.0, s.preview_s, s.scale_down_delay_s,
                               w.deployment_spec.update_strategy.min_ready_s, s.preview_replicas)
        if s.preview_replicas is not None:  # the preview set's own size until promotion
            row.update({"Preview pods": s.preview_replicas,
                        "Pods at once in the preview": replicas + s.preview_replicas})
        row.update({"Pods at once": b.pods_at_once, **room_columns(b.pods_at_once, rooms),
                    **extra_node_columns(fleet, replicas, b.pods_at_once,
                                         None if ready_s is None else b.phases,
                                         at_least=not s.auto_promote),
                    "Time to Ready": duration_text(ready_s),
                    # a Rollout without auto promotion: no preview length, a person promotes
                    "Preview": ("until promoted by hand" if not s.auto_promote
                                and not s.preview_s else duration_text(s.preview_s)),
                    "Scale-down delay": duration_text(b.scale_down_delay_s),
                    # without auto promotion Argo waits for a person: the preview is a plan
                    "Both sets running": (duration_text(None) if ready_s is None else
                                          ("" if s.auto_promote or s.preview_replicas is not None
                                           else "at least ") + duration_text(b.overlap_s))})
    else:  # recreate, and the pods a canary's new version runs on (steps: canary_step_table)
        row.update({"Time to Ready": duration_text(ready_s),
                    **({"Downtime": _at_least(ready_s)} if s.type == "recreate" else {})})
    return row


def _at_least(seconds: float | None) -> str:
    return duration_text(None) if seconds is None else f"at least {duration_text(seconds)}"


def _selected(a: PlanAnalysis, strategy: DeploymentStrategy | None
              ) -> list[tuple[DeploymentStrategy, Workload]]:
    plan = a.plan.deployment_strategy
    pairs = [(effective_strategy(plan, w), w) for w in a.plan.proposed.workloads]
    return [(s, w) for s, w in pairs if strategy is None or s == strategy]



def later_update_table(a: PlanAnalysis, strategy: DeploymentStrategy) -> pd.DataFrame:
    """:func:`rollout_table`'s rows for the workloads of one of
    :func:`~infra_toolkit.rollout_strategies.later_update_groups`."""
    names = dict(later_update_groups(a)).get(strategy, ())
    return _table(a, [(strategy, w) for w in a.plan.proposed.workloads if w.name in names])


def rollout_table(a: PlanAnalysis, strategy: DeploymentStrategy | None = None) -> pd.DataFrame:
    """One row per proposed workload and replica count it is rolled at with what its strategy
    implies (:func:`~infra_toolkit.rollout_strategies.effective_strategy`; see the module
    docstring and :mod:`infra_toolkit.rollout_nodes`'; ``-`` where a figure is not known), for
    the workloads rolled by ``strategy`` only when it is given (one of
    :func:`~infra_toolkit.rollout_strategies.strategy_groups`; mixing strategies mixes their
    columns). Without an expected scenario (only load tests selected) a workload is rolled at
    its minReplicas (or its Deployment's replicas) with no peak rate and no room. Empty without
    workloads."""
    return _table(a, _selected(a, strategy))


def _table(a: PlanAnalysis, pairs: Sequence[tuple[DeploymentStrategy, Workload]]
           ) -> pd.DataFrame:
    rows = []
    for s, w in pairs:
        bases, rooms, fleet = _bases(a, w)
        rows += [_row(s, w, basis, n, rps, rooms, fleet) for basis, n, rps in bases]
    return pd.DataFrame(rows)


def canary_step_table(a: PlanAnalysis) -> pd.DataFrame:
    """For the workloads rolled by a canary of ``pods`` scope (a canary ReplicaSet beside the
    stable one), one row per workload, replica count it is rolled at and step: the canary and
    stable pods (:func:`~infra_toolkit.rollout.canary_step_pods`), all of them at once,
    whether they fit and the extra nodes they take, others at peak (see
    :mod:`infra_toolkit.rollout_nodes`; no cost: a manual pause has no known length). Empty
    when no workload rolls by such a canary or when nothing was simulated."""
    rows: list[dict[str, object]] = []
    for s, w in _selected(a, None):
        if s.type != "canary" or s.canary_scope != "pods":
            continue  # a whole-stack canary has no canary ReplicaSet beside a stable one
        bases, rooms, fleet = _bases(a, w)
        for basis, n, _rps in bases:
            rows += [{"Workload": w.name, "Rolled at": basis, "Replicas": n, "Step": i,
                      "Traffic weight (%)": p.weight_pct, "Canary pods": p.canary_pods,
                      "Stable pods": p.stable_pods,
                      # dynamicStableScale: the stable set shrinks after the traffic moved
                      **({"Stable pods while the weight moves": p.stable_pods_moving}
                         if s.canary_dynamic_stable else {}),
                      "Pods at once": p.pods_at_once,
                      **room_columns(p.pods_at_once, rooms),
                      "Extra nodes, others at peak": extra_node_count(fleet, n, p.pods_at_once)}
                     for i, p in enumerate(canary_step_pods(
                         s.steps, n, s.canary_min_pods, s.canary_max_weight,
                         s.canary_dynamic_stable), 1)]
    return pd.DataFrame(rows)



def rollback_floor(a: PlanAnalysis) -> tuple[float, str] | None:
    """The longest time the strategies themselves take to roll a workload back, seconds, and
    where it comes from: a rolling update's undo is another rolling update (its duration at
    each replica count it is rolled at), a Recreate another downtime of one time to Ready;
    ``None`` when no workload rolls by either or no time to Ready is known (a blue-green or a
    canary switches traffic back, which the strategy does not time)."""
    worst: tuple[float, str] | None = None
    for s, w in _selected(a, None):
        ttr = time_to_ready(w)
        if ttr is None or s.type not in ("rolling", "recreate"):
            continue
        for basis, n, _rps in _bases(a, w)[0]:
            if s.type == "recreate":
                took, what = ttr.total_s, f"{w.name}'s Recreate (one time to Ready)"
            else:
                took = rolling_rollout(n, s.max_surge, s.max_unavailable, ttr.total_s,
                                       partition=s.partition,
                                       min_ready_s=w.deployment_spec.update_strategy.min_ready_s
                                       ).duration_s
                what = f"{w.name}'s rolling undo at {n} replicas ({basis})"
            if worst is None or took > worst[0]:
                worst = (took, what)
    return worst
