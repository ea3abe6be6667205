"""The Deployment Strategy section's tables (pure: no I/O): per proposed workload and replica
count it is rolled at, what the plan's strategy implies (:mod:`infra_toolkit.rollout`'s
arithmetic), for a canary each step's pods, and whether the pods at once fit on its node groups
beside the other workloads' pods.

**Rolled at**: an HPA workload at the peak spec replicas the expected scenario's simulation
reached (a rollout that meets the busiest moment of an expected day), at its minReplicas (the
quietest) and at its maxReplicas (a rollout during a surge, or after someone raised minReplicas
for one: the most pods its HPA allows); a Deployment without an HPA at its replicas.

**Room**: every node group at ``max_size``; the pods the *other* workloads hold are placed first,
as the simulator's warm start places a cluster's pods (largest requests first), then as many pods
of the workload rolled out as fit on its groups, first fit as the scheduler places new pods
(:func:`~infra_toolkit.bin_packing.room_beside`: the simulator's per-node packing, mixed
requests per node, the groups in the cluster's scale-up priority order). Only
workloads whose groups are known take part: the autoscaled ones and the Deployments without an
HPA that share a group with one (the others were not simulated). Two figures, for what the
others hold:

- **others at peak**: each other HPA workload at the peak spec replicas of the expected scenario
  (peaks that may come at different times, so a little more than they hold at any one moment),
  a Deployment without an HPA at its replicas;
- **others at max**: each other HPA workload at its maxReplicas, the most its HPA allows.

**Extra nodes**: the nodes the rollout's pods at once take beyond the replicas alone, beside
the others at their peak (:func:`~infra_toolkit.bin_packing.nodes_used`: the others placed as
for the room, then the workload's pods first fit, so a rollout within its room has a figure;
never below a group's ``min_size``, so the nodes it already keeps absorb a small surge), and
their cost: each extra node at its group's simulated price per node-hour (on-demand for a
group with ``committed_instances``, as a node above the commitment pays), billed from launch
for the node autoscaler's provisioning (scan to Ready), the rollout's duration (a blue-green's
overlap), its unneeded time before removal (cluster-autoscaler's 10 min, Karpenter-like
consolidation's 30 s) and, Karpenter-like, the removal's 15 s validation and its pods'
termination on the drained node (the group's longest grace period); "at least" that cost for
a blue-green without ``auto_promote``, whose overlap is a lower bound. A figure is ``-`` when
not known (pods that do not fit at ``max_size``, no time to Ready, a group without a price).

A figure is ``-`` when not known.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from infra_toolkit.analysis import PlanAnalysis, ScenarioRun
from infra_toolkit.argo_rollout import deployment_strategy_of
from infra_toolkit.bin_packing import nodes_used, room_beside
from infra_toolkit.cost_sim import billed_node_counts
from infra_toolkit.fixed_pods import FixedPods
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_cost import node_group_resources
from infra_toolkit.plan_operations_types import DeploymentStrategy
from infra_toolkit.report_html import duration_text
from infra_toolkit.rollout import (
    blue_green_rollout,
    canary_step_pods,
    plan_rolling_skips,
    rolling_rollout,
    time_to_ready,
)
from infra_toolkit.shared_nodes import union_groups

__all__ = ["canary_step_table", "effective_strategy", "extra_node_rows", "later_update_groups",
           "later_update_table", "manifest_mismatches", "node_provisioning_s", "own_strategy",
           "rollback_floor", "rollout_table", "strategy_groups"]


@dataclass(frozen=True)
class _Tenant:
    """A proposed workload on the nodes: its requests and groups as ``peak`` pods (the expected
    scenario's peak spec replicas, or a Deployment's replicas) and as ``most`` pods
    (maxReplicas, or the same replicas)."""

    workload: Workload
    peak: FixedPods
    most: FixedPods


def _tenants(a: PlanAnalysis, run: ScenarioRun) -> list[_Tenant]:
    """The proposed workloads whose node groups ``run`` knows, in the simulator's order (the
    autoscaled ones, then the Deployments without an HPA, each in plan order)."""
    placed = run.cluster.placed if run.cluster is not None else {}
    known = {g.name: g for g in (run.cluster.node_groups if run.cluster is not None else ())}
    ordered = sorted(a.plan.proposed.workloads, key=lambda w: w.hpa_spec is None)
    out = []
    for w in ordered:
        d = w.deployment_spec
        sim = run.simulations.get(w.name)
        if sim is not None and w.hpa_spec is not None:
            groups, peak, most = (sim.spec.node_groups, sim.summary.peak_replicas,
                                  w.hpa_spec.max_replicas)
        elif w.name in placed:
            groups = tuple(known[g] for g in placed[w.name])
            peak = most = 1 if d.replicas is None else d.replicas
        else:
            continue
        out.append(_Tenant(w, *(FixedPods(w.name, n, d.packed_cpu_millicores,
                                         d.packed_memory_mib, groups, d.max_pods_per_node)
                                for n in (peak, most))))
    return out


def _room(everyone: Sequence[_Tenant], me: _Tenant, at_max: bool) -> int:
    groups = union_groups([t.most for t in everyone])  # the cluster's priority order
    held = [t.most if at_max else t.peak for t in everyone if t is not me]
    return room_beside(groups, held, me.peak.cpu_request_millicores,
                       me.peak.memory_request_mib, me.peak.node_groups,
                       me.peak.max_pods_per_node)[0]


@dataclass(frozen=True)
class _Fleet:
    """The workload rolled out (``me``) among every tenant of the nodes in ``run``;
    ``resource_of`` names the resource pricing each node group."""

    run: ScenarioRun
    everyone: tuple[_Tenant, ...]
    me: _Tenant
    resource_of: Mapping[str, str]


def _extra_nodes(f: _Fleet, replicas: int, pods: int) -> dict[str, int] | None:
    """Nodes per group that ``pods`` of the workload take beyond ``replicas`` of it, the others
    at their peak (``None`` when either does not fit at max_size)."""
    groups = union_groups([t.most for t in f.everyone])
    others = [t.peak for t in f.everyone if t is not f.me]
    counts = []
    for n in (replicas, pods):
        # the others as the warm start places them, then the workload's pods first fit, as
        # its room is counted (room_beside): a rollout that fits its room has a figure
        used, short = nodes_used(groups, others, [dataclasses.replace(f.me.peak, replicas=n)])
        if short:
            return None
        counts.append(used)
    return {g: counts[1][g] - counts[0][g] for g in counts[0]}


def _node_usd_per_hour(run: ScenarioRun, group: str, resource: str) -> float | None:
    """One more node of ``group`` (priced by ``resource``) per hour as the run priced it: its
    group's cost over its billed nodes at the first tick with any, or, for a group with
    ``committed_instances``, the on-demand rate its nodes above the commitment pay (a node
    within the commitment costs nothing more: an upper bound); ``None`` without a price."""
    if any(r.name == resource and "committed_instances" in r.usage
           for r in run.priced_resources):
        # the cost per billed node would be the commitment's rate, spread over fewer nodes
        return next((float(ln.unit_price_usd) for ln in run.estimate.lines
                     if ln.resource_name == resource and ln.unit_price_usd is not None
                     and ln.price is not None and ln.price_table_kind == "ec2_on_demand"
                     and (ln.price.rate is None or ln.price.rate.purchase_option == "on_demand")),
                    None)
    cost, cluster = run.cluster_hourly_cost, run.cluster
    column = f"usd_per_hour_{group}"
    if cost is None or cluster is None or column not in cost:
        return None
    billed = billed_node_counts(cluster.nodes, group)
    some = np.flatnonzero(billed > 0)
    return float(cost[column].iloc[some[0]] / billed[some[0]]) if some.size else None


def _extra_columns(f: _Fleet | None, replicas: int, pods: int,
                   phases: Sequence[tuple[int, float]] | None, at_least: bool = False
                   ) -> dict[str, object]:
    """The extra nodes ``pods`` at once (the rollout's most) need over ``replicas`` and their
    cost in USD (see the module docstring) over ``phases``, (pods at once, seconds) in order
    (``None``: the duration is not known; a blue-green with a preview replica count runs fewer
    pods while the preview lasts): each extra node billed once, for the phases that need it;
    "at least" that cost when a duration is a lower bound (a blue-green waiting for a person to
    promote it)."""
    extra = None if f is None else _extra_nodes(f, replicas, pods)
    usd: float | None = None
    if f is not None and extra is not None and phases is not None:
        per_phase = [_extra_nodes(f, replicas, n) for n, _ in phases]
        prices = {g: _node_usd_per_hour(f.run, g, f.resource_of.get(g, g))
                  for g, n in extra.items() if n}
        if None not in prices.values() and None not in per_phase:
            usd = 0.0
            for g, p in prices.items():
                # the k-th extra node of a group runs through every phase needing k or more
                counts = [e[g] if e is not None else 0 for e in per_phase]
                held: dict[float, int] = {}
                for k in range(1, max(counts) + 1):
                    span_s = sum(d for c, (_n, d) in zip(counts, phases, strict=True) if c >= k)
                    held[span_s] = held.get(span_s, 0) + 1
                usd += sum(n * (p or 0.0) * _extra_node_s(f.run, g, span_s) / 3600
                           for span_s, n in held.items())
    return {"Extra nodes, others at peak": None if extra is None else sum(extra.values()),
            "Extra nodes' cost (USD)": "-" if usd is None else
            f"{'at least ' if at_least and usd > 0 else ''}{usd:,.2f}"}


def _extra_node_s(run: ScenarioRun, group: str, duration_s: float) -> float:
    """Seconds an extra node of ``group`` is billed for a rollout of ``duration_s`` in ``run``
    (module docstring), as the simulation bills a node it launches and removes: provisioning,
    the rollout, the unneeded time, the removal's validation (Karpenter-like) and its pods'
    termination on the drained node (its group's grace, Karpenter-like; 0 for
    cluster-autoscaler)."""
    specs = [sim.spec for sim in run.simulations.values()]
    ca = specs[0].autoscaler
    spec = next((g for s in specs for g in s.node_groups if g.name == group), None)
    termination_s = ca.pod_termination_s if spec is None else ca.termination_s(spec)
    return (node_provisioning_s(run) + duration_s + ca.scale_down_unneeded_s
            + ca.consolidation_validation_s + termination_s)


def node_provisioning_s(run: ScenarioRun) -> float:
    """The node autoscaler's provisioning in ``run``, seconds from the scan that launches a node
    to the node Ready (the plan's simulation settings; one autoscaler for every workload)."""
    return next(iter(run.simulations.values())).spec.autoscaler.provisioning_delay_s


def extra_node_rows(frame: pd.DataFrame, workload: str) -> list[str]:
    """The "Rolled at" of ``workload``'s rows of a rolling :func:`rollout_table` whose pods at
    once take extra nodes (more than 0; not when unknown)."""
    if "Extra nodes, others at peak" not in frame:
        return []
    mine = frame[frame["Workload"] == workload]
    extra = pd.to_numeric(mine["Extra nodes, others at peak"], errors="coerce")
    return [str(b) for b in mine["Rolled at"][extra > 0]]


def _flag(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "NO")


def _room_columns(pods: int, rooms: tuple[int, int] | None) -> dict[str, object]:
    """``pods`` at once against the room beside the others at their peak and at their max."""
    peak, most = (None, None) if rooms is None else rooms
    return {"Room, others at peak": peak,
            "Fits, others at peak": _flag(None if peak is None else pods <= peak),
            "Room, others at max": most,
            "Fits, others at max": _flag(None if most is None else pods <= most)}


def _bases(a: PlanAnalysis, w: Workload
           ) -> tuple[list[tuple[str, int, float | None]], tuple[int, int] | None,
                      _Fleet | None]:
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
    everyone = _tenants(a, run)
    me = next((t for t in everyone if t.workload.name == w.name), None)
    rooms = None if me is None else (_room(everyone, me, False), _room(everyone, me, True))
    fleet = None if me is None else _Fleet(run, tuple(everyone), me,
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
         rooms: tuple[int, int] | None, fleet: _Fleet | None = None) -> dict[str, object]:
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
                    "Most pods at once": r.most_pods, **_room_columns(r.most_pods, rooms),
                    **_extra_columns(fleet, replicas, r.most_pods, None if ready_s is None
                                     else [(r.most_pods, r.duration_s)]),
                    "Fewest available": r.fewest_available,
                    "Their capacity (rps)": r.fewest_capacity_rps, "Peak rate (rps)": peak_rps,
                    "Serves the peak": _flag(r.serves_peak), "Waves": r.waves,
                    "Time to Ready": duration_text(ready_s),
                    "Duration": duration_text(None if ready_s is None else r.duration_s)})
    elif s.type == "blue-green":
        b = blue_green_rollout(replicas, ready_s or 0.0, s.preview_s, s.scale_down_delay_s,
                               w.deployment_spec.update_strategy.min_ready_s, s.preview_replicas)
        if s.preview_replicas is not None:  # the preview set's own size until promotion
            row.update({"Preview pods": s.preview_replicas,
                        "Pods at once in the preview": replicas + s.preview_replicas})
        row.update({"Pods at once": b.pods_at_once, **_room_columns(b.pods_at_once, rooms),
                    **_extra_columns(fleet, replicas, b.pods_at_once,
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


def effective_strategy(plan_strategy: DeploymentStrategy, w: Workload) -> DeploymentStrategy:
    """How ``w`` rolls out: the plan's strategy when it names no workloads or names ``w``;
    otherwise its manifest's own update strategy (:mod:`infra_toolkit.update_strategy`) as a
    ``rolling`` or ``recreate`` strategy (a StatefulSet's ``OnDelete``: rolling one pod at a
    time, as someone deletes them; its ``partition`` kept, so only the ordinals from it up
    roll). A StatefulSet under the plan's ``rolling`` strategy rolls by its own too: it has no
    surge (:func:`~infra_toolkit.rollout.plan_rolling_skips`); so does an Argo Rollout under a
    ``rolling`` or ``recreate`` one, which Argo Rollouts cannot do (its own canary or
    blue-green, :func:`~infra_toolkit.argo_rollout.deployment_strategy_of`)."""
    if plan_rolling_skips(plan_strategy, w) or (
            plan_strategy.type in ("rolling", "recreate")
            and w.deployment_spec.update_strategy.argo is not None):
        return own_strategy(w)
    if not plan_strategy.workloads or w.name in plan_strategy.workloads:
        return plan_strategy
    return own_strategy(w)


def own_strategy(w: Workload) -> DeploymentStrategy:
    """How ``w``'s own controller replaces its pods, by its manifest (see
    :func:`effective_strategy`)."""
    u = w.deployment_spec.update_strategy
    kind = w.deployment.kind if w.deployment is not None else "Deployment"
    if u.argo is not None:
        return deployment_strategy_of(u.argo, kind)
    if u.type == "Recreate":
        return DeploymentStrategy("recreate", f"the {kind}'s own Recreate strategy")
    if u.type == "OnDelete":
        return DeploymentStrategy("rolling", f"the {kind}'s OnDelete strategy: pods are "
                                  "replaced as they are deleted (one at a time here)", 0, 1)
    held = (f" with partition {u.partition} (ordinals below {u.partition} are not updated)"
            if u.partition else "")
    return DeploymentStrategy("rolling", f"the {kind}'s own rolling update{held}", u.max_surge,
                              u.max_unavailable, partition=u.partition)


def _amount_text(value: int | str | None) -> str:
    return "25% (unset)" if value is None else str(value)


def _same_amount(a: int | str | None, b: int | str | None) -> bool:
    """Equal pod counts or percentages (``None``: the Deployment default, 25 %)."""
    a, b = ("25%" if a is None else a), ("25%" if b is None else b)
    if isinstance(a, str) and isinstance(b, str):
        return int(a[:-1]) == int(b[:-1])  # "025%" is 25 % to the API server
    return a == b


def manifest_mismatches(a: PlanAnalysis) -> list[str]:
    """One sentence per workload the plan's ``rolling`` or ``recreate`` strategy rolls whose
    manifest says otherwise: the Deployment (or StatefulSet) controller replaces the pods by
    the manifest's ``spec.strategy`` (``spec.updateStrategy``), not by the plan, so the table's
    figures hold only once the manifest says the same."""
    s = a.plan.deployment_strategy
    if s.type not in ("rolling", "recreate"):
        return []  # Argo Rollouts runs a canary or blue-green itself, whatever the manifest says
    out = []
    for w in a.plan.proposed.workloads:
        if effective_strategy(s, w) != s:
            continue
        u = w.deployment_spec.update_strategy
        kind = w.deployment.kind
        field = "spec.updateStrategy" if kind == "StatefulSet" else "spec.strategy"
        if s.type == "recreate":
            if u.type != "Recreate":
                out.append(f"{w.name}: the plan says recreate, but its {kind}'s {field}.type "
                           f"is {u.type}")
        elif u.type != "RollingUpdate":
            out.append(f"{w.name}: the plan says rolling, but its {kind}'s {field}.type is "
                       f"{u.type}: the controller will not roll it")
        elif not (_same_amount(s.max_surge, u.max_surge)
                  and _same_amount(s.max_unavailable, u.max_unavailable)):
            out.append(f"{w.name}: the plan says max_surge {s.max_surge}, max_unavailable "
                       f"{s.max_unavailable}, but its {kind}'s {field}.rollingUpdate has "
                       f"maxSurge {_amount_text(u.max_surge)}, maxUnavailable "
                       f"{_amount_text(u.max_unavailable)}")
    return out


def strategy_groups(a: PlanAnalysis) -> list[tuple[DeploymentStrategy, tuple[str, ...]]]:
    """The proposed workloads grouped by the strategy they roll out by (the plan's first), each
    with the workloads' names in plan order."""
    groups: dict[DeploymentStrategy, list[str]] = {}
    s = a.plan.deployment_strategy
    if not s.workloads or any(w.name in s.workloads for w in a.plan.proposed.workloads):
        groups[s] = []
    for w in a.plan.proposed.workloads:
        groups.setdefault(effective_strategy(s, w), []).append(w.name)
    return [(k, tuple(v)) for k, v in groups.items() if v]


def _selected(a: PlanAnalysis, strategy: DeploymentStrategy | None
              ) -> list[tuple[DeploymentStrategy, Workload]]:
    plan = a.plan.deployment_strategy
    pairs = [(effective_strategy(plan, w), w) for w in a.plan.proposed.workloads]
    return [(s, w) for s, w in pairs if strategy is None or s == strategy]


def later_update_groups(a: PlanAnalysis) -> list[tuple[DeploymentStrategy, tuple[str, ...]]]:
    """For a plan whose strategy is a stack canary (a one-time move of the traffic to a new
    stack), the workloads it moves grouped by how their own controllers roll every later
    update inside the new stack (:func:`own_strategy`), in plan order; empty otherwise."""
    s = a.plan.deployment_strategy
    if s.type != "canary" or s.canary_scope != "stack":
        return []
    groups: dict[DeploymentStrategy, list[str]] = {}
    for w in a.plan.proposed.workloads:
        if effective_strategy(s, w) == s:
            groups.setdefault(own_strategy(w), []).append(w.name)
    return [(k, tuple(v)) for k, v in groups.items()]


def later_update_table(a: PlanAnalysis, strategy: DeploymentStrategy) -> pd.DataFrame:
    """:func:`rollout_table`'s rows for the workloads of one of :func:`later_update_groups`."""
    names = dict(later_update_groups(a)).get(strategy, ())
    return _table(a, [(strategy, w) for w in a.plan.proposed.workloads if w.name in names])


def rollout_table(a: PlanAnalysis, strategy: DeploymentStrategy | None = None) -> pd.DataFrame:
    """One row per proposed workload and replica count it is rolled at with what its strategy
    implies (:func:`effective_strategy`; see the module docstring; ``-`` where a figure is not
    known), for the workloads rolled by ``strategy`` only when it is given (one of
    :func:`strategy_groups`; mixing strategies mixes their columns). Without an expected
    scenario (only load tests selected) a workload is rolled at its minReplicas (or its
    Deployment's replicas) with no peak rate and no room. Empty without workloads."""
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
    whether they fit and the extra nodes they take, others at peak (see the module docstring;
    no cost: a manual pause has no known length). Empty when no workload rolls by such a
    canary or when nothing was simulated."""
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
                      **_room_columns(p.pods_at_once, rooms),
                      "Extra nodes, others at peak": _extra_count(fleet, n, p.pods_at_once)}
                     for i, p in enumerate(canary_step_pods(
                         s.steps, n, s.canary_min_pods, s.canary_max_weight,
                         s.canary_dynamic_stable), 1)]
    return pd.DataFrame(rows)


def _extra_count(fleet: _Fleet | None, replicas: int, pods: int) -> int | None:
    """The extra nodes ``pods`` at once take beyond ``replicas`` (:func:`_extra_nodes`, every
    group summed), ``None`` when not known."""
    extra = None if fleet is None else _extra_nodes(fleet, replicas, pods)
    return None if extra is None else sum(extra.values())


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
