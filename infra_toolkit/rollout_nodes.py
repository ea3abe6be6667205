"""The room a rollout's pods have on their node groups and the extra nodes they take (pure: no
I/O), for the Deployment Strategy section's tables (:mod:`infra_toolkit.rollout_tables`): the
proposed workloads on the nodes of the expected scenario's run (:class:`Tenant`, :class:`Fleet`),
the room one of them has beside the others (:func:`room_of`) and the extra nodes and their cost
(:func:`extra_node_columns`).

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
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from infra_toolkit.bin_packing import nodes_used, room_beside
from infra_toolkit.cost_sim import billed_node_counts
from infra_toolkit.fixed_pods import FixedPods
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.shared_nodes import union_groups

if TYPE_CHECKING:  # annotations only: analysis imports the plan warnings that read the room
    from infra_toolkit.analysis import ScenarioRun
    from infra_toolkit.plan import Plan

__all__ = ["Fleet", "Tenant", "extra_node_columns", "extra_node_count", "flag_text",
           "node_provisioning_s", "node_tenants", "room_columns", "room_of"]


@dataclass(frozen=True)
class Tenant:
    """A proposed workload on the nodes: its requests and groups as ``peak`` pods (the expected
    scenario's peak spec replicas, or a Deployment's replicas) and as ``most`` pods
    (maxReplicas, or the same replicas)."""

    workload: Workload
    peak: FixedPods
    most: FixedPods


def node_tenants(plan: Plan, run: ScenarioRun) -> list[Tenant]:
    """The proposed workloads of ``plan`` whose node groups ``run`` knows, in the simulator's
    order (the autoscaled ones, then the Deployments without an HPA, each in plan order)."""
    placed = run.cluster.placed if run.cluster is not None else {}
    known = {g.name: g for g in (run.cluster.node_groups if run.cluster is not None else ())}
    ordered = sorted(plan.proposed.workloads, key=lambda w: w.hpa_spec is None)
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
        out.append(Tenant(w, *(FixedPods(w.name, n, d.packed_cpu_millicores,
                                         d.packed_memory_mib, groups, d.max_pods_per_node)
                                for n in (peak, most))))
    return out


def room_of(everyone: Sequence[Tenant], me: Tenant, at_max: bool) -> int:
    """How many pods of ``me`` fit on its node groups at max_size beside every other tenant's
    pods at their peak, or at their most when ``at_max`` (module docstring, **Room**)."""
    groups = union_groups([t.most for t in everyone])  # the cluster's priority order
    held = [t.most if at_max else t.peak for t in everyone if t is not me]
    return room_beside(groups, held, me.peak.cpu_request_millicores,
                       me.peak.memory_request_mib, me.peak.node_groups,
                       me.peak.max_pods_per_node)[0]


@dataclass(frozen=True)
class Fleet:
    """The workload rolled out (``me``) among every tenant of the nodes in ``run``;
    ``resource_of`` names the resource pricing each node group."""

    run: ScenarioRun
    everyone: tuple[Tenant, ...]
    me: Tenant
    resource_of: Mapping[str, str]


def _extra_nodes(f: Fleet, replicas: int, pods: int) -> dict[str, int] | None:
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
    group's cost over its billed nodes at the first tick with any (its instance line's unit
    price when the run launched none), or, for a group with
    ``committed_instances``, the on-demand rate its nodes above the commitment pay (a node
    within the commitment costs nothing more: an upper bound); ``None`` without a price."""
    committed = any(r.name == resource and "committed_instances" in r.usage
                    for r in run.priced_resources)
    listed = next((float(ln.unit_price_usd) for ln in run.estimate.lines
                   if ln.resource_name == resource and ln.unit_price_usd is not None
                   and ln.price is not None and ln.price_table_kind == "ec2_on_demand"
                   and (not committed or ln.price.rate is None
                        or ln.price.rate.purchase_option == "on_demand")), None)
    if committed:
        # the cost per billed node would be the commitment's rate, spread over fewer nodes
        return listed
    cost, cluster = run.cluster_hourly_cost, run.cluster
    column = f"usd_per_hour_{group}"
    if cost is None or cluster is None or column not in cost:
        return None
    billed = billed_node_counts(cluster.nodes, group)
    some = np.flatnonzero(billed > 0)
    # a group the run never launched a node in (a spot pool at 0 nodes all day) still has its
    # instance line's price: '-' there read as a missing price
    return float(cost[column].iloc[some[0]] / billed[some[0]]) if some.size else listed


def extra_node_columns(f: Fleet | None, replicas: int, pods: int,
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


def flag_text(ok: bool | None) -> str:
    """A yes / no cell: ``yes``, ``NO`` (capitals: a failed check stands out), ``-`` when not
    known."""
    return "-" if ok is None else ("yes" if ok else "NO")


def room_columns(pods: int, rooms: tuple[int, int] | None) -> dict[str, object]:
    """``pods`` at once against the room beside the others at their peak and at their max."""
    peak, most = (None, None) if rooms is None else rooms
    return {"Room, others at peak": peak,
            "Fits, others at peak": flag_text(None if peak is None else pods <= peak),
            "Room, others at max": most,
            "Fits, others at max": flag_text(None if most is None else pods <= most)}


def extra_node_count(fleet: Fleet | None, replicas: int, pods: int) -> int | None:
    """The extra nodes ``pods`` at once take beyond ``replicas`` (:func:`_extra_nodes`, every
    group summed), ``None`` when not known."""
    extra = None if fleet is None else _extra_nodes(fleet, replicas, pods)
    return None if extra is None else sum(extra.values())

