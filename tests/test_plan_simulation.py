"""From a plan to the simulator's inputs (plan_simulation)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from infra_toolkit.errors import SimulationError
from infra_toolkit.nodes import KARPENTER_LIKE, NodeGroup
from infra_toolkit.plan import NODE_AUTOSCALERS, read_plan
from infra_toolkit.plan_simulation import node_autoscaler, p95_latency_slo_ms, simulation_spec
from infra_toolkit.plan_traffic import scenario_curve
from infra_toolkit.pricing import PriceBook, load_price_book
from infra_toolkit.simulate import simulate

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_price_book()


def test_minimal_plan_becomes_a_simulation(book: PriceBook) -> None:
    plan = read_plan(REPO / "tests/data/plans/minimal.yaml")
    spec = simulation_spec(plan, "api", book)
    # m5.large in the shared instance specs: 2 vCPU, 8192 MiB, 29 ENI pods; reserved: EKS's
    # kubeReserved CPU 60m + 10m and kube-proxy + aws-node 100m + 25m = 195m; memory: 7.5 % VM
    # share ceil(614.4) = 615, kubeReserved 11 x 29 + 255 = 574, eviction 100 = 1289 MiB
    assert spec.node_groups == (NodeGroup("general", "m5.large", 2.0, 8.0, 29, 2, 4, 195, 1289,
                                          2, None, 125, 0),)
    assert spec.node_groups[0].allocatable_cpu_millicores == 2000 - 195
    assert (spec.hpa.min_replicas, spec.hpa.max_replicas) == (2, 8)
    assert spec.workload.slo_p95_latency_ms == 250  # the plan's p95 SLO
    assert spec.workload.cpu_request_millicores == 200  # the Deployment's 200m
    assert spec.initial_replicas == 2  # the Deployment's replicas
    result = simulate(scenario_curve(plan.scenario("steady"), 15.0), spec)
    assert result.summary.peak_replicas == 2  # 12 rps at most: far below 2 pods' target


def test_a_container_resource_metric_on_the_one_container_is_simulated_as_resource(
        book: PriceBook, tmp_path: Path) -> None:
    # basis: the minimal plan's HPA on container api's CPU (its pod's one container) runs as
    # the Resource cpu metric of the same target: the same HPA spec, so the same run
    plans = REPO / "tests/data/plans"
    shutil.copytree(plans / "manifests", tmp_path / "manifests")
    shutil.copy(plans / "minimal.yaml", tmp_path / "plan.yaml")
    hpa = tmp_path / "manifests" / "hpa.yaml"
    hpa.write_text(hpa.read_text().replace(
        "    - type: Resource\n      resource:\n        name: cpu\n",
        "    - type: ContainerResource\n      containerResource:\n        name: cpu\n"
        "        container: api\n"))
    plan = read_plan(tmp_path / "plan.yaml")
    assert plan.proposed.workloads[0].hpa_spec.metrics[0].type == "ContainerResource"
    twin = simulation_spec(read_plan(plans / "minimal.yaml"), "api", book)
    spec = simulation_spec(plan, "api", book)
    assert spec.hpa == twin.hpa
    result = simulate(scenario_curve(plan.scenario("steady"), 15.0), spec)
    assert result.summary.peak_replicas == 2  # as the Resource run: 12 rps at most


def test_default_plan_node_groups_and_slo(book: PriceBook) -> None:
    plan = read_plan(REPO / "plans/ecommerce-eks.yaml")
    assert p95_latency_slo_ms(plan, "backend") == 300
    # slo20: a stricter p95 SLO for every workload beside the backend's own 300 ms is the one a
    # minute is counted against, so the canary's p95 column judges by it too: 250
    everyone = dataclasses.replace(plan.slos[0], name="all p95", workload=None, threshold_ms=250)
    assert p95_latency_slo_ms(dataclasses.replace(plan, slos=(*plan.slos, everyone)),
                              "backend") == 250
    # the backend is pinned to the general group; t3.medium: 2 vCPU, 4096 MiB, 17 ENI pods;
    # reserved 70m kubeReserved + 125m DaemonSets, and ceil(307.2) = 308 VM + 11 x 17 + 255 =
    # 442 kubeReserved + 100 eviction = 850 MiB: 1805m and 3246 MiB for the backend's pods
    spec = simulation_spec(plan, "backend", book)
    assert spec.node_groups == (NodeGroup("general", "t3.medium", 2.0, 4.0, 17, 3, 10, 195, 850,
                                          2, None, 125, 0),)
    assert spec.autoscaler.provisioning_delay_s == 150
    assert spec.controller.sync_period_s == 15


def test_unknown_workload_names_the_choices(book: PriceBook) -> None:
    plan = read_plan(REPO / "plans/ecommerce-eks.yaml")
    with pytest.raises(SimulationError, match="no workload 'web' in proposed of .*; "
                                              "workloads: backend"):
        simulation_spec(plan, "web", book)


@pytest.mark.parametrize(("preset", "provisioning_s", "expected"), [
    # the two presets of nodes.py, by name: cluster-autoscaler scans every 10 s, its nodes are
    # Ready 120 s later, unneeded ones go after 10 min; karpenter-like: 5 s, 45 s, 30 s
    ("cluster-autoscaler", None, (10, 120.0, 600.0, 600.0)),
    ("karpenter-like", None, (5, 45.0, 30.0, 0.0)),
    # node_provisioning_s replaces only the delay of the chosen preset
    ("karpenter-like", 60.0, (5, 60.0, 30.0, 0.0)),
    ("cluster-autoscaler", 150.0, (10, 150.0, 600.0, 600.0)),
])
def test_simulation_node_autoscaler_picks_a_preset(preset: str, provisioning_s: float | None,
                                                   expected: tuple[float, ...]) -> None:
    spec = node_autoscaler(preset, provisioning_s)
    assert spec.name == preset
    assert (spec.scan_interval_s, spec.provisioning_delay_s, spec.scale_down_unneeded_s,
            spec.scale_down_delay_after_add_s) == expected


def test_every_plan_preset_is_simulated_and_search_api_uses_karpenter(book: PriceBook) -> None:
    assert {node_autoscaler(name).name for name in NODE_AUTOSCALERS} == set(NODE_AUTOSCALERS)
    plan = read_plan(REPO / "plans/search-api.yaml")
    assert plan.simulation.node_autoscaler == "karpenter-like"
    # a drained node waits for its pods to terminate: per node group, the longest
    # terminationGracePeriodSeconds of the Deployments that can run there, not a fixed 30 s nor
    # the side's longest: search-api (45 s) is pinned to api, the indexer (120 s) to burst
    for workload, group, wait_s in (("search-api", "api", 45.0),
                                    ("search-indexer", "burst", 120.0)):
        spec = simulation_spec(plan, workload, book)
        assert spec.autoscaler == KARPENTER_LIKE
        assert [(g.name, spec.autoscaler.termination_s(g)) for g in spec.node_groups] == [
            (group, wait_s)]
    # absent, the cluster-autoscaler preset (the default plan sets only its delay)
    default = simulation_spec(read_plan(REPO / "plans/ecommerce-eks.yaml"), "backend", book)
    assert default.autoscaler.name == "cluster-autoscaler"
