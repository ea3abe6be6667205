"""Cluster-autoscaler scale-up asks one node group a scan (audit16 A16-3), worked out by hand.

cluster-autoscaler's ScaleUp picks one expansion option per loop (``ExpanderStrategy.BestOption``)
and caps it at the group's max size; pods that group cannot hold stay unschedulable until the
next loop, which picks the next group. The simulator asked every group in the same scan.

The run. Pods as in tests/test_simulate.py (1000m CPU request; Ready 10 + 20 + 5 = 35 s after
being scheduled). m5.xlarge nodes hold 3 pods (3900m allocatable). Group ``a`` (min 1, max 2)
first, then ``b`` (min 0, max 5); default autoscaler (scan 10 s, provisioning 120 s).
3 warm pods fill ``a``'s node; the HPA (min = max = 9) raises 3 -> 9 at the 15 s sync (current
below minReplicas: no metrics needed): 6 Pending.

- scan 20: 6 pods, nothing coming: ``a`` has room for 1 node (3 pods): 1 -> 2, Ready 140. The
  other 3 wait: ``b`` is not asked in that scan.
- scan 30: 6 Pending - 3 on the coming node = 3: ``a`` is at max 2, ``b`` 0 -> 1, Ready 150.
- pods: 3 scheduled at 140 (Ready 175), 3 at 150 (Ready 185).
- node-seconds over 300 s: ``a`` 300 + (300 - 20) = 580, ``b`` 300 - 30 = 270.
"""

from __future__ import annotations

import numpy as np
import pytest

from infra_toolkit.hpa import HPASpec, cpu_utilization_metric
from infra_toolkit.nodes import ClusterAutoscalerSpec, NodeGroup
from infra_toolkit.shared_cluster import run_shared_cluster
from infra_toolkit.simulate import SimulationSpec, simulate, simulate_many
from infra_toolkit.traffic import constant_curve
from tests.test_simulate import WORKLOAD

SPEC = SimulationSpec(
    HPASpec(max_replicas=9, min_replicas=9, metrics=(cpu_utilization_metric(50),)),
    WORKLOAD,
    (NodeGroup("a", "m5.xlarge", vcpu=4, memory_gib=16, max_pods=58, min_size=1, max_size=2),
     NodeGroup("b", "m5.2xlarge", vcpu=4, memory_gib=16, max_pods=58, min_size=0, max_size=5)),
    ClusterAutoscalerSpec(), initial_replicas=3, name="one-group")
TRAFFIC = constant_curve(0, duration_s=300, step_s=60)
EXPECTED_UPS = [(20.0, "node_scale_up:a", 1, 2), (30.0, "node_scale_up:b", 0, 1)]


def test_the_next_group_is_asked_at_the_next_scan() -> None:
    result = simulate(TRAFFIC, SPEC)
    ups = result.events[result.events["kind"].str.startswith("node_scale_up")]
    assert [tuple(r) for r in ups[["time_s", "kind", "from", "to"]].values.tolist()] == \
        EXPECTED_UPS
    t = result.timeline.set_index("time_s")
    assert t.loc[170.0, "ready_pods"] == 3 and t.loc[175.0, "ready_pods"] == 6
    assert t.loc[180.0, "ready_pods"] == 6 and t.loc[185.0, "ready_pods"] == 9
    assert result.summary.node_hours_by_node_group == {"a": pytest.approx(580 / 3600),
                                                       "b": pytest.approx(270 / 3600)}


@pytest.mark.parametrize("engine", ["sweep", "scalar"])
def test_simulate_many_asks_one_group_a_scan(engine: str) -> None:
    row = simulate_many(TRAFFIC, [SPEC], engine=engine).iloc[0]
    assert row["node_scale_ups"] == 2
    assert row["node_hours_m5.xlarge"] == pytest.approx(580 / 3600)
    assert row["node_hours_m5.2xlarge"] == pytest.approx(270 / 3600)


def test_the_joint_loop_asks_one_group_a_scan() -> None:
    rps = np.zeros(int(300 // SPEC.tick_s))
    out = run_shared_cluster([rps], SPEC.tick_s, [SPEC], []).outputs[0]
    assert [(e[0], e[1], e[2], e[3]) for e in out.events if "up" in e[1]] == EXPECTED_UPS
