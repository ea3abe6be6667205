"""A node group's launch template: the ``aws_launch_template`` its ``launch_template`` block
names (``launch_template_ref``), what that template must give for the nodes' root volume to be
priced (``launch_template_problem``) and whether its one block is on the root device of the
node group's AMI (``root_device_problem``). The reference itself is resolved by
:func:`infra_toolkit.resources.parse_resources`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra_toolkit.errors import clipped
from infra_toolkit.resource_types import LAUNCH_TEMPLATE_EBS

__all__ = ["launch_template_problem", "launch_template_ref", "root_device_problem"]


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
        return (f"{template_address}'s block is on {clipped(device_name)}, not the root device "
                f"{roots[0]} of ami_type {ami_type}: a block on another device adds a data "
                "volume and leaves the root volume the AMI's, which no table prices; give the "
                f"block device_name {roots[0]}")
    return None

