"""Burstable node groups' CPU credits from a simulated cluster (credit_usage.py), priced through
cost_sim.apply_simulation. Hand-worked on a t3.medium: 2 vCPUs, 24 credits/h (0.4 vCPU, 20 %),
1 credit = 1 vCPU-minute; ticks of 300 s (12 an hour)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from infra_toolkit import credit_usage
from infra_toolkit.cost import cents
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.cost_sim import apply_simulation
from infra_toolkit.credit_usage import (
    burstable_groups,
    group_cpu_millicores,
    group_credits,
    workload_cpu_millicores,
)
from infra_toolkit.pricing import PriceBook, load_price_book
from infra_toolkit.resources import parse_resources
from tests.conftest import REPO_ROOT, SMALL_PLAN

TICK_S = 300.0
HOUR = 12


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_price_book()


def _workload(**kw: float) -> SimpleNamespace:
    base = {"baseline_cpu_millicores": 100.0, "cpu_millicores_per_rps": 10.0,
            "startup_cpu_millicores": 0.0, "startup_cpu_s": 0.0,
            "running_to_ready_s": 22.0}  # a pod is Running 22 s before it is Ready
    return SimpleNamespace(**{**base, **kw})


def _cluster(served: list[float], nodes: dict[str, list[int]], ready: int = 2,
             placed: dict[str, Any] | None = None) -> tuple[SimpleNamespace, dict[str, Any]]:
    n = len(served)
    timeline = pd.DataFrame({"ready_pods": [ready] * n, "starting_pods": [0] * n,
                             "served_rps": served})
    frame = pd.DataFrame({**{f"nodes_{g}": v for g, v in nodes.items()},
                          **{f"launching_nodes_{g}": [0] * n for g in nodes}})
    cluster = SimpleNamespace(nodes=frame, simulations={"web": SimpleNamespace(
        timeline=timeline)}, placed={"web": placed} if placed else {})
    spec = SimpleNamespace(workload=_workload(), node_groups=[SimpleNamespace(name=g)
                                                              for g in nodes])
    return cluster, {"web": spec}


def test_public_api_is_fixed() -> None:
    assert sorted(credit_usage.__all__) == [
        "GroupCredits", "burstable_groups", "charged_by_resource", "credit_note",
        "group_cpu_millicores", "group_credits", "with_credit_notes", "workload_cpu_millicores"]


def test_the_charged_surplus_is_keyed_by_resource_and_standard_groups_are_left_out() -> None:
    from infra_toolkit.cpu_credits import CreditLedger
    from infra_toolkit.credit_usage import GroupCredits, charged_by_resource

    ledger = CreditLedger(0, 0, 0, 0, 0, 0, 0, 24, 0, 0)
    credits = {g: GroupCredits(g, "t3.medium", mode, 20.0, 25.0, ledger, charged, 90.0, 0.0)
               for g, mode, charged in (("general-ng", "unlimited", 0.6),
                                        ("batch", "unlimited", 0.0),
                                        ("steady", "standard", 0.0))}
    # general-ng is priced by the resource "general"; batch bears its resource's name; a
    # Standard-mode group is never charged, so it has no entry (no CPU credits line either)
    assert charged_by_resource(credits, {"general-ng": "general"}) == {"general": 0.6,
                                                                       "batch": 0.0}


def test_a_workloads_cpu_from_its_timeline() -> None:
    # ready: 100 baseline + 10 x rps; a starting pod: 100 baseline + its burst spread over its
    # start-up: 400 mc x 30 s / 22 s Running before Ready = 545.45...
    w = _workload(startup_cpu_millicores=400.0, startup_cpu_s=30.0)
    tl = pd.DataFrame({"ready_pods": [2, 0], "starting_pods": [0, 1], "served_rps": [30.0, 0.0]})
    assert workload_cpu_millicores(tl, w) == pytest.approx([2 * 100 + 300, 100 + 12000 / 22])


def test_a_workload_on_two_groups_is_split_by_its_placed_pods() -> None:
    # 2 x 100 + 10 x 30 = 500 mc; 1 pod of 4 on "a", 3 on "b"
    cluster, specs = _cluster([30.0], {"a": [1], "b": [1]},
                              placed={"a": np.array([1]), "b": np.array([3])})
    cpu = group_cpu_millicores(cluster, specs)
    assert (cpu["a"][0], cpu["b"][0]) == pytest.approx((125.0, 375.0))


# (served rps per tick, (charged vCPU-h in the window, mean node CPU %, minutes above baseline))
CASES = [
    # hour 1: 2 x 100 + 10 x 30 = 500 mc (0.5 vCPU: 30 credits, 24 earned, 6 short); hour 2:
    # 200 mc (12 spent, 24 earned). Pass 1 ends with 6 accrued (the 6 surplus paid, 6 kept);
    # the repeat spends them in hour 1: nothing charged. Mean (0.5 + 0.2) / 2 / 2 vCPU = 17.5 %
    ("paid down within the window", [30.0] * HOUR + [0.0] * HOUR, (0.0, 17.5, 60.0)),
    # hour 1: 200 + 800 = 1000 mc (60 spent, 36 short); hour 2: 200 + 200 = 400 mc, the
    # baseline (24 spent, 24 earned). Pass 1 ends owing 36; the repeat starts owing 36 and ends
    # owing 72: each repeat adds 36 credits = 0.6 vCPU-h, charged once at the 24 h cap.
    # Mean (1.0 + 0.4) / 2 / 2 = 35 %
    ("surplus that a repeat only grows", [80.0] * HOUR + [20.0] * HOUR, (0.6, 35.0, 60.0)),
]


def test_nodes_added_in_the_window_are_removed_before_its_repeat(book: PriceBook) -> None:
    # hour 1: 1 node, 2 pods x 100 mc idle = 0.2 vCPU (12 spent, 24 earned: 12 accrue);
    # hour 2: 2 nodes, 2 x 100 + 10 x 100 rps = 1.2 vCPU (72 spent, 48 earned: 24 short, 12
    # from the accrued, 12 surplus). Between windows one node goes: half of each balance.
    # Pass 1 ends owing 12: 6 carried. Pass 2: hour 1 pays the 6 down (earns 24 - 12 spent),
    # accrues 6; hour 2: 24 short, 6 accrued, 18 surplus owed at the end: 9 charged with the
    # removed node, 9 carried, 3 more than the 6 carried in. 9 + 3 = 12 credits = 0.2 vCPU-h.
    # Steady state, by hand: carrying c (<= 12) in, hour 1 leaves 12 - c accrued, hour 2 owes
    # 24 - (12 - c) = 12 + c, half charged and half carried: c = 6 + c/2 -> c = 12, 12 charged
    cluster, specs = _cluster([0.0] * HOUR + [100.0] * HOUR,
                              {"general": [1] * HOUR + [2] * HOUR})
    spec = book.credit_spec("t3.medium")
    assert spec is not None
    got = group_credits(cluster, specs, {"general": (spec, "unlimited")}, TICK_S)["general"]
    assert got.charged_vcpu_h == pytest.approx(12 / 60)


def test_a_window_ending_richer_than_it_starts_is_charged_at_its_steady_state(
        book: PriceBook) -> None:
    # t3.medium: 24 credits/h a node. Carrying a accrued credits in (nodes go 1 -> 3 between
    # windows: added nodes start empty, nothing removed), hour 1: 3 nodes at 2 x 100 mc = 0.2
    # vCPU (12 spent, 72 earned: a + 60 accrued); hour 2: 200 + 10 x 250 rps = 2.7 vCPU (162
    # spent, 72 earned: 90 short, a + 60 from the accrued, 30 - a surplus); hour 3: 2 of the 3
    # nodes go, (2/3)(30 - a) charged, (30 - a)/3 owed; 1 node at 0.2 vCPU earns 24, spends 12:
    # pays (30 - a)/3 down and ends with a' = 12 - (30 - a)/3 = 2 + a/3 accrued.
    # Pass 1 (a = 0) ends with 2; pass 2 (a = 2) would charge (2/3)(28) = 18.67 credits.
    # Steady state, by hand: a = 2 + a/3 -> a = 3; charged (2/3)(30 - 3) = 18 credits = 0.3 vCPU-h
    cluster, specs = _cluster([0.0] * HOUR + [250.0] * HOUR + [0.0] * HOUR,
                              {"general": [3] * HOUR + [3] * HOUR + [1] * HOUR})
    spec = book.credit_spec("t3.medium")
    assert spec is not None
    got = group_credits(cluster, specs, {"general": (spec, "unlimited")}, TICK_S)["general"]
    assert got.charged_vcpu_h == pytest.approx(18 / 60)
    assert got.ledger.accrued_end_vcpu_h == pytest.approx(3 / 60)  # the steady a, per window


def test_t2_standard_nodes_added_between_windows_bring_launch_credits(book: PriceBook) -> None:
    # audit13 A13-6: t2.medium, Standard (its default): 24 credits/h a node, 60 launch credits.
    # Hour 1: 2 nodes, 2 x 100 + 10 x 260 rps = 2.8 vCPU (14 credits a 300 s step, 4 earned:
    # 10 short a step, 120 in the hour); hour 2: 1 node at 0.2 vCPU accrues 12 (24 - 12).
    # Repeated: the window starts with 12 accrued and the node added between windows brings its
    # 60 launch credits: 72 cover 7 steps (70) and 2 of the 8th, so steps 8-12 are held to the
    # baseline (a step short of credits counts whole): 5 x 5 = 25 min; hour 2 ends with 12
    # again. Without launch credits the 12 covered 1 step: 11 steps, 55 min.
    cluster, specs = _cluster([260.0] * HOUR + [0.0] * HOUR,
                              {"general": [2] * HOUR + [1] * HOUR})
    spec = book.credit_spec("t2.medium")
    assert spec is not None and spec.launch_credits == 60.0
    got = group_credits(cluster, specs, {"general": (spec, "standard")}, TICK_S)["general"]
    assert got.throttled_min == pytest.approx(25.0)
    assert got.ledger.accrued_end_vcpu_h == pytest.approx(12 / 60)


@pytest.mark.parametrize(("served", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_group_credits(book: PriceBook, served: list[float],
                       expected: tuple[float, float, float]) -> None:
    cluster, specs = _cluster(served, {"general": [1] * len(served)})
    spec = book.credit_spec("t3.medium")
    assert spec is not None
    got = group_credits(cluster, specs, {"general": (spec, "unlimited")}, TICK_S)["general"]
    assert (got.charged_vcpu_h, got.mean_cpu_pct, got.above_baseline_min) == \
        pytest.approx(expected)


def _node_groups(book: PriceBook, mode: str | None) -> Any:
    lt: dict[str, Any] = {"type": "aws_launch_template", "name": "lt",
                          "block_device_mappings": [{"device_name": "/dev/xvda", "ebs": {
                              "volume_size": 20, "volume_type": "gp3"}}]}
    if mode:
        lt["credit_specification"] = {"cpu_credits": mode}
    return parse_resources([lt, {
        "type": "aws_eks_node_group", "name": "general", "instance_types": ["t3.medium"],
        "launch_template": {"name": "lt", "version": "1"},
        "scaling_config": {"desired_size": 1, "min_size": 1, "max_size": 3}}, {
        "type": "aws_eks_node_group", "name": "big", "instance_types": ["m5.large"],
        "scaling_config": {"desired_size": 1, "min_size": 1, "max_size": 3}}],
        default_region="us-east-1", price_book=book)


@pytest.mark.parametrize("mode", [None, "unlimited", "standard"])
def test_burstable_groups_take_the_launch_templates_mode(book: PriceBook,
                                                         mode: str | None) -> None:
    groups = burstable_groups(_node_groups(book, mode), {"general-ng": "general"}, book)
    assert list(groups) == ["general-ng"]  # m5.large earns no credits
    assert groups["general-ng"][1] == (mode or "unlimited")  # T3's default: Unlimited


def test_the_charged_surplus_is_priced_as_node_hours_are_projected(book: PriceBook) -> None:
    # 0.6 vCPU-h in a 2 h window -> x 730 / 2 = 219 vCPU-h; other_services ec2_cpu_credits_t3
    # us-east-1 0.05 USD per vCPU-hour: 219 x 0.05 = $10.95
    priced = apply_simulation(_node_groups(book, None), {"general": 2.0, "big": 2.0}, 2.0, book,
                              cpu_credits={"general": 0.6})
    line = next(ln for ln in estimate(priced, book).lines
                if ln.address == "aws_eks_node_group.general" and ln.component == "CPU credits")
    assert (line.monthly_quantity, line.unit, cents(line.monthly_cost_usd or Decimal(-1))) == \
        (Decimal("219.0"), "vCPU-hours", Decimal("10.95"))


def test_a_zero_surplus_outside_the_priced_region_needs_no_price(book: PriceBook) -> None:
    rs = parse_resources([{"type": "aws_eks_node_group", "name": "general",
                           "instance_types": ["t3.medium"],
                           "scaling_config": {"desired_size": 1, "min_size": 1, "max_size": 3}}],
                         default_region="eu-west-1", price_book=book)
    zero = apply_simulation(rs, {"general": 2.0}, 2.0, book, cpu_credits={"general": 0.0})
    some = apply_simulation(rs, {"general": 2.0}, 2.0, book, cpu_credits={"general": 0.1})
    z, s = (next(ln for ln in estimate(r, book).lines if ln.component == "CPU credits")
            for r in (zero, some))
    assert (z.status, z.monthly_cost_usd) == ("priced", Decimal(0))
    assert s.status == "PRICE NOT FOUND" and "eu-west-1" in (s.price_not_found or "")


# declared resources: (attributes, usage, region, expected (quantity, status, USD) or None)
DECLARED = [
    # Infracost's keys: 100 h x the type's 2 vCPUs = 200 vCPU-h x 0.05 = $10.00
    ({"instance_type": "t3.medium"}, {"monthly_cpu_credit_hrs": 100}, "us-east-1",
     (Decimal(200), "priced", Decimal("10.00"))),
    # vcpu_count given: 10 h x 1 = 10 vCPU-h x 0.05 = $0.50 (T3a at T3's rate: "T3/T3a")
    ({"instance_type": "t3a.large"}, {"monthly_cpu_credit_hrs": 10, "vcpu_count": 1},
     "us-east-1", (Decimal(10), "priced", Decimal("0.50"))),
    # usage not given: no figure, as other usage-based lines
    ({"instance_type": "t3.medium"}, {}, "us-east-1", (None, "usage unknown", None)),
    # ... and where no rate exists it stays usage unknown, not a missing price
    ({"instance_type": "t3.medium"}, {}, "eu-west-1", (None, "usage unknown", None)),
    # no sourced T4g EC2 rate: a surplus to price is a loud missing price
    ({"instance_type": "t4g.medium"}, {"monthly_cpu_credit_hrs": 5}, "us-east-1",
     (Decimal(10), "PRICE NOT FOUND", None)),
    # Standard mode is never charged; a type without credits has no line
    ({"instance_type": "t3.medium", "credit_specification": {"cpu_credits": "standard"}},
     {"monthly_cpu_credit_hrs": 100}, "us-east-1", None),
    ({"instance_type": "m5.large"}, {}, "us-east-1", None),
    # T2 launches in Standard mode unless told otherwise
    ({"instance_type": "t2.micro"}, {"monthly_cpu_credit_hrs": 1}, "us-east-1", None),
    # audit13 A13-2: a T3 on a Dedicated Host launches as standard (EC2 User Guide): no line;
    # a Dedicated Instance (tenancy dedicated) keeps T3's Unlimited default: 1 h x 2 x 0.05
    ({"instance_type": "t3.medium", "tenancy": "host"}, {"monthly_cpu_credit_hrs": 100},
     "us-east-1", None),
    ({"instance_type": "t3.medium", "tenancy": "dedicated"}, {"monthly_cpu_credit_hrs": 1},
     "us-east-1", (Decimal(2), "priced", Decimal("0.10"))),
]


@pytest.mark.parametrize(("attributes", "usage", "region", "expected"), DECLARED)
def test_a_declared_instances_cpu_credits(book: PriceBook, attributes: dict[str, Any],
                                          usage: dict[str, Any], region: str,
                                          expected: tuple[Any, ...] | None) -> None:
    rs = parse_resources([{"type": "aws_instance", "name": "web", **attributes,
                           "usage": usage}], default_region=region, price_book=book)
    lines = [ln for ln in estimate(rs, book).lines if ln.component == "CPU credits"]
    if expected is None:
        assert lines == []
        return
    (line,) = lines
    cost = None if line.monthly_cost_usd is None else cents(line.monthly_cost_usd)
    assert (line.monthly_quantity, line.status, cost) == expected


@pytest.mark.parametrize(("usage", "expected"), [
    # audit13 A13-7: Infracost multiplies a node group's CPU credits by its instances
    # (internal/resources/aws/eks_node_group.go, launch_template.go: MultiplyQuantities):
    # 100 h x the type's 2 vCPUs x 3 nodes = 600 vCPU-h x 0.05 = $30.00 (was 200, $10.00)
    ({"instances": 3, "monthly_cpu_credit_hrs": 100}, (Decimal(600), Decimal("30.00"))),
    # no instances: desired_size, 2 nodes: 10 h x 1 vCPU x 2 = 20 vCPU-h = $1.00
    ({"monthly_cpu_credit_hrs": 10, "vcpu_count": 1}, (Decimal(20), Decimal("1.00"))),
    # monthly_node_hours 1,095 = 1.5 nodes all month: 10 h x 2 x 1.5 = 30 vCPU-h = $1.50
    ({"monthly_node_hours": 1095, "monthly_cpu_credit_hrs": 10}, (Decimal(30), Decimal("1.50"))),
])
def test_a_declared_node_groups_cpu_credits_are_per_node_as_infracosts(
        book: PriceBook, usage: dict[str, Any], expected: tuple[Decimal, Decimal]) -> None:
    rs = parse_resources([{"type": "aws_eks_node_group", "name": "general",
                           "instance_types": ["t3.medium"], "usage": usage,
                           "scaling_config": {"desired_size": 2, "min_size": 1, "max_size": 3}}],
                         default_region="us-east-1", price_book=book)
    (line,) = [ln for ln in estimate(rs, book).lines if ln.component == "CPU credits"]
    assert (line.monthly_quantity, cents(line.monthly_cost_usd or Decimal(-1))) == expected


def test_a_simulated_groups_surplus_is_its_whole_surplus_over_several_nodes(
        book: PriceBook) -> None:
    # 3 nodes for the 2 h window (6 node-hours: 3 nodes all month) and 0.6 vCPU-h charged:
    # x 730 / 2 = 219 vCPU-h for the group, written as 219 / 3 = 73 h a node x 1 vCPU x 3
    # nodes: still 219 vCPU-h, x 0.05 = $10.95 (not 3 x 219)
    priced = apply_simulation(_node_groups(book, None), {"general": 6.0, "big": 2.0}, 2.0, book,
                              cpu_credits={"general": 0.6})
    line = next(ln for ln in estimate(priced, book).lines
                if ln.address == "aws_eks_node_group.general" and ln.component == "CPU credits")
    assert (line.monthly_quantity, cents(line.monthly_cost_usd or Decimal(-1))) == \
        (Decimal(219), Decimal("10.95"))


def _credits(mode: str, throttled_min: float) -> Any:
    from infra_toolkit.cpu_credits import CreditLedger
    from infra_toolkit.credit_usage import GroupCredits

    ledger = CreditLedger(0, 0, 0, 0, 0, 0, 0, 24, 0, throttled_min * 60)
    return GroupCredits("general", "t3.medium", mode, 20.0, 25.0, ledger, 0.0, 90.0,
                        throttled_min)


@pytest.mark.parametrize(("mode", "throttled_min", "warned"), [
    ("standard", 42.0, True), ("standard", 0.0, False), ("unlimited", 42.0, False)])
def test_a_standard_group_held_to_its_baseline_is_warned(mode: str, throttled_min: float,
                                                         warned: bool) -> None:
    from infra_toolkit.credit_warnings import credit_warnings
    from infra_toolkit.plan import read_plan

    plan = read_plan("plans/ecommerce-eks.yaml")
    runs = [SimpleNamespace(name="expected-day", credits={"general": _credits(mode,
                                                                              throttled_min)})]
    got = [str(w) for w in credit_warnings(plan, runs)]
    # the general group follows the cluster and the two launch templates: index 3
    assert got == ([
        "proposed.resources[3]: warning: in scenario 'expected-day', the simulated CPU of node "
        "group 'general' (t3.medium, credit_specification standard) exceeds its 20 % baseline "
        "with no CPU credits left for 42 min: AWS holds such nodes to the baseline (throttled), "
        "which the simulation does not, so its latency there is optimistic; use Unlimited mode "
        "(its surplus credits are then priced) or a type that does not burst"] if warned else [])


def _small_plan_on_t3(tmp_path: Path, mode: str) -> Path:
    """tests/data/plans/report/small.yaml with its nodes on two t3.small (2 vCPUs, 24
    credits/h: 0.4 vCPU = 20 % each) in ``mode``, the second scenario at 160 req/s."""
    shutil.copytree(REPO_ROOT / "tests/data/plans/manifests", tmp_path / "manifests")
    text = (REPO_ROOT / SMALL_PLAN).read_text(encoding="utf-8").replace(
        "    - type: aws_eks_node_group\n      name: general\n      instance_types: [m5.large]",
        "    - type: aws_launch_template\n      name: lt\n"
        f"      credit_specification: {{cpu_credits: {mode}}}\n"
        "      block_device_mappings:\n        - device_name: /dev/xvda\n"
        "          ebs: {volume_size: 20, volume_type: gp3}\n"
        "    - type: aws_eks_node_group\n      name: general\n"
        "      launch_template: {name: lt, version: \"1\"}\n      instance_types: [t3.small]",
    ).replace("rps: 80}", "rps: 160}")
    (tmp_path / "report").mkdir()
    path = tmp_path / "report" / "small.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("mode", ["unlimited", "standard"])
def test_a_plans_burstable_group_through_the_analysis(tmp_path: Path, mode: str) -> None:
    from infra_toolkit.analysis import analyze_plan

    a = analyze_plan(_small_plan_on_t3(tmp_path, mode), store_location=str(tmp_path / "none"))
    steady, double = (a.run(n).credits["general"] for n in ("steady", "double"))
    # steady: 2 Ready pods x 20 mc + 40 req/s x 5 mc = 240 mc on 2 nodes of 2 vCPUs: 6 % of
    # 4 vCPUs, under the 20 % baseline all hour: nothing spent beyond it
    assert (steady.mode, steady.mean_cpu_pct, steady.above_baseline_min) == \
        (mode, pytest.approx(6.0), 0.0)
    # double: 160 req/s x 5 mc = 800 mc, the 2 nodes' whole baseline, before any pod's own
    # 20 mc: above it most of the hour
    assert double.above_baseline_min > 50
    credits = [ln for ln in a.run("double").estimate.lines if ln.component == "CPU credits"]
    if mode == "unlimited":
        # 2 nodes, no removal, far under the 24 h cap: each repeat of the hour owes what it
        # used beyond the 2 node-hours x 0.4 vCPU earned, charged once the balance is capped
        assert double.charged_vcpu_h == pytest.approx(double.ledger.used_vcpu_h - 2 * 0.4)
        assert double.charged_vcpu_h > 0 and double.throttled_min == 0
        (line,) = credits
        # projected from the 1 h window to 730 h, at 0.05 USD per vCPU-hour
        assert float(line.monthly_quantity or 0) == pytest.approx(double.charged_vcpu_h * 730)
        assert "system daemons not modelled" in line.note
        assert not [w for w in a.warnings if "credit_specification standard" in w.message]
    else:
        # Standard: nothing charged, no line; held to the baseline once its credits are gone
        assert credits == [] and double.throttled_min > 50
        assert [w.path for w in a.warnings if "credit_specification standard" in w.message] \
            == ["proposed.resources[2]"]


@pytest.mark.parametrize(("above_min", "written"), [
    # audit24 A24-2: expected-day's 104 ticks of 5 s above the baseline = 520 s, which the CPU
    # credits table writes "8 min 40 s"; the cost line's note wrote the same figure "9 min"
    (520 / 60, "above it 8 min 40 s;"),
    (90.0, "above it 1 h 30 min;"),
    (0.0, "above it 0 s;"),
])
def test_the_credit_note_writes_the_time_above_baseline_as_the_table_does(
        above_min: float, written: str) -> None:
    from dataclasses import replace

    note = credit_usage.credit_note(replace(_credits("unlimited", 0.0),
                                            above_baseline_min=above_min))
    assert f"25.0 % on average against the 20 % baseline, {written}" in note
