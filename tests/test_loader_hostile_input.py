"""Non-plan inputs a mutation fuzzer (fuzz27) found misread or crashing: traffic CSVs, pricing
tables and overrides, manifests, approval-store inputs. Each is one error naming the file, the
field and the fix, or the number the file means, never a traceback or a silently wrong value."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from infra_toolkit.errors import TrafficError
from infra_toolkit.traffic_csv import read_traffic_csv, traffic_csv_text


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "day.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("header", ["timestamp,requests_per_second,requests_per_second",
                                    "timestamp,requests_per_second,timestamp"])
def test_a_traffic_column_named_twice_is_refused(tmp_path: Path, header: str) -> None:
    # before: the first column of the name was read and the second silently ignored
    twice = header.split(",")[2]
    path = _csv(tmp_path, f"{header}\n0,1,999\n60,2,999\n")
    with pytest.raises(TrafficError, match=re.escape(
            f"{path} line 1: column {twice!r} is in the header 2 times (columns "
            f"{1 if twice == 'timestamp' else 2}, 3); keep one and rename or delete the others")):
        read_traffic_csv(path)


def test_a_field_over_the_csv_limit_names_its_line(tmp_path: Path) -> None:
    # before: _csv.Error: field larger than field limit (131072), a traceback
    path = _csv(tmp_path, "timestamp,requests_per_second\n0," + "1" * 200_000 + "\n60,1\n")
    with pytest.raises(TrafficError, match=re.escape(
            f"{path} line 2: not a readable CSV row (field larger than field limit (131072)); "
            "check the file is `timestamp,requests_per_second` text and that every quote (\") "
            "is closed")):
        read_traffic_csv(path)


def test_a_quote_that_never_closes_names_the_line_it_opens(tmp_path: Path) -> None:
    # before: line 4 "is not a number", quoting the rest of the file as the rate
    path = _csv(tmp_path, 'timestamp,requests_per_second\n0,1\n60,"2\n120,3\n')
    with pytest.raises(TrafficError, match=re.escape(
            f"{path} line 3: a quoted cell of this row runs on to line 4; close its quote (\") "
            "on the line it opens")):
        read_traffic_csv(path)


@pytest.mark.parametrize("zero", ["-0", "-0.0", "-0e5"])
def test_a_negative_zero_rate_is_zero(tmp_path: Path, zero: str) -> None:
    # before: the curve held -0.0 and a written curve printed it as "-0.0"
    path = _csv(tmp_path, f"timestamp,requests_per_second\n0,{zero}\n60,2\n")
    curve = read_traffic_csv(path)
    assert not np.signbit(curve.rps[0])
    assert traffic_csv_text(curve) == "timestamp,requests_per_second\n0,0.0\n60,2.0\n"
