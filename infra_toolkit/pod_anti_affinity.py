"""A workload's required pod anti-affinity against its own pods: the topology keys on which no
two of its pods may share a value (``kubernetes.io/hostname``: one pod a node).

kube-scheduler's InterPodAffinity filter refuses a node when a pod already in the node's
topology domain (the nodes sharing its value of ``topologyKey``) matches a term of
``affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution``. A term whose
``labelSelector`` selects the pod template's own labels, in the workload's own namespace (no
``namespaces`` and no ``namespaceSelector``, its namespace listed in ``namespaces`` whatever
``namespaceSelector`` adds (the term reads the union of both), or an empty
``namespaceSelector``: every namespace), keeps the workload's pods apart: at most one a domain.
A term without a ``labelSelector`` selects no pod. The preferred terms only score nodes.

On ``kubernetes.io/hostname`` (every node its own domain) the rule is a cap of one pod of the
workload a node (``max_pods_per_node``), which every engine of the simulation honours besides the
pods' requests (:func:`infra_toolkit.nodes.pod_slots`, the shared-node scheduler and cluster
autoscaler of :mod:`infra_toolkit.shared_nodes`): the cluster autoscaler adds a node per pod past
the first, and pods stay Pending once the groups are at ``max_size``. On another key (a zone: one
pod per zone cluster-wide) the simulation does not model it;
:mod:`infra_toolkit.capacity_warnings` says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infra_toolkit.label_selector import selects

__all__ = ["HOSTNAME", "max_pods_per_node", "namespace_selector_keys",
           "self_anti_affinity_keys"]

HOSTNAME = "kubernetes.io/hostname"


def _own_namespace(term: Mapping[str, Any], namespace: str) -> bool:
    names = term.get("namespaces") or []
    if namespace in names:
        return True  # the term reads the union of namespaces and namespaceSelector's
    ns_selector = term.get("namespaceSelector")
    if ns_selector == {}:
        return True  # an empty namespaceSelector: every namespace
    if ns_selector is not None:
        return False  # a namespace labelled so: unknown here, so not assumed to be its own
    return not names


def _own_label_terms(pod: Any, labels: Mapping[str, str]) -> list[Mapping[str, Any]]:
    """The required anti-affinity terms of ``pod`` with a topology key whose label selector
    selects ``labels`` (in whichever namespaces)."""
    affinity = pod.get("affinity") if isinstance(pod, Mapping) else None
    anti = affinity.get("podAntiAffinity") if isinstance(affinity, Mapping) else None
    terms = (anti.get("requiredDuringSchedulingIgnoredDuringExecution")
             if isinstance(anti, Mapping) else None)
    return [t for t in terms or [] if isinstance(t, Mapping) and t.get("topologyKey")
            and selects(t.get("labelSelector"), labels) and not _mismatch(t, labels)]


def _mismatch(term: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """Whether ``mismatchLabelKeys`` turns the term away from the pod's own pods: it adds
    ``key notin (the pod's value)`` for each listed key the pod has, which its own pods fail
    (a key the pod lacks is ignored, as the API server does)."""
    keys = term.get("mismatchLabelKeys")
    return isinstance(keys, list) and any(str(k) in labels for k in keys)


def self_anti_affinity_keys(pod: Any, labels: Mapping[str, str], namespace: str = "default"
                            ) -> tuple[str, ...]:
    """The ``topologyKey`` of each required pod anti-affinity term of ``pod`` (a pod spec) that
    selects the pod's own ``labels`` in its ``namespace``: no two of its pods share a value of
    such a key. Malformed terms select nothing (the API server refuses them anyway)."""
    keys = [str(t["topologyKey"]) for t in _own_label_terms(pod, labels)
            if _own_namespace(t, namespace)]
    return tuple(dict.fromkeys(keys))


def namespace_selector_keys(pod: Any, labels: Mapping[str, str], namespace: str = "default"
                            ) -> tuple[str, ...]:
    """The ``topologyKey`` of each required term selecting the pod's own ``labels`` in the
    namespaces a non-empty ``namespaceSelector`` picks (its own ``namespace`` not listed): the
    namespaces' labels are not in the manifest, so whether the term keeps the workload's own
    pods apart is unknown; the simulation assumes it does not, and the plan warnings say so."""
    keys = [str(t["topologyKey"]) for t in _own_label_terms(pod, labels)
            if t.get("namespaceSelector") not in (None, {}) and not _own_namespace(t, namespace)]
    return tuple(dict.fromkeys(keys))


def max_pods_per_node(keys: tuple[str, ...]) -> int | None:
    """The most pods of the workload one node may hold given its self anti-affinity ``keys``
    (from :func:`self_anti_affinity_keys`): 1 with ``kubernetes.io/hostname`` among them, else
    ``None`` (no cap; a zone key caps pods per zone, not per node)."""
    return 1 if HOSTNAME in keys else None
