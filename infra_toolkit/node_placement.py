"""Whether a pod may be scheduled on a node group: the scheduler's hard node filters.

A pod template's ``nodeSelector``, required node affinity
(``affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution``) and ``tolerations``
against a node group's labels and taints, as kube-scheduler's NodeAffinity and TaintToleration
filters apply them (the preferred affinity and PreferNoSchedule taints only score nodes, so they
never keep a pod off a group):

- ``nodeSelector``: every pair must be a label of the node.
- Required node affinity: the ``nodeSelectorTerms`` are ORed, a term's ``matchExpressions``
  ANDed; ``In``/``NotIn``/``Exists``/``DoesNotExist`` as for labels, ``Gt``/``Lt`` compare the
  label's integer value; an empty term matches nothing. ``matchFields`` (a node's name) cannot
  be known before the nodes exist, so they are taken to be met: a term with ``matchFields``
  alone matches, one with ``matchExpressions`` too matches when those do.
- A NoSchedule or NoExecute taint keeps the pod off unless a toleration matches it: same
  effect (or none given), same key (or no key with ``Exists``, which tolerates every taint),
  and with ``Equal`` (the default) the same value.
- A ``topologySpreadConstraints`` entry with ``whenUnsatisfiable: DoNotSchedule`` (the default)
  keeps the pod off a node without its ``topologyKey`` label (PodTopologySpread's filter: "missing
  required label"); the skew itself depends on where the other pods are, so it is not checked.

A group's labels are its own (eksctl ``labels``, Terraform ``labels``) and the ones every EKS
node carries: ``kubernetes.io/arch`` (from the instance type), ``kubernetes.io/os`` (windows for
a Windows AMI, else linux), ``node.kubernetes.io/instance-type`` (with their
``beta.kubernetes.io/`` forms), for a managed node group ``eks.amazonaws.com/nodegroup`` and
``eks.amazonaws.com/capacityType``,
``topology.kubernetes.io/region`` when the region is known, and, for a group eksctl creates (from
a ClusterConfig), ``alpha.eksctl.io/cluster-name`` and ``alpha.eksctl.io/nodegroup-name``.
Labels whose value differs from node to node (zone, hostname, ...) exist on every node but their
value is unknown here: a requirement on their value is taken to be met by some node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra_toolkit.errors import clipped, quoted

__all__ = ["NODE_OPERATORS", "TAINT_EFFECTS", "NodeRequirement", "PodPlacement", "Toleration",
           "node_labels", "node_requirement", "placement_from_pod", "placement_problem",
           "requirement_met"]

NODE_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
_HARD_EFFECTS = ("NoSchedule", "NoExecute")
#: a taint's effects (core/v1 TaintEffect), in the order the API documents them
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
# labels every EKS node has, with a value that differs from node to node
_PER_NODE_LABELS = frozenset({
    "topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone",
    "kubernetes.io/hostname", "topology.k8s.aws/zone-id", "topology.ebs.csi.aws.com/zone",
    "k8s.io/cloud-provider-aws", "eks.amazonaws.com/nodegroup-image",
    "eks.amazonaws.com/sourceLaunchTemplateId", "eks.amazonaws.com/sourceLaunchTemplateVersion",
})


@dataclass(frozen=True)
class NodeRequirement:
    """One ``matchExpressions`` entry of a node selector term."""

    key: str
    operator: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Toleration:
    """A pod toleration; empty ``key`` with ``Exists`` tolerates every taint, empty ``effect``
    every effect."""

    key: str = ""
    operator: str = "Equal"
    value: str = ""
    effect: str = ""

    def tolerates(self, key: str, value: str, effect: str) -> bool:
        """Whether this toleration matches the taint ``key=value:effect``."""
        if self.effect and self.effect != effect:
            return False
        if self.key and self.key != key:
            return False
        return self.operator == "Exists" or self.value == value


@dataclass(frozen=True)
class PodPlacement:
    """The hard node filters of a pod template: ``node_selector`` (label, value) pairs,
    ``required_terms`` (ORed; ``None``: no required node affinity; a ``None`` term has
    ``matchFields`` alone, taken to match), ``tolerations`` and ``spread_keys`` (the
    ``topologyKey`` of each DoNotSchedule spread constraint, which a node must carry).
    Hashable, as the specs holding it."""

    node_selector: tuple[tuple[str, str], ...] = ()
    required_terms: tuple[tuple[NodeRequirement, ...] | None, ...] | None = None
    tolerations: tuple[Toleration, ...] = ()
    spread_keys: tuple[str, ...] = ()


def _str(value: Any, where: str, problems: list[str]) -> str:
    if isinstance(value, str):
        return value
    problems.append(f"{where}: {quoted(value)} must be a string; quote it in the YAML")
    return ""


def placement_from_pod(pod: Any, where: str, of: str = "") -> tuple[PodPlacement, list[str]]:
    """The :class:`PodPlacement` of a pod spec and the problems found, one line each (each
    names its field under ``where``, e.g. ``spec.template.spec``, followed by ``of``, e.g.
    `` of Deployment 'web' in web.yaml``); a field with a problem is left out."""
    problems: list[str] = []
    placement = _placement(pod, where, problems)
    return placement, [p.replace(": ", f"{of}: ", 1) for p in problems]


def _placement(pod: Any, where: str, problems: list[str]) -> PodPlacement:
    if not isinstance(pod, Mapping):
        return PodPlacement()
    selector: dict[str, str] = {}
    raw_selector = pod.get("nodeSelector") or {}
    if isinstance(raw_selector, Mapping):
        for k, v in raw_selector.items():
            selector[str(k)] = _str(v, f"{where}.nodeSelector.{k}", problems)
    else:
        problems.append(f"{where}.nodeSelector: must be a mapping of label to value")
    tolerations = []
    raw_tol = pod.get("tolerations") or []
    if not isinstance(raw_tol, list):
        problems.append(f"{where}.tolerations: must be a list")
        raw_tol = []
    for i, t in enumerate(raw_tol):
        tw = f"{where}.tolerations[{i}]"
        if not isinstance(t, Mapping):
            problems.append(f"{tw}: must be a mapping (key, operator, value, effect)")
            continue
        operator = _str(t.get("operator") or "Equal", f"{tw}.operator", problems)
        effect = _str(t.get("effect") or "", f"{tw}.effect", problems)
        if operator not in ("Equal", "Exists"):
            problems.append(f"{tw}.operator: {quoted(operator)} must be Equal or Exists")
        elif effect and effect not in TAINT_EFFECTS:
            problems.append(f"{tw}.effect: {quoted(effect)} must be one of "
                            f"{', '.join(TAINT_EFFECTS)} or empty (every effect)")
        elif operator == "Exists" and t.get("value"):
            problems.append(f"{tw}.value: must be empty with operator Exists (the API server "
                            "refuses it); delete it or use Equal")
        elif not t.get("key") and operator != "Exists":
            problems.append(f"{tw}.key: an empty key needs operator Exists (it then tolerates "
                            "every taint)")
        else:
            tolerations.append(Toleration(_str(t.get("key") or "", f"{tw}.key", problems),
                                          operator,
                                          _str(t.get("value") or "", f"{tw}.value", problems),
                                          effect))
    terms = _required_terms(pod, where, problems)
    return PodPlacement(tuple(selector.items()), terms, tuple(tolerations),
                        _spread_keys(pod, where, problems))


def _spread_keys(pod: Mapping[str, Any], where: str, problems: list[str]) -> tuple[str, ...]:
    """The topology keys of the pod's DoNotSchedule spread constraints (the API's default
    ``whenUnsatisfiable``); ScheduleAnyway ones only score nodes."""
    raw = pod.get("topologySpreadConstraints") or []
    if not isinstance(raw, list):
        problems.append(f"{where}.topologySpreadConstraints: must be a list")
        return ()
    keys: list[str] = []
    for i, c in enumerate(raw):
        cw = f"{where}.topologySpreadConstraints[{i}]"
        if not isinstance(c, Mapping):
            problems.append(f"{cw}: must be a mapping (maxSkew, topologyKey, whenUnsatisfiable)")
            continue
        when = _str(c.get("whenUnsatisfiable") or "DoNotSchedule", f"{cw}.whenUnsatisfiable",
                    problems)
        key = _str(c.get("topologyKey") or "", f"{cw}.topologyKey", problems)
        if when not in ("DoNotSchedule", "ScheduleAnyway"):
            problems.append(f"{cw}.whenUnsatisfiable: {quoted(when)} must be DoNotSchedule or "
                            "ScheduleAnyway")
        elif not key:
            problems.append(f"{cw}.topologyKey: is required (a node label, e.g. "
                            "topology.kubernetes.io/zone)")
        elif when == "DoNotSchedule":
            keys.append(key)
    return tuple(dict.fromkeys(keys))


def _required_terms(pod: Mapping[str, Any], where: str, problems: list[str]
                    ) -> tuple[tuple[NodeRequirement, ...] | None, ...] | None:
    """The required node selector terms; a term with ``matchFields`` alone is ``None``
    (unknowable, taken to match), one with ``matchExpressions`` too is those."""
    affinity = pod.get("affinity") or {}
    node = affinity.get("nodeAffinity") or {} if isinstance(affinity, Mapping) else {}
    required = (node.get("requiredDuringSchedulingIgnoredDuringExecution")
                if isinstance(node, Mapping) else None)
    if required is None:
        return None
    rw = f"{where}.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
    raw_terms = required.get("nodeSelectorTerms") if isinstance(required, Mapping) else None
    if not isinstance(raw_terms, list) or not raw_terms:
        problems.append(f"{rw}.nodeSelectorTerms: must list at least one term (the API server "
                        "refuses an empty list)")
        return None
    terms: list[tuple[NodeRequirement, ...] | None] = []
    for i, term in enumerate(raw_terms):
        tw = f"{rw}.nodeSelectorTerms[{i}]"
        if not isinstance(term, Mapping):
            problems.append(f"{tw}: must be a mapping with matchExpressions")
            continue
        if term.get("matchFields") and not term.get("matchExpressions"):
            terms.append(None)
            continue
        # with matchFields beside them the term is still the AND of its matchExpressions
        reqs = []
        raw_reqs = term.get("matchExpressions") or []
        if not isinstance(raw_reqs, list):
            problems.append(f"{tw}.matchExpressions: must be a list")
            continue
        for j, e in enumerate(raw_reqs):
            ew = f"{tw}.matchExpressions[{j}]"
            req = node_requirement(e, ew, problems)
            if req is not None:
                reqs.append(req)
        terms.append(tuple(reqs))
    return tuple(terms)


def node_requirement(e: Any, ew: str, problems: list[str]) -> NodeRequirement | None:
    """One ``{key, operator, values}`` entry at ``ew`` as a :class:`NodeRequirement`, or ``None``
    after appending each problem (``ew.field: what``) to ``problems``."""
    if not isinstance(e, Mapping):
        problems.append(f"{ew}: must be a mapping (key, operator, values)")
        return None
    key = _str(e.get("key"), f"{ew}.key", problems)
    operator = _str(e.get("operator"), f"{ew}.operator", problems)
    raw_values = e.get("values") or []
    if not isinstance(raw_values, list):
        problems.append(f"{ew}.values: must be a list")
        return None
    values = tuple(_str(v, f"{ew}.values", problems) for v in raw_values)
    if operator not in NODE_OPERATORS:
        problems.append(f"{ew}.operator: {quoted(operator)} must be one of "
                        f"{', '.join(NODE_OPERATORS)}")
        return None
    if operator in ("In", "NotIn") and not values:
        problems.append(f"{ew}.values: must list at least one value with operator {operator}")
        return None
    if operator in ("Exists", "DoesNotExist") and values:
        problems.append(f"{ew}.values: must be empty with operator {operator}")
        return None
    if operator in ("Gt", "Lt") and (len(values) != 1 or not _is_int(values[0])):
        problems.append(f"{ew}.values: operator {operator} needs exactly one integer value, "
                        f"got {list(values)}; write e.g. values: [\"4\"]")
        return None
    return NodeRequirement(key, operator, values)


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def node_labels(name: str, instance_type: str, arch: str, capacity_type: str,
                labels: Mapping[str, str], region: str | None = None,
                eksctl_cluster: str | None = None, managed: bool = True,
                os: str = "linux", zone: str | None = None) -> dict[str, str]:
    """The labels a node of group ``name`` carries: the well-known Kubernetes ones, EKS's
    ``eks.amazonaws.com/nodegroup`` and ``capacityType`` for a managed node group only (module
    docstring), eksctl's when ``eksctl_cluster`` names the ClusterConfig that creates the group,
    under the group's own ``labels``."""
    known = {"kubernetes.io/arch": arch, "beta.kubernetes.io/arch": arch,
             "kubernetes.io/os": os, "beta.kubernetes.io/os": os,
             "node.kubernetes.io/instance-type": instance_type,
             "beta.kubernetes.io/instance-type": instance_type}
    if managed:  # EKS sets these on the nodes of a managed node group, not on self-managed ones
        known["eks.amazonaws.com/nodegroup"] = name
        known["eks.amazonaws.com/capacityType"] = capacity_type
    if region:
        known["topology.kubernetes.io/region"] = region
        known["failure-domain.beta.kubernetes.io/region"] = region
    if zone is not None:  # a node in a known zone (else its zone is a per-node unknown)
        for key in ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone",
                    "topology.ebs.csi.aws.com/zone"):
            known[key] = zone
    if eksctl_cluster is not None:  # eksctl labels every node group it creates so
        known["alpha.eksctl.io/cluster-name"] = eksctl_cluster
        known["alpha.eksctl.io/nodegroup-name"] = name
    return {**known, **labels}


def requirement_met(req: NodeRequirement, labels: Mapping[str, str]) -> bool:
    """Whether a node with ``labels`` meets ``req`` (a per-node label absent from ``labels`` is
    taken to be met, module docstring)."""
    if req.key in _PER_NODE_LABELS and req.key not in labels:
        return req.operator != "DoesNotExist"  # present on every node, value unknown
    value = labels.get(req.key)
    if req.operator == "Exists":
        return value is not None
    if req.operator == "DoesNotExist":
        return value is None
    if req.operator == "In":
        return value in req.values
    if req.operator == "NotIn":
        return value not in req.values
    if value is None or not _is_int(value):
        return False
    return int(value) > int(req.values[0]) if req.operator == "Gt" \
        else int(value) < int(req.values[0])


def _requirement_text(req: NodeRequirement) -> str:
    values = f" {list(req.values)}" if req.values else ""
    return f"{req.key} {req.operator}{values}"


def placement_problem(placement: PodPlacement, labels: Mapping[str, str],
                      taints: Sequence[str]) -> str | None:
    """Why the pod cannot run on a node with ``labels`` and ``taints`` (``key=value:Effect``
    strings), or ``None`` when it can."""
    for key, want in placement.node_selector:
        have = labels.get(key)
        if have != want and not (key in _PER_NODE_LABELS and key not in labels):
            shown = "does not set it" if have is None else f"has {clipped(f'{key}={have}')}"
            return (f"its nodeSelector {clipped(f'{key}={want}')} does not match: the node "
                    f"{shown}")
    if placement.required_terms is not None and not any(
            term is None or (term and all(requirement_met(r, labels) for r in term))
            for term in placement.required_terms):
        shown = " OR ".join(" AND ".join(_requirement_text(r) for r in term) or "(empty term)"
                            for term in placement.required_terms if term is not None)
        # the node's own values of the keys it fails, as the nodeSelector case says them
        failed = dict.fromkeys(r.key for term in placement.required_terms if term
                               for r in term if not requirement_met(r, labels))
        has = ", ".join(f"{k}={labels[k]}" if k in labels else f"{k} (every node has one)"
                        if k in _PER_NODE_LABELS else f"no {k}" for k in failed)
        return (f"its required node affinity ({shown}) matches none of the node's labels"
                + (f": the node has {has}" if has else ""))
    for taint in taints:
        key_value, _, effect = taint.rpartition(":")
        key, _, value = key_value.partition("=")
        if effect in _HARD_EFFECTS and not any(t.tolerates(key, value, effect)
                                               for t in placement.tolerations):
            return f"it does not tolerate the node's taint {taint}"
    for key in placement.spread_keys:
        if key not in labels and key not in _PER_NODE_LABELS:
            return (f"its topologySpreadConstraints spread over {key} with whenUnsatisfiable "
                    "DoNotSchedule, and the node does not carry that label (kube-scheduler "
                    "filters out a node missing the topologyKey)")
    return None

