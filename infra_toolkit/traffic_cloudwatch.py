"""Fetching a traffic curve from Amazon CloudWatch (``GetMetricData``), e.g. an ALB's requests.

The default metric is ``AWS/ApplicationELB`` ``RequestCount`` with statistic ``Sum``: requests per
period, turned into requests per second by dividing by the period. An ALB publishes no datapoint
for a period without requests, so a missing period counts as 0 requests; every other way a
period goes missing is refused rather than read as 0: a range ending after now, a start older
than the period may reach (GetMetricData answers no datapoints there), a result marked
InternalError, Forbidden or PartialData with no page left, a message about the whole call.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from infra_toolkit import utc
from infra_toolkit.aws_messages import aws_error_text
from infra_toolkit.errors import TrafficError
from infra_toolkit.traffic import TrafficCurve, check_whole_steps, resample_curve
from infra_toolkit.utc import as_utc

__all__ = ["check_cloudwatch_range", "check_metric_names", "get_cloudwatch_traffic"]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The periods under a minute MetricStat.Period allows, for high-resolution metrics only.
_HIGH_RESOLUTION_S = (1, 5, 10, 20, 30)


def _alignment_s(period_s: int) -> int:
    """The clock boundary a start must fall on so that CloudWatch's rounding of it (GetMetricData
    StartTime) moves nothing: a period of 1, 5, 10 or 30 s is aligned within the minute; longer
    periods by the age of the data, which only a multiple of 300 (15 to 63 days) or of 3600 s
    (older) may reach."""
    for boundary_s in (3600, 300, 60):
        if period_s % boundary_s == 0:
            return boundary_s
    return period_s


#: GetMetricData's Period rule by the age of StartTime (MetricStat.Period): a start older than
#: the age needs a period that is a multiple of the step, "or no data points in that time range
#: is returned"; beyond 455 days (15 months) CloudWatch keeps nothing. (age_s, step_s, what)
_AGE_RULES = ((455 * 86400, 0, "455 days"), (63 * 86400, 3600, "63 days"),
              (15 * 86400, 300, "15 days"), (3 * 3600, 60, "3 hours"))


def _span(seconds: float, kept_s: int) -> str:
    """``seconds`` in the unit CloudWatch states ``kept_s`` in: hours under a day, else days."""
    return f"{seconds / 3600:,.6g} hours" if kept_s < 86400 else f"{seconds / 86400:,.6g} days"


def _check_age(start: datetime, end: datetime, period_s: int, now: datetime,
               period_option: str) -> None:
    """Refuse a range CloudWatch would answer with periods that read as 0 requests but were
    never asked right: an end after ``now`` (periods not yet published) or a start older than
    its period may reach (its Period rule answers no datapoints there, and a range crossing the
    15-day line got the recent part only, the older part a quiet stretch that never was)."""
    if end > now:
        last = now - timedelta(seconds=(now - _EPOCH).total_seconds() % period_s)
        raise TrafficError(
            f"CloudWatch range {start.isoformat()} .. {end.isoformat()} ends after now "
            f"({now.isoformat(timespec='seconds')}): the periods not yet published would read "
            f"as 0 requests; end at {last.isoformat()} or earlier"
        )
    age_s = (now - start).total_seconds()
    for older_s, step_s, what in _AGE_RULES:
        if age_s <= older_s or (step_s and period_s % step_s == 0):
            continue
        if not step_s:
            fix = "CloudWatch keeps no datapoints older than that; choose a later start"
        else:
            fix = (f"CloudWatch answers such a start only for a period that is a multiple of "
                   f"{step_s} s (GetMetricData returns no datapoints otherwise, and a range "
                   "reaching back past it lost its older part as 0 requests); use "
                   f"{period_option}={step_s * max(1, -(-period_s // step_s))} or a later "
                   "start")
        raise TrafficError(
            f"CloudWatch start {start.isoformat()} is {_span(age_s, older_s)} before now "
            f"({now.isoformat(timespec='seconds')}), older than {what}: {fix}"
        )


def check_metric_names(namespace: str, metric_name: str, *, caller: str = "get_cloudwatch_traffic",
                       namespace_option: str = "namespace",
                       metric_option: str = "metric_name") -> None:
    """Refuse a blank ``namespace`` or ``metric_name``: GetMetricData is sent it as is (a CLI's
    ``--namespace "$NS"`` with ``NS`` unset) and answers an error or no datapoints, never the
    series meant. ``caller`` and the options are how the caller's user names them (the CLI's
    ``traffic cloudwatch --namespace``). Raises :class:`TrafficError`."""
    for option, value, what, default in (
            (namespace_option, namespace, "the metric's namespace", "AWS/ApplicationELB"),
            (metric_option, metric_name, "a count metric's name", "RequestCount")):
        if not value.strip():
            raise TrafficError(f"{caller} {option} {value!r} is blank; give {what}, or leave "
                               f"{option} out for the default, {default}")


def check_cloudwatch_range(start: datetime, end: datetime, *, namespace: str = "AWS/ApplicationELB",
                           statistic: str = "Sum", period_s: int = 60,
                           now: datetime | None = None, period_option: str = "period_s") -> int:
    """The number of periods of ``period_s`` seconds in ``[start, end)`` (naive datetimes are
    UTC), after the checks :func:`get_cloudwatch_traffic` makes before it calls AWS: a count
    statistic, a period and range CloudWatch answers whole, a range it still holds by ``now``
    (default: the clock). A caller checks a request with it before it makes a client, so a bad
    range is said before a missing region or credentials. ``period_option`` is how the caller's
    user gives the period (the CLI's ``--period-s``), named in the messages about it. Raises
    :class:`TrafficError`."""
    _check_statistic(statistic)
    start, end = as_utc(start), as_utc(end)
    n = _periods(start, end, period_s, namespace, period_option)
    _check_age(start, end, period_s, as_utc(now) if now is not None else utc.utc_now(),
               period_option)
    return n


def get_cloudwatch_traffic(
    dimensions: Mapping[str, str],
    start: datetime,
    end: datetime,
    *,
    namespace: str = "AWS/ApplicationELB",
    metric_name: str = "RequestCount",
    statistic: str = "Sum",
    period_s: int = 60,
    step_s: float | None = None,
    region_name: str | None = None,
    client: Any = None,
    name: str | None = None,
    now: datetime | None = None,
) -> TrafficCurve:
    """Request rate from CloudWatch over ``[start, end)`` (naive datetimes are UTC).

    ``dimensions`` selects the series, e.g. ``{"LoadBalancer": "app/shop/50dc6c495c0c9188"}``.
    Each period's ``statistic`` (a request count) is divided by ``period_s`` to give requests per
    second; pages are followed with boto3's ``get_metric_data`` paginator. ``step_s`` resamples
    like :func:`~infra_toolkit.traffic.resample_curve`. ``client`` is an existing boto3 CloudWatch
    client (tests pass a moto one); otherwise one is made for ``region_name``.
    The range must be a whole number of periods, and ``start`` on a clock boundary CloudWatch
    does not round (the minute; 5 minutes or the hour for periods of those multiples), else the
    datapoints would fall in shifted periods; ``step_s`` must divide the range.
    ``statistic`` must give a count per period: ``Sum`` or ``SampleCount``.
    ``now`` (default: the clock) bounds the range: it must end by ``now``, and its start be no
    older than ``period_s`` may reach (3 hours under 60 s, 15 days for multiples of 60 s,
    63 days of 300 s, 455 days of 3600 s): outside them CloudWatch answers no datapoints, which
    would read as 0 requests.
    ``namespace`` and ``metric_name`` must not be blank (:func:`check_metric_names`).
    Raises :class:`TrafficError` for those, missing credentials, an AWS error, a result
    CloudWatch marks ``InternalError`` or ``Forbidden`` (its missing periods are not quiet), or
    no datapoints at all.
    """
    check_metric_names(namespace, metric_name)
    start, end = as_utc(start), as_utc(end)
    n = check_cloudwatch_range(start, end, namespace=namespace, statistic=statistic,
                               period_s=period_s, now=now)
    series = f"{namespace} {metric_name} {dict(dimensions)}"  # how every message names it
    counts = _fetch_counts(client, region_name, dimensions, start, end, n, namespace=namespace,
                           metric_name=metric_name, statistic=statistic, period_s=period_s,
                           series=series)
    curve = TrafficCurve(counts / period_s, float(period_s), pd.Timestamp(start),
                         name if name is not None else metric_name)
    if step_s is None:
        return curve
    check_whole_steps(curve.duration_s, float(step_s), "step_s",
                      f"the {curve.duration_s:g} s of CloudWatch {series} ({n} periods of "
                      f"{period_s} s)", f"choose a step_s that divides it, such as {period_s}")
    return resample_curve(curve, float(step_s))


#: The statistics that give a count per period. Average, Minimum, Maximum and percentiles are
#: one datapoint's value, not the period's requests (audit20: ``Average`` of an ALB's
#: RequestCount made 600 requests in two datapoints 300, a rate half the true one).
_COUNT_STATISTICS = ("Sum", "SampleCount")


def _check_statistic(statistic: str) -> None:
    if statistic in _COUNT_STATISTICS:
        return
    close = [s for s in _COUNT_STATISTICS if s.lower() == statistic.lower()]
    hint = f"; did you mean {close[0]!r}? (CloudWatch statistics are case-sensitive)" if close \
        else ""
    raise TrafficError(
        f"CloudWatch statistic {statistic!r} is not a count of requests per period: use Sum (a "
        "count metric such as an ALB's RequestCount) or SampleCount (the datapoints in each "
        "period); an Average, Minimum, Maximum or percentile divided by the period is not the "
        f"request rate{hint}"
    )


def _periods(start: datetime, end: datetime, period_s: int, namespace: str,
             period_option: str) -> int:
    """How many whole periods of ``period_s`` make ``[start, end)`` (UTC), refusing a period,
    range or start GetMetricData would answer with shifted, missing or partial datapoints."""
    span_s = (end - start).total_seconds()
    if period_s <= 0 or period_s % 60 and period_s not in _HIGH_RESOLUTION_S:
        raise TrafficError(
            f"CloudWatch {period_option} (={period_s}) must be 1, 5, 10, 20, 30 or a multiple of "
            "60 seconds"
        )
    if period_s < 60 and namespace.startswith("AWS/"):
        # MetricStat.Period: a regular-resolution metric's period is a multiple of 60; a shorter
        # one would put each minute's count into one sub-minute bin (a peak N times too high)
        raise TrafficError(
            f"CloudWatch {period_option} (={period_s}) is under 60 s, but {namespace} is "
            "published by an AWS service at standard (60 s) resolution; use a multiple of 60 "
            "(periods of 1, 5, 10, 20 or 30 s are for high-resolution custom metrics)"
        )
    n = int(span_s // period_s)
    if n < 1:
        raise TrafficError(
            f"CloudWatch range {start.isoformat()} .. {end.isoformat()} is shorter than one period "
            f"of {period_s} s; widen the range or shorten {period_option}"
        )
    if n * period_s != span_s:  # the trailing partial period would be left out
        raise TrafficError(
            f"CloudWatch range {start.isoformat()} .. {end.isoformat()} ({span_s:g} s) is not a "
            f"whole number of periods of {period_s} s; end at "
            f"{(start + timedelta(seconds=n * period_s)).isoformat()} or "
            f"{(start + timedelta(seconds=(n + 1) * period_s)).isoformat()}"
        )
    align_s = _alignment_s(period_s)
    off_s = (start - _EPOCH).total_seconds() % align_s
    if off_s:
        before = start - timedelta(seconds=off_s)
        raise TrafficError(
            f"CloudWatch start {start.isoformat()} is not on a {align_s} s clock boundary for a "
            f"period of {period_s} s: CloudWatch rounds the start down (to the minute, to 5 "
            "minutes for data 15 to 63 days old, to the hour beyond), so its datapoints would "
            f"land in the wrong periods; start at {before.isoformat()} or "
            f"{(before + timedelta(seconds=align_s)).isoformat()}"
        )
    return n


def _fetch_counts(client: Any, region_name: str | None, dimensions: Mapping[str, str],
                  start: datetime, end: datetime, n: int, *, namespace: str, metric_name: str,
                  statistic: str, period_s: int, series: str) -> np.ndarray:
    """The ``statistic`` of each of the ``n`` periods from ``start`` (requests a period), read
    page by page; AWS's errors and an empty answer become one :class:`TrafficError`."""
    import botocore.exceptions  # boto3 is imported lazily: only this loader needs it

    query = {
        "Id": "traffic",
        "MetricStat": {
            "Metric": {
                "Namespace": namespace,
                "MetricName": metric_name,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            },
            "Period": int(period_s),
            "Stat": statistic,
        },
        "ReturnData": True,
    }
    counts = np.zeros(n, dtype=np.float64)
    seen = 0
    failed: list[str] = []  # results CloudWatch marks InternalError or Forbidden
    last_status = None  # PartialData on the last page: no NextToken fetches the rest
    try:
        if client is None:
            import boto3

            client = boto3.client("cloudwatch", region_name=region_name)
        pages = client.get_paginator("get_metric_data").paginate(
            MetricDataQueries=[query], StartTime=start, EndTime=end, ScanBy="TimestampAscending"
        )
        for page in pages:
            # a message about the whole call: "as much of the operation as possible is still
            # executed" (GetMetricDataOutput.Messages), so some periods may be missing
            failed += [f"{m.get('Code')}: {m.get('Value')}" for m in page.get("Messages", [])]
            for result in page.get("MetricDataResults", []):
                last_status = result.get("StatusCode")
                if last_status in ("InternalError", "Forbidden"):
                    said = "; ".join(f"{m.get('Code')}: {m.get('Value')}"
                                     for m in result.get("Messages", []))
                    failed.append(str(result["StatusCode"]) + (f" ({said})" if said else ""))
                for stamp, value in zip(result.get("Timestamps", []), result.get("Values", [])):
                    i = int((as_utc(stamp) - start).total_seconds() // period_s)
                    if 0 <= i < n and math.isfinite(value):
                        counts[i] += value
                        seen += 1
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        raise TrafficError(f"CloudWatch GetMetricData for {series} failed: "
                           f"{aws_error_text(exc, 'cloudwatch:GetMetricData')}") from None
    if last_status == "PartialData":
        failed.append("PartialData on its last page (no NextToken to fetch the rest)")
    if failed:
        # the periods such a result left out would be written as 0 requests, a quiet night
        raise TrafficError(
            f"CloudWatch GetMetricData for {series} answered {failed[0]} for "
            f"{start.isoformat()} .. {end.isoformat()}: the periods it left out would read as 0 "
            "requests; run it again (InternalError), or check the permission to read the "
            "metric in its account (Forbidden)"
        )
    if seen == 0:
        # a metric is stored per exact set of dimensions: an ELB target group's counts carry its
        # load balancer too (TargetGroup, LoadBalancer), so a TargetGroup alone matches nothing
        hint = (" (a target group's metrics are published with its LoadBalancer dimension too: "
                "add it)") if namespace.startswith("AWS/") and "TargetGroup" in dimensions \
            and "LoadBalancer" not in dimensions else ""
        raise TrafficError(
            f"CloudWatch returned no datapoints for {series} between {start.isoformat()} and "
            f"{end.isoformat()}; check the dimension values (names and values are "
            f"case-sensitive){hint} and the region; if they are right, it served no requests "
            "then (an ALB publishes no datapoint for a period without requests): choose a busier "
            "range"
        )
    return counts
