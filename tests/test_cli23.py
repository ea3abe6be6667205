"""cli23: four CLI answers that were wrong or in Python's terms, each provoked from the command
line; the old output is quoted in each test's comment, the new wording pinned by hand."""

from __future__ import annotations

import pytest

from infra_toolkit.cli import main

CLOUDWATCH = ["traffic", "cloudwatch", "--load-balancer", "app/shop/1", "--start",
              "2026-11-01T00:00:00Z", "--end", "2026-11-02T00:00:00Z", "--out", "x.csv"]


@pytest.mark.parametrize(("argv", "flag", "value", "kind"), [
    # was read as 60 (ARABIC-INDIC digits), then refused for a region 'xx' typed later
    ([*CLOUDWATCH, "--period-s"], "--period-s", "٦٠", "int"),
    ([*CLOUDWATCH, "--period-s"], "--period-s", "6_0", "int"),  # was 60
    # was a 3-day window (FULLWIDTH THREE), reaching for an AWS client
    (["pricing", "spot", "--region", "us-east-1", "--instance-type", "m5.large", "--out",
      "o.yaml", "--days"], "--days", "３", "int"),
    (["report", "plan.yaml", "--jobs"], "--jobs", "٢", "int"),  # was 2 jobs
])
def test_number_flags_are_ascii(capsys: pytest.CaptureFixture[str], argv: list[str], flag: str,
                                value: str, kind: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*argv, value])
    assert caught.value.code == 2
    assert f"argument {flag}: invalid {kind} value: '{value}'" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "flag", "value", "said"), [
    # was read as 15 s (ARABIC-INDIC ONE FIVE)
    (["simulate"], "--metric-resolution-s", "١٥", "a whole number of seconds >= 1"),
    # was already refused ('٣' isdigit), still is; '1_0' was refused too: one reader now
    (["sweep", "p.yaml", "--workload", "w"], "--top", "1_0", "a whole number >= 1"),
])
def test_own_readers_read_ascii_numbers(capsys: pytest.CaptureFixture[str], argv: list[str],
                                        flag: str, value: str, said: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*argv, flag, value])
    assert caught.value.code == 2
    assert f"argument {flag}: '{value}' is not {said}" in capsys.readouterr().err
