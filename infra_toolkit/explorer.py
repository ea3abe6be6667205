"""``ScalingExplorer``: tune one workload's autoscaling in a live notebook. Sliders set the HPA's
minimum and maximum replicas, its CPU utilization target, the scale-down stabilization window and
policy (percent per period) and the node provisioning delay; a drop-down picks the scenario.
Every change re-runs the simulation and redraws the charts and the summary (the settings run,
with every scale-down policy; a warning, as ``simulate PLAN`` prints it, when pods found no node;
the run's facts and SLOs).

The tuning itself is two pure functions, :func:`tuning_of` (a spec's current settings) and
:func:`tuned_spec` (a spec with other settings); the widget only wires controls to them. The
first run is the plan's HPA as written, and a workload that shares its nodes with others runs
with them (:class:`Neighbours`), so the explorer shows what the report shows until a control
moves. A static HTML view (a papermill run, a viewer without a kernel) shows the state when the
cell ran: moving a slider later redraws the live widget, not that saved view; only a live kernel
re-runs.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import pandas as pd
import plotly.io as pio

from infra_toolkit.analysis import workload_loads
from infra_toolkit.errors import InfraToolkitError, SimulationError
from infra_toolkit.hpa_spec import (
    HPABehavior,
    HPAScalingPolicy,
    MetricSpec,
)
from infra_toolkit.joint_run import JointRun, joint_run
from infra_toolkit.notebook_parameters import check_plan_path, cut_to_horizon, select_scenarios
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_replay import pending_warning
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.plan_traffic import scenario_curve
from infra_toolkit.pricing import load_price_book
from infra_toolkit.report_html import (
    Table,
    duration_text,
    longest_time_to_capacity_text,
    quantity_text,
    share_pct_text,
)
from infra_toolkit.sections_architecture import scale_down_text
from infra_toolkit.sections_scaling import SLO_COLUMNS
from infra_toolkit.simulate import (
    SimulationResult,
    SimulationSpec,
    simulate,
    simulate_cluster,
)
from infra_toolkit.slo_check import evaluate_slos
from infra_toolkit.timeline_figures import latency_figure, load_figure
from infra_toolkit.traffic import TrafficCurve
from infra_toolkit.tuning_hpa_fields import field_value

__all__ = ["Neighbours", "ScalingExplorer", "Tuning", "tuned_spec", "tuning_of"]


@dataclass(frozen=True)
class Tuning:
    """The settings the explorer varies: HPA replicas bounds, CPU utilization target (percent of
    requests; ``None`` when the HPA has no CPU utilization metric), scale-down stabilization
    window and its one Percent policy (``scale_down_percent`` per ``scale_down_period_s``), and
    the cluster autoscaler's node provisioning delay (seconds)."""

    min_replicas: int
    max_replicas: int
    target_cpu_utilization_pct: int | None
    scale_down_window_s: int
    scale_down_percent: int
    scale_down_period_s: int
    node_provisioning_s: float


def tuning_of(spec: SimulationSpec) -> Tuning:
    """The settings of ``spec`` as a :class:`Tuning`, read as the sweep reads them
    (:func:`~infra_toolkit.tuning_hpa_fields.field_value`: an unset scale-down window is
    ``--horizontal-pod-autoscaler-downscale-stabilization``); no Percent scale-down policy reads
    as the API's default one, 100 % per 15 s: the sliders' starting point only (the run keeps
    the HPA's own policies until they move, and the static view names those)."""
    down = spec.hpa.behavior.scale_down if spec.hpa.behavior is not None else None
    percent = [p for p in (down.policies or ()) if p.type == "Percent"] if down else []
    policy = percent[0] if percent else HPAScalingPolicy("Percent", 100, 15)
    return Tuning(
        min_replicas=field_value("minReplicas", spec),
        max_replicas=field_value("maxReplicas", spec),
        target_cpu_utilization_pct=field_value("cpu.averageUtilization", spec),
        scale_down_window_s=int(field_value("scaleDown.stabilizationWindowSeconds", spec)),
        scale_down_percent=policy.value, scale_down_period_s=policy.period_s,
        node_provisioning_s=spec.autoscaler.provisioning_delay_s)


def tuned_spec(spec: SimulationSpec, tuning: Tuning) -> SimulationSpec:
    """``spec`` with ``tuning`` applied, changing only what differs from :func:`tuning_of`
    (``spec`` itself for its own tuning, so the explorer first shows the plan's HPA as written):
    the HPA's bounds; every CPU utilization metric's target; the scale-down window; the first
    Percent scale-down policy (added when there is none; the other policies, ``selectPolicy`` and
    ``tolerance`` kept; an HPA without ``behavior`` gets the API's defaults for the rest); the
    node provisioning delay. Raises :class:`~infra_toolkit.errors.SpecError` for settings the API
    refuses (e.g. minReplicas above maxReplicas)."""
    now = tuning_of(spec)
    hpa = spec.hpa
    metrics = hpa.metrics
    if tuning.target_cpu_utilization_pct not in (None, now.target_cpu_utilization_pct):
        metrics = tuple(_with_cpu_target(m, tuning.target_cpu_utilization_pct) for m in metrics)
    behavior = hpa.behavior
    if (tuning.scale_down_window_s, tuning.scale_down_percent, tuning.scale_down_period_s) != (
            now.scale_down_window_s, now.scale_down_percent, now.scale_down_period_s):
        behavior = behavior or HPABehavior()
        assert behavior.scale_down is not None  # HPABehavior fills both directions
        down = dataclasses.replace(behavior.scale_down,
                                   stabilization_window_s=tuning.scale_down_window_s)
        if (tuning.scale_down_percent, tuning.scale_down_period_s) != (
                now.scale_down_percent, now.scale_down_period_s):
            down = dataclasses.replace(down, policies=_with_percent_policy(
                down.policies or (), HPAScalingPolicy("Percent", tuning.scale_down_percent,
                                                      tuning.scale_down_period_s)))
        behavior = dataclasses.replace(behavior, scale_down=down)
    new_hpa = dataclasses.replace(hpa, min_replicas=tuning.min_replicas,
                                  max_replicas=tuning.max_replicas, metrics=metrics,
                                  behavior=behavior)
    autoscaler = dataclasses.replace(spec.autoscaler,
                                     provisioning_delay_s=tuning.node_provisioning_s)
    return dataclasses.replace(spec, hpa=new_hpa, autoscaler=autoscaler)


def _with_cpu_target(metric: MetricSpec, target_pct: int) -> MetricSpec:
    source = metric.resource
    if metric.type != "Resource" or source is None or source.name != "cpu" \
            or source.target.type != "Utilization":
        return metric
    assert metric.resource is not None
    target = dataclasses.replace(metric.resource.target, average_utilization=target_pct)
    return dataclasses.replace(metric, resource=dataclasses.replace(metric.resource,
                                                                    target=target))


def _with_percent_policy(policies: Sequence[HPAScalingPolicy], new: HPAScalingPolicy
                         ) -> tuple[HPAScalingPolicy, ...]:
    """``policies`` with the first Percent policy replaced by ``new`` (appended if none)."""
    at = next((i for i, p in enumerate(policies) if p.type == "Percent"), len(policies))
    return (*policies[:at], new, *policies[at + 1:])


def _bundle(figure: Any) -> dict[str, Any]:
    """A figure as a notebook display output (plotly's JSON mimetype, drawn by JupyterLab)."""
    return {"output_type": "display_data", "metadata": {},
            "data": {"application/vnd.plotly.v1+json": json.loads(pio.to_json(figure)),
                     "text/plain": f"<figure {figure.layout.title.text!r}>"}}


@dataclass(frozen=True)
class Neighbours:
    """The cluster a tuned workload shares, held as the plan has it: the report's joint run
    (``run``: every autoscaled workload's spec and the Deployments without an HPA; the tuned
    one's spec put in it by :meth:`~infra_toolkit.joint_run.JointRun.with_spec`) and their
    traffic per scenario (``curves[scenario][workload]``): the run is the report's
    :func:`~infra_toolkit.simulate.simulate_cluster`."""

    run: JointRun
    curves: Mapping[str, Mapping[str, TrafficCurve]]


class ScalingExplorer(widgets.VBox):  # type: ignore[misc]
    """Sliders over :class:`Tuning` and a scenario drop-down; each change re-runs
    :func:`~infra_toolkit.simulate.simulate` with :func:`tuned_spec` and redraws. ``result``
    holds the latest run, or ``None`` with ``error`` saying why the settings could not run."""

    def __init__(self, spec: SimulationSpec, curves: Mapping[str, TrafficCurve], *,
                 slos: Sequence[Slo] = (), workload: str | None = None,
                 scenario: str | None = None, neighbours: Neighbours | None = None) -> None:
        if not curves:
            raise SimulationError("the explorer needs at least one traffic scenario")
        self.base_spec, self.curves, self.slos = spec, dict(curves), tuple(slos)
        self.workload = workload or spec.workload.name
        self.neighbours = neighbours
        self.result: SimulationResult | None = None
        self.error: str | None = None
        t = tuning_of(spec)
        top = max(50, 2 * t.max_replicas)

        def slider(value: float, lo: float, hi: float, step: float, label: str,
                   kind: type = widgets.IntSlider) -> widgets.IntSlider:
            # the range always holds the spec's own value: a slider clamps what lies outside
            # it (a CPU target of 150 % would show, and run, as 100 %). Its positions are min +
            # k x step, so a value under lo (a 10 s period) would shift them (25, 40, 55 s: no
            # 15, 30 or 60 s): the step shrinks to keep lo's grid (gcd(15, 15 - 10) = 5 s)
            if value < lo and kind is widgets.IntSlider:
                step = math.gcd(int(step), int(lo - value))
            return kind(value=value, min=min(lo, value), max=max(hi, value), step=step,
                        description=label, continuous_update=False,
                        style={"description_width": "14em"}, layout={"width": "34em"})

        self.scenario = widgets.Dropdown(options=list(self.curves), description="Scenario",
                                         value=scenario or next(iter(self.curves)))
        # 0 only for an HPA whose manifest already had it: the API refuses minReplicas 0 unless
        # the HPAScaleToZero gate is on and an Object/External metric can wake the workload.
        # Each bound's slider stops at the other's value (moved with it, _replicas_moved): the
        # API refuses minReplicas above maxReplicas, so no position of the two is a spec it
        # would refuse (before, min 50 beside max 15 showed an error instead of a run)
        self.min_replicas = slider(t.min_replicas, min(1, t.min_replicas), t.max_replicas, 1,
                                   "min replicas")
        self.max_replicas = slider(t.max_replicas, max(1, t.min_replicas), top, 1,
                                   "max replicas")
        self.target_cpu = slider(t.target_cpu_utilization_pct or 80, 5, 100, 5,
                                 "CPU target (% of request)")
        if t.target_cpu_utilization_pct is None:
            # no CPU utilization metric to tune: a greyed 80 would read as the HPA's target
            self.target_cpu.disabled, self.target_cpu.readout = True, False
            self.target_cpu.description = "CPU target: none in this HPA"
        self.scale_down_window = slider(t.scale_down_window_s, 0, 3600, 15,
                                        "scale-down window (s)")
        self.scale_down_percent = slider(t.scale_down_percent, 1, 100, 1, "scale-down % per period")
        self.scale_down_period = slider(t.scale_down_period_s, 15, 1800, 15,
                                        "scale-down period (s)")
        down = spec.hpa.behavior.scale_down if spec.hpa.behavior is not None else None
        if down is not None and down.select_policy == "Disabled":
            # selectPolicy Disabled: the HPA never scales down, so these would move nothing
            for control in (self.scale_down_window, self.scale_down_percent,
                            self.scale_down_period):
                control.disabled = True
                control.description += ": scale-down disabled"
        self.node_provisioning = slider(t.node_provisioning_s, 0, 900, 5,
                                        "node provisioning (s)", widgets.FloatSlider)
        self.controls = (self.scenario, self.min_replicas, self.max_replicas, self.target_cpu,
                         self.scale_down_window, self.scale_down_percent, self.scale_down_period,
                         self.node_provisioning)
        self.summary = widgets.HTML()
        self.charts = widgets.Output()
        for control in self.controls:
            control.observe(self._changed, names="value")
        for bound in (self.min_replicas, self.max_replicas):
            bound.observe(self._replicas_moved, names="value")
        super().__init__([widgets.HBox([widgets.VBox(list(self.controls[:4])),
                                        widgets.VBox(list(self.controls[4:]))]),
                          self.summary, self.charts])
        self.update()

    @classmethod
    def from_plan(cls, plan_path: str | os.PathLike[str], *, workload: str | None = None,
                  scenario: str | None = None, horizon_h: float | None = None
                  ) -> ScalingExplorer:
        """An explorer of ``workload`` (default: the plan's first with an HPA) through every
        scenario of the plan (each cut to ``horizon_h`` hours), starting on ``scenario``. The
        plan's other workloads share the cluster as in the report (:class:`Neighbours`)."""
        plan = read_plan(check_plan_path(plan_path))
        book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
        names = [w.name for w in plan.proposed.workloads if w.hpa_spec is not None]
        if not names:
            raise SimulationError(f"{plan.path}: no proposed workload has an HPA to explore")
        if workload is not None and workload not in names:
            known = [w.name for w in plan.proposed.workloads]
            what = "has no HPA to tune" if workload in known else \
                f"is not a workload of proposed in {plan.path}"
            raise SimulationError(f"workload = {workload!r} {what}; give one with an HPA "
                                  f"({', '.join(names)}), or None for the first")
        chosen = workload or names[0]
        joint = joint_run(plan, book)
        loads = {s.name: workload_loads(plan, cut_to_horizon(
            scenario_curve(s, plan.simulation.step_s), horizon_h), names)
                 for s in select_scenarios(plan, None)}
        if scenario is not None:  # a clear error for an unknown name or a list
            scenario = select_scenarios(plan, scenario, "scenario", single=True)[0].name
        neighbours = Neighbours(joint, loads) if len(names) > 1 or joint.fixed else None
        return cls(joint.specs[chosen], {name: by[chosen] for name, by in loads.items()},
                   slos=plan.slos, workload=chosen, scenario=scenario, neighbours=neighbours)

    def tuning(self) -> Tuning:
        """The settings the controls show."""
        return Tuning(self.min_replicas.value, self.max_replicas.value,
                      None if self.target_cpu.disabled else self.target_cpu.value,
                      self.scale_down_window.value, self.scale_down_percent.value,
                      self.scale_down_period.value, float(self.node_provisioning.value))

    def run(self, spec: SimulationSpec) -> SimulationResult:
        """``spec`` (the tuned workload) simulated on the scenario shown, with its neighbours
        on the cluster when there are any (one cluster autoscaler: the tuned one)."""
        return self._run_cluster(spec)[self.workload]

    def _run_cluster(self, spec: SimulationSpec) -> Mapping[str, SimulationResult]:
        """:meth:`run`'s run of every workload on the cluster (the tuned one alone without
        neighbours), by workload name."""
        curve = self.curves[self.scenario.value]
        n = self.neighbours
        if n is None:
            return {self.workload: simulate(curve, spec)}
        specs, fixed = n.run.with_spec(self.workload, spec)
        curves = {name: curve if name == self.workload else other
                  for name, other in n.curves[self.scenario.value].items()}
        return simulate_cluster(curves, specs, fixed).simulations

    def update(self) -> None:
        """Re-run the simulation with the controls' settings and redraw."""
        spec: SimulationSpec | None = None
        try:
            spec = tuned_spec(self.base_spec, self.tuning())
            results = self._run_cluster(spec)
        except InfraToolkitError as exc:
            self.result, self.error = None, str(exc)
            self.charts.outputs = ()
            self.summary.value = (self._settings_html(spec)
                                  + f"<p style='color:#b00'>Not simulated: "
                                  f"{html.escape(self.error)}</p>")
            return
        result = results[self.workload]
        self.result, self.error = result, None
        # what simulate PLAN prints to stderr: the facts have no figure for pods that never got
        # a node (min replicas 50 on a group of 4 nodes read "Peak replicas 50", nothing else)
        stuck = pending_warning(self.scenario.value, results)
        self.summary.value = (self._settings_html(spec)
                              + (f"<p style='color:#b00'>{html.escape(stuck)}</p>" if stuck
                                 else "")
                              + self._summary_html(result))
        title = f"{self.scenario.value} / {self.workload}"
        self.charts.outputs = tuple(_bundle(f) for f in (
            load_figure(result.timeline, title),
            latency_figure(result.timeline, title, self.slos, self.workload)))

    def _summary_html(self, result: SimulationResult) -> str:
        s = result.summary
        dropped = 100.0 * s.dropped_requests / s.offered_requests if s.offered_requests else 0.0
        facts = pd.DataFrame([{
            "Peak replicas": s.peak_replicas, "Pod-hours": quantity_text(s.pod_hours),
            "Node-hours (billed from launch)": quantity_text(
                sum(s.node_hours_by_instance_type.values())),
            "Scale events": s.scale_events, "Flaps": s.flaps,
            "Dropped (%)": share_pct_text(dropped, 3),
            "Longest time to capacity": longest_time_to_capacity_text(s.time_to_capacity),
            # the under-capacity seconds a limit, not a delay, caused: the sliders to move then
            # are maxReplicas and the node groups' max_size, not the timings
            "Under capacity at maxReplicas": duration_text(
                sum(e.at_max_replicas_s for e in s.time_to_capacity)),
            "Under capacity, nodes at max_size": duration_text(
                sum(e.at_max_nodes_s for e in s.time_to_capacity)),
        }])
        slos = evaluate_slos(self.slos, self.workload, result.timeline, result.spec.tick_s)
        # the report's SLO table headers (they read "violation_minutes", "met")
        return (Table(facts, css_class="explorer-summary").to_html()
                + Table(slos.rename(columns=SLO_COLUMNS),
                        {"Met": lambda v: "yes" if v else "NO",
                         # to 2 decimals, as the report's SLO table
                         "Minutes violated": lambda v: quantity_text(v, 2)},
                        css_class="explorer-slos").to_html())

    def _settings_html(self, spec: SimulationSpec | None) -> str:
        """The settings run (``spec``: the tuned spec; None when they could not make one) as
        one table row, above the summary in the live view and the static one."""
        t = self.tuning()
        settings = pd.DataFrame([{
            "Workload": self.workload, "Scenario": self.scenario.value,
            "Replicas": f"{t.min_replicas}-{t.max_replicas}",
            "CPU target": "-" if t.target_cpu_utilization_pct is None
            else f"{t.target_cpu_utilization_pct} %",
            # the policies the run used, every one: the sliders' one Percent policy is not
            # the HPA's when it has none (a Pods-only scale-down's sliders read "100 % per
            # 15 s", their starting point, so the live view names the policies too)
            "Scale-down": "-" if spec is None else scale_down_text(spec.hpa),
            "Node provisioning": duration_text(t.node_provisioning_s)}])
        return Table(settings, css_class="explorer-settings").to_html()

    def _changed(self, _change: Any) -> None:
        self.update()

    def _replicas_moved(self, _change: Any) -> None:
        # bounds only: a value inside them stays, so no second run
        self.min_replicas.max = self.max_replicas.value
        self.max_replicas.min = max(1, self.min_replicas.value)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        """The widget view, and for a reader without a live kernel (a notebook run by
        papermill, opened in a viewer) the state shown as HTML: the settings and the summary
        of the last run, or why it could not run."""
        bundle = dict(super()._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = (
            "<p>Scaling explorer, static view: the controls and charts need a live kernel "
            "(open the notebook in Jupyter and run it).</p>" + self.summary.value)
        return bundle
