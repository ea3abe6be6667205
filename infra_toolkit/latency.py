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
infinite if requests arrive and NaN if none do.

Every operation is elementwise except the search bound, so :func:`response_time_quantile_ms` with
the bound of a whole run gives, element by element, the same bits as
:func:`response_time_percentile_ms` over that run; the sweep engine relies on it. Capacity and
concurrency may be arrays there (one value per element).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "MAX_UTILIZATION",
    "at_utilization_cap",
    "erlang_c",
    "percentile_search_bound_s",
    "response_time_percentile_ms",
    "response_time_quantile_ms",
]

MAX_UTILIZATION = 0.99
_BISECTION_STEPS = 60


def at_utilization_cap(rps_per_pod: np.ndarray, capacity_rps_per_pod: float | np.ndarray
                       ) -> npt.NDArray[np.bool_]:
    """True where a pod's utilization reaches ``MAX_UTILIZATION``: the percentiles there are the
    model's ceiling at the cap (plus any backlog wait), a lower bound of the real latency of a
    saturated pod, not an estimate of it. The same comparison as the cap in the model."""
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


def _tail_constants(mu: float | np.ndarray, theta: np.ndarray, p_wait: np.ndarray,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What :func:`_tail` needs of each element besides ``t``, the same at every bisection step:
    whether theta and mu are too close to divide by their difference, that difference (1 where
    too close), and ``1 - Pw``."""
    close = np.abs(theta - mu) < 1e-9 * mu
    return close, np.where(close, 1.0, theta - mu), 1.0 - p_wait


def _tail(t: np.ndarray, mu: float | np.ndarray, theta: np.ndarray, p_wait: np.ndarray,
          constants: tuple[np.ndarray, np.ndarray, np.ndarray]) -> npt.NDArray[np.float64]:
    """P(T > t): the probability that a response takes longer than ``t`` seconds
    (``constants``: :func:`_tail_constants` of ``mu``, ``theta`` and ``p_wait``)."""
    close, diff, no_wait = constants
    e_mu = np.exp(-mu * t)
    sum_tail = np.where(close, e_mu * (1.0 + mu * t),
                        (theta * e_mu - mu * np.exp(-theta * t)) / diff)
    tail: npt.NDArray[np.float64] = no_wait * e_mu + p_wait * sum_tail
    return tail


def _terms(lam: np.ndarray, capacity: float | np.ndarray, concurrency: int | np.ndarray,
           ) -> tuple[float | np.ndarray, np.ndarray, np.ndarray]:
    """(mu, theta, Pw) of each element: service rate per server, tail rate, Erlang C."""
    mu = capacity / concurrency
    rho = np.minimum(lam / capacity, MAX_UTILIZATION)
    a = rho * concurrency
    return mu, concurrency * mu - a * mu, erlang_c(concurrency, a)


def _bisect_s(q: float, mu: float | np.ndarray, theta: np.ndarray, p_wait: np.ndarray,
              hi: np.ndarray) -> npt.NDArray[np.float64]:
    lo = np.zeros_like(hi)
    target = 1.0 - q
    constants = _tail_constants(mu, theta, p_wait)  # computed once, not at each of the steps
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        above = _tail(mid, mu, theta, p_wait, constants) > target
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
    """The ``q`` quantile of response time in ms at each element with no backlog, bisecting over
    ``[0, search_bound_s]`` (one bound per element); capacity and concurrency may be per element.
    """
    lam = np.asarray(rps_per_pod, dtype=np.float64)
    mu, theta, p_wait = _terms(lam, capacity_rps_per_pod, concurrency)
    hi = np.broadcast_to(np.asarray(search_bound_s, dtype=np.float64), lam.shape).copy()
    return 1000.0 * (_bisect_s(q, mu, theta, p_wait, hi) + np.zeros_like(lam))


def response_time_percentile_ms(q: float, rps_per_pod: np.ndarray, ready_pods: np.ndarray,
                                capacity_rps_per_pod: float, concurrency: int,
                                backlog_requests: np.ndarray,
                                offered_rps: np.ndarray) -> np.ndarray:
    """The ``q`` quantile (0 < q < 1) of response time in milliseconds at each step.

    ``rps_per_pod`` is the arrival rate at each ready pod, ``ready_pods`` the ready count and
    ``backlog_requests`` the requests queued in front of the pods and ``offered_rps`` the
    requests arriving in all at that step.
    """
    lam = np.asarray(rps_per_pod, dtype=np.float64)
    mu, theta, p_wait = _terms(lam, capacity_rps_per_pod, concurrency)
    hi = np.full_like(lam, 12.0 / min(mu, float(np.min(theta, initial=np.inf))))
    ready = np.asarray(ready_pods, dtype=np.float64)
    capacity = ready * capacity_rps_per_pod
    backlog_s = np.divide(backlog_requests, capacity, out=np.zeros_like(lam), where=capacity > 0)
    out = 1000.0 * (_bisect_s(q, mu, theta, p_wait, hi) + backlog_s)
    no_pod = ready <= 0
    return np.where(no_pod, np.where(np.asarray(offered_rps) > 0, np.inf, np.nan), out)
