"""Reading a plan file section by section, collecting every problem with its path in the file.

:func:`check_plan` returns ``(plan or None, problems)``; :func:`load_plan` raises
:class:`~infra_toolkit.errors.PlanError` with all of them. Each section reader takes the
:class:`~infra_toolkit.plan_fields.FieldReader` that records problems and returns its dataclass,
or ``None`` when the section has a problem (so later cross-checks skip what is already reported).

Sections live in :mod:`~infra_toolkit.plan_workloads` (``current``/``proposed``),
:mod:`~infra_toolkit.plan_scenarios` (scenarios, SLOs) and :mod:`~infra_toolkit.plan_operations`
(strategy, monitoring, rollback, testing, security, timeline, risks). Domain checks are delegated
to the modules that own them (:mod:`infra_toolkit.plan_domain`):
HPA specs to ``hpa``, resources and known price keys to ``cost``/``pricing``, traffic files and
shapes to ``traffic``; each is one call from here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from infra_toolkit import plan_domain as domain
from infra_toolkit import plan_operations as ops
from infra_toolkit.deployment_spec import DeploymentSpec
from infra_toolkit.errors import PlanError, SimulationError, quoted, shown
from infra_toolkit.kubelet_reserve import read_cpu_memory
from infra_toolkit.node_allocatable import EKS_DAEMONSETS, NodeDaemonsets
from infra_toolkit.nodes import node_room
from infra_toolkit.plan import (
    ALWAYS_PROVIDE,
    ENVIRONMENTS,
    NODE_AUTOSCALERS,
    PLAN_TYPES,
    PLAN_VERSION,
    PRIORITIES,
    ApprovalPolicy,
    Metadata,
    Plan,
    Problem,
    SimulationSettings,
    _seed_rule,
)
from infra_toolkit.plan_acknowledgements import acknowledge, read_acknowledgements
from infra_toolkit.plan_alerts import alert_warnings, alert_workloads
from infra_toolkit.plan_architecture import Architecture
from infra_toolkit.plan_cost import reference_scenario, reference_traffic_profile
from infra_toolkit.plan_fields import FieldReader, join_path, raw_names
from infra_toolkit.plan_files import referenced_file
from infra_toolkit.plan_scenario_types import CsvTraffic, SyntheticTraffic
from infra_toolkit.plan_scenarios import read_scenarios, read_slos
from infra_toolkit.plan_simulation import (
    daemonset_room_problems,
    simulation_node_groups,
    simulation_spec,
)
from infra_toolkit.plan_traffic import scenario_curve, scenario_curves, workload_rate_problems
from infra_toolkit.plan_warnings import plan_warnings
from infra_toolkit.plan_workloads import read_architecture
from infra_toolkit.plan_yaml import line_of, parse_yaml, plan_field_of_kind, read_yaml_text
from infra_toolkit.pricing import PriceBook, load_price_book

__all__ = ["TOP_LEVEL_KEYS", "check_plan", "check_plan_warnings", "load_plan"]

TOP_LEVEL_KEYS = ("version", "metadata", "current", "proposed", "scenarios", "slos",
                  "deployment_strategy", "monitoring", "rollback", "testing", "security",
                  "timeline", "risks", "questions", "approval_policy", "simulation", "pricing",
                  "acknowledged_warnings")
_REQUIRED = ("version", "metadata", "current", "proposed", "deployment_strategy", "security",
             "questions")
# A plan id is written in commands, messages and the store: a short slug, the same everywhere.
_PLAN_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")


def _metadata(r: FieldReader, raw: Any) -> Metadata | None:
    keys = ("title", "owner", "environment", "priority", "type", "requested_review", "summary",
            "ticket", "team", "needed_by", "id")
    m = r.mapping(raw, "metadata", keys, ("title", "owner", "environment", "priority", "type",
                                          "requested_review", "summary"))
    if m is None:
        return None
    before = r.count()
    fields = {
        "title": r.str_(m, "title", "metadata"),
        "owner": r.str_(m, "owner", "metadata"),
        "environment": r.str_(m, "environment", "metadata", choices=ENVIRONMENTS),
        "priority": r.str_(m, "priority", "metadata", choices=PRIORITIES),
        "type": r.str_(m, "type", "metadata", choices=PLAN_TYPES),
        "requested_review_minutes": _review_minutes(r, m),
        "summary": r.str_(m, "summary", "metadata"),
        "ticket": r.str_(m, "ticket", "metadata", required=False),
        "team": r.str_(m, "team", "metadata", required=False),
        "needed_by": r.date_(m, "needed_by", "metadata", required=False),
        "id": _plan_id(r, m),
    }
    return None if r.count() > before else r.build("metadata", Metadata, **fields)


def _plan_id(r: FieldReader, m: Mapping[str, Any]) -> str | None:
    """``metadata.id``: the plan's identity in the approval store (default: the file name)."""
    value = r.str_(m, "id", "metadata", required=False)
    if value is None or _PLAN_ID.fullmatch(value):
        return value
    r.add("metadata.id", f"{quoted(value)} is not a plan id: use 1-63 lowercase letters, digits, "
                         "'.', '_' or '-', starting with a letter or digit (e.g. team-a-prod)")
    return None


# The longest review a plan may request: 30 days. A review turnaround is hours or days; a
# longer figure is a slip (99999999w passed, about 1e12 minutes), and a change needed later says
# so in metadata.needed_by.
MAX_REVIEW_MINUTES = 30 * 24 * 60


def _review_minutes(r: FieldReader, m: Mapping[str, Any]) -> int | None:
    """``requested_review`` as a duration (``2h``) or a whole number of minutes (``90``), at
    most :data:`MAX_REVIEW_MINUTES`."""
    value = m.get("requested_review")
    if isinstance(value, int) and not isinstance(value, bool):
        minutes = r.int_(m, "requested_review", "metadata", minimum=1)
    else:
        seconds = r.duration_s(m, "requested_review", "metadata", minimum_s=60)
        minutes = None if seconds is None else int(-(-seconds // 60))
    if minutes is not None and minutes > MAX_REVIEW_MINUTES:
        r.add("metadata.requested_review", f"{quoted(value)} is {minutes:,} minutes, more than the "
                                           f"30 days ({MAX_REVIEW_MINUTES:,} minutes) a review "
                                           "may ask for; give the turnaround you need (e.g. 2d), "
                                           "and a later deadline as metadata.needed_by")
        return None
    return minutes


def _approval_policy(r: FieldReader, raw: Any) -> ApprovalPolicy | None:
    if raw is None:
        return ApprovalPolicy()
    p = "approval_policy"
    m = r.mapping(raw, p, ("required_approvers", "extra_approver_above_monthly_increase_usd"),
                  ("required_approvers",))
    if m is None:
        return None
    before = r.count()
    required = r.int_(m, "required_approvers", p, minimum=1, maximum=20)
    threshold = r.money(m, "extra_approver_above_monthly_increase_usd", p, required=False)
    if r.count() > before or required is None:
        return None
    return ApprovalPolicy(required, threshold)


# The longest HPA sync period, metrics resolution and node provisioning time a plan may set, s
MAX_TIMING_S = 3600


def _autoscaled_names(top: Mapping[str, Any]) -> tuple[str, ...]:
    """The proposed workloads given an ``hpa``, in plan order, as written (the simulated ones;
    a workload's own problems are reported where it is read)."""
    proposed = top.get("proposed")
    workloads = proposed.get("workloads") if isinstance(proposed, Mapping) else None
    if not isinstance(workloads, list):
        return ()
    return tuple(w["name"] for w in workloads
                 if isinstance(w, Mapping) and "hpa" in w and isinstance(w.get("name"), str))


def _simulation(r: FieldReader, raw: Any) -> SimulationSettings | None:
    if raw is None:
        return SimulationSettings()
    p = "simulation"
    keys = ("step_s", "seed", "hpa_sync_period_s", "metrics_resolution_s", "node_provisioning_s")
    m = r.mapping(raw, p, (*keys, "node_autoscaler", "node_daemonsets"))
    if m is None:
        return None
    before = r.count()
    # the simulation runs on a grid of whole seconds: the sync period and the metrics
    # resolution are whole seconds (as in the controller's and metrics-server's flags)
    whole = ("hpa_sync_period_s", "metrics_resolution_s")
    # a timing of hours is a slip (minutes meant as seconds, an exponent): the HPA would not
    # sync, or no node arrive, within a scenario, and the report would call that a plan
    fields: dict[str, Any] = {
        k: r.int_(m, k, p, minimum=1, maximum=MAX_TIMING_S) if k in whole
        else r.number(m, k, p, minimum=1) if k == "step_s"  # finer than 1 s is no more exact
        else r.number(m, k, p, minimum=0, exclusive_minimum=True, maximum=MAX_TIMING_S)
        for k in keys if k != "seed" and k in m}
    fields["seed"] = r.int_(m, "seed", p, required=False, minimum=0, default=0)
    if "node_autoscaler" in m:
        fields["node_autoscaler"] = r.str_(m, "node_autoscaler", p, choices=NODE_AUTOSCALERS)
    if "node_daemonsets" in m:
        fields["node_daemonsets"] = _node_daemonsets(r, m["node_daemonsets"],
                                                     join_path(p, "node_daemonsets"))
    return None if r.count() > before else SimulationSettings(**fields)


def _node_daemonsets(r: FieldReader, raw: Any, p: str) -> NodeDaemonsets | None:
    """``simulation.node_daemonsets``: every DaemonSet pod a node runs, with their requests
    summed (``cpu``, ``memory`` quantities; absent: none)."""
    m = r.mapping(raw, p, ("pods", "cpu", "memory"),
                  what=" of the DaemonSet pods on every node, requests summed, EKS's own counted "
                       f"in (theirs: pods: {EKS_DAEMONSETS.pods}, "
                       f"cpu: {EKS_DAEMONSETS.cpu_millicores:g}m)")
    if m is None:
        return None
    before = r.count()
    if "pods" not in m:  # "give a number" alone leaves open which pods are counted
        r.add(join_path(p, "pods"), "missing (required): give how many DaemonSet pods run on "
              f"every node, EKS's own counted in (kube-proxy and aws-node: {EKS_DAEMONSETS.pods}"
              " pods, plus yours)")
    pods = r.int_(m, "pods", p, minimum=0) if "pods" in m else None
    cpu, memory = read_cpu_memory(r, m, p)
    if r.count() > before or pods is None:
        return None
    return NodeDaemonsets(pods, cpu or 0.0, memory or 0.0)


def _pricing(r: FieldReader, raw: Any, base_dir: Path
             ) -> tuple[tuple[Path, ...], Path | None, PriceBook | None] | None:
    """The plan's own pricing tables and overrides file, and the price book they make with the
    shipped tables (``None`` book: it could not be loaded; the reason is recorded)."""
    tables: tuple[Path, ...] = ()
    overrides = None
    if raw is not None:
        m = r.mapping(raw, "pricing", ("tables", "overrides"))
        if m is None:
            return None
        before = r.count()
        items = r.list_(m, "tables", "pricing", required=False, nonempty=False) or []
        paths = [referenced_file(r, item, join_path("pricing.tables", i), base_dir)
                 for i, item in enumerate(items)]
        first: dict[Path, int] = {}  # each table's first entry, by the file it names
        for i, path in enumerate(paths):
            if path is not None and first.setdefault(path.resolve(), i) != i:
                r.add(join_path("pricing.tables", i),
                      f"{quoted(items[i])} is the table of pricing.tables[{first[path.resolve()]}] "
                      "again; list each table once")
        tables = tuple(p for p in paths if p is not None)
        if "overrides" in m:
            overrides = referenced_file(r, m["overrides"], "pricing.overrides", base_dir)
        if r.count() > before:
            return None
    return tables, overrides, domain.load_price_book(r, tables, overrides)


def _missing_sections(r: FieldReader, data: Mapping[str, Any]) -> None:
    """Name each required section that is absent; the "always provide" ones by the seed rule."""
    seed = dict(ALWAYS_PROVIDE)
    for key, _what in ALWAYS_PROVIDE:
        if "." not in key and key not in data:
            r.add(key, f"missing{_seed_rule(key)}; add a `{key}:` section")
    for key in _REQUIRED:
        if key not in data and key not in seed:
            r.add(key, f"missing (required); add a `{key}:` section")


def _read(r: FieldReader, data: Any, path: Path, base_dir: Path) -> Plan | None:
    if isinstance(data, Mapping) and "resources" in data and "version" not in data:
        # every plan section would be "missing": say what the file is instead
        r.add("", f"this is a resources file (top-level `resources:`, no `version`), not a plan; "
                  f"price it with `infra-toolkit cost {path}`, or see docs/PLAN.md to write a "
                  "plan")
        return None
    if isinstance(data, Mapping) and "kind" in data and "apiVersion" in data \
            and "version" not in data:
        # a manifest given where the plan goes (simulate hpa.yaml): name it, not 23 sections
        field = plan_field_of_kind(data["kind"])
        alone = "; to simulate an HPA without a plan: infra-toolkit simulate --traffic CSV " \
            "--hpa FILE ..." if field.startswith("proposed.workloads") else ""
        r.add("", f"this is a Kubernetes {data['kind']} manifest (apiVersion "
                  f"{data['apiVersion']}), not a plan; a plan names it in {field}: see "
                  f"docs/PLAN.md{alone}")
        return None
    top = r.mapping(data, "", TOP_LEVEL_KEYS, what=" at the top of the plan")
    if top is None:
        return None
    version = top.get("version")
    # absent: _missing_sections says so; `true` is no version though Python's True == 1
    if "version" in top and (version != PLAN_VERSION or isinstance(version, bool)):
        r.add("version", f"{quoted(version)} is not a plan version this toolkit reads; write "
                         f"`version: {PLAN_VERSION}`")
    _missing_sections(r, top)
    metadata = _metadata(r, top["metadata"]) if "metadata" in top else None
    pricing = _pricing(r, top.get("pricing"), base_dir)
    book = pricing[2] if pricing is not None else None
    current = read_architecture(r, top["current"], "current", base_dir, False, book) \
        if "current" in top else None
    proposed = read_architecture(r, top["proposed"], "proposed", base_dir, True, book) \
        if "proposed" in top else None
    simulation = _simulation(r, top.get("simulation"))
    for side, arch in (("current", current), ("proposed", proposed)):
        if arch is not None and arch.karpenter_pools and simulation is not None \
                and simulation.node_autoscaler != "karpenter-like":
            stated = isinstance(top.get("simulation"), Mapping) and \
                "node_autoscaler" in top["simulation"]
            r.add("simulation.node_autoscaler",
                  f"{quoted(simulation.node_autoscaler)}"
                  f"{'' if stated else ' (unstated: the default)'}"
                  f" but Karpenter provisions the nodes of {side}.node_pools; set "
                  "node_autoscaler: karpenter-like")
    workloads = raw_names(top, "current", "workloads") | raw_names(top, "proposed",
                                                                     "workloads")
    has_workloads = any(isinstance(top.get(k), Mapping) and top[k].get("workloads")
                        for k in ("current", "proposed"))
    step_s = simulation.step_s if simulation is not None else SimulationSettings().step_s
    scenarios = read_scenarios(r, top, base_dir, has_workloads, step_s)
    slos = read_slos(r, top, workloads, required=has_workloads)
    strategy = (ops.read_strategy(r, top["deployment_strategy"],
                                  raw_names(top, "proposed", "workloads"))
                if "deployment_strategy" in top else None)
    monitoring = (ops.read_monitoring(r, top["monitoring"], raw_names(top, "proposed", "workloads"),
                                      _autoscaled_names(top))
                  if "monitoring" in top else None)
    alerts = raw_names(top, "monitoring", "alerts")
    rollback = ops.read_rollback(r, top["rollback"], alerts) if "rollback" in top else None
    testing = ops.read_testing(r, top, raw_names(top, "scenarios")) if "testing" in top else None
    security = ops.read_security(r, top) if "security" in top else None
    timeline = ops.read_timeline(r, top) if "timeline" in top else None
    risks = ops.read_risks(r, top) if "risks" in top else None
    questions = r.str_list(top, "questions", "", required=False,
                           why="; number the questions the approver must answer")
    policy = _approval_policy(r, top.get("approval_policy"))
    acknowledged = read_acknowledgements(r, top)
    if r.problems:
        return None
    assert metadata and current and proposed and strategy and monitoring and rollback
    assert pricing is not None and simulation is not None
    assert None not in (scenarios, slos, testing, security, timeline, risks, questions, policy,
                        acknowledged)
    plan = Plan(path=path, base_dir=base_dir, version=PLAN_VERSION, metadata=metadata,
                current=current, proposed=proposed, scenarios=scenarios or (), slos=slos or (),
                deployment_strategy=strategy, monitoring=monitoring, rollback=rollback,
                testing=testing or (), security=security or (), timeline=timeline or (),
                risks=risks or (), questions=questions or (),
                approval_policy=policy or ApprovalPolicy(),
                simulation=simulation, pricing_tables=pricing[0], pricing_overrides=pricing[1],
                data=data, acknowledged_warnings=acknowledged or ())
    _simulable(r, plan, pricing[2])
    _reference_rate(r, plan)
    if not r.problems:
        _alert_windows(r, plan, pricing[2])
    if not r.problems:
        _scenario_ticks(r, plan, pricing[2])
    for at, message in workload_rate_problems(plan) if not r.problems else ():
        r.add(at, message)
    return None if r.problems else plan


def _scenario_ticks(r: FieldReader, plan: Plan, book: PriceBook | None) -> None:
    """Each scenario lasts a whole number of the simulation's ticks, which the simulator
    requires (``simulate._on_ticks``, a trailing part never dropped): said here at the scenario,
    where a seconds-from-start CSV of 3,437 s with ``step_s: 1`` was valid and every `simulate`
    and report then failed on the 5 s tick."""
    names = [w.name for w in plan.proposed.workloads if w.hpa_spec is not None]
    if book is None or not names:
        return  # nothing is simulated
    tick_s = simulation_spec(plan, names[0], book).tick_s
    whole_s = math.lcm(tick_s, int(plan.simulation.step_s)) \
        if float(plan.simulation.step_s).is_integer() else tick_s
    for i, scenario in enumerate(plan.scenarios):
        duration_s = scenario_curve(scenario, plan.simulation.step_s).duration_s
        if math.isclose(round(duration_s / tick_s), duration_s / tick_s, rel_tol=1e-9):
            continue
        traffic = scenario.traffic
        source = "csv" if isinstance(traffic, CsvTraffic) else \
            "synthetic" if isinstance(traffic, SyntheticTraffic) else "load_test"
        length = f"a multiple of {whole_s} s, such as {duration_s // whole_s * whole_s:,g} s"
        fix = {"csv": f"cut the trace to {length} (with `end`; a file of seconds from its "
                      "start is read whole, so cut the file itself)",
               "synthetic": f"make its duration {length}",
               "load_test": f"make ramp_up + hold + ramp_down {length}"}[source]
        r.add(f"scenarios[{i}].{source}",
              f"scenario {quoted(scenario.name)} lasts {duration_s:,g} s, not a whole number "
              f"of the simulation's {tick_s} s ticks (the gcd of the HPA sync period, the "
              "metric resolution and window and the node autoscaler's scan interval), so "
              f"`simulate` and the report would refuse it; {fix}")


def _reference_rate(r: FieldReader, plan: Plan) -> None:
    """The declared per-request usage can be derived at the reference scenario's mean rate, by
    the rule the report applies (``plan_cost.reference_traffic_profile``)."""
    reference = reference_scenario(plan)
    if reference is None or all(w.hpa_spec is None for w in plan.proposed.workloads):
        return  # nothing is simulated, so the declared usage is priced as declared
    curves = {reference.name: scenario_curve(reference, plan.simulation.step_s)}
    try:
        reference_traffic_profile(plan, plan.proposed.resources, curves)
    except SimulationError as exc:
        r.add(join_path("scenarios", plan.scenarios.index(reference)), str(exc))


def _alert_windows(r: FieldReader, plan: Plan, book: PriceBook | None) -> None:
    """An alert mapping's ``window`` is a whole number of its workloads' simulation steps (the
    replay sums whole steps), said here rather than when the report runs."""
    if book is None:
        return
    for i, rule in enumerate(plan.monitoring.alerts):
        window_s = rule.simulated.window_s if rule.simulated is not None else None
        for name in alert_workloads(plan, rule) if window_s is not None else ():
            tick_s = simulation_spec(plan, name, book).tick_s
            if window_s is not None and (window_s % tick_s or window_s < tick_s):
                r.add(f"monitoring.alerts[{i}].simulated.window",
                      f"{window_s:g} s is not a whole number of the {tick_s} s simulation steps "
                      f"of {quoted(name)}; give a multiple of {tick_s} s")


def _simulable(r: FieldReader, plan: Plan, book: PriceBook | None) -> None:
    """Each workload's simulation can be set up (a node group it may run on, with a max-pods
    figure, where its pods fit, its starting pods at least at max_size): what the report would
    otherwise find only when it runs. (Workloads sharing groups are checked one at a time.)
    The current side is checked the same way when it has autoscaled workloads: the report
    simulates today's cluster too (author22: 12 starting pods on 2 nodes passed validate and
    failed the report)."""
    for side, arch in (("proposed", plan.proposed), ("current", plan.current)):
        if book is not None and not _side_simulable(r, plan, book, side, arch):
            return


def _side_simulable(r: FieldReader, plan: Plan, book: PriceBook, side: str,
                    arch: Architecture) -> bool:
    """:func:`_simulable` for one side; False when the DaemonSets fit no node (the workloads'
    checks would repeat that reason)."""
    workloads = arch.workloads
    if all(w.hpa_spec is None for w in workloads):
        return True  # nothing is simulated
    problems = daemonset_room_problems(arch, book, plan.simulation.node_daemonsets)
    for message in problems:
        r.add("simulation.node_daemonsets", message)
    if problems:
        return False  # each workload's pod would be refused for the DaemonSets' reason
    for i, w in enumerate(workloads):
        # Deployments without an HPA are simulated too: their pods hold room on the nodes
        try:
            groups = simulation_node_groups(arch, w, book,
                                            plan.simulation.node_daemonsets)
            room = node_room(groups, w.deployment_spec.packed_cpu_millicores,
                             w.deployment_spec.packed_memory_mib,
                             w.deployment_spec.max_pods_per_node)
            initial = w.deployment_spec.replicas or 1
            if w.hpa_spec is not None:
                initial = simulation_spec(plan, w.name, book, side).initial_replicas or 1
            if initial > sum(room.values()):
                held = ", ".join(f"{name}: {pods}" for name, pods in room.items())
                r.add(f"{side}.workloads[{i}]",
                      f"workload {quoted(w.name)} starts with {initial} pod(s) but its node "
                      f"groups hold at most {sum(room.values())} at max_size ({held}); raise "
                      "max_size, use a larger instance type or lower the requests or the starting "
                      "replicas")
        except SimulationError as exc:
            d = w.deployment_spec
            r.add(f"{side}.workloads[{i}]",
                  f"{exc}{_init_clause(d) if d.packed_by_init else ''}")
    return True


def _init_clause(d: DeploymentSpec) -> str:
    """Why a pod whose init containers raise its request takes what it takes on a node: the
    init request of each resource they raise beside its containers' (and native sidecars')."""
    containers_mib = 0.0 if d.memory_stand_in else d.memory_request_mib
    raised = []
    if d.init_cpu_millicores > d.cpu_request_millicores:
        raised.append((f"{d.init_cpu_millicores}m CPU", f"{d.cpu_request_millicores}m"))
    if d.init_memory_mib > containers_mib:
        raised.append((f"{d.init_memory_mib:g} MiB memory", f"{containers_mib:g} MiB"))
    before = " with the native sidecars started before them" if d.sidecars_before_init else ""
    sidecars = "' and native sidecars'" if d.native_sidecars else "'"
    return (f" (that is what its init containers request{before}, "
            f"{' and '.join(init for init, _ in raised)}, above its containers{sidecars} "
            f"{' and '.join(ran for _, ran in raised)}; the scheduler reserves it for the pod's "
            "life)")


def _check(path: Path) -> tuple[Plan | None, list[Problem], dict[str, int]]:
    data, lines, problems = parse_yaml(read_yaml_text(path, "plan"), str(path))
    if data is None and not problems:
        problems = [Problem("", f"the plan is empty; start with `version: {PLAN_VERSION}`",
                            str(path), 1)]
    if problems and data is None:
        return None, problems, lines
    r = FieldReader()
    plan = _read(r, data, path, path.parent.resolve())
    problems += [Problem(p.path, p.message, p.file or str(path),
                         p.line if p.file else line_of(lines, p.path)) for p in r.problems]
    problems.sort(key=lambda p: p.line or 0)  # file order; problems without a line first
    return (plan if not problems else None), problems, lines


def check_plan(path: str | Path) -> tuple[Plan | None, list[Problem]]:
    """Read the plan at ``path``: ``(plan, [])`` when valid, ``(None, problems)`` otherwise.

    Raises :class:`PlanError` only when the file cannot be read at all.
    """
    plan, problems, _lines = _check(Path(path))
    return plan, problems


def check_plan_warnings(path: str | Path) -> tuple[Plan | None, list[Problem], list[Problem]]:
    """:func:`check_plan`, and for a valid plan its warnings
    (:func:`~infra_toolkit.plan_warnings.plan_warnings` over every scenario) sorted by its
    ``acknowledged_warnings`` (:func:`~infra_toolkit.plan_acknowledgements.acknowledge`), each
    located like a problem: the open ones with a message starting ``warning:``, then the
    acknowledged ones starting ``acknowledged by NAME: REASON``, then the acknowledgements only
    the report can check (of a warning of the simulation) starting ``note:``."""
    # a str as read_plan and validate_plan take it (docs/PLAN.md gives the three alike)
    path = Path(path)
    plan, problems, lines = _check(path)
    if plan is None:
        return plan, problems, []
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    found = plan_warnings(plan, book, scenario_curves(plan.scenarios, plan.simulation.step_s))
    # nothing is simulated here: with an autoscaled workload the report may warn of more
    simulated = any(w.hpa_spec is not None for w in plan.proposed.workloads)
    triage = acknowledge(found + alert_warnings(plan), plan.acknowledged_warnings,
                         complete=not simulated)
    warnings = [Problem(w.path, f"warning: {w.message}", str(path), line_of(lines, w.path))
                for w in triage.open]
    warnings += [Problem(a.warning.path, a.text, str(path), line_of(lines, a.warning.path))
                 for a in triage.acknowledged]
    warnings += [Problem(a.entry_path, (
        "note: matches none of the warnings validate computes; the report, which simulates, "
        f"checks it against the simulation's warnings at {shown(a.path)} too"), str(path),
        line_of(lines, a.entry_path)) for a in triage.unchecked]
    return plan, problems, warnings


def load_plan(path: Path) -> Plan:
    """Read the plan at ``path`` or raise :class:`PlanError` listing every problem."""
    plan, problems = check_plan(path)
    if plan is None:
        lines = [str(p) for p in problems]
        raise PlanError(f"{path}: {len(lines)} problem(s) in the plan:\n  " + "\n  ".join(lines),
                        lines)
    return plan
