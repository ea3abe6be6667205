"""Reading a plan's traffic scenarios (real CSV curves, synthetic shapes, load tests) and SLOs."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra_toolkit import plan_domain as domain
from infra_toolkit.errors import quoted
from infra_toolkit.plan import SLO_PERCENTILES
from infra_toolkit.plan_fields import FieldReader, did_you_mean, join_path
from infra_toolkit.plan_files import referenced_file
from infra_toolkit.plan_scenario_types import CsvTraffic, LoadTest, Scenario, Slo, SyntheticTraffic
from infra_toolkit.plan_traffic import SHAPES, shape_parameters

__all__ = ["read_scenarios", "read_slos"]


def read_scenarios(r: FieldReader, data: Mapping[str, Any], base_dir: Path, required: bool,
                   step_s: float) -> tuple[Scenario, ...] | None:
    """The scenarios, each checked by drawing its curve at ``step_s`` seconds per step."""
    why = "; workloads need traffic scenarios to be simulated"
    before = r.count()
    out = []
    for p, m in r.items(data, "", "scenarios", ("name", "description", "csv", "synthetic",
                                              "load_test"), ("name", "description"),
                       why=why, list_required=required):
        sources = [k for k in ("csv", "synthetic", "load_test") if k in m]
        if len(sources) != 1:
            r.add(p, f"give exactly one traffic source: csv, synthetic or load_test (got "
                     f"{', '.join(sources) or 'none'})")
            continue
        kind = sources[0]
        reader = {"csv": _csv_traffic, "synthetic": _synthetic_traffic, "load_test": _load_test}
        traffic = reader[kind](r, m[kind], join_path(p, kind), base_dir)
        name, description = r.str_(m, "name", p), r.str_(m, "description", p)
        if traffic is not None and name is not None and description is not None:
            out.append(Scenario(name, description, traffic))
            domain.check_scenario(r, out[-1], join_path(p, kind), step_s)
    r.unique_names([(join_path(join_path("scenarios", i), "name"), s.name)
                    for i, s in enumerate(out)], "scenario")
    return None if r.count() > before else tuple(out)


def _csv_traffic(r: FieldReader, raw: Any, p: str, base_dir: Path) -> CsvTraffic | None:
    m = r.mapping(raw, p, ("path", "start", "end", "scale", "peak_rps", "interpolate_gaps"),
                  ("path",))
    if m is None:
        return None
    before = r.count()
    csv_path = referenced_file(r, m.get("path"), join_path(p, "path"), base_dir)
    start, end = _timestamp(r, m, "start", p), _timestamp(r, m, "end", p)
    scale = r.number(m, "scale", p, required=False, minimum=0, exclusive_minimum=True)
    peak = r.number(m, "peak_rps", p, required=False, minimum=0, exclusive_minimum=True)
    interpolate = r.bool_(m, "interpolate_gaps", p, default=False)
    if "scale" in m and "peak_rps" in m:
        r.add(join_path(p, "peak_rps"), "give scale or peak_rps, not both")
    if start is not None and end is not None and end <= start:
        r.add(join_path(p, "end"), f"{end.isoformat()} must be after start {start.isoformat()}")
    if r.count() > before or csv_path is None or interpolate is None:
        return None
    zoneless = tuple(k for k in ("start", "end") if _written_without_zone(m.get(k)))
    return CsvTraffic(csv_path, start, end, scale, peak, interpolate, zoneless)


def _written_without_zone(value: Any) -> bool:
    """Whether a ``start`` / ``end`` as YAML gave it is a time without a zone (read as UTC)."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return False
    return isinstance(value, dt.datetime) and value.tzinfo is None


def _timestamp(r: FieldReader, m: Mapping[str, Any], key: str, p: str) -> dt.datetime | None:
    if key not in m:
        return None
    value = m[key]
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            stamp = dt.datetime.fromisoformat(value.strip())
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
        except ValueError:
            pass
    r.add(join_path(p, key), f"expected an ISO 8601 time such as 1995-07-13T12:00:00Z, got "
                             f"{quoted(value)}")
    return None


def _synthetic_traffic(r: FieldReader, raw: Any, p: str, base_dir: Path
                       ) -> SyntheticTraffic | None:
    m = r.mapping(raw, p, required=("shape", "duration"))
    if m is None:
        return None
    before = r.count()
    shape = r.str_(m, "shape", p)
    duration = r.duration_s(m, "duration", p)
    known = set(sum(shape_parameters(shape), ())) if shape in SHAPES else None
    params = {}
    for key in m:
        if key in ("shape", "duration"):
            continue
        if known is not None and key not in known:
            # its value is moot: the shape check says the key is not the shape's, not that
            # '30m' is not a number (at: '30m' for at_s)
            params[key] = math.nan
            continue
        number = r.number(m, key, p)
        if number is not None:
            params[key] = number
    if r.count() > before or shape is None or duration is None:
        return None
    traffic = SyntheticTraffic(shape, duration, params)
    return traffic if domain.check_synthetic_parameters(r, traffic, p) else None


def _load_test(r: FieldReader, raw: Any, p: str, base_dir: Path) -> LoadTest | None:
    keys = ("users", "think_time", "response_time", "requests_per_iteration",
            "requests_per_user_per_s", "ramp_up", "hold", "ramp_down")
    m = r.mapping(raw, p, keys, ("users", "ramp_up", "hold"))
    if m is None:
        return None
    before = r.count()
    users = r.int_(m, "users", p, minimum=1)
    per_iteration = r.int_(m, "requests_per_iteration", p, required=False, minimum=1, default=1)
    think = r.duration_s(m, "think_time", p, required=False, zero_ok=True)
    response = r.duration_s(m, "response_time", p, required=False)
    direct = r.number(m, "requests_per_user_per_s", p, required=False, minimum=0,
                      exclusive_minimum=True)
    if ("think_time" in m) == ("requests_per_user_per_s" in m):
        r.add(p, "give think_time (with response_time) or requests_per_user_per_s, exactly one")
    elif think == 0 and response is None and "response_time" not in m:
        # X = N / (R + Z) with Z = 0: each user's rate is 1 / R, which only R can give
        r.add(join_path(p, "think_time"), "0s without response_time: with no think time each "
                                          "user sends its next request as soon as the last "
                                          "returns, so its rate is 1 / response_time; give "
                                          "response_time (e.g. 200ms) or "
                                          "requests_per_user_per_s instead")
    ramp_up = r.duration_s(m, "ramp_up", p, zero_ok=True)
    hold = r.duration_s(m, "hold", p)
    ramp_down = r.duration_s(m, "ramp_down", p, required=False, zero_ok=True) or 0.0
    if r.count() > before or None in (users, per_iteration, ramp_up, hold):
        return None
    assert users is not None and per_iteration is not None and ramp_up is not None
    assert hold is not None
    cycle_s = (think or 0.0) + (response or 0.0)
    per_user = direct if direct is not None else per_iteration / cycle_s
    return LoadTest(users=users, requests_per_user_per_s=per_user, ramp_up_s=ramp_up,
                    hold_s=hold, ramp_down_s=ramp_down, think_time_s=think,
                    response_time_s=response, requests_per_iteration=per_iteration)


def read_slos(r: FieldReader, data: Mapping[str, Any], workloads: set[str], required: bool
          ) -> tuple[Slo, ...] | None:
    """``slos``: latency SLOs (a simulated percentile, threshold in ms) and availability SLOs
    (objective in %), each for one of ``workloads`` or all; the list is required when
    ``required``. ``None`` after recording every problem on ``r``."""
    before = r.count()
    out, paths = [], []
    keys = ("name", "metric", "percentile", "threshold_ms", "objective_pct", "workload")
    for p, m in r.items(data, "", "slos", keys, ("name", "metric"), list_required=required,
                       why="; workloads need SLOs to judge the simulation by"):
        metric = r.str_(m, "metric", p, choices=("latency", "availability"))
        name = r.str_(m, "name", p)
        fields: dict[str, Any] = {}
        if metric == "latency":
            for key in ("objective_pct",):
                if key in m:
                    r.add(join_path(p, key), "belongs to availability SLOs; remove it")
            fields["percentile"] = r.int_(m, "percentile", p)
            if fields["percentile"] is not None and fields["percentile"] not in SLO_PERCENTILES:
                r.add(join_path(p, "percentile"), f"{fields['percentile']} is not simulated; use "
                                                  f"one of {', '.join(map(str, SLO_PERCENTILES))}")
            fields["threshold_ms"] = r.number(m, "threshold_ms", p, minimum=0,
                                              exclusive_minimum=True)
        elif metric == "availability":
            for key in ("percentile", "threshold_ms"):
                if key in m:
                    r.add(join_path(p, key), "belongs to latency SLOs; remove it")
            fields["objective_pct"] = r.number(m, "objective_pct", p, minimum=0,
                                               exclusive_minimum=True, maximum=100)
        workload = r.str_(m, "workload", p, required=False)
        if workload is not None and workload not in workloads:
            # the closest name, not all of them: an estate of 25 workloads made this one line
            # of 400 characters (audit15 A15-3)
            hint = did_you_mean(workload, workloads) or "; workloads: none"
            r.add(join_path(p, "workload"), f"no workload named {quoted(workload)}{hint}")
        if name is not None and metric is not None and None not in fields.values():
            out.append(Slo(name, metric, workload=workload, **fields))
            paths.append(join_path(p, "name"))
    # the report's, simulate's and sweep's figures are keyed by SLO name: a second SLO of one
    # name (a YAML alias repeating one, a copied line) would hide the first's figures
    r.unique_names(list(zip(paths, (s.name for s in out), strict=True)), "SLO")
    return None if r.count() > before else tuple(out)
