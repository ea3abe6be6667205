"""The timeline's count columns are int32 and exact (audit15 A15-7: memory, not CPU, limits a
month of an estate), and the loops' per-tick buffers keep every number as it is.

The joint run is the hand case of tests/test_simulate_cluster.py (its module docstring): one
node group ``shared`` (1900m allocatable a node, min 1), workload ``a`` (2 pods of 600m all
along) and ``b`` (500m pods, 1 at first, raised to its minReplicas 4 at the 15 s sync)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from infra_toolkit import tick_buffers
from infra_toolkit.simulate import simulate, simulate_cluster
from infra_toolkit.simulation_timeline import narrow_counts
from infra_toolkit.tick_buffers import SyncLog, as_array, tick_floats, tick_ints
from tests.test_simulate_cluster import CURVE, A, B

COUNT_COLUMNS = ("desired_replicas", "spec_replicas", "ready_pods", "starting_pods",
                 "pending_pods", "pods", "nodes", "nodes_shared", "launching_nodes",
                 "launching_nodes_shared")
FLOAT_COLUMNS = ("time_s", "offered_rps", "served_rps", "dropped_rps", "backlog_requests",
                 "cpu_utilization_pct", "p50_latency_ms", "p95_latency_ms", "p99_latency_ms")


@pytest.mark.parametrize(("values", "dtype"), [
    ([0, 3, 2**31 - 1], np.int32),  # the largest int32: Kubernetes' largest replica count
    ([-(2**31), 5], np.int32),
    ([], np.int32),
    ([2**31], np.int64),  # does not fit: kept as it is, never wrapped
    ([-(2**31) - 1, 0], np.int64),
])
def test_counts_are_int32_only_when_every_value_fits(values: list[int], dtype: type) -> None:
    out = narrow_counts(np.array(values, dtype=np.int64))
    assert out.dtype == dtype
    assert out.tolist() == values


def test_a_joint_runs_counts_are_int32_and_as_worked_out_by_hand() -> None:
    joint = simulate_cluster({"a": CURVE, "b": CURVE}, {"a": A, "b": B})
    for sim in joint.simulations.values():
        line = sim.timeline
        assert {c: str(line[c].dtype) for c in COUNT_COLUMNS} == dict.fromkeys(COUNT_COLUMNS,
                                                                              "int32")
        assert {c: str(line[c].dtype) for c in FLOAT_COLUMNS} == dict.fromkeys(FLOAT_COLUMNS,
                                                                              "float64")
    assert {str(t) for t in joint.nodes.dtypes.iloc[1:]} == {"int32"}  # after time_s
    assert {str(a.dtype) for per in joint.placed.values() for a in per.values()} == {"int32"}
    # the hand case's figures, 5 s ticks (row i is t = 5 i s):
    # b: 1 pod; 4 from the 15 s sync, 3 Pending until node 2 is Ready at 80 s, pulled by 90 s,
    #    Ready at the default probe's tick at or after 10 + max(5, 20) = 30 s from the bind:
    #    110 s = row 22
    b = joint.simulations["b"].timeline
    assert b["spec_replicas"].tolist() == [1] * 3 + [4] * 117
    assert b["pending_pods"].tolist() == [0] * 3 + [3] * 15 + [0] * 102
    assert b["ready_pods"].tolist() == [1] * 22 + [4] * 98
    # shared nodes: 1 (min_size), a second launched at the 20 s scan (t = 4 ticks), Ready at 80
    assert joint.nodes["nodes_shared"].tolist() == [1] * 16 + [2] * 104
    assert joint.nodes["launching_nodes_shared"].tolist() == [0] * 4 + [1] * 12 + [0] * 104
    # b's pods on nodes: its first, then its 3 new ones once node 2 is Ready at 80 s
    assert joint.placed["b"]["shared"].tolist() == [1] * 16 + [4] * 104
    # the node-hours still add up exactly: 600 + 580 node-seconds (test_simulate_cluster)
    assert joint.node_hours_by_node_group == {"shared": 1180 / 3600}


def test_a_lone_runs_counts_are_int32() -> None:
    line = simulate(CURVE, A).timeline
    assert {str(line[c].dtype) for c in COUNT_COLUMNS} == {"int32"}
    assert line["spec_replicas"].tolist() == [2] * 120  # min = max = 2


def test_tick_buffers_keep_every_number_and_share_memory() -> None:
    values = np.array([0.0, 0.1, 1e-300, 1.0 / 3.0, 2.0**53 + 2, np.inf, -0.0])
    floats = tick_floats(values)
    assert floats[1] == 0.1 and type(floats[1]) is float  # the loop reads Python floats
    view = as_array(floats)
    assert view.dtype == np.float64 and view.tobytes() == values.tobytes()  # bit for bit
    view[0] = 7.5
    assert floats[0] == 7.5  # the same memory, no copy
    ints = tick_ints(3)
    ints[2] = 2**40
    assert as_array(ints).dtype == np.int64 and as_array(ints).tolist() == [0, 0, 2**40]
    assert len(tick_floats(4)) == 4 and list(tick_floats(2)) == [0.0, 0.0]


@pytest.mark.parametrize("rows", [
    [(15.0, 2, 3, 3, "DesiredWithinRange"), (30.0, 3, 3, 3, "")],  # every sync proposed
    [(15.0, 2, None, 2, "failed to get cpu utilization"), (30.0, 2, 4, 4, "")],  # NaN
    [(15.0, 2, None, 2, "no metrics"), (30.0, 2, None, 2, "no metrics")],  # none proposed
    [],
], ids=["int64", "float64-nan", "all-none", "empty"])
def test_sync_log_builds_the_table_pandas_builds_from_its_rows(rows: list[tuple]) -> None:  # type: ignore[type-arg]
    log = SyncLog()
    for row in rows:
        log.append(row)
    expected = pd.DataFrame(rows, columns=["time_s", "current", "proposal", "written", "reason"])
    assert list(log) == rows
    pd.testing.assert_frame_equal(log.frame(), expected)  # values and dtypes


def test_sync_log_rows_moved_into_its_columns_in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    # two rows a move: five rows are two moves and one row held as a tuple until read
    monkeypatch.setattr(tick_buffers, "_ROWS_PER_MOVE", 2)
    rows = [(15.0, 2, 3, 3, "DesiredWithinRange"), (30.0, 3, None, 3, "no metrics"),
            (45.0, 3, 4, 4, ""), (60.0, 4, 4, 4, ""), (75.0, 4, None, 4, "no metrics")]
    log = SyncLog()
    for row in rows:
        log.append(row)
    assert len(log) == 5 and len(log.reason) == 4  # the fifth not moved yet
    expected = pd.DataFrame(rows, columns=["time_s", "current", "proposal", "written", "reason"])
    assert list(log) == rows
    pd.testing.assert_frame_equal(log.frame(), expected)  # proposal float64, NaN at 1 and 4
