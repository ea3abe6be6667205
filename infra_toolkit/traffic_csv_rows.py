"""A traffic CSV file's rows before their cells are read: its bytes (``read_bytes``), its header
(``TIME_COLUMN`` and a value column, ``RATE_COLUMN`` or ``COUNT_COLUMN``; an exporter's header
refused with the rename, Excel's ``sep=`` line skipped) and each data row's line number, raw
timestamp and raw value (``read_rows``; a second header, a row split by a decimal comma or a
quote left open refused at its line; a file not UTF-8 at its first such byte)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from infra_toolkit.errors import TrafficError, quoted

__all__ = ["COUNT_COLUMN", "RATE_COLUMN", "TIME_COLUMN", "read_bytes", "read_rows"]

TIME_COLUMN = "timestamp"
RATE_COLUMN = "requests_per_second"
#: The value column of a file of request counts per row (each row's requests, not a rate).
COUNT_COLUMN = "requests"
_HEADER_FIX = f"the first line must be the header `{TIME_COLUMN},{RATE_COLUMN}`"
# for an exporter's header (Grafana's Time,Value; CloudWatch's Label,RequestCount): the rename,
# and the one thing the file cannot say, whether its numbers are rates or counts
_RENAME_FIX = (f"; rename the time column to {TIME_COLUMN} and the value column to "
               f"{RATE_COLUMN} if it is a rate per second (Prometheus rate()), or to "
               f"{COUNT_COLUMN} if it counts each row's requests (CloudWatch RequestCount Sum, "
               "Prometheus increase())")


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or a TrafficError saying why it cannot be read."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise TrafficError(f"traffic file {path} does not exist; check the path") from None
    except OSError as exc:
        raise TrafficError(f"cannot read traffic file {path}: {exc.strerror or exc}; "
                           "point to a readable CSV file") from None


def read_rows(path: Path, data: bytes) -> tuple[list[int], list[str], list[str], str]:
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
