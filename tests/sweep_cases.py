"""Seeded random simulation specs and traffic for the sweep-engine differential tests, and the
comparison of the two engines (imported by tests and by benchmarks/bench_sweep_diff.py)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from infra_toolkit.hpa import (
    ControllerConfig,
    CrossVersionObjectReference,
    ExternalMetricSource,
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    HPASpec,
    MetricIdentifier,
    MetricSpec,
    MetricTarget,
    ObjectMetricSource,
    PodsMetricSource,
    ResourceMetricSource,
)
from infra_toolkit.nodes import KARPENTER_COMMAND_S, ClusterAutoscalerSpec, NodeGroup
from infra_toolkit.readiness import Probe
from infra_toolkit.simulate import SimulationSpec, simulate
from infra_toolkit.sweep_engine import run_batch
from infra_toolkit.sweep_params import batch_key, unsupported, variants
from infra_toolkit.traffic import (
    TrafficCurve,
    add_noise,
    constant_curve,
    diurnal_curve,
    flash_crowd_curve,
    ramp_curve,
    resample_curve,
    step_curve,
    sum_curves,
)
from infra_toolkit.workload import MetricsPipelineSpec, WorkloadSpec

INSTANCES = [("m5.large", 2, 8, 29), ("m5.xlarge", 4, 16, 58), ("c5.2xlarge", 8, 16, 58),
             ("t3.medium", 2, 4, 17)]


def random_traffic(rng: np.random.Generator, duration_s: int) -> TrafficCurve:
    """A random mix of steps, ramps, a diurnal cycle, flash crowds and noise."""
    base = float(rng.uniform(20, 300))
    kind = int(rng.integers(0, 5))
    if kind == 0:
        curve = step_curve(base, base * float(rng.uniform(0.2, 5)),
                           at_s=float(rng.integers(1, duration_s // 60)) * 60,
                           duration_s=duration_s, step_s=60)
    elif kind == 1:
        lo = float(rng.uniform(0, duration_s / 2))
        curve = ramp_curve(base, base * float(rng.uniform(0.3, 4)), lo,
                           lo + float(rng.uniform(60, duration_s / 2)), duration_s, step_s=60)
    elif kind == 2:
        curve = diurnal_curve(base, float(rng.uniform(0.3, 0.9)), duration_s=duration_s,
                              step_s=60, peak_hour=float(rng.uniform(0, 24)))
    elif kind == 3:
        curve = sum_curves(constant_curve(base, duration_s, step_s=60), flash_crowd_curve(
            0.0, base * float(rng.uniform(2, 8)), at_s=float(rng.uniform(0, duration_s * 0.7)),
            rise_s=float(rng.uniform(30, 300)), decay_s=float(rng.uniform(60, 900)),
            duration_s=duration_s, step_s=60))
    else:
        curve = constant_curve(base, duration_s, step_s=60)
    if rng.random() < 0.6:
        curve = add_noise(curve, rng, float(rng.uniform(0.02, 0.3)))
    if rng.random() < 0.3:  # a 1 s curve, like the Azure traces
        curve = resample_curve(curve, 1.0)
    return curve


def _policy(rng: np.random.Generator) -> HPAScalingPolicy:
    if rng.random() < 0.5:
        return HPAScalingPolicy("Pods", int(rng.integers(1, 6)), int(rng.choice([15, 30, 60, 120])))
    return HPAScalingPolicy("Percent", int(rng.choice([10, 25, 50, 100, 200])),
                            int(rng.choice([15, 30, 60, 90])))


def _rules(rng: np.random.Generator) -> HPAScalingRules | None:
    if rng.random() < 0.25:
        return None
    window = int(rng.choice([0, 15, 30, 60, 120, 300])) if rng.random() < 0.8 else None
    select = str(rng.choice(["Max", "Min", "Disabled"], p=[0.6, 0.3, 0.1]))
    policies = tuple(_policy(rng) for _ in range(int(rng.integers(1, 4))))
    tolerance = float(rng.choice([0.05, 0.1, 0.2])) if rng.random() < 0.3 else None
    return HPAScalingRules(window, select, policies if rng.random() < 0.85 else None, tolerance)


def _metric(rng: np.random.Generator, kind: str, cap: float) -> MetricSpec:
    if kind == "cpu":
        return MetricSpec("Resource", resource=ResourceMetricSource("cpu", MetricTarget(
            "Utilization", average_utilization=int(rng.integers(30, 95)))))
    if kind == "cpu-avg":
        return MetricSpec("Resource", resource=ResourceMetricSource("cpu", MetricTarget(
            "AverageValue", average_value_milli=int(rng.integers(100, 900)))))
    if kind == "memory":
        return MetricSpec("Resource", resource=ResourceMetricSource("memory", MetricTarget(
            "Utilization", average_utilization=int(rng.integers(50, 95)))))
    if kind == "memory-avg":
        return MetricSpec("Resource", resource=ResourceMetricSource("memory", MetricTarget(
            "AverageValue", average_value_milli=int(rng.integers(200, 600)) * 2**20 * 1000)))
    if kind == "pods":
        return MetricSpec("Pods", pods=PodsMetricSource(MetricIdentifier("rps"), MetricTarget(
            "AverageValue", average_value_milli=int(cap * float(rng.uniform(0.4, 0.9)) * 1000))))
    value = rng.random() < 0.5
    target = (MetricTarget("Value", value_milli=int(cap * float(rng.uniform(3, 15)) * 1000))
              if value else MetricTarget("AverageValue",
                                         average_value_milli=int(cap * 700 * rng.uniform(0.5, 1))))
    if kind == "object":
        return MetricSpec("Object", object=ObjectMetricSource(
            CrossVersionObjectReference("Ingress", "web"), MetricIdentifier("requests"), target))
    return MetricSpec("External", external=ExternalMetricSource(MetricIdentifier("queue"), target))


def scheduler_request(rng: np.random.Generator, workload: WorkloadSpec) -> WorkloadSpec:
    """``workload`` packed by a scheduler's request apart from the HPA's: CPU 0, 150 or 700m
    above the containers' (init containers) and memory 0 (none requested), 1500 or 3000 MiB;
    each fits every instance type of :data:`INSTANCES`."""
    above = float(rng.choice([0, 150, 700]))
    return dataclasses.replace(
        workload, schedule_cpu_millicores=workload.cpu_request_millicores + above,
        schedule_memory_mib=float(rng.choice([0, 1500, 3000])))


#: the readiness probe of a random spec by its one draw; 10 also gets a startup probe (3
#: readiness successes 5 s apart after a startup probe of its own delay): every path of
#: readiness.seconds_to_ready that the engines see
_PROBES = {0: None, 5: Probe(5.0), 10: Probe(10.0, 5.0, 3)}
_STARTUP = Probe(15.0, 5.0)


def random_spec(rng: np.random.Generator, name: str, timing: dict[str, Any] | None = None,
                kinds: tuple[str, ...] | None = None, legacy: bool | None = None,
                groups: int | None = None, peak_rps: float | None = None,
                apart: float = 0.0, scheduled: float = 0.0, karpenter: float = 0.0,
                pull: float = 0.0) -> SimulationSpec:
    """A random but valid spec; ``timing``/``kinds``/``legacy``/``groups`` pin batch keys.
    With ``peak_rps`` the HPA and node groups have room for about twice the peak (a
    realistic sizing); without, sizes are small and runs often saturate (edge cases).
    ``apart``: the chance the workload gets a cap of pods a node (1, 2 or 3; 1 is a required
    anti-affinity on ``kubernetes.io/hostname``), drawn last so that 0 keeps the stream;
    ``scheduled`` likewise: the chance its pods are packed by a scheduler's request apart from
    the HPA's (init containers above the containers; no memory, or more, requested);
    ``karpenter`` likewise: the chance its removals follow Karpenter's timing (validated
    ``KARPENTER_COMMAND_S`` after they are chosen, the node billed 0, 30 or 45 s after its last
    eviction, or its group's own 0, 45 or 120 s); ``pull`` likewise: the chance its workload is
    a pull consumer (``consumer="pull"``: saturated ticks judged on their latency)."""
    cap = float(rng.uniform(20, 120))
    memory = rng.random() < 0.5
    workload = WorkloadSpec(
        cpu_request_millicores=int(rng.choice([250, 500, 1000])), capacity_rps_per_pod=cap,
        cpu_millicores_per_rps=float(rng.uniform(2, 20)),
        memory_request_mib=float(rng.choice([256, 512, 1024])),
        baseline_cpu_millicores=float(rng.uniform(0, 80)),
        startup_cpu_millicores=float(rng.choice([0, 200, 500])),
        startup_cpu_s=float(rng.choice([0, 10, 30])), concurrency=int(rng.integers(1, 9)),
        image_pull_s=float(rng.choice([0, 5, 10, 12.5, 30])),
        app_start_s=float(rng.choice([0, 10, 20, 45])),
        # one draw, as the readiness delay it replaced (the later draws keep their values):
        # no probe, a 5 s delay every 10 s, or 3 successes every 5 s after a startup probe
        readiness_probe=_PROBES[(probe_draw := int(rng.choice([0, 5, 10])))],
        startup_probe=_STARTUP if probe_draw == 10 else None,
        queue_timeout_s=float(rng.choice([0, 0, 1, 5, 30])),
        # 5 s and 60 s: above the model's ceiling at the cap for some or all variants, where
        # only saturation makes a tick violate the SLO
        slo_p95_latency_ms=float(rng.choice([50, 200, 500, 1500, 5000, 60_000])),
        memory_baseline_mib=float(rng.uniform(50, 300)) if memory else None,
        memory_mib_per_rps=float(rng.uniform(0, 3)))
    if kinds is None:
        pool = ["cpu", "cpu-avg", "pods", "object", "external"] + (
            ["memory", "memory-avg"] if memory else [])
        kinds = tuple(rng.choice(pool, size=int(rng.integers(1, 4)), replace=False))
    metrics = tuple(_metric(rng, k, cap) for k in kinds)
    if legacy is None:
        legacy = bool(rng.random() < 0.5)
    behavior = None if legacy else HPABehavior(_rules(rng), _rules(rng))
    min_r = int(rng.integers(1, 5))
    if any(k in ("object", "external") for k in kinds) and rng.random() < 0.15:
        min_r = 0
    most = int(rng.integers(max(min_r, 1) + 1, 30))
    if peak_rps is not None:
        most = max(most, math.ceil(2 * peak_rps / cap))
    hpa = HPASpec(max_replicas=most, min_replicas=min_r,
                  metrics=metrics, behavior=behavior, name="web")
    controller = ControllerConfig(
        tolerance=float(rng.choice([0.0, 0.05, 0.1, 0.2])),
        cpu_initialization_period_s=float(rng.choice([0, 30, 120, 300])),
        initial_readiness_delay_s=float(rng.choice([0, 10, 30])),
        downscale_stabilization_s=float(rng.choice([0, 60, 120, 300, 600])),
        sync_period_s=float((timing or {}).get("sync", rng.choice([15, 15, 30]))),
        legacy_scale_up_limit_factor=float(rng.choice([2.0, 1.5, 3.0])),
        legacy_scale_up_limit_minimum=float(rng.choice([4.0, 1.0, 2.0])),
        gate_configurable_tolerance=bool(rng.random() < 0.8),
        # minReplicas 0 is admitted only with the gate on (the draw is kept: same stream)
        gate_scale_to_zero=bool(rng.random() < 0.8) or min_r == 0)
    n_groups = groups or int(rng.integers(1, 4))
    node_groups = []
    for g in range(n_groups):
        itype, vcpu, mem, pods = INSTANCES[int(rng.integers(0, len(INSTANCES)))]
        lo = int(rng.integers(0, 3))
        top = lo + int(rng.integers(1, 8))
        if peak_rps is not None:
            top = lo + most  # at least one pod per node fits any of these instance types
        # DaemonSets (125m / 64 MiB, within the reserve) on every second group: scale-down's
        # utilization counts them (no extra draw: the seeds' cases stay the same)
        ds_cpu, ds_memory = (125.0, 64.0) if g % 2 else (0.0, 0.0)
        node_groups.append(NodeGroup(f"g{g}", itype, vcpu, mem, pods, min_size=lo,
                                     max_size=top, reserved_cpu_millicores=100 + ds_cpu,
                                     reserved_memory_mib=600 + ds_memory,
                                     daemonset_cpu_millicores=ds_cpu,
                                     daemonset_memory_mib=ds_memory))
    autoscaler = ClusterAutoscalerSpec(
        scan_interval_s=int((timing or {}).get("scan", rng.choice([5, 10, 10]))),
        provisioning_delay_s=float(rng.choice([0, 30, 45.5, 90, 120, 301.25])),
        scale_down_unneeded_s=float(rng.choice([30, 120, 600])),
        scale_down_utilization_threshold=float(rng.uniform(0.2, 0.8)),
        scale_down_delay_after_add_s=float(rng.choice([0, 60, 600])))
    resolution = int((timing or {}).get("resolution", rng.choice([15, 15, 60])))
    window = (timing or {}).get("window", [None, None, 30, 45, 60][int(rng.integers(0, 5))])
    offset = int((timing or {}).get("offset", rng.choice([0, 5, 5, 10])))
    pipeline = MetricsPipelineSpec(resolution_s=resolution, window_s=window, offset_s=offset)
    capacity = sum(g.max_size * 1 for g in node_groups)
    initial = int(rng.integers(0, 6)) if rng.random() < 0.5 else None
    if initial is not None:
        initial = min(initial, capacity)
    if apart and rng.random() < apart:
        workload = dataclasses.replace(workload, max_pods_per_node=int(rng.choice([1, 1, 2, 3])))
    if scheduled and rng.random() < scheduled:
        workload = scheduler_request(rng, workload)
    if karpenter and rng.random() < karpenter:
        autoscaler = dataclasses.replace(
            autoscaler, consolidation_validation_s=KARPENTER_COMMAND_S,
            pod_termination_s=float(rng.choice([0, 30, 45])))
        # each group's own wait (its pods' grace) or the autoscaler's (None), drawn last
        node_groups = [dataclasses.replace(g, pod_termination_s=[None, 0.0, 45.0, 120.0][
            int(rng.integers(0, 4))]) for g in node_groups]
    if pull and rng.random() < pull:
        workload = dataclasses.replace(workload, consumer="pull")
    return SimulationSpec(hpa, workload, tuple(node_groups), autoscaler, pipeline, controller,
                          initial_replicas=initial,
                          sync_duration_s=int((timing or {}).get("duration", 0)),
                          flap_window_s=float(rng.choice([60, 300, 900])), name=name)


def _at(items: list[Any], i: int) -> Any:
    return items[i] if i < len(items) else "(missing)"


def scalar_records(traffic: TrafficCurve, spec: SimulationSpec) -> dict[str, Any]:
    """The scalar path's sync table, event log and summary row of one spec."""
    r = simulate(traffic, spec)
    syncs = [(float(t), int(c), None if p is None or math.isnan(p) else int(p), int(w), why)
             for t, c, p, w, why in r.syncs.itertuples(index=False, name=None)]
    events = [(float(t), k, int(a), int(b), why)
              for t, k, a, b, why in r.events.itertuples(index=False, name=None)]
    return {"syncs": syncs, "events": events, "row": r.summary.as_row()}


def differences(traffic: TrafficCurve, specs: list[SimulationSpec]) -> list[str]:
    """Every difference between the sweep engine and the scalar path, as text, over batches of
    the specs that share a batch key. A variant the engine reports uncertain is re-run on the
    scalar path by ``simulate_many``, so its summary row is compared only when the engine
    claimed to be certain; its sync table and event log are always compared."""
    batches: dict[Any, list[SimulationSpec]] = {}
    for spec in specs:
        assert unsupported(spec) is None, (spec.name, unsupported(spec))
        batches.setdefault(batch_key(spec), []).append(spec)
    return [p for batch in batches.values() for p in _batch_differences(traffic, batch)]


def _batch_differences(traffic: TrafficCurve, specs: list[SimulationSpec]) -> list[str]:
    v = variants(specs)
    curve = resample_curve(traffic, float(v.tick_s))
    out = run_batch(np.asarray(curve.rps), v, record=True)
    assert out.syncs is not None and out.events is not None
    problems = []
    for i, spec in enumerate(specs):
        ref = scalar_records(traffic, spec)
        if ref["syncs"] != out.syncs[i]:
            pairs = zip(ref["syncs"], out.syncs[i], strict=False)
            first = next((j for j, (a, b) in enumerate(pairs) if a != b),
                         min(len(ref["syncs"]), len(out.syncs[i])))
            problems.append(f"{spec.name}: sync {first}: scalar {_at(ref['syncs'], first)} "
                            f"vector {_at(out.syncs[i], first)}")
        if ref["events"] != out.events[i]:
            pairs = list(zip(ref["events"], out.events[i], strict=False))
            first = next((j for j, (a, b) in enumerate(pairs) if a != b), len(pairs))
            problems.append(f"{spec.name}: event {first}: scalar {_at(ref['events'], first)} "
                            f"vector {_at(out.events[i], first)}")
        if out.uncertain[i]:
            continue
        for key, want in ref["row"].items():
            got = out.rows[i].get(key)
            same = got == want or (isinstance(want, float) and math.isnan(want)
                                   and isinstance(got, float) and math.isnan(got))
            if not same or type(got) is not type(want):
                problems.append(f"{spec.name}: {key}: scalar {want!r} vector {got!r}")
        if list(out.rows[i]) != list(ref["row"]):
            problems.append(f"{spec.name}: row keys {list(out.rows[i])} != {list(ref['row'])}")
    return problems
