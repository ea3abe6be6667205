"""Every plan shipped under ``plans/`` validates, names only traces with an origin note, and the
second example plan (``plans/search-api.yaml``) prices its proposed resources as worked out by
hand from the shipped price rows, quotes the TV spot's figures as the report computes them,
shows its canary's pods per step as worked out by hand, and the shipped alert mappings replay
on the simulated scenarios as read off the timelines."""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from infra_toolkit import charts, sections
from infra_toolkit.analysis import PlanAnalysis, analyze_plan
from infra_toolkit.cost import cents
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.latency import response_time_quantile_ms
from infra_toolkit.plan import Plan, read_plan
from infra_toolkit.plan_alerts import replay_scenario
from infra_toolkit.plan_operations_types import DeploymentStrategy
from infra_toolkit.plan_scenario_types import CsvTraffic, LoadTest
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import PriceBook, load_price_book
from infra_toolkit.readiness import Probe, seconds_to_ready
from infra_toolkit.rollout_strategies import strategy_groups
from infra_toolkit.rollout_tables import canary_step_table, rollout_table
from infra_toolkit.sections_architecture import components_with_cost
from infra_toolkit.sections_cost import cost_summary
from infra_toolkit.sections_monitoring import alert_replay_frame
from infra_toolkit.slo_check import evaluate_slos
from infra_toolkit.tuning import sweep_workload
from tests.test_author19b_catalog import caption_sentences
from tests.test_cost_architectures import lines

REPO = Path(__file__).resolve().parent.parent
PLANS = sorted((REPO / "plans").glob("*.yaml"))
D = Decimal


#: ``analysis(plan file name, *scenarios)``: the shipped plan's analysis on those scenarios
Analysis = Callable[..., PlanAnalysis]


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_price_book()


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    """``analyze_plan`` of ``plans/<plan>`` on the given scenarios with an approval store that
    does not exist, run once per module for each plan and scenarios: several tests read the
    same analysis (a frozen PlanAnalysis, only read here)."""
    store = str(tmp_path_factory.mktemp("store") / "none")

    @functools.cache
    def run(plan: str, *scenarios: str) -> PlanAnalysis:
        return analyze_plan(REPO / "plans" / plan, scenarios=list(scenarios),
                            store_location=store)

    return run


def test_the_shipped_plans_are_the_two_examples() -> None:
    # a new plan under plans/ is picked up by the tests below without editing them
    assert {p.name for p in PLANS} >= {"ecommerce-eks.yaml", "search-api.yaml"}


@pytest.mark.parametrize("plan", PLANS, ids=[p.stem for p in PLANS])
def test_every_shipped_plan_validates(plan: Path) -> None:
    got, problems, _warnings = check_plan_warnings(plan)
    assert got is not None and problems == [], "\n".join(map(str, problems))


@pytest.mark.parametrize("plan", PLANS, ids=[p.stem for p in PLANS])
def test_every_trace_a_shipped_plan_uses_has_its_origin_note(plan: Path) -> None:
    traces = {s.traffic.path for s in read_plan(plan).scenarios
              if isinstance(s.traffic, CsvTraffic)}
    for trace in traces:
        note = trace.with_suffix(".md")
        assert note.is_file(), f"{trace.name} has no origin and licence note beside it"
        assert "## Origin" in note.read_text() and "## Licence" in note.read_text()


# plans/search-api.yaml, proposed side as declared (node groups at desired_size), each line
# from the shipped rows (730 hours a month):
#   rds_on_demand us-east-1,PostgreSQL,db.r6g.large,multi-az,0.45  -> 0.45 x 730 = 328.50
#   rds_on_demand us-east-1,PostgreSQL,db.r6g.large,single-az,0.225 -> 0.225 x 730 = 164.25
#   other_services rds_gp3_storage_multi_az 0.23 per GB-month   -> 200 GB x 0.23 = 46.00
#   other_services rds_gp3_storage_single_az 0.115             -> 200 GB x 0.115 = 23.00
#     (the replica inherits the primary's 200 GB gp3 and is Single-AZ)
#   elasticache_on_demand us-east-1,Redis,cache.r6g.large,0.206 per node
#                                                               -> 2 nodes x 0.206 x 730 = 300.76
#   ec2_on_demand us-east-1,m6i.large,0.096                    -> 2 nodes x 0.096 x 730 = 140.16
#   other_services ebs_gp3_storage 0.08 per GB-month           -> 2 nodes x 40 GB x 0.08 = 6.40
#   ec2_on_demand us-east-1,c6i.large,0.085                    -> 1 node x 0.085 x 730 = 62.05
#   other_services nlb_hour 0.0225                             -> 0.0225 x 730 = 16.425
#   NLB TCP NLCU: max(20 new flows/s / 800, 2000 active / 100000, 4.1 GB/h / 1) = 4.1
#     x other_services nlb_nlcu 0.006                          -> 4.1 x 730 x 0.006 = 17.958
#   other_services intra_region 0.01 per GB and direction      -> 600 GB x 2 x 0.01 = 12.00
#   other_services internet_out first 10 TB 0.09               -> 2840 GB x 0.09 = 255.60
SEARCH_API_PROPOSED = {
    ("aws_db_instance.search", "Database instance (on-demand, Multi-AZ, db.r6g.large)"):
        D("328.50"),
    ("aws_db_instance.search_replica", "Database instance (on-demand, Single-AZ, db.r6g.large)"):
        D("164.25"),
    ("aws_db_instance.search", "Storage (general purpose SSD, gp3)"): D("46.00"),
    ("aws_db_instance.search_replica", "Storage (general purpose SSD, gp3)"): D("23.00"),
    ("aws_elasticache_replication_group.search_results",
     "ElastiCache (on-demand, cache.r6g.large)"): D("300.76"),
    ("aws_eks_node_group.api", "Instance usage (Linux/UNIX, on-demand, m6i.large)"): D("140.16"),
    ("aws_eks_node_group.api", "launch_template: Storage (general purpose SSD, gp3)"): D("6.40"),
    ("aws_eks_node_group.burst", "Instance usage (Linux/UNIX, on-demand, c6i.large)"): D("62.05"),
    ("aws_lb.search", "Network load balancer"): D("16.425"),
    ("aws_lb.search", "Load balancer capacity units"): D("17.958"),
    ("aws_data_transfer.internet", "Intra-region data transfer"): D("12.00"),
    ("aws_data_transfer.internet", "Outbound data transfer to Internet (first 10TB)"):
        D("255.60"),
}


@pytest.mark.parametrize(("key", "usd"), list(SEARCH_API_PROPOSED.items()),
                         ids=[" / ".join(k) for k in SEARCH_API_PROPOSED])
def test_search_api_proposed_lines_priced_by_hand(book: PriceBook, key: tuple[str, str],
                                                  usd: Decimal) -> None:
    plan = read_plan(REPO / "plans" / "search-api.yaml")
    assert lines(estimate(plan.proposed.resources, book))[key] == usd


def test_search_api_plan_is_fully_priced_on_both_sides(book: PriceBook) -> None:
    plan = read_plan(REPO / "plans" / "search-api.yaml")
    for side in (plan.current, plan.proposed):
        assert not estimate(side.resources, book).has_missing_prices


def test_search_api_risks_quote_the_tv_spot_as_the_report_computes_it(analysis: Analysis) -> None:
    # Not a check of the simulator (test_simulate.py does that by hand): the plan's prose quotes
    # the tv-flash-crowd figures, and this fails when the tool and the prose part. Before, the
    # prose never said that the report fails index freshness in the TV spot (a saturated tick
    # violates every latency SLO, slo_check), so a reviewer met a "not met" the plan ignored.
    path = REPO / "plans" / "search-api.yaml"
    risks = " ".join(f"{r.description} {r.mitigation}" for r in read_plan(path).risks)
    # reader19: "dropping 4.6 % of its requests" read as the spot's own queries, but 4.6 % is of
    # the whole 2-hour replay (the 30 quiet minutes before the spot included); and "3 min 15 s
    # to capacity, reached only as the crowd fades" contradicted the report's "capacity not
    # reached". The prose now names both denominators and what ends the episode.
    risks = " ".join(risks.split())
    for quoted in ("dropping 90,400 queries: 4.6 % of the 2-hour replay's 1.96 million, but 48 % "
                   "of those offered in its 3 min 15 s under capacity, which ends as the crowd "
                   "fades below the 12 Ready pods' 960 queries per second, not as new pods "
                   "arrive", "a change waits at most about 23 s (p95 23.3 s), well within the "
                   "5-minute index freshness"):
        assert quoted in risks, quoted
    assert "dropping 4.6 % of its requests" not in risks
    assert "reached only as the crowd fades" not in risks
    a = analysis("search-api.yaml", "tv-flash-crowd")
    api = a.run("tv-flash-crowd").simulations["search-api"].summary
    assert f"{100 * api.dropped_requests / api.offered_requests:.1f}" == "4.6"
    # Read off the timeline, apart from the summary: the 4 Ready pods (320 rps) first drop in
    # the step from 1,815 s (506.25 offered); the last step short of capacity is the one from
    # 2,005 s (12 Ready x 80 = 960 against 960.90 offered); from 2,010 s the crowd (947.49)
    # is under the 12 pods' 960 before the 13th is Ready (2,015 s): 2,010 - 1,815 = 195 s =
    # 3 min 15 s, ended by the load falling. Before the probe grid (Ready 45 s after the bind,
    # now 30 s) it was 3 min 35 s and 5.4 % dropped.
    t = a.run("tv-flash-crowd").simulations["search-api"].timeline
    short = t.loc[t["dropped_rps"] > 0, "time_s"]
    assert (float(short.iloc[0]), float(short.iloc[-1])) == (1815.0, 2005.0)
    assert t.loc[t["time_s"] == 2010.0, "ready_pods"].tolist() == [12]
    assert f"{100 * t['dropped_rps'].sum() / t['offered_rps'].sum():.2f}" == "4.61"
    assert [e.total_s for e in api.time_to_capacity] == [2010 - 1815]
    assert [e.closed_by for e in api.time_to_capacity] == ["load"]
    # The denominators the prose names, in requests (rps x the 5 s tick): the quiet half hour
    # offers 150 x 1,800 = 270,000; the whole 2 h about 270,000 + 150 x 5,400 (the base after
    # the spot) + 950 x 30 (the 60 s rise, half the excess on average) + 950 x 900 x (1 -
    # e^(-5,340 / 900)) (the excess fading) = 270,000 + 810,000 + 28,500 + 852,700 = 1.96
    # million; dropped 4.61 % of that = 90,400; the 39 steps from 1,815 to 2,005 s offer ~187,000
    # of which those 90,400 are 48 %. The episode ends at 2,010 s with 12 Ready x 80 = 960 rps.
    tick_s = 5.0
    assert float(t.loc[t["time_s"] < 1800, "offered_rps"].sum() * tick_s) == 270_000.0
    offered = float(t["offered_rps"].sum() * tick_s)
    dropped = float(t["dropped_rps"].sum() * tick_s)
    assert round(offered / 1e6, 2) == 1.96 and round(dropped, -2) == 90_400
    episode = t[(t["time_s"] >= 1815) & (t["time_s"] <= 2005)]
    assert len(episode) == 39
    assert round(100 * dropped / float(episode["offered_rps"].sum() * tick_s)) == 48
    # audit27 A27-5: the TV spot's test bounds the replicas' rise by "the simulated time to
    # capacity + 20 %", so its simulated outcome gives that time
    outcome = sections.testing_plan(a).tables[0].frame.set_index("Test").loc[
        "TV flash-crowd replay", "Simulated outcome"]
    assert "4.61 % dropped, 0 flap(s) (reversals within 5 min), longest time to capacity " \
        "3 min 15 s (ended by the load falling: capacity not reached)" in outcome
    # reader22: the indexer pulls its messages from SQS but was modelled as pushed to (the
    # default), so at the utilization cap its p95 was a lower bound (at least 43 s) and 28 such
    # steps counted against index freshness: "not met", which the pull model judges on its
    # value. As a pull consumer the worst step is the one from 1,925 s: 3 Ready pods hold
    # 1,041.51 messages; p95 = the work's ln 20 / 15 s = 199.72 ms plus the queue's
    # 1,041.51 / (3 x 15) s = 23,144.65 ms = 23,344.37 ms (the M/M/1 at the 0.99 cap,
    # ln 20 / (15 x 0.01) s = 19,971.55 ms, is lower), within the 300,000 ms SLO.
    indexer = a.run("tv-flash-crowd").simulations["search-indexer"]
    (model,) = [w.model for w in a.plan.proposed.workloads if w.name == "search-indexer"]
    assert model is not None and model.consumer == "pull"
    it = indexer.timeline
    worst = it.loc[it["p95_latency_ms"].idxmax()]
    assert (float(worst["time_s"]), int(worst["ready_pods"])) == (1925.0, 3)
    assert round(float(worst["backlog_requests"]), 2) == 1041.51
    assert round(float(worst["p95_latency_ms"]), 2) == 23344.37
    slos = evaluate_slos(a.plan.slos, "search-indexer", indexer.timeline, indexer.spec.tick_s)
    (freshness,) = slos[slos["slo"] == "index freshness"].itertuples()
    assert freshness.met and freshness.violation_minutes == 0
    assert freshness.achieved == "max p95 23,344 ms"


def test_search_api_cost_comparison_says_why_its_current_lines_miss_the_total(
        analysis: Analysis) -> None:
    # CURRENT as printed: 73.00 + 560.64 + 40.00 + 16.43 (0.0225 USD/h x 730 h = 16.425, half
    # up) + 17.96 + 255.60 = 963.63; TOTAL is the exact sum rounded once, 963.62 (audit5 A5-9)
    a = analysis("search-api.yaml", "tv-flash-crowd")
    note, range_note = [p for p in cost_summary(a).parts
                        if isinstance(p, str) and "rounded once" in p]
    assert note.startswith('<p class="note">Lines are rounded to the cent and each TOTAL is the '
                           "exact sum rounded once")
    assert "Current / month lines add up to $963.63 against TOTAL $963.62" in note
    # the range table's one scenario (Expected is the same column), as printed: 73.00 + 367.29
    # + 16.77 + 72.65 + 3.75 + 16.43 + 34.49 + 328.50 + 46.00 + 0.00 + 164.25 + 23.00 + 300.76
    # + 23.05 + 490.92 = 1,960.86; its TOTAL, the exact lines 73 + 367.287333 + 16.771111 +
    # 72.650208 + 3.746667 + 16.425 + 34.490916 + 328.5 + 46 + 164.25 + 23 + 300.76 +
    # 23.047722 + 490.916477 = 1,960.845434 -> 1,960.85 (audit13 A13-4). The api and burst
    # node lines are 10.4819 and 2.3417 node-hours in 2 h, x 730 / 2: 0.096 x 3,825.91 h =
    # 367.29 and 0.085 x 854.71 h = 72.65 (40 GB x 0.08 x 5.241 and 1.171 node-months = 16.77,
    # 3.75). (The api line was 354.59 + 16.19 before scale-down counted the DaemonSets' 125m
    # in a node's utilization, as cluster-autoscaler does: an api pod on an m6i.large is then
    # (750 + 125) / 1,930 = 45.3 % alone, not 41.6 %, and fewer nodes go; 341.01 + 15.57,
    # 1,933.38 / 1,933.37, while a node's room for pods
    # was its capacity less a flat 100m / 600 MiB: with EKS's kubelet reserve and DaemonSets,
    # 1805m and 6903 MiB of an m6i.large, an api pod (750m) is 41.55 % of a node's CPU, not
    # 39.47 %, so e.g. five pods on four nodes (1.25 x 41.55 = 51.9 %, not 49.3 %) are no
    # longer below the 50 % consolidation threshold and fewer nodes go. Before that, 334.00 +
    # 15.25 + 71.49 + 3.69 before Karpenter-like removals were validated 15 s and billed until
    # their pods terminated, 30 s: 1,920.35 / 1,920.33; then
    # 342.32 + 15.63 + 71.87 + 3.71, with 34.21 + 22.86 + 486.91 for the load balancer and
    # transfer, 1,929.45 / 1,929.44, before pods were Ready on the probe grid, 30 s after the
    # bind instead of 45 s, which serves more of the TV spot, and a drained node waited the
    # terminationGracePeriodSeconds of the pods its group holds: api 45 s, burst 120 s.) The
    # load balancer and transfer lines follow the served requests (A24-7): 600 GB x 490.92 /
    # 255.60 (the egress' own ratio to its declared 2,840 GB x 0.09) = 1,152.4 GB, x 2
    # directions x 0.01 = 23.05 (12.00 as declared)
    assert range_note.endswith(": Expected lines add up to $1,960.86 against TOTAL $1,960.85; "
                               "tv-flash-crowd (projected from 2 h) lines add up to $1,960.86 "
                               "against TOTAL $1,960.85.</p>")
    # Components with Cost prints the same lines under "Total $1,960.85 per month"
    (lines_note,) = [p for p in components_with_cost(a).parts
                     if isinstance(p, str) and "rounded once" in p]
    assert lines_note.endswith(": Monthly cost lines add up to $1,960.86 against TOTAL "
                               "$1,960.85.</p>")


def test_ecommerce_cost_range_says_why_a_scenarios_lines_miss_its_total(tmp_path: Path) -> None:
    # launch-day as printed: 73.00 + 91.10 (91.104) + 0.00 + 4.80 + 0.00 + 0.00 + 16.43
    # (16.425, half up) + 5.93 (5.928...) + 32.85 + 9.00 + 105.85 + 23.00 + 52.56 + 11.50 +
    # 24.82 + 8.70 + 65.26 (65.255...) = 524.80; its TOTAL, the exact sum rounded once, 524.79
    # (the exact lines: 524.7928...). expected-day's printed lines add up (audit13 A13-4). The
    # intra-region line follows the served requests as the egress does (A24-7): 300 GB x
    # 65.255 / 45.00 (the egress' ratio to its declared 500 GB x 0.09) = 435.03 GB, x 2 x 0.01
    # = 8.70 (6.00 as declared)
    a = analyze_plan(REPO / "plans" / "ecommerce-eks.yaml",
                     scenarios=["expected-day", "launch-day"],
                     store_location=str(tmp_path / "none"))
    notes = [p for p in cost_summary(a).parts if isinstance(p, str) and "rounded once" in p]
    assert notes == [
        '<p class="note">Lines are rounded to the cent and each TOTAL is the exact sum rounded '
        "once, so the printed lines can differ from it by a few cents: launch-day (projected "
        "from 1 d) lines add up to $524.80 against TOTAL $524.79.</p>"]


def test_search_api_canary_pods_per_step_fit_the_api_group(analysis: Analysis) -> None:
    # The section's canary table for plans/search-api.yaml in expected-day. search-api's
    # simulated peak there is 10 pods (pinned: a change shows up here), minReplicas 3.
    # Canary pods ceil(R x weight / 100) beside R stable pods (a traffic router):
    #   R = 10: 10 %, 30 %, 60 %, 100 % -> 1, 3, 6, 10 canary: 11, 13, 16, 20 at once
    #   R = 3: ceil(0.3) = 1, ceil(0.9) = 1, ceil(1.8) = 2, 3: 4, 4, 5, 6 at once
    # Room: api is m6i.large (2 vCPU, 8 GiB, 29 pods: 2000 - 70 - 125 = 1805 m, 8192 - 615 -
    # 574 - 100 = 6903 MiB, 27 slots, as an EKS node with kube-proxy and aws-node), a pod
    # 750 m / 1536 MiB: min(floor(1805 / 750) = 2, floor(6903 / 1536) = 4) = 2 a node x 12 =
    # 24. The indexer runs only on the tainted burst group, so it takes none of it, at its peak
    # or at its maxReplicas: 24 both ways, and 20 <= 24 fits.
    path = REPO / "plans" / "search-api.yaml"
    a = analysis(path.name, "expected-day")
    frame = canary_step_table(a)
    api = frame[frame["Workload"] == "search-api"]
    #   R = maxReplicas 24: ceil(2.4) = 3, ceil(7.2) = 8, ceil(14.4) = 15, 24 canary: 27, 32,
    #   39, 48 at once, all above the 24 the api group holds at max_size: a canary during a
    #   surge that took the HPA to its maximum does not fit, not even its first step
    assert list(api["Replicas"]) == [10] * 4 + [3] * 4 + [24] * 4
    assert list(api["Canary pods"]) == [1, 3, 6, 10, 1, 1, 2, 3, 3, 8, 15, 24]
    assert list(api["Pods at once"]) == [11, 13, 16, 20, 4, 4, 5, 6, 27, 32, 39, 48]
    assert set(api["Room, others at peak"]) == set(api["Room, others at max"]) == {24}
    # audit27 A27-9: the extra nodes each step's pods take, 2 pods a node, never below the
    # group's min_size 2: R = 10 on 5 nodes, then 11, 13, 16, 20 pods on 6, 7, 8, 10 nodes
    # (+1, +2, +3, +5); R = 3 on 2 nodes, 4, 4, 5, 6 on 2, 2, 3, 3 (0, 0, +1, +1); R = 24
    # does not fit at max_size: not known
    extra = [None if math.isnan(x) else int(x) for x in api["Extra nodes, others at peak"]]
    assert extra == [1, 2, 3, 5, 0, 0, 1, 1, None, None, None, None]
    wait = next(p for p in sections.deployment_strategy(a).parts
                if isinstance(p, str) and "canary-ready-wait" in p)
    # so a step waits for a node (karpenter-like: 45 s, scan to Ready) before its pods' 45 s
    assert "lasts one more time to Ready (below), after the node autoscaler&#x27;s provisioning " \
        "(45 s, scan to Ready) when its pods take extra nodes (the canary pods table)" in wait
    assert list(api["Fits, others at peak"]) == ["yes"] * 8 + ["NO"] * 4
    # reader: the 4 rows that do not fit showed "-" extra nodes under a caption that did not
    # say what "-" meant (the rolling-update table's does)
    table = next(t for t in sections.deployment_strategy(a).tables if t.css_class == "canary-pods")
    assert "held for the step's pause, '-' when the pods at once do not fit. Room = " \
        in table.caption
    assert table.to_html().count("<td>-</td>") == 4


def test_search_api_indexer_rolls_by_its_own_deployment_strategy(analysis: Analysis) -> None:
    # deployment_strategy names only search-api, so the indexer is no canary: it rolls by its
    # Deployment's spec.strategy (maxSurge 1, maxUnavailable 0). At its expected-day peak of 2
    # pods (= minReplicas 2): 2 + 1 = 3 pods at most, 2 available throughout; waves =
    # ceil(2 / (1 + 0)) = 2 of one time to Ready each (image pulled at 6 s, app up and the
    # probe's initialDelaySeconds 5 over at 6 + 5 = 11 s, its 10 s grid from the bind next
    # ticks at 20 s): 2 x 20 = 40 s. Room on the burst group (c6i.large: 1805 m, 3114 MiB;
    # indexer pods of 500 m / 768 MiB: min(floor(1805 / 500) = 3, floor(3114 / 768) = 4) = 3 a
    # node, x max_size 8 = 24), which search-api never uses.
    path = REPO / "plans" / "search-api.yaml"
    a = analysis(path.name, "expected-day")
    (own, names), = [(s, n) for s, n in strategy_groups(a) if s != a.plan.deployment_strategy]
    assert names == ("search-indexer",) and own.type == "rolling"
    frame = rollout_table(a, own)
    # At its maxReplicas 20: 21 at most <= 24, 20 waves x 20 s = 400 s.
    assert frame[["Workload", "Replicas", "Surge", "Unavailable", "Most pods at once",
                  "Fewest available", "Waves", "Duration", "Room, others at peak",
                  "Fits, others at max"]].values.tolist() == [
        ["search-indexer", 2, 1, 0, 3, 2, 2, "40 s", 24, "yes"]] * 2 + [
        ["search-indexer", 20, 1, 0, 21, 20, 20, "6 min 40 s", 24, "yes"]]
    assert "search-indexer" not in set(canary_step_table(a)["Workload"])
    # A17-5: 3 indexer pods take 1 node, as 2 do; 21 take 7 (ceil(21 / 3)), as 20 do: no extra
    assert frame["Extra nodes, others at peak"].tolist() == [0, 0, 0]
    # the same plan rolled blue-green (auto promoted after a 10 min preview, 30 s default
    # scale-down delay). search-api on the api group, m6i.large: 1805 m / 750 m = 2 pods a node
    # (by memory 6903 / 1536 = 4), min_size 2; the indexer holds the burst group only. At its
    # peak 10: 20 pods at once take 10 nodes, 10 take 5: 5 extra; at minReplicas 3: 6 take 3,
    # 3 take 2: 1 extra. Each billed for karpenter-like provisioning 45 s + both sets running
    # (30 s to Ready: image pulled at 10 s, app up at 10 + 20 = 30 s, past the probe's
    # 10 + 15 = 25 s, on its 5 s grid; + 600 s + 30 s = 660 s) + 30 s before consolidation +
    # 15 s validating the removal + 45 s for the api pods' grace (search-api's
    # terminationGracePeriodSeconds) on the drained node = 795 s, at the m6i.large us-east-1 row
    # $0.096 an hour (pricing_data/ec2_on_demand_2026-07-20.csv): 5 x 0.096 x 795 / 3600 =
    # $0.106 -> 0.11, 1 x 0.096 x 795 / 3600 = $0.0212 -> 0.02. At maxReplicas 24, 48
    # pods need more than the 12 nodes x 2 = 24 at max_size: not known
    bg = DeploymentStrategy("blue-green", "switch", preview_s=600, auto_promote=True,
                            workloads=("search-api",))
    swapped = dataclasses.replace(a, plan=dataclasses.replace(a.plan, deployment_strategy=bg))
    frame = rollout_table(swapped, bg)
    got = frame[["Replicas", "Pods at once", "Extra nodes, others at peak",
                 "Extra nodes' cost (USD)"]].values.tolist()
    assert got[:2] == [[10, 20, 5, "0.11"], [3, 6, 1, "0.02"]]
    assert got[2][:2] == [24, 48] and math.isnan(got[2][2]) and got[2][3] == "-"
    # audit18 A18-11: without auto promotion both sets run until a person promotes, "at least
    # 11 min" (660 s) in its column, so their nodes cost at least the same figures (was "0.11",
    # without "at least")
    waits = dataclasses.replace(bg, auto_promote=False)
    frame = rollout_table(dataclasses.replace(a, plan=dataclasses.replace(
        a.plan, deployment_strategy=waits)), waits)
    assert frame[["Extra nodes' cost (USD)", "Both sets running"]].values.tolist()[:2] == [
        ["at least 0.11", "at least 11 min"], ["at least 0.02", "at least 11 min"]]


def _rows_where_changes(timeline: object, flags: object) -> list[float]:
    """The ``time_s`` of the rows where a boolean column changes value (row 0 included)."""
    changed = flags.ne(flags.shift())  # type: ignore[attr-defined]
    return [float(x) for x in timeline.loc[changed, "time_s"]]  # type: ignore[attr-defined]


def test_ecommerce_alerts_replayed_on_the_flash_crowd(analysis: Analysis) -> None:
    a = analysis("ecommerce-eks.yaml", "flash-crowd")
    t = a.run("flash-crowd").simulations["backend"].timeline  # 5 s steps
    # ShopHPAAtMax (spec replicas >= maxReplicas 15, for 15m), from the timeline's rows: the
    # spec replicas reach 15 in the step from 27,330 s and fall to 14 in the step from
    # 36,240 s, once. Each 5 s step is seen at its end: pending from 27,335 s, firing at
    # 27,335 + 900 = 28,235 s (7 h 50 min 35 s), until 36,245 s: 8,010 s = 133.5 minutes
    assert _rows_where_changes(t, t["spec_replicas"] >= 15) == [0.0, 27330.0, 36240.0]
    # ShopHighP95Latency (p95 > 300 ms for 10m): the first stretch of p95 above 300 ms lasting
    # 10 minutes starts at 25,080 s (5 pods, p95 335 ms) and ends at 25,920 s (11 pods, 282 ms):
    # 840 s, so it fires at 25,085 + 600 = 25,685 s (7 h 8 min); every earlier stretch is
    # shorter (e.g. 9,960 -> 10,020 s, the SLO's first violation at 2 h 46 min)
    over = _rows_where_changes(t, t["p95_latency_ms"] > 300)
    assert over[1:3] == [9960.0, 10020.0] and 25080.0 in over
    assert over[over.index(25080.0) + 1] == 25920.0
    assert all(b - a < 600 for a, b in zip(over[1:over.index(25080.0):2],
                                           over[2:over.index(25080.0):2], strict=True))
    # ShopPodsPending (pending > 0 for 10m): pods are Pending at most 2 at a time, never 10 min
    frame = alert_replay_frame(replay_scenario(a.plan, a.run("flash-crowd").simulations))
    # audit27 A27-2: each alert tied to an SLO is compared with that SLO's first violation:
    # the error-rate alert with 'availability' (the first dropped request, in the step from
    # 31,920 s = 8 h 52 min; it fires at 34,575 s: 2,655 s = 44 min 15 s after; it said "6 h
    # 50 min after", against the p95 SLO's 2 h 46 min), the p95 alert with 'checkout p95
    # latency' (9,960 s, as any SLO's: 25,685 - 9,960 = 15,725 s = 4 h 22 min 5 s)
    assert float(t.loc[t["dropped_rps"] > 0, "time_s"].iloc[0]) == 31920.0
    assert frame.drop(columns=["Workload", "For"]).values.tolist() == [
        # written to the second (reader21): 34,575 s = 9 h 36 min 15 s; 25,685 s = 7 h 8 min
        # 5 s; 28,235 s = 7 h 50 min 35 s; 18,275 s = 5 h 4 min 35 s
        ["ShopHighErrorRate", "dropped_ratio over 5 min > 0.01", "9 h 36 min 15 s", 13.75, 1,
         "44 min 15 s after (SLO 'availability')"],
        ["ShopHighP95Latency", "p95_latency_ms > 300", "7 h 8 min 5 s", 133.0, 3,
         "4 h 22 min 5 s after (SLO 'checkout p95 latency')"],
        ["ShopHPAAtMax", "replicas_pct_of_max >= 100", "7 h 50 min 35 s", 133.5, 1,
         "5 h 4 min 35 s after"],
        ["ShopPodsPending", "pending_pods > 0", "never", 0.0, 0,
         "never fires; SLO first violated at 2 h 46 min"]]
    # 2 h 46 min = 9,960 s, the first p95 above 300 ms; 28,235 - 9,960 = 18,275 s = 5 h 4 min
    # 35 s
    replays = {r.alert: r for r in replay_scenario(a.plan, a.run("flash-crowd").simulations)}
    assert replays["ShopHPAAtMax"].intervals_s == ((28235.0, 36245.0),)
    assert replays["ShopHighP95Latency"].intervals_s[0] == (25685.0, 25925.0)
    assert replays["ShopHPAAtMax"].first_violation_s == 9960.0


def test_ecommerce_p95_alert_stays_quiet_on_an_ordinary_day(analysis: Analysis) -> None:
    # expected-day breaks the p95 SLO for 57.5 minutes, but never for 10 minutes in a row: its
    # longest stretch of p95 above 300 ms is 60 steps of 5 s = 5 minutes, so the critical
    # ShopHighP95Latency (for 10m) never fires, and the report says so
    a = analysis("ecommerce-eks.yaml", "expected-day")
    t = a.run("expected-day").simulations["backend"].timeline
    over = _rows_where_changes(t, t["p95_latency_ms"] > 300)[1:]
    assert max(b - a for a, b in zip(over[::2], over[1::2], strict=False)) == 300.0
    # the plan acknowledges it, pointing at the risk that explains the short stretches
    assert [(k.warning.path, k.warning.message.split(" (")[0]) for k in a.acknowledged
            if k.warning.path.startswith("monitoring")] == [
        ("monitoring.alerts[1]", "critical alert 'ShopHighP95Latency' never fires in scenario "
                                 "'expected-day'")]


def test_search_api_alerts_replayed_on_the_tv_spot(analysis: Analysis) -> None:
    a = analysis("search-api.yaml", "tv-flash-crowd")
    frame = alert_replay_frame(replay_scenario(a.plan, a.run("tv-flash-crowd").simulations))
    # the spot starts at 30 min (1,800 s), where search-api's p95 first passes 250 ms (the SLOs'
    # first violation); it drops queries in the step from 1,815 s, seen at its end, 1,820 s,
    # where the 5-minute ratio (dropped over offered in the 60 steps 1,520..1,815 s) is already
    # above 0.1 %; pending 5 min, it fires at 1,820 + 300 = 2,120 s = 35 min 20 s, 2,120 -
    # 1,815 = 305 s = 5 min 5 s after its SLO, availability, first broke (audit27 A27-2). It
    # stays firing while the ratio holds: the last step dropping a real share is the one from
    # 1,995 s (320.90 of 960.90 rps; the two from 2,000 s drop 0.90 rps, 12 Ready x 80 = 960
    # against 960.90), in the window until the step from 2,290 s, seen at 2,295 s; from the
    # step from 2,295 s, seen at 2,300 s, the ratio is 2 x 0.90 x 5 = 9 requests over the 60
    # steps' ~252,000 offered, ~0.004 %: resolved at 2,300 s, 2,300 - 2,120 = 180 s = 3.0 min
    # (3.5 before pods were Ready on the probe grid, 30 s after the bind instead of 45 s)
    assert frame[["Alert", "Workload", "Fires at", "Firing (min)", "vs first SLO violation"]
                 ].values.tolist() == [
        ["SearchHighErrorRate", "search-api", "35 min 20 s", 3.0,
         "5 min 5 s after (SLO 'search availability')"],
        ["SearchHighP95Latency", "search-api", "never", 0.0,
         "never fires; SLO 'search p95 latency' first violated at 30 min"],
        ["SearchHPAAtMax", "search-api", "never", 0.0, "never fires; SLO first violated at 30 min"],
        # the indexer, a pull consumer, keeps its SLOs in the spot (its p95 at most 23.3 s)
        ["SearchHPAAtMax", "search-indexer", "never", 0.0, "no SLO violated"],
        ["SearchPodsPending", "search-api", "never", 0.0,
         "never fires; SLO first violated at 30 min"],
        ["SearchPodsPending", "search-indexer", "never", 0.0, "no SLO violated"],
        ["SearchIndexBacklog", "search-indexer", "never", 0.0, "no SLO violated"]]
    t = a.run("tv-flash-crowd").simulations["search-api"].timeline
    assert float(t.loc[t["dropped_rps"] > 0, "time_s"].iloc[0]) == 1815.0
    assert float(t.loc[t["p95_latency_ms"] > 250, "time_s"].iloc[0]) == 1800.0
    window = t[(t["time_s"] > 1815 - 300) & (t["time_s"] <= 1815)]
    assert len(window) == 60
    assert window["dropped_rps"].sum() / window["offered_rps"].sum() > 0.001
    assert float(t.loc[t["dropped_rps"] > 1, "time_s"].iloc[-1]) == 1995.0
    assert t.loc[t["time_s"].isin([2000.0, 2005.0]), "dropped_rps"].round(2).tolist() == [0.9, 0.9]
    for step_s, above in [(2290, True), (2295, False)]:
        window = t[(t["time_s"] > step_s - 300) & (t["time_s"] <= step_s)]
        assert bool(window["dropped_rps"].sum() / window["offered_rps"].sum() > 0.001) is above


def test_search_api_canary_room_risk_matches_the_canary_arithmetic() -> None:
    # The plan's risk quotes when its canary fits the api group's 24 pods (2 a node x 12): the
    # prose and the tool must not part. By hand, canary pods ceil(R x w / 100) beside R stable:
    #   R = 24, 10 %: ceil(2.4) = 3 -> 27 > 24;  R = 20, 30 %: ceil(6.0) = 6 -> 26 > 24
    #   R = 12, 100 %: 12 -> 24 <= 24;          R = 13, 100 %: 13 -> 26 > 24
    from infra_toolkit.rollout import canary_step_pods

    plan = read_plan(REPO / "plans" / "search-api.yaml")
    prose = " ".join(f"{r.description} {r.mitigation}" for r in plan.risks)
    for quoted in ("(24 stable +\n3 canary pods)", "(20 + 6)", "2 x 12 = 24 fits, 2 x 13 = 26"):
        assert " ".join(quoted.split()) in " ".join(prose.split()), quoted
    steps = plan.deployment_strategy.steps
    most = {r: [p.pods_at_once for p in canary_step_pods(steps, r)] for r in (12, 13, 20, 24)}
    assert most == {12: [14, 16, 20, 24], 13: [15, 17, 21, 26], 20: [22, 26, 32, 40],
                    24: [27, 32, 39, 48]}


def test_ecommerce_cost_question_names_the_ceiling_the_report_prices(analysis: Analysis) -> None:
    # Question 1 asked about "the range up to every node group's maximum size", but the range's
    # High is the busiest scenario ($586.88, flash-crowd, 3 general nodes, their $0.30 of surplus
    # CPU credits included); every node group at its maximum is the Cost Summary's separate
    # ceiling row. Its node lines by hand, from the shipped rows (730 hours a month):
    #   ec2_on_demand us-east-1,t3.medium,0.0416 -> general max_size 10 x 730 x 0.0416 = 303.68
    #   ebs_gp3_storage 0.08 per GB-month        -> 10 nodes x 20 GB x 0.08 = 16.00
    #   ec2_on_demand us-east-1,c5.large,0.085   -> compute max_size 5 x 730 x 0.085 = 310.25
    #                                            -> 5 nodes x 20 GB x 0.08 = 8.00
    from infra_toolkit.sections_cost import cost_summary

    path = REPO / "plans" / "ecommerce-eks.yaml"
    (question, *_rest) = read_plan(path).questions
    assert "the ceiling with every node group at its maximum size" in " ".join(question.split())
    assert "range up to" not in question
    a = analysis("ecommerce-eks.yaml", "expected-day")
    assert "Ceiling: every node group at its maximum size all month" in str(cost_summary(a))
    ceiling = lines(a.ceiling_estimate)
    assert [ceiling[("aws_eks_node_group.general",
                     "Instance usage (Linux/UNIX, on-demand, t3.medium)")],
            ceiling[("aws_eks_node_group.general",
                     "launch_template: Storage (general purpose SSD, gp3)")],
            ceiling[("aws_eks_node_group.compute",
                     "Instance usage (Linux/UNIX, on-demand, c5.large)")],
            ceiling[("aws_eks_node_group.compute",
                     "launch_template: Storage (general purpose SSD, gp3)")]] == [
        D("303.68"), D("16.00"), D("310.25"), D("8.00")]


def _prose(path: Path) -> str:
    plan = read_plan(path)
    parts = [f"{r.description} {r.mitigation}" for r in plan.risks]
    parts += [t.pass_criteria for t in plan.testing] + list(plan.questions)
    parts += [s.description for s in plan.scenarios] + [p.name for p in plan.timeline]
    return " ".join(" ".join(parts).split())


def test_ecommerce_prose_quotes_the_report(tmp_path: Path) -> None:
    # The plan's risks, tests and questions quote what the report computes: they must not part.
    path = REPO / "plans" / "ecommerce-eks.yaml"
    prose = _prose(path)
    for quoted in ("needs 20 pods at 25 req/s each, while maxReplicas 15 serve 375 req/s",
                   "18 minutes above what 15 pods serve and 1.1 % of its requests dropped",
                   "in the replay at 7 h 50 min 35 s", "p95 at 300 ms",
                   "up to 16.75 req/s (363 ms)",
                   "57.5 minutes of expected-day and 37.5 of the load test's 45 minutes",
                   "(12.5 req/s a pod, p95 240 ms; 272 ms at the tolerance's edge)",
                   "no more than the simulation's 1.1 %",
                   "05:00-09:00 UTC (00:00-04:00 US Eastern)",
                   "the manual promotion comes at 08:30 UTC"):
        assert quoted in prose, quoted
    # latency model, one request at a time at 25 req/s: p95 = ln 20 / (25 - rate) seconds
    rates = np.array([15.0, 16.75, 12.5, 14.0])  # 70 %, 77 %, 60 %, 66 % of 250 m, less 25 m
    p95 = response_time_quantile_ms(0.95, rates, 25.0, 1, np.full(4, 10.0))
    assert [round(float(v)) for v in p95] == [300, 363, 240, 272]
    assert [round(1000 * math.log(20) / (25 - r)) for r in rates] == [300, 363, 240, 272]
    a = analyze_plan(path, scenarios=["expected-day", "flash-crowd", "load-test-1000-users"],
                     store_location=str(tmp_path / "none"))
    flash = a.run("flash-crowd").simulations["backend"].summary
    assert f"{100 * flash.dropped_requests / flash.offered_requests:.1f}" == "1.1"
    # two episodes, 1 + 17 minutes, every second of them at maxReplicas
    assert [round(e.total_s / 60) for e in flash.time_to_capacity] == [1, 17]
    assert all(e.at_max_replicas_s == e.total_s for e in flash.time_to_capacity)
    for scenario, minutes in (("expected-day", 57.5), ("load-test-1000-users", 37.5)):
        sim = a.run(scenario).simulations["backend"]
        slos = evaluate_slos(a.plan.slos, "backend", sim.timeline, sim.spec.tick_s)
        (p95_slo,) = slos[slos["slo"] == "checkout p95 latency"].itertuples()
        assert p95_slo.violation_minutes == minutes
    frame = alert_replay_frame(replay_scenario(a.plan, a.run("flash-crowd").simulations))
    assert frame.set_index("Alert").loc["ShopHPAAtMax", "Fires at"] == "7 h 50 min 35 s"
    # the canary's automatic pauses, 30 min + 1 h + 2 h, from 05:00 UTC (00:00 EST) in January
    assert sum(s.pause_s or 0 for s in a.plan.deployment_strategy.steps) == 3.5 * 3600


def _phase_days(plan: Plan) -> dict[str, tuple[str, float | None]]:
    """Each timeline phase's start date and duration (s), by the first word of its name."""
    return {p.name.split(" ")[0]: (str(p.start), p.duration_s) for p in plan.timeline}


def test_search_api_point_of_no_return_names_the_retirement_day() -> None:
    # reader23: it said "after 14 days of clean operation" with no date, where ecommerce and
    # the fixtures name the day. The timeline by hand: canary Tuesday 2027-02-16, hypercare 14
    # days from 2027-02-17 (17..28 February is 12 days, 1..2 March 2 more: ends 2027-03-02),
    # the retirement 2027-03-03.
    plan = read_plan(REPO / "plans" / "search-api.yaml")
    days = _phase_days(plan)
    assert (days["Canary"], days["Hypercare"], days["Retire"]) == (
        ("2027-02-16", 86400), ("2027-02-17", 14 * 86400), ("2027-03-03", 86400))
    point = " ".join((plan.rollback.point_of_no_return or "").split())
    assert point.startswith("Deleting the search-fixed node group and the nightly reindex "
                            "CronJob on 2027-03-03 (timeline phase \"Retire the fixed node "
                            "group\"), after the 2027-02-16 canary and 14 days of clean "
                            "hypercare")


def test_ecommerce_risks_its_clusters_end_of_standard_support() -> None:
    # reader23: the new cluster is EKS 1.35, priced at standard support's $0.10 an hour; EKS's
    # calendar ends 1.35's standard support on 2027-03-27, 59 days after the 2027-01-27
    # decommission (4 days of January + 28 of February + 27 of March), after which the same
    # cluster bills $0.60: 730 x (0.60 - 0.10) = $365 a month the report does not show
    plan = read_plan(REPO / "plans" / "ecommerce-eks.yaml")
    (cluster,) = [r for r in plan.proposed.resources if r.type == "aws_eks_cluster"]
    assert cluster.attributes["version"] == "1.35"
    assert _phase_days(plan)["Decommission"][0] == "2027-01-27"
    assert ("EKS 1.35 leaves standard support on 2027-03-27, two months after the "
            "decommission: from then the control plane bills extended support, $0.60 an hour "
            "instead of the $0.10 the report prices (730 x 0.50 = $365 a month more).") in [
        " ".join(r.description.split()) for r in plan.risks]


def test_ecommerce_rollback_database_path_lasts_until_the_decommission() -> None:
    # reader20: the timeline moved the database cutover to 2027-01-14, five days before the
    # 2027-01-19 canary, while the rollback step, the cutover risk and question 4 still kept
    # the reverse replication (and the old stack) "for 7 days after the cutover": to
    # 2027-01-21, six days before the decommission the point of no return names, so a database
    # fault found in hypercare (2027-01-20 to 01-26) had no db.t3.small in sync to go back to.
    # By hand: 2027-01-27 - 2027-01-14 = 13 days; hypercare 7 days from 2027-01-20 ends 01-26.
    plan = read_plan(REPO / "plans" / "ecommerce-eks.yaml")
    days = _phase_days(plan)
    assert (days["Database"][0], days["Hypercare"], days["Decommission"][0]) == (
        "2027-01-14", ("2027-01-20", 7 * 86400), "2027-01-27")
    step = " ".join(plan.rollback.steps[2].split())
    assert "from the cutover until the old stack is decommissioned on 2027-01-27, 13 days" in step
    prose = _prose(REPO / "plans" / "ecommerce-eks.yaml") + " ".join(
        " ".join(plan.rollback.steps).split()) + " " + " ".join(
        (plan.rollback.point_of_no_return or "").split())
    assert "7 days after the cutover" not in prose and "7 days after cutover" not in prose
    assert "reverse replication kept until the decommission on 2027-01-27 (13 days after the " \
        "2027-01-14 cutover" in prose
    assert "until 2027-01-27: 13 days after the database cutover (2027-01-14)" in prose
    assert "the database cutover on 2027-01-14, 09:00-11:00 UTC (04:00-06:00 US Eastern" in prose
    assert "on 2027-01-27, after the canary (2027-01-19) and 7 days of clean hypercare" in prose


def test_ecommerce_database_cutover_is_in_the_expected_days_quietest_hours(
        analysis: Analysis) -> None:
    # reader21: the cutover was "in the 04:00-06:00 UTC window", "the lowest-traffic window",
    # but expected-day is a local day (00:00-24:00 EDT of a July trace): 04:00-06:00 UTC in
    # January (EST, UTC-5) is 23:00-01:00 there (31.9 req/s), and even on the trace's own
    # clock 04:00-06:00 UTC is its first two hours (22.7). Its quietest two whole hours are
    # 04:00-06:00 local, 14,400 to 21,600 s: 15.34 req/s against the day's mean of 40.59, so
    # 09:00-11:00 UTC in January
    prose = _prose(REPO / "plans" / "ecommerce-eks.yaml")
    assert ("Database cutover in the 09:00-11:00 UTC window (04:00-06:00 US Eastern, the "
            "expected day's quietest two hours;") in prose
    assert ("cutover in the lowest-traffic window (09:00-11:00 UTC, 04:00-06:00 US Eastern: "
            "15.3 requests per second on the expected day against its mean of 40.6)") in prose
    t = analysis("ecommerce-eks.yaml", "expected-day").run(
        "expected-day").simulations["backend"].timeline
    two_hours = {h: float(t[(t["time_s"] >= h * 3600) & (t["time_s"] < (h + 2) * 3600)][
        "offered_rps"].mean()) for h in range(23)}
    assert min(two_hours, key=lambda h: two_hours[h]) == 4
    assert (round(two_hours[4], 1), round(float(t["offered_rps"].mean()), 1)) == (15.3, 40.6)


def test_ecommerce_cpu_target_mitigation_quotes_the_sweep() -> None:
    # the p95 risk's mitigation quotes `infra-toolkit sweep` over the CPU target
    path = REPO / "plans" / "ecommerce-eks.yaml"
    prose = " ".join(_prose(path).split())
    for quoted in ("--vary cpu.averageUtilization=40,45,50,60,70 --scenario expected-day "
                   "--scenario load-test-1000-users",
                   "60 % still above the p95 SLO (max 383 ms on expected-day, 603 ms in the load "
                   "test) and 50 % and 45 % above it in the load test (396 ms, 306 ms); 40 % "
                   "meets every SLO of "
                   "both at the same $95.90 a month of general nodes (their 3-node floor) but "
                   "reaches maxReplicas 15 on an expected day"):
        assert quoted in prose, quoted
    result = sweep_workload(read_plan(path), load_price_book(), "backend",
                            {"cpu.averageUtilization": (40, 45, 50, 60, 70)},
                            scenarios=["expected-day", "load-test-1000-users"])
    rows = result.table.set_index("cpu.averageUtilization")
    assert rows.loc[40, "status"] == "meets SLOs" and rows.loc[40, "checked_by"] == "report rule"
    assert rows.loc[40, "expected-day:peak_replicas"] == 15
    for target in (45, 50, 60, 70):
        assert rows.loc[target, "status"] == "fails SLOs", target
    assert "expected-day: max p95 383 ms > 300 ms" in rows.loc[60, "note"]
    assert "load-test-1000-users: max p95 603 ms > 300 ms" in rows.loc[60, "note"]
    assert rows.loc[50, "note"] == (
        "surplus CPU credits of node group(s) general not included (the report prices them "
        "from the simulated CPU); load-test-1000-users: max p95 396 ms > 300 ms")
    # reader23: the sweep runs 45 % too and the risk said nothing of it: it fails the load
    # test alone, just over the 300 ms SLO
    assert rows.loc[45, "note"] == (
        "surplus CPU credits of node group(s) general not included (the report prices them "
        "from the simulated CPU); load-test-1000-users: max p95 306 ms > 300 ms")
    # the 3 general t3.medium nodes run all month whatever the target: 3 x 730 h x $0.0416 =
    # 91.104, plus their 20 GB gp3 root volumes 3 x 20 x $0.08 = 4.80 -> $95.90 (a confirmed
    # row's surplus CPU credits come from its run: none charged on expected-day, as in the
    # report; a screened row's, which summary rows cannot price, are said to be left out)
    assert set(rows["monthly_usd"]) == {Decimal("95.90")}


def test_search_api_error_rate_rollback_on_launch_day_is_quoted(tmp_path: Path) -> None:
    path = REPO / "plans" / "search-api.yaml"
    # 8 h 7 min (12:07 UTC). It was 14 h 26 min for a while: with EKS's kubelet reserve and
    # DaemonSets in a node's room but the DaemonSets not yet in scale-down's utilization,
    # an api node went at 28,850 s and the 12:02 episode never came; with them counted, as
    # cluster-autoscaler counts them, the node goes at 28,865 s and the episode is back
    assert ("in the replay it fires on launch-day at 8 h 7 min 5 s (12:07:05 UTC)" in _prose(path)
            and "serves 99.94 % of its requests" in _prose(path))
    a = analyze_plan(path, scenarios=["launch-day"], store_location=str(tmp_path / "none"))
    frame = alert_replay_frame(replay_scenario(a.plan, a.run("launch-day").simulations))
    row = frame[(frame["Alert"] == "SearchHighErrorRate") & (frame["Workload"] == "search-api")]
    # written to the second (reader21: "8 h 7 min" hid the 5 s below)
    assert row["Fires at"].tolist() == ["8 h 7 min 5 s"]  # the scenario starts at 04:00 UTC
    # audit27 A27-3: the automatic rollback trigger on that alert says so in the Rollback Plan.
    # The day's three dropping episodes start as the load jumps out of a quiet minute. At
    # 28,920 s (12:02 UTC) the load goes from 18.945 to 336.80 rps and the HPA's sync of that
    # tick, on the quiet minute's metrics, scales 5 -> 4 (proposal 1): 4 x 80 = 320 served,
    # 16.80 dropped, until the 8 it asks for at 28,950 s are Ready at 28,980 s: 12 steps. At
    # 51,660 s (18:21) the same, 149.45 -> 450.47 rps, 5 -> 4 at that sync, 4 x 80 = 320,
    # 130.47 dropped for 12 steps until 8 are Ready at 51,720 s. At 69,000 s (23:10) a
    # consolidation had evicted one of 3 pods at 68,990 s (its node gone 45 s after,
    # search-api's grace), 42.10 -> 202.08 rps: 2 x 80 = 160, 42.08 dropped for the 4 steps
    # until its replacement is Ready at 69,020 s (30 s later). The 5-minute ratio holds from
    # each first step's end and fires 300 s later: 28,925 + 300 = 29,225 s = 8 h 7 min 5 s
    # from 04:00 UTC = 12:07:05; 51,665 + 300 = 51,965 s = 14 h 26 min 5 s = 18:26:05;
    # 69,005 + 300 = 69,305 s = 19 h 15 min 5 s = 23:15:05
    # The episodes last 60, 60 and 20 s (28,920 -> 28,980, 51,660 -> 51,720 and 69,000 ->
    # 69,020 s): the alert fires 29,225 - 28,980 = 245 s, about 4 minutes, after the first
    # ended; the prose said "5 minutes into a 60-second episode". reader22: written to the
    # second, as the report writes the moment: 29,225 - 28,920 = 305 s = 5 min 5 s after it
    # began, 245 s = 4 min 5 s after it ended; the prose had "12:07 UTC" beside "8 h 7 min 5 s"
    assert ("5 min 5 s after a 60-second under-capacity episode began, 4 min 5 s after it "
            "ended") in _prose(path)
    assert ("twice more, as late after the episodes from 18:21 (60 s) and 23:10 UTC (20 s) "
            "began (at 18:26:05 and 23:15:05 UTC)") in _prose(path)
    assert [(e.start_s, e.end_s) for e in a.run("launch-day").simulations[
        "search-api"].summary.time_to_capacity] == [(28920.0, 28980.0), (51660.0, 51720.0),
                                                    (69000.0, 69020.0)]
    (api_errors,) = [r for r in replay_scenario(a.plan, a.run("launch-day").simulations)
                     if (r.alert, r.workload) == ("SearchHighErrorRate", "search-api")]
    assert [start for start, _ in api_errors.intervals_s] == [29225.0, 51965.0, 69305.0]
    t = a.run("launch-day").simulations["search-api"].timeline
    drops = t.loc[t["dropped_rps"] > 0, "time_s"].to_numpy()
    episode_starts = [drops[0]] + [b for a_, b in zip(drops, drops[1:]) if b - a_ > 5.0]
    assert episode_starts == [28920.0, 51660.0, 69000.0]
    first = t[(t["time_s"] >= 28910) & (t["time_s"] <= 28980)]
    assert first["ready_pods"].tolist() == [5] * 2 + [4] * 12 + [8]
    assert first["spec_replicas"].tolist()[1:3] == [5, 4]  # the HPA's 5 -> 4 at 28,920 s
    assert first.loc[first["dropped_rps"] > 0, "time_s"].tolist() == [
        28920.0 + 5 * k for k in range(12)]
    events = a.run("launch-day").simulations["search-api"].events
    scales = events.loc[events["kind"] == "hpa_scale"].set_index("time_s")
    for at in (28920.0, 51660.0):
        assert (scales.loc[at, "from"], scales.loc[at, "to"]) == (5, 4), at
    evictions = events.loc[events["kind"] == "node_scale_down:api", "reason"].tolist()
    assert any("1 pod(s) evicted at 68990 s; gone 45 s after" in r for r in evictions)
    triggers = sections.rollback_plan(a).tables[0].frame.set_index("Condition")
    assert triggers.loc["search 5xx ratio above 0.1 % for 5 minutes during the canary",
                        "Fires in the simulation"] == "'launch-day' at 8 h 7 min 5 s (3 times)"
    assert triggers.loc["search p95 above 250 ms for 10 minutes during the canary",
                        "Fires in the simulation"] == "never (1 scenario)"
    # 99.94 %: the episodes drop 12 x 16.80421 x 5 = 1,008.25, 12 x 130.47421 x 5 = 7,828.45
    # and 4 x 42.08 x 5 = 841.6 requests: 9,678 of the day's 16,949,841 offered,
    # 1 - 0.000571 = 99.943 %
    api = a.run("launch-day").simulations["search-api"].summary
    assert round(float(t["dropped_rps"].sum()) * 5) == 9678
    assert round(float(t["offered_rps"].sum()) * 5) == 16949841
    assert f"{100 * api.served_requests / api.offered_requests:.2f}" == "99.94"


def test_ecommerce_credit_risk_quotes_the_simulated_cpu_credits(analysis: Analysis) -> None:
    path = REPO / "plans" / "ecommerce-eks.yaml"
    prose = _prose(path)
    for quoted in ("none on expected-day, at 8.6 % mean node CPU against the 20 % baseline",
                   "$0.30 a month on flash-crowd, at 20.1 %"):
        assert quoted in prose, quoted
    a = analysis("ecommerce-eks.yaml", "expected-day", "flash-crowd")
    day, flash = (a.run(n).credits["general"] for n in ("expected-day", "flash-crowd"))
    # the t3.medium group stays at its 3-node floor: 3 x 24 h = 72 node-hours of 2 vCPUs, whose
    # baseline is 24 credits/h = 0.4 vCPU each (ec2_burstable_credits t3.medium)
    assert (day.ledger.instance_hours, flash.ledger.instance_hours) == (72.0, 36.0)
    assert f"{100 * day.ledger.used_vcpu_h / (72 * 2):.1f}" == f"{day.mean_cpu_pct:.1f}" == "8.6"
    assert day.ledger.used_vcpu_h < 72 * 0.4 and day.charged_vcpu_h == 0
    # flash-crowd (12 h): it uses more than its 36 x 0.4 = 14.4 vCPU-h of baseline; repeated,
    # the excess is what a window charges; x 730 / 12 h x 0.05 USD (ec2_cpu_credits_t3)
    excess = flash.ledger.used_vcpu_h - 36 * 0.4
    assert f"{flash.mean_cpu_pct:.1f}" == "20.1" and flash.charged_vcpu_h == pytest.approx(excess)
    (line,) = [ln for ln in a.run("flash-crowd").estimate.lines
               if ln.component == "CPU credits" and ln.address == "aws_eks_node_group.general"]
    assert f"{excess * 730 / 12 * 0.05:.2f}" == f"{line.monthly_cost_usd:.2f}" == "0.30"


def test_a_confirmed_t3_sweep_row_is_priced_with_the_reports_cpu_credits(
        analysis: Analysis) -> None:
    # the sweep's baseline on flash-crowd, whose t3.medium general group charges a surplus, is
    # the report's general node-group lines, CPU credits included, by hand:
    #   3 nodes x 12 h = 36 node-h x 730 / 12 = 2,190 h x 0.0416 (ec2_on_demand t3.medium) = 91.104
    #   3 node-months x 20 GB x 0.08 (ebs_gp3_storage)                                     =  4.80
    #   CPU credits: the run uses more than its 36 x 0.4 = 14.4 vCPU-h of baseline; repeated,
    #   the excess is charged: x 730 / 12 x 0.05 (ec2_cpu_credits_t3)                       ~  0.30
    path = REPO / "plans" / "ecommerce-eks.yaml"
    a = analysis("ecommerce-eks.yaml", "flash-crowd")
    flash = a.run("flash-crowd").credits["general"]
    excess = flash.ledger.used_vcpu_h - 36 * 0.4
    by_hand = D("91.104") + D("4.80") + D(str(excess)) * 730 / 12 * D("0.05")
    report = sum(ln.monthly_cost_usd or D(0) for ln in a.run("flash-crowd").estimate.lines
                 if ln.address == "aws_eks_node_group.general")
    assert f"{by_hand:.2f}" == f"{report:.2f}" == "96.20"
    plan = read_plan(path)
    result = sweep_workload(plan, load_price_book(), "backend",
                            {"cpu.averageUtilization": (40, 70)}, scenarios=["flash-crowd"])
    rows = result.table.set_index("cpu.averageUtilization")
    base = rows[rows["baseline"]].iloc[0]
    assert base["checked_by"] == "report rule" and base["monthly_usd"] == D("96.20")
    assert base["note"].startswith("surplus CPU credits of node group(s) general included")
    # the 40 % target, only screened (its summary row misses the SLOs), has no CPU over time:
    # its node cost alone, 91.104 + 4.80 = $95.90, and the note says the credits are left out
    assert rows.loc[40, "checked_by"] == "summary screen"
    assert rows.loc[40, "monthly_usd"] == D("95.90")
    assert rows.loc[40, "note"].startswith("surplus CPU credits of node group(s) general not "
                                           "included")


def test_ecommerce_load_test_credits_are_not_projected_to_a_month(tmp_path: Path) -> None:
    # 45 min of synthetic users are not a month of traffic: the credits table says so rather
    # than printing the 45 min x 730 / 0.75 h projection (as the cost range leaves load tests out)
    from infra_toolkit.sections_architecture import proposed_architecture

    a = analyze_plan(REPO / "plans" / "ecommerce-eks.yaml",
                     scenarios=["load-test-1000-users"], store_location=str(tmp_path / "none"))
    (table,) = [t for t in proposed_architecture(a).tables if t.css_class == "cpu-credits"]
    (row,) = table.frame.to_dict("records")
    assert (row["Scenario"], row["Monthly"]) == ("load-test-1000-users",
                                                 "- (load test: not projected to a month)")


def test_ecommerce_later_updates_roll_by_the_backend_manifest(analysis: Analysis) -> None:
    # A17-7: the default plan's stack canary moves the traffic once; every later update of
    # backend inside the cluster rolls by its Deployment's spec.strategy (maxSurge 25 %,
    # maxUnavailable 0), which its description promises and the report now shows.
    # Replicas 9 (expected-day peak), 3 (minReplicas), 15 (maxReplicas): surge ceil(2.25) = 3,
    # ceil(0.75) = 1, ceil(3.75) = 4; waves ceil(9 / 3) = 3, ceil(3 / 1) = 3, ceil(15 / 4) = 4
    # of 30 s to Ready (image pulled at 8 s, app up at 8 + 12 = 20 s, the readiness probe's
    # initialDelaySeconds 20 over at 8 + 20 = 28 s; its 5 s grid from the bind next ticks at
    # 30 s): 90 s, 90 s, 120 s. t3.medium (1805 m, 3246 MiB as an EKS node): min(1805 / 250
    # = 7, 3246 / 512 = 6, 15 slots) = 6
    # backend pods a node, min_size 3: 9 or 12 pods take 2 nodes, 3 or 4 take 1, both below the
    # 3 kept: no extra; 15 take 3, 19 take 4: 1 extra, billed 150 s provisioning (the plan's
    # node_provisioning_s) + 120 s + 600 s unneeded = 870 s at $0.0416 an hour (us-east-1
    # t3.medium row): 0.0416 x 870 / 3600 = $0.01
    from infra_toolkit.rollout_strategies import later_update_groups
    from infra_toolkit.rollout_tables import later_update_table

    a = analysis("ecommerce-eks.yaml", "expected-day")
    (own, names), = later_update_groups(a)
    assert names == ("backend",) and (own.type, own.max_surge, own.max_unavailable) == (
        "rolling", "25%", 0)
    frame = later_update_table(a, own)
    assert frame[["Replicas", "Surge", "Most pods at once", "Waves", "Duration",
                  "Extra nodes, others at peak", "Extra nodes' cost (USD)"]].values.tolist() == [
        [9, 3, 12, 3, "1 min 30 s", 0, "0.00"], [3, 1, 4, 3, "1 min 30 s", 0, "0.00"],
        [15, 4, 19, 4, "2 min", 1, "0.01"]]
    html = "".join(p if isinstance(p, str) else p.to_html()
                   for p in sections.deployment_strategy(a).parts)
    assert "After the canary, every later update of backend inside the new stack rolls by " \
           "the Deployment&#x27;s own rolling update." in html
    # any other strategy has no later updates to show
    rolling = DeploymentStrategy("rolling", "r", "25%", 0)
    assert later_update_groups(dataclasses.replace(a, plan=dataclasses.replace(
        a.plan, deployment_strategy=rolling))) == []
    # audit18 A18-19: at maxReplicas the surge takes 1 extra node, so the first wave waits for
    # it too: provisioning 150 s (node_provisioning_s) + 30 s to Ready + minReadySeconds 0 =
    # 180 s. Against the manifest's default 600 s deadline: fine, no note; against 120 s (one
    # wave alone, 30 s, is well within it) flagged, naming that row; against 180 s: fine.
    assert "waits for the node autoscaler" not in html
    for deadline_s, flagged in [(120, True), (180, False)]:
        ws = tuple(dataclasses.replace(w, deployment_spec=dataclasses.replace(
            w.deployment_spec, update_strategy=dataclasses.replace(
                w.deployment_spec.update_strategy, progress_deadline_s=deadline_s)))
            if w.name == "backend" else w for w in a.plan.proposed.workloads)
        tight = dataclasses.replace(a, plan=dataclasses.replace(
            a.plan, proposed=dataclasses.replace(a.plan.proposed, workloads=ws)))
        html = "".join(p if isinstance(p, str) else p.to_html()
                       for p in sections.deployment_strategy(tight).parts)
        assert ("on the probe grid = 30 s; rolled at maxReplicas its surge takes extra nodes "
                "(table above), so the first wave also waits for the node autoscaler&#x27;s "
                "provisioning (150 s, scan to Ready): 150 + 30 = 180 s, more than its "
                "progressDeadlineSeconds 120 s: the Deployment reports "
                "ProgressDeadlineExceeded" in html) is flagged
        assert ("waits for the node autoscaler" in html) is flagged


def test_ecommerce_rolling_caption_reads_in_short_sentences(analysis: Analysis) -> None:
    # reader20: the rolling-update caption under "After the canary, every later update of
    # backend ..." had one sentence of 204 words (pods at once, terminating pods, fewest
    # available, their capacity, the peak rate, rounding, the outage rule, waves and duration
    # joined by ';' and ':'), then the room and extra-nodes keys glued on with '; room ='.
    # Each now starts its own sentence; the facts are quoted below.
    a = analysis("ecommerce-eks.yaml", "expected-day")
    (table,) = [t for t in sections.deployment_strategy(a).tables
                if t.css_class == "rollout-later"]
    caption = " ".join(table.caption.split())
    for sentence in (
            "Old pods still terminating (up to their terminationGracePeriodSeconds, 30 s by "
            "default) are not counted but keep their node room meanwhile. Fewest available = "
            "replicas - unavailable; their capacity = that x capacity_rps_per_pod of the "
            "workload model. Serves the peak compares it with the peak rate: ",
            "Rates are to the hundredth, the peak rounded up, the capacity down. Serves the "
            "peak is NO also whenever no pod stays available: an outage, whatever the rate. "
            "Waves = ceil(replicas / (surge + unavailable)): ",
            "and waits for them. Duration = waves x (time to Ready",
            "over every replica. Room = how many of the workload's pods fit"):
        assert sentence in caption, sentence
    # 17 sentences of the caption, after the one saying later updates roll by the manifest
    assert [len(s.split()) <= 60 for s in caption_sentences(caption)] == [True] * 18


def test_search_api_tv_spot_description_names_the_peak_step_the_report_shows() -> None:
    # audit24 A24-4: the report's Scaling Behaviour gives tv-flash-crowd's peak offered rps as
    # 1,092.13 while the plan said only "1,100". A 15 s step holds the shape's mean: the first
    # step after the peak, 150 + 950 x e^(-t/900) over t in [0, 15), has the mean
    # 150 + 950 x 900 / 15 x (1 - e^(-15/900)) = 150 + 942.13 = 1,092.13 (the rise's last step,
    # 1,100 - 950 x 7.5 / 60 = 981.25, is lower).
    from infra_toolkit.plan_traffic import scenario_curve

    plan = read_plan(REPO / "plans" / "search-api.yaml")
    (tv,) = [s for s in plan.scenarios if s.name == "tv-flash-crowd"]
    by_hand = 150 + 950 * 900 / 15 * (1 - math.exp(-15 / 900))
    assert by_hand == pytest.approx(1092.13, abs=0.005)
    curve = scenario_curve(tv, plan.simulation.step_s)
    assert float(np.max(curve.rps)) == pytest.approx(by_hand, rel=1e-9)
    assert "the busiest step, the first after the peak, offers 1,092" in " ".join(
        tv.description.split())


def test_search_api_steady_day_test_shows_the_flaps_its_criterion_bounds(
        analysis: Analysis) -> None:
    # audit24 A24-10: the steady-day replay's pass criterion bounds the HPA's flaps by the
    # simulated day's, so the simulated outcome beside it must give them. Counted here from the
    # timeline, independently of the summary: a flap is a change of the spec replicas whose
    # direction reverses the previous change's within 300 s (the simulator's flap window).
    a = analysis("search-api.yaml", "expected-day")
    t = a.run("expected-day").simulations["search-api"].timeline
    r, times = t["spec_replicas"].to_numpy(), t["time_s"].to_numpy()
    changes = [(times[i], np.sign(r[i] - r[i - 1])) for i in range(1, len(r)) if r[i] != r[i - 1]]
    flaps = sum(1 for (t0, d0), (t1, d1) in zip(changes, changes[1:]) if d1 == -d0
                and t1 - t0 <= 300)
    assert flaps > 0  # the search-api HPA's 20 %-a-minute scale-down does flap on this day
    outcome = sections.testing_plan(a).tables[0].frame.set_index("Test").loc[
        "Steady-day replay in staging", "Simulated outcome"]
    # 2 of 3, p95 alone missed (10 steps, none saturated, the latency risk's test); p99 and
    # availability met: no step above p99's 500 ms, nothing dropped. (1 of 3 while drained api
    # nodes waited the indexer's 120 s grace: a consolidation then evicted one of 3 pods at
    # 57,500 s as the load stepped to 160 rps, 2 x 80, saturating them for 30 s.)
    assert not t["latency_saturated"].any()
    assert not (t["p99_latency_ms"] > 500).any() and float(t["dropped_rps"].sum()) == 0.0
    assert f"search-api: SLOs met 2 of 3, peak replicas 10, 0.00 % dropped, {flaps} flap(s) " \
        "(reversals within 5 min)" in outcome


def test_search_api_latency_risk_quotes_the_p95_minutes_the_report_shows(tmp_path: Path) -> None:
    # The risk quotes the SLO table's minutes. reader19: it said "missed for minutes on
    # ordinary days", but the ordinary day (expected-day) has 50 s in three stretches of at
    # most 20 s (4, 2 and 4 steps of 5 s, below); only launch-day, a surge day, has minutes.
    # Counted from the timelines' 5 s steps with p95 above 250 ms: expected-day 4
    # (from 60,900 s) + 2 (from 77,330 s) + 4 (from 79,380 s, 323 ms, the worst) = 10 steps =
    # 50 s = 0.83 min (the first was 6 from 58,985 s, 1.0 min in all, while a node's room for
    # pods was its capacity less a flat 100m / 600 MiB, which consolidated api nodes sooner);
    # launch-day 6 (from 2,405 s) + 12 x 5 (the minutes from 28,920, 51,660, 62,580, 69,000 and
    # 72,660 s) + 2 + 6 + 4 + 4 (from 73,430, 78,425, 80,940, 85,680 s) = 82 steps = 410 s =
    # 6.83 min
    path = REPO / "plans" / "search-api.yaml"
    for quoted in ("missed for seconds on an ordinary day and minutes on a surge day",
                   "p95 above 250 ms for 0.83 minutes of expected-day (50 s, in three "
                   "stretches of at most 20 s) and 6.83 minutes of launch-day",
                   "expected-day's worst such step 323 ms"):
        assert quoted in _prose(path), quoted
    assert "missed for minutes on ordinary days" not in _prose(path)
    a = analyze_plan(path, scenarios=["expected-day", "launch-day"],
                     store_location=str(tmp_path / "none"))
    for scenario, steps in [("expected-day", 10), ("launch-day", 82)]:
        api = a.run(scenario).simulations["search-api"]
        t = api.timeline
        assert int((t["p95_latency_ms"] > 250).sum()) == steps
        slos = evaluate_slos(a.plan.slos, "search-api", t, api.spec.tick_s)
        (p95,) = slos[slos["slo"] == "search p95 latency"].itertuples()
        assert p95.violation_minutes == pytest.approx(steps * 5 / 60)
    t = a.run("expected-day").simulations["search-api"].timeline
    assert not t["latency_saturated"].any()
    assert round(float(t["p95_latency_ms"].max())) == 323
    # the three stretches: 4, 2 and 4 steps of 5 s = 20, 10 and 20 s (50 s in all)
    assert _stretches(t, t["p95_latency_ms"] > 250) == [20.0, 10.0, 20.0]


def test_ecommerce_flash_crowd_moves_intra_region_gb_with_its_served_requests(
        analysis: Analysis) -> None:
    # audit24 A24-7: the plan's 300 GB between zones ("pods <-> Multi-AZ database, cache and
    # ALB") are the requests' own, so they follow the served requests as the 500 GB of egress
    # do; before, they stayed 300 GB ($6.00) in every scenario. The ratio by hand from the runs:
    # the month's served requests (flash-crowd's 12 h x 730 / 12) over a month at the
    # reference rate (expected-day's mean, backend's traffic_share 1.0), ~2.5718
    a = analysis("ecommerce-eks.yaml", "expected-day", "flash-crowd")
    reference_rps = float(np.mean(a.run("expected-day").curve.rps))
    flash = a.run("flash-crowd").simulations["backend"]
    served = float(np.sum(flash.timeline["served_rps"])) * flash.spec.tick_s
    ratio = served * 730 / 12 / (reference_rps * 730 * 3600)
    assert ratio == pytest.approx(2.5718, abs=1e-4)
    by_line = lines(a.run("flash-crowd").estimate)
    intra = by_line[("aws_data_transfer.internet", "Intra-region data transfer")]
    # 300 GB x ratio x 2 directions x other_services intra_region 0.01
    assert float(intra or 0) == pytest.approx(300 * ratio * 2 * 0.01, rel=1e-9)
    assert intra is not None and cents(intra) == Decimal("15.43")  # 771.5 GB x 2 x 0.01
    # and the egress at the same ratio: 500 GB x ratio x internet_out first 10 TB 0.09
    egress = by_line[("aws_data_transfer.internet",
                      "Outbound data transfer to Internet (first 10TB)")]
    assert egress is not None and cents(egress) == Decimal("115.73")
    notes = " ".join(a.run("flash-crowd").estimate.notes)
    assert "intra-region transfer (monthly_outbound_internet_gb, monthly_intra_region_gb)" \
        in notes and "every other usage as declared in the plan" in notes


def test_search_api_overview_names_each_workloads_peak_against_its_max(tmp_path: Path) -> None:
    # audit27 A27-1: the Overview said "Peak replicas in any scenario: 24", naming neither the
    # workload (two are autoscaled) nor that 24 is search-api's maxReplicas. sale-evening peaks
    # at 1,000 rps; a search-api pod takes (0.50 x 750 - 40) / 8 = 41.875 rps at the 50 %
    # target: 1,000 / 41.875 = 23.9 -> 24 = maxReplicas. The indexer's busiest step is the TV
    # spot's 1,092.13 x 0.05 = 54.61 messages/s against 12 a pod: 54.61 / 12 = 4.55 -> 5 of 20
    a = analyze_plan(REPO / "plans" / "search-api.yaml",
                     scenarios=["sale-evening", "tv-flash-crowd"],
                     store_location=str(tmp_path / "none"))
    html = sections.overview(a)._repr_html_()
    assert ("<th>Peak replicas in any scenario</th><td>search-api 24, its maxReplicas "
            "(&#x27;sale-evening&#x27;); search-indexer 5 of maxReplicas 20 "
            "(&#x27;tv-flash-crowd&#x27;)</td>") in html


def test_ecommerce_overview_range_and_change_say_what_they_leave_out(analysis: Analysis) -> None:
    # audit27 A27-6: the proposed total says it leaves out 3 lines of unknown usage (the
    # db.t3.medium primary's and replica's surplus CPU credits, the primary's backup storage
    # beyond the free allowance); the range beside it, whose low end is that same $500.00, and
    # the change, which also misses today's 3 (the t3.medium's and db.t3.small's CPU credits,
    # its backup storage), said nothing
    a = analysis("ecommerce-eks.yaml", "expected-day", "flash-crowd")
    html = sections.overview(a)._repr_html_()
    assert "(flash-crowd, projected from 12 h) (each not counting 3 line(s) whose usage the " \
        "plan does not give)</td>" in html
    assert "<td>+$390.20 (not counting 3 line(s) today and 3 proposed whose usage the plan " \
        "does not give, named beside the totals)</td>" in html


def test_search_api_nodes_behind_the_figures_count_one_node_in_the_singular(
        analysis: Analysis) -> None:
    # reader: the Cost Summary said "burst: declared 1 c6i.large nodes all month"; the burst
    # group declares desired_size 1 (plans/search-api.yaml), the api group 2
    a = analysis("search-api.yaml", "expected-day")
    (note,) = [p for p in cost_summary(a).parts
               if isinstance(p, str) and "Nodes behind the two figures" in p]
    assert "api: declared 2 m6i.large nodes all month (desired_size)" in note
    assert "burst: declared 1 c6i.large node all month (desired_size)" in note


def test_ecommerce_overview_points_at_its_plan_warnings(analysis: Analysis) -> None:
    # reader: the default plan's warnings (validate prints 4: the memory metric that cannot
    # scale up, the flash crowd past maxReplicas and the CPU target at the p95 SLO, all at
    # proposed.workloads[0].hpa, and the start-up CPU burst past Ready at
    # proposed.workloads[0].model.startup_cpu_s; the expected-day replay adds 1: the critical
    # p95 alert at monitoring.alerts[1] never fires while the p95 SLO is missed) sat only at the
    # end of Scaling Behaviour. The plan acknowledges all 5, each with its reason: none open, 5
    # acknowledged.
    a = analysis("ecommerce-eks.yaml", "expected-day")
    assert ("<tr><th>Plan warnings</th><td>none open; 5 acknowledged by the plan, with the "
            "reasons in the acknowledged warnings table at the end of Scaling Behaviour"
            "</td></tr>") in sections.overview(a).parts[2]


def test_ecommerce_review_basis_says_what_it_leaves_out(analysis: Analysis) -> None:
    # reader: the Cost Summary's "Proposed as declared ... (the review's cost basis)" read a
    # bare $500.00 beside the Overview's "$500.00 (not counting 3 line(s) ...)". The declared
    # side simulates nothing, so it leaves out 4 lines: the general t3.medium group's CPU
    # credits (Unlimited; simulated only in a scenario's estimate), the db.t3.medium primary's
    # and replica's CPU credits and the primary's backup storage beyond the free allowance;
    # today's 3 are the t3.medium's and db.t3.small's CPU credits and its backup storage.
    # 73 + 91.104 + 4.80 + 16.425 + 4.088 + 32.85 + 9 + 105.85 + 23 + 52.56 + 11.50 + 24.82
    # + 6 + 45 = 499.997 -> $500.00 (the declared ALB usage gives the LCU-hours 511 x 0.008);
    # 499.997 - 109.798 -> 500.00 - 109.80 = +$390.20
    a = analysis("ecommerce-eks.yaml", "expected-day")
    (totals,) = [p for p in cost_summary(a).parts if isinstance(p, str) and "cost-totals" in p]
    four = ("aws_eks_node_group.general / CPU credits; aws_db_instance.shop / CPU credits; "
            "aws_db_instance.shop / Additional backup storage; aws_db_instance.shop_replica / "
            "CPU credits")
    assert ("<th>Proposed as declared in the plan, priced in us-east-1 (the review&#x27;s cost "
            f"basis)</th><td>$500.00 (not counting 4 line(s) whose usage the plan does not give: "
            f"{four})</td>") in totals
    assert ("<td>+$390.20 (not counting 3 line(s) today and 4 proposed whose usage the plan "
            "does not give, named beside the totals)</td>") in totals
    # the ceiling runs the same resources at max_size: the same 4 lines
    ceiling = totals.split("<th>Ceiling: ")[1].split("</tr>")[0]
    assert ceiling.endswith(f" (not counting 4 line(s) whose usage the plan does not give: "
                            f"{four})</td>")


def test_the_node_groups_table_shows_each_nodes_room_for_pods(analysis: Analysis) -> None:
    # what `kubectl describe node` lets a reviewer check: capacity less EKS's kubeReserved
    # (60m + 10m CPU; 11 MiB x max pods + 255 MiB), 100 MiB eviction, the 7.5 % VM memory share
    # and kube-proxy + aws-node (125m, 2 pods).
    # t3.medium (2 vCPU, 4096 MiB, 17 pods): 2000 - 70 - 125 = 1805m;
    #   4096 - 308 - 442 - 100 = 3246 MiB; 17 - 2 = 15 pods
    # m6i.large (2 vCPU, 8192 MiB, 29 pods): 1805m; 8192 - 615 - 574 - 100 = 6903 MiB; 27 pods
    # c6i.large (2 vCPU, 4096 MiB, 29 pods): 1805m; 4096 - 308 - 574 - 100 = 3114 MiB; 27 pods
    # the compute group runs no simulated workload (the backend is pinned to general): "-"
    for plan, expected in (("ecommerce-eks.yaml", {
            "general": "1,805m CPU, 3,246 MiB, 15 pods", "compute": "-"}),
            ("search-api.yaml", {"api": "1,805m CPU, 6,903 MiB, 27 pods",
                                 "burst": "1,805m CPU, 3,114 MiB, 27 pods"})):
        a = analysis(plan, "expected-day")
        table = sections.proposed_architecture(a).tables[1]
        assert dict(zip(table.frame["Node group"], table.frame["Room for pods a node"],
                        strict=True)) == expected, plan
        assert "its capacity less the kubelet's reserve" in table.caption
        # what the room assumes, said where a reviewer reads it (audit newfeat): neither plan
        # gives simulation.node_daemonsets, so EKS's two pods (100m + 25m CPU, no memory)
        assert ("Assumed: 2 DaemonSet pod(s) a node requesting 125m CPU and 0 MiB, EKS's "
                "kube-proxy and aws-node alone (simulation.node_daemonsets not given: count a "
                "log shipper or node agent there); a node's memory capacity is the type's "
                "memory less 7.5 %") in table.caption, table.caption


def test_search_api_backlog_trigger_states_what_its_alert_measures() -> None:
    # The trigger read "index freshness worse than the nightly rebuild (backlog older than 1 h)"
    # beside SearchIndexBacklog, which fires on the oldest message's age above 300 s = 5 min
    # held for 10 min (and a 1 h backlog is fresher than a nightly rebuild's up to 24 h): the
    # condition now gives the alert's own threshold and `for`, the hour kept as the person's
    # decision
    plan = read_plan(REPO / "plans" / "search-api.yaml")
    (trigger,) = [t for t in plan.rollback.triggers if t.alert == "SearchIndexBacklog"]
    assert " ".join(trigger.condition.split()) == (
        "index updates fall behind (the oldest queued change older than 5 minutes for 10 "
        "minutes) and the backlog still grows an hour later")
    assert not trigger.automatic
    (alert,) = [r for r in plan.monitoring.alerts if r.name == "SearchIndexBacklog"]
    assert alert.expr.endswith("> 300") and alert.for_s == 10 * 60  # 300 s = 5 min
    assert alert.simulated is not None and alert.simulated.threshold == 300 * 1000  # ms


def test_ecommerce_load_test_description_adds_up_to_its_simulated_length() -> None:
    # The description gave the ramp (10 min) and the hold (30 min), 40 min, beside the 45 min
    # the Scaling Behaviour table gives the run: the load test also ramps down for 5 min,
    # 10 + 30 + 5 = 45 min
    plan = read_plan(REPO / "plans" / "ecommerce-eks.yaml")
    (test,) = [s for s in plan.scenarios if s.name == "load-test-1000-users"]
    assert ("after a 10-minute ramp, held for 30 minutes, then a 5-minute ramp down (45 minutes "
            "in all)") in " ".join(test.description.split())
    lt = test.traffic
    assert isinstance(lt, LoadTest)
    assert (lt.ramp_up_s, lt.hold_s, lt.ramp_down_s) == (600, 1800, 300)  # 45 min = 2,700 s


def test_search_api_evicted_pods_episode_is_start_up_alone(analysis: Analysis) -> None:
    # launch-day's third under-capacity episode: a Karpenter consolidation evicted one of the 3
    # search-api pods at 68,990 s; its ReplicaSet created the replacement then, on a node with
    # room. The load jumps to 202.08 rps at 69,000 s, above the 2 Ready pods' 2 x 80 = 160, until
    # the replacement is Ready 30 s after its bind, at 69,020 s: 69,020 - 69,000 = 20 s, every
    # second of them the replacement's start-up. No scrape or HPA sync played a part (the spec
    # stays at 3 until 69,030 s); the breakdown read metric lag 5 + sync wait 10 + start-up 5.
    a = analysis("search-api.yaml", "launch-day")
    sim = a.run("launch-day").simulations["search-api"]
    t = sim.timeline.set_index("time_s")
    assert t.loc[68985.0:69020.0, "ready_pods"].tolist() == [3, 2, 2, 2, 2, 2, 2, 3]
    assert t.loc[68985.0:69025.0, "spec_replicas"].tolist() == [3] * 9
    evictions = sim.events.loc[sim.events["kind"] == "node_scale_down:api", "reason"].tolist()
    assert any("1 pod(s) evicted at 68990 s" in r for r in evictions)
    (third,) = [e for e in sim.summary.time_to_capacity if e.start_s == 69000.0]
    assert (third.end_s, third.total_s, third.pod_startup_s, third.closed_by) == (
        69020.0, 20.0, 20.0, "pods")
    assert (third.metric_lag_s, third.sync_wait_s, third.controller_hold_s,
            third.node_provisioning_s) == (0.0, 0.0, 0.0, 0.0)
    # the table's caption says why such a row has no lag, wait or hold
    (episodes,) = [t for t in sections.scaling_behaviour(a).tables
                   if t.caption.startswith("Time to capacity")]
    assert ("pods created before the episode began (the replacement of an evicted pod, a "
            "scale-up on earlier metrics) waited for none of them") in episodes.caption
    row = episodes.frame[episodes.frame["Start"] == "19 h 10 min"].iloc[0]
    assert (row["Metric lag (s)"], row["Sync wait (s)"], row["Pod start-up (s)"]) == (0, 0, 20)


def _stretches(timeline: object, flags: object) -> list[float]:
    """The lengths, seconds, of the runs of 5 s rows where a boolean column holds."""
    edges = _rows_where_changes(timeline, flags)[1:] + [float(
        timeline["time_s"].iloc[-1]) + 5.0]  # type: ignore[index]
    start = 0 if bool(flags.iloc[0]) else 1  # type: ignore[attr-defined]
    if start == 0:
        edges = [0.0, *edges]
    return [b - a for a, b in zip(edges[::2], edges[1::2], strict=False)]


def test_ecommerce_p95_risk_says_why_its_alert_stays_quiet(analysis: Analysis) -> None:
    # The plan warnings ask the plan to say why the critical ShopHighP95Latency (for 10m) never
    # fires on expected-day and launch-day although both miss the p95 SLO. The risk now says:
    # expected-day's 57.5 minutes above 300 ms are 43 stretches, the longest 60 steps of 5 s =
    # 300 s = 5 min; launch-day's 83.25 minutes are 70, the longest 36 steps = 180 s = 3 min.
    prose = _prose(REPO / "plans" / "ecommerce-eks.yaml")
    assert ("those 57.5 minutes come in 43 stretches of at most 5 minutes, launch-day's 83.25 "
            "in 70 of at most 3, so it never fires on either day") in prose
    a = analysis("ecommerce-eks.yaml", "expected-day", "launch-day")
    for scenario, count, longest_s, minutes in (("expected-day", 43, 300.0, 57.5),
                                                ("launch-day", 70, 180.0, 83.25)):
        t = a.run(scenario).simulations["backend"].timeline
        runs = _stretches(t, t["p95_latency_ms"] > 300)
        assert (len(runs), max(runs), sum(runs) / 60) == (count, longest_s, minutes), scenario
        frame = alert_replay_frame(replay_scenario(a.plan, a.run(scenario).simulations))
        assert frame.set_index("Alert").loc["ShopHighP95Latency", "Fires at"] == "never"


def test_search_api_tv_spot_test_bounds_what_the_simulation_reaches(analysis: Analysis) -> None:
    # audit: the TV spot's test bounded the replicas' rise by "the simulated time to capacity +
    # 20 %", but that time (3 min 15 s) ends with the crowd fading, capacity not reached, and the
    # simulation itself has its 22 pods Ready only later: the spot starts at 1,800 s (at_s);
    # Ready pods first reach the peak of 22 in the step from 2,105 s: 305 s = 5 min 5 s after
    # it, x 1.2 = 366 s = 6 min 6 s. The indexer's backlog is above 0 in the steps from 1,830 to
    # 1,965 s: drained at 1,970 s, 140 s = 2 min 20 s after it began. search-api's p95 is above
    # 250 ms in one stretch, 1,800 -> 2,055 s = 255 s = 4.25 min, short of the p95 alert's 10.
    plan = read_plan(REPO / "plans" / "search-api.yaml")
    (test,) = [x for x in plan.testing if x.name == "TV flash-crowd replay"]
    criteria = " ".join(test.pass_criteria.split())
    for quoted in ("Ready pods reach the simulated peak of 22 within 6 min 6 s of the spot's "
                   "start (the simulation's 5 min 5 s + 20 %)",
                   "the simulation's 4.6 % of the replay's queries",
                   # reader23: "drains within 10 minutes" said from when: from its forming
                   "the indexer's backlog is empty again within 10 minutes of forming (the "
                   "simulation's: 2 min 20 s)"):
        assert quoted in criteria, quoted
    assert "time to capacity" not in criteria
    assert ("the p95 alert stays quiet (p95 is above 250 ms for 4.25 minutes, in one stretch, "
            "short of its 10)") in _prose(REPO / "plans" / "search-api.yaml")
    (tv,) = [s for s in plan.scenarios if s.name == "tv-flash-crowd"]
    assert tv.traffic.params["at_s"] == 1800.0  # type: ignore[union-attr]
    a = analysis("search-api.yaml", "tv-flash-crowd")
    run = a.run("tv-flash-crowd")
    api = run.simulations["search-api"]
    t = api.timeline
    assert api.summary.peak_replicas == 22
    assert float(t.loc[t["ready_pods"] >= 22, "time_s"].iloc[0]) == 2105.0
    assert (2105 - 1800) * 1.2 == 366.0
    backlog = run.simulations["search-indexer"].timeline
    waiting = backlog.loc[backlog["backlog_requests"] > 0, "time_s"]
    assert (float(waiting.iloc[0]), float(waiting.iloc[-1])) == (1830.0, 1965.0)
    assert _stretches(t, t["p95_latency_ms"] > 250) == [255.0]
    assert float(t.loc[t["p95_latency_ms"] > 250, "time_s"].iloc[0]) == 1800.0


@pytest.mark.parametrize("plan", PLANS, ids=[p.stem for p in PLANS])
def test_every_alert_has_a_runbook_and_every_risk_an_owner(plan: Path) -> None:
    # ecommerce-eks promised "Runbooks for every alert" (its Kubernetes-experience risk) while
    # ShopPodsPending, ShopReplicaLag and ShopT3CreditsCharged had none, and its read-replica
    # risk had no owner: the report showed '-' in both columns
    p = read_plan(plan)
    assert [a.name for a in p.monitoring.alerts if not a.runbook] == []
    assert [r.description for r in p.risks if not r.owner] == []


def test_ecommerce_canary_question_names_the_promotion_rule_it_asks_about() -> None:
    # Question 3 asked whether "p95 300 ms, p99 800 ms and 99.9 % availability" are "the right
    # bar for promoting each canary step", but the canary promotes on its analysis: the two
    # alerts quiet and the canary no worse than the EC2 stack; the error alert's 1 % is
    # 0.01 / (1 - 0.999) = 10 times the availability SLO's error budget, and p99 is in no rule
    plan = read_plan(REPO / "plans" / "ecommerce-eks.yaml")
    question = " ".join(plan.questions[2].split())
    alerts = {a.name: a for a in plan.monitoring.alerts}
    errors, p95 = alerts["ShopHighErrorRate"], alerts["ShopHighP95Latency"]
    (availability,) = [s for s in plan.slos if s.metric == "availability"]
    assert errors.simulated is not None and p95.simulated is not None
    assert errors.simulated.threshold == 0.01 and availability.objective_pct == 99.9
    assert round(0.01 / (1 - 0.999), 6) == 10.0
    assert (errors.for_s, p95.for_s, p95.simulated.threshold) == (300.0, 600.0, 300.0)
    analysis = " ".join((plan.deployment_strategy.analysis or "").split())
    assert "ShopHighErrorRate and ShopHighP95Latency have not fired during the pause" in analysis
    for quoted in ("ShopHighErrorRate (5xx above 1 %, ten times the 99.9 % SLO's error budget, "
                   "for 5 minutes)", "ShopHighP95Latency (p95 above 300 ms for 10 minutes)",
                   "no worse than the EC2 stack's"):
        assert quoted in question, quoted


def test_search_api_backlog_risk_says_the_simulated_external_metric_is_faster(
        analysis: Analysis) -> None:
    # The risk names the External metric's real lag (CloudWatch's 60 s, the exporter's 60 s) but
    # quoted the simulated TV spot without saying the simulation scrapes that metric every 15 s,
    # as every metric (the plan sets no metrics_resolution_s: the simulator's 15 s, the report's
    # simulation settings): the indexer's 1 min 40 s to capacity (100 s from 1,830 s, metric lag
    # 5 s of it) is a lower bound, the real scale-up up to 60 + 60 = 120 s = 2 minutes later
    plan = read_plan(REPO / "plans" / "search-api.yaml")
    assert plan.simulation.metrics_resolution_s is None
    prose = _prose(REPO / "plans" / "search-api.yaml")
    for quoted in ("CloudWatch publishes SQS metrics every 60 s, the exporter scrapes every 60 s",
                   "The simulation also reads the External metric every 15 s",
                   "the real indexer scales up to 2 minutes later than simulated, so its 1 min "
                   "40 s to capacity in the TV spot is a lower bound too"):
        assert quoted in prose, quoted
    indexer = analysis("search-api.yaml", "tv-flash-crowd").run(
        "tv-flash-crowd").simulations["search-indexer"]
    assert indexer.spec.metrics.resolution_s == 15
    (episode,) = indexer.summary.time_to_capacity
    assert (episode.start_s, episode.total_s, episode.metric_lag_s) == (1830.0, 100.0, 5.0)


@pytest.mark.parametrize("plan", PLANS, ids=[p.stem for p in PLANS])
def test_no_alert_takes_a_rate_of_a_cloudwatch_gauge(plan: Path) -> None:
    # The CloudWatch exporters serve a period's statistic (aws_<service>_<metric>_sum, _average,
    # _maximum) as a gauge: rate() or increase() of one reads every fall as a counter reset.
    # SearchCacheEvictions took rate(aws_elasticache_evictions_sum[15m]) > 100 for "more than
    # 100 keys a second"; a 60 s period's Sum / 60 is that rate
    exprs = {a.name: " ".join(a.expr.split()) for a in read_plan(plan).monitoring.alerts}
    gauge_rates = [n for n, e in exprs.items() if re.search(r"\b(i?rate|increase)\(\s*aws_", e)]
    assert gauge_rates == []
    if plan.stem == "search-api":
        assert exprs["SearchCacheEvictions"] == (
            'aws_elasticache_evictions_sum{cache_cluster_id=~"search-results-.*"} / 60 > 100')


def test_search_indexer_hpa_comment_agrees_with_the_workload_model() -> None:
    # indexer-hpa.yaml said "one pod keeps up with 12 messages per second, so the target is 12
    # per pod" while the plan's model gives the pod 15 (one message at a time, 67 ms each):
    # the target of 12 is 12 / 15 = 80 % of a pod's capacity, a fifth spare
    plan = read_plan(REPO / "plans" / "search-api.yaml")
    (indexer,) = [w for w in plan.proposed.workloads if w.name == "search-indexer"]
    assert indexer.model is not None and indexer.model.capacity_rps_per_pod == 15
    assert indexer.hpa_spec is not None
    (metric,) = indexer.hpa_spec.metrics
    assert metric.external is not None and metric.external.target.average_value_milli == 12_000
    assert 1 - 12 / 15 == pytest.approx(1 / 5)
    comment = " ".join((REPO / "plans" / "search-api" / "indexer-hpa.yaml").read_text()
                       .split("apiVersion")[0].replace("#", " ").split())
    assert ("one pod keeps up with 15 messages per second (capacity_rps_per_pod in "
            "../search-api.yaml), so a target of 12 per pod keeps a fifth of each pod's "
            "capacity spare") in comment


def test_search_api_canary_question_names_the_analysis_it_asks_about() -> None:
    # Question 3 asked whether the SLOs are "the right bar for each canary step"; the canary
    # promotes on its analysis instead: the two alerts (0.1 % for 5 min, 250 ms for 10 min)
    # quiet, 1.2x the stable 5xx ratio, p95 within 20 ms; no rule reads the p99 SLO
    plan = read_plan(REPO / "plans" / "search-api.yaml")
    question = " ".join(plan.questions[2].split())
    alerts = {a.name: a for a in plan.monitoring.alerts}
    errors, p95 = alerts["SearchHighErrorRate"], alerts["SearchHighP95Latency"]
    assert errors.simulated is not None and p95.simulated is not None
    assert (errors.simulated.threshold, errors.for_s) == (0.001, 300.0)
    assert (p95.simulated.threshold, p95.for_s) == (250.0, 600.0)
    analysis = " ".join((plan.deployment_strategy.analysis or "").split())
    for quoted in ("SearchHighErrorRate and SearchHighP95Latency have not fired during the pause",
                   "no more than 1.2x the stable version's", "within 20 ms of it"):
        assert quoted in analysis, quoted
    assert "p99" not in analysis
    for quoted in ("SearchHighErrorRate (5xx above 0.1 % for 5 minutes)",
                   "SearchHighP95Latency (p95 above 250 ms for 10 minutes)",
                   "at most 1.2x the stable version's and its p95 within 20 ms of it",
                   "no rule reads p99"):
        assert quoted in question, quoted


def test_ecommerce_point_of_no_return_names_the_database_step() -> None:
    # the point of no return said "until then rollback is a DNS weight change", while rollback
    # step 3 points the EC2 application back at the old database if the new one is at fault
    plan = read_plan(REPO / "plans" / "ecommerce-eks.yaml")
    steps = [" ".join(s.split()) for s in plan.rollback.steps]
    assert steps[2].startswith("The database stays where it is, since from the cutover "
                               "(2027-01-14, before the canary) both stacks use the new primary.")
    assert "point the EC2 application back at the old db.t3.small" in steps[2]
    point = " ".join((plan.rollback.point_of_no_return or "").split())
    assert point.endswith("until then rollback is a DNS weight change, and, if the new database "
                          "is at fault, pointing the EC2 application back at the db.t3.small "
                          "(rollback step 3).")


def test_ecommerce_timeline_cuts_the_database_over_before_the_canary() -> None:
    # session 19: the timeline had no database cutover although the risks and rollback named
    # one; during a whole-stack canary both stacks write, so the cutover must come first:
    # data tier 2027-01-12 + 2 d = 12-13 January, cutover on the 14th, canary on the 19th
    plan = read_plan(REPO / "plans" / "ecommerce-eks.yaml")
    text = (REPO / "plans" / "ecommerce-eks.yaml").read_text(encoding="utf-8")
    names = [" ".join(p.name.split()) for p in plan.timeline]
    cutover = next(i for i, n in enumerate(names) if n.startswith("Database cutover"))
    canary = next(i for i, n in enumerate(names) if n.startswith("Production canary"))
    assert cutover == canary - 1
    assert "start: 2027-01-14\n    duration: 1d" in text
    assert "start: 2027-01-19\n    duration: 1d" in text
    # the single NAT gateway is a named risk with its price: two more at 0.045 USD/h x 730 h
    # = 2 x 32.85 = 65.70 USD a month
    nat = next(r for r in plan.risks if "One NAT gateway" in " ".join(r.description.split()))
    assert "$65.70 a month" in " ".join(nat.mitigation.split())


def test_search_api_change_window_question_says_how_busy_its_hours_are(
        analysis: Analysis) -> None:
    # expected-day is a local day (00:00-24:00 EDT of a July trace). The change window,
    # 14:00-18:00 UTC in February, is 09:00-13:00 US Eastern (EST, UTC-5): 9 h to 13 h into
    # the day, 32,400 to 46,800 s (reader21: it was counted as 10 h to 14 h, 14:00-18:00 UTC
    # on the trace's July clock, and said 208 / 366). Its offered rate averages 193.05 (193)
    # against the day's 135.29 (135), peaks at 364.20 (364) and the HPA asks for at most 9
    # pods, under the 12 the canary risk allows
    prose = _prose(REPO / "plans" / "search-api.yaml")
    assert ("On the expected day those are busy hours: 193 queries per second on average "
            "against the day's 135, peaks of 364 and up to 9 pods (the canary fits up to 12)"
            ) in prose
    assert "change window 14:00-18:00 UTC, 09:00-13:00 US Eastern" in prose
    t = analysis("search-api.yaml", "expected-day").run(
        "expected-day").simulations["search-api"].timeline
    window = t[(t["time_s"] >= 32400) & (t["time_s"] < 46800)]
    assert (round(float(window["offered_rps"].mean())), round(float(t["offered_rps"].mean())),
            round(float(window["offered_rps"].max())), int(window["spec_replicas"].max())) == (
        193, 135, 364, 9)


def test_search_api_canary_falls_on_a_working_day_not_presidents_day() -> None:
    # reader21: the canary was dated Monday 2027-02-15 and called "a weekday, the team at
    # work"; 2027-02-15 is the third Monday of February (1 February 2027 is a Monday: 1, 8,
    # 15), Washington's Birthday, a US federal holiday. By hand: the canary on Tuesday
    # 2027-02-16; 14 days of hypercare from 2027-02-17 end on 2027-03-02 (17-28 February is 12
    # days, February 2027 having 28, and 1-2 March 2 more); the retirement is 2027-03-03
    import datetime as dt

    from infra_toolkit.plan_operations_types import phase_dates

    plan = read_plan(REPO / "plans" / "search-api.yaml")
    names = [" ".join(p.name.split()) for p in plan.timeline]
    dates = dict(zip(names, phase_dates(plan.timeline), strict=True))
    canary = next(n for n in names if n.startswith("Canary of search-api"))
    hypercare = next(n for n in names if n.startswith("Hypercare"))
    retire = next(n for n in names if n.startswith("Retire the fixed node group"))
    assert [str(d) for d in dates[canary]] == ["2027-02-16", "2027-02-16"]
    assert dates[canary][0].weekday() == 1  # Tuesday
    assert dt.date(2027, 2, 15).weekday() == 0  # the holiday is a Monday, the third of its month
    assert [str(d) for d in dates[hypercare]] == ["2027-02-17", "2027-03-02"]
    assert [str(d) for d in dates[retire]] == ["2027-03-03", "2027-03-03"]
    prose = _prose(REPO / "plans" / "search-api.yaml")
    assert "Is the change window on Tuesday 2027-02-16, 14:00-18:00 UTC" in prose
    assert "2027-02-15" not in prose


def test_search_api_cost_charts_claim_no_share_of_a_group_a_workload_has_alone(
        analysis: Analysis) -> None:
    # reader19: each workload's node-cost chart was titled "(its request share)" because the
    # scenario runs two workloads, but search-api is alone on the api group and search-indexer
    # alone on the tainted burst group: each chart is its group's whole cost (share 1), the same
    # line as in the "all workloads" chart, so the title named a split that never happened.
    # (A workload that does share a group keeps the words: test_analysis_shared.py.)
    a = analysis("search-api.yaml", "tv-flash-crowd")
    titles = [f.layout.title.text for f in charts.scaling_figures(a)]
    assert "tv-flash-crowd / search-api: node cost per hour" in titles
    assert "tv-flash-crowd / search-indexer: node cost per hour" in titles
    assert "tv-flash-crowd / all workloads: node cost per hour" in titles
    assert not [x for x in titles if "request share" in x]
    run = a.run("tv-flash-crowd")
    assert run.cluster_hourly_cost is not None
    # search-api's line is the api group's whole cost: at the start its 3 pods (minReplicas,
    # 2 a node) sit on the group's min_size of 2 m6i.large nodes at $0.096 an hour:
    # 2 x 0.096 = $0.192 an hour, all of it search-api's
    api, cluster = run.hourly_cost["search-api"], run.cluster_hourly_cost
    assert api["usd_per_hour_api"].tolist() == cluster["usd_per_hour_api"].tolist()
    assert float(api["usd_per_hour_api"].iloc[0]) == pytest.approx(2 * 0.096)


def test_search_api_rollback_pins_pods_and_lets_karpenter_bring_the_nodes() -> None:
    # reader19: the rollback step said "scale the api node group to 8 nodes", but the api pool is
    # a Karpenter NodePool (search-api/cluster.yaml: NodePool `api`, limit 12): there is no
    # desired size for the on-call to set. Pinning the HPA is the action; the nodes follow:
    # 16 pods x 750m, 2 a node (2 x 750 = 1,500m <= the 1,805m room of an m6i.large, 3 x 750 =
    # 2,250m is not) = 16 / 2 = 8 nodes, within the limit (max_size) of 12.
    plan = read_plan(REPO / "plans" / "search-api.yaml")
    steps = " ".join(" ".join(plan.rollback.steps).split())
    assert "pin the HPA (minReplicas = maxReplicas = 16, today's fixed pods), and Karpenter " \
        "provisions the 8 api nodes they need (2 a node)" in steps
    assert "within the NodePool's limit of 12" in steps
    assert "scale the api node group" not in steps
    (api,) = [r for r in plan.proposed.resources if r.type == "aws_eks_node_group"
              and r.name == "api"]
    assert api.attributes["scaling_config.max_size"] == 12
    (w,) = [w for w in plan.proposed.workloads if w.name == "search-api"]
    assert w.deployment_spec.cpu_request_millicores == 750


def test_the_usage_note_points_at_cpu_credits_only_where_a_group_has_them(
        analysis: Analysis) -> None:
    # reader19: search-api's Components with Cost note ended "(a simulated group's CPU credits:
    # its line's note)", but its groups are m6i.large and c6i.large, not burstable: no line has
    # such a note. ecommerce-eks's node group is t3.medium (burstable): its note keeps it.
    pointer = "(a simulated group's CPU credits: its line's note)"
    search = analysis("search-api.yaml", "tv-flash-crowd").run("tv-flash-crowd")
    assert search.credits == {}
    assert not [n for n in search.estimate.notes if pointer in n]
    assert [n for n in search.estimate.notes if n.endswith("every other usage as declared in "
                                                           "the plan")]
    shop = analysis("ecommerce-eks.yaml", "flash-crowd").run("flash-crowd")
    assert shop.credits
    assert [n for n in shop.estimate.notes if n.endswith(f"declared in the plan {pointer}")]


def test_ecommerce_canary_replays_the_local_hour_of_its_change_window() -> None:
    # reader21: the canary window was 04:00-08:00 UTC on 2027-01-19, 23:00 EST, while the
    # simulation starts it at the July trace's 04:00 UTC, 00:00 EDT: an hour of the shop's
    # day apart. The window now opens at 05:00 UTC, 00:00 in New York in January (EST, UTC-5),
    # the local hour the trace's 04:00 UTC is in July (EDT, UTC-4).
    plan = read_plan(REPO / "plans" / "ecommerce-eks.yaml")
    eastern = ZoneInfo("America/New_York")
    (phase,) = [p for p in plan.timeline if p.name.startswith("Production canary")]
    assert "change window 05:00-09:00 UTC" in " ".join(phase.name.split())
    window = datetime(2027, 1, 19, 5, 0, tzinfo=UTC).astimezone(eastern)
    replayed = datetime(1995, 7, 12, 4, 0, tzinfo=UTC).astimezone(eastern)
    assert (window.hour, window.minute) == (replayed.hour, replayed.minute) == (0, 0)
    assert plan.deployment_strategy.canary_start_s == 4 * 3600  # '04:00' on the trace's clock
    # reader23: the report's simulated canary "starts at 04:00" (UTC on the scenario's dates)
    # beside question 5's 05:00-09:00 UTC window: the question says why they differ
    assert ("The report simulates the canary from 04:00 UTC on the July trace's day, the same "
            "local hour: 00:00 in New York in July (EDT, UTC-4), as 05:00 UTC is in January "
            "(EST, UTC-5).") in " ".join(plan.questions[4].split())


@pytest.mark.parametrize(("delay_s", "ready_s"), [
    # pull 8 s, app up at 12 s, readiness every 5 s from the bind: first tick at or after
    # 8 + max(delay, 12). 27 -> 35 s, before the warm-up's end at 8 + 30 = 38 s (overlap)
    (27.0, 35.0),
    # 28 -> 36 -> 40; 30 -> 38 -> 40; 32 -> 40 -> 40: every delay of 28-32 s is Ready at 40 s,
    # past 38 s, 10 s after today's 30 s (delay 20: 28 -> 30)
    (28.0, 40.0), (30.0, 40.0), (31.0, 40.0), (32.0, 40.0), (20.0, 30.0),
    # 33 -> 41 -> 45: 15 s later, no longer the reason's "10 s later"
    (33.0, 45.0),
])
def test_ecommerce_acknowledgement_names_every_delay_that_ends_the_overlap_10_s_later(
        delay_s: float, ready_s: float) -> None:
    # reader22: the reason said "a readiness delay of 28-30 s" ends the 8 s overlap for 10 s
    # of Ready; 31 and 32 s do the same on the 5 s probe grid
    assert seconds_to_ready(8.0, 12.0, Probe(delay_s, 5.0)) == ready_s
    (ack,) = [a for a in read_plan(REPO / "plans" / "ecommerce-eks.yaml").acknowledged_warnings
              if a.path.endswith("startup_cpu_s")]
    assert " ".join(ack.reason.split()).startswith(
        "A readiness delay of 28-32 s would end the overlap but make every pod Ready 10 s later")
