"""The plan warnings on a database's storage: **storage AWS would refuse to create**
(:func:`rds_storage_warnings`): an RDS gp3 volume given ``iops`` or ``storage_throughput`` where
RDS fixes its performance, or ``iops`` under the baseline it includes
(:func:`~infra_toolkit.storage_limits.rds_gp3_refusal`). The cost model prices such a resource
as Infracost does, with the reason on its storage line; ``validate`` says it too, since a plan
reviewed as valid would fail at ``terraform apply``. And **a proposed database without automated
backups** (:func:`rds_backup_warnings`): ``backup_retention_period`` 0 on a primary turns off
automated backups and point-in-time recovery, which a reviewer approving it should see."""

from __future__ import annotations

from infra_toolkit.plan import Plan
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.storage_limits import rds_gp3_refusal

__all__ = ["rds_backup_warnings", "rds_storage_warnings"]


def rds_storage_warnings(plan: Plan) -> list[PlanWarning]:
    """One warning per ``aws_db_instance`` entry of either side (a count's copies once) whose gp3
    storage RDS would refuse, at the entry's ``iops`` (else ``storage_throughput``)."""
    out: dict[str, PlanWarning] = {}
    for arch in (plan.current, plan.proposed):
        for r in arch.resources:
            why = rds_gp3_refusal(r.attributes) if r.type == "aws_db_instance" else None
            if why is not None and r.entry_path not in out:
                key = "iops" if "iops" in r.attributes else "storage_throughput"
                out[r.entry_path] = PlanWarning(f"{r.entry_path}.{key}", f"{r.address}: {why}")
    return list(out.values())


def rds_backup_warnings(plan: Plan) -> list[PlanWarning]:
    """One warning per proposed ``aws_db_instance`` entry that is no read replica (a count's
    copies once) with ``backup_retention_period`` 0, at that field. A replica is left out: RDS
    backs up its source, and many replicas keep none of their own."""
    out: dict[str, PlanWarning] = {}
    for r in plan.proposed.resources:
        a = r.attributes
        if r.type != "aws_db_instance" or a.get("replicate_source_db") \
                or a.get("backup_retention_period") != 0 or r.entry_path in out:
            continue
        out[r.entry_path] = PlanWarning(
            f"{r.entry_path}.backup_retention_period",
            f"{r.address}: automated backups are off (backup_retention_period 0, which is also "
            "how this toolkit reads it left out, though AWS would then keep 1 day): no "
            "point-in-time recovery and no automated snapshot to restore after a bad migration "
            "or a deleted table; set backup_retention_period to the days your recovery point "
            "needs (1 to 35; 7 is common)")
    return list(out.values())
