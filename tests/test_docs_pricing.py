"""pricing_data/README.md's table of files is the folder as it is: every shipped CSV listed
once, with its row count and its header as the file writes them (the file name's date against
the rows' ``as_of`` is tests/test_pricing.py's)."""

from __future__ import annotations

import csv
import re

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
