"""The sweep's money (:mod:`infra_toolkit.tuning`): the ``aws_eks_node_group`` resource of each
of a workload's node groups (:func:`group_resources`) and :class:`SweepPricer`, a variant's
monthly node cost as the report prices it (``cost_sim.apply_simulation`` + ``cost_pricing.estimate``
on the resources with the variant's instance type; a burstable group's surplus CPU credits from a
run by ``credit_usage.group_credits``, else noted as left out; a StatefulSet workload's claimed
volumes by ``claimed_volumes.claimed_volume_resources`` from a :mod:`tuning_volumes` count, as
the report adds them to a scenario, or noted as left out where the report leaves them unpriced);
in cluster mode the workload's
request share of its groups' instance cost, as the report splits a shared group
(:meth:`SweepPricer.request_share`). Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from infra_toolkit.claimed_volumes import claimed_volume_resources
from infra_toolkit.cost import cents
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.cost_sim import apply_simulation, overflow_node_hours_by_node_group
from infra_toolkit.cpu_credits import CreditSpec
from infra_toolkit.credit_usage import (
    GroupCredits,
    burstable_groups,
    charged_by_resource,
    group_credits,
)
from infra_toolkit.errors import SimulationError
from infra_toolkit.node_cost_share import cluster_hourly_cost, monthly_usd, workload_hourly_costs
from infra_toolkit.plan import Plan
from infra_toolkit.plan_cost import node_group_resources
from infra_toolkit.pricing import PriceBook
from infra_toolkit.resources import Resource
from infra_toolkit.simulate import ClusterSimulationResult, FixedPods, SimulationSpec
from infra_toolkit.tuning_volumes import VolumeMean, WorkloadClaims, unpriced_note

__all__ = ["SweepPricer", "group_resources"]


def group_resources(plan: Plan, spec: SimulationSpec) -> dict[str, Resource]:
    """The ``aws_eks_node_group`` resource pricing each of the workload's groups (by group)."""
    resource_of = node_group_resources(plan)
    by_name = {r.name: r for r in plan.proposed.resources if r.type == "aws_eks_node_group"}
    out = {}
    for g in spec.node_groups:
        resource = by_name.get(resource_of.get(g.name, g.name))
        if resource is None:
            raise SimulationError(f"node group {g.name!r}: no aws_eks_node_group resource in "
                                  "proposed prices it; add one named after the group")
        out[g.name] = resource
    return out


# Infracost's usage keys of a burstable group's surplus CPU credits (resource_types)
_CREDIT_USAGE_KEYS = ("monthly_cpu_credit_hrs", "vcpu_count")


class SweepPricer:
    """Monthly cost of a workload's groups (``resources``: group -> its
    ``aws_eks_node_group``) from node-hours and, from a run, the surplus CPU credits charged,
    with the workload's claimed volumes (``claims``, its ``volumeClaimTemplates``; priced in
    ``region``, the plan's proposed one, as the report prices them; None: it claims none),
    cached (many variants bill the same node-hours): :meth:`monthly` gives ``(usd or None,
    note, claimed volumes' usd or None)``."""

    def __init__(self, resources: Mapping[str, Resource], book: PriceBook,
                 claims: WorkloadClaims | None = None, region: str = "") -> None:
        self.resources, self.book = resources, book
        self.resource_of = {g: r.name for g, r in resources.items()}
        self.claims, self.region = claims, region
        self.cache: dict[tuple[Any, ...], tuple[Decimal | None, str, Decimal | None]] = {}

    @property
    def prices_volumes(self) -> bool:
        """Whether the workload has claimed volumes the report prices (its cost then needs the
        volume count, which a run gives exactly and a summary row as a bound)."""
        return self.claims is not None and bool(self.claims.priced)

    def _priced(self, spec: SimulationSpec) -> list[Resource]:
        """The groups' resources with the variant's instance type first, without a declared
        CPU credits figure: it is not the variant's (the report replaces it with the simulated
        one), so a variant has its run's credits or none, noted (audit13 A13-3)."""
        priced = []
        for g in spec.node_groups:
            r = self.resources[g.name]
            types = [g.instance_type, *[t for t in r.attributes["instance_types"][1:]
                                        if t != g.instance_type]]
            usage = {k: v for k, v in r.usage.items() if k not in _CREDIT_USAGE_KEYS}
            priced.append(dataclasses.replace(r, attributes={**r.attributes,
                                                             "instance_types": types},
                                              usage=usage))
        return priced

    def burstable(self, spec: SimulationSpec) -> dict[str, tuple[CreditSpec, str]]:
        """The variant's burstable groups (its instance types), as the report finds them."""
        return burstable_groups(self._priced(spec), self.resource_of, self.book)

    def credits(self, run: ClusterSimulationResult, specs: Mapping[str, SimulationSpec],
                spec: SimulationSpec) -> dict[str, GroupCredits]:
        """The variant's burstable groups' credits in ``run`` (of ``specs``), as the report
        computes them."""
        burstable = self.burstable(spec)
        return group_credits(run, specs, burstable, float(spec.tick_s)) if burstable else {}

    def request_share(self, run: ClusterSimulationResult, specs: Mapping[str, SimulationSpec],
                      fixed: Sequence[FixedPods], workload: str) -> Decimal | None:
        """The workload's part of its groups' instance cost in ``run`` (of ``specs`` and
        ``fixed``) as the report splits a shared group (:mod:`~infra_toolkit.node_cost_share`:
        per tick its request share of each group's cost per hour), projected to 730 h (USD,
        cents; None when a group has no price). Disks and CPU credits are not split, as in the
        report: only :meth:`monthly` prices them."""
        spec = specs[workload]
        priced = self._priced(spec)
        hourly = cluster_hourly_cost(run, priced, self.resource_of, self.book, priced[0].region)
        return monthly_usd(workload_hourly_costs(run, specs, fixed, hourly)[workload])

    def committed(self, spec: SimulationSpec) -> bool:
        """Whether a group of ``spec`` has ``committed_instances``: its cost then needs the
        node-hours above them, which only a run's timeline gives (:meth:`overflow`)."""
        return any("committed_instances" in self.resources[g.name].usage
                   for g in spec.node_groups)

    def overflow(self, run: ClusterSimulationResult, spec: SimulationSpec) -> dict[str, float]:
        """The node-hours above each committed group's ``committed_instances`` in ``run``
        (group -> node-hours), as the report counts them
        (``cost_sim.overflow_node_hours_by_node_group``)."""
        by_resource = overflow_node_hours_by_node_group(
            run.nodes, self._priced(spec), self.resource_of, float(spec.tick_s))
        return {g: by_resource[name] for g, name in self.resource_of.items()
                if name in by_resource}

    def monthly(self, spec: SimulationSpec, node_hours: Mapping[str, float], window_h: float,
                credits: Mapping[str, GroupCredits] | None = None,
                overflow: Mapping[str, float] | None = None, volumes: VolumeMean | None = None
                ) -> tuple[Decimal | None, str, Decimal | None]:
        """The groups' monthly cost (USD, cents; None with the reason when a price is missing)
        from ``node_hours`` (group -> node-hours) of a ``window_h``-hour run projected to 730
        h, with ``credits`` (from :meth:`credits`) the Unlimited groups' surplus CPU credits
        priced; without them a burstable group's credits are noted as left out. A group with
        ``committed_instances`` bills the node-hours above them from ``overflow`` (from
        :meth:`overflow`); without it, as if its node-hours were spread evenly: the fewest a
        run of those node-hours can have above them, so a lower bound, noted. ``volumes``
        (:mod:`~infra_toolkit.tuning_volumes`): the claimed volumes' mean count, their lines
        added as the report adds them (their cost, cents, the third item; one counted from a
        summary row is noted); claims the report leaves unpriced are noted as left out."""
        charged = None if credits is None else charged_by_resource(credits, self.resource_of)
        key = (tuple((g.name, g.instance_type) for g in spec.node_groups),
               tuple(sorted(node_hours.items())), window_h,
               None if charged is None else tuple(sorted(charged.items())),
               None if overflow is None else tuple(sorted(overflow.items())), volumes)
        if key not in self.cache:
            hours = {self.resources[g].name: h for g, h in node_hours.items()}
            above = None if overflow is None else {self.resources[g].name: h
                                                   for g, h in overflow.items()}
            priced = apply_simulation(self._priced(spec), hours, window_h, self.book,
                                      cpu_credits=charged,
                                      overflow_node_hours_by_node_group=above)
            claimed = self.claims.priced if self.claims is not None and volumes is not None \
                else []
            if volumes is not None and claimed:  # the report's lines, in the same estimate
                priced = claimed_volume_resources(priced, claimed, {
                    claimed[0].statefulset: volumes.mean}, self.region)
            lines = estimate(priced, self.book).lines
            missing = [ln.price_not_found for ln in lines if ln.price_not_found]
            total = sum((ln.monthly_cost_usd for ln in lines if ln.monthly_cost_usd is not None),
                        Decimal(0))
            # a burstable type's surplus CPU credits need the CPU over time, which summary rows
            # do not carry: say so rather than rank it as if it had none
            credits_of = sorted({ln.address.split(".", 1)[1] for ln in lines
                                 if ln.component == "CPU credits"
                                 and ln.status == "usage unknown"})
            note = (f"surplus CPU credits of node group(s) {', '.join(credits_of)} not "
                    "included (the report prices them from the simulated CPU)"
                    if credits_of else "")
            if charged:
                note = (f"surplus CPU credits of node group(s) {', '.join(sorted(charged))} "
                        "included, from the simulated CPU as the report prices them")
            evenly = [g.name for g in spec.node_groups
                      if "committed_instances" in self.resources[g.name].usage
                      and g.name not in (overflow or {})]
            if evenly:
                note = "; ".join(n for n in (note, (
                    f"node-hours above committed_instances of node group(s) "
                    f"{', '.join(evenly)} counted as if spread evenly, a lower bound (the "
                    "report reads them from the run)")) if n)
            addresses = {f"aws_ebs_volume.{c.resource_name}" for c in claimed}
            volume_usd = cents(sum((ln.monthly_cost_usd for ln in lines
                                    if ln.address in addresses
                                    and ln.monthly_cost_usd is not None), Decimal(0))) \
                if claimed else None
            if claimed and volumes is not None and volumes.how:
                note = "; ".join(n for n in (note, (
                    f"claimed volumes of StatefulSet {claimed[0].statefulset} from the summary "
                    f"row: {volumes.mean:.4g} on average, {volumes.how}")) if n)
            left_out = unpriced_note(self.claims.templates) if self.claims is not None else ""
            note = "; ".join(n for n in (note, left_out) if n)
            self.cache[key] = (None, f"PRICE NOT FOUND: {missing[0]}", None) if missing \
                else (cents(total), note, volume_usd)
        return self.cache[key]
