"""Unused commitments: a node group's ``usage.committed_instances`` (a Savings Plan or reserved
instances, billed every hour whether instances run on it or not) against the node-hours the
group runs, in the 730-hour month its cost lines bill (:func:`commitment_use`), and the plan
warnings saying what is paid for nothing:

* from the declared nodes, where no simulation changes them (:func:`declared_commitment_warnings`,
  ``validate`` and the report): every node group of the current side, and the proposed ones no
  simulated workload runs on (each scenario keeps them as declared);
* from each scenario's simulated nodes (:func:`simulated_commitment_warnings`, the report only):
  the proposed groups a simulated workload may run on, one warning a group naming each scenario
  (load tests left out: minutes of synthetic users are no month); and, when the report simulates
  today's cluster too (``side="current"``), today's groups its workloads run on, in place of
  their declared warning (:func:`todays_declared_warnings` names those the report drops), the
  message saying the hours are today's simulated ones. ``validate`` simulates nothing, so it
  keeps the declared figure (its message says "its declared nodes").

A commitment covers that many instances at each moment
(:func:`~infra_toolkit.cost_sim.overflow_node_hours`): node-hours above it at a busy moment are
billed on-demand and never make up for an idle one, so its unused hours are the committed hours
less the node-hours it covered, not less all the group's node-hours. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from infra_toolkit.cost import HOURS_PER_MONTH, usd_text
from infra_toolkit.cost_components import cost_components, node_group_hours
from infra_toolkit.cost_pricing import price_components
from infra_toolkit.cost_sim import billed_node_counts
from infra_toolkit.errors import quoted
from infra_toolkit.plan import Plan
from infra_toolkit.plan_cost import is_load_test, node_group_resources
from infra_toolkit.plan_simulation import simulation_node_groups
from infra_toolkit.plan_warning_type import PlanWarning, figure_text
from infra_toolkit.pricing import PriceBook
from infra_toolkit.resources import Resource

__all__ = ["CommitmentUse", "commitment_use", "declared_commitment_warnings",
           "simulated_commitment_warnings", "todays_declared_warnings"]

# below this many instance-hours a month (36 seconds) a commitment counts as used, and none
# ran above it: the simulated node-hours are floats turned Decimal, so an exact fit can leave a
# residue
_USED_HOURS = Decimal("0.01")


@dataclass(frozen=True)
class CommitmentUse:
    """One node group's commitment in a 730-hour month: ``committed_instances`` of
    ``instance_type`` at ``usd_per_hour`` each (the committed line's rate, ``purchase_option``
    ``savings_plan`` or ``reserved``; ``None`` when the line has no price), against the group's
    ``monthly_node_hours``, of which ``monthly_covered_hours`` ran within the commitment."""

    committed_instances: int
    instance_type: str
    purchase_option: str
    monthly_node_hours: Decimal
    monthly_covered_hours: Decimal
    usd_per_hour: Decimal | None

    @property
    def monthly_committed_hours(self) -> Decimal:
        """Instance-hours the commitment bills a month: committed_instances x 730."""
        return self.committed_instances * HOURS_PER_MONTH

    @property
    def monthly_unused_hours(self) -> Decimal:
        """Committed instance-hours a month no node ran on."""
        return self.monthly_committed_hours - self.monthly_covered_hours

    @property
    def unused_share(self) -> Decimal:
        """The unused hours over the committed hours (0 to 1)."""
        return self.monthly_unused_hours / self.monthly_committed_hours

    @property
    def idle_instances(self) -> Decimal:
        """Committed instances idle on average: the unused hours over 730."""
        return self.monthly_unused_hours / HOURS_PER_MONTH

    @property
    def monthly_unused_usd(self) -> Decimal | None:
        """What the unused hours cost a month at the commitment's rate (None unpriced)."""
        return None if self.usd_per_hour is None else self.monthly_unused_hours * self.usd_per_hour

    @property
    def unused(self) -> bool:
        """Whether some committed hours go unused."""
        return self.monthly_unused_hours >= _USED_HOURS


def commitment_use(r: Resource, book: PriceBook) -> CommitmentUse | None:
    """``r``'s commitment against its node-hours as its cost lines bill them (declared, or a
    scenario's when ``r`` is priced from a simulation): ``None`` for a resource that is no
    ``aws_eks_node_group`` with ``usage.committed_instances`` above 0."""
    committed = r.usage.get("committed_instances") if r.type == "aws_eks_node_group" else None
    if not committed:
        return None
    hours, _nodes = node_group_hours(r)
    # a committed group's first two lines: its committed instances, then the node-hours above
    committed_line, above = price_components(cost_components(r, book)[:2], book)
    assert above.monthly_quantity is not None
    return CommitmentUse(int(committed), r.attributes["instance_types"][0],
                         str(r.usage["purchase_option"]), hours,
                         hours - above.monthly_quantity, committed_line.unit_price_usd)


def _paid(use: CommitmentUse) -> str:
    """How the commitment bills, as the warnings open."""
    rate = ("" if use.usd_per_hour is None
            else f", ${use.usd_per_hour:f} an hour each")
    return (f"commits {use.committed_instances} {use.instance_type} instance(s) "
            f"(usage.committed_instances at the {use.purchase_option.replace('_', '-')} "
            f"rate{rate}: {use.committed_instances} x 730 = "
            f"{figure_text(float(use.monthly_committed_hours))} instance-hours a month, billed "
            "whether nodes run on them or not)")


def _unused_text(use: CommitmentUse) -> str:
    """The unused hours, their share, the instances idle on average and their monthly cost."""
    hours = figure_text(float(use.monthly_unused_hours))
    usd = use.monthly_unused_usd
    cost = ("their rate is not priced (see the price warning)" if usd is None else
            f"{usd_text(usd)} a month paid for nothing ({hours} x {use.usd_per_hour:f})")
    return (f"{hours} of the {figure_text(float(use.monthly_committed_hours))} committed hours "
            f"({figure_text(float(use.unused_share) * 100)} %) go unused, "
            f"{figure_text(float(use.idle_instances))} instance(s) idle on average: {cost}")


def _ran_text(use: CommitmentUse) -> str:
    """The group's node-hours a month and, when some ran above the commitment, its part."""
    ran = (f"{figure_text(float(use.monthly_node_hours))} {use.instance_type} node-hours a "
           f"month ({figure_text(float(use.monthly_node_hours / HOURS_PER_MONTH))} node(s) on "
           "average)")
    if use.monthly_node_hours - use.monthly_covered_hours >= _USED_HOURS:  # not a residue
        ran += (f", {figure_text(float(use.monthly_covered_hours))} of them within the "
                "commitment (those above it at busy moments cannot use an idle hour)")
    return ran


def simulated_node_group_resources(plan: Plan, book: PriceBook) -> set[str]:
    """The proposed ``aws_eks_node_group`` resources (by name) some autoscaled workload's pods
    may run on: the groups the report's joint run simulates (each scenario prices them from
    its own node-hours, so their commitment's use is known only from a run)."""
    resource_of = node_group_resources(plan)
    return {resource_of.get(g.name, g.name) for w in plan.proposed.workloads
            if w.hpa_spec is not None
            for g in simulation_node_groups(plan.proposed, w, book,
                                            plan.simulation.node_daemonsets)}


def declared_commitment_warnings(plan: Plan, book: PriceBook) -> list[PlanWarning]:
    """One warning per node group whose declared nodes (``usage.instances`` or
    ``desired_size`` every hour, or ``usage.monthly_node_hours``) leave committed hours unused,
    where every figure keeps them: the current side's groups and the proposed ones no
    autoscaled workload runs on (:func:`simulated_node_group_resources`), at the group's
    ``usage.committed_instances``."""
    simulated = simulated_node_group_resources(plan, book)
    out = []
    for side, arch in (("current", plan.current), ("proposed", plan.proposed)):
        for r in arch.resources:
            use = commitment_use(r, book)
            if use is None or not use.unused or (side == "proposed" and r.name in simulated):
                continue
            hours, nodes = node_group_hours(r)
            # whole instances the node-hours within the commitment fill: with nodes all month,
            # those nodes; spread evenly, the node-hours over 730
            fits = math.floor(use.monthly_covered_hours / HOURS_PER_MONTH)
            if nodes is not None:
                key = "usage.instances" if "instances" in r.usage else \
                    "scaling_config.desired_size"
                declared = f"{key} {figure_text(float(nodes))} all month"
            elif "monthly_overflow_node_hours" in r.usage:
                declared = (f"usage.monthly_node_hours {figure_text(float(hours))}, "
                            f"{figure_text(float(hours - use.monthly_covered_hours))} of them "
                            "above the commitment (usage.monthly_overflow_node_hours)")
            else:
                declared = (f"usage.monthly_node_hours {figure_text(float(hours))}, as if "
                            "spread evenly over the month (as its lines count them)")
            kept = (", which every scenario keeps: no autoscaled workload runs on it"
                    if side == "proposed" else "")
            out.append(PlanWarning(f"{r.entry_path}.usage.committed_instances", (
                f"node group {quoted(r.name)} {_paid(use)}, and its declared nodes leave "
                f"some unused: {declared}{kept}, so {_unused_text(use)}; lower "
                f"committed_instances to {fits} (the whole instances its declared node-hours "
                "within the commitment fill), or declare the nodes the group will run")))
    return out


def todays_declared_warnings(plan: Plan, today: Sequence[Any], book: PriceBook
                             ) -> list[PlanWarning]:
    """The declared commitment warnings (:func:`declared_commitment_warnings`) of today's node
    groups that a run of ``today`` (today's simulated runs) prices from its simulated
    node-hours: the report replaces them by today's simulated figure."""
    resource_of = node_group_resources(plan, "current")
    simulated = {resource_of.get(g, g) for run in today if run.cluster is not None
                 for g in run.cluster.node_hours_by_node_group}
    paths = {f"{r.entry_path}.usage.committed_instances" for r in plan.current.resources
             if r.name in simulated}
    return [w for w in declared_commitment_warnings(plan, book) if w.path in paths]


def simulated_commitment_warnings(plan: Plan, runs: Sequence[Any], book: PriceBook,
                                  side: str = "proposed") -> list[PlanWarning]:
    """One warning per ``side`` (proposed, or current: today's cluster simulated) node group
    with ``usage.committed_instances`` whose simulated
    nodes leave committed hours unused in some scenario run (``analysis.ScenarioRun``:
    ``name``, ``scenario``, ``cluster``, ``priced_resources``; load tests left out), at the
    group's ``usage.committed_instances``: each scenario's node-hours a month (projected to 730
    hours as the cost lines are), the unused hours, their share and their monthly cost at the
    commitment's rate, and the fixes: the fewest nodes the group ran at any moment, the groups
    the pods ran on instead, and the fill order."""
    arch = plan.proposed if side == "proposed" else plan.current
    resource_of = node_group_resources(plan, side)
    weights = {p.name: p.weight for p in arch.karpenter_pools}
    spot = {r.name for r in arch.resources if r.type == "aws_eks_node_group"
            and r.attributes.get("capacity_type") == "SPOT"}
    # say whose simulation it is: today's replaces the declared nodes validate reads
    whose = ("the simulation leaves" if side == "proposed" else
             "today's simulated nodes (not its declared ones: the report simulates today's "
             "cluster on the same scenarios) leave")
    out = []
    for r in arch.resources:
        if commitment_use(r, book) is None:
            continue
        uses: list[tuple[str, CommitmentUse]] = []
        fewest: list[float] = []
        others: set[str] = set()
        mine: set[str] = set()  # this resource's simulated groups
        ran_on: set[str] = set()  # the other groups the pods ran on (others: their resources)
        for run in runs:
            if is_load_test(run.scenario) or run.cluster is None:
                continue
            hours = run.cluster.node_hours_by_node_group
            groups = [g for g in hours if resource_of.get(g, g) == r.name]
            use = next((commitment_use(p, book) for p in run.priced_resources
                        if p.type == r.type and p.name == r.name), None)
            if not groups or use is None:
                continue
            uses.append((run.name, use))
            fewest.append(min(float(billed_node_counts(run.cluster.nodes, g).min())
                              for g in groups))
            mine |= set(groups)
            ran_on |= {g for g, h in hours.items() if h > 0 and resource_of.get(g, g) != r.name}
            others |= {resource_of.get(g, g) for g in ran_on}
        if not any(use.unused for _, use in uses):
            continue
        # scenarios with the same figures (0 node-hours in each) share one clause
        by_text: dict[str, list[str]] = {}
        for name, use in uses:
            text = (f"it ran {_ran_text(use)}, so {_unused_text(use)}" if use.unused
                    else "it ran on all of them")
            by_text.setdefault(text, []).append(quoted(name))
        said = "; ".join(f"in {' and '.join(names)} {text}" for text, names in by_text.items())
        fixes = _fixes(uses[0][1], math.floor(min(fewest)), sorted(others), spot,
                       _weight_first(sorted(mine), sorted(ran_on), weights))
        out.append(PlanWarning(f"{r.entry_path}.usage.committed_instances", (
            f"node group {quoted(r.name)} {_paid(uses[0][1])}, and {whose} some "
            f"unused: {said}; {fixes}")))
    return out


def _fixes(use: CommitmentUse, fewest: int, others: Sequence[str], spot: set[str],
           weight_first: str | None) -> str:
    """The fixes of an unused simulated commitment: fewer committed instances and, when the pods
    ran on other groups too, the commitment on one of them or this group filling first (by
    ``weight_first`` between NodePools, else by the plan's order)."""
    lower = (f"lower committed_instances to {fewest} (the fewest {use.instance_type} nodes the "
             "group ran at any moment of these scenarios)")
    if not others:  # the only group the pods ran on: nowhere else to move the hours
        return lower
    ran = ", ".join(f"{quoted(o)}, SPOT, which no commitment covers" if o in spot
                    else quoted(o) for o in others)
    return (f"{lower}, move the commitment to an on-demand node group the pods run on (they "
            f"ran on {ran}), or make this group fill first: "
            + (weight_first or f"list it before {', '.join(map(quoted, others))} (the "
               "simulation fills node groups in the order the plan lists them, NodePools by "
               "spec.weight) and give it the priority the cluster uses (a Karpenter NodePool's "
               "spec.weight, cluster-autoscaler's priority expander)"))


def _weight_first(mine: Sequence[str], ran_on: Sequence[str], weights: Mapping[str, int]
                  ) -> str | None:
    """How to make the NodePools ``mine`` fill before the NodePools ``ran_on`` (``weights``:
    each one's ``spec.weight``, 0 unset): a weight above theirs, as Karpenter and the simulation
    try NodePools by weight (:func:`~infra_toolkit.karpenter_config.order_by_weight`);
    ``None`` when any of them is no NodePool's group (or the pods ran on no other)."""
    if not ran_on or not all(g in weights for g in [*mine, *ran_on]):
        return None
    top = max(weights[g] for g in ran_on)
    theirs = ", ".join(f"{quoted(g)} {weights[g] or 'unset, 0'}" for g in ran_on)
    raise_it = (f"a spec.weight above {top} (theirs: {theirs})" if top < 100 else
                f"the spec.weight 100 and lower theirs ({theirs}; 100 is the most)")
    return (f"give NodePool {' and '.join(map(quoted, mine))} {raise_it}: Karpenter, and the "
            "simulation, try NodePools by spec.weight, the highest first (equal weights by "
            "name, Z to A)")
