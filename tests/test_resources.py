"""Resource lists: Terraform names, defaults, every problem reported with its path."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from infra_toolkit import launch_template, resource_rules, resource_types, resources, storage_limits
from infra_toolkit.cost import cents
from infra_toolkit.cost_pricing import estimate
from infra_toolkit.errors import PlanError
from infra_toolkit.pricing import PriceBook, load_price_book
from infra_toolkit.resources import parse_resources, read_resources_yaml, validate_resources


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_price_book()


NODE_GROUP = {"type": "aws_eks_node_group", "name": "general", "instance_types": ["t3.medium"],
              "scaling_config": {"desired_size": 3, "min_size": 3, "max_size": 10}}
DB = {"type": "aws_db_instance", "name": "main", "engine": "postgres",
      "instance_class": "db.t3.medium", "allocated_storage": 100, "storage_type": "gp3"}


def test_public_api_is_fixed() -> None:
    assert sorted(resources.__all__) == sorted([
        "Resource", "ResourceProblem", "parse_resources", "read_resources_yaml",
        "validate_resources"])
    assert sorted(resource_types.__all__) == sorted([
        "COUNT_REFUSED", "EBS_VOLUME_TYPES", "IGNORED_EVERYWHERE", "LAUNCH_TEMPLATE_EBS",
        "RDS_ENGINES", "RESOURCE_SCHEMAS", "Field", "ResourceSchema"])
    assert sorted(storage_limits.__all__) == sorted([
        "EBS_GP3_THROUGHPUT_RANGE_MIBPS", "EBS_IOPS_RANGE", "EBS_MAX_SIZE_GIB",
        "RDS_GP3_FIXED_BELOW_GIB", "RDS_MAX_STORAGE_GIB", "rds_gp3_baseline", "rds_gp3_refusal"])
    assert resource_rules.__all__ == ["check_rules"]
    assert sorted(launch_template.__all__) == sorted([
        "launch_template_problem", "launch_template_ref", "root_device_problem"])


def test_defaults_follow_terraform_and_blocks_flatten() -> None:
    (ng, db, lb) = parse_resources(
        [NODE_GROUP, DB, {"type": "aws_lb", "name": "web", "internal": False}],
        default_region="us-east-1")
    assert ng.address == "aws_eks_node_group.general" and ng.region == "us-east-1"
    assert ng.attributes["scaling_config.desired_size"] == 3
    assert ng.attributes["capacity_type"] == "ON_DEMAND"  # Terraform default
    assert ng.attributes["disk_size"] == 20  # Terraform default (GB)
    assert ng.attributes["instance_types"] == ("t3.medium",)
    assert db.attributes["multi_az"] is False and db.attributes["backup_retention_period"] == 0
    assert lb.attributes == {"load_balancer_type": "application"}


def test_a_block_may_be_a_one_element_list_as_in_terraform_json() -> None:
    item = {**NODE_GROUP, "scaling_config": [{"desired_size": 2, "min_size": 1, "max_size": 4}]}
    (ng,) = parse_resources([item], default_region="us-east-1")
    assert ng.attributes["scaling_config.max_size"] == 4


def test_a_read_replica_inherits_engine_storage_and_type_from_its_source() -> None:
    replica = {"type": "aws_db_instance", "name": "replica", "instance_class": "db.t3.medium",
               "replicate_source_db": "aws_db_instance.main"}
    (_, rep) = parse_resources([DB, replica], default_region="us-east-1")
    assert (rep.attributes["engine"], rep.attributes["allocated_storage"],
            rep.attributes["storage_type"]) == ("postgres", 100, "gp3")


def test_storage_type_defaults_to_io1_with_iops_and_gp2_without() -> None:
    base = {"type": "aws_db_instance", "engine": "mysql", "instance_class": "db.t3.large",
            "allocated_storage": 100}
    (a, b) = parse_resources([{**base, "name": "a"}, {**base, "name": "b", "iops": 1000}],
                             default_region="us-east-1")
    assert (a.attributes["storage_type"], b.attributes["storage_type"]) == ("gp2", "io1")


def test_count_makes_n_resources_addressed_like_terraform() -> None:
    # audit4 A4-X1: count: 3 is three identical aws_instance.web[0] .. web[2] (Terraform's
    # addresses, what Infracost shows from a plan); the entry after it keeps its own name
    vm = {"type": "aws_instance", "name": "web", "instance_type": "t3.medium", "count": 3}
    made = parse_resources([vm, {**vm, "name": "db", "count": 1},
                            {"type": "aws_ebs_volume", "name": "data", "size": 10}],
                           default_region="us-east-1")
    assert [r.address for r in made] == ["aws_instance.web[0]", "aws_instance.web[1]",
                                         "aws_instance.web[2]", "aws_instance.db[0]",
                                         "aws_ebs_volume.data"]
    assert made[0].attributes == made[2].attributes and "count" not in made[0].attributes


def test_read_replicas_with_count_each_inherit_the_source() -> None:
    # two replicas of one source: each inherits engine and storage from "main"
    replica = {"type": "aws_db_instance", "name": "ro", "instance_class": "db.t3.medium",
               "replicate_source_db": "main", "count": 2}
    (_main, ro0, ro1) = parse_resources([DB, replica], default_region="us-east-1")
    assert (ro0.name, ro1.name) == ("ro[0]", "ro[1]")
    assert (ro1.attributes["engine"], ro1.attributes["allocated_storage"]) == ("postgres", 100)


@pytest.mark.parametrize(("item", "expected"), [
    ({**NODE_GROUP, "count": 2},
     "resources[0].count: 2: aws_eks_node_group.general cannot have a count: the plan "
     "simulates, places and prices node groups by name (its cluster's node_groups); write one "
     "entry per node group"),
    ({"type": "aws_lb", "name": "edge", "count": 2},
     "resources[0].count: 2: aws_lb.edge cannot have a count: the plan's simulated traffic is "
     "carried by exactly one aws_lb"),
    ({"type": "aws_instance", "name": "web", "instance_type": "t3.medium", "count": 0},
     "resources[0].count: 0 would price no aws_instance.web: leave the entry out"),
    ({"type": "aws_instance", "name": "web", "instance_type": "t3.medium", "count": -1},
     "resources[0].count: -1 must be a whole number >= 1: the number of identical aws_instance "
     "resources"),
    ({"type": "aws_instance", "name": "web", "instance_type": "t3.medium", "count": "6"},
     "resources[0].count: '6' must be a whole number >= 1"),
    ({"type": "aws_instance", "name": "web", "instance_type": "t3.medium", "count": 1.5},
     "resources[0].count: 1.5 must be a whole number >= 1"),
    ({"type": "aws_instance", "name": "web", "instance_type": "t3.medium", "count": True},
     "resources[0].count: True must be a whole number >= 1"),
    # audit8 A8-2: 1e300 (read as the whole float 1e300) made 10**300 copies and never returned
    ({"type": "aws_instance", "name": "web", "instance_type": "t3.medium", "count": 1e300},
     "resources[0].count: 1e+300 is more than 10,000, the most identical aws_instance "
     "resources priced one by one; check the value"),
    ({"type": "aws_instance", "name": "web", "instance_type": "t3.medium", "count": 10_001},
     "resources[0].count: 10,001 is more than 10,000, the most identical aws_instance resources "
     "priced one by one; check the value"),
    ({"type": "aws_instance", "name": "web", "instance_type": "t3.medium",
      "for_each": ["a", "b"]},
     "; for_each is not read: for N identical resources write count: N, else one entry per "
     "instance"),
])
def test_a_bad_or_refused_count_is_named(book: PriceBook, item: dict[str, Any],
                                         expected: str) -> None:
    (problem,) = validate_resources([item], default_region="us-east-1", price_book=book)
    assert expected in str(problem), problem


def test_a_replicas_source_cannot_have_a_count() -> None:
    replica = {"type": "aws_db_instance", "name": "ro", "instance_class": "db.t3.medium",
               "replicate_source_db": "aws_db_instance.main"}
    (problem,) = validate_resources([{**DB, "count": 2}, replica], default_region="us-east-1")
    assert str(problem) == (
        "resources[0].count: 2: aws_db_instance.main cannot have a count: a read replica's "
        "replicate_source_db names it; write one entry per source DB instance (a replica may "
        "have a count)")


def test_a_counted_entry_and_another_of_its_name_repeat() -> None:
    vm = {"type": "aws_instance", "name": "web", "instance_type": "t3.medium"}
    (problem,) = validate_resources([{**vm, "count": 2}, vm], default_region="us-east-1")
    assert str(problem) == "resources[1].name: 'web' repeats resources[0] (aws_instance.web)"


@pytest.mark.parametrize(("item", "expected"), [
    ({**DB, "instance_class": "db.t3.medum"},
     ("resources[0].instance_class: 'db.t3.medum' is not a known RDS class; did you mean "
     "'db.t3.medium'")),
    ({**NODE_GROUP, "instance_types": ["t3.medum"]},
     ("resources[0].instance_types[0]: 't3.medum' is not a known EC2 instance type; did you mean "
     "'t3.medium'")),
    ({"type": "aws_elasticache_replication_group", "name": "c", "node_type": "cache.t3.mcro"},
     ("resources[0].node_type: 'cache.t3.mcro' is not a known ElastiCache node type; did you "
     "mean 'cache.t3.micro'")),
    ({**DB, "region": "us-east-3"},
     # us-east-1 and us-east-2 each match 8 of us-east-3's 9 letters (2 x 8 / 18 = 0.89):
     # both are named, sorted
     ("resources[0].region: 'us-east-3' is not a region in any pricing table; did you mean "
     "'us-east-1' or 'us-east-2'?")),
    ({**DB, "engine": "postgress"},
     "resources[0].engine: 'postgress' is not one of postgres, mysql"),
    # newplans: Aurora was answered "did you mean 'postgres'?", which prices RDS PostgreSQL
    ({**DB, "engine": "aurora-postgresql"},
     ("resources[0].engine: 'aurora-postgresql' is an Aurora engine, which an aws_db_instance "
      "does not run; Aurora (aws_rds_cluster, aws_rds_cluster_instance, engine aurora-*) is not "
      "priced: the pricing tables hold no Aurora rows (pricing_data/README.md, known gaps); to "
      "compare with RDS, write an aws_db_instance with engine: postgres or mysql (RDS prices, "
      "not Aurora's) and say so in the plan")),
    ({"type": "aws_rds_cluster", "name": "shop", "engine": "aurora-postgresql"},
     ("resources[0].type: 'aws_rds_cluster' is not a supported resource type (supported: "
      "aws_eks_cluster, aws_eks_node_group, aws_launch_template, aws_instance, aws_ebs_volume, "
      "aws_db_instance, aws_elasticache_replication_group, aws_lb, aws_nat_gateway, "
      "aws_data_transfer); Aurora (aws_rds_cluster")),
    ({**DB, "instance_clas": "db.t3.medium"},
     "resources[0].instance_clas: unknown attribute for aws_db_instance.main"),
    ({"type": "aws_instance", "name": "ledger", "instance_type": "c6i.xlarge", "for_each": {}},
     "resources[0].for_each: unknown attribute for aws_instance.ledger (valid: "),
    ({**DB, "usage": {"backup_storage_gb": 10}},
     ("resources[0].usage.backup_storage_gb: unknown usage key for aws_db_instance.main (valid: "
     "additional_backup_storage_gb, monthly_cpu_credit_hrs, purchase_option, vcpu_count); "
     "did you mean "
     "'additional_backup_storage_gb'?")),
    ({"type": "aws_instanc", "name": "x"},
     "resources[0].type: 'aws_instanc' is not a supported resource type"),
    ({"type": "gp3", "name": "x", "size": 10},
     "resources[0].type: 'gp3' is not a supported resource type (supported: aws_eks_cluster"),
    ({**NODE_GROUP, "scaling_config": {"desired_size": 11, "min_size": 3, "max_size": 10}},
     ("resources[0].scaling_config.desired_size: 11 must lie within min_size (3) and max_size "
     "(10)")),
    # audit14 A14-4: min_size above max_size is named at max_size, not as a desired_size slip
    ({**NODE_GROUP, "scaling_config": {"desired_size": 3, "min_size": 3, "max_size": 2}},
     ("resources[0].scaling_config.max_size: 2 is below min_size (3): EKS needs min_size <= "
      "desired_size <= max_size; raise max_size or lower min_size")),
    ({**NODE_GROUP, "scaling_config": {"desired_size": 3, "min_size": 3}},
     "resources[0].scaling_config.max_size: required for aws_eks_node_group.general"),
    ({**NODE_GROUP, "capacity_type": "SPOT", "usage": {"purchase_option": "savings_plan"}},
     "resources[0].usage.purchase_option: 'savings_plan' conflicts with capacity_type SPOT"),
    ({**NODE_GROUP, "usage": {"instances": 4, "monthly_node_hours": 100}},
     ("resources[0].usage.instances: give either instances (nodes all month, Infracost's key) or "
      "monthly_node_hours, not both")),
    # audit12 A12-6: usage past max_size billed nodes the group cannot run
    ({**NODE_GROUP, "usage": {"instances": 11}},
     ("resources[0].usage.instances: 11 nodes all month is more than max_size (10) lets the "
      "group run; lower instances or raise max_size")),
    ({**NODE_GROUP, "usage": {"monthly_node_hours": 7441}},  # 10 x 744 = 7,440 at most
     ("resources[0].usage.monthly_node_hours: 7,441 node-hours is more than max_size (10) nodes "
      "run in the longest month (10 x 744 = 7,440); lower monthly_node_hours or raise "
      "max_size")),
    # audit13 A13-2: the EC2 User Guide: Unlimited mode is not supported for T3 instances
    # launched on a Dedicated Host
    ({"type": "aws_instance", "name": "web", "instance_type": "t3.medium", "tenancy": "host",
      "credit_specification": {"cpu_credits": "unlimited"}},
     ("resources[0].credit_specification.cpu_credits: 'unlimited' is not supported for a T3 "
      "instance on a Dedicated Host (tenancy host), which runs in Standard mode; use "
      "cpu_credits standard or another tenancy")),
    # audit newfeat: a quoted number is YAML text; the fix is to drop the quotes
    ({**NODE_GROUP, "disk_size": "20"}, "resources[0].disk_size: '20' must be a whole number; "
     "write 20 without quotes (quoted, YAML reads it as text)"),
    ({**NODE_GROUP, "usage": {"purchase_option": "reserved", "committed_instances": "3"}},
     "resources[0].usage.committed_instances: '3' must be a whole number; write 3 without "
     "quotes (quoted, YAML reads it as text)"),
    ({**NODE_GROUP, "disk_size": "twenty"}, "resources[0].disk_size: 'twenty' must be a whole "
     "number"),
    ({**NODE_GROUP, "disk_size": True}, "resources[0].disk_size: True must be a whole number"),
    ({**DB, "multi_az": "yes"}, "resources[0].multi_az: 'yes' must be true or false"),
    ({**DB, "storage_type": "io1", "iops": 500},
     "resources[0].iops: io1 storage needs iops >= 1000 (AWS minimum), got 500"),
    ({**DB, "storage_type": "gp2", "iops": 3000},
     "resources[0].iops: only io1, io2 and gp3 storage takes iops, not gp2"),
    ({"type": "aws_db_instance", "name": "r", "instance_class": "db.t3.medium",
      "replicate_source_db": "elsewhere", "allocated_storage": 20},
     ("resources[0].engine: required for aws_db_instance.r (a read replica inherits it only "
     "from a replicate_source_db in the same list: 'elsewhere' names no aws_db_instance of "
     "this list)")),

    ({"type": "aws_ebs_volume", "name": "v", "volume_type": "st1", "size": 500, "iops": 100},
     "resources[0].iops: only io1, io2 and gp3 volumes take iops, not st1"),
    ({"type": "aws_ebs_volume", "name": "v", "volume_type": "io2", "size": 50},
     "resources[0].iops: required for io2 volumes"),
    ({"type": "aws_ebs_volume", "name": "v", "volume_type": "gp2", "size": 50,
      "throughput": 200}, "resources[0].throughput: only gp3 volumes take throughput, not gp2"),
    ({"type": "aws_elasticache_replication_group", "name": "c", "node_type": "cache.t3.micro",
      "num_cache_clusters": 2, "num_node_groups": 2},
     "resources[0].num_cache_clusters: conflicts with num_node_groups"),
    ({"type": "aws_elasticache_replication_group", "name": "c", "node_type": "cache.t3.micro",
      "automatic_failover_enabled": True},
     "resources[0].num_cache_clusters: automatic failover / Multi-AZ needs at least 2 nodes"),
    ({"type": "aws_lb", "name": "l", "usage": {"monthly_lcu_hours": 10, "new_connections": 5}},
     ("resources[0].usage.monthly_lcu_hours: give either monthly_lcu_hours or the LCU "
     "dimensions (new_connections), not both")),
    ({"type": "aws_lb", "name": "l", "load_balancer_type": "gateway"},
     "resources[0].load_balancer_type: 'gateway' is not one of application, network"),
    ({"type": "aws_data_transfer", "name": "d", "region": "eu-west-1",
      "usage": {"monthly_outbound_us_east_to_us_east_gb": 5}},
     ("resources[0].usage.monthly_outbound_us_east_to_us_east_gb: applies to us-east-1 and "
     "us-east-2 only, not eu-west-1")),
    ({"type": "aws_eks_cluster", "name": "k", "upgrade_policy": {"support_type": "STANDARD"},
      "usage": {"in_extended_support": True}},
     "resources[0].usage.in_extended_support: a STANDARD support_type cluster is upgraded"),
    ({"type": "aws_instance", "name": "i", "instance_type": "t3.medium",
      "usage": {"monthly_hrs": 800}},
     "resources[0].usage.monthly_hrs: 800 exceeds the 744 hours of the longest month"),
    ({"type": "aws_nat_gateway", "name": "n", "usage": {"monthly_data_processed_gb": -1}},
     "resources[0].usage.monthly_data_processed_gb: -1 must be >= 0"),
    ({"type": "aws_nat_gateway", "name": "n", "usage": {"monthly_data_processed_gb": 1e400}},
     "resources[0].usage.monthly_data_processed_gb: inf must be a finite number"),
    # audit8 A8-14: 1e30 GB is finite, but its cost has more digits than the 28 of Decimal's
    # context: `cost` raised decimal.InvalidOperation at the rounding to cents (a traceback);
    # 1e26 GB still priced. A zettabyte is 1e12 GB, so 1e15 bounds every quantity
    ({"type": "aws_data_transfer", "name": "internet",
      "usage": {"monthly_outbound_internet_gb": 1e30}},
     "resources[0].usage.monthly_outbound_internet_gb: 1e+30 is more than 1e+15, beyond any "
     "quantity AWS bills (a zettabyte is 1e12 GB); check the value and its unit"),
    ({"type": "aws_lb", "name": "edge", "load_balancer_type": "application",
      "usage": {"processed_bytes_gb": 2e15}},
     "resources[0].usage.processed_bytes_gb: 2e+15 is more than 1e+15"),
    ("aws_instance", "resources[0]: expected a mapping with type, name and attributes"),
    # S-6: AWS's largest volumes (storage_limits.EBS_MAX_SIZE_GIB / RDS_MAX_STORAGE_GIB cite the
    # API references); before, 100,000,000,000 GiB of gp2 was priced $8,000,000,000 a month
    ({"type": "aws_ebs_volume", "name": "v", "size": 100_000_000_000},
     ("resources[0].size: 100,000,000,000 GiB is more than AWS allows for one gp2 EBS volume "
      "(16,384 GiB = 16 TiB); check the unit (GiB) or split the data over several volumes")),
    ({"type": "aws_ebs_volume", "name": "v", "volume_type": "io2", "size": 65_537, "iops": 3000},
     "resources[0].size: 65,537 GiB is more than AWS allows for one io2 EBS volume (65,536 GiB = "
     "64 TiB)"),
    ({"type": "aws_ebs_volume", "name": "v", "volume_type": "st1", "size": 16_385},
     "resources[0].size: 16,385 GiB is more than AWS allows for one st1 EBS volume (16,384 GiB"),
    ({"type": "aws_ebs_volume", "name": "v", "volume_type": "standard", "size": 1025},
     "resources[0].size: 1,025 GiB is more than AWS allows for one standard EBS volume (1,024 GiB"),
    ({"type": "aws_instance", "name": "i", "instance_type": "t3.medium",
      "root_block_device": {"volume_size": 20_000, "volume_type": "gp3"}},
     "resources[0].root_block_device.volume_size: 20,000 GiB is more than AWS allows for one gp3 "
     "EBS volume (16,384 GiB"),
    ({"type": "aws_launch_template", "name": "lt", "block_device_mappings": {
        "device_name": "/dev/xvda", "ebs": {"volume_size": 20_000, "volume_type": "gp3"}}},
     "resources[0].block_device_mappings.ebs.volume_size: 20,000 GiB is more than AWS allows "
     "for one gp3 EBS volume (16,384 GiB"),
    ({**NODE_GROUP, "disk_size": 16_385},
     "resources[0].disk_size: 16,385 GiB is more than AWS allows for one gp2 EBS volume (EKS's "
     "root volume without a launch template) (16,384 GiB"),
    ({**DB, "allocated_storage": 65_537},
     "resources[0].allocated_storage: 65,537 GiB is more than AWS allows for gp3 RDS storage "
     # N-15: an RDS instance has one storage volume (before: "over several volumes")
     "(65,536 GiB = 64 TiB); check the unit (GiB) or split the data over several DB instances"),
    ({**DB, "storage_type": "standard", "allocated_storage": 3073},
     "resources[0].allocated_storage: 3,073 GiB is more than AWS allows for standard RDS "
     "storage (3,072 GiB"),
])
def test_each_problem_is_reported_with_its_path(book: PriceBook, item: Any, expected: str
                                                ) -> None:
    problems = [str(p) for p in validate_resources([item], default_region="us-east-1",
                                                   price_book=book)]
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize("item", [
    {"type": "aws_ebs_volume", "name": "v", "volume_type": "gp3", "size": 16_384},
    {"type": "aws_ebs_volume", "name": "v", "volume_type": "io2", "size": 65_536, "iops": 3000},
    {"type": "aws_ebs_volume", "name": "v", "volume_type": "standard", "size": 1024},
    {**NODE_GROUP, "disk_size": 16_384},
    {**DB, "allocated_storage": 65_536},
    {**DB, "storage_type": "standard", "allocated_storage": 3072},
])
def test_the_largest_sizes_aws_allows_are_valid(book: PriceBook, item: Any) -> None:
    assert validate_resources([item], default_region="us-east-1", price_book=book) == []


@pytest.mark.parametrize(("source", "words"), [
    ("mian", "'mian' names no aws_db_instance of this list; did you mean 'main'?"),
    ("legacy", "'legacy' names no aws_db_instance of this list (its DB instances: 'main')"),
])
def test_a_replica_of_a_db_not_in_the_list_names_its_source(book: PriceBook, source: str,
                                                             words: str) -> None:
    # audit14 A14-2: a mistyped replicate_source_db was blamed only on the missing engine
    replica = {"type": "aws_db_instance", "name": "r", "instance_class": "db.t3.medium",
               "replicate_source_db": source}
    problems = [str(p) for p in validate_resources([DB, replica], default_region="us-east-1",
                                                   price_book=book)]
    assert problems == [
        "resources[1].engine: required for aws_db_instance.r (a read replica inherits it only "
        f"from a replicate_source_db in the same list: {words})",
        "resources[1].allocated_storage: required for aws_db_instance.r (a read replica inherits "
        f"it only from a replicate_source_db in the same list: {words})"]


def test_every_problem_is_reported_at_once_under_the_given_path(book: PriceBook) -> None:
    items = [NODE_GROUP, {**DB, "instance_class": "db.t3.medum"},
             {"type": "aws_lb", "name": "web", "load_balancer_typ": "application"},
             {"type": "aws_nat_gateway"}, {**NODE_GROUP}]
    problems = validate_resources(items, path="proposed.resources", default_region="us-east-1",
                                  price_book=book)
    assert [p.path for p in problems] == [
        "proposed.resources[1].instance_class", "proposed.resources[2].load_balancer_typ",
        "proposed.resources[3].name", "proposed.resources[4].name"]
    assert str(problems[-1]) == ("proposed.resources[4].name: 'general' repeats "
                                 "proposed.resources[0] (aws_eks_node_group.general)")


def test_a_region_s_internet_egress_is_one_resource(book: PriceBook) -> None:
    # audit12 A12-7: two resources of 10,000 GB each in us-east-1 priced 2 x 10,000 x 0.09 =
    # 1,800.00; AWS tiers the month's 20,000 GB as one: 10,240 x 0.09 + 9,760 x 0.085 = 921.60 +
    # 829.60 = 1,751.20 (other_services us-east-1 internet_out tiers 0 and 10240)
    out = {"monthly_outbound_internet_gb": 10000}
    items = [{"type": "aws_data_transfer", "name": "a", "usage": out},
             {"type": "aws_data_transfer", "name": "west", "region": "us-west-2", "usage": out},
             {"type": "aws_data_transfer", "name": "cross",
              "usage": {"monthly_intra_region_gb": 5}},
             {"type": "aws_data_transfer", "name": "b", "usage": out}]
    problems = validate_resources(items, default_region="us-east-1", price_book=book)
    assert [str(p) for p in problems] == [
        "resources[3].usage.monthly_outbound_internet_gb: aws_data_transfer.a already gives "
        "us-east-1's Internet egress; AWS tiers a month's egress as one (first 10 TB, next 40 TB, "
        "...), so a second resource would start again at the first tier: put the GB of "
        "aws_data_transfer.b into aws_data_transfer.a"]
    merged = parse_resources([{"type": "aws_data_transfer", "name": "a",
                               "usage": {"monthly_outbound_internet_gb": 20000}}],
                             default_region="us-east-1", price_book=book)
    assert cents(estimate(merged, book).total_monthly_usd) == Decimal("1751.20")


def test_a_misspelt_class_is_named_beside_the_resource_s_other_problems(book: PriceBook) -> None:
    items = [{**DB, "engine": "postgress", "instance_class": "db.t3.smal"},
             {**NODE_GROUP, "capacity_type": "ONDEMAND", "instance_types": ["c5.larg"]}]
    problems = [str(p) for p in validate_resources(items, default_region="us-east-1",
                                                   price_book=book)]
    assert [p.split(":")[0] for p in problems] == [
        "resources[0].engine", "resources[0].instance_class",
        "resources[1].capacity_type", "resources[1].instance_types[0]"]
    assert "'db.t3.smal' is not a known RDS class; did you mean 'db.t3.small'" in problems[1]
    assert "'c5.larg' is not a known EC2 instance type; did you mean 'c5.large'" in problems[3]


def test_a_missing_region_is_a_problem_unless_given() -> None:
    (problem,) = validate_resources([DB])
    assert str(problem) == ("resources[0].region: no region: set region on the resource or at "
                            "the top of the file, or pass --region")
    assert validate_resources([{**DB, "region": "eu-west-1"}]) == []


def test_terraform_arguments_that_do_not_change_cost_are_accepted() -> None:
    item = {**DB, "identifier": "orders", "engine_version": "16.3", "tags": {"team": "x"},
            "publicly_accessible": False}
    assert validate_resources([item], default_region="us-east-1") == []


def test_parse_raises_plan_error_carrying_every_problem() -> None:
    with pytest.raises(PlanError, match=r"2 problem\(s\) in plans/x.yaml:\n  resources\[0\]"
                       r"\.multi_az: 'no' must be true or false\n  resources\[1\]\.type") as exc:
        parse_resources([{**DB, "multi_az": "no"}, {"type": "x", "name": "y"}],
                        default_region="us-east-1", source="plans/x.yaml")
    assert len(exc.value.problems) == 2


def test_read_resources_yaml(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("region: us-gov-west-1\nresources:\n  - type: aws_instance\n    name: vm\n"
                    "    instance_type: t3.medium\n  - type: aws_instance\n    name: eu\n"
                    "    region: eu-west-1\n    instance_type: t3.medium\n")
    (vm, eu) = read_resources_yaml(path)
    assert (vm.region, eu.region) == ("us-gov-west-1", "eu-west-1")
    (vm, eu) = read_resources_yaml(path, region="us-east-1")  # --region replaces the default
    assert (vm.region, eu.region) == ("us-east-1", "eu-west-1")


def test_a_resources_file_may_write_numbers_in_scientific_notation(tmp_path: Path) -> None:
    # U-1: before, "'2e2' must be a number" (PyYAML's YAML 1.1 reads 2e2 as text)
    path = tmp_path / "r.yaml"
    path.write_text("region: us-east-1\nresources:\n  - type: aws_nat_gateway\n    name: egress\n"
                    "    usage: {monthly_data_processed_gb: 2e2}\n")
    (nat,) = read_resources_yaml(path)
    assert nat.usage["monthly_data_processed_gb"] == 200.0


def test_a_whole_number_in_scientific_notation_fits_a_whole_number_attribute(
        tmp_path: Path) -> None:
    # before: "resources[0].size: 100.0 must be a whole number" (1e2 reads as the float 100.0)
    path = tmp_path / "r.yaml"
    path.write_text("region: us-east-1\nresources:\n  - type: aws_ebs_volume\n    name: data\n"
                    "    volume_type: gp3\n    size: 1e2\n")
    (volume,) = read_resources_yaml(path)
    assert volume.attributes["size"] == 100 and isinstance(volume.attributes["size"], int)
    path.write_text(path.read_text().replace("1e2", "1.5e1"))  # 15.0 is whole too; 1.5 is not
    assert read_resources_yaml(path)[0].attributes["size"] == 15
    path.write_text(path.read_text().replace("1.5e1", "1.5e0"))
    with pytest.raises(PlanError, match=r"resources\[0\]\.size: 1\.5 must be a whole number"):
        read_resources_yaml(path)


@pytest.mark.parametrize(("text", "match"), [
    ("resources: [\n", r"r.yaml:2: YAML syntax error: did not find expected node content"),
    # B-5: the last `type` used to win silently (the resource was read as aws_db_instance)
    ("region: us-east-1\nresources:\n  - type: aws_instance\n    name: web\n"
     "    instance_type: t3.medium\n    type: aws_db_instance\n",
     r"r.yaml:6: resources\[0\]\.type: this key is written twice in the same mapping and YAML "
     r"keeps only the last one; delete or rename one"),
    ("- type: aws_instance\n", r"r.yaml: expected a mapping with a 'resources' list \(and "
                                r"optionally 'region'\); the file holds a list$"),
    ("region: us-east-1\nresource: []\n", r"expected a mapping with a 'resources' list .*; the "
                                          r"file has no 'resources' key$"),
    # audit9 A9-10: an empty file, and a plan given where a resources file goes (cost
    # --compare PLAN), said only "expected a mapping with a 'resources' list"
    ("", r"r.yaml: expected a mapping with a 'resources' list .*; the file is empty$"),
    ("version: 1\ncurrent: {region: us-east-1, resources: []}\n",
     r"r.yaml: a plan \(current / proposed\), not a resources file: run infra-toolkit cost "
     r".*r.yaml to compare its sides, or give a file of region and resources$"),
    ("region: us-east-1\nresources: []\nusage: {}\n", r"unknown top-level key 'usage'"),
    ("region: us-east-1\nresources:\n  - {type: aws_instance, name: vm}\n",
     r"1 problem\(s\) in .*r.yaml:\n  resources\[0\]\.instance_type: required for "
     r"aws_instance\.vm"),
])
def test_a_bad_resources_file_names_the_file(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(PlanError, match=match):
        read_resources_yaml(path)


def test_a_missing_resources_file_is_a_plan_error(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match=r"cannot read resources file .*absent.yaml"):
        read_resources_yaml(tmp_path / "absent.yaml")
