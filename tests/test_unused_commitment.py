"""A commitment (``usage.committed_instances``) its node group leaves unused: the committed
instance-hours a month against the node-hours the group runs within them, the unused share and
what it costs at the commitment's rate, warned from the declared nodes (``validate``) where no
simulation changes them and from each scenario's simulated nodes (the report). Expected values
by hand: a month is 730 h; rates from the overrides files (payments/prices.yaml c6i.large
savings_plan 0.0612 $/h; the made-up t3.medium savings_plan 0.0300 and m5.large reserved 0.0600
of tests/test_committed_instances.py)."""

from __future__ import annotations

import collections
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit import unused_commitment
from infra_toolkit.analysis import analyze_plan
from infra_toolkit.cost_sim import billed_node_counts
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.pricing import PriceBook, load_price_book
from infra_toolkit.unused_commitment import commitment_use
from tests.test_committed_instances import RATES, _committed_plan, parsed

PAYMENTS = Path(__file__).resolve().parent / "data" / "author19" / "payments-eks.yaml"
AT = "usage.committed_instances"


def test_public_api_is_fixed() -> None:
    assert sorted(unused_commitment.__all__) == [
        "CommitmentUse", "commitment_use", "declared_commitment_warnings",
        "simulated_commitment_warnings", "todays_declared_warnings"]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> PriceBook:
    path = tmp_path_factory.mktemp("rates") / "overrides.yaml"
    path.write_text(RATES.format(itype="t3.medium", option="savings_plan", usd="0.0300"))
    return load_price_book(overrides=path)


@pytest.mark.parametrize(("usage", "node_hours", "covered", "unused", "usd"), [
    # 2 nodes all month under 3 committed: 2 x 730 = 1,460 node-hours, all within it;
    # 3 x 730 = 2,190 committed, 2,190 - 1,460 = 730 unused x 0.03 = 21.90
    ({"committed_instances": 3, "instances": 2}, D(1460), D(1460), D(730), D("21.90")),
    # desired_size 5 above 3 committed: every committed hour runs a node
    ({"committed_instances": 3}, D(3650), D(2190), D(0), D(0)),
    # 3,000 node-hours spread evenly (as the lines count them) under 5 committed: 5 x 730 =
    # 3,650, 650 unused x 0.03 = 19.50
    ({"committed_instances": 5, "monthly_node_hours": 3000}, D(3000), D(3000), D(650),
     D("19.50")),
    # 1,500 of 3,000 node-hours above 3 committed at busy moments: 1,500 within it, so
    # 2,190 - 1,500 = 690 unused x 0.03 = 20.70 although 3,000 > 2,190
    ({"committed_instances": 3, "monthly_node_hours": 3000, "monthly_overflow_node_hours": 1500},
     D(3000), D(1500), D(690), D("20.70")),
])
def test_the_unused_hours_are_the_committed_less_those_run_within_it(
        book: PriceBook, usage: dict[str, Any], node_hours: D, covered: D, unused: D,
        usd: D) -> None:
    (r,) = parsed(book, usage)
    use = commitment_use(r, book)
    assert use is not None
    assert (use.monthly_node_hours, use.monthly_covered_hours, use.monthly_unused_hours,
            use.monthly_unused_usd, use.unused) == (node_hours, covered, unused, usd, unused > 0)


def test_no_commitment_is_no_use(book: PriceBook) -> None:
    assert commitment_use(parsed(book, {"committed_instances": 0})[0], book) is None
    assert commitment_use(parsed(book, {})[0], book) is None


def test_the_payments_on_demand_pool_pays_its_idle_commitment(tmp_path: Path) -> None:
    # Every pod runs on the spot pool (tried first: neither NodePool states a weight, so both
    # are 0 and Karpenter takes the name later in the alphabet first, 'payments-spot' before
    # 'payments-od'; the file's order too), so payments_od runs 0 node-hours in
    # both scenarios and its 2 committed c6i.large instances are all idle: 2 x 730 = 1,460
    # hours x 0.0612 = 89.352 -> $89.35 a month. validate cannot know it (the pool is simulated)
    _plan, problems, warnings = check_plan_warnings(PAYMENTS)
    assert problems == [] and not [w for w in warnings if w.path.endswith(AT)]
    a = analyze_plan(PAYMENTS, store_location=str(tmp_path / "none"))
    (w,) = [w for w in a.warnings if w.path.endswith(AT)]
    assert w.path == f"proposed.resources[3].{AT}"
    assert w.message == (
        "node group 'payments_od' commits 2 c6i.large instance(s) (usage.committed_instances at "
        "the savings-plan rate, $0.0612 an hour each: 2 x 730 = 1,460 instance-hours a month, "
        "billed whether nodes run on them or not), and the simulation leaves some unused: in "
        "'match-day' and 'flash-crowd' it ran 0 c6i.large node-hours a month (0 node(s) on "
        "average), so 1,460 of the 1,460 committed hours (100 %) go unused, 2 instance(s) idle "
        "on average: $89.35 a month paid for nothing (1,460 x 0.0612); lower "
        "committed_instances to 0 (the fewest c6i.large nodes the group ran at any moment of "
        "these scenarios), move the commitment to an on-demand node group the pods run on (they "
        "ran on 'payments_spot', SPOT, which no commitment covers), or make this group fill "
        "first: give NodePool 'payments-od' a spec.weight above 0 (theirs: 'payments-spot' "
        "unset, 0): Karpenter, and the simulation, try NodePools by spec.weight, the highest "
        "first (equal weights by name, Z to A)")


def test_a_partly_used_commitment_says_what_is_idle_in_each_scenario(tmp_path: Path) -> None:
    # small.yaml's group 'general' (m5.large, 2..4) with 3 committed at the reserved 0.06 $/h:
    # 'steady' holds 2 nodes all hour (one 1,000m pod a node, 2 pods at 40 req/s), so
    # 3 x 730 = 2,190 committed hours, 2 x 730 = 1,460 run, 730 unused (33.3 %), 1 idle:
    # 730 x 0.06 = $43.80. validate cannot know it: api runs on 'general'.
    path = _committed_plan(tmp_path, "{purchase_option: reserved, committed_instances: 3}")
    _plan, problems, warnings = check_plan_warnings(path)
    assert problems == [] and not [w for w in warnings if w.path.endswith(AT)]
    a = analyze_plan(path, scenarios=["steady", "ramp"], store_location=str(tmp_path / "none"))
    (w,) = [w for w in a.warnings if w.path.endswith(AT)]
    assert w.path == f"proposed.resources[1].{AT}"
    assert ("in 'steady' it ran 1,460 m5.large node-hours a month (2 node(s) on average), so "
            "730 of the 2,190 committed hours (33.3 %) go unused, 1 instance(s) idle on "
            "average: $43.80 a month paid for nothing (730 x 0.0600); in 'ramp'") in w.message
    # the fewest nodes at any moment is 2 (steady all hour, ramp before it rises); the only
    # group, so no other to move the commitment to
    assert w.message.endswith("; lower committed_instances to 2 (the fewest m5.large nodes "
                              "the group ran at any moment of these scenarios)")
    # 'ramp' runs 2, 3, then 4 nodes (5 s ticks; the counts are the simulator's, an input):
    # a tick at 2 leaves 1 committed instance idle, one at 4 runs 1 above the commitment,
    # which cannot fill an idle hour of another tick
    run = a.run("ramp")
    assert run.cluster is not None
    ticks = collections.Counter(billed_node_counts(run.cluster.nodes, "general").tolist())
    assert set(ticks) == {2, 3, 4}
    month = D(5) / 3600 * 730  # a 5 s tick of the 1 h window, as a month
    (general,) = [r for r in run.priced_resources if r.name == "general"]
    use = commitment_use(general, _book(path))
    assert use is not None
    node_hours = (2 * ticks[2] + 3 * ticks[3] + 4 * ticks[4]) * month
    assert abs(use.monthly_node_hours - node_hours) < D("1e-9")
    assert abs(use.monthly_covered_hours - (node_hours - ticks[4] * month)) < D("1e-9")
    assert abs(use.monthly_unused_hours - ticks[2] * month) < D("1e-9")
    assert abs(use.monthly_unused_usd - ticks[2] * month * D("0.06")) < D("1e-9")


def _book(path: Path) -> PriceBook:
    return load_price_book(overrides=path.parent / "rates.yaml")


BATCH = """    - type: aws_eks_node_group
      name: batch
      instance_types: [m5.large]
      scaling_config: {desired_size: 1, min_size: 1, max_size: 2}
      usage: {purchase_option: reserved, committed_instances: 2}
    - type: aws_lb
"""


def test_a_group_no_workload_runs_on_is_warned_by_validate_and_once_in_the_report(
        tmp_path: Path) -> None:
    # 'batch' runs no workload, so every scenario keeps its desired_size 1: of its 2 committed
    # m5.large, 2 x 730 = 1,460 hours, 1 x 730 = 730 run and 730 (50 %) go unused, 1 idle:
    # 730 x 0.06 = $43.80 a month; 'general' (2 committed, steady's 2 nodes) is fully used
    path = _committed_plan(tmp_path, "{purchase_option: reserved, committed_instances: 2}")
    text = path.read_text()
    assert text.count("    - type: aws_lb\n") == 1
    path.write_text(text.replace("    - type: aws_lb\n", BATCH))
    _plan, problems, warnings = check_plan_warnings(path)
    assert problems == []
    expected = (
        "node group 'batch' commits 2 m5.large instance(s) (usage.committed_instances at the "
        "reserved rate, $0.0600 an hour each: 2 x 730 = 1,460 instance-hours a month, billed "
        "whether nodes run on them or not), and its declared nodes leave some unused: "
        "scaling_config.desired_size 1 all month, which every scenario keeps: no autoscaled "
        "workload runs on it, so 730 of the 1,460 committed hours (50 %) go unused, 1 "
        "instance(s) idle on average: $43.80 a month paid for nothing (730 x 0.0600); lower "
        "committed_instances to 1 (the whole instances its declared node-hours within the "
        "commitment fill), or declare the nodes the group will run")
    # validate prints each warning's message after "warning: "
    assert [(w.path, w.message) for w in warnings if w.path.endswith(AT)] == [
        (f"proposed.resources[2].{AT}", f"warning: {expected}")]
    a = analyze_plan(path, scenarios=["steady"], store_location=str(tmp_path / "none"))
    assert [w.message for w in a.warnings if w.path.endswith(AT)] == [expected]


def test_declared_node_hours_above_the_commitment_fill_no_idle_hour(tmp_path: Path) -> None:
    # 'batch' declares 1,000 node-hours, 400 of them above its 2 committed (busy moments): 600
    # within, so 2 x 730 - 600 = 860 of 1,460 unused (58.9 %), 860 / 730 = 1.18 idle, 860 x
    # 0.06 = $51.60; 600 hours fill floor(600 / 730) = 0 whole instances
    path = _committed_plan(tmp_path, "{purchase_option: reserved, committed_instances: 2}")
    path.write_text(path.read_text().replace("    - type: aws_lb\n", BATCH.replace(
        "committed_instances: 2}", "committed_instances: 2, monthly_node_hours: 1000, "
        "monthly_overflow_node_hours: 400}")))
    _plan, problems, warnings = check_plan_warnings(path)
    assert problems == []
    (w,) = [w for w in warnings if w.path.endswith(AT)]
    assert ("its declared nodes leave some unused: usage.monthly_node_hours 1,000, 400 of them "
            "above the commitment (usage.monthly_overflow_node_hours), which every scenario "
            "keeps: no autoscaled workload runs on it, so 860 of the 1,460 committed hours "
            "(58.9 %) go unused, 1.18 instance(s) idle on average: $51.60 a month paid for "
            "nothing (860 x 0.0600); lower committed_instances to 0 ") in w.message


@pytest.mark.parametrize(("mine", "ran_on", "weights", "fix"), [
    # NodePools: a weight above the highest of theirs (Karpenter tries the highest first)
    (["od"], ["spot", "burst"], {"od": 0, "spot": 30, "burst": 0},
     "give NodePool 'od' a spec.weight above 30 (theirs: 'spot' 30, 'burst' unset, 0): "
     "Karpenter, and the simulation, try NodePools by spec.weight, the highest first (equal "
     "weights by name, Z to A)"),
    # theirs at the CRD's most, 100: nothing is above it, so theirs must come down
    (["od"], ["spot"], {"od": 1, "spot": 100},
     "give NodePool 'od' the spec.weight 100 and lower theirs ('spot' 100; 100 is the most): "
     "Karpenter, and the simulation, try NodePools by spec.weight, the highest first (equal "
     "weights by name, Z to A)"),
    # a group that is no NodePool's: the plan's order instead (said by _fixes)
    (["od"], ["system"], {"od": 0}, None),
    (["od"], [], {"od": 0}, None),
])
def test_the_fill_first_fix_between_node_pools_is_a_weight(
        mine: list[str], ran_on: list[str], weights: dict[str, int], fix: str | None) -> None:
    assert unused_commitment._weight_first(mine, ran_on, weights) == fix
