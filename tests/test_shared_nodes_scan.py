"""The shared-nodes scale-down's fit checks (audit15 A15-9): a scan with nothing changed since
the last reuses them; any pod placed or removed, or node added or removed, checks again. That
the answers and the runs stay the same is what the shared-cluster and sweep tests compare."""

from __future__ import annotations

import dataclasses

import pytest

from infra_toolkit import shared_scale_down
from infra_toolkit.nodes import KARPENTER_LIKE, NodeGroup
from infra_toolkit.shared_nodes import Owner, SharedNodes


def _cluster() -> SharedNodes:
    # m5.large-like nodes: 2 vCPU - 100m reserved = 1900m; two nodes, 3 pods of 500m: the
    # first node holds all 3 (1500m), the second is empty
    group = NodeGroup("g", "m5.large", vcpu=2, memory_gib=8, max_pods=29, min_size=0,
                      max_size=5)
    # WhenEmptyOrUnderutilized: every node is a candidate (threshold 100 %), after 30 s
    ca = dataclasses.replace(KARPENTER_LIKE, scale_down_utilization_threshold=1.0)
    nodes = SharedNodes((group,), [Owner(0, "api", 500.0, 256.0, [0], 1)], ca, tick_s=5,
                        n_ticks=1000)
    nodes.add_node(0)
    nodes.add_node(0)
    nodes.create(nodes.owners[0], 3, 0.0)
    nodes.place(0.0)
    nodes.last_scale_up_s = -1e9
    return nodes


def test_a_scan_with_nothing_changed_checks_no_node_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    nodes = _cluster()
    checked: list[int] = []
    real = shared_scale_down._fits_on_others

    def counting(sn: SharedNodes, node):  # type: ignore[no-untyped-def]
        checked.append(node.ident)
        return real(sn, node)

    monkeypatch.setattr(shared_scale_down, "_fits_on_others", counting)
    nodes.scan(0.0)
    # both nodes are below the 100 % threshold: each checked once (newest first); node 1 is
    # empty and node 0's three pods fit on it (1500m of 1900m): both unneeded, for 30 s yet
    assert checked == [1, 0]
    assert [n.unneeded_since for n in nodes.nodes[0]] == [0.0, 0.0]
    nodes.scan(5.0)  # nothing changed: the answers are reused
    assert checked == [1, 0]
    # one more pod (node 0 would hold 2000m > 1900m, so node 1): both checked again
    nodes.create(nodes.owners[0], 1, 6.0)
    nodes.place(6.0)
    nodes.scan(10.0)
    assert checked == [1, 0, 1, 0]
    # and the answers are those of a fresh check: node 1's 500m pod fits beside node 0's 1500m?
    # no (1900 - 1500 = 400m); node 0's three pods on node 1 (1900 - 500 = 1400m)? no
    assert [shared_scale_down._fits_elsewhere(nodes, n) for n in nodes.nodes[0]] == [False, False]
