"""A plan's resources prepared for pricing from a simulation: the per-request traffic that its
declared load balancer and transfer usage imply, node-hours for node groups no workload runs on,
another pricing region, and the ceiling (every node group at its maximum size, the load balancer
egress, intra-region transfer and NAT GB at the busiest scenario's offered load). Pure: no I/O.

The declared usage of a plan's load balancer (``new_connections``, ``active_connections``,
``processed_bytes_gb``, ``rule_evaluations``) and its ``aws_data_transfer``'s
``monthly_outbound_internet_gb`` and ``monthly_intra_region_gb`` (and, when that egress leaves by
a NAT gateway, the NAT gateways' ``monthly_data_processed_gb``) describe the traffic of the plan's
reference scenario (:func:`reference_scenario`: its first scenario that is not a load test).
:func:`traffic_profile_from_usage` turns them into per-request figures
(:class:`~infra_toolkit.cost_sim.TrafficProfile`) at that scenario's mean request rate, so that
:func:`~infra_toolkit.cost_sim.apply_simulation` prices each simulated scenario's own load: a
scenario at exactly the reference rate reproduces the declared usage.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal

import numpy as np

from infra_toolkit.cost import HOURS_PER_MONTH
from infra_toolkit.cost_sim import (
    ALB_FREE_RULES_PER_REQUEST,
    BYTES_PER_GB,
    TrafficProfile,
    apply_simulation,
    egress_transfer,
    overflow_node_hours,
)
from infra_toolkit.errors import SimulationError
from infra_toolkit.plan import Plan
from infra_toolkit.plan_scenario_types import LoadTest, Scenario
from infra_toolkit.pricing import PriceBook
from infra_toolkit.resources import Resource
from infra_toolkit.time_units import SECONDS_PER_HOUR
from infra_toolkit.traffic import TrafficCurve

__all__ = [
    "LB_USAGE_KEYS",
    "at_max_size",
    "ceiling_resources",
    "idle_node_hours",
    "idle_overflow_node_hours",
    "in_region",
    "node_group_resource_paths",
    "node_group_resources",
    "is_load_test",
    "load_balanced_share",
    "load_balanced_workloads",
    "reference_scenario",
    "reference_traffic_profile",
    "traffic_profile_from_usage",
]

#: The load balancer usage keys a traffic profile is derived from (per second, per minute, GB
#: per hour, per second: the units of ``cost_components.lcu_per_hour``).
LB_USAGE_KEYS = ("new_connections", "active_connections", "processed_bytes_gb",
                 "rule_evaluations")


def is_load_test(scenario: Scenario) -> bool:
    """True for a closed-loop load test (``load_test:``): a test of minutes, not a month of
    traffic, so it has no place in a monthly cost range."""
    return isinstance(scenario.traffic, LoadTest)


def reference_scenario(plan: Plan) -> Scenario | None:
    """The scenario whose mean request rate the declared load balancer and egress usage
    describe: the plan's first scenario that is not a load test (its first one if all are;
    None without scenarios). Fixed by the plan, never by a report's selection."""
    return next((s for s in plan.scenarios if not is_load_test(s)),
                plan.scenarios[0] if plan.scenarios else None)


def load_balanced_workloads(plan: Plan) -> tuple[str, ...]:
    """The names of the autoscaled proposed workloads whose requests pass through the load
    balancer (``behind_load_balancer``, default true), in plan order: their served requests
    are the ones priced as load balancer capacity units and Internet egress, and their
    ``traffic_share`` s sum to the reference rate's share."""
    return tuple(w.name for w in plan.proposed.workloads
                 if w.hpa_spec is not None and w.behind_load_balancer)


def load_balanced_share(plan: Plan) -> float:
    """The share of a scenario's requests that pass through the load balancer: the summed
    ``traffic_share`` of :func:`load_balanced_workloads` (0 without one)."""
    behind = load_balanced_workloads(plan)
    return float(sum(w.traffic_share for w in plan.proposed.workloads if w.name in behind))


def reference_traffic_profile(plan: Plan, resources: Sequence[Resource],
                              curves: Mapping[str, TrafficCurve]
                              ) -> tuple[TrafficProfile | None, float]:
    """The per-request traffic of ``resources``' declared usage
    (:func:`traffic_profile_from_usage`) at the reference rate, and that rate in requests per
    second: the mean of :func:`reference_scenario`'s curve (``curves`` maps a scenario's name to
    it) times the summed ``traffic_share`` of the :func:`load_balanced_workloads`. The one rule
    ``validate`` and the report apply: a zero rate with usage to derive raises
    :class:`SimulationError` naming the scenario and the fix. With no autoscaled workload behind
    the load balancer no simulated request passes through it: ``(None, 0.0)``, and the load
    balancer and egress are priced as declared (``validate`` warns,
    ``load_balancer_warnings.off_load_balancer_warnings``)."""
    reference = reference_scenario(plan)
    if reference is None:
        raise SimulationError("the plan has no scenario to derive per-request usage from")
    if not load_balanced_workloads(plan):
        return None, 0.0
    rps = float(np.mean(curves[reference.name].rps)) * load_balanced_share(plan)
    return traffic_profile_from_usage(resources, rps, reference.name), rps


def traffic_profile_from_usage(resources: Sequence[Resource], reference_rps: float,
                               reference_name: str = "reference") -> TrafficProfile | None:
    """Per-request traffic implied by the declared usage at ``reference_rps`` requests per
    second (of the scenario called ``reference_name``), or ``None`` when there is no single
    load balancer declaring ``processed_bytes_gb``.

    - response bytes: the egress ``aws_data_transfer``'s (``cost_sim.egress_transfer``)
      ``monthly_outbound_internet_gb`` spread over a month of requests at the reference rate
      (binary GB; 0 without one);
    - intra-region bytes: that resource's ``monthly_intra_region_gb`` spread the same way (the
      traffic between zones is the requests' own: pods to a database, cache or load balancer in
      another zone);
    - request bytes: the rest of ``processed_bytes_gb`` (GB per hour), never below 0; all of
      it when the egress leaves by another way (``egress_through_load_balancer: false``);
    - NAT bytes, only when the egress leaves by a NAT gateway (``egress_through_load_balancer:
      false``): each ``aws_nat_gateway``'s ``monthly_data_processed_gb`` spread the same way,
      so its GB follow the served requests as the egress it carries does; otherwise its bytes
      (image pulls, updates, calls out) are not taken to be the requests': held as declared;
    - new connections per request: ``new_connections`` / rate; a connection lasts
      ``active_connections`` / ``new_connections`` seconds;
    - rules per request (ALB): the 10 free ones plus ``rule_evaluations`` / rate (a mean, not
      rounded: rounding 1.6 billable rules to 2 would bill 25 % more evaluations than declared).
    """
    lbs = [r for r in resources if r.type == "aws_lb"]
    if len(lbs) != 1 or "processed_bytes_gb" not in lbs[0].usage:
        return None  # nothing declared to derive, whatever the reference rate
    if not reference_rps > 0:
        raise SimulationError(
            f"the reference scenario {reference_name!r} (the plan's first scenario that is not a "
            f"load test) has a mean rate of {reference_rps:g} requests per second, but the "
            "declared load balancer usage (processed_bytes_gb) and egress are turned into "
            "per-request figures at that scenario's mean rate; put a scenario with traffic first "
            "(the traffic the declared usage was measured on)")
    usage = {k: float(lbs[0].usage.get(k, 0)) for k in LB_USAGE_KEYS}
    transfer = egress_transfer(resources)
    declared = {} if transfer is None else resources[transfer].usage
    requests_per_month = reference_rps * float(HOURS_PER_MONTH) * SECONDS_PER_HOUR

    def per_request_bytes(key: str) -> float:
        return float(declared.get(key, 0)) * BYTES_PER_GB / requests_per_month

    response_bytes = per_request_bytes("monthly_outbound_internet_gb")
    processed_bytes = usage["processed_bytes_gb"] * BYTES_PER_GB / (reference_rps
                                                                   * SECONDS_PER_HOUR)
    # egress leaving by a NAT gateway: the load balancer processes the declared bytes alone
    through_lb = bool(declared.get("egress_through_load_balancer", True))
    nat = tuple((r.address, float(r.usage["monthly_data_processed_gb"]) * BYTES_PER_GB
                 / requests_per_month) for r in resources
                if not through_lb and r.type == "aws_nat_gateway"
                and "monthly_data_processed_gb" in r.usage)
    new = usage["new_connections"]
    rules = 0.0
    if lbs[0].attributes.get("load_balancer_type") == "application":
        rules = ALB_FREE_RULES_PER_REQUEST + usage["rule_evaluations"] / reference_rps
    return TrafficProfile(
        request_bytes=max(0.0, processed_bytes - (response_bytes if through_lb else 0.0)),
        response_bytes=response_bytes,
        new_connections_per_request=new / reference_rps,
        connection_duration_s=usage["active_connections"] / new if new > 0 else 0.0,
        rules_evaluated_per_request=rules,
        intra_region_bytes=per_request_bytes("monthly_intra_region_gb"),
        responses_through_load_balancer=through_lb,
        nat_processed_bytes=nat,
    )


def node_group_resources(plan: Plan, side: str = "proposed") -> dict[str, str]:
    """The ``aws_eks_node_group`` resources of ``side`` (``proposed`` or ``current``) by the
    node group they price: the simulator's group name (the resource's ``node_group_name`` as
    written, else its name, as the plan names its node groups) -> the resource's name."""
    raw = plan.data.get(side, {}).get("resources", [])
    written = {(i.get("type"), i.get("name")): i.get("node_group_name") for i in raw
               if isinstance(i, Mapping)}
    out: dict[str, str] = {}
    for r in (plan.proposed if side == "proposed" else plan.current).resources:
        if r.type == "aws_eks_node_group":
            name = written.get((r.type, r.name))
            out[name if isinstance(name, str) and name else r.name] = r.name
    return out


def node_group_resource_paths(plan: Plan) -> dict[str, str]:
    """The plan path of each proposed ``aws_eks_node_group`` resource
    (``proposed.resources[i]``) by the node group it prices, named as
    :func:`node_group_resources` names it: where a warning about that group points."""
    entry = {r.name: r.entry_path for r in plan.proposed.resources
             if r.type == "aws_eks_node_group"}
    return {group: entry[res] for group, res in node_group_resources(plan).items()}


def idle_node_hours(resources: Sequence[Resource], simulated_node_groups: Collection[str],
                    window_h: float) -> dict[str, float]:
    """Node-hours over ``window_h`` hours of the node groups no simulated workload runs on (the
    ``aws_eks_node_group`` resources not named in ``simulated_node_groups``): they stay as
    declared, priced as the static estimate prices them (``usage.monthly_node_hours`` pro rata,
    else ``usage.instances``, else ``desired_size`` nodes); keyed by resource name, as
    :func:`~infra_toolkit.cost_sim.apply_simulation` takes them."""
    out: dict[str, float] = {}
    for r in resources:
        if r.type != "aws_eks_node_group" or r.name in simulated_node_groups:
            continue
        if "monthly_node_hours" in r.usage:
            out[r.name] = float(r.usage["monthly_node_hours"]) * window_h / float(HOURS_PER_MONTH)
        else:
            out[r.name] = r.usage.get("instances", r.attributes["scaling_config.desired_size"]) \
                * window_h
    return out


def idle_overflow_node_hours(resources: Sequence[Resource],
                             simulated_node_groups: Collection[str], window_h: float
                             ) -> dict[str, float]:
    """Node-hours above ``usage.committed_instances`` over ``window_h`` hours of the node groups
    :func:`idle_node_hours` keeps as declared, as the static estimate counts them: a declared
    ``monthly_overflow_node_hours`` pro rata, else the nodes of ``instances`` (or
    ``desired_size``) above the commitment all the window
    (:func:`~infra_toolkit.cost_sim.overflow_node_hours` of that constant count); a group
    declaring only ``monthly_node_hours`` is left out, so its line counts them as if spread
    evenly, as the static estimate does. Keyed by resource name."""
    out: dict[str, float] = {}
    for r in resources:
        u = r.usage
        if r.type != "aws_eks_node_group" or r.name in simulated_node_groups \
                or "committed_instances" not in u:
            continue
        if "monthly_overflow_node_hours" in u:
            out[r.name] = float(u["monthly_overflow_node_hours"]) * window_h \
                / float(HOURS_PER_MONTH)
        elif "monthly_node_hours" not in u:
            nodes = u.get("instances", r.attributes["scaling_config.desired_size"])
            out[r.name] = overflow_node_hours(np.full(1, float(nodes)),
                                              int(u["committed_instances"]),
                                              window_h * SECONDS_PER_HOUR)
    return out


def in_region(resources: Sequence[Resource], region: str | None) -> tuple[Resource, ...]:
    """The resources priced in ``region`` instead of their own (``None``: unchanged)."""
    if region is None:
        return tuple(resources)
    return tuple(dataclasses.replace(r, region=region) for r in resources)


def at_max_size(resources: Sequence[Resource]) -> tuple[Resource, ...]:
    """The resources with every node group running ``scaling_config.max_size`` nodes all month
    (``monthly_node_hours`` = max size x 730, and with ``committed_instances`` the
    ``monthly_overflow_node_hours`` above them: max(0, max size - committed) x 730): the cost
    ceiling of the node groups."""
    out = []
    for r in resources:
        if r.type == "aws_eks_node_group":
            most = Decimal(r.attributes["scaling_config.max_size"])
            hours: dict[str, Decimal] = {"monthly_node_hours": most * HOURS_PER_MONTH}
            if "committed_instances" in r.usage:
                hours["monthly_overflow_node_hours"] = max(
                    Decimal(0), most - Decimal(r.usage["committed_instances"])) * HOURS_PER_MONTH
            r = dataclasses.replace(r, usage={**r.usage, **hours})
        out.append(r)
    return tuple(out)


def ceiling_resources(resources: Sequence[Resource], curves: Sequence[TrafficCurve],
                      lb_share: float, traffic: TrafficProfile | None, book: PriceBook
                      ) -> tuple[Resource, ...]:
    """The resources at the plan's cost ceiling: every node group at its maximum size all month
    (:func:`at_max_size`) and, with a ``traffic`` profile, the load balancer's capacity units
    and the Internet egress each at the highest monthly figure of ``curves`` (the plan's
    scenarios that are not load tests, every one whether a report selects it or not) as if
    every request offered to the load balancer (the curve's rate x ``lb_share``, the summed
    ``traffic_share`` of :func:`load_balanced_workloads`) were served, and so the intra-region
    GB and the GB of the NAT gateways the egress leaves by. A simulated scenario serves at
    most what it is offered, so the ceiling bounds each of
    its lines; without a profile or a curve the load balancer and transfer stay as
    declared."""
    if traffic is None or not curves:
        return at_max_size(resources)
    offered = [apply_simulation(resources, {}, curve.duration_s / SECONDS_PER_HOUR, book,
                                served_rps=curve.rps * lb_share, step_s=curve.step_s,
                                traffic=traffic) for curve in curves]
    busiest = ("monthly_lcu_hours", "monthly_outbound_internet_gb", "monthly_intra_region_gb",
               "monthly_data_processed_gb")
    out = []
    for i, r in enumerate(offered[0]):
        if r.type in ("aws_lb", "aws_data_transfer", "aws_nat_gateway"):  # each at its busiest
            r = dataclasses.replace(r, usage={**r.usage, **{
                k: max(o[i].usage[k] for o in offered) for k in busiest if k in r.usage}})
        out.append(r)
    return at_max_size(out)
