"""The report's joint run (infra_toolkit.joint_run) as the sweep's cluster mode and the scaling
explorer put a workload in it: the plans of tests/test_tuning.py (small.yaml with ``worker``,
its own HPA, on api's node group ``general``, m5.large, 2..4 nodes; or with ``cron``, a
Deployment without an HPA, there)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from infra_toolkit.analysis import analyze_plan
from infra_toolkit.explorer import ScalingExplorer, tuned_spec
from infra_toolkit.joint_run import joint_run
from infra_toolkit.plan import read_plan
from infra_toolkit.pricing import load_price_book
from infra_toolkit.simulate import simulate
from tests.test_tuning import _plan_with_autoscaled_neighbour, _plan_with_neighbour


def test_the_workloads_sharing_a_group_are_named(tmp_path: Path) -> None:
    joint = joint_run(read_plan(_plan_with_neighbour(tmp_path)), load_price_book())
    assert list(joint.specs) == ["api"] and [f.name for f in joint.fixed] == ["cron"]
    assert joint.sharing("api") == ("cron",)


def test_a_spec_put_in_the_run_brings_its_group_and_autoscaler_to_every_pod(
        tmp_path: Path) -> None:
    joint = joint_run(read_plan(_plan_with_autoscaled_neighbour(tmp_path)), load_price_book())
    api = joint.specs["api"]
    (general,) = api.node_groups
    bigger = dataclasses.replace(general, max_size=6)
    slower = dataclasses.replace(api.autoscaler, provisioning_delay_s=300.0)
    specs, fixed = joint.with_spec("api", dataclasses.replace(api, node_groups=(bigger,),
                                                               autoscaler=slower))
    assert fixed == ()
    # worker's pods run on the same group, now of 6 nodes at most, under the one autoscaler
    assert specs["worker"].node_groups == (bigger,)
    assert specs["worker"].autoscaler.provisioning_delay_s == 300.0
    assert specs["worker"].hpa == joint.specs["worker"].hpa  # its own HPA untouched


def test_the_explorer_first_shows_what_the_report_shows_beside_a_neighbour(
        tmp_path: Path) -> None:
    path = _plan_with_autoscaled_neighbour(tmp_path)
    explorer = ScalingExplorer.from_plan(path, workload="api", scenario="ramp")
    report = analyze_plan(path, scenarios=["ramp"], store_location=str(tmp_path / "none"))
    assert explorer.result is not None
    assert explorer.result.summary == report.run("ramp").simulations["api"].summary
    # the neighbour's pods count: at minReplicas 14, api alone fits 2 m5.large (9 pods of
    # 200m each: floor(1,805m allocatable / 200) = 9), 2.0 node-hours; beside worker's 4+
    # pods (18 slots exceeded) a third node joins
    explorer.max_replicas.value = 16  # first: the min slider stops at max replicas
    explorer.min_replicas.value = 14
    assert explorer.result is not None
    alone = simulate(explorer.curves["ramp"], tuned_spec(explorer.base_spec, explorer.tuning()))
    assert alone.summary.node_hours_by_instance_type == {"m5.large": 2.0}
    assert explorer.result.summary.node_hours_by_instance_type["m5.large"] > 2.0
