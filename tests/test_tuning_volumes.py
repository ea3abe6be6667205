"""The sweep prices a StatefulSet workload's claimed volumes as the report does
(:mod:`infra_toolkit.tuning_volumes`, ``tuning_cost.SweepPricer``).

The plan: tests/test_claimed_volumes.py's StatefulSet ``api`` (3 replicas at the start, HPA
3..5 at 70 % CPU of 200m, 20m + 5m per req/s, 40 req/s a pod), its template ``data`` made
1500 GiB gp3 here so a volume weighs as much as a node; node group ``general`` (2 m5.large
nodes all hour: its min_size); the p95 SLO at 400 ms. A pod holds 70 % at (140 - 20) / 5 = 24
req/s, so 60 req/s needs 3 pods and 120 req/s 5.

Prices (us-east-1 rows of the shipped tables): gp3 $0.08 per GB-month (``ebs_gp3_storage``),
so a 1500 GiB volume kept all month is $120.00; m5.large $0.096/h, t3.medium $0.0416/h; the
nodes' gp2 disks $0.10 per GB-month. A month is 730 h; the simulated window is one hour of 720
ticks of 5 s, so a mean of V volumes costs V x $120 = (volume-ticks / 720) x 120 = volume-ticks
/ 6 dollars.

Node cost, every variant: 2 nodes all hour. m5.large: 2 x 730 x 0.096 = 140.16 + disks 2 x 20
GB x 0.10 = 4.00 -> $144.16; t3.medium: 2 x 730 x 0.0416 = 60.736 + 4.00 = $64.736 (its surplus
CPU credits from the run: 5 pods of at most 140m on 2 nodes of 2,000m is at most 17.5 %, under
its 20 % baseline: none charged).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from infra_toolkit.analysis import analyze_plan
from infra_toolkit.claimed_volumes import ClaimTemplate, volume_counts
from infra_toolkit.cost import cents
from infra_toolkit.plan import read_plan
from infra_toolkit.pricing import load_price_book
from infra_toolkit.tuning import SweepResult, sweep_workload
from infra_toolkit.tuning_format import format_sweep
from infra_toolkit.tuning_grid import parse_vary
from infra_toolkit.tuning_volumes import screened_volumes
from tests.test_claimed_volumes import DATA, STATEFULSET, _statefulset_plan

# req/s a minute: 60 for 50 minutes, then 120 for the last 10 (the replicas only rise)
RISE = [60] * 50 + [120] * 10
# test_claimed_volumes' traffic: 60, 120 from minute 10 to 30, then 60 (up to 5 and back)
UP_AND_DOWN = [60] * 10 + [120] * 20 + [60] * 30
GRID = ["minReplicas=4,5", "instance_type=m5.large,t3.medium"]


def _plan(tmp_path: Path, rates: list[int], when_scaled: str = "Retain",
          storage_class: bool = True, neighbour: bool = False) -> Path:
    path = _statefulset_plan(tmp_path)
    sts = STATEFULSET.replace("storage: 20Gi", "storage: 1500Gi").replace(
        "  serviceName: api\n", "  serviceName: api\n  persistentVolumeClaimRetentionPolicy: "
        f"{{whenScaled: {when_scaled}}}\n")
    (tmp_path / "manifests" / "deployment.yaml").write_text(
        sts if storage_class else sts.split("---")[0])
    (tmp_path / "manifests" / "traffic.csv").write_text(
        "timestamp,requests_per_second\n"
        + "".join(f"{60 * i},{r}\n" for i, r in enumerate(rates)))
    text = path.read_text().replace("threshold_ms: 250", "threshold_ms: 400")
    if neighbour:  # a Deployment without an HPA on the same group: cluster mode
        cron = (DATA / "manifests" / "deployment.yaml").read_text().replace(": api", ": cron")
        (tmp_path / "manifests" / "cron.yaml").write_text(cron)
        text = text.replace("  workloads:\n", "  workloads:\n    - name: cron\n      deployment: "
                            "manifests/cron.yaml\n      node_group: general\n", 1)
    path.write_text(text)
    return path


def _sweep(path: Path, grid: list[str], top: int = 10) -> SweepResult:
    return sweep_workload(read_plan(path), load_price_book(), "api", parse_vary(grid),
                          scenarios=["steady"], top=top)


def _row(result: SweepResult, **values: object) -> dict[str, Any]:
    t = result.table
    found = t[(t[list(values)] == list(values.values())).all(axis=1) & ~t["baseline"]]
    assert len(found) == 1, found
    return dict(found.iloc[0])


def _template(when_scaled: str) -> ClaimTemplate:
    return ClaimTemplate(0, "api", "data", 20, "fast", when_scaled,
                         {"volume_type": "gp3", "size": 20})


@pytest.mark.parametrize(("replicas", "start", "when_scaled", "bound", "run_mean"), [
    # up to 5 and back (test_claimed_volumes' REPLICAS): 29 pod-ticks over 8 ticks. Delete:
    # the volumes are the replicas, 29 / 8 = 3.625, the run's mean exactly
    ([3, 3, 4, 5, 5, 3, 3, 3], 3, "Delete", 3.625, 3.625),
    # Retain: max(29, (8 - 1) x 3 + 5 = 26) / 8 = 3.625, below the run's 3, 3, 4, 5, 5, 5, 5, 5
    # = 35 / 8 = 4.375 (the peak came early and was kept)
    ([3, 3, 4, 5, 5, 3, 3, 3], 3, "Retain", 3.625, 4.375),
    # the peak on the last tick: max(26, 7 x 3 + 5 = 26) / 8 = 3.25, the run's 26 / 8 exactly
    ([3, 3, 3, 3, 3, 3, 3, 5], 3, "Retain", 3.25, 3.25),
    # never above the start: max(9, 3 x 3 + 3 = 12) / 4 = 3.0, the start's 3 all window
    ([3, 2, 2, 2], 3, "Retain", 3.0, 3.0),
])
def test_a_summary_rows_volumes_are_a_lower_bound_by_hand(
        replicas: list[int], start: int, when_scaled: str, bound: float,
        run_mean: float) -> None:
    tick_s = 5.0
    # a summary row's figures: pod-hours (pod-ticks x 5 s), peak, window
    row = {"pod_hours": sum(replicas) * tick_s / 3600.0, "peak_replicas": max(replicas),
           "duration_s": len(replicas) * tick_s}
    got = screened_volumes([_template(when_scaled)], row, start, tick_s)
    assert got is not None and got.mean == bound
    # the report's count from the timeline (claimed_volumes.volume_counts), as the hand sums
    assert float(volume_counts(np.array(replicas), start, when_scaled).mean()) == run_mean


def test_the_baseline_row_is_the_reports_cost_with_its_volumes(tmp_path: Path) -> None:
    path = _plan(tmp_path, RISE)
    base = _sweep(path, ["minReplicas=4"]).table.query("baseline").iloc[0]
    run = analyze_plan(path, store_location=str(tmp_path / "none")).run("steady")
    spec = run.simulations["api"].timeline["spec_replicas"]
    changes = [(int(t), int(r)) for t, r in zip(
        run.simulations["api"].timeline["time_s"][spec.ne(spec.shift())], spec[spec.ne(
            spec.shift())], strict=True)]
    # the 3 pods of the start hold 60 req/s; the rise at 3,000 s reaches the HPA at 3,030 s
    assert changes == [(0, 3), (3030, 5)]
    # Retain: 3 volumes for 606 ticks, 5 for the last 114: 1,818 + 570 = 2,388 volume-ticks
    # / 6 = $398.00; + the m5.large nodes $144.16 = $542.16
    assert base["claimed_volumes_monthly_usd"] == Decimal("398.00")
    assert base["monthly_usd"] == Decimal("542.16")
    # and the report's own lines for that scenario: node group + claimed volumes
    lines = [ln.monthly_cost_usd for ln in run.estimate.lines
             if ln.address in ("aws_eks_node_group.general",
                               "aws_ebs_volume.statefulset/api/data")]
    assert len(lines) == 3  # instances, node disks, the claimed volumes
    assert base["monthly_usd"] == cents(sum(lines, Decimal(0)))
    assert base["checked_by"] == "report rule" and base["note"] == \
        "steady: max p95 7,489 ms > 400 ms"


def test_volumes_change_the_ranking(tmp_path: Path) -> None:
    result = _sweep(_plan(tmp_path, RISE), GRID)
    # minReplicas 4: 3 pods for the first sync's 3 ticks (15 s), then 4, then 5 from 3,030 s
    # (tick 606): 9 + 4 x 603 + 5 x 114 = 2,991 volume-ticks / 6 = $498.50;
    # minReplicas 5: 3 for 3 ticks, then 5: 9 + 5 x 717 = 3,594 / 6 = $599.00
    # (4, t3.medium) 64.736 + 498.50 = 563.236 -> $563.24; (4, m5.large) 144.16 + 498.50 =
    # $642.66; (5, t3.medium) 64.736 + 599.00 = 663.736 -> $663.74; (5, m5.large) $743.16.
    # Without the volumes both t3.medium rows ($64.74) would rank before both m5.large rows
    # ($144.16); with them (4, m5.large) ranks before (5, t3.medium)
    t = result.table
    meets = t[t["status"] == "meets SLOs"]
    assert list(zip(meets["minReplicas"], meets["instance_type"], meets["monthly_usd"],
                    meets["claimed_volumes_monthly_usd"], strict=True)) == [
        (4, "t3.medium", Decimal("563.24"), Decimal("498.50")),
        (4, "m5.large", Decimal("642.66"), Decimal("498.50")),
        (5, "t3.medium", Decimal("663.74"), Decimal("599.00")),
        (5, "m5.large", Decimal("743.16"), Decimal("599.00"))]
    text = format_sweep(result, "table")
    assert "monthly node and claimed volume cost of steady" in text.splitlines()[0]
    assert "of it volumes" in text and "$498.50" in text


@pytest.mark.parametrize("when_scaled", ["Retain", "Delete"])
def test_a_screened_cost_is_never_above_the_confirmed_one(tmp_path: Path,
                                                          when_scaled: str) -> None:
    path = _plan(tmp_path, UP_AND_DOWN, when_scaled)
    screened = _sweep(path, GRID, top=1)  # the confirmation stops at the first meeting them
    confirmed = _sweep(path, GRID)  # every variant run
    left = screened.table[screened.table["status"] == "not confirmed"]
    assert len(left) == 3
    for r in left.to_dict("records"):
        values = {"minReplicas": r["minReplicas"], "instance_type": r["instance_type"]}
        run = _row(confirmed, **values)
        assert run["checked_by"] == "report rule"
        assert r["monthly_usd"] <= run["monthly_usd"]
        assert r["claimed_volumes_monthly_usd"] <= run["claimed_volumes_monthly_usd"]
        if when_scaled == "Delete":  # exact: the mean replicas from the pod-hours
            assert r["claimed_volumes_monthly_usd"] == run["claimed_volumes_monthly_usd"]
    # minReplicas 4 on m5.large: 3 pods for 3 ticks, 4 until 630 s (tick 126), 5 until 2,130 s
    # (the drop at 1,800 s, then the 300 s downscale stabilization; tick 426), then 4:
    # replicas 9 + 4 x 123 + 5 x 300 + 4 x 294 = 3,177 pod-ticks.
    # Delete: 3,177 / 6 = $529.50, run and screen alike. Retain, run: 5 kept from tick 126:
    # 9 + 492 + 5 x 594 = 3,471 / 6 = $578.50; screened: max(3,177, 719 x 3 + 5) = 3,177: $529.50
    row = _row(screened, minReplicas=4, instance_type="m5.large")
    assert row["status"] == "not confirmed"
    assert row["claimed_volumes_monthly_usd"] == Decimal("529.50")
    assert _row(confirmed, minReplicas=4, instance_type="m5.large")[
        "claimed_volumes_monthly_usd"] == Decimal("578.50" if when_scaled == "Retain"
                                                  else "529.50")
    assert row["monthly_usd"] == Decimal("673.66")  # 144.16 + 529.50
    how = ("a lower bound (whenScaled Retain: at least the mean replicas and the 3 at the start, "
           "the peak 5 from the last tick only; the report counts the run's ticks)"
           if when_scaled == "Retain" else
           "whenScaled Delete: the mean replicas, pod-hours / window, as the run gives them")
    # 3,177 / 720 = 4.4125 volumes on average
    assert row["note"] == f"claimed volumes of StatefulSet api from the summary row: 4.412 on " \
        f"average, {how}"


def test_a_missing_storage_class_is_said_not_left_out_silently(tmp_path: Path) -> None:
    path = _plan(tmp_path, RISE, storage_class=False)
    result = _sweep(path, ["minReplicas=4"])
    # the report prices no volume line for them (test_claimed_volumes), and neither does the
    # sweep: the m5.large nodes alone, $144.16, each row saying why
    run = analyze_plan(path, store_location=str(tmp_path / "none")).run("steady")
    assert not [ln for ln in run.estimate.lines if ln.address.startswith("aws_ebs_volume")]
    why = ("claimed volumes of StatefulSet api not included: template 'data' names "
           "storageClassName 'fast', but deployment.yaml holds no StorageClass of that name "
           "(the report leaves them unpriced too, and validate warns)")
    for r in result.table.to_dict("records"):
        assert r["monthly_usd"] == Decimal("144.16")
        assert r["claimed_volumes_monthly_usd"] is None
        assert why in r["note"]


def test_cluster_mode_prices_the_volumes_from_each_run(tmp_path: Path) -> None:
    path = _plan(tmp_path, RISE, neighbour=True)
    result = _sweep(path, ["minReplicas=4,5"])
    assert result.cluster == ("cron",)
    # api's at most 5 pods and cron's 2 (200m each) fit the 2 m5.large nodes: the replicas as
    # alone (test_volumes_change_the_ranking): baseline 398.00, minReplicas 4 498.50, 5 599.00,
    # each + $144.16 of nodes
    t = result.table
    assert list(zip(t["baseline"], t["minReplicas"], t["monthly_usd"],
                    t["claimed_volumes_monthly_usd"], strict=True)) == [
        (False, 4, Decimal("642.66"), Decimal("498.50")),
        (False, 5, Decimal("743.16"), Decimal("599.00")),
        (True, 3, Decimal("542.16"), Decimal("398.00"))]
    run = analyze_plan(path, store_location=str(tmp_path / "none")).run("steady")
    (line,) = [ln for ln in run.estimate.lines
               if ln.address == "aws_ebs_volume.statefulset/api/data"]
    assert cents(line.monthly_cost_usd) == Decimal("398.00")
