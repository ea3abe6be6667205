"""Resources to price, named as in Terraform's AWS provider, and their validation.

A resources file (and each of a plan's ``current`` / ``proposed`` sections) is a list of
mappings: ``type`` (a Terraform resource type), ``name``, optional ``region``, the Terraform
attributes (blocks as nested mappings, e.g. ``scaling_config: {desired_size: 3}``) and an
optional ``usage`` mapping with usage estimates (Infracost's usage-key names where Infracost has
one, unit last otherwise). ``type`` names the resource type, so aws_ebs_volume's own ``type``
argument is written ``volume_type`` (its name in aws_instance's block devices)::

    region: us-east-1
    resources:
      - type: aws_eks_node_group
        name: general
        instance_types: [t3.medium]
        scaling_config: {desired_size: 3, min_size: 3, max_size: 10}
      - type: aws_nat_gateway
        name: egress
        usage: {monthly_data_processed_gb: 100}

:func:`validate_resources` returns every problem with its path (``resources[2].instance_class:
'db.t3.medum' is not a known RDS class; did you mean 'db.t3.medium'?``); :func:`parse_resources`
raises :class:`~infra_toolkit.errors.PlanError` carrying them all. The attributes each type
accepts, their defaults and allowed values are in :data:`RESOURCE_SCHEMAS`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra_toolkit.errors import PlanError
from infra_toolkit.pricing import PriceBook, read_yaml

__all__ = [
    "RDS_ENGINES",
    "RESOURCE_SCHEMAS",
    "Field",
    "Resource",
    "ResourceProblem",
    "ResourceSchema",
    "parse_resources",
    "read_resources_yaml",
    "validate_resources",
]


@dataclass(frozen=True)
class Field:
    """One attribute or usage key: its kind (``str``, ``int``, ``number``, ``bool``,
    ``list[str]``), default (``None`` = absent unless given), allowed values, lower bound and
    whether it must be given."""

    kind: str
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = 0
    required: bool = False


@dataclass(frozen=True)
class ResourceSchema:
    """What a resource type accepts: priced ``attributes`` (dotted names for blocks), ``usage``
    keys, and Terraform arguments accepted but not priced (``ignored``)."""

    attributes: Mapping[str, Field]
    usage: Mapping[str, Field] = field(default_factory=dict)
    ignored: frozenset[str] = frozenset()


_COMMON_IGNORED = frozenset({"tags", "tags_all", "depends_on", "lifecycle", "provider"})
_EBS_TYPES = ("gp2", "gp3", "io1", "io2", "st1", "sc1", "standard")
_PURCHASE = Field("str", "on_demand", ("on_demand", "savings_plan", "reserved"))

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
                   "kubernetes_network_config", "encryption_config", "bootstrap_self_managed_addons"})),
    "aws_eks_node_group": ResourceSchema(
        {"instance_types": Field("list[str]", ("t3.medium",)),
         "capacity_type": Field("str", "ON_DEMAND", ("ON_DEMAND", "SPOT")),
         "ami_type": Field("str", "AL2023_x86_64_STANDARD"),
         "scaling_config.desired_size": Field("int", required=True),
         "scaling_config.min_size": Field("int", required=True),
         "scaling_config.max_size": Field("int", minimum=1, required=True),
         "disk_size": Field("int", 20, minimum=1)},
        {"monthly_node_hours": Field("number"), "purchase_option": _PURCHASE},
        frozenset({"cluster_name", "node_group_name", "node_group_name_prefix", "node_role_arn",
                   "subnet_ids", "labels", "taints", "update_config", "release_version",
                   "version", "remote_access", "force_update_version"})),
    "aws_instance": ResourceSchema(
        {"instance_type": Field("str", required=True),
         "tenancy": Field("str", "default", ("default", "dedicated", "host")),
         "instance_market_options.market_type": Field("str", choices=("spot",)),
         "monitoring": Field("bool", False),
         "root_block_device.volume_size": Field("int", 8, minimum=1),
         "root_block_device.volume_type": Field("str", "gp2", _EBS_TYPES),
         "root_block_device.iops": Field("int"),
         "root_block_device.throughput": Field("int")},
        {"monthly_hrs": Field("number", 730), "purchase_option": _PURCHASE,
         "operating_system": Field("str", "linux", ("linux", "windows", "rhel", "suse"))},
        frozenset({"ami", "subnet_id", "vpc_security_group_ids", "key_name", "user_data",
                   "iam_instance_profile", "associate_public_ip_address", "availability_zone",
                   "ebs_optimized", "credit_specification"})),
    "aws_ebs_volume": ResourceSchema(
        {"volume_type": Field("str", "gp2", _EBS_TYPES),
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
        {"backup_storage_gb": Field("number")},
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
        {"snapshot_storage_size_gb": Field("number")},
        frozenset({"replication_group_id", "description", "engine_version", "port",
                   "parameter_group_name", "subnet_group_name", "security_group_ids",
                   "at_rest_encryption_enabled", "transit_encryption_enabled",
                   "preferred_cache_cluster_azs", "maintenance_window", "snapshot_window",
                   "apply_immediately", "auto_minor_version_upgrade"})),
    "aws_lb": ResourceSchema(
        {"load_balancer_type": Field("str", "application", ("application", "network"))},
        {"new_connections": Field("number"), "active_connections": Field("number"),
         "processed_bytes_gb": Field("number"), "rule_evaluations": Field("number"),
         "protocol": Field("str", "TCP", ("TCP", "UDP", "TLS")),
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


@dataclass(frozen=True)
class Resource:
    """A validated resource: Terraform ``type`` and ``name``, its region, its attributes (dotted
    names, defaults filled in) and usage estimates. Build it with :func:`parse_resources`."""

    type: str
    name: str
    region: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    usage: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in RESOURCE_SCHEMAS:
            raise ValueError(f"unknown resource type {self.type!r}")
        if not self.name or not self.region:
            raise ValueError("a resource needs a name and a region")

    @property
    def address(self) -> str:
        """``type.name``, as Terraform and Infracost show it."""
        return f"{self.type}.{self.name}"


@dataclass(frozen=True)
class ResourceProblem:
    """One problem in a resources list: where (``resources[2].instance_class``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _did_you_mean(value: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(value, list(options), n=3, cutoff=0.6)
    if not close:
        return ""
    quoted = [repr(c) for c in close]
    joined = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"; did you mean {joined}?"


def _flatten(value: Mapping[str, Any], schema_keys: set[str], prefix: str = ""
             ) -> dict[str, Any]:
    """Nested blocks -> dotted names; a block written as a one-element list (Terraform JSON)
    is taken as its element."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        is_block = any(k.startswith(name + ".") for k in schema_keys)
        if is_block and isinstance(item, list) and len(item) == 1 and isinstance(item[0], dict):
            item = item[0]
        if is_block and isinstance(item, dict):
            out.update(_flatten(item, schema_keys, name + "."))
        else:
            out[name] = item
    return out


def _check_value(spec: Field, value: Any) -> str | None:
    """Why ``value`` does not fit ``spec`` (None when it fits)."""
    if spec.kind == "bool":
        return None if isinstance(value, bool) else f"{value!r} must be true or false"
    if spec.kind == "str":
        if not isinstance(value, str) or not value:
            return f"{value!r} must be a non-empty string"
        if spec.choices and value not in spec.choices:
            return (f"{value!r} is not one of {', '.join(spec.choices)}"
                    + _did_you_mean(value, spec.choices))
        return None
    if spec.kind == "list[str]":
        if (not isinstance(value, list) or not value
                or not all(isinstance(v, str) and v for v in value)):
            return f"{value!r} must be a non-empty list of strings"
        return None
    ok = isinstance(value, int) if spec.kind == "int" else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok:
        noun = "a whole number" if spec.kind == "int" else "a number"
        return f"{value!r} must be {noun}"
    if not math.isfinite(value):
        return f"{value!r} must be a finite number"
    if spec.minimum is not None and value < spec.minimum:
        return f"{value!r} must be >= {spec.minimum:g}"
    return None


_KNOWN = {  # attribute -> (table, column, what) checked against the price book
    ("aws_instance", "instance_type"): ("ec2_on_demand", "instance_type", "EC2 instance type"),
    ("aws_db_instance", "instance_class"): ("rds_on_demand", "instance_class", "RDS class"),
    ("aws_elasticache_replication_group", "node_type"): (
        "elasticache_on_demand", "node_type", "ElastiCache node type"),
}


def _known_value_problem(book: PriceBook, table: str, column: str, what: str, value: str
                         ) -> str | None:
    known = book.values(table, column)
    if value in known:
        return None
    return f"{value!r} is not a known {what}" + _did_you_mean(value, known)


def _check_item(item: Any, where: str, default_region: str | None, book: PriceBook | None,
                regions: list[str], problems: list[ResourceProblem]) -> Resource | None:
    def bad(path: str, message: str) -> None:
        problems.append(ResourceProblem(path, message))

    if not isinstance(item, dict):
        bad(where, f"expected a mapping with type, name and attributes, got {item!r}")
        return None
    rtype = item.get("type")
    if rtype not in RESOURCE_SCHEMAS:
        hint = (f"; for an aws_ebs_volume write its volume type as volume_type: {rtype}"
                if rtype in _EBS_TYPES else _did_you_mean(str(rtype), list(RESOURCE_SCHEMAS)))
        bad(f"{where}.type", f"{rtype!r} is not a supported resource type (supported: "
            f"{', '.join(RESOURCE_SCHEMAS)}){hint}")
        return None
    schema = RESOURCE_SCHEMAS[rtype]
    count = len(problems)
    name = item.get("name")
    if not isinstance(name, str) or not name:
        bad(f"{where}.name", f"{name!r}: every resource needs a non-empty string name")
    region = item.get("region", default_region)
    if not isinstance(region, str) or not region:
        bad(f"{where}.region", "no region: set region on the resource or at the top of the "
            "file, or pass --region")
    elif book is not None and region not in regions:
        bad(f"{where}.region", f"{region!r} is not a region in any pricing table"
            + _did_you_mean(region, regions))
    usage_raw = item.get("usage", {})
    if not isinstance(usage_raw, dict):
        bad(f"{where}.usage", f"{usage_raw!r} must be a mapping of usage keys")
        usage_raw = {}
    attrs_raw = {k: v for k, v in item.items() if k not in ("type", "name", "region", "usage")}
    values: dict[str, dict[str, Any]] = {}
    for section, raw, specs, ignored in (
            ("", attrs_raw, schema.attributes, schema.ignored | _COMMON_IGNORED),
            ("usage.", usage_raw, schema.usage, frozenset())):
        flat = _flatten(raw, set(specs))
        out: dict[str, Any] = {}
        for key, value in flat.items():
            path = f"{where}.{section}{key}"
            if key in ignored or key.split(".")[0] in ignored:
                continue
            if key not in specs:
                valid = sorted(specs) + ([] if section else ["region", "usage"])
                bad(path, f"unknown {'usage key' if section else 'attribute'} for {rtype} "
                    f"(valid: {', '.join(valid) or 'none'})" + _did_you_mean(key, valid))
                continue
            why = _check_value(specs[key], value)
            if why:
                bad(path, why)
                continue
            out[key] = tuple(value) if isinstance(value, list) else value
        for key, spec in specs.items():
            if key not in out and key not in flat:
                if spec.required:
                    bad(f"{where}.{section}{key}", f"required for {rtype}")
                elif spec.default is not None:
                    out[key] = spec.default
        values[section] = out
    attrs, usage = values[""], values["usage."]
    if len(problems) > count:
        return None
    for (t, attr), (table, column, what) in _KNOWN.items():
        if book is not None and t == rtype:
            why = _known_value_problem(book, table, column, what, attrs[attr])
            if why:
                bad(f"{where}.{attr}", why)
    if book is not None and rtype == "aws_eks_node_group":
        for i, itype in enumerate(attrs["instance_types"]):
            why = _known_value_problem(book, "ec2_on_demand", "instance_type",
                                       "EC2 instance type", itype)
            if why:
                bad(f"{where}.instance_types[{i}]", why)
    for path, message in _RULES.get(rtype, _no_rules)(attrs, usage, str(region)):
        bad(f"{where}.{path}", message)
    if len(problems) > count:
        return None
    return Resource(rtype, str(name), str(region), attrs, usage)


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
    if a["capacity_type"] == "SPOT" and u["purchase_option"] != "on_demand":
        out.append(("usage.purchase_option", (f"{u['purchase_option']!r} conflicts with "
                    "capacity_type SPOT; drop one")))
    return out


def _instance_rules(a: dict[str, Any], u: dict[str, Any], region: str
                    ) -> list[tuple[str, str]]:
    out = _volume_rules(a, "root_block_device.volume_type", "root_block_device.iops",
                        "root_block_device.throughput")
    if a.get("instance_market_options.market_type") == "spot" and \
            u["purchase_option"] != "on_demand":
        out.append(("usage.purchase_option", (f"{u['purchase_option']!r} conflicts with "
                    "instance_market_options.market_type spot; drop one")))
    if u["monthly_hrs"] > 744:
        out.append(("usage.monthly_hrs", (f"{u['monthly_hrs']} exceeds the 744 hours of the "
                    "longest month")))
    return out


def _volume_rules(a: dict[str, Any], type_key: str, iops_key: str, throughput_key: str
                  ) -> list[tuple[str, str]]:
    vtype, out = a[type_key], []
    if iops_key in a and vtype not in ("io1", "io2", "gp3"):
        out.append((iops_key, f"only io1, io2 and gp3 volumes take iops, not {vtype}"))
    if iops_key not in a and vtype in ("io1", "io2"):
        out.append((iops_key, f"required for {vtype} volumes"))
    if throughput_key in a and vtype != "gp3":
        out.append((throughput_key, f"only gp3 volumes take throughput, not {vtype}"))
    return out


def _ebs_rules(a: dict[str, Any], u: dict[str, Any], region: str) -> list[tuple[str, str]]:
    out = _volume_rules(a, "volume_type", "iops", "throughput")
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
    if "storage_throughput" in a and stype != "gp3":
        out.append(("storage_throughput", f"only gp3 storage takes it, not {stype}"))
    if u.get("backup_storage_gb") and a["backup_retention_period"] == 0:
        out.append(("usage.backup_storage_gb", ("backups are off (backup_retention_period is "
                    "0); set backup_retention_period or drop backup_storage_gb")))
    return out


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
    "aws_instance": _instance_rules, "aws_ebs_volume": _ebs_rules, "aws_db_instance": _db_rules,
    "aws_elasticache_replication_group": _cache_rules, "aws_lb": _lb_rules,
    "aws_data_transfer": _transfer_rules,
}


def _inherit_from_source(items: list[Any]) -> list[Any]:
    """A read replica (``replicate_source_db``) inherits ``engine`` and ``allocated_storage``
    from its source when the source is in the same list (by name, or ``aws_db_instance.name``);
    a gp2 default applies to ``storage_type`` as in Terraform."""
    by_name = {i.get("name"): i for i in items
               if isinstance(i, dict) and i.get("type") == "aws_db_instance"}
    out = []
    for item in items:
        if isinstance(item, dict) and item.get("type") == "aws_db_instance":
            item = dict(item)
            source_name = str(item.get("replicate_source_db", "")).removeprefix("aws_db_instance.")
            source = by_name.get(source_name)
            if source is not None:
                for key in ("engine", "allocated_storage", "storage_type"):
                    if key not in item and key in source:
                        item[key] = source[key]
            item.setdefault("storage_type", "io1" if "iops" in item else "gp2")
        out.append(item)
    return out


def _walk(items: Any, path: str, default_region: str | None, book: PriceBook | None
          ) -> tuple[list[Resource], list[ResourceProblem]]:
    problems: list[ResourceProblem] = []
    if not isinstance(items, list):
        return [], [ResourceProblem(path, f"expected a list of resources, got {items!r}")]
    resources = []
    seen: dict[str, int] = {}
    regions = sorted({k[0] for t, rows in book.tables.items() for k in rows
                      if t.endswith("on_demand") or t == "other_services"}) if book else []
    for i, item in enumerate(_inherit_from_source(items)):
        where = f"{path}[{i}]"
        resource = _check_item(item, where, default_region, book, regions, problems)
        if resource is None:
            continue
        if resource.address in seen:
            problems.append(ResourceProblem(f"{where}.name", f"{resource.name!r} repeats "
                            f"{path}[{seen[resource.address]}] ({resource.address})"))
            continue
        seen[resource.address] = i
        resources.append(resource)
    return resources, problems


def validate_resources(items: Any, *, path: str = "resources",
                       default_region: str | None = None,
                       price_book: PriceBook | None = None) -> list[ResourceProblem]:
    """Every problem in a resources list, each with its path under ``path``. With a price book,
    instance types, classes, node types and regions are also checked against the tables."""
    return _walk(items, path, default_region, price_book)[1]


def parse_resources(items: Any, *, path: str = "resources", default_region: str | None = None,
                    price_book: PriceBook | None = None, source: str = ""
                    ) -> tuple[Resource, ...]:
    """The validated resources of a list; raises :class:`PlanError` listing every problem."""
    resources, problems = _walk(items, path, default_region, price_book)
    if problems:
        where = f" in {source}" if source else ""
        lines = [str(p) for p in problems]
        raise PlanError(f"{len(lines)} problem(s){where}:\n  " + "\n  ".join(lines), lines)
    return tuple(resources)


def read_resources_yaml(path: str | Path, *, region: str | None = None,
                        price_book: PriceBook | None = None) -> tuple[Resource, ...]:
    """Read a resources YAML file (top-level ``region`` and ``resources``). ``region``, when
    given, replaces the file's default region (resources naming their own region keep it)."""
    path = Path(path)
    doc = read_yaml(path, "resources file", PlanError)
    if not isinstance(doc, dict) or "resources" not in doc:
        raise PlanError(f"{path}: expected a mapping with a 'resources' list (and optionally "
                        "'region')")
    unknown = sorted(set(doc) - {"region", "resources"})
    if unknown:
        raise PlanError(f"{path}: unknown top-level key {unknown[0]!r}; allowed: region, "
                        "resources")
    return parse_resources(doc["resources"], default_region=region or doc.get("region"),
                           price_book=price_book, source=str(path))
