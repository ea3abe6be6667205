"""Non-plan inputs a mutation fuzzer (fuzz27) found misread or crashing: traffic CSVs, pricing
tables and overrides, manifests, approval-store inputs. Each is one error naming the file, the
field and the fix, or the number the file means, never a traceback or a silently wrong value."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from infra_toolkit.errors import PricingError, TrafficError
from infra_toolkit.pricing_overrides import read_overrides
from infra_toolkit.pricing_tables import read_price_table
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


_EC2 = "region,instance_type,usd_per_hour,source,as_of\n"
_SPECS = "instance_type,vcpu,memory_mib,max_pods_eni,arch,source,as_of\n"
_OTHER = ("region,service,item_id,description,unit,usd_per_unit,tier_start,tier_end,source,"
          "as_of\n")
_LCU = "load_balancer_type,protocol,dimension,per_lcu,unit,source,as_of\n"


def _table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "message"), [
    # before: each matched no rule and was read as a price or a spec
    (_EC2 + "us-east-1,m5.large,0.096,quote,2026-02-30\n",
     "line 2: column 'as_of': '2026-02-30' is not a YYYY-MM-DD date; write the day the price "
     "was read, like 2026-11-20"),
    (_EC2 + "us-east-1,m5.large,0.096,quote,\uff12\uff10\uff12\uff16-11-01\n",
     "line 2: column 'as_of': '\uff12\uff10\uff12\uff16-11-01' is not a YYYY-MM-DD date"),
    (_EC2.rstrip("\n") + ",usd_per_hour\nus-east-1,m5.large,0.096,quote,2026-11-01,0.5\n",
     "line 1: column 'usd_per_hour' is in the header 2 times; keep one and delete the others"),
    (_OTHER + "us-east-1,AWSDataTransfer,internet_out,out,GB,0.09,100,10,quote,2026-11-01\n",
     "line 2: column 'tier_end': '10' is not above tier_start (100); a tier covers tier_start "
     "up to tier_end (leave tier_end empty for the last tier)"),
    (_OTHER + "us-east-1,AWSDataTransfer,internet_out,out,GB,0.09,0,100,quote,2026-11-01\n"
     "us-east-1,AWSDataTransfer,internet_out,out,GB,0.08,0.0,,quote,2026-11-01\n",
     "line 3: duplicate key us-east-1/AWSDataTransfer/internet_out/0.0 (first at line 2); keep "
     "one row per key"),
    (_LCU + "application,HTTP,new_connections,0,new connections per second,quote,2026-11-01\n",
     "line 2: column 'per_lcu': '0' must be above 0: it is how much of the dimension one "
     "capacity unit holds"),
    # before: ValueError: Exceeds the limit (4300 digits) for integer string conversion
    (_SPECS + "m5.large," + "9" * 5000 + ",8192,29,amd64,quote,2026-11-01\n",
     "line 2: column 'vcpu': '" + "9" * 5000 + "' is above 1,000,000,000, more than any "
     "instance has; write the instance's count, like 2"),
    # before: _csv.Error: field larger than field limit (131072)
    (_EC2 + 'us-east-1,m5.large,0.096,"' + "x" * 200_000 + '",2026-11-01\n',
     "line 2: not a readable CSV row (field larger than field limit (131072)); check that "
     "every quote (\") is closed"),
])
def test_a_bad_pricing_table_row_is_refused_at_its_line(tmp_path: Path, text: str,
                                                         message: str) -> None:
    path = _table(tmp_path, text)
    with pytest.raises(PricingError, match=re.escape(f"{path}: {message}")):
        read_price_table(path)


def test_a_negative_zero_price_is_zero(tmp_path: Path) -> None:
    # before: Decimal('-0') was kept, and a line priced from it printed as -0
    path = _table(tmp_path, _EC2 + "us-east-1,m5.large,-0,quote,2026-11-01\n")
    row = read_price_table(path)[2][("us-east-1", "m5.large")]
    assert str(row.amount) == "0"


@pytest.mark.parametrize("version", ["true", "1.0"])
def test_an_overrides_version_that_only_equals_1_is_refused(tmp_path: Path,
                                                             version: str) -> None:
    # before: True == 1 and 1.0 == 1 in Python, so both passed the version check
    path = tmp_path / "overrides.yaml"
    path.write_text(f"version: {version}\n", encoding="utf-8")
    shown = {"true": "True", "1.0": "1.0"}[version]
    with pytest.raises(PricingError, match=re.escape(f"{path}: version: {shown}; write "
                                                     "version: 1")):
        read_overrides(path)
