"""get_cloudwatch_traffic offline: moto for the round trip, botocore Stubber for paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import numpy as np
import pytest
from botocore.exceptions import EndpointConnectionError
from botocore.stub import Stubber
from moto import mock_aws

from infra_toolkit.errors import TrafficError
from infra_toolkit.traffic import get_cloudwatch_traffic

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
ALB = {"LoadBalancer": "app/shop/50dc6c495c0c9188"}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@mock_aws
def test_request_count_sum_becomes_rps(aws_env: None) -> None:
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    # minute 0: 600 requests in two puts (the Sum adds them), minute 1: none, minute 2: 1200
    for offset_s, value in [(5, 240.0), (30, 360.0), (130, 1200.0)]:
        cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[{
            "MetricName": "RequestCount", "Dimensions": [{"Name": "LoadBalancer",
                                                          "Value": ALB["LoadBalancer"]}],
            "Timestamp": T0 + timedelta(seconds=offset_s), "Value": value, "Unit": "Count"}])
    curve = get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=3), client=cw)
    # 600/60 = 10 rps; a minute without datapoints counts 0; 1200/60 = 20 rps
    np.testing.assert_array_equal(curve.rps, [10.0, 0.0, 20.0])
    assert curve.step_s == 60
    assert curve.start == T0


@mock_aws
def test_empty_result_is_one_clear_error(aws_env: None) -> None:
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    with pytest.raises(TrafficError, match=r"CloudWatch returned no datapoints for AWS/Application"
                                           r"ELB RequestCount \{'LoadBalancer': 'app/shop/50dc6c4"
                                           r"95c0c9188'\} between .*; check the dimension values"):
        get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=3), client=cw)


def test_missing_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(TrafficError, match=r"no AWS credentials to read CloudWatch AWS/Application"
                                           r"ELB RequestCount .*; set AWS_PROFILE or"):
        get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=3), region_name="us-east-1")


def test_pages_are_followed_and_resampled(aws_env: None) -> None:
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    stub = Stubber(cw)
    end = T0 + timedelta(minutes=4)
    common = {"MetricDataQueries": [{
        "Id": "traffic", "MetricStat": {"Metric": {
            "Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount",
            "Dimensions": [{"Name": "LoadBalancer", "Value": ALB["LoadBalancer"]}]},
            "Period": 60, "Stat": "Sum"}, "ReturnData": True}],
        "StartTime": T0, "EndTime": end, "ScanBy": "TimestampAscending"}
    minute = [T0 + timedelta(minutes=i) for i in range(4)]
    stub.add_response("get_metric_data", {"MetricDataResults": [{
        "Id": "traffic", "Timestamps": minute[:2], "Values": [60.0, 180.0]}], "NextToken": "p2"},
        common)
    stub.add_response("get_metric_data", {"MetricDataResults": [{
        "Id": "traffic", "Timestamps": minute[2:], "Values": [300.0, 420.0]}]},
        {**common, "NextToken": "p2"})
    with stub:
        curve = get_cloudwatch_traffic(ALB, T0, end, client=cw, step_s=120)
    stub.assert_no_pending_responses()
    # per minute 1, 3, 5, 7 rps; 120 s bins average pairs: 2 and 6
    np.testing.assert_array_equal(curve.rps, [2.0, 6.0])


def test_aws_error_is_wrapped(aws_env: None) -> None:
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    stub = Stubber(cw)
    stub.add_client_error("get_metric_data", "AccessDenied", "not authorized")
    with stub, pytest.raises(TrafficError, match=r"GetMetricData for .* failed: AccessDenied: "
                                                 r"not authorized; check the permissions"):
        get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=4), client=cw)


def test_no_connection_is_wrapped() -> None:
    class Unreachable:  # a client whose endpoint cannot be reached, as botocore reports it
        def get_paginator(self, name: str) -> Unreachable:
            return self

        def paginate(self, **kwargs: object) -> None:
            raise EndpointConnectionError(endpoint_url="https://monitoring.us-east-1.amazonaws.com/")

    with pytest.raises(TrafficError, match=r"GetMetricData for AWS/ApplicationELB RequestCount .* "
                                           r"failed: Could not connect to the endpoint URL: .*; "
                                           r"check the network, the region and the endpoint"):
        get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=4), client=Unreachable())


@pytest.mark.parametrize(
    ("period_s", "minutes", "match"),
    [(45, 4, r"period_s \(=45\) must be 1, 5, 10, 30 or a multiple of 60"),
     (60, 0, r"shorter than one period of 60 s"),
     # "Metrics produced by AWS services are standard resolution by default" (CloudWatch user
     # guide); per MetricStat.Period their period must be a multiple of 60
     (10, 4, r"period_s \(=10\) is under 60 s, but AWS/ApplicationELB is published by an AWS "
             r"service at standard \(60 s\) resolution; use a multiple of 60")],
)
def test_bad_range_or_period(period_s: int, minutes: int, match: str) -> None:
    with pytest.raises(TrafficError, match=match):
        get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=minutes), period_s=period_s)


@pytest.mark.parametrize(("start", "period_s", "match"), [
    # CloudWatch rounds a start down to the minute: from 12:00:30 the 12:00 datapoint fell before
    # the curve (dropped) and every later minute's count sat 30 s early, in the previous bin
    (T0 + timedelta(seconds=30), 60,
     r"start 2024-03-01T12:00:30\+00:00 is not on a 60 s clock boundary for a period of 60 s: "
     r".*; start at 2024-03-01T12:00:00\+00:00 or 2024-03-01T12:01:00\+00:00"),
    # 5-minute periods may reach data 15-63 days old, whose start is rounded to 5 minutes
    (T0 + timedelta(minutes=2), 300,
     r"start 2024-03-01T12:02:00\+00:00 is not on a 300 s clock boundary .*; start at "
     r"2024-03-01T12:00:00\+00:00 or 2024-03-01T12:05:00\+00:00"),
    # high resolution: 10 s periods fall on 10 s divisions of the minute
    (T0 + timedelta(seconds=5), 10,
     r"not on a 10 s clock boundary .*; start at 2024-03-01T12:00:00\+00:00 or "
     r"2024-03-01T12:00:10\+00:00"),
])
def test_a_start_cloudwatch_would_round_is_refused(start: datetime, period_s: int,
                                                   match: str) -> None:
    with pytest.raises(TrafficError, match=match):  # a custom namespace: 10 s may be valid
        get_cloudwatch_traffic(ALB, start, start + timedelta(seconds=4 * period_s),
                               period_s=period_s, namespace="Shop/Edge")


@pytest.mark.parametrize(("end", "period_s", "match"), [
    # audit8 A8-6: 0001 .. 9999 at 60 s asked numpy for 5,258,963,520 periods (39 GiB) and died
    # with a MemoryError traceback; GetMetricData answers 60 s periods for 15 days back only.
    # 2024-03-01T12:00 .. 9999-12-31 is 7,975.83 years x 365.2425 = 2,913,108 days
    (datetime(9999, 12, 31, tzinfo=UTC), 60, r"range 2024-03-01T12:00:00\+00:00 \.\. "
     r"9999-12-31T00:00:00\+00:00 is 2\.91311e\+06 days, longer than the 15 days CloudWatch "
     r"answers periods of 60 s for"),
    # 15 days + 1 min = 15 + 1/1440 = 15.0007 days at 60 s; 63 + 5/1440 = 63.0035 days at 300 s;
    # 455 + 1/24 = 455.042 days at 3600 s; 10 s (high resolution) for 3 h + 10 s = 3.00278 h
    (T0 + timedelta(days=15, minutes=1), 60, r"is 15\.0007 days, longer than the 15 days"),
    (T0 + timedelta(days=63, minutes=5), 300, r"is 63\.0035 days, longer than the 63 days"),
    (T0 + timedelta(days=455, hours=1), 3600, r"is 455\.042 days, longer than the 455 days"),
    (T0 + timedelta(hours=3, seconds=10), 10, r"is 3\.00278 hours, longer than the 3 hours"),
])
def test_a_range_longer_than_cloudwatch_answers_is_refused(end: datetime, period_s: int,
                                                           match: str) -> None:
    with pytest.raises(TrafficError, match=match + r" .*; shorten the range, or use a longer "
                       r"period \(a multiple of 300 s reaches 63 days, of 3600 s 455 days\)$"):
        get_cloudwatch_traffic(ALB, T0, end, period_s=period_s, namespace="Shop/Edge")


def test_a_range_that_is_not_whole_periods_is_refused() -> None:
    # 150 s = 2.5 periods of 60 s: the last 30 s used to be cut off without a word
    with pytest.raises(TrafficError, match=r"range 2024-03-01T12:00:00\+00:00 \.\. "
                       r"2024-03-01T12:02:30\+00:00 \(150 s\) is not a whole number of periods "
                       r"of 60 s; end at 2024-03-01T12:02:00\+00:00 or 2024-03-01T12:03:00"):
        get_cloudwatch_traffic(ALB, T0, T0 + timedelta(seconds=150))


@mock_aws
def test_a_step_that_does_not_divide_the_range_is_refused(aws_env: None) -> None:
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[{
        "MetricName": "RequestCount", "Dimensions": [{"Name": "LoadBalancer",
                                                      "Value": ALB["LoadBalancer"]}],
        "Timestamp": T0 + timedelta(seconds=5), "Value": 600.0, "Unit": "Count"}])
    # 3 minutes = 180 s in 120 s steps: 1.5 steps; the last minute used to be dropped silently
    with pytest.raises(TrafficError, match=r"step_s 120 does not divide the 180 s of CloudWatch "
                       r"AWS/ApplicationELB RequestCount .* \(3 periods of 60 s\) \(1\.50 steps\); "
                       r"choose a step_s that divides it, such as 60"):
        get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=3), client=cw, step_s=120)


@pytest.mark.parametrize(("statistic", "match"), [
    ("Average", r"CloudWatch statistic 'Average' is not a count of requests per period: use Sum "
                r"\(a count metric such as an ALB's RequestCount\) or SampleCount \(the "
                r"datapoints in each period\); an Average, Minimum, Maximum or percentile "
                r"divided by the period is not the request rate$"),
    ("p99", r"statistic 'p99' is not a count"),
    ("sum", r"statistic 'sum' is not a count .*; did you mean 'Sum'\? \(CloudWatch statistics "
            r"are case-sensitive\)$"),
])
@mock_aws
def test_a_statistic_that_is_no_count_is_refused(aws_env: None, statistic: str,
                                                 match: str) -> None:
    # audit20 A20-6: minute 0 holds 240 + 360 = 600 requests (10 rps); its Average (300) / 60
    # gave 5 rps, half the load, silently ('sum' and 'p99' raised a moto TypeError traceback)
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    for offset_s, value in [(5, 240.0), (30, 360.0)]:
        cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[{
            "MetricName": "RequestCount", "Dimensions": [{"Name": "LoadBalancer",
                                                          "Value": ALB["LoadBalancer"]}],
            "Timestamp": T0 + timedelta(seconds=offset_s), "Value": value, "Unit": "Count"}])
    with pytest.raises(TrafficError, match=match):
        get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=2), client=cw,
                               statistic=statistic)
    # SampleCount counts the datapoints: 2 in minute 0, 2 / 60 per second
    curve = get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=2), client=cw,
                                   statistic="SampleCount")
    np.testing.assert_array_equal(curve.rps, [2 / 60, 0.0])


@pytest.mark.parametrize("status", ["InternalError", "Forbidden"])
def test_a_result_cloudwatch_marks_failed_is_not_read_as_quiet(aws_env: None,
                                                               status: str) -> None:
    # audit20 A20-7: a result CloudWatch marks InternalError returned minute 0 only; minutes
    # 1-3 were written as 0 requests, a quiet stretch that never was
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    stub = Stubber(cw)
    end = T0 + timedelta(minutes=4)
    stub.add_response("get_metric_data", {"MetricDataResults": [{
        "Id": "traffic", "Timestamps": [T0], "Values": [600.0], "StatusCode": status,
        "Messages": [{"Code": "Throttled", "Value": "try later"}]}]})
    with stub, pytest.raises(TrafficError, match=(
            rf"GetMetricData for AWS/ApplicationELB RequestCount .* answered {status} \(Throttled: "
            r"try later\) for 2024-03-01T12:00:00\+00:00 \.\. 2024-03-01T12:04:00\+00:00: the "
            r"periods it left out would read as 0 requests; run it again")):
        get_cloudwatch_traffic(ALB, T0, end, client=cw)
