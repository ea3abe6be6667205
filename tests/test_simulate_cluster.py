"""Several workloads on one cluster (simulate_cluster): node counts worked out by hand, the joint
loop against the one-workload run of tests/test_simulate.py, and invariants on a real trace.

The hand case. Node group ``shared``: 2 vCPU, 8 GiB, 20 max pods, reserved 100m / 600 MiB and 2
daemonset pods -> allocatable 1900m, 7592 MiB, 18 pods; min_size 1, max_size 5; a new node is
Ready 60 s after the scan that asks for it; scans at 10, 20, ... s; HPA syncs at 15, 30, ... s;
5 s ticks. Workload ``a``: 600m pods, HPA min = max = 2 (2 pods all along). Workload ``b``: 500m
pods, HPA min = max = 4, starting with 1 pod (the controller raises it to 4 at its first sync,
whatever the metrics say: below minReplicas). Both get 50 req/s for 600 s (100 req/s per pod).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infra_toolkit.cost_sim import request_shares
from infra_toolkit.errors import SimulationError
from infra_toolkit.hpa import HPASpec, cpu_utilization_metric
from infra_toolkit.nodes import ClusterAutoscalerSpec, NodeGroup
from infra_toolkit.shared_cluster import run_shared_cluster
from infra_toolkit.simulate import (
    FixedPods,
    SimulationSpec,
    TimeToCapacity,
    simulate,
    simulate_cluster,
)
from infra_toolkit.simulation_summary import summarize
from infra_toolkit.simulation_timeline import timeline
from infra_toolkit.traffic import constant_curve, read_traffic_csv, resample_curve, slice_curve
from infra_toolkit.workload import WorkloadSpec
from tests.test_simulate import EXPECTED_WRITTEN, ONE_NODE, SPEC, TRAFFIC

SHARED = NodeGroup("shared", "m5.large", vcpu=2, memory_gib=8, max_pods=20, min_size=1,
                   max_size=5)
CA = ClusterAutoscalerSpec(provisioning_delay_s=60)
CURVE = constant_curve(50, duration_s=600, step_s=60)


def _spec(name: str, cpu_m: int, replicas: int, initial: int,
          groups: tuple[NodeGroup, ...] = (SHARED,)) -> SimulationSpec:
    return SimulationSpec(
        HPASpec(max_replicas=replicas, min_replicas=replicas,
                metrics=(cpu_utilization_metric(70),)),
        WorkloadSpec(cpu_request_millicores=cpu_m, memory_request_mib=512,
                     capacity_rps_per_pod=100, cpu_millicores_per_rps=2, name=name),
        groups, CA, initial_replicas=initial, name=name)


A, B = _spec("a", 600, 2, 2), _spec("b", 500, 4, 1)


def test_two_workloads_share_nodes_by_hand() -> None:
    # t = 0: 1 node (min_size); a's 2 pods (1200m) and b's 1 (500m) = 1700m <= 1900m: one node.
    # t = 15: b's HPA 1 -> 4 (below minReplicas); 3 new 500m pods, 200m free: all 3 Pending.
    # t = 20: scan: 3 x 500m = 1500m <= 1900m fit one new node -> 1 node asked, Ready at 80.
    # t = 80: the 3 pods go on node 2 (1500m of 1900m = 79 %, node 1 at 1700m = 89 %: both
    #         above the 50 % scale-down threshold, and within 600 s of the scale-up anyway).
    # Node-seconds billed from launch: node 1 all 600 s + node 2 from its launch at the 20 s
    # scan to the end = 600 + 580 = 1180 -> 1180/3600 h (Ready from 80 s: 520 s of it).
    joint = simulate_cluster({"a": CURVE, "b": CURVE}, {"a": A, "b": B})
    assert joint.node_hours_by_instance_type == {"m5.large": pytest.approx(1180 / 3600)}
    nodes = joint.nodes.set_index("time_s")
    assert (nodes.loc[:75, "nodes_shared"] == 1).all()
    assert (nodes.loc[80:, "nodes_shared"] == 2).all()
    # launching: 0 before the 20 s scan, 1 from 20 s until the node is Ready at 80 s
    assert (nodes.loc[:15, "launching_nodes_shared"] == 0).all()
    assert (nodes.loc[20:75, "launching_nodes_shared"] == 1).all()
    assert (nodes.loc[80:, "launching_nodes_shared"] == 0).all()
    np.testing.assert_array_equal(nodes["launching_nodes"], nodes["launching_nodes_shared"])
    ups = joint.events[joint.events["kind"] == "node_scale_up:shared"]
    assert ups[["time_s", "from", "to"]].values.tolist() == [[20.0, 1, 2]]
    b = joint.simulations["b"].timeline.set_index("time_s")
    # b: 1 pod, then 4 from 15 s, 3 of them Pending until node 2 is Ready at 80 s and their
    # image is pulled (the default 10 s): Running at 90 s; the default readiness probe
    # (initial delay 5 s, every 10 s from the bind at 80 s) first passes at its tick at or
    # after 10 + max(5, 20 s app start) = 30 s after the bind: Ready at 110 s
    assert b.loc[15:85, "pending_pods"].eq(3).all() and b.loc[90:, "pending_pods"].eq(0).all()
    assert b.loc[:105, "ready_pods"].eq(1).all() and b.loc[110:, "ready_pods"].eq(4).all()
    assert joint.simulations["a"].timeline["spec_replicas"].eq(2).all()
    # Separately, each workload starts its own min_size node: a alone needs 1 node for 600 s;
    # b alone has 1 + 2 pods on its first node (3 x 500m), the 4th gets a node launched at the
    # 20 s scan (Ready at 80 s): 600 + 580 s. Their sum, 600 + 1180 = 1780 node-seconds, counts
    # a's node twice.
    alone = sum(simulate(CURVE, s).summary.node_hours_by_instance_type["m5.large"]
                for s in (A, B))
    assert alone == pytest.approx(1780 / 3600)
    assert joint.node_hours_by_instance_type["m5.large"] < alone


def test_fixed_pods_take_room_on_the_shared_nodes() -> None:
    # A Deployment without HPA, 2 pods of 400m. t = 0: node 1 holds a's 1200m + b's 500m, 200m
    # free: no 400m pod fits, so the start needs a 2nd node, which takes both (800m).
    # t = 15: b's 3 new 500m pods: node 1 has 200m free (none), node 2 1100m (2 pods); 1 Pending.
    # t = 20: scan: 1 node launched, Ready at 80; the last pod goes there.
    # Node-seconds billed from launch: 600 + 600 + (600 - 20) = 1780 (without the fixed pods:
    # 1180, first test).
    cron = FixedPods("cron", 2, 400, 256, (SHARED,))
    joint = simulate_cluster({"a": CURVE, "b": CURVE}, {"a": A, "b": B}, fixed=[cron])
    assert joint.node_hours_by_instance_type == {"m5.large": pytest.approx(1780 / 3600)}
    ups = joint.events[joint.events["kind"] == "node_scale_up:shared"]
    assert ups[["time_s", "from", "to"]].values.tolist() == [[20.0, 2, 3]]
    # pods per 5 s tick on the group, per owner: b has 1, then 3 placed from 15 s, 4 from 80 s
    assert joint.placed["cron"]["shared"].tolist() == [2] * 120
    assert joint.placed["a"]["shared"].tolist() == [2] * 120
    assert joint.placed["b"]["shared"].tolist() == [1] * 3 + [3] * 13 + [4] * 104


def test_unneeded_node_is_removed_and_its_pods_move() -> None:
    # a: 2 pods of 600m from the start; b: 3 pods of 500m -> 1200 + 1500 > 1900m, so node 1
    # holds a's 2 pods + one b pod (1700m) and node 2 the other two b pods (1000m = 53 %: needed).
    # Then b's HPA (min = max = 1) deletes 2 of its pods at 15 s; the newest go first, those on
    # node 2 (placed after node 1's). Node 2 is empty (0 % < 50 %) and its pods (none) fit
    # elsewhere: unneeded from the scan at 20 s; with no scale-up in this run, it goes after
    # 30 s unneeded, at the scan of 50 s. Node-seconds: 600 + 50 = 650.
    quick = dataclasses.replace(CA, scale_down_unneeded_s=30, scale_down_delay_after_add_s=0)
    a = dataclasses.replace(A, autoscaler=quick)
    b = dataclasses.replace(_spec("b", 500, 1, 3), autoscaler=quick)
    joint = simulate_cluster({"a": CURVE, "b": CURVE}, {"a": a, "b": b})
    downs = joint.events[joint.events["kind"] == "node_scale_down:shared"]
    assert downs[["time_s", "from", "to"]].values.tolist() == [[50.0, 2, 1]]
    assert joint.node_hours_by_instance_type == {"m5.large": pytest.approx(650 / 3600)}
    assert joint.simulations["b"].timeline["spec_replicas"].iloc[-1] == 1


def test_one_workload_through_the_joint_loop_follows_the_hand_run() -> None:
    # tests/test_simulate.py worked the syncs of this run out by hand: the joint loop, given one
    # workload, must write the same replicas and provision the same nodes.
    tick = SPEC.tick_s
    rps = np.asarray(resample_curve(TRAFFIC, float(tick)).rps)
    run = run_shared_cluster([rps], tick, [SPEC], [])
    out = run.outputs[0]
    assert {int(t): w for t, _, _, w, _ in out.syncs} == EXPECTED_WRITTEN
    _, arrays = timeline(out, SPEC, frame=False)
    assert summarize(out, SPEC, arrays) == simulate(TRAFFIC, SPEC).summary


def test_shared_nodes_count_only_the_groups_a_pod_may_use_at_max_size() -> None:
    # tests/test_simulate.py's ONE_NODE run (group "ng" of 1 node, max_size 1, 3 slots of
    # 1000m) in the joint loop, next to a fixed Deployment that may also use group "spare"
    # (min 0, max 5 nodes). Its one pod requests nothing (it takes a pod slot of ng's 56, no CPU
    # or memory: the web pods' room is as alone), and as no pod of it is Pending, "spare" never
    # gets a node. The web syncs are the hand-worked ones (3 at 315, 4 at 330, 6 at 375); pods
    # 4-6 Pending to the end. The episode, 300 -> 600: lag 5, sync wait 10, hold 315 -> 330 = 15,
    # then 270 s waiting for nodes with ng, the only group its pods may use, at max_size: at max
    # nodes 270 ("spare", at 0 of 5 nodes, cannot host a web pod and does not count).
    web = dataclasses.replace(ONE_NODE, name="web")
    spare = NodeGroup("spare", "m5.large", vcpu=2, memory_gib=8, max_pods=20, min_size=0,
                      max_size=5)
    batch = FixedPods("batch", 1, 0, 0, (ONE_NODE.node_groups[0], spare))
    joint = simulate_cluster({"web": TRAFFIC}, {"web": web}, fixed=[batch])
    result = joint.simulations["web"]
    ev = result.events[result.events["kind"] == "hpa_scale"]
    assert list(zip(ev["time_s"], ev["to"])) == [(315, 3), (330, 4), (375, 6)]
    assert joint.nodes["nodes_spare"].eq(0).all()
    assert result.summary.time_to_capacity == (
        TimeToCapacity(300.0, 600.0, 300.0, 5.0, 10.0, 15.0, 0.0, 0.0, 270.0, 0.0, "end"),)


def test_disjoint_workloads_run_as_alone() -> None:
    # b on its own group shares nothing with a: each is its own cluster, bit for bit
    other = dataclasses.replace(SHARED, name="other")
    b = _spec("b", 500, 4, 1, (other,))
    joint = simulate_cluster({"a": CURVE, "b": CURVE}, {"a": A, "b": b})
    for name, spec in (("a", A), ("b", b)):
        alone = simulate(CURVE, spec)
        pd.testing.assert_frame_equal(joint.simulations[name].timeline, alone.timeline)
        assert joint.simulations[name].summary == alone.summary
    # 1 node each for 600 s, then b's 4th pod on a second "other" node, launched at the 20 s
    # scan (Ready at 80 s) and billed from then: 2 x 600 + (600 - 20) = 1780 node-seconds
    assert joint.node_hours_by_instance_type == {"m5.large": pytest.approx((1200 + 580) / 3600)}


@pytest.mark.parametrize(("change", "match"), [
    ({"curves": {"a": CURVE}}, r"one traffic curve per workload; workloads \['a', 'b'\]"),
    ({"b": dataclasses.replace(B, autoscaler=ClusterAutoscalerSpec())},
     "different tick grids .* or cluster autoscalers"),
    ({"b": dataclasses.replace(B, node_groups=(dataclasses.replace(SHARED, max_size=9),))},
     "node group 'shared' is given twice with different settings"),
    ({"curves": {"a": CURVE, "b": constant_curve(50, duration_s=300, step_s=60)}},
     "different durations"),
])
def test_bad_inputs_are_named(change: dict, match: str) -> None:  # type: ignore[type-arg]
    curves = change.get("curves", {"a": CURVE, "b": CURVE})
    with pytest.raises(SimulationError, match=match):
        simulate_cluster(curves, {"a": A, "b": change.get("b", B)})


def test_pods_that_do_not_fit_at_the_start_are_an_error() -> None:
    # one node at most: a's 2 x 600m fit, then 1 of b's 4 x 500m (700m left); 3 do not
    small = dataclasses.replace(SHARED, max_size=1)
    with pytest.raises(SimulationError, match="initial pods of b do not fit"):
        simulate_cluster({"a": CURVE, "b": CURVE}, {"a": _spec("a", 600, 2, 2, (small,)),
                                                    "b": _spec("b", 500, 4, 4, (small,))})


def test_invariants_on_a_real_trace(shared_dir: Path) -> None:
    # Two HPAs on the NASA launch-day flash crowd (x 50), one of them on two groups, plus a fixed
    # Deployment: replicas stay within [min, max], no node ever holds more than it can, and the
    # joint node-hours are at most the per-workload sum.
    curve = slice_curve(read_traffic_csv(shared_dir / "traces" / "nasa_http_jul1995_1min.csv"),
                        12 * 86400 + 6 * 3600, 3 * 3600)
    curve = dataclasses.replace(curve, rps=curve.rps * 50)
    big = NodeGroup("big", "m5.xlarge", vcpu=4, memory_gib=16, max_pods=58, min_size=0,
                    max_size=4)
    specs = {}
    for name, cpu_m, mem, groups, lo, hi in (("web", 500, 512, (SHARED,), 2, 12),
                                             ("api", 700, 1500, (SHARED, big), 1, 10)):
        specs[name] = SimulationSpec(
            HPASpec(max_replicas=hi, min_replicas=lo, metrics=(cpu_utilization_metric(60),)),
            WorkloadSpec(cpu_request_millicores=cpu_m, memory_request_mib=mem,
                         capacity_rps_per_pod=40, cpu_millicores_per_rps=cpu_m / 50,
                         baseline_cpu_millicores=20, startup_cpu_millicores=200,
                         startup_cpu_s=20, name=name),
            groups, CA, name=name)
    joint = simulate_cluster({n: curve for n in specs}, specs,
                             fixed=[FixedPods("cron", 3, 300, 2048, (SHARED,))])
    for name, spec in specs.items():
        t = joint.simulations[name].timeline
        assert t["spec_replicas"].between(spec.hpa.min_replicas, spec.hpa.max_replicas).all()
        assert (t["pods"] == t["spec_replicas"]).all()
        assert joint.simulations[name].summary.scale_events > 2  # it did scale
        for e in joint.simulations[name].summary.time_to_capacity:  # the parts split the total
            parts = [getattr(e, p) for p in TimeToCapacity.PARTS]
            assert min(parts) >= 0 and sum(parts) == pytest.approx(e.total_s, abs=1e-9)
    peaks = joint.node_peaks
    assert len(peaks) >= 2
    assert (peaks["peak_cpu_millicores"] <= peaks["allocatable_cpu_millicores"] + 1e-6).all()
    assert (peaks["peak_memory_mib"] <= peaks["allocatable_memory_mib"] + 1e-6).all()
    assert (peaks["peak_pods"] <= peaks["allocatable_pods"]).all()
    for g in joint.node_groups:
        n = joint.nodes[f"nodes_{g.name}"]
        assert n.between(g.min_size, g.max_size).all()
    # pods per tick on every group each owner may use; request shares of a group add up to 1
    assert {o: set(g) for o, g in joint.placed.items()} == {
        "web": {"shared"}, "api": {"shared", "big"}, "cron": {"shared"}}
    shares = request_shares(joint.placed, {"web": (500, 512), "api": (700, 1500),
                                           "cron": (300, 2048)}, 0.5)
    for g in ("shared", "big"):
        total = sum(s[g] for s in shares.values() if g in s)
        assert np.allclose(total, 1.0)
    alone = {}
    for spec in specs.values():
        for itype, h in simulate(curve, spec).summary.node_hours_by_instance_type.items():
            alone[itype] = alone.get(itype, 0.0) + h
    assert sum(joint.node_hours_by_instance_type.values()) <= sum(alone.values())


def test_node_hours_of_a_one_tick_run_count_that_tick() -> None:
    # 5 s of traffic = one 5 s tick, no sync yet: SPEC's 2 warm pods on its 1 node for 5 s =
    # 5 / 3600 node-hours (the cluster's figure was 0: it took the tick from two timeline rows)
    run = simulate_cluster({"a": constant_curve(100, duration_s=5, step_s=5)}, {"a": SPEC})
    assert run.node_hours_by_instance_type == {"m5.xlarge": pytest.approx(5 / 3600)}
    assert run.simulations["a"].summary.node_hours_by_instance_type == {
        "m5.xlarge": pytest.approx(5 / 3600)}


def test_a_pull_consumer_on_shared_nodes_is_judged_on_its_latency() -> None:
    # two workloads of 2 pods held at 2 (400m each: 1600m of one node's 1900m), each offered
    # 199 rps: 99.5 a pod of 100, at the cap (0.99) on every tick. "b" is pushed to: saturated,
    # each tick a violation. "a" pulls: one slot at mu = 100 /s, nothing queued (199 < 200): its
    # p95 is M/M/1's at the cap, Exp(100 - 0.99 x 100) = Exp(1 /s), ln 20 s = 2,995.73 ms (the
    # larger of that and the service time ln 20 / 100 s = 29.96 ms), a value judged against its
    # 5 s SLO: no violation, though at the cap
    curve = constant_curve(199, duration_s=600, step_s=60)
    a, b = _spec("a", 400, 2, 2), _spec("b", 400, 2, 2)
    a = dataclasses.replace(a, workload=dataclasses.replace(a.workload, consumer="pull",
                                                            slo_p95_latency_ms=5_000))
    joint = simulate_cluster({"a": curve, "b": curve}, {"a": a, "b": b})
    pulled, pushed = joint.simulations["a"], joint.simulations["b"]
    assert pushed.timeline["latency_saturated"].all()
    assert pushed.summary.slo_violation_minutes == 10.0
    assert not pulled.timeline["latency_saturated"].any()
    np.testing.assert_allclose(pulled.timeline["p95_latency_ms"], 1000 * math.log(20),
                               rtol=1e-9)
    assert pulled.summary.slo_violation_minutes == 0.0
