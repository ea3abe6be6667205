"""PodDisruptionBudgets honoured by node scale-down (audit15 A15-4): the disruption controller's
arithmetic (kubernetes pkg/controller/disruption) and the scale-down of both loops that refuses a
node while a budget allows no eviction of its pods, charged per scan (cluster-autoscaler's
RemainingPdbTracker), and drains in steps a node whose pods exceed what a budget allows now
(cordoned, evicted as the budget allows, removed when empty, given up after
MAX_POD_EVICTION_S). Expected values are worked by hand in comments."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from infra_toolkit.disruption_budget import DisruptionBudget, scaled_value
from infra_toolkit.errors import SpecError
from infra_toolkit.nodes import ClusterAutoscalerSpec, NodeGroup
from infra_toolkit.shared_nodes import Owner, SharedNodes


@pytest.mark.parametrize(("value", "total", "pods"), [
    (3, 10, 3),
    ("50%", 3, 2),  # 1.5 rounded up
    ("34%", 3, 2),  # 1.02 rounded up
    ("33%", 3, 1),  # 0.99 rounded up
    ("0%", 5, 0),
    ("100%", 4, 4),
])
def test_a_percent_is_scaled_rounding_up(value: int | str, total: int, pods: int) -> None:
    assert scaled_value(value, total) == pods


@pytest.mark.parametrize(("budget", "ready", "replicas", "matched", "desired", "allowed"), [
    # maxUnavailable 1 of 4 replicas: keep 4 - 1 = 3; 4 Ready - 3 = 1
    (DisruptionBudget("b", max_unavailable=1), 4, 4, 4, 3, 1),
    # one pod not Ready yet: 3 - 3 = 0
    (DisruptionBudget("b", max_unavailable=1), 3, 4, 4, 3, 0),
    # maxUnavailable 30% of 4 = 1.2 -> 2 (rounded up): keep 2; 4 - 2 = 2
    (DisruptionBudget("b", max_unavailable="30%"), 4, 4, 4, 2, 2),
    # maxUnavailable 5 of 3: keep max(0, 3 - 5) = 0; 3 - 0 = 3
    (DisruptionBudget("b", max_unavailable=5), 3, 3, 3, 0, 3),
    # minAvailable 50% of 3 = 1.5 -> 2: 3 - 2 = 1
    (DisruptionBudget("b", min_available="50%"), 3, 3, 3, 2, 1),
    # minAvailable 90% of 4 = 3.6 -> 4: 4 - 4 = 0
    (DisruptionBudget("b", min_available="90%"), 4, 4, 4, 4, 0),
    # minAvailable 2 (a number): 3 Ready - 2 = 1
    (DisruptionBudget("b", min_available=2), 3, 3, 3, 2, 1),
    # minAvailable as a number counts the matched pods: none matched, none allowed
    (DisruptionBudget("b", min_available=0), 0, 2, 0, 0, 0),
    # a scale of 0: none allowed whatever the arithmetic (expectedCount <= 0)
    (DisruptionBudget("b", max_unavailable="50%"), 0, 0, 0, 0, 0),
    # fewer Ready than to keep: 0, not negative
    (DisruptionBudget("b", min_available=3), 1, 3, 3, 3, 0),
])
def test_disruptions_allowed_follow_the_disruption_controller(
        budget: DisruptionBudget, ready: int, replicas: int, matched: int, desired: int,
        allowed: int) -> None:
    assert budget.desired_healthy(replicas) == desired
    assert budget.disruptions_allowed(ready, replicas, matched) == allowed


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"min_available": 1, "max_unavailable": 1}, "give one of minAvailable and maxUnavailable "
                                                 r"\(the API server refuses both\)"),
    ({"max_unavailable": -1}, r"maxUnavailable \(=-1\) must be a whole number >= 0 or a "
                              "percent from '0%' to '100%' like '25%'"),
    # IsNotMoreThan100Percent: the API server refuses a percent above 100 (a minAvailable of
    # 150 % of 4 pods would keep ceil(6) = 6 > 4 pods: no eviction ever, silently)
    ({"min_available": "150%"}, r"minAvailable \(='150%'\) must be"),
    ({"max_unavailable": "101%"}, r"maxUnavailable \(='101%'\) must be"),
    ({"min_available": "half"}, r"minAvailable \(='half'\) must be"),
    ({"min_available": True}, r"minAvailable \(=True\) must be"),
])
def test_a_budget_that_cannot_be_read_is_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(SpecError, match=match):
        DisruptionBudget("web-pdb", **kwargs)  # type: ignore[arg-type]


# ---- the shared-nodes scale-down ---------------------------------------------------------
# m5.large-like nodes: 2 vCPU - 100m reserved = 1900m. Owners: 0 "web" (200m pods, the
# budgeted workload), 1 "base" (one 1000m pod holding node 0 at 1000/1900 = 53 %, above the
# 50 % threshold, so node 0 is needed), 2 and 3 temporary fillers that steer the first-fit
# scheduler and are deleted before the scans.
_GROUP = NodeGroup("g", "m5.large", vcpu=2, memory_gib=8, max_pods=29, min_size=0, max_size=5)
_CA = ClusterAutoscalerSpec(scan_interval_s=5, provisioning_delay_s=45.0,
                            scale_down_unneeded_s=30.0, scale_down_utilization_threshold=0.5,
                            scale_down_delay_after_add_s=0.0)


def _owners() -> list[Owner]:
    return [Owner(0, "web", 200.0, 0.0, [0], 1), Owner(1, "base", 1000.0, 0.0, [0], 1),
            Owner(2, "fill", 1.0, 0.0, [0], 1), Owner(3, "fill2", 1.0, 0.0, [0], 1)]


def _one_node_of_web(web_pods: int, budget: DisruptionBudget | None) -> SharedNodes:
    """Node 0: base's 1000m plus (web_pods - 2) web pods; node 1: two web pods (400m, 21 %),
    which fit in node 0's room (1900 - 1000 - 200 x (web_pods - 2) >= 400)."""
    owners = _owners()
    owners[2].cpu = 900.0 - 200.0 * (web_pods - 2)  # node 0 left with room for web_pods - 2
    nodes = SharedNodes((_GROUP,), owners, _CA, tick_s=5, n_ticks=1000)
    nodes.add_node(0)
    nodes.add_node(0)
    nodes.create(owners[1], 1, 0.0)
    nodes.create(owners[2], 1, 0.0)
    nodes.place(0.0)
    nodes.create(owners[0], web_pods, 0.0)
    nodes.place(0.0)
    nodes.delete(owners[2], 1, 0.0)
    web = owners[0]
    web.budget, web.replicas = budget, web_pods
    assert [sum(len(c.names) for c in n.cohorts if c.owner == 0) for n in nodes.nodes[0]] == \
        [web_pods - 2, 2]
    nodes.last_scale_up_s = -1e9
    return nodes


def _scans(nodes: SharedNodes, until_s: int) -> list[tuple[float, str, str]]:
    for t in range(0, until_s + 1, 5):
        nodes.scan(float(t))
    return [(t, kind, why) for t, kind, _, _, why in nodes.events]


def _web_ready(nodes: SharedNodes, t: float) -> int:
    return nodes.owners[0].ready_at(t, nodes.tick_s)


def test_two_pods_of_a_budget_of_one_drain_their_node_in_steps() -> None:
    # web: 2 replicas, both on node 1, maxUnavailable 1: keep 2 - 1 = 1, allowed 2 Ready - 1
    # = 1 >= 1: admitted (CanRemovePods), but 1 < its 2 pods: drained in steps. Replacements
    # take 20 s to turn Ready. Unneeded from 0 s; 30 s: drain starts, node 1 cordoned, one pod
    # evicted, its replacement placed on node 0 at 30 s, Ready at 50 s. Scans 35-45 s: 1 Ready
    # - 1 kept = 0 allowed, nothing evicted. 50 s: 2 Ready, allowed 1: the second pod evicted,
    # node 1 empty, removed at 50 s (20 s after its drain started); its replacement Ready 70 s.
    nodes = _one_node_of_web(2, DisruptionBudget("web-pdb", max_unavailable=1))
    nodes.owners[0].startup_to_ready_s = 20.0
    ready = {}  # web's Ready pods after each scan
    for t in range(0, 121, 5):
        nodes.scan(float(t))
        ready[t] = _web_ready(nodes, float(t))
    events = [(t, kind, why) for t, kind, _, _, why in nodes.events]
    assert events == [
        (30.0, "node_drain_started:g",
         "node 1 utilization 21% < 50% for 30 s; cordoned, its 2 pod(s) evicted as their "
         "PodDisruptionBudgets allow"),
        (50.0, "node_scale_down:g", "node 1 drained in 20 s")]
    assert [n.ident for n in nodes.nodes[0]] == [0]
    assert nodes.node_changes[0][-1] == (10, 1)  # 50 s / 5 s ticks: billed for 50 s, not on
    # the drain's dips: one pod short from each eviction until its replacement is Ready
    assert [ready[t] for t in (25, 30, 45, 50, 65, 70)] == [2, 1, 1, 1, 1, 2]


def test_a_drain_refused_for_max_pod_eviction_time_is_given_up() -> None:
    # as above but replacements Ready 150 s after they start: the first, evicted at 30 s, is
    # Ready at 180 s. Scans 35-145 s: 0 allowed. 150 s: 150 - 30 = 120 s = MAX_POD_EVICTION_S
    # with one pod left: given up, node 1 un-cordoned and kept; the same scan finds it
    # unremovable (1 Ready - 1 kept = 0 allowed). 180 s: 2 Ready, allowed 1 >= its 1 pod:
    # unneeded from 180 s, removed at once at 210 s.
    nodes = _one_node_of_web(2, DisruptionBudget("web-pdb", max_unavailable=1))
    nodes.owners[0].startup_to_ready_s = 150.0
    events = _scans(nodes, 240)
    assert [(t, kind) for t, kind, _ in events] == [
        (30.0, "node_drain_started:g"), (150.0, "node_drain_abandoned:g"),
        (150.0, "node_scale_down_blocked:g"), (210.0, "node_scale_down:g")]
    assert events[1][2] == ("node 1: 1 pod(s) still refused eviction 120 s after its drain "
                            "started; un-cordoned and kept")
    assert events[3][2] == "node 1 utilization 11% < 50% for 30 s; 1 pod(s) evicted"
    assert [n.ident for n in nodes.nodes[0]] == [0]


@pytest.mark.parametrize("budget", [DisruptionBudget("web-pdb", max_unavailable=2), None])
def test_a_budget_allowing_both_evictions_lets_the_node_go(
        budget: DisruptionBudget | None) -> None:
    # maxUnavailable 2: keep 0, allowed 2 = the 2 evictions (or no budget): unneeded from 0 s,
    # removed at the scan 30 s later, both pods evicted and placed on node 0
    nodes = _one_node_of_web(2, budget)
    events = _scans(nodes, 60)
    assert events == [(30.0, "node_scale_down:g",
                       "node 1 utilization 21% < 50% for 30 s; 2 pod(s) evicted")]
    assert [n.ident for n in nodes.nodes[0]] == [0]
    assert sum(len(c.names) for c in nodes.nodes[0][0].cohorts if c.owner == 0) == 2


@pytest.mark.parametrize(("budget", "removed"), [
    # 3 replicas, 3 Ready, 2 of them on node 1 (replacements Ready at once):
    # minAvailable 34% of 3 = 1.02 -> 2 kept: allowed 1 < 2, drained: one pod at 30 s, the
    # other at 35 s once the first replacement is Ready
    (DisruptionBudget("web-pdb", min_available="34%"), False),
    # minAvailable 33% of 3 = 0.99 -> 1 kept: allowed 2, removed
    (DisruptionBudget("web-pdb", min_available="33%"), True),
    # maxUnavailable 34% of 3 = 1.02 -> 2: keep 1, allowed 2, removed
    (DisruptionBudget("web-pdb", max_unavailable="34%"), True),
    # maxUnavailable 33% of 3 = 0.99 -> 1: keep 2, allowed 1, drained
    (DisruptionBudget("web-pdb", max_unavailable="33%"), False),
])
def test_percent_budgets_round_up_as_the_disruption_controller(
        budget: DisruptionBudget, removed: bool) -> None:
    nodes = _one_node_of_web(3, budget)
    events = _scans(nodes, 60)
    assert [(t, kind) for t, kind, _ in events] == (
        [(30.0, "node_scale_down:g")] if removed
        else [(30.0, "node_drain_started:g"), (35.0, "node_scale_down:g")])
    assert len(nodes.nodes[0]) == 1


def _two_nodes_of_web(budget: DisruptionBudget | None) -> SharedNodes:
    """Node 0: base's 1000m; nodes 1 and 2: one web pod each (200m, 11 %), each fitting on
    node 0 (900m free); web's replacements take 20 s to turn Ready."""
    owners = _owners()
    owners[2].cpu, owners[3].cpu = 900.0, 1700.0
    nodes = SharedNodes((_GROUP,), owners, _CA, tick_s=5, n_ticks=1000)
    nodes.add_node(0)
    nodes.create(owners[1], 1, 0.0)
    nodes.create(owners[2], 1, 0.0)  # node 0 full
    nodes.place(0.0)
    nodes.add_node(0)
    nodes.create(owners[0], 1, 0.0)
    nodes.create(owners[3], 1, 0.0)  # node 1 full beside web's pod
    nodes.place(0.0)
    nodes.add_node(0)
    nodes.create(owners[0], 1, 0.0)
    nodes.place(0.0)
    nodes.delete(owners[2], 1, 0.0)
    nodes.delete(owners[3], 1, 0.0)
    web = owners[0]
    web.budget, web.replicas, web.startup_to_ready_s = budget, 2, 20.0
    assert [sum(len(c.names) for c in n.cohorts if c.owner == 0) for n in nodes.nodes[0]] == \
        [0, 1, 1]
    nodes.last_scale_up_s = -1e9
    return nodes


def test_two_nodes_sharing_a_budget_go_one_at_a_time() -> None:
    # maxUnavailable 1 of 2: allowed 1. Scan 0 s visits node 2 first (newest): its one
    # eviction fits, charged; node 1 then sees 1 - 1 = 0 left: blocked, its timer not started.
    # 30 s: node 2 removed, its pod Pending again, placed on node 0, Ready at 30 + 20 = 50 s.
    # 35-45 s: 1 Ready - 1 kept = 0 allowed, node 1 still blocked (logged once). 50 s: 2 Ready,
    # allowed 1: node 1 unneeded from 50 s, removed at 80 s.
    nodes = _two_nodes_of_web(DisruptionBudget("web-pdb", max_unavailable=1))
    events = _scans(nodes, 120)
    assert [(t, kind) for t, kind, _ in events] == [
        (0.0, "node_scale_down_blocked:g"), (30.0, "node_scale_down:g"),
        (80.0, "node_scale_down:g")]
    assert events[0][2].endswith("it allows no disruption now for its 1 pod(s) on node 1 (2 "
                                 "Ready, 1 to keep healthy, 1 taken by nodes before it in "
                                 "this scan); kept, checked again each scan")
    assert events[1][2].startswith("node 2 ") and events[2][2].startswith("node 1 ")


def test_without_a_budget_both_nodes_go_a_scan_apart() -> None:
    # the same nodes, no budget: both unneeded from 0 s; node 2 goes at 30 s and node 1, whose
    # timer ran on, at the next scan (one node a scan)
    nodes = _two_nodes_of_web(None)
    events = _scans(nodes, 120)
    assert [(t, kind) for t, kind, _ in events] == [
        (30.0, "node_scale_down:g"), (35.0, "node_scale_down:g")]


def test_a_fixed_deployments_budget_reaches_its_owner() -> None:
    # FixedPods carry their budget into the joint loop's owner, as workloads do
    from infra_toolkit.fixed_pods import FixedPods
    from infra_toolkit.shared_cluster import _owners as shared_owners

    budget = DisruptionBudget("batch-pdb", max_unavailable=1)
    fixed = FixedPods("batch", 3, 200.0, 64.0, (_GROUP,), disruption_budget=budget)
    (owner,) = shared_owners([], [fixed], (_GROUP,))
    assert (owner.budget, owner.replicas) == (budget, 3)
    assert dataclasses.replace(fixed, disruption_budget=None).disruption_budget is None


# ---- the one-workload loop and the sweep's routing ----------------------------------------
# test_simulate.py's hand-worked scale-down: 6 warm pods on 2 nodes, the HPA writes 6 -> 2 at
# 330 s, the scan at 340 s finds the group at 26 % with both pods fitting on one node, and at
# 940 s one node goes with its 1 pod (2 // 2 nodes). Both pods are Ready throughout.
def _scale_down_run(budget: DisruptionBudget | None):  # type: ignore[no-untyped-def]
    from infra_toolkit.simulate import simulate
    from infra_toolkit.traffic import step_curve
    from tests.test_simulate import SPEC

    spec = dataclasses.replace(SPEC, initial_replicas=6, disruption_budget=budget)
    return spec, step_curve(100, 100, at_s=0, duration_s=1200, step_s=60), simulate


def test_the_one_workload_loop_keeps_a_node_its_budget_cannot_spare() -> None:
    # minAvailable 2 of 2 Ready: 0 allowed < the 1 eviction: blocked from 340 s, never removed
    spec, curve, simulate = _scale_down_run(DisruptionBudget("api-pdb", min_available=2))
    result = simulate(curve, spec)
    nodes = result.events[result.events["kind"].str.startswith("node_scale_down")]
    assert list(zip(nodes["time_s"], nodes["kind"], nodes["reason"])) == [
        (340.0, "node_scale_down_blocked:ng",
         "utilization 26% < 50% but blocked by PodDisruptionBudget api-pdb: it allows no "
         "disruption now for its 1 pod(s) on the node (2 Ready, 2 to keep healthy); kept, "
         "checked again each scan")]
    assert result.summary.node_scale_downs == 0
    assert result.timeline["nodes"].iloc[-1] == 2
    assert result.timeline.set_index("time_s")["ready_pods"].loc[340:].min() == 2


@pytest.mark.parametrize(("expressions", "events"), [
    # app In [api, web] and no track label: selects the pods (app: api), so the budget is
    # minAvailable 2 of 2 Ready, 0 allowed: blocked at 340 s and kept, as the matchLabels run
    ("    - {key: app, operator: In, values: [api, web]}\n"
     "    - {key: track, operator: DoesNotExist}\n",
     [(340.0, "node_scale_down_blocked:ng",
       "utilization 26% < 50% but blocked by PodDisruptionBudget api-pdb: it allows no "
       "disruption now for its 1 pod(s) on the node (2 Ready, 2 to keep healthy); kept, "
       "checked again each scan")]),
    # app NotIn [api]: selects no pod of api, no budget: unneeded from 340 s, the node goes
    # 600 s later, at 940 s (test_simulate's hand-worked scale-down)
    ("    - {key: app, operator: NotIn, values: [api]}\n",
     [(940.0, "node_scale_down:ng", None)]),
])
def test_a_match_expressions_budget_read_from_the_plan_holds_the_node(
        tmp_path: Path, expressions: str, events: list[tuple[float, str, str | None]]) -> None:
    # end to end: the budget written beside minimal.yaml's Deployment (pods labelled app: api)
    # with matchExpressions, read by the plan, then run in the hand-worked scale-down above
    from infra_toolkit.plan import read_plan
    from infra_toolkit.plan_simulation import simulation_spec
    from infra_toolkit.pricing import load_price_book
    from tests.test_plan_warnings import _plan

    plan = _plan(tmp_path)
    deployment = tmp_path / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text() + (
        "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: api-pdb}\n"
        "spec:\n  minAvailable: 2\n  selector:\n    matchExpressions:\n" + expressions))
    budget = simulation_spec(read_plan(plan), "api", load_price_book()).disruption_budget
    spec, curve, simulate = _scale_down_run(budget)
    result = simulate(curve, spec)
    nodes = result.events[result.events["kind"].str.startswith("node_scale_down")]
    got = list(zip(nodes["time_s"], nodes["kind"], nodes["reason"]))
    assert [(t, k, r if want is not None else None)
            for (t, k, r), (_, _, want) in zip(got, events)] == events
    assert len(got) == len(events)
    assert result.timeline["nodes"].iloc[-1] == (2 if budget is not None else 1)


def test_a_budget_that_allows_the_eviction_changes_nothing() -> None:
    # maxUnavailable 1 of 2: keep 1, allowed 2 - 1 = 1 = the 1 eviction: the run of no budget
    spec, curve, simulate = _scale_down_run(DisruptionBudget("api-pdb", max_unavailable=1))
    with_budget = simulate(curve, spec)
    without = simulate(curve, dataclasses.replace(spec, disruption_budget=None))
    assert with_budget.events.equals(without.events)
    assert with_budget.timeline.equals(without.timeline)
    assert with_budget.summary.node_scale_downs == 1


def test_a_budgeted_spec_is_run_by_the_scalar_loop_in_simulate_many() -> None:
    # the sweep engine has no budgets: simulate_many runs such a spec through simulate (its row
    # is simulate's, node_scale_downs 0 where the engine, blind to the budget, would give 1)
    from infra_toolkit.simulate import simulate_many
    from infra_toolkit.sweep_params import unsupported

    spec, curve, simulate = _scale_down_run(DisruptionBudget("api-pdb", min_available=2))
    assert unsupported(spec) == ("a PodDisruptionBudget (api-pdb), which only the scalar "
                                 "path's node scale-down honours")
    rows = simulate_many(curve, [spec, dataclasses.replace(spec, disruption_budget=None,
                                                           name="free")])
    assert list(rows["node_scale_downs"]) == [0, 1]
    expected = simulate(curve, spec).summary.as_row()
    got = rows.iloc[0].to_dict()
    assert {k: got[k] for k in expected} == expected


def _pinned_run(app_start_s: float = 20.0):  # type: ignore[no-untyped-def]
    spec, curve, simulate = _scale_down_run(DisruptionBudget("api-pdb", max_unavailable=1))
    spec = dataclasses.replace(
        spec, initial_replicas=9,
        workload=dataclasses.replace(spec.workload, app_start_s=app_start_s),
        hpa=dataclasses.replace(spec.hpa, min_replicas=6, max_replicas=6),
        autoscaler=dataclasses.replace(spec.autoscaler, scale_down_utilization_threshold=0.6))
    return spec, curve, simulate


def test_the_one_workload_loop_drains_a_node_in_steps() -> None:
    # test_simulate's workload (1000m pods, 3 a node of 3900m, Ready 35 s after scheduled, 5 s
    # ticks, scans at 10, 20, ... s) pinned at 6 replicas, started with 9 on 3 nodes; scale-down
    # at 60 % (2 pods a node: 2000/3900 = 51 %). 15 s: 9 > maxReplicas 6, written 6 (3 deleted).
    # 20 s: 6 pods on 3 nodes, 2 a node, fitting on the other 6 slots; maxUnavailable 1: keep
    # 5, allowed 6 - 5 = 1 >= 1 but < the node's 2 pods: unneeded from 20 s, drained in steps.
    # 620 s: drain starts, one pod evicted, its replacement placed on the 2 other nodes'
    # 2 free slots at 620 s, Ready 655 s. Scans 630-650 s: 5 Ready, 0 allowed. 660 s: 6 Ready,
    # allowed 1: the second evicted, the node empty: removed at 660 s (replacement Ready 695).
    # Ready pods: 6, 5 over [620, 655), 6, 5 over [660, 695), 6.
    # Node-hours over 1200 s: (3 x 660 + 2 x 540) / 3600 = 3060 / 3600 = 0.85 (1.0 kept).
    spec, curve, simulate = _pinned_run()
    result = simulate(curve, spec)
    ev = result.events
    assert list(zip(ev["time_s"], ev["kind"])) == [
        (15.0, "hpa_scale"), (620.0, "node_drain_started:ng"), (660.0, "node_scale_down:ng")]
    assert ev["reason"].iloc[2] == "node drained in 40 s"
    tl = result.timeline.set_index("time_s")
    ready = tl["ready_pods"]
    assert (ready.loc[20:615] == 6).all() and (ready.loc[620:650] == 5).all()
    assert (ready.loc[655] == 6) and (ready.loc[660:690] == 5).all()
    assert (ready.loc[695:] == 6).all()
    assert (tl["nodes"].loc[:655] == 3).all() and (tl["nodes"].loc[660:] == 2).all()
    assert sum(result.summary.node_hours_by_node_group.values()) == pytest.approx(0.85)
    assert result.summary.node_scale_downs == 1


def test_the_one_workload_loop_gives_up_a_drain_after_max_pod_eviction_time() -> None:
    # as above, Ready 10 + 150 + 5 = 165 s after scheduled: the pod evicted at 620 s has its
    # replacement Ready at 785 s. Scans 630-730 s: 0 allowed. 740 s: 740 - 620 = 120 s =
    # MAX_POD_EVICTION_S, one pod left: given up, un-cordoned; the same scan finds the group's
    # average node (6 // 3 = 2 pods) unremovable, 5 Ready - 5 kept = 0 allowed. 790 s (the
    # first scan after 785 s): allowed 1, unneeded again; 790 + 600 > 1200 s: 3 nodes to the end.
    spec, curve, simulate = _pinned_run(app_start_s=150.0)
    result = simulate(curve, spec)
    ev = result.events
    assert list(zip(ev["time_s"], ev["kind"])) == [
        (15.0, "hpa_scale"), (620.0, "node_drain_started:ng"),
        (740.0, "node_drain_abandoned:ng"), (740.0, "node_scale_down_blocked:ng")]
    assert ev["reason"].iloc[2] == ("1 pod(s) still refused eviction 120 s after the drain "
                                    "started; un-cordoned and kept")
    assert (result.timeline["nodes"] == 3).all()
    assert result.summary.node_scale_downs == 0
