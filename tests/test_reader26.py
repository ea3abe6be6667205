"""reader26: defects a reviewer found reading the report's new parts (today's findings, the KEDA
scale-to-zero table, the canary room warning), each pinned by hand."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

from infra_toolkit.canary_room_warnings import canary_room_warnings
from infra_toolkit.keda_summary import ZeroScaling
from infra_toolkit.plan_simulation import simulation_spec
from infra_toolkit.plan_validate import load_plan
from infra_toolkit.pricing import load_price_book
from infra_toolkit.sections_architecture import _replicas_text
from infra_toolkit.sections_scaling import _ZERO_CAPTION, _zero_row


def test_the_keda_table_row_without_a_cold_start_shows_dashes() -> None:
    # a worker the queue kept busy all run (author21's infer-worker with minReplicaCount
    # removed, conversation-hour): never at zero, so no cold start to split; the parts read
    # '-' like the report's other tables, not empty cells beside 'none'
    # (its NodePools' groups have min_size 0: no node kept at zero)
    row = _zero_row("conversation-hour", "infer-worker", ZeroScaling(0.0, 0, ()),
                    {"api-spot": 0, "api-on-demand": 0})
    assert row == {
        "Scenario": "conversation-hour", "Workload": "infer-worker",
        "Time at zero replicas": "0 s", "Cold starts": 0, "Scaled to zero": 0,
        "Longest cold start": "-", "Activation wait": "-", "Node wait": "-",
        "Pod start-up": "-", "Nodes kept at zero (min_size)": "none"}


def test_the_keda_caption_explains_every_column() -> None:
    # the caption explained the cold start but not 'Scaled to zero' (read beside 'Cold starts'
    # 2 as 3 of what?), nor that the three parts are the longest cold start's and add up to it
    for said in ("Time at zero replicas: the run's time at 0 spec replicas",
                 "Cold starts: KEDA's writes from 0 replicas",
                 "Scaled to zero: its writes to 0",
                 "Longest cold start: the longest one of the run, split into Activation wait",
                 "Node wait (a node with room) and Pod start-up, which add up to it"):
        assert said in _ZERO_CAPTION
    # Karpenter plans scale to zero too: the caption names no one node autoscaler
    assert "cluster autoscaler" not in _ZERO_CAPTION


def test_a_canary_on_karpenter_pools_names_their_limits_not_a_max_size() -> None:
    # author21's infer-api on two Karpenter NodePools: the warning said "(api-spot, max_size
    # 12, api-on-demand, max_size 8)" and "raise max_size", a field a NodePool does not have
    # (its spec.limits cpu 24 give the 12 m6i.large nodes). Stood-in run, infer-api alone at
    # a peak of 31: an m6i.large leaves 1,805m and 6,903 MiB (the report's Node groups
    # table), so min(floor(1805 / 500), floor(6903 / 1024), 27) = min(3, 6, 27) = 3 pods of
    # 500m / 1 GiB a node, x (12 + 8) nodes = 60. Step 2: ceil(31 x 50 / 100) = 16 + 31 = 47
    # fits; step 3: 31 + 31 = 62 > 60, 2 Pending
    path = Path(__file__).parent / "data" / "author21" / "inference-api.yaml"
    plan = load_plan(path)
    spec = simulation_spec(plan, "infer-api", load_price_book())
    run = SimpleNamespace(name="conversation-hour", cluster=None, simulations={
        "infer-api": SimpleNamespace(spec=spec, summary=SimpleNamespace(peak_replicas=31))})
    (warning,) = canary_room_warnings(plan, run)  # type: ignore[arg-type]
    assert warning.path == "deployment_strategy.canary.steps[2]"
    assert warning.message == (
        "the plan's canary of workload 'infer-api', rolled at its peak of 31 replicas in "
        "scenario 'conversation-hour', runs 62 pods at once at step 3 of 3 (traffic weight "
        "100 %: 31 canary + 31 stable), but its node groups (api-spot, 12 nodes by its "
        "NodePool's spec.limits; api-on-demand, 8 nodes by its NodePool's spec.limits) hold 60 "
        "of its pods beside the other workloads at their peak: 2 pod(s) stay Pending and the "
        "rollout stalls at that step (the Canary pods per step table's 'Fits, others at peak' "
        "NO); raise the NodePools' limits.cpu / limits.memory or use a larger instance type, "
        "or roll at a quieter hour (the table's minReplicas rows)")


def test_a_workload_keda_scales_to_zero_shows_replicas_from_zero(tmp_path: Path) -> None:
    # author21 with infer-worker's minReplicaCount removed (KEDA's default 0: scale to zero).
    # The Workloads table read '1-30', the HPA KEDA creates (minReplicas at least 1), while
    # the KEDA table beside it said 39 min 30 s at zero replicas in a quiet scenario
    shutil.copytree(Path(__file__).parent / "data" / "author21", tmp_path / "a21")
    keda = tmp_path / "a21" / "inference" / "keda.yaml"
    text = keda.read_text()
    assert text.count("  minReplicaCount: 2\n") == 1  # infer-worker's
    keda.write_text(text.replace("  minReplicaCount: 2\n", ""))
    plan = load_plan(tmp_path / "a21" / "inference-api.yaml")
    api, worker = plan.proposed.workloads
    assert _replicas_text(worker) == (
        "0-30 (KEDA writes 0 when no trigger is active; its HPA 1-30)")
    # infer-api keeps minReplicaCount 3: KEDA never goes below the HPA's range
    assert _replicas_text(api) == "3-45"
