"""The shipped pricing tables are what pricing_data/build_from_reference.py makes of the sourced
reference in ../shared/pricing_reference: a table edited by hand (or a reference update not
rebuilt) shows up here, byte for byte."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.conftest import REPO_ROOT

PRICING_DATA = REPO_ROOT / "pricing_data"


def _build_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "build_from_reference", PRICING_DATA / "build_from_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_built_table_is_byte_identical_to_the_shipped_one(shared_dir: Path,
                                                                tmp_path: Path) -> None:
    written = _build_module().build(shared_dir / "pricing_reference", tmp_path)
    built = {p.name: p.read_bytes() for p in written}
    shipped = {name: (PRICING_DATA / name).read_bytes() for name in built
               if (PRICING_DATA / name).is_file()}
    assert sorted(built) == sorted(shipped), "a built table has no shipped counterpart"
    assert [name for name in built if built[name] != shipped[name]] == []


def test_every_shipped_table_but_the_hand_written_ones_comes_from_the_build(shared_dir: Path,
                                                                  tmp_path: Path) -> None:
    # pricing_data/README.md: the LCU dimension table is written by hand from AWS's ELB pages,
    # the burstable credit table from the EC2 User Guide's credit table.
    built = {p.name for p in _build_module().build(shared_dir / "pricing_reference", tmp_path)}
    shipped = {p.name for p in PRICING_DATA.glob("*.csv")}
    assert sorted(shipped - built) == ["ec2_burstable_credits_2026-11-27.csv",
                                       "elb_lcu_dimensions_2026-09-20.csv"]
