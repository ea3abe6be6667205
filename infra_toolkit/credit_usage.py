"""Burstable node groups' CPU credits from a simulated cluster. Pure: no I/O, no clock.

The CPU a node group's nodes use is the CPU of the simulated pods on it (the workload's model,
:mod:`infra_toolkit.workload`: each Running pod's baseline, each Ready pod's share of the
served requests, the start-up burst); system daemons (kubelet, CNI, kube-proxy) and
Deployments without an HPA are not modelled. The group's CPU is spread evenly over its billed
nodes (Ready or launching), so the group is one pool of interchangeable instances
(:func:`infra_toolkit.cpu_credits.credit_ledger`).

The window is accounted as it repeats, as a plan's scenario day stands for every day of the
month: a first pass from empty balances (T3/T3a/T4g get no launch credits; a T2 in Standard
mode its nodes' launch credits, and the nodes added between windows theirs) gives the balances the
next pass starts from (those of the nodes still running at its start: nodes removed between
windows have their surplus charged, nodes added start empty), and passes repeat until the
balances a pass starts from stop changing (the steady state: a window that ends with more
accrued credits than it started with starts the next one richer, so a second pass alone can
overcharge); what that pass charges, plus the surplus of the nodes removed after it, plus any
surplus it carries on beyond what it started with (a repeat would only grow it toward the
24-hour cap, where it is charged), is the window's charge.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from infra_toolkit.cost import CostEstimate
from infra_toolkit.cost_credits import credit_mode
from infra_toolkit.cost_sim import billed_node_counts
from infra_toolkit.cpu_credits import CreditLedger, CreditSpec, credit_ledger
from infra_toolkit.pricing import PriceBook
from infra_toolkit.report_html import duration_text
from infra_toolkit.resources import Resource

__all__ = ["GroupCredits", "burstable_groups", "charged_by_resource", "credit_note",
           "group_cpu_millicores", "group_credits", "with_credit_notes",
           "workload_cpu_millicores"]

# Passes of a repeated window until the balances it starts from stop changing (by at most
# _STEADY_VCPU_H, a billionth of a vCPU-hour); nodes removed within the
# window make them converge geometrically (a few passes), the bound stops a slower series.
_MAX_PASSES = 100
_STEADY_VCPU_H = 1e-9


@dataclass(frozen=True)
class GroupCredits:
    """One burstable node group's credits over a simulated window: its type's baseline and the
    mean CPU of its nodes (% of a node's vCPUs, over the billed node-hours), the repeated
    window's ledger, the surplus charged in the window (vCPU-hours) and the minutes its nodes
    ran above the baseline (Standard mode: throttled minutes)."""

    group: str
    instance_type: str
    mode: str
    baseline_pct: float
    mean_cpu_pct: float
    ledger: CreditLedger
    charged_vcpu_h: float
    above_baseline_min: float
    throttled_min: float


def workload_cpu_millicores(timeline: Any, workload: Any) -> np.ndarray:
    """A workload's CPU per tick, in millicores, from its timeline (``ready_pods``,
    ``starting_pods``, ``served_rps``) and ``WorkloadSpec``: Running pods' baseline, the served
    requests' CPU and the start-up burst. The timeline does not say when each pod's burst ends,
    so a starting pod (Running, not Ready) carries ``startup_cpu_millicores x startup_cpu_s /
    running_to_ready_s``: every pod's burst in full, within its start-up."""
    ready = np.asarray(timeline["ready_pods"], dtype=float)
    starting = np.asarray(timeline["starting_pods"], dtype=float)
    served = np.asarray(timeline["served_rps"], dtype=float)
    start_s = workload.running_to_ready_s  # Running to Ready, on the probe grid
    burst = (workload.startup_cpu_millicores * workload.startup_cpu_s / start_s
             if start_s > 0 else 0.0)
    cpu = ((ready + starting) * workload.baseline_cpu_millicores + starting * burst
           + served * workload.cpu_millicores_per_rps)
    return np.asarray(cpu, dtype=float)


def group_cpu_millicores(cluster: Any, specs: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Each node group's CPU per tick (millicores): every workload's CPU split over its groups
    by its pods placed there (``cluster.placed``, joint runs), all of it on a workload's one
    group, or, for a workload alone on several groups (placement not recorded), by their billed
    nodes."""
    ticks = len(cluster.nodes)
    out: dict[str, np.ndarray] = {}
    for name, spec in specs.items():
        cpu = workload_cpu_millicores(cluster.simulations[name].timeline, spec.workload)
        groups = [g.name for g in spec.node_groups]
        placed = cluster.placed.get(name, {})
        if len(groups) == 1:
            weights = {groups[0]: np.ones(ticks)}
        else:
            per = ({g: np.asarray(placed[g], dtype=float) for g in groups if g in placed}
                   if placed else {g: billed_node_counts(cluster.nodes, g) for g in groups})
            total = np.sum(list(per.values()), axis=0)
            weights = {g: np.divide(v, total, out=np.zeros(ticks), where=total > 0)
                       for g, v in per.items()}
        for g, w in weights.items():
            out[g] = out.get(g, np.zeros(ticks)) + cpu * w
    return out


def _ledger(cpu_vcpu: np.ndarray, nodes: np.ndarray, tick_s: float, spec: CreditSpec,
            mode: str) -> tuple[CreditLedger, float]:
    """The repeated window's ledger and what one window charges (vCPU-hours). Between two
    windows the group goes from its last step's nodes to its first step's: nodes removed there
    take their share of the surplus (charged) and of the accrued credits (lost); nodes added
    start empty."""
    start_n, end_n = float(nodes[0]), float(nodes[-1])
    kept = min(1.0, start_n / end_n) if end_n > 0 else 0.0
    # T2 Standard: nodes added between windows get launch credits (vCPU-h) at each start
    added_launch = (max(0.0, start_n - end_n) * spec.launch_credits / 60
                    if mode == "standard" else 0.0)
    accrued = carried = 0.0
    launch: float | None = None  # the first pass: its nodes just launched
    growth_before = math.nan
    for _ in range(_MAX_PASSES):
        again = credit_ledger(cpu_vcpu, nodes, tick_s, spec, mode,
                              accrued_start_vcpu_h=accrued, surplus_start_vcpu_h=carried,
                              launch_start_vcpu_h=launch)
        owed = again.surplus_outstanding_vcpu_h
        growth = owed * kept - carried  # > 0: a further repeat would only add to it
        next_accrued = again.accrued_end_vcpu_h * kept
        next_launch = again.launch_end_vcpu_h * kept + added_launch
        # steady: the credits carried in repeat, and the surplus carried in does too or grows
        # by the same amount each pass (toward the 24 h cap, where it is charged)
        if (abs(next_accrued - accrued) <= _STEADY_VCPU_H and launch is not None
                and abs(next_launch - launch) <= _STEADY_VCPU_H
                and (abs(growth) <= _STEADY_VCPU_H
                     or abs(growth - growth_before) <= _STEADY_VCPU_H)):
            break
        if (again.surplus_charged_vcpu_h == 0 and owed == 0 and again.throttled_s == 0
                and (mode == "unlimited" or spec.launch_credits == 0)):
            # nothing owed or held: passes from empty balances start each richer than the
            # one before (accrued still growing), so neither would the rest (a T2 Standard's
            # first pass is richer: its nodes' launch credits)
            break
        accrued, carried, launch, growth_before = next_accrued, owed * kept, next_launch, growth
    return again, again.surplus_charged_vcpu_h + owed * (1 - kept) + max(0.0, growth)


def group_credits(cluster: Any, specs: Mapping[str, Any],
                  burstable: Mapping[str, tuple[CreditSpec, str]], tick_s: float
                  ) -> dict[str, GroupCredits]:
    """The credits of each simulated node group named in ``burstable`` (group name -> its
    type's credit spec and its mode, ``unlimited`` or ``standard``) over ``cluster``'s window
    (a ``ClusterSimulationResult`` of ``specs``; ticks of ``tick_s`` seconds)."""
    cpu = group_cpu_millicores(cluster, specs)
    out = {}
    for group, (spec, mode) in burstable.items():
        if f"nodes_{group}" not in cluster.nodes:
            continue  # declared, not simulated: priced as declared
        nodes = billed_node_counts(cluster.nodes, group)
        used = np.where(nodes > 0, cpu.get(group, np.zeros(nodes.size)), 0.0) / 1000.0
        ledger, charged = _ledger(used, nodes, tick_s, spec, mode)
        node_h = ledger.instance_hours
        mean_pct = 100.0 * ledger.used_vcpu_h / (node_h * spec.vcpu) if node_h > 0 else 0.0
        out[group] = GroupCredits(group, spec.instance_type, mode, spec.baseline_pct, mean_pct,
                                  ledger, charged, ledger.above_baseline_s / 60,
                                  ledger.throttled_s / 60)
    return out


def burstable_groups(resources: Sequence[Resource], resource_of: Mapping[str, str],
                     book: PriceBook) -> dict[str, tuple[CreditSpec, str]]:
    """The node groups of a burstable type, by simulated group name (``resource_of``: group ->
    its ``aws_eks_node_group`` resource's name; a group not in it bears the resource's name),
    with their type's credit spec and credit mode."""
    group_of = {res: group for group, res in resource_of.items()}
    out = {}
    for r in resources:
        credit = credit_mode(r, book) if r.type == "aws_eks_node_group" else None
        if credit is not None:
            out[group_of.get(r.name, r.name)] = credit
    return out


def charged_by_resource(credits: Mapping[str, GroupCredits], resource_of: Mapping[str, str]
                        ) -> dict[str, float]:
    """The surplus each Unlimited-mode group's window charges (vCPU-hours), by the name of the
    ``aws_eks_node_group`` resource pricing it (``resource_of``: group -> resource name; a group
    not in it bears the resource's name), as ``cost_sim.apply_simulation`` takes
    ``cpu_credits``; Standard-mode groups are never charged and are left out."""
    return {resource_of.get(g, g): c.charged_vcpu_h for g, c in credits.items()
            if c.mode == "unlimited"}


def credit_note(c: GroupCredits) -> str:
    """What a simulated CPU credits line stands on, for its note."""
    return (f"surplus charged as AWS accounts it, the simulated window repeated: node CPU "
            f"{c.mean_cpu_pct:.1f} % on average against the {c.baseline_pct:g} % baseline, above "
            f"it {duration_text(60 * c.above_baseline_min)}; CPU of the simulated pods only "
            "(system daemons not modelled), spread evenly over the group's running nodes")


def with_credit_notes(est: CostEstimate, notes: Mapping[str, str]) -> CostEstimate:
    """``est`` with each simulated group's CPU credits line (by resource address) noting what
    its figure stands on (:func:`credit_note`), before any note the line had."""
    lines = tuple(replace(ln, note="; ".join(n for n in (notes[ln.address], ln.note) if n))
                  if ln.component == "CPU credits" and ln.address in notes else ln
                  for ln in est.lines)
    return replace(est, lines=lines)
