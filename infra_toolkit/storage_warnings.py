"""The plan warning on **storage AWS would refuse to create** (:func:`rds_storage_warnings`): an
RDS gp3 volume given ``iops`` or ``storage_throughput`` where RDS fixes its performance, or
``iops`` under the baseline it includes (:func:`~infra_toolkit.storage_limits.rds_gp3_refusal`).
The cost model prices such a resource as Infracost does, with the reason on its storage line;
``validate`` says it too, since a plan reviewed as valid would fail at ``terraform apply``."""

from __future__ import annotations

from infra_toolkit.plan import Plan
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.storage_limits import rds_gp3_refusal

__all__ = ["rds_storage_warnings"]


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
