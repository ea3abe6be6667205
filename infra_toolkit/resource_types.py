"""What each supported Terraform resource type accepts: its priced attributes (dotted names for
blocks), usage keys, Terraform arguments accepted but not priced, defaults, allowed values, and
the rules between fields (``min_size <= desired_size <= max_size``, io1 minimums, ...).

A node group's ``launch_template`` block names an ``aws_launch_template`` of the same list; the
reference itself is resolved by :func:`infra_toolkit.resources.parse_resources`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EBS_MAX_SIZE_GIB",
    "EBS_VOLUME_TYPES",
    "IGNORED_EVERYWHERE",
    "LAUNCH_TEMPLATE_EBS",
    "RDS_ENGINES",
    "RDS_MAX_STORAGE_GIB",
    "RESOURCE_SCHEMAS",
    "Field",
    "ResourceSchema",
    "check_rules",
    "launch_template_problem",
    "launch_template_ref",
    "rds_gp3_refusal",
    "root_device_problem",
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

# The largest EBS volume AWS creates, GiB, per volume type, from the EC2 API's
# LaunchTemplateEbsBlockDeviceRequest ``VolumeSize`` (gp2, gp3 up to 16,384; io1 16,384; io2
# 65,536, i.e. io2 Block Express's 64 TiB; st1, sc1 16,384; standard 1,024), read in the AWS SDK
# for Kotlin reference, https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ec2/
# aws.sdk.kotlin.services.ec2.model/-launch-template-ebs-block-device-request/volume-size.html
# (CreateVolume's ``Size`` gives the same). Above it a plan would price a disk AWS refuses to
# create. (The lower bounds, io1/io2 4 GiB and st1/sc1 125 GiB, are not checked here.)
EBS_MAX_SIZE_GIB = {"gp2": 16_384, "gp3": 16_384, "io1": 16_384, "io2": 65_536, "st1": 16_384,
                    "sc1": 16_384, "standard": 1_024}
# Provisioned IOPS and gp3 throughput EBS accepts per volume type, from the same EC2 API
# reference (EbsBlockDevice ``Iops``: "gp3: 3,000 - 16,000 IOPS, io1: 100 - 64,000 IOPS, io2:
# 100 - 256,000 IOPS"; ``Throughput``: "Minimum value of 125. Maximum value of 1000",
# https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ec2/aws.sdk.kotlin.services.ec2.model/
# -ebs-block-device/iops.html and throughput.html). Outside them AWS creates no volume, so a price
# would be for a disk that cannot exist.
EBS_IOPS_RANGE = {"gp3": (3_000, 16_000), "io1": (100, 64_000), "io2": (100, 256_000)}
EBS_GP3_THROUGHPUT_RANGE_MIBPS = (125, 1_000)
# The largest RDS allocated_storage, GiB: the RDS API's CreateDBInstance ``AllocatedStorage``
# allows up to 65,536 for gp2 / gp3 / io1 / io2 and 3,072 for magnetic (standard) storage on
# MySQL, MariaDB and PostgreSQL (AWS SDK for Kotlin reference, https://docs.aws.amazon.com/
# sdk-for-kotlin/api/latest/rds/aws.sdk.kotlin.services.rds.model/-create-db-instance-request/
# allocated-storage.html), and "every DB instance has a primary storage volume with a maximum
# capacity of 64 TiB" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/
# USER_PIOPS.ModifyingExisting.html). SQL Server's own limits are lower; these are the loosest
# published bounds, enough to catch a size no RDS instance can have.
RDS_MAX_STORAGE_GIB = {"gp2": 65_536, "gp3": 65_536, "io1": 65_536, "io2": 65_536,
                       "standard": 3_072}

# Terraform ``engine`` of aws_db_instance -> Price List ``databaseEngine``.
RDS_ENGINES = {
    "postgres": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB",
    "oracle-ee": "Oracle", "oracle-ee-cdb": "Oracle", "oracle-se2": "Oracle",
    "oracle-se2-cdb": "Oracle", "sqlserver-ee": "SQL Server", "sqlserver-se": "SQL Server",
    "sqlserver-ex": "SQL Server", "sqlserver-web": "SQL Server",
}

# gp3 RDS storage below this size (GiB) has fixed performance: RDS answers
# InvalidParameterCombination "You can't specify IOPS or storage throughput for engine postgres
# and a storage size less than 400" (quoted in github.com/cloudtools/troposphere/pull/2153 and
# issues/2141; AWS RDS User Guide, CHAP_Storage "gp3 storage"), and from it the IOPS baseline is
# 12,000 (hashicorp/terraform-provider-aws#28382). Oracle's threshold is 200 GiB and SQL Server
# has none; neither is priced by the shipped tables, so only the priced engines are checked.
RDS_GP3_FIXED_BELOW_GIB = {"postgres": 400, "mysql": 400, "mariadb": 400}

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
         "purchase_option": _PURCHASE},
        frozenset({"cluster_name", "node_group_name", "node_group_name_prefix", "node_role_arn",
                   "subnet_ids", "labels", "taint", "update_config", "release_version",
                   "version", "remote_access", "force_update_version"})),
    "aws_launch_template": ResourceSchema(  # costs nothing itself; its node groups' disks do
        {"block_device_mappings.device_name": Field("str"),
         "block_device_mappings.ebs.volume_size": Field("int", minimum=1),
         "block_device_mappings.ebs.volume_type": Field("str", choices=EBS_VOLUME_TYPES),
         "block_device_mappings.ebs.iops": Field("int"),
         "block_device_mappings.ebs.throughput": Field("int"),
         "instance_type": Field("str")},
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
         "root_block_device.throughput": Field("int")},
        {"monthly_hrs": Field("number", 730), "purchase_option": _PURCHASE,
         "operating_system": Field("str", "linux", ("linux", "windows", "rhel", "suse"))},
        frozenset({"ami", "subnet_id", "vpc_security_group_ids", "key_name", "user_data",
                   "iam_instance_profile", "associate_public_ip_address", "availability_zone",
                   "ebs_optimized", "credit_specification"})),
    "aws_ebs_volume": ResourceSchema(
        {"volume_type": Field("str", "gp2", EBS_VOLUME_TYPES),
         "size": Field("int", minimum=1, required=True),
         "iops": Field("int"), "throughput": Field("int")},
        {"monthly_standard_io_requests": Field("number")},
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
        {"additional_backup_storage_gb": Field("number"), "purchase_option": _PURCHASE},
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
         "monthly_outbound_other_regions_gb": Field("number")}),
}


Rule = Callable[[dict[str, Any], dict[str, Any], str], list[tuple[str, str]]]


def _no_rules(attrs: dict[str, Any], usage: dict[str, Any], region: str
              ) -> list[tuple[str, str]]:
    return []


def _node_group_rules(a: dict[str, Any], u: dict[str, Any], region: str
                      ) -> list[tuple[str, str]]:
    out = []
    lo, want, hi = (a["scaling_config.min_size"], a["scaling_config.desired_size"],
                    a["scaling_config.max_size"])
    if not lo <= want <= hi:
        out.append(("scaling_config.desired_size", (f"{want} must lie within min_size ({lo}) and "
                    f"max_size ({hi})")))
    if "disk_size" in a:  # EKS's own root volumes are gp2
        out += _size_rule("disk_size", a["disk_size"], EBS_MAX_SIZE_GIB["gp2"],
                          "one gp2 EBS volume (EKS's root volume without a launch template)")
    if "instances" in u and "monthly_node_hours" in u:
        out.append(("usage.instances", ("give either instances (nodes all month, Infracost's "
                    "key) or monthly_node_hours, not both")))
    if a["capacity_type"] == "SPOT" and u["purchase_option"] != "on_demand":
        out.append(("usage.purchase_option", (f"{u['purchase_option']!r} conflicts with "
                    "capacity_type SPOT; drop one")))
    given = [k for k in ("launch_template.name", "launch_template.id") if k in a]
    if len(given) == 2:
        out.append(("launch_template.id", "give the launch template's name or its id, not both"))
    elif not given and "launch_template.version" in a:
        out.append(("launch_template", "needs name or id: the aws_launch_template resource it "
                    "uses"))
    return out


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


def launch_template_ref(attributes: Mapping[str, Any]) -> str | None:
    """The resource name of the ``aws_launch_template`` a node group's ``launch_template`` block
    names (``NAME``, ``aws_launch_template.NAME`` or ``aws_launch_template.NAME.id`` / ``.name``),
    or ``None`` without one."""
    raw = attributes.get("launch_template.name", attributes.get("launch_template.id"))
    if raw is None:
        return None
    name = str(raw).removeprefix("aws_launch_template.")
    return name.removesuffix(".id").removesuffix(".name") if name != raw else name


def launch_template_problem(address: str, attributes: Mapping[str, Any]) -> str | None:
    """Why a node group cannot be priced with the root volume of the launch template at
    ``address`` with these attributes (``None``: it can)."""
    vtype = attributes.get(f"{LAUNCH_TEMPLATE_EBS}volume_type")
    if vtype is None:
        return (f"{address} has no block_device_mappings, so the nodes' root volume "
                "would be the AMI's, which no pricing table describes; give it one "
                "block_device_mappings block with device_name /dev/xvda and ebs.volume_size and "
                "ebs.volume_type")
    if vtype == "standard":
        return (f"{address}: a magnetic (standard) root volume is billed per I/O "
                "request, for which a node group has no usage key; use gp3 or gp2")
    return None


# The device a node group's AMI boots from, so the one device a launch template may give (the
# priced root volume): /dev/xvda for the EKS-optimized Amazon Linux 2 and 2023 AMIs (ami_type
# AL2_* and AL2023_*). A Bottlerocket node has two volumes, the OS one on /dev/xvda and the data
# one on /dev/xvdb (github.com/bottlerocket-os/bottlerocket, "Default volumes"), which one block
# cannot price; other AMI types (Windows, CUSTOM) have root devices no source here names.
_ROOT_DEVICE_AMI_PREFIXES = {"/dev/xvda": ("AL2_", "AL2023_")}


def root_device_problem(template_address: str, device_name: str, ami_type: str,
                        node_group_address: str) -> str | None:
    """Why the launch template's one block, on ``device_name``, is not the root volume of the
    nodes of ``ami_type`` (``None``: it is)."""
    roots = [dev for dev, prefixes in _ROOT_DEVICE_AMI_PREFIXES.items()
             if ami_type.startswith(prefixes)]
    if ami_type.startswith("BOTTLEROCKET"):
        return (f"{node_group_address} has ami_type {ami_type}, whose nodes have two volumes "
                f"(the OS on /dev/xvda, the data on /dev/xvdb), but {template_address} gives "
                "one block, so the other would go unpriced; use an AL2023 ami_type")
    if not roots:
        return (f"{node_group_address} has ami_type {ami_type}, whose root device this toolkit "
                "does not know (it knows /dev/xvda of the AL2_* and AL2023_* AMIs), so "
                f"{template_address}'s block cannot be priced as its root volume; use an "
                "AL2023 ami_type")
    if device_name not in roots:
        return (f"{template_address}'s block is on {device_name}, not the root device "
                f"{roots[0]} of ami_type {ami_type}: a block on another device adds a data "
                "volume and leaves the root volume the AMI's, which no table prices; give the "
                f"block device_name {roots[0]}")
    return None


def _instance_rules(a: dict[str, Any], u: dict[str, Any], region: str
                    ) -> list[tuple[str, str]]:
    out = _volume_rules(a, "root_block_device.volume_type", "root_block_device.iops",
                        "root_block_device.throughput", "root_block_device.volume_size")
    if a.get("instance_market_options.market_type") == "spot" and \
            u["purchase_option"] != "on_demand":
        out.append(("usage.purchase_option", (f"{u['purchase_option']!r} conflicts with "
                    "instance_market_options.market_type spot; drop one")))
    if u["monthly_hrs"] > 744:
        out.append(("usage.monthly_hrs", (f"{u['monthly_hrs']} exceeds the 744 hours of the "
                    "longest month")))
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


def rds_gp3_refusal(attributes: Mapping[str, Any]) -> str | None:
    """Why RDS would refuse this gp3 storage's ``iops`` / ``storage_throughput`` (below the
    engine's striping threshold the volume is fixed at 3,000 IOPS / 125 MiBps; from it, fewer
    than the 12,000 IOPS baseline), or None. Not an error: Infracost prices such a resource
    (its golden db_instance_test does), and so do we, with this as the line's note."""
    a = attributes
    threshold_gib = RDS_GP3_FIXED_BELOW_GIB.get(a["engine"])
    if a["storage_type"] != "gp3" or threshold_gib is None:
        return None
    size = a["allocated_storage"]
    given = [k for k in ("iops", "storage_throughput") if k in a]
    if given and size < threshold_gib:
        keys = " and ".join(given)
        return (f"RDS would refuse {keys} on {a['engine']} gp3 storage below {threshold_gib} "
                f"GiB (allocated_storage {size}: fixed at 3,000 IOPS / 125 MiBps); priced as "
                f"written, as Infracost does; remove {keys} or allocate >= {threshold_gib} GiB")
    if "iops" in a and size >= threshold_gib and a["iops"] < 12000:
        return (f"RDS would refuse iops {a['iops']}: {a['engine']} gp3 storage of "
                f"{threshold_gib} GiB or more includes 12,000 IOPS; give at least 12,000 or "
                "remove iops")
    return None


def _cache_rules(a: dict[str, Any], u: dict[str, Any], region: str) -> list[tuple[str, str]]:
    out = []
    cluster_mode = "num_node_groups" in a or "replicas_per_node_group" in a
    if cluster_mode and "num_cache_clusters" in a:
        out.append(("num_cache_clusters", ("conflicts with num_node_groups / "
                    "replicas_per_node_group; use one or the other")))
    nodes = (a.get("num_node_groups", 1) * (1 + a.get("replicas_per_node_group", 0))
             if cluster_mode else a.get("num_cache_clusters", 1))
    if (a["automatic_failover_enabled"] or a["multi_az_enabled"]) and nodes < 2:
        out.append(("num_cache_clusters", "automatic failover / Multi-AZ needs at least 2 nodes"))
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

