"""The parameters of the report and explorer notebooks (``plan_path``, ``scenarios``,
``expected_scenario``, ``horizon_h``, ``region``, ``db``, ``chart_workloads``) and the simulate
command's ``--workload``, checked where the library receives
them. A value papermill (``-p NAME VALUE``), the CLI's ``report -p`` or a notebook user passes
that cannot mean what was asked (another type, a name the plan does not have, a region no table
prices) raises an error naming the parameter, the bad value, what is valid and the fix, before
anything is simulated or priced: never a silently empty or $0 report.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from infra_toolkit.errors import (
    ApprovalError,
    PlanError,
    PricingError,
    SimulationError,
    quoted,
)
from infra_toolkit.plan import Plan
from infra_toolkit.plan_cost import is_load_test
from infra_toolkit.plan_fields import did_you_mean
from infra_toolkit.plan_scenario_types import Scenario
from infra_toolkit.pricing import PriceBook
from infra_toolkit.pricing_fixes import unpriced_region_fix
from infra_toolkit.time_units import SECONDS_PER_HOUR
from infra_toolkit.traffic import TrafficCurve, slice_curve

__all__ = [
    "check_chart_workloads",
    "check_horizon_cuts",
    "check_plan_path",
    "check_region",
    "check_report_parameters",
    "check_store_location",
    "cut_to_horizon",
    "expected_scenario",
    "select_scenarios",
    "select_workloads",
]


def _kind(value: object) -> str:
    return type(value).__name__


def check_plan_path(plan_path: Any) -> Path:
    """``plan_path`` (a ``str`` or path-like) as a ``Path``; PlanError for another type."""
    if isinstance(plan_path, str | os.PathLike) and str(plan_path):
        return Path(plan_path)
    raise PlanError(f"plan_path = {quoted(plan_path)} ({_kind(plan_path)}): give the plan "
                    "file's path as text, e.g. -p plan_path plans/ecommerce-eks.yaml")


def select_scenarios(plan: Plan, names: Any, parameter: str = "scenarios", single: bool = False
                     ) -> tuple[Scenario, ...]:
    """The plan's scenarios called ``names`` (a list of names or one name), in that order (None:
    all, in plan order). PlanError, naming ``parameter``, for another type, an empty list, an
    unknown or repeated name. ``single``: the parameter takes one name, None meaning the plan's
    first (the explorer's ``scenario``), and the messages say so. A command's option
    (``parameter`` ``--scenario``) is named as it was typed, once a name (``--scenario 'x': no
    scenario of that name``), never as the list the notebook's parameter is."""
    if names is None:
        return plan.scenarios
    given = names
    if isinstance(names, str):
        names = [names]
    known = {s.name: s for s in plan.scenarios}
    listed = ", ".join(known)
    first = next(iter(known), "NAME")
    none = "None for the plan's first" if single else "None for all"
    if parameter.startswith("--"):  # a command's option: left out, not None, gives its default
        none = f"leave {parameter} out for the default"
    if single and not isinstance(given, str) or not isinstance(names, Sequence) \
            or not all(isinstance(n, str) for n in names):
        what = (f"give one scenario name (e.g. -p {parameter} {first})" if single else
                f"give a scenario name or a list of them (e.g. -p {parameter} '[{first}]')")
        raise PlanError(f"{parameter} = {quoted(given)}: {what}, or {none}; {plan.path} has: "
                        f"{listed}")
    if not names:
        raise PlanError(f"{parameter} = []: select at least one of {plan.path}'s scenarios "
                        f"({listed}), or {none}")
    unknown = [n for n in names if n not in known]
    if parameter.startswith("--") and unknown:  # a command's option: in the terms it was typed
        unknown = list(dict.fromkeys(unknown))  # each once, as --scenario was typed
        what = "no scenario of that name" if len(unknown) == 1 else "no scenarios of those names"
        raise PlanError(f"{', '.join(f'{parameter} {quoted(n)}' for n in unknown)}: {what} in "
                        f"{plan.path}{did_you_mean(unknown[0], known, list_choices=False)}; "
                        f"the plan's scenarios: {listed}; give one of those, or {none}")
    if parameter.startswith("--") and len(set(names)) != len(names):
        raise PlanError(f"{_given_twice(parameter, names)}; pass each scenario once (the plan's "
                        f"scenarios: {listed}), or {none}")
    if unknown or len(set(names)) != len(names):
        close = did_you_mean(unknown[0], known, list_choices=False) if unknown else ""
        what = f"unknown scenario(s) {unknown}" if unknown else f"scenarios {list(names)} repeat"
        fix = ("give one of them" if single else
               "give names from that list" if unknown else "pass each name once")
        raise PlanError(f"{parameter}: {what} for {plan.path}"
                        f"{close}; the plan's scenarios: "
                        f"{listed}: {fix}, or {none}")
    return tuple(known[n] for n in names)


def _given_twice(option: str, names: Sequence[str]) -> str:
    """The names a repeatable command option (``--scenario``) was given more than once, as they
    were typed: ``--scenario 'a' is given twice, --scenario 'b' 3 times``."""
    counts = {n: names.count(n) for n in names if names.count(n) > 1}
    said = [f"{option} {quoted(n)} {'is given ' if i == 0 else ''}"
            f"{'twice' if c == 2 else f'{c} times'}" for i, (n, c) in enumerate(counts.items())]
    return ", ".join(said)


def expected_scenario(selected: Sequence[Scenario], requested: Any) -> str | None:
    """The scenario the cost summary calls expected: ``requested`` (one of ``selected``, not a
    load test), else the first selected that is not a load test (None if there is none)."""
    monthly = [s.name for s in selected if not is_load_test(s)]
    if requested is None:
        return monthly[0] if monthly else None
    if not isinstance(requested, str):
        raise PlanError(f"expected_scenario = {quoted(requested)}: give one scenario name (e.g. "
                        f"-p expected_scenario {monthly[0] if monthly else 'NAME'}), or None for "
                        "the first selected that is not a load test")
    if requested not in {s.name for s in selected}:
        close = did_you_mean(requested, monthly, list_choices=False)
        raise PlanError(f"expected_scenario {requested!r} is not among the selected scenarios "
                        f"({', '.join(s.name for s in selected)}){close}; select it or pick "
                        "one of them")
    if requested not in monthly:
        raise PlanError(f"expected_scenario {requested!r} is a load test: minutes of synthetic "
                        "users are not a month of traffic, so its monthly projection cannot be "
                        "the expected cost; pick a scenario of real traffic "
                        f"({', '.join(monthly) or 'none selected'})")
    return str(requested)


def cut_to_horizon(curve: TrafficCurve, horizon_h: Any) -> TrafficCurve:
    """The first ``horizon_h`` hours of ``curve`` (whole steps; None or longer: all of it)."""
    if horizon_h is None:
        return curve
    # bool is an int to Python, but -p horizon_h true is no number of hours
    if isinstance(horizon_h, bool) or not (
            isinstance(horizon_h, int | float) and math.isfinite(horizon_h) and horizon_h > 0):
        raise SimulationError(f"horizon_h = {quoted(horizon_h)}: give a number of hours > 0, or "
                              "None (null with -p on the command line) to simulate whole "
                              "scenarios")
    steps = min(curve.rps.size, math.floor(horizon_h * SECONDS_PER_HOUR / curve.step_s))
    if steps < 1:
        raise SimulationError(f"horizon_h = {horizon_h} h is {_under_a_step(curve)}, or None "
                              "(null with -p on the command line) to simulate whole scenarios")
    return slice_curve(curve, 0.0, steps * curve.step_s)


def _under_a_step(curve: TrafficCurve) -> str:
    """Why a horizon holds no whole step of ``curve``, and the hours that hold one: rounded up
    to 4 decimals, so the figure suggested holds one whole step."""
    least_h = math.ceil(curve.step_s / SECONDS_PER_HOUR * 1e4) / 1e4
    return (f"shorter than one step ({curve.step_s:g} s) of scenario {curve.name!r}: give at "
            f"least {least_h:g} hours")


def check_horizon_cuts(horizon_h: float | None, curves: Mapping[str, TrafficCurve],
                       report: bool = False) -> None:
    """Refuse a ``horizon_h`` (``--horizon-h`` of simulate and sweep; with ``report`` the
    report's ``horizon_h`` parameter, ``report -p horizon_h``) longer than every chosen scenario
    of ``curves`` (whole, by name): it would cut none of them, so the command would run whole
    scenarios while its command line asked for a cut (``1000`` for minutes, say); one between
    two scenarios' lengths cuts the longer ones, and one equal to the only scenario's length is
    that scenario whole."""
    if horizon_h is None:
        return
    name, whole = (("horizon_h =", "None (null with -p on the command line)") if report else
                   ("--horizon-h", "leave --horizon-h out"))
    # the flag's words for a horizon under one step: the report's spoke of -p null (fuzz20)
    short = [c for c in curves.values() if horizon_h * SECONDS_PER_HOUR < c.step_s]
    if short:
        raise SimulationError(f"{name} {horizon_h:g} is {_under_a_step(short[0])}, or "
                              f"{whole} to simulate whole scenarios")
    hours = {scenario: c.rps.size * c.step_s / 3600.0 for scenario, c in curves.items()}
    if all(horizon_h > h for h in hours.values()):
        lengths = ", ".join(f"{scenario} {h:g} h" for scenario, h in hours.items())
        raise SimulationError(f"{name} {horizon_h:g}: longer than every chosen "
                              f"scenario ({lengths}), so it cuts none; give fewer hours, or "
                              f"{whole} to simulate whole scenarios")


def check_region(region: Any, book: PriceBook, option: str | None = None) -> str | None:
    """``region`` if the price book prices it (None: the plan's own regions); PricingError for
    another type or a region no table or rate prices (every line would be PRICE NOT FOUND).
    The report's ``region`` parameter and ``infra-toolkit cost PLAN --region`` check with it;
    ``option`` is how the caller's user gives it (the CLI's ``--region``; None: the
    parameter ``region``), named in the message."""
    if region is None:
        return None
    regions = book.regions()
    if not isinstance(region, str) or region not in regions:
        hint = did_you_mean(region, regions) if isinstance(region, str) else \
            f"; valid: {', '.join(regions[:12])}, ... ({len(regions)} in all)"
        fix = f"; if it is a region the tables lack, {unpriced_region_fix(region)}" \
            if isinstance(region, str) else ""
        said, leave = (f"{option} {quoted(region)}", f"leave {option} out") if option else (
            f"region = {quoted(region)}", "leave region unset")
        raise PricingError(f"{said}: no pricing table or rate prices that region{hint}; pass a "
                           f"region code a table or rate prices, or {leave} to price each "
                           f"resource in its own region{fix}")
    return region


def check_store_location(db: Any) -> str | None:
    """``db`` (an approval store: SQLite file path or ``postgresql://`` URL) as text, or None."""
    if db is None or (isinstance(db, str | os.PathLike) and str(db)):
        return None if db is None else os.fspath(db)
    raise ApprovalError(f"db = {quoted(db)} ({_kind(db)}): give the approval store as a SQLite "
                        "file path or a postgresql:// URL, or None for $INFRA_TOOLKIT_DB or the "
                        "default")


def select_workloads(plan: Plan, names: Sequence[str] | None, parameter: str = "--workload"
                     ) -> tuple[str, ...]:
    """The autoscaled proposed workloads called ``names`` (None: all of them), in plan order
    (``simulate --workload``, the report's ``chart_workloads``).

    Raises :class:`~infra_toolkit.errors.PlanError` naming ``parameter``, the plan file and
    the valid names for an unknown or repeated name, a workload without an HPA (nothing to
    simulate: its pods only hold room), or a plan without an autoscaled workload; a repeated
    ``--workload`` is named as typed (``--workload 'a' is given twice``)."""
    workloads = plan.proposed.workloads
    autoscaled = [w.name for w in workloads if w.hpa_spec is not None]
    listed = ", ".join(autoscaled)
    if not autoscaled:
        raise PlanError(f"{plan.path}: no workload of proposed.workloads has an HPA, so there is "
                        "nothing to simulate; give one an hpa: manifest")
    if names is None:
        return tuple(autoscaled)
    for name in names:
        fixed = next((w for w in workloads if w.name == name and w.hpa_spec is None), None)
        if fixed is not None:
            raise PlanError(
                f"{parameter} {name!r}: proposed.workloads {name!r} of {plan.path} has no HPA, "
                f"so it is not simulated: its {fixed.deployment_spec.replicas or 1} pod(s) only "
                "hold room on the nodes (each workload sharing them names it); workloads with "
                f"an HPA: {listed}")
        if name not in autoscaled:
            hint = did_you_mean(name, [w.name for w in workloads], list_choices=False)
            raise PlanError(
                f"{parameter} {name!r}: no workload of that name in proposed.workloads of "
                f"{plan.path}{hint}; workloads with an HPA: "
                f"{listed}")
    if len(set(names)) != len(names):
        raise PlanError(f"{_given_twice(parameter, names)}; pass each workload once (workloads "
                        f"with an HPA: {listed})" if parameter.startswith("--") else
                        f"{parameter}: {list(names)} repeats a name; give each once ({listed})")
    return tuple(n for n in autoscaled if n in names)

def check_report_parameters(plan: Plan, book: PriceBook, parameters: Mapping[str, Any]) -> None:
    """The report notebook's ``parameters`` (``report -p``) checked as
    :func:`~infra_toolkit.analysis.analyze_plan` checks them, so a value that cannot mean what
    was asked stops ``report`` before a kernel starts; raises what that check raises."""
    from infra_toolkit.plan_traffic import scenario_curve

    selected = select_scenarios(plan, parameters.get("scenarios"))
    expected_scenario(selected, parameters.get("expected_scenario"))
    curves = {s.name: scenario_curve(s, plan.simulation.step_s) for s in selected}
    for curve in curves.values():
        cut_to_horizon(curve, parameters.get("horizon_h"))
    check_horizon_cuts(parameters.get("horizon_h"), curves, report=True)
    check_region(parameters.get("region"), book, "-p region")  # as report's user gives it
    check_store_location(parameters.get("db"))
    check_chart_workloads(plan, parameters.get("chart_workloads"))


def check_chart_workloads(plan: Plan, value: Any) -> int | tuple[str, ...] | None:
    """The report's ``chart_workloads``: None (the default, decided once the runs are known:
    :func:`~infra_toolkit.chart_selection.select_charted`), a count of the busiest workloads
    to chart (an int >= 1; ``all``: every autoscaled workload), or workload names (one or a
    list; the autoscaled ones, returned in plan order). PlanError naming the parameter, the
    value and the forms it takes otherwise."""
    autoscaled = [w.name for w in plan.proposed.workloads if w.hpa_spec is not None]
    if value is None:
        return None
    if value == "all":
        return max(1, len(autoscaled))
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    names = [value] if isinstance(value, str) else value
    if isinstance(names, list | tuple) and names and all(isinstance(n, str) for n in names):
        return select_workloads(plan, list(names), "chart_workloads")
    raise PlanError(f"chart_workloads = {quoted(value)}: give how many workloads to chart, the "
                    "busiest (e.g. -p chart_workloads 5), workload names (e.g. -p chart_workloads "
                    f"'[{autoscaled[0] if autoscaled else 'NAME'}]'), all, or None for the "
                    "default (every workload's charts up to a dozen workloads, else the busiest "
                    f"dozen); workloads with an HPA in {plan.path}: {', '.join(autoscaled)}")
