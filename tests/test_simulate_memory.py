"""A memory-utilization HPA in the simulation, worked out by hand sync by sync."""

from __future__ import annotations

import dataclasses

import pytest

from infra_toolkit.errors import SimulationError
from infra_toolkit.hpa import HPASpec, MetricSpec, MetricTarget, ResourceMetricSource
from infra_toolkit.nodes import NodeGroup
from infra_toolkit.readiness import Probe
from infra_toolkit.simulate import SimulationSpec, simulate
from infra_toolkit.traffic import constant_curve
from infra_toolkit.workload import WorkloadSpec

# Pods: 512 MiB memory request, working set 300 MiB + 4 MiB per rps, at most 100 rps each;
# Ready 10 + 20 + 5 = 35 s after being scheduled. One roomy node group. HPA: memory 80 %,
# min 3, max 15, no behavior. Load: a flat 120 rps. Scrapes at 5, 20, 35, ... s (15 s windows).
MEMORY_80 = MetricSpec(type="Resource", resource=ResourceMetricSource(
    "memory", MetricTarget("Utilization", average_utilization=80)))
WORKLOAD = WorkloadSpec(cpu_request_millicores=250, memory_request_mib=512,
                        capacity_rps_per_pod=100, cpu_millicores_per_rps=1, concurrency=8,
                        image_pull_s=10, app_start_s=20, readiness_probe=Probe(25, 5),
                        memory_baseline_mib=300, memory_mib_per_rps=4)
SPEC = SimulationSpec(
    HPASpec(max_replicas=15, min_replicas=3, metrics=(MEMORY_80,)),
    WORKLOAD,
    (NodeGroup("ng", "m5.xlarge", vcpu=4, memory_gib=16, max_pods=58, min_size=2, max_size=5),),
)

# 15 : scrape 5 covers [-10, 5): no full window -> no metrics, stays 3
# 30 : 3 pods at 40 rps -> 300 + 160 = 460 MiB of 512: int(1380*100/1536) = 89 %;
#      89/80 = 1.1125 > 1.1 -> ceil(1.1125*3) = 4 (legacy cap max(6, 4) = 6)
# 45, 60: pod 4 scheduled 30, Running 40 (no sample before scrape 55) = missing, counted 0 on
#      a scale-up: int(1380*100/2048) = 67 % -> 0.84 flips direction -> keep 4
# 75 : scrape 65: pods 1-3 at 460 MiB, pod 4 Running with a sample (memory has no readiness
#      rule) at its 300 MiB baseline: int(1680*100/2048) = 82 % -> 1.025, within -> 4
# 90+: 4 pods at 30 rps -> 420 MiB: int(1680*100/2048) = 82 % -> 4
EXPECTED_WRITTEN = {15: 3, 30: 4, **{t: 4 for t in range(45, 300, 15)}}


def test_memory_utilization_hpa_scales_as_worked_out_by_hand() -> None:
    result = simulate(constant_curve(120, 300), SPEC)
    got = dict(zip(result.syncs["time_s"].astype(int), result.syncs["written"], strict=True))
    assert got == EXPECTED_WRITTEN


def test_memory_metric_without_a_memory_model_is_refused() -> None:
    no_model = dataclasses.replace(SPEC, workload=dataclasses.replace(
        WORKLOAD, memory_baseline_mib=None))
    with pytest.raises(SimulationError, match=r"spec\.metrics\[0\] \(Resource memory\) needs the "
                       r"workload's memory model: set memory_baseline_mib"):
        simulate(constant_curve(120, 300), no_model)
