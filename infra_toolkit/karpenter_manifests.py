"""Reading Karpenter manifests: ``NodePool`` (``karpenter.sh/v1``, or ``v1beta1`` where its fields
are v1's) with the ``EC2NodeClass`` es (``karpenter.k8s.aws/v1`` / ``v1beta1``, read by
:mod:`infra_toolkit.karpenter_node_class`) they name, as written, field by field.

What the documents say, nothing priced yet: requirements, capacity types, limits, disruption,
labels, taints and the node class's AMI family and block devices. The rules that turn a NodePool
into a plan's node group (instance type, size, autoscaler timing) are in
:mod:`infra_toolkit.karpenter_config`. A v1alpha5 ``Provisioner`` (or v1alpha1
``AWSNodeTemplate``) is refused with the migration to make. Every problem is reported at once,
each as ``file: NodePool/name.field.path: what; fix`` (:class:`~infra_toolkit.errors.SpecError`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra_toolkit.errors import SpecError
from infra_toolkit.karpenter_node_class import (
    EC2NodeClass,
    KubeletSettings,
    node_class_from_dict,
    read_kubelet,
)
from infra_toolkit.node_placement import (
    TAINT_EFFECTS,
    NodeRequirement,
    node_requirement,
    requirement_met,
)
from infra_toolkit.plan_fields import FieldReader, close_choices, join_path, parse_duration_s
from infra_toolkit.plan_yaml import read_yaml_documents
from infra_toolkit.quantity import QuantityError, parse_quantity, parse_quantity_milli

__all__ = [
    "CAPACITY_TYPE_KEY",
    "DEFAULT_BUDGET_NODES",
    "INSTANCE_KEYS",
    "NODECLASS_API_VERSIONS",
    "NODEPOOL_API_VERSIONS",
    "NodePool",
    "node_pools_from_documents",
    "read_node_pools",
]

NODEPOOL_API_VERSIONS = ("karpenter.sh/v1", "karpenter.sh/v1beta1")
_NODE_CLASS_GROUP = "karpenter.k8s.aws"  # the API group of the EC2NodeClass a NodePool names
NODECLASS_API_VERSIONS = ("karpenter.k8s.aws/v1", "karpenter.k8s.aws/v1beta1")
CAPACITY_TYPE_KEY = "karpenter.sh/capacity-type"
#: The requirement keys checked against the price book's instance specs (karpenter_config)
INSTANCE_KEYS = frozenset({
    "node.kubernetes.io/instance-type", "karpenter.k8s.aws/instance-family",
    "karpenter.k8s.aws/instance-category", "karpenter.k8s.aws/instance-generation",
    "karpenter.k8s.aws/instance-size", "karpenter.k8s.aws/instance-cpu",
    "karpenter.k8s.aws/instance-memory", "kubernetes.io/arch", "kubernetes.io/os"})
# keys of requirements that are not instance properties but are read elsewhere
_READ_KEYS = INSTANCE_KEYS | {CAPACITY_TYPE_KEY, "topology.kubernetes.io/zone"}
_CAPACITY_VALUES = ("on-demand", "spot", "reserved")
_POLICIES = {"karpenter.sh/v1": ("WhenEmptyOrUnderutilized", "WhenEmpty"),
             # v1beta1's WhenUnderutilized is v1's WhenEmptyOrUnderutilized under its old name
             "karpenter.sh/v1beta1": ("WhenUnderutilized", "WhenEmpty")}
#: a NodePool's disruption budget when it states none (the v1 CRD's default for ``budgets``)
DEFAULT_BUDGET_NODES = "10%"
_BUDGET_NODES = re.compile(r"^((100|[0-9]{1,2})%|[0-9]+)$")  # the CRD's pattern for ``nodes``
#: the CRD's pattern for ``consolidateAfter`` (with ``Never``) and ``terminationGracePeriod``:
#: whole numbers of s, m, h only (no ms, d, w, fractions or spaces)
_KARPENTER_DURATION = re.compile(r"^([0-9]+(s|m|h))+$")


@dataclass(frozen=True)
class NodePool:
    """A ``NodePool`` as written: its ``requirements`` (``capacity-type`` included),
    ``capacity_types`` allowed (lower case, Karpenter's values), ``spec.limits`` cpu in
    millicores and memory in bytes (``None``: not limited), ``consolidation_policy`` (v1
    spelling) and ``consolidate_after_s`` (``None``: ``Never``), template labels, taints
    (``key=value:Effect``), zones (a ``topology.kubernetes.io/zone`` In requirement; empty: any),
    ``os``, its node class (``None`` when the file lacks it), ``disruption_budgets`` (the ``nodes``
    of each budget without ``schedule`` whose ``reasons``, if any, cover the policy's: a whole
    number or ``"N%"``; Karpenter's
    default ``10%`` when ``budgets`` is absent), ``termination_grace_period_s`` (the template's
    ``terminationGracePeriod``, ``None``: not set), ``not_modelled``: what it states that the
    plan does not model or assumes, one ``field.path: why`` line each, ``kubelet`` (a
    v1beta1 template's pod figures, ``None``: no kubelet block; v1 states it on the node
    class) and ``weight`` (``spec.weight``, 1 to 100; 0 when unset, as Karpenter counts it:
    the order NodePools are tried in, :func:`~infra_toolkit.karpenter_config.order_by_weight`)."""

    name: str
    requirements: tuple[NodeRequirement, ...]
    capacity_types: tuple[str, ...]
    cpu_limit_millicores: int | None
    memory_limit_bytes: int | None
    consolidation_policy: str = "WhenEmptyOrUnderutilized"
    consolidate_after_s: float | None = 0.0
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    os: str = "linux"
    node_class: EC2NodeClass | None = None
    not_modelled: tuple[str, ...] = ()
    disruption_budgets: tuple[int | str, ...] = (DEFAULT_BUDGET_NODES,)
    termination_grace_period_s: float | None = None
    kubelet: KubeletSettings | None = None
    weight: int = 0


def _taints(r: FieldReader, m: Mapping[str, Any], key: str, p: str) -> tuple[str, ...]:
    out = []
    for ip, t in r.items(m, p, key, ("key", "value", "effect", "timeAdded"), ("key", "effect"),
                         list_required=False):
        k, effect = r.str_(t, "key", ip), r.str_(t, "effect", ip, choices=TAINT_EFFECTS)
        value = r.str_(t, "value", ip, required=False)
        if k and effect:
            out.append(f"{k}={value or ''}:{effect}")
    return tuple(out)


def _labels(r: FieldReader, raw: Any, p: str) -> dict[str, str]:
    out = {}
    for k, v in (r.mapping(raw, p) or {}).items():
        if not isinstance(v, str):
            r.add(join_path(p, k), f"{v!r} is not text; quote it (a label value is a string)")
        else:
            out[k] = v
    return out


def _requirements(r: FieldReader, spec: Mapping[str, Any], p: str, notes: list[str]
                  ) -> tuple[NodeRequirement, ...]:
    reqs = []
    for ip, item in r.items(spec, p, "requirements", ("key", "operator", "values", "minValues"),
                            ("key", "operator"), list_required=False):
        problems: list[str] = []
        req = node_requirement(item, ip, problems)
        for line in problems:
            where, _, what = line.partition(": ")
            r.add(where, what)
        if req is None:
            continue
        bad = {CAPACITY_TYPE_KEY: _CAPACITY_VALUES,
               "kubernetes.io/arch": ("amd64", "arm64")}.get(req.key)
        for i, v in enumerate(req.values):
            if bad and v not in bad:
                r.add(join_path(join_path(ip, "values"), i),
                      f"{v!r} is not a value of {req.key}; use {', '.join(bad)}")
        if "minValues" in item:
            notes.append(f"{join_path(ip, 'minValues')}: not modelled (the plan simulates one "
                         "instance type)")
        if req.key not in _READ_KEYS and (req.key.startswith(("karpenter.", "node.kubernetes"))
                                          or not (req.operator == "In" and len(req.values) == 1)):
            notes.append(f"{ip}: {req.key} not checked (the price book's instance specs do not "
                         "hold it)")
        reqs.append(req)
    return tuple(reqs)


def _limits(r: FieldReader, spec: Mapping[str, Any], p: str, notes: list[str]
            ) -> tuple[int | None, int | None]:
    lp = join_path(p, "limits")
    limits = r.mapping(spec.get("limits", {}), lp) or {}
    cpu = memory = None
    for key, value in limits.items():
        try:
            if key == "cpu":
                cpu = parse_quantity_milli(value)
            elif key == "memory":
                memory = math.floor(parse_quantity(value))
            else:
                notes.append(f"{join_path(lp, key)}: not modelled (only cpu and memory bound "
                             "the node count)")
        except QuantityError as exc:
            r.add(join_path(lp, key), f"{exc}")
    if cpu is None and memory is None and not any(
            q.path.startswith(lp) for q in r.problems):
        r.add(join_path(lp, "cpu"), "missing: without a cpu or memory limit Karpenter launches "
              "nodes without bound, and the plan needs one to simulate scaling and price the "
              "ceiling; add e.g. spec.limits.cpu: \"40\" (20 nodes of 2 vCPU)")
    return cpu, memory


#: the disruption reasons of the model's one scale-down under each consolidation policy
#: (Karpenter removes an empty node for reason Empty, a consolidated one for Underutilized)
_POLICY_REASONS = {"WhenEmpty": {"Empty"}, "WhenEmptyOrUnderutilized": {"Empty", "Underutilized"}}


def _budgets(r: FieldReader, d: Mapping[str, Any], dp: str, notes: list[str], policy: str
             ) -> tuple[int | str, ...]:
    """The ``nodes`` of each budget that always applies to the reasons the model's scale-down
    has under ``policy`` (no ``reasons``, or reasons covering them: Karpenter's
    ``GetAllowedDisruptionsByReason``), as a whole number or ``"N%"``; a scheduled budget, or
    one of other reasons, is noted, not read."""
    if "budgets" not in d:
        return (DEFAULT_BUDGET_NODES,)
    out: list[int | str] = []
    for ip, b in r.items(d, dp, "budgets", ("nodes", "schedule", "duration", "reasons"),
                         ("nodes",), list_required=False):
        if "nodes" not in b:  # said missing by items(); was a KeyError traceback here
            continue
        nodes = b["nodes"]
        if not (isinstance(nodes, str) and _BUDGET_NODES.match(nodes)):
            r.add(join_path(ip, "nodes"), f"{nodes!r} is not a node count or percent; write a "
                  "quoted whole number (\"5\") or percent (\"10%\")")
        elif "schedule" in b or ("reasons" in b and not (
                isinstance(b["reasons"], list) and _POLICY_REASONS[policy] <= set(b["reasons"]))):
            which = " and ".join(k for k in ("schedule", "reasons") if k in b)
            notes.append(f"{ip}: not modelled (a budget with {which}: the simulation has no "
                         "time of day and one scale-down for every reason); the budgets "
                         "without them bound the drains")
        else:
            out.append(nodes if nodes.endswith("%") else int(nodes))
    return tuple(out)


def _duration_s(r: FieldReader, m: Mapping[str, Any], key: str, path: str, also: str = ""
                ) -> float | None:
    """``m[key]`` in seconds (``None`` when absent or refused) when Karpenter's CRD pattern
    accepts it; otherwise an error at ``path.key`` with the value in units it accepts."""
    value = m.get(key)
    units = f"whole numbers of s, m and h only{', ' + also if also else ''}"
    if value is not None and not isinstance(value, str):
        # the CRD's field is a string: a bare number (or a boolean) is refused, never read in
        # some unit
        whole = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        r.add(join_path(path, key), f"{value!r} is not a duration Karpenter accepts (a string "
                                    f"of {units}); write e.g. "
                                    + (f"'{value}s' or '{value}m'" if whole else "90s, 10m, 1h30m"))
        return None
    if not isinstance(value, str) or _KARPENTER_DURATION.match(value):
        return r.duration_s(m, key, path, required=False, zero_ok=True)
    try:
        whole_s = math.ceil(parse_duration_s(value))
    except ValueError:
        r.add(join_path(path, key), f"{value!r} is not a duration Karpenter accepts ({units}); "
                                    "write e.g. 90s, 10m, 1h30m")
        return None
    shown = ("0s" if whole_s == 0 else f"{whole_s // 3600}h" if whole_s % 3600 == 0 else
             f"{whole_s // 60}m" if whole_s % 60 == 0 else f"{whole_s}s")
    r.add(join_path(path, key), f"{value!r} is refused by Karpenter's API server ({units}); "
                                f"write {shown!r}")
    return None


def _moved_in_v1(r: FieldReader, raw: Any, path: str, api: str, moved: Mapping[str, str]
                 ) -> Any:
    """``raw`` without the fields of ``moved`` (name -> where karpenter.sh/v1 states it, the
    v1 migration guide) when the NodePool is v1, each recorded with where it now goes: an
    "unknown key" alone left a v1beta1 file's author guessing."""
    if api.endswith("v1beta1") or not isinstance(raw, Mapping):
        return raw
    for key in sorted(moved.keys() & raw.keys()):
        r.add(join_path(path, key), f"{api} moved it to {moved[key]} (it was here in "
                                    "v1beta1); move it there")
    return {k: v for k, v in raw.items() if k not in moved}


def _disruption(r: FieldReader, spec: Mapping[str, Any], p: str, api: str, notes: list[str]
                ) -> tuple[str, float | None, tuple[int | str, ...]]:
    dp = join_path(p, "disruption")
    keys = ("consolidationPolicy", "consolidateAfter", "budgets") + \
        (("expireAfter",) if api.endswith("v1beta1") else ())
    raw = _moved_in_v1(r, spec.get("disruption", {}), dp, api,
                       {"expireAfter": "spec.template.spec.expireAfter"})
    d = r.mapping(raw, dp, keys) or {}
    policy = r.str_(d, "consolidationPolicy", dp, required=False, choices=_POLICIES[api])
    after: float | None = 0.0  # v1's default consolidateAfter: 0s
    if d.get("consolidateAfter") == "Never":
        after = None
    elif "consolidateAfter" in d:
        after = _duration_s(r, d, "consolidateAfter", dp, "or Never")
    if d.get("expireAfter") not in (None, "Never"):  # Never: no node expires, as simulated
        notes.append(f"{join_path(dp, 'expireAfter')}: not modelled (nodes are not replaced at "
                     "an age)")
    policy = "WhenEmpty" if policy == "WhenEmpty" else "WhenEmptyOrUnderutilized"
    budgets = _budgets(r, d, dp, notes, policy)
    return policy, after, budgets


def _template(r: FieldReader, spec: Mapping[str, Any], p: str, api: str, notes: list[str]
              ) -> tuple[Mapping[str, Any], dict[str, str], KubeletSettings | None]:
    tp = join_path(p, "template")
    t = r.mapping(spec.get("template"), tp, ("metadata", "spec"), ("spec",)) or {}
    meta = r.mapping(t.get("metadata", {}), join_path(tp, "metadata"),
                     ("labels", "annotations")) or {}
    labels = _labels(r, meta.get("labels", {}), join_path(join_path(tp, "metadata"), "labels"))
    keys = ("requirements", "nodeClassRef", "taints", "startupTaints") + \
        (("kubelet",) if api.endswith("v1beta1") else ("expireAfter", "terminationGracePeriod"))
    raw = _moved_in_v1(r, t.get("spec"), join_path(tp, "spec"), api,
                       {"kubelet": "the EC2NodeClass's spec.kubelet"})
    ts = r.mapping(raw, join_path(tp, "spec"), keys, ("nodeClassRef",)) or {}
    sp = join_path(tp, "spec")
    for key, why in (("expireAfter", "nodes are not replaced at an age"),
                     ("startupTaints", "removed once a node is initialized: pods need not "
                                       "tolerate them")):
        # expireAfter: Never keeps every node, as the simulation does: nothing left out
        if key in ts and ts[key] != "Never":
            notes.append(f"{join_path(sp, key)}: not modelled ({why})")
    # v1beta1 kept the kubelet settings in the NodePool (v1 moved them to the EC2NodeClass)
    kubelet, kubelet_notes = read_kubelet(r, ts, sp) if "kubelet" in ts else (None, ())
    notes.extend(kubelet_notes)
    return ts, labels, kubelet


def _node_pool(r: FieldReader, doc: Mapping[str, Any], p: str,
               classes: Mapping[str, EC2NodeClass | None]) -> NodePool | None:
    before = r.count()
    api = str(doc["apiVersion"])
    sp = join_path(p, "spec")
    spec = r.mapping(doc.get("spec"), sp, ("template", "disruption", "limits", "weight",
                                           "replicas"), ("template",))
    if spec is None:
        return None
    notes: list[str] = []
    if "replicas" in spec:
        notes.append(f"{join_path(sp, 'replicas')}: not modelled (a static NodePool's fixed "
                     "node count)")
    weight = _weight(r, spec, sp)
    ts, labels, kubelet = _template(r, spec, sp, api, notes)
    tsp = join_path(join_path(sp, "template"), "spec")
    at_requirements = r.count()
    reqs = _requirements(r, ts, tsp, notes)
    # Karpenter labels its nodes with each single-value In requirement on a key of the user's
    labels = {**{q.key: q.values[0] for q in reqs if q.key not in _READ_KEYS
                 and not q.key.startswith(("karpenter.", "node.kubernetes"))
                 and q.operator == "In" and len(q.values) == 1}, **labels}
    taints = _taints(r, ts, "taints", tsp)
    _taints(r, ts, "startupTaints", tsp)
    capacity = tuple(v for v in _CAPACITY_VALUES
                     if all(requirement_met(q, {CAPACITY_TYPE_KEY: v})
                            for q in reqs if q.key == CAPACITY_TYPE_KEY)) \
        if any(q.key == CAPACITY_TYPE_KEY for q in reqs) else ("on-demand",)
    if not set(capacity) & {"on-demand", "spot"} and r.count() == at_requirements:
        r.add(join_path(tsp, "requirements"), f"{CAPACITY_TYPE_KEY} allows "
              f"{', '.join(capacity) or 'no capacity type'}; the plan prices on-demand or spot "
              "nodes (capacity reservations are not modelled): allow on-demand or spot")
    if "reserved" in capacity and len(capacity) > 1:
        notes.append(f"{join_path(tsp, 'requirements')}: reserved capacity not modelled "
                     "(priced as the other capacity type allowed)")
    if {"spot", "on-demand"} <= set(capacity):
        notes.append(f"{join_path(tsp, 'requirements')}: {CAPACITY_TYPE_KEY} allows spot and "
                     "on-demand: priced as spot (Karpenter launches spot first, on-demand only "
                     "when no spot capacity is offered)")
    cpu, memory = _limits(r, spec, sp, notes)
    policy, after, budgets = _disruption(r, spec, sp, api, notes)
    grace_s = _duration_s(r, ts, "terminationGracePeriod", tsp)
    node_class = _class_ref(r, ts, tsp, classes, api, notes)
    zones = next((q.values for q in reqs if q.key == "topology.kubernetes.io/zone"
                  and q.operator == "In"), ())
    windows = any(q.key == "kubernetes.io/os" and q.operator == "In" and q.values == ("windows",)
                  for q in reqs) or (node_class is not None
                                     and node_class.ami_family.startswith("Windows"))
    if node_class is not None:
        _os_problem(r, reqs, node_class, join_path(tsp, "requirements"))
    if r.count() > before:
        return None
    return NodePool(str(doc["metadata"]["name"]), reqs, capacity, cpu, memory, policy, after,
                    labels, taints, tuple(sorted(zones)), "windows" if windows else "linux",
                    node_class, tuple(notes), budgets, grace_s, kubelet, weight)


def _weight(r: FieldReader, spec: Mapping[str, Any], sp: str) -> int:
    """``spec.weight``: a whole number from 1 to 100 (the v1 and v1beta1 CRDs' bounds), 0 when
    unset (Karpenter reads a missing weight as 0); anything else the API server refuses, so it
    is a problem here rather than a guess."""
    if "weight" not in spec:
        return 0
    value = spec["weight"]
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 100:
        return value
    r.add(join_path(sp, "weight"), f"{value!r} is not a weight Karpenter's API server accepts "
          "(a whole number from 1 to 100, the highest tried first); write one, or remove it to "
          "give the NodePool the lowest priority (an unset weight counts as 0)")
    return 0


def _os_problem(r: FieldReader, reqs: Sequence[NodeRequirement], node_class: EC2NodeClass,
                p: str) -> None:
    """A ``kubernetes.io/os`` requirement the node class's AMI cannot meet: Karpenter launches
    no node for it (a Windows requirement on AL2023 nodes, Linux on a Windows AMI), while the
    plan would simulate and price the AMI's nodes."""
    ami_os = "windows" if node_class.ami_family.startswith("Windows") else "linux"
    os_reqs = [q for q in reqs if q.key == "kubernetes.io/os"]
    if all(requirement_met(q, {"kubernetes.io/os": ami_os}) for q in os_reqs):
        return
    shown = "; ".join(f"{q.operator} [{', '.join(q.values)}]" for q in os_reqs)
    r.add(p, f"kubernetes.io/os {shown} excludes {ami_os}, the OS of the "
             f"{node_class.ami_family} AMI of EC2NodeClass {node_class.name!r}: Karpenter could "
             f"launch no node for this NodePool; require {ami_os}, or use an EC2NodeClass of the "
             "other AMI family")


def _class_ref(r: FieldReader, ts: Mapping[str, Any], tsp: str,
               classes: Mapping[str, EC2NodeClass | None], api: str, notes: list[str]
               ) -> EC2NodeClass | None:
    cp = join_path(tsp, "nodeClassRef")
    required = ("group", "kind", "name") if api == "karpenter.sh/v1" else ("name",)
    ref = r.mapping(ts.get("nodeClassRef"), cp, ("group", "kind", "name", "apiVersion"),
                    required) or {}
    kind = r.str_(ref, "kind", cp, required=False)
    name = r.str_(ref, "name", cp, required=False)
    if "group" in ref and ref["group"] != _NODE_CLASS_GROUP:
        # Karpenter resolves the class by group; another one is no EC2NodeClass it can find
        r.add(join_path(cp, "group"), f"{ref['group']!r} is not the EC2NodeClass API group; "
                                      f"write group: {_NODE_CLASS_GROUP}")
    if kind not in (None, "EC2NodeClass"):
        r.add(join_path(cp, "kind"), f"{kind!r} is not read; the plan reads AWS nodes: "
                                     "point at an EC2NodeClass")
    if name is None or name in classes:
        found = classes.get(name) if name is not None else None
        notes.extend(found.notes if found is not None else ())
        return found
    notes.append(f"{cp}: EC2NodeClass {name!r} is not in the file: AL2023 nodes with "
                 "Karpenter's default 20 GiB gp3 root volume assumed; add it to the file to "
                 "read its AMI family and volumes")
    return None


def _header(r: FieldReader, doc: Any, i: int) -> tuple[str, str] | None:
    """``(kind, path)`` of a Karpenter document, or ``None`` for another kind (or after
    recording why it cannot be read)."""
    if not isinstance(doc, Mapping):
        return None
    kind, api = doc.get("kind"), doc.get("apiVersion")
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    p = f"{kind}/{name}" if isinstance(name, str) and name and isinstance(kind, str) \
        else f"documents[{i}]"
    if kind in ("Provisioner", "AWSNodeTemplate"):
        r.add(join_path(p, "kind"), f"{kind} ({api}) is Karpenter's v1alpha API, removed in "
              "v0.32; migrate it to a karpenter.sh/v1 NodePool and a karpenter.k8s.aws/v1 "
              "EC2NodeClass (Karpenter's upgrade guide: karpenter-convert rewrites v1alpha5 "
              "files as v1beta1, which this reader takes too)")
        return None
    versions = {"NodePool": NODEPOOL_API_VERSIONS, "EC2NodeClass": NODECLASS_API_VERSIONS}
    if isinstance(kind, (list, set, Mapping)):  # unhashable: no kind, and kubectl refuses it
        shape = "a mapping" if isinstance(kind, Mapping) else "a list"
        r.add(join_path(p, "kind"), f"expected text, got {shape}; write the object's kind "
                                    "(NodePool, EC2NodeClass)")
        return None
    if kind not in versions:
        # other kinds are skipped, but a misspelt NodePool or EC2NodeClass would vanish: its
        # node group then priced without its rules, its nodes without its labels
        near = [k for k in versions if isinstance(kind, str) and k.lower() == kind.lower()] \
            or (close_choices(kind, versions, 0.8) if isinstance(kind, str) else [])
        if near:
            case = " (kinds are case-sensitive)" if near[0].lower() == str(kind).lower() else ""
            r.add(join_path(p, "kind"), f"{kind!r} is not a kind Karpenter knows; did you mean "
                                        f"{near[0]!r}?{case}")
        return None
    r.mapping(doc, p, ("apiVersion", "kind", "metadata", "spec", "status"))
    if api not in versions[kind]:
        r.add(join_path(p, "apiVersion"), f"{api!r} is not read for {kind}; use "
                                          f"{' or '.join(versions[kind])}")
        return None
    if not (isinstance(name, str) and name):
        r.add(join_path(p, "metadata.name"), f"missing; name the {kind}")
        return None
    return str(kind), p


def node_pools_from_documents(docs: Sequence[Any], source: str = "NodePool file"
                              ) -> tuple[NodePool, ...]:
    """The ``NodePool`` s of loaded YAML documents, with the ``EC2NodeClass`` es among them
    resolved; other kinds are skipped. Raises :class:`SpecError` listing every problem (one
    ``source: Kind/name.field.path: what; fix`` per line), or when no NodePool is found."""
    r = FieldReader()
    headers = [(d, _header(r, d, i)) for i, d in enumerate(docs)]
    classes: dict[str, EC2NodeClass | None] = {}
    for d, h in headers:
        if h is not None and h[0] == "EC2NodeClass":
            classes[str(d["metadata"]["name"])] = node_class_from_dict(r, d, h[1])
    pools = [_node_pool(r, d, h[1], classes) for d, h in headers
             if h is not None and h[0] == "NodePool"]
    if not r.problems and not pools:
        kinds = ", ".join(str(d.get("kind")) for d in docs if isinstance(d, Mapping)) or "none"
        r.add("kind", f"no NodePool in the file (kinds found: {kinds}); point at a file "
                      "holding karpenter.sh/v1 NodePools")
    r.unique_names([(f"NodePool/{p.name}", p.name) for p in pools if p is not None], "NodePool")
    if r.problems:
        raise SpecError("\n".join(f"{source}: {q}" for q in r.problems))
    return tuple(p for p in pools if p is not None)


def read_node_pools(path: str | Path) -> tuple[NodePool, ...]:
    """The NodePools of the YAML file at ``path`` (several documents, ``---`` separated, with
    their EC2NodeClasses). Raises :class:`SpecError` naming the file and each bad field."""
    path = Path(path)
    return node_pools_from_documents(read_yaml_documents(path), str(path))
