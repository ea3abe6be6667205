"""The plan validator's calls into the modules that own each domain check.

Each function takes the :class:`~infra_toolkit.plan_fields.FieldReader` collecting problems, the
thing to check and its path in the plan, and records the owner's verdict under that path
(``proposed.workloads[0].hpa: spec.minReplicas ...``). The plan validator never re-implements a
domain rule: HPA rules belong to ``hpa``, resources and price keys to ``cost``/``pricing``,
traffic files and shapes to ``traffic``. The files a plan references are read by
:mod:`infra_toolkit.plan_files`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from infra_toolkit import pricing
from infra_toolkit.container_metrics import pod_containers, resource_twins
from infra_toolkit.controller_view import metric_needs
from infra_toolkit.deployment_spec import DeploymentSpec
from infra_toolkit.errors import (
    InfraToolkitError,
    PricingError,
    SimulationError,
    SpecError,
    TrafficError,
    quoted,
)
from infra_toolkit.hpa_api import hpa_from_dict
from infra_toolkit.hpa_spec import HPASpec
from infra_toolkit.manifests import deployment_from_dict
from infra_toolkit.plan_architecture import Manifest, WorkloadModel, workload_spec
from infra_toolkit.plan_fields import FieldReader, did_you_mean, join_path
from infra_toolkit.plan_scenario_types import LoadTest, Scenario, SyntheticTraffic
from infra_toolkit.plan_traffic import SHAPES, scenario_curve, shape_parameters
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
    "load_price_book",
    "spec_problems",
]


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


def spec_problems(r: FieldReader, path: str, exc: Exception) -> None:
    """Each line of an owner's ``exc`` (one problem a line) recorded under ``path``."""
    for line in str(exc).splitlines():
        r.add(path, line.strip())


def check_hpa(r: FieldReader, hpa: Manifest, path: str) -> HPASpec | None:
    """The HPA as the API server would take it (defaults applied), by ``hpa.hpa_from_dict``;
    every invalid part is recorded under ``path`` with the manifest's own field path."""
    with _owner_check(r, path, "infra_toolkit.hpa_api"):
        try:
            return hpa_from_dict(hpa.document, source=_source(hpa))
        except SpecError as exc:
            spec_problems(r, path, exc)
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
            spec_problems(r, path, exc)
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
