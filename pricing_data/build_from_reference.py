"""Rebuild the shipped tables of pricing_data/ from ../shared/pricing_reference (run once per
reference update; the output is committed). Prices are copied verbatim as decimal strings; this
script only renames columns, gives other-services rows a stable ``item_id`` and tier bounds, adds
``as_of`` to the instance-spec rows, and drops rows no supported resource uses (listed in
README.md). Usage::

    python pricing_data/build_from_reference.py [REFERENCE_DIR]
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_REFERENCE = HERE.parent.parent / "shared" / "pricing_reference"

# reference ``item`` text -> (item_id, tier_start, tier_end); tier bounds in the row's unit.
OTHER_ITEMS: dict[str, tuple[str, str, str]] = {
    "data transfer out to Internet, first 10 TB/month": ("internet_out", "0", "10240"),
    "data transfer out to Internet, next 40 TB/month": ("internet_out", "10240", "51200"),
    "data transfer out to Internet, next 100 TB/month": ("internet_out", "51200", "153600"),
    "data transfer out to Internet, over 150 TB/month": ("internet_out", "153600", ""),
    "inter-region out, between us-east-1 and us-east-2": ("inter_region_out_us_east", "", ""),
    "inter-region out, to other AWS regions": ("inter_region_out_other", "", ""),
    "intra-region (cross-AZ / VPC peering in region), per GB per direction; "
    "quantity in golden is 2x usage": ("intra_region", "", ""),
    "Application Load Balancer, LCU": ("alb_lcu", "", ""),
    "Application Load Balancer, load-balancer hour": ("alb_hour", "", ""),
    "Network Load Balancer, NLCU": ("nlb_nlcu", "", ""),
    "Network Load Balancer, load-balancer hour": ("nlb_hour", "", ""),
    "EBS gp2 storage": ("ebs_gp2_storage", "", ""),
    "EBS gp3 provisioned IOPS above 3000": ("ebs_gp3_iops_above_baseline", "", ""),
    "EBS gp3 provisioned throughput above 125 MiB/s": ("ebs_gp3_throughput_above_baseline", "", ""),
    "EBS gp3 storage": ("ebs_gp3_storage", "", ""),
    "EBS io1 provisioned IOPS": ("ebs_io1_iops", "", ""),
    "EBS io1 storage": ("ebs_io1_storage", "", ""),
    "EBS io2 provisioned IOPS (first tier, up to 32000)": ("ebs_io2_iops", "0", "32000"),
    "EBS io2 storage": ("ebs_io2_storage", "", ""),
    "EBS magnetic (standard) I/O requests": ("ebs_standard_io_requests", "", ""),
    "EBS magnetic (standard) storage": ("ebs_standard_storage", "", ""),
    "EBS sc1 storage": ("ebs_sc1_storage", "", ""),
    "EBS st1 storage": ("ebs_st1_storage", "", ""),
    "NAT Gateway, data processed": ("nat_gateway_data_processed", "", ""),
    "NAT Gateway, gateway hour": ("nat_gateway_hour", "", ""),
    "cluster control plane, extended support (total per cluster, replaces standard rate)": (
        "eks_cluster_hour_extended_support", "", ""),
    "cluster control plane, standard support": ("eks_cluster_hour_standard_support", "", ""),
    "ElastiCache backup (snapshot) storage": ("elasticache_backup_storage", "", ""),
    "RDS backup storage beyond free allowance (non-Aurora)": ("rds_backup_storage", "", ""),
    "RDS gp2 storage, Multi-AZ": ("rds_gp2_storage_multi_az", "", ""),
    "RDS gp2 storage, Single-AZ": ("rds_gp2_storage_single_az", "", ""),
    "RDS gp3 provisioned IOPS above baseline, Multi-AZ": (
        "rds_gp3_iops_above_baseline_multi_az", "", ""),
    "RDS gp3 provisioned IOPS above baseline, Single-AZ": (
        "rds_gp3_iops_above_baseline_single_az", "", ""),
    "RDS gp3 storage, Multi-AZ": ("rds_gp3_storage_multi_az", "", ""),
    "RDS gp3 storage, Single-AZ": ("rds_gp3_storage_single_az", "", ""),
    "RDS io1 provisioned IOPS, Single-AZ": ("rds_io1_iops_single_az", "", ""),
    "RDS io1 storage, Single-AZ": ("rds_io1_storage_single_az", "", ""),
}
# Reference rows no supported resource prices yet (see README.md "Not shipped").
OTHER_ITEMS_NOT_SHIPPED = {
    "CloudWatch Logs Insights data scanned", "CloudWatch Logs archival storage",
    "CloudWatch Logs data ingested (standard)", "CloudWatch alarm, high resolution",
    "CloudWatch alarm, standard resolution", "CloudWatch dashboard",
    "Elastic IP address, idle (not attached to a running instance)",
    "Aurora backup storage beyond free allowance",
}
# Surplus CPU credits of burstable instances in Unlimited mode, per vCPU-hour (cpu_credits.py).
OTHER_ITEMS["T3/T3a unlimited-mode CPU credits (surplus)"] = ("ec2_cpu_credits_t3", "", "")
OTHER_ITEMS["RDS T3/T4g unlimited-mode CPU credits (surplus)"] = ("rds_cpu_credits", "", "")
# aws_instance's detailed monitoring is priced from this CloudWatch row.
OTHER_ITEMS["EC2 detailed monitoring metric (first 10k metrics tier)"] = (
    "ec2_detailed_monitoring_metric", "0", "10000")

RDS_ENGINES_SHIPPED = {"MySQL", "PostgreSQL", "MariaDB"}  # aws_db_instance has no Aurora
ELASTICACHE_ENGINES_SHIPPED = {"Redis"}  # replication groups run Redis OSS / Valkey only
_DATE = re.compile(r"\b(20\d\d-\d\d-\d\d)\b")


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(out_dir: Path, stem: str, header: list[str], rows: list[dict[str, str]]) -> Path:
    as_of = max(r["as_of"] for r in rows)
    path = out_dir / f"{stem}_{as_of}.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def build(reference: Path, out_dir: Path) -> list[Path]:
    """Write every shipped table into ``out_dir``; returns the paths written."""
    written = []
    ec2 = _read(reference / "ec2_on_demand.csv")
    written.append(_write(out_dir, "ec2_on_demand", list(ec2[0]), ec2))
    cny = _read(reference / "ec2_on_demand_cn_cny.csv")
    written.append(_write(out_dir, "ec2_on_demand_cny", list(cny[0]), cny))

    specs = _read(reference / "ec2_instance_specs.csv")
    for row in specs:  # the newest date named in the row's sources
        row["as_of"] = max(_DATE.findall(row["source"]))
    written.append(_write(out_dir, "ec2_instance_specs", list(specs[0]), specs))

    rds = [r for r in _read(reference / "rds_on_demand.csv") if r["engine"] in RDS_ENGINES_SHIPPED]
    written.append(_write(out_dir, "rds_on_demand", list(rds[0]), rds))

    cache = []
    for r in _read(reference / "elasticache_on_demand.csv"):
        if r["engine"] in ELASTICACHE_ENGINES_SHIPPED:
            assert r["deployment"] == "single-az", r  # reference convention: price per node
            cache.append({"region": r["region"], "engine": r["engine"],
                          "node_type": r["instance_class"], "usd_per_hour": r["usd_per_hour"],
                          "source": r["source"], "as_of": r["as_of"]})
    written.append(_write(out_dir, "elasticache_on_demand", list(cache[0]), cache))

    other = []
    for r in _read(reference / "other_services.csv"):
        if r["item"] in OTHER_ITEMS_NOT_SHIPPED:
            continue
        item_id, start, end = OTHER_ITEMS[r["item"]]
        other.append({"region": r["region"], "service": r["service"], "item_id": item_id,
                      "description": r["item"], "unit": r["unit"], "usd_per_unit": r["usd"],
                      "tier_start": start, "tier_end": end,
                      "source": r["source"], "as_of": r["as_of"]})
    written.append(_write(out_dir, "other_services", list(other[0]), other))
    return written


if __name__ == "__main__":
    ref = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_REFERENCE
    for p in build(ref, HERE):
        print(p.name)
