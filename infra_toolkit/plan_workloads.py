"""Reading one side of a plan (``current`` or ``proposed``): region, resources, workloads and node
groups, with the cross-checks that tie them together.

Node groups come from the eksctl ``ClusterConfig`` when ``cluster_config`` is given, else from
the ``aws_eks_node_group`` resources. When both exist they must agree (name, instance types,
min/max size, capacity type): the simulation runs on the ClusterConfig's groups while the cost
model prices the resources, so a mismatch would price something other than what is simulated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra_toolkit import plan_domain as domain
from infra_toolkit.cluster_config import NodeGroup
from infra_toolkit.errors import SpecError
from infra_toolkit.plan import (
    Architecture,
    Manifest,
    Resource,
    Workload,
    WorkloadModel,
    _seed_rule,
)
from infra_toolkit.plan_fields import FieldReader, did_you_mean, join_path

__all__ = ["read_architecture"]

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")
_MODEL_KEYS = ("cpu_millicores_per_rps", "baseline_cpu_millicores", "capacity_rps_per_pod",
               "service_time_ms", "startup_s", "memory_baseline_mib", "memory_mib_per_rps",
               "startup_cpu_burst_millicores", "startup_cpu_burst_s")
_MODEL_REQUIRED = _MODEL_KEYS[:5]


def _resources(r: FieldReader, m: Mapping[str, Any], p: str, region: str | None,
               proposed: bool) -> tuple[Resource, ...] | None:
    why = _seed_rule("proposed.resources") + ": list the resources to price" \
        if proposed else "; write `resources: []` when nothing exists today"
    items = r.list_(m, "resources", p, nonempty=proposed, why=why)
    if items is None:
        return None
    before = r.count()
    out, addresses, located = [], [], []
    rp = join_path(p, "resources")
    for i, item in enumerate(items):
        ip = join_path(rp, i)
        res = r.mapping(item, ip, required=("type", "name"),
                        what=" with type, name and the Terraform attributes")
        if res is None:
            continue
        kind, name = r.str_(res, "type", ip), r.str_(res, "name", ip)
        if kind is None or name is None:
            continue
        attributes = {k: v for k, v in res.items() if k not in ("type", "name")}
        out.append(Resource(kind, name, attributes))
        located.append((ip, out[-1]))
        addresses.append((join_path(ip, "name"), f"{kind}.{name}"))
    r.unique_names(addresses, "resource address")
    domain.check_resources(r, located, region)
    return None if r.count() > before else tuple(out)


def _model(r: FieldReader, raw: Any, p: str) -> WorkloadModel | None:
    m = r.mapping(raw, p, _MODEL_KEYS, _MODEL_REQUIRED)
    if m is None:
        return None
    before = r.count()
    values = {k: r.number(m, k, p, required=k in _MODEL_REQUIRED, minimum=0,
                          exclusive_minimum=k in ("capacity_rps_per_pod", "service_time_ms"))
              for k in _MODEL_KEYS if k in m or k in _MODEL_REQUIRED}
    return None if r.count() > before else WorkloadModel(**values)  # type: ignore[arg-type]


def _scale_target_matches(r: FieldReader, hpa: Manifest, deployment: Manifest, p: str) -> None:
    spec = hpa.document.get("spec")
    ref = spec.get("scaleTargetRef") if isinstance(spec, Mapping) else None
    if not isinstance(ref, Mapping):
        r.add(p, "the HPA has no spec.scaleTargetRef; point it at the Deployment")
        return
    if ref.get("kind") != "Deployment" or ref.get("name") != deployment.name:
        r.add(p, f"the HPA scales {ref.get('kind')}/{ref.get('name')} but the workload's "
                 f"Deployment is Deployment/{deployment.name}; fix spec.scaleTargetRef")


def _workloads(r: FieldReader, m: Mapping[str, Any], p: str, base_dir: Path
               ) -> tuple[Workload, ...] | None:
    items = r.list_(m, "workloads", p, required=False)
    if items is None:
        return () if "workloads" not in m else None
    before = r.count()
    out = []
    for i, item in enumerate(items):
        wp = join_path(join_path(p, "workloads"), i)
        w = r.mapping(item, wp, ("name", "deployment", "hpa", "model", "node_group",
                                 "traffic_share"), ("name", "deployment", "model"))
        if w is None:
            continue
        start = r.count()
        name = r.str_(w, "name", wp)
        dp, hp = join_path(wp, "deployment"), join_path(wp, "hpa")
        deployment = domain.load_manifest(r, w.get("deployment"), dp, base_dir, "Deployment") \
            if "deployment" in w else None
        hpa = domain.load_manifest(r, w["hpa"], hp, base_dir, "HorizontalPodAutoscaler") \
            if "hpa" in w else None
        if deployment is not None:
            domain.check_deployment(r, deployment, dp)
        if hpa is not None:
            domain.check_hpa(r, hpa, hp)
            if deployment is not None:
                _scale_target_matches(r, hpa, deployment, hp)
        model = _model(r, w.get("model"), join_path(wp, "model")) if "model" in w else None
        share = r.number(w, "traffic_share", wp, required=False, minimum=0,
                         exclusive_minimum=True, default=1.0)
        node_group = r.str_(w, "node_group", wp, required=False)
        if r.count() == start and name and deployment and model and share is not None:
            out.append(Workload(name, deployment, model, hpa, node_group, share))
    r.unique_names([(join_path(join_path(join_path(p, "workloads"), i), "name"), w.name)
                    for i, w in enumerate(out)], "workload")
    return None if r.count() > before else tuple(out)


def _group_from_resource(r: FieldReader, res: Resource, p: str) -> NodeGroup | None:
    """``aws_eks_node_group`` attributes as a node group (Terraform names: ``node_group_name``,
    ``instance_types``, ``capacity_type``, ``disk_size``, ``scaling_config``, ``labels``)."""
    a = res.attributes
    before = r.count()
    sp = join_path(p, "scaling_config")
    scaling = r.mapping(a.get("scaling_config"), sp, ("desired_size", "min_size", "max_size"),
                        ("desired_size", "min_size", "max_size"),
                        what=" (Terraform scaling_config {desired_size, min_size, max_size})")
    sizes = {k: r.int_(scaling, k, sp, minimum=0) for k in ("min_size", "max_size",
                                                             "desired_size")} if scaling else {}
    types = r.str_list(a, "instance_types", p)
    capacity = r.str_(a, "capacity_type", p, required=False, choices=("ON_DEMAND", "SPOT"))
    disk = r.int_(a, "disk_size", p, required=False, minimum=1)
    name = r.str_(a, "node_group_name", p, required=False) or res.name
    low, high, desired = (sizes.get(k) for k in ("min_size", "max_size", "desired_size"))
    if r.count() > before or types is None or low is None or high is None or desired is None:
        return None
    try:
        return NodeGroup(name, types, low, high, desired, capacity or "ON_DEMAND", disk)
    except SpecError:
        r.add(sp, f"need min_size <= desired_size <= max_size, got {low} <= {desired} <= {high}")
        return None


def _node_groups_agree(r: FieldReader, configured: tuple[NodeGroup, ...],
                       priced: dict[str, tuple[str, NodeGroup]], cp: str) -> None:
    for group in configured:
        if group.name not in priced:
            r.add(cp, f"node group {group.name!r} of the ClusterConfig has no aws_eks_node_group "
                      f"resource with that node_group_name, so it would not be priced"
                      f"{did_you_mean(group.name, priced) if priced else ''}")
            continue
        path, res = priced[group.name]
        for attr, field in (("instance_types", "instance_types"),
                            ("min_size", "scaling_config.min_size"),
                            ("max_size", "scaling_config.max_size"),
                            ("capacity_type", "capacity_type"),
                            ("disk_size_gib", "disk_size")):
            if getattr(group, attr) != getattr(res, attr):
                r.add(f"{path}.{field}", f"{getattr(res, attr)!r} differs from the ClusterConfig's "
                            f"{getattr(group, attr)!r} for node group {group.name!r}; make them "
                            "equal so the priced and the simulated nodes are the same")
    names = {g.name for g in configured}
    for name, (path, _res) in priced.items():
        if name not in names:
            r.add(path, f"node group {name!r} is priced but not in the ClusterConfig; add it there "
                        "or remove the resource")


def _node_groups(r: FieldReader, m: Mapping[str, Any], p: str, base_dir: Path, region: str | None,
                 resources: tuple[Resource, ...]) -> tuple[tuple[NodeGroup, ...], Manifest | None]:
    priced: dict[str, tuple[str, NodeGroup]] = {}
    for i, res in enumerate(resources):
        if res.type == "aws_eks_node_group":
            rp = join_path(join_path(p, "resources"), i)
            group = _group_from_resource(r, res, rp)
            if group is not None:
                priced[group.name] = (rp, group)
    if "cluster_config" not in m:
        return tuple(g for _p, g in priced.values()), None
    cp = join_path(p, "cluster_config")
    loaded = domain.load_cluster_config(r, m["cluster_config"], cp, base_dir)
    if loaded is None:
        return (), None
    manifest, config = loaded
    if region is not None and config.region != region:
        r.add(cp, f"the ClusterConfig's metadata.region {config.region!r} differs from {p}.region "
                  f"{region!r}; make them equal")
    _node_groups_agree(r, config.node_groups, priced, cp)
    return config.node_groups, manifest


def read_architecture(r: FieldReader, raw: Any, p: str, base_dir: Path, proposed: bool
                      ) -> Architecture | None:
    """One side of the change (``p`` is ``current`` or ``proposed``), or ``None`` after recording
    its problems."""
    m = r.mapping(raw, p, ("region", "resources", "workloads", "cluster_config"), ("region",))
    if m is None:
        return None
    before = r.count()
    region = r.str_(m, "region", p)
    if region is not None and not _REGION.match(region):
        r.add(join_path(p, "region"), f"{region!r} is not an AWS region code such as us-east-1")
        region = None
    resources = _resources(r, m, p, region, proposed) if "resources" in m else None
    if "resources" not in m:
        r.add(join_path(p, "resources"),
              "missing" + _seed_rule("proposed.resources") + ": list the proposed resources "
              "to price" if proposed else "missing; list today's resources (or write "
                                          "`resources: []` when nothing exists today)")
    workloads = _workloads(r, m, p, base_dir)
    groups, manifest = _node_groups(r, m, p, base_dir, region, resources or ())
    for i, w in enumerate(workloads or ()):
        if w.node_group is not None and w.node_group not in {g.name for g in groups}:
            r.add(join_path(join_path(join_path(p, "workloads"), i), "node_group"),
                  f"no node group named {w.node_group!r}"
                  f"{did_you_mean(w.node_group, [g.name for g in groups]) if groups else ''}")
    if workloads and resources is not None and "cluster_config" not in m and not any(
            res.type == "aws_eks_node_group" for res in resources):
        r.add(p, "has workloads but no node groups; add aws_eks_node_group resources or a "
                 "cluster_config")
    if r.count() > before or region is None or resources is None or workloads is None:
        return None
    return Architecture(region, resources, workloads, groups, manifest)
