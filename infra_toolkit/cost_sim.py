"""Cost from a simulation: node-hours per node group (billed from launch, as EC2 bills),
load balancer capacity units, internet egress, intra-region transfer and the GB of the NAT
gateways the egress leaves by from the served request rate, all projected
from the simulated window to a month of :data:`~infra_toolkit.cost.HOURS_PER_MONTH` hours and
priced by the same three steps as any resource; cost per hour over the timeline; and cost
attribution to workloads by OpenCost's rule (each pod is charged for max(request, usage)).
Pure: no I/O.

The functions take plain inputs (a node-hours dict and a window in hours; a served-rps array and
its step). :func:`estimate_from_simulation` is the thin wrapper for any object shaped like a
``SimulationResult`` (``summary.node_hours_by_node_group``, ``summary.duration_s``,
``timeline`` with ``time_s`` and ``served_rps`` at a constant step).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Context, Decimal
from typing import Any

import numpy as np
import pandas as pd

from infra_toolkit.cost import HOURS_PER_MONTH, CostEstimate
from infra_toolkit.cost_components import lcu_per_hour
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.errors import SimulationError
from infra_toolkit.pricing import PriceBook
from infra_toolkit.report_html import duration_text
from infra_toolkit.resources import Resource
from infra_toolkit.time_units import SECONDS_PER_HOUR

__all__ = [
    "ALB_FREE_RULES_PER_REQUEST",
    "BYTES_PER_GB",
    "PodUsage",
    "TrafficProfile",
    "apply_simulation",
    "attribute_cost",
    "billed_node_counts",
    "egress_gb",
    "egress_transfer",
    "estimate_from_simulation",
    "hourly_cost",
    "lcu_hours",
    "monthly_node_hours",
    "overflow_node_hours",
    "overflow_node_hours_by_node_group",
    "request_shares",
]

# AWS meters data in binary gigabytes (2^30 bytes).
BYTES_PER_GB = 2**30
# "The first 10 processed rules are free (Rule evaluations = Request rate * (Number of rules
# processed - 10 free rules))": aws.amazon.com/elasticloadbalancing/pricing/.
ALB_FREE_RULES_PER_REQUEST = 10


def _positive(name: str, value: float, upper: float | None = None) -> None:
    if not math.isfinite(value) or value < 0 or (upper is not None and value > upper):
        bound = f" and <= {upper:g}" if upper is not None else ""
        raise SimulationError(f"{name} = {value!r}: must be a finite number >= 0{bound}")


@dataclass(frozen=True)
class TrafficProfile:
    """Per-request traffic that turns a request rate into load balancer and transfer usage:
    bytes in (client to load balancer) and out per request, new connections per request (1 with
    no keep-alive, 0.01 when a connection carries ~100 requests), how long a connection stays
    open (seconds), listener rules evaluated per request (a mean over the requests: 12.5 when
    half evaluate 12 and half 13), the share of response bytes that leave AWS for the
    Internet, the bytes a request moves between availability zones (pods to a database,
    cache or load balancer in another zone; counted once, ``cost_components`` bills both
    directions), and the bytes each NAT gateway the egress leaves by processes a request."""

    request_bytes: float
    response_bytes: float
    new_connections_per_request: float
    connection_duration_s: float
    rules_evaluated_per_request: float = 0
    internet_egress_fraction: float = 1.0
    intra_region_bytes: float = 0
    # False when the response bytes (the egress) leave through a NAT gateway, not the load
    # balancer: they are then no part of the bytes it processes
    responses_through_load_balancer: bool = True
    # (NAT gateway address, bytes it processes a request): the NAT gateways the egress leaves
    # by, whose processed GB then follow the served requests as the egress does
    nat_processed_bytes: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        for name in ("request_bytes", "response_bytes", "new_connections_per_request",
                     "connection_duration_s", "rules_evaluated_per_request",
                     "intra_region_bytes"):
            _positive(f"TrafficProfile.{name}", float(getattr(self, name)))
        _positive("TrafficProfile.internet_egress_fraction", self.internet_egress_fraction, 1.0)
        for address, nat_bytes in self.nat_processed_bytes:
            _positive(f"TrafficProfile.nat_processed_bytes[{address!r}]", float(nat_bytes))


def _dec(value: float) -> Decimal:
    return Decimal(repr(float(value)))


# Per-request bytes and connections are the declared usage over the reference rate, so summed
# back over the reference scenario they give the declared figure, up to float noise in the 16th
# digit (912.4999999999997889 NLCU-hours for a declared 1.25 an hour): enough to carry a
# half-cent tie across the rounding ($5.475 shown as $5.47 beside the declared $5.48). Thirteen
# significant digits keep every real difference (a ten-millionth of a unit on a million) and
# drop noise of up to a part in 10^14, a float sum's over tens of thousands of steps.
_SETTLED = Context(prec=13)


def _settled(quantity: Decimal) -> Decimal:
    """A monthly usage summed from float per-request figures, to 13 significant digits: the
    float noise of the sum dropped, so the usage the declared figures imply prices as declared."""
    return _SETTLED.plus(quantity)


def _scale(window_h: float) -> Decimal:
    """Months per simulated window: 730 / window hours."""
    if not math.isfinite(window_h) or window_h <= 0:
        raise SimulationError(f"simulated window = {window_h!r} h: must be > 0")
    return HOURS_PER_MONTH / _dec(window_h)


def monthly_node_hours(node_hours_by_node_group: Mapping[str, float], window_h: float
                       ) -> dict[str, Decimal]:
    """Node-hours per node group scaled from a simulated window of ``window_h`` hours to a
    730-hour month."""
    scale = _scale(window_h)
    out = {}
    for group, hours in node_hours_by_node_group.items():
        _positive(f"node_hours_by_node_group[{group!r}]", hours)
        out[group] = _dec(hours) * scale
    return out


def overflow_node_hours(billed_nodes: Any, committed_instances: int, step_s: float) -> float:
    """Node-hours above ``committed_instances`` over a series of billed node counts (one per
    step of ``step_s`` seconds): the sum over the steps of max(0, nodes - committed), each
    step's hours. What a commitment leaves on-demand: it covers that many instances at each
    moment, never node-hours saved from a quiet hour for a busy one."""
    nodes = np.asarray(billed_nodes, dtype=float)
    if nodes.ndim != 1 or not np.all(np.isfinite(nodes)) or np.any(nodes < 0):
        raise SimulationError("billed_nodes must be a 1-D array of node counts >= 0")
    if isinstance(committed_instances, bool) or not isinstance(committed_instances, int) \
            or committed_instances < 0:
        raise SimulationError(f"committed_instances = {committed_instances!r}: must be a whole "
                              "number >= 0")
    _positive("step_s", step_s)
    return float(np.maximum(nodes - committed_instances, 0.0).sum()) * step_s / SECONDS_PER_HOUR


def overflow_node_hours_by_node_group(nodes: pd.DataFrame, resources: Sequence[Resource],
                                      resource_of: Mapping[str, str], step_s: float
                                      ) -> dict[str, float]:
    """Each simulated group's node-hours above its resource's ``usage.committed_instances``
    (:func:`overflow_node_hours` of its billed nodes, Ready ``nodes_<group>`` plus launching
    ``launching_nodes_<group>``, as node-hours are billed from launch), keyed by resource name as
    :func:`apply_simulation` takes them; ``resource_of`` maps a group to its resource's name (a
    group missing from it bears the resource's name). Groups without a commitment, or not in
    ``nodes``, are left out."""
    committed = {r.name: int(r.usage["committed_instances"]) for r in resources
                 if r.type == "aws_eks_node_group" and "committed_instances" in r.usage}
    groups = [str(c).removeprefix("nodes_") for c in nodes.columns
              if str(c).startswith("nodes_")]
    return {resource_of.get(g, g): overflow_node_hours(billed_node_counts(nodes, g),
                                                       committed[resource_of.get(g, g)], step_s)
            for g in groups if resource_of.get(g, g) in committed}


def billed_node_counts(nodes: pd.DataFrame, group: str) -> np.ndarray:
    """The group's nodes billed at each step of a timeline: Ready (``nodes_<group>``) plus
    launched and not yet Ready (``launching_nodes_<group>``), as EC2 bills from launch."""
    columns = (f"nodes_{group}", f"launching_nodes_{group}")
    for column in columns:
        if column not in nodes:
            raise SimulationError(f"timeline has no {column} column; columns: "
                                  f"{', '.join(map(str, nodes.columns))}")
    return np.asarray(nodes[columns[0]].to_numpy(dtype=float)
                      + nodes[columns[1]].to_numpy(dtype=float), dtype=float)


def _hour_buckets(served_rps: Any, step_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(requests, seconds covered) per clock hour of the window, each step counted in the hour
    where it starts."""
    rps = np.asarray(served_rps, dtype=float)
    if rps.ndim != 1 or not np.all(np.isfinite(rps)) or np.any(rps < 0):
        raise SimulationError("served_rps must be a 1-D array of finite rates >= 0")
    if not math.isfinite(step_s) or step_s <= 0:
        raise SimulationError(f"step_s = {step_s!r}: must be > 0")
    hour = (np.arange(rps.size) * step_s // SECONDS_PER_HOUR).astype(np.int64)
    requests = np.bincount(hour, weights=rps * step_s)
    covered_s = np.bincount(hour) * step_s
    return requests, covered_s


def lcu_hours(served_rps: Any, step_s: float, traffic: TrafficProfile,
              per_lcu: Mapping[str, Decimal], load_balancer_type: str) -> Decimal:
    """Capacity-unit hours used in the simulated window: for each clock hour, the hour's mean
    new connections/s, active connections (new connections/s x connection duration), GB
    processed per hour and (ALB) rule evaluations/s beyond the 10 free rules per request, each
    divided by what one LCU contains (``per_lcu``, from the price book); AWS bills the largest,
    weighted by the share of the hour simulated."""
    requests, covered_s = _hour_buckets(served_rps, step_s)
    total = Decimal(0)
    billable_rules = max(0.0, traffic.rules_evaluated_per_request - ALB_FREE_RULES_PER_REQUEST)
    for reqs, secs in zip(requests, covered_s, strict=True):
        if secs == 0:
            continue
        mean_rps = reqs / secs
        usage = {"new_connections": mean_rps * traffic.new_connections_per_request,
                 "active_connections": mean_rps * traffic.new_connections_per_request
                 * traffic.connection_duration_s,
                 "processed_bytes": reqs * (traffic.request_bytes + (
                     traffic.response_bytes if traffic.responses_through_load_balancer else 0))
                 / BYTES_PER_GB / (secs / SECONDS_PER_HOUR)}
        if load_balancer_type == "application":
            usage["rule_evaluations"] = mean_rps * billable_rules
        units, _ = lcu_per_hour({k: _dec(v) for k, v in usage.items()}, per_lcu)
        total += units * _dec(secs) / SECONDS_PER_HOUR
    return total


def _per_request_gb(served_rps: Any, step_s: float, bytes_per_request: Decimal) -> Decimal:
    """Served requests in the window x ``bytes_per_request``, in binary GB."""
    requests, _ = _hour_buckets(served_rps, step_s)
    return _dec(float(requests.sum())) * bytes_per_request / BYTES_PER_GB


def egress_gb(served_rps: Any, step_s: float, traffic: TrafficProfile) -> Decimal:
    """GB sent to the Internet in the window: served requests x response bytes x the egress
    share, in binary GB."""
    return _per_request_gb(served_rps, step_s, _dec(traffic.response_bytes)
                           * _dec(traffic.internet_egress_fraction))


def egress_transfer(resources: Sequence[Resource]) -> int | None:
    """The index of the ``aws_data_transfer`` resource that carries the Internet egress: the
    first giving ``monthly_outbound_internet_gb`` (one per region, ``resources`` refuses a second),
    else the first ``aws_data_transfer``, else None. Not simply the first: an intra-region-only
    one listed before it took the simulated egress while the declared GB stayed as written."""
    transfers = [i for i, r in enumerate(resources) if r.type == "aws_data_transfer"]
    egress = [i for i in transfers if "monthly_outbound_internet_gb" in resources[i].usage]
    chosen = egress or transfers
    return chosen[0] if chosen else None


def apply_simulation(resources: Sequence[Resource],
                     node_hours_by_node_group: Mapping[str, float],
                     window_h: float, book: PriceBook, *, served_rps: Any = None,
                     step_s: float | None = None, traffic: TrafficProfile | None = None,
                     cpu_credits: Mapping[str, float] | None = None,
                     overflow_node_hours_by_node_group: Mapping[str, float] | None = None
                     ) -> tuple[Resource, ...]:
    """The resources with usage taken from a simulation, projected to a month: each node group's
    ``monthly_node_hours`` from the node-hours of the group of its name (the ``aws_eks_node_group``
    resource's name; none simulated: 0), so two groups of one instance type are priced apart; with
    ``traffic``, the load balancer's ``monthly_lcu_hours`` and the ``aws_data_transfer`` resource's
    (:func:`egress_transfer`) ``monthly_outbound_internet_gb`` from the served request rate (one is
    added, named ``simulated_egress``, when there is none) and, when the profile has intra-region
    bytes, its ``monthly_intra_region_gb`` the same way (another transfer resource stays as
    declared), and each NAT gateway in the profile's ``nat_processed_bytes`` its
    ``monthly_data_processed_gb`` the same way (the others stay as declared); with
    ``cpu_credits`` (resource name -> surplus vCPU-hours charged in the window), that node group's
    CPU credits, projected like its node-hours (as ``monthly_cpu_credit_hrs`` of one vCPU, each
    node's: the group's over its nodes); a node group with
    ``committed_instances`` given node-hours takes ``monthly_overflow_node_hours`` from
    ``overflow_node_hours_by_node_group`` (resource name -> node-hours above the commitment in the
    window, :func:`overflow_node_hours_by_node_group`), projected like its node-hours; without
    its figure there, a declared one is dropped (it describes other node-hours) and the line
    counts the node-hours as if spread evenly, a floor its note names."""
    scale = _scale(window_h)
    node_hours = monthly_node_hours(node_hours_by_node_group, window_h)
    groups = {r.name: r.attributes["instance_types"][0] for r in resources
              if r.type == "aws_eks_node_group"}
    unknown = sorted(set(node_hours) - set(groups))
    if unknown:
        raise SimulationError(
            f"the simulation ran node group(s) {', '.join(map(repr, unknown))} but no "
            "aws_eks_node_group resource has that name; node groups in the resources: "
            f"{', '.join(f'{n} ({t})' for n, t in groups.items()) or 'none'}; name the "
            "simulation's node groups after the resources they price")
    committed = {r.name for r in resources
                 if r.type == "aws_eks_node_group" and "committed_instances" in r.usage}
    stray = sorted(set(overflow_node_hours_by_node_group or {}) - committed)
    if stray:
        raise SimulationError(
            f"node-hours above a commitment given for {', '.join(map(repr, stray))}, which "
            "no aws_eks_node_group resource with usage.committed_instances bears; node groups "
            f"with one: {', '.join(sorted(committed)) or 'none'}")
    out = []
    for r in resources:
        if r.type == "aws_eks_node_group":
            usage = {**r.usage, "monthly_node_hours": node_hours.get(r.name, Decimal(0))}
            usage.pop("monthly_overflow_node_hours", None)
            overflow = (overflow_node_hours_by_node_group or {}).get(r.name)
            if overflow is not None:
                _positive(f"overflow_node_hours_by_node_group[{r.name!r}]", overflow)
                usage["monthly_overflow_node_hours"] = _dec(overflow) * scale
            if cpu_credits is not None and r.name in cpu_credits:
                charged_vcpu_h = cpu_credits[r.name]
                _positive(f"cpu_credits[{r.name!r}]", charged_vcpu_h)
                monthly = _dec(charged_vcpu_h) * scale if charged_vcpu_h else Decimal(0)
                nodes = usage["monthly_node_hours"] / HOURS_PER_MONTH
                if monthly and not nodes:
                    raise SimulationError(f"cpu_credits[{r.name!r}] = {charged_vcpu_h!r} "
                                          "vCPU-hours charged on a group that ran no node")
                # Infracost's keys are each node's: the group's surplus over its nodes
                usage.update(monthly_cpu_credit_hrs=monthly / nodes if monthly else Decimal(0),
                             vcpu_count=1)
            r = replace(r, usage=usage)
        out.append(r)
    if traffic is None:
        return tuple(out)
    if served_rps is None or step_s is None:
        raise SimulationError("traffic needs served_rps and step_s from the simulation")
    lbs = [i for i, r in enumerate(out) if r.type == "aws_lb"]
    if len(lbs) != 1:
        raise SimulationError(f"traffic is carried by exactly one aws_lb; found {len(lbs)}")
    lb = out[lbs[0]]
    lb_type = lb.attributes["load_balancer_type"]
    per_lcu = book.lcu_dimensions(lb_type, "HTTP" if lb_type == "application"
                                  else lb.usage.get("protocol", "TCP"))
    lcu = _settled(lcu_hours(served_rps, step_s, traffic, per_lcu, lb_type) * scale)
    kept = {k: v for k, v in lb.usage.items() if k not in (
        "new_connections", "active_connections", "processed_bytes_gb", "rule_evaluations")}
    out[lbs[0]] = replace(lb, usage={**kept, "monthly_lcu_hours": lcu})
    moved: dict[str, Decimal] = {
        "monthly_outbound_internet_gb": _settled(egress_gb(served_rps, step_s, traffic) * scale)}
    if traffic.intra_region_bytes:  # a profile without them leaves the declared GB as is
        moved["monthly_intra_region_gb"] = _settled(_per_request_gb(
            served_rps, step_s, _dec(traffic.intra_region_bytes)) * scale)
    nat_bytes = dict(traffic.nat_processed_bytes)
    for i, r in enumerate(out):
        if r.type == "aws_nat_gateway" and r.address in nat_bytes:
            out[i] = replace(r, usage={**r.usage, "monthly_data_processed_gb": _settled(
                _per_request_gb(served_rps, step_s, _dec(nat_bytes[r.address])) * scale)})
    transfer = egress_transfer(out)
    if transfer is not None:
        t = out[transfer]
        out[transfer] = replace(t, usage={**t.usage, **moved})
    else:
        out.append(Resource("aws_data_transfer", "simulated_egress", lb.region, {}, moved))
    return tuple(out)


def _step_s(timeline: pd.DataFrame) -> float:
    times = np.asarray(timeline["time_s"], dtype=float)
    steps = np.diff(times)
    if times.size < 2 or not np.allclose(steps, steps[0]) or steps[0] <= 0:
        raise SimulationError("timeline time_s must rise by a constant step")
    return float(steps[0])


def estimate_from_simulation(resources: Sequence[Resource], simulation: Any, book: PriceBook,
                             traffic: TrafficProfile | None = None) -> CostEstimate:
    """Price ``resources`` with usage from ``simulation`` (any object shaped like a
    ``SimulationResult``): its node groups must bear the names of the ``aws_eks_node_group``
    resources they price (``simulate`` on the command line names its one group after its
    instance type); the estimate's notes state the projection."""
    summary, timeline = simulation.summary, simulation.timeline
    window_h = float(summary.duration_s) / SECONDS_PER_HOUR
    step = _step_s(timeline) if traffic is not None else None
    committed = any(r.type == "aws_eks_node_group" and "committed_instances" in r.usage
                    for r in resources)
    # a timeline row per tick of the window: its step is the window over the rows
    overflow = overflow_node_hours_by_node_group(
        timeline, resources, {}, float(summary.duration_s) / len(timeline)) if committed else None
    projected = apply_simulation(resources, summary.node_hours_by_node_group, window_h, book,
                                 served_rps=timeline["served_rps"].to_numpy() if traffic else None,
                                 step_s=step, traffic=traffic,
                                 overflow_node_hours_by_node_group=overflow)
    # the window as the report writes durations ("25 min", not "0.416667 h")
    note = (f"monthly figures project the simulated {duration_text(float(summary.duration_s))} "
            "window to "
            f"{HOURS_PER_MONTH} h (x {_scale(window_h).quantize(Decimal('0.0001'))})")
    return estimate(projected, book, notes=(note,))


def hourly_cost(timeline: pd.DataFrame, instance_type_by_group: Mapping[str, str],
                book: PriceBook, region: str, purchase_option: str = "on_demand",
                committed_instances: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Node cost per hour at each step of a timeline, the nodes billed from launch (columns
    ``nodes_<group>``, Ready, plus ``launching_nodes_<group>``, launched and not yet Ready): a
    float ``usd_per_hour_<group>`` per group and their sum ``usd_per_hour``, for charts (the
    priced estimate stays in Decimal). A group in ``committed_instances`` pays that many
    instances at the ``purchase_option`` rate every step, used or not, and the nodes above them
    on-demand, as its cost lines bill them."""
    out = pd.DataFrame({"time_s": timeline["time_s"]})
    total = np.zeros(len(timeline))
    for group, itype in instance_type_by_group.items():
        billed = billed_node_counts(timeline, group)
        price = book.lookup("ec2_on_demand", purchase_option, region=region,
                            instance_type=itype).usd_per_unit
        committed = (committed_instances or {}).get(group)
        if committed is None:
            out[f"usd_per_hour_{group}"] = billed * float(price)
        else:
            on_demand = book.lookup("ec2_on_demand", "on_demand", region=region,
                                    instance_type=itype).usd_per_unit
            out[f"usd_per_hour_{group}"] = (committed * float(price) + np.maximum(
                billed - committed, 0.0) * float(on_demand))
        total += out[f"usd_per_hour_{group}"].to_numpy()
    out["usd_per_hour"] = total
    return out


def request_shares(placed: Mapping[str, Mapping[str, np.ndarray]],
                   requests: Mapping[str, tuple[float, float]], cpu_cost_fraction: float
                   ) -> dict[str, dict[str, np.ndarray]]:
    """Each owner's share (0..1, per tick) of each node group it has pods on, by requests:
    ``cpu_cost_fraction`` x its share of the pods' CPU requests (millicores) on the group plus
    the rest x its share of their memory requests (MiB); ``placed[owner][group]`` is its pods on
    the group per tick, ``requests[owner]`` one pod's (CPU millicores, memory MiB). The shares of
    a group add up to 1 at every tick (idle capacity is charged to the pods there); at a tick
    with no pod on the group, its owners share it equally. Multiply an ``hourly_cost`` column by
    a share for the owner's part of that group's node cost."""
    if not 0 <= cpu_cost_fraction <= 1:
        raise SimulationError(f"cpu_cost_fraction = {cpu_cost_fraction}: must lie in [0, 1]")
    groups = {g for per_group in placed.values() for g in per_group}
    out: dict[str, dict[str, np.ndarray]] = {owner: {} for owner in placed}
    for g in sorted(groups):
        owners = [o for o in placed if g in placed[o]]
        cpu = {o: placed[o][g] * float(requests[o][0]) for o in owners}
        mem = {o: placed[o][g] * float(requests[o][1]) for o in owners}
        cpu_total, mem_total = sum(cpu.values()), sum(mem.values())
        for o in owners:
            even = np.full(len(placed[o][g]), 1.0 / len(owners))
            by_cpu = np.divide(cpu[o], cpu_total, out=even.copy(), where=cpu_total > 0)
            by_mem = np.divide(mem[o], mem_total, out=even.copy(), where=mem_total > 0)
            out[o][g] = cpu_cost_fraction * by_cpu + (1 - cpu_cost_fraction) * by_mem
    return out


@dataclass(frozen=True)
class PodUsage:
    """One workload's pods over the window: pod-hours and per-pod CPU / memory request and
    average usage."""

    workload: str
    pod_hours: float
    cpu_request_millicores: float
    cpu_usage_millicores: float
    memory_request_mib: float
    memory_usage_mib: float

    def __post_init__(self) -> None:
        for name in ("pod_hours", "cpu_request_millicores", "cpu_usage_millicores",
                     "memory_request_mib", "memory_usage_mib"):
            _positive(f"PodUsage({self.workload}).{name}", float(getattr(self, name)))


def attribute_cost(cost_usd: Decimal, pods: Sequence[PodUsage], *,
                   cpu_capacity_millicore_hours: float, memory_capacity_mib_hours: float,
                   cpu_cost_fraction: Decimal) -> pd.DataFrame:
    """Split a node cost between workloads as OpenCost does: each workload is allocated
    max(request, usage) x pod-hours of CPU and of memory; ``cpu_cost_fraction`` of the cost
    follows CPU shares of capacity, the rest memory shares; what no workload is allocated is the
    ``__idle__`` row. Costs are Decimal and sum exactly to ``cost_usd``."""
    if not 0 <= cpu_cost_fraction <= 1:
        raise SimulationError(f"cpu_cost_fraction = {cpu_cost_fraction}: must lie in [0, 1]")
    cpu_cap, mem_cap = _dec(cpu_capacity_millicore_hours), _dec(memory_capacity_mib_hours)
    if cpu_cap <= 0 or mem_cap <= 0:
        raise SimulationError("capacities must be > 0 millicore-hours and MiB-hours")
    rows: list[dict[str, Any]] = []
    used_cpu = used_mem = allocated = Decimal(0)
    for p in pods:
        cpu = _dec(max(p.cpu_request_millicores, p.cpu_usage_millicores) * p.pod_hours)
        mem = _dec(max(p.memory_request_mib, p.memory_usage_mib) * p.pod_hours)
        used_cpu, used_mem = used_cpu + cpu, used_mem + mem
        share = cpu_cost_fraction * cpu / cpu_cap + (1 - cpu_cost_fraction) * mem / mem_cap
        allocated += cost_usd * share
        rows.append({"workload": p.workload, "cpu_millicore_hours": cpu,
                     "memory_mib_hours": mem, "cost_usd": cost_usd * share})
    if used_cpu > cpu_cap or used_mem > mem_cap:
        raise SimulationError(f"workloads are allocated {used_cpu} millicore-hours and "
                              f"{used_mem} MiB-hours, more than the capacity ({cpu_cap}, "
                              f"{mem_cap}); check pod-hours and capacity")
    rows.append({"workload": "__idle__", "cpu_millicore_hours": cpu_cap - used_cpu,
                 "memory_mib_hours": mem_cap - used_mem,
                 "cost_usd": cost_usd - allocated})
    return pd.DataFrame(rows)
