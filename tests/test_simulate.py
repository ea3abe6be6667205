"""The simulation against a run worked out by hand, sync by sync, plus spec validation."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from infra_toolkit.errors import SimulationError, SpecError, TrafficError
from infra_toolkit.hpa import (
    ControllerConfig,
    ExternalMetricSource,
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    HPASpec,
    MetricIdentifier,
    MetricSpec,
    MetricTarget,
    ResourceMetricSource,
    cpu_utilization_metric,
)
from infra_toolkit.nodes import KARPENTER_LIKE, ClusterAutoscalerSpec, NodeGroup
from infra_toolkit.readiness import Probe
from infra_toolkit.simulate import SimulationSpec, TimeToCapacity, simulate, simulate_many
from infra_toolkit.traffic import TrafficCurve, step_curve
from infra_toolkit.workload import MetricsPipelineSpec, WorkloadSpec

# Pods: 1000m CPU request, 100 rps each at most, 10 millicores per rps (so 100 rps = 100 % of the
# request), Ready 35 s after being scheduled: image pulled at 10 s, app up at 10 + 20 = 30 s, the
# readiness probe's initial delay over at 10 + 25 = 35 s, and its 5 s grid from the bind has a
# tick at 35 s. Nodes: 4 vCPU -> 3900m allocatable ->
# 3 pods per node; a new node is Ready 60 s after the autoscaler scan that asks for it.
# HPA: CPU 50 %, min 2, max 10, no behavior (legacy path: scale-up cap max(2*current, 4)).
# Metrics: scrapes at 5, 20, 35, ... s, each the mean over the 15 s before it. Grid: 5 s ticks.
WORKLOAD = WorkloadSpec(cpu_request_millicores=1000, capacity_rps_per_pod=100,
                        cpu_millicores_per_rps=10, concurrency=8, image_pull_s=10,
                        app_start_s=20, readiness_probe=Probe(25, 5))
SPEC = SimulationSpec(
    HPASpec(max_replicas=10, min_replicas=2, metrics=(cpu_utilization_metric(50),)),
    WORKLOAD,
    (NodeGroup("ng", "m5.xlarge", vcpu=4, memory_gib=16, max_pods=58, min_size=1, max_size=5),),
    ClusterAutoscalerSpec(provisioning_delay_s=60),
)
TRAFFIC = step_curve(100, 400, at_s=300, duration_s=600, step_s=60)

# Spec replicas written at each sync, derived by hand:
# 15  : scrape 5 covers [-10, 5): no full window yet -> no metrics -> error, stays 2
# 30-300: 2 ready pods at 50 rps = 500m = 50 %: ratio 1.0, within tolerance -> 2
# 315 : scrape 305, window [290,305) = ticks 290, 295 at 50 rps and 300 at 100 rps (capacity
#       2 x 100; 200 rps dropped) -> 666.7m -> 667m; util int(2*667*100/2000) = 66 %,
#       ratio 66/50 = 1.32 -> ceil(1.32*2) = 3; legacy cap max(4, 4) -> 3. Pod 3 fits the node's
#       3rd slot: scheduled 315, Running 325, Ready 350.
# 330 : pods 1,2 at 100 % (ratio 2.0); pod 3 Running without a sample (first sample needs
#       325+15 <= scrape) = missing, counted 0 on scale-up: 2000*100/3000 = 66 % -> 1.32 ->
#       ceil(1.32*3) = 4. Pod 4 has no room: the scan at 340 asks a node, Ready at 400.
# 345 : pods 1,2 at 100 %, pod 3 missing, pod 4 Pending (unready), both 0: 2000/4000 = 50 % ->
#       1.0, within tolerance -> 4
# 360 : pod 3 Ready at 350 but within its CPU initialization period its sample (scrape 350)
#       is before Ready + window (365): unready -> 2000/4000 = 50 % -> 4
# 375 : scrape 365: pods 1-3 ready at 100 %, pod 4 Pending: 3000/4000 = 75 % -> 1.5 ->
#       ceil(1.5*4) = 6. Pods 5, 6 pend; the 340 node (3 slots) is coming: no new node.
#       Node 2 Ready at 400: pods 4, 5, 6 scheduled 400, Running 410, Ready 435.
# 390-435: 3 ready at 100 %, 3 unready or missing at 0: 3000/6000 = 50 % -> 6
# 450 : scrape 440, window [425,440): pods 1-3 at (100+100+66.7)/3 = 88.9 rps -> 889m; pods 4-6
#       unready (440 < 435+15): ratio 88/50 = 1.76 but rebalanced int(2667*100/6000) = 44 %
#       -> 0.88 flips direction -> keep 6
# 465 : scrape 455: all 6 ready at 400/6 = 66.7 rps -> 667m -> 66 % -> ceil(1.32*6) = 8;
#       node 3 asked at scan 470, Ready 530; pods 7, 8 Ready 565
# 480-585: 6 ready at 66 % + 2 unready/missing at 0 -> int(4002*100/8000) = 50 % -> 8, then
#       8 pods at 50 rps = 50 % -> 8
EXPECTED_WRITTEN = {15: 2, **{t: 2 for t in range(30, 301, 15)}, 315: 3, 330: 4, 345: 4,
                    360: 4, 375: 6, **{t: 6 for t in range(390, 451, 15)},
                    **{t: 8 for t in range(465, 586, 15)}}


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return simulate(TRAFFIC, SPEC)


def test_replicas_at_each_sync(result) -> None:  # type: ignore[no-untyped-def]
    got = dict(zip(result.syncs["time_s"].astype(int), result.syncs["written"]))
    assert got == EXPECTED_WRITTEN
    assert "no metrics returned" in result.syncs["reason"].iloc[0]


def test_node_scale_ups(result) -> None:  # type: ignore[no-untyped-def]
    nodes = result.events[result.events["kind"] == "node_scale_up:ng"]
    assert list(zip(nodes["time_s"], nodes["from"], nodes["to"])) == [(340, 1, 2), (470, 2, 3)]


def test_time_to_capacity_breakdown(result) -> None:  # type: ignore[no-untyped-def]
    # Under capacity from 300 s (400 rps > 2 x 100) until 435 s, when pods 4-6 turn Ready
    # (6 x 100 >= 400). Pod 4 alone closes the gap (3 ready + 1 = 400 >= 400), so it is the
    # closing pod: created 330, scheduled 400, Ready 435.
    # metric lag 300 -> first scrape 305 = 5; sync wait 305 -> sync 315 = 10;
    # controller hold 315 -> 330 = 15; node provisioning 330 -> 400 = 70; start-up 400 -> 435 = 35.
    # No limit: the spec (at most 6 in the episode) stays below maxReplicas 10, and the group
    # has 1 Ready node (max_size 5) while pod 4 waits: at maxReplicas 0, nodes at max 0.
    assert result.summary.time_to_capacity == (
        TimeToCapacity(300.0, 435.0, 135.0, 5.0, 10.0, 15.0, 0.0, 70.0, 0.0, 35.0, "pods"),)


def test_summary_totals(result) -> None:  # type: ignore[no-untyped-def]
    s = result.summary
    # pods: 2 until 315, 3 until 330, 4 until 375, 6 until 465, 8 until 600 (pod-seconds):
    # 2*315 + 3*15 + 4*45 + 6*90 + 8*135 = 630 + 45 + 180 + 540 + 1080 = 2475 -> /3600 h
    assert s.pod_hours == pytest.approx(2475 / 3600)
    # nodes billed from launch to the end of the run: node 1 0 -> 600 = 600 s, node 2 launched
    # at the 340 scan (Ready 400) -> 600 = 260 s, node 3 launched at the 470 scan (Ready 530)
    # -> 600 = 130 s: 600 + 260 + 130 = 990 node-seconds (Ready alone: 870, 2 x 60 s less)
    assert s.node_hours_by_instance_type == {"m5.xlarge": pytest.approx(990 / 3600)}
    assert (s.peak_replicas, s.scale_events, s.flaps, s.node_scale_ups) == (8, 4, 0, 2)
    # dropped: 400 offered vs ready capacity 200 on [300,350), 300 on [350,435):
    # 200*50 + 100*85 = 10000 + 8500 = 18500 requests
    assert s.dropped_requests == pytest.approx(18_500)
    assert s.offered_requests == pytest.approx(100 * 300 + 400 * 300)
    # every dropping tick violates the SLO: [300, 435) = 135 s = 2.25 min (p95 at 50 rps/pod on
    # 8 slots of 80 ms is far below 500 ms otherwise)
    assert s.slo_violation_minutes == pytest.approx(2.25)


def test_timeline_columns_and_consistency(result) -> None:  # type: ignore[no-untyped-def]
    t = result.timeline
    assert list(t.columns[:6]) == ["time_s", "offered_rps", "served_rps", "dropped_rps",
                                   "backlog_requests", "desired_replicas"]
    for col in ("spec_replicas", "ready_pods", "pending_pods", "nodes", "nodes_ng",
                "cpu_utilization_pct", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms"):
        assert col in t.columns
    np.testing.assert_array_equal(t["pods"], t["spec_replicas"])
    np.testing.assert_array_equal(
        t["ready_pods"] + t["starting_pods"] + t["pending_pods"], t["spec_replicas"])
    row = t.set_index("time_s").loc[420.0]
    # at 420 s: 6 pods; 3 Ready, pods 4-6 Running since 410 (starting), on 2 nodes
    counts = (row["ready_pods"], row["starting_pods"], row["pending_pods"], row["nodes"])
    assert counts == (3, 3, 0, 2)


def test_simulate_many_matches_simulate(result) -> None:  # type: ignore[no-untyped-def]
    other = dataclasses.replace(SPEC, name="karp", autoscaler=KARPENTER_LIKE)
    table = simulate_many(TRAFFIC, [SPEC, other])
    assert list(table["name"]) == ["baseline", "karp"]
    single = simulate(TRAFFIC, other).summary
    for i, summary in enumerate((result.summary, single)):
        for key, value in summary.as_row().items():
            assert table.loc[i, key] == value, key  # identical, not approximately equal
    # the fast preset asks for the node at the 335 scan (5 s grid) and has it 45 s later,
    # so pod 4 is scheduled at 380 instead of 400: capacity is back at 415 instead of 435
    assert single.time_to_capacity[0].end_s == 415.0
    assert single.time_to_capacity[0].node_provisioning_s == 50.0  # created 330 -> placed 380


# Two pods, no scaling (minReplicas = maxReplicas = 2), an SLO of one minute, far above anything
# the latency model can give here: its p95 search runs over [0, 12 / min(mu, theta)] s with
# mu = 100 / 8 = 12.5 /s and, at the utilization cap 0.99, theta = 8 x 12.5 x (1 - 0.99) = 1 /s,
# so p95 <= 12 s, plus a backlog wait of at most 3000 / 200 = 15 s below: 27 s < 60 s.
SATURATED = dataclasses.replace(
    SPEC, hpa=HPASpec(max_replicas=2, min_replicas=2, metrics=(cpu_utilization_metric(50),)),
    workload=dataclasses.replace(WORKLOAD, slo_p95_latency_ms=60_000), name="saturated")
QUEUED = dataclasses.replace(
    SATURATED, workload=dataclasses.replace(SATURATED.workload, queue_timeout_s=30),
    name="queued")
SATURATED_CASES = {
    # 199 rps from 300 s on 2 pods = 99.5 rps per pod >= 0.99 x 100: saturated, nothing dropped
    # (199 < 200) and no queue; [300, 600) = 300 s = 5 min. (100 rps before: 50 per pod.)
    "saturated": (step_curve(100, 199, at_s=300, duration_s=600, step_s=60), SATURATED, 5.0),
    # 250 rps on [300, 360), 100 rps otherwise, queued up to 30 s (2 x 100 x 30 = 6000 requests):
    # each 5 s tick of the burst serves 1000 and queues 250 more, up to 3000 at 355 (none
    # dropped); then 500 arrive per tick and 1000 are served: backlog 2500, 2000, 1500, 1000, 500,
    # 0 at 360 ... 385. Ticks [300, 390) serve 200 rps = 100 per pod (saturated, ticks to 380
    # with a queue): 90 s = 1.5 min. Tick 390 serves 500 requests = 50 rps per pod.
    "queued": (TrafficCurve(np.array([100.0] * 5 + [250.0] + [100.0] * 4), 60.0), QUEUED, 1.5),
}


@pytest.mark.parametrize("case", sorted(SATURATED_CASES))
def test_a_saturated_tick_violates_the_slo_whatever_its_p95(case: str) -> None:
    # the p95 at the cap is the model's ceiling, a lower bound: it cannot show the SLO was kept,
    # so the summary counts those ticks as the report's SLO check does
    traffic, spec, minutes = SATURATED_CASES[case]
    result = simulate(traffic, spec)
    t = result.timeline
    assert (t["p95_latency_ms"] < 27_000).all() and (t["dropped_rps"] == 0).all()  # premise
    assert t["latency_saturated"].sum() * 5 / 60 == minutes
    assert result.summary.slo_violation_minutes == minutes
    for engine in ("sweep", "scalar"):  # the same variant through simulate_many
        row = simulate_many(traffic, [spec], engine=engine).iloc[0]
        assert row["slo_violation_minutes"] == minutes, engine


# The same runs as pull consumers: at the cap a message's p95 is the larger of the M/M/c value
# at 0.99 and its exponential service at mu = 100 / 8 = 12.5 /s (p95 = ln 20 / 12.5 s = 239.66
# ms) plus the queue's wait (latency.with_backlog_wait_ms). The M/M/8 value at 0.99: a = 7.92,
# Erlang B by B_k = a B_(k-1) / (k + a B_(k-1)) from B_0 = 1 gives B_8 = 0.2311204, so
# Pw = B / (1 - 0.99 (1 - B)) = 0.9678036; theta = 8 x 12.5 x 0.01 = 1 /s and P(T > t) =
# (1 - Pw) e^-12.5t + Pw (e^-12.5t - 12.5 e^-t) / (1 - 12.5) ~ Pw x 12.5 / 11.5 x e^-t (the
# e^-12.5t terms are e^-38 there): p95 = ln(20 x 0.9678036 x 12.5 / 11.5) s = 3,046.39 ms.
# Below the cap (50 rps a pod) the M/M/c p95, above 239.66 ms. With a 10 s SLO only the
# backlog's wait can break it: in "queued" the backlog is 250 k at tick 300 + 5 (k - 1)
# (k = 1..12) and 3000 - 500 j at 355 + 5 j, each waiting backlog / 200 s; 239.66 ms + 5 x
# backlog ms > 10,000 ms from backlog 2,000 on: 2000, 2250, 2500, 2750, 3000 (335-355) and
# 2500, 2000 (360, 365): 7 ticks of 5 s = 35 s. "saturated" has no queue: 3,046.39 ms, none.
PULL_CASES = {
    name: (traffic, dataclasses.replace(spec, workload=dataclasses.replace(
        spec.workload, consumer="pull", slo_p95_latency_ms=10_000), name=f"{name}-pull"), minutes)
    for name, (traffic, spec, _), minutes in (
        ("saturated", SATURATED_CASES["saturated"], 0.0),
        ("queued", SATURATED_CASES["queued"], 35 / 60))
}


@pytest.mark.parametrize("case", sorted(PULL_CASES))
def test_a_pull_consumers_saturated_tick_is_judged_on_its_latency(case: str) -> None:
    traffic, spec, minutes = PULL_CASES[case]
    t = simulate(traffic, spec).timeline
    push = simulate(traffic, dataclasses.replace(spec, workload=dataclasses.replace(
        spec.workload, consumer="push"))).timeline
    at_cap = push["latency_saturated"].to_numpy()
    assert at_cap.sum() * 5 / 60 == SATURATED_CASES[case][2]  # the premise: the same ticks
    assert not t["latency_saturated"].any()
    wait_ms = 1000 * t["backlog_requests"].to_numpy()[at_cap] / 200
    mmc_ms = 1000 * math.log(20 * 0.9678036 * 12.5 / 11.5)  # 3,046.39 ms, above
    np.testing.assert_allclose(t["p95_latency_ms"].to_numpy()[at_cap],
                               np.maximum(mmc_ms, 1000 * math.log(20) / 12.5 + wait_ms),
                               rtol=1e-7)
    assert (t["p95_latency_ms"].to_numpy()[~at_cap] > 1000 * math.log(20) / 12.5).all()
    result = simulate(traffic, spec)
    assert result.summary.slo_violation_minutes == pytest.approx(minutes, abs=1e-12)
    for engine in ("sweep", "scalar"):  # the same variant through simulate_many
        row = simulate_many(traffic, [spec], engine=engine).iloc[0]
        assert row["slo_violation_minutes"] == result.summary.slo_violation_minutes, engine
        assert row["max_p95_latency_ms"] == result.summary.max_p95_latency_ms, engine


def test_a_resource_without_a_usage_model_is_refused() -> None:
    storage = MetricSpec(type="Resource", resource=ResourceMetricSource(
        name="ephemeral-storage", target=MetricTarget(type="Utilization", average_utilization=70)))
    spec = dataclasses.replace(SPEC, hpa=HPASpec(max_replicas=5, metrics=(storage,), name="web"))
    with pytest.raises(SimulationError, match=r"HPA 'web' spec.metrics\[0\] \(Resource "
                       r"ephemeral-storage\) cannot be simulated; supported: Resource cpu and "
                       r"memory"):
        simulate(TRAFFIC, spec)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: NodeGroup("tiny", "t3.nano", 0.5, 0.5, 4), SimulationError,
         r"does not fit on node group 'tiny' \(t3.nano: 400m, -88 MiB and 2 pod\(s\) free"),
        (lambda: NodeGroup("g", "m5.large", 2, 8, 29, min_size=3, max_size=2), SpecError,
         r"node group 'g'.max_size \(=2\) must be >= min_size \(=3\)"),
        (lambda: WorkloadSpec(cpu_request_millicores=0, capacity_rps_per_pod=1,
                              cpu_millicores_per_rps=1), SpecError,
         r"workload 'app'.cpu_request_millicores \(=0\) must be a finite number > 0"),
        # 10**9 slots would take 10**9 Erlang-B steps: the latency model would never finish
        (lambda: WorkloadSpec(cpu_request_millicores=100, capacity_rps_per_pod=1,
                              cpu_millicores_per_rps=1, concurrency=10**9), SpecError,
         r"workload 'app'.concurrency \(=1000000000\) must be at most 10,000 requests in "
         r"parallel per pod"),
        # audit8 A8-3: 1e308 x 1e308 = inf millicores overflowed math.ceil in the controller
        # view (a traceback from `simulate`); 10 ms x 25 rps = 250 m is fine, 1e11 x 25 is not
        (lambda: WorkloadSpec(cpu_request_millicores=100, capacity_rps_per_pod=25,
                              cpu_millicores_per_rps=1e11), SpecError,
         r"workload 'app': at capacity_rps_per_pod \(=25\) a pod would use 2.5e\+12 millicores "
         r"of CPU \(baseline_cpu_millicores \+ startup_cpu_millicores \+ "
         r"cpu_millicores_per_rps x capacity_rps_per_pod\), more than 1e\+12; check the units"),
        # 300 + 1e300 x 25 MiB: the milli-byte sample (x 2**20 x 1000) was inf
        (lambda: WorkloadSpec(cpu_request_millicores=100, capacity_rps_per_pod=25,
                              cpu_millicores_per_rps=10, memory_baseline_mib=300,
                              memory_mib_per_rps=1e300), SpecError,
         r"a pod would use 2.5e\+301 MiB of memory \(memory_baseline_mib \+ memory_mib_per_rps "
         r"x capacity_rps_per_pod\), more than 1e\+12"),
        (lambda: ClusterAutoscalerSpec(scan_interval_s=2.5), SpecError,
         r"scan_interval_s \(=2.5\) must be a whole number of seconds >= 1"),
        (lambda: dataclasses.replace(SPEC, node_groups=()), SimulationError,
         r"node_groups is empty; give at least one NodeGroup"),
        # SPEC.md 5.1: minReplicas 0 only with the HPAScaleToZero gate and an Object/External
        # metric; with CPU alone an idle spell would scale to 0 and nothing would wake it
        (lambda: dataclasses.replace(SPEC, hpa=dataclasses.replace(SPEC.hpa, min_replicas=0)),
         SimulationError, r"hpa.min_replicas is 0 with no Object or External metric"),
    ],
)
def test_bad_specs(make, error, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=match):
        spec = make()
        if isinstance(spec, NodeGroup):
            simulate(TRAFFIC, dataclasses.replace(SPEC, node_groups=(spec,)))


def test_node_scale_down_after_unneeded_time_evicts_and_restarts() -> None:
    # 6 warm pods on 2 nodes (3 slots each), 100 rps: each pod 16.7 rps = 167m -> 16 %, ratio
    # 0.32 -> proposal ceil(0.32*6) = 2, held at 6 by the legacy 300 s window over the size
    # recorded at the first sync (15 s; age <= 300 counts) until the sync at 330: 6 -> 2.
    # Cluster autoscaler: before 330 utilization is 6 x 1000/3900 / 2 = 77 % (needed); the scan
    # at 330 runs before that sync, so the scan at 340 finds 2 x 1000/3900 / 2 = 26 % < 50 % and
    # the 2 pods fit on the other node: unneeded since 340; removed at the first scan >= 940.
    # Spread evenly, the removed node holds 2 // 2 = 1 pod: evicted at 940, re-created and
    # placed at once, Running at 950, Ready at 975.
    spec = dataclasses.replace(SPEC, initial_replicas=6)
    result = simulate(step_curve(100, 100, at_s=0, duration_s=1200, step_s=60), spec)
    hpa = result.events[result.events["kind"] == "hpa_scale"]
    assert list(zip(hpa["time_s"], hpa["from"], hpa["to"])) == [(330, 6, 2)]
    down = result.events[result.events["kind"] == "node_scale_down:ng"]
    assert list(zip(down["time_s"], down["from"], down["to"])) == [(940, 2, 1)]
    assert down["reason"].iloc[0].endswith("1 pod(s) evicted")
    ready = result.timeline.set_index("time_s")["ready_pods"]
    assert (ready[935.0], ready[940.0], ready[970.0], ready[975.0]) == (2, 1, 1, 2)
    # nodes 2 until 940 then 1: 2*940 + 1*260 = 2140 node-seconds; pods 6*330 + 2*870 = 3720
    assert result.summary.node_hours_by_instance_type["m5.xlarge"] == pytest.approx(2140 / 3600)
    assert result.summary.pod_hours == pytest.approx(3720 / 3600)
    assert result.summary.node_scale_downs == 1


def test_sixty_second_metric_resolution_delays_the_first_scale_up() -> None:
    # metrics-server at 60 s: scrapes at 5, 65, ..., 305, 365, each the mean of the 60 s before.
    # Scrape 305 covers [245,305): 11 ticks at 50 rps and one (300) at 100 rps per pod ->
    # 54.17 rps -> 542m -> int(2*542*100/2000) = 54 %, ratio 1.08: within tolerance, no scale.
    # Scrape 365 covers [305,365) at 100 rps -> 100 %, ratio 2.0 -> ceil(2*2) = 4 = legacy cap
    # max(2*2, 4): written at the first sync after it, 375 (15 s resolution scaled at 315).
    spec = dataclasses.replace(SPEC, metrics=MetricsPipelineSpec(resolution_s=60))
    syncs = simulate(TRAFFIC, spec).syncs
    changed = syncs[syncs["written"] != syncs["current"]]
    assert (changed["time_s"].iloc[0], changed["current"].iloc[0],
            changed["written"].iloc[0]) == (375.0, 2, 4)
    # until a full 60 s window exists (scrape 65), the syncs at 15..60 have no metrics
    assert syncs[syncs["time_s"] < 65]["proposal"].isna().all()
    assert syncs[syncs["time_s"] >= 75]["proposal"].notna().all()


def test_each_sync_starts_a_sync_period_after_the_previous_one_finished() -> None:
    # SPEC.md §3 timing: the HPA key is re-queued sync_period_s (15 s) after its sync *finished*.
    # A sync that lasts 5 s: the first starts at 15 and ends at 20, the next starts at 20 + 15 =
    # 35, then 55, ...: 15 + 20k for k = 0..29 within the 600 s run (15 + 20*29 = 595).
    syncs = simulate(TRAFFIC, dataclasses.replace(SPEC, sync_duration_s=5)).syncs
    assert list(syncs["time_s"]) == [15.0 + 20 * k for k in range(30)]


def test_load_above_capacity_queues_up_to_the_timeout_then_drops() -> None:
    # The hand-worked run with queue_timeout_s=10: the queue may hold what the Ready pods serve
    # in 10 s (ready x 100 rps x 10 s); per 5 s tick 2000 requests arrive.
    # 2 ready (1000 served/tick, queue <= 2000): 300 backlog 1000; 305 backlog 2000; 310..345
    #   (8 ticks) 1000 over the limit each -> 8000 dropped, backlog stays 2000.
    # 3 ready from 350 (1500/tick, queue <= 3000): 350 backlog 2500; 355 3000; 360..430
    #   (15 ticks) 500 dropped each -> 7500.
    # 6 ready from 435 (3000/tick): 435 serves 3000 (600 rps), backlog 2000; 440 -> 1000;
    #   445 -> 0. Dropped 8000 + 7500 = 15500 (18500 without a queue: the 3000 queued are served)
    spec = dataclasses.replace(SPEC, workload=dataclasses.replace(WORKLOAD, queue_timeout_s=10))
    result = simulate(TRAFFIC, spec)
    t = result.timeline.set_index("time_s")
    assert list(t.loc[300.0:360.0, "backlog_requests"]) == [1000, 2000, 2000, 2000, 2000, 2000,
                                                              2000, 2000, 2000, 2000, 2500, 3000,
                                                              3000]
    assert list(t.loc[430.0:450.0, "served_rps"]) == [300, 600, 600, 600, 400]
    s = result.summary
    assert (s.dropped_requests, s.served_requests) == (15_500, 150_000 - 15_500)
    # The queue drains at 100 rps per pod through 440 and 445, so scrape 455 ([440, 455)) sees
    # (100 + 100 + 66.7) / 3 = 88.9 rps per pod -> 888m -> int(6*888*100/6000) = 88 %, ratio
    # 1.76 -> ceil(1.76 * 6) = 11, capped by maxReplicas 10 (legacy cap max(12, 4)): 10 at 465.
    written = dict(zip(result.syncs["time_s"].astype(int), result.syncs["written"]))
    assert (written[450], written[465]) == (6, 10)


def test_a_sample_window_longer_than_the_resolution() -> None:
    # Scrapes every 15 s (5, 20, 35, ...), each the mean of the 30 s before it.
    # A full window first exists at scrape 35 ([5, 35)): the syncs at 15 and 30 have no metrics.
    # 315: scrape 305, [275, 305) = 5 ticks at 50 rps + tick 300 at 100 -> 58.3 rps -> 583m;
    #      int(2*583*100/2000) = 58 %, ratio 1.16 -> ceil(2.32) = 3 (as with a 15 s window).
    # 330: scrape 320, [290, 320) = 2 ticks at 50 + 4 at 100 -> 83.3 rps -> 833m on pods 1, 2;
    #      pod 3 (Running 325) has no sample yet: missing, 0 on a scale-up:
    #      int(1666*100/3000) = 55 % -> 1.1, within the inclusive 10 %: keep 3 (15 s window: 4).
    # 345: scrape 335, [305, 335) all at 100 rps -> 1000m; pod 3's first sample needs 325 + 30
    #      <= scrape: still missing: int(2000*100/3000) = 66 % -> 1.32 -> ceil(3.96) = 4.
    spec = dataclasses.replace(SPEC, metrics=MetricsPipelineSpec(resolution_s=15, window_s=30))
    syncs = simulate(TRAFFIC, spec).syncs.set_index("time_s")
    assert syncs.loc[[15.0, 30.0], "proposal"].isna().all()
    assert syncs.loc[45.0, "proposal"] == 2
    assert list(syncs.loc[[315.0, 330.0, 345.0], "written"]) == [3, 3, 4]


@pytest.mark.parametrize(("flap_window_s", "flaps"), [(300.0, 1), (45.0, 1), (44.0, 0)])
def test_a_reversal_within_the_flap_window_is_a_flap(flap_window_s: float, flaps: int) -> None:
    # 6 warm pods at 100 rps, the controller's scale-down window at 0 s. Sync 30 (scrape 20:
    # 16.7 rps -> 167m -> 16 %, ratio 0.32) -> ceil(0.32 * 6) = 2: down 6 -> 2. Load steps to
    # 400 rps at 60. Sync 75 (scrape 65, [50, 65): 50, 50 and 100 rps per pod -> 667m -> 66 %,
    # 1.32) -> ceil(2.64) = 3: up 2 -> 3, 45 s after the down: a flap iff 45 <= flap_window_s.
    # The ups after it keep the direction: no more flaps.
    spec = dataclasses.replace(SPEC, initial_replicas=6, flap_window_s=flap_window_s,
                               controller=ControllerConfig(downscale_stabilization_s=0))
    result = simulate(step_curve(100, 400, at_s=60, duration_s=600, step_s=60), spec)
    ev = result.events[result.events["kind"] == "hpa_scale"]
    assert list(zip(ev["time_s"], ev["from"], ev["to"]))[:2] == [(30, 6, 2), (75, 2, 3)]
    assert result.summary.flaps == flaps


ONE_NODE = dataclasses.replace(SPEC, node_groups=(
    NodeGroup("ng", "m5.xlarge", vcpu=4, memory_gib=16, max_pods=58, min_size=1, max_size=1),))
SPIKE = TrafficCurve(np.array([100.0] * 5 + [400.0] * 2 + [100.0] * 3), 60.0)


@pytest.mark.parametrize(("spec", "traffic", "expected"), [
    # The group cannot grow (max_size 1 = 3 slots): the syncs are the hand-worked run's up to
    # 375 (3 -> 4 at 330, 4 -> 6 at 375), pods 4-6 stay Pending to the end, the scan at 340
    # logs node_scale_up_failed. Under capacity 300 -> 600 (end): lag 300 -> scrape 305 = 5,
    # sync 305 -> 315 = 10; the spec first covers ceil(400/100) = 4 pods at the 330 write:
    # hold 315 -> 330 = 15; never 4 pods on a node: 330 -> 600 = 270 s waiting for nodes, all of
    # it with the one group's 1 Ready node at its max_size 1 (no node is coming): node
    # provisioning 0, at max nodes 270 (was all 285 s after the sync counted as a controller
    # hold, then all 270 as node provisioning).
    (ONE_NODE, TRAFFIC,
     TimeToCapacity(300.0, 600.0, 300.0, 5.0, 10.0, 15.0, 0.0, 0.0, 270.0, 0.0, "end")),
    # 400 rps from 300 to 420 only: the hand-worked run until 420, when 100 rps <= 3 Ready x 100
    # ends the episode before pods 4-6 (scheduled 400, Ready 435) close it. Spec 4 from the 330
    # write: hold 15; 4 pods on nodes from 400 (node 2 Ready): provisioning 330 -> 400 = 70;
    # start-up 400 -> 420 = 20 (was a 105 s hold). Spec <= 6 < 10, 1 node < 5: no limit.
    (SPEC, SPIKE,
     TimeToCapacity(300.0, 420.0, 120.0, 5.0, 10.0, 15.0, 0.0, 70.0, 0.0, 20.0, "load")),
])
def test_time_to_capacity_not_closed_by_pods_is_split_by_what_it_waited_for(
        spec: SimulationSpec, traffic: TrafficCurve, expected: TimeToCapacity) -> None:
    result = simulate(traffic, spec)
    assert result.summary.time_to_capacity == (expected,)


MAX_3 = dataclasses.replace(SPEC, hpa=HPASpec(max_replicas=3, min_replicas=1,
                                               metrics=(cpu_utilization_metric(50),)),
                            initial_replicas=1)


@pytest.mark.parametrize(("initial", "rps", "scales", "expected"), [
    # 1 warm pod; 50 rps until 300 s, then 500 rps: 3 pods serve 300, the episode never closes.
    # Syncs (as in the hand-worked run):
    # 15-300: no metrics, then 1 pod at 50 rps = 500m = 50 %: ratio 1.0 -> 1
    # 315 : scrape 305, [290,305) = 50, 50, 100 rps -> 666.7m -> 667m: int(667*100/1000) = 66 %,
    #       1.32 -> ceil(1.32) = 2. Pod 2 on the node's 2nd slot: Running 325, Ready 350.
    # 330, 345: pod 1 at 100 %, pod 2 without a sample (needs 325 + 15 <= scrape) = missing, 0:
    #       1000*100/2000 = 50 % -> 1.0, within tolerance -> 2
    # 360 : pod 2 Ready 350 but its sample (scrape 350) is before Ready + window (365): unready,
    #       0 -> 50 % -> 2
    # 375 : scrape 365: both ready at 100 rps -> 100 %, 2.0 -> ceil(4) = 4, capped at
    #       maxReplicas 3 (legacy cap max(4, 4) = 4): 3, kept to the end (3 pods at 100 %).
    # Episode 300 -> 600 (end): lag 300 -> scrape 305 = 5; sync wait 305 -> 315 = 10; the spec
    # never covers ceil(500/100) = 5 pods, so the rest, 315 -> 600 = 285 s, waits for the write:
    # a controller hold while the spec is below 3 (315 -> 375 = 60), then at maxReplicas with 3
    # short of 5 (375 -> 600 = 225). 5 + 10 + 60 + 225 = 300.
    (1, [50.0] * 60 + [500.0] * 60, [(315, 1, 2), (375, 2, 3)],
     (TimeToCapacity(300.0, 600.0, 300.0, 5.0, 10.0, 60.0, 225.0, 0.0, 0.0, 0.0, "end"),)),
    # 3 warm pods at 250 rps: 83.3 rps each -> 833m -> 83 %, ratio 1.66 -> 5, capped at 3: no
    # scale event. 500 rps from 300 s: the same episode, with the spec at maxReplicas 3 and
    # short of 5 pods from its first second, so the lag 300 -> 305 and the sync wait 305 -> 315
    # are at maxReplicas too (no faster metric or sync would add a pod): all 300 s.
    (3, [250.0] * 60 + [500.0] * 60, [],
     (TimeToCapacity(300.0, 600.0, 300.0, 0.0, 0.0, 0.0, 300.0, 0.0, 0.0, 0.0, "end"),)),
    # 1 warm pod; 50 rps, 200 from 300 s, 250 from 390 s. The syncs are the first case's (at 300
    # the one pod serves 100 rps either way; from 350 the 2 pods serve 100 rps each): 2 at 315,
    # 3 at 375 (pod 3 Running 385, Ready 410).
    # Episode 1, 300 -> 350 (pod 2 Ready: 2 x 100 >= 200): lag 5, sync wait 10, pod 2 written at
    # 315 (hold 0) and placed at once, start-up 315 -> 350 = 35.
    # Episode 2, 390 -> 410 (pod 3 Ready: 3 x 100 >= 250): pod 3 was written and placed at
    # 375, before the episode began, so it waited for no scrape (395) or sync (405): the whole
    # 390 -> 410 = 20 s is its start-up (Running 385, Ready 410). It read lag 5 + sync wait 10 +
    # start-up 5, crediting a faster metric or sync with 15 s neither could save. The spec is
    # at maxReplicas 3 all along, but 3 pods cover ceil(250/100) = 3: not at a limit.
    (1, [50.0] * 60 + [200.0] * 18 + [250.0] * 42, [(315, 1, 2), (375, 2, 3)],
     (TimeToCapacity(300.0, 350.0, 50.0, 5.0, 10.0, 0.0, 0.0, 0.0, 0.0, 35.0, "pods"),
      TimeToCapacity(390.0, 410.0, 20.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 20.0, "pods"))),
])
def test_seconds_at_max_replicas_short_of_the_load_are_not_lag_wait_or_hold(
        initial: int, rps: list[float], scales: list[tuple[int, int, int]],
        expected: tuple[TimeToCapacity, ...]) -> None:
    spec = dataclasses.replace(MAX_3, initial_replicas=initial)
    result = simulate(TrafficCurve(np.array(rps), 5.0), spec)
    ev = result.events[result.events["kind"] == "hpa_scale"]
    assert list(zip(ev["time_s"], ev["from"], ev["to"])) == scales
    assert result.summary.time_to_capacity == expected


def test_seconds_with_every_node_group_at_max_size_are_not_node_provisioning() -> None:
    # HPA min 2, max 10 at 20 % CPU, scale-up 900 % per 15 s; node group max_size 2 (3 pods a
    # node). 2 pods at 20 rps each (200m = 20 %: ratio 1.0) until 305 s, then 700 rps.
    # 315 : scrape 305, [290,305) all at 20 rps -> 2
    # 330 : scrape 320, [305,320): 2 pods at 100 rps -> 100 %, ratio 5 -> ceil(10) = 10 =
    #       maxReplicas (policy 2 x (1 + 900 %) = 20). Pod 3 takes node 1's last slot (Ready
    #       365); 7 Pending. Then kept at 10: ready pods stay at 100 %.
    # 340 : scan: room for 1 node (max_size 2), Ready 400; 4 pods fit nowhere:
    #       node_scale_up_failed. 400: pods 4-6 on node 2 (Ready 435); pods 7-10 Pending to the
    #       end. Ready capacity 600 < 700 from 435: the episode never closes.
    # Episode 305 -> 600 (end): lag 305 -> scrape 320 = 15; sync wait 320 -> 330 = 10; the 330
    # write covers ceil(700/100) = 7 pods: hold 0, and the spec at maxReplicas covers the load,
    # so nothing at maxReplicas either. 7 pods are never on nodes: 330 -> 600 = 270 s waiting for
    # nodes, node provisioning until node 2 is Ready (330 -> 400 = 70), then the group at its
    # max_size 2 (400 -> 600 = 200). 15 + 10 + 70 + 200 = 295.
    hpa = HPASpec(max_replicas=10, min_replicas=2, metrics=(cpu_utilization_metric(20),),
                  behavior=HPABehavior(scale_up=HPAScalingRules(
                      policies=(HPAScalingPolicy("Percent", 900, 15),))))
    spec = dataclasses.replace(SPEC, hpa=hpa, node_groups=(dataclasses.replace(
        SPEC.node_groups[0], max_size=2),))
    result = simulate(TrafficCurve(np.array([40.0] * 61 + [700.0] * 59), 5.0), spec)
    ev = result.events
    assert list(zip(ev["time_s"], ev["kind"], ev["from"], ev["to"])) == [
        (330, "hpa_scale", 2, 10), (340, "node_scale_up:ng", 1, 2),
        (340, "node_scale_up_failed", 0, 0)]
    assert result.summary.time_to_capacity == (
        TimeToCapacity(305.0, 600.0, 295.0, 15.0, 10.0, 0.0, 0.0, 70.0, 200.0, 0.0, "end"),)


def test_pods_that_fit_no_node_stay_pending_and_the_failed_scale_up_is_logged() -> None:
    result = simulate(TRAFFIC, ONE_NODE)
    ev = result.events
    assert list(zip(ev["time_s"], ev["kind"], ev["to"])) == [
        (315, "hpa_scale", 3), (330, "hpa_scale", 4), (340, "node_scale_up_failed", 0),
        (375, "hpa_scale", 6)]
    t = result.timeline.set_index("time_s")
    # 6 pods from 375: 3 Ready on the one node, 3 Pending to the end; 3 x 100 rps served
    assert (t.loc[595.0, "ready_pods"], t.loc[595.0, "pending_pods"], t.loc[595.0, "nodes"],
            t.loc[595.0, "served_rps"]) == (3, 3, 1, 300.0)


def test_traffic_that_is_not_a_whole_number_of_ticks_is_refused() -> None:
    # 63 one-second bins on 5 s ticks: 12.6 ticks; the last 3 s (300 of 6300 requests) used to
    # be dropped without a word, in simulate and in simulate_many alike
    curve = TrafficCurve(np.full(63, 100.0), 1.0, name="t")
    match = (r"simulation tick_s 5 does not divide the 63 s of traffic curve 't' \(12\.60 "
             r"steps\); cut or extend the traffic to a multiple of 5 s")
    with pytest.raises(TrafficError, match=match):
        simulate(curve, SPEC)
    with pytest.raises(TrafficError, match=match):
        simulate_many(curve, [SPEC] * 12, engine="sweep")


QUEUE_HPA = HPASpec(max_replicas=10, min_replicas=2, metrics=(MetricSpec(
    "External", external=ExternalMetricSource(MetricIdentifier("queue_messages"),
                                              MetricTarget("AverageValue",
                                                           average_value_milli=500_000))),))


@pytest.mark.parametrize(("queue_depth", "written_at"), [
    # Read as the messages queued (author18): 300 rps offered to 2 Ready pods serving 100 rps
    # each, so each 5 s tick adds 1500 - 1000 = 500 queued requests: the backlog at the end of
    # tick i ([5i, 5i + 5) s) is 500 (i + 1) (the 600 s timeout holds 2 x 100 x 600 = 120,000).
    # 15: scrape 5 has no full window -> stays 2
    # 30: scrape 20, window ticks 1-3: (1000 + 1500 + 2000) / 3 = 1500 messages;
    #     ceil(1500 / 500) = 3 (ratio 1500 / (500 x 2) = 1.5, out of tolerance); cap max(4, 4)
    # 45: scrape 35, ticks 4-6: (2500 + 3000 + 3500) / 3 = 3000 (pod 3, scheduled at 30, is
    #     Ready only at 65); ceil(3000 / 500) = 6; cap max(2 x 3, 4) = 6
    (("queue_messages",), {15: 2, 30: 3, 45: 6}),
    # Read as the offered rate, as every External metric without the name: 300 / (500 x 2) =
    # 0.3 -> ceil(300 / 500) = 1, held at minReplicas 2 while the queue grows
    ((), {15: 2, 30: 2, 45: 2}),
])
def test_a_queue_depth_metric_reads_the_requests_queued(
        queue_depth: tuple[str, ...], written_at: dict[int, int]) -> None:
    spec = dataclasses.replace(SPEC, hpa=QUEUE_HPA, workload=dataclasses.replace(
        WORKLOAD, queue_timeout_s=600, queue_depth_metrics=queue_depth))
    result = simulate(TrafficCurve(np.full(12, 300.0), 5.0), spec)
    t = result.timeline.set_index("time_s")
    assert list(t.loc[0.0:30.0, "backlog_requests"]) == [500 * (i + 1) for i in range(7)]
    written = dict(zip(result.syncs["time_s"].astype(int), result.syncs["written"]))
    assert {s: written[s] for s in written_at} == written_at


def test_a_queue_depth_metric_the_hpa_lacks_or_without_a_queue_is_refused() -> None:
    with pytest.raises(SimulationError, match=r"queue_depth_metrics names sqs_visible, no "
                       r"Object or External metric of the HPA \(it has queue_messages\)"):
        dataclasses.replace(SPEC, hpa=QUEUE_HPA, workload=dataclasses.replace(
            WORKLOAD, queue_timeout_s=600, queue_depth_metrics=("sqs_visible",)))
    with pytest.raises(SpecError, match=r"queue_depth_metrics \(queue_messages\) read the "
                       r"requests waiting in the queue, but queue_timeout_s is 0"):
        dataclasses.replace(WORKLOAD, queue_depth_metrics=("queue_messages",))
