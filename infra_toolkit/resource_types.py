"""What each supported Terraform resource type accepts: its priced attributes (dotted names for
blocks), usage keys, Terraform arguments accepted but not priced, defaults and allowed values
(``RESOURCE_SCHEMAS``), the types that refuse Terraform's ``count`` and why (``COUNT_REFUSED``),
and the Terraform-to-Price-List engine names of RDS (``RDS_ENGINES``).

The rules between fields (``min_size <= desired_size <= max_size``, io1 minimums, ...) are in
:mod:`infra_toolkit.resource_rules`, AWS's limits on volumes and storage in
:mod:`infra_toolkit.storage_limits`, a node group's launch template in
:mod:`infra_toolkit.launch_template`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "COUNT_REFUSED",
    "EBS_VOLUME_TYPES",
    "IGNORED_EVERYWHERE",
    "LAUNCH_TEMPLATE_EBS",
    "RDS_ENGINES",
    "RESOURCE_SCHEMAS",
    "Field",
    "ResourceSchema",
]

@dataclass(frozen=True)
class Field:
    """One attribute or usage key: its kind (``str``, ``int``, ``number``, ``bool``,
    ``list[str]``), default (``None`` = absent unless given), allowed values, lower bound,
    whether it must be given, and what it conflicts with."""

    kind: str
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = 0
    required: bool = False
    # Terraform's ConflictsWith: attributes or blocks that may not be given with this one (its
    # default then does not apply either), and how to fix a file that gives both.
    conflicts_with: tuple[str, ...] = ()
    conflict_fix: str = ""


@dataclass(frozen=True)
class ResourceSchema:
    """What a resource type accepts: priced ``attributes`` (dotted names for blocks), ``usage``
    keys, and Terraform arguments accepted but not priced (``ignored``)."""

    attributes: Mapping[str, Field]
    usage: Mapping[str, Field] = field(default_factory=dict)
    ignored: frozenset[str] = frozenset()


IGNORED_EVERYWHERE = frozenset({"tags", "tags_all", "depends_on", "lifecycle", "provider"})
EBS_VOLUME_TYPES = ("gp2", "gp3", "io1", "io2", "st1", "sc1", "standard")
_PURCHASE = Field("str", "on_demand", ("on_demand", "savings_plan", "reserved"))
# The one EBS volume of a launch template's block_device_mappings (the nodes' root volume).
LAUNCH_TEMPLATE_EBS = "block_device_mappings.ebs."

# A burstable instance's credit mode (Terraform ``credit_specification { cpu_credits }``; absent:
# the type's default, ``ec2_burstable_credits`` tables) and, in Unlimited mode, Infracost's usage
# keys for its surplus credits: hours at 100 % of ``vcpu_count`` vCPUs (default: the type's).
_CREDIT_SPECIFICATION = {
    "credit_specification.cpu_credits": Field("str", choices=("standard", "unlimited"))}
_CPU_CREDIT_USAGE = {"monthly_cpu_credit_hrs": Field("number"), "vcpu_count": Field("int",
                                                                                    minimum=1)}

# Terraform ``engine`` of aws_db_instance -> Price List ``databaseEngine``.
RDS_ENGINES = {
    "postgres": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB",
    "oracle-ee": "Oracle", "oracle-ee-cdb": "Oracle", "oracle-se2": "Oracle",
    "oracle-se2-cdb": "Oracle", "sqlserver-ee": "SQL Server", "sqlserver-se": "SQL Server",
    "sqlserver-ex": "SQL Server", "sqlserver-web": "SQL Server",
}

RESOURCE_SCHEMAS: dict[str, ResourceSchema] = {
    "aws_eks_cluster": ResourceSchema(
        {"version": Field("str"),
         "upgrade_policy.support_type": Field("str", "EXTENDED", ("STANDARD", "EXTENDED"))},
        {"in_extended_support": Field("bool", False)},
        frozenset({"role_arn", "vpc_config", "enabled_cluster_log_types", "access_config",
                   "kubernetes_network_config", "encryption_config",
                   "bootstrap_self_managed_addons"})),
    "aws_eks_node_group": ResourceSchema(
        {"instance_types": Field("list[str]", ("t3.medium",)),
         "capacity_type": Field("str", "ON_DEMAND", ("ON_DEMAND", "SPOT")),
         "ami_type": Field("str", "AL2023_x86_64_STANDARD"),
         "scaling_config.desired_size": Field("int", required=True),
         "scaling_config.min_size": Field("int", required=True),
         "scaling_config.max_size": Field("int", minimum=1, required=True),
         "disk_size": Field("int", 20, minimum=1, conflicts_with=("launch_template",),
                            conflict_fix="Terraform and EKS refuse disk_size on a node group "
                            "with a launch template; set the size as block_device_mappings "
                            "ebs.volume_size in the aws_launch_template and remove disk_size"),
         "launch_template.name": Field("str"), "launch_template.id": Field("str"),
         # the file holds one version of the template: that one is priced
         "launch_template.version": Field("str")},
        {"instances": Field("int"), "monthly_node_hours": Field("number"),
         "purchase_option": _PURCHASE,
         # instances of the first type a reserved instance or Savings Plan covers (billed every
         # hour at its rate), and the node-hours a month above them (billed on-demand; default:
         # from a simulation, else as if monthly_node_hours ran evenly)
         "committed_instances": Field("int"), "monthly_overflow_node_hours": Field("number"),
         **_CPU_CREDIT_USAGE},
        frozenset({"cluster_name", "node_group_name", "node_group_name_prefix", "node_role_arn",
                   "subnet_ids", "labels", "taint", "update_config", "release_version",
                   "version", "remote_access", "force_update_version"})),
    "aws_launch_template": ResourceSchema(  # costs nothing itself; its node groups' disks do
        {"block_device_mappings.device_name": Field("str"),
         "block_device_mappings.ebs.volume_size": Field("int", minimum=1),
         "block_device_mappings.ebs.volume_type": Field("str", choices=EBS_VOLUME_TYPES),
         "block_device_mappings.ebs.iops": Field("int"),
         "block_device_mappings.ebs.throughput": Field("int"),
         "instance_type": Field("str"), **_CREDIT_SPECIFICATION},
        {},
        frozenset({"name", "name_prefix", "description", "image_id", "key_name", "user_data",
                   "vpc_security_group_ids", "update_default_version", "default_version",
                   "metadata_options", "network_interfaces", "tag_specifications",
                   "iam_instance_profile", "monitoring", "ebs_optimized",
                   "block_device_mappings.ebs.encrypted", "block_device_mappings.ebs.kms_key_id",
                   "block_device_mappings.ebs.delete_on_termination",
                   "block_device_mappings.ebs.snapshot_id"})),
    "aws_instance": ResourceSchema(
        {"instance_type": Field("str", required=True),
         "tenancy": Field("str", "default", ("default", "dedicated", "host")),
         "instance_market_options.market_type": Field("str", choices=("spot",)),
         "monitoring": Field("bool", False),
         "root_block_device.volume_size": Field("int", 8, minimum=1),
         "root_block_device.volume_type": Field("str", "gp2", EBS_VOLUME_TYPES),
         "root_block_device.iops": Field("int"),
         "root_block_device.throughput": Field("int"), **_CREDIT_SPECIFICATION},
        {"monthly_hrs": Field("number", 730), "purchase_option": _PURCHASE,
         "operating_system": Field("str", "linux", ("linux", "windows", "rhel", "suse")),
         **_CPU_CREDIT_USAGE},
        frozenset({"ami", "subnet_id", "vpc_security_group_ids", "key_name", "user_data",
                   "iam_instance_profile", "associate_public_ip_address", "availability_zone",
                   "ebs_optimized"})),
    "aws_ebs_volume": ResourceSchema(
        {"volume_type": Field("str", "gp2", EBS_VOLUME_TYPES),
         "size": Field("int", minimum=1, required=True),
         "iops": Field("int"), "throughput": Field("int")},
        # monthly_volume_hours: volumes x hours in a month (730 a volume kept all month);
        # claimed_by_statefulset: the proposed StatefulSet whose claimed volumes this stands
        # for, which a simulated scenario prices instead (claimed_volumes)
        {"monthly_standard_io_requests": Field("number"), "monthly_volume_hours": Field("number"),
         "claimed_by_statefulset": Field("str")},
        frozenset({"availability_zone", "encrypted", "kms_key_id", "snapshot_id",
                   "final_snapshot", "multi_attach_enabled"})),
    "aws_db_instance": ResourceSchema(
        {"engine": Field("str", choices=tuple(RDS_ENGINES), required=True),
         "instance_class": Field("str", required=True),
         "multi_az": Field("bool", False),
         "allocated_storage": Field("int", minimum=1, required=True),
         "storage_type": Field("str", choices=("gp2", "gp3", "io1", "io2", "standard")),
         "iops": Field("int"), "storage_throughput": Field("int"),
         "backup_retention_period": Field("int", 0),
         "replicate_source_db": Field("str")},
        {"additional_backup_storage_gb": Field("number"), "purchase_option": _PURCHASE,
         **_CPU_CREDIT_USAGE},
        frozenset({"identifier", "identifier_prefix", "engine_version", "username", "password",
                   "db_name", "parameter_group_name", "db_subnet_group_name", "port",
                   "vpc_security_group_ids", "publicly_accessible", "skip_final_snapshot",
                   "storage_encrypted", "kms_key_id", "deletion_protection",
                   "max_allocated_storage", "apply_immediately", "auto_minor_version_upgrade",
                   "availability_zone", "backup_window", "maintenance_window",
                   "manage_master_user_password", "final_snapshot_identifier"})),
    "aws_elasticache_replication_group": ResourceSchema(
        {"node_type": Field("str", required=True),
         "engine": Field("str", "redis", ("redis", "valkey")),
         "num_cache_clusters": Field("int", minimum=1),
         "num_node_groups": Field("int", minimum=1),
         "replicas_per_node_group": Field("int"),
         "automatic_failover_enabled": Field("bool", False),
         "multi_az_enabled": Field("bool", False),
         "snapshot_retention_limit": Field("int", 0)},
        {"snapshot_storage_size_gb": Field("number"), "purchase_option": _PURCHASE},
        frozenset({"replication_group_id", "description", "engine_version", "port",
                   "parameter_group_name", "subnet_group_name", "security_group_ids",
                   "at_rest_encryption_enabled", "transit_encryption_enabled",
                   "preferred_cache_cluster_azs", "maintenance_window", "snapshot_window",
                   "apply_immediately", "auto_minor_version_upgrade"})),
    "aws_lb": ResourceSchema(
        {"load_balancer_type": Field("str", "application", ("application", "network"))},
        {"new_connections": Field("number"), "active_connections": Field("number"),
         "processed_bytes_gb": Field("number"), "rule_evaluations": Field("number"),
         # a network load balancer's listener protocol (TCP when absent): NLCU sizes differ
         "protocol": Field("str", choices=("TCP", "UDP", "TLS")),
         "monthly_lcu_hours": Field("number")},
        frozenset({"name", "name_prefix", "internal", "subnets", "security_groups",
                   "enable_deletion_protection", "idle_timeout", "ip_address_type",
                   "access_logs", "enable_http2", "subnet_mapping"})),
    "aws_nat_gateway": ResourceSchema(
        {"connectivity_type": Field("str", "public", ("public", "private"))},
        {"monthly_data_processed_gb": Field("number")},
        frozenset({"allocation_id", "subnet_id", "secondary_allocation_ids", "private_ip"})),
    "aws_data_transfer": ResourceSchema(
        {},
        {"monthly_intra_region_gb": Field("number"),
         "monthly_outbound_internet_gb": Field("number"),
         "monthly_outbound_us_east_to_us_east_gb": Field("number"),
         "monthly_outbound_other_regions_gb": Field("number"),
         # false: the Internet egress leaves another way than the plan's load balancer (a NAT
         # gateway), so it follows the served requests without adding to the bytes processed
         "egress_through_load_balancer": Field("bool", True)}),
}

# Terraform's count makes N resources addressed NAME[0] .. NAME[N-1]; these types refuse it
# because the plan refers to one of them by its name (or as the one), which N copies would break.
COUNT_REFUSED: dict[str, str] = {
    "aws_eks_cluster": "node groups and the plan's cluster name their EKS cluster",
    "aws_eks_node_group": "the plan simulates, places and prices node groups by name (its "
                          "cluster's node_groups); write one entry per node group",
    "aws_launch_template": "node groups name their launch template",
    "aws_lb": "the plan's simulated traffic is carried by exactly one aws_lb (its LCUs come "
              "from that traffic); write one entry per load balancer",
    "aws_data_transfer": "it is not a Terraform resource but a month of traffic: put the "
                         "whole month's GB in its usage",
}
