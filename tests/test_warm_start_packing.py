"""The warm start packs a cluster's starting pods largest request first (audit18 A18-6), and the
rollout figures' ``nodes_used`` places pods already there the same way; figures by hand.

Node groups: ``m5`` (m5.large: 2 vCPU, 8 GiB, 29 pods; reserved 100m / 600 MiB, 2 daemonset
pods -> allocatable 1,900m, 7,592 MiB, 27 pods) and ``big`` (m5.xlarge: 4 vCPU, 16 GiB, 58 pods
-> 3,900m, 15,784 MiB, 56 pods). Workloads ``web`` (500m / 512 MiB) and ``api`` (1,000m /
1,024 MiB), HPA min = max (the pods stay as they start), 50 req/s each for 600 s at 100 req/s a
pod (half loaded: nothing scales). Memory never binds here (at most 3,000 MiB a node).
"""

from __future__ import annotations

import numpy as np
import pytest

from infra_toolkit.bin_packing import Pods, nodes_used, room_beside, start_nodes, warm_order
from infra_toolkit.hpa import HPASpec, cpu_utilization_metric
from infra_toolkit.nodes import ClusterAutoscalerSpec, NodeGroup
from infra_toolkit.shared_nodes import Owner, SharedNodes
from infra_toolkit.simulate import FixedPods, SimulationSpec, simulate_cluster
from infra_toolkit.traffic import constant_curve
from infra_toolkit.workload import WorkloadSpec

M5 = NodeGroup("m5", "m5.large", vcpu=2, memory_gib=8, max_pods=29, min_size=1, max_size=5)
CA = ClusterAutoscalerSpec(provisioning_delay_s=60)
CURVE = constant_curve(50, duration_s=600, step_s=60)
SIZES = {"web": (500, 512), "api": (1000, 1024)}


def _spec(name: str, replicas: int, groups: tuple[NodeGroup, ...] = (M5,)) -> SimulationSpec:
    cpu, memory = SIZES[name]
    return SimulationSpec(
        HPASpec(max_replicas=replicas, min_replicas=replicas,
                metrics=(cpu_utilization_metric(70),)),
        WorkloadSpec(cpu_request_millicores=cpu, memory_request_mib=memory,
                     capacity_rps_per_pod=100, cpu_millicores_per_rps=2, name=name),
        groups, CA, initial_replicas=replicas, name=name)


def _peaks(joint: object) -> list[tuple[str, float]]:
    frame = joint.node_peaks  # type: ignore[attr-defined]
    return list(zip(frame["group"], frame["peak_cpu_millicores"], strict=True))


def test_warm_order_is_largest_first_cpu_then_memory_ties_in_order() -> None:
    # 300 + 400 + 400 + 300 + 0 = 1,400m of 1,900m, 4,352 MiB of 7,592, 5 pods of 27: one m5
    # node in any order, so largest first wins the tie: the 400m pods first (c's 1,024 MiB
    # before b's 256), the two 300m in their given order, then e (0m)
    pods = [Pods((0,), 300, 512, 1), Pods((0,), 400, 256, 1), Pods((0,), 400, 1024, 1),
            Pods((0,), 300, 512, 1), Pods((0,), 0, 2048, 1)]
    assert warm_order((M5,), pods) == [2, 1, 0, 3, 4]
    assert start_nodes((M5,), pods) == (1, 0)


def test_the_given_order_is_kept_where_largest_first_would_open_more_nodes() -> None:
    # First-fit decreasing is not always the best packing. Nodes of 1,930m (2 vCPU, 70m
    # reserved), min_size 0: a 965m, b 579m, c 2 x 386m, d 2 x 772m.
    # Given order: node 1 a + b + c = 965 + 579 + 386 = 1,930m (full); c's 2nd -> node 2, then
    # d + d: 386 + 772 + 772 = 1,930m: 2 nodes.
    # Largest first (a, d, d, b, c, c): node 1 a + d = 1,737m; d -> node 2, b -> node 2
    # (1,351m), c -> node 1? 1,737 + 386 > 1,930, node 2 (1,737m); c -> neither: node 3.
    group = NodeGroup("g", "m5.large", vcpu=2, memory_gib=8, max_pods=29, min_size=0,
                      max_size=5, reserved_cpu_millicores=70)
    pods = [Pods((0,), 965, 256, 1), Pods((0,), 579, 256, 1), Pods((0,), 386, 256, 2),
            Pods((0,), 772, 256, 2)]
    assert start_nodes((group,), pods) == (2, 0)
    assert start_nodes((group,), [pods[i] for i in (0, 3, 1, 2)]) == (3, 0)
    assert warm_order((group,), pods) == [0, 1, 2, 3]
    held = [FixedPods(n, p.n, p.cpu, p.memory, (group,)) for n, p in zip("abcd", pods)]
    assert nodes_used((group,), held) == ({"g": 2}, 0)
    owners = [Owner(i, n, p.cpu, p.memory, [0], 1) for i, (n, p) in enumerate(zip("abcd", pods))]
    cluster = SharedNodes((group,), owners, CA, 5, 10)
    cluster.start([p.n for p in pods])
    assert [group.allocatable_cpu_millicores - n.cpu_free for n in cluster.nodes[0]] == [
        1930.0, 1930.0]


@pytest.mark.parametrize("order", [("web", "api"), ("api", "web")])
def test_audit18_mixed_pods_start_on_two_nodes_not_three(order: tuple[str, str]) -> None:
    # 2 web (500m) + 2 api (1000m) on m5 (1,900m). In plan order web, web, api, api (the old
    # warm start): node 1 web + web = 1,000m, 900m left, no api; node 2 api, 900m left, no api;
    # node 3 api: 3 nodes. Largest first, api, api, web, web, whatever the plan's order:
    # node 1 api (900m left), 2nd api does not fit -> node 2 api; web -> node 1 (1,500m,
    # 400m left), web does not fit there -> node 2 (1,500m): 2 nodes, each at
    # 1,500 / 1,900 = 79 % >= 50 %, so neither is ever unneeded.
    # Node-hours over 600 s: 2 nodes x 600 s = 1,200 node-s = 1/3 h (the old start: 1,800).
    joint = simulate_cluster({n: CURVE for n in order}, {n: _spec(n, 2) for n in order})
    assert joint.nodes["nodes_m5"].eq(2).all()
    assert joint.node_hours_by_node_group == {"m5": pytest.approx(1200 / 3600)}
    assert _peaks(joint) == [("m5", 1500.0), ("m5", 1500.0)]
    assert joint.events.empty  # no node scale event: the start was already right


@pytest.mark.parametrize(("order", "replicas", "peaks"), [
    # already largest first: api 2 then web 2 packs as before, node 1 api + web (1,500m),
    # node 2 api + web (1,500m); 1,200 node-s
    (("api", "web"), {"api": 2, "web": 2}, [1500.0, 1500.0]),
    # one web then one api: plan order web (500m) + api (1,000m) = 1,500m on the min_size node;
    # largest first api + web: the same node, the same 1,500m; 600 node-s
    (("web", "api"), {"api": 1, "web": 1}, [1500.0]),
])
def test_when_plan_order_already_packs_as_well_nothing_changes(
        order: tuple[str, str], replicas: dict[str, int], peaks: list[float]) -> None:
    joint = simulate_cluster({n: CURVE for n in order},
                             {n: _spec(n, replicas[n]) for n in order})
    assert [p for _, p in _peaks(joint)] == peaks
    assert joint.node_hours_by_node_group == {"m5": pytest.approx(len(peaks) * 600 / 3600)}


def test_several_groups_fill_in_priority_order_largest_first() -> None:
    # Groups in priority order: "small" (m5.large, 1,900m; min 0, max 2), then "big" (m5.xlarge,
    # 3,900m; min 0, max 5). web 2 x 500m and api 2 x 1,000m may use both; a fixed "batch" of
    # 1 x 3,000m only big. Nodes are added group by group, each while pods that may use it wait.
    # Plan order (web, api, batch) would give: small 1 web + web (1,000m), small 2 api (900m
    # left), api waits -> big 1 api (1,000m), batch 3,000m does not fit beside (2,900m left)
    # -> big 2: 4 nodes. Largest first (batch, api, api, web, web): small 1: batch may not use
    # it, api (900m left), api no, web (1,500m, 400m left), web no; small 2: api, web
    # (1,500m); big 1: batch (3,000m): 3 nodes, 2 small + 1 big (79 %, 79 % and 77 % used:
    # none unneeded). Node-hours over 600 s: small 1,200 node-s, big 600 node-s.
    small = NodeGroup("small", "m5.large", vcpu=2, memory_gib=8, max_pods=29, min_size=0,
                      max_size=2)
    big = NodeGroup("big", "m5.xlarge", vcpu=4, memory_gib=16, max_pods=58, min_size=0,
                    max_size=5)
    batch = FixedPods("batch", 1, 3000, 2048, (big,))
    specs = {n: _spec(n, 2, (small, big)) for n in ("web", "api")}
    joint = simulate_cluster({n: CURVE for n in specs}, specs, fixed=[batch])
    assert joint.node_hours_by_node_group == {"small": pytest.approx(1200 / 3600),
                                              "big": pytest.approx(600 / 3600)}
    assert _peaks(joint) == [("small", 1500.0), ("small", 1500.0), ("big", 3000.0)]
    assert {o: {g: int(v[0]) for g, v in by.items()} for o, by in joint.placed.items()} == {
        "web": {"small": 2, "big": 0}, "api": {"small": 2, "big": 0}, "batch": {"big": 1}}
    # the count warm_order compares, for both orders: 4 nodes in plan order, 3 largest first
    pods = [Pods((0, 1), 500, 512, 2), Pods((0, 1), 1000, 1024, 2), Pods((1,), 3000, 2048, 1)]
    assert start_nodes((small, big), pods) == (4, 0)
    assert start_nodes((small, big), pods[::-1]) == (3, 0)


def _pods(name: str, n: int, cap: int | None = None) -> FixedPods:
    cpu, memory = SIZES[name]
    return FixedPods(name, n, cpu, memory, (M5,), cap)


@pytest.mark.parametrize(("held", "later", "used"), [
    # the rollout figures' pods already there are placed as the warm start: 2 nodes, either
    # order (worked in test_audit18_mixed_pods_start_on_two_nodes_not_three; plan order: 3)
    ([_pods("web", 2), _pods("api", 2)], [], 2),
    ([_pods("api", 2), _pods("web", 2)], [], 2),
    # a surge web pod created after them goes first fit: 400m left on each node -> node 3
    ([_pods("web", 2), _pods("api", 2)], [_pods("web", 1)], 3),
    # web at most 1 a node: 2 pods on nodes 1 and 2; a surge pod counts with them -> node 3
    # (were its count its own, it would go beside the first, 1,000m of 1,900m: 2 nodes)
    ([_pods("web", 2, 1)], [_pods("web", 1, 1)], 3),
])
def test_nodes_used_places_held_pods_as_the_warm_start_and_later_ones_first_fit(
        held: list[FixedPods], later: list[FixedPods], used: int) -> None:
    assert nodes_used((M5,), held, later) == ({"m5": used}, 0)


def test_room_beside_places_the_others_as_the_warm_start() -> None:
    # max_size 2. Others: web 2 + api 2, largest first: 2 nodes of 1,500m (400m left each):
    # no further web pod fits (plan order: node 1 web + web, node 2 api, each with 900m left,
    # one web more on each: 2, and the 2nd api short at max_size 2: (2, 1))
    two = NodeGroup("m5", "m5.large", vcpu=2, memory_gib=8, max_pods=29, min_size=1,
                    max_size=2)
    others = [FixedPods(n, 2, *SIZES[n], (two,)) for n in ("web", "api")]
    assert room_beside((two,), others, 500, 512, (two,)) == (0, 0)


def test_the_start_never_opens_more_nodes_than_plan_order() -> None:
    # An invariant over random mixes (seeded): SharedNodes.start, node by node, opens what
    # start_nodes counts for the better of the two orders, never more than the plan's order
    # (its old rule), and the same in both when every pod has one size.
    rng = np.random.default_rng(18)
    small = NodeGroup("small", "m5.large", vcpu=2, memory_gib=8, max_pods=29, min_size=0,
                      max_size=30)
    big = NodeGroup("big", "m5.xlarge", vcpu=4, memory_gib=16, max_pods=58, min_size=1,
                    max_size=30)
    groups = (small, big)
    for _ in range(60):
        k = int(rng.integers(1, 5))
        pods = [Pods(((0, 1), (0,), (1,))[int(rng.integers(0, 3))],
                     float(rng.choice([100, 250, 386, 500, 772, 965, 1000, 1800])),
                     float(rng.choice([128, 512, 1024, 3000])), int(rng.integers(0, 6)),
                     None if rng.random() < 0.7 else 1) for _ in range(k)]
        owners = [Owner(i, f"o{i}", p.cpu, p.memory, list(p.groups), 2, p.cap)
                  for i, p in enumerate(pods)]
        cluster = SharedNodes(groups, owners, ClusterAutoscalerSpec(), 5, 10)
        cluster.start([p.n for p in pods])
        opened = sum(len(ns) for ns in cluster.nodes)
        plan_order = start_nodes(groups, pods)
        largest = start_nodes(groups, sorted(pods, key=lambda p: (-p.cpu, -p.memory)))
        assert plan_order[1] == largest[1] == 0
        assert opened == min(plan_order[0], largest[0]) <= plan_order[0]
        if len({(p.cpu, p.memory) for p in pods}) == 1:
            assert plan_order == largest
