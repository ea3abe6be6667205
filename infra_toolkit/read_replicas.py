"""A read replica's attributes inherited from its source DB instance in the same list
(``inherit_from_source``): engine, storage and, with the source's storage type, its IOPS."""

from __future__ import annotations

from typing import Any

__all__ = ["inherit_from_source"]


def inherit_from_source(items: list[Any]) -> list[Any]:
    """A read replica (``replicate_source_db``) inherits ``engine``, ``allocated_storage`` and
    ``storage_type`` from its source when the source is in the same list (by name, or
    ``aws_db_instance.name``), and with the source's storage type its ``iops`` and
    ``storage_throughput`` too: RDS copies every attribute the replica does not set ("All other
    attributes ... are inherited from the source DB instance", AWS CLI reference,
    create-db-instance-read-replica), so a replica of an io1 or provisioned gp3 source pays for
    the same IOPS. A gp2 default applies to ``storage_type`` as in Terraform."""
    # a name that is no string (a list, a mapping) cannot be a source: the resource reader
    # refuses it at its path, so it is skipped here rather than hashed
    by_name = {i["name"]: i for i in items
               if isinstance(i, dict) and i.get("type") == "aws_db_instance"
               and isinstance(i.get("name"), str)}
    out = []
    for item in items:
        if isinstance(item, dict) and item.get("type") == "aws_db_instance":
            item = dict(item)
            source_name = str(item.get("replicate_source_db", "")).removeprefix("aws_db_instance.")
            source = by_name.get(source_name)
            if source is not None:
                own_storage = "storage_type" in item
                for key in ("engine", "allocated_storage", "storage_type"):
                    if key not in item and key in source:
                        item[key] = source[key]
                # the source's IOPS go with its storage type, never onto a type the replica sets
                for key in () if own_storage else ("iops", "storage_throughput"):
                    if key not in item and key in source:
                        item[key] = source[key]
            item.setdefault("storage_type", "io1" if "iops" in item else "gp2")
        out.append(item)
    return out

