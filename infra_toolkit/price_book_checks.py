"""A resource's names checked against the price book: EC2 instance types, RDS classes and
ElastiCache node types the tables know (``KNOWN_VALUES``, ``known_value_problem``), and a node
group's instance types of one architecture, its ``ami_type``'s (``node_group_arch_problem``)."""

from __future__ import annotations

from infra_toolkit.errors import quoted
from infra_toolkit.plan_fields import did_you_mean
from infra_toolkit.pricing import PriceBook

__all__ = ["KNOWN_VALUES", "known_value_problem", "node_group_arch_problem"]

KNOWN_VALUES = {  # attribute -> (table, column, what) checked against the price book
    ("aws_instance", "instance_type"): ("ec2_instance_specs", "instance_type",
                                        "EC2 instance type"),
    ("aws_db_instance", "instance_class"): ("rds_on_demand", "instance_class", "RDS class"),
    ("aws_elasticache_replication_group", "node_type"): (
        "elasticache_on_demand", "node_type", "ElastiCache node type"),
}


def known_value_problem(book: PriceBook, table: str, column: str, what: str, value: str
                        ) -> str | None:
    """Why ``value`` is not one the price book's ``table`` holds in ``column`` (``what`` names
    it in the message, with the did-you-mean), or None when it is."""
    known = book.values(table, column)
    if value in known:
        return None
    return f"{quoted(value)} is not a known {what}" + did_you_mean(value, known, list_choices=False)


def _ami_arch(ami_type: str) -> str | None:
    """The architecture (as in ec2_instance_specs ``arch``) of an EKS ``ami_type``:
    ``..._ARM_64...`` is arm64, ``..._x86_64...`` amd64 (the EKS API's AMITypes names);
    ``CUSTOM`` says nothing."""
    upper = ami_type.upper()
    return "arm64" if "ARM_64" in upper else "amd64" if "X86_64" in upper else None


def node_group_arch_problem(book: PriceBook, types: list[tuple[int, str]], ami_type: str,
                            ami_type_stated: bool = True) -> tuple[str, str] | None:
    """(path, message) when a node group's instance types are of different architectures, or
    of another than its ``ami_type``'s (``ami_type_stated`` false: the default, which the
    message then says): EKS creates the group from one AMI, so it refuses both (and pricing the
    first type would price a group that cannot exist)."""
    archs = [(i, t, book.instance_spec(t).arch) for i, t in types]
    if not archs:
        return None
    i0, t0, arch0 = archs[0]
    for i, itype, arch in archs[1:]:
        if arch != arch0:
            return (f"instance_types[{i}]", f"{itype!r} is {arch} but {t0!r} is {arch0}: one "
                    "node group runs one AMI, so its instance types share one architecture; "
                    "put them in two node groups")
    want = _ami_arch(ami_type)
    if want is not None and want != arch0:
        ami = (f"ami_type {ami_type} is {want}" if ami_type_stated else
               f"ami_type is not set, so the default {ami_type} ({want}) applies")
        return (f"instance_types[{i0}]", f"{t0!r} is {arch0} but {ami}: set an "
                f"{'ARM_64' if arch0 == 'arm64' else 'x86_64'} ami_type (e.g. "
                f"{'AL2023_ARM_64_STANDARD' if arch0 == 'arm64' else 'AL2023_x86_64_STANDARD'})"
                " or an instance type of that architecture")
    return None

