"""read_traffic_csv: hand-made files, every error pinned, and the real traces."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infra_toolkit.errors import TrafficError
from infra_toolkit.traffic import read_traffic_csv


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.csv"
    path.write_text(text)
    return path


def test_iso_file_resampled_by_mean(tmp_path: Path) -> None:
    path = _write(tmp_path, "timestamp,requests_per_second\n"
                            "2024-01-01T00:00:00Z,1\n2024-01-01T00:01:00Z,3\n"
                            "2024-01-01T00:02:00Z,5\n2024-01-01T00:03:00Z,7\n")
    c = read_traffic_csv(path, step_s=120)
    np.testing.assert_array_equal(c.rps, [2.0, 6.0])  # (1+3)/2, (5+7)/2
    assert c.step_s == 120
    assert c.start == pd.Timestamp("2024-01-01T00:00:00Z")
    assert c.name == "t"


def test_seconds_file_upsampled_by_hold(tmp_path: Path) -> None:
    path = _write(tmp_path, "timestamp,requests_per_second,extra\n0,2,x\n30,4,y\n")
    c = read_traffic_csv(path, step_s=15)
    np.testing.assert_array_equal(c.rps, [2, 2, 4, 4])
    assert c.start is None


def test_gap_interpolated_only_when_asked(tmp_path: Path) -> None:
    path = _write(tmp_path, "timestamp,requests_per_second\n0,10\n60,20\n240,50\n300,60\n")
    # the 60 s interval is the most common difference; 60 -> 240 misses rows at 120 and 180,
    # linear between 20 (t=60) and 50 (t=240): 30 at 120, 40 at 180
    c = read_traffic_csv(path, interpolate_gaps=True)
    np.testing.assert_array_equal(c.rps, [10, 20, 30, 40, 50, 60])


def test_interpolate_gaps_does_not_fill_the_hour_summer_time_skips(tmp_path: Path) -> None:
    # traffic22: zoneless local times over 2026-03-29 in Europe go 01:30 -> 03:30 (02:00-02:59
    # does not exist); with interpolate_gaps the missing "02:30" row was filled with 2.5 rps,
    # 4 x 3600 s = 36,000 requests read as 45,000 (+9,000 requests that never were), silently
    spring = _write(tmp_path, "timestamp,requests_per_second\n2026-03-29T00:30:00,1\n"
                              "2026-03-29T01:30:00,2\n2026-03-29T03:30:00,3\n"
                              "2026-03-29T04:30:00,4\n")
    with pytest.raises(TrafficError, match=(
            r"t.csv line 4, column 'timestamp': the rows skip exactly one hour "
            r"\('2026-03-29T01:30:00' to '2026-03-29T03:30:00'\), as zoneless local times do "
            r"when the clocks go forward, and interpolate_gaps=True would fill an hour that "
            r"never was; export the times with their UTC offset \(2026-03-29T03:00:00\+02:00\) "
            r"or in UTC, or if it was an outage, add its rows \(0 if there was no traffic\)$")):
        read_traffic_csv(spring, interpolate_gaps=True)
    # the same rows with their offsets are 4 consecutive hours: 23:30Z, 00:30Z, 01:30Z, 02:30Z
    # (CET +01:00 until 02:00 local, CEST +02:00 after): 1+2+3+4 = 10 rps x 3600 s = 36,000
    zoned = _write(tmp_path, "timestamp,requests_per_second\n2026-03-29T00:30:00+01:00,1\n"
                             "2026-03-29T01:30:00+01:00,2\n2026-03-29T03:30:00+02:00,3\n"
                             "2026-03-29T04:30:00+02:00,4\n")
    c = read_traffic_csv(zoned, interpolate_gaps=True)
    np.testing.assert_array_equal(c.rps, [1, 2, 3, 4])
    assert c.total_requests == 36_000
    assert c.start == pd.Timestamp("2026-03-28T23:30:00Z")
    # a zoneless gap of two hours is no clock change: filled, 2 -> 5 over 3 steps gives 3 and 4
    two = _write(tmp_path, "timestamp,requests_per_second\n2026-03-29T00:30:00,1\n"
                           "2026-03-29T01:30:00,2\n2026-03-29T04:30:00,5\n")
    np.testing.assert_array_equal(read_traffic_csv(two, interpolate_gaps=True).rps,
                                  [1, 2, 3, 4, 5])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", r"t.csv is empty: the first line must be the header `timestamp,requests_per_second`"),
        ("timestamp,requests_per_second\n", r"t.csv is empty"),
        ("time,rps\n0,1\n",
         r"t.csv line 1: missing column 'timestamp' \(found 'time', 'rps'\); the first line must"),
        ("timestamp,rate\n0,1\n", r"line 1: missing column 'requests_per_second'"),
        ("timestamp,requests_per_second\n0,1\n60,abc\n",
         r"t.csv line 3, column 'requests_per_second': 'abc' is not a number; write the mean"),
        ("timestamp,requests_per_second\n0,1\n60,-4\n",
         r"line 3, column 'requests_per_second': '-4' must be a finite rate >= 0"),
        ("timestamp,requests_per_second\n0,1\n60,inf\n", r"line 3, .*'inf' must be a finite rate"),
        ("timestamp,requests_per_second\n0,1\n60,2\n60,3\n",
         (r"line 4, column 'timestamp': duplicate timestamp '60' \(line 3 has '60'\); timestamps "
          r"must strictly increase")),
        ("timestamp,requests_per_second\n0,1\n120,2\n60,3\n",
         r"line 4, column 'timestamp': timestamp goes backwards '60' \(line 3 has '120'\)"),
        ("timestamp,requests_per_second\n0,1\n60,1\n120,1\n300,1\n360,1\n",
         (r"line 5, column 'timestamp': gap of 180 s after line 4 \('120' to '300'\) where the "
          r"interval is 60 s; 1 gap\(s\), 2 missing row\(s\) in all. Add the rows \(0 if there "
          r"was no traffic\) or give interpolate_gaps=True to fill them linearly$")),
        # U-4: 1e308 x 60 s overflowed to inf inside resampling (numpy warnings, no line)
        ("timestamp,requests_per_second\n0,1\n60,1e308\n120,1\n",
         r"t.csv line 3, column 'requests_per_second': '1e308' rps is out of range: a rate may "
         r"be at most 1,000,000,000 requests per second \(a billion, more than any one service "
         r"serves\); check the column's unit"),
        ("timestamp,requests_per_second\n0,1\n60,1000000001\n",
         r"line 3, .*'1000000001' rps is out of range"),
        ("timestamp,requests_per_second\n0,1\n60,1\n120,1\n150,1\n",
         r"line 5, column 'timestamp': '150' is 30 s after line 4, not a multiple of the "
         r"file's 60"),
        ("timestamp,requests_per_second\n2024-01-01T00:00Z,1\nnoon,1\n",
         r"line 3, column 'timestamp': 'noon' is not an ISO-8601 timestamp"),
        ("timestamp,requests_per_second\n0,1\n2024-01-01T00:00Z,1\n",
         r"line 3, column 'timestamp': '2024-01-01T00:00Z' is not a number of seconds"),
        ("timestamp,requests_per_second\n2024-01-01T00:00Z,1\n2024-01-01T00:01,1\n",
         r"line 3, column 'timestamp': '2024-01-01T00:01' and the first row .* time zone"),
        ("timestamp,requests_per_second\n0\n", r"line 2: 1 field\(s\), expected at least 2"),
        ("timestamp,requests_per_second\n0,1\n", (r"has one data row, so its interval is "
         r"unknown; pass step_s=SECONDS for how long the row lasts$")),
    ],
)
def test_bad_files_name_file_line_column_and_fix(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(TrafficError, match=match):
        read_traffic_csv(_write(tmp_path, text))


@pytest.mark.parametrize("rows", ["0,1\n", "0,1\n60,2\n"])
@pytest.mark.parametrize("step_s", [0.0, -5.0, float("nan")])
def test_a_step_that_is_no_interval_is_refused_naming_the_flag(
        tmp_path: Path, rows: str, step_s: float) -> None:
    # before: "traffic curve 't'" (one row) or "resample_curve" (two rows), in internal terms
    path = _write(tmp_path, "timestamp,requests_per_second\n" + rows)
    # the library's argument, or the caller's step_option (the CLI's flag: test_msg22)
    with pytest.raises(TrafficError, match=(rf"t\.csv: step_s \(={step_s}\) must be a positive "
                                            r"number of seconds$")):
        read_traffic_csv(path, step_s=step_s)
    with pytest.raises(TrafficError, match=(rf"t\.csv: --step-s \(={step_s}\) must be a "
                                            r"positive number of seconds$")):
        read_traffic_csv(path, step_s=step_s, step_option="--step-s")


def test_byte_order_mark_is_not_part_of_the_header(tmp_path: Path) -> None:
    # Excel's "CSV UTF-8" starts the file with EF BB BF; the header must still be found
    path = tmp_path / "t.csv"
    path.write_bytes(b"\xef\xbb\xbftimestamp,requests_per_second\n0,1\n60,2\n")
    np.testing.assert_array_equal(read_traffic_csv(path).rps, [1.0, 2.0])


def test_zone_offsets_are_converted_to_utc(tmp_path: Path) -> None:
    # 00:00-04:00 = 04:00Z, then 04:01Z, then 00:02-04:00 = 04:02Z: one 60 s grid from 04:00Z
    path = _write(tmp_path, "timestamp,requests_per_second\n1995-07-01T00:00:00-04:00,1\n"
                            "1995-07-01T04:01:00Z,2\n1995-07-01T00:02:00-04:00,3\n")
    c = read_traffic_csv(path)
    np.testing.assert_array_equal(c.rps, [1.0, 2.0, 3.0])
    assert (c.step_s, c.start) == (60.0, pd.Timestamp("1995-07-01T04:00:00Z"))


def test_a_folder_is_not_a_traffic_file(tmp_path: Path) -> None:
    with pytest.raises(TrafficError, match=r"cannot read traffic file .*: Is a directory; point "
                                           r"to a readable CSV file"):
        read_traffic_csv(tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TrafficError, match=r"nope.csv does not exist; check the path"):
        read_traffic_csv(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        # 'é' in Latin-1 is the single byte 0xe9 on the third line
        ("timestamp,requests_per_second\n0,1\n60,2 caf\u00e9\n".encode("latin-1"),
         r"t.csv line 3: byte 0xe9 is not UTF-8 text; save the file as UTF-8"),
        # a UTF-16 export opens with the byte-order mark ff fe
        ("timestamp,requests_per_second\n0,1\n".encode("utf-16"),
         r"t.csv line 1: byte 0xff is not UTF-8 text"),
        # past the reader's first chunk: the line is counted in the file, not in the chunk
        (b"timestamp,requests_per_second\n" + b"".join(b"%d,1\n" % (60 * i) for i in range(5000))
         + b"300000,\xff\n", r"t.csv line 5002: byte 0xff is not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path: Path, data: bytes,
                                                        match: str) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    with pytest.raises(TrafficError, match=match):
        read_traffic_csv(path)


# Totals and spans come from each trace's .md origin note (an independent count of requests).
@pytest.mark.parametrize(
    ("stem", "rows", "step_s", "requests", "start"),
    [
        ("nasa_http_jul1995_1min", 39_693, 60, 1_891_714, "1995-07-01T04:00:00Z"),
        ("worldcup98_jun22-jul12_1min", 30_240, 60, 698_016_543, "1998-06-22T00:00:00Z"),
        ("azure_llm_code_20231116_1s", 3_437, 1, 8_819, None),
        ("azure_llm_conv_20231116_1s", 3_503, 1, 19_366, None),
    ],
)
def test_real_traces_read_whole(shared_dir: Path, stem: str, rows: int, step_s: float,
                                requests: int, start: str | None) -> None:
    c = read_traffic_csv(shared_dir / "traces" / f"{stem}.csv")
    assert c.rps.size == rows
    assert c.step_s == step_s
    # rates are count/step rounded to 4 decimals, so rounding each bin's count recovers it exactly
    assert int(np.rint(c.rps * c.step_s).sum()) == requests
    assert c.start == (None if start is None else pd.Timestamp(start))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        # audit20 A20-1: European Excel's decimal comma or a thousands separator, unquoted, split
        # the number: the rate column held 12 (for 12,5) and 1 (for 1,234), silently
        ("timestamp,requests_per_second\n2026-11-20T13:05:00Z,12,5\n2026-11-20T13:06:00Z,13\n",
         r"t\.csv line 2: 3 fields, but the header has 2 \('2026-11-20T13:05:00Z,12,5'\); a "
         r"decimal comma or a thousands separator splits a number in two: write rates with a "
         r"decimal point and no thousands separator \(12\.5, 1234\)$"),
        ("timestamp,requests_per_second\n0,1,234\n60,1,500\n", r"line 2: 3 fields, but the "
         r"header has 2 \('0,1,234'\)"),
        # the same spreadsheet's semicolon separator: the header is one cell
        ("timestamp;requests_per_second\n0;12,5\n", r"line 1: missing column 'timestamp' "
         r"\(found 'timestamp;requests_per_second'\); the first line must be the header "
         r"`timestamp,requests_per_second` \(or `timestamp,requests` for requests per row\); "
         r"this header is separated by semicolons, not commas: "
         r"save the file as comma-separated values with a decimal point in numbers \(12\.5\)$"),
        ("timestamp\trequests_per_second\n0\t12.5\n", r"separated by tabs, not commas"),
        # audit20 A20-2: Unix milliseconds read as seconds made each 60 s row 60,000 s long
        # (a 3-minute file simulated 50 hours, 1000 x its requests)
        ("timestamp,requests_per_second\n1763643900000,10\n1763643960000,10\n",
         r"line 2, column 'timestamp': '1763643900000' seconds is over 3,000 years: Unix time in "
         r"milliseconds \(or finer\)\? Write seconds \(milliseconds / 1000\) or ISO-8601 "
         r"timestamps such as 2026-11-20T13:05:00Z$"),
        # audit20 A20-3: naive local times over a daylight-saving change: 02:00-02:59 twice in
        # October, 02:00-02:59 skipped in March; merging or filling would each invent an hour
        ("timestamp,requests_per_second\n2026-10-25 02:00:00,1\n2026-10-25 02:30:00,1\n"
         "2026-10-25 02:00:00,1\n",
         r"line 4, column 'timestamp': timestamp goes backwards '2026-10-25 02:00:00' \(line 3 "
         r"has '2026-10-25 02:30:00'\); timestamps must strictly increase: sort the file and "
         r"merge duplicates; if these are local times across a daylight-saving change, export "
         r"them with their UTC offset \(2026-10-25T02:30:00\+01:00\) or in UTC$"),
        ("timestamp,requests_per_second\n2026-03-29 01:00:00,1\n2026-03-29 01:30:00,1\n"
         "2026-03-29 03:00:00,1\n2026-03-29 03:30:00,1\n",
         r"line 4, column 'timestamp': gap of 5400 s .* to fill them linearly; if these are "
         r"local times across a daylight-saving change, export them with their UTC offset"),
        # audit20 A20-17: Grafana writes a missing sample as an empty cell or null, pandas as
        # NaN: "'' is not a number; write the mean requests per second as a decimal number"
        ("timestamp,requests_per_second\n0,1\n60,\n120,3\n",
         r"line 3, column 'requests_per_second': '' is a missing sample, not a rate; write 0 if "
         r"there was no traffic, or remove the row to leave a gap \(filled only when gaps are "
         r"interpolated\)$"),
        ("timestamp,requests_per_second\n0,1\n60,null\n", r"'null' is a missing sample"),
        ("timestamp,requests_per_second\n0,1\n60,NaN\n", r"'NaN' is a missing sample"),
        # audit20 A20-4: a first row in neither form was "not ISO-8601, but the first row's was"
        ("timestamp,requests_per_second\n20/11/2026 13:05,10\n",
         r"line 2, column 'timestamp': '20/11/2026 13:05' is neither a number of seconds from "
         r"start nor an ISO-8601 timestamp \(e\.g\. 1995-07-01T04:00:00Z\); write every "
         r"timestamp in one of those forms$"),
    ],
)
def test_spreadsheet_and_exporter_files_are_refused_with_the_cause(
        tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(TrafficError, match=match):
        read_traffic_csv(_write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "rps", "total"),
    [
        # a trailing comma on the data rows (an empty extra field) holds no number: read as is
        ("timestamp,requests_per_second\n0,10,\n60,11,\n", [10.0, 11.0], 1260.0),  # 600 + 660
        # zoned times across the October change: 02:00+02:00, 02:30+02:00, 02:00+01:00,
        # 02:30+01:00 are 00:00Z, 00:30Z, 01:00Z, 01:30Z, one 1800 s grid; 4 x 10 x 1800
        ("timestamp,requests_per_second\n2026-10-25T02:00:00+02:00,10\n"
         "2026-10-25T02:30:00+02:00,10\n2026-10-25T02:00:00+01:00,10\n"
         "2026-10-25T02:30:00+01:00,10\n", [10.0] * 4, 72000.0),
    ],
)
def test_exporter_files_that_read_as_written(tmp_path: Path, text: str, rps: list[float],
                                             total: float) -> None:
    c = read_traffic_csv(_write(tmp_path, text))
    np.testing.assert_array_equal(c.rps, rps)
    assert c.total_requests == total


def test_an_export_with_more_gaps_than_rows_is_told_its_grid(tmp_path: Path) -> None:
    # audit20 A20-12: rows at 0, 60, 180, 240, 360, 480, 660 s (an export leaving out empty
    # minutes): differences 60 x2, 120 x3, 180 x1. The most common, 120 s, is taken as the
    # interval and the row at 60 s refused "not a multiple of 120 s", with nothing saying the
    # rows sit on a 60 s grid with rows missing (0 requests, for CloudWatch's console)
    path = _write(tmp_path, "timestamp,requests_per_second\n"
                            + "".join(f"{t},5\n" for t in (0, 60, 180, 240, 360, 480, 660)))
    with pytest.raises(TrafficError, match=r"line 3, column 'timestamp': '60' is 60 s after line "
                                           r"2, not a multiple of the file's 120 s interval \(its "
                                           r"most common difference\); put rows on one grid; "
                                           r"every difference is a multiple of 60 s: if that is "
                                           r"the file's interval with rows missing, add them \(0 "
                                           r"if there was no traffic: CloudWatch and Prometheus "
                                           r"leave out empty periods\)$"):
        read_traffic_csv(path, interpolate_gaps=True)
    # jitter (57 s among 60 s rows) is not a grid: the hint is left out, and rounding is the
    # fix (audit20 A20-22: before, only "put rows on one grid")
    jitter = _write(tmp_path, "timestamp,requests_per_second\n0,1\n60,1\n120,1\n177,1\n")
    with pytest.raises(TrafficError, match=r"'177' is 57 s after line 4, not a multiple of the "
                                           r"file's 60 s interval \(its most common "
                                           r"difference\); put rows on one grid \(timestamps a "
                                           r"few seconds off it: round each to a multiple of 60 "
                                           r"s from the first\)$"):
        read_traffic_csv(jitter)


@pytest.mark.parametrize(("first", "start"), [
    # audit20 A20-19: Unix seconds (with decimals, as Prometheus' query_range gives) were read
    # as seconds from start, so the wall-clock start was lost. 1763643900 s after the epoch:
    # 1763643900 = 20412 days x 86400 + 47100 s; day 20412 is 2025-11-20 (2025-01-01 is day
    # 20089, + 323 days = Nov 20th), 47100 s = 13:05:00
    ("1763643900.781", pd.Timestamp("2025-11-20T13:05:00.781Z")),
    ("1000000000", pd.Timestamp("2001-09-09T01:46:40Z")),  # the epoch's well-known billennium
    # one second under the billion: 31.7 years counted from the file's own zero
    ("999999999", None),
])
def test_unix_seconds_keep_their_wall_clock_start(tmp_path: Path, first: str,
                                                  start: pd.Timestamp | None) -> None:
    then = float(first) + 60
    c = read_traffic_csv(_write(tmp_path, f"timestamp,requests_per_second\n{first},10\n"
                                          f"{then!r},20\n"))
    np.testing.assert_array_equal(c.rps, [10.0, 20.0])
    assert c.total_requests == 1800.0  # 10 x 60 + 20 x 60
    assert c.start == start



def test_a_file_read_again_is_one_curve_until_its_bytes_change(tmp_path: Path) -> None:
    # the parse is kept per path, bytes and options (a curve is immutable); a rewritten file is
    # read anew, even at the same size
    path = _write(tmp_path, "timestamp,requests_per_second\n0,2\n60,4\n")
    first = read_traffic_csv(path)
    assert read_traffic_csv(path) is first
    np.testing.assert_array_equal(read_traffic_csv(path, step_s=30).rps, [2, 2, 4, 4])
    path.write_text("timestamp,requests_per_second\n0,3\n60,4\n")
    np.testing.assert_array_equal(read_traffic_csv(path).rps, [3, 4])
    with pytest.raises(ValueError, match="read-only"):
        first.rps[0] = 5  # what is shared cannot be changed by one reader


@pytest.mark.parametrize(
    ("data", "rps", "step_s", "start", "total"),
    [
        # a CloudWatch console export with the header renamed to declare counts: RequestCount
        # summed per 60 s period, times with +01:00 and Z mixed. 10:00+01:00 is 09:00Z, so the
        # rows are 09:00Z, 09:01Z, 09:02Z: 600 / 60 = 10, 1200 / 60 = 20, 60 / 60 = 1 rps;
        # 600 + 1200 + 60 = 1860 requests, kept
        (b'"timestamp","requests"\n"2026-11-02T10:00:00+01:00","600"\n'
         b'"2026-11-02T09:01:00Z","1200"\n"2026-11-02T10:02:00+01:00","60"\n',
         [10.0, 20.0, 1.0], 60.0, pd.Timestamp("2026-11-02T09:00:00Z"), 1860.0),
        # Grafana's "Download CSV for Excel": a BOM, a `sep=,` line before the header, quoted
        # cells, CRLF and a trailing empty line; Unix seconds 1762074000 (2025-11-02T09:00Z:
        # 20394 days x 86400 + 32400 s) and hourly counts: 36000 / 3600 = 10, 7200 / 3600 = 2
        (b'\xef\xbb\xbfsep=,\r\n"timestamp","requests"\r\n"1762074000","36000"\r\n'
         b'"1762077600","7200"\r\n\r\n',
         [10.0, 2.0], 3600.0, pd.Timestamp("2025-11-02T09:00:00Z"), 43200.0),
        # one-second Prometheus increase() steps: counts are rates already (5 / 1, 7 / 1)
        (b"timestamp,requests\n0,5\n1,7\n", [5.0, 7.0], 1.0, None, 12.0),
    ],
)
def test_request_counts_per_row_are_divided_by_the_interval(
        tmp_path: Path, data: bytes, rps: list[float], step_s: float,
        start: pd.Timestamp | None, total: float) -> None:
    # owndata: a file of counts per period (CloudWatch RequestCount Sum, increase()) had no way
    # to say so; renamed to requests_per_second it read 60 x the traffic of a 1-minute file
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    c = read_traffic_csv(path)
    np.testing.assert_array_equal(c.rps, rps)
    assert c.step_s == step_s
    assert c.start == start
    assert c.total_requests == total


def test_request_counts_fill_gaps_and_take_the_one_row_step(tmp_path: Path) -> None:
    # rows at 0, 60, 180 s of 60, 120, 240 requests: 1, 2, 4 rps; the missing 120 s row is
    # their line, 3 rps (180 requests)
    gap = _write(tmp_path, "timestamp,requests\n0,60\n60,120\n180,240\n")
    np.testing.assert_array_equal(read_traffic_csv(gap, interpolate_gaps=True).rps,
                                  [1.0, 2.0, 3.0, 4.0])
    # one row lasts the step it is given: 900 requests over 300 s is 3 rps
    one = _write(tmp_path, "timestamp,requests\n0,900\n")
    np.testing.assert_array_equal(read_traffic_csv(one, step_s=300).rps, [3.0])


@pytest.mark.parametrize(
    ("text", "match"),
    [
        # Grafana's export header: which rename, and the unit only the user knows
        ('"Time","Value"\n1762074000,5\n',
         r"t\.csv line 1: missing column 'timestamp' \(found 'Time', 'Value'\); the first line "
         r"must be the header `timestamp,requests_per_second` \(or `timestamp,requests` for "
         r"requests per row\); rename the time column to timestamp and the value column to "
         r"requests_per_second if it is a rate per second \(Prometheus rate\(\)\), or to "
         r"requests if it counts each row's requests \(CloudWatch RequestCount Sum, Prometheus "
         r"increase\(\)\)$"),
        ("Label,RequestCount\n2026-11-02T10:00:00Z,600\n",
         r"missing column 'timestamp' \(found 'Label', 'RequestCount'\); .* or to requests if"),
        ("timestamp,requests,requests_per_second\n0,60,1\n",
         r"line 1: both 'requests_per_second' and 'requests' columns; keep one "
         r"\(requests_per_second: the mean rate per second over each row, requests: each row's "
         r"number of requests\) and rename or delete the other$"),
        # 1e12 requests in a minute: 1e12 / 60 = 16,666,666,667 rps, over the billion
        ("timestamp,requests\n0,1e12\n60,2\n",
         r"line 2, column 'requests': '1e12' requests in 60 s is 16,666,666,667 requests per "
         r"second, more than the 1,000,000,000 \(a billion\) a rate may be"),
        ("timestamp,requests\n0,-1\n60,2\n",
         r"line 2, column 'requests': '-1' must be a finite count >= 0 requests; fix or remove"),
        # a quoted thousands separator is one cell: named as such, not just "not a number"
        ('timestamp,requests_per_second\n0,"1,234"\n60,2\n',
         r"line 2, column 'requests_per_second': '1,234' is not a number; write the mean requests "
         r"per second as a decimal number such as 12\.5; a thousands separator or a decimal comma "
         r"\(1,234 / 1 234 / 12,5\) is not read: write 1234 or 12\.5$"),
    ],
)
def test_exporter_headers_and_counts_are_refused_with_the_fix(tmp_path: Path, text: str,
                                                              match: str) -> None:
    with pytest.raises(TrafficError, match=match):
        read_traffic_csv(_write(tmp_path, text))


def test_a_count_under_the_rate_bound_is_read(tmp_path: Path) -> None:
    # 6e10 requests in an hour is 6e10 / 3600 = 16,666,666.67 rps: under the billion, so the
    # bound applies to the rate, not to the count (which would have refused it)
    c = read_traffic_csv(_write(tmp_path, "timestamp,requests\n0,6e10\n3600,0\n"))
    assert c.total_requests == 6e10


def test_a_newest_first_file_is_read_in_time_order(tmp_path: Path) -> None:
    # owndata: GetMetricData's default order (TimestampDescending) and a console export put the
    # newest row first; every row going back is one order, read reversed. 09:02Z 60, 09:01Z
    # 1200 (10:01+01:00), 09:00Z 600 requests per 60 s: 10, 20, 1 rps from 09:00Z
    path = _write(tmp_path, "timestamp,requests\n2026-11-02T09:02:00Z,60\n"
                            "2026-11-02T10:01:00+01:00,1200\n2026-11-02T09:00:00Z,600\n")
    c = read_traffic_csv(path)
    np.testing.assert_array_equal(c.rps, [10.0, 20.0, 1.0])
    assert c.start == pd.Timestamp("2026-11-02T09:00:00Z")
    # a gap is still named at its lines: rows 300, 60, 0 s miss 120, 180 and 240
    gap = _write(tmp_path, "timestamp,requests_per_second\n300,1\n60,2\n0,3\n")
    with pytest.raises(TrafficError, match=r"line 2, column 'timestamp': gap of 240 s after line "
                                           r"3 \('60' to '300'\) where the interval is 60 s; 1 "
                                           r"gap\(s\), 3 missing row\(s\) in all"):
        read_traffic_csv(gap)


@pytest.mark.parametrize(("rows", "match"), [
    # owndata: 0, 60000, 120000 ms from start read as seconds: 16.7-hour rows, 1000 x the trace
    ("0,1\n60000,2\n120000,3\n",
     r"t\.csv line 3, column 'timestamp': the rows are 60000 s apart \(16\.7 hours\): "
     r"milliseconds from start\? Write seconds \(milliseconds / 1000: 60 s rows\), or ISO-8601 "
     r"timestamps if the rows really are 60000 s apart$"),
    ("0,1\n1000,2\n", r"the rows are 1000 s apart \(0\.278 hours\): milliseconds from start\?"),
])
def test_milliseconds_from_start_are_refused(tmp_path: Path, rows: str, match: str) -> None:
    with pytest.raises(TrafficError, match=match):
        read_traffic_csv(_write(tmp_path, "timestamp,requests_per_second\n" + rows))


def test_hourly_and_daily_seconds_from_start_are_not_milliseconds(tmp_path: Path) -> None:
    # 3600 s and 86400 s rows are not 1000 x a sampling step: read as written
    hourly = read_traffic_csv(_write(tmp_path, "timestamp,requests_per_second\n0,1\n3600,2\n"))
    assert (hourly.step_s, hourly.total_requests) == (3600.0, 10800.0)  # (1 + 2) x 3600


def test_a_header_repeated_inside_the_file_is_named(tmp_path: Path) -> None:
    # owndata: two exports joined, the second's header on line 4, was blamed on its timestamp
    path = _write(tmp_path, "timestamp,requests_per_second\n0,1\n60,2\n"
                            "timestamp,requests_per_second\n120,3\n")
    with pytest.raises(TrafficError, match=r"t\.csv line 4: the header again \(two files "
                                           r"joined\?\); delete this line, and check the rows "
                                           r"around it are in time order without repeats$"):
        read_traffic_csv(path)
