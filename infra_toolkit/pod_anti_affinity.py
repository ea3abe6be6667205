"""A workload's required pod anti-affinity against its own pods: the topology keys on which no
two of its pods may share a value (``kubernetes.io/hostname``: one pod a node).

kube-scheduler's InterPodAffinity filter refuses a node when a pod already in the node's
topology domain (the nodes sharing its value of ``topologyKey``) matches a term of
``affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution``. A term whose
``labelSelector`` selects the pod template's own labels, in the workload's own namespace (no
``namespaces`` and no ``namespaceSelector``, its namespace listed, or an empty
``namespaceSelector``: every namespace), keeps the workload's pods apart: at most one a domain.
A term without a ``labelSelector`` selects no pod. The preferred terms only score nodes.

The simulation packs pods by their requests alone; :mod:`infra_toolkit.capacity_warnings` says
where this rule makes its figures optimistic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["self_anti_affinity_keys"]


def _selects(selector: Any, labels: Mapping[str, str]) -> bool:
    """Whether a ``metav1.LabelSelector`` (``matchLabels`` and ``matchExpressions``, ANDed)
    selects ``labels``; ``None`` selects nothing, ``{}`` everything."""
    if not isinstance(selector, Mapping):
        return False
    match = selector.get("matchLabels") or {}
    if not isinstance(match, Mapping) or any(labels.get(str(k)) != str(v)
                                             for k, v in match.items()):
        return False
    for e in selector.get("matchExpressions") or []:
        if not isinstance(e, Mapping):
            return False
        key, op = str(e.get("key", "")), e.get("operator")
        values = [str(v) for v in e.get("values") or []]
        have = labels.get(key)
        ok = {"In": have in values, "NotIn": have not in values, "Exists": have is not None,
              "DoesNotExist": have is None}.get(str(op), False)
        if not ok:
            return False
    return True


def _own_namespace(term: Mapping[str, Any], namespace: str) -> bool:
    names = term.get("namespaces") or []
    ns_selector = term.get("namespaceSelector")
    if ns_selector == {}:
        return True  # an empty namespaceSelector: every namespace
    if ns_selector is not None:
        return False  # a namespace labelled so: unknown here, so not assumed to be its own
    return not names or namespace in names


def self_anti_affinity_keys(pod: Any, labels: Mapping[str, str], namespace: str = "default"
                            ) -> tuple[str, ...]:
    """The ``topologyKey`` of each required pod anti-affinity term of ``pod`` (a pod spec) that
    selects the pod's own ``labels`` in its ``namespace``: no two of its pods share a value of
    such a key. Malformed terms select nothing (the API server refuses them anyway)."""
    affinity = pod.get("affinity") if isinstance(pod, Mapping) else None
    anti = affinity.get("podAntiAffinity") if isinstance(affinity, Mapping) else None
    terms = (anti.get("requiredDuringSchedulingIgnoredDuringExecution")
             if isinstance(anti, Mapping) else None)
    keys = [str(t["topologyKey"]) for t in terms or []
            if isinstance(t, Mapping) and t.get("topologyKey")
            and _own_namespace(t, namespace) and _selects(t.get("labelSelector"), labels)]
    return tuple(dict.fromkeys(keys))
