"""A workload's pod template as the scheduler and the API server read it: the pieces
:mod:`infra_toolkit.manifests` builds a :class:`~infra_toolkit.deployment_spec.DeploymentSpec` from,
and the ephemeral storage :mod:`infra_toolkit.ephemeral_storage_warnings` compares with a disk.

One container's (or the pod-level) request of a resource, a limit without a request being the
request (``container_request``); the init containers' effective request with the native
sidecars started before them (``init_requests``); the extended resources and host ports the pod
takes (``extended_resources``, ``host_ports``); the ephemeral storage it reserves
(``ephemeral_storage_request_bytes``); an unset or empty ``spec.selector`` and its problem
(``selects_something``, ``missing_selector``); a pod-level request below its containers'
(``pod_level_problem``) and a container limit above the pod-level limit
(``container_limit_problems``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra_toolkit.errors import SpecError, quoted
from infra_toolkit.label_selector import selector_problems
from infra_toolkit.quantity import QuantityError, parse_quantity, parse_quantity_milli

__all__ = [
    "container_limit_problems",
    "container_request",
    "ephemeral_storage_request_bytes",
    "extended_resources",
    "host_ports",
    "init_requests",
    "missing_selector",
    "pod_level_problem",
    "selects_something",
    "template_selector_problems",
]


def container_request(
    container: Any, resource: str, field_path: str, source: Path
) -> int | None:
    """The container's (or, with ``field_path`` of a pod spec, the pod-level) request of
    ``resource`` in milli-units; ``None`` when it requests none. A limit without a request is
    the request too: the API server copies it (``SetDefaults_Pod`` in pkg/apis/core/v1/defaults.go),
    so the HPA's utilization is relative to the limit."""
    resources = container.get("resources") or {} if isinstance(container, dict) else {}
    if not isinstance(resources, dict):
        raise SpecError(f"{field_path}.resources in {source} must be a mapping such as "
                        "{requests: {cpu: 250m}}")
    read: dict[str, int] = {}
    for kind in ("requests", "limits"):
        block = resources.get(kind) or {}
        if not isinstance(block, dict):
            raise SpecError(f"{field_path}.resources.{kind} in {source} must be a mapping such "
                            "as {cpu: 250m, memory: 512Mi}")
        if resource not in block:
            continue
        value, where = block[resource], f"{field_path}.resources.{kind}.{resource}"
        try:
            read[kind] = parse_quantity_milli(value)
            # the exact value: -0.0001 rounds up to 0 milli-units but is still negative
            negative = parse_quantity(value) < 0
        except QuantityError as exc:
            raise SpecError(f"{where} (={quoted(value)}) in {source}: {exc}") from None
        # the API server's ValidateResourceRequirements: no negative quantity, and a request
        # at most its limit
        if negative:
            raise SpecError(f"{where} (={quoted(value)}) in {source} is negative: the API server "
                            "refuses it (a quantity must be >= 0); write the amount without "
                            "the minus sign")
    request, limit = read.get("requests"), read.get("limits")
    if request is not None and limit is not None and request > limit:
        raise SpecError(
            f"{field_path}.resources.requests.{resource} "
            f"(={quoted(resources['requests'][resource])}) "
            f"in {source} is above its limit ({quoted(resources['limits'][resource])}): the API "
            f"server refuses a request above its limit; lower the request or raise the limit")
    return request if request is not None else limit


def selects_something(selector: Any) -> bool:
    """Whether ``selector`` is a label selector with a ``matchLabels`` or ``matchExpressions``
    entry (the API server refuses an apps/v1 workload whose selector is unset or empty)."""
    return isinstance(selector, dict) and any(
        isinstance(selector.get(k), (dict, list)) and selector.get(k)
        for k in ("matchLabels", "matchExpressions"))


def template_selector_problems(spec: Any, pod: Any, source: str) -> list[str]:
    """Why the API server refuses a label selector of a workload ``spec`` of ``source`` (its
    ``spec.selector``, and the pod template's pod (anti-)affinity terms, required and preferred,
    and topology spread constraints), as :func:`~infra_toolkit.label_selector.selector_problems`
    says: a malformed selector selects nothing here, so it must not pass as one that does."""
    at = "spec.template.spec"
    found: list[tuple[Any, str]] = []
    if isinstance(spec, dict) and isinstance(spec.get("selector"), dict):
        found.append((spec["selector"], "spec.selector"))
    affinity = pod.get("affinity") if isinstance(pod, dict) else None
    for kind in ("podAffinity", "podAntiAffinity"):
        terms = affinity.get(kind) if isinstance(affinity, dict) else None
        if not isinstance(terms, dict):
            continue
        key = "requiredDuringSchedulingIgnoredDuringExecution"
        for i, t in enumerate(terms.get(key) or []):
            if isinstance(t, dict):
                found.append((t.get("labelSelector"), f"{at}.affinity.{kind}.{key}[{i}]"
                                                      ".labelSelector"))
        key = "preferredDuringSchedulingIgnoredDuringExecution"
        for i, t in enumerate(terms.get(key) or []):
            term = t.get("podAffinityTerm") if isinstance(t, dict) else None
            if isinstance(term, dict):
                found.append((term.get("labelSelector"), f"{at}.affinity.{kind}.{key}[{i}]"
                                                         ".podAffinityTerm.labelSelector"))
    spread = pod.get("topologySpreadConstraints") if isinstance(pod, dict) else None
    for i, c in enumerate(spread if isinstance(spread, list) else []):
        if isinstance(c, dict):
            found.append((c.get("labelSelector"),
                          f"{at}.topologySpreadConstraints[{i}].labelSelector"))
    return [p for selector, field_path in found
            for p in selector_problems(selector, field_path, source)]


def missing_selector(selector: Any, named: str, path: Path, labels: dict[str, str]) -> str:
    """The problem of an unset or empty ``spec.selector`` (apps/v1 ``ValidateDeploymentSpec`` /
    ``ValidateStatefulSetSpec``: ``spec.selector: Required value``, or "empty selector is
    invalid"), with the selector to write: the pod template's labels."""
    if selector is None:
        what, said = "missing", "spec.selector: Required value; apps/v1 has no default selector"
    elif isinstance(selector, dict):
        what = f"empty (={quoted(selector)})"
        said = f"empty selector is invalid for {named.split()[0].lower()}"
    else:
        what, said = f"not a label selector (={quoted(selector)})", "it must be a mapping"
    flow = ", ".join(f"{k}: {v}" for k, v in labels.items())
    fix = (f"add selector: {{matchLabels: {{{flow}}}}} under spec (the labels of "
           "spec.template.metadata.labels)" if labels else
           "add labels to spec.template.metadata.labels and the same under "
           "spec.selector.matchLabels")
    return (f"spec.selector of {named} in {path} is {what}: the API server refuses it "
            f"({said}); {fix}")


def host_ports(pod: Any, containers: list[Any]) -> tuple[int, ...]:
    """The host ports the pod's ``containers`` take (its containers and native sidecars: the
    scheduler's ``GetHostPorts`` skips one-shot init containers, which have exited by the time
    the pod runs): each ``ports[].hostPort``, and with ``hostNetwork: true`` each
    ``containerPort`` (SetDefaults_Pod copies it to hostPort)."""
    host_network = isinstance(pod, dict) and pod.get("hostNetwork") is True
    ports = set()
    for c in containers:
        for port in (c.get("ports") or [] if isinstance(c, dict) else []):
            if not isinstance(port, dict):
                continue
            value = port.get("hostPort") or (port.get("containerPort") if host_network else None)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                ports.add(value)
    return tuple(sorted(ports))


def extended_resources(holders: list[Any]) -> tuple[str, ...]:
    """The extended resources (a name with a domain, ``nvidia.com/gpu``) and ``hugepages-*``
    requested or limited by the pod spec or its containers: a node must offer them for the
    scheduler to place the pod (NodeResourcesFit), which the node groups here do not say."""
    names = set()
    for holder in holders:
        resources = holder.get("resources") if isinstance(holder, dict) else None
        for kind in ("requests", "limits"):
            block = resources.get(kind) if isinstance(resources, dict) else None
            names |= {str(n) for n in (block if isinstance(block, dict) else {})
                      if "/" in str(n) or str(n).startswith("hugepages-")}
    return tuple(sorted(names))


def init_requests(init: list[Any], path: Path, kept: Callable[..., int | None]
                  ) -> tuple[int, int]:
    """The pod's effective init request (millicores, milli-bytes) as the scheduler computes it
    (``PodRequests`` in k8s.io/component-helpers/resource): each one-shot init container's
    request plus the native sidecars (``restartPolicy: Always``) started before it, the largest
    of those; 0 without one-shot init containers. A limit without a request is the request."""
    top_cpu = top_memory = sidecar_cpu = sidecar_memory = 0
    for i, c in enumerate(init):
        if not isinstance(c, dict):
            continue  # named by the caller when it is a sidecar; the API server refuses it
        where = f"spec.template.spec.initContainers[{i}]"
        if c.get("restartPolicy") == "Always":
            # read again quietly: a bad sidecar quantity is already among the caller's problems
            try:
                sidecar_cpu += container_request(c, "cpu", where, path) or 0
                sidecar_memory += container_request(c, "memory", where, path) or 0
            except SpecError:
                pass
            continue
        top_cpu = max(top_cpu, (kept(container_request, c, "cpu", where, path) or 0)
                      + sidecar_cpu)
        top_memory = max(top_memory, (kept(container_request, c, "memory", where, path) or 0)
                         + sidecar_memory)
    return top_cpu, top_memory


def ephemeral_storage_request_bytes(doc: Any) -> int:
    """The local ephemeral storage the scheduler reserves for one pod of the workload manifest
    ``doc`` (bytes, rounded up): its containers' and native sidecars' requests summed, or the
    largest one-shot init container's with the sidecars started before it when that is more
    (``PodRequests``; a limit without a request is the request). Pod-level resources do not
    take ``ephemeral-storage``. 0 when nothing requests any, or a quantity cannot be read (the
    API server refuses that manifest; the figure only feeds a warning)."""
    spec = doc.get("spec") if isinstance(doc, dict) else None
    template = spec.get("template") if isinstance(spec, dict) else None
    pod = template.get("spec") if isinstance(template, dict) else None
    pod = pod if isinstance(pod, dict) else {}
    init = [c for c in pod.get("initContainers") or [] if isinstance(c, dict)]
    source = Path("<manifest>")
    try:
        def request(c: Any) -> int:
            return container_request(c, "ephemeral-storage", "", source) or 0
        sidecars = [request(c) for c in init if c.get("restartPolicy") == "Always"]
        running = sum(request(c) for c in pod.get("containers") or [] if isinstance(c, dict))
        top = started = 0
        for c in init:
            if c.get("restartPolicy") == "Always":
                started += request(c)
            else:
                top = max(top, request(c) + started)
    except SpecError:
        return 0
    return -(-max(running + sum(sidecars), top) // 1000)


def _quantity(resource: str, milli: int) -> str:
    """A figure in milli-units written as a quantity: millicores for CPU, Mi (or bytes when
    not a whole number of MiB) for memory."""
    if resource == "cpu":
        return f"{milli}m"
    whole, bytes_ = divmod(milli, 1000)
    if bytes_ == 0 and whole % 2**20 == 0:
        return f"{whole // 2**20}Mi"
    return f"{whole + (bytes_ > 0)}"  # rounded up: the figure to raise the request to


def pod_level_problem(pod: Any, resource: str, pod_milli: int, summed_milli: int,
                      init_milli: int, named: str, source: Path) -> str | None:
    """Why the API server refuses a pod-level request (KEP-2837 pod-level resources) of
    ``resource`` (``pod_milli``, milli-units) below its containers' aggregate request
    (``validatePodResourceConsistency``: ``AggregateContainerRequests``, the larger of the
    containers' and native sidecars' sum ``summed_milli`` and the init containers' effective
    request ``init_milli``), or ``None`` when it covers them."""
    aggregate = max(summed_milli, init_milli)
    if pod_milli >= aggregate:
        return None
    resources = pod.get("resources") if isinstance(pod, dict) else None
    requests = (resources or {}).get("requests") or {}
    kind = "requests" if resource in requests else "limits"  # a limit alone is the request
    written = ((resources or {}).get(kind) or {}).get(resource)
    field = f"spec.template.spec.resources.{kind}.{resource}"
    which = (f"the containers' and native sidecars' {_quantity(resource, summed_milli)} summed"
             if summed_milli >= init_milli else
             f"an init container's {_quantity(resource, init_milli)} with the native sidecars "
             "started before it, more than the containers' "
             f"{_quantity(resource, summed_milli)} summed")
    return (f"{field} (={quoted(written)}) of {named} in {source} is below its containers' "
            f"aggregate request of {_quantity(resource, aggregate)} ({which}): the API server "
            "refuses the pod (must be greater than or equal to aggregate container requests); "
            f"raise the pod-level {resource} to at least {_quantity(resource, aggregate)}, or "
            "lower the containers' requests")


def _limits(holder: Any) -> dict[str, Any]:
    resources = holder.get("resources") if isinstance(holder, dict) else None
    limits = resources.get("limits") if isinstance(resources, dict) else None
    return limits if isinstance(limits, dict) else {}


def container_limit_problems(pod: Any, named: str, source: Path) -> list[str]:
    """Why the API server refuses a container's limit above the pod-level limit of the same
    resource (KEP-2837 pod-level resources, ``validatePodResourceConsistency``: "Individual
    Container limits must be <= Pod-level limits", over ``spec.containers`` only), one line
    each. The containers' limits summed may exceed the pod-level limit: the pod's cgroup caps
    them together. A pod-level limit below the pod-level request is refused where that
    request is read (:func:`container_request`)."""
    pod_limits = _limits(pod)
    containers = pod.get("containers") if isinstance(pod, dict) else None
    problems = []
    for i, c in enumerate(containers if pod_limits and isinstance(containers, list) else []):
        for resource, written in _limits(c).items():
            if resource not in pod_limits:
                continue
            try:  # an unreadable quantity is refused where it is read, not here again
                above = parse_quantity_milli(written) > parse_quantity_milli(pod_limits[resource])
            except QuantityError:
                continue
            if above:
                problems.append(
                    f"spec.template.spec.containers[{i}].resources.limits.{resource} "
                    f"(={quoted(written)}) of {named} in {source} is above the pod-level limit "
                    f"spec.template.spec.resources.limits.{resource} "
                    f"(={quoted(pod_limits[resource])}): the API server refuses the pod (must "
                    "be less than or equal to pod limits); lower the container's limit or "
                    "raise the pod-level one")
    return problems
