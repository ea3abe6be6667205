"""Scale-down timers of the cluster autoscaler, worked out by hand (audit16 A16-2): a scan that
removes one node still counts the unneeded time of the other groups' nodes, as
cluster-autoscaler updates every unneeded node before it deletes one.

The run. Pods as in tests/test_simulate.py (1000m CPU request, no CPU at 0 rps). Two groups of
m5.xlarge (3900m allocatable: 3 pods a node): ``a`` (min 1, max 2) first, ``b`` (min 0, max 5).
9 warm pods: ``a``'s min-size node holds 3, the 6 short add ``a``'s 2nd node (its max) and a
node of ``b``: 6 pods on ``a``, 3 on ``b``. No traffic. HPA: CPU 50 %, min 1, max 9, scale-down
without a stabilization window, at most 1 pod per 15 s.

- sync 15: scrape 5 has no full window: no metrics, stays 9. Sync 30: every pod at 0 % ->
  proposal 1, limited to 9 - 1 = 8; each later sync one less (the 15 s old event no longer
  counts): 8 at 30, 7 at 45, 6 at 60, 5 at 75, 4 at 90, 3 at 105, 2 at 120, 1 at 135. The
  ReplicaSet deletes the newest first: ``b``'s 3 pods (30, 45, 60), then ``a``'s.
- scans every 10 s, before a sync at the same instant. ``b`` (1 node, above min 0): needed until
  60 (at 60, 7 pods: one ``b`` node's 3 slots gone would leave 6 < 7). Scan 70: 0 pods on ``b``,
  6 pods in 9 slots - 3 = 6: unneeded since 70; 40 s later it goes, at scan 110.
- ``a`` (2 nodes, above min 1): 3 pods after the 105 write: 3 x 1000 / 3900 / 2 = 38 % < 50 %,
  3 <= 9 - 3: unneeded from scan 110, the scan that removes ``b``'s node; 40 s later: 150 (2
  pods from 120 and 1 from 135 keep it unneeded: 6 - 3 = 3 slots >= the pods). Had the removal
  at 110 stopped the scan before ``a`` (the old loop), ``a`` would count from 120 and go at 160.
- node-seconds over the 300 s run: ``a`` 2 x 150 + 1 x 150 = 450, ``b`` 1 x 110 = 110.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from infra_toolkit.hpa import (
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    HPASpec,
    cpu_utilization_metric,
)
from infra_toolkit.nodes import (
    KARPENTER_COMMAND_S,
    POD_TERMINATION_GRACE_S,
    ClusterAutoscalerSpec,
    NodeGroup,
)
from infra_toolkit.shared_cluster import run_shared_cluster
from infra_toolkit.simulate import SimulationSpec, simulate, simulate_many
from infra_toolkit.traffic import constant_curve
from tests.test_simulate import WORKLOAD

DOWN_ONE_POD = HPABehavior(scale_down=HPAScalingRules(
    stabilization_window_s=0, policies=(HPAScalingPolicy("Pods", 1, 15),)))
SPEC = SimulationSpec(
    HPASpec(max_replicas=9, min_replicas=1, metrics=(cpu_utilization_metric(50),),
            behavior=DOWN_ONE_POD),
    WORKLOAD,
    (NodeGroup("a", "m5.xlarge", vcpu=4, memory_gib=16, max_pods=58, min_size=1, max_size=2),
     NodeGroup("b", "m5.large", vcpu=4, memory_gib=16, max_pods=58, min_size=0, max_size=5)),
    ClusterAutoscalerSpec(scale_down_unneeded_s=40),
    initial_replicas=9, name="timers")
TRAFFIC = constant_curve(0, duration_s=300, step_s=60)
EXPECTED_DOWNS = [(110.0, "node_scale_down:b", 1, 0), (150.0, "node_scale_down:a", 2, 1)]


def test_a_removal_does_not_stop_the_other_groups_timers() -> None:
    result = simulate(TRAFFIC, SPEC)
    writes = result.events[result.events["kind"] == "hpa_scale"]
    assert list(zip(writes["time_s"], writes["to"])) == [
        (30.0, 8), (45.0, 7), (60.0, 6), (75.0, 5), (90.0, 4), (105.0, 3), (120.0, 2),
        (135.0, 1)]
    downs = result.events[result.events["kind"].str.startswith("node_scale_down")]
    assert [tuple(r) for r in downs[["time_s", "kind", "from", "to"]].values.tolist()] == \
        EXPECTED_DOWNS
    assert result.summary.node_hours_by_node_group == {"a": pytest.approx(450 / 3600),
                                                       "b": pytest.approx(110 / 3600)}


@pytest.mark.parametrize("engine", ["sweep", "scalar"])
def test_simulate_many_counts_the_same_timers(engine: str) -> None:
    row = simulate_many(TRAFFIC, [SPEC], engine=engine).iloc[0]
    assert row["node_scale_downs"] == 2
    assert row["node_hours_m5.xlarge"] == pytest.approx(450 / 3600)
    assert row["node_hours_m5.large"] == pytest.approx(110 / 3600)


def test_the_joint_loop_times_each_node() -> None:
    # The joint loop holds every node on its own: a's 1st node has the 3 oldest pods, its 2nd
    # the next 3, deleted at 75, 90, 105. b's node: empty from 70, goes at 110 as above. a's 2nd
    # node at scan 100: 1 pod = 1000 / 3900 = 26 % < 50 %, and it fits b's empty node:
    # unneeded since 100 (at 80 and 90 its 2 pods were 51 %), so it goes at 100 + 40 = 140
    # (its timer counts on through the 110 scan that removed b's node).
    rps = np.zeros(int(300 // SPEC.tick_s))
    out = run_shared_cluster([rps], SPEC.tick_s, [SPEC], []).outputs[0]
    assert [(e[0], e[1], e[2], e[3]) for e in out.events if "down" in e[1]] == [
        (110.0, "node_scale_down:b", 1, 0), (140.0, "node_scale_down:a", 2, 1)]


# ---- Karpenter's timing: each removal validated 15 s after it is chosen, the node billed until
# its pods have terminated 30 s after its last eviction, one node at a time ---------------------
KARPENTER_TIMED = dataclasses.replace(SPEC, autoscaler=dataclasses.replace(
    SPEC.autoscaler, consolidation_validation_s=KARPENTER_COMMAND_S,
    pod_termination_s=POD_TERMINATION_GRACE_S), name="karpenter-timed")
# The run above, scans every 10 s, unneeded time 40 s:
# - b: unneeded since 70, its 40 s up at scan 110: chosen (the first group in reverse order
#   whose time is up; a's has counted only since 110). Validated at the first scan 15 s later:
#   125 -> scan 130, b still unneeded (0 pods, 2 pods in 9 - 3 = 6 slots): its 0 pods evicted,
#   the node cordoned; its pods terminated 30 s later: gone at 130 + 30 = 160 (not 110).
# - a: unneeded since 110 (38 %), counting on through b's wait and termination (1-2 pods on 2
#   nodes, 6 slots less the cordoned b's 3 = 3 for them), its time up at 150 but nothing is
#   chosen while b's node terminates; scan 160 (b gone first): chosen; validated at 175 ->
#   scan 180: 1 // 2 = 0 pods evicted, cordoned; gone at 180 + 30 = 210 (not 150).
# - node-seconds over 300 s: a 2 x 210 + 1 x 90 = 510 (was 450), b 1 x 160 = 160 (was 110).
KARPENTER_DOWNS = [(160.0, "node_scale_down:b", 1, 0), (210.0, "node_scale_down:a", 2, 1)]


def test_karpenters_validation_and_pod_termination_delay_each_removal() -> None:
    assert (KARPENTER_COMMAND_S, POD_TERMINATION_GRACE_S) == (15.0, 30.0)
    result = simulate(TRAFFIC, KARPENTER_TIMED)
    downs = result.events[result.events["kind"].str.startswith("node_scale_down")]
    assert [tuple(r) for r in downs[["time_s", "kind", "from", "to"]].values.tolist()] == \
        KARPENTER_DOWNS
    assert downs["reason"].tolist() == [
        "utilization 0% < 50% for 40 s, validated 20 s later; 0 pod(s) evicted at 130 s; gone "
        "30 s after its last eviction, once its pods had terminated "
        "(terminationGracePeriodSeconds)",
        "utilization 13% < 50% for 40 s, validated 20 s later; 0 pod(s) evicted at 180 s; gone "
        "30 s after its last eviction, once its pods had terminated "
        "(terminationGracePeriodSeconds)"]
    assert result.summary.node_hours_by_node_group == {"a": pytest.approx(510 / 3600),
                                                       "b": pytest.approx(160 / 3600)}
    # billed to the removal: b's node counted Ready, cordoned, from 110 to 155
    nodes_b = result.timeline.set_index("time_s")["nodes_b"]
    assert (nodes_b.loc[110:155] == 1).all() and (nodes_b.loc[160:] == 0).all()


@pytest.mark.parametrize("engine", ["sweep", "scalar"])
def test_simulate_many_times_karpenters_removals_the_same(engine: str) -> None:
    row = simulate_many(TRAFFIC, [SPEC, KARPENTER_TIMED], engine=engine).iloc[1]
    assert row["node_scale_downs"] == 2
    assert row["node_hours_m5.xlarge"] == pytest.approx(510 / 3600)
    assert row["node_hours_m5.large"] == pytest.approx(160 / 3600)


def test_the_joint_loop_times_karpenters_removals_per_node() -> None:
    # per node: b's node empty from 70; a's 2nd node (its pods deleted at 75, 90, 105) empty
    # from 105, unneeded since 100; a's 1st node needed until 135 (2 pods, 51 %, at 120).
    # 110: b's node's time up (a's 2nd node's not: 10 s): chosen; 130 validated, cordoned;
    # 160 gone. a's 2nd node's time up at 140 but b's node terminates: 160 chosen (a's 1st node
    # unneeded only since 140); 180 validated, cordoned; 210 gone: as the one-workload loop.
    rps = np.zeros(int(300 // SPEC.tick_s))
    out = run_shared_cluster([rps], SPEC.tick_s, [KARPENTER_TIMED], []).outputs[0]
    assert [(e[0], e[1], e[2], e[3]) for e in out.events if "down" in e[1]] == KARPENTER_DOWNS
