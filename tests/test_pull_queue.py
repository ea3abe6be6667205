"""A pull consumer's backlog (queue workers: SQS, a broker) is capped by the age of its messages,
not by its Ready pods: the broker keeps every message until it is ``queue_timeout_s`` old,
whatever the number of consumers (:mod:`infra_toolkit.request_queue`). A push consumer keeps
what its Ready pods serve in ``queue_timeout_s``. Every expected value is worked out by hand
here, at ticks of 5 s."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from infra_toolkit.latency import response_time_percentile_ms
from infra_toolkit.request_queue import RequestQueue, recent_arrivals
from infra_toolkit.simulate import simulate
from infra_toolkit.workload import WorkloadSpec
from tests.sweep_cases import differences
from tests.test_keda_activation import ORDERS, QUEUE, SPEC, WORKER, _keda_events
from tests.test_sweep_engine import SPEC as SWEEP_SPEC
from tests.test_sweep_engine import TRAFFIC as SWEEP_TRAFFIC

TICK_S = 5


def _served(consumer: str, timeout_s: float, ready_from_tick: int | None, ticks: int
            ) -> RequestQueue:
    """10 rps offered for ``ticks`` ticks to one workload of 20 rps a pod, no Ready pod until
    tick ``ready_from_tick`` (``None``: never), one from it."""
    wl = WorkloadSpec(cpu_request_millicores=500, capacity_rps_per_pod=20,
                      cpu_millicores_per_rps=10, queue_timeout_s=timeout_s, consumer=consumer)
    delta = [0] * ticks
    if ready_from_tick is not None:
        delta[ready_from_tick] = 1
    q = RequestQueue(np.full(ticks, 10.0), TICK_S, wl, delta)
    q.advance(ticks)
    return q


def test_a_pull_consumer_at_zero_pods_keeps_the_messages_of_the_last_timeout() -> None:
    # 10 rps x 5 s = 50 messages a tick; timeout 30 s = 6 ticks. No Ready pod for 60 s (ticks
    # 0..11): at tick i's end the backlog is min(arrived, arrivals of the last 30 s) =
    # min(50 (i + 1), 300): 50, 100, 150, 200, 250, 300, then 300 (the tick's 50 new, its 50
    # oldest, 35 s old, dropped: 50 / 5 s = 10 rps) for ticks 6..11: 6 x 50 = 300 dropped.
    # From 60 s (tick 12) one pod of 20 rps serves 20 x 5 = 100 a tick: 300 + 50 - 100 = 250
    # (the messages of 40..65 s, the oldest 25 s old: kept), then 200, 150, 100, 50, and at
    # tick 17 50 + 50 = 100 <= 100: all served, 0; tick 18 serves the 50 new: 10 rps
    q = _served("pull", 30.0, 12, 19)
    assert list(q.backlog_l) == [50.0, 100.0, 150.0, 200.0, 250.0, 300.0] + [300.0] * 6 + [
        250.0, 200.0, 150.0, 100.0, 50.0, 0.0, 0.0]
    assert list(q.dropped) == [0.0] * 6 + [10.0] * 6 + [0.0] * 7
    assert list(q.served) == [0.0] * 12 + [20.0] * 6 + [10.0]
    assert sum(q.dropped) * TICK_S == 300.0
    # offered 19 x 50 = 950 = served (6 x 100 + 50 = 650) + dropped 300 + left 0
    assert sum(q.served) * TICK_S == 650.0


def test_a_push_consumer_is_unchanged() -> None:
    # the same run, pushed: at zero Ready pods they serve nothing in 30 s, so the queue holds
    # 0 and every tick's 50 requests are dropped (10 rps) to tick 11; from tick 12 the pod's
    # 100 a tick serves the 50 offered: 10 rps, nothing left
    q = _served("push", 30.0, 12, 19)
    assert list(q.backlog_l) == [0.0] * 19
    assert list(q.dropped) == [10.0] * 12 + [0.0] * 7
    assert list(q.served) == [0.0] * 12 + [10.0] * 7


def test_a_timeout_under_a_tick_keeps_its_share_of_the_tick() -> None:
    # timeout 2 s at ticks of 5 s: the last 2 s of a tick hold 2/5 of its 50 = 20 messages.
    # No Ready pod: tick 0 keeps 20 of 50 (drops 30 = 6 rps), then each tick 20 + 50 = 70,
    # keeps 20, drops 50 (10 rps)
    q = _served("pull", 2.0, None, 3)
    assert list(q.backlog_l) == [20.0, 20.0, 20.0]
    assert list(q.dropped) == [6.0, 10.0, 10.0]


def test_a_timeout_between_ticks_takes_the_fraction_of_the_older_tick() -> None:
    # timeout 12 s = 2 whole ticks + 2/5 of the one before them. Offered 50, 0, 0, 50 messages:
    # at tick 0's end (5 s) the window (-7, 5] holds tick 0's 50 (nothing before the run);
    # at 10 s, (-2, 10]: 50 + 0; at 15 s, (3, 15]: the last 2 s of tick 0 (2/5 x 50 = 20) + 0
    # + 0 = 20; at 20 s, (8, 20]: 2/5 of tick 1's 0 + 0 + 50 = 50
    got = recent_arrivals(np.array([50.0, 0.0, 0.0, 50.0]), TICK_S, 12.0)
    assert list(got) == [50.0, 50.0, 20.0, 50.0]
    # at zero pods, 10 rps (50 a tick): windows 50, 100, 100 + 20 = 120, 120: backlog 50, 100,
    # 120 (150 less 30 dropped: 6 rps), 120 (170 less 50: 10 rps)
    q = _served("pull", 12.0, None, 4)
    assert list(q.backlog_l) == [50.0, 100.0, 120.0, 120.0]
    assert list(q.dropped) == [0.0, 0.0, 6.0, 10.0]


def test_a_timeout_of_zero_drops_what_is_left_for_either_consumer() -> None:
    # no window at all: nothing waits, the 50 of each tick with no Ready pod dropped (10 rps)
    for consumer in ("pull", "push"):
        q = _served(consumer, 0.0, None, 2)
        assert list(q.backlog_l) == [0.0, 0.0] and list(q.dropped) == [10.0, 10.0]


def test_a_keda_cold_start_of_a_pull_worker_drops_nothing() -> None:
    # test_keda_activation's worker (1 message a second from 100 s to 400 s, Ready 35 s after
    # its write), pulling, the queue holding 1,800 s. At zero pods the broker keeps the
    # messages: at the poll at 120 the backlog of tick [115, 120) is the 20 of 100..120 s
    # (at most 20 s old) -> "20 > activationQueueLength 0", 0 -> 1. Ready at 155 with the 55
    # of 100..155 s waiting: tick [155, 160) serves 55 + 5 = 60 <= 100 x 5 = 500, nothing left.
    # In flight 1 x 0.08 to the poll at 390, so 0 at 720 as pushed. Dropped: 0 of 300.
    pull = dataclasses.replace(SPEC, workload=dataclasses.replace(
        WORKER, queue_timeout_s=1800, consumer="pull"))
    result = simulate(ORDERS, pull)
    assert _keda_events(result) == [
        (120.0, 0, 1, f"KEDA activated: {QUEUE} 20 > activationQueueLength 0"),
        (720.0, 1, 0, "KEDA deactivated: no trigger active (last active at 390 s; "
                      "cooldownPeriod 300 s); to minReplicaCount 0")]
    assert result.summary.dropped_requests == 0.0
    assert result.summary.pod_hours == pytest.approx(600 / 3600)
    timeline = result.timeline.set_index("time_s")
    # the backlog the HPA's queue metric reads after the wake: 50 at 150 s's tick end, 0 once
    # the pod serves (the tick [155, 160) takes all 60)
    assert timeline.loc[145.0, "backlog_requests"] == pytest.approx(50.0)
    assert timeline.loc[155.0, "backlog_requests"] == 0.0


def test_the_sweep_engine_keeps_a_pull_backlog_as_the_scalar_loop() -> None:
    # test_sweep_engine's step from 100 to 400 rps, which outruns its pods while they start:
    # pulled and pushed, with timeouts under a tick, between ticks and of whole ticks, in one
    # batch; every sync, event and summary figure the same on both engines
    specs = [dataclasses.replace(SWEEP_SPEC, name=f"{consumer}-{timeout_s:g}",
                                 workload=dataclasses.replace(
                                     SWEEP_SPEC.workload, consumer=consumer,
                                     queue_timeout_s=timeout_s))
             for consumer in ("pull", "push") for timeout_s in (2.0, 7.0, 30.0)]
    assert differences(SWEEP_TRAFFIC, specs) == []
    # the pull rule is the one run: its messages wait where the pushed requests are dropped
    pulled, pushed = (simulate(SWEEP_TRAFFIC, s).summary.dropped_requests
                      for s in (specs[2], specs[5]))
    assert pulled < pushed


def test_messages_waiting_at_zero_pods_have_no_latency_bound() -> None:
    # no Ready pod and nothing offered in the tick: 10 messages still waiting (a pull queue at
    # zero) wait without end, inf; with none waiting there is no request to time, NaN
    got = response_time_percentile_ms(0.95, np.zeros(2), np.zeros(2), 20.0, 1,
                                      np.array([10.0, 0.0]), np.zeros(2), "pull")
    assert got[0] == np.inf and np.isnan(got[1])
