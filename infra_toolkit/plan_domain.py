"""The plan validator's calls into the modules that own each domain check.

Each function takes the :class:`~infra_toolkit.plan_fields.FieldReader` collecting problems, the
thing to check and its path in the plan, and records the owner's verdict under that path
(``proposed.workloads[0].hpa: spec.minReplicas ...``). The plan validator never re-implements a
domain rule: HPA rules belong to ``hpa``, resources and price keys to ``cost``/``pricing``,
traffic files and shapes to ``traffic``. This module also reads the files a plan references.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from infra_toolkit import pricing
from infra_toolkit.container_metrics import pod_containers, resource_twins
from infra_toolkit.controller_view import metric_needs
from infra_toolkit.deployment_spec import DeploymentSpec
from infra_toolkit.eksctl_config import (
    ClusterConfig,
    cluster_config_document,
    cluster_config_from_dict,
)
from infra_toolkit.errors import (
    InfraToolkitError,
    PricingError,
    SimulationError,
    SpecError,
    TrafficError,
    clipped,
    quoted,
)
from infra_toolkit.hpa_api import hpa_from_dict
from infra_toolkit.hpa_spec import HPASpec
from infra_toolkit.karpenter_manifests import NodePool, node_pools_from_documents
from infra_toolkit.manifest_documents import manifest_objects
from infra_toolkit.manifests import (
    WORKLOAD_API_VERSIONS,
    deployment_from_dict,
    workload_kinds_text,
)
from infra_toolkit.plan_architecture import Manifest, WorkloadModel, workload_spec
from infra_toolkit.plan_fields import FieldReader, did_you_mean, join_path
from infra_toolkit.plan_scenario_types import LoadTest, Scenario, SyntheticTraffic
from infra_toolkit.plan_traffic import SHAPES, scenario_curve, shape_parameters
from infra_toolkit.plan_yaml import (
    TAB_FIX,
    PlanLoader,
    StructureError,
    refused_character,
    syntax_problem,
    yaml_line_index,
)
from infra_toolkit.pricing import PriceBook
from infra_toolkit.resources import Resource, parse_resources, validate_resources

__all__ = [
    "MAX_SCENARIO_STEPS",
    "check_deployment",
    "check_hpa",
    "check_hpa_simulable",
    "check_resources",
    "check_scenario",
    "check_synthetic_parameters",
    "check_workload_model",
    "load_cluster_config",
    "load_manifest",
    "load_node_pools",
    "load_price_book",
    "referenced_file",
]

# an HPA's apiVersion is checked by hpa_versions, which reads v2beta2 and v1 as the API
# server serves them and gives the v2beta1 migration
_API_VERSIONS = {kind: (api,) for kind, api in WORKLOAD_API_VERSIONS.items()}


def referenced_file(r: FieldReader, value: Any, path: str, base_dir: Path) -> Path | None:
    """The file named by ``value`` (relative to the plan's folder), or ``None`` after recording
    why it cannot be used (not text, absolute, missing, a folder)."""
    text = r.text(value, path)
    if text is None:
        return None
    if Path(text).is_absolute():
        r.add(path, f"{quoted(text)} is absolute; write it relative to the plan file's folder so "
                    "the plan and its digest are the same on every machine")
        return None
    full = base_dir / text
    try:
        return _existing_file(r, text, full, path, base_dir)
    except OSError as exc:  # a name the OS cannot look up: too long (ENAMETOOLONG)
        why = exc.strerror or str(exc)
        r.add(path, f"{quoted(text)} cannot be used as a file name ({why}); name an existing file "
                    "relative to the plan file's folder")
        return None


def _existing_file(r: FieldReader, text: str, full: Path, path: str,
                   base_dir: Path) -> Path | None:
    """``full`` when it is a regular file, else ``None`` after recording why it is not."""
    if not full.exists():
        r.add(path, f"file {quoted(text)} not found (relative to {base_dir.name}/)"
                    f"{_missing_file_hint(text, full, base_dir)}")
        return None
    if full.is_dir():
        r.add(path, f"{quoted(text)} is a folder, not a file; name the file")
        return None
    if not full.is_file():  # a pipe or a device such as /dev/zero: reading it may never end
        r.add(path, f"{quoted(text)} is not a regular file (a pipe, socket or device); name a file")
        return None
    return full


def _missing_file_hint(text: str, full: Path, base_dir: Path) -> str:
    """Why ``text`` (relative to ``base_dir``) names no file, and the path that would: the file
    written relative to the folder the command runs in, or with a folder too many in front
    (``plan/traces/day.csv`` for ``traces/day.csv``), is named as the plan must write it; else a
    close name in its folder, or the first folder of the path that does not exist."""
    parts = Path(text).parts
    tails = [Path(*parts[k:]) for k in range(1, len(parts))]
    found = [Path(text)] if Path(text).is_file() else []  # relative to the working folder
    found += [base_dir / t for t in tails if (base_dir / t).is_file()]
    if found:
        fix = Path(os.path.relpath(found[0], base_dir)).as_posix()
        return (f"; did you mean {quoted(fix)}? Paths in a plan are relative to the plan file's "
                "folder, not to the folder the command runs in")
    if full.parent.is_dir():
        return did_you_mean(full.name, [p.name for p in full.parent.iterdir()])
    missing = next((k for k in range(1, len(parts)) if not (base_dir / Path(*parts[:k])).is_dir()),
                   len(parts) - 1)
    return f"; folder {quoted(Path(*parts[:missing]).as_posix())} does not exist either"


def _yaml_documents(r: FieldReader, file: Path, path: str) -> list[Any] | None:
    try:
        text = file.read_text(encoding="utf-8")
        # YAML keeps the last of a key written twice, which kubectl's strict field validation
        # refuses: the plan would be simulated with a value the reader of the first missed
        twice = [d for node in yaml.compose_all(text, Loader=PlanLoader)
                 if node is not None for d in yaml_line_index(node)[1]]
        if twice:
            key, line = twice[0]
            r.add(path, f"{file.name}:{line}: {key}: this key is written twice in the same "
                        "mapping and YAML keeps only the last one (kubectl refuses it); delete "
                        "or rename one")
            return None
        return [d for d in yaml.load_all(text, Loader=PlanLoader) if d is not None]
    except (OSError, UnicodeDecodeError) as exc:
        fix = "; save it as UTF-8 YAML" if isinstance(exc, UnicodeDecodeError) else ""
        r.add(path, f"cannot read {file.name}: {exc}{fix}")
    except yaml.reader.ReaderError as exc:
        at, what = refused_character(exc, text)
        r.add(path, f"{file.name}:{at}: YAML syntax error: {what}")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{file.name}:{mark.line + 1}" if mark is not None else file.name
        if isinstance(exc, StructureError):  # its problem says what to write instead
            r.add(path, f"{where}: {exc.problem}")
        else:
            detail = syntax_problem(exc, text)
            fix = "" if detail.endswith(TAB_FIX) else "; fix the manifest"
            r.add(path, f"{where}: YAML syntax error: {detail}{fix}")
    return None


def load_manifest(r: FieldReader, value: Any, path: str, base_dir: Path,
                  kind: str | tuple[str, ...],
                  choose: Callable[[Mapping[str, Any]], bool] | None = None,
                  choice: str = "") -> Manifest | None:
    """A document of ``kind`` (or of one of the kinds) given inline (a mapping) or by path (a
    file may hold several documents separated by ``---``, or a ``kind: List`` as ``kubectl get
    -o yaml`` writes). A file with one document of the kind gives it; with several, the one
    ``choose`` accepts (``choice`` says which that is, for the error when none or several
    are): never silently the first, which would give two workloads one manifest."""
    kinds = (kind,) if isinstance(kind, str) else kind
    wanted = workload_kinds_text(kinds)
    file = None
    if isinstance(value, Mapping):
        doc: Any = value
    else:
        file = referenced_file(r, value, path, base_dir)
        docs = _yaml_documents(r, file, path) if file is not None else None
        if file is None or docs is None:
            return None
        docs = manifest_objects(docs)
        found = [d.get("kind") for d in docs if isinstance(d, Mapping)]
        of_kind = [d for d in docs if isinstance(d, Mapping) and d.get("kind") in kinds]
        if not of_kind:
            r.add(path, f"{file.name} holds no {wanted} (kinds found: "
                        f"{', '.join(clipped(str(k)) for k in found) or 'none'}); point at the "
                        f"{wanted} manifest")
            return None
        doc = of_kind[0]
        if len(of_kind) > 1:
            chosen = [d for d in of_kind if choose is not None and choose(d)]
            if len(chosen) != 1:
                names = ", ".join(_described(d) for d in of_kind)
                r.add(path, f"{file.name} holds {len(of_kind)} {wanted} manifests ({names}) "
                            f"and {'none' if not chosen else len(chosen)} of them "
                            f"{'is' if not chosen else 'are'} "
                            f"{choice or 'the one meant'}; make exactly one so, or point at a "
                            "file holding only it")
                return None
            doc = chosen[0]
    budgets = () if file is None or docs is None else tuple(
        d for d in docs if isinstance(d, Mapping) and d.get("kind") == "PodDisruptionBudget")
    classes = () if file is None or docs is None else tuple(
        d for d in docs if isinstance(d, Mapping) and d.get("kind") == "StorageClass")
    where = file.name if file else "inline manifest"
    if doc.get("kind") not in kinds:
        r.add(path, f"{where}: kind {quoted(doc.get('kind'))} is not {wanted}")
        return None
    doc_kind = str(doc["kind"])
    allowed = _API_VERSIONS.get(doc_kind)
    # an HPA's version is worded by its reader (hpa_versions): v2beta1 with its migration
    if allowed is not None and doc.get("apiVersion") not in allowed:
        r.add(path, f"{where}: apiVersion {quoted(doc.get('apiVersion'))} is not supported for "
                    f"{doc_kind}; use {' or '.join(allowed)}")
        return None
    meta = doc.get("metadata")
    if not isinstance(meta, Mapping) or not isinstance(meta.get("name"), str):
        r.add(path, f"{where}: metadata.name is missing; name the {doc_kind}")
        return None
    return Manifest(doc_kind, doc, file, budgets, classes)


def load_budget_files(r: FieldReader, value: Any, path: str, base_dir: Path
                      ) -> tuple[tuple[Path, tuple[Mapping[str, Any], ...], str], ...] | None:
    """The PodDisruptionBudget documents of each file ``value`` names (a path, or a list of
    paths, relative to the plan's folder; a file may hold several documents or a ``kind:
    List``), with the file and its plan path (``path``, or ``path[i]`` in a list); ``None``
    after recording why one cannot be used (as
    :func:`referenced_file`, or a file holding no PodDisruptionBudget)."""
    listed = isinstance(value, list)
    if listed and not value:
        r.add(path, "is an empty list; name the files holding the workload's "
                    "PodDisruptionBudgets, or leave disruption_budgets out")
        return None
    before, out = r.count(), []
    for i, item in enumerate(value if listed else [value]):
        at = join_path(path, i) if listed else path
        file = referenced_file(r, item, at, base_dir)
        docs = _yaml_documents(r, file, at) if file is not None else None
        if file is None or docs is None:
            continue
        docs = manifest_objects(docs)
        budgets = tuple(d for d in docs if isinstance(d, Mapping)
                        and d.get("kind") == "PodDisruptionBudget")
        if not budgets:
            found = ", ".join(clipped(str(d.get("kind"))) for d in docs if isinstance(d, Mapping))
            r.add(at, f"{file.name} holds no PodDisruptionBudget (kinds found: "
                      f"{found or 'none'}); point at the file holding the workload's budgets")
            continue
        out.append((file, budgets, at))
    return None if r.count() > before else tuple(out)


def _name_of(doc: Mapping[str, Any]) -> str:
    meta = doc.get("metadata")
    return str(meta.get("name")) if isinstance(meta, Mapping) else "?"


def _described(doc: Mapping[str, Any]) -> str:
    """``Kind/name``, and for an HPA what it scales: the HPA is chosen by its target, so the
    reader needs the targets to see why none (or two) fit, such as an Argo ``Rollout``."""
    spec = doc.get("spec")
    ref = spec.get("scaleTargetRef") if isinstance(spec, Mapping) else None
    target = (f" scaling {ref.get('kind')}/{ref.get('name')}"
              if doc.get("kind") == "HorizontalPodAutoscaler" and isinstance(ref, Mapping)
              else "")
    return f"{doc.get('kind')}/{_name_of(doc)}{target}"


def load_cluster_config(r: FieldReader, value: Any, path: str, base_dir: Path
                        ) -> tuple[Manifest, ClusterConfig] | None:
    """The eksctl ``ClusterConfig`` at ``value`` (a path), read by its reader; its problems are
    recorded under ``path`` with the file's own field paths."""
    file = referenced_file(r, value, path, base_dir)
    docs = _yaml_documents(r, file, path) if file is not None else None
    if file is None or docs is None:
        return None
    try:  # the plan reads the file as `eksctl` and `simulate` do: one ClusterConfig
        doc = cluster_config_document(docs, file.name)
    except SpecError as exc:
        r.add(path, str(exc))
        return None
    if not isinstance(doc, Mapping):
        r.add(path, f"{file.name} holds no ClusterConfig mapping; point at an eksctl "
                    "ClusterConfig file")
        return None
    try:
        config = cluster_config_from_dict(doc, file.name)
    except SpecError as exc:
        _spec_problems(r, path, exc)
        return None
    return Manifest("ClusterConfig", doc, file), config


def load_node_pools(r: FieldReader, value: Any, path: str, base_dir: Path
                    ) -> tuple[Manifest, tuple[NodePool, ...]] | None:
    """The Karpenter ``NodePool`` s (with their ``EC2NodeClass`` es) of the file at ``value``,
    read by :mod:`infra_toolkit.karpenter_manifests`; its problems are recorded under ``path``
    with the file's own object and field paths."""
    file = referenced_file(r, value, path, base_dir)
    docs = _yaml_documents(r, file, path) if file is not None else None
    if file is None or docs is None:
        return None
    try:
        pools = node_pools_from_documents(manifest_objects(docs), file.name)
    except SpecError as exc:
        _spec_problems(r, path, exc)
        return None
    first = next(d for d in manifest_objects(docs)
                 if isinstance(d, Mapping) and d.get("kind") == "NodePool")
    return Manifest("NodePool", first, file), pools


@contextmanager
def _owner_check(r: FieldReader, path: str, owner: str) -> Iterator[None]:
    """Run an owner's check; an exception it did not mean to raise (a bug in the owner, hit by
    an input it does not expect) becomes a problem instead of a traceback."""
    try:
        yield
    except InfraToolkitError:
        raise  # a deliberate error: the caller reports it with its own wording
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        r.add(path, f"could not be checked: {owner} failed with {type(exc).__name__}: {exc}; "
                    f"check this field's type, and report the crash as a bug in {owner}")


def _spec_problems(r: FieldReader, path: str, exc: Exception) -> None:
    for line in str(exc).splitlines():
        r.add(path, line.strip())


def check_hpa(r: FieldReader, hpa: Manifest, path: str) -> HPASpec | None:
    """The HPA as the API server would take it (defaults applied), by ``hpa.hpa_from_dict``;
    every invalid part is recorded under ``path`` with the manifest's own field path."""
    with _owner_check(r, path, "infra_toolkit.hpa_api"):
        try:
            return hpa_from_dict(hpa.document, source=_source(hpa))
        except SpecError as exc:
            _spec_problems(r, path, exc)
    return None


def check_deployment(r: FieldReader, deployment: Manifest, path: str,
                     cpu_needed: str = "every") -> DeploymentSpec | None:
    """What the simulator reads from the Deployment (requests, probes), by
    ``manifests.deployment_from_dict`` (``cpu_needed``: the CPU requests its HPA needs)."""
    with _owner_check(r, path, "infra_toolkit.manifests"):
        try:
            return deployment_from_dict(deployment.document, _source(deployment),
                                        cpu_needed=cpu_needed)
        except SpecError as exc:
            _spec_problems(r, path, exc)
    return None


def simulated_hpa(r: FieldReader, hpa: HPASpec, deployment: Manifest, path: str
                  ) -> HPASpec | None:
    """``hpa`` as the simulation runs it on ``deployment``'s pods: each ContainerResource metric
    as the Resource metric it equals (``container_metrics.resource_twins``, which the simulation
    itself calls); ``None`` after recording why one cannot be simulated."""
    try:
        with _owner_check(r, path, "infra_toolkit.container_metrics"):
            return resource_twins(hpa, pod_containers(deployment.document))
    except SimulationError as exc:
        r.add(path, str(exc))
    return None


def check_hpa_simulable(r: FieldReader, hpa: HPASpec, model: WorkloadModel, path: str) -> None:
    """Every metric of ``hpa`` is one the simulator can feed from ``model`` (by
    ``controller_view.metric_needs``, the check the simulation itself makes), so a plan that
    validates also simulates."""
    try:
        with _owner_check(r, path, "infra_toolkit.controller_view"):
            needs = metric_needs(hpa, memory_model=model.memory_baseline_mib is not None,
                                 queue_depth=model.queue_depth_metrics)
    except SimulationError as exc:
        r.add(path, str(exc))
        return
    counted = sorted({*needs.object, *needs.external})
    for i, name in enumerate(model.queue_depth_metrics):
        if name not in needs.queued:
            # the model's path beside the hpa's: proposed.workloads[0].model.queue_depth_metrics
            at = join_path(join_path(join_path(path.rsplit(".", 1)[0], "model"),
                                     "queue_depth_metrics"), i)
            near = did_you_mean(name, counted, list_choices=False) if counted else ""
            r.add(at, f"{quoted(name)} is no Object or External metric of the HPA (it has "
                      f"{', '.join(map(quoted, counted)) or 'none'}){near}; name one as its "
                      "spec.metrics writes it")


def check_workload_model(r: FieldReader, model: WorkloadModel, deployment: DeploymentSpec,
                         name: str, path: str) -> None:
    """The workload model as the simulator's ``WorkloadSpec`` accepts it."""
    try:
        with _owner_check(r, path, "infra_toolkit.workload"):
            workload_spec(name, model, deployment)
    except SpecError as exc:
        # "workload 'api'.capacity_rps_per_pod (=0.0) must be ...": report it at that field
        field = re.match(r"workload '.*?'\.(\w+) \(", str(exc))
        r.add(join_path(path, field.group(1)) if field else path, str(exc))


def _source(manifest: Manifest) -> str:
    return manifest.path.name if manifest.path is not None else "the inline manifest"


def load_price_book(r: FieldReader, tables: Sequence[Path], overrides: Path | None
                    ) -> PriceBook | None:
    """The price book (shipped tables, then the plan's own tables and overrides), or ``None``
    after recording why it cannot be loaded (``pricing.load_price_book`` caches books by the
    content of every file they read, so validating many plans parses the tables once)."""
    try:
        return pricing.load_price_book(extra_tables=tables, overrides=overrides)
    except (PricingError, OSError) as exc:
        r.add(_price_file_field(str(exc), tables, overrides), f"{exc}")
        return None


def _price_file_field(message: str, tables: Sequence[Path], overrides: Path | None) -> str:
    """The plan field naming the file a price book's problem is in: every message about one of
    the user's files begins with its path (``payments/prices.yaml: rates[0]: ...``), so it is
    reported at ``pricing.overrides`` or ``pricing.tables[i]``, where the fix goes; ``pricing``
    for a shipped table's."""
    named = [("pricing.overrides", overrides)] if overrides is not None else []
    named += [(join_path("pricing.tables", i), t) for i, t in enumerate(tables)]
    return next((field for field, path in named if message.startswith(f"{path}:")), "pricing")


def check_resources(r: FieldReader, items: list[Any], path: str, region: str | None,
                    book: PriceBook | None) -> tuple[Resource, ...] | None:
    """The resources as the cost model reads them (``resources.validate_resources``): every
    attribute checked, and with a price book every instance type, class and region checked
    against the tables (``'db.t3.medum' is not a known RDS class; did you mean ...``).
    ``region`` is ``None`` when the plan's own region is invalid (already reported): the
    resources that inherit it are then not reported again for it."""
    problems = None
    with _owner_check(r, path, "infra_toolkit.resources"):
        problems = validate_resources(items, path=path, default_region=region, price_book=book)
    if problems is None:
        return None
    inherit = {join_path(join_path(path, i), "region") for i, item in enumerate(items)
               if not (isinstance(item, Mapping) and "region" in item)}
    for problem in problems:
        if not (region is None and problem.path in inherit):
            r.add(problem.path, problem.message)
    if problems or region is None:
        return None
    # the tables were consulted above; parsing again without them only builds the resources
    return parse_resources(items, path=path, default_region=region, price_book=None)


# A scenario is simulated step by step in memory: beyond this many steps (about 2.4 years at
# 15 s, 58 days at 1 s) a plan would exhaust memory before it reported anything.
MAX_SCENARIO_STEPS = 5_000_000


def check_scenario(r: FieldReader, scenario: Scenario, path: str, step_s: float) -> None:
    """The scenario's traffic as the traffic module draws it (:func:`scenario_curve`): the CSV
    read and checked, the window inside it, the shape's parameters accepted; a synthetic or load
    test scenario at most ``MAX_SCENARIO_STEPS`` steps long."""
    traffic = scenario.traffic
    if isinstance(traffic, SyntheticTraffic | LoadTest):
        steps = traffic.duration_s / step_s
        if steps > MAX_SCENARIO_STEPS:
            r.add(path, f"{traffic.duration_s / 86400:g} days at {step_s:g} s per step is "
                        f"{steps:,.0f} steps, more than the {MAX_SCENARIO_STEPS:,} a scenario "
                        "may have; shorten it or raise simulation.step_s")
            return
    with _owner_check(r, path, "infra_toolkit.traffic"):
        try:
            scenario_curve(scenario, step_s)
        except TrafficError as exc:
            r.add(path, str(exc))


#: Synthetic shape parameters that place the shape's change in time (seconds from the start).
_SHAPE_MOMENTS = ("at_s", "ramp_start_s")


def check_synthetic_parameters(r: FieldReader, traffic: SyntheticTraffic, path: str) -> bool:
    """The shape is one the traffic module draws and its parameters are that function's."""
    if traffic.shape not in SHAPES:
        r.add(join_path(path, "shape"), f"{quoted(traffic.shape)} is not a traffic shape"
                                        f"{did_you_mean(traffic.shape, SHAPES)}")
        return False
    required, optional = shape_parameters(traffic.shape)
    before = r.count()
    for key in traffic.params:
        if key not in required + optional:
            # the list is written once, so the hint names only a close one
            near = did_you_mean(key, required + optional, list_choices=False)
            r.add(join_path(path, key), f"is not a parameter of shape {quoted(traffic.shape)} "
                                        f"(parameters: {', '.join(required + optional)})"
                                        f"{near}")
    for key in required:
        if key not in traffic.params:
            r.add(join_path(path, key), f"missing: shape {quoted(traffic.shape)} needs it")
    for key in _SHAPE_MOMENTS:
        moment = traffic.params.get(key)
        if moment is not None and not 0 <= moment < traffic.duration_s:
            # before: a flash crowd at 7200 s of a 1 h scenario validated as a flat curve
            r.add(join_path(path, key), (
                f"{moment:g} s is outside the scenario (0 to {traffic.duration_s:g} s, its "
                f"duration): the {traffic.shape} would begin "
                f"{'before it starts' if moment < 0 else 'after it ends, never shown'}; give the "
                f"seconds from the scenario's start, below {traffic.duration_s:g}, or lengthen "
                "duration"))
    return r.count() == before
