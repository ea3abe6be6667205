"""Request latency percentiles from a queueing model, vectorized over simulation steps.

Model (documented assumption): load is spread evenly over the ready pods, and each ready pod is
an **M/M/c queue** with ``c = concurrency`` servers, each serving ``mu = capacity / c`` requests
per second (Poisson arrivals, exponential service). The response time ``T = W + S`` has

    P(T > t) = (1 - Pw) e^{-mu t} + Pw (theta e^{-mu t} - mu e^{-theta t}) / (theta - mu)

where ``Pw`` is the Erlang-C probability of waiting and ``theta = c mu - lambda``. Percentiles are
found by bisection on that closed form over ``[0, bound]``, where the bound is 12 mean residence
times of the slowest element of the array (:func:`percentile_search_bound_s`). Two additions for
overload, where M/M/c has no steady state: the per-pod utilization is capped at
``MAX_UTILIZATION``, and the fluid backlog (requests queued because offered load exceeded ready
capacity) adds ``backlog / capacity`` seconds to every percentile. With no ready pod, latency is
infinite if requests arrive or wait (a pull consumer's queue keeps its messages at zero pods)
and NaN if none do.

``consumer`` says how requests reach the pods (:data:`CONSUMERS`). ``"push"`` (a load balancer
sends them): a pod at the cap keeps queueing inside, so its percentiles there are a lower bound,
and the fluid backlog's wait is added to them. ``"pull"`` (queue workers, SQS / Kafka): a worker
takes a message only when one of its ``concurrency`` slots is free, so every wait is in the
external queue, and the model has two estimates of that one wait: the M/M/c wait (stationary:
a message's stochastic wait for a free slot, growing without bound as the utilization nears 1,
held at the cap's value above it) and the fluid backlog's ``backlog / capacity`` (the
requests queued because offered load exceeded ready capacity, 0 until it does). Adding them
would count the saturated queue's wait twice; taking the service time plus the backlog's wait
alone at the cap (this model until slo20) made the p95 *fall* as load rose: M/M/1 at ``mu`` =
10 /s has p95 ``ln 20 / (10 - 9.89)`` = 27.2 s at 9.89 rps and was ``ln 20 / 10`` = 0.30 s at
the cap (9.9 rps). A pull consumer's ``q`` quantile is the larger of the two:

    T_q = max(M/M/c T_q at min(rho, MAX_UTILIZATION),  -ln(1 - q) / mu + backlog / capacity)

(:func:`with_backlog_wait_ms`): the M/M/c value while the backlog is short, the message's
exponential service (``Pw = 0``: its slot is free once its wait is over) plus the backlog's wait
once that is longer. Each term rises with the rate and with the backlog, so the percentile never
falls as offered load rises; it is the M/M/c value wherever no backlog waits, below the cap as at
it. At the cap it is an estimate, not a bound (a push consumer's is a bound).

Every operation is elementwise except the search bound, so :func:`response_time_quantile_ms` with
the bound of a whole run gives, element by element, the same bits as
:func:`response_time_percentile_ms` over that run; the sweep engine relies on it. Capacity and
concurrency may be arrays there (one value per element).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

__all__ = [
    "CONSUMERS",
    "MAX_UTILIZATION",
    "at_utilization_cap",
    "erlang_c",
    "percentile_search_bound_s",
    "response_time_percentile_ms",
    "response_time_quantile_ms",
    "with_backlog_wait_ms",
]

MAX_UTILIZATION = 0.99
CONSUMERS = ("push", "pull")  # how requests reach a pod; the first is the default
_BISECTION_STEPS = 60


def at_utilization_cap(rps_per_pod: np.ndarray, capacity_rps_per_pod: float | np.ndarray
                       ) -> npt.NDArray[np.bool_]:
    """True where a pod's utilization reaches ``MAX_UTILIZATION``: for a push consumer the
    percentiles there are the model's ceiling at the cap (plus any backlog wait), a lower bound
    of the real latency of a saturated pod, not an estimate of it (a pull consumer's are an
    estimate, :func:`with_backlog_wait_ms`). The same comparison as the cap in the model."""
    lam = np.asarray(rps_per_pod, dtype=np.float64)
    capped: npt.NDArray[np.bool_] = lam / capacity_rps_per_pod >= MAX_UTILIZATION
    return capped


def erlang_c(servers: int | np.ndarray, offered_erlangs: np.ndarray) -> np.ndarray:
    """Probability that an arrival waits in an M/M/c queue with ``servers`` servers and offered
    load ``a = lambda / mu`` (requires ``a < servers``). ``servers`` may be an array, one count per
    element of ``offered_erlangs``."""
    a = np.asarray(offered_erlangs, dtype=np.float64)
    counts = np.asarray(servers)
    blocking = np.ones_like(a)  # Erlang B by its stable recursion
    for k in range(1, int(np.max(counts)) + 1):
        step = a * blocking / (k + a * blocking)
        blocking = step if counts.ndim == 0 else np.where(k <= counts, step, blocking)
    rho = a / servers
    return blocking / (1.0 - rho * (1.0 - blocking))


def _tail_function(mu: float | np.ndarray, theta: np.ndarray, p_wait: np.ndarray,
                   ) -> Callable[[np.ndarray], npt.NDArray[np.float64]]:
    """``t -> P(T > t)``: the probability that a response takes longer than ``t`` seconds, with
    what does not depend on ``t`` computed once (the bisection asks it 60 times a quantile)."""
    close = np.abs(theta - mu) < 1e-9 * mu
    diff = np.where(close, 1.0, theta - mu)
    neg_mu, neg_theta, p_serve = -mu, -theta, 1.0 - p_wait
    any_close, all_close = bool(np.any(close)), bool(np.all(close))

    def tail(t: np.ndarray) -> npt.NDArray[np.float64]:
        served = np.exp(neg_mu * t)
        # np.where would compute both branches: compute only the one every element takes
        if all_close:
            sum_tail = served * (1.0 + mu * t)
        else:
            sum_tail = (theta * served - mu * np.exp(neg_theta * t)) / diff
            if any_close:
                sum_tail = np.where(close, served * (1.0 + mu * t), sum_tail)
        result: npt.NDArray[np.float64] = p_serve * served + p_wait * sum_tail
        return result

    return tail


def _terms(lam: np.ndarray, capacity: float | np.ndarray, concurrency: int | np.ndarray,
           ) -> tuple[float | np.ndarray, np.ndarray, np.ndarray]:
    """(mu, theta, Pw) of each element: service rate per server, tail rate, Erlang C."""
    mu = capacity / concurrency
    rho = np.minimum(lam / capacity, MAX_UTILIZATION)
    a = rho * concurrency
    p_wait = erlang_c(concurrency, a)
    return mu, concurrency * mu - a * mu, p_wait


def with_backlog_wait_ms(q: float, base_ms: np.ndarray, wait_ms: np.ndarray,
                         capacity_rps_per_pod: float | np.ndarray,
                         concurrency: int | np.ndarray,
                         pull: bool | np.ndarray = False) -> npt.NDArray[np.float64]:
    """The ``q`` quantile (ms) of each element from its M/M/c value ``base_ms`` (no backlog)
    and the fluid backlog's wait ``wait_ms``: their sum for a push consumer; for a pull consumer
    (``pull``, per element or for all) the larger of ``base_ms`` and the exponential service
    quantile ``-ln(1 - q) / mu`` plus the wait (module docstring: one queue's wait estimated
    twice, never added)."""
    base = np.asarray(base_ms, dtype=np.float64)
    pushed: npt.NDArray[np.float64] = base + wait_ms
    if not np.any(pull):
        return pushed
    service_ms = -1000.0 * np.log1p(-q) * concurrency / capacity_rps_per_pod
    pulled: npt.NDArray[np.float64] = np.maximum(base, service_ms + wait_ms)
    return np.where(pull, pulled, pushed)


def _bisect_s(q: float, mu: float | np.ndarray, theta: np.ndarray, p_wait: np.ndarray,
              hi: np.ndarray) -> npt.NDArray[np.float64]:
    lo = np.zeros_like(hi)
    target = 1.0 - q
    tail = _tail_function(mu, theta, p_wait)
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        above = tail(mid) > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    t_s: npt.NDArray[np.float64] = 0.5 * (lo + hi)
    return t_s


def percentile_search_bound_s(capacity_rps_per_pod: float | np.ndarray,
                              concurrency: int | np.ndarray,
                              max_rps_per_pod: float | np.ndarray) -> npt.NDArray[np.float64]:
    """The bisection bound in seconds that :func:`response_time_percentile_ms` uses for an array
    of per-pod rates whose largest is ``max_rps_per_pod`` (theta falls as the rate rises, so the
    largest rate sets it)."""
    lam = np.asarray(max_rps_per_pod, dtype=np.float64)
    mu, theta, _ = _terms(lam, capacity_rps_per_pod, concurrency)
    bound_s: npt.NDArray[np.float64] = 12.0 / np.minimum(mu, theta)
    return bound_s


def response_time_quantile_ms(q: float, rps_per_pod: np.ndarray,
                              capacity_rps_per_pod: float | np.ndarray,
                              concurrency: int | np.ndarray,
                              search_bound_s: np.ndarray) -> np.ndarray:
    """The ``q`` quantile of response time in ms at each element with no backlog (either
    consumer: :func:`with_backlog_wait_ms` adds a backlog), bisecting over
    ``[0, search_bound_s]`` (one bound per element); capacity and concurrency may be per element.
    """
    lam = np.asarray(rps_per_pod, dtype=np.float64)
    mu, theta, p_wait = _terms(lam, capacity_rps_per_pod, concurrency)
    hi = np.broadcast_to(np.asarray(search_bound_s, dtype=np.float64), lam.shape).copy()
    return 1000.0 * (_bisect_s(q, mu, theta, p_wait, hi) + np.zeros_like(lam))


def response_time_percentile_ms(q: float, rps_per_pod: np.ndarray, ready_pods: np.ndarray,
                                capacity_rps_per_pod: float, concurrency: int,
                                backlog_requests: np.ndarray,
                                offered_rps: np.ndarray, consumer: str = "push") -> np.ndarray:
    """The ``q`` quantile (0 < q < 1) of response time in milliseconds at each step.

    ``rps_per_pod`` is the arrival rate at each ready pod, ``ready_pods`` the ready count and
    ``backlog_requests`` the requests queued in front of the pods and ``offered_rps`` the
    requests arriving in all at that step; ``consumer`` one of :data:`CONSUMERS`.
    """
    lam = np.asarray(rps_per_pod, dtype=np.float64)
    mu, theta, p_wait = _terms(lam, capacity_rps_per_pod, concurrency)
    hi = np.full_like(lam, 12.0 / min(mu, float(np.min(theta, initial=np.inf))))
    ready = np.asarray(ready_pods, dtype=np.float64)
    capacity = ready * capacity_rps_per_pod
    wait_ms = 1000.0 * np.divide(backlog_requests, capacity, out=np.zeros_like(lam),
                                 where=capacity > 0)
    out = with_backlog_wait_ms(q, 1000.0 * _bisect_s(q, mu, theta, p_wait, hi), wait_ms,
                               capacity_rps_per_pod, concurrency, consumer == "pull")
    no_pod = ready <= 0
    waiting = (np.asarray(offered_rps) > 0) | (np.asarray(backlog_requests) > 0)
    return np.where(no_pod, np.where(waiting, np.inf, np.nan), out)
