"""The ``traffic`` subcommand: capture a real request-rate curve as a CSV a plan can replay.

``infra-toolkit traffic cloudwatch`` is the one command that reads CloudWatch (the user asks
for it by running it); the plan then names the CSV it wrote, so reports and their digests never
depend on the network. Beside the CSV goes an origin note (``NAME.md``, as for the shipped
traces): what was asked of which account's region, and when.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from infra_toolkit import utc
from infra_toolkit.cli_simulate import ascii_number
from infra_toolkit.errors import TrafficError
from infra_toolkit.utc import as_utc

if TYPE_CHECKING:
    from infra_toolkit.cli_review import Runner, SubParsers
    from infra_toolkit.traffic import TrafficCurve

__all__ = ["TRAFFIC_COMMANDS", "empty_runs", "origin_note"]


def _add_traffic(sub: SubParsers) -> None:
    p = sub.add_parser("traffic", help="capture a traffic curve as a CSV (from CloudWatch)",
                       description="Capture a service's traffic once as a CSV a plan's scenario "
                       "replays (csv: {path: ...}, docs/PLAN.md).")
    actions = p.add_subparsers(dest="traffic_command", metavar="ACTION", required=True)
    cw = actions.add_parser(
        "cloudwatch", help="request rate from CloudWatch GetMetricData into a CSV",
        description="Read a request count from CloudWatch (default: an ALB's RequestCount, "
                    "summed per period) and write it as timestamp,requests_per_second at the "
                    "period's step, with an origin note NAME.md beside it. A period without a "
                    "datapoint counts 0 requests (CloudWatch publishes none when there were none). "
                    "With `pricing refresh` and `pricing spot`, the only commands that call AWS.")
    target = cw.add_mutually_exclusive_group(required=True)
    target.add_argument("--load-balancer", metavar="ID", help="the ALB's LoadBalancer dimension, "
                        "e.g. app/shop/50dc6c495c0c9188 (the end of its ARN; a whole ARN is cut "
                        "to it)")
    target.add_argument("--dimension", metavar="NAME=VALUE", action="append",
                        help="a dimension of the metric (repeatable), for another metric")
    cw.add_argument("--start", required=True, metavar="ISO", help="first instant, ISO-8601 "
                    "(e.g. 2026-11-23T00:00:00Z; no zone means UTC)")
    cw.add_argument("--end", required=True, metavar="ISO", help="end of the range (excluded)")
    cw.add_argument("--period-s", type=ascii_number(int), default=60, metavar="SECONDS",
                    help="CloudWatch period, seconds (a multiple of 60, default 60; 1, 5, 10, "
                         "20 or 30 only for a high-resolution custom metric)")
    cw.add_argument("--namespace", default="AWS/ApplicationELB",
                    help="the metric's namespace (default AWS/ApplicationELB)")
    cw.add_argument("--metric", default="RequestCount", help="a count metric (default "
                    "RequestCount)")
    # refused by argparse, before the AWS client is made: an unconfigured region was said first
    cw.add_argument("--statistic", default="Sum", choices=("Sum", "SampleCount"),
                    help="per-period statistic giving the request count: Sum (default) or "
                    "SampleCount (an Average or percentile is one datapoint's value, not the "
                    "period's requests)")
    cw.add_argument("--region", help="AWS region (default: the SDK's, e.g. AWS_REGION)")
    cw.add_argument("--profile", help="AWS profile (default: the SDK's credential chain)")
    cw.add_argument("--out", required=True, metavar="PATH.csv", help="CSV to write (replaced "
                    "atomically); the origin note goes to PATH.md")


def _instant(text: str, flag: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise TrafficError(f"traffic cloudwatch {flag}: {text!r} is not an ISO-8601 time; write "
                           "e.g. 2026-11-23T00:00:00Z") from None
    return as_utc(moment)


# CloudWatch's ELB dimensions holding the end of an ARN (app/shop/50dc6c495c0c9188,
# targetgroup/shop/0123456789abcdef)
_ARN_DIMENSIONS = ("LoadBalancer", "TargetGroup")


def _dimension_value(name: str, value: str, flag: str) -> str:
    """``value`` as CloudWatch's ``name`` dimension holds it: a whole ELB ARN (what the console
    and ``aws elbv2 describe-load-balancers`` show) cut to its end, which is the dimension's
    value; asked with the ARN, CloudWatch returned no datapoints, told as a wrong dimension."""
    if not value.startswith("arn:") or name not in _ARN_DIMENSIONS:
        return value
    cut = value.partition(":loadbalancer/")[2] if name == "LoadBalancer" else \
        value.rpartition(":")[2]
    if not cut.startswith(("app/", "net/", "gwy/", "targetgroup/")):
        raise TrafficError(f"traffic cloudwatch {flag} {value!r}: an ARN, but not of a load "
                           "balancer or target group; give its ARN or the end of it (e.g. "
                           "app/shop/50dc6c495c0c9188)")
    return cut


def _dimensions(args: argparse.Namespace) -> dict[str, str]:
    if args.load_balancer:
        return {"LoadBalancer": _dimension_value("LoadBalancer", args.load_balancer,
                                                 "--load-balancer")}
    dims: dict[str, str] = {}
    for item in args.dimension:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise TrafficError(f"traffic cloudwatch --dimension {item!r}: write NAME=VALUE, e.g. "
                               "--dimension TargetGroup=targetgroup/shop/0123456789abcdef")
        if name.strip() in dims:
            raise TrafficError(f"traffic cloudwatch --dimension {name.strip()!r} is given twice; "
                               "a metric has one value per dimension")
        dims[name.strip()] = _dimension_value(name.strip(), value.strip(), "--dimension")
    return dims


def _client(profile: str | None, region: str | None) -> object:
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        session = boto3.Session(profile_name=profile) if profile else boto3.Session()
        return session.client("cloudwatch", region_name=region)
    except BotoCoreError as exc:  # an unknown profile, no region anywhere
        raise TrafficError(f"cannot create the CloudWatch client: {exc}; check --profile and "
                           "--region (or AWS_REGION)") from None


def empty_runs(curve: TrafficCurve) -> list[tuple[int, int]]:
    """The runs of rows at 0 requests per second (for a captured count: periods CloudWatch
    published no datapoint for), as (first row, rows), in order."""
    runs: list[tuple[int, int]] = []
    for i, zero in enumerate(curve.rps == 0):
        if not zero:
            continue
        if runs and runs[-1][0] + runs[-1][1] == i:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((i, 1))
    return runs


def _empty_text(curve: TrafficCurve) -> str:
    """The empty runs in words: how many, and the longest with its start ("none" if none)."""
    from infra_toolkit.report_html import duration_text

    runs = empty_runs(curve)
    if not runs:
        return "none"
    first, n = max(runs, key=lambda r: r[1])
    start = "" if curve.start is None else (
        " from " + (curve.start + timedelta(seconds=first * curve.step_s))
        .strftime("%Y-%m-%dT%H:%M:%SZ"))
    total = sum(r[1] for r in runs)
    return (f"{len(runs)} run(s), {total} period(s) in all; the longest "
            f"{duration_text(n * curve.step_s)}{start}")


def origin_note(csv_name: str, curve: TrafficCurve, request: dict[str, object],
                retrieved: datetime, argv: Sequence[str]) -> str:
    """The Markdown origin note written beside a captured CSV: what was asked (``request``: the
    GetMetricData inputs), when (``retrieved``, UTC), by which command, and the curve's shape."""
    peak = float(curve.rps.max())
    rows = "\n".join(f"| {k} | {v} |" for k, v in request.items())
    return (
        f"# {csv_name}\n\n"
        "Captured from Amazon CloudWatch `GetMetricData` by `infra-toolkit traffic cloudwatch`: "
        "each period's statistic (a request count) divided by the period gives "
        "`requests_per_second`; a period without a datapoint is 0 requests.\n\n"
        "| field | value |\n|---|---|\n"
        f"{rows}\n"
        f"| rows | {curve.rps.size} of {curve.step_s:g} s |\n"
        f"| mean / peak | {float(curve.rps.mean()):.4g} / {peak:.4g} requests per second |\n"
        f"| periods without a datapoint (0 requests) | {_empty_text(curve)} |\n"
        f"| retrieved | {retrieved.strftime('%Y-%m-%dT%H:%M:%SZ')} |\n\n"
        f"Command: `{shlex.join(['infra-toolkit', *argv])}`\n"
    )


def _run_traffic(args: argparse.Namespace) -> int:
    from infra_toolkit.atomic import replace_file
    from infra_toolkit.pricing_tables import check_region_code
    from infra_toolkit.traffic import get_cloudwatch_traffic
    from infra_toolkit.traffic_cloudwatch import check_cloudwatch_range, check_metric_names
    from infra_toolkit.traffic_csv_write import write_traffic_csv

    out = Path(args.out)
    if out.suffix.lower() != ".csv":
        raise TrafficError(f"traffic cloudwatch --out {args.out!r}: name a .csv file (the origin "
                           "note is written beside it as .md)")
    start, end = _instant(args.start, "--start"), _instant(args.end, "--end")
    if end <= start:
        raise TrafficError(f"traffic cloudwatch --end {args.end} is not after --start "
                           f"{args.start}; give the range's first instant, then its end")
    if (end - start).total_seconds() < 2 * args.period_s:
        # a one-row CSV does not say how long its row lasts: a plan could not read it back
        raise TrafficError(f"traffic cloudwatch --start {args.start} --end {args.end}: the range "
                           f"is under two periods of {args.period_s} s, so the CSV would have "
                           "one row and no interval a plan can read; end at least "
                           f"{(start + timedelta(seconds=2 * args.period_s)).isoformat()}, or "
                           "shorten --period-s")
    # blank ones were sent to AWS as is (--namespace "$NS" with NS unset): the library's check
    check_metric_names(args.namespace, args.metric, caller="traffic cloudwatch",
                       namespace_option="--namespace", metric_option="--metric")
    dims = _dimensions(args)
    if args.region is not None:  # a typo ('xx') was passed to AWS, and said as no credentials
        check_region_code(args.region, "traffic cloudwatch --region")
    retrieved = utc.utc_now()  # also bounds the range: CloudWatch answers by the data's age
    # the request's own faults before the client's (a missing region, credentials)
    check_cloudwatch_range(start, end, namespace=args.namespace, statistic=args.statistic,
                           period_s=args.period_s, now=retrieved, period_option="--period-s")
    curve = get_cloudwatch_traffic(dims, start, end, namespace=args.namespace, now=retrieved,
                                   metric_name=args.metric, statistic=args.statistic,
                                   period_s=args.period_s, name=out.stem,
                                   client=_client(args.profile, args.region))
    write_traffic_csv(curve, out)
    request: dict[str, object] = {
        "namespace / metric / statistic": f"`{args.namespace}` `{args.metric}` `{args.statistic}`",
        "dimensions": ", ".join(f"`{k}={v}`" for k, v in dims.items()),
        "region": args.region or "the SDK default",
        "range (UTC)": f"{start.isoformat()} .. {end.isoformat()} (end excluded)",
        "period": f"{args.period_s} s",
    }
    note = origin_note(out.name, curve, request, retrieved, args.argv)
    try:
        replace_file(out.with_suffix(".md"), note.encode("utf-8"))
    except OSError as exc:
        raise TrafficError(f"wrote {out} but not its origin note {out.with_suffix('.md')}: "
                           f"{exc.strerror or exc}") from None
    print(f"{out}: {curve.rps.size} rows of {curve.step_s:g} s, mean "
          f"{float(curve.rps.mean()):.4g} rps, peak {float(curve.rps.max()):.4g} rps "
          f"(origin note {out.with_suffix('.md')})")
    if empty_runs(curve):  # quiet periods, or the metric missing: only the user can tell
        print(f"periods without a datapoint, written as 0 requests: {_empty_text(curve)}; "
              "check they were quiet, not a gap in the metric")
        unpublished = _unpublished_text(curve, end, retrieved)
        if unpublished:
            print(unpublished)
    return 0


#: How soon before a capture a period may still be unpublished, seconds. CloudWatch states no
#: latency; third-party collectors see about 2 minutes for 1-minute metrics and 5 to 10 for
#: 5-minute ones (Datadog, "Cloud Metric Delay"): 15 minutes covers both with room.
_PUBLISH_DELAY_S = 900


def _unpublished_text(curve: TrafficCurve, end: datetime, retrieved: datetime) -> str:
    """For a capture whose last periods have no datapoint and end within
    :data:`_PUBLISH_DELAY_S` of ``retrieved``: that they may be unpublished, not quiet (a drop
    to 0 at the end of a capture that ran up to the present); else ""."""
    first, n = empty_runs(curve)[-1]
    ago_s = (retrieved - end).total_seconds()
    if first + n != curve.rps.size or ago_s >= _PUBLISH_DELAY_S:
        return ""
    from infra_toolkit.report_html import duration_text

    return (f"the last {n} period(s) have no datapoint and the range ended "
            f"{duration_text(ago_s)} before this capture: CloudWatch may not have published "
            "them yet, so their 0 requests may be a delay, not a quiet end; capture again in "
            "15 minutes, or end the range earlier")


TRAFFIC_COMMANDS: list[tuple[Callable[[SubParsers], None], str, Runner]] = [
    (_add_traffic, "traffic", _run_traffic),
]
