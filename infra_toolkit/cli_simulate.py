"""The ``infra-toolkit simulate`` subcommand: one HPA + cluster simulation through a traffic CSV,
its summary printed; thin over :func:`infra_toolkit.simulate.simulate`.

Registered by :mod:`infra_toolkit.cli` (``SIMULATE_COMMANDS``), which prints an
:class:`~infra_toolkit.errors.InfraToolkitError` as one line and exits 2.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from infra_toolkit.errors import InfraToolkitError, SimulationError, SpecError

if TYPE_CHECKING:
    from infra_toolkit.cli_review import Runner, SubParsers

__all__ = ["SIMULATE_COMMANDS"]


def _add_simulate(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("simulate", help="simulate an HPA + cluster through a traffic CSV",
                       description="Run the cluster simulation and print its summary.")
    p.add_argument("--traffic", required=True, help="CSV timestamp,requests_per_second")
    p.add_argument("--hpa", required=True, help="HorizontalPodAutoscaler YAML")
    p.add_argument("--hpa-name", help="metadata.name of the HPA when the file holds several")
    p.add_argument("--deployment", help="Deployment YAML: pod requests, readiness delay, "
                                        "replicas, a required hostname anti-affinity (one pod "
                                        "a node)")
    p.add_argument("--interpolate-gaps", action="store_true", help="fill gaps in the CSV linearly")
    p.add_argument("--step-s", type=float, metavar="SECONDS", help="resample the CSV to this "
                   "interval (time-weighted means); it must divide the CSV's duration; a one-row "
                   "CSV needs it to know how long its row lasts")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--scale", type=float, metavar="FACTOR", help="multiply every rate of the "
                      "CSV by FACTOR (as a plan scenario's csv.scale)")
    size.add_argument("--peak-rps", type=float, metavar="RPS", help="scale the CSV so that its "
                      "highest step is RPS (as a plan scenario's csv.peak_rps)")
    w = p.add_argument_group("workload (per pod)")
    w.add_argument("--capacity-rps-per-pod", type=float, required=True)
    w.add_argument("--cpu-millicores-per-rps", type=float, required=True)
    w.add_argument("--cpu-request-millicores", type=int, help="default: the Deployment's, or 500")
    w.add_argument("--memory-request-mib", type=float, help="default: the Deployment's, or 256")
    for flag, default in (("baseline-cpu-millicores", 0.0), ("startup-cpu-millicores", 0.0),
                          ("startup-cpu-s", 0.0), ("image-pull-s", 10.0), ("app-start-s", 20.0),
                          ("queue-timeout-s", 0.0), ("slo-p95-latency-ms", 500.0)):
        w.add_argument(f"--{flag}", type=float, default=default, help=f"default {default:g}")
    w.add_argument("--readiness-delay-s", type=float, help="default: the Deployment's, or 5")
    w.add_argument("--memory-baseline-mib", type=float,
                   help="a pod's memory at zero load (needed for an HPA memory metric)")
    w.add_argument("--memory-mib-per-rps", type=float, default=0.0,
                   help="a pod's memory per request per second, default 0")
    w.add_argument("--concurrency", type=int, default=1, help="requests served in parallel")
    n = p.add_argument_group("nodes and autoscaler")
    n.add_argument("--instance-type", default="m5.large",
                   help="its vCPU, memory and max pods come from the instance specs table")
    n.add_argument("--vcpu", type=float, help="default: the instance type's")
    n.add_argument("--memory-gib", type=float, help="default: the instance type's")
    n.add_argument("--max-pods", type=int, help="default: the instance type's (EKS ENI)")
    n.add_argument("--min-nodes", type=int, default=1)
    n.add_argument("--max-nodes", type=int, default=10)
    n.add_argument("--provisioning-delay-s", type=float, default=120.0)
    n.add_argument("--karpenter", action="store_true", help="Karpenter-like fast provisioning")
    n.add_argument("--metric-resolution-s", dest="metrics", type=_metrics_pipeline,
                   default=_metrics_pipeline("15"), metavar="SECONDS",
                   help="metrics-server scrape interval, whole seconds >= 1 (as a plan's "
                   "simulation.metrics_resolution_s), default 15")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")


def _metrics_pipeline(text: str) -> Any:
    """``--metric-resolution-s`` as a MetricsPipelineSpec, checked by the spec itself (the rule
    a plan's ``simulation.metrics_resolution_s`` meets too)."""
    from infra_toolkit.workload import MetricsPipelineSpec

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds >= 1"
                                         ) from None
    try:  # 2.5 reaches the spec as 2.5, so its message shows the value given
        return MetricsPipelineSpec(
            resolution_s=int(value) if value.is_integer() else value)  # type: ignore[arg-type]
    except InfraToolkitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _run_simulate(args: argparse.Namespace) -> int:
    from infra_toolkit.manifests import (
        DeploymentSpec,
        memory_utilization_problem,
        read_deployment_yaml,
        read_hpa_yaml,
    )
    from infra_toolkit.nodes import KARPENTER_LIKE, ClusterAutoscalerSpec, NodeGroup
    from infra_toolkit.plan_architecture import WorkloadModel, workload_spec
    from infra_toolkit.simulate import SimulationSpec, format_summary, simulate
    from infra_toolkit.traffic import read_traffic_csv

    dep = read_deployment_yaml(args.deployment) if args.deployment else None
    deployment = DeploymentSpec(
        "app", dep.replicas if dep is not None else None,
        _pick(args.cpu_request_millicores, dep, "cpu_request_millicores", 500),
        _pick(args.memory_request_mib, dep, "memory_request_mib", 256.0),
        _pick(args.readiness_delay_s, dep, "readiness_delay_s", 5.0),
        # a required hostname anti-affinity caps its pods at one a node, as in a plan
        self_anti_affinity_keys=dep.self_anti_affinity_keys if dep is not None else ())
    # the workload flags are the fields of a plan's workload model, named alike
    model = WorkloadModel(**{f.name: getattr(args, f.name) for f in fields(WorkloadModel)})
    workload = workload_spec("app", model, deployment, args.slo_p95_latency_ms)
    size = (args.vcpu, args.memory_gib, args.max_pods)
    if None in size:  # PriceNotFound names the nearest instance types
        from infra_toolkit.pricing import load_price_book
        it = load_price_book().instance_spec(args.instance_type)
        size = (float(it.vcpu) if args.vcpu is None else args.vcpu,
                it.memory_mib / 1024 if args.memory_gib is None else args.memory_gib,
                it.max_pods_eni if args.max_pods is None else args.max_pods)
        if size[2] is None:
            raise SimulationError(f"no max-pods figure for {args.instance_type} in the "
                                  "instance specs table; pass --max-pods")
    group = NodeGroup(args.instance_type, args.instance_type, *size, args.min_nodes,
                      args.max_nodes)
    autoscaler = (KARPENTER_LIKE if args.karpenter
                  else ClusterAutoscalerSpec(provisioning_delay_s=args.provisioning_delay_s))
    hpa = read_hpa_yaml(args.hpa, args.hpa_name)
    memory_problem = memory_utilization_problem(hpa, dep) if (
        dep is not None and args.memory_request_mib is None) else None
    if memory_problem:
        raise SpecError(f"{args.deployment}: {memory_problem} (or pass --memory-request-mib)")
    spec = SimulationSpec(hpa, workload, (group,), autoscaler, args.metrics,
                          initial_replicas=deployment.replicas)
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
    print(format_summary(result.summary, args.format))
    stuck = result.events[result.events["kind"] == "node_scale_up_failed"]
    if len(stuck):  # the summary has no line for pods that never got a node: say so
        first = stuck.iloc[0]
        print(f"warning: from {first['time_s']:g} s, {first['reason']} (--max-nodes "
              f"{args.max_nodes}): pods stayed Pending {len(stuck)} time(s) in the run and the "
              "load they would serve was queued or dropped; raise --max-nodes or use a larger "
              "--instance-type", file=sys.stderr)
    return 0


def _scaled(traffic: Any, scale: float | None, peak_rps: float | None, path: str) -> Any:
    """The CSV's curve times ``--scale``, or scaled so its highest step is ``--peak-rps``,
    within the rate bound a CSV row has."""
    from infra_toolkit.traffic import scale_curve
    from infra_toolkit.traffic_csv import MAX_RATE_RPS

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


def _pick(flag: object, dep: object, field: str, default: object) -> Any:
    """A command-line value, else the Deployment's, else the default."""
    if flag is not None:
        return flag
    return getattr(dep, field) if dep is not None else default


#: (add the subparser, command name, run it), as :mod:`infra_toolkit.cli` registers them.
SIMULATE_COMMANDS: list[tuple[Callable[[SubParsers], None], str, Runner]] = [
    (_add_simulate, "simulate", _run_simulate),
]
