"""Plan scenarios drawn as traffic curves: the default plan's traces and load test, exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infra_toolkit.errors import TrafficError
from infra_toolkit.plan import CsvTraffic, LoadTest, Scenario, SyntheticTraffic, read_plan
from infra_toolkit.plan_traffic import SHAPES, scenario_curve, shape_parameters

REPO = Path(__file__).resolve().parent.parent
TRACES = REPO / "plans" / "traces"


@pytest.fixture(scope="module")
def scenarios() -> dict[str, Scenario]:
    return {s.name: s for s in read_plan(REPO / "plans" / "ecommerce-eks.yaml").scenarios}


def test_expected_day_is_one_day_scaled_to_120_rps(scenarios: dict[str, Scenario]) -> None:
    curve = scenario_curve(scenarios["expected-day"], 15.0)
    assert curve.rps.size == 24 * 60 * 4  # one day of 15 s steps
    assert curve.rps.max() == pytest.approx(120.0)
    # the slice's mean is the trace's 12 July mean 1.071 req/s (note) times 120/3.1667
    assert curve.rps.mean() == pytest.approx(1.071 * 120 / 3.1667, rel=1e-3)
    assert str(curve.start) == "1995-07-12 04:00:00+00:00"


def test_launch_day_keeps_the_expected_day_factor(scenarios: dict[str, Scenario]) -> None:
    curve = scenario_curve(scenarios["launch-day"], 15.0)
    assert curve.rps.max() == pytest.approx(6.75 * 37.89)  # peak minute 13:49Z x 37.89
    assert curve.start is not None
    peak_at = curve.start + pd.Timedelta(seconds=float(curve.times_s[int(np.argmax(curve.rps))]))
    assert str(peak_at) == "1995-07-13 13:49:00+00:00"


def test_flash_crowd_is_the_semi_final_scaled_to_480_rps(scenarios: dict[str, Scenario]
                                                         ) -> None:
    curve = scenario_curve(scenarios["flash-crowd"], 15.0)
    assert curve.rps.size == 12 * 60 * 4
    assert curve.rps.max() == pytest.approx(480.0)
    # 12:00Z minute of the slice is 219.2667 req/s in the file: x 480 / 3823.7667
    assert curve.rps[0] == pytest.approx(219.2667 * 480 / 3823.7667)


def test_load_test_ramps_holds_and_ramps_down_exactly(scenarios: dict[str, Scenario]) -> None:
    test = scenarios["load-test-1000-users"].traffic
    assert isinstance(test, LoadTest)
    rate = 1000 / 5.2  # users / (think 5 s + response 0.2 s)
    curve = scenario_curve(scenarios["load-test-1000-users"], 15.0)
    assert curve.rps.size == (600 + 1800 + 300) // 15
    # ramp-up bin 0 covers [0, 15) s of rate*t/600: mean at t = 7.5 s
    assert curve.rps[0] == pytest.approx(rate * 7.5 / 600)
    assert curve.rps[39] == pytest.approx(rate * (585 + 7.5) / 600)
    assert np.allclose(curve.rps[40:160], rate)
    # ramp-down bin 160 covers [2400, 2415) s of rate*(1 - (t-2400)/300): mean at 7.5 s in
    assert curve.rps[160] == pytest.approx(rate * (1 - 7.5 / 300))
    # requests: half the ramps plus the hold = rate * (300 + 1800 + 150)
    assert curve.total_requests == pytest.approx(rate * 2250)


def test_a_synthetic_shape_calls_the_traffic_function() -> None:
    step = Scenario("s", "a step", SyntheticTraffic("step", 1200.0, {
        "before_rps": 10.0, "after_rps": 40.0, "at_s": 600.0}))
    curve = scenario_curve(step, 15.0)
    assert curve.rps.size == 80
    assert np.all(curve.rps[:40] == 10.0) and np.all(curve.rps[40:] == 40.0)


def test_shape_parameters_come_from_the_traffic_functions() -> None:
    assert set(SHAPES) == {"constant", "step", "ramp", "diurnal", "flash_crowd"}
    assert shape_parameters("flash_crowd") == (
        ("base_rps", "peak_rps", "at_s", "rise_s", "decay_s"), ())
    required, optional = shape_parameters("diurnal")
    assert required == ("mean_rps", "daily_amplitude")
    assert set(optional) == {"peak_hour", "weekend_factor", "start_weekday"}


def test_a_window_outside_the_trace_is_a_traffic_error() -> None:
    import datetime as dt

    late = Scenario("late", "after the trace", CsvTraffic(
        TRACES / "worldcup98_1998-07-07_12-24_1min.csv",
        start=dt.datetime(1998, 7, 8, tzinfo=dt.UTC), end=dt.datetime(1998, 7, 9, tzinfo=dt.UTC)))
    with pytest.raises(TrafficError, match="must be a whole number of 15.0 s steps inside"):
        scenario_curve(late, 15.0)
