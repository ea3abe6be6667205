"""Synthetic shapes and resampling, against values worked out by hand."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from infra_toolkit.errors import TrafficError
from infra_toolkit.traffic import (
    TrafficCurve,
    add_noise,
    constant_curve,
    diurnal_curve,
    flash_crowd_curve,
    ramp_curve,
    resample_curve,
    scale_curve,
    slice_curve,
    step_curve,
    sum_curves,
)


@pytest.mark.parametrize(
    ("curve", "expected"),
    [
        (constant_curve(7.5, 180, 60), [7.5, 7.5, 7.5]),
        # step at 90 s: bin [60,120) is 30 s at 100 and 30 s at 400 -> (3000+12000)/60 = 250
        (step_curve(100, 400, 90, 300, 60), [100, 250, 400, 400, 400]),
        # ramp 0 -> 60 over [0,60]: mean over [0,30) = 15, over [30,60) = 45, then flat 60
        (ramp_curve(0, 60, 0, 60, 120, 30), [15, 45, 60, 60]),
        # base 10, +100 rising linearly over [60,120) (mean +50), then +100*exp(-(t-120)/60):
        # [120,180) mean = 10 + 100*(1-e^-1) = 73.2121; [180,240) = 10 + 100*(e^-1 - e^-2) = 33.2544
        (flash_crowd_curve(10, 110, 60, 60, 60, 240, 60),
         [10, 60, 10 + 100 * (1 - math.exp(-1)), 10 + 100 * (math.exp(-1) - math.exp(-2))]),
    ],
)
def test_shapes_bin_means(curve: TrafficCurve, expected: list[float]) -> None:
    np.testing.assert_allclose(curve.rps, expected, rtol=1e-12, atol=1e-9)


def test_diurnal_bins_and_weekly_cycle() -> None:
    # amplitude 1, peak at 12:00, 6 h bins. Over [0h,6h) the phase runs -pi..-pi/2 and the mean of
    # cos is (sin(-pi/2) - sin(-pi)) / (pi/2) = -2/pi; over [6h,12h) it is +2/pi.
    c = diurnal_curve(10, 1.0, 7 * 86400, 6 * 3600, peak_hour=12, weekend_factor=0.5)
    day = [10 * (1 - 2 / math.pi), 10 * (1 + 2 / math.pi), 10 * (1 + 2 / math.pi),
           10 * (1 - 2 / math.pi)]
    np.testing.assert_allclose(c.rps[:4], day, rtol=1e-12)
    # start_weekday 0 = Monday, so days 5 and 6 (Sat, Sun) are halved: daily means 10 x5, 5 x2
    np.testing.assert_allclose(c.rps.reshape(7, 4).mean(axis=1), [10] * 5 + [5] * 2, rtol=1e-12)


def test_noise_is_seeded_and_mean_preserving() -> None:
    base = constant_curve(100, 100_000 * 60, 60)
    a = add_noise(base, np.random.default_rng(7), 0.2)
    b = add_noise(base, np.random.default_rng(7), 0.2)
    c = add_noise(base, np.random.default_rng(8), 0.2)
    np.testing.assert_array_equal(a.rps, b.rps)
    assert not np.array_equal(a.rps, c.rps)
    assert a.rps.min() >= 0
    # gamma factor with mean 1, sd 0.2: over 100,000 draws the sample mean is within 3*0.2/316
    assert abs(a.rps.mean() / 100 - 1) < 0.002
    assert abs(a.rps.std() / 100 - 0.2) < 0.003
    assert add_noise(base, np.random.default_rng(7), 0.0) is base


def test_sum_scale_slice() -> None:
    a = TrafficCurve(np.array([1.0, 2.0, 3.0]), 60, None, "a")
    b = TrafficCurve(np.array([10.0, 20.0, 30.0]), 60, None, "b")
    np.testing.assert_array_equal(sum_curves(a, b).rps, [11, 22, 33])
    assert sum_curves(a, b).name == "a+b"
    np.testing.assert_array_equal(scale_curve(a, 2.5).rps, [2.5, 5, 7.5])
    np.testing.assert_array_equal(slice_curve(a, 60, 120).rps, [2, 3])
    with pytest.raises(TrafficError, match=r"cannot add curve 'c' \(2 x 60.0 s\) to 'a'"):
        sum_curves(a, TrafficCurve(np.array([1.0, 2.0]), 60, None, "c"))
    with pytest.raises(TrafficError, match=r"whole number of 60.0 s steps inside \[0, 180.0\)"):
        slice_curve(a, 30, 60)


def test_sum_keeps_the_one_start_and_refuses_two() -> None:
    # traffic22: the sum took the first curve's start; a synthetic spike (no start) listed
    # first dropped the trace's clock, and Tuesday's trace added to Monday's kept Monday's
    monday = pd.Timestamp("2026-11-23T00:00:00Z")
    trace = TrafficCurve(np.array([1.0, 2.0]), 60, monday, "trace")
    spike = TrafficCurve(np.array([0.0, 5.0]), 60, None, "spike")
    both = sum_curves(spike, trace)
    np.testing.assert_array_equal(both.rps, [1, 7])  # 0+1, 5+2
    assert both.start == monday
    tuesday = TrafficCurve(np.array([3.0, 4.0]), 60, monday + pd.Timedelta(days=1), "tue")
    with pytest.raises(TrafficError, match=(
            r"cannot add curve 'tue' starting 2026-11-24 00:00:00\+00:00 to 'trace' starting "
            r"2026-11-23 00:00:00\+00:00: bins are added by position")):
        sum_curves(trace, tuesday)


@pytest.mark.parametrize(
    ("step_s", "expected"),
    [
        (120, [1.5, 3.5]),  # mean of (1,2) and (3,4)
        (30, [1, 1, 2, 2, 3, 3, 4, 4]),  # step-hold
        # 90 s bins: (60*1 + 30*2)/90 = 4/3, (30*2 + 60*3)/90 = 8/3; the last 60 s do not fill a bin
        (90, [4 / 3, 8 / 3]),
    ],
)
def test_resample_is_time_weighted_mean(step_s: float, expected: list[float]) -> None:
    c = TrafficCurve(np.array([1.0, 2.0, 3.0, 4.0]), 60)
    np.testing.assert_allclose(resample_curve(c, step_s).rps, expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("rps", "step_s", "match"),
    [
        ([1.0, -2.0], 60, r"rps\[1\] \(=-2.0\) must be a finite rate >= 0"),
        ([1.0, float("nan")], 60, r"rps\[1\] \(=nan\) must be a finite rate"),
        ([], 60, r"rps must be a non-empty 1-D array"),
        ([1.0], 0, r"step_s \(=0\) must be a positive number of seconds"),
    ],
)
def test_curve_validation(rps: list[float], step_s: float, match: str) -> None:
    with pytest.raises(TrafficError, match=match):
        TrafficCurve(np.array(rps), step_s)


def test_curve_is_immutable_copy() -> None:
    src = np.array([1.0, 2.0])
    c = TrafficCurve(src, 60)
    src[0] = 99
    assert c.rps[0] == 1.0
    with pytest.raises(ValueError, match="assignment destination is read-only"):
        c.rps[0] = 5


def test_shape_duration_must_fit_steps() -> None:
    with pytest.raises(TrafficError, match=r"duration_s \(=90\) must be a whole number of steps"):
        constant_curve(1, 90, 60)


@pytest.mark.parametrize(("make", "low"), [
    (lambda: constant_curve(-40, 180, 60), "-40"),  # was silently a flat 0 rps
    (lambda: step_curve(10, -5, 60, 180, 60), "-5"),
    # ramp -10 -> 10 over [0,120): first 60 s bin mean -5
    (lambda: ramp_curve(-10, 10, 0, 120, 180, 60), "-5"),
])
def test_negative_rates_are_refused(make: Callable[[], TrafficCurve], low: str) -> None:
    with pytest.raises(TrafficError, match=rf"rate goes down to {low} requests per second; "
                                           r"give every rate parameter >= 0"):
        make()


def test_each_traffic_module_imports_first_without_a_cycle() -> None:
    import subprocess
    import sys

    for module in ("traffic", "traffic_csv", "traffic_cloudwatch"):
        code = (f"import infra_toolkit.{module}; "
                "from infra_toolkit.traffic import read_traffic_csv, get_cloudwatch_traffic")
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=False)
        assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(("relative_sd", "match"), [
    # inf and any sd past ~1e154 made the shape 1/sd**2 a division by zero (a traceback)
    (float("inf"), r"relative_sd \(=inf\) must be a number from 0 to 10"),
    (float("nan"), r"relative_sd \(=nan\) must be a number from 0 to 10"),
    (-0.1, r"relative_sd \(=-0.1\) must be a number from 0 to 10 \(a fraction of the rate"),
    (11.0, r"relative_sd \(=11.0\) must be a number"),
])
def test_noise_with_a_bad_relative_sd_is_refused(relative_sd: float, match: str) -> None:
    with pytest.raises(TrafficError, match=match):
        add_noise(constant_curve(100, 600, 60), np.random.default_rng(1), relative_sd)


def test_noise_below_float_resolution_leaves_the_curve() -> None:
    # (1e-300)**2 underflows to 0: no noise, the same curve (was a ZeroDivisionError)
    base = constant_curve(100, 600, 60)
    assert add_noise(base, np.random.default_rng(1), 1e-300) is base


def test_a_ramp_with_a_nan_end_is_refused() -> None:
    # NaN compared false with the start: the curve was a flat 1 rps, the ramp to 2 silently lost
    with pytest.raises(TrafficError, match=r"ramp 'ramp': ramp_start_s \(=0\) and ramp_end_s "
                                           r"\(=nan\) must be finite numbers of seconds"):
        ramp_curve(1, 2, 0, float("nan"), 600)


@pytest.mark.parametrize(("make", "match"), [
    # owndata: a rise of 7200 s in a 3600 s curve stopped part way: linear from 10 towards
    # 100 rps over 7200 s, at 3600 s it had reached 10 + 90 x 3600 / 7200 = 55 rps, never 100
    (lambda: flash_crowd_curve(10, 100, 0, 7200, 60, 3600),
     r"flash crowd 'flash_crowd': the peak at at_s \+ rise_s = 0 \+ 7200 s is after the curve "
     r"ends \(duration 3600 s\), so peak_rps \(=100\) would never be reached; shorten rise_s, "
     r"move at_s earlier or lengthen the duration$"),
    (lambda: flash_crowd_curve(10, 100, 3590, 60, 60, 3600), r"at_s \+ rise_s = 3590 \+ 60 s"),
    # a ramp to 400 ending at 7200 s of a 3600 s curve stopped at 100 + 300 x 3600 / 7200 = 250
    (lambda: ramp_curve(100, 400, 0, 7200, 3600),
     r"ramp 'ramp': ramp_end_s \(=7200\) is after the curve ends \(duration 3600 s\), so "
     r"end_rps \(=400\) would never be reached; end the ramp by the duration or lengthen the "
     r"duration$"),
    # 2.5 counted the weekend as start_weekday 2 did; 30 peaked at 06:00 (30 - 24)
    (lambda: diurnal_curve(10, 0.5, 86_400, start_weekday=2.5),  # type: ignore[arg-type]
     r"start_weekday \(=2\.5\) a whole day 0\.\.6 \(0 = Monday\)$"),
    (lambda: diurnal_curve(10, 0.5, 86_400, weekend_factor=float("nan")),
     r"weekend_factor \(=nan\) must be >= 0"),
    (lambda: diurnal_curve(10, 0.5, 86_400, peak_hour=30),
     r"diurnal 'diurnal': peak_hour \(=30\) must be an hour of the day from 0 to under 24 "
     r"\(14\.5 is 14:30\)$"),
    (lambda: flash_crowd_curve(10, 100, 0, 60, float("nan"), 3600), r"decay_s > 0 \(=nan\)"),
])
def test_shapes_that_would_not_draw_what_they_say_are_refused(
        make: Callable[[], TrafficCurve], match: str) -> None:
    with pytest.raises(TrafficError, match=match):
        make()


def test_a_ramp_and_a_rise_ending_at_the_curves_end_are_drawn() -> None:
    # the load test's ramp down ends at the duration: 60 -> 0 over [0, 120) s in 60 s bins,
    # bin means 45 and 15
    np.testing.assert_array_equal(ramp_curve(60, 0, 0, 120, 120, 60).rps, [45.0, 15.0])
    # rise from 0 to 120 rps over [0, 120): bin means 30 and 90
    np.testing.assert_array_equal(flash_crowd_curve(0, 120, 0, 120, 60, 120, 60).rps,
                                  [30.0, 90.0])
