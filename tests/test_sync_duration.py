"""A sync that lasts ``sync_duration_s``: it reads at its start and writes the scale at its end
(SPEC.md §3 step 6 and "Timing"), in all three engines."""

from __future__ import annotations

import dataclasses

import pytest

from infra_toolkit.hpa import HPASpec, cpu_utilization_metric
from infra_toolkit.nodes import NodeGroup
from infra_toolkit.simulate import SimulationSpec, simulate, simulate_cluster, simulate_many
from infra_toolkit.traffic import step_curve
from infra_toolkit.workload import WorkloadSpec

# Pods: 500m CPU request, 100 rps each at most, 4 millicores per rps, Ready the tick they are
# created (no pull, start or readiness delay). Nodes: 3 m5.large (1930m allocatable -> 3 pods
# each, 9 slots), fixed size, so new pods are placed at once. HPA: CPU 50 %, min 2, max 10,
# legacy path, tolerance 0.1. Metrics: scrapes at 5, 20, 35, 50, 65, 80, 95, 110 s, each the mean
# over the 15 s before. Load: 100 rps, 400 rps from 60 s; the run lasts 120 s.
#
# Syncs (period 15 s, duration 10 s; the next starts 15 s after the previous ended):
#   15 (ends 25), 40 (50), 65 (75), 90 (100), 115 (125).
#   15: scrape 5 has no full window -> no metrics, stays 2.
#   40: scrape 35, 2 pods x 50 rps = 200m = 40 %: ratio 0.8 -> ceil(1.6) = 2, stays 2.
#   65: scrape 65, window [50, 65): ticks 50, 55 at 50 rps per pod and tick 60 at 100 (capacity
#       2 x 100; 200 rps dropped) -> 66.7 rps -> 266.7m -> 267m; int(2*267*100/1000) = 53 %,
#       ratio 1.06 within tolerance -> stays 2.
#   90: scrape 80, window [65, 80): 100 rps per pod = 400m = 80 %: ratio 1.6 -> ceil(3.2) = 4,
#       legacy cap max(2*2, 4) = 4 -> 4, written at the sync's end, 90 + 10 = 100 s.
#   115: would write at 125 s, after the run.
# So spec and Ready pods are 2 until 95 s and 4 from 100 s. Dropped: 200 rps over 60..100 s =
# 200 * 40 = 8000 requests. Pod-hours: (2 * 100 + 4 * 20) / 3600 = 280 / 3600.
# With sync_duration_s 0 the syncs are 15, 30, ..., 90: the same reads, written at 90 s:
# dropped 200 * 30 = 6000, pod-hours (2 * 90 + 4 * 30) / 3600 = 300 / 3600.
WORKLOAD = WorkloadSpec(cpu_request_millicores=500, capacity_rps_per_pod=100,
                        cpu_millicores_per_rps=4, image_pull_s=0, app_start_s=0,
                        readiness_probe=None)  # no probe: Ready when running, at once
SPEC = SimulationSpec(
    HPASpec(max_replicas=10, min_replicas=2, metrics=(cpu_utilization_metric(50),)), WORKLOAD,
    (NodeGroup("ng", "m5.large", 2, 8, 29, min_size=3, max_size=3),), sync_duration_s=10)
TRAFFIC = step_curve(100.0, 400.0, at_s=60, duration_s=120, step_s=60)


def test_the_scale_is_written_at_the_end_of_the_sync() -> None:
    r = simulate(TRAFFIC, SPEC)
    t = r.timeline.set_index("time_s")
    assert list(t.loc[90.0:105.0, "spec_replicas"]) == [2, 2, 4, 4]
    assert list(t.loc[90.0:105.0, "ready_pods"]) == [2, 2, 4, 4]
    scales = r.events[r.events["kind"] == "hpa_scale"]
    assert scales[["time_s", "from", "to"]].values.tolist() == [[100.0, 2, 4]]
    # the sync log keeps when each sync read (its start)
    assert list(r.syncs["time_s"]) == [15.0, 40.0, 65.0, 90.0, 115.0]
    assert list(r.syncs["written"]) == [2, 2, 2, 4, 4]


def test_the_sync_wait_of_time_to_capacity_lasts_until_the_write() -> None:
    # Under capacity 60 -> 100 s: first scrape after 60 is 65 (metric lag 5), the sync starting
    # at 65 ends at 75 (sync wait 10), the pods are created by the write at 100 (hold 25),
    # scheduled and Ready at once: 5 + 10 + 25 + 0 + 0 = 40. The spec (2) is below maxReplicas
    # 10 throughout, and no second waits for a node (the 3 nodes at max_size 3 do not matter):
    # nothing at a limit.
    (e,) = simulate(TRAFFIC, SPEC).summary.time_to_capacity
    assert (e.start_s, e.end_s, e.total_s, e.metric_lag_s, e.sync_wait_s, e.controller_hold_s,
            e.at_max_replicas_s, e.node_provisioning_s, e.at_max_nodes_s, e.pod_startup_s,
            e.closed_by) == (60.0, 100.0, 40.0, 5.0, 10.0, 25.0, 0.0, 0.0, 0.0, 0.0, "pods")


@pytest.mark.parametrize("engine", ["sweep", "scalar"])
def test_simulate_many_writes_at_the_end_of_the_sync(engine: str) -> None:
    specs = [dataclasses.replace(SPEC, name="d10"),
             dataclasses.replace(SPEC, sync_duration_s=0, name="d0")]
    rows = simulate_many(TRAFFIC, specs, engine=engine).set_index("name")
    assert rows.loc["d10", "dropped_requests"] == pytest.approx(8000.0, abs=1e-9)
    assert rows.loc["d10", "pod_hours"] == pytest.approx(280 / 3600, abs=1e-12)
    assert rows.loc["d0", "dropped_requests"] == pytest.approx(6000.0, abs=1e-9)
    assert rows.loc["d0", "pod_hours"] == pytest.approx(300 / 3600, abs=1e-12)
    assert list(rows["scale_events"]) == [1, 1]


def test_shared_cluster_writes_each_workload_at_its_sync_end() -> None:
    # Two workloads on the one group (4 pods, then 8 of the 9 slots): "slow" syncs for 10 s and
    # writes at 100 s, "fast" (duration 0) writes at 90 s, each as when alone.
    joint = simulate_cluster({"slow": TRAFFIC, "fast": TRAFFIC},
                             {"slow": SPEC, "fast": dataclasses.replace(SPEC, sync_duration_s=0)})
    for name, first in (("slow", 100.0), ("fast", 90.0)):
        t = joint.simulations[name].timeline
        assert t[t["spec_replicas"] > 2]["time_s"].iloc[0] == first
        assert t[t["ready_pods"] > 2]["time_s"].iloc[0] == first
