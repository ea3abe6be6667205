"""Reading a plan's operational sections: deployment strategy, monitoring and alerts, rollback,
testing, security checklist, timeline and risks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra_toolkit.errors import quoted
from infra_toolkit.plan import (
    ALERT_SEVERITIES,
    LIKELIHOODS,
    SECURITY_STATUSES,
    SEVERITIES,
    STRATEGY_TYPES,
    TEST_TYPES,
    _seed_rule,
)
from infra_toolkit.plan_fields import FieldReader, did_you_mean, join_path
from infra_toolkit.plan_operations_types import (
    CANARY_SCOPES,
    AlertRule,
    CanaryStep,
    Dashboard,
    DeploymentStrategy,
    Metric,
    Monitoring,
    Phase,
    Risk,
    RollbackPlan,
    RollbackTrigger,
    SecurityItem,
    SimulatedCondition,
    TestItem,
)
from infra_toolkit.update_strategy import is_zero_amount

__all__ = ["read_monitoring", "read_risks", "read_rollback", "read_security", "read_strategy",
           "read_testing", "read_timeline"]


#: The block each strategy type needs, as its message writes it (docs/PLAN.md).
_STRATEGY_BLOCKS = {
    "rolling": "{max_surge, max_unavailable}",
    "canary": "{traffic_router, steps: [{weight_pct, pause}], analysis, scope, start}",
    "blue_green": "{preview, auto_promote, scale_down_delay}",
}


def read_strategy(r: FieldReader, raw: Any, workloads: set[str] | None = None
                  ) -> DeploymentStrategy | None:
    """``deployment_strategy``: its type and that type's parameters (rolling surge, canary
    steps, blue/green preview) and the proposed workloads it rolls (``workloads``: the names
    they may be; all of them when it names none), or ``None`` after recording every problem on
    ``r``."""
    p = "deployment_strategy"
    m = r.mapping(raw, p, ("type", "description", "rolling", "canary", "blue_green",
                           "workloads"), ("type", "description"))
    if m is None:
        return None
    before = r.count()
    kind = r.str_(m, "type", p, choices=STRATEGY_TYPES)
    description = r.str_(m, "description", p)
    section = {"rolling": "rolling", "canary": "canary", "blue-green": "blue_green"}
    for key in section.values():
        # an invalid type is its own problem: which block belongs is then unknown
        if kind is not None and key in m and section.get(kind) != key:
            r.add(join_path(p, key), f"does not apply to type {quoted(kind)}; remove it")
    fields: dict[str, Any] = {}
    sub_key = section.get(kind or "")
    if sub_key is not None:
        sp = join_path(p, sub_key)
        reader = {"rolling": _rolling, "canary": _canary, "blue_green": _blue_green}[sub_key]
        if sub_key not in m:  # before: "expected a mapping (...), got nothing (null)"
            r.add(sp, f"missing: type {quoted(kind)} needs its block; add `{sub_key}: "
                      f"{_STRATEGY_BLOCKS[sub_key]}`")
        elif (sub := r.mapping(m[sub_key], sp, what=f" (the {kind} parameters)")) is not None:
            fields = reader(r, sub, sp)
    names = r.str_list(m, "workloads", p, required=False,
                       why="; name the proposed workloads this strategy rolls") or ()
    for i, name in enumerate(names):
        if workloads is not None and name not in workloads:
            r.add(join_path(join_path(p, "workloads"), i),
                  f"no proposed workload named {quoted(name)}" + did_you_mean(name, workloads))
        elif name in names[:i]:
            r.add(join_path(join_path(p, "workloads"), i), f"{quoted(name)} is named twice")
    if r.count() > before or kind is None or description is None:
        return None
    return DeploymentStrategy(kind, description, **fields, workloads=names)


def _surge(r: FieldReader, m: Mapping[str, Any], key: str, p: str) -> int | str | None:
    value = m.get(key, 0)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    # the API server caps only maxUnavailable at 100 % (IsNotMoreThan100Percent)
    capped = key == "max_unavailable"
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit() \
            and (not capped or int(value[:-1]) <= 100):
        return value
    what = "a percentage of at most 100% like '25%'" if capped else "a percentage like '25%'"
    r.add(join_path(p, key), f"expected a pod count >= 0 or {what}, got {quoted(value)}")
    return None


def _rolling(r: FieldReader, m: Mapping[str, Any], p: str) -> dict[str, Any]:
    r.mapping(m, p, ("max_surge", "max_unavailable"), ("max_surge", "max_unavailable"))
    surge, unavailable = _surge(r, m, "max_surge", p), _surge(r, m, "max_unavailable", p)
    if is_zero_amount(surge) and is_zero_amount(unavailable):
        r.add(p, "max_surge and max_unavailable cannot both be 0 (the rollout could never "
                 "progress); allow a surge, e.g. max_surge: 25%")
    return {"max_surge": surge, "max_unavailable": unavailable}


def _canary(r: FieldReader, m: Mapping[str, Any], p: str) -> dict[str, Any]:
    r.mapping(m, p, ("traffic_router", "steps", "analysis", "scope", "start"),
              ("traffic_router", "steps"))
    steps = []
    last = 0.0
    for sp, s in r.items(m, p, "steps", ("weight_pct", "pause"), ("weight_pct",)):
        weight = r.number(s, "weight_pct", sp, minimum=0, exclusive_minimum=True, maximum=100)
        pause: float | None = None  # manual: a person promotes
        written = s.get("pause")
        if isinstance(written, str) and written != "manual" and \
                written.strip().lower() == "manual":
            r.add(join_path(sp, "pause"), f"{quoted(written)} is not a duration; write manual "
                                          "(lower case) to wait for a person")
        elif written != "manual":
            # Argo Rollouts completes a rollout once its steps are done, without a person: the
            # 100 % step left without a pause waits 0 s, as does an explicit 0s (Argo's
            # pause: {duration: 0}); any other step must say how long it waits, or manual
            pause = r.duration_s(s, "pause", sp, required=False, zero_ok=True)
            if written is None and weight is not None and weight != 100:
                r.add(join_path(sp, "pause"), "missing: a step before the 100 % one waits a "
                      "duration (10m, or 0s for none) or manual (until a person promotes); "
                      "only the 100 % step may leave it out, the rollout then completing")
            pause = 0.0 if written is None else pause
        if weight is not None and weight <= last:
            r.add(join_path(sp, "weight_pct"), f"{weight:g} must be above the previous step's "
                                               f"{last:g}: weights only go up")
        if weight is not None:
            last = weight
            steps.append(CanaryStep(weight, pause))
    if steps and last != 100:
        r.add(join_path(p, "steps"), f"the last step shifts {last:g}%; end with weight_pct: 100 "
                                     "so the rollout completes")
    scope = r.str_(m, "scope", p, required=False, choices=CANARY_SCOPES) or "pods"
    start = _time_of_day_s(r, m, "start", p)
    if start is not None and scope != "stack":
        r.add(join_path(p, "start"), "is read only for scope: stack (the report simulates a "
                                     "whole-stack canary's traffic from it); remove it or set "
                                     "scope: stack")
    return {"steps": tuple(steps), "traffic_router": r.str_(m, "traffic_router", p),
            "analysis": r.str_(m, "analysis", p, required=False), "canary_scope": scope,
            "canary_start_s": start}


def _time_of_day_s(r: FieldReader, m: Mapping[str, Any], key: str, p: str) -> float | None:
    """``m[key]`` as a time of day ``HH:MM`` (24-hour clock), seconds after 00:00."""
    if key not in m:
        return None
    value, path = m[key], join_path(p, key)
    hint = "write a time of day in quotes, e.g. start: '04:00'"
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 4:00 as the base-60 number 240: say the time it was
        if 0 <= value < 24 * 60:
            hint = f"write it in quotes: {key}: '{value // 60:02d}:{value % 60:02d}'"
        r.add(path, f"expected a time of day as text, got the number {value} (YAML reads an "
                    f"unquoted H:MM as a base-60 number); {hint}")
        return None
    parts = value.split(":") if isinstance(value, str) else []
    if (len(parts) != 2 or not all(x.isdigit() and len(x) == 2 for x in parts)
            or int(parts[0]) > 23 or int(parts[1]) > 59):
        r.add(path, f"{quoted(value)} is not a time of day HH:MM from 00:00 to 23:59; {hint}")
        return None
    return int(parts[0]) * 3600.0 + int(parts[1]) * 60.0


def _blue_green(r: FieldReader, m: Mapping[str, Any], p: str) -> dict[str, Any]:
    r.mapping(m, p, ("preview", "auto_promote", "scale_down_delay"), ("preview",))
    return {"preview_s": r.duration_s(m, "preview", p),
            "auto_promote": r.bool_(m, "auto_promote", p, default=False),
            "scale_down_delay_s": r.duration_s(m, "scale_down_delay", p, required=False)}


def read_monitoring(r: FieldReader, raw: Any, workloads: set[str] | None = None,
                    autoscaled: tuple[str, ...] | None = None) -> Monitoring | None:
    """``monitoring``: metrics, dashboards and alerts (names unique, ``for`` in seconds; a
    ``simulated`` condition's ``workload`` one of ``workloads`` when given, and one of the
    ``autoscaled`` workloads, those with an HPA, in plan order, when given), or ``None`` after
    recording every problem on ``r``."""
    why = _seed_rule("monitoring")
    m = r.mapping(raw, "monitoring", ("metrics", "dashboards", "alerts"),
                  ("metrics", "dashboards", "alerts"), what=why)
    if m is None:
        return None
    before = r.count()
    metrics = []
    for p, x in r.items(m, "monitoring", "metrics", ("name", "source", "description")):
        t = r.texts(x, p, ("name", "source"), ("description",))
        if t is not None:
            metrics.append(Metric(**t))
    dashboards = []
    for p, x in r.items(m, "monitoring", "dashboards", ("name", "url", "panels")):
        panels = r.str_list(x, "panels", p)
        t = r.texts(x, p, ("name",), ("url",))
        if t is not None and panels is not None:
            dashboards.append(Dashboard(panels=panels, **t))
    alerts = []
    for p, x in r.items(m, "monitoring", "alerts", ("name", "expr", "for", "severity",
                                                    "summary", "runbook", "simulated")):
        before_alert = r.count()
        for_s = r.duration_s(x, "for", p, minimum_s=0.0) if "for" in x else 0.0
        severity = r.str_(x, "severity", p, choices=ALERT_SEVERITIES)
        t = r.texts(x, p, ("name", "expr", "summary"), ("runbook",))
        simulated = _simulated(r, x["simulated"], join_path(p, "simulated"), workloads,
                               autoscaled) if "simulated" in x else None
        if r.count() == before_alert and t is not None and for_s is not None \
                and severity is not None:
            alerts.append(AlertRule(for_s=for_s, severity=severity, simulated=simulated, **t))
    r.unique_names([(join_path(join_path("monitoring.alerts", i), "name"), a.name)
                    for i, a in enumerate(alerts)], "alert")
    if r.count() > before:
        return None
    return Monitoring(tuple(metrics), tuple(dashboards), tuple(alerts))


def _simulated(r: FieldReader, raw: Any, p: str, workloads: set[str] | None,
               autoscaled: tuple[str, ...] | None) -> SimulatedCondition | None:
    """An alert's ``simulated: {signal, op, threshold, workload, window}``; ``workload`` a
    name or a list of names."""
    m = r.mapping(raw, p, ("signal", "op", "threshold", "workload", "window"),
                  ("signal", "op", "threshold"),
                  what=" ({signal, op, threshold}: the alert's condition on a simulated signal)")
    if m is None:
        return None
    before = r.count()
    t = r.texts(m, p, ("signal", "op"))
    threshold = r.number(m, "threshold", p)
    window_s = r.duration_s(m, "window", p, required=False)
    names: tuple[str, ...] = ()
    if isinstance(m.get("workload"), list):
        names = r.str_list(m, "workload", p) or ()
    elif m.get("workload") is not None:
        one = r.str_(m, "workload", p)
        names = (one,) if one is not None else ()
    for i, name in enumerate(names):
        if workloads is not None and name not in workloads:
            at = join_path(p, "workload") if isinstance(m["workload"], str) \
                else join_path(join_path(p, "workload"), i)
            r.add(at, f"no proposed workload named {quoted(name)}{did_you_mean(name, workloads)}")
    if autoscaled is not None and r.count() == before:
        # checked here, not on the whole plan, so that validate names it beside the problems
        # of other sections instead of after they are fixed (author19b)
        _replayed_workloads(r, p, names, autoscaled)
    if r.count() > before or t is None or threshold is None:
        return None
    condition: SimulatedCondition | None = r.build(
        p, SimulatedCondition, signal=t["signal"], op=t["op"], threshold=threshold,
        workloads=names, window_s=window_s)
    return condition


def _replayed_workloads(r: FieldReader, p: str, names: tuple[str, ...],
                        autoscaled: tuple[str, ...]) -> None:
    """A mapped alert is replayed on simulated workloads: those with an HPA. Records a mapping
    naming none while the plan has several (or none), or naming one without an HPA."""
    choices = ", ".join(autoscaled)
    if not autoscaled:  # was "name one of none: ..." (audit18 A18-16)
        r.add(p, "no proposed workload has an HPA, so nothing is simulated to replay the alert "
                 "on; remove `simulated:` (the rule stays listed) or give a workload an hpa")
        return
    if not names and len(autoscaled) != 1:
        r.add(p, f"the plan has {len(autoscaled)} autoscaled workloads; say which the alert "
                 f"watches with `workload:` (one of {choices}, or a list of them)")
    for name in names:
        if name not in autoscaled:
            r.add(join_path(p, "workload"), f"workload {quoted(name)} has no HPA, so it is not "
                                            f"simulated; name one of {choices}")


def read_rollback(r: FieldReader, raw: Any, alerts: set[str]) -> RollbackPlan | None:
    """``rollback``: triggers (an ``alert`` must name one of ``alerts``), steps and the
    expected time in seconds, or ``None`` after recording every problem on ``r``."""
    p = "rollback"
    m = r.mapping(raw, p, ("triggers", "steps", "expected_time", "point_of_no_return"),
                  ("triggers", "steps", "expected_time"), what=_seed_rule("rollback"))
    if m is None:
        return None
    before = r.count()
    triggers = []
    for tp, t in r.items(m, p, "triggers", ("condition", "alert", "automatic")):
        automatic = r.bool_(t, "automatic", tp, default=False)
        texts = r.texts(t, tp, ("condition",), ("alert",))
        if texts is None or automatic is None:
            continue
        alert = texts["alert"]
        if alert is not None and alert not in alerts:
            r.add(join_path(tp, "alert"), f"no alert named {quoted(alert)} in monitoring.alerts"
                                          f"{did_you_mean(alert, alerts)}")
        triggers.append(RollbackTrigger(texts["condition"], alert, automatic))
    steps = r.str_list(m, "steps", p)
    expected = r.duration_s(m, "expected_time", p)
    point = r.str_(m, "point_of_no_return", p, required=False)
    if r.count() > before or steps is None or expected is None:
        return None
    return RollbackPlan(tuple(triggers), steps, expected, point)


def read_testing(r: FieldReader, data: Mapping[str, Any], scenarios: set[str]
             ) -> tuple[TestItem, ...] | None:
    """``testing``: one item per test (a ``scenario`` must name one of ``scenarios``), or
    ``None`` after recording every problem on ``r``."""
    before = r.count()
    out = []
    for p, m in r.items(data, "", "testing", ("name", "type", "environment", "pass_criteria",
                                            "scenario", "description"),
                       ("name", "type", "environment", "pass_criteria"),
                       why=_seed_rule("testing")):
        kind = r.str_(m, "type", p, choices=TEST_TYPES)
        t = r.texts(m, p, ("name", "environment", "pass_criteria"), ("scenario", "description"))
        if t is not None and kind is not None:
            if t["scenario"] is not None and t["scenario"] not in scenarios:
                r.add(join_path(p, "scenario"), f"no scenario named {quoted(t['scenario'])}"
                                                f"{did_you_mean(t['scenario'], scenarios)}")
            out.append(TestItem(type=kind, **t))
    return None if r.count() > before else tuple(out)


def read_security(r: FieldReader, data: Mapping[str, Any]) -> tuple[SecurityItem, ...] | None:
    """``security``: the checklist items and their status, or ``None`` after recording every
    problem on ``r``."""
    before = r.count()
    out = []
    for p, m in r.items(data, "", "security", ("item", "status", "notes"), ("item", "status")):
        status = r.str_(m, "status", p, choices=SECURITY_STATUSES)
        t = r.texts(m, p, ("item",), ("notes",))
        if t is not None and status is not None:
            out.append(SecurityItem(status=status, **t))
    return None if r.count() > before else tuple(out)


def read_timeline(r: FieldReader, data: Mapping[str, Any]) -> tuple[Phase, ...] | None:
    """``timeline``: the phases (start / end dates, duration in seconds), or ``None`` after
    recording every problem on ``r``."""
    before = r.count()
    out = []
    for p, m in r.items(data, "", "timeline", ("name", "start", "end", "duration", "description"),
                       ("name",), why=_seed_rule("timeline")):
        fields = {"start": r.date_(m, "start", p, required=False),
                  "end": r.date_(m, "end", p, required=False),
                  "duration_s": r.duration_s(m, "duration", p, required=False)}
        t = r.texts(m, p, ("name",), ("description",))
        if t is not None and r.count() == before:
            out.append(r.build(p, Phase, **t, **fields))
    return None if r.count() > before else tuple(out)


def read_risks(r: FieldReader, data: Mapping[str, Any]) -> tuple[Risk, ...] | None:
    """``risks``: severity, likelihood and mitigation of each, or ``None`` after recording
    every problem on ``r``."""
    before = r.count()
    out = []
    for p, m in r.items(data, "", "risks", ("description", "severity", "likelihood", "mitigation",
                                          "owner"),
                       ("description", "severity", "likelihood", "mitigation"),
                       why=_seed_rule("risks")):
        severity = r.str_(m, "severity", p, choices=SEVERITIES)
        likelihood = r.str_(m, "likelihood", p, choices=LIKELIHOODS)
        t = r.texts(m, p, ("description", "mitigation"), ("owner",))
        if t is not None and severity and likelihood:
            out.append(Risk(severity=severity, likelihood=likelihood, **t))
    return None if r.count() > before else tuple(out)
