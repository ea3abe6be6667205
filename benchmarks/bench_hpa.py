"""Reconcile calls per second for a typical CPU-utilization HPA with behavior (10 pods).

A week of 15 s syncs is 40,320 reconciles; the simulator needs them in well under a second.
Run: ``python benchmarks/bench_hpa.py`` (``make bench``). Timed in process CPU time, so other
processes on a busy machine distort it less; the best of several weeks is reported.
"""

from __future__ import annotations

import math
import time

from infra_toolkit.hpa import (
    HPABehavior,
    HPASpec,
    HPAState,
    MetricsSnapshot,
    Pod,
    PodSample,
    cpu_utilization_metric,
    reconcile,
)

SYNCS = 40_320  # 7 days at one sync per 15 s
PODS = 10
REPEATS = 5


def one_week(hpa: HPASpec, pool: list[Pod], demand: list[float]) -> tuple[float, int]:
    """CPU seconds spent in reconcile over a week of syncs, and the number of rescales."""
    state = HPAState()
    replicas = PODS
    scale_changes = 0
    elapsed = 0.0
    for k in range(SYNCS):
        now_s = 15.0 * k
        pods = pool[:replicas]
        per_pod = int(demand[k] / replicas)
        samples = {pod.name: PodSample(per_pod, now_s - 10.0, 15.0) for pod in pods}
        metrics = MetricsSnapshot(resource={"cpu": samples})
        start = time.process_time()
        result = reconcile(hpa, replicas, pods, metrics, state, now_s)
        elapsed += time.process_time() - start
        state = result.state
        scale_changes += result.scale_updated
        replicas = result.desired_replicas
    return elapsed, scale_changes


def main() -> None:
    hpa = HPASpec(
        max_replicas=30, min_replicas=2, metrics=(cpu_utilization_metric(60),),
        behavior=HPABehavior(),
    )
    pool = [
        Pod(f"web-{i}", "Running", True, -3600.0, -3570.0, False, {"cpu": 500}) for i in range(30)
    ]
    # A daily cycle of total CPU demand (millicores) around 10 pods at 60 % of 500m.
    demand = [3000 + 1500 * math.sin(2 * math.pi * k / 5760) for k in range(SYNCS)]
    runs = [one_week(hpa, pool, demand) for _ in range(REPEATS)]
    best = min(elapsed for elapsed, _ in runs)
    median = sorted(elapsed for elapsed, _ in runs)[REPEATS // 2]
    print(f"reconcile (CPU utilization, behavior, ~{PODS} pods, {runs[0][1]} rescales a week): "
          f"{SYNCS / best:,.0f} calls/s ({best / SYNCS * 1e6:.1f} us/call; median of "
          f"{REPEATS} weeks {median / SYNCS * 1e6:.1f} us); a week of {SYNCS} syncs in "
          f"{best:.3f} s")


if __name__ == "__main__":
    main()
