"""The rules between a resource's fields, per Terraform resource type (``check_rules``):
``min_size <= desired_size <= max_size``, one of a launch template's name or id, a volume type's
IOPS and throughput, io1 minimums, sizes within AWS's limits
(:mod:`infra_toolkit.storage_limits`), usage keys that exclude each other, ..."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infra_toolkit.errors import quoted
from infra_toolkit.resource_types import LAUNCH_TEMPLATE_EBS
from infra_toolkit.storage_limits import (
    EBS_GP3_THROUGHPUT_RANGE_MIBPS,
    EBS_IOPS_RANGE,
    EBS_MAX_SIZE_GIB,
    RDS_GP3_FIXED_BELOW_GIB,
    RDS_MAX_STORAGE_GIB,
)

__all__ = ["check_rules"]


Rule = Callable[[dict[str, Any], dict[str, Any], str], list[tuple[str, str]]]


def _no_rules(attrs: dict[str, Any], usage: dict[str, Any], region: str
              ) -> list[tuple[str, str]]:
    return []


def _node_group_rules(a: dict[str, Any], u: dict[str, Any], region: str
                      ) -> list[tuple[str, str]]:
    out = []
    lo, want, hi = (a["scaling_config.min_size"], a["scaling_config.desired_size"],
                    a["scaling_config.max_size"])
    if lo > hi:  # no desired_size can lie within them: name the pair (audit14 A14-4)
        out.append(("scaling_config.max_size", (f"{hi} is below min_size ({lo}): EKS needs "
                    "min_size <= desired_size <= max_size; raise max_size or lower min_size")))
    elif not lo <= want <= hi:
        out.append(("scaling_config.desired_size", (f"{want} must lie within min_size ({lo}) and "
                    f"max_size ({hi})")))
    if "disk_size" in a:  # EKS's own root volumes are gp2
        out += _size_rule("disk_size", a["disk_size"], EBS_MAX_SIZE_GIB["gp2"],
                          "one gp2 EBS volume (EKS's root volume without a launch template)")
    if "instances" in u and "monthly_node_hours" in u:
        out.append(("usage.instances", ("give either instances (nodes all month, Infracost's "
                    "key) or monthly_node_hours, not both")))
    # the group never runs more than max_size nodes: more would be billed for nodes that cannot
    # exist (the same 744-hour longest month as an aws_instance's monthly_hrs)
    elif u.get("instances", 0) > hi:
        out.append(("usage.instances", (f"{u['instances']} nodes all month is more than "
                    f"max_size ({hi}) lets the group run; lower instances or raise max_size")))
    elif u.get("monthly_node_hours", 0) > hi * 744:
        out.append(("usage.monthly_node_hours", (f"{u['monthly_node_hours']:,} node-hours is "
                    f"more than max_size ({hi}) nodes run in the longest month ({hi} x 744 = "
                    f"{hi * 744:,}); lower monthly_node_hours or raise max_size")))
    if a["capacity_type"] == "SPOT" and u["purchase_option"] != "on_demand":
        out.append(("usage.purchase_option", (f"{quoted(u['purchase_option'])} conflicts with "
                    "capacity_type SPOT; drop one")))
    out += _commitment_rules(a, u)
    given = [k for k in ("launch_template.name", "launch_template.id") if k in a]
    if len(given) == 2:
        out.append(("launch_template.id", "give the launch template's name or its id, not both"))
    elif not given and "launch_template.version" in a:
        out.append(("launch_template", "needs name or id: the aws_launch_template resource it "
                    "uses"))
    return out


def _commitment_rules(a: dict[str, Any], u: dict[str, Any]) -> list[tuple[str, str]]:
    """``committed_instances`` needs a commitment's rate and on-demand nodes; the node-hours
    above it lie within what the group runs and what the commitment cannot cover."""
    committed = u.get("committed_instances")
    if committed is None:
        if "monthly_overflow_node_hours" in u:
            return [("usage.monthly_overflow_node_hours", (
                "the node-hours above committed_instances: give committed_instances too, or "
                "remove it (without a commitment every node-hour is priced at purchase_option)"))]
        return []
    if a["capacity_type"] == "SPOT":
        return [("usage.committed_instances", (
            f"{committed} committed instances conflict with capacity_type SPOT: a reserved "
            "instance or Savings Plan covers on-demand instances, never spot ones; remove "
            "committed_instances or use capacity_type ON_DEMAND"))]
    if u["purchase_option"] == "on_demand":
        return [("usage.committed_instances", (
            f"{committed} committed instances need the commitment's rate: set "
            "usage.purchase_option to savings_plan or reserved (and its rate in an overrides "
            "file), or remove committed_instances"))]
    overflow = u.get("monthly_overflow_node_hours")
    if overflow is None:
        return []
    hours = u.get("monthly_node_hours")
    if hours is None:
        return [("usage.monthly_overflow_node_hours", (
            "give it with monthly_node_hours, the node-hours it is part of: with instances (or "
            "desired_size) all month the node-hours above the commitment are max(0, nodes - "
            "committed_instances) x 730, so remove it"))]
    covered = committed * 730  # what the commitment can cover in the 730-hour month priced
    if overflow > hours:
        return [("usage.monthly_overflow_node_hours", (
            f"{overflow:,} node-hours above the commitment is more than the group's "
            f"monthly_node_hours ({hours:,}); lower it or raise monthly_node_hours"))]
    if overflow < hours - covered:
        return [("usage.monthly_overflow_node_hours", (
            f"{overflow:,} node-hours above the commitment is less than monthly_node_hours "
            f"({hours:,}) minus the most {committed} committed instances cover ({committed} x "
            f"730 = {covered:,}); raise it to at least {hours - covered:,}"))]
    return []


def _launch_template_rules(a: dict[str, Any], u: dict[str, Any], region: str
                           ) -> list[tuple[str, str]]:
    out = []
    if "instance_type" in a:
        out.append(("instance_type", ("not supported: the instance type is priced from the "
                    "node group; remove it here and set the node group's instance_types")))
    if not any(k.startswith("block_device_mappings.") for k in a):
        return out  # the AMI's own volume; a node group using this template is refused
    for key, why in (("device_name", "the root device of the EKS AMIs is /dev/xvda"),
                     ("ebs.volume_size", "without it the AMI's size applies, which no table "
                      "holds"),
                     ("ebs.volume_type", "without it the AMI's type applies, which no table "
                      "holds; eksctl's default is gp3")):
        if f"block_device_mappings.{key}" not in a:
            out.append((f"block_device_mappings.{key}", f"required to price the volume ({why})"))
    if f"{LAUNCH_TEMPLATE_EBS}volume_type" in a:
        out += _volume_rules(a, *(f"{LAUNCH_TEMPLATE_EBS}{key}" for key in
                                  ("volume_type", "iops", "throughput", "volume_size")))
    return out


def _instance_rules(a: dict[str, Any], u: dict[str, Any], region: str
                    ) -> list[tuple[str, str]]:
    out = _volume_rules(a, "root_block_device.volume_type", "root_block_device.iops",
                        "root_block_device.throughput", "root_block_device.volume_size")
    if a.get("instance_market_options.market_type") == "spot" and \
            u["purchase_option"] != "on_demand":
        out.append(("usage.purchase_option", (f"{quoted(u['purchase_option'])} conflicts with "
                    "instance_market_options.market_type spot; drop one")))
    if u["monthly_hrs"] > 744:
        out.append(("usage.monthly_hrs", (f"{u['monthly_hrs']} exceeds the 744 hours of the "
                    "longest month")))
    if (a["tenancy"] == "host" and str(a["instance_type"]).startswith("t3.")
            and a.get("credit_specification.cpu_credits") == "unlimited"):
        # EC2 User Guide, burstable-credits-baseline-concepts: Unlimited mode is not supported
        # for T3 instances launched on a Dedicated Host (they launch as standard)
        out.append(("credit_specification.cpu_credits", (
            "'unlimited' is not supported for a T3 instance on a Dedicated Host (tenancy "
            "host), which runs in Standard mode; use cpu_credits standard or another tenancy")))
    return out


def _size_rule(size_key: str, size_gib: int, limit_gib: int, what: str,
               fix: str = "split the data over several volumes") -> list[tuple[str, str]]:
    if size_gib <= limit_gib:
        return []
    return [(size_key, f"{size_gib:,} GiB is more than AWS allows for {what} ({limit_gib:,} GiB "
                       f"= {limit_gib // 1024} TiB); check the unit (GiB) or {fix}")]


def _volume_rules(a: dict[str, Any], type_key: str, iops_key: str, throughput_key: str,
                  size_key: str) -> list[tuple[str, str]]:
    vtype = a[type_key]
    out = [] if size_key not in a else \
        _size_rule(size_key, a[size_key], EBS_MAX_SIZE_GIB[vtype], f"one {vtype} EBS volume")
    if iops_key in a and vtype not in ("io1", "io2", "gp3"):
        out.append((iops_key, f"only io1, io2 and gp3 volumes take iops, not {vtype}"))
    if iops_key not in a and vtype in ("io1", "io2"):
        out.append((iops_key, f"required for {vtype} volumes"))
    if throughput_key in a and vtype != "gp3":
        out.append((throughput_key, f"only gp3 volumes take throughput, not {vtype}"))
    ranges = [(iops_key, EBS_IOPS_RANGE[vtype], "IOPS")] if vtype in EBS_IOPS_RANGE else []
    if vtype == "gp3":
        ranges.append((throughput_key, EBS_GP3_THROUGHPUT_RANGE_MIBPS, "MiBps"))
    for key, (lo, hi), what in ranges:
        if key in a and not lo <= a[key] <= hi:
            out.append((key, f"{a[key]:,} {what} is outside the {lo:,} - {hi:,} that AWS "
                        f"provisions for {vtype} EBS volumes"))
    return out


def _ebs_rules(a: dict[str, Any], u: dict[str, Any], region: str) -> list[tuple[str, str]]:
    out = _volume_rules(a, "volume_type", "iops", "throughput", "size")
    if "monthly_standard_io_requests" in u and a["volume_type"] != "standard":
        out.append(("usage.monthly_standard_io_requests", ("applies to standard (magnetic) "
                    f"volumes only, not {a['volume_type']}")))
    return out


def _db_rules(a: dict[str, Any], u: dict[str, Any], region: str) -> list[tuple[str, str]]:
    out = []
    stype = a["storage_type"]
    if "iops" in a and stype not in ("io1", "io2", "gp3"):
        out.append(("iops", f"only io1, io2 and gp3 storage takes iops, not {stype}"))
    if stype in ("io1", "io2"):
        if a.get("iops", 0) < 1000:
            out.append(("iops", (f"{stype} storage needs iops >= 1000 (AWS minimum), got "
                        f"{a.get('iops')}")))
        if a["allocated_storage"] < 100:
            out.append(("allocated_storage", (f"{stype} storage needs >= 100 GB (AWS minimum), "
                        f"got {a['allocated_storage']}")))
    if stype == "io1" and a["engine"] in RDS_GP3_FIXED_BELOW_GIB and "iops" in a:
        # CreateDBInstance Iops: "For RDS for Db2, MariaDB, MySQL, Oracle, and PostgreSQL - Must
        # be a multiple between .5 and 50 of the storage amount" (AWS SDK for Kotlin reference,
        # .../rds/aws.sdk.kotlin.services.rds.model/-create-db-instance-request/iops.html)
        lo, hi = a["allocated_storage"] / 2, a["allocated_storage"] * 50
        if not lo <= a["iops"] <= hi:
            out.append(("iops", (f"{a['iops']:,} IOPS on {a['allocated_storage']:,} GB io1 is "
                        "outside the 0.5 - 50 IOPS per GB RDS accepts "
                        f"({lo:,g} - {hi:,g}); change iops or allocated_storage")))
    if "storage_throughput" in a and stype != "gp3":
        out.append(("storage_throughput", f"only gp3 storage takes it, not {stype}"))
    # an RDS instance has one storage volume: the data cannot be spread over several
    return out + _size_rule("allocated_storage", a["allocated_storage"],
                            RDS_MAX_STORAGE_GIB[stype], f"{stype} RDS storage",
                            "split the data over several DB instances")


# the most nodes (shards x (1 + replicas)) one replication group can have, after a quota
# increase (CreateReplicationGroup, AWS API reference)
CACHE_MAX_NODES = 500


def _cache_rules(a: dict[str, Any], u: dict[str, Any], region: str) -> list[tuple[str, str]]:
    out = []
    cluster_mode = "num_node_groups" in a or "replicas_per_node_group" in a
    if cluster_mode and "num_cache_clusters" in a:
        out.append(("num_cache_clusters", ("conflicts with num_node_groups / "
                    "replicas_per_node_group; use one or the other")))
    nodes = (a.get("num_node_groups", 1) * (1 + a.get("replicas_per_node_group", 0))
             if cluster_mode else a.get("num_cache_clusters", 1))
    if (a["automatic_failover_enabled"] or a["multi_az_enabled"]) and nodes < 2:
        # said at the field that sets the node count: in cluster mode it was said at
        # num_cache_clusters, a field the group does not have
        if cluster_mode:
            out.append(("replicas_per_node_group", (
                "automatic failover / Multi-AZ needs at least 2 nodes: 1 shard x (1 + 0 "
                "replicas) is 1; set replicas_per_node_group: 1, or num_node_groups: 2")))
        else:
            out.append(("num_cache_clusters", (
                f"automatic failover / Multi-AZ needs at least 2 nodes, not {nodes}; set "
                "num_cache_clusters: 2, or automatic_failover_enabled and multi_az_enabled "
                "false")))
    # terraform-provider-aws replication_group.go, replicationGroupValidateMultiAZAutomaticFailover:
    # "automatic_failover_enabled must be true if multi_az_enabled is true" (refused at plan)
    if a["multi_az_enabled"] and not a["automatic_failover_enabled"]:
        out.append(("automatic_failover_enabled", (
            "must be true when multi_az_enabled is true (Terraform refuses the group otherwise): "
            "set automatic_failover_enabled: true, or multi_az_enabled: false")))
    # CreateReplicationGroup AutomaticFailoverEnabled: "must be enabled for ... (cluster mode
    # enabled) replication groups"; more than one shard is cluster mode
    shards = a.get("num_node_groups", 1)
    if shards > 1 and not a["automatic_failover_enabled"]:
        out.append(("automatic_failover_enabled", (
            f"must be true with num_node_groups {shards} (cluster mode: AWS refuses a sharded "
            "group without automatic failover): set automatic_failover_enabled: true")))
    # CreateReplicationGroup: "the node or shard limit can be increased to a maximum of 500 per
    # cluster" (Redis 5.0.6 or later; 90 by default, 250 before 5.0.6)
    # more than 5 replicas a shard is said at replicas_per_node_group alone (below): the node
    # count it makes was said first, at num_node_groups, a field within its bounds
    if cluster_mode and nodes > CACHE_MAX_NODES and a.get("replicas_per_node_group", 0) <= 5:
        out.append(("num_node_groups", (
            f"{shards:,} shard(s) x (1 + {a.get('replicas_per_node_group', 0)} replica(s)) is "
            f"{nodes:,} nodes, more than the {CACHE_MAX_NODES} a replication group can have: "
            "lower num_node_groups or replicas_per_node_group, or split the data over groups")))
    # Terraform's own bounds (hashicorp/terraform-provider-aws, internal/service/elasticache/
    # replication_group.go: replicas_per_node_group IntBetween(0, 5), snapshot_retention_limit
    # IntAtMost(35)): past them `terraform plan` fails, so no price is given
    for key, most in (("replicas_per_node_group", 5), ("snapshot_retention_limit", 35)):
        if a.get(key, 0) > most:
            out.append((key, f"{a[key]} is more than the {most} Terraform accepts"))
    return out


def _lb_rules(a: dict[str, Any], u: dict[str, Any], region: str) -> list[tuple[str, str]]:
    out = []
    dims = [k for k in ("new_connections", "active_connections", "processed_bytes_gb",
                        "rule_evaluations") if k in u]
    if "monthly_lcu_hours" in u and dims:
        out.append(("usage.monthly_lcu_hours", (f"give either monthly_lcu_hours or the LCU "
                    f"dimensions ({', '.join(dims)}), not both")))
    if a["load_balancer_type"] == "network" and "rule_evaluations" in u:
        out.append(("usage.rule_evaluations", "network load balancers evaluate no rules"))
    if a["load_balancer_type"] == "application" and "protocol" in u:
        out.append(("usage.protocol", (f"{u['protocol']} selects a network load balancer's "
                    "NLCU sizes; an application load balancer's LCU is the same for HTTP and "
                    "HTTPS: remove usage.protocol or set load_balancer_type: network")))
    return out


def _transfer_rules(a: dict[str, Any], u: dict[str, Any], region: str
                    ) -> list[tuple[str, str]]:
    if "monthly_outbound_us_east_to_us_east_gb" in u and region not in ("us-east-1",
                                                                       "us-east-2"):
        return [("usage.monthly_outbound_us_east_to_us_east_gb", ("applies to us-east-1 and "
                 f"us-east-2 only, not {region}; use monthly_outbound_other_regions_gb"))]
    return []


def _cluster_rules(a: dict[str, Any], u: dict[str, Any], region: str
                   ) -> list[tuple[str, str]]:
    if u["in_extended_support"] and a["upgrade_policy.support_type"] == "STANDARD":
        return [("usage.in_extended_support", ("a STANDARD support_type cluster is upgraded at "
                 "the end of standard support and never billed extended support"))]
    return []


_RULES: dict[str, Rule] = {
    "aws_eks_cluster": _cluster_rules, "aws_eks_node_group": _node_group_rules,
    "aws_launch_template": _launch_template_rules, "aws_instance": _instance_rules,
    "aws_ebs_volume": _ebs_rules, "aws_db_instance": _db_rules,
    "aws_elasticache_replication_group": _cache_rules, "aws_lb": _lb_rules,
    "aws_data_transfer": _transfer_rules,
}


def check_rules(resource_type: str, attributes: dict[str, Any], usage: dict[str, Any],
                region: str) -> list[tuple[str, str]]:
    """(path within the resource, message) for every cross-field rule the values break."""
    return _RULES.get(resource_type, _no_rules)(attributes, usage, region)

