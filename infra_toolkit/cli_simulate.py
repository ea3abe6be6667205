"""The ``infra-toolkit simulate`` subcommand: a plan's scenarios as its report runs them, each
chosen workload's summary printed (plan mode, thin over
:func:`infra_toolkit.plan_replay.replay_plan`), or one HPA + cluster simulation through a
traffic CSV described by flags (thin over :func:`infra_toolkit.simulate.simulate`). The two
modes' options exclude each other: each is refused in the other mode by name.

Registered by :mod:`infra_toolkit.cli` (``SIMULATE_COMMANDS``), which prints an
:class:`~infra_toolkit.errors.InfraToolkitError` as one line and exits 2.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra_toolkit.errors import InfraToolkitError, SimulationError, SpecError
from infra_toolkit.latency import CONSUMERS
from infra_toolkit.readiness import DEFAULT_PROBE_PERIOD_S, ContainerProbes, Probe
from infra_toolkit.spec_checks import require_at_most, require_finite

if TYPE_CHECKING:
    from infra_toolkit.cli_review import Runner, SubParsers
    from infra_toolkit.deployment_spec import DeploymentSpec

__all__ = ["SIMULATE_COMMANDS", "add_format_option", "ascii_number", "horizon_hours"]


def ascii_number(kind: type[float] | type[int]) -> Callable[[str], float | int]:
    """A flag's ``type``: ``kind(text)`` of ASCII text without '_'. Python's ``float`` and
    ``int`` also read other scripts' digits and digit separators, so ``--slo-p99-latency-ms ٣``
    was a 3 ms SLO and ``1_000`` a 1000; argparse refuses what this raises, naming the flag.
    Every command's number options read with it (or call it first, as :func:`horizon_hours`)."""
    def read(text: str) -> float | int:
        if not text.isascii() or "_" in text:
            raise ValueError(text)
        return kind(text)
    read.__name__ = kind.__name__  # argparse says "invalid float value: '٣'"
    return read


def horizon_hours(text: str) -> float:
    """``--horizon-h`` (simulate, sweep): hours > 0, finite; refused by argparse with the flag's
    name, not as the notebook's ``horizon_h = 0.0 ... or None`` (audit18 A18-1)."""
    try:
        hours = float(ascii_number(float)(text))
    except ValueError:
        hours = math.nan
    if not (math.isfinite(hours) and hours > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours > 0; leave "
                                         "--horizon-h out to simulate whole scenarios")
    return hours


def add_format_option(parser: argparse.ArgumentParser) -> None:
    """``--format table|json|csv`` (simulate, sweep, cost), its default stated in its help."""
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table",
                        help="output format (default table); columns: README, Output columns")


def _add_simulate(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "simulate", help="simulate an HPA + cluster: a plan's scenario as its report runs it, "
        "or one workload through a traffic CSV",
        description="Run the cluster simulation and print its summary.\n\nWith PLAN.yaml: the "
        "plan's scenarios as its report runs them (every workload of the plan\non one cluster), "
        "each chosen workload's summary. Without: one workload described\nby the flags below "
        "through a traffic CSV.", epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("plan", nargs="?", metavar="PLAN.yaml",
                   help="a plan (docs/PLAN.md): simulate it as its report does")
    m = p.add_argument_group("plan mode (with PLAN.yaml)")
    m.add_argument("--workload", action="append", metavar="NAME",
                   help="a proposed workload with an HPA (repeatable); default: every one")
    m.add_argument("--scenario", action="append", metavar="NAME",
                   help="a plan scenario (repeatable); default: every one, as the report")
    m.add_argument("--horizon-h", type=horizon_hours, metavar="HOURS",
                   help="simulate only the first hours of each scenario (the report's horizon_h)")
    defaults: dict[str, Any] = {}

    def flag(group: Any, name: str, default: Any = None, **kw: Any) -> None:
        # a value's unit in its placeholder, as its name ends (--startup-cpu-s SECONDS)
        if kw.get("action") is None and "metavar" not in kw:
            kw["metavar"] = next((m for suffix, m in _UNIT_METAVARS if name.endswith(suffix)),
                                 None)
        if kw.get("type") in (float, int):
            kw["type"] = ascii_number(kw["type"])
        # given or not, exactly: plan mode refuses a flag even when it repeats the default
        action = group.add_argument(name, default=argparse.SUPPRESS, **kw)
        defaults[action.dest] = default

    flag(p, "--traffic", metavar="CSV",
         help="CSV timestamp,requests_per_second, or timestamp,requests for requests per "
              "row (needed without a plan)")
    flag(p, "--hpa", metavar="HPA.yaml",
         help="HorizontalPodAutoscaler YAML, or a KEDA ScaledObject read as the HPA KEDA "
         "creates (needed without a plan)")
    flag(p, "--hpa-name", metavar="NAME", help="metadata.name of the HPA (or ScaledObject) when "
         "the file holds several")
    flag(p, "--deployment", metavar="DEPLOYMENT.yaml", help="Deployment YAML: pod requests, "
         "probes, replicas, a required hostname anti-affinity (one pod a node), "
         "terminationGracePeriodSeconds")
    flag(p, "--interpolate-gaps", False, action="store_true",
         help="fill gaps in the CSV linearly")
    flag(p, "--step-s", type=float, metavar="SECONDS", help="resample the CSV to this "
         "interval (time-weighted means); it must divide the CSV's duration; a one-row "
         "CSV needs it to know how long its row lasts")
    size = p.add_mutually_exclusive_group()
    flag(size, "--scale", type=float, metavar="FACTOR", help="multiply every rate of the "
         "CSV by FACTOR (as a plan scenario's csv.scale)")
    flag(size, "--peak-rps", type=float, metavar="RPS", help="scale the CSV so that its "
         "highest step is RPS (as a plan scenario's csv.peak_rps)")
    w = p.add_argument_group("workload (per pod; needed without a plan)")
    flag(w, "--capacity-rps-per-pod", type=float, metavar="RPS",
         help="the most requests per second one pod serves (needed without a plan)")
    flag(w, "--cpu-millicores-per-rps", type=float, metavar="MILLICORES",
         help="CPU per request per second, i.e. CPU milliseconds per request (needed without a "
         "plan)")
    flag(w, "--cpu-request-millicores", type=int, help="default: the Deployment's, or 500")
    flag(w, "--memory-request-mib", type=float, help="default: the Deployment's, or 256")
    for name, value in (("baseline-cpu-millicores", 0.0), ("startup-cpu-millicores", 0.0),
                        ("startup-cpu-s", 0.0), ("image-pull-s", 10.0), ("app-start-s", 20.0),
                        ("queue-timeout-s", 0.0), ("slo-p95-latency-ms", 500.0)):
        flag(w, f"--{name}", value, type=float, help=f"default {value:g}")
    for q in (50, 99):  # p95 has its default above; these count only when given, as in a plan
        flag(w, f"--slo-p{q}-latency-ms", type=float, metavar="MS",
             help=f"a p{q} latency threshold: the summary's SLO-violation minutes also count "
             "the minutes over it (only when given)")
    flag(w, "--readiness-delay-s", type=float, help="the readiness probe's "
         "initialDelaySeconds; default: the Deployment's, or 5")
    flag(w, "--readiness-period-s", type=float, help="the readiness probe's periodSeconds "
         f"(probes from the pod's bind); default: the Deployment's, or {DEFAULT_PROBE_PERIOD_S}")
    flag(w, "--memory-baseline-mib", type=float,
         help="a pod's memory at zero load (needed for an HPA memory metric)")
    flag(w, "--memory-mib-per-rps", 0.0, type=float,
         help="a pod's memory per request per second, default 0")
    flag(w, "--concurrency", 1, type=int, help="requests a pod serves in parallel, default 1")
    flag(w, "--queue-depth-metric", None, action="append", dest="queue_depth_metrics",
         metavar="NAME", help="an Object or External metric of the HPA that counts the messages "
         "waiting (repeatable): read as the requests queued, not the offered rate (a plan's "
         "model.queue_depth_metrics; needs --queue-timeout-s)")
    flag(w, "--consumer", "push", choices=CONSUMERS, help="how requests reach the pods: push "
         "(default, a load balancer; a saturated tick fails the latency SLO) or pull (queue "
         "workers; a message's latency is the larger of the M/M/c value and its service time "
         "plus the backlog's wait, judged on its value); a plan's model.consumer")
    n = p.add_argument_group("nodes and autoscaler (without a plan)")
    flag(n, "--instance-type", "m5.large",
         help="its vCPU, memory and max pods come from the instance specs table; default "
         "m5.large")
    flag(n, "--vcpu", type=float, help="default: the instance type's")
    flag(n, "--memory-gib", type=float, help="default: the instance type's")
    flag(n, "--max-pods", type=int, help="default: the instance type's (EKS ENI)")
    flag(n, "--min-nodes", 1, type=int, metavar="N", help="nodes at the start and at least, "
         "default 1")
    flag(n, "--max-nodes", 10, type=int, metavar="N", help="the node group's max_size, "
         "default 10")
    flag(n, "--provisioning-delay-s", None, type=float, metavar="SECONDS",
         help="a new node's time from the autoscaler's scan to Ready, at most 3600 (as a "
         "plan's); default 120, or 45 with --karpenter")
    flag(n, "--karpenter", False, action="store_true", help="Karpenter-like fast provisioning "
         "(a scan every 5 s, nodes Ready 45 s later, consolidation after 30 s)")
    flag(n, "--metric-resolution-s", _metrics_pipeline("15"), dest="metrics",
         type=_metrics_pipeline, metavar="SECONDS",
         help="metrics-server scrape interval, whole seconds from 1 to 3600 (as a plan's "
         "simulation.metrics_resolution_s), default 15")
    add_format_option(p)
    p.set_defaults(flag_defaults=defaults)


#: a flag's name ending -> its value's placeholder in the help (the unit, last in the name)
_UNIT_METAVARS = (("-mib-per-rps", "MIB"), ("-millicores", "MILLICORES"), ("-mib", "MIB"),
                  ("-gib", "GIB"), ("-ms", "MS"), ("-s", "SECONDS"), ("-type", "TYPE"),
                  ("-pods", "N"), ("-vcpu", "VCPU"), ("-concurrency", "N"))


_EPILOG = """\
examples:
  infra-toolkit simulate plans/ecommerce-eks.yaml --workload backend --scenario flash-crowd
  infra-toolkit simulate --traffic day.csv --hpa hpa.yaml --capacity-rps-per-pod 25 \\
      --cpu-millicores-per-rps 10

With a plan the traffic, HPA, workload model, node groups and timings are the plan's: the
flags of the other mode are refused (change the plan, or try values with `sweep`).
"""

_REQUIRED = ("traffic", "hpa", "capacity_rps_per_pod", "cpu_millicores_per_rps")


def _metrics_pipeline(text: str) -> Any:
    """``--metric-resolution-s`` as a MetricsPipelineSpec, checked by the spec itself (the rule
    a plan's ``simulation.metrics_resolution_s`` meets too)."""
    from infra_toolkit.workload import MetricsPipelineSpec

    try:
        value = float(ascii_number(float)(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds >= 1"
                                         ) from None
    try:  # 2.5 reaches the spec as 2.5, so its message shows the value given
        return MetricsPipelineSpec(
            resolution_s=int(value) if value.is_integer() else value)  # type: ignore[arg-type]
    except InfraToolkitError as exc:  # the spec names its field: name the flag
        raise argparse.ArgumentTypeError(_as_flags(str(exc), [], _METRICS_FLAGS)) from None


def _run_simulate(args: argparse.Namespace) -> int:
    given = [d for d in args.flag_defaults if hasattr(args, d)]
    if args.plan is not None:
        return _run_plan(args, given)
    planned = [o for o, v in (("--workload", args.workload), ("--scenario", args.scenario),
                              ("--horizon-h", args.horizon_h)) if v is not None]
    if planned:
        raise SpecError(f"{', '.join(planned)} without a plan: --workload, --scenario and "
                        "--horizon-h choose what to run of one; give it first (simulate "
                        f"PLAN.yaml {planned[0]} ...), or drop {', '.join(planned)} to simulate "
                        "from --traffic, --hpa and the workload flags")
    missing = [_flag(d) for d in _REQUIRED if d not in given]
    if missing:
        raise SpecError(f"simulate needs a plan (simulate PLAN.yaml) or, without one, "
                        f"{', '.join(_flag(d) for d in _REQUIRED)}; missing: {', '.join(missing)}")
    for dest, default in args.flag_defaults.items():
        if dest not in given:
            setattr(args, dest, default)
    return _run_flags(args)


def _flag(dest: str) -> str:
    """The option of an argparse ``dest`` (``metrics`` is ``--metric-resolution-s``)."""
    return "--metric-resolution-s" if dest == "metrics" else "--" + dest.replace("_", "-")


#: the spec fields the node and probe flags set whose names are not the flags' own
_NODE_FLAGS = {"min_size": "--min-nodes", "max_size": "--max-nodes"}
_PROBE_FLAGS = {"initial_delay_s": "--readiness-delay-s", "period_s": "--readiness-period-s"}
_METRICS_FLAGS = {"resolution_s": "--metric-resolution-s"}


def _as_flags(message: str, names: list[str], renamed: dict[str, str] | None = None) -> str:
    """A workload error worded for a plan (``workload 'app'.queue_timeout_s (=-5) ...``) worded
    for the flags that set those fields (``--queue-timeout-s (=-5) ...``); a node group's,
    the autoscaler's, a probe's, the metrics pipeline's or the simulation's (``node group
    'm5.large'.vcpu``, ``probe period_s``, ``metrics pipeline resolution_s``) alike,
    ``renamed`` giving the flags of fields named otherwise (``min_size``: ``--min-nodes``)."""
    message = re.sub(r"^(workload 'app'|node group '[^']*'|cluster-autoscaler|karpenter-like"
                     r"|probe|metrics pipeline|simulation '[^']*')(\.|: | )", "", message)
    flags = ({n: _flag(n) for n in names} | {"queue_depth_metrics": "--queue-depth-metric"}
             | (renamed or {}))
    return re.sub(r"\b(" + "|".join(map(re.escape, flags)) + r")\b",
                  lambda m: flags[m.group(1)], message)


def _run_plan(args: argparse.Namespace, given: list[str]) -> int:
    """``simulate PLAN.yaml``: the plan's scenarios as its report runs them."""
    from infra_toolkit.notebook_parameters import check_plan_path
    from infra_toolkit.plan import read_plan
    from infra_toolkit.plan_replay import format_replays, pending_warnings, replay_plan
    from infra_toolkit.pricing import load_price_book

    if given:
        flags = ", ".join(_flag(d) for d in given)
        raise SpecError(f"simulate {args.plan} runs the plan as its report does: its traffic, "
                        "HPA, workload model, node groups and timings are the plan's, so "
                        f"{flags} would contradict it; drop {flags} (change the plan, or try "
                        "other values with infra-toolkit sweep), or drop the plan to simulate "
                        "from flags alone")
    plan = read_plan(check_plan_path(args.plan))
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    replays = replay_plan(plan, book, args.workload, args.scenario, args.horizon_h)
    print(format_replays(replays, args.format))
    for line in pending_warnings(replays):
        print(line, file=sys.stderr)
    return 0


def _run_flags(args: argparse.Namespace) -> int:
    """``simulate --traffic ... --hpa ...``: one workload described by the flags."""
    from infra_toolkit.container_metrics import resource_twins
    from infra_toolkit.controller_view import metric_needs
    from infra_toolkit.deployment_spec import DeploymentSpec
    from infra_toolkit.hpa_metric_warnings import hpa_metric_texts
    from infra_toolkit.hpa_requests import memory_utilization_problem, reads_cpu_requests
    from infra_toolkit.hpa_yaml import read_hpa_keda_yaml
    from infra_toolkit.keda_idle_warnings import idle_replica_text
    from infra_toolkit.keda_summary import zero_scaling_fields
    from infra_toolkit.manifests import read_deployment_yaml
    from infra_toolkit.node_allocatable import EKS_DAEMONSETS, node_reserve
    from infra_toolkit.nodes import KARPENTER_LIKE, ClusterAutoscalerSpec, NodeGroup, pod_slots
    from infra_toolkit.plan_architecture import WorkloadModel, workload_spec
    from infra_toolkit.simulate import SimulationSpec, format_summary, simulate
    from infra_toolkit.startup_warnings import (
        burst_past_ready,
        restart_loops,
        untimed_init_containers,
    )
    from infra_toolkit.traffic import read_traffic_csv

    _check_timings(args)
    # a ScaledObject scaling to zero brings KEDA's own polls (keda_activation), as in a plan
    hpa, keda = read_hpa_keda_yaml(args.hpa, args.hpa_name, name_option="--hpa-name")
    # as a plan reads it: every container's CPU request only for a CPU Utilization metric
    cpu_needed = "every" if reads_cpu_requests(hpa) else "some"
    # a file of several workloads (a Helm render): the one the HPA scales, as in a plan
    target = hpa.scale_target_ref.name if hpa.scale_target_ref is not None else None
    scaled_by = (hpa.name, target) if target else None
    dep = read_deployment_yaml(args.deployment, cpu_needed=cpu_needed, name_option=None,
                               scaled_by=scaled_by) if args.deployment else None
    try:
        # a ContainerResource metric on the pod's one container is simulated as its Resource twin
        hpa = resource_twins(hpa, _pod_containers(args.deployment, dep.name)
                             if dep is not None else None,
                             "; pass --deployment DEPLOYMENT.yaml")
        # a metric the model cannot produce, refused before the run and at the HPA's file (the
        # memory model is the flags', checked by _check_memory_model)
        metric_needs(hpa)
    except SimulationError as exc:
        raise SimulationError(f"{args.hpa}: {exc}") from exc
    deployment = DeploymentSpec(
        "app", dep.replicas if dep is not None else None,
        _pick(args.cpu_request_millicores, dep, "cpu_request_millicores", 500),
        _pick(args.memory_request_mib, dep, "memory_request_mib", 256.0),
        _probes(args.readiness_delay_s, args.readiness_period_s, dep),
        # a required hostname anti-affinity caps its pods at one a node, as in a plan
        self_anti_affinity_keys=dep.self_anti_affinity_keys if dep is not None else (),
        # its pods are packed as the scheduler counts them: init containers, no 256 MiB stand-in
        init_cpu_millicores=dep.init_cpu_millicores if dep is not None else 0,
        init_memory_mib=dep.init_memory_mib if dep is not None else 0.0,
        memory_stand_in=dep is not None and dep.memory_stand_in and args.memory_request_mib is None)
    # the workload flags are the fields of a plan's workload model, named alike
    model = WorkloadModel(**{f.name: getattr(args, f.name) for f in fields(WorkloadModel)
                             if f.name != "queue_depth_metrics"},
                          queue_depth_metrics=tuple(args.queue_depth_metrics or ()))
    try:
        workload = replace(
            workload_spec("app", model, deployment, args.slo_p95_latency_ms),
            slo_p50_latency_ms=args.slo_p50_latency_ms, slo_p99_latency_ms=args.slo_p99_latency_ms)
    except SpecError as exc:  # the simulator names a plan's model fields: name the flags given
        raise SpecError(_as_flags(str(exc), [f.name for f in fields(WorkloadModel)]
                                  + ["slo_p50_latency_ms", "slo_p95_latency_ms",
                                     "slo_p99_latency_ms", "cpu_request_millicores",
                                     "memory_request_mib"])) from exc
    size = (args.vcpu, args.memory_gib, args.max_pods)
    if None in size:  # PriceNotFound names the nearest instance types
        from infra_toolkit.errors import PriceNotFound
        from infra_toolkit.pricing import load_price_book
        try:
            it = load_price_book().instance_spec(args.instance_type)
        except PriceNotFound as exc:
            raise SpecError(f"--instance-type {args.instance_type}: {exc.reason or exc}; or give "
                            "the node's size with --vcpu, --memory-gib and --max-pods") from exc
        size = (float(it.vcpu) if args.vcpu is None else args.vcpu,
                it.memory_mib / 1024 if args.memory_gib is None else args.memory_gib,
                it.max_pods_eni if args.max_pods is None else args.max_pods)
        if size[2] is None:
            raise SimulationError(f"no max-pods figure for {args.instance_type} in the "
                                  "instance specs table; pass --max-pods")
    # what an EKS node's kubelet and its kube-proxy and aws-node take, as for a plan's nodes
    try:
        # the reserve is computed from the size before NodeGroup checks it: NaN or inf first
        for what, value in (("vcpu", size[0]), ("memory_gib", size[1])):
            require_finite(what, value, 0, strict=True)
        reserved = node_reserve(size[0], size[1] * 1024, size[2])
        group = NodeGroup(args.instance_type, args.instance_type, *size, args.min_nodes,
                          args.max_nodes, *reserved, EKS_DAEMONSETS.pods, None,
                          EKS_DAEMONSETS.cpu_millicores, EKS_DAEMONSETS.memory_mib)
        autoscaler = KARPENTER_LIKE if args.karpenter else ClusterAutoscalerSpec()
        if args.karpenter and dep is not None:  # a drained node waits for its pods' grace
            autoscaler = replace(autoscaler, pod_termination_s=dep.termination_grace_period_s)
        if args.provisioning_delay_s is not None:  # with --karpenter too: it was silently 45 s
            autoscaler = replace(autoscaler, provisioning_delay_s=args.provisioning_delay_s)
    except SpecError as exc:  # the specs name their fields: name the flags given
        raise SpecError(_as_flags(str(exc), ["vcpu", "memory_gib", "max_pods",
                                             "provisioning_delay_s"], _NODE_FLAGS)) from exc
    if group.max_pods <= group.daemonset_pods:  # it said "-2 pod(s) free ...; lower the
        # requests or use a larger instance type", neither of which helps
        raise SpecError(f"--max-pods (={group.max_pods}) leaves no pod slot on a node beside "
                        f"EKS's {group.daemonset_pods} DaemonSet pods (kube-proxy, aws-node); "
                        f"give --max-pods above {group.daemonset_pods}, or leave it out for the "
                        "instance type's")
    try:  # a pod no node holds: name where its requests and the node's size came from
        pod_slots(group, workload.packed_cpu_millicores, workload.packed_memory_mib)
    except SimulationError as exc:
        given = [args.deployment] if dep is not None else []
        given += [f"--instance-type {args.instance_type}"] + [
            f"{_flag(name)} {getattr(args, name):g}" for name in ("vcpu", "memory_gib")
            if getattr(args, name) is not None]
        raise SimulationError(f"{', '.join(given)}: {exc}") from exc
    memory_problem = memory_utilization_problem(hpa, dep) if (
        dep is not None and args.memory_request_mib is None) else None
    if memory_problem:
        raise SpecError(f"{args.deployment}: {memory_problem} (or pass --memory-request-mib)")
    _check_memory_model(hpa, args)  # after: a pod with no memory request fails the metric first
    try:
        spec = SimulationSpec(hpa, workload, (group,), autoscaler, args.metrics,
                              initial_replicas=deployment.replicas, keda=keda)
    except SimulationError as exc:  # the spec names its fields: name the flags given
        raise SimulationError(f"--hpa {args.hpa}: {_as_flags(str(exc), [])}") from exc
    traffic = read_traffic_csv(args.traffic, step_s=args.step_s,
                               interpolate_gaps=args.interpolate_gaps,
                               gap_option="--interpolate-gaps", step_option="--step-s")
    traffic = _scaled(traffic, args.scale, args.peak_rps, args.traffic)
    ticks = traffic.duration_s / spec.tick_s  # the simulation's step is its tick, not a flag
    if ticks < 1 or not math.isclose(round(ticks), ticks, rel_tol=1e-9):
        tick = (f"simulation tick of {spec.tick_s} s (the gcd of the HPA sync period, "
                "--metric-resolution-s and the autoscaler's scan interval)")
        if ticks < 1:
            what, fix = f"shorter than one {tick}", "at least"
        else:  # the trailing partial tick would be left out: requests silently lost
            left_s = traffic.duration_s - math.floor(ticks) * spec.tick_s
            what, fix = (f"{ticks:.2f} ticks of the {tick}: the last {left_s:g} s would be left "
                         "out", "a multiple of")
        raise SimulationError(f"{args.traffic} holds {traffic.duration_s:g} s of traffic, {what}; "
                              f"give {fix} {spec.tick_s} s of traffic")
    result = simulate(traffic, spec)
    # KEDA's scaling to zero after the summary, as the report's table shows it (none: unchanged)
    print(format_summary(result.summary, args.format, after=zero_scaling_fields(result)))
    # what a plan's validate warns of: metrics the model never moves past their targets, and
    # the pod start the figures assume
    burst = burst_past_ready(workload, hpa)
    pod = _pod_containers(args.deployment, dep.name) if dep is not None else None
    init = untimed_init_containers(pod, workload) if pod is not None else None
    for line in hpa_metric_texts(hpa, workload) + ([burst] if burst else []) + restart_loops(
            workload, dep.name if dep is not None else "app",
            dep.restart_probes if dep is not None else (),
            len(pod.running) if pod is not None else 1) + ([init] if init else []) + (
            [idle] if (idle := idle_replica_text(keda, hpa.min_replicas)) else []):
        print(f"warning: {line}", file=sys.stderr)
    stuck = result.events[result.events["kind"] == "node_scale_up_failed"]
    if len(stuck):  # the summary has no line for pods that never got a node: say so
        first = stuck.iloc[0]
        print(f"warning: from {first['time_s']:g} s, {first['reason']} (--max-nodes "
              f"{args.max_nodes}): pods stayed Pending {len(stuck)} time(s) in the run and the "
              "load they would serve was queued or dropped; raise --max-nodes or use a larger "
              "--instance-type", file=sys.stderr)
    return 0


def _check_timings(args: argparse.Namespace) -> None:
    """The flags of a plan's ``simulation`` timings held to its bound (``MAX_TIMING_S``, an
    hour): ``--provisioning-delay-s 1e12`` ran, exit 0, with no node ever arriving, which
    ``simulation.node_provisioning_s: 1e12`` in a plan is refused for."""
    from infra_toolkit.plan_validate import MAX_TIMING_S

    for flag, field, value in (
            ("--provisioning-delay-s", "node_provisioning_s", args.provisioning_delay_s),
            ("--metric-resolution-s", "metrics_resolution_s", args.metrics.resolution_s)):
        if value is not None and value > MAX_TIMING_S:  # NaN and below 0: the specs say
            require_at_most(flag, value, MAX_TIMING_S, "s", f"a plan's simulation.{field} is "
                            "held to it too, as a timing of hours is a slip (minutes meant as "
                            "seconds, an exponent); check the value and its unit (seconds)")


def _pod_containers(path: str, name: str) -> Any:
    """The containers of the Deployment or StatefulSet ``name`` in ``path`` (read_deployment_yaml
    has accepted it: the file's one, or the one its HPA scales)."""
    from infra_toolkit.container_metrics import pod_containers
    from infra_toolkit.manifest_documents import manifest_objects
    from infra_toolkit.manifests import WORKLOAD_KINDS
    from infra_toolkit.plan_yaml import read_yaml_documents

    found = [d for d in manifest_objects(read_yaml_documents(Path(path)))
             if isinstance(d, dict) and d.get("kind") in WORKLOAD_KINDS]
    (doc,) = found if len(found) == 1 else [d for d in found
                                            if (d.get("metadata") or {}).get("name") == name]
    return pod_containers(doc)


def _check_memory_model(hpa: Any, args: argparse.Namespace) -> None:
    """An HPA memory metric needs the pods' memory model: named by the flags that give it (the
    simulator's own message names a plan's workload fields, which flag mode has none of)."""
    memory = [i for i, m in enumerate(hpa.metrics) if m.type == "Resource"
              and m.resource is not None and m.resource.name == "memory"]
    if memory and args.memory_baseline_mib is None:
        raise SpecError(f"{args.hpa}: HPA {hpa.name!r} spec.metrics[{memory[0]}] scales on "
                        "memory, which needs the pods' memory model: pass --memory-baseline-mib "
                        "(a pod's MiB at zero load) and --memory-mib-per-rps (MiB per request "
                        "per second, default 0)")


def _scaled(traffic: Any, scale: float | None, peak_rps: float | None, path: str) -> Any:
    """The CSV's curve times ``--scale``, or scaled so its highest step is ``--peak-rps``,
    within the rate bound a CSV row has."""
    from infra_toolkit.traffic import scale_curve
    from infra_toolkit.traffic_csv_cells import MAX_RATE_RPS

    flag, value = ("--scale", scale) if scale is not None else ("--peak-rps", peak_rps)
    if value is None:
        return traffic
    if not (math.isfinite(value) and value > 0):
        raise SpecError(f"{flag} (={value:g}) must be a finite number above 0")
    peak = float(traffic.rps.max())
    if peak_rps is not None and peak <= 0:
        raise SpecError(f"{path} has no traffic, so it cannot be scaled to --peak-rps; use "
                        "--scale or a CSV with traffic")
    factor = value if scale is not None else value / peak
    if not peak * factor <= MAX_RATE_RPS:
        raise SpecError(f"{flag} (={value:g}) makes {path} peak at {peak * factor:.3g} requests "
                        f"per second, more than the {MAX_RATE_RPS:,.0f} (a billion) a rate may "
                        "be; check the factor")
    return scale_curve(traffic, factor)


def _probes(delay_s: float | None, period_s: float | None,
            dep: DeploymentSpec | None) -> tuple[ContainerProbes, ...]:
    """The pod's probes: the Deployment's (without one, a readiness probe with a 5 s initial
    delay on the 10 s default period), each container's readiness probe given the flags'
    initial delay and period when set (a container without one gets one)."""
    probes = dep.probes if dep is not None else (ContainerProbes(Probe(5.0)),)
    if delay_s is None and period_s is None:
        return probes
    out = []
    for c in probes or (ContainerProbes(),):
        r = c.readiness or Probe()
        try:
            out.append(replace(c, readiness=Probe(
                r.initial_delay_s if delay_s is None else delay_s,
                r.period_s if period_s is None else period_s, r.success_threshold)))
        except SpecError as exc:  # the probe names its fields: name the flags given
            raise SpecError(_as_flags(str(exc), [], _PROBE_FLAGS)) from exc
    return tuple(out)


def _pick(flag: object, dep: object, field: str, default: object) -> Any:
    """A command-line value, else the Deployment's, else the default."""
    if flag is not None:
        return flag
    return getattr(dep, field) if dep is not None else default


#: (add the subparser, command name, run it), as :mod:`infra_toolkit.cli` registers them.
SIMULATE_COMMANDS: list[tuple[Callable[[SubParsers], None], str, Runner]] = [
    (_add_simulate, "simulate", _run_simulate),
]
