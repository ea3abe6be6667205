"""A user's value quoted in a message is cut when long (errors.quoted): a 100,000-character name
in a plan was printed whole into ``infra-toolkit validate`` (msgs task 1), burying the field, the
rule and the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from infra_toolkit.cli import main
from infra_toolkit.errors import (
    PricingError,
    TrafficError,
    clipped,
    clipped_path,
    quoted,
    shown_file,
)
from infra_toolkit.pricing_overrides import read_overrides
from infra_toolkit.traffic import read_traffic_csv

DATA = Path(__file__).resolve().parent / "data" / "plans"
LONG = "Z" * 100_000
# what every message shows of LONG: its first 60 characters in quotes, then its length
SHOWN = "'" + "Z" * 60 + "'… (100,000 characters)"


@pytest.mark.parametrize(("value", "shown"), [
    ("api", "'api'"),  # a normal value: exactly its repr, as `{value!r}` gave
    ("q" * 80, "'" + "q" * 80 + "'"),  # 80 characters: still whole
    ("q" * 81, "'" + "q" * 60 + "'… (81 characters)"),
    (LONG, SHOWN),
    (1.5, "1.5"),
    (["a", "b"], "['a', 'b']"),
    # a list's repr: "[", 20 x "'a'" (3 each), 19 x ", " (2 each), "]" = 1 + 60 + 38 + 1 = 100
    # characters; its first 60 are "[" and 11 x "'a', " (5 each) = 56, then "'a',"
    (["a"] * 20, "[" + "'a', " * 11 + "'a',… (100 characters)"),
])
def test_quoted_is_the_repr_of_a_short_value_and_the_head_of_a_long_one(
        value: object, shown: str) -> None:
    assert quoted(value) == shown


def test_clipped_shows_text_bare() -> None:
    assert clipped("spec.replicas") == "spec.replicas"
    assert clipped("x" * 200) == "x" * 60 + "… (200 characters)"


def _plan(tmp_path: Path, old: str, new: str) -> Path:
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    plan = tmp_path / "plan.yaml"
    text = (DATA / "minimal.yaml").read_text()
    assert old in text
    plan.write_text(text.replace(old, new))
    return plan


@pytest.mark.parametrize(("old", "new", "line"), [
    # a choice (metadata.priority, line 7 of minimal.yaml)
    ("priority: medium", f"priority: {LONG}",
     f"7: metadata.priority: {SHOWN} is not valid; valid: 'critical', 'high', 'low', 'medium'"),
    # a reference to a name (the SLO's workload, line 38)
    ("threshold_ms: 250}", f"threshold_ms: 250, workload: {LONG}}}",
     f"38: slos[0].workload: no workload named {SHOWN}; valid: 'api'"),
    # a duration (line 57)
    ("duration: 1d}", f"duration: {LONG}}}",
     f"57: timeline[0].duration: {SHOWN} is not a duration; write <number><unit> parts with "
     "units ms, s, m, h, d, w, e.g. 90s, 10m, 1h30m"),
    # a region, checked by its own pattern (line 15)
    ("proposed:\n  region: us-east-1", f"proposed:\n  region: {LONG}",
     f"15: proposed.region: {SHOWN} is not an AWS region code such as us-east-1"),
    # an unknown key (YAML takes a key over 1,024 characters only written `? key`, line 11):
    # the key in the field path is cut the same way, bare
    ("  summary: Move the API to EKS.", f"  summary: Move the API to EKS.\n  ? {LONG}\n  : 1",
     f"11: metadata.{'Z' * 60}… (100,000 characters): unknown key {SHOWN}; valid: 'environment', "
     "'id', 'needed_by', 'owner', 'priority', 'requested_review', 'summary', 'team', 'ticket', "
     "'title', 'type'"),
])
def test_validate_quotes_a_100000_character_value_short(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, line: str) -> None:
    plan = _plan(tmp_path, old, new)
    assert main(["validate", str(plan)]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"{plan}:{line}"


def test_clipped_path_cuts_each_long_key_of_a_path() -> None:
    assert clipped_path("spec.metrics[0].type") == "spec.metrics[0].type"
    assert clipped_path(f'spec["{"k" * 100}"].x') == (
        f'spec["{"k" * 60}… (100 characters)"].x')


def test_a_traffic_csv_cell_of_100000_characters_is_quoted_short(tmp_path: Path) -> None:
    csv = tmp_path / "day.csv"
    csv.write_text(f"timestamp,requests_per_second\n0,10\n60,{LONG}\n")
    with pytest.raises(TrafficError) as err:
        read_traffic_csv(csv)
    assert str(err.value) == (
        f"{csv} line 3, column 'requests_per_second': {SHOWN} is not a number; write the mean "
        "requests per second as a decimal number such as 12.5")


def test_an_override_key_of_100000_characters_is_quoted_short(tmp_path: Path) -> None:
    overrides = tmp_path / "rates.yaml"
    overrides.write_text(yaml.safe_dump({"version": 1, LONG: 1}))
    with pytest.raises(PricingError) as err:
        read_overrides(overrides)
    assert str(err.value) == (
        f"{overrides}: unknown key {SHOWN}; allowed: version, discounts_pct, rates")


def test_a_long_file_path_keeps_its_end_where_the_file_name_is() -> None:
    # 80 characters stay whole; 81 and more keep the last 60 characters after "…"
    short = "/repo/" + "a" * 64 + "/plan.yaml"  # 6 + 64 + 10 = 80 characters
    assert shown_file(short) == short
    folders = "/home/alice/src/company-monorepo/infrastructure/teams/payments/"  # 63
    long = folders + "manifests/backend-deployment.yaml"  # 63 + 33 = 96 characters
    assert len(long) == 96
    # the last 60: the 33 of the file's folder and name + the folders' last 27: "/teams/payments/"
    # (16) and 11 of "/infrastructure" (15): "rastructure"
    assert shown_file(long) == (
        "…rastructure/teams/payments/manifests/backend-deployment.yaml (96 characters)"
    )


def test_an_unreadable_plan_deep_in_a_checkout_is_named_by_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / ("x" * 90) / "my-plan.yaml"
    deep.parent.mkdir()
    deep.write_bytes(b"\xff\xfe not text")
    assert main(["validate", str(deep)]) != 0
    err = capsys.readouterr().err
    assert f"…{'x' * 47}/my-plan.yaml ({len(str(deep)):,} characters) is not UTF-8 text" in err
