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

A node group's ``launch_template: {name: NAME, version: "1"}`` (or ``id: NAME``; Terraform's
``aws_launch_template.NAME.id`` is read too) names an ``aws_launch_template`` of the same list,
whose one ``block_device_mappings`` block gives the nodes' root volume; the parsed node group
carries that template (:attr:`Resource.launch_template`).

:func:`validate_resources` returns every problem with its path (``resources[2].instance_class:
'db.t3.medum' is not a known RDS class; did you mean 'db.t3.medium'?``); :func:`parse_resources`
raises :class:`~infra_toolkit.errors.PlanError` carrying them all. The attributes each type
accepts, their defaults and allowed values are in :mod:`infra_toolkit.resource_types`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from infra_toolkit.errors import PlanError
from infra_toolkit.plan_yaml import parse_yaml, read_yaml_text
from infra_toolkit.pricing import PriceBook
from infra_toolkit.resource_types import (
    EBS_VOLUME_TYPES,
    IGNORED_EVERYWHERE,
    RESOURCE_SCHEMAS,
    Field,
    check_rules,
    launch_template_problem,
    launch_template_ref,
    root_device_problem,
)

__all__ = [
    "Resource",
    "ResourceProblem",
    "parse_resources",
    "read_resources_yaml",
    "validate_resources",
]



@dataclass(frozen=True)
class Resource:
    """A validated resource: Terraform ``type`` and ``name``, its region, its attributes (dotted
    names, defaults filled in) and usage estimates; for a node group with a ``launch_template``
    block, the ``aws_launch_template`` it names. Build it with :func:`parse_resources`."""

    type: str
    name: str
    region: str
    attributes: Mapping[str, Any] = field(default_factory=dict)
    usage: Mapping[str, Any] = field(default_factory=dict)
    launch_template: Resource | None = None

    def __post_init__(self) -> None:
        if self.type not in RESOURCE_SCHEMAS:
            raise PlanError(f"unknown resource type {self.type!r}; supported: "
                            f"{', '.join(RESOURCE_SCHEMAS)}")
        if not self.name or not self.region:
            raise PlanError(f"{self.type}: a resource needs a name and a region")
        lt = self.launch_template
        if lt is not None and (self.type != "aws_eks_node_group"
                               or lt.type != "aws_launch_template"
                               or launch_template_ref(self.attributes) != lt.name):
            raise PlanError(f"{self.address}: carries {lt.address} but its launch_template "
                            f"block names {launch_template_ref(self.attributes)!r}")

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


def _written_path(raw: Mapping[str, Any], key: str) -> str:
    """A flattened ``key`` (``block_device_mappings.ebs.volume_size``) as it is written in
    ``raw``: a block given as a one-element list keeps its index
    (``block_device_mappings[0].ebs.volume_size``)."""
    out: list[str] = []
    node: Any = raw
    for part in key.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, list) and len(node) == 1 and isinstance(node[0], Mapping):
            part, node = f"{part}[0]", node[0]
        out.append(part)
    return ".".join(out)


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


def _conflict(spec: Field, flat: Mapping[str, Any]) -> str | None:
    """Why an attribute may not be given beside the others (Terraform's ConflictsWith)."""
    for other in spec.conflicts_with:
        if any(k == other or k.startswith(other + ".") for k in flat):
            return f"conflicts with {other}: {spec.conflict_fix}"
    return None


_KNOWN = {  # attribute -> (table, column, what) checked against the price book
    ("aws_instance", "instance_type"): ("ec2_instance_specs", "instance_type",
                                        "EC2 instance type"),
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


def _ami_arch(ami_type: str) -> str | None:
    """The architecture (as in ec2_instance_specs ``arch``) of an EKS ``ami_type``:
    ``..._ARM_64...`` is arm64, ``..._x86_64...`` amd64 (the EKS API's AMITypes names);
    ``CUSTOM`` says nothing."""
    upper = ami_type.upper()
    return "arm64" if "ARM_64" in upper else "amd64" if "X86_64" in upper else None


def _node_group_arch_problem(book: PriceBook, types: list[tuple[int, str]], ami_type: str
                             ) -> tuple[str, str] | None:
    """(path, message) when a node group's instance types are of different architectures, or
    of another than its ``ami_type``'s: EKS creates the group from one AMI, so it refuses both
    (and pricing the first type would price a group that cannot exist)."""
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
        return (f"instance_types[{i0}]", f"{t0!r} is {arch0} but ami_type {ami_type} is "
                f"{want}: set an {'ARM_64' if arch0 == 'arm64' else 'x86_64'} ami_type (e.g. "
                f"{'AL2023_ARM_64_STANDARD' if arch0 == 'arm64' else 'AL2023_x86_64_STANDARD'})"
                " or an instance type of that architecture")
    return None


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
                if rtype in EBS_VOLUME_TYPES else _did_you_mean(str(rtype), list(RESOURCE_SCHEMAS)))
        bad(f"{where}.type", f"{rtype!r} is not a supported resource type (supported: "
            f"{', '.join(RESOURCE_SCHEMAS)}){hint}")
        return None
    schema = RESOURCE_SCHEMAS[rtype]
    count = len(problems)
    name = item.get("name")
    label = f"{rtype}.{name}" if isinstance(name, str) and name else str(rtype)
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
            ("", attrs_raw, schema.attributes, schema.ignored | IGNORED_EVERYWHERE),
            ("usage.", usage_raw, schema.usage, frozenset())):
        flat = _flatten(raw, set(specs))
        out: dict[str, Any] = {}
        for key, value in flat.items():
            path = f"{where}.{section}{_written_path(raw, key)}"
            if key in ignored or key.split(".")[0] in ignored:
                continue
            if key not in specs and isinstance(value, list) and any(
                    k.startswith(key + ".") for k in specs):
                bad(path, f"{len(value)} blocks given; {label} takes one {key} block"
                    + ("; only the nodes' root volume is priced: keep the block of the root "
                       "device (/dev/xvda)" if key == "block_device_mappings" else ""))
                continue
            if key not in specs:
                valid = sorted(specs) + ([] if section else ["region", "usage"])
                bad(path, f"unknown {'usage key' if section else 'attribute'} for {label} "
                    f"(valid: {', '.join(valid) or 'none'})" + _did_you_mean(key, valid)
                    + (f"; {key} is not read: to price N instances, write one entry per "
                       "instance (names such as web1, web2, ...)"
                       if key in ("count", "for_each") and not section else ""))
                continue
            if specs[key].kind == "int" and isinstance(value, float) and value.is_integer():
                value = int(value)  # 1e2 (YAML 1.2's number, read as a float) is the whole 100
            why = _check_value(specs[key], value) or _conflict(specs[key], flat)
            if why:
                bad(path, why)
                continue
            out[key] = tuple(value) if isinstance(value, list) else value
        for key, spec in specs.items():
            if key not in out and key not in flat and not _conflict(spec, flat):
                if spec.required:
                    inherit = (" (a read replica inherits it only from a replicate_source_db "
                               "in the same list)" if "replicate_source_db" in raw
                               and key in ("engine", "allocated_storage") else "")
                    bad(f"{where}.{section}{_written_path(raw, key)}",
                        f"required for {label}{inherit}")
                elif spec.default is not None:
                    out[key] = spec.default
        values[section] = out
    attrs, usage = values[""], values["usage."]
    # A misspelt class is worth naming even beside another problem of the same resource (it is
    # checked against every engine's classes, so it needs no valid engine).
    for (t, attr), (table, column, what) in _KNOWN.items():
        if book is not None and t == rtype and attr in attrs:
            why = _known_value_problem(book, table, column, what, attrs[attr])
            if why:
                bad(f"{where}.{attr}", why)
    if book is not None and rtype == "aws_eks_node_group" and "instance_types" in attrs:
        known = []
        for i, itype in enumerate(attrs["instance_types"]):
            why = _known_value_problem(book, "ec2_instance_specs", "instance_type",
                                       "EC2 instance type", itype)
            if why:
                bad(f"{where}.instance_types[{i}]", why)
            else:
                known.append((i, itype))
        why_arch = _node_group_arch_problem(book, known, str(attrs.get("ami_type", "")))
        if why_arch:
            bad(f"{where}.{why_arch[0]}", why_arch[1])
    if len(problems) > count:
        return None
    for path, message in check_rules(rtype, attrs, usage, str(region)):
        bad(f"{where}.{_written_path(item, path)}", message)
    if len(problems) > count:
        return None
    return Resource(rtype, str(name), str(region), attrs, usage)


def _inherit_from_source(items: list[Any]) -> list[Any]:
    """A read replica (``replicate_source_db``) inherits ``engine``, ``allocated_storage`` and
    ``storage_type`` from its source when the source is in the same list (by name, or
    ``aws_db_instance.name``), and with the source's storage type its ``iops`` and
    ``storage_throughput`` too: RDS copies every attribute the replica does not set ("All other
    attributes ... are inherited from the source DB instance", AWS CLI reference,
    create-db-instance-read-replica), so a replica of an io1 or provisioned gp3 source pays for
    the same IOPS. A gp2 default applies to ``storage_type`` as in Terraform."""
    by_name = {i.get("name"): i for i in items
               if isinstance(i, dict) and i.get("type") == "aws_db_instance"}
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


def _walk(items: Any, path: str, default_region: str | None, book: PriceBook | None
          ) -> tuple[list[Resource], list[ResourceProblem]]:
    problems: list[ResourceProblem] = []
    if not isinstance(items, list):
        return [], [ResourceProblem(path, f"expected a list of resources, got {items!r}")]
    resources = []
    wheres: list[str] = []
    seen: dict[str, int] = {}
    regions = list(book.regions()) if book else []
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
        wheres.append(where)
    templates = {r.name: r for r in resources if r.type == "aws_launch_template"}
    written = sorted({str(i.get("name")) for i in items
                      if isinstance(i, dict) and i.get("type") == "aws_launch_template"})
    for j, resource in enumerate(resources):
        ref = launch_template_ref(resource.attributes) \
            if resource.type == "aws_eks_node_group" else None
        if ref is None:
            continue
        key = "name" if "launch_template.name" in resource.attributes else "id"
        lt_path = f"{wheres[j]}.launch_template.{key}"
        template = templates.get(ref)
        if template is None:
            if ref not in written:  # else the template's own problems are reported
                problems.append(ResourceProblem(lt_path, _missing_template(ref, written, path)))
            continue
        why = launch_template_problem(template.address, template.attributes)
        if why:
            problems.append(ResourceProblem(lt_path, why))
            continue
        if template.region != resource.region:
            problems.append(ResourceProblem(lt_path, (
                f"{template.address} is in {template.region} but {resource.address} is in "
                f"{resource.region}; a node group can use only a launch template of its own "
                "region: give both the same region")))
            continue
        why = root_device_problem(template.address,
                                  str(template.attributes["block_device_mappings.device_name"]),
                                  str(resource.attributes["ami_type"]), resource.address)
        if why:
            device = f"{wheres[resources.index(template)]}.block_device_mappings[0].device_name"
            problems.append(ResourceProblem(device, why))
            continue
        resources[j] = replace(resource, launch_template=template)
    return resources, problems


def _missing_template(ref: str, names: list[str], path: str) -> str:
    if not names:
        return (f"no aws_launch_template named {ref!r} in {path} (it has none); add one with a "
                "block_device_mappings block for the nodes' root volume")
    return (f"no aws_launch_template named {ref!r} in {path} (launch templates: "
            f"{', '.join(names)})" + _did_you_mean(ref, names))


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
    given, replaces the file's default region (resources naming their own region keep it).

    The file is loaded as a plan is (:func:`~infra_toolkit.plan_yaml.parse_yaml`): YAML 1.2
    numbers such as ``2e2``, and a key written twice is an error with its line instead of the
    last one silently winning."""
    path = Path(path)
    doc, _lines, problems = parse_yaml(read_yaml_text(path, "resources file"), str(path))
    if problems:
        text = [str(p) for p in problems]
        raise PlanError(f"{len(text)} problem(s) in {path}:\n  " + "\n  ".join(text), text)
    if not isinstance(doc, dict) or "resources" not in doc:
        raise PlanError(f"{path}: expected a mapping with a 'resources' list (and optionally "
                        "'region')")
    unknown = sorted(set(doc) - {"region", "resources"})
    if unknown:
        raise PlanError(f"{path}: unknown top-level key {unknown[0]!r}; allowed: region, "
                        "resources")
    return parse_resources(doc["resources"], default_region=region or doc.get("region"),
                           price_book=price_book, source=str(path))
