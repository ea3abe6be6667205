"""AWS's limits on EBS volumes and RDS storage, each with its source: the largest volume or
allocated storage per type, the IOPS and gp3 throughput EBS provisions, and the size below which
RDS gp3 storage has fixed performance (``rds_gp3_refusal``: what RDS would refuse there, a note
on the cost line, not an error)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = [
    "EBS_GP3_THROUGHPUT_RANGE_MIBPS",
    "EBS_IOPS_RANGE",
    "EBS_MAX_SIZE_GIB",
    "RDS_GP3_FIXED_BELOW_GIB",
    "RDS_MAX_STORAGE_GIB",
    "rds_gp3_baseline",
    "rds_gp3_refusal",
]

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

# gp3 RDS storage below this size (GiB) has fixed performance: RDS answers
# InvalidParameterCombination "You can't specify IOPS or storage throughput for engine postgres
# and a storage size less than 400" (quoted in github.com/cloudtools/troposphere/pull/2153 and
# issues/2141; AWS RDS User Guide, CHAP_Storage "gp3 storage"), and from it the IOPS baseline is
# 12,000 (hashicorp/terraform-provider-aws#28382). RDS stripes gp3 over 4 volumes from 400 GiB
# for MariaDB, MySQL and PostgreSQL, from 200 GiB for Oracle, and never for SQL Server (AWS RDS
# User Guide, CHAP_Storage "gp3 storage" table), so SQL Server has no entry: its gp3 storage
# includes 3,000 IOPS / 125 MiBps at every size.
RDS_GP3_FIXED_BELOW_GIB = {"postgres": 400, "mysql": 400, "mariadb": 400, "oracle-ee": 200,
                           "oracle-ee-cdb": 200, "oracle-se2": 200, "oracle-se2-cdb": 200}
# What gp3 RDS storage includes (IOPS, MiBps): below the engine's striping threshold, and from it.
_GP3_BASELINE_BELOW = (3000, 125)
_GP3_BASELINE_STRIPED = (12000, 500)


def rds_gp3_baseline(engine: str, allocated_storage_gib: float | Decimal) -> tuple[int, int]:
    """The IOPS and throughput (MiBps) gp3 RDS storage of ``allocated_storage_gib`` GiB includes
    for a Terraform ``engine``: 12,000 / 500 from the engine's striping threshold (400 GiB, Oracle
    200 GiB), else 3,000 / 125 (SQL Server at every size). Provisioned beyond them is billed."""
    threshold_gib = RDS_GP3_FIXED_BELOW_GIB.get(engine)
    if threshold_gib is not None and allocated_storage_gib >= threshold_gib:
        return _GP3_BASELINE_STRIPED
    return _GP3_BASELINE_BELOW


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
        # from the threshold RDS refuses iops below 12,000 too (the branch below), so "allocate
        # more" alone sent a plan asking 6,000 IOPS from one refusal to the next (author19)
        bigger = f"allocate >= {threshold_gib} GiB" + (
            " with iops >= 12,000 (its baseline there)" if a.get("iops", 12000) < 12000 else "")
        return (f"RDS would refuse {keys} on {a['engine']} gp3 storage below {threshold_gib} "
                f"GiB (allocated_storage {size}: fixed at 3,000 IOPS / 125 MiBps); priced as "
                f"written, as Infracost does; remove {keys} or {bigger}")
    if "iops" in a and size >= threshold_gib and a["iops"] < 12000:
        return (f"RDS would refuse iops {a['iops']}: {a['engine']} gp3 storage of "
                f"{threshold_gib} GiB or more includes 12,000 IOPS; give at least 12,000 or "
                "remove iops")
    return None
