"""author20: an event-ingest plan in us-west-2 written from the docs alone
(tests/data/author20/event-ingest.yaml): an HTTP ingest API on a CPU HPA, an SQS consumer on
an External ApproximateNumberOfMessagesVisible metric (AverageValue, ``consumer: pull``), a
PodDisruptionBudget, ElastiCache in cluster mode, an NLB and a NAT gateway, priced from the
fixture's own us-west-2 tables (typed for the fixture, not checked against AWS). Also the
defects the plan's writing showed, each with its expected values worked by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from infra_toolkit.cost_sim import lcu_hours
from infra_toolkit.errors import PlanError
from infra_toolkit.plan_cost import traffic_profile_from_usage
from infra_toolkit.pricing import load_price_book
from infra_toolkit.resources import Resource, parse_resources

D = Decimal

ElastiCache = dict[str, Any]


# ------------------------------------------- replication groups AWS or Terraform refuse

def _group(**fields: Any) -> list[ElastiCache]:
    return [{"type": "aws_elasticache_replication_group", "name": "dedupe",
             "node_type": "cache.r6g.large", **fields}]


@pytest.mark.parametrize(("fields", "message"), [
    # Terraform's CustomizeDiff: "automatic_failover_enabled must be true if multi_az_enabled
    # is true"; was priced as 2 x 0.206 x 730 = $300.76
    ({"num_cache_clusters": 2, "multi_az_enabled": True},
     r"resources\[0\]\.automatic_failover_enabled: must be true when multi_az_enabled is "
     r"true .*set automatic_failover_enabled: true, or multi_az_enabled: false"),
    # CreateReplicationGroup: AutomaticFailoverEnabled "must be enabled for ... (cluster mode
    # enabled) replication groups"; was priced as 2 x (1 + 1) = 4 nodes
    ({"num_node_groups": 2, "replicas_per_node_group": 1},
     r"resources\[0\]\.automatic_failover_enabled: must be true with num_node_groups 2 "
     r"\(cluster mode"),
    # 300 shards x (1 + 1 replica) = 600 nodes > AWS's 500 a group; was priced as
    # 600 x 0.206 x 730 = $90,228
    ({"num_node_groups": 300, "replicas_per_node_group": 1, "automatic_failover_enabled": True},
     r"resources\[0\]\.num_node_groups: 300 shard\(s\) x \(1 \+ 1 replica\(s\)\) is 600 nodes, "
     r"more than the 500 a replication group can have"),
])
def test_replication_groups_aws_refuses_are_errors(fields: ElastiCache, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        parse_resources(_group(**fields), default_region="us-west-2")


def test_the_largest_replication_group_aws_allows_is_accepted() -> None:
    # 250 shards x (1 + 1) = 500 nodes: exactly the limit
    (group,) = parse_resources(_group(num_node_groups=250, replicas_per_node_group=1,
                                      automatic_failover_enabled=True),
                               default_region="us-west-2")
    assert group.attributes["num_node_groups"] == 250


# ----------------------------------------------- Internet egress that leaves by a NAT gateway

def _ingest_resources(through_lb: bool) -> tuple[Resource, ...]:
    transfer_usage: dict[str, Any] = {"monthly_outbound_internet_gb": 3650}
    if not through_lb:
        transfer_usage["egress_through_load_balancer"] = False
    return parse_resources([
        {"type": "aws_lb", "name": "ingest", "load_balancer_type": "network",
         "usage": {"processed_bytes_gb": 2, "new_connections": 60, "active_connections": 3000}},
        {"type": "aws_data_transfer", "name": "internet", "usage": transfer_usage}],
        default_region="us-west-2")


def test_egress_through_a_nat_gateway_adds_nothing_to_the_load_balancers_bytes() -> None:
    # at 1,000 requests a second: a month is 1000 x 730 x 3600 = 2,628,000,000 requests.
    # egress 3,650 GB / 2.628e9 = 1.388889e-6 GB = 1491.308 bytes a request (x 2^30);
    # processed 2 GB an hour / 3.6e6 requests an hour = 5.5556e-7 GB = 596.523 bytes a request
    nat = traffic_profile_from_usage(_ingest_resources(through_lb=False), 1000.0)
    assert nat is not None
    assert nat.response_bytes == pytest.approx(3650 / 2_628_000_000 * 2**30)
    assert nat.request_bytes == pytest.approx(2 / 3_600_000 * 2**30)  # all of processed
    assert nat.responses_through_load_balancer is False
    # through the load balancer (the default) the responses are part of the 2 GB, which they
    # exceed: request bytes max(0, 596.5 - 1491.3) = 0
    lb = traffic_profile_from_usage(_ingest_resources(through_lb=True), 1000.0)
    assert lb is not None and lb.request_bytes == 0.0 and lb.responses_through_load_balancer


def test_nlcu_hours_count_the_request_bytes_alone_when_egress_leaves_by_nat() -> None:
    # one hour at the reference 1,000 req/s (240 steps of 15 s): processed = 3.6e6 requests x
    # 596.523 bytes = 2 GB -> 2 NLCU (TCP: 1 GB an hour each); new flows 60 / 800 = 0.075,
    # active 60 x (3000 / 60 s) = 3,000 / 100,000 = 0.03: the hour bills 2 NLCU-hours.
    # Before, the responses were added: (0 + 1491.3) x 3.6e6 / 2^30 = 5 GB -> 5 NLCU-hours.
    per_lcu = load_price_book().lcu_dimensions("network", "TCP")
    served = np.full(240, 1000.0)
    for through_lb, expected in ((False, "2"), (True, "5")):
        traffic = traffic_profile_from_usage(_ingest_resources(through_lb), 1000.0)
        assert traffic is not None
        assert round(lcu_hours(served, 15.0, traffic, per_lcu, "network"), 9) == D(expected)
