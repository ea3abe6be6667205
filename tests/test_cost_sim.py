"""Cost from a simulation: node-hours, LCUs and egress from served traffic, projected to 730 h,
priced exactly; cost per hour; OpenCost-style attribution. Expected values by hand from the
cited table rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest

from infra_toolkit import cost_sim
from infra_toolkit.cost import CostEstimate, cents
from infra_toolkit.cost_sim import (
    PodUsage,
    TrafficProfile,
    apply_simulation,
    attribute_cost,
    estimate_from_simulation,
    hourly_cost,
    lcu_hours,
    request_shares,
)
from infra_toolkit.errors import SimulationError
from infra_toolkit.pricing import PriceBook, load_price_book
from infra_toolkit.resources import Resource, parse_resources


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_price_book()


@dataclass(frozen=True)
class Summary:
    duration_s: float
    node_hours_by_node_group: dict[str, float]


@dataclass(frozen=True)
class Simulation:
    """Shaped like simulate.SimulationResult (docs/DESIGN.md, Contracts)."""

    summary: Summary
    timeline: pd.DataFrame = field(default_factory=pd.DataFrame)


def timeline(rps: list[float], step_s: float = 60.0) -> pd.DataFrame:
    return pd.DataFrame({"time_s": np.arange(len(rps)) * step_s, "served_rps": rps,
                         "offered_rps": rps})


GROUPS = [
    {"type": "aws_eks_node_group", "name": "general", "instance_types": ["t3.medium"],
     "scaling_config": {"desired_size": 3, "min_size": 3, "max_size": 10}},
    {"type": "aws_eks_node_group", "name": "compute", "instance_types": ["c5.large"],
     "scaling_config": {"desired_size": 0, "min_size": 0, "max_size": 5}},
]
ALB = {"type": "aws_lb", "name": "web", "usage": {"new_connections": 1}}
# 500 B in + 9,500 B out per request, no keep-alive, connections open 2 s, no listener rules.
PROFILE = TrafficProfile(request_bytes=500, response_bytes=9500, new_connections_per_request=1,
                         connection_duration_s=2)


def resources(book: PriceBook, *items: dict[str, Any]) -> tuple[Resource, ...]:
    return parse_resources(list(items), default_region="us-east-1", price_book=book)


def line_usd(est: CostEstimate, address: str, component: str) -> Decimal:
    (ln,) = [x for x in est.lines if x.address == address and x.component == component]
    assert ln.monthly_cost_usd is not None, ln
    return cents(ln.monthly_cost_usd)


def test_public_api_is_fixed() -> None:
    assert sorted(cost_sim.__all__) == sorted([
        "ALB_FREE_RULES_PER_REQUEST", "BYTES_PER_GB", "PodUsage", "TrafficProfile",
        "apply_simulation", "attribute_cost", "billed_node_counts", "egress_gb",
        "egress_transfer", "estimate_from_simulation",
        "hourly_cost", "lcu_hours", "monthly_node_hours", "overflow_node_hours",
        "overflow_node_hours_by_node_group", "request_shares"])


def test_request_shares_split_a_shared_group() -> None:
    # tick 0: a has 2 pods (500m, 1024 MiB each), b 1 pod (1000m, 512 MiB): CPU 1000 / 2000 each,
    # memory 2048 / 2560 and 512 / 2560; half by CPU, half by memory:
    # a = 0.5 x 0.5 + 0.5 x 0.8 = 0.65, b = 0.5 x 0.5 + 0.5 x 0.2 = 0.35.
    # tick 1: no pod on the group: its two owners share it equally (0.5 each).
    placed = {"a": {"g": np.array([2, 0])}, "b": {"g": np.array([1, 0])}}
    shares = request_shares(placed, {"a": (500, 1024), "b": (1000, 512)}, 0.5)
    assert shares["a"]["g"].tolist() == pytest.approx([0.65, 0.5])
    assert shares["b"]["g"].tolist() == pytest.approx([0.35, 0.5])
    with pytest.raises(SimulationError, match=r"cpu_cost_fraction = 2: must lie in \[0, 1\]"):
        request_shares(placed, {"a": (500, 1024), "b": (1000, 512)}, 2)


def test_node_hours_of_a_day_projected_to_a_month(book: PriceBook) -> None:
    sim = Simulation(Summary(24 * 3600.0, {"general": 72.0, "compute": 12.0}))
    est = estimate_from_simulation(resources(book, *GROUPS), sim, book)
    # 72 node-hours in 24 h -> 72 x 730 / 24 = 2190 h x 0.0416 (us-east-1,t3.medium) = 91.104
    assert line_usd(est, "aws_eks_node_group.general",
                    "Instance usage (Linux/UNIX, on-demand, t3.medium)") == Decimal("91.10")
    # 12 node-hours -> 365 h x 0.085 (us-east-1,c5.large) = 31.025 -> 31.03
    assert line_usd(est, "aws_eks_node_group.compute",
                    "Instance usage (Linux/UNIX, on-demand, c5.large)") == Decimal("31.03")
    # root volumes follow the nodes: 20 GB x 2190/730 node-months x 0.1 = 6.00; 20 x 0.5 x 0.1
    assert line_usd(est, "aws_eks_node_group.general",
                    "Storage (general purpose SSD, gp2)") == Decimal("6.00")
    assert line_usd(est, "aws_eks_node_group.compute",
                    "Storage (general purpose SSD, gp2)") == Decimal("1.00")
    # the window as the report writes durations: 24 h is "1 d" (cost17: was '{:g} h')
    assert est.notes == (("monthly figures project the simulated 1 d window to 730 h "
                         "(x 30.4167)"),)


def test_a_window_of_a_fraction_of_an_hour_is_named_in_minutes(book: PriceBook) -> None:
    # cost17: a 1500 s window read "0.416667 h"; 1500 s = 25 min, and 730 / (1500 / 3600)
    # = 730 x 2.4 = 1752 windows a month
    sim = Simulation(Summary(1500.0, {"general": 1.0, "compute": 1.0}))
    est = estimate_from_simulation(resources(book, *GROUPS), sim, book)
    assert est.notes == (("monthly figures project the simulated 25 min window to 730 h "
                         "(x 1752.0000)"),)


def test_two_groups_of_one_instance_type_are_priced_apart(book: PriceBook) -> None:
    # a tainted `system` group beside the app group, both t3.medium: each from its own hours
    system = {**GROUPS[0], "name": "system"}
    sim = Simulation(Summary(24 * 3600.0, {"general": 72.0, "system": 48.0}))
    est = estimate_from_simulation(resources(book, GROUPS[0], system), sim, book)
    # general: 72 x 730 / 24 = 2190 h x 0.0416 (us-east-1,t3.medium) = 91.104 -> 91.10
    assert line_usd(est, "aws_eks_node_group.general",
                    "Instance usage (Linux/UNIX, on-demand, t3.medium)") == Decimal("91.10")
    # system: 48 x 730 / 24 = 1460 h x 0.0416 = 60.736 -> 60.74
    assert line_usd(est, "aws_eks_node_group.system",
                    "Instance usage (Linux/UNIX, on-demand, t3.medium)") == Decimal("60.74")


def test_alb_lcus_and_egress_from_served_traffic(book: PriceBook) -> None:
    sim = Simulation(Summary(24 * 3600.0, {"general": 72.0}), timeline([50.0] * 1440))
    est = estimate_from_simulation(resources(book, GROUPS[0], ALB), sim, book, PROFILE)
    # Per hour: 50 new connections/s / 25 = 2 LCU; 100 active / 3000 = 0.03; 50 x 3600 x
    # 10,000 B = 1.8e9 B = 1.676 GiB -> 1.68 LCU. Billed 2 LCU x 730 h x 0.008 = 11.68
    assert line_usd(est, "aws_lb.web", "Load balancer capacity units") == Decimal("11.68")
    assert line_usd(est, "aws_lb.web", "Application load balancer") == Decimal("16.43")
    # Egress: 50 x 86,400 x 9,500 B = 41,040,000,000 B / 1,073,741,824 = 38.2214784622 GB/day;
    # x 730/24 = 1,162.5700 GB, all in the first tier at 0.09 (internet_out us-east-1) = 104.63
    assert line_usd(est, "aws_data_transfer.simulated_egress",
                    "Outbound data transfer to Internet (first 10TB)") == Decimal("104.63")


@pytest.mark.parametrize(("rps", "profile", "lcu_hours_per_month", "usd"), [
    # 12 h at 50 rps (2 LCU) then 12 h at 250 rps (10 LCU): 144 LCU-h per day x 730/24 = 4380;
    # x alb_lcu 0.008 = 35.04
    ([50.0] * 720 + [250.0] * 720, PROFILE, Decimal(4380), "35.04"),
    # 70 rules per request, 10 free: 60 x 50 = 3000 evaluations/s / 1000 = 3 LCU > 2 -> 2190;
    # x 0.008 = 17.52
    ([50.0] * 1440, TrafficProfile(500, 9500, 1, 2, rules_evaluated_per_request=70),
     Decimal(2190), "17.52"),
    # keep-alive (0.01 new connections per request): bytes dominate at 1.676 GiB/h
    # = 50 x 3600 x 10,000 / 2^30 per hour; x 730 = 1223.7579; x 0.008 = 9.7901 -> 9.79
    ([50.0] * 1440, TrafficProfile(500, 9500, 0.01, 60), Decimal(1800000000) / 2**30 * 730,
     "9.79"),
])
def test_lcu_hours_take_the_largest_dimension_hour_by_hour(
        book: PriceBook, rps: list[float], profile: TrafficProfile,
        lcu_hours_per_month: Decimal, usd: str) -> None:
    sim = Simulation(Summary(24 * 3600.0, {}), timeline(rps))
    (lb,) = apply_simulation(resources(book, ALB), {}, 24.0, book,
                             served_rps=np.asarray(rps), step_s=60.0, traffic=profile)[:1]
    assert abs(lb.usage["monthly_lcu_hours"] - lcu_hours_per_month) < Decimal("1e-9")
    assert "new_connections" not in lb.usage  # the simulation replaces the static estimate
    est = estimate_from_simulation(resources(book, ALB), sim, book, profile)
    assert line_usd(est, "aws_lb.web", "Load balancer capacity units") == Decimal(usd)


def test_the_reference_scenario_prices_its_load_balancer_as_declared(book: PriceBook) -> None:
    # author23: an NLB (TLS) declaring 1.25 GB an hour, measured at the reference scenario's
    # mean of 15,041,529 requests a day = 174.0917 rps. Served at that mean for a day, the bytes
    # a request carries (1.25 GB / (174.0917 x 3600)) add back to 1.25 NLCU an hour: 1.25 x 730
    # = 912.5 NLCU-hours a month, x nlb_nlcu $0.006 = $5.475, half up $5.48, as `cost` prices
    # the declared usage. Float sums gave 912.4999999999987 and $5.47.
    from infra_toolkit.plan_cost import traffic_profile_from_usage
    nlb = {"type": "aws_lb", "name": "reco", "load_balancer_type": "network",
           "usage": {"processed_bytes_gb": 1.25, "new_connections": 5,
                     "active_connections": 600, "protocol": "TLS"}}
    rps = [15041529 / 86400] * 1440
    profile = traffic_profile_from_usage(resources(book, nlb), 15041529 / 86400)
    assert profile is not None
    lb = apply_simulation(resources(book, nlb), {}, 24.0, book, served_rps=np.asarray(rps),
                          step_s=60.0, traffic=profile)[0]
    assert lb.usage["monthly_lcu_hours"] == Decimal("912.5")
    sim = Simulation(Summary(24 * 3600.0, {}), timeline(rps))
    est = estimate_from_simulation(resources(book, nlb), sim, book, profile)
    assert line_usd(est, "aws_lb.reco", "Load balancer capacity units") == Decimal("5.48")


def test_a_partial_last_hour_counts_for_its_share(book: PriceBook) -> None:
    # 90 minutes at 25 rps: 1 LCU for hour 0 and for half of hour 1 = 1.5 LCU-hours
    per_lcu = book.lcu_dimensions("application", "HTTP")
    used = lcu_hours(np.full(90, 25.0), 60.0, PROFILE, per_lcu, "application")
    assert used == Decimal("1.5")


def test_nlb_nlcus_from_traffic(book: PriceBook) -> None:
    per_lcu = book.lcu_dimensions("network", "TCP")
    # 1,600 new TCP connections/s / 800 = 2 NLCU for each of 2 hours (active 3,200 / 100,000;
    # 1600 x 3600 x 100 B = 0.54 GiB per hour / 1 GB: both smaller)
    small = TrafficProfile(request_bytes=50, response_bytes=50, new_connections_per_request=1,
                           connection_duration_s=2)
    used = lcu_hours(np.full(120, 1600.0), 60.0, small, per_lcu, "network")
    assert used == Decimal(4)


def test_an_existing_data_transfer_resource_takes_the_simulated_egress(book: PriceBook) -> None:
    dt = {"type": "aws_data_transfer", "name": "dt", "usage": {"monthly_intra_region_gb": 10,
                                                              "monthly_outbound_internet_gb": 1}}
    out = apply_simulation(resources(book, ALB, dt), {}, 1.0, book,
                           served_rps=np.full(60, 100.0), step_s=60.0, traffic=PROFILE)
    (transfer,) = [r for r in out if r.type == "aws_data_transfer"]
    # 100 rps x 3600 s x 9,500 B / 2^30 GB in 1 h, x 730
    expected = Decimal(100 * 3600 * 9500) / 2**30 * 730
    assert abs(transfer.usage["monthly_outbound_internet_gb"] - expected) < Decimal("1e-9")
    assert transfer.usage["monthly_intra_region_gb"] == 10
    assert len(out) == 2


@pytest.mark.parametrize(("items", "node_hours", "kwargs", "match"), [
    # the `simulate` CLI names its one group after its instance type: both sides are named
    (GROUPS, {"m5.large": 5.0}, {}, (r"the simulation ran node group\(s\) 'm5.large' but no "
     r"aws_eks_node_group resource has that name; node groups in the resources: "
     r"general \(t3.medium\), compute \(c5.large\); name the simulation's node groups after "
     r"the resources they price")),
    ([ALB], {}, {"traffic": PROFILE}, r"traffic needs served_rps and step_s"),
    ([ALB, {**ALB, "name": "other"}], {}, {"traffic": PROFILE, "served_rps": [1.0],
                                          "step_s": 60.0}, r"exactly one aws_lb; found 2"),
    ([ALB], {}, {"traffic": PROFILE, "served_rps": [1.0, -2.0], "step_s": 60.0},
     r"served_rps must be a 1-D array of finite rates >= 0"),
    # the sum over no workload behind the load balancer is the scalar 0.0, not a timeline:
    # refused, never priced as 0 LCU and 0 GB (analysis passes no traffic profile then)
    ([ALB], {}, {"traffic": PROFILE, "served_rps": np.sum([], axis=0), "step_s": 60.0},
     r"served_rps must be a 1-D array of finite rates >= 0"),
    (GROUPS, {"general": -1.0}, {}, r"node_hours_by_node_group\['general'\] = -1.0"),
])
def test_inconsistent_simulation_inputs_are_named(
        book: PriceBook, items: list[dict[str, Any]], node_hours: dict[str, float],
        kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(SimulationError, match=match):
        apply_simulation(resources(book, *items), node_hours, 24.0, book, **kwargs)


def test_window_and_step_must_be_usable(book: PriceBook) -> None:
    with pytest.raises(SimulationError, match=r"simulated window = 0.0 h: must be > 0"):
        estimate_from_simulation(resources(book, *GROUPS), Simulation(Summary(0.0, {})), book)
    uneven = pd.DataFrame({"time_s": [0.0, 60.0, 90.0], "served_rps": [1.0, 1.0, 1.0]})
    with pytest.raises(SimulationError, match=r"time_s must rise by a constant step"):
        estimate_from_simulation(resources(book, ALB), Simulation(Summary(90.0, {}), uneven),
                                 book, PROFILE)
    with pytest.raises(SimulationError, match=r"TrafficProfile.internet_egress_fraction = 1.5"):
        TrafficProfile(1, 1, 1, 1, internet_egress_fraction=1.5)


def test_hourly_cost_over_the_timeline(book: PriceBook) -> None:
    frame = pd.DataFrame({"time_s": [0.0, 15.0, 30.0], "nodes_general": [3, 4, 5],
                          "nodes_compute": [0, 0, 2], "launching_nodes_general": [0, 1, 0],
                          "launching_nodes_compute": [0, 2, 0]})
    out = hourly_cost(frame, {"general": "t3.medium", "compute": "c5.large"}, book, "us-east-1")
    # billed nodes are Ready + launching. t3.medium 0.0416 /h, c5.large 0.085 /h:
    # 0 s: 3 x 0.0416 = 0.1248; 15 s: (4 + 1) x 0.0416 + (0 + 2) x 0.085 = 0.208 + 0.17 = 0.378;
    # 30 s: 5 x 0.0416 + 2 x 0.085 = 0.208 + 0.17 = 0.378
    assert out["usd_per_hour"].tolist() == pytest.approx([0.1248, 0.378, 0.378], abs=1e-12)
    with pytest.raises(SimulationError, match=r"timeline has no nodes_batch column"):
        hourly_cost(frame, {"batch": "m5.large"}, book, "us-east-1")
    with pytest.raises(SimulationError, match=r"timeline has no launching_nodes_general column"):
        hourly_cost(frame.drop(columns="launching_nodes_general"), {"general": "t3.medium"}, book,
                    "us-east-1")


def test_pod_cost_follows_max_of_request_and_usage() -> None:
    pods = [PodUsage("api", 10, cpu_request_millicores=500, cpu_usage_millicores=800,
                     memory_request_mib=1024, memory_usage_mib=512),
            PodUsage("worker", 10, cpu_request_millicores=1000, cpu_usage_millicores=200,
                     memory_request_mib=512, memory_usage_mib=1024)]
    frame = attribute_cost(Decimal(100), pods, cpu_capacity_millicore_hours=40000,
                           memory_capacity_mib_hours=81920, cpu_cost_fraction=Decimal("0.5"))
    costs = dict(zip(frame.workload, frame.cost_usd, strict=True))
    # api: CPU max(500, 800) x 10 = 8000 / 40000 = 0.2; memory max(1024, 512) x 10 = 10240 /
    # 81920 = 0.125; 100 x (0.5 x 0.2 + 0.5 x 0.125) = 16.25
    # worker: CPU 10000 / 40000 = 0.25; memory 10240 / 81920 = 0.125 -> 100 x 0.1875 = 18.75
    assert costs == {"api": Decimal("16.25"), "worker": Decimal("18.75"),
                     "__idle__": Decimal("65.00")}
    with pytest.raises(SimulationError, match=r"more than the capacity"):
        attribute_cost(Decimal(100), pods, cpu_capacity_millicore_hours=1000,
                       memory_capacity_mib_hours=81920, cpu_cost_fraction=Decimal("0.5"))
