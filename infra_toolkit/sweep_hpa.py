"""The HPA controller's rules over many variants at once, for the pod states the simulation makes.

:mod:`infra_toolkit.hpa` (with ``replica_calculator``, ``hpa_metrics`` and ``hpa_normalize``) is
the reference and the one place where the rules are documented; this module re-expresses, with
numpy arrays of one slot per variant, exactly what ``hpa.reconcile`` does for the inputs
:mod:`infra_toolkit.controller_view` builds. Those inputs are narrow: pods are Pending (no
StartTime, or pulling the image), Running not Ready, or Running Ready; none is deleting, Failed
or Succeeded; every pod requests the same CPU and memory; a pod's sample exists from the first
scrape a full window after it started Running; Object and External metrics read one value. So a
variant's pods reduce to counts per class and sums of samples, and each step below is a few array
operations. Step by step (SPEC = ../shared/hpa/SPEC.md):

- pod grouping (SPEC §2.0, ``pod_grouping.group_pods_with_totals``): done by the caller
  (:mod:`infra_toolkit.sweep_engine`), which passes ready / unready / missing counts and the
  ready pods' sample sums, once with the CPU readiness rules (initialization period, readiness
  delay, a full window after Ready) and once without (memory, Pods metrics);
- Resource Utilization (SPEC §2.1, ``get_resource_replicas``): :func:`_utilization` -- integer
  percent of the requests, truncated; tolerance; rebalancing of missing pods (request x
  max(100, target) % below target, 0 above, not at exactly 1) and unready pods (0 on a
  scale-up); direction-flip and surge guards (``_rebalanced_replicas``);
- Resource AverageValue and Pods metrics (SPEC §2.2, ``calc_plain_metric_replicas``):
  :func:`_plain` -- integer mean, missing pods filled with the target;
- Object / External Value and AverageValue (SPEC §2.4-2.5, ``get_usage_ratio_replica_count``,
  ``_per_pod_replicas``): :func:`_value` and :func:`_per_pod` -- Running&Ready multiplier, scale
  from zero, status replicas within tolerance;
- metric failures and the max over metrics (SPEC §2.6, ``compute_replicas_for_metrics``):
  :func:`_combine` -- no metric yet (before the first full window), no sample, only unready pods;
  all fail -> no scaling; some fail and the rest propose less than spec -> no scaling;
- pre-checks (SPEC §3 step 4, ``reconcile``): spec 0 (scale-to-zero condition), above max, below
  min;
- no-behavior path (SPEC §4, ``stabilize_recommendation``, ``convert_desired_replicas_with_rules``):
  max over the recommendations at most the flag's window old, then ``[min, min(max, cap)]`` with
  ``cap = int(max(factor x current, minimum))``;
- behavior path (SPEC §5.2-5.3, ``stabilize_recommendation_with_behaviors``,
  ``convert_desired_replicas_with_behavior_rate``): current clamped into [min over the up window,
  max over the down window]; Pods / Percent policies over the period start
  ``current - ups + downs`` (both directions), Max / Min / Disabled; min or max applied only in
  the direction moved;
- history (SPEC §3 step 2, §5.4, ``recordInitialRecommendation``, ``store_scale_event``):
  :mod:`infra_toolkit.sweep_history` -- one recommendation entry per sync (its proposal, or
  none when no recommendation was recorded) plus the size recorded at the first sync, read as
  window extremes; the scale-event lists slot for slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from infra_toolkit.go_arithmetic import MAX_INT32, MIN_INT32
from infra_toolkit.sweep_history import Recommendations, ScaleEvents
from infra_toolkit.sweep_params import (
    CPU_AVG,
    CPU_UTIL,
    EXT_AVG,
    EXT_VALUE,
    MEM_AVG,
    MEM_UTIL,
    OBJ_AVG,
    OBJ_VALUE,
    PODS_AVG,
    Variants,
)

__all__ = ["LIMITED", "MetricInputs", "SyncOutcome", "reconcile_batch"]

E_OK, E_NOSNAP, E_NOSAMPLES, E_UNREADY = 0, 1, 2, 3  # why a metric failed
LIMITED = (None, "DesiredWithinRange", "TooFewReplicas", "TooManyReplicas", "ScaleUpLimit",
           "ScaleDownLimit")
DWR, TFR, TMR, SUL, SDL = 1, 2, 3, 4, 5
R_NONE, R_ABOVE_MAX, R_BELOW_MIN, R_METRIC_ABOVE, R_ALL_BELOW = range(5)  # rescale reasons


def _ceil32(x: np.ndarray) -> npt.NDArray[np.int64]:
    """``go_arithmetic.ceil_int32``: ceil, saturated to int32, NaN -> 0."""
    x = np.nan_to_num(x, nan=0.0, posinf=float(MAX_INT32), neginf=float(MIN_INT32))
    replicas: npt.NDArray[np.int64] = np.clip(np.ceil(x), MIN_INT32, MAX_INT32).astype(np.int64)
    return replicas


def _ceil_count(x: np.ndarray) -> npt.NDArray[np.int64]:
    """``go_arithmetic.ceil_int32`` of a finite product >= 0 (a ratio times a pod count)."""
    replicas: npt.NDArray[np.int64] = np.minimum(np.ceil(x), MAX_INT32).astype(np.int64)
    return replicas


def _wrap32(x: np.ndarray) -> npt.NDArray[np.int64]:
    """``go_arithmetic.wrap_int32`` of int64 values: Go's wrapping int32 sums."""
    wrapped: npt.NDArray[np.int64] = ((x - MIN_INT32) & 0xFFFF_FFFF) + MIN_INT32
    return wrapped


def _within(ratio: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return (lo <= ratio) & (ratio <= hi)


def _rebalanced(cur: np.ndarray, ratio: np.ndarray, new_ratio: np.ndarray, count: np.ndarray,
                lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``_rebalanced_replicas``: keep current on tolerance, a direction flip or the surge guard."""
    keep = (_within(new_ratio, lo, hi) | ((ratio < 1.0) & (new_ratio > 1.0))
            | ((ratio > 1.0) & (new_ratio < 1.0)))
    new = _ceil_count(new_ratio * count)
    keep |= ((new_ratio < 1.0) & (new > cur)) | ((new_ratio > 1.0) & (new < cur))
    return np.where(keep, cur, new)


@dataclass
class MetricInputs:
    """Per-variant pod classes and sample sums at one sync (see the module docstring).

    ``*_c`` use the CPU readiness rules, ``*_n`` not; ``usage_*`` sum the ready pods' samples
    in milli-units; ``sampled`` is whether any pod has a sample; ``running_ready`` counts Running
    pods with Ready True; ``snapshot`` is whether a full metric window exists yet; ``total_milli``
    is the Object/External value.
    """

    ready_c: np.ndarray
    unready_c: np.ndarray
    missing_c: np.ndarray
    ready_n: np.ndarray
    unready_n: np.ndarray
    missing_n: np.ndarray
    usage_cpu: np.ndarray
    usage_memory: np.ndarray
    usage_rps: np.ndarray
    sampled: np.ndarray
    running_ready: np.ndarray
    snapshot: bool
    total_milli: int


def _utilization(ready: np.ndarray, unready: np.ndarray, missing: np.ndarray, usage: np.ndarray,
                 request: np.ndarray, target: np.ndarray, cur: np.ndarray, lo: np.ndarray,
                 hi: np.ndarray) -> np.ndarray:
    util = (usage * 100) // (np.maximum(ready, 1) * request)
    ratio = util / target
    out = np.where(_within(ratio, lo, hi), cur, _ceil_count(ratio * ready))
    if not (np.count_nonzero(unready) or np.count_nonzero(missing)):
        return out
    up_unready = (unready > 0) & (ratio > 1.0)
    simple = ~up_unready & (missing == 0)
    fill = (request * np.maximum(100, target)) // 100
    count = ready + np.where(ratio != 1.0, missing, 0) + np.where(up_unready, unready, 0)
    total = usage + np.where(ratio < 1.0, missing * fill, 0)
    new_ratio = ((total * 100) // (np.maximum(count, 1) * request)) / target
    return np.where(simple, out, _rebalanced(cur, ratio, new_ratio, count, lo, hi))


def _plain(ready: np.ndarray, unready: np.ndarray, missing: np.ndarray, usage: np.ndarray,
           target: np.ndarray, cur: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    ratio = (usage // np.maximum(ready, 1)) / target
    out = np.where(_within(ratio, lo, hi), cur, _ceil_count(ratio * ready))
    if not (np.count_nonzero(unready) or np.count_nonzero(missing)):
        return out
    up_unready = (unready > 0) & (ratio > 1.0)
    simple = ~up_unready & (missing == 0)
    count = ready + np.where(ratio != 1.0, missing, 0) + np.where(up_unready, unready, 0)
    total = usage + np.where(ratio < 1.0, missing * target, 0)
    new_ratio = (total // np.maximum(count, 1)) / target
    return np.where(simple, out, _rebalanced(cur, ratio, new_ratio, count, lo, hi))


def _value(total: int, target: np.ndarray, cur: np.ndarray, running_ready: np.ndarray,
           lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    ratio = float(total) / target.astype(np.float64)
    scaled = np.where(_within(ratio, lo, hi), cur, _ceil32(ratio * running_ready))
    return np.where(cur != 0, scaled, _ceil32(ratio))


def _per_pod(total: int, target: np.ndarray, status: np.ndarray, lo: np.ndarray,
             hi: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = float(total) / (target.astype(np.float64) * status.astype(np.float64))
    return np.where(_within(ratio, lo, hi), status, _ceil32(float(total) / target))


def _metric(kind: int, target: np.ndarray, x: MetricInputs, cur: np.ndarray,
            p: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """One metric's (proposal, error code) per variant."""
    lo, hi = p["tol_lo"], p["tol_hi"]
    if kind in (OBJ_VALUE, EXT_VALUE, OBJ_AVG, EXT_AVG):
        err = np.full(cur.shape, E_OK if x.snapshot else E_NOSNAP, dtype=np.int64)
        if not x.snapshot:
            return np.zeros_like(cur), err
        if kind in (OBJ_VALUE, EXT_VALUE):
            return _value(x.total_milli, target, cur, x.running_ready, lo, hi), err
        return _per_pod(x.total_milli, target, cur, lo, hi), err
    cpu = kind in (CPU_UTIL, CPU_AVG)
    ready, unready, missing = ((x.ready_c, x.unready_c, x.missing_c) if cpu
                               else (x.ready_n, x.unready_n, x.missing_n))
    if not x.snapshot:
        return np.zeros_like(cur), np.full(cur.shape, E_NOSNAP, dtype=np.int64)
    err = np.where(~x.sampled, E_NOSAMPLES, np.where(ready == 0, E_UNREADY, E_OK))
    if kind == CPU_UTIL:
        prop = _utilization(ready, unready, missing, x.usage_cpu, p["cpu_req"], target, cur,
                            lo, hi)
    elif kind == MEM_UTIL:
        prop = _utilization(ready, unready, missing, x.usage_memory, p["mem_req"], target, cur,
                            lo, hi)
    else:
        usage = {CPU_AVG: x.usage_cpu, MEM_AVG: x.usage_memory, PODS_AVG: x.usage_rps}[kind]
        prop = _plain(ready, unready, missing, usage, target, cur, lo, hi)
    return np.where(err == E_OK, prop, 0), err


@dataclass
class SyncOutcome:
    """What one sync did per variant (codes are looked up when a log is asked for)."""

    written: np.ndarray  # the spec replicas after the sync
    # the rest are arrays in record mode, None otherwise (typed Any for the log code)
    proposal: Any  # the metric proposal, -1 when none
    limited: Any  # index into LIMITED (0: no ScalingLimited condition this sync)
    failed: Any  # reconcile returned the metrics error (no proposal, no scaling)
    invalid: Any  # failed metrics
    first_error_slot: Any
    first_error_code: Any
    rescale_reason: Any
    rescale_metric: Any  # metric index of the "... above target" reason


def _policy_limit(side: str, cur: np.ndarray, rows: np.ndarray, ups: ScaleEvents,
                  downs: ScaleEvents, p: dict[str, np.ndarray], now: float) -> np.ndarray:
    """``calculate_scale_up_limit_with_scaling_rules`` / ``..._down_limit_with_behaviors``."""
    select = p[f"{side}_select"][rows]
    use_min = select == 1
    if side == "up":
        result = np.where(use_min, MAX_INT32, MIN_INT32).astype(np.int64)
    else:
        result = np.where(use_min, MIN_INT32, MAX_INT32).astype(np.int64)
    for j in range(p[f"{side}_type"].shape[1]):
        valid = p[f"{side}_valid"][rows, j]
        period = p[f"{side}_period"][rows, j]
        value = p[f"{side}_value"][rows, j]
        start = _wrap32(cur - ups.since(rows, period, now) + downs.since(rows, period, now))
        percent = p[f"{side}_type"][rows, j] == 1
        if side == "up":
            proposed = np.where(percent, np.ceil(start * (1 + value / 100)),
                                _wrap32(start + value))
            pick = np.where(use_min, np.minimum(result, proposed), np.maximum(result, proposed))
        else:
            proposed = np.where(percent, np.trunc(start * (1 - value / 100)),
                                _wrap32(start - value))
            pick = np.where(use_min, np.maximum(result, proposed), np.minimum(result, proposed))
        result = np.where(valid, pick, result).astype(np.int64)
    return np.where(select == 2, cur, result)


def _behavior_rate(cur: np.ndarray, stabilized: np.ndarray, ups: ScaleEvents,
                   downs: ScaleEvents, p: dict[str, np.ndarray], now: float,
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``convert_desired_replicas_with_behavior_rate``: (replicas, limited reason code)."""
    out, reason = stabilized.copy(), np.full(cur.shape, DWR, dtype=np.int64)
    for side in ("up", "down"):
        rows = (stabilized > cur if side == "up" else stabilized < cur).nonzero()[0]
        if not rows.size:
            continue
        c = cur[rows]
        limit = _policy_limit(side, c, rows, ups, downs, p, now)
        if side == "up":
            limit = np.maximum(limit, c)
            bound = p["max_r"][rows]
            allowed = np.where(bound > limit, limit, bound)
            why = np.where(bound > limit, SUL, TMR)
            hit = stabilized[rows] > allowed
        else:
            limit = np.minimum(limit, c)
            bound = p["min_r"][rows]
            allowed = np.where(bound < limit, limit, bound)
            why = np.where(bound < limit, SDL, TFR)
            hit = stabilized[rows] < allowed
        out[rows] = np.where(hit, allowed, stabilized[rows])
        reason[rows] = np.where(hit, why, DWR)
    return out, reason


def _legacy_rules(cur: np.ndarray, stabilized: np.ndarray, p: dict[str, np.ndarray], record: bool,
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """``convert_desired_replicas_with_rules``: (replicas, limited reason code if ``record``)."""
    cap = np.trunc(np.maximum(p["legacy_factor"] * cur, p["legacy_min"])).astype(np.int64)
    max_r, min_r = p["max_r"], p["min_r"]
    allowed = np.where(max_r > cap, cap, max_r)
    out = np.where(stabilized < min_r, min_r, np.where(stabilized > allowed, allowed, stabilized))
    if not record:
        return out, None
    why = np.where(max_r > cap, SUL, TMR)
    reason = np.where(stabilized < min_r, TFR, np.where(stabilized > allowed, why, DWR))
    return out, reason


def _combine(props: np.ndarray, errs: np.ndarray, cur: np.ndarray,
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``compute_replicas_for_metrics``: (replicas, failed, invalid, first error slot and code,
    metric index of the max)."""
    valid = errs == E_OK
    invalid = (~valid).sum(axis=0)
    replicas = np.where(valid, props, 0).max(axis=0)
    failed = (invalid >= props.shape[0]) | ((invalid > 0) & (replicas < cur))
    first = np.argmax(~valid, axis=0)
    code = np.take_along_axis(errs, first[None, :], axis=0)[0]
    best = np.argmax(valid & (props == replicas[None, :]), axis=0)
    return replicas, failed, invalid, first, code, best


def reconcile_batch(v: Variants, s: int, now: float, cur: np.ndarray, x: MetricInputs,
                    recs: Recommendations, ups: ScaleEvents | None, downs: ScaleEvents | None,
                    zero: np.ndarray, record: bool = True) -> SyncOutcome:
    """One ``hpa.reconcile`` per variant at sync ``s`` (time ``now``); updates the histories
    and the ScaledToZero flags ``zero`` in place. Without ``record`` only ``written`` is
    filled in (the reasons and proposals are for the logs)."""
    p = v.a
    min_r, max_r = p["min_r"], p["max_r"]
    edge = (cur == 0) | (cur > max_r) | (cur < min_r)
    if np.count_nonzero(edge):  # the pre-checks of reconcile (SPEC §3 step 4)
        zero_cond = p["gate_zero"] & zero
        disabled = (cur == 0) & ~(zero_cond & ((min_r != 0) | p["has_oe"]))
        above = ~disabled & (cur != 0) & (cur > max_r)
        below = ~disabled & (cur != 0) & ~above & (cur < min_r)
        jump = above | below
        needs = ~(disabled | jump)
    else:
        zero_cond = disabled = jump = None
        needs = None
    if len(v.kinds) == 1:
        replicas, err = _metric(v.kinds[0], p["targets"][0], x, cur, p)
        failed = err != E_OK
        # the error fields only the sync log reads
        invalid = failed.astype(np.int64) if record else None
        first = np.zeros(cur.size, dtype=np.int64) if record else None
        code, best = err, first
    else:
        props = np.zeros((len(v.kinds), cur.size), dtype=np.int64)
        errs = np.zeros((len(v.kinds), cur.size), dtype=np.int64)
        for j, kind in enumerate(v.kinds):
            props[j], errs[j] = _metric(kind, p["targets"][j], x, cur, p)
        replicas, failed, invalid, first, code, best = _combine(props, errs, cur)
    if needs is not None:
        failed &= needs
        computed = needs & ~failed
        desired = np.where(above, max_r, np.where(below, min_r, replicas))
    else:
        computed = ~failed
        desired = replicas
    reason = (np.where(desired > cur, R_METRIC_ABOVE, np.where(desired < cur, R_ALL_BELOW, R_NONE))
              if record else None)
    initial = cur if s == 0 else None
    if v.legacy:
        stabilized = np.maximum(desired, recs.window_max(s, "down"))
        if initial is not None:
            stabilized = np.maximum(stabilized, initial)
        limited, why = _legacy_rules(cur, stabilized, p, record)
    else:
        assert ups is not None and downs is not None
        up = np.minimum(desired, recs.window_min(s, "up"))
        down = np.maximum(desired, recs.window_max(s, "down"))
        if initial is not None:
            up = np.where(p["up_window"] > 0, np.minimum(up, initial), up)
            down = np.where(p["down_window"] > 0, np.maximum(down, initial), down)
        stabilized = np.where(cur < up, up, cur)
        stabilized = np.where(stabilized > down, down, stabilized)
        limited, why = _behavior_rate(cur, stabilized, ups, downs, p, now)
    recs.record(s, desired, computed, initial)
    written = np.where(computed, limited, cur)
    if needs is not None:
        assert zero_cond is not None and disabled is not None and jump is not None
        written = np.where(jump, desired, written)
        raise_min = computed & (cur == 0) & (min_r != 0) & zero_cond & (written < min_r)
        written = np.where(raise_min, min_r, written)
        if reason is not None:
            reason = np.where(computed, reason, np.where(above, R_ABOVE_MAX, np.where(
                below, R_BELOW_MIN, R_NONE)))
            reason = np.where(raise_min & (reason == R_NONE), R_BELOW_MIN, reason)
        rescale = ~disabled & ~failed & (written != cur)
        written = np.where(rescale, written, cur)
    else:
        rescale = written != cur
    if not v.legacy and np.count_nonzero(rescale):
        assert ups is not None and downs is not None
        for side, events in (("up", ups), ("down", downs)):
            rows = (rescale & (written > cur if side == "up" else written < cur)).nonzero()[0]
            if rows.size:
                events.store(rows, np.abs(written[rows] - cur[rows]), p[f"{side}_longest"][rows],
                             now)
    if np.count_nonzero(p["has_oe"]) or np.count_nonzero(zero):  # ScaledToZero (SPEC §6)
        gate = p["gate_zero"]
        new_zero = gate & (cur > 0) & (written == 0) & (min_r == 0) & p["has_oe"]
        stays = zero if disabled is None else np.where(disabled & ~gate, False, zero)
        zero[:] = np.where(rescale, new_zero, stays)
    if not record:
        return SyncOutcome(written, None, None, None, None, None, None, None, None)
    assert reason is not None and why is not None
    return SyncOutcome(written=written, proposal=np.where(computed, replicas, -1),
                       limited=np.where(computed, why, 0), failed=failed, invalid=invalid,
                       first_error_slot=first, first_error_code=code, rescale_reason=reason,
                       rescale_metric=best)
