"""Numbers as the command line prints them (output_numbers): rounded by their name's unit."""

from __future__ import annotations

import math
from typing import Any

import pytest

from infra_toolkit.output_numbers import rounded


@pytest.mark.parametrize(("name", "value", "printed"), [
    # the user test's noise (simulate --format csv on plans/ecommerce-eks.yaml)
    ("offered_requests", 3506589.1685349257, 3506589.169),
    ("pod_hours", 96.60000000000001, 96.6),
    # a count whole once rounded prints as an int, in CSV and JSON as in the table
    ("dropped_requests", 299.99999999953434, 300),
    ("offered_requests", 15041529.0, 15041529),
    ("served_requests (billed from launch)", 7.5, 7.5),  # a fluid count's half request kept
    ("node_hours_t3.medium", 72.00000000000001, 72.0),  # hours are not a count: a float
    # a table label: the unit before " (billed from launch)"
    ("node_hours_m5.large (billed from launch)", 0.6875, 0.688),
    ("max_p95_latency_ms", 599.146454710798, 599.15),
    # a dropped share to 3 decimals: a 0.004 % drop is not printed as 0.0
    ("expected-day:dropped_pct", 0.0041, 0.004),
    ("slo_violation_minutes", 57.50000000000001, 57.5),
    ("total_pod_startup_s", 35.00000000000001, 35.0),
    ("dropped_requests", -1e-12, 0),  # not -0.0
    # no unit: as it is; a count, a string, NaN and None untouched
    ("traffic_share", 0.123456789, 0.123456789),
    ("peak_replicas", 8, 8),
    ("plan", "plans/x.yaml", "plans/x.yaml"),
    ("max_p95_latency_ms", None, None),
])
def test_each_value_is_rounded_by_its_unit(name: str, value: Any, printed: Any) -> None:
    assert rounded(name, value) == printed
    assert str(rounded(name, value)) == str(printed)


def test_mappings_and_lists_round_by_their_keys_or_their_name() -> None:
    # node-hours by group: the groups' names have no unit, so the map's name gives it
    assert rounded("node_hours_by_node_group", {"general": 0.27500000000000002,
                                                "spot": 1 / 3}) == {"general": 0.275,
                                                                    "spot": 0.333}
    # an episode's parts by their own _s names; a list by the list's name
    assert rounded("time_to_capacity", [{"start_s": 300.00000000000006, "metric": "cpu"}]) == \
        [{"start_s": 300.0, "metric": "cpu"}]
    assert math.isnan(rounded("max_p95_latency_ms", math.nan))
