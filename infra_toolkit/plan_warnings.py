"""Plan warnings: facts computed from a valid plan's own model that make it behave in a way its
author almost certainly did not intend (the plan stays valid; ``validate`` still exits 0).

Each warning names its place in the plan, writes out the figures and says the fix. For every
workload with an HPA and a model:

* **never scales up on a metric**: a per-pod metric (Resource cpu or memory, Utilization or
  AverageValue; Pods, read as requests per second per pod) at a pod's full capacity
  (``capacity_rps_per_pod``: a pod serves no more) is not above its target by more than the
  controller's tolerance, so its usage ratio never leaves the tolerance band upwards. When every
  metric is like that, the HPA holds ``minReplicas`` whatever the load. An Object or External
  metric with an AverageValue target (total offered rps over the pods) does rise past capacity,
  but if its target is at or above the capacity the HPA acts only once requests are dropped;
* **scales to maxReplicas at idle**: a Resource metric already above target plus tolerance at
  zero load (the baseline alone); more pods do not lower a per-pod baseline;
* **maxReplicas short of a scenario's peak**: ``maxReplicas x capacity_rps_per_pod`` below the
  peak step rate of a scenario times the workload's ``traffic_share`` (from the scenario curves
  the caller already built; nothing is simulated);
* **node groups too small**: the node groups it may run on hold fewer than ``maxReplicas`` pods
  at ``max_size`` (``nodes.pod_slots``). Each workload is checked alone, as ``validate`` checks
  the starting replicas; workloads sharing node groups also compete for that room.

* **desired_size below the starting pods**: a node group (``aws_eks_node_group``) whose
  ``desired_size``, the node count the review's declared cost prices, is below the nodes that
  the starting replicas (the Deployment's ``replicas``, within the HPA's bounds) of the
  workloads that can run only on it fill: ``ceil(sum of replicas / pods per node)``, a lower
  bound (pods of several workloads are packed as fractions of a node), so the declared monthly
  change leaves out nodes the cluster runs from its first minute.

* **a load balancer processing less than the egress it carries**: the report counts every
  response as leaving through the plan's only load balancer, declaring ``processed_bytes_gb``
  (``plan_cost.traffic_profile_from_usage``), so a declared ``processed_bytes_gb`` (GB an hour)
  times 730 below the ``aws_data_transfer``'s ``monthly_outbound_internet_gb`` is raised to the
  egress without a word: the requests would carry no bytes and the capacity units differ from
  the declared ones. (With no autoscaled workload behind it nothing is derived from the
  egress: no warning.)

* **no autoscaled workload behind the load balancer**: every autoscaled workload sets
  ``behind_load_balancer: false`` while the load balancer declares ``processed_bytes_gb``. No
  simulated request then passes through it, so the report prices it and the Internet egress as
  declared in every scenario instead of from each scenario's served requests
  (``plan_cost.reference_traffic_profile``): right for a load balancer in front of Deployments
  without an HPA only, a slip when the API was meant to stay behind it.

And for every plan, workloads or not, **a cost line without a price** (``price_warnings``): a
resource of either side the price book cannot price (a SPOT node group without a spot rate, a
region no table prices). Its cost is left out of every total, and the approval commands refuse
the plan until it is priced, so ``validate`` says so before a review is asked for; the lines
missing the same price (table, region and key) share one warning.

Utilization is taken in whole percent as the controller computes it (``int(usage * 100 /
request)``); the tolerance is the HPA's scale-up tolerance under the simulator's controller
defaults (``hpa_metrics.tolerances_for_hpa``). Metrics the simulator cannot feed, and workloads
without a model, are ``validate`` errors or not simulated: they get no warning here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from infra_toolkit.controller_view import MIB_MILLI
from infra_toolkit.cost import HOURS_PER_MONTH
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.errors import SimulationError
from infra_toolkit.hpa_controller_config import DEFAULT_CONTROLLER_CONFIG
from infra_toolkit.hpa_metrics import tolerances_for_hpa
from infra_toolkit.hpa_spec import MetricSpec
from infra_toolkit.nodes import NodeGroup, node_room, pod_slots
from infra_toolkit.plan import Plan
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_cost import load_balanced_workloads, node_group_resources
from infra_toolkit.plan_simulation import simulation_node_groups
from infra_toolkit.pricing import PriceBook
from infra_toolkit.traffic import TrafficCurve
from infra_toolkit.workload import WorkloadSpec

__all__ = ["PlanWarning", "desired_size_warnings", "hpa_metric_warnings",
           "load_balancer_bytes_warnings", "node_room_warnings", "off_load_balancer_warnings",
           "peak_warnings", "plan_warnings", "price_warnings"]


@dataclass(frozen=True)
class PlanWarning:
    """One warning: ``path`` in the plan file (``proposed.workloads[0].hpa``) and ``message``
    (the computed figures, what follows from them and the fix)."""

    path: str
    message: str

    def __post_init__(self) -> None:
        if not self.message:
            raise ValueError(f"plan warning at {self.path!r} has no message")

    def __str__(self) -> str:
        return f"{self.path}: warning: {self.message}"


@dataclass(frozen=True)
class _Reading:
    """A per-pod metric at some load: value and target in ``unit``, and how the value is made."""

    what: str  # "spec.metrics[1] (memory)"
    value: float
    target: float
    unit: str  # " %" of requests, "m", " MiB", " rps"
    formula: str
    utilization: bool  # whole percent, as the controller truncates it

    def ratio(self) -> float:
        """The usage ratio the controller compares with 1 +- tolerance."""
        value = math.floor(self.value + 1e-9) if self.utilization else self.value
        return value / self.target


def _f(value: float) -> str:
    """A figure as written in a message: whole numbers as such, one decimal from 10 up, three
    significant digits below."""
    if abs(value - round(value)) < 1e-9 * max(1.0, abs(value)):
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"


def _reading(i: int, metric: MetricSpec, ws: WorkloadSpec, rps: float) -> _Reading | None:
    """Metric ``i`` of the HPA for one pod serving ``rps`` requests per second, or ``None`` for a
    metric that does not follow one pod's load (Object/External Value, or none simulated)."""
    if metric.type == "Resource" and metric.resource is not None:
        name, target = metric.resource.name, metric.resource.target
        if name == "cpu":
            usage = ws.baseline_cpu_millicores + ws.cpu_millicores_per_rps * rps
            formula = (f"{_f(ws.baseline_cpu_millicores)}m + {_f(ws.cpu_millicores_per_rps)}m "
                       f"x {_f(rps)} rps = {_f(usage)}m")
            request, unit, per_milli = float(ws.cpu_request_millicores), "m", 1.0
        elif name == "memory" and ws.memory_baseline_mib is not None:
            usage = ws.memory_baseline_mib + ws.memory_mib_per_rps * rps
            formula = (f"{_f(ws.memory_baseline_mib)} MiB + {_f(ws.memory_mib_per_rps)} MiB x "
                       f"{_f(rps)} rps = {_f(usage)} MiB")
            request, unit, per_milli = ws.memory_request_mib, " MiB", float(MIB_MILLI)
        else:
            return None
        what = f"spec.metrics[{i}] ({name})"
        if target.average_utilization is not None:
            return _Reading(what, 100.0 * usage / request, float(target.average_utilization),
                            " %", f"{formula} of the {_f(request)}{unit} request", True)
        if target.average_value_milli is not None:
            return _Reading(what, usage, target.average_value_milli / per_milli, unit, formula,
                            False)
        return None
    source = metric.pods or metric.object or metric.external
    if source is None or source.target.average_value_milli is None:
        return None  # a Value target reads the total rate, whatever the pods serve
    return _Reading(f"spec.metrics[{i}] ({metric.type} {source.metric.name})", rps,
                    source.target.average_value_milli / 1000.0, " rps",
                    f"{_f(rps)} rps per pod", False)


def _bound(value: float, above: bool) -> str:
    """A target bound as written: rounded at 2 decimals towards the safe side, so that a target
    strictly beyond the figure shown is beyond the exact bound."""
    exact = round(value, 9)  # float noise must not move the bound a whole step
    safe = math.ceil(exact * 100) / 100 if above else math.floor(exact * 100) / 100
    return f"{safe:g}"


def _idle_fix(idle: _Reading, down: float) -> str:
    if down >= 1:  # no target makes the ratio fall below 1 - down: only lower the baseline
        return "lower the baseline below the target"
    return (f"raise the target above {_bound(idle.ratio() * idle.target / (1 - down), True)}"
            f"{idle.unit} (the idle figure / (1 - the {_f(100 * down)} % scale-down "
            "tolerance)), so that it falls back to minReplicas at idle")


def _target_text(r: _Reading, tolerance: float) -> str:
    return (f"its {_f(r.target)}{r.unit} target (scale-up needs more than "
            f"{_f(r.target * (1 + tolerance))}{r.unit}: the target plus the "
            f"{_f(100 * tolerance)} % tolerance)")


def hpa_metric_warnings(workload: Workload, path: str) -> list[PlanWarning]:
    """The HPA metrics of ``workload`` that never rise above target under its model at a pod's
    full capacity, or are above it at zero load; ``path`` is the workload's ``hpa`` field."""
    hpa, model = workload.hpa_spec, workload.model
    if hpa is None or model is None:
        return []
    ws = workload.workload_spec()
    tolerances = tolerances_for_hpa(hpa, DEFAULT_CONTROLLER_CONFIG)
    tolerance = tolerances.scale_up
    cap = ws.capacity_rps_per_pod
    out: list[PlanWarning] = []
    stuck = 0
    for i, metric in enumerate(hpa.metrics):
        full, idle = _reading(i, metric, ws, cap), _reading(i, metric, ws, 0.0)
        if full is None or idle is None:
            continue
        per_pod = metric.type in ("Resource", "Pods")  # these cannot pass what a pod serves
        if idle.ratio() > 1 + tolerance and metric.type == "Resource":
            out.append(PlanWarning(path, (
                f"{idle.what} is {_f(idle.value)}{idle.unit} at zero load ({idle.formula}), "
                f"above {_target_text(idle, tolerance)}: the HPA scales to maxReplicas "
                f"({hpa.max_replicas:,}) even with no traffic, since more pods do not lower a "
                f"pod's baseline; {_idle_fix(idle, tolerances.scale_down)}, or correct the "
                "model's baseline")))
        elif full.ratio() <= 1 + tolerance:
            if per_pod:
                stuck += 1
                outcome = "the HPA never scales up on this metric"
            else:
                outcome = ("the HPA scales up only once the pods are past capacity, so requests "
                           "are dropped before it acts")
            out.append(PlanWarning(path, (
                f"{full.what} reaches at most {_f(full.value)}{full.unit} at a pod's full "
                f"capacity of {_f(cap)} rps ({full.formula}), not above "
                f"{_target_text(full, tolerance)}: {outcome}; lower the target below "
                f"{_bound(full.ratio() * full.target / (1 + tolerance), False)}{full.unit} "
                f"(the figure at capacity / (1 + the {_f(100 * tolerance)} % tolerance)), drop "
                "the metric, or correct the model")))
    if stuck and stuck == len(hpa.metrics):
        low = hpa.min_replicas
        out.append(PlanWarning(path, (
            f"no metric of HPA {hpa.name!r} can rise above its target under the model: the HPA "
            f"never scales above minReplicas ({low:,}) under load, and {low:,} pod(s) serve at "
            f"most {low:,} x {_f(cap)} = {_f(low * cap)} rps; fix the targets above")))
    return out


def peak_warnings(workload: Workload, path: str, curves: Mapping[str, TrafficCurve]
                  ) -> list[PlanWarning]:
    """Each scenario (by name in ``curves``, requests per second) whose peak step, times the
    workload's ``traffic_share``, is more than ``maxReplicas`` pods serve."""
    hpa, model = workload.hpa_spec, workload.model
    if hpa is None or model is None:
        return []
    cap = model.capacity_rps_per_pod
    most = hpa.max_replicas * cap
    out = []
    for name, curve in curves.items():
        rps = curve.rps * workload.traffic_share
        peak = float(rps.max())
        if peak <= most * (1 + 1e-9):
            continue
        over_min = float((rps > most).sum()) * curve.step_s / 60
        share = "" if workload.traffic_share == 1 else \
            f" ({_f(float(curve.rps.max()))} rps x traffic_share {_f(workload.traffic_share)})"
        out.append(PlanWarning(path, (
            f"scenario {name!r} peaks at {_f(peak)} rps for workload {workload.name!r}{share}, "
            f"more than maxReplicas pods serve ({hpa.max_replicas:,} x {_f(cap)} rps = "
            f"{_f(most)} rps): {_f(peak - most)} rps ({_f(100 * (peak - most) / peak)} %) cannot "
            f"be served at the peak even at maxReplicas, and the rate is above {_f(most)} rps "
            f"for {_f(over_min)} min of the scenario; raise maxReplicas to at least "
            f"{math.ceil(peak / cap - 1e-9):,} ({_f(peak)} / {_f(cap)}) or the pod's capacity")))
    return out


def node_room_warnings(workload: Workload, path: str, groups: tuple[NodeGroup, ...]
                       ) -> list[PlanWarning]:
    """A warning when ``groups`` (the node groups ``workload`` may run on) hold fewer than its
    ``maxReplicas`` pods at ``max_size``."""
    hpa, d = workload.hpa_spec, workload.deployment_spec
    if hpa is None or not groups:
        return []
    room = node_room(groups, d.cpu_request_millicores, d.memory_request_mib)
    total = sum(room.values())
    if total >= hpa.max_replicas:
        return []
    held = ", ".join(f"{g.name}: {g.max_size:,} node(s) x {room[g.name] // g.max_size:,} pod(s)"
                     for g in groups)
    return [PlanWarning(path, (
        f"maxReplicas {hpa.max_replicas:,} of workload {workload.name!r} needs room for "
        f"{hpa.max_replicas:,} pods ({d.cpu_request_millicores}m CPU, "
        f"{_f(d.memory_request_mib)} MiB each) but its node groups hold at most {total:,} at "
        f"max_size ({held}): {hpa.max_replicas - total:,} pod(s) stay Pending at maxReplicas; "
        "raise max_size, use a larger instance type, lower the requests or maxReplicas"))]


def desired_size_warnings(plan: Plan, book: PriceBook) -> list[PlanWarning]:
    """One warning per proposed ``aws_eks_node_group`` whose ``desired_size`` is below the
    nodes the starting pods of the workloads confined to it fill (a lower bound, see the
    module docstring), at its ``scaling_config.desired_size``."""
    filled: dict[str, float] = {}
    starting: dict[str, list[str]] = {}
    out = []
    for i, w in enumerate(plan.proposed.workloads):
        d = w.deployment_spec
        try:
            groups = simulation_node_groups(plan.proposed, w, book)
            if len(groups) != 1:
                continue  # its pods may go to several groups: no one group is bound to hold them
            per_node = pod_slots(groups[0], d.cpu_request_millicores, d.memory_request_mib)
        except SimulationError as exc:
            # validate makes this a problem only when something is simulated (an HPA): a plan of
            # fixed Deployments gets it here, located, not as a bare error
            out.append(PlanWarning(f"proposed.workloads[{i}]",
                                   f"workload {w.name!r} cannot start: {exc}"))
            continue
        g = groups[0]
        pods = d.replicas if d.replicas is not None else 1
        if w.hpa_spec is not None:  # its first sync brings the count within its bounds
            pods = min(max(pods, w.hpa_spec.min_replicas), w.hpa_spec.max_replicas)
        filled[g.name] = filled.get(g.name, 0.0) + pods / per_node
        starting.setdefault(g.name, []).append(f"{w.name} {pods} x {d.cpu_request_millicores}m / "
                                               f"{_f(d.memory_request_mib)} MiB, {per_node} per "
                                               f"{g.instance_type}")
    group_of = {res: group for group, res in node_group_resources(plan).items()}
    for i, r in enumerate(plan.proposed.resources):
        name = group_of.get(r.name, r.name)
        if r.type != "aws_eks_node_group" or name not in filled:
            continue
        need = math.ceil(filled[name] - 1e-9)
        desired = r.attributes["scaling_config.desired_size"]
        top = r.attributes["scaling_config.max_size"]
        # desired_size may not exceed max_size: above it, both must be raised
        fix = (f"; set desired_size to {need} (and eksctl's desiredCapacity)" if need <= top
               else f", and they do not fit its max_size {top} either; raise max_size and "
                    f"desired_size to {need} (and eksctl's maxSize and desiredCapacity)")
        if need > desired:
            out.append(PlanWarning(f"proposed.resources[{i}].scaling_config.desired_size", (
                f"node group {name!r} declares desired_size {desired} but its starting pods "
                f"({'; '.join(starting[name])}) fill at least {need} node(s): the declared "
                f"cost, the review's basis, leaves out {need - desired} node(s) that run from "
                f"the first minute{fix}")))
    return out


def _derived_load_balancer(plan: Plan) -> list[int]:
    """``[i]`` for the proposed ``aws_lb`` whose usage the report derives per request (the
    plan's only one, declaring ``processed_bytes_gb``: the rule of
    ``plan_cost.traffic_profile_from_usage``), else ``[]``."""
    lbs = [i for i, r in enumerate(plan.proposed.resources) if r.type == "aws_lb"]
    return lbs if len(lbs) == 1 and "processed_bytes_gb" in \
        plan.proposed.resources[lbs[0]].usage else []


def load_balancer_bytes_warnings(plan: Plan) -> list[PlanWarning]:
    """A warning at the proposed load balancer's ``usage.processed_bytes_gb`` when, over a
    730-hour month, it processes less than the declared Internet egress, which the report sends
    through it when an autoscaled workload is behind it (see the module docstring)."""
    resources = plan.proposed.resources
    lbs = _derived_load_balancer(plan)
    transfers = [r for r in resources if r.type == "aws_data_transfer"]
    if not lbs or not transfers or not load_balanced_workloads(plan):
        # no per-request sizes are derived (plan_cost.reference_traffic_profile): with no
        # autoscaled workload behind it both are priced as declared, the egress not sent through
        return []
    lb = resources[lbs[0]]
    hourly_gb = float(lb.usage["processed_bytes_gb"])
    monthly_gb = hourly_gb * float(HOURS_PER_MONTH)
    egress_gb = float(transfers[0].usage.get("monthly_outbound_internet_gb", 0))
    if egress_gb <= monthly_gb:
        return []
    return [PlanWarning(f"proposed.resources[{lbs[0]}].usage.processed_bytes_gb", (
        f"{_f(hourly_gb)} GB an hour is {_f(monthly_gb)} GB a month, less than the "
        f"{_f(egress_gb)} GB a month of Internet egress (aws_data_transfer.{transfers[0].name}) "
        f"that the report sends through aws_lb.{lb.name}: it prices the load balancer on the "
        f"egress alone, as if requests carried no bytes; declare processed_bytes_gb of at least "
        f"{math.ceil(egress_gb / float(HOURS_PER_MONTH) * 1000) / 1000:g} GB an hour (rounded "
        "up) plus the requests' own bytes, or "
        "the egress this load balancer carries"))]


def off_load_balancer_warnings(plan: Plan) -> list[PlanWarning]:
    """A warning at the first autoscaled workload's ``behind_load_balancer`` when no autoscaled
    workload is behind the plan's load balancer declaring ``processed_bytes_gb`` (see the module
    docstring)."""
    lbs = _derived_load_balancer(plan)
    autoscaled = [(i, w) for i, w in enumerate(plan.proposed.workloads) if w.hpa_spec is not None]
    if not lbs or not autoscaled or load_balanced_workloads(plan):
        return []
    names = ", ".join(w.name for _i, w in autoscaled)
    lb = plan.proposed.resources[lbs[0]]
    return [PlanWarning(f"proposed.workloads[{autoscaled[0][0]}].behind_load_balancer", (
        f"every autoscaled workload ({names}) sets behind_load_balancer: false, so no simulated "
        f"request passes through aws_lb.{lb.name}: the report prices its declared usage and "
        "the Internet egress as declared in every scenario, not from each scenario's served "
        "requests; set behind_load_balancer: true on the workloads it serves (keep false only "
        "when it serves Deployments without an HPA)"))]


def price_warnings(plan: Plan, book: PriceBook) -> list[PlanWarning]:
    """One warning per missing price of ``plan``'s cost lines (current, then proposed, as
    declared): the lines ``book`` prices from the same missing row (one table, region and key:
    the same reason) share one warning, at the first one's resource, naming every line, with
    the price book's reason and fix once (a missing region gave each of 27 lines its own
    ~600-character warning)."""
    groups: dict[str, tuple[str, dict[str, list[tuple[str, str]]]]] = {}
    for side, arch in (("current", plan.current), ("proposed", plan.proposed)):
        index = {(r.type, r.name): i for i, r in enumerate(arch.resources)}
        for line in estimate(arch.resources, book).missing_prices:
            path = f"{side}.resources[{index[(line.resource_type, line.resource_name)]}]"
            _, lines = groups.setdefault(str(line.price_not_found), (path, {}))
            lines.setdefault(line.component, []).append((side, line.address))
    out = []
    for reason, (path, lines) in groups.items():
        count = sum(map(len, lines.values()))
        both = len({side for named in lines.values() for side, _ in named}) > 1
        named = "; ".join(", ".join(f"{side} {a}" if both else a for side, a in addresses)
                          + f" / {component}" for component, addresses in lines.items())
        out.append(PlanWarning(path, (
            f"no price for {named if count == 1 else f'{count} lines ({named})'}: {reason}; the "
            f"cost totals leave {'this line' if count == 1 else 'them'} out (INCOMPLETE) and "
            "the approval commands refuse the plan until every line is priced")))
    return out


def plan_warnings(plan: Plan, book: PriceBook, curves: Mapping[str, TrafficCurve]
                  ) -> tuple[PlanWarning, ...]:
    """Every warning of the autoscaled proposed workloads of a valid ``plan``, in plan order:
    node groups sized from ``book``'s instance specs, and ``curves`` mapping a scenario's name
    to its request rate (``plan_traffic.scenario_curves``; only those scenarios are checked:
    ``validate`` and the report both pass every scenario of the plan, so they list the same
    warnings whichever scenarios a report selects); then the node groups declared below their
    starting pods (:func:`desired_size_warnings`), a load balancer declared below its egress
    (:func:`load_balancer_bytes_warnings`) or with no autoscaled workload behind it
    (:func:`off_load_balancer_warnings`) and the cost lines ``book`` cannot price
    (:func:`price_warnings`)."""
    out: list[PlanWarning] = []
    for i, w in enumerate(plan.proposed.workloads):
        if w.hpa_spec is None or w.model is None:
            continue  # not simulated
        at = f"proposed.workloads[{i}]"
        out += hpa_metric_warnings(w, f"{at}.hpa")
        out += peak_warnings(w, f"{at}.hpa", curves)
        out += node_room_warnings(w, at, simulation_node_groups(plan.proposed, w, book))
    return tuple(out + desired_size_warnings(plan, book) + load_balancer_bytes_warnings(plan)
                 + off_load_balancer_warnings(plan) + price_warnings(plan, book))
