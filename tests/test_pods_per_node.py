"""A workload's cap of pods a node (``max_pods_per_node``: 1 for a required pod anti-affinity on
``kubernetes.io/hostname`` against its own pods), honoured by every engine that places pods:
the one-workload run (``simulate``), the sweep engine (``run_batch``), the shared-node joint run
(``simulate_cluster``) and the bin-packing of the rollout room (``room_beside``); then a plan
whose Deployment carries the rule, against the same plan without it.

The hand case. Node group ``t3``: a t3.medium (2 vCPU, 4 GiB, 17 max pods), reserved 100m /
600 MiB and 2 daemonset pods -> allocatable 2000 - 100 = 1900m, 4096 - 600 = 3496 MiB and
17 - 2 = 15 pods; min_size 1, max_size 6. A pod of 250m / 256 MiB: min(floor(1900 / 250) = 7,
floor(3496 / 256) = 13, 15) = 7 a node by its requests. The HPA's min = max = 4, the run starts
with 1 pod (on the min_size node), so the controller writes 4 at its first sync (15 s, below
minReplicas whatever the metrics say): 3 new Pending pods. Scans every 10 s; a node is Ready
60 s after the scan that asks for it and billed from that scan. Scale-down as eager as it gets
(30 s unneeded, no delay after a scale-up), so only the cap keeps a node. 40 req/s for 1200 s.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from infra_toolkit.analysis import analyze_plan
from infra_toolkit.bin_packing import empty_node, pack, room_beside
from infra_toolkit.errors import SpecError
from infra_toolkit.hpa import HPASpec, cpu_utilization_metric
from infra_toolkit.nodes import ClusterAutoscalerSpec, NodeGroup, node_room, pod_slots
from infra_toolkit.rollout_tables import rollout_table
from infra_toolkit.simulate import FixedPods, SimulationSpec, simulate, simulate_cluster
from infra_toolkit.sweep_engine import run_batch
from infra_toolkit.sweep_params import unsupported, variants
from infra_toolkit.traffic import TrafficCurve, constant_curve, resample_curve
from infra_toolkit.workload import WorkloadSpec
from tests.test_node_placement import _plan
from tests.test_pod_anti_affinity import HOST, _anti

T3 = NodeGroup("t3", "t3.medium", vcpu=2, memory_gib=4, max_pods=17, min_size=1, max_size=6)
CA = ClusterAutoscalerSpec(provisioning_delay_s=60, scale_down_unneeded_s=30,
                           scale_down_delay_after_add_s=0)
CURVE = constant_curve(40, duration_s=1200, step_s=60)


def _spec(cap: int | None, initial: int = 1, group: NodeGroup = T3) -> SimulationSpec:
    return SimulationSpec(
        HPASpec(max_replicas=4, min_replicas=4, metrics=(cpu_utilization_metric(70),)),
        WorkloadSpec(cpu_request_millicores=250, memory_request_mib=256,
                     capacity_rps_per_pod=100, cpu_millicores_per_rps=2, name="api",
                     max_pods_per_node=cap),
        (group,), CA, initial_replicas=initial, name="api")


@pytest.mark.parametrize(("cap", "slots"), [
    (None, 7),  # by requests: min(7, 13, 15)
    (1, 1),  # one a node: the hostname anti-affinity
    (2, 2),
    (10, 7),  # a cap above what the requests allow changes nothing
])
def test_pod_slots_take_the_cap(cap: int | None, slots: int) -> None:
    assert pod_slots(T3, 250, 256, cap) == slots
    # at max_size 6: 6 x slots
    assert node_room((T3,), 250, 256, cap) == {"t3": 6 * slots}


@pytest.mark.parametrize("make", [
    lambda: WorkloadSpec(cpu_request_millicores=250, capacity_rps_per_pod=10,
                         cpu_millicores_per_rps=1, name="api", max_pods_per_node=0),
    lambda: FixedPods("api", 1, 250, 256, (T3,), max_pods_per_node=0),
])
def test_a_cap_below_one_is_refused(make: object) -> None:
    with pytest.raises(SpecError, match=r"'api'\.max_pods_per_node \(=0\) must be a whole "
                                        r"number >= 1"):
        make()  # type: ignore[operator]


# (cap, initial pods, node-seconds billed over the 1200 s run, Ready nodes at the end)
HAND = [
    # by requests: the 3 new pods join the first on the min_size node (4 <= 7): one node
    (None, 1, 1200, 1),
    # one a node: 3 Pending pods at 15 s; the 20 s scan asks ceil(3 / 1) = 3 nodes, billed from
    # 20 s: 1200 + 3 x (1200 - 20) = 4740. Each node then holds one 250m pod (13 % < 50 %) but
    # its pod fits no other node (each holds one already), so none is removed: 4 nodes, not 1
    (1, 1, 4740, 4),
    # two a node: one new pod joins the first on node 1 at 15 s, 2 Pending; the 20 s scan asks
    # ceil(2 / 2) = 1 node: 1200 + 1180 = 2380 (node 1 at 500m = 26 %, kept the same way)
    (2, 1, 2380, 2),
    # starting with 4 pods, one a node: the run starts on ceil(4 / 1) = 4 nodes: 4 x 1200 = 4800
    (1, 4, 4800, 4),
]


@pytest.mark.parametrize(("cap", "initial", "node_s", "nodes"), HAND)
def test_one_workload_by_hand(cap: int | None, initial: int, node_s: int, nodes: int) -> None:
    run = simulate(CURVE, _spec(cap, initial))
    assert run.summary.node_hours_by_node_group == {"t3": pytest.approx(node_s / 3600)}
    assert run.timeline["nodes_t3"].iloc[-1] == nodes
    assert run.timeline["ready_pods"].iloc[-1] == 4
    assert run.summary.node_scale_downs == 0


def _sweep_row(specs: list[SimulationSpec], curve: TrafficCurve) -> list[dict[str, object]]:
    """The sweep engine's own rows (none handed back to the scalar path)."""
    assert [unsupported(s) for s in specs] == [None] * len(specs)
    batch = variants(specs)
    out = run_batch(np.asarray(resample_curve(curve, float(batch.tick_s)).rps), batch)
    assert not out.uncertain.any()
    return list(out.rows)


def test_the_sweep_engine_by_hand() -> None:
    # the four hand cases as one batch of variants
    specs = [dataclasses.replace(_spec(cap, initial), name=f"v{i}")
             for i, (cap, initial, _, _) in enumerate(HAND)]
    rows = _sweep_row(specs, CURVE)
    assert [r["node_hours_t3.medium"] for r in rows] == [
        pytest.approx(node_s / 3600) for _, _, node_s, _ in HAND]
    assert [r["node_scale_downs"] for r in rows] == [0, 0, 0, 0]


AGENT = FixedPods("agent", 1, 100, 128, (T3,))


@pytest.mark.parametrize(("cap", "initial", "node_s", "nodes"), HAND)
def test_shared_nodes_by_hand(cap: int | None, initial: int, node_s: int, nodes: int) -> None:
    # beside a fixed Deployment of one 100m pod on the same group, so the joint engine runs:
    # node 1 holds the api pod(s) it starts with and the agent (350m of 1900m with one api pod).
    # Without a cap the 3 new pods fit beside them (350 + 750 = 1100m); with one a node they
    # go to 3 new nodes; with two a node one joins node 1 and 2 open one new node; starting
    # with 4 pods one a node, the start adds nodes until they fit: 4. The node-seconds are the
    # one-workload run's, and no node is removed: each one's api pods fit on no other node.
    joint = simulate_cluster({"api": CURVE}, {"api": _spec(cap, initial)}, fixed=[AGENT])
    assert joint.placed  # the joint engine ran (a lone workload would go through simulate)
    assert joint.node_hours_by_node_group == {"t3": pytest.approx(node_s / 3600)}
    assert joint.nodes["nodes_t3"].iloc[-1] == nodes
    assert joint.simulations["api"].timeline["ready_pods"].iloc[-1] == 4
    assert not joint.events["kind"].str.startswith("node_scale_down").any()
    # no node ever held more than the cap of api pods: the agent is the only other pod
    most = joint.node_peaks["peak_pods"].max()
    assert most == (4 + 1 if cap is None else cap + 1)


def test_fixed_pods_with_a_cap_take_a_node_each() -> None:
    # 3 agent pods one a node beside the api (no cap): the start adds nodes until they fit,
    # ceil(3 / 1) = 3 nodes all along (the api's 4 pods fit on node 1 beside one agent pod)
    agents = FixedPods("agent", 3, 100, 128, (T3,), max_pods_per_node=1)
    joint = simulate_cluster({"api": CURVE}, {"api": _spec(None, 4)}, fixed=[agents])
    assert joint.node_hours_by_node_group == {"t3": pytest.approx(3 * 1200 / 3600)}


SMALL = dataclasses.replace(T3, max_size=3)


def test_pods_beyond_max_size_stay_pending() -> None:
    # one a node, max_size 3: at the 20 s scan 3 pods are Pending but only 3 - 1 = 2 nodes may
    # be added: 2 are, 1 pod fits no group and stays Pending to the end. Node-seconds:
    # 1200 + 2 x 1180 = 3560. (A Pending pod also blocks every scale-down.)
    want_s = 1200 + 2 * 1180
    spec = _spec(1, 1, SMALL)
    run = simulate(CURVE, spec)
    assert run.summary.node_hours_by_node_group == {"t3": pytest.approx(want_s / 3600)}
    last = run.timeline.iloc[-1]
    assert (last["ready_pods"], last["pending_pods"], last["nodes_t3"]) == (3, 1, 3)
    failed = run.events[run.events["kind"] == "node_scale_up_failed"]
    assert failed[["time_s", "reason"]].values.tolist() == [
        [20.0, "1 pending pod(s) fit no node group: all at max_size"]]
    (row,) = _sweep_row([spec], CURVE)
    assert row["node_hours_t3.medium"] == pytest.approx(want_s / 3600)
    # the joint engine, beside the agent on node 1: the same 2 nodes, the same Pending pod
    joint = simulate_cluster({"api": CURVE}, {"api": spec},
                             fixed=[dataclasses.replace(AGENT, node_groups=(SMALL,))])
    assert joint.node_hours_by_node_group == {"t3": pytest.approx(want_s / 3600)}
    last = joint.simulations["api"].timeline.iloc[-1]
    assert (last["ready_pods"], last["pending_pods"]) == (3, 1)
    failed = joint.events[joint.events["kind"] == "node_scale_up_failed"]
    assert failed[["time_s", "reason"]].values.tolist() == [
        [20.0, "1 pending pod(s) fit no node group: all at max_size"]]


def test_pack_keeps_the_cap_across_calls() -> None:
    # two empty t3 nodes; 5 pods of 250m one a node: 2 placed, 3 left. A second call for the
    # same Deployment (the same held counts) places none; another Deployment's pods (no held
    # counts) still fit by requests: 1900 - 250 = 1650m, floor(1650 / 250) = 6 a node
    rooms = [empty_node(0, T3), empty_node(0, T3)]
    held: dict[int, int] = {}
    assert pack(rooms, [0], 250, 256, 5, 1, held) == 3
    assert pack(rooms, [0], 250, 256, 1, 1, held) == 1
    assert pack(rooms, [0], 250, 256, 13, None) == 1


def test_room_beside_takes_the_cap() -> None:
    # max_size 3 nodes, another Deployment's 3 pods of 1000m placed first, first fit: one a
    # node (2 x 1000 > 1900), leaving 900m each. The api's 250m pods: floor(900 / 250) = 3 a
    # node by requests, 3 x 3 = 9; one a node, 3 x 1 = 3
    other = FixedPods("other", 3, 1000, 256, (SMALL,))
    assert room_beside((SMALL,), [other], 250, 256, (SMALL,)) == (9, 0)
    assert room_beside((SMALL,), [other], 250, 256, (SMALL,), 1) == (3, 0)
    # the held Deployment's own cap: 4 pods one a node on 3 nodes, 1 finds no room
    apart = FixedPods("other", 4, 1000, 256, (SMALL,), max_pods_per_node=1)
    assert room_beside((SMALL,), [apart], 250, 256, (SMALL,))[1] == 1


def _plan_with_min_replicas_3(tmp_path: Path, pod: dict[str, object]) -> Path:
    path = _plan(tmp_path, pod)
    hpa_path = tmp_path / "manifests" / "hpa.yaml"
    hpa = yaml.safe_load(hpa_path.read_text())
    hpa["spec"]["minReplicas"] = 3
    hpa_path.write_text(yaml.safe_dump(hpa))
    return path


def test_a_plan_with_the_hostname_rule_pays_for_a_node_a_pod(tmp_path: Path) -> None:
    # minimal.yaml: group 'general' of m5.large (9 api pods of 200m / 256 MiB a node by
    # requests), min_size 2, max_size 4; the Deployment's 2 replicas start on the 2 min_size
    # nodes; the scenario 'steady' is 180 s of 10-12 rps. minReplicas 3: the first sync (15 s)
    # writes 3. Without the rule the third pod joins the others: 2 nodes x 180 s = 360
    # node-seconds. With it the pod is Pending until the 20 s scan asks a third node, billed
    # from 20 s: 360 + 160 = 520 node-seconds; the 3 nodes stay (each pod fits no other node).
    plain = analyze_plan(_plan_with_min_replicas_3(tmp_path / "plain", {}),
                         store_location=str(tmp_path / "none"))
    apart = analyze_plan(_plan_with_min_replicas_3(tmp_path / "apart", _anti(
        {"labelSelector": {"matchLabels": {"app": "api"}}, "topologyKey": HOST})),
        store_location=str(tmp_path / "none"))
    assert plain.runs[0].cluster.node_hours_by_node_group == {"general": pytest.approx(0.1)}
    assert apart.runs[0].cluster.node_hours_by_node_group == {
        "general": pytest.approx(520 / 3600)}

    def instances(a: object) -> tuple[float, float]:
        (line,) = [ln for ln in a.proposed_estimate.lines  # type: ignore[attr-defined]
                   if ln.component.startswith("Instance usage")]
        return float(line.monthly_quantity), float(line.monthly_cost_usd)

    # projected to 730 h at m5.large's $0.096 an hour (us-east-1 on-demand):
    # plain 360 / 180 = 2 nodes x 730 = 1460 h -> $140.16;
    # apart 520 / 180 = 2.888.. nodes x 730 = 2108.89 h -> $202.45 (+648.89 h, +$62.29)
    assert instances(plain) == (pytest.approx(1460), pytest.approx(140.16))
    assert instances(apart) == (pytest.approx(730 * 520 / 180), pytest.approx(202.4533, abs=1e-4))
    # the total moves by those $62.29 plus the nodes' 20 GB gp2 root volumes ($0.10 per
    # GB-month): 20 x (2.888.. - 2) x 0.10 = $1.78
    delta = float(apart.proposed_estimate.total_monthly_usd
                  - plain.proposed_estimate.total_monthly_usd)
    assert delta == pytest.approx(730 * 160 / 180 * 0.096 + 20 * 160 / 180 * 0.10)
    # the Deployment Strategy's room for the api's pods at once, the group at max_size 4 and no
    # other workload: 4 x 9 = 36 by requests, 4 x 1 = 4 one a node
    assert set(rollout_table(plain)["Room, others at peak"]) == {36}
    assert set(rollout_table(apart)["Room, others at peak"]) == {4}


def test_the_architecture_table_says_where_a_rule_caps_pods_a_node(tmp_path: Path) -> None:
    from infra_toolkit.sections_architecture import proposed_architecture

    def workloads(a: object) -> pd.DataFrame:
        (table,) = [t for t in proposed_architecture(a).tables  # type: ignore[arg-type]
                    if "Workload" in t.frame.columns]
        return table.frame

    plain = analyze_plan(_plan(tmp_path / "plain", {}), store_location=str(tmp_path / "none"))
    assert "Pods a node" not in workloads(plain).columns  # no rule: no column
    apart = analyze_plan(_plan(tmp_path / "apart", _anti(
        {"labelSelector": {"matchLabels": {"app": "api"}}, "topologyKey": HOST})),
        store_location=str(tmp_path / "none"))
    assert list(workloads(apart)["Pods a node"]) == [
        "1 (required pod anti-affinity on kubernetes.io/hostname)"]
