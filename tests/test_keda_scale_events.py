"""left24: KEDA's writes from zero in the summary's scale events and flaps, and its activation
wait as its own part of the time-to-capacity breakdown, on tests/test_keda_activation.py's
hand-worked SQS worker (woken by KEDA at 120 s, Ready at 155 s, put back to zero at 720 s)."""

from __future__ import annotations

import csv
import dataclasses
import io

from infra_toolkit.sections_scaling import capacity_table
from infra_toolkit.simulate import simulate
from infra_toolkit.simulation_summary import format_summary
from infra_toolkit.time_to_capacity import PART_LABELS, TimeToCapacity
from tests.test_keda_activation import ORDERS, SPEC, WARM_NODE


def test_keda_wake_and_sleep_are_scale_events_and_a_quick_pair_is_a_flap() -> None:
    # KEDA writes 0 -> 1 at 120 and 1 -> 0 at 720; the HPA never changes the 1 between (the
    # queue's 0.08 messages in flight / 100 a pod -> 1 = minReplicas): 2 scale events, as
    # the report's and the CLI's "scale_events" say. 720 - 120 = 600 s apart: a flap only
    # within the window, so none at the default 300 s and one at 600 s.
    assert (simulate(ORDERS, SPEC).summary.scale_events,
            simulate(ORDERS, SPEC).summary.flaps) == (2, 0)
    assert simulate(ORDERS, dataclasses.replace(SPEC, flap_window_s=600.0)).summary.flaps == 1


def test_the_activation_wait_is_its_own_part_of_the_episode() -> None:
    # Under capacity from 100 s (1 rps offered, no Ready pod) to 155 s (the pod Ready): 55 s.
    # Before left24 the 20 s to KEDA's write at 120 were read as the HPA's: metric lag to the
    # scrape at 110 (offset 5 + 7 x 15), sync wait to 120. At zero the HPA does not scale, so
    # they are KEDA's activation: 120 - 100 = 20 s; the pod was created by that write and
    # scheduled at once on the warm node (no HPA part, no node wait), then Ready 35 s later.
    # 20 + 0 + 0 + 0 + 0 + 0 + 0 + 35 = 55 = total.
    (episode,) = simulate(ORDERS, SPEC).summary.time_to_capacity
    assert episode == TimeToCapacity(100.0, 155.0, 55.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 35.0,
                                     "pods", keda_activation_s=20.0)


def test_a_cold_start_on_no_node_adds_the_node_after_the_activation() -> None:
    # test_a_cold_start_on_no_node_waits_for_one: KEDA writes at 120, the node launched at 130
    # is Ready at 190, the pod Ready at 225: 20 s activation + 70 s node + 35 s start-up = 125 s
    spec = dataclasses.replace(SPEC, node_groups=(dataclasses.replace(WARM_NODE, min_size=0),))
    (episode,) = simulate(ORDERS, spec).summary.time_to_capacity
    assert (episode.start_s, episode.total_s, episode.keda_activation_s, episode.metric_lag_s,
            episode.sync_wait_s, episode.node_provisioning_s, episode.pod_startup_s) == (
        100.0, 125.0, 20.0, 0.0, 0.0, 70.0, 35.0)


def test_the_part_is_named_in_the_csv_and_the_report_first() -> None:
    # the episode's order: KEDA's wait comes before any of the HPA's parts
    assert PART_LABELS[0] == ("keda_activation_s", "KEDA activation")
    assert TimeToCapacity.PARTS[0] == "keda_activation_s"
    row = next(csv.DictReader(io.StringIO(format_summary(simulate(ORDERS, SPEC).summary,
                                                         "csv"))))
    assert (row["total_keda_activation_s"], row["total_metric_lag_s"],
            row["total_pod_startup_s"], row["scale_events"]) == ("20.0", "0.0", "35.0", "2")


def test_the_report_table_shows_the_part_only_where_keda_scales_to_zero() -> None:
    # one row as scaling_behaviour builds it: the parts under PART_LABELS' words
    row = {"Scenario": "steady", "Workload": "orders", "Total": "55 s",
           **{f"{label[0].upper()}{label[1:]} (s)": 0.0 for _, label in PART_LABELS}}
    row["KEDA activation (s)"], row["Pod start-up (s)"] = 20.0, 35.0
    shown = capacity_table([row], keda=True)
    assert list(shown.frame.columns[3:5]) == ["KEDA activation (s)", "Metric lag (s)"]
    assert shown.frame["KEDA activation (s)"].tolist() == [20.0]
    assert "KEDA activation: an episode that began at zero replicas" in shown.caption
    plain = capacity_table([row], keda=False)
    assert "KEDA activation (s)" not in plain.frame.columns
    assert "KEDA" not in plain.caption
