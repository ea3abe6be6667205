"""The node cost per hour of a simulated cluster and each workload's part of it, as the report
splits it (:mod:`infra_toolkit.analysis`) and the sweep states it (:mod:`infra_toolkit.tuning`).
Pure: no I/O.

A group's cost per hour is its billed nodes (Ready or launching) times its instance type's price
at its ``aws_eks_node_group`` resource's purchase option, or with ``committed_instances`` those
instances at the commitment's rate and the nodes above them on-demand
(:func:`cluster_hourly_cost`); a
workload's part of a group it shares is its request share there, half by CPU and half by memory
requests (``cost_sim.request_shares``: idle room is charged to the pods on the group), all of a
group it has alone (:func:`workload_hourly_costs`). These are the instance hours only: a group's
disks and surplus CPU credits are not split (the cost lines price them per group).
:func:`monthly_usd` turns a per-hour column into a month (its mean x 730 h).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

import numpy as np
import pandas as pd

from infra_toolkit.cost import HOURS_PER_MONTH, cents
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.cost_sim import hourly_cost, request_shares
from infra_toolkit.errors import PricingError
from infra_toolkit.pricing import PriceBook
from infra_toolkit.resources import Resource
from infra_toolkit.simulate import ClusterSimulationResult, FixedPods, SimulationSpec

__all__ = ["CPU_COST_FRACTION", "cluster_hourly_cost", "monthly_usd", "workload_hourly_costs"]

#: A shared node group's cost is split between its pods half by CPU and half by memory requests.
CPU_COST_FRACTION = 0.5


def _purchase_option(resources: Sequence[Resource], resource_name: str, book: PriceBook
                     ) -> str | None:
    """The purchase option the cost lines price the node group resource's instances at, or
    ``None`` when they leave them unpriced (a Windows AMI: the tables hold Linux prices), so the
    chart never draws a price the estimate lacks."""
    for r in resources:
        if r.type == "aws_eks_node_group" and r.name == resource_name:
            if any(ln.price_not_found for ln in estimate([r], book).lines
                   if ln.component.startswith("Instance usage")):
                return None
            return "spot" if r.attributes["capacity_type"] == "SPOT" \
                else str(r.usage.get("purchase_option", "on_demand"))
    return "on_demand"


def cluster_hourly_cost(cluster: ClusterSimulationResult, resources: Sequence[Resource],
                        resource_of: Mapping[str, str], book: PriceBook, region: str
                        ) -> pd.DataFrame:
    """Node cost per hour (USD, float) of every simulated group (each node once): a
    ``usd_per_hour_<group>`` column per group at the purchase option of its resource
    (``resource_of``: group name -> resource name) and their sum ``usd_per_hour``; a group
    without a price has no column and then there is no total (never a silent $0)."""
    out = pd.DataFrame({"time_s": cluster.nodes["time_s"]})
    total, priced = np.zeros(len(out)), True
    for g in cluster.node_groups:
        name = resource_of.get(g.name, g.name)
        option = _purchase_option(resources, name, book)
        counts = [int(r.usage["committed_instances"]) for r in resources
                  if r.type == "aws_eks_node_group" and r.name == name
                  and "committed_instances" in r.usage]
        committed = {g.name: counts[0]} if counts else None
        try:
            part = None if option is None else hourly_cost(
                cluster.nodes, {g.name: g.instance_type}, book, region, option, committed)
        except PricingError:
            part = None
        if part is None:
            priced = False  # the estimate flags the missing price
            continue
        out[f"usd_per_hour_{g.name}"] = part[f"usd_per_hour_{g.name}"]
        total += part["usd_per_hour"].to_numpy()
    if priced:
        out["usd_per_hour"] = total
    return out


def _workload_hourly_cost(cluster_cost: pd.DataFrame, spec: SimulationSpec,
                          shares: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """The workload's part of the node cost per hour: each of its groups' cost times its request
    share there (1 on a group no other pod uses)."""
    out = pd.DataFrame({"time_s": cluster_cost["time_s"]})
    total, priced = np.zeros(len(out)), True
    for g in spec.node_groups:
        column = f"usd_per_hour_{g.name}"
        if column not in cluster_cost:
            priced = False
            continue
        out[column] = cluster_cost[column].to_numpy() * shares.get(g.name, 1.0)
        total += out[column].to_numpy()
    if priced:
        out["usd_per_hour"] = total
    return out


def workload_hourly_costs(cluster: ClusterSimulationResult, specs: Mapping[str, SimulationSpec],
                          fixed: Sequence[FixedPods], cluster_cost: pd.DataFrame
                          ) -> dict[str, pd.DataFrame]:
    """Each autoscaled workload's part (by name) of ``cluster_cost`` (:func:`cluster_hourly_cost`
    of ``cluster``, the run of ``specs`` and ``fixed``): per group its request share of the
    group's cost per hour (USD; by what the scheduler reserves for a pod, ``packed_*``),
    ``usd_per_hour`` their sum (absent when a group has no price)."""
    requests = {name: (spec.workload.packed_cpu_millicores, spec.workload.packed_memory_mib)
                for name, spec in specs.items()}
    requests.update({f.name: (float(f.cpu_request_millicores), float(f.memory_request_mib))
                     for f in fixed})
    share_of = request_shares(cluster.placed, requests, CPU_COST_FRACTION)
    return {name: _workload_hourly_cost(cluster_cost, spec, share_of.get(name, {}))
            for name, spec in specs.items()}


def monthly_usd(hourly: pd.DataFrame) -> Decimal | None:
    """A month (730 h, USD to the cent) of a per-hour cost frame's ``usd_per_hour``, one row per
    simulation tick: its mean times 730, the window projected to a month as the cost lines
    project node-hours; ``None`` when the frame has no total (a group without a price)."""
    if "usd_per_hour" not in hourly or not len(hourly):
        return None
    mean = float(np.mean(hourly["usd_per_hour"].to_numpy(dtype=float)))
    return cents(Decimal(repr(mean)) * HOURS_PER_MONTH)
