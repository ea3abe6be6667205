"""Reading real Kubernetes YAML files into the toolkit's specs.

``read_deployment_yaml`` reads the pod requests, probe timings and termination grace period of
an apps/v1 Deployment or StatefulSet, or of an Argo Rollouts ``Rollout`` with its own pod
template (:mod:`infra_toolkit.argo_rollout`) (``deployment_from_dict`` the same from a loaded
manifest); a limit without a request counts as the request, as the API server defaults it.
``read_hpa_yaml`` reads an autoscaling/v2 HorizontalPodAutoscaler from a file that may hold
several documents (``---``), as ``kubectl apply -f`` files often do, or a ``kind: List`` as
``kubectl get -o yaml`` writes. Errors name the file, and the line for malformed YAML. An eksctl
``ClusterConfig`` is read by :mod:`infra_toolkit.eksctl_config`. The pod template's requests
(containers, init containers, native sidecars, ephemeral storage) and its selector check are
:mod:`infra_toolkit.pod_template`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra_toolkit.argo_rollout import ROLLOUT_API_VERSION, workload_ref_problem
from infra_toolkit.errors import SpecError, quoted
from infra_toolkit.hpa_api import KIND, hpa_from_dict
from infra_toolkit.hpa_problems import format_problem
from infra_toolkit.hpa_spec import HPASpec
from infra_toolkit.label_selector import NOT_TEXT_RULE, not_text_fix, selects
from infra_toolkit.node_placement import PodPlacement, placement_from_pod
from infra_toolkit.nodes import POD_TERMINATION_GRACE_S
from infra_toolkit.plan_fields import did_you_mean
from infra_toolkit.plan_yaml import (
    PlanLoader,
    StructureError,
    refused_character,
    yaml_line_index,
)
from infra_toolkit.pod_anti_affinity import max_pods_per_node as _node_cap
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
from infra_toolkit.probe_handlers import handler_problems, init_container_probe_problems
from infra_toolkit.readiness import DEFAULT_PROBE_PERIOD_S, ContainerProbes, Probe
from infra_toolkit.restart_probes import DEFAULT_FAILURE_THRESHOLD, RestartProbe
from infra_toolkit.update_strategy import UpdateStrategy, update_strategy_from
from infra_toolkit.workload import MAX_STARTUP_DELAY_S, STARTUP_DELAY_RULE

__all__ = [
    "WORKLOAD_API_VERSIONS",
    "WORKLOAD_KINDS",
    "workload_kinds_text",
    "DeploymentSpec",
    "deployment_from_dict",
    "manifest_objects",
    "memory_utilization_problem",
    "read_deployment_yaml",
    "reads_cpu_requests",
    "read_hpa_yaml",
]


# the workloads whose pod template the simulation reads (an HPA's scaleTargetRef kinds with pods)
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Rollout")
#: The apiVersion each workload kind is served at (and an HPA's scaleTargetRef names it by).
WORKLOAD_API_VERSIONS = {"Deployment": "apps/v1", "StatefulSet": "apps/v1",
                         "Rollout": ROLLOUT_API_VERSION}


def workload_kinds_text(kinds: tuple[str, ...] = WORKLOAD_KINDS) -> str:
    """``Deployment, StatefulSet or Rollout``: the kinds, as a message names them."""
    return " or ".join(kinds) if len(kinds) < 3 else f"{', '.join(kinds[:-1])} or {kinds[-1]}"


def _load_documents(path: Path) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"{path} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
            "point to the YAML manifest, saved as UTF-8"
        ) from None
    try:
        # kubectl's strict decoding rejects a field written twice; YAML loaders keep the last
        for node in yaml.compose_all(text, Loader=PlanLoader):  # libyaml: no RecursionError
            duplicates = [] if node is None else yaml_line_index(node)[1]
            if duplicates:
                field_path, line = duplicates[0]
                raise SpecError(
                    f"{path}:{line}: {field_path} is written twice in the same mapping and YAML "
                    "keeps only the last; delete one of them"
                )
        return [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.reader.ReaderError as exc:
        line, what = refused_character(exc, text)
        raise SpecError(f"{path}:{line}: malformed YAML: {what}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        if isinstance(exc, StructureError):  # its problem says what to write instead
            raise SpecError(f"{where}: {problem}") from None
        context = getattr(exc, "context", None)
        context_mark = getattr(exc, "context_mark", None)
        if context and context_mark is not None:
            problem += f" ({context} that starts at line {context_mark.line + 1})"
        raise SpecError(
            f"{where}: malformed YAML: {problem}; fix the indentation, brackets or quoting"
        ) from None


def _object_name(doc: Mapping[str, Any]) -> Any:
    """``metadata.name`` of a manifest object, ``None`` when its metadata is not a mapping (a
    ``metadata: web`` scalar was an AttributeError traceback while listing the file's names)."""
    metadata = doc.get("metadata")
    return metadata.get("name") if isinstance(metadata, Mapping) else None


def manifest_objects(documents: list[Any]) -> list[Any]:
    """The objects of the documents, with the ``items`` of a ``kind: List`` (what
    ``kubectl get ... -o yaml`` writes) in its place."""
    out: list[Any] = []
    for doc in documents:
        items = doc.get("items") if isinstance(doc, dict) else None
        is_list = isinstance(doc, dict) and str(doc.get("kind", "")).endswith("List")
        out.extend(items if is_list and isinstance(items, list) else [doc])
    return out


def read_hpa_yaml(
    path: str | os.PathLike[str], name: str | None = None, *, gate_scale_to_zero: bool = True
) -> HPASpec:
    """The HorizontalPodAutoscaler in a YAML file, API defaults applied (see ``hpa_from_dict``).

    With several HPAs in the file, ``name`` (``metadata.name``) picks one. Raises
    :class:`SpecError` naming the file when it cannot be read, is not YAML, holds no (or no such)
    HPA, or the HPA is invalid.
    """
    path = Path(path)
    documents = manifest_objects(_load_documents(path))
    hpas = [
        doc for doc in documents if isinstance(doc, dict) and doc.get("kind") == KIND
    ]
    names = ", ".join(str(_object_name(doc)) for doc in hpas)
    if name is not None and hpas:
        hpas = [doc for doc in hpas if _object_name(doc) == name]
        if not hpas:
            raise SpecError(f"{path} holds no {KIND} named {quoted(name)} (its HPAs: {names}); "
                            f"pass one of those names")
    if not hpas:
        kinds = sorted({str(doc.get("kind")) for doc in documents if isinstance(doc, dict)})
        found = ", ".join(kinds) if kinds else "no Kubernetes objects"
        raise SpecError(
            f"{path} holds no {KIND} (found: {found}); "
            "point to the file with the HPA manifest (kind: HorizontalPodAutoscaler)"
        )
    if len(hpas) > 1:
        raise SpecError(
            f"{path} holds {len(hpas)} HorizontalPodAutoscalers ({names}); "
            "pass name= (infra-toolkit simulate --hpa-name NAME) to choose one"
        )
    return hpa_from_dict(hpas[0], source=str(path), gate_scale_to_zero=gate_scale_to_zero)


@dataclass(frozen=True)
class DeploymentSpec:
    """What the simulation reads from an apps/v1 Deployment (or StatefulSet, or Argo Rollout):
    ``spec.replicas``
    (``None`` when unset), the pod's requests (a limit where no request is written) summed over
    its containers and native sidecars (millicores, MiB; the pod-level request instead when set)
    and ``probes``: the readiness and startup probe timings of each container and native sidecar
    with a probe (:mod:`infra_toolkit.readiness`; the pod is Ready when all are; a sidecar's is
    marked ``sidecar``, its startup probe holding the containers after it).
    ``termination_grace_period_s``: ``spec.template.spec.terminationGracePeriodSeconds`` (30 when
    unset, the API default), the most an evicted pod takes to terminate (a ``preStop`` hook runs
    within it, so it does not lengthen it). ``memory_requested`` is false when a counted container
    requests no memory (and has no memory limit): ``memory_request_mib`` is then the toolkit's 256
    MiB stand-in, and an HPA memory utilization metric cannot be computed (see
    :func:`memory_utilization_problem`).
    ``placement``: the pod's nodeSelector, required node affinity and tolerations, which decide
    the node groups it may run on (:mod:`infra_toolkit.node_placement`); ``update_strategy``:
    how it replaces its pods by itself (:mod:`infra_toolkit.update_strategy`);
    ``self_anti_affinity_keys``: topology keys on which no two of its pods may share a value
    (:mod:`infra_toolkit.pod_anti_affinity`); ``namespace_selector_keys``: those of terms whose
    namespaceSelector may or may not pick its own namespace (not simulated; warned).
    ``init_cpu_millicores`` / ``init_memory_mib``: the effective request of its one-shot init
    containers (each with the native sidecars started before it, the largest; 0 without any),
    which the scheduler reserves when it is above the containers' sum; the HPA never counts
    them. ``native_sidecars``: how many init containers are native sidecars (``restartPolicy:
    Always``, counted with the containers); ``sidecars_before_init``: whether one runs before a
    one-shot init container (so the init request includes it). ``memory_stand_in``: no counted
    container requests memory, so ``memory_request_mib`` is the stand-in and the scheduler
    counts 0. :attr:`packed_cpu_millicores` /
    :attr:`packed_memory_mib` are what one pod takes on a node. ``extended_resources``: the
    extended resources (``nvidia.com/gpu``) and huge pages its containers or the pod request or
    limit, which the simulation does not place by (sorted; warned). ``host_ports``: the host
    ports its containers take (``hostPort``, or every ``containerPort`` with ``hostNetwork:
    true``, which the API server defaults so), sorted. ``restart_probes``: the startup and
    liveness probes of its containers and native sidecars, whose failures restart a container
    (:mod:`infra_toolkit.restart_probes`). ``ordered_ready``: a StatefulSet whose
    ``spec.podManagementPolicy`` is ``OrderedReady`` (its default): the controller creates its
    pods one at a time, each once the one before it is Running and Ready, and removes them one
    at a time (false for ``Parallel`` and for a Deployment)."""

    name: str
    replicas: int | None
    cpu_request_millicores: int
    memory_request_mib: float
    probes: tuple[ContainerProbes, ...]
    memory_requested: bool = True
    placement: PodPlacement = PodPlacement()
    update_strategy: UpdateStrategy = UpdateStrategy()
    self_anti_affinity_keys: tuple[str, ...] = ()
    namespace_selector_keys: tuple[str, ...] = ()
    init_cpu_millicores: int = 0
    init_memory_mib: float = 0.0
    extended_resources: tuple[str, ...] = ()
    host_ports: tuple[int, ...] = ()
    memory_stand_in: bool = False
    native_sidecars: int = 0
    sidecars_before_init: bool = False
    termination_grace_period_s: float = POD_TERMINATION_GRACE_S
    restart_probes: tuple[RestartProbe, ...] = ()
    ordered_ready: bool = False

    @property
    def packed_cpu_millicores(self) -> int:
        """The CPU (millicores) one pod takes on a node as the scheduler counts it
        (``PodRequests``): the containers' sum or the init containers' request, the larger."""
        return max(self.cpu_request_millicores, self.init_cpu_millicores)

    @property
    def packed_memory_mib(self) -> float:
        """The memory (MiB) one pod takes on a node as the scheduler counts it: the
        containers' sum (0 when none requests memory: not the stand-in) or the init containers'
        request, the larger."""
        return max(0.0 if self.memory_stand_in else self.memory_request_mib,
                   self.init_memory_mib)

    @property
    def packed_by_init(self) -> bool:
        """Whether its init containers raise what a pod takes on a node above its containers'
        requests (CPU or memory)."""
        return (self.init_cpu_millicores > self.cpu_request_millicores or self.init_memory_mib
                > (0.0 if self.memory_stand_in else self.memory_request_mib))

    @property
    def max_pods_per_node(self) -> int | None:
        """The most of its pods one node may hold (1 with a required anti-affinity on
        ``kubernetes.io/hostname`` against its own pods, or with a host port: the scheduler's
        NodePorts filter keeps two pods using one host port off one node), ``None`` without
        such a cap."""
        return 1 if self.host_ports else _node_cap(self.self_anti_affinity_keys)


def read_deployment_yaml(path: str | os.PathLike[str], name: str | None = None, *,
                         cpu_needed: str = "every") -> DeploymentSpec:
    """The Deployment, StatefulSet or Rollout in a YAML file (``name`` picks one of several) as a
    :class:`DeploymentSpec`; ``cpu_needed`` as in :func:`deployment_from_dict`.

    Raises :class:`SpecError` naming the file and field when there is no such Deployment, no
    container, or no CPU request (the HPA's CPU utilization is relative to it).
    """
    path = Path(path)
    documents = manifest_objects(_load_documents(path))
    found = [d for d in documents if isinstance(d, dict) and d.get("kind") in WORKLOAD_KINDS]
    if name is not None:
        found = [d for d in found if _object_name(d) == name]
    if len(found) != 1:
        named = f" named {quoted(name)}" if name else ""
        what = f"no {workload_kinds_text()}" + named if not found \
            else f"{len(found)} Deployments/StatefulSets/Rollouts"
        fix = ("pass name= to choose one, or point to a file with one workload" if found
               else "point to the Deployment (StatefulSet, Rollout) manifest the HPA scales")
        raise SpecError(f"{path} holds {what}; {fix}")
    return deployment_from_dict(found[0], path, cpu_needed=cpu_needed)


#: The largest value of an int64 field (terminationGracePeriodSeconds), which the API server
#: refuses above.
_MAX_INT64 = 2**63 - 1


#: The largest value of an int32 field (spec.replicas, a probe's initialDelaySeconds): the API
#: server refuses more, so 99999999999 replicas or seconds cannot be a real workload's.
_MAX_INT32 = 2**31 - 1


def _whole(value: Any, field_path: str, name: str, source: Path, *,
           largest: int = _MAX_INT32, kind: str = "int32") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SpecError(f"{field_path} (={quoted(value)}) of {name} in {source} must be a "
                        "whole number >= 0")
    if value > largest:
        raise SpecError(f"{field_path} (={quoted(value)}) of {name} in {source} is above "
                        f"{largest:,}, the largest {kind} the API server takes; write the "
                        "real number")
    return value


# The fields of a probe and of a container's resources (core/v1 Probe, ResourceRequirements):
# closed sets, which kubectl's strict field validation holds them to (the default since 1.25)
_PROBE_FIELDS = ("exec", "httpGet", "tcpSocket", "grpc", "initialDelaySeconds", "timeoutSeconds",
                 "periodSeconds", "successThreshold", "failureThreshold",
                 "terminationGracePeriodSeconds")
_RESOURCES_FIELDS = ("limits", "requests", "claims")
# the container fields the simulation reads: another key this close to one is its misspelling
_READ_CONTAINER_FIELDS = ("readinessProbe", "startupProbe", "livenessProbe", "resources")


def _unknown_fields(container: Mapping[str, Any], where: str, owner: str) -> list[str]:
    """``where.field {owner}: ...`` for a misspelt field the API server refuses whose value the
    simulation reads: ``initialDelaySecond: 30`` or ``readinessprobe:`` read as no delay, 0 s,
    silently (the rest of a container's fields are not checked: its schema grows each
    Kubernetes release, and a field not read changes nothing here)."""
    out = []
    for key in container:
        near = did_you_mean(str(key), _READ_CONTAINER_FIELDS, list_choices=False, cutoff=0.8)
        if key not in _READ_CONTAINER_FIELDS and near:
            out.append(f"{where}.{key} {owner}: unknown field, which the API server refuses{near}")
    for block, allowed in (("readinessProbe", _PROBE_FIELDS), ("startupProbe", _PROBE_FIELDS),
                           ("livenessProbe", _PROBE_FIELDS), ("resources", _RESOURCES_FIELDS)):
        fields = container.get(block)
        out += [f"{where}.{block}.{key} {owner}: unknown field, which the API server refuses"
                + did_you_mean(str(key), allowed)
                for key in (fields if isinstance(fields, Mapping) else ()) if key not in allowed]
    return out
def _startup_delay(value: Any, field_path: str, name: str, source: Path) -> int:
    """A probe's initialDelaySeconds or periodSeconds: a whole number of seconds up to the one
    bound of a pod's start-up delays (:data:`~infra_toolkit.workload.MAX_STARTUP_DELAY_S`)."""
    seconds = _whole(value, field_path, name, source)
    if seconds > MAX_STARTUP_DELAY_S:
        raise SpecError(f"{field_path} (={quoted(seconds)}) of {name} in {source} must be at "
                        f"most {MAX_STARTUP_DELAY_S:,} s: {STARTUP_DELAY_RULE}")
    return seconds


def _probe(container: Mapping[str, Any], block: str, where: str, name: str,
           source: Path) -> Probe | None:
    """The timing of a container's ``readinessProbe``, ``startupProbe`` or ``livenessProbe``
    (``None`` without one), as the API server defaults and validates it: ``SetDefaults_Probe``
    makes an unset or 0 ``periodSeconds`` 10 and ``successThreshold`` 1; ``validateProbe``
    refuses a probe without exactly one handler and the other problems of
    :func:`~infra_toolkit.probe_handlers.handler_problems`, a negative count or duration, and a
    startup or liveness probe's ``successThreshold`` other than 1 (``must be 1``); null is
    unset. Raises :class:`SpecError` naming the field (each handler problem on its own line)."""
    probe = container.get(block)
    at = f"{where}.{block}"
    if probe is not None and not isinstance(probe, Mapping):
        raise SpecError(f"{at} (={quoted(probe)}) of {name} in {source} must be a mapping such "
                        "as {httpGet: {path: /ready, port: 8080}, periodSeconds: 5}")
    if not isinstance(probe, Mapping):
        return None

    owner = f"of {name} in {source}"
    problems = handler_problems(probe, block, at, owner)
    if problems:
        raise SpecError("\n".join(problems))
    # validateProbe: no count or duration negative, those the timing does not use included
    for key in ("timeoutSeconds", "failureThreshold"):
        if probe.get(key) is not None:
            _whole(probe[key], f"{at}.{key}", name, source)

    def field(key: str, unset: int) -> int:
        raw = probe.get(key)
        read = _whole if key == "successThreshold" else _startup_delay
        value = read(unset if raw is None else raw, f"{at}.{key}", name, source)
        return unset if value == 0 and key != "initialDelaySeconds" else value

    delay = field("initialDelaySeconds", 0)
    period = field("periodSeconds", DEFAULT_PROBE_PERIOD_S)
    threshold = field("successThreshold", 1)
    if block in ("startupProbe", "livenessProbe") and threshold != 1:
        kind = "startup" if block == "startupProbe" else "liveness"
        raise SpecError(f"{at}.successThreshold (={threshold}) of {name} in {source} must be 1 "
                        f"for a {kind} probe, as the API server requires (it passes on its "
                        "first success); drop the field or write 1")
    # a run of successes past a day holds the pod unready as long as a day-long delay would
    if (threshold - 1) * period > MAX_STARTUP_DELAY_S:
        raise SpecError(f"{at}.successThreshold (={threshold}) x periodSeconds (={period}) of "
                        f"{name} in {source} must be at most {MAX_STARTUP_DELAY_S:,} s: "
                        f"{STARTUP_DELAY_RULE}")
    return Probe(float(delay), float(period), threshold)


def _restart_probe(container: Mapping[str, Any], block: str, where: str, name: str,
                   source: Path) -> RestartProbe | None:
    """A container's ``startupProbe`` or ``livenessProbe`` as a probe that restarts it
    (:mod:`infra_toolkit.restart_probes`; ``None`` without one): :func:`_probe`'s timing and
    its ``failureThreshold`` (unset or 0: the API's 3)."""
    timing = _probe(container, block, where, name, source)
    if timing is None:
        return None
    raw = container[block].get("failureThreshold")
    failures = _whole(DEFAULT_FAILURE_THRESHOLD if raw is None else raw,
                      f"{where}.{block}.failureThreshold", name, source)
    return RestartProbe(str(container.get("name")), block, timing.initial_delay_s,
                        timing.period_s, failures or DEFAULT_FAILURE_THRESHOLD)


def reads_cpu_requests(hpa: HPASpec) -> bool:
    """Whether ``hpa`` has a CPU Utilization metric (Resource or ContainerResource): the
    controller then divides by every counted container's CPU request (calculatePodRequests),
    and fails the metric when one has none."""
    return any(source is not None and source.name == "cpu"
               and source.target.type == "Utilization"
               for m in hpa.metrics for source in (m.resource, m.container_resource))


def deployment_from_dict(doc: Any, source: str | os.PathLike[str] = "<dict>", *,
                         cpu_needed: str = "every") -> DeploymentSpec:
    """A :class:`DeploymentSpec` from an apps/v1 Deployment manifest dict; ``source`` names it
    in errors. Raises :class:`SpecError` like :func:`read_deployment_yaml`, also when a field
    it reads has the wrong type.

    ``cpu_needed`` says which CPU requests its HPA needs: ``"every"`` counted container's (a CPU
    Utilization metric, :func:`reads_cpu_requests`), ``"some"`` (another HPA: the simulated pods
    need a CPU request, not each container) or ``"none"`` (no HPA: its pods only hold room, and
    a container without a CPU request takes none, as the scheduler counts it)."""
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
                 for problem in _unknown_fields(c, where, f"of {named} in {path}")]
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
                pair.append(_probe(c, probe_name, where, named, path))
            except SpecError as exc:
                problems.append(str(exc))
                pair.append(None)
        if pair != [None, None]:  # a native sidecar holds the containers after it
            probes.append(ContainerProbes(pair[0], pair[1], sidecar=where.startswith(
                "spec.template.spec.initContainers")))
        for probe_name in ("startupProbe", "livenessProbe"):
            try:
                restart = _restart_probe(c, probe_name, where, named, path)
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
        lambda *a: _whole(*a, largest=_MAX_INT64, kind="int64"), grace_raw,
        "spec.template.spec.terminationGracePeriodSeconds", named, path)
    replicas_raw = spec.get("replicas") if isinstance(spec, dict) else None
    replicas = None if replicas_raw is None else kept(
        _whole, replicas_raw, "spec.replicas", named, path)
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


def memory_utilization_problem(hpa: HPASpec, workload: DeploymentSpec) -> str | None:
    """Why ``hpa``'s Resource memory Utilization metric cannot be computed for ``workload``
    (a container without a memory request: the controller's calculateRequests fails and the
    HPA reports FailedGetResourceMetric for it), or ``None``."""
    for i, metric in enumerate(hpa.metrics):
        source = metric.resource
        if (source is not None and source.name == "memory"
                and source.target.type == "Utilization" and not workload.memory_requested):
            return (f"spec.metrics[{i}] of HPA {hpa.name!r} is memory utilization, but a container "
                    f"of {workload.name!r} requests no memory (and has no memory limit): the HPA "
                    "cannot compute it (FailedGetResourceMetric); add a memory request to every "
                    "container, or use an AverageValue target")
    return None
