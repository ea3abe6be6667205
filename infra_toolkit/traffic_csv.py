"""Reading a traffic curve from a ``timestamp,requests_per_second`` CSV file.

The value column's name is its unit: ``requests_per_second`` is the mean rate over the row,
``requests`` (``traffic_csv_rows.COUNT_COLUMN``) the number of requests in the row's interval (a
CloudWatch ``RequestCount`` summed per period, Prometheus' ``increase()`` over a range equal to
the step), divided by the file's interval on reading. A header naming neither is refused with
both named, never guessed: a count read as a rate is 60 times the traffic of a 1-minute file.
Rows newest first throughout (GetMetricData's default order) are read reversed; any other order
is refused.

Each row is the mean request rate from its timestamp to the next row's: the file's interval is
the most common difference between consecutive timestamps, and every row must sit on that grid.
Timestamps are either all ISO-8601 (``1995-07-01T04:00:00Z``; zoned times are converted to UTC)
or all numbers of seconds: seconds from start (``0``, ``60``, ...), or Unix time when the first is
at least :data:`UNIX_SECONDS_FROM` (Prometheus' ``query_range``, ``date +%s``), which keeps the
wall-clock start. Extra columns are ignored. A rate is a finite
number from 0 to ``traffic_csv_cells.MAX_RATE_RPS``.

The file's rows and header are read by :mod:`infra_toolkit.traffic_csv_rows`, each cell by
:mod:`infra_toolkit.traffic_csv_cells`; a curve is written by
:mod:`infra_toolkit.traffic_csv_write`.
"""

from __future__ import annotations

import functools
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from infra_toolkit.errors import TrafficError, quoted
from infra_toolkit.traffic import TrafficCurve, check_whole_steps, resample_curve
from infra_toolkit.traffic_csv_cells import MAX_RATE_RPS, parse_rate, parse_time
from infra_toolkit.traffic_csv_rows import COUNT_COLUMN, TIME_COLUMN, read_bytes, read_rows

__all__ = ["MAX_STEPS", "MS_STEPS_S", "UNIX_SECONDS_FROM", "read_traffic_csv", "utc_offsets"]

#: A first numeric timestamp at or above this (1e9 s: 2001-09-09 as Unix time, 31.7 years as
#: seconds from start) is Unix time in seconds: no trace starts three decades after its own zero,
#: and reading it as Unix time keeps the clock a plan's ``start`` / ``end`` and a canary's
#: ``start: 'HH:MM'`` are counted on (read as seconds from start, both were lost).
UNIX_SECONDS_FROM = 1e9

#: The most steps a curve read from a file may have, after filling gaps or resampling: ten
#: million (a year of 4-second steps; 80 MB of rates). A mistyped timestamp (an extra zero)
#: or a step_s of 1e-6 otherwise asked numpy for gigabytes: a MemoryError traceback.
MAX_STEPS = 10_000_000

#: Sampling steps (seconds) common enough that 1000 x one of them between seconds-from-start
#: rows is the step in milliseconds: rows 1,000 s or 60,000 s apart are a unit mistake.
MS_STEPS_S = (1, 5, 10, 15, 30, 60, 300, 900, 3600)

#: The hour a daylight-saving change skips in zoneless local times (every zone that keeps summer
#: time today moves its clocks by one hour, except Lord Howe Island's 30 minutes).
_SPRING_FORWARD_S = 3600.0



def _count(n: float) -> str:
    """A count for a message: 180,000,000, or 1.8e+302 where digits would fill the line."""
    return f"{n:,.0f}" if n < 1e15 else f"{n:.3g}"


def _on_grid(diffs: np.ndarray, step_s: float) -> bool:
    """Whether every difference (seconds) is a whole multiple of ``step_s`` (to 1e-6 steps)."""
    ratio = diffs / step_s
    return bool(np.all(np.abs(ratio - np.rint(ratio)) <= 1e-6))


def read_traffic_csv(path: str | Path, step_s: float | None = None,
                     interpolate_gaps: bool = False,
                     gap_option: str = "interpolate_gaps=True",
                     step_option: str = "step_s",
                     one_row_fix: str | None = None) -> TrafficCurve:
    """Read ``timestamp,requests_per_second`` (or ``timestamp,requests``: each row's request
    count, divided by the file's interval) into a :class:`TrafficCurve` (requests per second).

    ``step_s`` (seconds) resamples the file's interval with :func:`resample_curve` (time-weighted
    mean over each new bin: downsampling averages, upsampling holds each value); ``None`` keeps the
    file's interval. Missing rows (a gap longer than the interval) are an error that says where,
    unless ``interpolate_gaps`` is true: then each missing row gets the linear interpolation between
    the rows around the gap, except a gap of exactly one hour in zoneless ISO times (the hour
    summer time skips in local times: refused, never filled). ``gap_option`` is how the caller's
    user turns that on (a CLI flag, a plan key), named in the error's fix. A one-row file needs
    ``step_s`` to know how long its row lasts (``one_row_fix`` says what to do where it cannot be
    given; by default, to give ``step_option``).
    A ``step_s`` that does not divide the file's duration (rows x interval) is an error naming
    ``step_option``, rather than a trailing partial step silently dropped. A row with more
    non-empty fields than the header (a decimal comma, a thousands separator) and a
    seconds-from-start timestamp of 1e11 or more (Unix milliseconds) are refused. Numeric
    timestamps whose first is :data:`UNIX_SECONDS_FROM` or more are Unix seconds: the curve
    starts at that UTC instant.
    """
    path = Path(path)
    if step_s is not None and not (math.isfinite(step_s) and step_s > 0):
        raise TrafficError(f"{path}: {step_option} (={step_s}) must be a positive number of "
                           "seconds")
    if one_row_fix is None:
        one_row_fix = f"pass {step_option}=SECONDS for how long the row lasts"
    return _curve(str(path), read_bytes(path), step_s, interpolate_gaps, gap_option,
                  step_option, one_row_fix)


def utc_offsets(path: Path) -> tuple[timedelta, ...]:
    """The UTC offsets a traffic CSV's ISO 8601 timestamps are written with, in order of first
    appearance (``+09:00`` for a Tokyo export, two across a daylight-saving change; ``Z`` is
    ``timedelta(0)``); none for zoneless times or numeric seconds. :func:`read_traffic_csv`
    gives times in UTC, so a plan's zoneless ``start`` / ``end`` needs this to know which clock
    its writer meant (``plan_traffic``). Read the file with :func:`read_traffic_csv` first: its
    problems are reported there."""
    return _offsets(str(path), read_bytes(path))


@functools.lru_cache(maxsize=32)
def _offsets(path_text: str, data: bytes) -> tuple[timedelta, ...]:
    found: dict[timedelta, None] = {}
    for raw in read_rows(Path(path_text), data)[1]:
        try:
            offset = datetime.fromisoformat(raw).utcoffset()
        except ValueError:  # seconds, or a cell read_traffic_csv refuses with its line
            return ()
        if offset is not None:
            found.setdefault(offset)
    return tuple(found)


@functools.lru_cache(maxsize=32)
def _curve(path_text: str, data: bytes, step_s: float | None, interpolate_gaps: bool,
           gap_option: str, step_option: str, one_row_fix: str) -> TrafficCurve:
    """:func:`read_traffic_csv` of the bytes ``data`` read from ``path_text``, parsed once per
    path, content and options (a curve is immutable): checking a plan and analysing it read
    each scenario's trace, up to 20,000 rows, again each time."""
    path = Path(path_text)
    lines, raw_times, raw_rates, value_column = read_rows(path, data)
    count = value_column == COUNT_COLUMN
    iso = True
    try:
        float(raw_times[0])
        iso = False
    except ValueError:
        pass
    col_t = f"column {TIME_COLUMN!r}"
    col_r = f"column {value_column!r}"
    parsed = [parse_time(t, iso, f"{path} line {n}, {col_t}", i == 0)
              for i, (n, t) in enumerate(zip(lines, raw_times))]
    rates = np.array([parse_rate(r, f"{path} line {n}, {col_r}", count)
                      for n, r in zip(lines, raw_rates)])
    if iso:
        for n, t, p in zip(lines, raw_times, parsed):
            if (p.tzinfo is None) != (parsed[0].tzinfo is None):  # type: ignore[union-attr]
                raise TrafficError(
                    f"{path} line {n}, {col_t}: {quoted(t)} and the first row "
                    f"{quoted(raw_times[0])} differ in having a time zone; give every timestamp "
                    "a zone (e.g. Z) or none"
                )
    if len(parsed) > 1 and all(b < a for a, b in zip(parsed, parsed[1:])):  # type: ignore[operator]
        # newest first throughout (GetMetricData's default TimestampDescending, a console
        # export): one order only, so read it reversed; a file going back only somewhere is
        # still refused below, as its order is not known
        lines, raw_times, parsed, rates = lines[::-1], raw_times[::-1], parsed[::-1], rates[::-1]
    if iso:
        first = parsed[0]
        assert isinstance(first, datetime)
        times = np.array([(p - first).total_seconds()  # type: ignore[operator,union-attr]
                          for p in parsed])
        start: pd.Timestamp | None = pd.Timestamp(first)
    else:
        times = np.array(parsed, dtype=np.float64) - float(parsed[0])  # type: ignore[arg-type]
        first_s = float(parsed[0])  # type: ignore[arg-type]
        start = (pd.Timestamp(datetime.fromtimestamp(first_s, UTC))
                 if first_s >= UNIX_SECONDS_FROM else None)
    # naive local times across a daylight-saving change repeat an hour or skip one: sorting,
    # merging or filling would each give a wrong hour, so the fix is the zone
    dst = ("; if these are local times across a daylight-saving change, export them with their "
           "UTC offset (2026-10-25T02:30:00+01:00) or in UTC"
           if iso and start is not None and start.tzinfo is None else "")

    diffs = np.diff(times)
    bad = np.flatnonzero(diffs <= 0)
    if bad.size:
        i = int(bad[0])
        what = "duplicate timestamp" if diffs[i] == 0 else "timestamp goes backwards"
        raise TrafficError(
            f"{path} line {lines[i + 1]}, {col_t}: {what} {quoted(raw_times[i + 1])} "
            f"(line {lines[i]} has {quoted(raw_times[i])}); timestamps must strictly increase: "
            "sort the file and merge duplicates" + dst
        )
    if diffs.size:
        values, counts = np.unique(diffs, return_counts=True)
        file_step = float(values[np.argmax(counts)])
    elif step_s is not None:
        file_step = float(step_s)
    else:
        raise TrafficError(f"{path} has one data row, so its interval is unknown; {one_row_fix}")
    if count:  # each row's requests over its interval: the mean rate is count / interval
        rates = rates / file_step
        over = np.flatnonzero(rates > MAX_RATE_RPS)
        if over.size:
            i = int(over[0])
            raise TrafficError(
                f"{path} line {lines[i]}, {col_r}: {quoted(raw_rates[i])} requests in "
                f"{file_step:g} s is {_count(float(rates[i]))} requests per second, more than "
                f"the {MAX_RATE_RPS:,.0f} (a billion) a rate may be; check the column's unit "
                "(requests, not bytes) or fix the row")

    if not iso and start is None and diffs.size and file_step / 1000 in MS_STEPS_S:
        # milliseconds from start (0, 60000, ...): Unix milliseconds are refused by size, but
        # these read as seconds made each minute's row 16.7 hours and the trace 1000 x longer
        raise TrafficError(
            f"{path} line {lines[1]}, {col_t}: the rows are {file_step:g} s apart "
            f"({file_step / 3600:.3g} hours): milliseconds from start? Write seconds "
            f"(milliseconds / 1000: {file_step / 1000:g} s rows), or ISO-8601 timestamps if the "
            f"rows really are {file_step:g} s apart")
    ratio = diffs / file_step
    steps = np.rint(ratio)
    off_grid = np.flatnonzero(np.abs(ratio - steps) > 1e-6)
    if off_grid.size:
        i = int(off_grid[0])
        smallest = float(np.min(diffs))
        # more rows missing than consecutive (an export that leaves out empty periods, as
        # CloudWatch's console does): the most common difference is a multiple of the interval
        sparse = (f"; every difference is a multiple of {smallest:g} s: if that is the file's "
                  "interval with rows missing, add them (0 if there was no traffic: "
                  "CloudWatch and Prometheus leave out empty periods)"
                  if _on_grid(diffs, smallest) else "")
        raise TrafficError(
            f"{path} line {lines[i + 1]}, {col_t}: {quoted(raw_times[i + 1])} is {diffs[i]:g} s "
            f"after line {lines[i]}, not a multiple of the file's {file_step:g} s interval (its "
            "most common difference); put rows on one grid" + (sparse or (
                f" (timestamps a few seconds off it: round each to a multiple of {file_step:g} s "
                "from the first)"))
        )
    gaps = np.flatnonzero(steps > 1)
    if gaps.size and not interpolate_gaps:
        i = int(gaps[0])
        missing = int(steps[gaps].sum() - gaps.size)
        raise TrafficError(
            f"{path} line {lines[i + 1]}, {col_t}: gap of {diffs[i]:g} s after line {lines[i]} "
            f"({quoted(raw_times[i])} to {quoted(raw_times[i + 1])}) where the interval is "
            f"{file_step:g} s; {gaps.size} gap(s), {missing} missing row(s) in all. Add the rows "
            f"(0 if there was no traffic) or give {gap_option} to fill them linearly" + dst
        )
    if gaps.size and dst:
        # zoneless local times skip exactly one hour when the clocks go forward: filling it drew
        # an hour of traffic that never was (02:00-02:59 on 2026-03-29 in Europe), said nowhere
        hour = np.flatnonzero((steps > 1) & np.isclose(diffs - file_step, _SPRING_FORWARD_S))
        if hour.size:
            i = int(hour[0])
            raise TrafficError(
                f"{path} line {lines[i + 1]}, {col_t}: the rows skip exactly one hour "
                f"({quoted(raw_times[i])} to {quoted(raw_times[i + 1])}), as zoneless local "
                f"times do when the clocks go forward, and {gap_option} would fill an hour that "
                "never was; export the times with their UTC offset (2026-03-29T03:00:00+02:00) "
                "or in UTC, or if it was an outage, add its rows (0 if there was no traffic)")
    if gaps.size:
        filled = int(steps.sum()) + 1
        if filled > MAX_STEPS:
            i = int(np.argmax(steps))  # the largest gap: most likely the mistyped timestamp
            raise TrafficError(
                f"{path} line {lines[i + 1]}, {col_t}: filling the gaps would make {filled:,} rows "
                f"of {file_step:g} s, more than {MAX_STEPS:,}; the largest gap is "
                f"{diffs[i]:g} s after line {lines[i]} ({raw_times[i]!r} to "
                f"{raw_times[i + 1]!r}): check that timestamp")
        grid = np.arange(filled, dtype=np.float64) * file_step
        rates = np.interp(grid, times, rates)

    curve = TrafficCurve(rates, file_step, start, path.stem)
    if step_s is None:
        return curve
    if curve.duration_s / step_s > MAX_STEPS:
        raise TrafficError(
            f"{path}: {step_option} {step_s:g} s would cut its {curve.duration_s:g} s into "
            f"{_count(curve.duration_s / step_s)} steps, more than {MAX_STEPS:,}; choose a larger "
            f"{step_option}, such as the file's {file_step:g} s interval")
    check_whole_steps(curve.duration_s, float(step_s), step_option,
                      f"the {curve.duration_s:g} s of {path} ({curve.rps.size} rows of "
                      f"{file_step:g} s)", f"choose a {step_option} that divides it, such as "
                      f"{file_step:g}")
    return resample_curve(curve, float(step_s))
