"""reader26: defects a reviewer found reading the report's new parts (today's findings, the KEDA
scale-to-zero table, the canary room warning), each pinned by hand."""

from __future__ import annotations

from infra_toolkit.keda_summary import ZeroScaling
from infra_toolkit.sections_scaling import _ZERO_CAPTION, _zero_row


def test_the_keda_table_row_without_a_cold_start_shows_dashes() -> None:
    # a worker the queue kept busy all run (author21's infer-worker with minReplicaCount
    # removed, conversation-hour): never at zero, so no cold start to split; the parts read
    # '-' like the report's other tables, not empty cells beside 'none'
    row = _zero_row("conversation-hour", "infer-worker", ZeroScaling(0.0, 0, ()))
    assert row == {
        "Scenario": "conversation-hour", "Workload": "infer-worker",
        "Time at zero replicas": "0 s", "Cold starts": 0, "Scaled to zero": 0,
        "Longest cold start": "-", "Activation wait": "-", "Node wait": "-",
        "Pod start-up": "-"}


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
