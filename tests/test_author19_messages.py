"""Two message defects a user met on the payments plan (tests/data/author19): a quoted name
followed by "'s" printed a doubled apostrophe ('payments-spot''s), and a mistake in the plan's
own prices file was reported at ``pricing:`` instead of ``pricing.overrides``, where its file is
named."""

from __future__ import annotations

import shutil
from pathlib import Path

from infra_toolkit.plan_validate import check_plan_warnings

DATA = Path(__file__).resolve().parent / "data" / "author19"


def _copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """A copy of the payments plan and its files with ``old`` replaced by ``new`` in ``file``."""
    shutil.copytree(DATA, tmp_path / "author19")
    edited = tmp_path / "author19" / file
    text = edited.read_text(encoding="utf-8")
    assert old in text
    edited.write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path / "author19" / "payments-eks.yaml"


def test_a_bad_own_price_is_reported_at_pricing_overrides(tmp_path: Path) -> None:
    plan = _copy(tmp_path, "payments/prices.yaml", 'usd_per_unit: "0.0341"',
                 'usd_per_unit: "cheap"')
    _plan, problems, _warnings = check_plan_warnings(plan)
    # payments-eks.yaml line 240 is `pricing:`, line 241 `  overrides: payments/prices.yaml`
    assert [(p.path, p.line) for p in problems] == [("pricing.overrides", 241)]
    assert problems[0].message == (
        f"{plan.parent / 'payments' / 'prices.yaml'}: rates[0]: usd_per_unit: 'cheap' is not a "
        'decimal number; write it like "0.034" (US dollars per unit)')


def test_a_node_pools_limit_names_the_pool_without_a_doubled_apostrophe(tmp_path: Path) -> None:
    # payments-spot's spec.limits cpu 40 / 2 vCPU a c6i.large = 20 nodes; desired 21 is above
    plan = _copy(tmp_path, "payments-eks.yaml",
                 "{desired_size: 2, min_size: 0, max_size: 20}",
                 "{desired_size: 21, min_size: 0, max_size: 30}")
    _plan, problems, _warnings = check_plan_warnings(plan)
    assert [(p.path, p.message) for p in problems] == [(
        "proposed.resources[2].scaling_config.desired_size",
        "21 is above the 20 c6i.large nodes the spec.limits of NodePool 'payments-spot' allow; "
        "lower it to at most 20")]


def test_committed_instances_above_max_size_without_a_doubled_apostrophe(
        tmp_path: Path) -> None:
    # payments-od: max_size 8, 9 committed: 9 - 8 = 1 never runs
    plan = _copy(tmp_path, "payments-eks.yaml", "committed_instances: 2",
                 "committed_instances: 9")
    _plan, problems, warnings = check_plan_warnings(plan)
    assert problems == []
    assert [w.message for w in warnings if "committed" in w.path] == [
        "warning: 9 committed instances, above the max_size (8) of node group 'payments_od': 1 "
        "of them are billed every hour on its committed line and it can never run on them; "
        "lower committed_instances to what the group runs (its share of the commitment), or "
        "raise max_size"]
    assert not [w for w in warnings if "''s" in w.message]
