"""The sections on the plan's resources as declared: Current State (today's resources and their
cost lines), Proposed Architecture (resources, node groups and workloads as the simulator reads
them) and Components with Cost (the proposed side's cost lines, missing prices flagged)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pandas as pd

from infra_toolkit.analysis import PlanAnalysis
from infra_toolkit.cost import CostEstimate, unit_price_text, usd_text
from infra_toolkit.cost_notes import missing_text, note_lines, note_ref, price_notes
from infra_toolkit.cost_summary import estimate_frame
from infra_toolkit.deployment_spec import DeploymentSpec
from infra_toolkit.hpa_controller_config import DEFAULT_CONTROLLER_CONFIG
from infra_toolkit.hpa_spec import HPAScalingRules, HPASpec, MetricTarget
from infra_toolkit.karpenter_config import order_by_weight
from infra_toolkit.karpenter_manifests import NodePool
from infra_toolkit.keda_scaled_object import sqs_in_flight
from infra_toolkit.node_allocatable import EKS_DAEMONSETS, NodeDaemonsets
from infra_toolkit.nodes import NodeGroup
from infra_toolkit.plan_architecture import Workload
from infra_toolkit.plan_cost import in_region, is_load_test, node_group_resources
from infra_toolkit.report_html import (
    Section,
    Table,
    duration_text,
    paragraph,
    quantity_text,
)
from infra_toolkit.resources import Resource
from infra_toolkit.rollout import time_to_ready
from infra_toolkit.sections_figures import incomplete, priced_region, rounding, unknown_usage

__all__ = ["components_with_cost", "current_state", "proposed_architecture",
           "scale_down_text", "workloads_table"]


def _attributes(r: Resource) -> str:
    def show(v: object) -> str:
        # as the plan's YAML / Terraform write it: `true`, not Python's `True`
        if isinstance(v, bool):
            return "true" if v else "false"
        return ", ".join(map(show, v)) if isinstance(v, tuple | list) else str(v)

    attrs = ", ".join(f"{k}={show(v)}" for k, v in r.attributes.items())
    # a spot resource's purchase option can only be the default on_demand (any other conflicts,
    # resource_rules); shown, "capacity_type=SPOT; usage: purchase_option=on_demand" reads as
    # a contradiction to a reviewer
    spot = r.attributes.get("capacity_type") == "SPOT" or \
        r.attributes.get("instance_market_options.market_type") == "spot"
    usage = ", ".join(f"{k}={show(v)}" for k, v in r.usage.items()
                      if not (spot and k == "purchase_option"))
    return "; ".join(x for x in (attrs, f"usage: {usage}" if usage else "") if x)


def _resources(resources: Sequence[Resource], css_class: str) -> Table:
    # the paragraph above names the side's region; a column repeating it on every row only
    # squeezes the attributes, so it is shown when the resources' regions differ
    columns = ["Resource", "Region", "Attributes"] if len({r.region for r in resources}) > 1 \
        else ["Resource", "Attributes"]
    frame = pd.DataFrame([{"Resource": r.address, "Region": r.region,
                           "Attributes": _attributes(r)} for r in resources], columns=columns)
    return Table(frame, css_class=css_class, caption="Resources")


def _cost_lines(est: CostEstimate, css_class: str) -> list[str | Table]:
    """The estimate's lines as a table ending in its TOTAL row, and the rounding note when its
    printed lines miss that total. The note names "TOTAL", as the Cost Summary's tables end in
    one; without the row here it pointed at a figure the table did not show. A line without a
    price points to a note under the table saying why, each reason once (:func:`price_notes`)."""
    notes = price_notes(est.lines)
    frame = pd.DataFrame([*({
        "Resource": ln.address, "Component": ln.component,
        "Monthly quantity": ln.monthly_quantity, "Unit": ln.unit,
        "Unit price": ln.unit_price_usd,
        "Monthly cost": ln.monthly_cost_usd if ln.status == "priced" else ln.status,
        "Price source": "; ".join(t for t in (
            ln.price.ref if ln.price else ln.price_not_found and note_ref(ln, notes),
            ln.note) if t) or "-",
    } for ln in est.lines), {
        "Resource": "TOTAL", "Component": "", "Monthly quantity": "", "Unit": "",
        "Unit price": "", "Monthly cost": est.total_monthly_usd, "Price source": ""}])

    def text(fmt: Callable[[Any], str]) -> Callable[[Any], str]:
        return lambda v: v if isinstance(v, str) else fmt(v)  # the TOTAL row's blanks

    return [Table(frame, {"Monthly quantity": text(quantity_text),
                          "Unit price": text(unit_price_text),
                          "Monthly cost": text(usd_text)},
                  css_class=css_class),
            *rounding(estimate_frame(est), {"monthly_cost_usd": "Monthly cost"}),
            *(paragraph(n, "price-not-found") for n in note_lines(notes))]


def current_state(a: PlanAnalysis) -> Section:
    """Today's resources as declared and their monthly cost, in the region they are priced;
    when today's workloads are simulated too, the simulated figure beside the declared one and
    the workloads as the simulator reads them."""
    est = a.current_declared_estimate
    simulated: list[str | Table] = []
    if a.current_declared is not None:  # today's expected scenario was simulated
        # reader25: the section said only the declared figure while the Overview's "today"
        # was the simulated one, and showed none of the workloads behind it
        sim = a.current_estimate
        simulated = [
            paragraph(f"Monthly cost simulated on the expected scenario {a.expected_scenario!r} "
                      "(today's "
                      "node groups billed by the node-hours their simulation used, as the "
                      "proposal's are; the Overview's and the Cost Summary's figure for today):"
                      f" {usd_text(sim.total_monthly_usd)}{incomplete(sim)}"
                      f"{unknown_usage(sim)}."),
            replace(workloads_table(a.plan.current.workloads), caption=(
                "Today's workloads, simulated on the same scenarios as the proposal's (Scaling "
                "Behaviour sets them side by side)"))]
    return Section("Current State", (
        paragraph(f"{priced_region(a, a.plan.current.region)} Monthly cost as declared: "
                  f"{usd_text(est.total_monthly_usd)}{incomplete(est)}{unknown_usage(est)}."),
        *simulated[:1],
        _resources(in_region(a.plan.current.resources, a.region), "current-resources"),
        *_cost_lines(est, "current-cost"), *simulated[1:]))


def _rules(rules: HPAScalingRules | None, unset_window: str = "0 s") -> str:
    if rules is None:
        return "-"
    policies = "; ".join(f"{p.type} {p.value} per {p.period_s} s" for p in rules.policies or ())
    window = (unset_window if rules.stabilization_window_s is None
              else f"{rules.stabilization_window_s} s")
    return f"window {window}, {rules.select_policy} of: {policies}"


# A behavior whose scaleDown sets no stabilizationWindowSeconds gets the controller's
# --horizontal-pod-autoscaler-downscale-stabilization (maybeInitScaleDownStabilizationWindow),
# as the simulator runs it, not 0 s (audit14 A14-3)
_DOWN_WINDOW_UNSET = (f"{int(DEFAULT_CONTROLLER_CONFIG.downscale_stabilization_s)} s "
                      "(the controller's default)")


def scale_down_text(hpa: HPASpec) -> str:
    """An HPA's scale-down as the workloads table writes it: the window and every policy
    (``window 600 s, Max of: Pods 2 per 60 s``), ``controller default`` without a behavior."""
    behavior = hpa.behavior
    return _rules(behavior.scale_down, _DOWN_WINDOW_UNSET) if behavior else "controller default"


def _target_text(t: MetricTarget, resource: str | None = None) -> str:
    """A metric target as the HPA reads it: a percent of the pods' requests, a value a pod
    (AverageValue) or the metric's value itself (Value); a quantity in millicores for cpu, MiB
    for memory, else the metric's own units."""
    if t.type == "Utilization":
        return f"{t.average_utilization} % of requests"
    milli = t.average_value_milli if t.type == "AverageValue" else t.value_milli
    amount = (f"{milli}m" if resource == "cpu" else
              f"{quantity_text(Decimal(milli or 0) / 1000 / 2**20, 2)} MiB"
              if resource == "memory" else quantity_text(Decimal(milli or 0) / 1000, 3))
    return f"{amount} a pod" if t.type == "AverageValue" else f"{amount} (Value)"


def _sqs_text(w: Workload | None, metric: str) -> str:
    """What a KEDA aws-sqs-queue trigger's metric counts (its ``scaleOnInFlight``) and what the
    simulation reads for it; empty for any other metric."""
    scaled = w.hpa.scaled_object if w is not None and w.hpa is not None else None
    in_flight = sqs_in_flight(scaled).get(metric) if scaled is not None else None
    if w is None or in_flight is None:
        return ""
    counted = ("messages visible and in flight, scaleOnInFlight true" if in_flight
               else "messages visible only, scaleOnInFlight false")
    queued = w.model is not None and metric in w.model.queue_depth_metrics
    simulated = ("simulated as the requests waiting, without those in flight: fewer than KEDA "
                 "reads" if queued and in_flight else "simulated as the requests waiting"
                 if queued else "simulated as the offered rate: not in queue_depth_metrics")
    return f" (KEDA aws-sqs-queue: {counted}; {simulated})"


def _metrics(hpa: HPASpec, w: Workload | None = None) -> str:
    """Each HPA metric, what it reads and its target (a KEDA SQS trigger's of workload ``w``:
    which messages it counts, :func:`_sqs_text`). reader23: a Pods, Object or External metric
    read as its type alone ('External'), so the search-api indexer's and the event consumer's
    queue metrics and their targets were nowhere in the table."""
    out = []
    for m in hpa.metrics:
        if m.resource is not None:
            out.append(f"{m.resource.name} {_target_text(m.resource.target, m.resource.name)}")
        elif m.container_resource is not None:
            c = m.container_resource
            out.append(f"{c.name} of container {c.container} {_target_text(c.target, c.name)}")
        elif m.object is not None:
            ref = m.object.described_object
            out.append(f"Object {m.object.metric.name} of {ref.kind}/{ref.name} "
                       f"{_target_text(m.object.target)}")
        elif (source := m.pods or m.external) is not None:
            out.append(f"{m.type} {source.metric.name} {_target_text(source.target)}"
                       + _sqs_text(w, source.metric.name))
        else:
            out.append(m.type)
    return "; ".join(out)


def _replicas_text(w: Workload) -> str:
    """The replicas' range: the HPA's, from KEDA's lowest write when a ScaledObject scales
    the workload to zero (reader26: '1-30', the HPA KEDA creates, beside the KEDA table's
    39 min at zero replicas), else a Deployment's replicas."""
    hpa, keda = w.hpa_spec, w.keda
    if hpa is None:
        return str(w.deployment_spec.replicas)
    if keda is None:
        return f"{hpa.min_replicas}-{hpa.max_replicas}"
    idle = keda.min_replica_count if keda.idle_replica_count is None \
        else keda.idle_replica_count
    return (f"{idle}-{hpa.max_replicas} (KEDA writes {idle} when no trigger is active; "
            f"its HPA {hpa.min_replicas}-{hpa.max_replicas})")


def _workload_row(w: Workload) -> dict[str, object]:
    d, m, hpa = w.deployment_spec, w.model, w.hpa_spec
    behavior = hpa.behavior if hpa is not None else None
    return {
        "Workload": w.name, "Deployment": d.name, "Node group": w.node_group or "any untainted",
        "CPU request (m)": d.cpu_request_millicores, "Memory request (MiB)": d.memory_request_mib,
        "Capacity (rps per pod)": m.capacity_rps_per_pod if m else "-",
        "Traffic share": f"{quantity_text(100 * w.traffic_share, 2)} %",
        # a Deployment without an HPA serves no simulated requests, through a load balancer or not
        "Behind load balancer": ("yes" if w.behind_load_balancer else "no") if hpa else "-",
        "Replicas": _replicas_text(w),
        "HPA metrics": _metrics(hpa, w) if hpa else "no HPA",
        "Scale up": _rules(behavior.scale_up) if behavior else
        "controller default" if hpa else "-",
        "Scale down": scale_down_text(hpa) if hpa else "-",
        # without a model (no HPA) the pull and start times are unknown; nothing waits on them
        "Pod start-up": duration_text(ttr.total_s) if (ttr := time_to_ready(w)) else "-",
    }


# the column's words, kept beside the caption that explains them
_ON_A_NODE = "On a node (scheduler)"


def _on_a_node(d: DeploymentSpec) -> str:
    """What one pod takes on a node as kube-scheduler counts it, with why it is not the
    containers' sum; ``as requested`` when it is."""
    cpu, memory = d.packed_cpu_millicores, d.packed_memory_mib
    if (cpu, memory) == (d.cpu_request_millicores, d.memory_request_mib):
        return "as requested"
    why = [x for x, on in (
        ("its init containers' request", d.packed_by_init),
        ("no container requests memory: 0 MiB, not the HPA's "
         f"{quantity_text(d.memory_request_mib)} MiB stand-in", d.memory_stand_in)) if on]
    return f"{cpu}m, {quantity_text(memory)} MiB ({'; '.join(why)})"


_ROOM = "Room for pods a node"


def node_room_text(group: NodeGroup) -> str:
    """``group``'s room for pods on one node: CPU, memory and pods after its reserve."""
    return (f"{quantity_text(group.allocatable_cpu_millicores, 1)}m CPU, "
            f"{quantity_text(group.allocatable_memory_mib, 1)} MiB, "
            f"{group.max_pods - group.daemonset_pods} pods")


def _daemonsets_assumed(daemonsets: NodeDaemonsets) -> str:
    """The DaemonSets every node is sized with, and whether the plan stated them: a plan
    that leaves them out gets EKS's own two, which a log shipper or agent would add to."""
    figures = (f"{daemonsets.pods} DaemonSet pod(s) a node requesting "
               f"{quantity_text(daemonsets.cpu_millicores, 1)}m CPU and "
               f"{quantity_text(daemonsets.memory_mib, 1)} MiB")
    if daemonsets == EKS_DAEMONSETS:
        return (f"{figures}, EKS's kube-proxy and aws-node alone (simulation.node_daemonsets "
                "not given: count a log shipper or node agent there)")
    return f"{figures} (simulation.node_daemonsets)"


def workloads_table(workloads: Sequence[Workload]) -> Table:
    """The workloads as the simulator reads them: requests (the containers' sum, the HPA's),
    HPA metrics and behaviour with API defaults, start-up time; a ``Pods a node`` column when a
    rule caps a workload's pods a node, and an ``On a node (scheduler)`` one (millicores, MiB)
    when a pod takes on a node other than its containers' sum (init containers requesting more,
    or no memory request)."""
    frame = pd.DataFrame([_workload_row(w) for w in workloads])
    kinds = [w.deployment.kind for w in workloads]
    if any(k != "Deployment" for k in kinds):
        # reader24: author21's Argo Rollout infer-api sat under "Deployment"; a plan of
        # Deployments alone keeps the column as it was
        frame["Deployment"] = [f"{k} {n}" for k, n in zip(kinds, frame["Deployment"],
                                                          strict=True)]
        frame = frame.rename(columns={"Deployment": "Manifest"})
    caps = [w.deployment_spec.max_pods_per_node for w in workloads]
    if any(c is not None for c in caps):  # a column only where a rule caps pods a node
        frame.insert(3, "Pods a node", [
            "by requests" if c is None else
            f"{c} (required pod anti-affinity on kubernetes.io/hostname)" for c in caps])
    on_a_node = [_on_a_node(w.deployment_spec) for w in workloads]
    if any(x != "as requested" for x in on_a_node):
        # the shipped plans pack by their requests: their table keeps its columns
        frame.insert(frame.columns.get_loc("Memory request (MiB)") + 1, _ON_A_NODE, on_a_node)
        return Table(frame, css_class="workloads", caption=(
            "Workloads: the CPU and memory requests are the containers' sum, which the HPA's "
            "utilization divides by (256 MiB stands in for a pod requesting no memory in the "
            f"memory model); {_ON_A_NODE} is what one pod takes as kube-scheduler counts it "
            "(PodRequests: the larger of that sum and each one-shot init container with the "
            "native sidecars started before it; 0 memory when no container requests any), "
            "which nodes are packed, filled and emptied by in the simulation"))
    return Table(frame, css_class="workloads", caption="Workloads")


def proposed_architecture(a: PlanAnalysis) -> Section:
    """The proposed resources, node groups and autoscaled workloads as the simulator reads
    them (requests, HPA metrics and behaviour with API defaults, start-up time)."""
    p = a.plan.proposed
    # the cost lines name the resource: say which one prices each group (node_group_name)
    resource_of = node_group_resources(a.plan)
    sized = {g.name: g for run in a.runs for sim in run.simulations.values()
             for g in sim.spec.node_groups}
    groups = pd.DataFrame([{
        "Node group": g.name,
        "Priced as": f"aws_eks_node_group.{resource_of[g.name]}" if g.name in resource_of
        else "-",
        "Instance types": ", ".join(g.instance_types),
        "Capacity": g.capacity_type, "Min": g.min_size, "Desired": g.desired_size,
        "Max": g.max_size, "Disk (GiB)": g.disk_size_gib,
        "Disk type": g.volume_type or "-", "Taints": ", ".join(g.taints) or "-",
        _ROOM: node_room_text(sized[g.name]) if g.name in sized else "-",
    } for g in p.node_groups])
    pools_said = _node_pool_column(groups, p.karpenter_pools)
    credits = _credits(a, resource_of)
    return Section("Proposed Architecture", (
        paragraph(priced_region(a, p.region)),
        _resources(in_region(p.resources, a.region), "proposed-resources"),
        Table(groups, css_class="node-groups", caption=(
            f"Node groups. {pools_said}{_ROOM}: what one node of the first instance type "
            "leaves the plan's pods, its capacity less the kubelet's reserve (EKS's "
            "kubeReserved and eviction threshold, or the node configuration's own) and "
            "its DaemonSets' requests, as the simulation packs it; '-' for a group no "
            "simulated workload runs on. Assumed: "
            f"{_daemonsets_assumed(a.plan.simulation.node_daemonsets)}; a node's memory "
            "capacity is the type's memory less 7.5 % (Karpenter's estimate of what the "
            "hypervisor and kernel keep), so check kubectl describe node where pods fit "
            "tightly")),
        workloads_table(p.workloads),
        *([credits] if credits is not None else [])))


_NODE_POOL = "Karpenter NodePool"


def _node_pool_column(groups: pd.DataFrame, pools: Sequence[NodePool]) -> str:
    """Insert, after ``Priced as``, each group's NodePool weight and the order Karpenter tries
    the pools in (:func:`~infra_toolkit.karpenter_config.order_by_weight`, the simulation's
    too), and return the caption's sentence on it; nothing for a plan without NodePools.
    reader24: author21's spot pool (weight 50) before its on-demand one (weight 10) was said
    in the plan's summary alone, so a reviewer could not see where the report put the pods."""
    if not pools:
        return ""
    order = [pool.name for pool in order_by_weight(pools)]
    weight = {pool.name: pool.weight for pool in pools}
    groups.insert(groups.columns.get_loc("Priced as") + 1, _NODE_POOL, [
        f"weight {weight[n]}, tried {order.index(n) + 1} of {len(order)}" if n in weight
        else "-" for n in groups["Node group"]])
    return (f"{_NODE_POOL}: its spec.weight and the order Karpenter tries the pools in for a "
            "pending pod, the highest weight first, as the simulation does: a pod gets a node "
            "of a later pool only once the earlier ones are at their spec.limits (Max) or "
            "cannot take it. ")


def _credits(a: PlanAnalysis, resource_of: Mapping[str, str]) -> Table | None:
    """Per scenario, each burstable node group's mean node CPU against its type's baseline and
    the surplus CPU credits charged (Unlimited) or the minutes held to the baseline
    (Standard); ``None`` when no simulated group is burstable."""
    rows = []
    for run in a.runs:
        for group, c in run.credits.items():
            line = next((ln for ln in run.estimate.lines if ln.component == "CPU credits"
                         and ln.address == f"aws_eks_node_group.{resource_of.get(group, group)}"),
                        None)
            unlimited = c.mode == "unlimited"
            monthly = "-"
            if is_load_test(run.scenario):
                # minutes of synthetic users are not a month of traffic (as the cost range)
                monthly = "- (load test: not projected to a month)"
            elif unlimited and line is not None:
                cost = (usd_text(line.monthly_cost_usd) if line.monthly_cost_usd is not None
                        else line.status)
                monthly = f"{quantity_text(line.monthly_quantity)} vCPU-h, {cost}"
            rows.append({
                "Scenario": run.name, "Node group": group,
                "Instance type": f"{c.instance_type} ({c.mode})",
                "Mean node CPU": f"{c.mean_cpu_pct:.1f} %", "Baseline": f"{c.baseline_pct:g} %",
                "Above baseline": duration_text(60 * c.above_baseline_min),
                "Surplus charged in window": f"{c.charged_vcpu_h:,.2f} vCPU-h" if unlimited
                else f"none (Standard: throttled {duration_text(60 * c.throttled_min)})",
                "Monthly": monthly})
    if not rows:
        return None
    return Table(pd.DataFrame(rows), css_class="cpu-credits", caption=(
        "CPU credits of burstable node groups: node CPU is the simulated pods' CPU (system "
        "daemons not modelled) spread evenly over the group's billed nodes, averaged over its "
        "node-hours; credits accounted as AWS does (cpu_credits.py), the scenario's window "
        "repeated with its balances carried over; Unlimited-mode surplus charged is priced as "
        "the group's CPU credits line, projected to 730 h as node-hours are"))


def components_with_cost(a: PlanAnalysis) -> Section:
    """Every priced component of the proposed side (expected scenario's usage): quantity, unit,
    unit price, monthly cost and the pricing-table row it came from; missing prices flagged."""
    est = a.proposed_estimate
    parts: list[str | Table] = [paragraph(
        f"Usage: {'; '.join(est.notes) or 'as declared in the plan'}. Total "
        f"{usd_text(est.total_monthly_usd)} per month{incomplete(est)}{unknown_usage(est)}.")]
    notes = price_notes(est.lines)
    parts += [paragraph(f"PRICE NOT FOUND: {ln.address} / {ln.component}: "
                        f"{missing_text(ln, notes)}", "price-not-found")
              for ln in est.missing_prices]
    return Section("Components with Cost", (*parts, *_cost_lines(est, "proposed-cost")))
