"""author20: an event-ingest plan in us-west-2 written from the docs alone
(tests/data/author20/event-ingest.yaml): an HTTP ingest API on a CPU HPA, an SQS consumer on
an External ApproximateNumberOfMessagesVisible metric (AverageValue, ``consumer: pull``), a
PodDisruptionBudget, ElastiCache in cluster mode, an NLB and a NAT gateway, priced from the
fixture's own us-west-2 tables (typed for the fixture, not checked against AWS). Also the
defects the plan's writing showed, each with its expected values worked by hand."""

from __future__ import annotations

from typing import Any

import pytest

from infra_toolkit.errors import PlanError
from infra_toolkit.resources import parse_resources

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
