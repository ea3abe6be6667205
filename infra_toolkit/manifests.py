"""Reading a workload's Kubernetes YAML into a ``DeploymentSpec`` (its own module).

``read_deployment_yaml`` reads the pod requests, probe timings and termination grace period of
an apps/v1 Deployment or StatefulSet, or of an Argo Rollouts ``Rollout`` with its own pod
template (:mod:`infra_toolkit.argo_rollout`) (``deployment_from_dict`` the same from a loaded
manifest); a limit without a request counts as the request, as the API server defaults it.
Errors name the file, and the line for malformed YAML (:mod:`infra_toolkit.manifest_documents`).
An HPA is read by :mod:`infra_toolkit.hpa_yaml`, an eksctl ``ClusterConfig`` by
:mod:`infra_toolkit.eksctl_config`. The pod template's requests (containers, init containers,
native sidecars, ephemeral storage) and its selector check are :mod:`infra_toolkit.pod_template`;
a container's probes and misspelt fields, :mod:`infra_toolkit.container_fields`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra_toolkit.argo_rollout import ROLLOUT_API_VERSION, workload_ref_problem
from infra_toolkit.container_fields import (
    MAX_INT64,
    probe_timing,
    restart_probe,
    unknown_container_fields,
    whole_number,
)
from infra_toolkit.deployment_spec import DeploymentSpec
from infra_toolkit.errors import SpecError, quoted
from infra_toolkit.hpa_problems import format_problem
from infra_toolkit.label_selector import NOT_TEXT_RULE, not_text_fix, selects
from infra_toolkit.manifest_documents import load_documents, manifest_objects, object_name
from infra_toolkit.node_placement import placement_from_pod
from infra_toolkit.nodes import POD_TERMINATION_GRACE_S
from infra_toolkit.pod_anti_affinity import namespace_selector_keys, self_anti_affinity_keys
from infra_toolkit.pod_template import (
    container_limit_problems,
    container_request,
    extended_resources,
    host_ports,
    init_requests,
    missing_selector,
    pod_level_problem,
    selects_something,
    template_selector_problems,
)
from infra_toolkit.probe_handlers import init_container_probe_problems
from infra_toolkit.readiness import ContainerProbes
from infra_toolkit.restart_probes import RestartProbe
from infra_toolkit.update_strategy import update_strategy_from

__all__ = [
    "WORKLOAD_API_VERSIONS",
    "WORKLOAD_KINDS",
    "workload_kinds_text",
    "deployment_from_dict",
    "read_deployment_yaml",
]


# the workloads whose pod template the simulation reads (an HPA's scaleTargetRef kinds with pods)
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Rollout")
#: The apiVersion each workload kind is served at (and an HPA's scaleTargetRef names it by).
WORKLOAD_API_VERSIONS = {"Deployment": "apps/v1", "StatefulSet": "apps/v1",
                         "Rollout": ROLLOUT_API_VERSION}


def workload_kinds_text(kinds: tuple[str, ...] = WORKLOAD_KINDS) -> str:
    """``Deployment, StatefulSet or Rollout``: the kinds, as a message names them."""
    return " or ".join(kinds) if len(kinds) < 3 else f"{', '.join(kinds[:-1])} or {kinds[-1]}"


def read_deployment_yaml(path: str | os.PathLike[str], name: str | None = None, *,
                         cpu_needed: str = "every",
                         name_option: str | None = "name",
                         scaled_by: tuple[str, str] | None = None) -> DeploymentSpec:
    """The Deployment, StatefulSet or Rollout in a YAML file (``name`` picks one of several) as a
    :class:`DeploymentSpec`; ``cpu_needed`` as in :func:`deployment_from_dict`. ``name_option``
    is how the caller's user gives ``name``, named in the fix for several workloads (None: the
    caller's user cannot, as ``simulate --deployment``, so the fix is a file with one).
    ``scaled_by``: ``(HPA name, the name its scaleTargetRef gives)``; in a file of several
    workloads (a Helm render, a ``kubectl apply -f`` file) it picks the one that HPA scales, as
    a plan's workload takes the Deployment its HPA names.

    Raises :class:`SpecError` naming the file and field when there is no such Deployment, no
    container, or no CPU request (the HPA's CPU utilization is relative to it).
    """
    path = Path(path)
    documents = manifest_objects(load_documents(path))
    found = [d for d in documents if isinstance(d, dict) and d.get("kind") in WORKLOAD_KINDS]
    if name is not None:
        found = [d for d in found if object_name(d) == name]
    held = ", ".join(str(object_name(d)) for d in found)
    if len(found) > 1 and scaled_by is not None:
        hpa, target = scaled_by
        found = [d for d in found if object_name(d) == target]
        if not found:
            raise SpecError(f"{path} holds {held} but no {workload_kinds_text()} named "
                            f"{quoted(target)}, which HPA {quoted(hpa)} scales (its "
                            "scaleTargetRef.name); point to the file holding it, or correct "
                            "the HPA's scaleTargetRef.name")
    if len(found) != 1:
        named = f" named {quoted(name)}" if name else ""
        what = f"no {workload_kinds_text()}" + named if not found \
            else f"{len(found)} Deployments/StatefulSets/Rollouts ({held})"
        pick = f"pass {name_option}=NAME to choose one, or " if name_option else ""
        fix = (f"{pick}point to a file with one workload" if found
               else "point to the Deployment (StatefulSet, Rollout) manifest the HPA scales")
        raise SpecError(f"{path} holds {what}; {fix}")
    return deployment_from_dict(found[0], path, cpu_needed=cpu_needed)


def deployment_from_dict(doc: Any, source: str | os.PathLike[str] = "<dict>", *,
                         cpu_needed: str = "every") -> DeploymentSpec:
    """A :class:`DeploymentSpec` from an apps/v1 Deployment manifest dict; ``source`` names it
    in errors. Raises :class:`SpecError` like :func:`read_deployment_yaml`, also when a field
    it reads has the wrong type.

    ``cpu_needed`` says which CPU requests its HPA needs: ``"every"`` counted container's (a CPU
    Utilization metric, ``hpa_requests.reads_cpu_requests``), ``"some"`` (another HPA: the
    simulated pods need a CPU request, not each container) or ``"none"`` (no HPA: its pods only
    hold room, and a container without a CPU request takes none, as the scheduler counts it)."""
    path = Path(source)
    metadata = doc.get("metadata") if isinstance(doc, dict) else None
    dep_name = str((metadata if isinstance(metadata, dict) else {}).get("name", ""))
    kind = doc.get("kind") if isinstance(doc, dict) else None
    # "Deployment 'web'" or "StatefulSet 'db'" in every message
    named = f"{kind if kind in WORKLOAD_KINDS else 'Deployment'} {quoted(dep_name)}"
    spec = doc.get("spec") or {} if isinstance(doc, dict) else None
    # a Rollout whose pods are another manifest's: said before its (empty) template is
    ref_problem = workload_ref_problem(spec, f" of {named} in {path}") \
        if kind == "Rollout" else None
    if ref_problem:
        raise SpecError(ref_problem)
    template = spec.get("template") or {} if isinstance(spec, dict) else None
    pod = template.get("spec") or {} if isinstance(template, dict) else None
    containers = pod.get("containers") or [] if isinstance(pod, dict) else None
    if not isinstance(containers, list):
        raise SpecError(f"spec.template.spec.containers of {named} in {path} must "
                        "be a list of containers (spec, template and template.spec mappings)")
    if not containers:
        raise SpecError(f"spec.template.spec.containers of {named} in {path} is "
                        "empty; the pod needs at least one container")
    init = pod.get("initContainers") or [] if isinstance(pod, dict) else []
    if not isinstance(init, list):
        raise SpecError(f"spec.template.spec.initContainers of {named} in {path} "
                        "must be a list of containers")
    # the HPA's request is the sum over the containers and the native sidecars (init containers
    # with restartPolicy: Always), or the pod-level request when set (calculateRequests)
    sidecars = [(i, c) for i, c in enumerate(init)
                if isinstance(c, dict) and c.get("restartPolicy") == "Always"]
    members = [(f"spec.template.spec.containers[{i}]", c) for i, c in enumerate(containers)]
    members += [(f"spec.template.spec.initContainers[{i}]", c) for i, c in sidecars]
    problems: list[str] = []  # every bad field at once, one line each
    api = doc.get("apiVersion") if isinstance(doc, dict) else None
    if kind == "Rollout" and api is not None and api != ROLLOUT_API_VERSION:
        problems.append(f"apiVersion {quoted(api)} of {named} in {path} is not "
                        f"{ROLLOUT_API_VERSION}, the only Argo Rollouts Rollout API; write "
                        f"apiVersion: {ROLLOUT_API_VERSION}")
    elif kind != "Rollout" and api is not None and api != "apps/v1":
        # extensions/v1beta1 and apps/v1beta1/2 (removed in Kubernetes 1.16) have other
        # defaults (rollingUpdate 1/1, not 25 %/25 %; no required selector): read as apps/v1
        # they were simulated with the wrong rollout
        problems.append(f"apiVersion {quoted(api)} of {named} in {path} is not apps/v1, the only "
                        f"{kind if kind in WORKLOAD_KINDS else 'Deployment'} API since "
                        "Kubernetes 1.16; write apiVersion: apps/v1 (kubectl convert rewrites "
                        "an old manifest)")
    # the API server takes only Always (a native sidecar) on an init container: another value
    # (Never, a lower-case always) would make a sidecar a one-shot init here, silently
    problems += [f"spec.template.spec.initContainers[{i}].restartPolicy of {named} in {path} "
                 f"is {quoted(c['restartPolicy'])}, which the API server refuses; write "
                 "'Always' (a native sidecar, running beside the containers) or drop it (a "
                 "one-shot init container)"
                 for i, c in enumerate(init) if isinstance(c, dict)
                 and c.get("restartPolicy") not in (None, "Always")]

    problems += init_container_probe_problems(init, f"of {named} in {path}")

    def kept(read: Callable[..., int | None], *args: Any) -> int | None:
        try:
            return read(*args)
        except SpecError as exc:
            problems.append(str(exc))
            return 0

    problems += [problem for where, c in members if isinstance(c, dict)
                 for problem in unknown_container_fields(c, where, f"of {named} in {path}")]
    # ephemeral storage only feeds a warning and is summed quietly (its 0 for a quantity it
    # cannot read): a quantity the API server refuses (-1, abc, a list) is refused here
    for where, c in [*((f"spec.template.spec.containers[{i}]", c) for i, c in
                       enumerate(containers)),
                     *((f"spec.template.spec.initContainers[{i}]", c) for i, c in enumerate(init))]:
        if isinstance(c, dict):
            kept(container_request, c, "ephemeral-storage", where, path)
    # the API server refuses ports that are no list; their hostPorts cap a node's pods, so a
    # mapping written for a list must not be skipped silently (nor crash host_ports)
    problems += [f"{where}.ports of {named} in {path} is {quoted(c['ports'])}, not a list, "
                 "which the API server refuses; write a list such as ports: [{containerPort: "
                 "8080}]" for where, c in members if isinstance(c, dict)
                 and c.get("ports") is not None and not isinstance(c["ports"], list)]
    # the API server refuses a container name that is no text (a DNS label); a list or mapping
    # crashed the sidecar warning's name set, a number matched no container by name
    problems += [f"spec.template.spec.{key}[{i}].name of {named} in {path} is "
                 f"{quoted(c['name'])}, not a container name, which the API server refuses; "
                 "write it as text, e.g. name: app"
                 for key, group in (("containers", containers), ("initContainers", init))
                 for i, c in enumerate(group) if isinstance(c, dict)
                 and c.get("name") is not None and not isinstance(c["name"], str)]
    # a container pasted twice was counted twice (its CPU request doubled); the API server
    # refuses a name used twice among containers and init containers (validateContainers)
    names = [(f"{key}[{i}]", str(c.get("name"))) for key, group in (("containers", containers),
                                                              ("initContainers", init))
             for i, c in enumerate(group)
             if isinstance(c, dict) and isinstance(c.get("name"), str)]  # [] is unhashable
    first_at: dict[str, str] = {}
    for at, cname in names:
        if cname in first_at:
            problems.append(f"spec.template.spec.{at}.name of {named} in {path}: "
                            f"{quoted(cname)} is also the name of spec.template.spec."
                            f"{first_at[cname]}, which the API server refuses; rename one or "
                            "delete the copy")
        first_at.setdefault(cname, at)
    cpu = memory_milli = 0
    probes: list[ContainerProbes] = []
    restarts: list[RestartProbe] = []
    without_cpu: list[str] = []
    without_memory = False
    for where, c in members:
        if not isinstance(c, dict):
            problems.append(f"{where} of {named} in {path} must be a mapping")
            continue
        c_cpu = kept(container_request, c, "cpu", where, path)
        if c_cpu is None:
            without_cpu.append(f"{where} ({c.get('name')!r})")
        cpu += c_cpu or 0
        c_memory = kept(container_request, c, "memory", where, path)
        without_memory = without_memory or c_memory is None
        memory_milli += c_memory or 0
        # the kubelet runs no readiness probe before the startup probe has passed (audit19
        # A19-16): both timings are kept, per container, for readiness.seconds_to_ready
        pair = []
        for probe_name in ("readinessProbe", "startupProbe"):
            try:
                pair.append(probe_timing(c, probe_name, where, named, path))
            except SpecError as exc:
                problems.append(str(exc))
                pair.append(None)
        if pair != [None, None]:  # a native sidecar holds the containers after it
            probes.append(ContainerProbes(pair[0], pair[1], sidecar=where.startswith(
                "spec.template.spec.initContainers")))
        for probe_name in ("startupProbe", "livenessProbe"):
            try:
                restart = restart_probe(c, probe_name, where, named, path)
            except SpecError as exc:
                if str(exc) not in problems:  # a startup probe's timing is listed above
                    problems.append(str(exc))
                continue
            if restart is not None:
                restarts.append(restart)
    init_cpu, init_memory_milli = init_requests(init, path, kept)
    pod_cpu = kept(container_request, pod, "cpu", "spec.template.spec", path)
    pod_memory = kept(container_request, pod, "memory", "spec.template.spec", path)
    grace_raw = pod.get("terminationGracePeriodSeconds") if isinstance(pod, dict) else None
    # int64 in the API (ValidateNonnegativeField); null is unset, the API's 30 s
    grace = POD_TERMINATION_GRACE_S if grace_raw is None else kept(
        lambda *a: whole_number(*a, largest=MAX_INT64, kind="int64"), grace_raw,
        "spec.template.spec.terminationGracePeriodSeconds", named, path)
    replicas_raw = spec.get("replicas") if isinstance(spec, dict) else None
    replicas = None if replicas_raw is None else kept(
        whole_number, replicas_raw, "spec.replicas", named, path)
    placement, placement_problems = placement_from_pod(pod, "spec.template.spec",
                                                       f" of {named} in {path}")
    problems += placement_problems
    update, update_problems = update_strategy_from(spec, str(kind), f" of {named} in {path}")
    # apps/v1 StatefulSet: OrderedReady unless Parallel (ValidateStatefulSetSpec refuses others)
    policy = spec.get("podManagementPolicy") if isinstance(spec, dict) else None
    if kind == "StatefulSet" and policy not in (None, "OrderedReady", "Parallel"):
        problems.append(f"spec.podManagementPolicy of {named} in {path} is {quoted(policy)}, "
                        "which the API server refuses; write OrderedReady (the default: one "
                        "pod at a time, each after the one before is Ready) or Parallel")
    pod_meta = template.get("metadata") if isinstance(template, dict) else None
    pod_labels = pod_meta.get("labels") if isinstance(pod_meta, dict) else None
    namespace = (metadata if isinstance(metadata, dict) else {}).get("namespace") or "default"
    own = {str(k): str(v) for k, v in pod_labels.items()} if isinstance(pod_labels, dict) else {}
    problems += [format_problem(f"spec.template.metadata.labels.{k}", v, NOT_TEXT_RULE,
                                not_text_fix(v), f"{named} of {path.name}")
                 for k, v in (pod_labels.items() if isinstance(pod_labels, dict) else ())
                 if not isinstance(v, str)]
    selector = spec.get("selector") if isinstance(spec, dict) else None
    malformed = template_selector_problems(spec, pod, f"{named} of {path.name}")
    problems += malformed
    # a malformed selector is said as such, not as one missing or selecting the wrong pods
    said = any(p.startswith("spec.selector") for p in malformed)
    if not said and not selects_something(selector):
        problems.append(missing_selector(selector, named, path, own))
    elif not said and not selects(selector, own):
        # apps/v1 validation (ValidatePodTemplateSpecForReplicaSet): the selector must select
        # the template's labels, else the controller would never own its pods
        problems.append(
            f"spec.selector of {named} in {path} does not select its pod template's labels "
            f"({quoted(own)}): the API server refuses it (selector does not match template "
            "labels); make spec.selector.matchLabels the labels of spec.template.metadata.labels")
    apart = self_anti_affinity_keys(pod, own, str(namespace))
    unknown = namespace_selector_keys(pod, own, str(namespace))
    problems += update_problems
    if problems:
        # one bad block read twice (its cpu, then its memory) is said once
        raise SpecError("\n".join(dict.fromkeys(problems)))
    # KEP-2837: a pod-level request must cover what its containers request (audit22 A22-6)
    below = [pod_level_problem(pod, name, at, summed, init_at, named, path)
             for name, at, summed, init_at in (("cpu", pod_cpu, cpu, init_cpu),
                                               ("memory", pod_memory, memory_milli,
                                                init_memory_milli)) if at is not None]
    below += container_limit_problems(pod, named, path)
    if any(below):
        raise SpecError("\n".join(p for p in below if p))
    if pod_cpu is not None:  # the pod-level request is the pod's, init containers included
        cpu, without_cpu, init_cpu = pod_cpu, [], 0
    if pod_memory is not None:
        memory_milli, without_memory, init_memory_milli = pod_memory, False, 0
    if cpu > 0 and without_cpu and cpu_needed == "every":
        raise SpecError(
            f"{without_cpu[0]}.resources.requests.cpu of {named} in {path} is "
            "missing while other containers request CPU: the HPA takes CPU utilization over "
            "every container's request and, with one missing, reports FailedGetResourceMetric "
            "and never scales; add a cpu request to that container (or pod-level resources)"
        )
    if cpu <= 0 and cpu_needed != "none":
        why = ("CPU utilization is a percent of the request" if cpu_needed == "every" else
               "the simulation places and loads its pods by their CPU request")
        raise SpecError(
            f"spec.template.spec.containers[*].resources.requests.cpu of {named} "
            f"in {path} is missing; {why}: add one (e.g. cpu: 500m)"
        )
    memory_mib = memory_milli / 1000 / 2**20 if memory_milli else 256.0
    return DeploymentSpec(dep_name, replicas, cpu, memory_mib, tuple(probes), not without_memory,
                          placement, update, apart, unknown, init_cpu,
                          init_memory_milli / 1000 / 2**20,
                          extended_resources([pod, *containers, *init]),
                          host_ports(pod, [*containers, *(c for _i, c in sidecars)]),
                          not memory_milli, len(sidecars),
                          bool(sidecars) and init_cpu + init_memory_milli > 0 and any(
                              isinstance(c, dict) and c.get("restartPolicy") is None
                              and i > sidecars[0][0] for i, c in enumerate(init)),
                          float(grace or 0), tuple(restarts),
                          kind == "StatefulSet" and policy in (None, "OrderedReady"))
