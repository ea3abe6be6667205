"""interact22: the scaling explorer as an SRE drives it, against ``infra-toolkit simulate``.

The explorer's sliders moved to settings, and ``simulate PLAN`` of a copy of the plan whose HPA
manifest holds those settings, must show the same run: the same figures and the same warning
for pods no node group could take (before, the explorer showed none)."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from infra_toolkit.cli import main
from infra_toolkit.explorer import ScalingExplorer

AUTHOR20 = Path(__file__).resolve().parent / "data" / "author20"


def test_moved_sliders_show_what_simulate_shows_for_the_edited_plan(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # ingest-api shares the 'events' node group with event-consumer: the explorer runs them
    # together, as simulate PLAN does
    explorer = ScalingExplorer.from_plan(AUTHOR20 / "event-ingest.yaml", workload="ingest-api",
                                         scenario="backfill-burst")
    assert "warning" not in explorer.summary.value  # the plan as written: every pod placed
    explorer.max_replicas.value = 40
    explorer.min_replicas.value = 6
    explorer.target_cpu.value = 45
    explorer.scale_down_window.value = 60

    copy = tmp_path / "author20"
    shutil.copytree(AUTHOR20, copy)
    manifest = copy / "ingest" / "ingest-api.yaml"
    text = manifest.read_text()
    for old, new in (("  minReplicas: 3\n", "  minReplicas: 6\n"),
                     ("  maxReplicas: 20\n", "  maxReplicas: 40\n"),
                     ("averageUtilization: 60", "averageUtilization: 45"),
                     ("stabilizationWindowSeconds: 300", "stabilizationWindowSeconds: 60")):
        assert text.count(old) == 1
        text = text.replace(old, new)
    manifest.write_text(text)
    capsys.readouterr()
    # every workload, so that the warning names each one whose pods waited, as the explorer's
    # does (with --workload, simulate names the chosen ones only)
    assert main(["simulate", str(copy / "event-ingest.yaml"), "--scenario", "backfill-burst",
                 "--format", "json"]) == 0
    out, err = capsys.readouterr()
    (row,) = [r for r in json.loads(out) if r["workload"] == "ingest-api"]

    assert explorer.result is not None
    s = explorer.result.summary
    assert (s.peak_replicas, s.scale_events, s.flaps, round(s.pod_hours, 3),
            round(s.dropped_requests, 3)) == (row["peak_replicas"], row["scale_events"],
                                              row["flaps"], row["pod_hours"],
                                              row["dropped_requests"])
    # min 6 and a 45 % target want more pods than the 'events' group's max_size holds: 10 pods
    # wait from the scan at 820 s, on the group both workloads use
    warning = ("warning: scenario 'backfill-burst': from 820 s, 10 pending pod(s) fit no node "
               "group: all at max_size: pods stayed Pending on the node groups of ingest-api, "
               "event-consumer, and the load they would serve was queued or dropped; raise the "
               "groups' scaling_config.max_size in the plan or use a larger instance type")
    assert err.strip() == warning
    shown = re.findall(r"<p style='color:#b00'>(.*?)</p>", explorer.summary.value)
    assert [html.unescape(p) for p in shown] == [warning]
