"""plan_cost: per-request traffic from declared usage, idle node groups, region, ceiling."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np
import pytest

from infra_toolkit.cost import cents
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.cost_sim import apply_simulation
from infra_toolkit.errors import SimulationError
from infra_toolkit.plan_cost import (
    at_max_size,
    ceiling_resources,
    idle_node_hours,
    in_region,
    traffic_profile_from_usage,
)
from infra_toolkit.pricing import load_price_book
from infra_toolkit.resources import Resource, parse_resources
from infra_toolkit.traffic import TrafficCurve

GB = 2**30
RESOURCES = parse_resources([
    {"type": "aws_eks_node_group", "name": "general", "instance_types": ["m5.large"],
     "scaling_config": {"desired_size": 2, "min_size": 2, "max_size": 4}},
    {"type": "aws_eks_node_group", "name": "batch", "instance_types": ["c5.large"],
     "scaling_config": {"desired_size": 1, "min_size": 0, "max_size": 3}},
    {"type": "aws_lb", "name": "web", "load_balancer_type": "application",
     "usage": {"processed_bytes_gb": 2, "new_connections": 10, "active_connections": 1000,
               "rule_evaluations": 80}},
    {"type": "aws_data_transfer", "name": "out", "usage": {"monthly_outbound_internet_gb": 730}},
], default_region="us-east-1")


def test_profile_from_declared_usage_at_the_reference_rate() -> None:
    profile = traffic_profile_from_usage(RESOURCES, reference_rps=40.0)
    assert profile is not None
    # 730 GB a month at 40 req/s: 730 * 2^30 bytes / (40 * 730 h * 3600 s) per request
    response = 730 * GB / (40 * 730 * 3600)
    assert profile.response_bytes == pytest.approx(response)
    # 2 GB an hour processed: 2 * 2^30 / (40 * 3600) per request, of which the response is half
    assert profile.request_bytes == pytest.approx(2 * GB / (40 * 3600) - response)
    assert profile.new_connections_per_request == pytest.approx(10 / 40)  # 0.25
    assert profile.connection_duration_s == pytest.approx(1000 / 10)  # 100 s open
    assert profile.rules_evaluated_per_request == 10 + 2  # 10 free + 80 / 40 billable


def test_a_month_at_the_reference_rate_reproduces_the_declared_usage() -> None:
    book = load_price_book()
    profile = traffic_profile_from_usage(RESOURCES, reference_rps=40.0)
    one_hour = [40.0] * 240  # 15 s steps
    priced = apply_simulation(RESOURCES, {"general": 2.0, "batch": 1.0}, 1.0, book,
                              served_rps=one_hour, step_s=15.0, traffic=profile)
    lb = next(r for r in priced if r.type == "aws_lb")
    # LCUs an hour: max(2 GB / 1, 10 new/s / 25, 1000 active / 3000, 80 rules/s / 1000) = 2
    assert float(lb.usage["monthly_lcu_hours"]) == pytest.approx(2 * 730)
    out = next(r for r in priced if r.type == "aws_data_transfer")
    assert float(out.usage["monthly_outbound_internet_gb"]) == pytest.approx(730)


def test_fractional_rules_per_request_reproduce_the_declared_rule_evaluations() -> None:
    # audit12 A12-2: 500 rule evaluations/s at 300 req/s is 1.667 billable rules a request;
    # rounded to 2 the simulation billed 600/s (0.6 LCU, $3.50) for the declared 500/s.
    book = load_price_book()
    alb = parse_resources([{"type": "aws_lb", "name": "web", "load_balancer_type": "application",
                            "usage": {"processed_bytes_gb": 0.3, "new_connections": 5,
                                      "active_connections": 300, "rule_evaluations": 500}}],
                          default_region="us-east-1")
    profile = traffic_profile_from_usage(alb, reference_rps=300.0)
    assert profile is not None
    assert profile.rules_evaluated_per_request == pytest.approx(10 + 500 / 300)
    priced = apply_simulation(alb, {}, 1.0, book, served_rps=[300.0] * 240, step_s=15.0,
                              traffic=profile)
    lb = next(r for r in priced if r.type == "aws_lb")
    # LCUs an hour: max(0.3 GB / 1, 5 new/s / 25, 300 active / 3000, 500 rules/s / 1000) = 0.5;
    # x 730 h = 365 LCU-hours; x alb_lcu 0.008 (other_services us-east-1 AWSELB alb_lcu) = 2.92
    assert float(lb.usage["monthly_lcu_hours"]) == pytest.approx(0.5 * 730)
    lcu = next(ln for ln in estimate(priced, book).lines
               if ln.component == "Load balancer capacity units")
    assert lcu.monthly_cost_usd is not None and cents(lcu.monthly_cost_usd) == Decimal("2.92")


def test_the_egress_resource_takes_the_simulated_egress_whatever_its_place() -> None:
    # audit12 A12-8: an intra-region-only aws_data_transfer listed first took the simulated
    # egress (0 GB: the response size was read from it) while the declared 730 GB stayed as
    # written in every scenario. At twice the reference rate (80 vs 40 req/s) the month's egress
    # is 2 x 730 = 1,460 GB; x internet_out us-east-1 first tier 0.09 = 131.40 (was 65.70).
    book = load_price_book()
    resources = parse_resources([
        {"type": "aws_lb", "name": "web", "load_balancer_type": "application",
         "usage": {"processed_bytes_gb": 2}},
        {"type": "aws_data_transfer", "name": "cross", "usage": {"monthly_intra_region_gb": 300}},
        {"type": "aws_data_transfer", "name": "internet",
         "usage": {"monthly_outbound_internet_gb": 730}},
    ], default_region="us-east-1")
    profile = traffic_profile_from_usage(resources, reference_rps=40.0)
    assert profile is not None
    assert profile.response_bytes == pytest.approx(730 * GB / (40 * 730 * 3600))
    priced = apply_simulation(resources, {}, 1.0, book, served_rps=[80.0] * 240, step_s=15.0,
                              traffic=profile)
    assert "monthly_outbound_internet_gb" not in priced[1].usage
    est = estimate(priced, book)
    (egress,) = [ln for ln in est.lines if ln.component.startswith("Outbound data transfer")]
    assert egress.address == "aws_data_transfer.internet"
    assert egress.monthly_cost_usd is not None
    assert cents(egress.monthly_cost_usd) == Decimal("131.40")
    # intra-region as declared: 2 x 300 x intra_region 0.01 = 6.00
    (cross,) = [ln for ln in est.lines if ln.address == "aws_data_transfer.cross"]
    assert cross.monthly_cost_usd is not None and cents(cross.monthly_cost_usd) == Decimal("6.00")


@pytest.mark.parametrize("usage", [{}, {"new_connections": 10}])
def test_no_profile_without_declared_processed_bytes(usage: dict[str, int]) -> None:
    lb = parse_resources([{"type": "aws_lb", "name": "x", "load_balancer_type": "application",
                           "usage": usage}], default_region="us-east-1")
    assert traffic_profile_from_usage(lb, 40.0) is None
    assert traffic_profile_from_usage(RESOURCES[:2], 40.0) is None  # no load balancer
    # nothing to derive: an idle reference scenario is no error (it failed every report)
    assert traffic_profile_from_usage(RESOURCES[:2], 0.0) is None


def test_request_bytes_never_negative() -> None:
    # 730 GB out a month is 1 GB an hour, more than the 0.5 GB an hour the LB processes
    lb = parse_resources([{"type": "aws_lb", "name": "x", "load_balancer_type": "network",
                           "usage": {"processed_bytes_gb": 0.5}}], default_region="us-east-1")
    profile = traffic_profile_from_usage((*lb, RESOURCES[3]), 40.0)
    assert profile is not None and profile.request_bytes == 0.0
    assert profile.rules_evaluated_per_request == 0  # rules are billed on ALBs only


@pytest.mark.parametrize("rate", [0.0, -1.0, float("nan")])
def test_reference_rate_must_be_positive(rate: float) -> None:
    with pytest.raises(SimulationError, match=r"reference scenario .reference. .*has a mean "
                       r"rate of .*put a scenario with traffic first"):
        traffic_profile_from_usage(RESOURCES, rate)


def test_idle_node_groups_stay_at_desired_size() -> None:
    # batch runs no simulated workload: desired 1 node x 6 h
    assert idle_node_hours(RESOURCES, ["general"], 6.0) == {"batch": 6.0}
    assert idle_node_hours(RESOURCES, ["general", "batch"], 6.0) == {}
    # by name, not instance type: an idle m5.large group beside a simulated one keeps its
    # desired 3 nodes x 6 h = 18 (keyed by type it was taken for the simulated group)
    system = parse_resources([
        {"type": "aws_eks_node_group", "name": "system", "instance_types": ["m5.large"],
         "scaling_config": {"desired_size": 3, "min_size": 3, "max_size": 3}}],
        default_region="us-east-1")
    assert idle_node_hours((*RESOURCES, *system), ["general", "batch"], 6.0) == {"system": 18.0}
    # declared usage wins over desired_size, as in the static estimate: Infracost's instances
    # (3 nodes x 6 h = 18) and monthly_node_hours pro rata (365 x 6 / 730 = 3)
    declared = parse_resources([
        {"type": "aws_eks_node_group", "name": "a", "instance_types": ["c5.large"],
         "scaling_config": {"desired_size": 1, "min_size": 0, "max_size": 3},
         "usage": {"instances": 3}},
        {"type": "aws_eks_node_group", "name": "b", "instance_types": ["t3.medium"],
         "scaling_config": {"desired_size": 1, "min_size": 0, "max_size": 3},
         "usage": {"monthly_node_hours": 365}},
    ], default_region="us-east-1")
    assert idle_node_hours(declared, [], 6.0) == {"a": 18.0, "b": 3.0}


def test_in_region_and_ceiling() -> None:
    moved = in_region(RESOURCES, "eu-west-1")
    assert {r.region for r in moved} == {"eu-west-1"}
    assert in_region(RESOURCES, None) == RESOURCES
    ceiling = {r.name: r.usage.get("monthly_node_hours") for r in at_max_size(RESOURCES)}
    # max_size x 730 h: general 4 x 730, batch 3 x 730; other resources untouched
    assert ceiling == {"general": Decimal(2920), "batch": Decimal(2190), "web": None,
                       "out": None}


# A24-7: the traffic between zones is the requests' own (pods <-> database, cache and load
# balancer in other zones), so the declared monthly_intra_region_gb follows the served
# requests as the egress does. Rows: other_services us-east-1 intra_region 0.01 per GB and
# direction (billed both ways), internet_out first 10 TB 0.09 per GB.
CROSS_ZONE = parse_resources([
    {"type": "aws_lb", "name": "web", "load_balancer_type": "application",
     "usage": {"processed_bytes_gb": 2}},
    {"type": "aws_data_transfer", "name": "internet",
     "usage": {"monthly_outbound_internet_gb": 730, "monthly_intra_region_gb": 300}},
], default_region="us-east-1")


def test_intra_region_transfer_follows_the_served_requests_as_the_egress_does() -> None:
    book = load_price_book()
    profile = traffic_profile_from_usage(CROSS_ZONE, reference_rps=40.0)
    assert profile is not None
    # 300 GB a month at 40 req/s: 300 x 2^30 bytes / (40 x 730 h x 3600 s) per request
    assert profile.intra_region_bytes == pytest.approx(300 * GB / (40 * 730 * 3600))
    # served: 50 req/s for half an hour, then 120: a mean of 85 req/s over the hour, so the
    # month moves 85 / 40 = 2.125 times the declared GB
    served = [50.0] * 120 + [120.0] * 120  # 15 s steps
    priced = apply_simulation(CROSS_ZONE, {}, 1.0, book, served_rps=served, step_s=15.0,
                              traffic=profile)
    usage = priced[1].usage
    assert float(usage["monthly_intra_region_gb"]) == pytest.approx(300 * 2.125)  # 637.5 GB
    assert float(usage["monthly_outbound_internet_gb"]) == pytest.approx(730 * 2.125)
    est = estimate(priced, book)
    by_component = {ln.component: ln.monthly_cost_usd for ln in est.lines
                    if ln.address == "aws_data_transfer.internet"}
    # 637.5 GB x 2 directions x 0.01 = 12.75 (as declared: 300 x 2 x 0.01 = 6.00)
    assert cents(by_component["Intra-region data transfer"]) == Decimal("12.75")
    # 1,551.25 GB x 0.09 = 139.6125 -> 139.61
    assert cents(by_component["Outbound data transfer to Internet (first 10TB)"]) == \
        Decimal("139.61")


def test_the_ceiling_moves_intra_region_transfer_at_the_busiest_scenario() -> None:
    # no Internet egress declared: the ceiling still takes the intra-region GB at the busiest
    # curve, 100 req/s offered against the reference 40: 300 x 100 / 40 = 750 GB,
    # x 2 directions x 0.01 = 15.00
    book = load_price_book()
    resources = parse_resources([
        {"type": "aws_lb", "name": "web", "load_balancer_type": "application",
         "usage": {"processed_bytes_gb": 2}},
        {"type": "aws_data_transfer", "name": "cross", "usage": {"monthly_intra_region_gb": 300}},
    ], default_region="us-east-1")
    profile = traffic_profile_from_usage(resources, reference_rps=40.0)
    curves = [TrafficCurve(np.full(240, rps), 15.0) for rps in (40.0, 100.0, 20.0)]
    ceiling = ceiling_resources(resources, curves, 1.0, profile, book)
    (cross,) = [r for r in ceiling if r.type == "aws_data_transfer"]
    assert float(cross.usage["monthly_intra_region_gb"]) == pytest.approx(750)
    (line,) = [ln for ln in estimate(ceiling, book).lines
               if ln.component == "Intra-region data transfer"]
    assert cents(line.monthly_cost_usd) == Decimal("15.00")


def test_a_profile_without_intra_region_bytes_leaves_the_declared_gb() -> None:
    # a profile built by hand (no intra-region bytes) is no claim that none move
    book = load_price_book()
    profile = traffic_profile_from_usage(CROSS_ZONE, reference_rps=40.0)
    assert profile is not None
    bare = dataclasses.replace(profile, intra_region_bytes=0)
    priced = apply_simulation(CROSS_ZONE, {}, 1.0, book, served_rps=[80.0] * 240, step_s=15.0,
                              traffic=bare)
    assert priced[1].usage["monthly_intra_region_gb"] == 300


def _through_nat(through_lb: bool) -> tuple[Resource, ...]:
    """A load balancer, 730 GB of egress and two NAT gateways of 100 GB each (count: 2)."""
    return parse_resources([
        {"type": "aws_lb", "name": "web", "load_balancer_type": "application",
         "usage": {"processed_bytes_gb": 2}},
        {"type": "aws_data_transfer", "name": "internet",
         "usage": {"monthly_outbound_internet_gb": 730,
                   "egress_through_load_balancer": through_lb}},
        {"type": "aws_nat_gateway", "name": "out", "count": 2,
         "usage": {"monthly_data_processed_gb": 100}},
    ], default_region="us-east-1")


def test_nat_gateway_gb_follow_the_served_requests_when_the_egress_leaves_by_them() -> None:
    # egress_through_load_balancer: false says the egress leaves by the NAT gateways, so their
    # declared 100 GB each describe the reference rate as the egress does: 100 x 2^30 bytes /
    # (40 req/s x 730 h x 3600 s) a request. Served 50 req/s for half an hour, then 120: a
    # mean of 85 req/s, so the month processes 85 / 40 = 2.125 x 100 = 212.5 GB at each,
    # x 0.045 a GB (other_services_2026-05-03.csv, us-east-1 nat_gateway_data_processed) =
    # 9.5625 -> 9.56 (as declared: 100 x 0.045 = 4.50); the egress 730 x 2.125 = 1,551.25 GB
    book = load_price_book()
    resources = _through_nat(through_lb=False)
    profile = traffic_profile_from_usage(resources, reference_rps=40.0)
    assert profile is not None
    per_request = 100 * GB / (40 * 730 * 3600)
    assert [a for a, _b in profile.nat_processed_bytes] == ["aws_nat_gateway.out[0]",
                                                            "aws_nat_gateway.out[1]"]
    assert [b for _a, b in profile.nat_processed_bytes] == pytest.approx([per_request] * 2)
    served = [50.0] * 120 + [120.0] * 120  # 15 s steps
    priced = apply_simulation(resources, {}, 1.0, book, served_rps=served, step_s=15.0,
                              traffic=profile)
    assert [float(r.usage["monthly_data_processed_gb"]) for r in priced
            if r.type == "aws_nat_gateway"] == pytest.approx([212.5, 212.5])
    assert float(priced[1].usage["monthly_outbound_internet_gb"]) == pytest.approx(1551.25)
    lines = {(ln.address, ln.component): cents(ln.monthly_cost_usd)
             for ln in estimate(priced, book).lines}
    assert lines[("aws_nat_gateway.out[0]", "Data processed")] == Decimal("9.56")
    assert lines[("aws_nat_gateway.out[1]", "Data processed")] == Decimal("9.56")
    declared = {(ln.address, ln.component): cents(ln.monthly_cost_usd)
                for ln in estimate(resources, book).lines}
    assert declared[("aws_nat_gateway.out[0]", "Data processed")] == Decimal("4.50")


def test_nat_gateway_gb_stay_as_declared_when_the_egress_leaves_by_the_load_balancer() -> None:
    # the default: the egress is the load balancer's responses, so nothing ties the NAT
    # gateways' bytes (image pulls, updates, calls out) to the requests: 100 GB each
    book = load_price_book()
    resources = _through_nat(through_lb=True)
    profile = traffic_profile_from_usage(resources, reference_rps=40.0)
    assert profile is not None and profile.nat_processed_bytes == ()
    priced = apply_simulation(resources, {}, 1.0, book, served_rps=[120.0] * 240, step_s=15.0,
                              traffic=profile)
    assert [r.usage["monthly_data_processed_gb"] for r in priced
            if r.type == "aws_nat_gateway"] == [100, 100]


def test_the_ceiling_takes_the_nat_gateway_gb_at_the_busiest_scenario() -> None:
    # curves of 40, 100 and 20 req/s against the reference 40: the busiest offers 100 / 40 =
    # 2.5 x 100 = 250 GB at each NAT gateway, x 0.045 = 11.25
    book = load_price_book()
    resources = _through_nat(through_lb=False)
    profile = traffic_profile_from_usage(resources, reference_rps=40.0)
    curves = [TrafficCurve(np.full(240, rps), 15.0) for rps in (40.0, 100.0, 20.0)]
    ceiling = ceiling_resources(resources, curves, 1.0, profile, book)
    assert [float(r.usage["monthly_data_processed_gb"]) for r in ceiling
            if r.type == "aws_nat_gateway"] == pytest.approx([250, 250])
    assert [cents(ln.monthly_cost_usd) for ln in estimate(ceiling, book).lines
            if ln.component == "Data processed"] == [Decimal("11.25")] * 2
