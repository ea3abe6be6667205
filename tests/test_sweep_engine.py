"""The sweep engine (``simulate_many``'s vectorized path) against the scalar path.

Each case runs the same specs through both engines and compares, variant by variant, the sync
table (time, current, proposal, written, reason), the event log (with its reasons) and every
field of the summary row, exactly (``sweep_cases.differences``). Cases: (a) every hand-derived
scenario of the simulation tests, alone and batched with random variants; (b) random seeded
batches and single specs (HPA metrics, behavior policies, controller flags, workloads, node
groups, autoscaler delays, traffic steps, ramps, cycles, flash crowds, noise); (c) slices of
every real trace in ../shared/traces. ``benchmarks/bench_sweep_diff.py`` runs thousands more.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from infra_toolkit import hpa
from infra_toolkit.errors import SimulationError
from infra_toolkit.hpa import HPASpec, MetricSpec, MetricTarget, ResourceMetricSource
from infra_toolkit.nodes import KARPENTER_LIKE, NodeGroup
from infra_toolkit.simulate import SimulationSpec, simulate, simulate_many
from infra_toolkit.sweep_engine import run_batch
from infra_toolkit.sweep_params import batch_key, unsupported, variants
from infra_toolkit.traffic import (
    constant_curve,
    read_traffic_csv,
    resample_curve,
    slice_curve,
    step_curve,
)
from infra_toolkit.workload import MetricsPipelineSpec, WorkloadSpec
from tests import test_simulate, test_simulate_memory, test_simulate_traces
from tests.sweep_cases import differences, random_spec, random_traffic

SPEC, TRAFFIC = test_simulate.SPEC, test_simulate.TRAFFIC
HAND = {
    "step-100-to-400": (TRAFFIC, SPEC),
    "karpenter-like": (TRAFFIC, dataclasses.replace(SPEC, autoscaler=KARPENTER_LIKE)),
    "node-scale-down-evicts": (step_curve(100, 100, at_s=0, duration_s=1200, step_s=60),
                               dataclasses.replace(SPEC, initial_replicas=6)),
    "metrics-every-60s": (TRAFFIC, dataclasses.replace(
        SPEC, metrics=MetricsPipelineSpec(resolution_s=60))),
    "memory-utilization": (constant_curve(120, 300), test_simulate_memory.SPEC),
    **{f"{k}-under-a-large-slo": (traffic, spec)
       for k, (traffic, spec, _) in test_simulate.SATURATED_CASES.items()},
}


@pytest.mark.parametrize("case", sorted(HAND))
def test_hand_derived_scenarios(case: str) -> None:
    traffic, spec = HAND[case]
    assert differences(traffic, [spec]) == []


@pytest.mark.parametrize("case", sorted(HAND))
def test_hand_derived_scenarios_batched_with_random_variants(case: str) -> None:
    # the scenario's spec in the middle of a batch of variants that differ in every field
    # that may vary within a batch
    traffic, spec = HAND[case]
    rng = np.random.default_rng(sorted(HAND).index(case))
    kinds = tuple({"cpu": "cpu", "memory": "memory"}[m.resource.name]
                  for m in spec.hpa.metrics if m.resource is not None)
    timing = {"sync": 15, "scan": spec.autoscaler.scan_interval_s,
              "resolution": spec.metrics.resolution_s, "window": spec.metrics.window_s,
              "offset": spec.metrics.offset_s}
    batch = []
    while len(batch) < 9:
        other = random_spec(rng, f"r{len(batch)}", timing=timing, kinds=kinds,
                            legacy=spec.hpa.behavior is None, groups=len(spec.node_groups))
        if batch_key(other) == batch_key(spec) and unsupported(other) is None:
            batch.append(other)
    batch.insert(4, spec)
    assert differences(traffic, batch) == []


BATCH_KINDS = [("cpu",), ("cpu", "object"), ("memory",), ("pods", "external"), ("cpu-avg",),
               ("object",), ("external", "cpu"), ("memory-avg", "pods"), ("cpu", "memory")]


def _batch(seed: int, size: int, sized: bool, apart: float = 0.0, scheduled: float = 0.0,
           pull: float = 0.0) -> tuple[object, list[SimulationSpec]]:
    rng = np.random.default_rng(1000 + seed)
    traffic = random_traffic(rng, int(rng.integers(2, 5)) * 1800)
    timing = {"sync": int(rng.choice([15, 30])), "scan": int(rng.choice([5, 10])),
              "resolution": int(rng.choice([15, 60])), "duration": int(rng.choice([0, 5])),
              "window": [None, 30, 60][int(rng.integers(0, 3))],
              "offset": int(rng.choice([0, 5, 10]))}
    kinds = BATCH_KINDS[seed % len(BATCH_KINDS)]
    legacy, groups = bool(seed % 2), int(rng.integers(1, 4))
    peak = float(np.max(traffic.rps)) if sized else None
    specs: list[SimulationSpec] = []
    while len(specs) < size:
        spec = random_spec(rng, f"b{seed}v{len(specs)}", timing=timing, kinds=kinds,
                           legacy=legacy, groups=groups, peak_rps=peak, apart=apart,
                           scheduled=scheduled, pull=pull)
        if unsupported(spec) is None:
            specs.append(spec)
    return traffic, specs


def _karpenter_batch(seed: int, size: int) -> tuple[object, list[SimulationSpec]]:
    rng = np.random.default_rng(3000 + seed)
    traffic = random_traffic(rng, int(rng.integers(2, 5)) * 1800)
    timing = {"sync": 15, "scan": int(rng.choice([5, 10])), "resolution": 15}
    peak = float(np.max(traffic.rps))
    specs: list[SimulationSpec] = []
    while len(specs) < size:
        spec = random_spec(rng, f"k{seed}v{len(specs)}", timing=timing, kinds=("cpu",),
                           legacy=False, groups=int(1 + seed % 3), peak_rps=peak,
                           karpenter=0.75)
        if unsupported(spec) is None:
            specs.append(spec)
    return traffic, specs


@pytest.mark.parametrize("seed", range(6))
def test_random_batches_with_karpenters_validation_and_pod_termination(seed: int) -> None:
    # three quarters of each batch validate each removal 15 s after choosing it and keep the
    # node, cordoned and billed, until its pods terminated (0, 30 or 45 s); the rest remove at
    # once: the engine's per-variant waits agree with the scalar loop's events and node-hours
    traffic, specs = _karpenter_batch(seed, 12)
    assert any(s.autoscaler.pod_termination_s > 0 for s in specs)
    assert differences(traffic, specs) == []


@pytest.mark.parametrize("seed", range(18))
def test_random_batches(seed: int) -> None:
    # 18 batches of 12: metrics mixes, both HPA paths, 1-3 node groups, several grids
    traffic, specs = _batch(seed, 12, sized=seed % 3 == 0)
    assert differences(traffic, specs) == []


@pytest.mark.parametrize("seed", range(6))
def test_random_batches_with_pods_a_node_capped(seed: int) -> None:
    # 6 batches of 12, half their variants with a cap of 1-3 pods a node (a hostname
    # anti-affinity is 1): more nodes per pod, Pending pods at max_size, scale-downs the cap
    # blocks; the sweep engine must still write what simulate writes, bit for bit
    traffic, specs = _batch(100 + seed, 12, sized=seed % 2 == 0, apart=0.5)
    assert any(s.workload.max_pods_per_node is not None for s in specs)  # the premise
    assert differences(traffic, specs) == []


@pytest.mark.parametrize("seed", range(6))
def test_random_batches_packed_by_the_schedulers_request(seed: int) -> None:
    # 6 batches of 12, most variants packed by a scheduler's request apart from the HPA's (init
    # containers above the containers, no memory request or a large one): the slots and the
    # scale-down's node fraction follow it while the HPA's utilization stays on the requests
    traffic, specs = _batch(200 + seed, 12, sized=seed % 2 == 0, scheduled=0.8)
    assert any(s.workload.schedule_memory_mib is not None for s in specs)  # the premise
    assert differences(traffic, specs) == []


@pytest.mark.parametrize("seed", range(6))
def test_random_batches_of_pull_consumers(seed: int) -> None:
    # 6 batches of 12, half their variants pull consumers (the larger of the M/M/c value and
    # the service time plus the backlog's wait, judged on its value): the engine keeps each of
    # their ticks and must still write what simulate writes, bit for bit, without handing them
    # to the scalar path
    traffic, specs = _batch(300 + seed, 12, sized=seed % 2 == 0, pull=0.5)
    assert any(s.workload.consumer == "pull" for s in specs)  # the premise
    assert differences(traffic, specs) == []
    pulls = [s for s in specs if s.workload.consumer == "pull"]
    batch = variants(pulls)
    out = run_batch(np.asarray(resample_curve(traffic, float(batch.tick_s)).rps), batch)
    assert not out.uncertain.any()


@pytest.mark.parametrize("seed", range(0, 100, 5))
def test_random_single_specs(seed: int) -> None:
    # 100 specs whose batch keys are all drawn at random: a batch of one each
    problems = []
    for s in range(seed, seed + 5):
        rng = np.random.default_rng(s)
        traffic = random_traffic(rng, int(rng.integers(2, 5)) * 1800)
        # every one of them is supported: differences() asserts it rather than skipping any
        problems += differences(traffic, [random_spec(rng, f"s{s}")])
    assert problems == []


def test_regression_node_group_back_to_an_earlier_size() -> None:
    # Found by benchmarks/bench_sweep_diff.py: a group scaled up and back down to a size it had
    # before, with no pod placed in between, while scale-down timers ran; an early-return
    # shortcut of the scalar scan then skipped resetting them (fixed in cluster.ca_scan).
    rng = np.random.default_rng(50166)
    traffic = random_traffic(rng, int(rng.integers(2, 9)) * 1800)
    assert differences(traffic, [random_spec(rng, "s50166")]) == []


def test_a_pods_policy_value_that_wraps_int32_freezes_scale_up_in_both_engines() -> None:
    # audit 11 A11-1: Go adds a Pods policy value in int32, so 2**31 - 1 wraps the scale-up
    # limit negative and the limit is raised to the current size: the HPA never scales up.
    # Both engines must agree, and the scalar path must never write more than the current size
    # although its proposals ask for more.
    frozen = hpa.HPABehavior(scale_up=hpa.HPAScalingRules(policies=(
        hpa.HPAScalingPolicy("Pods", 2**31 - 1, 15),)))
    spec = dataclasses.replace(SPEC, hpa=dataclasses.replace(SPEC.hpa, behavior=frozen))
    assert differences(TRAFFIC, [spec]) == []
    syncs = simulate(TRAFFIC, spec).syncs
    assert (syncs["proposal"] > syncs["current"]).any()
    assert (syncs["written"] <= syncs["current"]).all()


@pytest.mark.parametrize("stem_start_length", test_simulate_traces.SLICES,
                         ids=lambda s: s[0])
def test_real_trace_slices(stem_start_length: tuple[str, int, int], shared_dir: Path) -> None:
    # the trace-invariant tests' specs (no behavior and a behavior block) plus 10 random
    # variants sized for the slice, over each real trace
    stem, start, length = stem_start_length
    curve = slice_curve(read_traffic_csv(shared_dir / "traces" / f"{stem}.csv"), start, length)
    base = test_simulate_traces._spec(curve, None)
    with_behavior = test_simulate_traces._spec(curve, test_simulate_traces.BEHAVIOR)
    rng = np.random.default_rng(len(stem))
    specs = [base, dataclasses.replace(with_behavior, name="behavior")]
    peak = float(np.max(curve.rps))
    while len(specs) < 12:
        spec = random_spec(rng, f"t{len(specs)}", timing={"sync": 15, "scan": 10,
                                                          "resolution": 15, "window": None,
                                                          "offset": 5},
                           kinds=("cpu",), legacy=len(specs) % 2 == 0, groups=1, peak_rps=peak)
        if unsupported(spec) is None:
            specs.append(spec)
    assert differences(curve, specs) == []


def test_simulate_many_engines_agree() -> None:
    traffic, specs = _batch(3, 10, sized=True)
    sweep = simulate_many(traffic, specs, engine="sweep")
    scalar = simulate_many(traffic, specs, engine="scalar")
    assert list(sweep.columns) == list(scalar.columns)
    assert (sweep.dtypes == scalar.dtypes).all()
    assert sweep.equals(scalar)


def test_a_result_the_engine_cannot_prove_is_run_on_the_scalar_path() -> None:
    # 8 slots per pod at 0.5 % utilization: the latency model is flat to 1e-12 over every rate
    # the run sees, so the streamed maximum cannot be told from its neighbours; the engine says
    # so and simulate_many takes the scalar path for that variant
    workload = WorkloadSpec(cpu_request_millicores=500, capacity_rps_per_pod=200,
                            cpu_millicores_per_rps=1, concurrency=8, image_pull_s=5)
    spec = SimulationSpec(HPASpec(max_replicas=12, min_replicas=10),
                          workload, (NodeGroup("ng", "m5.xlarge", 4, 16, 58, max_size=5),))
    traffic = step_curve(8, 12, at_s=900, duration_s=1800, step_s=60)
    batch = variants([spec])
    out = run_batch(np.asarray(resample_curve(traffic, float(batch.tick_s)).rps), batch)
    assert list(out.uncertain) == [True]
    sweep = simulate_many(traffic, [spec], engine="sweep")
    assert sweep.equals(simulate_many(traffic, [spec], engine="scalar"))


@pytest.mark.parametrize("case", sorted(test_simulate.SATURATED_CASES))
def test_saturated_ticks_are_counted_by_the_engine_itself(case: str) -> None:
    # the engine must prove these minutes, not hand the variant to the scalar path: its
    # saturated ticks are decided by the capped bracket (calm) or at the end (queued)
    traffic, spec, minutes = test_simulate.SATURATED_CASES[case]
    batch = variants([spec])
    out = run_batch(np.asarray(resample_curve(traffic, float(batch.tick_s)).rps), batch)
    assert list(out.uncertain) == [False]
    assert out.rows[0]["slo_violation_minutes"] == minutes  # derived in test_simulate


@pytest.mark.parametrize("case", sorted(test_simulate.PULL_CASES))
def test_a_pull_consumers_saturated_ticks_are_judged_by_the_engine_itself(case: str) -> None:
    # the minutes derived in test_simulate: 0 without a queue, 35 s of backlog wait above 10 s
    traffic, spec, minutes = test_simulate.PULL_CASES[case]
    batch = variants([spec])
    out = run_batch(np.asarray(resample_curve(traffic, float(batch.tick_s)).rps), batch)
    assert list(out.uncertain) == [False]
    assert out.rows[0]["slo_violation_minutes"] == pytest.approx(minutes, abs=1e-12)


STORAGE = MetricSpec(type="Resource", resource=ResourceMetricSource(
    "ephemeral-storage", MetricTarget("Utilization", average_utilization=70)))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"hpa": HPASpec(max_replicas=5, metrics=(STORAGE,))}, "the scalar path reports it"),
        ({"initial_replicas": 100}, "initial pods do not fit"),
        ({"controller": dataclasses.replace(SPEC.controller, downscale_stabilization_s=300.5)},
         r"downscale_stabilization_s \(=300.5\) is not a whole number of seconds"),
    ],
)
def test_specs_the_engine_leaves_to_the_scalar_path(change: dict, reason: str) -> None:
    why = unsupported(dataclasses.replace(SPEC, **change))
    assert why is not None and re.search(reason, why)


def test_the_scalar_path_still_reports_what_it_refuses() -> None:
    bad = dataclasses.replace(SPEC, hpa=HPASpec(max_replicas=5, metrics=(STORAGE,), name="web"))
    with pytest.raises(SimulationError, match=r"spec.metrics\[0\] \(Resource ephemeral-storage\)"):
        simulate_many(TRAFFIC, [SPEC] * 8 + [bad], engine="sweep")


def test_engine_argument_is_checked() -> None:
    with pytest.raises(SimulationError, match=r"engine \(='fast'\) must be 'auto', 'sweep' or "
                       r"'scalar'"):
        simulate_many(TRAFFIC, [SPEC], engine="fast")
