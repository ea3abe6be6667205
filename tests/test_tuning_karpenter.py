"""The sweep over a Karpenter NodePool's node group (audit9 A9-1): the instance types and node
counts it may vary are the ones ``validate`` allows the plan (the NodePool's requirements and
``spec.limits``), not any type of the price book at the group's declared max_size."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_toolkit.errors import SpecError
from infra_toolkit.plan import read_plan
from infra_toolkit.plan_simulation import simulation_spec
from infra_toolkit.pricing import load_price_book
from infra_toolkit.tuning_grid import parse_vary
from infra_toolkit.tuning_variants import build_variants
from tests.test_plan_node_pools import _plan


def _variants(tmp_path: Path, *texts: str) -> list[tuple[dict[str, object], int | None, str]]:
    # the NodePool allows c5.large and c5.xlarge (node.kubernetes.io/instance-type In) with
    # limits.cpu 40
    plan = read_plan(_plan(tmp_path, types="c5.large, c5.xlarge"))
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    workload = next(w for w in plan.proposed.workloads if w.name == "api")
    base = simulation_spec(plan, "api", book)
    out = []
    for v in build_variants(plan, workload, base, parse_vary(texts), book):
        size = None if v.spec is None else v.spec.node_groups[0].max_size
        out.append((dict(v.values), size, v.invalid or ""))
    return out


def test_an_instance_type_the_node_pool_excludes_is_an_invalid_row(tmp_path: Path) -> None:
    # m5.large is in the price book but not in the NodePool's instance-type list: validate
    # refuses a plan naming it, so the sweep must not price it as a variant of this group: an
    # invalid row beside the types the pool allows, an error when it is the only one
    rows = _variants(tmp_path / "mixed", "instance_type=c5.large,m5.large")
    (m5,) = [r for r in rows if r[0]["instance_type"] == "m5.large"]
    assert m5[1] is None and m5[2].startswith(
        "instance type m5.large: requirements of NodePool 'general' do not allow it "
        "(node.kubernetes.io/instance-type In [c5.large, c5.xlarge]")
    with pytest.raises(SpecError, match=r"--instance-types: no type given can run here: "
                                        r"instance type m5\.large: requirements of NodePool "
                                        r"'general' do not allow it"):
        _variants(tmp_path / "alone", "instance_type=m5.large")


def test_each_type_takes_the_max_size_the_limits_give(tmp_path: Path) -> None:
    # limits.cpu 40: c5.large (2 vCPU) floor(40 / 2) = 20 nodes, c5.xlarge (4 vCPU)
    # floor(40 / 4) = 10 nodes (memory has no limit); the declared max_size is 20
    rows = _variants(tmp_path, "instance_type=c5.large,c5.xlarge")
    assert [(r[0]["instance_type"], r[1]) for r in rows] == [("c5.large", 20), ("c5.xlarge", 10)]


def test_more_nodes_than_the_limits_allow_is_an_invalid_variant(tmp_path: Path) -> None:
    rows = _variants(tmp_path, "instance_type=c5.large,c5.xlarge", "max_size=10,20")
    got = {(r[0]["instance_type"], r[0]["max_size"]): (r[1], r[2]) for r in rows}
    assert got[("c5.large", 10)] == (10, "")
    assert got[("c5.large", 20)] == (20, "")
    assert got[("c5.xlarge", 10)] == (10, "")
    # 20 c5.xlarge nodes are 80 vCPU, past limits.cpu 40: Karpenter launches at most 10
    assert got[("c5.xlarge", 20)] == (None, "max_size 20 is above the 10 c5.xlarge nodes "
                                      "spec.limits of NodePool 'general' allow; raise the limits "
                                      "in a copy of the NodePool file to sweep more nodes")


def test_a_max_size_no_type_allows_is_refused(tmp_path: Path) -> None:
    # 21 c5.large nodes are 42 vCPU > 40
    with pytest.raises(SpecError, match=r"--vary max_size=21: refused for every instance type: "
                                        r"max_size 21 is above the 20 c5\.large nodes"):
        _variants(tmp_path, "max_size=20,21")
