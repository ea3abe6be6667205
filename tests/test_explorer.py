"""ScalingExplorer: the tuning functions and the widget, driven headless by setting controls."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from infra_toolkit.errors import SpecError
from infra_toolkit.explorer import ScalingExplorer, Tuning, tuned_spec, tuning_of
from infra_toolkit.hpa import HPASpec, cpu_utilization_metric
from infra_toolkit.hpa_spec import (
    ExternalMetricSource,
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    MetricIdentifier,
    MetricSpec,
    MetricTarget,
)
from infra_toolkit.nodes import ClusterAutoscalerSpec, NodeGroup
from infra_toolkit.plan_scenario_types import Slo
from infra_toolkit.readiness import Probe
from infra_toolkit.simulate import SimulationSpec, simulate
from infra_toolkit.traffic import TrafficCurve, constant_curve
from infra_toolkit.workload import WorkloadSpec
from tests.conftest import REPO_ROOT
from tests.test_simulate import MAX_3

# 24 req/s x 10 millicores per request = 240m of CPU in all, whatever the pod count; requests of
# 100m; a pod serves up to 1000 req/s, so it is never saturated. Nodes hold 2 pods each
# (max_pods 4 - 2 daemonsets). The run starts with 4 warm pods.
WORKLOAD = WorkloadSpec(cpu_request_millicores=100, capacity_rps_per_pod=1000,
                        cpu_millicores_per_rps=10, image_pull_s=5, app_start_s=5,
                        readiness_probe=Probe(0), name="api")  # Ready at the 10 s probe tick
BASE = SimulationSpec(
    HPASpec(max_replicas=8, min_replicas=2, metrics=(cpu_utilization_metric(50),)), WORKLOAD,
    (NodeGroup("general", "m5.large", 2.0, 8.0, max_pods=4, min_size=1, max_size=5),),
    ClusterAutoscalerSpec(provisioning_delay_s=60.0), initial_replicas=4, name="api")
CURVES = {"flat": constant_curve(24.0, 3600.0, 15.0, name="flat"),
          "quiet": constant_curve(5.0, 3600.0, 15.0, name="quiet")}


def test_tuning_of_reads_the_spec_as_the_controller_applies_it() -> None:
    # no behavior block: the controller's 300 s window and the API's 100 % per 15 s policy
    assert tuning_of(BASE) == Tuning(2, 8, 50, 300, 100, 15, 60.0)


def test_tuning_of_the_default_plans_hpa() -> None:
    explorer = ScalingExplorer.from_plan(REPO_ROOT / "tests/data/plans/report/small.yaml",
                                         horizon_h=0.25)
    # small.yaml: minReplicas 2, maxReplicas 8, CPU 70 %; no simulation.node_provisioning_s, so
    # the simulator's default: a typical EC2 node start of 2 min (ClusterAutoscalerSpec's
    # docstring), 120 s
    assert explorer.tuning() == Tuning(2, 8, 70, 300, 100, 15, 120.0)
    assert list(explorer.scenario.options) == ["steady", "double"]
    assert explorer.result is not None and explorer.result.summary.duration_s == 900.0


def test_tuned_spec_applies_every_setting() -> None:
    spec = tuned_spec(BASE, Tuning(3, 6, 80, 120, 25, 30, 90.0))
    assert (spec.hpa.min_replicas, spec.hpa.max_replicas) == (3, 6)
    assert spec.hpa.metrics[0].resource.target.average_utilization == 80  # type: ignore[union-attr]
    down = spec.hpa.behavior.scale_down  # type: ignore[union-attr]
    assert down.stabilization_window_s == 120
    assert down.policies == (HPAScalingPolicy("Percent", 25, 30),)
    assert spec.autoscaler.provisioning_delay_s == 90.0
    assert spec.workload == BASE.workload and spec.node_groups == BASE.node_groups


def test_tuned_spec_refuses_what_the_api_refuses() -> None:
    refused = r"spec\.maxReplicas \(=6\) must be greater than or equal to spec\.minReplicas \(=9\)"
    with pytest.raises(SpecError, match=refused):
        tuned_spec(BASE, Tuning(9, 6, 50, 300, 100, 15, 60.0))


def test_target_slider_moves_the_settled_replicas() -> None:
    explorer = ScalingExplorer(BASE, CURVES)
    assert explorer.result is not None
    # target 50 %: 4 pods at 60m = 60 % -> ceil(4 x 60 / 50) = 5; 5 pods at 48m = 96 % of the
    # target, inside the 10 % tolerance: settled at 5
    assert explorer.result.timeline["spec_replicas"].iloc[-1] == 5
    explorer.target_cpu.value = 80
    # target 80 %: 4 pods at 60 % -> ceil(4 x 60 / 80) = 3 after the 300 s window; 3 pods at
    # 80m = 80 %: settled at 3
    assert explorer.result.timeline["spec_replicas"].iloc[-1] == 3


def test_max_replicas_slider_caps_the_run() -> None:
    explorer = ScalingExplorer(BASE, CURVES)
    explorer.max_replicas.value = 4
    # 4 warm pods from the start, never more: 4 pods x 1 h
    assert explorer.result is not None
    assert explorer.result.summary.pod_hours == pytest.approx(4.0)
    assert explorer.result.summary.peak_replicas == 4


def test_summary_shows_the_seconds_at_max_replicas() -> None:
    # test_simulate.py's first maxReplicas case: 1 pod of 100 rps, 50 then 500 rps from 300 s;
    # with maxReplicas 3 the episode 300 -> 600 s has 225 s at maxReplicas (375 -> 600) and no
    # pod waits for a node. With the slider at 5, the load rises once and so does the capacity
    # (one episode), and 5 pods serve 500 rps: the spec is never at 5 and short: 0 s.
    explorer = ScalingExplorer(MAX_3, {"step": TrafficCurve(np.array([50.0] * 60 + [500.0] * 60),
                                                            5.0)})
    shown = explorer.summary.value
    facts = dict(zip(re.findall(r"<th>(.*?)</th>", shown), re.findall(r"<td>(.*?)</td>", shown)))
    assert (facts["Under capacity at maxReplicas"],
            facts["Under capacity, nodes at max_size"]) == ("3 min 45 s", "0 s")
    explorer.max_replicas.value = 5
    assert explorer.result is not None
    assert [e.at_max_replicas_s for e in explorer.result.summary.time_to_capacity] == [0.0]


def test_a_run_never_under_capacity_shows_no_time_to_capacity() -> None:
    # 50 rps against 1 pod of 100 rps from the start: no episode, so "-" (as the report), not
    # a longest time to capacity of "0 s"
    explorer = ScalingExplorer(MAX_3, {"calm": TrafficCurve(np.array([50.0] * 60), 5.0)})
    assert explorer.result is not None and explorer.result.summary.time_to_capacity == ()
    shown = explorer.summary.value
    facts = dict(zip(re.findall(r"<th>(.*?)</th>", shown), re.findall(r"<td>(.*?)</td>", shown)))
    assert facts["Longest time to capacity"] == "-"


def test_provisioning_slider_delays_the_new_node() -> None:
    explorer = ScalingExplorer(BASE, CURVES)

    def fifth_pod_ready_s() -> float:
        assert explorer.result is not None
        t = explorer.result.timeline
        return float(t["time_s"][np.argmax(t["ready_pods"].to_numpy() >= 5)])

    # target 50 %: the sync at 15 s has no full metric window yet; the sync at 30 s sees 4 pods
    # at 60 % -> ceil(4 x 60 / 50) = 5. The 5th pod needs a 3rd node (2 pods per node): the scan
    # at 40 s (the one at 30 s runs before that sync) asks for it, Ready at 40 + 60 = 100 s; the
    # pod is Ready 5 s (image) + 5 s (app) later, at 110 s.
    assert fifth_pod_ready_s() == 110.0
    explorer.node_provisioning.value = 240
    assert fifth_pod_ready_s() == 40 + 240 + 5 + 5  # everything else is unchanged: 290 s


def test_scenario_dropdown_and_a_run_that_cannot_be_made() -> None:
    # a curve of 3601 s is 720.2 ticks of 5 s: the simulator refuses to drop the last second
    curves = dict(CURVES, odd=constant_curve(5.0, 3601.0, 1.0, name="odd"))
    explorer = ScalingExplorer(BASE, curves, scenario="quiet")
    assert explorer.result is not None
    assert explorer.result.summary.offered_requests == pytest.approx(5.0 * 3600)  # 5 req/s, 1 h
    assert len(explorer.charts.outputs) == 2  # load and latency figures
    explorer.scenario.value = "odd"
    assert explorer.result is None and explorer.charts.outputs == ()
    assert explorer.error is not None and explorer.error.startswith(
        "simulation tick_s 5 does not divide the 3601 s of traffic curve 'odd'")
    assert "<p style='color:#b00'>Not simulated: simulation tick_s 5 does not divide" \
        in explorer.summary.value
    assert "Peak replicas" not in explorer.summary.value  # no figure of the last run left
    explorer.scenario.value = "quiet"
    assert explorer.error is None and explorer.result is not None
    assert "Not simulated" not in explorer.summary.value


def test_the_replica_sliders_cannot_cross() -> None:
    # interact22: min replicas reached 50 beside max replicas 8, a spec the API refuses; each
    # slider now stops at the other's value
    explorer = ScalingExplorer(BASE, CURVES, scenario="quiet")
    assert (explorer.min_replicas.min, explorer.min_replicas.max) == (1, 8)
    assert (explorer.max_replicas.min, explorer.max_replicas.max) == (2, 50)  # 50: at least
    explorer.min_replicas.value = 9  # dragged past the end: held at max replicas
    assert explorer.min_replicas.value == 8 and explorer.max_replicas.min == 8
    assert explorer.error is None and explorer.result is not None
    assert explorer.result.summary.peak_replicas == 8  # min 8: 8 pods at 5 req/s
    explorer.max_replicas.value = 10  # room again for a higher minimum
    assert explorer.min_replicas.max == 10
    explorer.min_replicas.value = 9
    assert explorer.result.summary.peak_replicas == 9
    explorer.max_replicas.value = 3  # below the minimum: held at it
    assert explorer.max_replicas.value == 9


def test_unknown_scenario_is_a_clear_error(tmp_path: Path) -> None:
    from infra_toolkit.errors import PlanError

    with pytest.raises(PlanError, match=r"unknown scenario\(s\) \['peak'\]"):
        ScalingExplorer.from_plan(REPO_ROOT / "tests/data/plans/report/small.yaml",
                                  scenario="peak", horizon_h=0.25)


def test_min_replicas_slider_starts_at_one_as_a_manifest_must() -> None:
    # a manifest with minReplicas 0 and a CPU metric is refused (HPAScaleToZero); before, the
    # slider went down to 0 and simulated it
    explorer = ScalingExplorer.from_plan(REPO_ROOT / "tests/data/plans/report/small.yaml",
                                         horizon_h=0.25)
    assert explorer.min_replicas.min == 1
    explorer.min_replicas.value = 0  # as the audit did: the widget holds it at its minimum
    assert explorer.min_replicas.value == 1 and explorer.tuning().min_replicas == 1
    assert explorer.error is None and explorer.result is not None


def test_an_hpa_already_at_zero_keeps_zero_on_the_slider() -> None:
    # a spec at minReplicas 0 that the HPAScaleToZero rule admits (an External metric beside the
    # CPU one) keeps its own value on the slider
    external = MetricSpec("External", external=ExternalMetricSource(
        MetricIdentifier("requests_per_second"), MetricTarget("AverageValue",
                                                              average_value_milli=500_000)))
    zero = dataclasses.replace(BASE, hpa=dataclasses.replace(
        BASE.hpa, min_replicas=0, metrics=(*BASE.hpa.metrics, external)))
    assert ScalingExplorer(zero, CURVES).min_replicas.min == 0


def test_an_hpa_without_a_cpu_target_shows_no_cpu_figure() -> None:
    # A26-5: the slider read a greyed 80 (its placeholder) for an HPA scaling on an External
    # metric alone, as if 80 % were that HPA's target
    external = MetricSpec("External", external=ExternalMetricSource(
        MetricIdentifier("requests_per_second"), MetricTarget("AverageValue",
                                                              average_value_milli=500_000)))
    explorer = ScalingExplorer(_with_hpa(metrics=(external,)), CURVES)
    assert explorer.target_cpu.disabled and not explorer.target_cpu.readout
    assert explorer.target_cpu.description == "CPU target: none in this HPA"
    assert explorer.tuning().target_cpu_utilization_pct is None


def _with_hpa(**changes: object) -> SimulationSpec:
    return dataclasses.replace(BASE, hpa=dataclasses.replace(BASE.hpa, **changes))


def _down(**rules: object) -> HPABehavior:
    return HPABehavior(scale_down=HPAScalingRules(**rules))  # type: ignore[arg-type]


# HPAs whose settings the sliders cannot show one for one; before, the explorer's first run
# replaced them (one Max Percent policy, no tolerance, a clamped slider value), so it showed
# another HPA than the plan's
AS_WRITTEN = {
    "scale-down disabled": _with_hpa(behavior=_down(
        stabilization_window_s=60, select_policy="Disabled",
        policies=(HPAScalingPolicy("Percent", 50, 60),))),
    "Min of Pods and Percent": _with_hpa(behavior=_down(
        stabilization_window_s=60, select_policy="Min",
        policies=(HPAScalingPolicy("Pods", 1, 60), HPAScalingPolicy("Percent", 50, 60)))),
    "Pods policy only": _with_hpa(behavior=_down(
        stabilization_window_s=60, policies=(HPAScalingPolicy("Pods", 1, 60),))),
    "scale-down tolerance": _with_hpa(behavior=_down(
        stabilization_window_s=60, policies=(HPAScalingPolicy("Percent", 50, 60),),
        tolerance=0.3)),
    "no behavior (legacy path)": _with_hpa(behavior=None),
    "CPU target above 100 %": _with_hpa(metrics=(cpu_utilization_metric(150),)),
    "period under 15 s": _with_hpa(behavior=_down(
        stabilization_window_s=60, policies=(HPAScalingPolicy("Percent", 50, 10),))),
    "fractional provisioning delay": dataclasses.replace(
        BASE, autoscaler=ClusterAutoscalerSpec(provisioning_delay_s=90.5)),
}


@pytest.mark.parametrize("spec", AS_WRITTEN.values(), ids=AS_WRITTEN.keys())
def test_the_first_run_is_the_spec_as_written(spec: SimulationSpec) -> None:
    assert tuned_spec(spec, tuning_of(spec)) == spec
    explorer = ScalingExplorer(spec, CURVES, scenario="quiet")
    assert explorer.tuning() == tuning_of(spec)
    assert explorer.result is not None
    assert explorer.result.summary == simulate(CURVES["quiet"], spec).summary


def test_a_value_under_a_sliders_range_keeps_its_grid() -> None:
    # interact22: a 10 s period started the period slider (step 15) at 10, so its positions
    # were 10, 25, 40, 55 s...: 15, 30 and 60 s could not be picked again. Step gcd(15, 15 -
    # 10) = 5: 10, 15, 20, ... 60 ... 1800 s
    explorer = ScalingExplorer(AS_WRITTEN["period under 15 s"], CURVES)
    period = explorer.scale_down_period
    assert (period.value, period.min, period.max, period.step) == (10, 10, 1800, 5)
    assert explorer.scale_down_window.step == 15  # its 60 s lies in its range: step kept


def test_a_disabled_scale_down_stays_disabled() -> None:
    explorer = ScalingExplorer(AS_WRITTEN["scale-down disabled"], CURVES, scenario="quiet")
    # the run starts with 4 warm pods and selectPolicy Disabled never lets the HPA remove one:
    # 4 pods x 1 h = 4.0 pod-hours (before: 2.04, scaled down as if no policy were set)
    assert explorer.result is not None and explorer.result.summary.pod_hours == 4.0
    # A26-6: the scale-down sliders say so rather than moving nothing
    for control in (explorer.scale_down_window, explorer.scale_down_percent,
                    explorer.scale_down_period):
        assert control.disabled and control.description.endswith(": scale-down disabled")


def test_moving_the_percent_slider_keeps_the_other_policies() -> None:
    explorer = ScalingExplorer(AS_WRITTEN["Min of Pods and Percent"], CURVES)
    explorer.scale_down_percent.value = 20
    assert explorer.result is not None
    down = explorer.result.spec.hpa.behavior.scale_down  # type: ignore[union-attr]
    assert (down.select_policy, down.stabilization_window_s, down.policies) == (
        "Min", 60, (HPAScalingPolicy("Pods", 1, 60), HPAScalingPolicy("Percent", 20, 60)))


def test_displayed_summary_is_a_direct_run_of_the_same_settings() -> None:
    explorer = ScalingExplorer(BASE, CURVES, scenario="flat")
    explorer.max_replicas.value = 6
    explorer.target_cpu.value = 40
    explorer.scale_down_window.value = 60
    explorer.scenario.value = "quiet"
    spec = tuned_spec(BASE, Tuning(2, 6, 40, 60, 100, 15, 60.0))
    direct = simulate(CURVES["quiet"], spec).summary
    assert explorer.result is not None and explorer.result.summary == direct
    shown = explorer.summary.value
    assert f"<td>{direct.peak_replicas}</td>" in shown
    assert f"<td>{direct.scale_events}</td>" in shown


def test_a_reader_without_a_kernel_sees_the_settings_and_summary_as_html() -> None:
    # a notebook run by papermill and opened in a viewer has no widget manager: the bundle's
    # text/html is what it shows (audit14 A14-13)
    explorer = ScalingExplorer(BASE, CURVES)
    explorer.target_cpu.value = 80
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle  # a live kernel's view
    shown = bundle["text/html"]
    assert shown.startswith("<p>Scaling explorer, static view: the controls and charts need a "
                            "live kernel")
    # the settings moved, and the last run's summary: settled at 3 pods (as the target slider
    # test works out), 80 % target
    assert "<td>80 %</td>" in shown and "<td>flat</td>" in shown
    assert explorer.summary.value in shown and "Peak replicas" in shown


def test_slo_minutes_read_as_the_reports() -> None:
    # author: the explorer printed 4.833333 where the report's SLO table prints 4.83. MAX_3's
    # one 100 rps pod (max 3) against 500 rps from 300 s stays saturated to the end: the 61
    # steps of 5 s from 300 s are above 300 ms, 61 x 5 / 60 = 5.0833 min -> "5.08"
    explorer = ScalingExplorer(MAX_3, {"step": TrafficCurve(
        np.array([50.0] * 60 + [500.0] * 61), 5.0)},
        slos=[Slo("p95", "latency", 95, 300.0)], workload="app")
    assert explorer.result is not None
    assert int((explorer.result.timeline["p95_latency_ms"] > 300).sum()) == 61
    slos = explorer.summary.value.split("explorer-slos")[1]
    cells = re.findall(r"<td>(.*?)</td>", slos)
    assert cells[0] == "p95" and cells[3] == "5.08" and cells[4] == "NO"
    # under the report's SLO table headers, not evaluate_slos' column names
    assert re.findall(r"<th>(.*?)</th>", slos) == [
        "SLO", "Objective", "Achieved", "Minutes violated", "Met"]


@pytest.mark.parametrize(("name", "moved", "shown"), [
    # a Pods-only scale-down has no Percent policy for the sliders to show: the static view
    # read "window 60 s, 100 % per 15 s", a policy the HPA does not have; it is 1 pod per 60 s
    ("Pods policy only", {}, "window 60 s, Max of: Pods 1 per 60 s"),
    # moving the Percent slider adds that policy beside the Pods one (selectPolicy Max: the
    # larger of the two each period): the view names both, as the run used them
    ("Pods policy only", {"scale_down_percent": 20},
     "window 60 s, Max of: Pods 1 per 60 s; Percent 20 per 15 s"),
    ("Min of Pods and Percent", {}, "window 60 s, Min of: Pods 1 per 60 s; Percent 50 per 60 s"),
    # no behavior: the controller's legacy path, as the report's workloads table says it
    ("no behavior (legacy path)", {}, "controller default"),
])
def test_both_views_name_the_scale_down_policies_the_run_used(
        name: str, moved: dict[str, int], shown: str) -> None:
    explorer = ScalingExplorer(AS_WRITTEN[name], CURVES, scenario="quiet")
    for control, value in moved.items():
        getattr(explorer, control).value = value
    # interact22: the live view (what a Jupyter user sees) showed only the sliders, whose
    # "100" and "15" for a Pods-only scale-down are their starting point, not the HPA's policy
    for view in (explorer._repr_mimebundle_()["text/html"], explorer.summary.value):
        assert f"<td>{shown}</td>" in view
        assert "100 % per 15 s" not in view


def test_pods_left_without_a_node_are_warned_and_the_warning_goes_with_them() -> None:
    # interact22: min replicas 12 on BASE's group (max_size 5 nodes x 2 pods = 10 pods) showed
    # "Peak replicas 12" and nothing else, where simulate PLAN warns. The sync at 15 s writes
    # 12 (below minReplicas); the scan at 20 s asks for 3 more nodes (8 pending pods, 2 a node:
    # 4 are needed, 3 are left under max_size) and 2 pods fit no group
    explorer = ScalingExplorer(BASE, CURVES, scenario="quiet")
    assert "warning" not in explorer.summary.value
    explorer.max_replicas.value = 12
    explorer.min_replicas.value = 12
    assert explorer.result is not None
    assert explorer.result.timeline["pending_pods"].iloc[-1] == 2  # to the end of the run
    assert (
        "<p style='color:#b00'>warning: scenario &#x27;quiet&#x27;: from 20 s, 2 pending pod(s) "
        "fit no node group: all at max_size: pods stayed Pending on the node groups of api, and "
        "the load they would serve was queued or dropped; raise the groups&#x27; "
        "scaling_config.max_size in the plan or use a larger instance type</p>"
    ) in explorer.summary.value
    explorer.min_replicas.value = 10  # 5 nodes x 2 pods: every pod has a node
    assert "warning" not in explorer.summary.value
