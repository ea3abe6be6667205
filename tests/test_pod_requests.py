"""A pod's two requests: the HPA's (the containers' sum, its utilization denominator) and the
scheduler's (``PodRequests``: one-shot init containers with the sidecars before them, no
memory for containers requesting none), which every packing reads (audit19 A19-9, A19-19)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from infra_toolkit.fixed_pods import FixedPods
from infra_toolkit.hpa import HPASpec, cpu_utilization_metric
from infra_toolkit.manifests import deployment_from_dict
from infra_toolkit.nodes import ClusterAutoscalerSpec, NodeGroup, pod_slots
from infra_toolkit.plan_architecture import WorkloadModel, workload_spec
from infra_toolkit.simulate import SimulationSpec, simulate, simulate_cluster, simulate_many
from infra_toolkit.traffic import TrafficCurve
from infra_toolkit.workload import WorkloadSpec

# an m5.large built by hand: EKS's kubeReserved CPU (2000m - 70m = 1930m) beside the flat
# 600 MiB default memory reserve (8192 - 600 = 7592 MiB), 29 - 2 daemonset pods = 27 pods
M5_LARGE = NodeGroup("general", "m5.large", vcpu=2, memory_gib=8, max_pods=29, min_size=1,
                     max_size=4, reserved_cpu_millicores=70)
# a 4 GiB node: 1930m, 4096 - 600 = 3496 MiB, 17 - 2 = 15 pods
T3_MEDIUM = dataclasses.replace(M5_LARGE, name="small", instance_type="t3.medium",
                                memory_gib=4, max_pods=17)


def _deployment(app: dict, init: list[dict] | None = None) -> dict:
    pod: dict = {"containers": [{"name": "app", "image": "x", **app}]}
    if init is not None:
        pod["initContainers"] = init
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
            "spec": {"selector": {"matchLabels": {"app": "api"}},
                     "template": {"metadata": {"labels": {"app": "api"}}, "spec": pod}}}


MIGRATE = [{"name": "migrate", "image": "x",
            "resources": {"requests": {"cpu": "1500m", "memory": "1Gi"}}}]
APP_200 = {"resources": {"requests": {"cpu": "200m", "memory": "256Mi"}}}


@pytest.mark.parametrize(("app", "init", "hpa", "packed"), [
    # init 1500m / 1 GiB above the app's 200m / 256 MiB: the HPA divides by 200m, the
    # scheduler reserves max(200, 1500) = 1500m and max(256, 1024) = 1024 MiB
    (APP_200, MIGRATE, (200, 256.0), (1500, 1024.0)),
    # no memory request anywhere: 256 MiB stands in for the HPA's memory model, the
    # scheduler counts 0
    ({"resources": {"requests": {"cpu": "100m"}}}, None, (100, 256.0), (100, 0.0)),
    # no memory in the app but 1 GiB in the init container: max(0, 1024) = 1024 MiB packed
    ({"resources": {"requests": {"cpu": "100m"}}}, MIGRATE, (100, 256.0), (1500, 1024.0)),
    # a second container without memory beside one with 512 MiB: the sum is 512, no stand-in
    ({"resources": {"requests": {"cpu": "100m", "memory": "512Mi"}}}, None, (100, 512.0),
     (100, 512.0)),
])
def test_the_hpas_request_and_the_schedulers_are_read_apart(
    app: dict, init: list[dict] | None, hpa: tuple[int, float], packed: tuple[int, float]
) -> None:
    d = deployment_from_dict(_deployment(app, init), "d.yaml", cpu_needed="some")
    assert (d.cpu_request_millicores, d.memory_request_mib) == hpa
    assert (d.packed_cpu_millicores, d.packed_memory_mib) == packed
    # the one place a plan's Deployment becomes the simulator's pod keeps both apart
    model = WorkloadModel(capacity_rps_per_pod=40, cpu_millicores_per_rps=5,
                          baseline_cpu_millicores=20, image_pull_s=5, app_start_s=10)
    ws = workload_spec("api", model, d)
    assert (ws.cpu_request_millicores, ws.memory_request_mib) == hpa
    assert (ws.packed_cpu_millicores, ws.packed_memory_mib) == packed


@pytest.mark.parametrize(("group", "cpu", "memory", "slots"), [
    # 1930 // 1500 = 1 a node (packed at the HPA's 200m: 1930 // 200 = 9)
    (M5_LARGE, 1500, 1024.0, 1),
    # no memory: by CPU 1930 // 100 = 19, by pods 15, memory unbounded -> 15 (at the 256 MiB
    # stand-in 3496 // 256 = 13, audit19 A19-19)
    (T3_MEDIUM, 100, 0.0, 15),
    (T3_MEDIUM, 100, 256.0, 13),
    # requesting nothing at all (BestEffort): the pod count alone, 15
    (T3_MEDIUM, 0, 0.0, 15),
])
def test_pods_a_node_by_the_schedulers_request(group: NodeGroup, cpu: float, memory: float,
                                               slots: int) -> None:
    assert pod_slots(group, cpu, memory) == slots


HPA = HPASpec(max_replicas=4, min_replicas=2, metrics=(cpu_utilization_metric(70),))
POD = WorkloadSpec(cpu_request_millicores=200, capacity_rps_per_pod=40, cpu_millicores_per_rps=5,
                   baseline_cpu_millicores=20, concurrency=4, schedule_cpu_millicores=1500,
                   schedule_memory_mib=1024)
SPEC = SimulationSpec(HPA, POD, (M5_LARGE,), ClusterAutoscalerSpec(provisioning_delay_s=60),
                      initial_replicas=2)
# 40 rps for 10 minutes, then 120 rps for 10 minutes
STEP = TrafficCurve(np.array([40.0] * 10 + [120.0] * 10), 60.0)


@pytest.fixture(scope="module")
def init_run():  # type: ignore[no-untyped-def]
    return simulate(STEP, SPEC)


def test_an_init_heavy_pod_takes_a_node_and_scales_on_its_containers(init_run) -> None:  # type: ignore[no-untyped-def]
    t, syncs = init_run.timeline, init_run.syncs
    # the warm start's 2 pods of 1500m take 2 nodes (at 200m both fit one: 400 <= 1930)
    assert t["nodes"].iloc[0] == 2
    # before the step each pod serves 20 rps: 20 + 5 x 20 = 120m of its 200m, 60 % < 70 %
    # (on 1500m it would be 8 %): ceil(2 x 60 / 70) = 2, minReplicas
    # (the first sync has no sample yet: no proposal)
    assert set(syncs.loc[syncs["time_s"] < 600, "proposal"].dropna()) == {2}
    # after it 60 rps a pod, 40 served: 20 + 5 x 40 = 220m, 110 %: ceil(2 x 110 / 70) =
    # ceil(3.14) = 4 (on 1500m: 15 %, no scale-up at all); then 120 / 4 = 30 rps a pod,
    # 20 + 150 = 170m, 85 %: ceil(4 x 85 / 70) = ceil(4.86) = 5, held at maxReplicas 4
    after = syncs.loc[(syncs["time_s"] > 600) & (syncs["proposal"] != 2)]
    assert list(after["proposal"].iloc[:1]) == [4]
    assert set(after["proposal"]) == {4, 5} and syncs["written"].max() == 4
    # the 2 new pods wait Pending for 2 new nodes (no room beside a 1500m pod: 430m left)
    assert t["pending_pods"].max() == 2
    # 4 pods, one a node: 4 nodes (packed at 200m they would all fit the first)
    last = t.iloc[-1]
    assert (last["ready_pods"], last["nodes"]) == (4, 4)
    assert t["nodes"].max() == 4


def test_the_sweep_engine_packs_by_the_schedulers_request(init_run) -> None:  # type: ignore[no-untyped-def]
    rows = simulate_many(STEP, [SPEC], engine="sweep")
    assert rows["node_hours_m5.large"].iloc[0] == init_run.summary.node_hours_by_instance_type[
        "m5.large"]
    assert rows["peak_replicas"].iloc[0] == 4


def test_a_pod_without_a_memory_request_is_packed_by_cpu_and_pods() -> None:
    # 15 pods of 100m and no memory: one 4 GiB node holds 15 (by pods); at the 256 MiB
    # stand-in it held 13, so the warm start took 2 nodes
    pod = WorkloadSpec(cpu_request_millicores=100, capacity_rps_per_pod=40,
                       cpu_millicores_per_rps=1, schedule_memory_mib=0.0)
    spec = SimulationSpec(HPASpec(max_replicas=15, min_replicas=15,
                                  metrics=(cpu_utilization_metric(70),)),
                          pod, (T3_MEDIUM,), ClusterAutoscalerSpec(), initial_replicas=15)
    flat = TrafficCurve(np.full(5, 100.0), 60.0)
    assert simulate(flat, spec).timeline["nodes"].iloc[0] == 1
    stand_in = dataclasses.replace(spec, workload=dataclasses.replace(pod,
                                                                      schedule_memory_mib=None))
    assert simulate(flat, stand_in).timeline["nodes"].iloc[0] == 2
    assert simulate_many(flat, [spec], engine="sweep")["node_hours_t3.medium"].iloc[0] == (
        pytest.approx(5 / 60))  # 1 node for 5 minutes


def test_shared_nodes_pack_by_the_schedulers_request() -> None:
    # the init-heavy workload (2 x 1500m) beside 10 BestEffort pods (0m, 0 MiB) on m5.large:
    # largest first, one 1500m pod a node (1930 - 1500 = 430m left), the 10 BestEffort pods
    # fit the first node's 27 - 1 = 26 free slots: 2 nodes (packed at 200m: 1)
    fixed = FixedPods("agent", 10, 0.0, 0.0, (M5_LARGE,))
    run = simulate_cluster({"api": TrafficCurve(np.full(5, 40.0), 60.0)}, {"api": SPEC},
                           fixed=(fixed,))
    assert run.nodes["nodes"].iloc[0] == 2


def test_the_flag_mode_packs_by_the_init_containers_too(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    # tests/test_simulate_cli.py's Deployment (900m + 100m = 1000m a pod, 2 replicas, HPA
    # steady at 2 under 100 rps: 500m of 1000m = 50 %, its target) with a 2000m init
    # container: an m5.xlarge (4000 - 80 kubeReserved - 125 DaemonSets = 3795m allocatable)
    # holds 3795 // 1000 = 3 pods by the containers but 3795 // 2000 = 1 by the scheduler's
    # request, so 2 nodes for 600 s = 1/3 node-hour where the containers' sum gave one node,
    # 1/6
    from tests.test_simulate_cli import DEPLOYMENT, steady_node_hours

    init = ("      initContainers:\n      - name: migrate\n"
            "        resources: {requests: {cpu: 2000m, memory: 1Gi}}\n      containers:\n")
    assert "      containers:\n" in DEPLOYMENT
    # printed to 3 decimals (output_numbers): 600 / 3600 -> 0.167, 1200 / 3600 -> 0.333
    assert steady_node_hours(tmp_path, capsys, DEPLOYMENT) == 0.167
    assert steady_node_hours(tmp_path, capsys, DEPLOYMENT.replace("      containers:\n", init)) \
        == 0.333
