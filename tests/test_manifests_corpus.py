"""Real manifests as users have them (tests/data/manifests_corpus, each file names its origin)
read as the Kubernetes API server and eksctl would read them.

Expected values come from the manifests and the sources named beside each case: defaults from
pkg/apis/autoscaling/v2/defaults.go (minReplicas 1, CPU 80 %, behavior filled per direction:
scale-up window 0, policies Pods 4/15 s + Percent 100/15 s, selectPolicy Max; scale-down
Percent 100/15 s, window left to the controller flag), v1 -> v2 conversion
(pkg/apis/autoscaling/v1/conversion.go), container requests defaulting to limits
(SetDefaults_Pod, pkg/apis/core/v1/defaults.go), quantities per apimachinery resource.Quantity
and eksctl's node group defaults (pkg/apis/eksctl.io/v1alpha5/defaults.go).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_toolkit.deployment_spec import DeploymentSpec
from infra_toolkit.eksctl_config import NodeGroupConfig, read_cluster_config
from infra_toolkit.errors import SpecError
from infra_toolkit.hpa import (
    ContainerResourceMetricSource,
    CrossVersionObjectReference,
    ExternalMetricSource,
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
    MetricIdentifier,
    MetricSpec,
    MetricTarget,
    ObjectMetricSource,
    PodsMetricSource,
    ResourceMetricSource,
)
from infra_toolkit.hpa_yaml import read_hpa_yaml
from infra_toolkit.manifests import read_deployment_yaml
from infra_toolkit.readiness import ContainerProbes, Probe, seconds_to_ready
from infra_toolkit.restart_probes import RestartProbe
from infra_toolkit.update_strategy import UpdateStrategy

CORPUS = Path(__file__).parent / "data" / "manifests_corpus"


def deployment(name: str) -> CrossVersionObjectReference:
    return CrossVersionObjectReference("Deployment", name, "apps/v1")


def utilization(resource: str, percent: int) -> MetricSpec:
    return MetricSpec("Resource", resource=ResourceMetricSource(
        resource, MetricTarget("Utilization", average_utilization=percent)))


def pods(name: str, average_milli: int) -> MetricSpec:
    return MetricSpec("Pods", pods=PodsMetricSource(
        MetricIdentifier(name), MetricTarget("AverageValue", average_value_milli=average_milli)))


def external(name: str, target: MetricTarget, **labels: str) -> MetricSpec:
    return MetricSpec("External", external=ExternalMetricSource(
        MetricIdentifier(name, tuple(sorted(labels.items()))), target))


def policy(kind: str, value: int, period_s: int) -> HPAScalingPolicy:
    return HPAScalingPolicy(kind, value, period_s)


# defaults.go: the direction a behavior block leaves out
DEFAULT_UP = HPAScalingRules(0, "Max", (policy("Pods", 4, 15), policy("Percent", 100, 15)))


HPA_CASES: list[tuple[str, dict[str, Any]]] = [
    ("hpa_k8s_docs_php_apache.yaml", dict(
        name="php-apache", namespace="default", min_replicas=1, max_replicas=10,
        scale_target_ref=deployment("php-apache"), metrics=(utilization("cpu", 50),),
        behavior=None)),
    # 1k = 1000 -> 1 000 000 milli; 10k = 10 000 -> 10 000 000 milli
    ("hpa_k8s_docs_multiple_metrics.yaml", dict(
        min_replicas=1, max_replicas=10, metrics=(
            utilization("cpu", 50), pods("packets-per-second", 1_000_000),
            MetricSpec("Object", object=ObjectMetricSource(
                CrossVersionObjectReference("Ingress", "main-route", "networking.k8s.io/v1"),
                MetricIdentifier("requests-per-second"),
                MetricTarget("Value", value_milli=10_000_000)))))),
    # averageValue 30 (a YAML int) -> 30 000 milli; the selector kept as sorted pairs
    ("hpa_k8s_docs_external_selector.yaml", dict(
        name="worker", namespace="queue", min_replicas=1, max_replicas=30, metrics=(
            external("queue_messages_ready", MetricTarget("AverageValue",
                                                          average_value_milli=30_000),
                     queue="worker_tasks"),))),
    # no minReplicas: defaulted to 1
    ("hpa_k8s_docs_container_resource.yaml", dict(
        min_replicas=1, max_replicas=8, metrics=(MetricSpec(
            "ContainerResource", container_resource=ContainerResourceMetricSource(
                "cpu", "application", MetricTarget("Utilization", average_utilization=60))),))),
    # no metrics: CPU 80 %; scale-up given without a window or selectPolicy: 0 s and Max
    ("hpa_k8s_docs_behavior_example.yaml", dict(
        min_replicas=2, max_replicas=50, metrics=(utilization("cpu", 80),),
        behavior=HPABehavior(
            scale_up=HPAScalingRules(0, "Max", (policy("Percent", 900, 60),)),
            scale_down=HPAScalingRules(300, "Min", (policy("Percent", 10, 60),
                                                    policy("Pods", 5, 60)))))),
    # v2beta2 is v2: scale-up defaulted; scale-down Disabled keeps the default policy and no
    # window (the controller's --horizontal-pod-autoscaler-downscale-stabilization applies)
    ("hpa_v2beta2_ms_learn_disabled_scale_down.yaml", dict(
        name="contoso-website", min_replicas=1, max_replicas=10,
        metrics=(utilization("cpu", 20),),
        behavior=HPABehavior(scale_up=DEFAULT_UP, scale_down=HPAScalingRules(
            None, "Disabled", (policy("Percent", 100, 15),))))),
    ("hpa_v2beta2_helm_rendered_osdu.yaml", dict(
        name="storage", namespace="osdu", min_replicas=2, max_replicas=6,
        behavior=HPABehavior(scale_up=DEFAULT_UP, scale_down=HPAScalingRules(
            300, "Min", (policy("Percent", 20, 15), policy("Pods", 2, 15)))))),
    # scale-down without selectPolicy: Max
    ("hpa_v2beta2_test_app.yaml", dict(
        namespace="test-app", metrics=(utilization("cpu", 50),),
        behavior=HPABehavior(scale_up=DEFAULT_UP, scale_down=HPAScalingRules(
            60, "Max", (policy("Percent", 30, 60),))))),
    # v1: targetCPUUtilizationPercentage 50 -> one Resource cpu Utilization 50 metric
    ("hpa_v1_voting_app.yaml", dict(
        name="voting-app-hpa", min_replicas=2, max_replicas=10,
        scale_target_ref=deployment("voting-app"), metrics=(utilization("cpu", 50),),
        behavior=None)),
    # v1 without a target: no metric after conversion, so v2's default CPU 80 %
    ("hpa_v1_replicaset_no_target.yaml", dict(
        min_replicas=3, max_replicas=10,
        scale_target_ref=CrossVersionObjectReference("ReplicaSet", "frontend", ""),
        metrics=(utilization("cpu", 80),))),
    # "1100" -> 1 100 000 milli; labels, ownerReferences and status are the server's, not spec
    ("hpa_keda_generated.yaml", dict(
        name="keda-hpa-adapter-service-keda-scaledobject", min_replicas=3, max_replicas=5,
        scale_target_ref=deployment("adapter-service"), metrics=(external(
            "s0-prometheus-container_network_receive_bytes_total",
            MetricTarget("AverageValue", average_value_milli=1_100_000),
            **{"scaledobject.keda.sh/name": "adapter-service-keda-scaledobject"}),),
        behavior=HPABehavior(
            scale_up=HPAScalingRules(120, "Max", (policy("Pods", 1, 60),)),
            scale_down=HPAScalingRules(120, "Max", (policy("Percent", 100, 60),))))),
    # the string "70" is a quantity: 70 000 milli
    ("hpa_external_keda_selector_gpu.yaml", dict(
        namespace="inference", min_replicas=2, metrics=(external(
            "gpu_utilization", MetricTarget("AverageValue", average_value_milli=70_000),
            **{"scaledobject.keda.sh/name": "model-a-gpu-scaler"}),))),
    # 500Mi = 500 * 2**20 = 524 288 000 bytes -> 524 288 000 000 milli; 0.5 -> 500 milli;
    # 1e3 = 1000 -> 1 000 000 milli; 250m -> 250 milli
    ("hpa_statefulset_quantities.yaml", dict(
        scale_target_ref=CrossVersionObjectReference("StatefulSet", "cassandra", "apps/v1"),
        min_replicas=3, max_replicas=9, metrics=(
            MetricSpec("Resource", resource=ResourceMetricSource("memory", MetricTarget(
                "AverageValue", average_value_milli=524_288_000_000))),
            pods("compactions_pending", 500),
            external("write_requests", MetricTarget("Value", value_milli=1_000_000)),
            pods("gc_seconds", 250)))),
    ("hpa_kubectl_get_list.yaml", dict(
        name="php-apache", min_replicas=1, max_replicas=10, metrics=(utilization("cpu", 50),))),
    ("deploy_helm_rendered.yaml", dict(
        name="release-name-myapp", min_replicas=2, max_replicas=10,
        metrics=(utilization("cpu", 70),))),
]


@pytest.mark.parametrize(("file", "expected"), HPA_CASES, ids=[c[0] for c in HPA_CASES])
def test_real_hpa_manifests_read_as_the_api_server_serves_them(
    file: str, expected: dict[str, Any]
) -> None:
    hpa = read_hpa_yaml(CORPUS / file)
    assert {field: getattr(hpa, field) for field in expected} == expected


DEPLOYMENT_CASES: list[tuple[str, DeploymentSpec]] = [
    # the request (200m), not the limit (500m); no memory request: the toolkit's 256 MiB,
    # marked as not requested and as the stand-in (the scheduler counts 0); no probe
    ("deploy_k8s_docs_php_apache.yaml", DeploymentSpec("php-apache", None, 200, 256.0, (),
                                                       memory_requested=False,
                                                       memory_stand_in=True)),
    # limits only: requests = limits; cpu 500m + 500m = 1000; memory 128 + 64 = 192 MiB
    ("deploy_limits_only.yaml", DeploymentSpec("frontend", 2, 1000, 192.0, ())),
    # cpu from the request (250m, not the 1 limit), memory from the limit (1Gi = 1024 MiB)
    ("deploy_request_and_limit_mixed.yaml", DeploymentSpec("frontend", None, 250, 1024.0, ())),
    # myapp 300m + sidecar logshipper 50m = 350; 256 + 64 = 320 MiB; the plain init container
    # (2 cpu) is not counted by the HPA; myapp's readiness probe: initial delay 5 s, period
    # and success threshold unset (10 s, 1). The scheduler's effective init
    # request: migrate runs before the sidecar starts, so 2 cpu and 1 GiB alone (one native
    # sidecar, none before a one-shot init container)
    ("deploy_init_and_native_sidecar.yaml", DeploymentSpec(
        "myapp", 1, 350, 320.0, (ContainerProbes(Probe(5.0, 10.0, 1)),),
        init_cpu_millicores=2000, init_memory_mib=1024.0,
        native_sidecars=1, sidecars_before_init=False)),
    # helm's default chart: a readiness probe with no timing written (0 s, 10 s, 1), and a
    # liveness probe alike (0 s, 10 s, the API's failureThreshold 3)
    ("deploy_helm_rendered.yaml", DeploymentSpec(
        "release-name-myapp", None, 100, 128.0, (ContainerProbes(Probe(0.0, 10.0, 1)),),
        restart_probes=(RestartProbe("myapp", "livenessProbe", 0.0, 10.0, 3),))),
    # cpu 0.5 + "1.5" = 2000 m; memory 1G = 10**9 B = 953.67431640625 MiB, + 100 MiB
    ("deploy_quantity_forms.yaml", DeploymentSpec("quantities", 3, 2000,
                                                  10**9 / 2**20 + 100, ())),
    # a StatefulSet has the same pod template: 500m, 1Gi, a readiness probe with initial delay
    # 15 s (period 10 s unset); no updateStrategy: RollingUpdate one pod at a time (no surge,
    # maxUnavailable 1); terminationGracePeriodSeconds 1800 (not the default 30); no
    # podManagementPolicy: OrderedReady, pods created one at a time
    ("statefulset_cassandra.yaml", DeploymentSpec(
        "cassandra", 3, 500, 1024.0, (ContainerProbes(Probe(15.0, 10.0, 1)),),
        update_strategy=UpdateStrategy("RollingUpdate", 0, 1, progress_deadline_s=None),
        termination_grace_period_s=1800.0, ordered_ready=True)),
]


@pytest.mark.parametrize(("file", "expected"), DEPLOYMENT_CASES,
                         ids=[c[0] for c in DEPLOYMENT_CASES])
def test_real_workload_manifests_give_the_requests_the_hpa_uses(
    file: str, expected: DeploymentSpec
) -> None:
    assert read_deployment_yaml(CORPUS / file) == expected


def ng(name: str, types: tuple[str, ...], bounds: tuple[int, int, int], **kw: Any
       ) -> NodeGroupConfig:
    return NodeGroupConfig(name, types, *bounds, **kw)


EKSCTL_CASES: list[tuple[str, tuple[NodeGroupConfig, ...]]] = [
    # map-form taint special: "true:NoSchedule"; no volume fields: None (eksctl's 80 GiB gp3)
    ("eksctl_05_advanced_nodegroups_bounded.yaml", (
        # a nodeGroups entry: self-managed nodes
        ng("ng3-private-b", ("c3.8xlarge",), (1, 6, 4), taints=("special=true:NoSchedule",),
           managed=False),)),
    # onDemandBaseCapacity 0 and onDemandPercentageAboveBaseCapacity 0: all spot, the types
    # from instancesDistribution (instanceType "mixed" is a placeholder)
    ("eksctl_all_spot_instances_distribution.yaml", (
        ng("ng-1", ("t3.small", "t3.medium"), (1, 3, 2), capacity_type="SPOT", managed=False),)),
    # managed-ng-private names no type: eksctl's m5.large; desiredCapacity unset: minSize
    ("eksctl_15_managed_nodes.yaml", (
        # the group's own availabilityZones (the file gives the cluster none)
        ng("managed-ng-public", ("m5.large",), (2, 4, 3), disk_size_gib=20,
           labels={"role": "worker"}, taints=("key1=value1:NoSchedule", "key2=:NoExecute"),
           zones=("us-west-2a", "us-west-2b")),
        ng("managed-ng-private", ("m5.large",), (1, 3, 1)))),
    ("eksctl_26_managed_spot.yaml", (
        ng("spot", ("c3.large", "c4.large", "c5.large", "c5d.large", "c5n.large", "c5a.large"),
           (0, 10, 0), capacity_type="SPOT"),
        ng("spot-2", ("m5.large",), (1, 2, 1), capacity_type="SPOT"),
        ng("on-demand", ("c3.large", "c4.large", "c5.large"), (2, 4, 3)))),
]


@pytest.mark.parametrize(("file", "expected"), EKSCTL_CASES, ids=[c[0] for c in EKSCTL_CASES])
def test_real_eksctl_configs_give_their_node_groups(
    file: str, expected: tuple[NodeGroupConfig, ...]
) -> None:
    assert read_cluster_config(CORPUS / file).node_groups == expected


def test_a_volume_left_to_eksctl_stays_unset_and_a_written_one_is_kept() -> None:
    groups = {g.name: g for g in read_cluster_config(
        CORPUS / "eksctl_15_managed_nodes.yaml").node_groups}
    assert (groups["managed-ng-public"].disk_size_gib, groups["managed-ng-public"].volume_type) \
        == (20, None)
    assert (groups["managed-ng-private"].disk_size_gib,
            groups["managed-ng-private"].volume_type) == (None, None)


Reader = Callable[[Path], Any]

REFUSED: list[tuple[str, Reader, str]] = [
    ("hpa_v2beta1_refused.yaml", read_hpa_yaml,
     r"apiVersion \(='autoscaling/v2beta1'\) is not read .* in .*hpa_v2beta1_refused\.yaml "
     r"\(fix: set apiVersion: autoscaling/v2 .*targetAverageUtilization: 50 -> target: "
     r"\{type: Utilization, averageUtilization: 50\}"),
    ("hpa_string_utilization_refused.yaml", read_hpa_yaml,
     r"spec\.metrics\[0\]\.resource\.target\.averageUtilization \(='70'\) must be an integer "
     r"in .*hpa_string_utilization_refused\.yaml"),
    ("eksctl_08_spot_mixed.yaml", read_cluster_config,
     r"eksctl_08_spot_mixed\.yaml: nodeGroups\[0\]\.instancesDistribution\."
     r"onDemandPercentageAboveBaseCapacity: mixes on-demand and spot nodes \(onDemandBase"
     r"Capacity 0, onDemandPercentageAboveBaseCapacity 50\).*split it into two node groups"),
    ("eksctl_15_launch_template.yaml", read_cluster_config,
     r"eksctl_15_launch_template\.yaml: managedNodeGroups\[0\]\.instanceType: missing: the "
     r"instance type is in the EC2 launch template.*add instanceType"),
    ("eksctl_05_advanced_nodegroups.yaml", read_cluster_config,
     # ng2-private-a writes desiredCapacity 2 alone: eksctl makes it 2 to 2
     r"eksctl_05_advanced_nodegroups\.yaml: nodeGroups\[1\]\.minSize: missing: eksctl would "
     r"make the group 2 to 2 nodes .*write the bounds the group is to scale between"),
    ("eksctl_01_simple_v1alpha3.yaml", read_cluster_config,
     r"eksctl_01_simple_v1alpha3\.yaml: apiVersion: 'eksctl\.io/v1alpha3' is not supported; "
     r"use eksctl\.io/v1alpha5"),
]


@pytest.mark.parametrize(("file", "read", "message"), REFUSED, ids=[c[0] for c in REFUSED])
def test_unsupported_real_manifests_name_file_field_and_fix(
    file: str, read: Reader, message: str
) -> None:
    with pytest.raises(SpecError, match=message):
        read(CORPUS / file)


def test_the_map_taints_of_eksctl_example_05_are_not_among_its_problems() -> None:
    with pytest.raises(SpecError) as info:
        read_cluster_config(CORPUS / "eksctl_05_advanced_nodegroups.yaml")
    assert "taints" not in str(info.value)
    # ng2 and ng3 lack both bounds; ng1 (minSize 2, maxSize 8) is fine: four lines
    assert len(str(info.value).splitlines()) == 4


@pytest.mark.parametrize(("manifest", "message"), [
    ({"metadata": {"name": "a", "annotations": {
        "autoscaling.alpha.kubernetes.io/metrics": "[]"}}, "spec": {"maxReplicas": 3}},
     r"metadata\.annotations\.autoscaling\.alpha\.kubernetes\.io/metrics holds metrics "
     r"autoscaling/v1 cannot show in x\.yaml \(fix: export the HPA as autoscaling/v2"),
    ({"metadata": {"name": "a"}, "spec": {"maxReplicas": 3, "metrics": []}},
     r"spec\.metrics is not a field of an autoscaling/v1 HPA in x\.yaml \(fix: valid fields: "
     r"scaleTargetRef, minReplicas, maxReplicas, targetCPUUtilizationPercentage"),
    ({"metadata": {"name": "a"}, "spec": {"maxReplicas": 3,
                                          "targetCPUUtilizationPercentage": 0}},
     r"spec\.targetCPUUtilizationPercentage \(=0\) must be a whole number of percent greater "
     r"than 0 in x\.yaml"),
])
def test_v1_fields_that_do_not_convert_are_named(manifest: dict[str, Any], message: str) -> None:
    from infra_toolkit.hpa import hpa_from_dict

    full = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", **manifest}
    full["spec"] = {"scaleTargetRef": {"kind": "Deployment", "name": "a"}, **full["spec"]}
    with pytest.raises(SpecError, match=message):
        hpa_from_dict(full, source="x.yaml")


def test_a_plan_takes_a_v1_hpa_and_a_deployment_with_limits_only(tmp_path: Path) -> None:
    from infra_toolkit.plan import read_plan

    plans = Path(__file__).parent / "data" / "plans"
    shutil.copytree(plans / "manifests", tmp_path / "manifests")
    shutil.copy(plans / "minimal.yaml", tmp_path / "plan.yaml")
    (tmp_path / "manifests" / "hpa.yaml").write_text(
        "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: api}\n"
        "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}\n"
        "  minReplicas: 2\n  maxReplicas: 8\n  targetCPUUtilizationPercentage: 65\n")
    deployment = tmp_path / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace(
        "requests: {cpu: 200m, memory: 256Mi}", "limits: {cpu: 300m, memory: 512Mi}"))
    (workload,) = read_plan(tmp_path / "plan.yaml").proposed.workloads
    assert workload.hpa_spec is not None
    assert workload.hpa_spec.metrics == (utilization("cpu", 65),)
    # the limits (cpu 300m, memory 512Mi) are the requests
    assert (workload.deployment_spec.cpu_request_millicores,
            workload.deployment_spec.memory_request_mib) == (300, 512.0)


def _config(group: dict[str, Any], key: str = "nodeGroups") -> dict[str, Any]:
    return {"apiVersion": "eksctl.io/v1alpha5", "kind": "ClusterConfig",
            "metadata": {"name": "c", "region": "eu-west-1"},
            key: [{"name": "ng", "minSize": 1, "maxSize": 3, **group}]}


@pytest.mark.parametrize(("group", "key", "message"), [
    ({"instanceType": "m5.large", "taints": {"dedicated": "gpu"}}, "nodeGroups",
     r"c\.yaml: nodeGroups\[0\]\.taints\.dedicated: 'gpu' must be 'value:Effect' with Effect "
     r"one of NoSchedule, PreferNoSchedule, NoExecute"),
    ({"instanceSelector": {"vCPUs": 2, "memory": "4"}}, "managedNodeGroups",
     r"managedNodeGroups\[0\]\.instanceType: missing: instanceSelector picks the types when "
     r"eksctl runs; list the types it picked in instanceTypes"),
    ({"instanceType": "mixed"}, "nodeGroups",
     r"nodeGroups\[0\]\.instanceType: 'mixed' needs instancesDistribution"),
    # the first 2 nodes on-demand, the rest spot: a mix too
    ({"instancesDistribution": {"instanceTypes": ["t3.small"], "onDemandBaseCapacity": 2,
                                "onDemandPercentageAboveBaseCapacity": 0}}, "nodeGroups",
     r"nodeGroups\[0\]\.instancesDistribution\.onDemandBaseCapacity: mixes on-demand and spot "
     r"nodes \(onDemandBaseCapacity 2, onDemandPercentageAboveBaseCapacity 0\)"),
    ({"instanceType": "t3.small", "instancesDistribution": {"instanceTypes": ["t3.small"]}},
     "nodeGroups",
     r"nodeGroups\[0\]\.instanceType: must be left out \(or be 'mixed'\) with "
     r"instancesDistribution"),
    # eksctl decodes strictly (eksctl-io/eksctl#702: unknown fields are errors); a misspelt
    # field was ignored and the group priced as eksctl's default m5.large (audit19 A19-4)
    ({"instanceTyp": "c5.large"}, "managedNodeGroups",
     r"^c\.yaml: managedNodeGroups\[0\]\.instanceTyp: is not an eksctl node group field "
     r"\(eksctl refuses an unknown field, and the plan would leave instanceType to its "
     r"default\); did you mean 'instanceType'\?$"),
    # a field in other case: the plan read it as unset (on-demand) whatever eksctl makes of it
    ({"instanceType": "m5.large", "Spot": True}, "managedNodeGroups",
     r"^c\.yaml: managedNodeGroups\[0\]\.Spot: is spelt 'spot' in eksctl's schema, which the "
     r"plan reads by its exact name \(it would leave the field to its default\); write 'spot'$"),
    # instancesDistribution is a field of self-managed nodeGroups only (eksctl's
    # NodeGroup type, not ManagedNodeGroup): the spot c5.large group was priced m5.large
    # on-demand (audit19 A19-4)
    ({"instancesDistribution": {"instanceTypes": ["c5.large"], "onDemandBaseCapacity": 0,
                                "onDemandPercentageAboveBaseCapacity": 0}},
     "managedNodeGroups",
     r"^c\.yaml: managedNodeGroups\[0\]\.instancesDistribution: is not a field of a managed "
     r"node group \(eksctl refuses it; only nodeGroups take it\): give the types in "
     r"instanceTypes and spot: true for spot, or move the group to nodeGroups$"),
    # spot and instanceTypes are ManagedNodeGroup fields; eksctl's NodeGroup (self-managed)
    # has instancesDistribution instead (audit19 A19-15: priced SPOT / as listed)
    ({"instanceType": "c5.large", "spot": True}, "nodeGroups",
     r"^c\.yaml: nodeGroups\[0\]\.spot: is a field of managedNodeGroups only \(eksctl refuses "
     r"it on nodeGroups\): give a self-managed group's types and spot nodes in "
     r"instancesDistribution \(instanceTypes, onDemandBaseCapacity: 0 and "
     r"onDemandPercentageAboveBaseCapacity: 0 for all spot\), or move it to managedNodeGroups$"),
    ({"instanceTypes": ["c5.large"]}, "nodeGroups",
     r"^c\.yaml: nodeGroups\[0\]\.instanceTypes: is a field of managedNodeGroups only"),
    # minSize above maxSize is named at maxSize, not as a desiredCapacity the file does not
    # write (audit19 A19-5)
    ({"instanceType": "m5.large", "minSize": 5, "maxSize": 2}, "managedNodeGroups",
     r"^c\.yaml: managedNodeGroups\[0\]\.maxSize: 2 is below minSize \(5\); eksctl refuses "
     r"it: raise maxSize or lower minSize$"),
    # label values are text in eksctl (map[string]string): a YAML number is refused as a
    # boolean is (audit19 A19-7: read as '1')
    ({"instanceType": "m5.large", "labels": {"tier": 1}}, "managedNodeGroups",
     r"^c\.yaml: managedNodeGroups\[0\]\.labels\.tier: 1 is a YAML number, not a label value "
     r"\(eksctl refuses it\); quote it: \"1\"$"),
])
def test_eksctl_node_group_forms_the_plan_cannot_use_are_named(
    group: dict[str, Any], key: str, message: str
) -> None:
    from infra_toolkit.eksctl_config import cluster_config_from_dict

    with pytest.raises(SpecError, match=message):
        cluster_config_from_dict(_config(group, key), "c.yaml")


def test_an_instances_distribution_without_on_demand_fields_is_all_on_demand() -> None:
    from infra_toolkit.eksctl_config import cluster_config_from_dict

    # EC2 Auto Scaling's defaults: onDemandBaseCapacity 0, 100 % on-demand above it
    (group,) = cluster_config_from_dict(_config(
        {"instancesDistribution": {"instanceTypes": ["t3.small", "t3a.small"]}})).node_groups
    assert (group.instance_types, group.capacity_type) == (("t3.small", "t3a.small"),
                                                           "ON_DEMAND")


def test_a_plan_takes_a_statefulset_and_kubectl_get_list_files(tmp_path: Path) -> None:
    from infra_toolkit.plan import read_plan

    plans = Path(__file__).parent / "data" / "plans"
    shutil.copytree(plans / "manifests", tmp_path / "manifests")
    shutil.copy(plans / "minimal.yaml", tmp_path / "plan.yaml")
    manifests = tmp_path / "manifests"
    # the Deployment as a StatefulSet, and the HPA pointing at it, both inside a kind: List
    workload = yaml.safe_load((manifests / "deployment.yaml").read_text())
    workload["kind"] = "StatefulSet"
    hpa = yaml.safe_load((manifests / "hpa.yaml").read_text())
    hpa["spec"]["scaleTargetRef"]["kind"] = "StatefulSet"
    for name, doc in (("deployment.yaml", workload), ("hpa.yaml", hpa)):
        (manifests / name).write_text(yaml.safe_dump(
            {"apiVersion": "v1", "kind": "List", "items": [doc]}))
    (loaded,) = read_plan(tmp_path / "plan.yaml").proposed.workloads
    assert loaded.deployment is not None and loaded.deployment.kind == "StatefulSet"
    assert loaded.deployment_spec.cpu_request_millicores == 200  # its request, 200m
    assert loaded.hpa_spec is not None and loaded.hpa_spec.scale_target_ref == \
        CrossVersionObjectReference("StatefulSet", "api", "apps/v1")


MEMORY_HPA = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
              "metadata": {"name": "php-apache"},
              "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "php-apache"},
                       "maxReplicas": 10, "metrics": [
                           {"type": "Resource", "resource": {"name": "cpu", "target": {
                               "type": "Utilization", "averageUtilization": 50}}},
                           {"type": "Resource", "resource": {"name": "memory", "target": {
                               "type": "Utilization", "averageUtilization": 70}}}]}}


def test_memory_utilization_without_memory_requests_is_named() -> None:
    from infra_toolkit.hpa import hpa_from_dict
    from infra_toolkit.hpa_requests import memory_utilization_problem

    hpa = hpa_from_dict(MEMORY_HPA)
    # php-apache requests cpu only: the real HPA fails the memory metric (calculateRequests)
    assert memory_utilization_problem(
        hpa, read_deployment_yaml(CORPUS / "deploy_k8s_docs_php_apache.yaml")) == (
        "spec.metrics[1] of HPA 'php-apache' is memory utilization, but a container of "
        "'php-apache' requests no memory (and has no memory limit): the HPA cannot compute it "
        "(FailedGetResourceMetric); add a memory request to every container, or use an "
        "AverageValue target")
    # memory limits only: Kubernetes copies them to the requests, so the metric works
    assert memory_utilization_problem(
        hpa, read_deployment_yaml(CORPUS / "deploy_limits_only.yaml")) is None


def test_simulate_refuses_memory_utilization_on_a_pod_without_memory_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra_toolkit.cli import main

    (tmp_path / "hpa.yaml").write_text(yaml.safe_dump(MEMORY_HPA))
    (tmp_path / "t.csv").write_text("timestamp,requests_per_second\n0,30\n60,30\n")
    assert main(["simulate", "--traffic", str(tmp_path / "t.csv"), "--hpa",
                 str(tmp_path / "hpa.yaml"), "--deployment",
                 str(CORPUS / "deploy_k8s_docs_php_apache.yaml"), "--capacity-rps-per-pod", "50",
                 "--cpu-millicores-per-rps", "1"]) == 2
    err = capsys.readouterr().err
    assert "deploy_k8s_docs_php_apache.yaml: spec.metrics[1] of HPA 'php-apache' is memory " \
        "utilization" in err
    assert "(or pass --memory-request-mib)" in err


def test_a_plan_names_memory_utilization_on_a_pod_without_memory_requests(
    tmp_path: Path
) -> None:
    from infra_toolkit.plan import validate_plan

    plans = Path(__file__).parent / "data" / "plans"
    shutil.copytree(plans / "manifests", tmp_path / "manifests")
    shutil.copy(plans / "minimal.yaml", tmp_path / "plan.yaml")
    deployment = tmp_path / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace(", memory: 256Mi", ""))
    hpa = tmp_path / "manifests" / "hpa.yaml"
    hpa.write_text(hpa.read_text().replace("name: cpu", "name: memory"))
    problems = [(p.path, p.message) for p in validate_plan(tmp_path / "plan.yaml")]
    assert ("proposed.workloads[0].hpa",
            "spec.metrics[0] of HPA 'api' is memory utilization, but a container of 'api' "
            "requests no memory (and has no memory limit): the HPA cannot compute it "
            "(FailedGetResourceMetric); add a memory request to every container, or use an "
            "AverageValue target") in problems


@pytest.mark.parametrize(("version", "expected"), [
    ('"1.30"', "1.30"),
    ("1.30", None),  # the YAML number 1.3: refused, as eksctl's decoder refuses it
])
def test_an_unquoted_kubernetes_version_is_refused_not_misread(
    version: str, expected: str | None
) -> None:
    from infra_toolkit.eksctl_config import cluster_config_from_dict

    doc = yaml.safe_load(f"metadata: {{version: {version}}}")
    config = _config({"instanceType": "m5.large"}, "managedNodeGroups")
    config["metadata"]["version"] = doc["metadata"]["version"]
    if expected is not None:
        assert cluster_config_from_dict(config, "c.yaml").version == expected
        return
    with pytest.raises(SpecError, match=(
            r"^c\.yaml: metadata\.version: 1\.3 is a YAML number \(an unquoted 1\.30 reads as "
            r"1\.3\); quote the version you mean, e\.g\. version: \"1\.30\"$")):
        cluster_config_from_dict(config, "c.yaml")


def _pod_deployment(resources: Any) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
            "spec": {"selector": {"matchLabels": {"app": "api"}}, "template": {
                "metadata": {"labels": {"app": "api"}},
                "spec": {"containers": [{"name": "api", "image": "x", "resources": resources}]}}}}


@pytest.mark.parametrize(("resources", "message"), [
    # the API server's ValidateResourceRequirements refuses a negative quantity (audit19 A19-2:
    # -256Mi was read as a pod of -256 MiB, a -100m request as "missing")
    ({"requests": {"cpu": "100m", "memory": "-256Mi"}},
     r"^spec\.template\.spec\.containers\[0\]\.resources\.requests\.memory \(='-256Mi'\) in "
     r"d\.yaml is negative: the API server refuses it \(a quantity must be >= 0\); write the "
     r"amount without the minus sign$"),
    ({"limits": {"cpu": "-1"}},
     r"^spec\.template\.spec\.containers\[0\]\.resources\.limits\.cpu \(='-1'\) in d\.yaml is "
     r"negative"),
    # ... and a request above its limit ("must be less than or equal to cpu limit"; audit19
    # A19-3: the 2-core request was simulated while no such pod can be created)
    ({"requests": {"cpu": "2", "memory": "256Mi"}, "limits": {"cpu": "1"}},
     r"^spec\.template\.spec\.containers\[0\]\.resources\.requests\.cpu \(='2'\) in d\.yaml is "
     r"above its limit \('1'\): the API server refuses a request above its limit; lower the "
     r"request or raise the limit$"),
    ({"requests": {"cpu": "100m", "memory": "1Gi"}, "limits": {"memory": "512Mi"}},
     r"requests\.memory \(='1Gi'\) in d\.yaml is above its limit \('512Mi'\)"),
])
def test_requests_the_api_server_refuses_are_refused(resources: Any, message: str) -> None:
    from infra_toolkit.manifests import deployment_from_dict

    with pytest.raises(SpecError, match=message):
        deployment_from_dict(_pod_deployment(resources), "d.yaml")


@pytest.mark.parametrize("policy", ["always", "Never", "OnFailure"])
def test_an_init_container_restart_policy_other_than_always_is_refused(policy: str) -> None:
    # the API server takes only Always on an init container; read as a one-shot init, a
    # sidecar's 800m would leave the HPA's request (800m + 100m = 900m) and the pod's packing
    # silently (audit22)
    from infra_toolkit.manifests import deployment_from_dict

    doc = _pod_deployment({"requests": {"cpu": "100m", "memory": "64Mi"}})
    doc["spec"]["template"]["spec"]["initContainers"] = [
        {"name": "proxy", "image": "x", "restartPolicy": policy,
         "resources": {"requests": {"cpu": "800m"}}}]
    with pytest.raises(SpecError, match=(
            rf"spec\.template\.spec\.initContainers\[0\]\.restartPolicy of Deployment '.*' in "
            rf"d\.yaml is '{policy}', which the API server refuses; write 'Always' \(a native "
            r"sidecar, running beside the containers\) or drop it \(a one-shot init container\)")):
        deployment_from_dict(doc, "d.yaml")


def test_a_request_equal_to_its_limit_is_the_request() -> None:
    from infra_toolkit.manifests import deployment_from_dict

    spec = deployment_from_dict(_pod_deployment(
        {"requests": {"cpu": "1", "memory": "512Mi"}, "limits": {"cpu": "1000m",
                                                                "memory": "512Mi"}}), "d.yaml")
    # 1 core = 1000m (equal to the limit: allowed); 512 MiB
    assert (spec.cpu_request_millicores, spec.memory_request_mib) == (1000, 512.0)


def test_eksctl_fields_near_the_read_ones_are_not_typos() -> None:
    from infra_toolkit.eksctl_config import cluster_config_from_dict

    group = {"instanceType": "m5.large", "instanceName": "web", "volumeName": "/dev/xvda",
             "maxPodsPerNode": 50, "tags": {"team": "a"}, "privateNetworking": True}
    (read,) = cluster_config_from_dict(_config(group, "managedNodeGroups"), "c.yaml").node_groups
    assert (read.instance_types, read.min_size, read.max_size) == (("m5.large",), 1, 3)


def test_a_name_used_twice_is_named_at_both_lists_paths() -> None:
    from infra_toolkit.eksctl_config import cluster_config_from_dict

    config = _config({"instanceType": "m5.large"}, "managedNodeGroups")
    config["nodeGroups"] = [{"name": "ng", "instanceType": "c5.large", "minSize": 0,
                             "maxSize": 2}]
    # the first 'ng' is managedNodeGroups[0] (audit19 A19-6: it was called nodeGroups[0])
    with pytest.raises(SpecError, match=(
            r"^c\.yaml: nodeGroups\[0\]: node group 'ng' is already used at "
            r"managedNodeGroups\[0\]; names must be unique$")):
        cluster_config_from_dict(config, "c.yaml")


def _two_containers(second: dict[str, Any]) -> dict[str, Any]:
    doc = _pod_deployment({"requests": {"cpu": "500m", "memory": "1Gi"}})
    doc["spec"]["template"]["spec"]["containers"].append({"name": "log-shipper", **second})
    return doc


@pytest.mark.parametrize(("second", "need", "cpu"), [
    # no HPA: the scheduler counts a container without a CPU request as 0, so the pod takes
    # 500m (audit19 A19-8: refused as if an HPA's utilization would fail)
    ({}, "none", 500),
    ({"resources": {"requests": {"memory": "64Mi"}}}, "none", 500),
    # an HPA without a CPU Utilization metric (External, Pods, memory) never divides by the
    # CPU requests: 500m summed over the containers that have one
    ({}, "some", 500),
    # with one: 500m + 100m
    ({"resources": {"requests": {"cpu": "100m"}}}, "every", 600),
])
def test_a_container_without_a_cpu_request_fails_only_cpu_utilization(
    second: dict[str, Any], need: str, cpu: int
) -> None:
    from infra_toolkit.manifests import deployment_from_dict

    spec = deployment_from_dict(_two_containers(second), "d.yaml", cpu_needed=need)
    assert spec.cpu_request_millicores == cpu


@pytest.mark.parametrize(("doc", "need", "message"), [
    (_two_containers({}), "every",
     r"^spec\.template\.spec\.containers\[1\] \('log-shipper'\)\.resources\.requests\.cpu of "
     r"Deployment 'api' in d\.yaml is missing while other containers request CPU"),
    (_pod_deployment({"requests": {"memory": "1Gi"}}), "some",
     r"^spec\.template\.spec\.containers\[\*\]\.resources\.requests\.cpu of Deployment 'api' in "
     r"d\.yaml is missing; the simulation places and loads its pods by their CPU request: add "
     r"one \(e\.g\. cpu: 500m\)$"),
])
def test_cpu_requests_an_hpa_needs_are_still_asked_for(
    doc: dict[str, Any], need: str, message: str
) -> None:
    from infra_toolkit.manifests import deployment_from_dict

    with pytest.raises(SpecError, match=message):
        deployment_from_dict(doc, "d.yaml", cpu_needed=need)


def test_a_plan_takes_a_deployment_without_hpa_whose_pods_request_no_cpu(tmp_path: Path) -> None:
    from infra_toolkit.nodes import NodeGroup, pod_slots
    from infra_toolkit.plan import read_plan

    plans = Path(__file__).parent / "data" / "plans"
    shutil.copytree(plans / "manifests", tmp_path / "manifests")
    text = (plans / "minimal.yaml").read_text().replace(
        "scenarios:\n", "    - name: worker\n      deployment: manifests/worker.yaml\n"
                        "scenarios:\n", 1)
    (tmp_path / "plan.yaml").write_text(text)
    worker = _two_containers({})
    worker["metadata"]["name"] = "worker"
    worker["spec"]["template"]["spec"]["containers"][0]["resources"] = {}
    (tmp_path / "manifests" / "worker.yaml").write_text(yaml.safe_dump(worker))
    # BestEffort pods: no CPU request anywhere, valid Kubernetes (audit19 A19-8: refused)
    spec = read_plan(tmp_path / "plan.yaml").proposed.workloads[1].deployment_spec
    assert (spec.name, spec.cpu_request_millicores) == ("worker", 0)
    # such a pod is limited by memory and pod count only (it was a ZeroDivisionError): an
    # m5.large-like node has 8192 - 600 reserved = 7592 MiB and 29 - 2 DaemonSet pods = 27
    # slots, so pods of 512 MiB: floor(7592 / 512) = 14; of 256 MiB: min(29, 27) = 27
    group = NodeGroup("g", "m5.large", 2, 8, 29, 1, 3)
    assert (group.allocatable_memory_mib, group.max_pods - group.daemonset_pods) == (7592, 27)
    assert (pod_slots(group, 0, 512.0), pod_slots(group, 0, 256.0)) == (14, 27)


@pytest.mark.parametrize(("hpa_ns", "deployment_ns", "refused"), [
    # an HPA looks its target up in its own namespace: 'other' finds no Deployment of 'shop'
    # (FailedGetScale, never scales); audit19 A19-12: valid, and simulated scaling
    ("other", "shop", True),
    ("shop", "shop", False),
    # one left out takes the namespace the file is applied to: not known here
    (None, "shop", False),
])
def test_an_hpa_in_another_namespace_than_its_deployment_is_refused(
    tmp_path: Path, hpa_ns: str | None, deployment_ns: str, refused: bool
) -> None:
    from infra_toolkit.plan import validate_plan

    plans = Path(__file__).parent / "data" / "plans"
    shutil.copytree(plans / "manifests", tmp_path / "manifests")
    shutil.copy(plans / "minimal.yaml", tmp_path / "plan.yaml")
    for name, space in (("hpa.yaml", hpa_ns), ("deployment.yaml", deployment_ns)):
        file = tmp_path / "manifests" / name
        if space is not None:
            file.write_text(file.read_text().replace("  name: api\n",
                                                     f"  name: api\n  namespace: {space}\n", 1))
    problems = [(p.path, p.message) for p in validate_plan(tmp_path / "plan.yaml")]
    assert problems == ([(
        "proposed.workloads[0].hpa",
        "the HPA is in namespace 'other' but Deployment/api in 'shop': an HPA scales a target "
        "in its own namespace only, so it would find none (FailedGetScale) and never scale; put "
        "both in one namespace (metadata.namespace)")] if refused else [])


@pytest.mark.parametrize(("selector", "refused"), [
    # apps/v1 refuses a selector that does not select the template's labels ("selector does
    # not match template labels"); audit19 A19-13: accepted and simulated
    ({"matchLabels": {"app": "apix"}}, True),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}, True),
    ({"matchLabels": {"app": "api"}}, False),
    ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, False),
])
def test_a_selector_that_misses_the_template_labels_is_refused(
    selector: dict[str, Any], refused: bool
) -> None:
    from infra_toolkit.manifests import deployment_from_dict

    doc = _pod_deployment({"requests": {"cpu": "100m", "memory": "64Mi"}})
    doc["spec"]["selector"] = selector
    if not refused:
        assert deployment_from_dict(doc, "d.yaml").cpu_request_millicores == 100
        return
    with pytest.raises(SpecError, match=(
            r"^spec\.selector of Deployment 'api' in d\.yaml does not select its pod template's "
            r"labels \(\{'app': 'api'\}\): the API server refuses it \(selector does not match "
            r"template labels\); make spec\.selector\.matchLabels the labels of "
            r"spec\.template\.metadata\.labels$")):
        deployment_from_dict(doc, "d.yaml")


@pytest.mark.parametrize("selector", [None, {}, {"matchExpressions": [], "matchLabels": {}}])
def test_a_plan_deployment_without_a_selector_is_refused_at_its_path(
    tmp_path: Path, selector: dict[str, Any] | None
) -> None:
    # audit19 A19-23: apps/v1 requires spec.selector (kubectl apply: "spec.selector: Required
    # value"; an empty one: "empty selector is invalid for deployment"), accepted before
    from infra_toolkit.plan import validate_plan

    plans = Path(__file__).parent / "data" / "plans"
    shutil.copytree(plans / "manifests", tmp_path / "manifests")
    shutil.copy(plans / "minimal.yaml", tmp_path / "plan.yaml")
    file = tmp_path / "manifests" / "deployment.yaml"
    doc = yaml.safe_load(file.read_text())
    assert doc["spec"].pop("selector") == {"matchLabels": {"app": "api"}}
    if selector is not None:
        doc["spec"]["selector"] = selector
    file.write_text(yaml.safe_dump(doc))
    what = ("missing: the API server refuses it (spec.selector: Required value; apps/v1 has no "
            "default selector)" if selector is None else f"empty (={selector!r}): the API "
            "server refuses it (empty selector is invalid for deployment)")
    assert [(p.path, p.message) for p in validate_plan(tmp_path / "plan.yaml")] == [(
        "proposed.workloads[0].deployment",
        f"spec.selector of Deployment 'api' in deployment.yaml is {what}; add "
        "selector: {matchLabels: {app: api}} under spec (the labels of "
        "spec.template.metadata.labels)")]


# a probe's handler: the API server refuses a probe without one (probe_handlers)
_HTTP = {"httpGet": {"path": "/ready", "port": 8080}}


@pytest.mark.parametrize(("probes", "kept", "ready_s"), [
    # readiness probing starts only once the startup probe has passed (kubelet prober), so a
    # 60 s startup delay holds the pod un-Ready (audit19 A19-16: the 5 s of the readiness probe
    # alone). Image pull 10 s, app start 20 s: the startup probe's first tick at or after
    # 10 + max(60, 20) = 70 s on its 10 s grid: 70 s; the readiness probe runs at that sync
    # (its 10 + 5 = 15 s delay and the app's 30 s long past): Ready at 70 s
    ({"readinessProbe": {**_HTTP, "initialDelaySeconds": 5},
      "startupProbe": {**_HTTP, "initialDelaySeconds": 60, "periodSeconds": 10}},
     ContainerProbes(Probe(5.0), Probe(60.0)), 70.0),
    # startup: first 10 s tick at or after 10 + max(10, 20) = 30 s: 30 s; readiness then needs
    # 10 + max(20, 20) = 30 s too: it runs at the startup sync and passes: 30 s
    ({"readinessProbe": {**_HTTP, "initialDelaySeconds": 20},
      "startupProbe": {**_HTTP, "initialDelaySeconds": 10}},
     ContainerProbes(Probe(20.0), Probe(10.0)),
     30.0),
    # startup probe alone every 5 s: the first tick at or after 10 + 20 = 30 s is 30 s; started
    # then, and Ready with no readiness probe
    ({"startupProbe": {**_HTTP, "failureThreshold": 30, "periodSeconds": 5}},
     ContainerProbes(None, Probe(0.0, 5.0)), 30.0),
    # readiness every 7 s, 2 successes: first tick at or after 10 + max(0, 20) = 30 s is 35 s
    # (7 x 5), the second 42 s
    ({"readinessProbe": {**_HTTP, "periodSeconds": 7, "successThreshold": 2}},
     ContainerProbes(Probe(0.0, 7.0, 2)), 42.0),
    # periodSeconds and successThreshold 0 are the API's defaults (10 s, 1): 10 + 20 = 30 s
    ({"readinessProbe": {**_HTTP, "periodSeconds": 0, "successThreshold": 0}},
     ContainerProbes(Probe(0.0, 10.0, 1)), 30.0),
])
def test_a_startup_probe_delay_holds_readiness(probes: dict[str, Any], kept: ContainerProbes,
                                               ready_s: float) -> None:
    from infra_toolkit.manifests import deployment_from_dict

    doc = _pod_deployment({"requests": {"cpu": "100m", "memory": "64Mi"}})
    doc["spec"]["template"]["spec"]["containers"][0].update(probes)
    dep = deployment_from_dict(doc, "d.yaml")
    assert dep.probes == (kept,)
    assert seconds_to_ready(10.0, 20.0, kept.readiness, kept.startup) == ready_s


@pytest.mark.parametrize(("probe", "field", "fix"), [
    ({"periodSeconds": -1}, "readinessProbe.periodSeconds (=-1)", "must be a whole number >= 0"),
    ({"successThreshold": -2}, "readinessProbe.successThreshold (=-2)",
     "must be a whole number >= 0"),
    ({"initialDelaySeconds": 2**31}, "readinessProbe.initialDelaySeconds (=2147483648)",
     "is above 2,147,483,647, the largest int32"),
    ({"periodSeconds": 86_401}, "readinessProbe.periodSeconds (=86401)",
     "must be at most 86,400 s"),
])
def test_a_bad_probe_timing_is_refused_at_its_field(probe: dict[str, Any], field: str,
                                                    fix: str) -> None:
    from infra_toolkit.manifests import deployment_from_dict

    doc = _pod_deployment({"requests": {"cpu": "100m", "memory": "64Mi"}})
    doc["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] = {**_HTTP, **probe}
    with pytest.raises(SpecError, match=re.escape(f"spec.template.spec.containers[0].{field}")
                       + ".*" + re.escape(fix)):
        deployment_from_dict(doc, "d.yaml")


def test_a_startup_probe_needing_two_successes_is_refused() -> None:
    # validation.go: a startup probe's successThreshold must be 1
    from infra_toolkit.manifests import deployment_from_dict

    doc = _pod_deployment({"requests": {"cpu": "100m", "memory": "64Mi"}})
    doc["spec"]["template"]["spec"]["containers"][0]["startupProbe"] = {
        **_HTTP, "successThreshold": 2}
    with pytest.raises(SpecError, match=re.escape(
            "spec.template.spec.containers[0].startupProbe.successThreshold (=2) of Deployment")
            + ".*must be 1 for a startup probe"):
        deployment_from_dict(doc, "d.yaml")


@pytest.mark.parametrize(("grace", "kept"), [
    (None, 30.0),  # unset: the API default, 30 s
    (0, 0.0), (120, 120.0), (2**40, float(2**40)),  # int64: above int32 is fine
])
def test_termination_grace_period_is_read(grace: Any, kept: float) -> None:
    from infra_toolkit.manifests import deployment_from_dict

    doc = _pod_deployment({"requests": {"cpu": "100m", "memory": "64Mi"}})
    if grace is not None:
        doc["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = grace
    assert deployment_from_dict(doc, "d.yaml").termination_grace_period_s == kept


@pytest.mark.parametrize(("grace", "fix"), [
    (-1, "must be a whole number >= 0"),
    (2**63, "is above 9,223,372,036,854,775,807, the largest int64"),
    ("30s", "must be a whole number >= 0"),
])
def test_a_bad_termination_grace_period_is_refused(grace: Any, fix: str) -> None:
    from infra_toolkit.manifests import deployment_from_dict

    doc = _pod_deployment({"requests": {"cpu": "100m", "memory": "64Mi"}})
    doc["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = grace
    with pytest.raises(SpecError, match=re.escape(
            "spec.template.spec.terminationGracePeriodSeconds") + ".*" + re.escape(fix)):
        deployment_from_dict(doc, "d.yaml")


@pytest.mark.parametrize(("pod", "ports", "cap"), [
    # NodePorts: two pods taking one host port cannot share a node (audit19 A19-18: packed by
    # requests, many a node)
    ({"containers": [{"name": "api", "ports": [{"containerPort": 8080, "hostPort": 8080}]}]},
     (8080,), 1),
    # hostNetwork: the API server copies each containerPort to hostPort (SetDefaults_Pod)
    ({"hostNetwork": True, "containers": [{"name": "api", "ports": [
        {"containerPort": 10254}, {"containerPort": 80}]}]}, (80, 10254), 1),
    ({"containers": [{"name": "api", "ports": [{"containerPort": 8080}]}]}, (), None),
    # the scheduler's GetHostPorts: containers and native sidecars, not one-shot init
    # containers, which have exited when the pod runs (audit21 A21-11: capped one a node)
    ({"containers": [{"name": "api"}], "initContainers": [
        {"name": "probe-port", "image": "x", "ports": [{"containerPort": 9000,
                                                          "hostPort": 9000}]}]}, (), None),
    ({"hostNetwork": True, "containers": [{"name": "api"}], "initContainers": [
        {"name": "setup", "image": "x", "ports": [{"containerPort": 9000}]}]}, (), None),
    ({"containers": [{"name": "api"}], "initContainers": [
        {"name": "proxy", "image": "x", "restartPolicy": "Always",
         "resources": {"requests": {"cpu": "10m"}},
         "ports": [{"containerPort": 15001, "hostPort": 15001}]}]}, (15001,), 1),
])
def test_a_host_port_is_one_pod_a_node(pod: dict[str, Any], ports: tuple[int, ...],
                                       cap: int | None) -> None:
    from infra_toolkit.manifests import deployment_from_dict

    doc = _pod_deployment({"requests": {"cpu": "100m", "memory": "64Mi"}})
    spec = doc["spec"]["template"]["spec"]
    spec["containers"][0].update(pod["containers"][0])
    spec.update({k: v for k, v in pod.items() if k != "containers"})
    read = deployment_from_dict(doc, "d.yaml")
    assert (read.host_ports, read.max_pods_per_node) == (ports, cap)


_ANTI = "requiredDuringSchedulingIgnoredDuringExecution"


@pytest.mark.parametrize(("where", "selector", "expected"), [
    # apimachinery ValidateLabelSelector refuses these; read as they were, each selected no pod
    # (a Deployment refused as "does not select", an anti-affinity term silently dropped)
    ("selector", {"matchExpressions": [{"key": "app", "operator": "in", "values": ["api"]}]},
     "spec.selector.matchExpressions[0].operator (='in') must be one of In, NotIn, Exists, "
     "DoesNotExist in Deployment 'api' of d.yaml (fix: operators are case-sensitive)"),
    ("anti", {"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["api"]}]},
     f"spec.template.spec.affinity.podAntiAffinity.{_ANTI}[0].labelSelector"
     ".matchExpressions[0].values (=['api']) must be empty when operator is Exists in "
     "Deployment 'api' of d.yaml (fix: delete values, or use In / NotIn to match given values)"),
    ("spread", {"matchExpressions": [{"key": "app", "operator": "NotIn"}]},
     "spec.template.spec.topologySpreadConstraints[0].labelSelector.matchExpressions[0].values "
     "must list at least one value when operator is NotIn in Deployment 'api' of d.yaml (fix: "
     "list the label values, or use Exists / DoesNotExist)"),
])
def test_a_malformed_label_selector_of_a_deployment_is_refused(
    where: str, selector: dict[str, Any], expected: str
) -> None:
    from infra_toolkit.manifests import deployment_from_dict

    doc = _pod_deployment({"requests": {"cpu": "100m", "memory": "64Mi"}})
    pod = doc["spec"]["template"]["spec"]
    if where == "selector":
        doc["spec"]["selector"] = selector
    elif where == "anti":
        pod["affinity"] = {"podAntiAffinity": {_ANTI: [
            {"topologyKey": "kubernetes.io/hostname", "labelSelector": selector}]}}
    else:
        pod["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": "zone",
                                             "whenUnsatisfiable": "DoNotSchedule",
                                             "labelSelector": selector}]
    with pytest.raises(SpecError) as raised:
        deployment_from_dict(doc, "d.yaml")
    assert str(raised.value).splitlines() == [expected]
