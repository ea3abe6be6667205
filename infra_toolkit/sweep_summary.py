"""Per-tick summary figures of many variants, streamed in blocks of ticks, bit for bit as
:func:`infra_toolkit.simulation_summary.summarize` computes them from whole arrays.

- Float totals (served and dropped requests, the CPU mean) are numpy's pairwise sums: numpy
  sums a contiguous array as a tree of blocks of at most 128 values (8 running partial sums each);
  :func:`pairwise_leaves` lays out that tree for the run's length, each leaf is summed when its
  ticks are in, and the leaves are combined in tree order at the end.
- p95 latency enters the summary only through the SLO minutes (p95 above the SLO, drops, or
  saturated pods) and its maximum. The scalar path evaluates the queueing model
  (:mod:`infra_toolkit.latency`) on every distinct per-pod rate, with a bisection bound set by
  the run's largest rate. Here the model is monotone in the per-pod rate, so each variant gets
  two utilizations bracketing its SLO (with a relative margin far above the model's rounding
  noise), the upper one capped at ``MAX_UTILIZATION`` (a saturated tick violates the SLO
  whatever its p95); ticks below or above are decided at once, ticks in between, ticks with a
  queue, and ticks within a few percent of the largest rate are kept and evaluated exactly at
  the end with the run's bound (a queued tick at the cap counts as violated there). If the kept
  ticks cannot prove the maximum (a model flat to 1e-6 over the top 1 % of rates), the variant
  is reported *uncertain* and the caller runs it on the scalar path.
- A pull consumer's saturated ticks are judged on their value (no violation by the cap alone),
  and its percentiles are the larger of two terms
  (:func:`~infra_toolkit.latency.with_backlog_wait_ms`): it takes no bracket, each of its ticks
  with ready pods is kept and evaluated exactly at the end (memory grows with its ticks).
- Under-capacity episodes (``offered > ready * capacity + 1e-9``) are followed across blocks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from infra_toolkit.latency import (
    MAX_UTILIZATION,
    at_utilization_cap,
    percentile_search_bound_s,
    response_time_quantile_ms,
    with_backlog_wait_ms,
)

__all__ = ["TickSummary", "pairwise_leaves", "pairwise_total"]

_BLOCK = 4096  # ticks per block
_MARGIN = 1e-6  # relative: far above the latency model's rounding noise, far below its slope
_TOP = 0.01  # ticks within this fraction of the largest utilization are kept for the max
#: each latency percentile a step is judged on, with its thresholds' key in the batch
#: (``sweep_params``; ``WorkloadSpec.slo_latency_ms``)
_PERCENTILE_KEYS = ((0.5, "slo_p50"), (0.95, "slo"), (0.99, "slo_p99"))


def pairwise_leaves(n: int, start: int = 0) -> tuple[list[tuple[int, int]], Any]:
    """numpy's pairwise summation tree for ``n`` values: (leaves as (start, length), tree) where
    the tree is a leaf index or a (left, right) pair."""
    leaves: list[tuple[int, int]] = []

    def build(s: int, length: int) -> Any:
        if length <= 128:
            leaves.append((s, length))
            return len(leaves) - 1
        half = length // 2
        half -= half % 8
        return (build(s, half), build(s + half, length - half))

    tree = build(start, n)
    return leaves, tree


def leaf_sum(rows: np.ndarray) -> npt.NDArray[np.float64]:
    """One leaf of numpy's pairwise sum, over axis 0 of ``rows`` (length <= 128)."""
    n = rows.shape[0]
    res: npt.NDArray[np.float64]
    if n < 8:
        res = np.zeros(rows.shape[1:])
        for i in range(n):
            res = res + rows[i]
        return res
    m = n - n % 8
    r = rows[:m].reshape(m // 8, 8, *rows.shape[1:]).sum(axis=0)
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for i in range(m, n):
        res = res + rows[i]
    return res


def pairwise_total(tree: Any, sums: list[npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]:
    """Combine leaf sums in the tree's order."""
    if isinstance(tree, int):
        return sums[tree]
    return pairwise_total(tree[0], sums) + pairwise_total(tree[1], sums)


def _refine(q_of: Any, lo: np.ndarray, hi: np.ndarray, target: np.ndarray, last_below: bool,
            ) -> tuple[np.ndarray, np.ndarray]:
    """Shrink brackets ``[lo, hi]`` around where the monotone ``q_of(rho)`` crosses ``target``,
    65 grid points per stage."""
    rows = np.arange(lo.size)
    for _ in range(4):
        grid = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, 65)[None, :]
        grid[:, 0], grid[:, -1] = lo, hi
        if last_below:  # the last grid point with q < target
            ok = q_of(grid) < target[:, None]
            i = np.clip(65 - np.argmax(ok[:, ::-1], axis=1), 1, 64)
            lo, hi = grid[rows, i - 1], grid[rows, i]
        else:  # the first grid point with q > target
            ok = q_of(grid) > target[:, None]
            i = np.clip(np.argmax(ok, axis=1), 1, 64)
            lo, hi = grid[rows, i - 1], grid[rows, i]
    return lo, hi


def _slo_bracket(cap: np.ndarray, conc: np.ndarray, slo: np.ndarray, quantile: float = 0.95,
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per variant ``(rho_lo, rho_hi)``: the model's ``quantile`` is below SLO x (1 - margin) at
    utilization ``rho_lo`` (-1: nowhere) and above SLO x (1 + margin) from ``rho_hi`` (2:
    nowhere; an infinite SLO, not set, is never exceeded).
    """
    keys, inverse = np.unique(np.stack([cap, conc.astype(np.float64), slo]), axis=1,
                              return_inverse=True)
    c, k, s = keys[0], keys[1].astype(np.int64), keys[2]
    bound = percentile_search_bound_s(c, k, c)

    def q_of(rho: np.ndarray) -> np.ndarray:
        return response_time_quantile_ms(quantile, rho * c[:, None], c[:, None], k[:, None],
                                         bound[:, None])

    ends = q_of(np.stack([np.zeros_like(c), np.full_like(c, MAX_UTILIZATION)], axis=1))
    low, high = s * (1 - _MARGIN), s * (1 + _MARGIN)
    zeros, tops = np.zeros_like(c), np.full_like(c, MAX_UTILIZATION)
    rho_lo, _ = _refine(q_of, zeros, tops, low, last_below=True)
    rho_lo = np.where(ends[:, 0] >= low, -1.0, np.where(ends[:, 1] < low, MAX_UTILIZATION, rho_lo))
    _, rho_hi = _refine(q_of, zeros, tops, high, last_below=False)
    rho_hi = np.where(ends[:, 0] > high, 0.0, np.where(ends[:, 1] <= high, 2.0, rho_hi))
    inv = inverse.ravel()
    return rho_lo[inv], rho_hi[inv]


class TickSummary:
    """Per-tick figures of a batch, fed one tick at a time through row buffers."""

    def __init__(self, p: dict[str, np.ndarray], rps_ticks: np.ndarray, tick_s: int) -> None:
        n = rps_ticks.size
        v = p["cap"].size
        self.p, self.rps, self.tick, self.n = p, rps_ticks, tick_s, n
        self.ready = np.zeros((_BLOCK, v))  # exact small integers
        self.served = np.zeros((_BLOCK, v))
        self.dropped = np.zeros((_BLOCK, v))
        self.backlog = np.zeros((_BLOCK, v))
        self.cpu = np.zeros((_BLOCK, v))  # CPU % of the ticks with ready pods, else 0
        # scratch space: a fresh 16 MB temporary costs more in page faults than its arithmetic
        self.lam, self.rho, self.capacity = (np.zeros((_BLOCK, v)) for _ in range(3))
        self.flags, self.quiet, self.hit = (np.zeros((_BLOCK, v), dtype=bool) for _ in range(3))
        self.filled = 0  # rows of the buffers in use
        self.counted = 0  # rows already folded into the counts
        self.base = 0  # tick of buffer row 0
        self.leaves, self.tree = pairwise_leaves(n)
        self.next_leaf = 0
        self.sums: dict[str, list[np.ndarray]] = {"served": [], "dropped": [], "cpu": []}
        self.cpu_count = np.zeros(v, dtype=np.int64)
        self.slo_ticks = np.zeros(v, dtype=np.int64)
        self.any_inf = np.zeros(v, dtype=bool)
        self.any_ready = np.zeros(v, dtype=bool)
        self.lam_max = np.zeros(v)  # largest per-pod rate (sets the bisection bound)
        self.rho_top = np.zeros(v)  # largest utilization of a ready tick without a queue
        # the percentiles judged (p95 always; p50 / p99 where some variant's SLOs set them),
        # each with its thresholds (inf: not set) and bracket; a tick over any one violates the
        # SLO, and each is monotone in the rate, so the union's bracket is their lowest
        self.judged = [(quantile, p[key]) for quantile, key in _PERCENTILE_KEYS
                       if np.isfinite(p[key]).any()]
        self.brackets = [_slo_bracket(p["cap"], p["conc"], slo, quantile)
                         for quantile, slo in self.judged]
        self.rho_lo = np.minimum.reduce([lo for lo, _ in self.brackets])
        self.rho_model_hi = np.minimum.reduce([hi for _, hi in self.brackets])
        # a saturated tick (rho at the cap: the same lam / cap >= MAX_UTILIZATION as
        # at_utilization_cap) violates the SLO whatever its p95, a lower bound
        self.rho_hi = np.minimum(self.rho_model_hi, MAX_UTILIZATION)
        # a pull consumer's saturated ticks are judged on their value: no bracket, every tick
        # kept in the band
        pull = p["pull_consumer"]
        self.rho_lo = np.where(pull, -1.0, self.rho_lo)
        self.rho_model_hi = np.where(pull, 2.0, self.rho_model_hi)
        self.rho_hi = np.where(pull, 2.0, self.rho_hi)
        self.kept: dict[str, list[np.ndarray]] = {k: [] for k in (
            "top_v", "top_lam", "band_v", "band_lam", "queue_v", "queue_lam", "queue_wait",
            "queue_count")}
        self.under = np.zeros(v, dtype=bool)
        self.under_start = np.zeros(v, dtype=np.int64)
        self.episodes: list[list[float]] = [[] for _ in range(v)]

    def row(self) -> int:
        """The next free row of the buffers (flushing first when they are full)."""
        if self.filled == _BLOCK:
            self.flush()
        return self.filled

    def flush(self) -> None:
        """Fold the buffered ticks into the figures; keep a partial leaf's ticks for later."""
        f = self.filled
        self._figures(self.counted, f)
        end = self.base + f
        while self.next_leaf < len(self.leaves):
            s, length = self.leaves[self.next_leaf]
            if s + length > end:
                break
            rows = slice(s - self.base, s - self.base + length)
            self.sums["served"].append(leaf_sum(self.served[rows]))
            self.sums["dropped"].append(leaf_sum(self.dropped[rows]))
            self.sums["cpu"].append(leaf_sum(self.cpu[rows]))
            self.next_leaf += 1
        keep = end - self.leaves[self.next_leaf][0] if self.next_leaf < len(self.leaves) else 0
        for buf in (self.ready, self.served, self.dropped, self.backlog, self.cpu):
            buf[:keep] = buf[f - keep:f]
        self.base = end - keep
        self.filled = self.counted = keep

    def _figures(self, start: int, f: int) -> None:
        """Counts, latency and episodes of buffer rows ``start:f`` (and their CPU values)."""
        if start >= f:
            return
        p = self.p
        rows = slice(start, f)
        ready, served = self.ready[rows], self.served[rows]
        dropped, backlog = self.dropped[rows], self.backlog[rows]
        t0 = self.base + start
        offered = self.rps[t0:self.base + f][:, None]
        has = np.greater(ready, 0, out=self.flags[rows])
        all_ready = bool(has.all())
        lam = np.maximum(ready, 1.0, out=self.lam[rows])
        np.divide(served, lam, out=lam)
        cpu = np.multiply(p["per_rps"], lam, out=self.cpu[rows])
        cpu += p["baseline"]
        cpu *= 100.0
        cpu /= p["cpu_req_f"]
        capacity = np.multiply(ready, p["cap"], out=self.capacity[rows])
        inf = None
        if all_ready:
            self.cpu_count += f - start
            self.any_ready[:] = True
        else:
            cpu[~has] = 0.0  # a tick without ready pods has no CPU value (NaN, left out)
            self.cpu_count += has.sum(axis=0)
            self.any_ready |= has.any(axis=0)
            inf = ~has & ((offered > 0) | (backlog > 0))  # requests arrive or wait
            self.any_inf |= inf.any(axis=0)
        rho = np.divide(lam, p["cap"], out=self.rho[rows])
        np.minimum(rho, MAX_UTILIZATION, out=rho)
        drops = dropped > 0
        calm = has
        if backlog.any():
            wait = 1000.0 * np.divide(backlog, capacity, out=np.zeros_like(backlog),
                                      where=capacity > 0)
            calm = has & (wait == 0)
            queued = has & (wait > 0)
            t_idx, v_idx = np.nonzero(queued)
            self.kept["queue_v"].append(v_idx)
            self.kept["queue_lam"].append(lam[t_idx, v_idx])
            self.kept["queue_wait"].append(wait[t_idx, v_idx])
            self.kept["queue_count"].append(~drops[t_idx, v_idx])
        violated = drops if inf is None else drops | inf
        if calm is has and all_ready:
            top_rho = rho.max(axis=0)
        else:
            top_rho = np.where(calm, rho, 0.0).max(axis=0)
        # some tick may touch some variant's SLO: above rho_lo, or at rho_hi (rho_lo is the cap
        # itself when p95 stays under the SLO everywhere, yet a tick at the cap violates it)
        if ((top_rho > self.rho_lo) | (top_rho >= self.rho_hi)).any():
            quiet = np.logical_not(drops, out=self.quiet[rows])
            quiet &= calm
            hit = np.greater_equal(rho, self.rho_hi, out=self.hit[rows])
            hit &= quiet
            violated |= hit
            band = np.greater(rho, self.rho_lo, out=self.hit[rows])
            band &= quiet
            band &= np.less(rho, self.rho_hi, out=quiet)
            if band.any():
                t_idx, col = np.nonzero(band)
                self.kept["band_v"].append(col)
                self.kept["band_lam"].append(lam[t_idx, col])
        self.slo_ticks += violated.sum(axis=0)
        self.lam_max = np.maximum(self.lam_max, lam.max(axis=0))
        self.rho_top = np.maximum(self.rho_top, top_rho)
        self._keep("top", calm & (rho >= self.rho_top * (1 - _TOP)), lam)
        self._prune_top()
        capacity += 1e-9
        self._episodes(np.greater(offered, capacity, out=self.flags[rows]), t0)

    def _top(self) -> tuple[np.ndarray, np.ndarray]:
        """The kept (variant, rate) pairs still within ``_TOP`` of each variant's largest
        utilization, without repeats."""
        v = np.concatenate(self.kept["top_v"]) if self.kept["top_v"] else np.zeros(0, np.int64)
        lam = np.concatenate(self.kept["top_lam"]) if self.kept["top_lam"] else np.zeros(0)
        cap = self.p["cap"][v]
        keep = np.minimum(lam / cap, MAX_UTILIZATION) >= self.rho_top[v] * (1 - _TOP)
        v, lam = v[keep], lam[keep]
        order = np.lexsort((lam, v))
        v, lam = v[order], lam[order]
        fresh = np.ones(v.size, dtype=bool)
        fresh[1:] = (v[1:] != v[:-1]) | (lam[1:] != lam[:-1])
        return v[fresh], lam[fresh]

    def _prune_top(self) -> None:
        if sum(a.size for a in self.kept["top_v"]) > 4 * self.lam_max.size + 10_000:
            v, lam = self._top()
            self.kept["top_v"], self.kept["top_lam"] = [v], [lam]

    def _keep(self, name: str, mask: np.ndarray, lam: np.ndarray) -> None:
        if mask.any():
            t_idx, v_idx = np.nonzero(mask)
            self.kept[f"{name}_v"].append(v_idx)
            self.kept[f"{name}_lam"].append(lam[t_idx, v_idx])

    def _episodes(self, under: np.ndarray, t0: int) -> None:
        prev = np.concatenate([self.under[None, :], under[:-1]], axis=0)
        edge = under != prev
        if edge.any():
            t_idx, v_idx = np.nonzero(edge)
            starts = under[t_idx, v_idx]
            tick = self.tick
            for i in np.lexsort((t_idx, v_idx)).tolist():  # each variant in time order
                v, t = int(v_idx[i]), int(t_idx[i]) + t0
                if starts[i]:
                    self.under_start[v] = t
                else:
                    self.episodes[v].append(float(t * tick) - float(self.under_start[v] * tick))
        self.under = under[-1].copy()

    def finish(self) -> dict[str, Any]:
        """Every per-tick figure of the summary, per variant, plus ``uncertain`` rows."""
        self.flush()
        assert self.filled == 0 and self.next_leaf == len(self.leaves)
        p, n, tick = self.p, self.n, self.tick
        for v in np.flatnonzero(self.under).tolist():
            self.episodes[v].append(float(n * tick) - float(self.under_start[v] * tick))
        total = {k: pairwise_total(self.tree, s) for k, s in self.sums.items()}
        bound = percentile_search_bound_s(p["cap"], p["conc"], self.lam_max)
        cat = {k: np.concatenate(x) if x else np.zeros(0) for k, x in self.kept.items()}
        top_v, top_lam = self._top()
        rho_edge = self.rho_top * (1 - _TOP)
        edge_v = np.unique(top_v)
        edge_lam = rho_edge[edge_v] * p["cap"][edge_v]
        band_v, queue_v = cat["band_v"].astype(np.int64), cat["queue_v"].astype(np.int64)
        v_all = np.concatenate([top_v, edge_v, band_v, queue_v])
        lam_all = np.concatenate([top_lam, edge_lam, cat["band_lam"], cat["queue_lam"]])
        pull = p["pull_consumer"]
        q = (response_time_quantile_ms(0.95, lam_all, p["cap"][v_all], p["conc"][v_all],
                                       bound[v_all]) if v_all.size else np.zeros(0))
        # every kept tick through the timeline's rule (a calm one waits 0 ms), bit for bit
        wait_all = np.concatenate([np.zeros(v_all.size - queue_v.size), cat["queue_wait"]])
        q = with_backlog_wait_ms(0.95, q, wait_all, p["cap"][v_all], p["conc"][v_all],
                                 pull[v_all])
        i1 = top_v.size
        i2 = i1 + edge_v.size
        i3 = i2 + band_v.size
        nv = p["cap"].size
        best = np.full(nv, -np.inf)
        np.maximum.at(best, top_v, q[:i1])
        uncertain = np.zeros(nv, dtype=bool)
        # a rate below the kept ones cannot beat them unless the model is flat near the top
        uncertain[edge_v] = (q[i1:i2] * (1 + _MARGIN) >= best[edge_v]) & (edge_lam > 0)
        slo = self.slo_ticks.copy()
        # the band's and the queue's ticks over any percentile's threshold (p95 above)
        over = q[i2:] > p["slo"][v_all[i2:]]
        self._over_other_percentiles(over, v_all[i2:], lam_all[i2:], wait_all[i2:], bound)
        np.add.at(slo, band_v, over[:band_v.size])
        # a pull consumer's band holds every calm tick: its maximum is among them
        band_pull = pull[band_v]
        np.maximum.at(best, band_v[band_pull], q[i2:i3][band_pull])
        uncertain &= ~pull
        queue_p95 = q[i3:]
        counted = cat["queue_count"].astype(bool)
        saturated = at_utilization_cap(cat["queue_lam"], p["cap"][queue_v]) & ~pull[queue_v]
        np.add.at(slo, queue_v, counted & (over[band_v.size:] | saturated))
        np.maximum.at(best, queue_v, queue_p95)
        max_p95 = np.where(self.any_inf, np.inf, np.where(self.any_ready, best, np.nan))
        uncertain |= self._bracket_unsound(bound)
        return {"served": total["served"], "dropped": total["dropped"], "cpu_sum": total["cpu"],
                "cpu_count": self.cpu_count, "slo_ticks": slo, "max_p95": max_p95,
                "episodes": self.episodes, "uncertain": uncertain}

    def _over_other_percentiles(self, over: np.ndarray, v: np.ndarray, lam: np.ndarray,
                                wait_ms: np.ndarray, bound: np.ndarray) -> None:
        """Mark in ``over`` the kept ticks (variant ``v``, per-pod rate ``lam``, backlog wait)
        above a p50 / p99 threshold, each evaluated as the timeline evaluates it."""
        p = self.p
        for quantile, slo in self.judged:
            if quantile == 0.95:
                continue  # the caller's
            keep = np.isfinite(slo[v])
            if not keep.any():
                continue
            vk = v[keep]
            value = response_time_quantile_ms(quantile, lam[keep], p["cap"][vk], p["conc"][vk],
                                              bound[vk])
            value = with_backlog_wait_ms(quantile, value, wait_ms[keep], p["cap"][vk],
                                         p["conc"][vk], p["pull_consumer"][vk])
            over[keep] |= value > slo[vk]

    def _bracket_unsound(self, bound: np.ndarray) -> np.ndarray:
        """Re-check each percentile's SLO bracket with the run's own bisection bound, at the
        bracket or at the run's largest utilization if that is lower (the bound covers only up
        to there). A pull consumer has no bracket (every tick kept): never unsound."""
        p = self.p
        top = np.minimum(self.lam_max / p["cap"], MAX_UTILIZATION)
        bad = np.zeros(p["cap"].size, dtype=bool)
        for (quantile, slo), (rho_lo, rho_hi) in zip(self.judged, self.brackets, strict=True):
            for rho, below in ((rho_lo, True), (rho_hi, False)):
                inside = (rho >= 0) & (rho <= top) if not below else rho >= 0
                inside &= np.isfinite(slo) & ~p["pull_consumer"]
                if not inside.any():
                    continue
                at = np.minimum(rho, top)[inside]
                q = response_time_quantile_ms(quantile, at * p["cap"][inside], p["cap"][inside],
                                              p["conc"][inside], bound[inside])
                if below:
                    bad[inside] |= q >= slo[inside] * (1 - _MARGIN / 2)
                else:
                    bad[inside] |= q <= slo[inside] * (1 + _MARGIN / 2)
        return bad
