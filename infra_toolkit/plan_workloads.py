"""Reading one side of a plan (``current`` or ``proposed``): region, resources and workloads
(each one's Deployment, HPA, model and disruption budgets), with the cross-checks that tie them
together; its node groups, and their agreement with the priced resources, are read by
:mod:`infra_toolkit.plan_node_groups`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra_toolkit import plan_domain as domain
from infra_toolkit.errors import SpecError, clipped, quoted
from infra_toolkit.hpa_requests import memory_utilization_problem, reads_cpu_requests
from infra_toolkit.keda_activation import KedaActivation
from infra_toolkit.keda_scaled_object import KIND as SCALED_OBJECT
from infra_toolkit.keda_scaled_object import read_scaled_object
from infra_toolkit.latency import CONSUMERS
from infra_toolkit.manifests import WORKLOAD_KINDS
from infra_toolkit.plan import _seed_rule
from infra_toolkit.plan_architecture import Architecture, Manifest, Workload, WorkloadModel
from infra_toolkit.plan_fields import FieldReader, did_you_mean, join_path
from infra_toolkit.plan_files import load_budget_files, load_manifest
from infra_toolkit.plan_node_groups import declared_group_names, node_groups
from infra_toolkit.pricing import PriceBook
from infra_toolkit.resources import Resource
from infra_toolkit.workload_budgets import budget_problems

__all__ = ["read_architecture"]

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")
_MODEL_REQUIRED = ("cpu_millicores_per_rps", "baseline_cpu_millicores", "capacity_rps_per_pod",
                   "image_pull_s", "app_start_s")
_MODEL_NUMBERS = _MODEL_REQUIRED + ("concurrency", "startup_cpu_millicores", "startup_cpu_s",
                                    "queue_timeout_s", "memory_baseline_mib",
                                    "memory_mib_per_rps")
_MODEL_KEYS = _MODEL_NUMBERS + ("queue_depth_metrics", "consumer")


def _resources(r: FieldReader, m: Mapping[str, Any], p: str, region: str | None,
               proposed: bool, book: PriceBook | None) -> tuple[Resource, ...] | None:
    why = _seed_rule("proposed.resources") + ": list the resources to price" \
        if proposed else "; write `resources: []` when nothing exists today"
    items = r.list_(m, "resources", p, nonempty=proposed, why=why)
    if items is None:
        return None
    return domain.check_resources(r, items, join_path(p, "resources"), region, book)


def _model(r: FieldReader, raw: Any, p: str) -> WorkloadModel | None:
    before = r.count()
    m = r.mapping(raw, p, _MODEL_KEYS, _MODEL_REQUIRED)
    if m is None:
        return None
    values: dict[str, Any] = {k: r.number(m, k, p, minimum=0) for k in _MODEL_NUMBERS if k in m}
    if "concurrency" in m:
        values["concurrency"] = r.int_(m, "concurrency", p, minimum=1)
    if "queue_depth_metrics" in m:
        values["queue_depth_metrics"] = r.str_list(
            m, "queue_depth_metrics", p, why="; name the HPA's Object or External metrics that "
            "count the messages waiting")
    if "consumer" in m:
        values["consumer"] = r.str_(m, "consumer", p, choices=CONSUMERS)
    return None if r.count() > before else WorkloadModel(**values)


def _manifest_name(doc: Mapping[str, Any]) -> Any:
    meta = doc.get("metadata")
    return meta.get("name") if isinstance(meta, Mapping) else None


def _scale_target(doc: Mapping[str, Any]) -> tuple[Any, Any] | None:
    spec = doc.get("spec")
    ref = spec.get("scaleTargetRef") if isinstance(spec, Mapping) else None
    # a KEDA ScaledObject's target is a Deployment unless it says otherwise
    default = "Deployment" if doc.get("kind") == SCALED_OBJECT else None
    return (ref.get("kind", default), ref.get("name")) if isinstance(ref, Mapping) else None


def _as_hpa(r: FieldReader, scaled: Manifest, path: str
            ) -> tuple[Manifest | None, KedaActivation | None]:
    """A KEDA ScaledObject as the HPA KEDA's operator creates for it, in its file, and KEDA's
    own scaling to zero (:mod:`infra_toolkit.keda_scaled_object`); ``None`` after recording why
    it cannot be read."""
    source = scaled.path.name if scaled.path is not None else "the inline manifest"
    try:
        read = read_scaled_object(scaled.document, source)
    except SpecError as exc:
        domain.spec_problems(r, path, exc)
        return None, None
    return dataclasses.replace(scaled, kind="HorizontalPodAutoscaler", document=read.hpa,
                               scaled_object=scaled.document), read.activation


def _scale_target_matches(r: FieldReader, hpa: Manifest, deployment: Manifest, p: str) -> None:
    spec = hpa.document.get("spec")
    ref = spec.get("scaleTargetRef") if isinstance(spec, Mapping) else None
    if not isinstance(ref, Mapping):
        r.add(p, "the HPA has no spec.scaleTargetRef; point it at the Deployment")
        return
    if ref.get("kind") != deployment.kind or ref.get("name") != deployment.name:
        target = clipped(f"{ref.get('kind')}/{ref.get('name')}")
        r.add(p, f"the HPA scales {target} but the workload's {deployment.kind} is "
                 f"{clipped(f'{deployment.kind}/{deployment.name}')}; fix "
                 "spec.scaleTargetRef")
        return
    # an HPA scales a target of its own namespace only; one left out is the namespace the file
    # is applied to, so only two written namespaces can be told apart (audit19 A19-12)
    spaces = [m.get("namespace") if isinstance(m, Mapping) else None
              for m in (hpa.document.get("metadata"), deployment.document.get("metadata"))]
    if None not in spaces and spaces[0] != spaces[1]:
        r.add(p, f"the HPA is in namespace {quoted(spaces[0])} but {deployment.kind}/"
                 f"{deployment.name} in {quoted(spaces[1])}: an HPA scales a target in its own "
                 "namespace only, so it would find none (FailedGetScale) and never scale; put "
                 "both in one namespace (metadata.namespace)")


def _workloads(r: FieldReader, m: Mapping[str, Any], p: str, base_dir: Path
               ) -> tuple[Workload, ...] | None:
    items = r.list_(m, "workloads", p, required=False)
    if items is None:
        return () if "workloads" not in m else None
    before = r.count()
    out: list[Workload] = []
    seen: set[Path] = set()  # files whose PodDisruptionBudgets were checked
    for i, item in enumerate(items):
        wp = join_path(join_path(p, "workloads"), i)
        w = r.mapping(item, wp, ("name", "deployment", "hpa", "model", "node_group",
                                 "traffic_share", "behind_load_balancer",
                                 "disruption_budgets"),
                      ("name", "deployment"))
        if w is not None:
            workload = _workload(r, w, wp, base_dir, seen)
            out += [workload] if workload is not None else []
    r.unique_names([(join_path(join_path(join_path(p, "workloads"), i), "name"), w.name)
                    for i, w in enumerate(out)], "workload")
    return None if r.count() > before else tuple(out)


def _workload(r: FieldReader, w: Mapping[str, Any], wp: str, base_dir: Path,
              seen: set[Path]) -> Workload | None:
    start = r.count()
    name = r.str_(w, "name", wp)
    dp, hp = join_path(wp, "deployment"), join_path(wp, "hpa")
    # a file of several Deployments (a team's `kubectl apply -f` file) gives the one named as
    # the workload, and one of several HPAs the one scaling it (audit15 A15-2)
    deployment = load_manifest(
        r, w.get("deployment"), dp, base_dir, WORKLOAD_KINDS,
        lambda d: _manifest_name(d) == name, f"named {quoted(name)} like the workload") \
        if "deployment" in w else None
    target = (deployment.kind, deployment.name) if deployment is not None else None
    # no Deployment found: the HPA scaling the one it would be, named like the workload (the
    # HPA's own name picks nothing; the message said "named 'x'": audit18 A18-8)
    hpa = load_manifest(
        r, w["hpa"], hp, base_dir, ("HorizontalPodAutoscaler", SCALED_OBJECT),
        lambda d: _scale_target(d) == target if target else
        (_scale_target(d) or (None, None))[1] == name,
        f"scaling {target[0]}/{target[1]}" if target else
        f"scaling one named {quoted(name)} like the workload") if "hpa" in w else None
    keda = None
    if hpa is not None and hpa.kind == SCALED_OBJECT:
        hpa, keda = _as_hpa(r, hpa, hp)
    hpa_spec = domain.check_hpa(r, hpa, hp) if hpa is not None else None
    bp = join_path(wp, "disruption_budgets")
    budget_files = load_budget_files(r, w["disruption_budgets"], bp, base_dir) \
        if "disruption_budgets" in w else ()
    if deployment is not None and budget_files is not None:
        deployment = _with_budgets(r, deployment, hpa, budget_files, (dp, hp), seen)
    # a container without a CPU request fails only an HPA's CPU utilization (audit19 A19-8): a
    # Deployment without an HPA just takes no CPU for it, as the scheduler counts it
    cpu_needed = "none" if "hpa" not in w else \
        "some" if hpa_spec is not None and not reads_cpu_requests(hpa_spec) else "every"
    dep_spec = domain.check_deployment(r, deployment, dp, cpu_needed) \
        if deployment is not None else None
    if hpa is not None and deployment is not None:
        _scale_target_matches(r, hpa, deployment, hp)
    # the HPA as simulated: a ContainerResource metric on the pod's one container is its
    # Resource twin (its memory request and model are then the pod's)
    simulated = hpa_spec
    if hpa_spec is not None and deployment is not None and dep_spec is not None:
        simulated = domain.simulated_hpa(r, hpa_spec, deployment, hp)
    if simulated is not None and dep_spec is not None:
        memory_problem = memory_utilization_problem(simulated, dep_spec)
        if memory_problem:
            r.add(hp, memory_problem)
    model = _model(r, w.get("model"), join_path(wp, "model")) if "model" in w else None
    if "hpa" in w and "model" not in w:
        # a workload without an HPA only holds room (its Deployment's replicas and requests)
        r.add(join_path(wp, "model"), "missing (required with an hpa: the simulation needs how "
                                      "one pod behaves under load); add a `model:` block")
    if model is not None and dep_spec is not None and name is not None:
        domain.check_workload_model(r, model, dep_spec, name, join_path(wp, "model"))
    if model is not None and simulated is not None:
        domain.check_hpa_simulable(r, simulated, model, hp)
    share = r.number(w, "traffic_share", wp, required=False, minimum=0, exclusive_minimum=True,
                     default=1.0)
    behind_lb = r.bool_(w, "behind_load_balancer", wp, default=True)
    node_group = r.str_(w, "node_group", wp, required=False)
    if r.count() > start or not (name and deployment and dep_spec) or share is None \
            or behind_lb is None or budget_files is None:
        return None
    return Workload(name, deployment, dep_spec, model, hpa, hpa_spec, node_group, share,
                    behind_lb, tuple(f for f, _, _ in budget_files), keda)


def _with_budgets(r: FieldReader, deployment: Manifest, hpa: Manifest | None,
                  files: tuple[tuple[Path, tuple[Mapping[str, Any], ...], str], ...],
                  paths: tuple[str, str], seen: set[Path]) -> Manifest:
    """``deployment`` with the PodDisruptionBudgets of its file, its HPA's file and the
    workload's ``disruption_budgets`` ``files``, each file once; a budget the API server
    refuses is recorded at the plan path naming the file (once for a file several workloads
    share)."""
    dp, hp = paths
    sources = [(deployment.path, deployment.budgets, dp)]
    sources += [(hpa.path, hpa.budgets, hp)] if hpa is not None else []
    sources += list(files)
    kept: dict[Path | None, tuple[Mapping[str, Any], ...]] = {}
    for file, budgets, at in sources:
        if file is None or file in kept:
            continue  # an inline manifest holds no budget; a file is read once
        kept[file] = budgets
        if file not in seen:
            seen.add(file)
            for problem in budget_problems(budgets, file.name):
                r.add(at, problem)
    return dataclasses.replace(deployment, budgets=tuple(b for bs in kept.values() for b in bs))


def read_architecture(r: FieldReader, raw: Any, p: str, base_dir: Path, proposed: bool,
                      book: PriceBook | None) -> Architecture | None:
    """One side of the change (``p`` is ``current`` or ``proposed``), or ``None`` after recording
    its problems."""
    m = r.mapping(raw, p, ("region", "resources", "workloads", "cluster_config", "node_pools"),
                  ("region",))
    if m is None:
        return None
    before = r.count()
    region = r.str_(m, "region", p)
    if region is not None and not _REGION.match(region):
        r.add(join_path(p, "region"), f"{quoted(region)} is not an AWS region code such as "
                                      "us-east-1")
        region = None
    resources = _resources(r, m, p, region, proposed, book) if "resources" in m else None
    if "resources" not in m:
        r.add(join_path(p, "resources"),
              "missing" + _seed_rule("proposed.resources") + ": list the proposed resources "
              "to price" if proposed else "missing; list today's resources (or write "
                                          "`resources: []` when nothing exists today)")
    workloads = _workloads(r, m, p, base_dir)
    groups, manifest, pool_file, pools = node_groups(r, m, p, base_dir, region, resources, book)
    # a node group whose resource has a problem of its own still names a group: a workload on
    # it gets that one problem, not a second, false "no node group named" (audit14 A14-1)
    known = {g.name for g in groups} | (set() if resources is not None
                                        else declared_group_names(m.get("resources")))
    # so does a NodePool the price book or its resource kept from becoming a group, and a
    # ClusterConfig that could not be read names groups nobody can list (audit15 A15-1)
    known |= {pool.name for pool in pools}
    config_unread = "cluster_config" in m and manifest is None
    for i, w in enumerate(workloads or ()):
        if w.node_group is not None and w.node_group not in known and not config_unread:
            r.add(join_path(join_path(join_path(p, "workloads"), i), "node_group"),
                  f"no node group named {quoted(w.node_group)}"
                  f"{did_you_mean(w.node_group, [g.name for g in groups]) if groups else ''}")
    if workloads and resources is not None and "cluster_config" not in m and not groups \
            and "node_pools" not in m:
        r.add(p, "has workloads but no node groups; add aws_eks_node_group resources, a "
                 "cluster_config or node_pools")
    if r.count() > before or region is None or resources is None or workloads is None:
        return None
    arch = Architecture(region, resources, workloads, groups, manifest, pool_file, pools)
    if book is not None:
        _placements_agree(r, arch, book, p)
    return None if r.count() > before else arch


def _placements_agree(r: FieldReader, arch: Architecture, book: PriceBook, p: str) -> None:
    """Each workload's pods can be scheduled on its ``node_group`` (or, without one, on some
    group): a nodeSelector on another architecture or label, or a taint it does not tolerate,
    leaves real pods Pending while the simulation would place them."""
    from infra_toolkit.errors import PricingError
    from infra_toolkit.plan_simulation import placement_problems, placement_summary

    for i, w in enumerate(arch.workloads):
        try:
            problems = placement_problems(arch, w, book)
        except PricingError:
            continue  # an instance type the tables lack is reported with its resource
        wp = join_path(join_path(p, "workloads"), i)
        fix = ("fix the Deployment's nodeSelector, affinity or tolerations, or the node "
               "group's labels and taints")
        if w.node_group is not None and problems.get(w.node_group):
            r.add(join_path(wp, "deployment"),
                  f"its pods cannot run on node group {quoted(w.node_group)} (its node_group): "
                  f"{problems[w.node_group]}; {fix}")
        elif w.node_group is None and problems and all(problems.values()):
            r.add(join_path(wp, "deployment"),
                  f"its pods cannot run on any node group ({placement_summary(problems)}); "
                  f"{fix}")
