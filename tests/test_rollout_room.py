"""bin_packing.room_beside: how many pods of one workload fit on its node groups at max_size
once the other workloads' pods are placed, each figure worked out by hand below.

A c5.large-like group: 2 vCPU, 4 GiB, 29 pods -> allocatable 2000 - 100 = 1900 m,
4096 - 600 = 3496 MiB, 29 - 2 = 27 pod slots a node.
A: 500 m / 1024 MiB pods: floor(1900 / 500) = 3 by CPU, floor(3496 / 1024) = 3 by memory.
B: 300 m / 1536 MiB pods: floor(1900 / 300) = 6 by CPU, floor(3496 / 1536) = 2 by memory.
"""

from __future__ import annotations

import pytest

from infra_toolkit.bin_packing import nodes_used, room_beside
from infra_toolkit.errors import SimulationError
from infra_toolkit.fixed_pods import FixedPods
from infra_toolkit.nodes import NodeGroup, node_room


def c5_like(name: str = "c5", max_size: int = 3) -> NodeGroup:
    return NodeGroup(name, "c5.large", 2, 4, 29, min_size=0, max_size=max_size)


def b_pods(n: int, *groups: NodeGroup) -> FixedPods:
    return FixedPods("b", n, 300, 1536, groups or (c5_like(),))


@pytest.mark.parametrize(("b_replicas", "room", "short"), [
    # alone: 3 A pods a node x 3 nodes = 9 (node_room's figure, checked below)
    (0, 9, 0),
    # B's 4 pods first fit: 2 on node 1 and 2 on node 2 (2 a node by memory), each left with
    # 1900 - 600 = 1300 m but 3496 - 3072 = 424 MiB: no A pod (1024 MiB) fits there; node 3
    # is empty: 3. Adding up the free room instead would say min(floor((5700 - 1200) / 500),
    # floor((10488 - 6144) / 1024)) = min(9, 4) = 4: one A pod more than any node can take.
    (4, 3, 0),
    (5, 1, 0),  # B's 5th pod on node 3: 1600 m / 1960 MiB left there, 1 A pod by memory
    (6, 0, 0),  # B fills every node's memory
    (7, 0, 1),  # B's 7th pod finds no room: counted apart, A has none either
])
def test_room_beside_other_pods_with_other_requests(b_replicas: int, room: int,
                                                   short: int) -> None:
    group = c5_like()
    assert room_beside((group,), [b_pods(b_replicas)], 500, 1024, (group,)) == (room, short)


def test_room_alone_is_node_room() -> None:
    group = c5_like()
    assert room_beside((group,), [], 500, 1024, (group,))[0] == \
        sum(node_room([group], 500, 1024).values()) == 9


def test_a_rollout_of_a_fits_beside_four_b_pods_only_without_surge_beyond_three() -> None:
    # A at 2 replicas with surge 1 runs 3 pods at once: 3 <= 3 fits; at 3 replicas with surge 1
    # it runs 4: 4 > 3 does not, though 9 would fit with no B pod
    group = c5_like()
    room, _ = room_beside((group,), [b_pods(4)], 500, 1024, (group,))
    assert (3 <= room, 4 <= room) == (True, False)


def test_only_the_groups_each_workload_may_use_count() -> None:
    # priority: dedicated (1 node) then shared (2 nodes). B may use only shared: its 2 pods go
    # on shared node 1 (424 MiB left: no A pod). A on both groups: 3 (dedicated) + 0 + 3 = 6;
    # A on dedicated only: 3
    dedicated, shared = c5_like("dedicated", 1), c5_like("shared", 2)
    groups = (dedicated, shared)
    b = b_pods(2, shared)
    assert room_beside(groups, [b], 500, 1024, (dedicated, shared)) == (6, 0)
    assert room_beside(groups, [b], 500, 1024, (dedicated,)) == (3, 0)
    # B placed in priority order when it may use both: first fit puts its 2 pods on dedicated,
    # which then holds no A pod: 0 + 3 + 3 = 6 on both groups, 0 on dedicated alone
    b_both = b_pods(2, dedicated, shared)
    assert room_beside(groups, [b_both], 500, 1024, groups) == (6, 0)
    assert room_beside(groups, [b_both], 500, 1024, (dedicated,)) == (0, 0)


def test_the_pod_slots_bound_the_room_too() -> None:
    # 20 B pods: 2 a node fit (6), 14 are short. Each node is left 1300 m, 424 MiB and
    # 27 - 2 = 25 slots: 10 m / 16 MiB pods fit min(130 by CPU, 26 by memory, 25 slots) = 25
    # a node, 3 x 25 = 75
    group = c5_like()
    assert room_beside((group,), [b_pods(20)], 10, 16, (group,)) == (75, 14)


def test_a_group_not_given_is_refused() -> None:
    group, other = c5_like(), c5_like("other")
    with pytest.raises(SimulationError, match=r"node group\(s\) \['other'\] are not among the "
                                              r"groups given \(\['c5'\]\); pass every group"):
        room_beside((group,), [b_pods(1, other)], 500, 1024, (group,))


def a_pods(n: int, *groups: NodeGroup) -> FixedPods:
    return FixedPods("a", n, 500, 1024, groups or (c5_like(),))


@pytest.mark.parametrize(("held", "min_size", "used", "short"), [
    # A17-5. A alone, 3 a node: 7 pods -> nodes of 3, 3, 1 = 3 nodes; 6 -> 2; 0 -> 0
    ([7], 0, 3, 0),
    ([6], 0, 2, 0),
    ([0], 0, 0, 0),
    ([2], 2, 2, 0),  # 1 node holds them, but the group never goes below min_size 2
    # placed as the warm start, A's 500m before B's 300m: A's 3 on node 1 (1500 m, 3072 MiB,
    # 424 MiB left), B's 2 (1536 MiB each) on node 2: 2 nodes. B first would also take 2 (B's
    # 2 on node 1, 424 MiB left; A's 3 on node 2), a tie, so largest first stands.
    ([2, 3], 0, 2, 0),
    ([10], 0, 3, 1),  # 9 fit on the 3 nodes at max_size, 1 is short
])
def test_nodes_used(held: list[int], min_size: int, used: int, short: int) -> None:
    group = NodeGroup("c5", "c5.large", 2, 4, 29, min_size=min_size, max_size=3)
    pods = [a_pods(held[0], group)] if len(held) == 1 else [b_pods(held[0], group),
                                                            a_pods(held[1], group)]
    assert nodes_used((group,), pods) == ({"c5": used}, short)


@pytest.mark.parametrize(("b_min", "me_pods", "used"), [
    # A21-6. 900 m pods on c5.large-like nodes: floor(1900 / 900) = 2 by CPU (memory
    # floor(3496 / 256) = 13), so 2 a node. Groups x (min 0) before y (min b_min), both max 10.
    # The warm start has y's b_min nodes first: the others' 4 pods fill y1, y2 (2 + 2).
    # y min 4: the workload's 2 go on y3, 4 on y3, y4 -> x 0, y 4 both times (0 extra nodes).
    (4, 2, {"x": 0, "y": 4}),
    (4, 4, {"x": 0, "y": 4}),
    # y min 2: y1, y2 are full, so the workload's pods open x's nodes: 2 -> x1, 4 -> x1, x2
    (2, 2, {"x": 1, "y": 2}),
    (2, 4, {"x": 2, "y": 2}),
])
def test_nodes_used_fills_every_groups_min_size_nodes_first(b_min: int, me_pods: int,
                                                            used: dict[str, int]) -> None:
    x = NodeGroup("x", "c5.large", 2, 4, 29, min_size=0, max_size=10)
    y = NodeGroup("y", "c5.large", 2, 4, 29, min_size=b_min, max_size=10)
    others = FixedPods("other", 4, 900, 256, (x, y))
    me = FixedPods("me", me_pods, 900, 256, (x, y))
    assert nodes_used((x, y), [others], [me]) == (used, 0)
