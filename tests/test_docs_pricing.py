"""pricing_data/README.md's table of files is the folder as it is: every shipped CSV listed
once, with its row count and its header as the file writes them (the file name's date against
the rows' ``as_of`` is tests/test_pricing.py's); and its overrides example applies as the text
says."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from infra_toolkit.cli import main
from tests.conftest import REPO_ROOT

FOLDER = REPO_ROOT / "pricing_data"


def listed() -> dict[str, tuple[int, list[str]]]:
    """File -> (rows, columns) from the README's "Files, names and versions" table."""
    text = (FOLDER / "README.md").read_text(encoding="utf-8")
    out = {}
    for line in text.splitlines():
        m = re.match(r"\| `([\w.-]+\.csv)` \| ([\d,]+) \| `([^`]+)` \|", line)
        if m:
            out[m.group(1)] = (int(m.group(2).replace(",", "")), m.group(3).split(","))
    return out


def test_every_table_is_listed_once() -> None:
    assert sorted(listed()) == sorted(p.name for p in FOLDER.glob("*.csv"))


def test_rows_and_columns_are_the_files() -> None:
    for name, (rows, columns) in listed().items():
        with (FOLDER / name).open(newline="", encoding="utf-8") as f:
            header, *body = list(csv.reader(f))
        assert (len(body), header) == (rows, columns), name


def _overrides_example() -> str:
    text = (FOLDER / "README.md").read_text(encoding="utf-8")
    section = text.split("## Your own prices", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


@pytest.mark.parametrize(("key", "price"), [
    # the spot rate as written
    (["--instance-type", "c5.large", "--purchase-option", "spot"], "$0.034 per hour"),
    # the reserved RDS rate as written (a rate is final: no 5 % discount on it)
    (["--instance-class", "db.t3.medium", "--engine", "PostgreSQL", "--deployment", "multi-az",
      "--purchase-option", "reserved"], "$0.098 per hour"),
    # a list price less the 10 % EC2 discount: m5.large $0.096 x 0.9 = $0.0864
    (["--instance-type", "m5.large"], "$0.0864 per hour"),
])
def test_overrides_example_applies_as_described(tmp_path: Path, key: list[str], price: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(_overrides_example(), encoding="utf-8")
    assert main(["pricing", "lookup", "--region", "us-east-1", *key,
                 "--pricing-overrides", str(path)]) == 0
    assert capsys.readouterr().out.startswith(price + "  (")
