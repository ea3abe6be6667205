"""get_cloudwatch_traffic offline: moto for the round trip, botocore Stubber for paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import boto3
import numpy as np
import pytest
from botocore.exceptions import EndpointConnectionError, TokenRetrievalError
from botocore.stub import ANY, Stubber
from moto import mock_aws

from infra_toolkit import utc
from infra_toolkit.errors import TrafficError
from infra_toolkit.traffic import get_cloudwatch_traffic

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
ALB = {"LoadBalancer": "app/shop/50dc6c495c0c9188"}
NOW = T0 + timedelta(hours=1)  # the clock the tests below read: their ranges end by then


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(utc, "utc_now", lambda: NOW)


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
    # a target group alone: its RequestCount is stored under (TargetGroup, LoadBalancer)
    cw.put_metric_data(Namespace="AWS/ApplicationELB", MetricData=[{
        "MetricName": "RequestCount", "Dimensions": [
            {"Name": "TargetGroup", "Value": "targetgroup/shop/0123456789abcdef"},
            {"Name": "LoadBalancer", "Value": ALB["LoadBalancer"]}],
        "Timestamp": T0 + timedelta(seconds=5), "Value": 120.0, "Unit": "Count"}])
    tg = {"TargetGroup": "targetgroup/shop/0123456789abcdef"}
    with pytest.raises(TrafficError, match=r"check the dimension values \(names and values are "
                       r"case-sensitive\) \(a target group's metrics are published with its "
                       r"LoadBalancer dimension too: add it\) and the region"):
        get_cloudwatch_traffic(tg, T0, T0 + timedelta(minutes=3), client=cw)
    # both dimensions: 120 requests in minute 0 = 2 rps
    curve = get_cloudwatch_traffic({**tg, **ALB}, T0, T0 + timedelta(minutes=3), client=cw)
    np.testing.assert_array_equal(curve.rps, [2.0, 0.0, 0.0])


def test_missing_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(TrafficError, match=r"GetMetricData for AWS/ApplicationELB RequestCount "
                                           r".* failed: no usable AWS credentials \(Unable to "
                                           r"locate credentials\); set AWS_PROFILE"):
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


@pytest.mark.parametrize(("code", "message", "match"), [
    # each a different fix: "check the permissions" for an expired token sent people the wrong way
    ("AccessDenied", "User: arn:aws:iam::1:user/x is not authorized to perform: "
     "cloudwatch:GetMetricData", r"failed: AWS denied the call \(AccessDenied: User: .*\); grant "
     r"cloudwatch:GetMetricData to the identity used, or use a profile that has it$"),
    ("ExpiredToken", "The security token included in the request is expired",
     r"failed: the AWS session token has expired \(ExpiredToken: The security token .*\); "
     r"refresh the credentials \(aws sso login, or new temporary keys\) and run it again$"),
    ("InvalidClientTokenId", "The security token included in the request is invalid.",
     r"failed: AWS does not accept these credentials \(InvalidClientTokenId: .*\); check the "
     r"access key and secret"),
    # botocore has retried it already (legacy mode: 5 attempts) when this reaches us
    ("Throttling", "Rate exceeded", r"failed: AWS throttled the calls, still after the SDK's "
     r"retries \(Throttling: Rate exceeded\); wait a minute and run it again, or allow more "
     r"retries \(AWS_RETRY_MODE=adaptive, AWS_MAX_ATTEMPTS=10\)$"),
    ("InvalidParameterValue", "The parameter Period must be ...",
     r"failed: AWS refused the call \(InvalidParameterValue: The parameter Period must be "
     r"\.\.\.\); check the inputs it names$"),
])
def test_aws_error_is_one_line_with_its_fix(aws_env: None, code: str, message: str,
                                            match: str) -> None:
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    stub = Stubber(cw)
    stub.add_client_error("get_metric_data", code, message)
    with stub, pytest.raises(TrafficError, match=r"CloudWatch GetMetricData for AWS/Application"
                                                 r"ELB RequestCount .* " + match):
        get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=4), client=cw)


def test_an_sso_login_that_lapsed_is_not_a_network_error() -> None:
    class Lapsed:  # what botocore raises when the SSO token cannot be refreshed
        def get_paginator(self, name: str) -> Lapsed:
            return self

        def paginate(self, **kwargs: object) -> None:
            raise TokenRetrievalError(provider="sso", error_msg="Token has expired")

    with pytest.raises(TrafficError, match=r"failed: the AWS credentials could not be obtained or "
                       r"refreshed \(Error when retrieving token from sso: Token has expired\); "
                       r"log in again \(aws sso login --profile PROFILE"):
        get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=4), client=Lapsed())


def test_no_connection_is_wrapped() -> None:
    class Unreachable:  # a client whose endpoint cannot be reached, as botocore reports it
        def get_paginator(self, name: str) -> Unreachable:
            return self

        def paginate(self, **kwargs: object) -> None:
            raise EndpointConnectionError(endpoint_url="https://monitoring.us-east-1.amazonaws.com/")

    with pytest.raises(TrafficError, match=r"GetMetricData for AWS/ApplicationELB RequestCount .* "
                                           r"failed: cannot reach AWS \(Could not connect to the "
                                           r"endpoint URL: .*\); check the network, the proxy"):
        get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=4), client=Unreachable())


@pytest.mark.parametrize(
    ("period_s", "minutes", "match"),
    [(45, 4, r"period_s \(=45\) must be 1, 5, 10, 20, 30 or a multiple of 60"),
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


@pytest.mark.parametrize(("start", "period_s", "match"), [
    # audit8 A8-6: 0001 .. at 60 s asked numpy for billions of periods and died (MemoryError);
    # 0001-01-01 .. 2024-01-01: 2023 x 365 + 490 leap days (505 - 20 + 5) = 738,885 days; + 31
    # (Jan) + 29 (Feb 2024) = 738,945 days, + 13 h = 738,945.54, six digits 738,946
    (datetime(1, 1, 1, tzinfo=UTC), 3600, r"start 0001-01-01T00:00:00\+00:00 is 738,946 "
     r"days before now \(2024-03-01T13:00:00\+00:00\), older than 455 days: CloudWatch keeps no "
     r"datapoints older than that; choose a later start$"),
    # 15 days + 1 min before NOW at 60 s: 15 + 1/1440 = 15.0007 days; the rule asks 300 s
    (NOW - timedelta(days=15, minutes=1), 60, r"is 15\.0007 days before now .*, older than 15 "
     r"days: CloudWatch answers such a start only for a period that is a multiple of 300 s "
     r".*; use period_s=300 or a later start$"),
    # 63 days + 5 min at 300 s: 63 + 5/1440 = 63.0035 days; 600 s is no multiple of 3600 either
    (NOW - timedelta(days=63, minutes=5), 300, r"is 63\.0035 days before now .* multiple of "
     r"3600 s .*; use period_s=3600"),
    (NOW - timedelta(days=63, minutes=5), 600, r"is 63\.0035 days .* use period_s=3600"),
    # 455 days + 1 hour at 3600 s: 455 + 1/24 = 455.042 days, past the 15 months kept
    (NOW - timedelta(days=455, hours=1), 3600, r"is 455\.042 days before now .*, older than "
     r"455 days: CloudWatch keeps no datapoints"),
    # high resolution 10 s for 3 h + 10 s: 3 + 10/3600 = 3.00278 hours; 60 s is the next step
    (NOW - timedelta(hours=3, seconds=10), 10, r"is 3\.00278 hours before now .*, older than 3 "
     r"hours: .* multiple of 60 s .*; use period_s=60"),
])
def test_a_start_older_than_its_period_reaches_is_refused(start: datetime, period_s: int,
                                                          match: str) -> None:
    # MetricStat.Period: for an older start "you must specify the period as follows or no data
    # points in that time range is returned"; a range crossing the line got its recent part
    # only, the older part read as 0 requests
    with pytest.raises(TrafficError, match=match):
        get_cloudwatch_traffic(ALB, start, start + timedelta(seconds=4 * period_s),
                               period_s=period_s, namespace="Shop/Edge")


@pytest.mark.parametrize(("start", "period_s"), [
    (NOW - timedelta(days=15), 60),  # exactly 15 days old: still 60 s data
    (NOW - timedelta(days=15, minutes=5), 300),
    (NOW - timedelta(days=100), 3600),
    (NOW - timedelta(hours=3), 10),
])
def test_a_start_its_period_reaches_is_asked(start: datetime, period_s: int) -> None:
    cw = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x",
                      aws_secret_access_key="y")
    stub = Stubber(cw)
    # 4 periods; the first holds 6 x period_s requests: 6 rps, then no datapoints (0 rps)
    stub.add_response("get_metric_data", {"MetricDataResults": [{
        "Id": "traffic", "Timestamps": [start], "Values": [6.0 * period_s],
        "StatusCode": "Complete"}]})
    with stub:
        curve = get_cloudwatch_traffic(ALB, start, start + timedelta(seconds=4 * period_s),
                                       period_s=period_s, namespace="Shop/Edge", client=cw)
    np.testing.assert_array_equal(curve.rps, [6.0, 0.0, 0.0, 0.0])


def test_a_range_ending_after_now_is_refused() -> None:
    # the minutes after NOW (13:00) are not published yet: they read as 0 requests, a drop
    # to zero at the end of every capture that ran into the present
    with pytest.raises(TrafficError, match=r"range 2024-03-01T12:58:00\+00:00 \.\. "
                       r"2024-03-01T13:02:00\+00:00 ends after now \(2024-03-01T13:00:00\+00:00\)"
                       r": the periods not yet published would read as 0 requests; end at "
                       r"2024-03-01T13:00:00\+00:00 or earlier$"):
        get_cloudwatch_traffic(ALB, NOW - timedelta(minutes=2), NOW + timedelta(minutes=2))
    # `now` given: the same range, asked an hour later, is in the past and passes this check
    with pytest.raises(TrafficError, match="not on a 60 s clock boundary"):
        get_cloudwatch_traffic(ALB, NOW + timedelta(seconds=1), NOW + timedelta(minutes=2,
                               seconds=1), now=NOW + timedelta(hours=1))


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


@pytest.mark.parametrize(("response", "match"), [
    # PartialData means "use the NextToken to get more"; on a page without one, minutes 1-3
    # would have read as 0 requests
    ({"MetricDataResults": [{"Id": "traffic", "Timestamps": [T0], "Values": [600.0],
                             "StatusCode": "PartialData"}]},
     r"answered PartialData on its last page \(no NextToken to fetch the rest\) for "
     r"2024-03-01T12:00:00\+00:00 \.\. 2024-03-01T12:04:00\+00:00: the periods it left out "
     r"would read as 0 requests"),
    # a message about the whole call: "as much of the operation as possible is still executed"
    ({"MetricDataResults": [{"Id": "traffic", "Timestamps": [T0], "Values": [600.0],
                             "StatusCode": "Complete"}],
      "Messages": [{"Code": "MaxMetricsExceeded", "Value": "Maximum number of allowed metrics "
                                                            "exceeded"}]},
     r"answered MaxMetricsExceeded: Maximum number of allowed metrics exceeded for "),
])
def test_an_incomplete_answer_is_not_read_as_quiet(aws_env: None, response: dict[str, object],
                                                   match: str) -> None:
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    stub = Stubber(cw)
    stub.add_response("get_metric_data", response)
    with stub, pytest.raises(TrafficError, match=match):
        get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=4), client=cw)


def test_partial_data_followed_by_next_token_is_complete(aws_env: None) -> None:
    # the documented PartialData: a first page with a NextToken, the rest on the next page;
    # newest first (ScanBy is asked ascending, but the order must not matter)
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    stub = Stubber(cw)
    minute = [T0 + timedelta(minutes=i) for i in range(4)]
    stub.add_response("get_metric_data", {"MetricDataResults": [{
        "Id": "traffic", "Timestamps": [minute[3], minute[2]], "Values": [120.0, 30.0],
        "StatusCode": "PartialData"}], "NextToken": "p2"})
    stub.add_response("get_metric_data", {"MetricDataResults": [{
        "Id": "traffic", "Timestamps": [minute[0]], "Values": [90.0], "StatusCode": "Complete"}]})
    with stub:
        curve = get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=4), client=cw)
    # 90/60 = 1.5 rps; minute 1 no datapoint: 0 requests; 30/60 = 0.5; 120/60 = 2
    np.testing.assert_array_equal(curve.rps, [1.5, 0.0, 0.5, 2.0])


def test_a_naive_range_is_utc_and_an_aware_one_is_converted(aws_env: None) -> None:
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    stub = Stubber(cw)
    # 13:00+01:00 is 12:00 UTC, as is a naive 12:00: both ask CloudWatch for T0 .. T0 + 2 min
    for _ in range(2):
        stub.add_response("get_metric_data", {"MetricDataResults": [{
            "Id": "traffic", "Timestamps": [T0], "Values": [180.0], "StatusCode": "Complete"}]},
            {"MetricDataQueries": ANY, "ScanBy": "TimestampAscending", "StartTime": T0,
             "EndTime": T0 + timedelta(minutes=2)})
    plus_one = timezone(timedelta(hours=1))
    with stub:
        naive = get_cloudwatch_traffic(ALB, datetime(2024, 3, 1, 12), datetime(2024, 3, 1, 12, 2),
                                       client=cw)
        aware = get_cloudwatch_traffic(ALB, datetime(2024, 3, 1, 13, tzinfo=plus_one),
                                       datetime(2024, 3, 1, 13, 2, tzinfo=plus_one), client=cw)
    # 180 / 60 = 3 rps, then a minute without a datapoint
    for curve in (naive, aware):
        np.testing.assert_array_equal(curve.rps, [3.0, 0.0])
        assert curve.start == T0


class _NoCall:
    """A client that fails any call: a blank name must be refused before AWS is asked."""

    def get_paginator(self, *_: object) -> object:
        raise AssertionError("AWS was asked")


@pytest.mark.parametrize(("kwargs", "said"), [
    # both went to GetMetricData as is (the CLI refused them, the library did not)
    ({"namespace": ""}, "get_cloudwatch_traffic namespace '' is blank; give the metric's "
                        "namespace, or leave namespace out for the default, AWS/ApplicationELB"),
    ({"metric_name": "  "}, "get_cloudwatch_traffic metric_name '  ' is blank; give a count "
                            "metric's name, or leave metric_name out for the default, "
                            "RequestCount"),
])
def test_blank_namespace_or_metric_is_refused(kwargs: dict[str, str], said: str) -> None:
    with pytest.raises(TrafficError) as raised:
        get_cloudwatch_traffic(ALB, T0, T0 + timedelta(minutes=3), client=_NoCall(), **kwargs)
    assert str(raised.value) == said
