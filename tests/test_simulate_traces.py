"""Invariants of the simulation on slices of every real trace in ../shared/traces."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from infra_toolkit.hpa import (
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    HPASpec,
    cpu_utilization_metric,
)
from infra_toolkit.nodes import NodeGroup
from infra_toolkit.simulate import SimulationSpec, simulate
from infra_toolkit.traffic import TrafficCurve, read_traffic_csv, slice_curve
from infra_toolkit.workload import WorkloadSpec

# (trace, slice start s, slice length s): short slices keep the suite fast; the benchmark runs days
SLICES = [
    ("nasa_http_jul1995_1min", 12 * 86400 + 6 * 3600, 4 * 3600),  # 13 Jul, the launch flash crowd
    ("worldcup98_jun22-jul12_1min", 15 * 86400 + 18 * 3600, 4 * 3600),  # 7 Jul semi-final
    ("azure_llm_code_20231116_1s", 0, 3400),
    ("azure_llm_conv_20231116_1s", 0, 3400),
]
UP_PODS, DOWN_PERCENT, PERIOD_S, DOWN_WINDOW_S = 2, 50, 60, 120
BEHAVIOR = HPABehavior(
    scale_up=HPAScalingRules(0, "Max", (HPAScalingPolicy("Pods", UP_PODS, PERIOD_S),)),
    scale_down=HPAScalingRules(DOWN_WINDOW_S, "Max",
                               (HPAScalingPolicy("Percent", DOWN_PERCENT, PERIOD_S),)),
)
MIN, MAX = 2, 12


def _spec(curve: TrafficCurve, behavior: HPABehavior | None) -> SimulationSpec:
    cap = float(np.percentile(curve.rps, 99)) / 8  # about 8 pods at the p99 rate
    workload = WorkloadSpec(cpu_request_millicores=500, capacity_rps_per_pod=cap,
                            cpu_millicores_per_rps=500 / cap, baseline_cpu_millicores=20,
                            startup_cpu_millicores=300, startup_cpu_s=20, concurrency=4)
    return SimulationSpec(
        HPASpec(max_replicas=MAX, min_replicas=MIN, metrics=(cpu_utilization_metric(60),),
                behavior=behavior),
        workload, (NodeGroup("ng", "m5.large", 2, 8, 29, min_size=1, max_size=6),))


def _run(shared: Path, stem: str, start_s: int, length_s: int, behavior: HPABehavior | None):
    curve = slice_curve(read_traffic_csv(shared / "traces" / f"{stem}.csv"), start_s, length_s)
    return simulate(curve, _spec(curve, behavior))


@pytest.fixture(scope="module", params=[(s, b) for s in SLICES for b in ("legacy", "behavior")],
                ids=lambda p: f"{p[0][0]}-{p[1]}")
def run(request: pytest.FixtureRequest, shared_dir: Path):  # type: ignore[no-untyped-def]
    (stem, start, length), kind = request.param
    return kind, _run(shared_dir, stem, start, length, BEHAVIOR if kind == "behavior" else None)


def test_replicas_stay_within_bounds(run) -> None:  # type: ignore[no-untyped-def]
    _, result = run
    written = result.syncs["written"]
    assert written.between(MIN, MAX).all()
    assert result.timeline["spec_replicas"].between(MIN, MAX).all()
    assert result.summary.scale_events > 0  # the slice makes the HPA work


def test_no_scale_down_inside_stabilization_window(run) -> None:  # type: ignore[no-untyped-def]
    kind, result = run
    window = DOWN_WINDOW_S if kind == "behavior" else 300  # the controller flag's default
    syncs = result.syncs
    first = syncs["time_s"].iloc[0]
    assert (syncs["written"] < syncs["current"]).any()  # the check below is not vacuous
    for t, current, written in zip(syncs["time_s"], syncs["current"], syncs["written"]):
        if written >= current:
            continue
        # a scale-down may not go below any proposal recorded in the window, including the
        # current size the controller records at its first sync. The behavior window holds
        # ages < window (Go After(cutoff)); the legacy one ages <= window (!Before(cutoff)), and
        # at 15 s syncs a 300 s-old recommendation exists, so the edge matters.
        age = t - syncs["time_s"]
        in_window = (age < window) if kind == "behavior" else (age <= window)
        recent = syncs[in_window & (age >= 0)]["proposal"]
        floor = recent.dropna().max()
        if in_window[syncs["time_s"] == first].iloc[0]:
            floor = max(floor, syncs["current"].iloc[0])
        assert written >= min(floor, current), (t, written, floor)


def test_changes_within_policies(run) -> None:  # type: ignore[no-untyped-def]
    kind, result = run
    ev = result.events[result.events["kind"] == "hpa_scale"]
    times, before, after = (ev["time_s"].to_numpy(), ev["from"].to_numpy(), ev["to"].to_numpy())
    assert times.size > 0  # the loop below checks something
    for i, (t, cur, new) in enumerate(zip(times, before, after)):
        if kind == "legacy":
            # no behavior: up to max(2 x current, 4) per sync, no limit down
            assert new <= max(2 * cur, 4)
            continue
        recent = (times[:i] > t - PERIOD_S)  # age < period
        ups = np.clip(after[:i] - before[:i], 0, None)[recent].sum()
        downs = np.clip(before[:i] - after[:i], 0, None)[recent].sum()
        period_start = cur - ups + downs
        if new > cur:
            assert new <= max(cur, period_start + UP_PODS), (t, cur, new, period_start)
        else:
            assert new >= max(MIN, min(cur, int(period_start * (1 - DOWN_PERCENT / 100)))), (t,)


def test_pod_hours_equal_integral_of_replicas(run) -> None:  # type: ignore[no-untyped-def]
    _, result = run
    syncs = result.syncs
    duration = result.summary.duration_s
    # replicas hold from one sync to the next: initial size until the first sync, then each
    # sync's written size until the next sync (or the end)
    bounds = np.concatenate([syncs["time_s"].to_numpy(), [duration]])
    integral = syncs["current"].iloc[0] * bounds[0] + float(
        np.sum(syncs["written"].to_numpy() * np.diff(bounds)))
    assert result.summary.pod_hours == pytest.approx(integral / 3600, rel=1e-12)


def test_requests_are_conserved(run) -> None:  # type: ignore[no-untyped-def]
    _, result = run
    s = result.summary
    t = result.timeline
    tick = float(t["time_s"].iloc[1] - t["time_s"].iloc[0])
    in_queue = float(t["backlog_requests"].iloc[-1])
    assert s.served_requests + s.dropped_requests + in_queue == pytest.approx(s.offered_requests)
    assert math.isclose(s.offered_requests, float(t["offered_rps"].sum()) * tick)
