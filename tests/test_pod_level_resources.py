"""Pod-level resources (KEP-2837, ``spec.template.spec.resources``) below the containers'
aggregate request: the API server refuses such a pod (``validatePodResourceConsistency``:
``spec.resources.requests[cpu]: must be greater than or equal to aggregate container requests``),
so validate refuses it (audit22 A22-6). The aggregate is ``AggregateContainerRequests``: the
containers' and native sidecars' requests summed, or the largest one-shot init container's with
the sidecars started before it, the larger. A container's limit above the pod-level limit is
refused too (``must be less than or equal to pod limits``, msgs task 3). Figures are worked by
hand in the comments."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_toolkit.errors import SpecError
from infra_toolkit.manifests import deployment_from_dict


def _c(name: str, cpu: str, memory: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "image": "x", "resources": {"requests": {"cpu": cpu, "memory": memory}},
            **extra}


def _deployment(pod_resources: dict[str, Any], containers: list[dict[str, Any]],
                init: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    pod: dict[str, Any] = {"containers": containers, "resources": pod_resources}
    if init is not None:
        pod["initContainers"] = init
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
            "spec": {"selector": {"matchLabels": {"app": "api"}}, "template": {
                "metadata": {"labels": {"app": "api"}}, "spec": pod}}}


_REFUSED = ("(={written!r}) of Deployment 'api' in d.yaml is below its containers' aggregate "
            "request of {aggregate} ({which}): the API server refuses the pod (must be greater "
            "than or equal to aggregate container requests); raise the pod-level {resource} to "
            "at least {aggregate}, or lower the containers' requests")
_SIDECAR = {"restartPolicy": "Always"}


@pytest.mark.parametrize(("pod_resources", "containers", "init", "field", "figures"), [
    # audit22 A22-6's pod: container 200m, init container 1500m, pod-level 100m / 1Gi.
    # CPU: max(200, 1500) = 1500m > 100m: refused. Memory: max(256, 512) = 512Mi <= 1024Mi.
    ({"requests": {"cpu": "100m", "memory": "1Gi"}}, [_c("api", "200m", "256Mi")],
     [_c("migrate", "1500m", "512Mi")], "requests.cpu",
     {"written": "100m", "aggregate": "1500m", "resource": "cpu",
      "which": "an init container's 1500m with the native sidecars started before it, more "
               "than the containers' 200m summed"}),
    # containers 300m + a native sidecar 100m = 400m > 350m (no one-shot init container)
    ({"requests": {"cpu": "350m"}}, [_c("api", "300m", "64Mi")],
     [_c("proxy", "100m", "64Mi", **_SIDECAR)], "requests.cpu",
     {"written": "350m", "aggregate": "400m", "resource": "cpu",
      "which": "the containers' and native sidecars' 400m summed"}),
    # a sidecar started before the init container adds to it: 100 + 1500 = 1600m > 1500m,
    # while the containers and the sidecar sum to 200 + 100 = 300m
    ({"requests": {"cpu": "1500m"}}, [_c("api", "200m", "64Mi")],
     [_c("proxy", "100m", "64Mi", **_SIDECAR), _c("migrate", "1500m", "64Mi")],
     "requests.cpu",
     {"written": "1500m", "aggregate": "1600m", "resource": "cpu",
      "which": "an init container's 1600m with the native sidecars started before it, more "
               "than the containers' 300m summed"}),
    # memory: 256Mi + 256Mi = 512Mi > 500Mi
    ({"requests": {"memory": "500Mi"}}, [_c("a", "100m", "256Mi"), _c("b", "100m", "256Mi")],
     None, "requests.memory",
     {"written": "500Mi", "aggregate": "512Mi", "resource": "memory",
      "which": "the containers' and native sidecars' 512Mi summed"}),
    # a pod-level limit alone is its request (defaulted): 100m < the container's 200m
    ({"limits": {"cpu": "100m"}}, [_c("api", "200m", "64Mi")], None, "limits.cpu",
     {"written": "100m", "aggregate": "200m", "resource": "cpu",
      "which": "the containers' and native sidecars' 200m summed"}),
])
def test_a_pod_level_request_below_the_containers_is_refused(
        pod_resources: dict[str, Any], containers: list[dict[str, Any]],
        init: list[dict[str, Any]] | None, field: str, figures: dict[str, str]) -> None:
    expected = f"spec.template.spec.resources.{field} " + _REFUSED.format(**figures)
    with pytest.raises(SpecError) as err:
        deployment_from_dict(_deployment(pod_resources, containers, init), "d.yaml")
    assert str(err.value) == expected


@pytest.mark.parametrize(("pod_resources", "cpu", "memory_mib"), [
    # exactly the aggregate: max(200, 1500) = 1500m and max(256, 512) = 512Mi
    ({"requests": {"cpu": "1500m", "memory": "512Mi"}}, 1500, 512.0),
    # above it: the pod-level request is the pod's
    ({"requests": {"cpu": "2", "memory": "1Gi"}}, 2000, 1024.0),
])
def test_a_pod_level_request_covering_the_containers_is_the_pods(
        pod_resources: dict[str, Any], cpu: int, memory_mib: float) -> None:
    spec = deployment_from_dict(_deployment(pod_resources, [_c("api", "200m", "256Mi")],
                                            [_c("migrate", "1500m", "512Mi")]), "d.yaml")
    assert (spec.cpu_request_millicores, spec.memory_request_mib) == (cpu, memory_mib)
    assert (spec.init_cpu_millicores, spec.init_memory_mib) == (0, 0.0)


def test_validate_refuses_a_plan_whose_pod_level_request_is_below_its_containers(
        tmp_path: Path) -> None:
    # minimal.yaml's api requests 200m / 256Mi; a pod-level 100m is below it
    from infra_toolkit.plan import validate_plan

    plans = Path(__file__).parent / "data" / "plans"
    shutil.copytree(plans / "manifests", tmp_path / "manifests")
    shutil.copy(plans / "minimal.yaml", tmp_path / "plan.yaml")
    file = tmp_path / "manifests" / "deployment.yaml"
    doc = yaml.safe_load(file.read_text())
    doc["spec"]["template"]["spec"]["resources"] = {"requests": {"cpu": "100m"}}
    file.write_text(yaml.safe_dump(doc))
    assert [(p.path, p.message) for p in validate_plan(tmp_path / "plan.yaml")] == [(
        "proposed.workloads[0].deployment",
        "spec.template.spec.resources.requests.cpu " + _REFUSED.format(
            written="100m", aggregate="200m", resource="cpu",
            which="the containers' and native sidecars' 200m summed").replace(
            "d.yaml", "deployment.yaml"))]


def _limited(name: str, requests: tuple[str, str], **limits: str) -> dict[str, Any]:
    container = _c(name, *requests)
    container["resources"]["limits"] = limits
    return container


_ABOVE = ("spec.template.spec.containers[{i}].resources.limits.{resource} (='{mine}') of "
          "Deployment 'api' in d.yaml is above the pod-level limit "
          "spec.template.spec.resources.limits.{resource} (='{pod}'): the API server refuses the "
          "pod (must be less than or equal to pod limits); lower the container's limit or raise "
          "the pod-level one")


@pytest.mark.parametrize(("pod_resources", "containers", "expected"), [
    # msgs task 3: one container's limit 800m above the pod-level 500m (before: accepted)
    ({"requests": {"cpu": "500m"}, "limits": {"cpu": "500m"}},
     [_limited("api", ("200m", "64Mi"), cpu="800m")],
     [_ABOVE.format(i=0, resource="cpu", mine="800m", pod="500m")]),
    # each container is compared alone: the second's 512Mi > 256Mi, the first's 200Mi is not
    ({"limits": {"memory": "256Mi"}},
     [_limited("a", ("100m", "64Mi"), memory="200Mi"),
      _limited("b", ("100m", "64Mi"), memory="512Mi")],
     [_ABOVE.format(i=1, resource="memory", mine="512Mi", pod="256Mi")]),
    # a pod-level limit below the pod-level request (ValidateResourceRequirements): refused
    # where the pod-level request is read
    ({"requests": {"cpu": "500m"}, "limits": {"cpu": "400m"}}, [_c("api", "200m", "64Mi")],
     ["spec.template.spec.resources.requests.cpu (='500m') in d.yaml is above its limit "
      "('400m'): the API server refuses a request above its limit; lower the request or raise "
      "the limit"]),
])
def test_a_container_limit_above_the_pod_level_limit_is_refused(
        pod_resources: dict[str, Any], containers: list[dict[str, Any]],
        expected: list[str]) -> None:
    with pytest.raises(SpecError) as err:
        deployment_from_dict(_deployment(pod_resources, containers), "d.yaml")
    assert str(err.value).splitlines() == expected


def test_containers_limits_may_sum_above_the_pod_level_limit() -> None:
    # 200Mi + 200Mi = 400Mi > the pod-level 300Mi, but each is at most 300Mi: the API server
    # takes it (the pod's cgroup caps them together); a limit equal to the pod's is taken too
    spec = deployment_from_dict(_deployment(
        {"limits": {"memory": "300Mi", "cpu": "1"}},
        [_limited("a", ("100m", "64Mi"), memory="200Mi", cpu="1"),
         _limited("b", ("100m", "64Mi"), memory="200Mi")]), "d.yaml")
    # the pod-level memory limit alone is its request: 300Mi; CPU: the pod-level 1 = 1000m
    assert (spec.cpu_request_millicores, spec.memory_request_mib) == (1000, 300.0)


def test_validate_refuses_a_container_limit_above_the_pod_level_limit(tmp_path: Path) -> None:
    from infra_toolkit.plan import validate_plan

    plans = Path(__file__).parent / "data" / "plans"
    shutil.copytree(plans / "manifests", tmp_path / "manifests")
    shutil.copy(plans / "minimal.yaml", tmp_path / "plan.yaml")
    file = tmp_path / "manifests" / "deployment.yaml"
    doc = yaml.safe_load(file.read_text())
    pod = doc["spec"]["template"]["spec"]
    pod["resources"] = {"requests": {"cpu": "300m"}, "limits": {"cpu": "300m"}}
    pod["containers"][0]["resources"]["limits"] = {"cpu": "1"}  # 1000m > 300m
    file.write_text(yaml.safe_dump(doc))
    assert [(p.path, p.message) for p in validate_plan(tmp_path / "plan.yaml")] == [(
        "proposed.workloads[0].deployment",
        _ABOVE.format(i=0, resource="cpu", mine="1", pod="300m").replace(
            "d.yaml", "deployment.yaml"))]
