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

Terraform's ``count: N`` (a whole number >= 1) makes N identical resources named as Terraform
addresses them, ``web[0]`` .. ``web[N-1]`` (``aws_instance.web[0]``, what Infracost shows from a
plan), each with the entry's attributes and usage: usage is per instance. Count 0 is refused
(leave the entry out instead), and so is one above 10,000. Types the plan refers to by name
refuse it (:data:`~infra_toolkit.resource_types.COUNT_REFUSED`), and so does a DB instance another
entry's ``replicate_source_db`` names (a replica with count: N replicas of that source).

:func:`validate_resources` returns every problem with its path (``resources[2].instance_class:
'db.t3.medum' is not a known RDS class; did you mean 'db.t3.medium'?``); :func:`parse_resources`
raises :class:`~infra_toolkit.errors.PlanError` carrying them all. The attributes each type
accepts, their defaults and allowed values are in :mod:`infra_toolkit.resource_types`, the rules
between them in :mod:`infra_toolkit.resource_rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from infra_toolkit.errors import PlanError, clipped, quoted
from infra_toolkit.launch_template import (
    launch_template_problem,
    launch_template_ref,
    root_device_problem,
)
from infra_toolkit.plan_fields import did_you_mean
from infra_toolkit.plan_yaml import parse_yaml, read_yaml_text
from infra_toolkit.price_book_checks import (
    KNOWN_VALUES,
    known_value_problem,
    node_group_arch_problem,
)
from infra_toolkit.pricing import PriceBook
from infra_toolkit.pricing_fixes import unpriced_region_fix
from infra_toolkit.read_replicas import inherit_from_source
from infra_toolkit.resource_fields import check_value, conflict, flatten, written_path
from infra_toolkit.resource_rules import check_rules
from infra_toolkit.resource_types import (
    COUNT_REFUSED,
    EBS_VOLUME_TYPES,
    IGNORED_EVERYWHERE,
    RESOURCE_SCHEMAS,
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
    # the list entry it was written as (``proposed.resources[3]``), shared by a count's copies:
    # after a ``count: N`` the resources' own indices run N - 1 ahead of the entries', so a
    # message about a resource points here (empty: built by the toolkit, not written)
    entry_path: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if self.type not in RESOURCE_SCHEMAS:
            raise PlanError(f"unknown resource type {quoted(self.type)}; supported: "
                            f"{', '.join(RESOURCE_SCHEMAS)}")
        if not self.name or not self.region:
            raise PlanError(f"{self.type}: a resource needs a name and a region")
        lt = self.launch_template
        if lt is not None and (self.type != "aws_eks_node_group"
                               or lt.type != "aws_launch_template"
                               or launch_template_ref(self.attributes) != lt.name):
            raise PlanError(f"{self.address}: carries {lt.address} but its launch_template "
                            f"block names {quoted(launch_template_ref(self.attributes))}")

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


_MAX_COUNT = 10_000  # copies of one entry (`cost` prices 10,000 in about 2 s)


def _count(item: dict[str, Any], rtype: str, label: str, where: str, sources: set[str],
           problems: list[ResourceProblem]) -> int:
    """The entry's Terraform ``count`` (1 when not given); a problem for a bad one."""
    if "count" not in item:
        return 1
    value = item["count"]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 6e0 (YAML 1.2's number, read as a float) is the whole 6
    if rtype in COUNT_REFUSED or (rtype == "aws_db_instance" and item.get("name") in sources):
        why = COUNT_REFUSED.get(rtype) or (
            "a read replica's replicate_source_db names it; write one entry per source DB "
            "instance (a replica may have a count)")
        problems.append(ResourceProblem(f"{where}.count", f"{quoted(value)}: {label} cannot have a "
                                        f"count: {why}"))
    elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
        problems.append(ResourceProblem(f"{where}.count", f"{quoted(value)} must be a whole number "
                                        f">= 1: the number of identical {rtype} resources"))
    elif value == 0:
        problems.append(ResourceProblem(f"{where}.count", f"0 would price no {label}: leave "
                                        "the entry out (or give a count >= 1)"))
    elif value > _MAX_COUNT:
        # each copy is a resource and its lines: 1e300 copies never finished (and 1e6 took
        # minutes and gigabytes), so a typo or a unit slip would hang `cost` and `validate`
        shown = f"{value:,}" if value < 10**15 else f"{float(value):.3g}"
        problems.append(ResourceProblem(f"{where}.count", f"{shown} is more than {_MAX_COUNT:,}, "
                                        f"the most identical {rtype} resources priced one by "
                                        "one; check the value"))
    else:
        return value
    return 1


# EKS's default root volume of a node group without a launch template is 50 GiB on a Windows
# AMI, 20 GiB (the schema's default) otherwise: CreateNodegroup ``diskSize``, "The default disk
# size is 20 GiB for Linux and Bottlerocket. The default disk size is 50 GiB for Windows." (AWS
# SDK for Kotlin reference, .../eks/aws.sdk.kotlin.services.eks.model/-create-nodegroup-request/
# disk-size.html; Terraform's aws_eks_node_group disk_size says the same).
_WINDOWS_DISK_SIZE_GIB = 50


def _unknown_source(raw: dict[str, Any], db_names: list[str]) -> str:
    """Why nothing was inherited when a replica's ``replicate_source_db`` names no DB instance
    of the list (a mistyped name), else ``""``."""
    source = str(raw["replicate_source_db"]).removeprefix("aws_db_instance.")
    if source in db_names:
        return ""
    listed = f" (its DB instances: {', '.join(map(quoted, db_names))})" if db_names else ""
    return f": {quoted(source)} names no aws_db_instance of this list" + (
        did_you_mean(source, db_names, list_choices=False) or listed)


# Aurora is billed otherwise than RDS (cluster storage and I/O apart from the instances), and
# the shipped tables hold no Aurora rows (pricing_data/README.md, reference rows not shipped).
_AURORA_TYPES = ("aws_rds_cluster", "aws_rds_cluster_instance")
_AURORA_NOT_PRICED = ("Aurora (aws_rds_cluster, aws_rds_cluster_instance, engine aurora-*) is not "
                      "priced: the pricing tables hold no Aurora rows (pricing_data/README.md, "
                      "known gaps); to compare with RDS, write an aws_db_instance with engine: "
                      "postgres or mysql (RDS prices, not Aurora's) and say so in the plan")


def _check_item(item: Any, where: str, default_region: str | None, book: PriceBook | None,
                regions: list[str], problems: list[ResourceProblem], sources: set[str],
                db_names: list[str]) -> list[Resource]:
    def bad(path: str, message: str) -> None:
        problems.append(ResourceProblem(path, message))

    if not isinstance(item, dict):
        bad(where, f"expected a mapping with type, name and attributes, got {quoted(item)}")
        return []
    written = item.get("type")
    # a type written as a list or mapping (unhashable) is looked up as no type at all
    rtype = written if isinstance(written, str) else ""
    if rtype not in RESOURCE_SCHEMAS:
        hint = (f"; for an aws_ebs_volume write its volume type as volume_type: {rtype}"
                if rtype in EBS_VOLUME_TYPES
                else f"; {_AURORA_NOT_PRICED}" if rtype in _AURORA_TYPES
                else did_you_mean(str(written), RESOURCE_SCHEMAS, list_choices=False))
        bad(f"{where}.type", f"{quoted(written)} is not a supported resource type (supported: "
            f"{', '.join(RESOURCE_SCHEMAS)}){hint}")
        return []
    schema = RESOURCE_SCHEMAS[rtype]
    before = len(problems)
    name = item.get("name")
    label = f"{rtype}.{name}" if isinstance(name, str) and name else str(rtype)
    if not isinstance(name, str) or not name:
        bad(f"{where}.name", f"{quoted(name)}: every resource needs a non-empty string name")
    count = _count(item, str(rtype), label, where, sources, problems)
    region = item.get("region", default_region)
    if not isinstance(region, str) or not region:
        bad(f"{where}.region", "no region: set region on the resource or at the top of the "
            "file, or pass --region")
    elif book is not None and region not in regions:
        near = did_you_mean(region, regions, list_choices=False)
        # the fix for a real region the tables lack (mx-central-1) was not said
        bad(f"{where}.region", f"{quoted(region)} is not a region in any pricing table" + near
            + (" If" if near else "; if") + " it is a region the tables lack, "
            + unpriced_region_fix(region))
    usage_raw = item.get("usage", {})
    if not isinstance(usage_raw, dict):
        bad(f"{where}.usage", f"{quoted(usage_raw)} must be a mapping of usage keys")
        usage_raw = {}
    attrs_raw = {k: v for k, v in item.items()
                 if k not in ("type", "name", "region", "usage", "count")}
    values: dict[str, dict[str, Any]] = {}
    for section, raw, specs, ignored in (
            ("", attrs_raw, schema.attributes, schema.ignored | IGNORED_EVERYWHERE),
            ("usage.", usage_raw, schema.usage, frozenset())):
        flat = flatten(raw, set(specs))
        out: dict[str, Any] = {}
        for key, value in flat.items():
            path = f"{where}.{section}{written_path(raw, key)}"
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
                    f"(valid: {', '.join(valid) or 'none'})"
                    + did_you_mean(key, valid, list_choices=False)
                    + ("; for_each is not read: for N identical resources write count: N, "
                       "else one entry per instance" if key == "for_each" and not section
                       else ""))
                continue
            if specs[key].kind == "int" and isinstance(value, float) and value.is_integer():
                value = int(value)  # 1e2 (YAML 1.2's number, read as a float) is the whole 100
            why = check_value(specs[key], value) or conflict(specs[key], flat)
            if why and rtype == "aws_db_instance" and key == "engine" \
                    and str(value).startswith("aurora"):
                # 'did you mean postgres' would price RDS PostgreSQL as if it were Aurora
                why = (f"{quoted(value)} is an Aurora engine, which an aws_db_instance does not "
                       f"run; {_AURORA_NOT_PRICED}")
            if why:
                bad(path, why)
                continue
            out[key] = tuple(value) if isinstance(value, list) else value
        for key, spec in specs.items():
            if key not in out and key not in flat and not conflict(spec, flat):
                if spec.required:
                    inherit = (" (a read replica inherits it only from a replicate_source_db "
                               "in the same list"
                               + _unknown_source(raw, [n for n in db_names if n != name])
                               + ")"
                               if "replicate_source_db" in raw
                               and key in ("engine", "allocated_storage") else "")
                    bad(f"{where}.{section}{written_path(raw, key)}",
                        f"required for {label}{inherit}")
                elif spec.default is not None:
                    out[key] = spec.default
        values[section] = out
    attrs, usage = values[""], values["usage."]
    if rtype == "aws_eks_node_group" and "disk_size" in attrs and "disk_size" not in attrs_raw \
            and str(attrs.get("ami_type", "")).startswith("WINDOWS"):
        attrs["disk_size"] = _WINDOWS_DISK_SIZE_GIB
    # A misspelt class is worth naming even beside another problem of the same resource (it is
    # checked against every engine's classes, so it needs no valid engine).
    for (t, attr), (table, column, what) in KNOWN_VALUES.items():
        if book is not None and t == rtype and attr in attrs:
            why = known_value_problem(book, table, column, what, attrs[attr])
            if why:
                bad(f"{where}.{attr}", why)
    if book is not None and rtype == "aws_eks_node_group" and "instance_types" in attrs:
        known = []
        for i, itype in enumerate(attrs["instance_types"]):
            why = known_value_problem(book, "ec2_instance_specs", "instance_type",
                                       "EC2 instance type", itype)
            if why:
                bad(f"{where}.instance_types[{i}]", why)
            else:
                known.append((i, itype))
        why_arch = node_group_arch_problem(book, known, str(attrs.get("ami_type", "")),
                                           isinstance(item, dict) and "ami_type" in item)
        if why_arch:
            bad(f"{where}.{why_arch[0]}", why_arch[1])
    if len(problems) > before:
        return []
    for path, message in check_rules(rtype, attrs, usage, str(region)):
        bad(f"{where}.{written_path(item, path)}", message)
    if len(problems) > before:
        return []
    names = [str(name)] if "count" not in item else [f"{name}[{i}]" for i in range(count)]
    return [Resource(rtype, n, str(region), attrs, usage) for n in names]

def _walk(items: Any, path: str, default_region: str | None, book: PriceBook | None
          ) -> tuple[list[Resource], list[ResourceProblem]]:
    problems: list[ResourceProblem] = []
    if not isinstance(items, list):
        return [], [ResourceProblem(path, f"expected a list of resources, got {quoted(items)}")]
    resources = []
    wheres: list[str] = []
    seen: dict[str, int] = {}
    regions = list(book.regions()) if book else []
    sources = {str(i.get("replicate_source_db")).removeprefix("aws_db_instance.") for i in items
               if isinstance(i, dict) and i.get("type") == "aws_db_instance"
               and i.get("replicate_source_db") is not None}
    db_names = [str(i["name"]) for i in items if isinstance(i, dict)
                and i.get("type") == "aws_db_instance" and isinstance(i.get("name"), str)]
    for i, item in enumerate(inherit_from_source(items)):
        where = f"{path}[{i}]"
        made = _check_item(item, where, default_region, book, regions, problems, sources,
                           db_names)
        if not made:
            continue
        entry = f"{item['type']}.{item['name']}"  # a count's copies share their entry's name
        if entry in seen:
            problems.append(ResourceProblem(f"{where}.name", f"{quoted(item['name'])} repeats "
                            f"{path}[{seen[entry]}] ({entry})"))
            continue
        seen[entry] = i
        resources += [replace(r, entry_path=where) for r in made]
        wheres += [where] * len(made)
    problems += _egress_problems(resources, wheres)
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


def _egress_problems(resources: list[Resource], wheres: list[str]) -> list[ResourceProblem]:
    """A second ``aws_data_transfer`` with Internet egress in one region: AWS tiers the month's
    egress as one (first 10 TB, next 40 TB, ...), but each resource's GB would start at the
    first tier again, pricing the GB past 10 TB at the first tier's rate."""
    first: dict[str, Resource] = {}
    out = []
    for j, r in enumerate(resources):
        if r.type != "aws_data_transfer" or "monthly_outbound_internet_gb" not in r.usage:
            continue
        if r.region not in first:
            first[r.region] = r
            continue
        out.append(ResourceProblem(f"{wheres[j]}.usage.monthly_outbound_internet_gb", (
            f"{first[r.region].address} already gives {r.region}'s Internet egress; AWS tiers a "
            "month's egress as one (first 10 TB, next 40 TB, ...), so a second resource would "
            f"start again at the first tier: put the GB of {r.address} into "
            f"{first[r.region].address}")))
    return out


def _missing_template(ref: str, names: list[str], path: str) -> str:
    if not names:
        return (f"no aws_launch_template named {quoted(ref)} in {path} (it has none); add one "
                "with a block_device_mappings block for the nodes' root volume")
    return (f"no aws_launch_template named {quoted(ref)} in {path} (launch templates: "
            f"{', '.join(map(clipped, names))})" + did_you_mean(ref, names, list_choices=False))


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
    if isinstance(doc, dict) and "resources" not in doc and {"current", "proposed"} & set(doc):
        # a plan where a resources file goes (cost --compare PLAN): say which sides it has
        raise PlanError(f"{path}: a plan (current / proposed), not a resources file: run "
                        f"infra-toolkit cost {path} to compare its sides, or give a file of "
                        "region and resources")
    if not isinstance(doc, dict) or "resources" not in doc:
        what = ("is empty" if doc is None else "has no 'resources' key"
                if isinstance(doc, dict) else "holds a list" if isinstance(doc, list)
                else "holds a single value")
        raise PlanError(f"{path}: expected a mapping with a 'resources' list (and optionally "
                        f"'region'); the file {what}")
    unknown = sorted(set(doc) - {"region", "resources"})
    if unknown:
        raise PlanError(f"{path}: unknown top-level key {quoted(unknown[0])}; allowed: region, "
                        "resources")
    return parse_resources(doc["resources"], default_region=region or doc.get("region"),
                           price_book=price_book, source=str(path))
