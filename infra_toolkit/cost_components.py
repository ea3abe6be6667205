"""Step 1 of the cost model: a resource becomes its cost components (name, unit, quantity and
the price query; no prices), one builder per Terraform resource type (:func:`cost_components`),
with the free allowances they subtract and how a load balancer's capacity units are counted
(:func:`lcu_per_hour`); CPU credits lines come from :mod:`infra_toolkit.cost_credits`. The price
book is read only for capacity-unit definitions and burstable credit specs. Pure: no I/O, no
clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from infra_toolkit.cost import HOURS_PER_MONTH, CostComponent, PriceQuery, as_decimal
from infra_toolkit.cost_credits import credit_components, rds_credit_components
from infra_toolkit.errors import PlanError
from infra_toolkit.launch_template import launch_template_ref
from infra_toolkit.pricing import PriceBook
from infra_toolkit.resource_types import LAUNCH_TEMPLATE_EBS, RDS_ENGINES
from infra_toolkit.resources import Resource
from infra_toolkit.storage_limits import rds_gp3_baseline, rds_gp3_refusal

__all__ = ["cost_components", "lcu_per_hour", "node_group_hours"]

# Free allowances (not prices) from the AWS / Infracost sources cited per constant.
EBS_GP3_BASELINE_IOPS = 3000  # other_services row ebs_gp3_iops_above_baseline ("above 3000")
EBS_GP3_BASELINE_MIBPS = 125  # other_services row ebs_gp3_throughput_above_baseline
# One ElastiCache snapshot per cluster is free (infracost elasticache_cluster.go: limit - 1).
ELASTICACHE_FREE_SNAPSHOTS = 1
# AWS's free 100 GB a month of data transfer out to the Internet, "aggregated across all AWS
# Services and Regions (except China and GovCloud)" (aws.amazon.com/ec2/pricing/on-demand/, Data
# Transfer; pricing_reference/README.md: the tier rows do not model it). It is the account's, not
# one resource's, so it is stated on the line rather than subtracted.
FREE_INTERNET_EGRESS_GB = 100
_NO_FREE_EGRESS_PREFIXES = ("us-gov-", "cn-")
# EC2 detailed monitoring publishes 7 metrics per instance (infracost instance.go).
EC2_DETAILED_MONITORING_METRICS = 7


def _query(kind: str, purchase_option: str = "on_demand", tiered: bool = False,
           **key: str) -> PriceQuery:
    return PriceQuery(kind, tuple(key.items()), purchase_option, tiered)


def _item(region: str, service: str, item_id: str, tiered: bool = False) -> PriceQuery:
    return _query("other_services", region=region, service=service, item_id=item_id,
                  tiered=tiered)


def _unpriceable(reason: str) -> PriceQuery:
    return PriceQuery("", (), unpriceable=reason)


_EBS_NAMES = {
    "gp2": "general purpose SSD, gp2", "gp3": "general purpose SSD, gp3",
    "io1": "provisioned IOPS SSD, io1", "io2": "provisioned IOPS SSD, io2",
    "st1": "throughput optimized HDD, st1", "sc1": "cold HDD, sc1", "standard": "magnetic",
}
_OS_LABELS = {"linux": "Linux/UNIX", "windows": "Windows", "rhel": "RHEL", "suse": "SUSE"}


def _ebs(r: Resource, prefix: str, vtype: str, size_gb: Decimal, iops: int | None,
         throughput: int | None, io_requests: float | None,
         volume_months: Decimal = Decimal(1)) -> list[CostComponent]:
    """One volume's components times ``volume_months`` (a node group's node-months)."""
    ec2, n = "AmazonEC2", volume_months
    out = [CostComponent(r, f"{prefix}Storage ({_EBS_NAMES[vtype]})", "GB", size_gb * n,
                         _item(r.region, ec2, f"ebs_{vtype}_storage"))]
    if vtype == "gp3" and iops is not None and iops > EBS_GP3_BASELINE_IOPS:
        out.append(CostComponent(r, f"{prefix}Provisioned IOPS (above {EBS_GP3_BASELINE_IOPS:,})",
                                 "IOPS",
                                 as_decimal(iops - EBS_GP3_BASELINE_IOPS) * n,
                                 _item(r.region, ec2, "ebs_gp3_iops_above_baseline")))
    if vtype == "gp3" and throughput is not None and throughput > EBS_GP3_BASELINE_MIBPS:
        out.append(CostComponent(r, f"{prefix}Provisioned throughput (above "
                                 f"{EBS_GP3_BASELINE_MIBPS} MiBps)", "MiBps",
                                 as_decimal(throughput - EBS_GP3_BASELINE_MIBPS) * n,
                                 _item(r.region, ec2, "ebs_gp3_throughput_above_baseline")))
    if vtype in ("io1", "io2") and iops is not None:
        out.append(CostComponent(r, f"{prefix}Provisioned IOPS", "IOPS", as_decimal(iops) * n,
                                 _item(r.region, ec2, f"ebs_{vtype}_iops", tiered=vtype == "io2"),
                                 tier_units=n, tier_per="volume"))
    if vtype == "standard":
        millions = None if io_requests is None else as_decimal(io_requests) / 1_000_000
        out.append(CostComponent(r, f"{prefix}I/O requests", "1M requests", millions,
                                 _item(r.region, ec2, "ebs_standard_io_requests"),
                                 note="" if millions is not None else
                                 "usage not given: usage.monthly_standard_io_requests"))
    return out


def _instance_usage(r: Resource, instance_type: str, option: str, os_name: str, tenancy: str,
                    hours: Decimal, hourly: Decimal | None, note: str) -> CostComponent:
    label = option.replace("_", "-")
    name = f"Instance usage ({_OS_LABELS[os_name]}, {label}, {instance_type})"
    if os_name != "linux":
        query = _unpriceable(f"{_OS_LABELS[os_name]} prices are not in the shipped tables "
                             "(Linux only); add a rates entry to an overrides file")
    elif tenancy != "default":
        query = _unpriceable(f"{tenancy} tenancy prices are not in the shipped tables (shared "
                             "tenancy only); add a rates entry to an overrides file")
    else:
        query = _query("ec2_on_demand", option, region=r.region, instance_type=instance_type)
    return CostComponent(r, name, "hours", hours, query, hourly, note)


def _eks_cluster(r: Resource, book: PriceBook) -> list[CostComponent]:
    extended = bool(r.usage["in_extended_support"])
    return [CostComponent(
        r, "EKS cluster (extended support)" if extended else "EKS cluster", "hours",
        HOURS_PER_MONTH,
        _item(r.region, "AmazonEKS", "eks_cluster_hour_extended_support" if extended
              else "eks_cluster_hour_standard_support"), Decimal(1))]


def _committed_usage(r: Resource, instance_type: str, option: str, os_name: str,
                     hours: Decimal, nodes: Decimal | None, note: str) -> list[CostComponent]:
    """A node group's instance hours as AWS bills a commitment: ``committed_instances`` paid at
    the ``option`` rate every hour, used or not, and the node-hours above them on-demand
    (``usage.monthly_overflow_node_hours``; else from ``nodes`` all month; else from
    ``hours`` as if spread evenly, which is the fewest a month of them can have above it)."""
    u = r.usage
    committed = Decimal(u["committed_instances"])
    if "monthly_overflow_node_hours" in u:
        overflow, overflow_nodes, how = as_decimal(u["monthly_overflow_node_hours"]), None, ""
    elif nodes is not None:  # the same nodes every hour: exactly those above the commitment
        overflow_nodes = max(Decimal(0), nodes - committed)
        overflow, how = overflow_nodes * HOURS_PER_MONTH, ""
    else:
        overflow_nodes = None
        overflow = max(Decimal(0), hours - committed * HOURS_PER_MONTH)
        how = ("monthly_node_hours spread evenly over the month: a group that scales has more "
               "node-hours above the commitment, so this is a floor; give "
               "usage.monthly_overflow_node_hours (a simulation gives it)")
    label = option.replace("_", "-")
    paid = (f"{committed} committed instance(s) (usage.committed_instances) at the {label} "
            "rate every hour, used or not")
    above = f"node-hours above the {committed} committed instance(s), at the on-demand rate"
    committed_line = replace(
        _instance_usage(r, instance_type, option, os_name, "default",
                        committed * HOURS_PER_MONTH, committed, "; ".join(
                            n for n in (note, paid) if n)),
        price_needed_above_zero_only=True)  # 0 committed: no commitment to price
    return [committed_line,
            _instance_usage(r, instance_type, "on_demand", os_name, "default", overflow,
                            overflow_nodes, "; ".join(n for n in (above, how) if n))]


def node_group_hours(r: Resource) -> tuple[Decimal, Decimal | None]:
    """An ``aws_eks_node_group``'s node-hours in a 730-hour month as its instance lines bill
    them, and its nodes when they are the same every hour: ``usage.monthly_node_hours`` (nodes
    ``None``), else ``usage.instances`` (Infracost's key, replacing desired_size as Infracost
    does), else ``scaling_config.desired_size`` nodes all month."""
    if "monthly_node_hours" in r.usage:
        return as_decimal(r.usage["monthly_node_hours"]), None
    nodes = as_decimal(r.usage.get("instances", r.attributes["scaling_config.desired_size"]))
    return nodes * HOURS_PER_MONTH, nodes


def _node_group(r: Resource, book: PriceBook) -> list[CostComponent]:
    a, u = r.attributes, r.usage
    types = a["instance_types"]
    note = (f"instance_types lists {len(types)} types; priced as {types[0]} (the first), as "
            "Infracost does" if len(types) > 1 else "")
    option = "spot" if a["capacity_type"] == "SPOT" else u["purchase_option"]
    if option in ("savings_plan", "reserved") and "committed_instances" not in u and \
            a["scaling_config.min_size"] < a["scaling_config.max_size"]:
        # every node-hour took the commitment's rate, the autoscaled ones too: said, since a
        # commitment sized to some nodes leaves the rest on-demand and this is then a floor
        commit = (f"every node-hour at the {option.replace('_', '-')} rate; nodes above what "
                  "the commitment covers pay on-demand, so for a group that scales this is a "
                  "floor")
        note = f"{note}; {commit}" if note else commit
    os_name = "windows" if str(a["ami_type"]).startswith("WINDOWS") else "linux"
    hours, hourly = node_group_hours(r)
    node_months = hours / HOURS_PER_MONTH
    if "committed_instances" in u:
        instance_lines = _committed_usage(r, types[0], option, os_name, hours, hourly, note)
    else:
        instance_lines = [_instance_usage(r, types[0], option, os_name, "default", hours, hourly,
                                          note)]
    lt = r.launch_template
    if lt is None and launch_template_ref(a) is not None:
        raise PlanError(f"{r.address}: its launch_template {launch_template_ref(a)!r} was not "
                        "resolved; build node groups with resources.parse_resources")
    credits = credit_components(r, book, "per node, times the group's nodes (instances, or "
                                "monthly_node_hours / 730) as Infracost does", node_months)
    if lt is None:  # EKS's own launch template: gp2 root volumes of disk_size GB
        return [*instance_lines, *credits,
                *_ebs(r, "", "gp2", as_decimal(a["disk_size"]), None, None, None, node_months)]
    ebs = {k.removeprefix(LAUNCH_TEMPLATE_EBS): v for k, v in lt.attributes.items()
           if k.startswith(LAUNCH_TEMPLATE_EBS)}
    note = (f"root volume {lt.attributes['block_device_mappings.device_name']} of "
            f"{lt.address}, per node-month")
    return [*instance_lines, *credits, *(replace(c, note=c.note or note) for c in _ebs(
        r, "launch_template: ", ebs["volume_type"], as_decimal(ebs["volume_size"]), ebs.get("iops"),
        ebs.get("throughput"), None, node_months))]


def _instance(r: Resource, book: PriceBook) -> list[CostComponent]:
    a, u = r.attributes, r.usage
    option = "spot" if a.get("instance_market_options.market_type") == "spot" \
        else u["purchase_option"]
    hours = as_decimal(u["monthly_hrs"])
    out = [_instance_usage(r, a["instance_type"], option, u["operating_system"], a["tenancy"],
                           hours, None, "")]
    out += credit_components(r, book, "the instance")
    out += _ebs(r, "root_block_device: ", a["root_block_device.volume_type"],
                as_decimal(a["root_block_device.volume_size"]), a.get("root_block_device.iops"),
                a.get("root_block_device.throughput"), None)
    if a["monitoring"]:
        out.append(CostComponent(r, "EC2 detailed monitoring", "metrics",
                                 as_decimal(EC2_DETAILED_MONITORING_METRICS),
                                 _query("other_services", region=r.region,
                                        service="AmazonCloudWatch",
                                        item_id="ec2_detailed_monitoring_metric", tier_start="0"),
                                 note="first-tier (up to 10,000 metrics) rate"))
    return out


def _ebs_volume(r: Resource, book: PriceBook) -> list[CostComponent]:
    a, u = r.attributes, r.usage
    if "monthly_volume_hours" not in u:
        return _ebs(r, "", a["volume_type"], as_decimal(a["size"]), a.get("iops"),
                    a.get("throughput"), u.get("monthly_standard_io_requests"))
    # volumes that come and go (a StatefulSet's claims): their volume-hours over 730 are the
    # volume-months, as a node group's node-hours price its root volumes
    months = as_decimal(u["monthly_volume_hours"]) / HOURS_PER_MONTH
    note = (f"{float(months):.4g} volume(s) on average "
            f"(usage.monthly_volume_hours / {HOURS_PER_MONTH})")
    return [replace(c, note=c.note or note) for c in _ebs(
        r, "", a["volume_type"], as_decimal(a["size"]), a.get("iops"), a.get("throughput"),
        u.get("monthly_standard_io_requests"), months)]


def _db_instance(r: Resource, book: PriceBook) -> list[CostComponent]:
    a, u = r.attributes, r.usage
    multi = bool(a["multi_az"])
    az, label = ("multi_az", "Multi-AZ") if multi else ("single_az", "Single-AZ")
    stype, storage = a["storage_type"], as_decimal(a["allocated_storage"])
    note = f"read replica of {a['replicate_source_db']}" if a.get("replicate_source_db") else ""
    option = u["purchase_option"]
    out = [CostComponent(
        r, f"Database instance ({option.replace('_', '-')}, {label}, {a['instance_class']})",
        "hours", HOURS_PER_MONTH,
        _query("rds_on_demand", option, region=r.region, engine=RDS_ENGINES[a["engine"]],
               instance_class=a["instance_class"], deployment=az.replace("_", "-")),
        Decimal(1), note),
        *rds_credit_components(r, book),
        CostComponent(r, f"Storage ({_EBS_NAMES[stype]})", "GB", storage,
                      _item(r.region, "AmazonRDS", f"rds_{stype}_storage_{az}"),
                      note="; ".join(n for n in ("Multi-AZ storage rate (standby copy)"
                                                 if multi else "", rds_gp3_refusal(a)) if n))]
    if stype == "gp3":
        # what the engine's gp3 includes at this size (SQL Server: 3,000 / 125 at every size)
        iops_base, mibps_base = rds_gp3_baseline(a["engine"], storage)
        if a.get("iops", 0) > iops_base:
            out.append(CostComponent(
                r, f"Provisioned GP3 IOPS (above {iops_base:,})", "IOPS",
                as_decimal(a["iops"] - iops_base),
                _item(r.region, "AmazonRDS", f"rds_gp3_iops_above_baseline_{az}")))
        if a.get("storage_throughput", 0) > mibps_base:
            out.append(CostComponent(
                r, f"Provisioned GP3 throughput (above {mibps_base} MiBps)", "MiBps",
                as_decimal(a["storage_throughput"] - mibps_base),
                _item(r.region, "AmazonRDS", f"rds_gp3_throughput_above_baseline_{az}")))
    if stype in ("io1", "io2"):
        out.append(CostComponent(r, "Provisioned IOPS", "IOPS", as_decimal(a["iops"]),
                                 _item(r.region, "AmazonRDS", f"rds_{stype}_iops_{az}")))
    extra = u.get("additional_backup_storage_gb")
    if a["backup_retention_period"] > 0 or extra:
        # Infracost's key: GB beyond the free allowance (100% of allocated storage); manual
        # snapshots count too, so it is billed even with automated backups off.
        out.append(CostComponent(
            r, "Additional backup storage", "GB", None if extra is None else as_decimal(extra),
            _item(r.region, "AmazonRDS", "rds_backup_storage"),
            note=(f"backup storage beyond the free 100% of allocated storage ({storage} GB)"
                  if extra is not None else
                  "usage not given: usage.additional_backup_storage_gb"),
            # 0 GB beyond the allowance (a backup within it) is $0 in a region the tables lack;
            # unknown usage still needs the price, as before (the line is flagged either way)
            price_needed_above_zero_only=extra is not None))
    return out


def _replication_group(r: Resource, book: PriceBook) -> list[CostComponent]:
    a, u = r.attributes, r.usage
    if "num_node_groups" in a or "replicas_per_node_group" in a:
        nodes = a.get("num_node_groups", 1) * (1 + a.get("replicas_per_node_group", 0))
    else:
        nodes = a.get("num_cache_clusters", 1)
    engine = {"redis": "Redis", "valkey": "Valkey"}[a["engine"]]
    option = u["purchase_option"]
    out = [CostComponent(r, f"ElastiCache ({option.replace('_', '-')}, {a['node_type']})",
                         "hours", as_decimal(nodes) * HOURS_PER_MONTH,
                         _query("elasticache_on_demand", option, region=r.region, engine=engine,
                                node_type=a["node_type"]),
                         as_decimal(nodes), f"{nodes} node(s), each priced per node")]
    limit = a["snapshot_retention_limit"]
    if limit > ELASTICACHE_FREE_SNAPSHOTS:
        size = u.get("snapshot_storage_size_gb")
        out.append(CostComponent(
            r, "Backup storage", "GB",
            None if size is None else as_decimal(size) * (limit - ELASTICACHE_FREE_SNAPSHOTS),
            _item(r.region, "AmazonElastiCache", "elasticache_backup_storage"),
            note="" if size is not None else "usage not given: usage.snapshot_storage_size_gb",
            price_needed_above_zero_only=size is not None))
    return out


def lcu_per_hour(usage: Mapping[str, Decimal], per_lcu: Mapping[str, Decimal]
                 ) -> tuple[Decimal, str]:
    """Capacity units billed for one hour: the largest of each dimension's usage divided by
    what one unit contains (AWS bills the maximum dimension). Returns (units, dimension)."""
    best, which = Decimal(0), ""
    for dim, value in usage.items():
        units = as_decimal(value) / per_lcu[dim]
        if units > best or not which:
            best, which = units, dim
    return best, which


def _lb(r: Resource, book: PriceBook) -> list[CostComponent]:
    a, u = r.attributes, r.usage
    alb = a["load_balancer_type"] == "application"
    prefix = "alb" if alb else "nlb"
    out = [CostComponent(r, "Application load balancer" if alb else "Network load balancer",
                         "hours", HOURS_PER_MONTH, _item(r.region, "AWSELB", f"{prefix}_hour"),
                         Decimal(1))]
    dims = {"new_connections": "new_connections", "active_connections": "active_connections",
            "processed_bytes_gb": "processed_bytes", "rule_evaluations": "rule_evaluations"}
    given = {dim: as_decimal(u[key]) for key, dim in dims.items() if key in u}
    note = ""
    if "monthly_lcu_hours" in u:
        quantity: Decimal | None = as_decimal(u["monthly_lcu_hours"])
    elif given:
        per_lcu = book.lcu_dimensions(a["load_balancer_type"],
                                      "HTTP" if alb else u.get("protocol", "TCP"))
        units, which = lcu_per_hour(given, per_lcu)
        quantity = units * HOURS_PER_MONTH
        note = f"{units.normalize()} per hour, billed on {which}"
    else:
        quantity, note = None, "usage not given: LCU dimensions or monthly_lcu_hours"
    out.append(CostComponent(r, "Load balancer capacity units", "LCU-hours" if alb
                             else "NLCU-hours", quantity,
                             _item(r.region, "AWSELB", "alb_lcu" if alb else "nlb_nlcu"),
                             note=note))
    return out


def _nat(r: Resource, book: PriceBook) -> list[CostComponent]:
    gb = r.usage.get("monthly_data_processed_gb")
    return [CostComponent(r, "NAT gateway", "hours", HOURS_PER_MONTH,
                          _item(r.region, "AmazonEC2", "nat_gateway_hour"), Decimal(1)),
            CostComponent(r, "Data processed", "GB", None if gb is None else as_decimal(gb),
                          _item(r.region, "AmazonEC2", "nat_gateway_data_processed"),
                          note="" if gb is not None else
                          "usage not given: usage.monthly_data_processed_gb",
                          price_needed_above_zero_only=gb is not None)]


def _transfer(r: Resource, book: PriceBook) -> list[CostComponent]:
    u, out = r.usage, []
    region, service = r.region, "AWSDataTransfer"
    if "monthly_intra_region_gb" in u:
        out.append(CostComponent(r, "Intra-region data transfer", "GB",
                                 2 * as_decimal(u["monthly_intra_region_gb"]),
                                 _item(region, service, "intra_region"),
                                 note="charged out of one AZ and into the other: 2 x usage"))
    if "monthly_outbound_internet_gb" in u:
        free = "" if region.startswith(_NO_FREE_EGRESS_PREFIXES) else (
            f"AWS's {FREE_INTERNET_EGRESS_GB} GB a month free to the Internet is not subtracted: "
            "it is the whole account's (every service and region), so other egress may use it")
        out.append(CostComponent(r, "Outbound data transfer to Internet", "GB",
                                 as_decimal(u["monthly_outbound_internet_gb"]),
                                 _item(region, service, "internet_out", tiered=True), note=free))
    if "monthly_outbound_us_east_to_us_east_gb" in u:
        out.append(CostComponent(r, "Outbound data transfer to US East regions", "GB",
                                 as_decimal(u["monthly_outbound_us_east_to_us_east_gb"]),
                                 _item(region, service, "inter_region_out_us_east")))
    if "monthly_outbound_other_regions_gb" in u:
        out.append(CostComponent(r, "Outbound data transfer to other regions", "GB",
                                 as_decimal(u["monthly_outbound_other_regions_gb"]),
                                 _item(region, service, "inter_region_out_other")))
    return out


def _launch_template(r: Resource, book: PriceBook) -> list[CostComponent]:
    return []  # free: its volumes are billed with the node groups that launch nodes from it


_BUILDERS = {
    "aws_eks_cluster": _eks_cluster, "aws_eks_node_group": _node_group,
    "aws_launch_template": _launch_template,
    "aws_instance": _instance, "aws_ebs_volume": _ebs_volume, "aws_db_instance": _db_instance,
    "aws_elasticache_replication_group": _replication_group, "aws_lb": _lb,
    "aws_nat_gateway": _nat, "aws_data_transfer": _transfer,
}


def cost_components(resource: Resource, book: PriceBook) -> list[CostComponent]:
    """Step 1: the components of one resource with their quantities (the book is read only for
    load balancer capacity-unit definitions, never for prices)."""
    return _BUILDERS[resource.type](resource, book)
