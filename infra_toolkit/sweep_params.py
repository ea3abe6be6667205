"""The sweep engine's inputs: which specs it runs, how they are batched, per-variant arrays.

Variants run together (one numpy slot each) when they share the **timing grid** (sync period and
duration, metrics resolution, window and offset, autoscaler scan interval: so syncs, scrapes and
scans happen at the same instants), the **metric signature** (type, resource and target type of
each HPA metric, in order), whether the HPA has a ``behavior`` (the two normalization paths) and
the number of node groups. Everything else may differ per variant: HPA bounds, targets and
behavior policies, controller flags, the workload, node group sizes, the autoscaler's delays,
``initial_replicas`` and ``flap_window_s``.

:func:`unsupported` says why a spec must take the scalar path instead (the scalar path then runs
it, or raises the error it would raise): a metric the simulation cannot produce, a timing value
that is not whole seconds, initial pods that do not fit, a legacy stabilization window that is not
a whole number of seconds, or magnitudes that could overflow the engine's 64-bit sums.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from infra_toolkit.cluster import _tick_grid
from infra_toolkit.controller_view import MIB_MILLI, metric_needs
from infra_toolkit.errors import SimulationError
from infra_toolkit.hpa import MetricSpec
from infra_toolkit.nodes import pod_slots

__all__ = ["Variants", "batch_key", "metric_kind", "unsupported", "variants"]

# metric kinds: (what is read, target type)
CPU_UTIL, CPU_AVG, MEM_UTIL, MEM_AVG, PODS_AVG, OBJ_VALUE, OBJ_AVG, EXT_VALUE, EXT_AVG = range(9)
SELECT = {"Max": 0, "Min": 1, "Disabled": 2}
_SAFE_SUM = 2**62 // 100  # usage totals below this never overflow ``total * 100`` in int64


def metric_kind(m: MetricSpec) -> int:
    """The engine's code for one metric spec (the spec must have passed ``metric_needs``)."""
    if m.type == "Resource":
        assert m.resource is not None
        util = m.resource.target.average_value_milli is None
        if m.resource.name == "cpu":
            return CPU_UTIL if util else CPU_AVG
        return MEM_UTIL if util else MEM_AVG
    if m.type == "Pods":
        return PODS_AVG
    source = m.object if m.type == "Object" else m.external
    assert source is not None
    value = source.target.type == "Value" and source.target.value_milli is not None
    if m.type == "Object":
        return OBJ_VALUE if value else OBJ_AVG
    return EXT_VALUE if value else EXT_AVG


def batch_key(spec: Any) -> tuple[Any, ...]:
    """What variants of one batch must share (see the module docstring)."""
    c, m = spec.controller, spec.metrics
    timing = (c.sync_period_s, spec.sync_duration_s, m.resolution_s, m.sample_window_s,
              m.offset_s, spec.autoscaler.scan_interval_s)
    return (timing, tuple(metric_kind(x) for x in spec.hpa.metrics), spec.hpa.behavior is None,
            len(spec.node_groups))


def _max_sample_milli(spec: Any) -> float:
    wl = spec.workload
    cpu = wl.baseline_cpu_millicores + wl.startup_cpu_millicores + wl.cpu_millicores_per_rps * (
        wl.capacity_rps_per_pod)
    memory = 0.0
    if wl.memory_baseline_mib is not None:
        memory = (wl.memory_baseline_mib + wl.memory_mib_per_rps * wl.capacity_rps_per_pod) * (
            MIB_MILLI)
    bound_milli: float = max(cpu, memory, 1000.0 * wl.capacity_rps_per_pod, 1.0) + 1.0
    return bound_milli


def unsupported(spec: Any) -> str | None:
    """Why ``spec`` must run on the scalar path, or ``None`` if the sweep engine runs it."""
    wl = spec.workload
    if getattr(spec, "keda", None) is not None:
        return "KEDA's scaling to zero, which only the scalar path's loops poll"
    if spec.disruption_budget is not None:
        return (f"a PodDisruptionBudget ({spec.disruption_budget.name}), which only the scalar "
                "path's node scale-down honours")
    if wl.queue_depth_metrics:
        return (f"queue-depth metrics ({', '.join(wl.queue_depth_metrics)}), which only the "
                "scalar path reads from the requests queued")
    if spec.autoscaler.undisruptable_groups:
        return (f"node groups no disruption budget lets go "
                f"({', '.join(spec.autoscaler.undisruptable_groups)}), which only the scalar "
                "path's node scale-down keeps")
    try:
        metric_needs(spec.hpa, memory_model=wl.memory_baseline_mib is not None)
        _tick_grid(spec)
        slots = [pod_slots(g, wl.packed_cpu_millicores, wl.packed_memory_mib,
                           wl.max_pods_per_node) for g in spec.node_groups]
    except SimulationError as exc:
        return f"the scalar path reports it: {exc}"
    room = sum(g.max_size * s for g, s in zip(spec.node_groups, slots, strict=True))
    if room < spec.initial_replicas:
        return "initial pods do not fit (the scalar path reports it)"
    window = spec.controller.downscale_stabilization_s
    if window != int(window):
        return f"downscale_stabilization_s (={window}) is not a whole number of seconds"
    most_pods = max(spec.hpa.max_replicas, spec.initial_replicas, 1)
    if most_pods * _max_sample_milli(spec) >= _SAFE_SUM or most_pods >= 2**30:
        return "pod counts or metric values large enough to overflow 64-bit sums"
    return None


def _policies(rules: Any, n: int) -> tuple[list[int], list[int], list[int]]:
    types = [1 if p.type == "Percent" else 0 for p in rules.policies]
    values = [p.value for p in rules.policies]
    periods = [p.period_s for p in rules.policies]
    pad = n - len(types)
    return types + [0] * pad, values + [0] * pad, periods + [0] * pad


@dataclass
class Variants:
    """Per-variant arrays of one batch (shape (V,), (V, groups), (metrics, V) or (V, policies))."""

    specs: list[Any]
    tick_s: int
    sync_period_s: int
    sync_step_s: int
    resolution_s: int
    window_s: int
    offset_s: int
    scan_interval_s: int
    kinds: tuple[int, ...]
    legacy: bool
    groups: int
    a: dict[str, np.ndarray] = field(default_factory=dict)


def variants(specs: list[Any]) -> Variants:
    """The arrays of a batch of specs that share :func:`batch_key`."""
    s0 = specs[0]
    out = Variants(
        specs=list(specs), tick_s=_tick_grid(s0), sync_period_s=int(s0.controller.sync_period_s),
        sync_step_s=int(s0.controller.sync_period_s + s0.sync_duration_s),
        resolution_s=int(s0.metrics.resolution_s), window_s=int(s0.metrics.sample_window_s),
        offset_s=int(s0.metrics.offset_s), scan_interval_s=int(s0.autoscaler.scan_interval_s),
        kinds=tuple(metric_kind(m) for m in s0.hpa.metrics), legacy=s0.hpa.behavior is None,
        groups=len(s0.node_groups))
    a = out.a

    def col(get: Any, dtype: Any = np.float64) -> np.ndarray:
        return np.array([get(s) for s in specs], dtype=dtype)

    wl = [s.workload for s in specs]
    f64 = np.float64
    a["cap"] = np.array([w.capacity_rps_per_pod for w in wl], dtype=f64)
    a["per_rps"] = np.array([w.cpu_millicores_per_rps for w in wl], dtype=f64)
    a["baseline"] = np.array([w.baseline_cpu_millicores for w in wl], dtype=f64)
    a["startup_mc"] = np.array([w.startup_cpu_millicores for w in wl], dtype=f64)
    a["startup_cpu_s"] = np.array([w.startup_cpu_s for w in wl], dtype=f64)
    a["conc"] = np.array([w.concurrency for w in wl], dtype=np.int64)
    a["pull"] = np.array([w.running_s for w in wl], dtype=f64)  # with the sidecars
    a["s2r"] = np.array([w.running_to_ready_s for w in wl], dtype=f64)  # readiness.py
    a["timeout"] = np.array([w.queue_timeout_s for w in wl], dtype=f64)
    a["slo"] = np.array([w.slo_p95_latency_ms for w in wl], dtype=f64)
    # the p50 / p99 thresholds where the SLOs set them, else never exceeded
    for q in (50, 99):
        a[f"slo_p{q}"] = np.array([dict(w.slo_latency_ms).get(q, np.inf) for w in wl], dtype=f64)
    a["pull_consumer"] = np.array([w.consumer == "pull" for w in wl], dtype=bool)
    a["cpu_req"] = np.array([int(w.cpu_request_millicores) for w in wl], dtype=np.int64)
    a["cpu_req_f"] = np.array([w.cpu_request_millicores for w in wl], dtype=f64)
    a["mem_req"] = np.array([math.ceil(w.memory_request_mib * MIB_MILLI) for w in wl],
                            dtype=np.int64)
    a["mem_base"] = np.array([w.memory_baseline_mib or 0.0 for w in wl], dtype=f64)
    a["mem_per_rps"] = np.array([w.memory_mib_per_rps for w in wl], dtype=f64)
    # nodes are filled by the scheduler's request, the HPA's utilization is over cpu_req
    a["slots"] = np.array([[pod_slots(g, w.packed_cpu_millicores, w.packed_memory_mib,
                                      w.max_pods_per_node)
                            for g in s.node_groups] for s, w in zip(specs, wl, strict=True)],
                          dtype=np.int64)
    # nodes.request_utilization's terms: a pod's requests, the DaemonSets' and the kubelet's
    # allocatable per (variant, group)
    a["pod_cpu"] = np.array([float(w.packed_cpu_millicores) for w in wl], dtype=f64)
    a["pod_mem"] = np.array([float(w.packed_memory_mib) for w in wl], dtype=f64)
    for key, name in (("ds_cpu", "daemonset_cpu_millicores"), ("ds_mem", "daemonset_memory_mib"),
                      ("kubelet_cpu", "kubelet_allocatable_cpu_millicores"),
                      ("kubelet_mem", "kubelet_allocatable_memory_mib")):
        a[key] = np.array([[getattr(g, name) for g in s.node_groups] for s in specs], dtype=f64)
    a["min_size"] = np.array([[g.min_size for g in s.node_groups] for s in specs], dtype=np.int64)
    a["max_size"] = np.array([[g.max_size for g in s.node_groups] for s in specs], dtype=np.int64)
    a["delay"] = col(lambda s: s.autoscaler.provisioning_delay_s)
    a["unneeded_s"] = col(lambda s: s.autoscaler.scale_down_unneeded_s)
    a["threshold"] = col(lambda s: s.autoscaler.scale_down_utilization_threshold)
    a["after_add"] = col(lambda s: s.autoscaler.scale_down_delay_after_add_s)
    a["validation_s"] = col(lambda s: s.autoscaler.consolidation_validation_s)
    # per (variant, group): a group's own drain wait (NodeGroup.pod_termination_s) or the
    # autoscaler's
    a["termination_s"] = np.array([[s.autoscaler.termination_s(g) for g in s.node_groups]
                                   for s in specs], dtype=f64)
    a["min_r"] = col(lambda s: s.hpa.min_replicas, np.int64)
    a["max_r"] = col(lambda s: s.hpa.max_replicas, np.int64)
    a["initial"] = col(lambda s: s.initial_replicas, np.int64)
    a["flap_window"] = col(lambda s: s.flap_window_s)
    a["has_oe"] = col(lambda s: s.hpa.has_object_or_external_metric, bool)
    a["gate_zero"] = col(lambda s: s.controller.gate_scale_to_zero, bool)
    a["cpu_init"] = col(lambda s: s.controller.cpu_initialization_period_s)
    a["ready_delay"] = col(lambda s: s.controller.initial_readiness_delay_s)
    a["legacy_factor"] = col(lambda s: s.controller.legacy_scale_up_limit_factor)
    a["legacy_min"] = col(lambda s: s.controller.legacy_scale_up_limit_minimum)
    a["down_stab"] = col(lambda s: int(s.controller.downscale_stabilization_s), np.int64)
    tol_down, tol_up = [], []
    for s in specs:
        tol = s.controller.tolerance
        b = s.hpa.behavior
        down = up = None
        if b is not None and s.controller.gate_configurable_tolerance:
            down, up = b.scale_down.tolerance, b.scale_up.tolerance
        tol_down.append(tol if down is None else down)
        tol_up.append(tol if up is None else up)
    a["tol_lo"] = 1.0 - np.array(tol_down, dtype=f64)
    a["tol_hi"] = 1.0 + np.array(tol_up, dtype=f64)
    a["targets"] = np.array([[_target(m) for m in s.hpa.metrics] for s in specs],
                            dtype=np.int64).T.copy()
    if not out.legacy:
        _behavior_arrays(specs, a)
    return out


def _target(m: MetricSpec) -> int:
    t = (m.resource or m.pods or m.object or m.external).target  # type: ignore[union-attr]
    for value in (t.average_utilization, t.average_value_milli, t.value_milli):
        if value is not None:
            return int(value)
    raise AssertionError("validated metric target without a value")


def _behavior_arrays(specs: list[Any], a: dict[str, np.ndarray]) -> None:
    for side in ("up", "down"):
        rules = [s.hpa.behavior.scale_up if side == "up" else s.hpa.behavior.scale_down
                 for s in specs]
        n = max(len(r.policies) for r in rules)
        types, values, periods = zip(*(_policies(r, n) for r in rules), strict=True)
        a[f"{side}_type"] = np.array(types, dtype=np.int64)
        a[f"{side}_value"] = np.array(values, dtype=np.int64)
        a[f"{side}_period"] = np.array(periods, dtype=np.int64)
        a[f"{side}_valid"] = np.array([[i < len(r.policies) for i in range(n)] for r in rules])
        a[f"{side}_select"] = np.array([SELECT[r.select_policy] for r in rules], dtype=np.int64)
        a[f"{side}_longest"] = np.array([r.longest_period_s for r in rules], dtype=np.int64)
    a["up_window"] = np.array([s.hpa.behavior.scale_up.stabilization_window_s or 0
                               for s in specs], dtype=np.int64)
    a["down_window"] = np.array([
        s.hpa.behavior.scale_down.stabilization_window_s
        if s.hpa.behavior.scale_down.stabilization_window_s is not None
        else int(s.controller.downscale_stabilization_s) for s in specs], dtype=np.int64)
