"""Plan scenarios drawn as traffic curves: the default plan's traces and load test, exact."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infra_toolkit.errors import TrafficError
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_scenario_types import CsvTraffic, LoadTest, Scenario, SyntheticTraffic
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
    # the slice's mean is the trace's 12 July mean (1.071 req/s, read here from the 1,440 rows
    # of the file with the csv module) times 120 / 3.1667, the file's peak minute that day
    with (TRACES / "nasa_http_1995-07-12_13_1min.csv").open(newline="") as fh:
        day = [float(r) for t, r in list(csv.reader(fh))[1:] if t < "1995-07-13T04:00:00Z"]
    assert (len(day), max(day)) == (1440, 3.1667)
    assert curve.rps.mean() == pytest.approx(sum(day) / 1440 * 120 / 3.1667, rel=1e-12)
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


def _trace(tmp_path: Path, rows: int = 10) -> Path:
    """A 60 s trace from 2024-01-01T00:00Z: row i holds i rps, so it covers 00:00 .. 00:10."""
    path = tmp_path / "t.csv"
    path.write_text("timestamp,requests_per_second\n" + "".join(
        f"2024-01-01T00:{i:02d}:00Z,{i}\n" for i in range(rows)))
    return path


def _at(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(("start", "end", "step_s", "match"), [
    # U-2: before, "slice_curve 't': [86400.0, ...) s must be a whole number of ... inside [0,
    # 600.0) s": the function's name and seconds from the trace's start
    ("2024-01-02T00:00Z", None, 60.0,
     r"^start 2024-01-02T00:00:00Z is after the trace's end: start/end must lie within "
     r"2024-01-01T00:00:00Z \.\. 2024-01-01T00:10:00Z, the time range of t\.csv$"),
    # author23: a +09:00 export cut at 18:00 meaning JST (09:00Z) is read as 18:00Z, after
    # the trace's end. Here 09:00 read as 09:00Z, 8 h 50 min after this trace's end at 00:10Z:
    # within a zone's offset (14 h) of the trace, the message says how a time without a zone
    # is read and how to write the local one (2024-01-02T00:00Z above, 23 h 50 min after, is no
    # zone slip and gets none)
    ("2024-01-01T09:00Z", None, 60.0,  # what the plan reader makes of a zoneless 09:00
     r"^start 2024-01-01T09:00:00Z is after the trace's end: start/end must lie within "
     r"2024-01-01T00:00:00Z \.\. 2024-01-01T00:10:00Z, the time range of t\.csv; a time "
     r"written without a zone is read as UTC: for 2024-01-01T09:00:00 in a local clock, write "
     r"it with its offset, such as 2024-01-01T09:00:00\+09:00$"),
    (None, "2023-12-31T23:00Z", 60.0,
     r"^end 2023-12-31T23:00:00Z is before the trace's first time: start/end must lie within "
     r"2024-01-01T00:00:00Z \.\. 2024-01-01T00:10:00Z"),
    ("2024-01-01T00:02Z", "2024-01-01T00:11Z", 60.0,
     r"^end 2024-01-01T00:11:00Z is after the trace's end"),
    ("2024-01-01T00:10Z", None, 60.0, r"^start 2024-01-01T00:10:00Z is at the trace's end"),
    # 00:00 .. 00:05 is 300 s; 300 / 7 = 42.86 steps
    ("2024-01-01T00:00Z", "2024-01-01T00:05Z", 7.0,
     r"^simulation\.step_s 7 does not divide the 300 s window 2024-01-01T00:00:00Z \.\. "
     r"2024-01-01T00:05:00Z \(42\.86 steps\); move start or end, or choose a step_s that "
     r"divides 300 s$"),
    # N-17: no window: the whole 600 s trace, 600 / 7 = 85.71 steps (the last 5 s were dropped)
    (None, None, 7.0,
     r"^simulation\.step_s 7 does not divide the 600 s of t\.csv \(85\.71 steps\); choose a "
     r"step_s that divides it, such as the file's 60 s interval, or give start and end$"),
    # 00:01:30 .. 00:04:30 is 180 s = 3 steps of 60 s, but it starts 90 s (1.5 steps) in
    ("2024-01-01T00:01:30Z", "2024-01-01T00:04:30Z", 60.0,
     r"^start 2024-01-01T00:01:30Z is 90 s after the first time of t\.csv "
     r"\(2024-01-01T00:00:00Z\), not a whole number of simulation\.step_s 60 s steps; move "
     r"start onto that grid$"),
])
def test_a_bad_window_is_said_in_the_plans_terms(tmp_path: Path, start: str | None,
                                                end: str | None, step_s: float, match: str
                                                ) -> None:
    scenario = Scenario("w", "a window", CsvTraffic(_trace(tmp_path), _at(start), _at(end)))
    with pytest.raises(TrafficError, match=match):
        scenario_curve(scenario, step_s)


@pytest.mark.parametrize(("start", "end", "step_s", "match"), [
    # audit4 A4-U1: 7 rows of 1 s (0 .. 6) last 7 s, which 2 s steps do not divide (3.50 steps);
    # the advice used to end "or give start and end", which such a file then refuses
    (None, None, 2.0,
     r"^simulation\.step_s 2 does not divide the 7 s of s\.csv \(3\.50 steps\); choose a "
     r"step_s that divides it, such as the file's 1 s interval, or cut the file to a whole "
     r"number of steps \(its timestamps are seconds from its start, which start/end cannot "
     r"cut\)$"),
    # ... and start/end on it said what is wrong but not what to do
    ("1970-01-01T00:00:00Z", "1970-01-01T00:00:04Z", 1.0,
     r"^s\.csv has seconds-from-start timestamps; start/end need ISO 8601 timestamps in the "
     r"file: remove start and end and cut the file to the window, or write its timestamps as "
     r"ISO 8601 times or Unix seconds$"),
])
def test_a_seconds_from_start_trace_is_told_to_cut_the_file(
        tmp_path: Path, start: str | None, end: str | None, step_s: float, match: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text("timestamp,requests_per_second\n" + "".join(f"{i},{i}\n" for i in range(7)))
    scenario = Scenario("s", "seconds", CsvTraffic(path, _at(start), _at(end)))
    with pytest.raises(TrafficError, match=match):
        scenario_curve(scenario, step_s)


@pytest.mark.parametrize(("start", "end", "expected"), [
    ("2024-01-01T00:02Z", "2024-01-01T00:05Z", [2, 3, 4]),  # rows 00:02, 00:03, 00:04
    ("2024-01-01T00:08Z", None, [8, 9]),                    # to the trace's end, 00:10
    (None, "2024-01-01T00:02Z", [0, 1]),                    # from its first time
])
def test_a_window_inside_the_trace_is_cut_exactly(tmp_path: Path, start: str | None,
                                                  end: str | None, expected: list[float]
                                                  ) -> None:
    scenario = Scenario("w", "a window", CsvTraffic(_trace(tmp_path), _at(start), _at(end)))
    curve = scenario_curve(scenario, 60.0)
    np.testing.assert_array_equal(curve.rps, expected)
    assert curve.start == pd.Timestamp(start or "2024-01-01T00:00Z")


def _prom_window(tmp_path: Path, fraction: str, start: str, end: str) -> Scenario:
    """Rows 0..9 (row i: i rps) every 60 s from Unix 1704067200``fraction``, cut start..end."""
    path = tmp_path / "prom.csv"
    path.write_text("timestamp,requests_per_second\n"
                    + "".join(f"{1704067200 + 60 * i}{fraction},{i}\n" for i in range(10)))
    return Scenario("p", "a window", CsvTraffic(path, _at(start), _at(end)))


def test_a_unix_seconds_trace_is_cut_by_start_and_end(tmp_path: Path) -> None:
    # audit20 A20-19: Prometheus' query_range writes Unix seconds; 1704067200 is
    # 2024-01-01T00:00:00Z (19723 days x 86400: 54 years x 365 + 13 leap days = 19723), so
    # rows 0..9 sit at 00:00 .. 00:09 and 00:02 .. 00:05 is rows 2, 3, 4, as the ISO trace's
    scenario = _prom_window(tmp_path, "", "2024-01-01T00:02Z", "2024-01-01T00:05Z")
    curve = scenario_curve(scenario, 60.0)
    np.testing.assert_array_equal(curve.rps, [2, 3, 4])
    assert curve.start == pd.Timestamp("2024-01-01T00:02Z")


def test_a_start_off_a_unix_seconds_traces_grid_shows_its_fraction(tmp_path: Path) -> None:
    # audit21 A21-2: query_range started at now() writes 1704067200.781, ...: 00:02:00 is
    # 120 - 0.781 = 119.219 s after the first time, which the message showed as 00:00:00Z,
    # its fraction dropped (a whole 120 s, on the grid, as far as the reader could see)
    scenario = _prom_window(tmp_path, ".781", "2024-01-01T00:02Z", "2024-01-01T00:05Z")
    with pytest.raises(TrafficError, match=r"^start 2024-01-01T00:02:00Z is 119\.219 s after "
                                           r"the first time of prom\.csv "
                                           r"\(2024-01-01T00:00:00\.781000Z\), not a whole"):
        scenario_curve(scenario, 60.0)
    # on its grid it cuts: 00:02:00.781 .. 00:05:00.781 is rows 2, 3, 4
    on_grid = _prom_window(tmp_path, ".781", "2024-01-01T00:02:00.781Z",
                           "2024-01-01T00:05:00.781Z")
    np.testing.assert_array_equal(scenario_curve(on_grid, 60.0).rps, [2, 3, 4])


def test_a_gap_in_a_plans_csv_names_the_plan_option(tmp_path: Path) -> None:
    path = tmp_path / "gap.csv"
    path.write_text("timestamp,requests_per_second\n0,10\n60,20\n240,50\n300,60\n")
    # U-3: before, the fix named `interpolate_gaps=True (infra-toolkit simulate
    # --interpolate-gaps)`, which a plan cannot give
    with pytest.raises(TrafficError, match=r"Add the rows \(0 if there was no traffic\) or give "
                                           r"`interpolate_gaps: true` in this csv: block to fill "
                                           r"them linearly$"):
        scenario_curve(Scenario("g", "a gap", CsvTraffic(path)), 60.0)
    # with the option the missing 120 s and 180 s rows are linear between 20 (60 s) and 50
    # (240 s): 30 and 40
    filled = scenario_curve(Scenario("g", "a gap", CsvTraffic(path, interpolate_gaps=True)), 60.0)
    np.testing.assert_array_equal(filled.rps, [10, 20, 30, 40, 50, 60])


def test_a_one_row_csv_in_a_plan_is_told_a_plans_fix(tmp_path: Path) -> None:
    # audit20 A20-5: the fix named step_s=SECONDS and `simulate --step-s`, which a plan
    # cannot give (its scenario has no such key)
    path = tmp_path / "one.csv"
    path.write_text("timestamp,requests_per_second\n2026-11-20T13:05:00Z,40\n")
    with pytest.raises(TrafficError, match=r"one\.csv has one data row, so its interval is "
                                           r"unknown; a file's interval is the time between its "
                                           r"rows: add the next row, or give a constant rate as "
                                           r"a synthetic scenario \(synthetic: \{shape: "
                                           r"constant, rps: R, duration: 1h\}\)$"):
        scenario_curve(Scenario("o", "one row", CsvTraffic(path)), 15.0)


def test_a_load_test_with_no_think_time_and_no_ramps(tmp_path: Path) -> None:
    # S-9: think_time 0s, ramp_up 0s and ramp_down 0s were refused ("must be longer than 0 s")
    plan = tmp_path / "plan.yaml"
    data = REPO / "tests" / "data" / "plans"
    shutil.copytree(data / "manifests", tmp_path / "manifests")
    plan.write_text((data / "minimal.yaml").read_text().replace(
        "csv: {path: manifests/traffic.csv}",
        "load_test: {users: 10, think_time: 0s, response_time: 200ms, ramp_up: 0s, hold: 1m, "
        "ramp_down: 0s}"))
    (scenario,) = read_plan(plan).scenarios
    test = scenario.traffic
    assert isinstance(test, LoadTest)
    assert (test.think_time_s, test.ramp_up_s, test.ramp_down_s) == (0.0, 0.0, 0.0)
    # back to back: each user sends 1 / 0.2 s = 5 rps, 10 users 50 rps from the first instant,
    # held 60 s = four 15 s steps, nothing after
    curve = scenario_curve(scenario, 15.0)
    np.testing.assert_allclose(curve.rps, [50.0, 50.0, 50.0, 50.0], rtol=1e-12)


@pytest.mark.parametrize(("traffic", "match"), [
    # before: "curve 'ramp': duration_s (=2700.0) must be a whole number of steps of step_s
    # (=7.0)": an internal curve's name; 2700 / 7 = 385.71 steps
    (LoadTest(users=10, requests_per_user_per_s=1.0, ramp_up_s=600.0, hold_s=1800.0,
              ramp_down_s=300.0),
     r"^simulation\.step_s 7 does not divide the ramp_up \+ hold \+ ramp_down, 2700 s \(385\.71 "
     r"steps\); make it a whole number of steps or choose a step_s that divides it$"),
    (SyntheticTraffic("constant", 100.0, {"rps": 5.0}),  # 100 / 7 = 14.29 steps
     r"^simulation\.step_s 7 does not divide the duration, 100 s \(14\.29 steps\)"),
])
def test_a_step_that_does_not_divide_a_scenario_is_said_in_the_plans_terms(
        traffic: LoadTest | SyntheticTraffic, match: str) -> None:
    with pytest.raises(TrafficError, match=match):
        scenario_curve(Scenario("s", "a scenario", traffic), 7.0)


@pytest.mark.parametrize(("traffic", "match"), [
    # audit8 A8-13: a scaled or drawn curve had no bound (a CSV row has a billion rps): peak_rps
    # 1e300 passed `validate` and failed the report's cost cell with decimal.InvalidOperation
    (CsvTraffic(TRACES / "nasa_http_1995-07-12_13_1min.csv", peak_rps=1e300),
     r"^the scenario peaks at 1e\+300 requests per second, more than the 1,000,000,000 \(a "
     r"billion\) a rate may be; check scale or peak_rps$"),
    # 1e15 users x 1 request / (5 s think + 0.2 s response) = 1.92e14 rps held
    (LoadTest(users=10**15, requests_per_user_per_s=1 / 5.2, ramp_up_s=600.0, hold_s=1800.0,
              ramp_down_s=300.0),
     r"^the scenario peaks at 1\.92e\+14 requests per second, .*; check users, think_time, "
     r"response_time or requests_per_iteration$"),
    (SyntheticTraffic("constant", 60.0, {"rps": 2e9}),
     r"^the scenario peaks at 2e\+09 requests per second, .*; check the shape's rates$"),
])
def test_a_scenario_above_a_billion_rps_is_refused(traffic: CsvTraffic | LoadTest |
                                                   SyntheticTraffic, match: str) -> None:
    with pytest.raises(TrafficError, match=match):
        scenario_curve(Scenario("s", "a scenario", traffic), 15.0)
    # the bound itself is a rate: exactly a billion is drawn
    exact = scenario_curve(Scenario("s", "", SyntheticTraffic("constant", 60.0, {"rps": 1e9})),
                           15.0)
    assert float(exact.rps.max()) == 1e9


def test_a_scenario_of_request_counts_is_cut_and_scaled_as_rates(tmp_path: Path) -> None:
    # owndata: a CloudWatch RequestCount Sum export, declared by its `requests` column: 5-minute
    # rows of 3000, 6000, 9000, 12000 requests are 10, 20, 30, 40 rps (count / 300 s); the
    # window 10:05Z .. 10:15Z keeps 20 and 30, held over 15 s steps (20 steps each)
    path = tmp_path / "alb.csv"
    path.write_text("timestamp,requests\n" + "".join(
        f"2026-11-02T10:{m:02d}:00Z,{n}\n" for m, n in ((0, 3000), (5, 6000), (10, 9000),
                                                          (15, 12000))))
    window = CsvTraffic(path, dt.datetime(2026, 11, 2, 10, 5, tzinfo=dt.UTC),
                        dt.datetime(2026, 11, 2, 10, 15, tzinfo=dt.UTC), peak_rps=60.0)
    curve = scenario_curve(Scenario("alb", "counts", window), 15.0)
    # peak_rps 60 over the window's highest step, 30 rps: factor 2, so 40 and 60 rps
    np.testing.assert_array_equal(curve.rps, [40.0] * 20 + [60.0] * 20)
    # (40 + 60) x 300 s = 30,000: twice the window's 6000 + 9000 requests
    assert curve.total_requests == 30_000.0
    assert str(curve.start) == "2026-11-02 10:05:00+00:00"


def test_the_reader_keeps_the_offsets_the_file_is_written_with(tmp_path: Path) -> None:
    # left24: the curve is in UTC, so the offsets are read apart: a Z file has offset 0, a
    # zoneless or seconds file none, a file across the October change in Berlin +02:00 then
    # +01:00 (02:00+02:00 = 00:00Z, 02:00+01:00 = 01:00Z: one hour apart)
    from infra_toolkit.traffic_csv import utc_offsets

    assert utc_offsets(_trace(tmp_path)) == (dt.timedelta(0),)
    for name, rows in (("local.csv", "2024-01-01T00:00:00,1\n2024-01-01T00:01:00,1\n"),
                       ("seconds.csv", "0,1\n60,1\n")):
        (tmp_path / name).write_text("timestamp,requests_per_second\n" + rows)
        assert utc_offsets(tmp_path / name) == ()
    berlin = tmp_path / "berlin.csv"
    berlin.write_text("timestamp,requests_per_second\n2026-10-25T02:00:00+02:00,1\n"
                      "2026-10-25T02:00:00+01:00,1\n2026-10-25T03:00:00+01:00,1\n")
    assert utc_offsets(berlin) == (dt.timedelta(hours=2), dt.timedelta(hours=1))
    # a zoneless start on it names both offsets and suggests the first
    scenario = Scenario("w", "dst", CsvTraffic(berlin, _at("2026-10-25T00:00:00+00:00"),
                                               None, zoneless=("start",)))
    with pytest.raises(TrafficError, match=(
            r"^start 2026-10-25T00:00:00 has no zone, but the timestamps of berlin\.csv carry "
            r"\+02:00 and \+01:00: .* write 2026-10-25T00:00:00\+02:00 for the file's clock or "
            r"2026-10-25T00:00:00Z for UTC$")):
        scenario_curve(scenario, 3600.0)


def test_a_zoneless_start_on_a_utc_file_is_its_clock(tmp_path: Path) -> None:
    # Z timestamps: a zoneless 00:02 is 00:02Z, the file's own clock: rows 2 .. 9 (8 x 60 s)
    scenario = Scenario("w", "utc", CsvTraffic(_trace(tmp_path), _at("2024-01-01T00:02:00Z"),
                                               None, zoneless=("start",)))
    assert list(scenario_curve(scenario, 60.0).rps) == [2, 3, 4, 5, 6, 7, 8, 9]
