"""KEDA's scaling to zero (keda_activation, keda_summary, the loops' polls): every expected value
below is worked out by hand from KEDA's rules (kedacore/keda pkg/scaling/executor/
scale_scaledobjects.go RequestScale / scaleToZeroOrIdle / scaleFromZeroOrIdle, the scalers'
activation: value strictly above the threshold) and the simulator's documented timings."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from infra_toolkit.errors import SimulationError
from infra_toolkit.hpa_api import hpa_from_dict
from infra_toolkit.keda_activation import (
    KedaActivation,
    KedaDecision,
    TriggerActivation,
    keda_poll,
    trigger_values,
)
from infra_toolkit.keda_scaled_object import read_scaled_object
from infra_toolkit.keda_summary import zero_scaling
from infra_toolkit.nodes import ClusterAutoscalerSpec, NodeGroup
from infra_toolkit.readiness import Probe
from infra_toolkit.sections_scaling import _zero_row
from infra_toolkit.simulate import (
    SimulationResult,
    SimulationSpec,
    simulate,
    simulate_cluster,
    simulate_many,
)
from infra_toolkit.sweep_params import unsupported
from infra_toolkit.traffic import TrafficCurve
from infra_toolkit.tuning_keda import keda_value_problems
from infra_toolkit.workload import WorkloadSpec

QUEUE = "s0-aws-sqs-orders"
# scaleOnInFlight absent: KEDA's default true, the messages being processed count
SQS = TriggerActivation(QUEUE, 0.0, "activationQueueLength", in_flight=True)
# KEDA's defaults: pollingInterval 30, cooldownPeriod 300, initialCooldownPeriod 0,
# minReplicaCount 0 (absent), no idleReplicaCount
DEFAULTS = KedaActivation(30, 300, 0, 0, None, (SQS,))
SO = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
      "metadata": {"name": "orders-worker"},
      "spec": {"scaleTargetRef": {"name": "orders-worker"}, "triggers": [
          {"type": "aws-sqs-queue", "metadata": {
              "queueURL": "https://sqs.eu-west-1.amazonaws.com/123456789012/orders",
              "queueLength": "100"}}]}}


def test_min_replica_count_omitted_is_read_as_keda_scale_to_zero() -> None:
    # minReplicaCount absent = KEDA's 0: the HPA runs at minReplicas 1 (GetHPAMinReplicas) and
    # KEDA's operator owns 0 <-> 1, with the timers' defaults and activationQueueLength 0
    read = read_scaled_object(SO, "so.yaml")
    assert read.hpa["spec"]["minReplicas"] == 1
    assert read.hpa["spec"]["maxReplicas"] == 100
    assert read.activation == DEFAULTS


def test_idle_replica_count_and_the_timers_are_read() -> None:
    doc = copy.deepcopy(SO)
    doc["spec"].update(minReplicaCount=2, idleReplicaCount=0, pollingInterval=15,
                       cooldownPeriod=120, initialCooldownPeriod=60)
    doc["spec"]["triggers"][0]["metadata"].update(activationQueueLength="10",
                                                  scaleOnInFlight="false")
    doc["spec"]["triggers"].append({"type": "prometheus", "metadata": {
        "serverAddress": "http://p", "query": "q", "threshold": "5",
        "activationThreshold": "2.5"}})
    read = read_scaled_object(doc, "so.yaml")
    assert read.hpa["spec"]["minReplicas"] == 2
    assert read.activation == KedaActivation(15, 120, 60, 2, 0, (
        TriggerActivation(QUEUE, 10.0, "activationQueueLength", in_flight=False),
        TriggerActivation("s1-prometheus", 2.5, "activationThreshold")))


def test_min_replica_count_one_without_idle_leaves_the_scaling_to_the_hpa() -> None:
    doc = copy.deepcopy(SO)
    doc["spec"]["minReplicaCount"] = 1
    assert read_scaled_object(doc, "so.yaml").activation is None


@pytest.mark.parametrize(("activation", "current", "value", "now", "last", "expected"), [
    # active at 0: scaleFromZeroOrIdle writes max(minReplicaCount, 1) = 1, lastActiveTime now
    (DEFAULTS, 0, 12.0, 120.0, None,
     KedaDecision(1, 120.0, f"KEDA activated: {QUEUE} 12 > activationQueueLength 0")),
    # active above 0: only lastActiveTime moves (the HPA scales)
    (DEFAULTS, 3, 12.0, 150.0, 120.0, KedaDecision(None, 150.0)),
    # inactive: 120 + 300 = 420 is not before 420 (strictly) ...
    (DEFAULTS, 1, 0.0, 420.0, 120.0, KedaDecision(None, 120.0)),
    # ... but before 450: scaleToZeroOrIdle writes minReplicaCount 0
    (DEFAULTS, 1, 0.0, 450.0, 120.0, KedaDecision(0, 120.0, (
        "KEDA deactivated: no trigger active (last active at 120 s; cooldownPeriod 300 s); "
        "to minReplicaCount 0"))),
    # never active: initialCooldownPeriod 0 from creation (t = 0) is before the first poll
    (DEFAULTS, 1, 0.0, 30.0, None, KedaDecision(0, None, (
        "KEDA deactivated: no trigger active (never active; initialCooldownPeriod 0 s); "
        "to minReplicaCount 0"))),
    # a value equal to the threshold is not above it: inactive, already at 0, no change
    (dataclasses.replace(DEFAULTS, triggers=(TriggerActivation(QUEUE, 12.0, "t"),)),
     0, 12.0, 60.0, None, KedaDecision(None, None)),
    # idleReplicaCount 0 with minReplicaCount 2: from idle, activation writes 2; inactive after
    # the cooldown writes the idle count 0 even from 5 replicas
    (KedaActivation(30, 300, 0, 2, 0, (SQS,)), 0, 1.0, 60.0, None,
     KedaDecision(2, 60.0, f"KEDA activated: {QUEUE} 1 > activationQueueLength 0")),
    (KedaActivation(30, 300, 0, 2, 0, (SQS,)), 5, 0.0, 390.0, 60.0, KedaDecision(0, 60.0, (
        "KEDA deactivated: no trigger active (last active at 60 s; cooldownPeriod 300 s); "
        "to idleReplicaCount 0"))),
])
def test_keda_poll_follows_request_scale(activation: KedaActivation, current: int, value: float,
                                         now: float, last: float | None,
                                         expected: KedaDecision) -> None:
    assert keda_poll(activation, current, {QUEUE: value}, now, last) == expected


def test_a_poll_reads_the_last_tick() -> None:
    # after 3 ticks of 5 s: a push consumer's queue-depth trigger reads tick 2's backlog 4 plus
    # its drops, 2 rps x 5 s = 10, plus in flight its 5 served rps x 0.08 s a request = 0.4 ->
    # 14.4; the same queue without scaleOnInFlight 14; the prometheus trigger the 7 rps offered
    # in tick 2
    both = dataclasses.replace(DEFAULTS, triggers=(
        SQS, TriggerActivation("s1-aws-sqs-other", 0, "t"),
        TriggerActivation("s2-prometheus", 0, "t")))
    series = ([1.0, 3.0, 7.0], [1.0, 3.0, 5.0], [0.0, 0.0, 4.0], [0.0, 0.0, 2.0])
    assert trigger_values(both, {QUEUE, "s1-aws-sqs-other"}, series, 5, 0.08, 3,
                          pull=False) == \
        {QUEUE: pytest.approx(14.4), "s1-aws-sqs-other": 14.0, "s2-prometheus": 7.0}
    assert trigger_values(both, {QUEUE}, series, 5, 0.08, 0, pull=False) == \
        {QUEUE: 0.0, "s1-aws-sqs-other": 0.0, "s2-prometheus": 0.0}
    # a pull consumer's queue is its backlog (its drops expired, gone from the broker): 4, plus
    # in flight 0.4 -> 4.4; without scaleOnInFlight 4
    assert trigger_values(both, {QUEUE, "s1-aws-sqs-other"}, series, 5, 0.08, 3,
                          pull=True) == \
        {QUEUE: pytest.approx(4.4), "s1-aws-sqs-other": 4.0, "s2-prometheus": 7.0}


# One SQS worker: 100 rps a pod, Ready 35 s after being scheduled (image 10 s, app up at 30 s,
# the readiness probe's 25 s delay over at 35 s on its 5 s grid); the queue holds 600 s; the HPA
# KEDA made: External s0-aws-sqs-orders, AverageValue 100 messages a pod, minReplicas 1.
# Ticks of 5 s: gcd(sync 15, scrape 15 / offset 5, scan 10, pollingInterval 30).
HPA = hpa_from_dict({
    "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "w"},
             "minReplicas": 1, "maxReplicas": 10, "metrics": [{"type": "External", "external": {
                 "metric": {"name": QUEUE},
                 "target": {"type": "AverageValue", "averageValue": "100"}}}]}})
WORKER = WorkloadSpec(cpu_request_millicores=1000, capacity_rps_per_pod=100,
                      cpu_millicores_per_rps=10, concurrency=8, image_pull_s=10, app_start_s=20,
                      readiness_probe=Probe(25, 5), queue_timeout_s=600,
                      queue_depth_metrics=(QUEUE,))
WARM_NODE = NodeGroup("ng", "m5.xlarge", vcpu=4, memory_gib=16, max_pods=58, min_size=1,
                      max_size=5)
SPEC = SimulationSpec(HPA, WORKER, (WARM_NODE,), ClusterAutoscalerSpec(provisioning_delay_s=60),
                      initial_replicas=0, keda=DEFAULTS)
# messages from t = 100 s to 400 s at 1 a second, none before or after; 1,200 s in all
RATE = np.zeros(240)
RATE[20:80] = 1.0
ORDERS = TrafficCurve(RATE, 5.0)


def _keda_events(result: SimulationResult) -> list[tuple[float, int, int, str]]:
    events = result.events
    rows = events[events["kind"] == "keda_scale"]
    return [(float(t), int(a), int(b), str(r)) for t, a, b, r in
            zip(rows["time_s"], rows["from"], rows["to"], rows["reason"], strict=True)]


def test_the_queue_wakes_the_worker_at_the_next_poll_and_it_sleeps_after_the_cooldown() -> None:
    # polls at 30, 60, 90: nothing offered yet, value 0, inactive; at 0 with minReplicaCount 0
    # nothing to do. Messages from 100 s: no Ready pod, so the simulator's queue (what Ready
    # pods serve in 600 s = 0) drops them: tick [115, 120) drops 1 rps x 5 s = 5 -> the poll at
    # 120 (the first after 100: 90 < 100 <= 120) reads 5 > activationQueueLength 0 -> 0 -> 1.
    # The pod lands on the warm node at once and is Ready at 120 + 35 = 155; the poll at 150
    # still reads tick [145, 150)'s 5 drops. From 155 the pod serves the 1 rps as it comes:
    # nothing waits, but a message is in flight 8 / 100 = 0.08 s, so the queue holds
    # 1 x 0.08 = 0.08 > 0 in flight (scaleOnInFlight): active at every poll to 390 (tick
    # [385, 390)). The poll at 420 reads tick [415, 420), after the last message at 400: 0.
    # Cooldown: 390 + 300 = 690; 690 is not before the poll at 690, so the poll at 720 writes 0.
    result = simulate(ORDERS, SPEC)
    assert _keda_events(result) == [
        (120.0, 0, 1, f"KEDA activated: {QUEUE} 5 > activationQueueLength 0"),
        (720.0, 1, 0, "KEDA deactivated: no trigger active (last active at 390 s; "
                      "cooldownPeriod 300 s); to minReplicaCount 0")]
    # at 0 the HPA did nothing (ScalingDisabled): it wrote 0 at every sync before 120
    syncs = result.syncs.set_index("time_s")
    assert list(syncs.loc[15.0:105.0, "written"]) == [0] * 7
    # one pod from 120 to 720: 600 s = 1/6 pod-hour, what the cost is priced on; dropped:
    # 100..155 s at 1 rps = 55 of the 300 offered
    assert result.summary.pod_hours == pytest.approx(600 / 3600)
    assert result.summary.dropped_requests == pytest.approx(55.0)
    # at zero: [0, 120) and [720, 1200) = 120 + 480 = 600 s; one cold start: demand at 100,
    # KEDA's write at 120 (activation wait 20 s), Ready at 155 (35 s, all the pod's: no node
    # wait)
    zeros = zero_scaling(result.timeline, result.events, 5.0, WORKER.startup_s)
    assert zeros.seconds_at_zero == 600.0 and zeros.deactivations == 1
    (cold,) = zeros.cold_starts
    assert (cold.demand_s, cold.activated_s, cold.ready_s) == (100.0, 120.0, 155.0)
    assert (cold.activation_wait_s, cold.node_wait_s, cold.pod_startup_s, cold.total_s) == \
        (20.0, 0.0, 35.0, 55.0)
    # the warm node group's min_size 1 keeps its node (billed) while the worker is at zero
    assert _zero_row("steady", "orders", zeros, {"ng": 1}) == {
        "Scenario": "steady", "Workload": "orders", "Time at zero replicas": "10 min",
        "Cold starts": 1, "Scaled to zero": 1, "Longest cold start": "55 s",
        "Activation wait": "20 s", "Node wait": "0 s", "Pod start-up": "35 s",
        "Nodes kept at zero (min_size)": "ng 1"}
    assert result.summary.node_hours_by_node_group == {"ng": pytest.approx(1200 / 3600)}


def test_without_scale_on_in_flight_a_drained_queue_is_inactive() -> None:
    # scaleOnInFlight "false": from 155 the queue the pod keeps drained reads 0, so the last
    # active poll is 150 (tick [145, 150)'s drops): 150 + 300 = 450 is not before 450, the poll
    # at 480 writes 0; one pod from 120 to 480 = 360 s = 0.1 pod-hours
    keda = dataclasses.replace(DEFAULTS, triggers=(dataclasses.replace(SQS, in_flight=False),))
    result = simulate(ORDERS, dataclasses.replace(SPEC, keda=keda))
    assert [e[:3] for e in _keda_events(result)] == [(120.0, 0, 1), (480.0, 1, 0)]
    assert result.summary.pod_hours == pytest.approx(360 / 3600)


def test_a_cold_start_on_no_node_waits_for_one() -> None:
    # min_size 0: no node at zero pods. KEDA writes 1 at 120 (as above); the scan at 120 ran
    # before the write (node events first at an instant), the scan at 130 launches a node,
    # Ready at 130 + 60 = 190; the pod is Ready at 190 + 35 = 225: of the 105 s after the
    # write, 35 s the pod's start-up, 70 s the node. Drops: 100..225 s = 125 requests. Active
    # to the poll at 390 as above (in flight), so 0 at 720. Node-hours: billed from the scan at
    # 130 to the run's end (600 s unneeded after 720 ends after 1,200 s) = 1,070 s.
    spec = dataclasses.replace(SPEC, node_groups=(dataclasses.replace(WARM_NODE, min_size=0),))
    result = simulate(ORDERS, spec)
    assert [e[:3] for e in _keda_events(result)] == [(120.0, 0, 1), (720.0, 1, 0)]
    assert result.summary.dropped_requests == pytest.approx(125.0)
    assert result.summary.pod_hours == pytest.approx(600 / 3600)
    assert result.summary.node_hours_by_node_group == {"ng": pytest.approx(1070 / 3600)}
    zeros = zero_scaling(result.timeline, result.events, 5.0, WORKER.startup_s)
    (cold,) = zeros.cold_starts
    assert (cold.activation_wait_s, cold.node_wait_s, cold.pod_startup_s) == (20.0, 70.0, 35.0)
    assert zeros.seconds_at_zero == 120.0 + 480.0
    assert _zero_row("steady", "orders", zeros, {"ng": 0})["Nodes kept at zero (min_size)"] \
        == "none"


def test_idle_replica_count_wakes_to_min_replica_count() -> None:
    # minReplicaCount 2, idleReplicaCount 0: the HPA's minReplicas is 2 and KEDA wakes the
    # worker from idle to 2 at 120 (same poll as above); both pods on the warm node (3 slots),
    # Ready at 155; in flight to the poll at 390 -> the idle count 0 at 720
    spec = dataclasses.replace(SPEC, hpa=dataclasses.replace(HPA, min_replicas=2),
                               keda=KedaActivation(30, 300, 0, 2, 0, (SQS,)))
    result = simulate(ORDERS, spec)
    assert [e[:3] for e in _keda_events(result)] == [(120.0, 0, 2), (720.0, 2, 0)]
    assert result.summary.pod_hours == pytest.approx(2 * 600 / 3600)


def test_the_joint_loop_polls_as_the_single_one() -> None:
    # two such workers on one node group run through the shared loop: each is woken and put
    # to sleep at the same polls as alone (the warm node has 3 slots, room for both)
    result = simulate_cluster({"a": ORDERS, "b": ORDERS}, {"a": SPEC, "b": SPEC})
    alone = _keda_events(simulate(ORDERS, SPEC))
    for name in ("a", "b"):
        assert _keda_events(result.simulations[name]) == alone


def test_the_sweep_runs_keda_specs_on_the_scalar_path() -> None:
    assert unsupported(SPEC) == "KEDA's scaling to zero, which only the scalar path's loops poll"
    rows = simulate_many(ORDERS, [dataclasses.replace(SPEC, name=f"v{i}") for i in range(12)],
                         engine="sweep")
    assert list(rows["pod_hours"]) == [pytest.approx(600 / 3600)] * 12


def test_a_trigger_that_is_no_metric_of_the_hpa_is_refused() -> None:
    other = dataclasses.replace(DEFAULTS, triggers=(TriggerActivation("s0-prometheus", 0, "t"),))
    with pytest.raises(SimulationError, match=r"KEDA's triggers s0-prometheus are no External "
                                              rf"metric of the HPA \(it has {QUEUE}\)"):
        dataclasses.replace(SPEC, keda=other)


def test_the_sweep_refuses_min_replicas_of_a_scaled_object_that_scales_to_zero() -> None:
    # minReplicas 2 would be minReplicaCount 2, which (no idleReplicaCount) stops the scaling
    # to zero the run would still do: a row no ScaledObject reproduces
    hpa = read_scaled_object(SO, "so.yaml")
    problems = keda_value_problems(hpa.hpa, "so.yaml", {"minReplicas": (1, 2)}, hpa.activation)
    assert problems == [
        "--vary minReplicas: the HPA is KEDA's for ScaledObject 'orders-worker' (so.yaml), which "
        "scales to zero: another minReplicas is another minReplicaCount, which changes KEDA's "
        "own scaling too (the count it wakes to, and without idleReplicaCount whether it scales "
        "to zero), and the sweep varies the HPA only; change minReplicaCount in the "
        "ScaledObject and re-run, or leave minReplicas out of --vary"]
    assert keda_value_problems(hpa.hpa, "so.yaml", {"minReplicas": (1, 2)}) == []


def _request_scale(current: int, min_count: int, idle: int | None, cooldown_s: int,
                   initial_cooldown_s: int, creation_s: float, now_s: float,
                   last_active_s: float | None, active: bool) -> tuple[int | None, float | None]:
    """An independent reading of KEDA's RequestScale (kedacore/keda pkg/scaling/executor/
    scale_scaledobjects.go), written from the Go switch, not from keda_activation: the
    replicas written (None: no write) and status.lastActiveTime after the poll."""
    if active:
        # case IdleReplicaCount != nil && currentReplicas < minReplicas, currentReplicas == 0:
        # scaleFromZeroOrIdle writes MinReplicaCount when > 0 else 1, then updateLastActiveTime
        if (idle is not None and current < min_count) or current == 0:
            return (min_count if min_count > 0 else 1), now_s
        return None, now_s  # default: updateLastActiveTime only
    # case IdleReplicaCount != nil && currentReplicas > *IdleReplicaCount,
    #      currentReplicas > 0 && minReplicas == 0: scaleToZeroOrIdle
    if (idle is not None and current > idle) or (current > 0 and min_count == 0):
        # (LastActiveTime == nil && CreationTimestamp.Add(initialCooldownPeriod).Before(now)) ||
        # (LastActiveTime != nil && LastActiveTime.Add(cooldownPeriod).Before(now))
        if (last_active_s is None and creation_s + initial_cooldown_s < now_s) or \
                (last_active_s is not None and last_active_s + cooldown_s < now_s):
            # getIdleOrMinimumReplicaCount: idle when set, else minReplicaCount (0 when nil)
            return (idle if idle is not None else min_count), last_active_s
        return None, last_active_s
    # case currentReplicas < minReplicas && IdleReplicaCount == nil: minReplicaCount
    if current < min_count and idle is None:
        return min_count, last_active_s
    return None, last_active_s  # default: no change


def test_keda_poll_agrees_with_an_independent_request_scale_on_random_cases() -> None:
    # 5,000 seeded cases over replicas, min / idle, both cooldowns, creation, now, last active
    # and the triggers' values (often exactly at a threshold, or a poll exactly at a cooldown's
    # end, where the strict comparisons matter). keda_poll's clock starts at the ScaledObject's
    # creation, so its times are the reference's minus creation_s (whole seconds: exact).
    rng = np.random.default_rng(20231116)
    mismatches = []
    for case in range(5000):
        min_count = int(rng.choice([0, 0, 1, 2, 5]))
        idle = None if min_count == 0 or rng.random() < 0.4 else int(rng.integers(0, min_count))
        cooldown_s, initial_s = int(rng.choice([0, 30, 300])), int(rng.choice([0, 60, 600]))
        creation_s = float(rng.integers(0, 10_000))
        last = None if rng.random() < 0.3 else creation_s + float(rng.integers(0, 2000))
        base = creation_s if last is None else last
        # now: often exactly at the end of the cooldown that applies
        end = base + (initial_s if last is None else cooldown_s)
        now_s = float(rng.choice([end, end + 1, end - 1, end + 30, base + 1]))
        now_s = max(now_s, creation_s + 1, base)
        current = int(rng.choice([0, 1, 2, 3, 7, max(min_count - 1, 0), min_count]))
        thresholds = [float(rng.choice([0, 0, 3, 10])) for _ in range(int(rng.integers(1, 4)))]
        values = [float(rng.choice([th, th + 0.5, max(th - 1, 0), 0, th + 50]))
                  for th in thresholds]
        triggers = tuple(TriggerActivation(f"m{i}", th, "t") for i, th in enumerate(thresholds))
        activation = KedaActivation(30, cooldown_s, initial_s, min_count, idle, triggers)
        active = any(v > th for v, th in zip(values, thresholds, strict=True))
        want = _request_scale(current, min_count, idle, cooldown_s, initial_s, creation_s,
                              now_s, last, active)
        got = keda_poll(activation, current, {f"m{i}": v for i, v in enumerate(values)},
                        now_s - creation_s, None if last is None else last - creation_s)
        got_last = None if got.last_active_s is None else got.last_active_s + creation_s
        if (got.replicas, got_last) != want:
            mismatches.append((case, current, min_count, idle, now_s, last, active, want, got))
    assert mismatches == []


def test_an_hpa_minimum_no_scaled_object_gives_is_refused() -> None:
    # GetHPAMinReplicas (apis/keda/v1alpha1/scaledobject_types.go): KEDA's HPA runs at
    # max(minReplicaCount, 1) = max(0, 1) = 1 here. The explorer's minReplicas slider at 3 gave
    # an HPA at 3 that KEDA still woke to 1 and put to sleep: no ScaledObject runs so
    with pytest.raises(SimulationError, match=(
            r"simulation 'baseline': hpa.min_replicas \(=3\) is not the minReplicas KEDA's "
            r"operator gives its HPA for minReplicaCount 0 \(=1, GetHPAMinReplicas\); change "
            r"minReplicaCount in the ScaledObject instead")):
        dataclasses.replace(SPEC, hpa=dataclasses.replace(HPA, min_replicas=3))
