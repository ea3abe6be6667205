"""Capturing a curve as a CSV: write_traffic_csv round trips; `traffic cloudwatch` via moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import numpy as np
import pandas as pd
import pytest
from moto import mock_aws

from infra_toolkit import utc
from infra_toolkit.cli import main
from infra_toolkit.errors import TrafficError
from infra_toolkit.traffic import TrafficCurve
from infra_toolkit.traffic_csv import read_traffic_csv
from infra_toolkit.traffic_csv_write import traffic_csv_text, write_traffic_csv

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
LB = "app/shop/50dc6c495c0c9188"


@pytest.mark.parametrize(("start", "expected"), [
    (pd.Timestamp("2024-03-01T12:00:00Z"),
     "timestamp,requests_per_second\n2024-03-01T12:00:00Z,1.5\n2024-03-01T12:01:00Z,0.1\n"),
    (pd.Timestamp("2024-03-01T13:00:00+01:00"),  # converted to UTC
     "timestamp,requests_per_second\n2024-03-01T12:00:00Z,1.5\n2024-03-01T12:01:00Z,0.1\n"),
    (pd.Timestamp("2024-03-01T12:00:00"),  # naive stays naive
     "timestamp,requests_per_second\n2024-03-01T12:00:00,1.5\n2024-03-01T12:01:00,0.1\n"),
    (None, "timestamp,requests_per_second\n0,1.5\n60,0.1\n"),
])
def test_csv_text(start: pd.Timestamp | None, expected: str) -> None:
    assert traffic_csv_text(TrafficCurve(np.array([1.5, 0.1]), 60.0, start)) == expected


@pytest.mark.parametrize("start", [None, pd.Timestamp("2024-03-01T12:00:00Z"),
                                   pd.Timestamp("2024-03-01T12:00:00")])
def test_written_file_reads_back_exactly(tmp_path: Path, start: pd.Timestamp | None) -> None:
    # 0.1 + 0.2 is 0.30000000000000004: a rounded writer would read back 0.3
    rates = np.array([0.1 + 0.2, 1e-7, 123456.789, 0.0])
    path = tmp_path / "t.csv"
    write_traffic_csv(TrafficCurve(rates, 0.5, start), path)
    back = read_traffic_csv(path)
    assert back.step_s == 0.5
    assert back.rps.tolist() == rates.tolist()
    assert back.start == start


def test_write_failure_names_the_file_and_keeps_nothing_half(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "t.csv"
    with pytest.raises(TrafficError, match=r"cannot write traffic file .*missing-folder/t\.csv: "
                                           r".*; choose a writable path"):
        write_traffic_csv(TrafficCurve(np.array([1.0]), 60.0), target)
    assert not target.parent.exists()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # the clock an hour after T0: CloudWatch answers 60 s periods of the last 15 days only
    monkeypatch.setattr(utc, "utc_now", lambda: T0 + timedelta(hours=1))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def _put(counts: list[tuple[int, float]]) -> None:
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    for offset_s, value in counts:
        cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[{
            "MetricName": "RequestCount", "Dimensions": [{"Name": "LoadBalancer", "Value": LB}],
            "Timestamp": T0 + timedelta(seconds=offset_s), "Value": value, "Unit": "Count"}])


def _capture(out: Path, *extra: str) -> int:
    return main(["traffic", "cloudwatch", "--load-balancer", LB, "--start", "2024-03-01T12:00:00Z",
                 "--end", "2024-03-01T12:04:00Z", "--region", "us-east-1", "--out", str(out),
                 *extra])


@mock_aws
def test_cloudwatch_capture_writes_csv_and_origin_note(
        aws_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # minute 0: 240 + 360 = 600 requests -> 10 rps; minute 1: none -> 0; minute 2: 1200 -> 20;
    # minute 3: 30 -> 0.5. Mean (10 + 0 + 20 + 0.5) / 4 = 7.625, peak 20.
    _put([(5, 240.0), (30, 360.0), (130, 1200.0), (200, 30.0)])
    out = tmp_path / "monday.csv"
    assert _capture(out) == 0
    assert out.read_text() == ("timestamp,requests_per_second\n"
                               "2024-03-01T12:00:00Z,10.0\n2024-03-01T12:01:00Z,0.0\n"
                               "2024-03-01T12:02:00Z,20.0\n2024-03-01T12:03:00Z,0.5\n")
    # minute 1 had no datapoint: one run of one period, from 12:01
    assert capsys.readouterr().out == (
        f"{out}: 4 rows of 60 s, mean 7.625 rps, peak 20 rps (origin note "
        f"{tmp_path / 'monday.md'})\nperiods without a datapoint, written as 0 requests: 1 "
        "run(s), 1 period(s) in all; the longest 1 min from 2024-03-01T12:01:00Z; check they "
        "were quiet, not a gap in the metric\n")
    note = (tmp_path / "monday.md").read_text()
    assert note.startswith("# monday.csv\n")
    for line in ("| namespace / metric / statistic | `AWS/ApplicationELB` `RequestCount` `Sum` |",
                 f"| dimensions | `LoadBalancer={LB}` |", "| region | us-east-1 |",
                 "| range (UTC) | 2024-03-01T12:00:00+00:00 .. 2024-03-01T12:04:00+00:00 (end "
                 "excluded) |", "| period | 60 s |", "| rows | 4 of 60 s |",
                 "| mean / peak | 7.625 / 20 requests per second |",
                 "| periods without a datapoint (0 requests) | 1 run(s), 1 period(s) in all; "
                 "the longest 1 min from 2024-03-01T12:01:00Z |"):
        assert line in note.splitlines()
    # the command run (main's argv), not the host process's (pytest here, a notebook's kernel)
    assert note.endswith(
        f"Command: `infra-toolkit traffic cloudwatch --load-balancer {LB} --start "
        f"2024-03-01T12:00:00Z --end 2024-03-01T12:04:00Z --region us-east-1 --out {out}`\n")



@mock_aws
@pytest.mark.parametrize(("now_after_end_s", "said"), [
    # traffic22: the range 12:00-12:04 ends 60 s before the capture; minutes 2 and 3 have no
    # datapoint: maybe quiet, maybe not published yet; it was told only as quiet periods
    (60, "the last 2 period(s) have no datapoint and the range ended 1 min before this "
         "capture: CloudWatch may not have published them yet, so their 0 requests may be a "
         "delay, not a quiet end; capture again in 15 minutes, or end the range earlier\n"),
    # 15 min = 900 s after the end: past the delay allowed, so the zeros are just quiet periods
    (900, ""),
])
def test_trailing_empty_periods_near_now_may_be_unpublished(
        aws_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, now_after_end_s: int, said: str) -> None:
    # 12:04 is T0 + 240 s; the clock now_after_end_s later
    monkeypatch.setattr(utc, "utc_now", lambda: T0 + timedelta(seconds=240 + now_after_end_s))
    _put([(5, 600.0), (70, 120.0)])  # minute 0: 600 / 60 = 10 rps; minute 1: 120 / 60 = 2 rps
    out = tmp_path / "tail.csv"
    assert _capture(out) == 0
    printed = capsys.readouterr().out
    assert printed.endswith(
        "periods without a datapoint, written as 0 requests: 1 run(s), 2 period(s) in all; the "
        "longest 2 min from 2024-03-01T12:02:00Z; check they were quiet, not a gap in the "
        "metric\n" + said)

@mock_aws
def test_a_failed_capture_leaves_the_previous_csv(
        aws_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "monday.csv"
    out.write_text("timestamp,requests_per_second\n0,1\n60,2\n")
    before = out.read_bytes()
    assert _capture(out) == 2  # nothing in CloudWatch for that load balancer
    err = capsys.readouterr().err
    assert "CloudWatch returned no datapoints" in err
    # a too-fine period over an old range is refused before the call (by its age); what is
    # left is a wrong dimension or region, or an ALB without requests (no datapoint then)
    assert ("check the dimension values (names and values are case-sensitive) and the region; "
            "if they are right, it served no requests then") in err
    assert out.read_bytes() == before
    assert not (tmp_path / "monday.md").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["monday.csv"]  # no temp file left


@pytest.mark.parametrize(("argv", "message"), [
    (["--load-balancer", LB, "--start", "2024-03-01 noon", "--end", "2024-03-01T13:00:00Z",
      "--out", "x.csv"], "--start: '2024-03-01 noon' is not an ISO-8601 time; write e.g."),
    (["--load-balancer", LB, "--start", "2024-03-01T13:00:00Z", "--end", "2024-03-01T12:00:00Z",
      "--out", "x.csv"], "--end 2024-03-01T12:00:00Z is not after --start"),
    (["--dimension", "TargetGroup", "--start", "2024-03-01T12:00:00Z", "--end",
      "2024-03-01T13:00:00Z", "--out", "x.csv"], "--dimension 'TargetGroup': write NAME=VALUE"),
    (["--dimension", "A=1", "--dimension", "A=2", "--start", "2024-03-01T12:00:00Z", "--end",
      "2024-03-01T13:00:00Z", "--out", "x.csv"], "--dimension 'A' is given twice"),
    (["--load-balancer", LB, "--start", "2024-03-01T12:00:00Z", "--end", "2024-03-01T13:00:00Z",
      "--out", "x.txt"], "--out 'x.txt': name a .csv file"),
    # one period is one row, whose interval read_traffic_csv cannot know in a plan
    (["--load-balancer", LB, "--start", "2024-03-01T12:00:00Z", "--end", "2024-03-01T13:00:00Z",
      "--period-s", "3600", "--out", "x.csv"],
     "the range is under two periods of 3600 s, so the CSV would have one row and no interval "
     "a plan can read; end at least 2024-03-01T14:00:00+00:00"),
])
def test_bad_arguments_are_one_line_before_any_aws_call(
        argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(boto3, "Session", None)  # any AWS call would fail loudly
    assert main(["traffic", "cloudwatch", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: traffic cloudwatch ") and message in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(("argv", "message"), [
    # fuzz20: a period of 0 s reached boto3 first, and without a region said only that;
    # traffic22: the message named the library's period_s, not the flag the user typed
    (["--period-s", "0"], "CloudWatch --period-s (=0) must be 1, 5, 10, 20, 30 or a multiple of "
                          "60"),
    (["--period-s", "90"], "CloudWatch --period-s (=90) must be 1, 5, 10, 20, 30 or a multiple"),
    (["--period-s", "10"], "CloudWatch --period-s (=10) is under 60 s, but AWS/ApplicationELB"),
    # T0 + 1 h is now; a start 16 days before it is past the 15 days 60 s data is kept, and
    # the next period that reaches it is 5 x 60 = 300 s (the 2 periods' range: 2 x 300 s)
    (["--start", "2024-02-14T13:00:00Z", "--end", "2024-02-14T13:10:00Z"],
     "older than 15 days: CloudWatch answers such a start only for a period that is a multiple "
     "of 300 s (GetMetricData returns no datapoints otherwise, and a range reaching back past "
     "it lost its older part as 0 requests); use --period-s=300 or a later start"),
    # T0 + 1 h is now: a range ending at T0 + 2 h ends after it
    (["--end", "2024-03-01T14:00:00Z"], "ends after now (2024-03-01T13:00:00+00:00)"),
])
def test_the_request_is_checked_before_the_client_is_made(
        argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(boto3, "Session", None)  # making a client would fail loudly
    monkeypatch.setattr(utc, "utc_now", lambda: T0 + timedelta(hours=1))
    base = {"--load-balancer": LB, "--start": "2024-03-01T12:00:00Z",
            "--end": "2024-03-01T13:00:00Z", "--out": "x.csv"}
    base.update(dict(zip(argv[::2], argv[1::2], strict=True)))
    assert main(["traffic", "cloudwatch", *[x for kv in base.items() for x in kv]]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_unknown_profile_is_one_clear_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    # a range CloudWatch still holds: the request is checked before the client is made
    monkeypatch.setattr(utc, "utc_now", lambda: T0 + timedelta(hours=1))
    assert _capture(tmp_path / "t.csv", "--profile", "nosuch") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot create the CloudWatch client: ")
    assert "nosuch" in err and "check --profile and --region" in err


@pytest.mark.parametrize(("rps", "runs"), [
    ([1.0, 2.0], []),
    ([0.0, 0.0, 1.0, 0.0], [(0, 2), (3, 1)]),
    ([1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0], [(1, 3), (5, 2)]),
])
def test_empty_runs(rps: list[float], runs: list[tuple[int, int]]) -> None:
    from infra_toolkit.cli_traffic import empty_runs

    assert empty_runs(TrafficCurve(np.array(rps), 60.0)) == runs


@mock_aws
def test_a_whole_load_balancer_arn_is_cut_to_its_dimension(aws_env: None, tmp_path: Path) -> None:
    # owndata: the ARN the console shows was sent as the LoadBalancer dimension, which holds
    # only its end: "CloudWatch returned no datapoints", blamed on the dimension. 600 requests
    # in minute 0, 1200 in minute 2 of four: 10, 0, 20, 0 rps
    _put([(5, 600.0), (130, 1200.0)])
    out = tmp_path / "arn.csv"
    arn = f"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/{LB}"
    assert main(["traffic", "cloudwatch", "--load-balancer", arn, "--start",
                 "2024-03-01T12:00:00Z", "--end", "2024-03-01T12:04:00Z", "--region",
                 "us-east-1", "--out", str(out)]) == 0
    assert read_traffic_csv(out).rps.tolist() == [10.0, 0.0, 20.0, 0.0]
    assert f"| dimensions | `LoadBalancer={LB}` |" in (tmp_path / "arn.md").read_text()


@pytest.mark.parametrize(("args", "match"), [
    (["--dimension", "TargetGroup=arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/t/0a"],
     None),
    (["--load-balancer", "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"],
     r"traffic cloudwatch --load-balancer 'arn:aws:ec2:us-east-1:123456789012:instance/i-0abc': "
     r"an ARN, but not of a load balancer or target group; give its ARN or the end of it \(e\.g\. "
     r"app/shop/50dc6c495c0c9188\)"),
])
def test_dimension_arns(args: list[str], match: str | None) -> None:
    import argparse

    from infra_toolkit.cli_traffic import _dimensions

    ns = argparse.Namespace(load_balancer=args[1] if args[0] == "--load-balancer" else None,
                            dimension=[args[1]] if args[0] == "--dimension" else None)
    if match is None:
        assert _dimensions(ns) == {"TargetGroup": "targetgroup/t/0a"}
    else:
        with pytest.raises(TrafficError, match=match):
            _dimensions(ns)


def test_a_curve_that_would_read_back_as_milliseconds_needs_a_start(tmp_path: Path) -> None:
    # 60000 s steps from start are refused on reading as milliseconds from start; written with
    # a start they are ISO times and read back
    rows = np.array([1.0, 2.0])
    with pytest.raises(TrafficError, match=r"t\.csv: a curve of 60000 s steps without a start "
                                           r"would be written as seconds from start, which read "
                                           r"back as milliseconds; give the curve a start"):
        write_traffic_csv(TrafficCurve(rows, 60000.0), tmp_path / "t.csv")
    assert not (tmp_path / "t.csv").exists()
    write_traffic_csv(TrafficCurve(rows, 60000.0, pd.Timestamp("2026-11-02T00:00:00Z")),
                      tmp_path / "t.csv")
    assert read_traffic_csv(tmp_path / "t.csv").total_requests == 180_000.0  # (1 + 2) x 60000
