"""The M/M/c latency model against closed forms worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from infra_toolkit.latency import (
    at_utilization_cap,
    erlang_c,
    response_time_percentile_ms,
    with_backlog_wait_ms,
)


@pytest.mark.parametrize(
    ("servers", "erlangs", "expected"),
    [
        (1, 0.5, 0.5),  # M/M/1: P(wait) = rho
        # c=2, a=1: B(2,1) = (1/2)/(1 + 1 + 1/2) = 1/5; C = B / (1 - rho(1-B)) = 0.2/0.6 = 1/3
        (2, 1.0, 1 / 3),
    ],
)
def test_erlang_c(servers: int, erlangs: float, expected: float) -> None:
    assert erlang_c(servers, np.array([erlangs]))[0] == pytest.approx(expected, rel=1e-12)


def test_mm1_percentiles() -> None:
    # M/M/1 response time is Exp(mu - lambda). mu = 10/s: at lambda = 5 the q quantile is
    # -ln(1-q)/5 s (p95 = ln 20 / 5 = 599.15 ms); with no load it is -ln(1-q)/10 s.
    rate = np.array([5.0, 0.0])
    got = response_time_percentile_ms(0.95, rate, np.array([1, 1]), 10.0, 1, np.zeros(2), rate)
    np.testing.assert_allclose(got, [1000 * math.log(20) / 5, 1000 * math.log(20) / 10],
                               rtol=1e-9)


def test_backlog_and_no_pod() -> None:
    # 50 requests queued in front of 2 pods of 10 rps: +50/20 = 2.5 s on every percentile
    base = response_time_percentile_ms(0.5, np.array([5.0]), np.array([2]), 10.0, 1,
                                       np.zeros(1), np.array([10.0]))
    queued = response_time_percentile_ms(0.5, np.array([5.0]), np.array([2]), 10.0, 1,
                                         np.array([50.0]), np.array([10.0]))
    assert queued[0] - base[0] == pytest.approx(2500.0)
    none = response_time_percentile_ms(0.5, np.zeros(2), np.zeros(2), 10.0, 1, np.zeros(2),
                                       np.array([3.0, 0.0]))
    assert math.isinf(none[0]) and math.isnan(none[1])


@pytest.mark.parametrize(("rps_per_pod", "capped"), [
    (39.6, True),  # 39.6 / 40 = 0.99: the model's cap
    (39.5, False),  # 0.9875
    (80.0, True),  # overload: the cap, whatever the excess
    (0.0, False),
])
def test_the_utilization_cap_is_flagged(rps_per_pod: float, capped: bool) -> None:
    assert at_utilization_cap(np.array([rps_per_pod]), 40.0).tolist() == [capped]


def test_a_pull_consumer_is_the_larger_of_the_mmc_value_and_service_plus_backlog_wait() -> None:
    # 8 slots of mu = 100 / 8 = 12.5 messages/s each; 99.5 rps a pod is at the cap (0.995 >=
    # 0.99). A pull consumer's wait is in the external queue, estimated twice: the M/M/c wait
    # (at the cap's 0.99) and the backlog's, backlog / capacity. 3,000 messages waiting for 2
    # pods of 100 /s: 3000 / 200 = 15 s, far above the M/M/8 wait at 0.99 (its tail rate
    # theta = 8 x 12.5 x (1 - 0.99) = 1 /s: P(W > t) <= e^-t, so its p99 is under ln 100 = 4.6 s
    # plus a service time), so the percentile is the service time, -ln(1 - q) / 12.5 s (p50 =
    # ln 2 / 12.5 = 55.452 ms, p95 = ln 20 / 12.5 = 239.66 ms, p99 = ln 100 / 12.5 = 368.41 ms),
    # plus 15 s. With no backlog it is the M/M/c value, the same as a push service's.
    rate, ready, backlog = np.array([99.5, 99.5]), np.array([2, 2]), np.array([0.0, 3000.0])
    for q, closed_form_s in ((0.5, math.log(2)), (0.95, math.log(20)), (0.99, math.log(100))):
        got = response_time_percentile_ms(q, rate, ready, 100.0, 8, backlog, rate, "pull")
        push = response_time_percentile_ms(q, rate, ready, 100.0, 8, backlog, rate)
        assert got[1] == pytest.approx(1000 * closed_form_s / 12.5 + 15_000, rel=1e-12)
        assert got[0] == push[0] > 1000 * closed_form_s / 12.5
        # a push service adds the backlog's wait to the M/M/c value: a lower bound
        assert push[1] == pytest.approx(push[0] + 15_000, rel=1e-12)


@pytest.mark.parametrize("backlog", [0.0, 100.0, 400.0, 2_000.0])
def test_a_pull_consumers_percentile_never_falls_as_its_load_rises(backlog: float) -> None:
    # slo20: the percentile at the cap was the service time plus the backlog's wait, so M/M/1
    # at mu = 10 /s had p95 ln 20 / (10 - 9.89) = 27.2 s at 9.89 rps and ln 20 / 10 = 0.30 s at
    # 9.9 (the cap): latency fell as load rose. A grid of rates around the cap, each backlog:
    rates = np.linspace(0.0, 15.0, 1_501)  # 0.01 rps apart, through 9.9 and 10
    n = rates.size
    for q in (0.5, 0.95, 0.99):
        got = response_time_percentile_ms(q, rates, np.ones(n), 10.0, 1, np.full(n, backlog),
                                          rates, "pull")
        assert (np.diff(got) >= 0).all(), (q, backlog, rates[1:][np.diff(got) < 0][:3])
    # and at the cap, in the backlog (0 to 1,000 s of messages)
    waits = response_time_percentile_ms(0.95, np.full(n, 10.0), np.ones(n), 10.0, 1,
                                        np.linspace(0.0, 10_000.0, n), np.full(n, 10.0), "pull")
    assert (np.diff(waits) >= 0).all()


@pytest.mark.parametrize(("rate", "backlog", "expected_ms"), [
    # M/M/1, mu = 10 /s: the response time is Exp(mu - lambda), p95 = ln 20 / (mu - lambda)
    # below the cap: 9.8 rps, no backlog: ln 20 / 0.2 = 14,978.66 ms
    (9.8, 0.0, 1000 * math.log(20) / 0.2),
    # 9.8 rps, 100 queued for 1 pod of 10 /s (10 s): max(14,978.66, 299.57 + 10,000) = 14,978.66
    (9.8, 100.0, 1000 * math.log(20) / 0.2),
    # at the cap (10 rps: rho held at 0.99, Exp(10 - 9.9)): ln 20 / 0.1 = 29,957.32 ms
    (10.0, 0.0, 1000 * math.log(20) / 0.1),
    # at the cap, 100 queued (10 s): max(29,957.32, 299.57 + 10,000) = 29,957.32
    (10.0, 100.0, 1000 * math.log(20) / 0.1),
    # at the cap, 400 queued (40 s): max(29,957.32, ln 20 / 10 s + 40 s) = 40,299.57 ms
    (10.0, 400.0, 1000 * math.log(20) / 10 + 40_000),
])
def test_a_pull_consumers_p95_by_hand_on_each_side_of_the_cap(rate: float, backlog: float,
                                                              expected_ms: float) -> None:
    got = response_time_percentile_ms(0.95, np.array([rate]), np.array([1]), 10.0, 1,
                                      np.array([backlog]), np.array([rate]), "pull")
    assert got[0] == pytest.approx(expected_ms, rel=1e-9)


def test_a_pull_consumer_below_the_cap_is_the_mmc_model() -> None:
    # below the cap a message's wait for a free slot is the M/M/c wait (in the external queue):
    # M/M/1 at mu = 10, lambda = 5 gives p95 = ln 20 / 5 s as for push (test_mm1_percentiles)
    rate = np.array([5.0])
    got = response_time_percentile_ms(0.95, rate, np.array([1]), 10.0, 1, np.zeros(1), rate,
                                      "pull")
    assert got[0] == pytest.approx(1000 * math.log(20) / 5, rel=1e-9)


def test_the_backlog_wait_takes_a_pull_flag_per_element() -> None:
    # the sweep engine's form: one flag a variant. M/M/1 at mu = 10, M/M/c value 29,957.32 ms
    # (ln 20 / 0.1 s, the cap) and a 40 s wait: push adds them (69,957.32 ms), pull takes the
    # larger of 29,957.32 and the service ln 20 / 10 s = 299.57 ms + 40 s (40,299.57 ms)
    base = np.full(2, 1000 * math.log(20) / 0.1)
    got = with_backlog_wait_ms(0.95, base, np.full(2, 40_000.0), 10.0, 1,
                               np.array([True, False]))
    np.testing.assert_allclose(got, [1000 * math.log(20) / 10 + 40_000,
                                     1000 * math.log(20) / 0.1 + 40_000], rtol=1e-12)
