"""Reading a traffic curve from a ``timestamp,requests_per_second`` CSV file.

The value column's name is its unit: ``requests_per_second`` is the mean rate over the row,
``requests`` (:data:`COUNT_COLUMN`) the number of requests in the row's interval (a CloudWatch
``RequestCount`` summed per period, Prometheus' ``increase()`` over a range equal to the step),
divided by the file's interval on reading. A header naming neither is refused with both named,
never guessed: a count read as a rate is 60 times the traffic of a 1-minute file. Rows newest
first throughout (GetMetricData's default order) are read reversed; any other order is refused.

Each row is the mean request rate from its timestamp to the next row's: the file's interval is
the most common difference between consecutive timestamps, and every row must sit on that grid.
Timestamps are either all ISO-8601 (``1995-07-01T04:00:00Z``; zoned times are converted to UTC)
or all numbers of seconds: seconds from start (``0``, ``60``, ...), or Unix time when the first is
at least :data:`UNIX_SECONDS_FROM` (Prometheus' ``query_range``, ``date +%s``), which keeps the
wall-clock start. Extra columns are ignored. A rate is a finite
number from 0 to :data:`MAX_RATE_RPS`.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from infra_toolkit.atomic import replace_file
from infra_toolkit.errors import TrafficError, quoted
from infra_toolkit.traffic import TrafficCurve, check_whole_steps, resample_curve

__all__ = ["COUNT_COLUMN", "MAX_RATE_RPS", "MAX_STEPS", "UNIX_SECONDS_FROM", "read_traffic_csv",
           "traffic_csv_text", "write_traffic_csv"]

#: The largest rate a row may hold, requests per second: a billion, above any one service's
#: traffic (the largest CDNs report tens of millions of requests per second for their whole
#: network), so a larger value is a unit or column mistake. A finite but huge value such as 1e308
#: otherwise overflows to inf in the request counts (rate x seconds) deep inside resampling.
MAX_RATE_RPS = 1e9

#: A seconds-from-start timestamp at or above this (1e11 s, over 3,000 years) is refused: it is
#: Unix time in milliseconds (1.7e12 today), which read as seconds makes every row 1000 x longer.
_MAX_SECONDS = 1e11

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
_MS_STEPS_S = (1, 5, 10, 15, 30, 60, 300, 900, 3600)

TIME_COLUMN = "timestamp"
RATE_COLUMN = "requests_per_second"
#: The value column of a file of request counts per row (each row's requests, not a rate).
COUNT_COLUMN = "requests"
_ONE_ROW_FIX = ("pass step_s=SECONDS (infra-toolkit simulate --step-s SECONDS) for how long "
                "the row lasts")
_HEADER_FIX = f"the first line must be the header `{TIME_COLUMN},{RATE_COLUMN}`"
# for an exporter's header (Grafana's Time,Value; CloudWatch's Label,RequestCount): the rename,
# and the one thing the file cannot say, whether its numbers are rates or counts
_RENAME_FIX = (f"; rename the time column to {TIME_COLUMN} and the value column to "
               f"{RATE_COLUMN} if it is a rate per second (Prometheus rate()), or to "
               f"{COUNT_COLUMN} if it counts each row's requests (CloudWatch RequestCount Sum, "
               "Prometheus increase())")


def _parse_time(text: str, iso: bool, where: str, first: bool) -> float | datetime:
    if not iso:
        try:
            value = float(text)
        except ValueError:
            raise TrafficError(
                f"{where}: {quoted(text)} is not a number of seconds, but the first row's "
                "timestamp was; use one format (ISO-8601 or seconds from start) for the whole "
                "column"
            ) from None
        if not math.isfinite(value):
            raise TrafficError(f"{where}: {quoted(text)} is not a finite number of seconds")
        if abs(value) >= _MAX_SECONDS:
            # Unix time in milliseconds (Grafana, Prometheus' JavaScript clients): read as
            # seconds, each row lasted 1000 times its length and the requests were 1000 x
            raise TrafficError(
                f"{where}: {quoted(text)} seconds is over 3,000 years: Unix time in milliseconds "
                "(or finer)? Write seconds (milliseconds / 1000) or ISO-8601 timestamps such as "
                "2026-11-20T13:05:00Z"
            )
        return value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        expected = ("neither a number of seconds from start nor an ISO-8601 timestamp" if first
                    else "not an ISO-8601 timestamp")
        raise TrafficError(
            f"{where}: {quoted(text)} is {expected} (e.g. 1995-07-01T04:00:00Z)"
            + ("; write every timestamp in one of those forms" if first
               else ", but the first row's was; use one format for the whole column")
        ) from None
    return moment.astimezone(UTC) if moment.tzinfo else moment


# how exporters write a sample they do not have (Grafana an empty cell or null, pandas NaN)
_MISSING = ("", "null", "none", "nan", "undefined", "n/a")


def _parse_rate(text: str, where: str, count: bool = False) -> float:
    """A row's value: a rate (requests per second), or with ``count`` a number of requests
    (bounded by the caller once divided by the interval)."""
    if text.lower() in _MISSING:
        raise TrafficError(
            f"{where}: {quoted(text)} is a missing sample, not a rate; write 0 if there was no "
            "traffic, or remove the row to leave a gap (filled only when gaps are interpolated)"
        )
    what = "the row's requests" if count else "the mean requests per second"
    try:
        value = float(text)
    except ValueError:
        grouped = ("; a thousands separator or a decimal comma (1,234 / 1 234 / 12,5) is not "
                   "read: write 1234 or 12.5" if any(c in text for c in ", '") else "")
        raise TrafficError(
            f"{where}: {quoted(text)} is not a number; write {what} as a decimal number such as "
            f"12.5{grouped}"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise TrafficError(
            f"{where}: {quoted(text)} must be a finite "
            + ("count >= 0 requests" if count else "rate >= 0 requests per second")
            + "; fix or remove the row"
        )
    if not count and value > MAX_RATE_RPS:
        raise TrafficError(
            f"{where}: {quoted(text)} rps is out of range: a rate may be at most "
            f"{MAX_RATE_RPS:,.0f} requests per second (a billion, more than any one service "
            "serves); check the column's unit (requests per second, not per minute or bytes) "
            "or fix the row"
        )
    return value + 0.0  # "-0" is 0.0, not the -0.0 that a written curve prints as "-0.0"


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, or a TrafficError saying why it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise TrafficError(f"traffic file {path} does not exist; check the path") from None
    except OSError as exc:
        raise TrafficError(f"cannot read traffic file {path}: {exc.strerror or exc}; "
                           "point to a readable CSV file") from None


def _read_rows(path: Path, data: bytes) -> tuple[list[int], list[str], list[str], str]:
    """Line numbers, raw timestamps and raw values of the data rows of ``data``, read from
    ``path`` (decoded as a file opened as text is, a chunk at a time), and the value column's
    name (:data:`RATE_COLUMN` or :data:`COUNT_COLUMN`)."""
    handle = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(handle)
    try:
        with handle:
            return _rows(path, reader)
    except csv.Error as exc:
        # a field over the csv module's 131,072-character limit (a line with no newline, a
        # quote that never closes) was a bare _csv.Error traceback
        raise TrafficError(
            f"{path} line {reader.line_num}: not a readable CSV row ({exc}); check the file is "
            f"`{TIME_COLUMN},{RATE_COLUMN}` text and that every quote (\") is closed"
        ) from None
    except UnicodeDecodeError:
        line, byte = _first_non_utf8(data)
        raise TrafficError(
            f"{path} line {line}: byte {byte:#04x} is not UTF-8 text; save the file as UTF-8 "
            "(spreadsheets often export Latin-1 or UTF-16)"
        ) from None


def _first_non_utf8(data: bytes) -> tuple[int, int]:
    """The line (1-based) and value of the file's first byte that is not UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:  # the csv reader decodes in chunks: find it in the file
        return data.count(b"\n", 0, exc.start) + 1, data[exc.start]
    return 1, 0  # pragma: no cover - only called after a decoding error


def _count(n: float) -> str:
    """A count for a message: 180,000,000, or 1.8e+302 where digits would fill the line."""
    return f"{n:,.0f}" if n < 1e15 else f"{n:.3g}"


def _on_grid(diffs: np.ndarray, step_s: float) -> bool:
    """Whether every difference (seconds) is a whole multiple of ``step_s`` (to 1e-6 steps)."""
    ratio = diffs / step_s
    return bool(np.all(np.abs(ratio - np.rint(ratio)) <= 1e-6))


def _separator_hint(header: list[str]) -> str:
    """For a header read as one cell: the separator it holds instead of commas, and the fix."""
    if len(header) != 1:
        return ""
    for sep, name in ((";", "semicolons"), ("\t", "tabs")):
        if sep in header[0]:
            return (f"; this header is separated by {name}, not commas: save the file as "
                    "comma-separated values with a decimal point in numbers (12.5)")
    return ""


def _value_column(path: Path, line: int, header: list[str]) -> str:
    """The header's value column, :data:`RATE_COLUMN` or :data:`COUNT_COLUMN`; a header with
    neither or both, or without :data:`TIME_COLUMN`, is refused naming the rename."""
    values = [c for c in (RATE_COLUMN, COUNT_COLUMN) if c in header]
    if len(values) == 2:
        raise TrafficError(
            f"{path} line {line}: both {RATE_COLUMN!r} and {COUNT_COLUMN!r} columns; keep one "
            f"({RATE_COLUMN}: the mean rate per second over each row, {COUNT_COLUMN}: each "
            "row's number of requests) and rename or delete the other")
    missing = [c for c in (TIME_COLUMN, *(values or [RATE_COLUMN])) if c not in header]
    if missing:
        hint = _separator_hint(header) or _RENAME_FIX
        raise TrafficError(
            f"{path} line {line}: missing column {missing[0]!r} "
            f"(found {', '.join(map(repr, header))}); {_HEADER_FIX} (or "
            f"`{TIME_COLUMN},{COUNT_COLUMN}` for requests per row)" + hint
        )
    return values[0]


def _rows(path: Path, reader: Any) -> tuple[list[int], list[str], list[str], str]:
    lines: list[int] = []
    times: list[str] = []
    rates: list[str] = []
    header: list[str] | None = None
    row_start = 1  # the line a row begins on (reader.line_num is the line it ends on)
    for row in reader:
        first_line, row_start = row_start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip() for cell in row]
            if ",".join(header).lower().startswith("sep="):
                # Excel's separator line (Grafana's "Download CSV for Excel"), before the header:
                # it was "missing column 'timestamp' (found 'sep=', '')"
                header = None
                continue
            value_column = _value_column(path, reader.line_num, header)
            twice = [c for c in (TIME_COLUMN, value_column) if header.count(c) > 1]
            if twice:
                # the first column of that name was read and the other silently ignored
                raise TrafficError(
                    f"{path} line {reader.line_num}: column {twice[0]!r} is in the header "
                    f"{header.count(twice[0])} times (columns "
                    + ", ".join(str(i + 1) for i, c in enumerate(header) if c == twice[0])
                    + "); keep one and rename or delete the others"
                )
            ti, ri = header.index(TIME_COLUMN), header.index(value_column)
            continue
        if [cell.strip() for cell in row] == header:
            # two exports joined: the second header was "'timestamp' is not an ISO-8601
            # timestamp, but the first row's was", about a row that holds no data
            raise TrafficError(f"{path} line {reader.line_num}: the header again (two files "
                               "joined?); delete this line, and check the rows around it are "
                               "in time order without repeats")
        if len(row) <= max(ti, ri):
            raise TrafficError(
                f"{path} line {reader.line_num}: {len(row)} field(s), expected at least "
                f"{max(ti, ri) + 1} as in the header; fix the row"
            )
        if any(cell.strip() for cell in row[len(header):]):
            # "12,5" (a decimal comma) or "1,234" (a thousands separator) unquoted splits the
            # number in two, and the rate column silently held 12 or 1
            raise TrafficError(
                f"{path} line {reader.line_num}: {len(row)} fields, but the header has "
                f"{len(header)} ({quoted(','.join(row))}); a decimal comma or a thousands "
                "separator splits a number in two: write rates with a decimal point and no "
                "thousands separator (12.5, 1234)"
            )
        if reader.line_num != first_line:
            # a quote that never closes takes every later line into one cell, and the row was
            # refused as "not a number" quoting the rest of the file
            raise TrafficError(
                f"{path} line {first_line}: a quoted cell of this row runs on to line "
                f"{reader.line_num}; close its quote (\") on the line it opens"
            )
        lines.append(reader.line_num)
        times.append(row[ti].strip())
        rates.append(row[ri].strip())
    if header is None or not lines:
        raise TrafficError(
            f"{path} is empty: {_HEADER_FIX}, followed by at least one data row"
        )
    return lines, times, rates, value_column


def read_traffic_csv(path: str | Path, step_s: float | None = None,
                     interpolate_gaps: bool = False,
                     gap_option: str = "interpolate_gaps=True",
                     step_option: str = "step_s",
                     one_row_fix: str = _ONE_ROW_FIX) -> TrafficCurve:
    """Read ``timestamp,requests_per_second`` (or ``timestamp,requests``: each row's request
    count, divided by the file's interval) into a :class:`TrafficCurve` (requests per second).

    ``step_s`` (seconds) resamples the file's interval with :func:`resample_curve` (time-weighted
    mean over each new bin: downsampling averages, upsampling holds each value); ``None`` keeps the
    file's interval. Missing rows (a gap longer than the interval) are an error that says where,
    unless ``interpolate_gaps`` is true: then each missing row gets the linear interpolation between
    the rows around the gap. ``gap_option`` is how the caller's user turns that on (a CLI flag,
    a plan key), named in the error's fix. A one-row file needs ``step_s`` to know how long its
    row lasts (``one_row_fix`` says how to give it, or what to do where it cannot be given).
    A ``step_s`` that does not divide the file's duration (rows x interval) is an error naming
    ``step_option``, rather than a trailing partial step silently dropped. A row with more
    non-empty fields than the header (a decimal comma, a thousands separator) and a
    seconds-from-start timestamp of 1e11 or more (Unix milliseconds) are refused. Numeric
    timestamps whose first is :data:`UNIX_SECONDS_FROM` or more are Unix seconds: the curve
    starts at that UTC instant.
    """
    path = Path(path)
    if step_s is not None and not (math.isfinite(step_s) and step_s > 0):
        raise TrafficError(f"{path}: step_s (={step_s}) must be a positive number of seconds "
                           "(infra-toolkit simulate --step-s SECONDS)")
    return _curve(str(path), _read_bytes(path), step_s, interpolate_gaps, gap_option,
                  step_option, one_row_fix)


@functools.lru_cache(maxsize=32)
def _curve(path_text: str, data: bytes, step_s: float | None, interpolate_gaps: bool,
           gap_option: str, step_option: str, one_row_fix: str) -> TrafficCurve:
    """:func:`read_traffic_csv` of the bytes ``data`` read from ``path_text``, parsed once per
    path, content and options (a curve is immutable): checking a plan and analysing it read
    each scenario's trace, up to 20,000 rows, again each time."""
    path = Path(path_text)
    lines, raw_times, raw_rates, value_column = _read_rows(path, data)
    count = value_column == COUNT_COLUMN
    iso = True
    try:
        float(raw_times[0])
        iso = False
    except ValueError:
        pass
    col_t = f"column {TIME_COLUMN!r}"
    col_r = f"column {value_column!r}"
    parsed = [_parse_time(t, iso, f"{path} line {n}, {col_t}", i == 0)
              for i, (n, t) in enumerate(zip(lines, raw_times))]
    rates = np.array([_parse_rate(r, f"{path} line {n}, {col_r}", count)
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

    if not iso and start is None and diffs.size and file_step / 1000 in _MS_STEPS_S:
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


def traffic_csv_text(curve: TrafficCurve) -> str:
    """``curve`` as the text of a ``timestamp,requests_per_second`` file that
    :func:`read_traffic_csv` reads back to the same curve: ISO-8601 timestamps when the curve's
    start is known (``Z`` for UTC, no zone for a naive start), else seconds from start; each
    rate in Python's shortest round-tripping form, so nothing is rounded."""
    lines = [f"{TIME_COLUMN},{RATE_COLUMN}"]
    if curve.start is None:
        stamps = [f"{t:g}" if float(t).is_integer() else repr(float(t)) for t in curve.times_s]
    else:
        moments = curve.start + pd.to_timedelta(curve.times_s, unit="s")
        aware = curve.start.tzinfo is not None
        stamps = [(m.tz_convert("UTC").tz_localize(None) if aware else m).isoformat()
                  + ("Z" if aware else "") for m in moments]
    lines.extend(f"{t},{float(r)!r}" for t, r in zip(stamps, curve.rps))
    return "\n".join(lines) + "\n"


def write_traffic_csv(curve: TrafficCurve, path: str | Path) -> None:
    """Write ``curve`` to ``path`` as :func:`traffic_csv_text` does, atomically: the file is
    written beside the target, read back with :func:`read_traffic_csv` and compared with the
    curve (step and every rate), and only then renamed over ``path``; a failure leaves any file
    already there unchanged. A curve without a ``start`` whose step is 1000 x a common sampling
    step (1000 s, 60000 s, ...) is refused: its seconds from start would read back as
    milliseconds."""
    path = Path(path)
    if curve.start is None and curve.rps.size > 1 and curve.step_s / 1000 in _MS_STEPS_S:
        raise TrafficError(f"{path}: a curve of {curve.step_s:g} s steps without a start would "
                           "be written as seconds from start, which read back as milliseconds; "
                           "give the curve a start (TrafficCurve(..., start=...)) so it is "
                           "written with ISO-8601 times")

    def same_curve(written: Path) -> None:
        back = read_traffic_csv(written, step_s=curve.step_s)  # one row: its length
        if back.step_s != curve.step_s or not np.array_equal(back.rps, curve.rps):
            raise TrafficError(  # pragma: no cover - a defect of traffic_csv_text, not of input
                f"{path}: the written file does not read back as the curve; nothing was replaced"
            )

    try:
        replace_file(path, traffic_csv_text(curve).encode("utf-8"), validate=same_curve)
    except OSError as exc:
        raise TrafficError(f"cannot write traffic file {path}: {exc.strerror or exc}; choose a "
                           "writable path (the folder must exist)") from None
