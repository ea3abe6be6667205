"""`infra-toolkit simulate` and the Deployment reader, on small files written in the test."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from infra_toolkit.cli import main
from infra_toolkit.errors import SpecError
from infra_toolkit.manifests import DeploymentSpec, read_deployment_yaml

HPA = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
"""
DEPLOYMENT = """apiVersion: v1
kind: Service
metadata: {name: web}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  template:
    spec:
      containers:
      - name: app
        resources: {requests: {cpu: 900m, memory: 1Gi}}
        readinessProbe: {initialDelaySeconds: 5}
      - name: proxy
        resources: {requests: {cpu: "0.1", memory: 512Mi}}
"""
# the hand-derived run of tests/test_simulate.py: 100 -> 400 rps at 300 s, 1000m pods
TRAFFIC = "timestamp,requests_per_second\n" + "".join(
    f"{60 * i},{100 if i < 5 else 400}\n" for i in range(10))
ARGS = ["--capacity-rps-per-pod", "100", "--cpu-millicores-per-rps", "10", "--concurrency", "8",
        "--vcpu", "4", "--memory-gib", "16", "--max-pods", "58", "--max-nodes", "5",
        "--provisioning-delay-s", "60", "--instance-type", "m5.xlarge"]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    out = {}
    for name, text in (("hpa.yaml", HPA), ("deploy.yaml", DEPLOYMENT), ("t.csv", TRAFFIC)):
        (tmp_path / name).write_text(text)
        out[name] = str(tmp_path / name)
    return out


def test_read_deployment_sums_containers(files: dict[str, str]) -> None:
    # 900m + 0.1 CPU = 1000m; 1 GiB + 512 MiB = 1536 MiB; readiness initialDelaySeconds 5
    assert read_deployment_yaml(files["deploy.yaml"]) == DeploymentSpec("web", 2, 1000, 1536.0, 5.0)


SIDECAR = """kind: Deployment
metadata: {name: w}
spec:
  template:
    spec:
      containers:
      - {name: app, resources: {requests: {cpu: 400m, memory: 256Mi}}}
      initContainers:
      - {name: migrate, resources: {requests: {cpu: "2", memory: 1Gi}}}
      - name: proxy
        restartPolicy: Always
        resources: {requests: {cpu: 100m, memory: 128Mi}}
        readinessProbe: {initialDelaySeconds: 7}
"""


def test_native_sidecars_count_and_pod_level_requests_win(tmp_path: Path) -> None:
    # calculateRequests: containers plus init containers with restartPolicy: Always. The
    # one-shot "migrate" init container does not count: 400m + 100m = 500m; 256 + 128 = 384 MiB;
    # the sidecar's readiness delay (7 s) is the largest.
    path = tmp_path / "d.yaml"
    path.write_text(SIDECAR)
    assert read_deployment_yaml(path) == DeploymentSpec("w", None, 500, 384.0, 7.0)
    # pod-level requests (PodLevelResources) replace the container sum: 1500m, 2 GiB
    path.write_text(SIDECAR + "      resources: {requests: {cpu: 1500m, memory: 2Gi}}\n")
    assert read_deployment_yaml(path) == DeploymentSpec("w", None, 1500, 2048.0, 7.0)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("kind: Service\n", r"holds no Deployment; point to the Deployment manifest"),
        (("kind: Deployment\nmetadata: {name: w}\nspec: {template: {spec: {containers: "
          "[{name: a}]}}}\n"), r"requests.cpu of Deployment 'w' in .* is missing; CPU utilization"),
        (("kind: Deployment\nmetadata: {name: w}\nspec: {template: {spec: {containers: "
          "[{name: a, resources: {requests: {cpu: lots}}}]}}}\n"),
         r"spec.template.spec.containers\[0\].resources.requests.cpu \(='lots'\) in "),
        # one container without a cpu request: the real HPA's utilization fails ("missing
        # request for cpu in container b"), so a sum over the others would be silently wrong
        (("kind: Deployment\nmetadata: {name: w}\nspec: {template: {spec: {containers: "
          "[{name: a, resources: {requests: {cpu: 1}}}, {name: b}]}}}\n"),
         r"spec.template.spec.containers\[1\] \('b'\).resources.requests.cpu of Deployment 'w' "
         r"in .* is missing while other containers request CPU: .* reports "
         r"FailedGetResourceMetric and never scales"),
        # an empty list where the delay goes is refused, not read as 0 s
        (("kind: Deployment\nmetadata: {name: w}\nspec: {template: {spec: {containers: "
          "[{name: a, resources: {requests: {cpu: 1}}, readinessProbe: "
          "{initialDelaySeconds: []}}]}}}\n"),
         r"spec.template.spec.containers\[0\].readinessProbe.initialDelaySeconds \(=\[\]\) of "
         r"Deployment 'w' in .* must be a whole number >= 0"),
    ],
)
def test_deployment_errors(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "d.yaml").write_text(text)
    with pytest.raises(SpecError, match=match):
        read_deployment_yaml(tmp_path / "d.yaml")


def test_a_null_readiness_delay_is_unset(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(
        "kind: Deployment\nmetadata: {name: w}\nspec: {template: {spec: {containers: [{name: a, "
        "resources: {requests: {cpu: 1}}, readinessProbe: {initialDelaySeconds: null}}]}}}\n")
    # cpu 1 = 1000m; no memory request: the reader's 256 MiB; null delay: 0 s
    assert read_deployment_yaml(tmp_path / "d.yaml") == DeploymentSpec("w", None, 1000, 256.0, 0.0)


def test_every_bad_deployment_field_is_named_at_once(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(
        "kind: Deployment\nmetadata: {name: w}\nspec:\n  replicas: -2\n  template:\n"
        "    spec:\n      containers:\n"
        "        - {name: a, resources: {requests: {cpu: lots, memory: 512Qi}}}\n"
        "        - oops\n")
    with pytest.raises(SpecError) as exc:
        read_deployment_yaml(tmp_path / "d.yaml")
    assert [line.split(" ")[0] for line in str(exc.value).splitlines()] == [
        "spec.template.spec.containers[0].resources.requests.cpu",
        "spec.template.spec.containers[0].resources.requests.memory",
        "spec.template.spec.containers[1]", "spec.replicas"]
    assert "'512Qi' has the unknown suffix 'Qi'" in str(exc.value)


def _run(files: dict[str, str], fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"],
                 "--deployment", files["deploy.yaml"], *ARGS, "--format", fmt])
    assert code == 0
    return capsys.readouterr().out


def test_json_is_one_object(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_run(files, "json", capsys))
    # same numbers as the hand derivation in tests/test_simulate.py
    assert data["peak_replicas"] == 8
    assert data["dropped_requests"] == pytest.approx(18_500)
    assert data["node_hours_by_instance_type"] == {"m5.xlarge": pytest.approx(870 / 3600)}
    assert data["time_to_capacity"][0]["node_provisioning_s"] == 70.0


def test_csv_and_table(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(_run(files, "csv", capsys))))
    assert len(rows) == 1 and rows[0]["scale_events"] == "4"
    table = _run(files, "table", capsys)
    assert "pod_hours" in table and "0.6875" in table  # 2475 pod-seconds / 3600
    # the one episode of the hand-worked run (test_simulate.py): 300 s -> 435 s split into
    # metric lag 5, sync wait 10, hold 15, node provisioning 70, start-up 35 (sum 135)
    lines = dict(line.split() for line in table.splitlines())
    assert [lines[f"total_{part}"] for part in ("metric_lag_s", "sync_wait_s",
            "controller_hold_s", "node_provisioning_s", "pod_startup_s")] == [
        "5", "10", "15", "70", "35"]


def test_bad_input_is_one_line_exit_2(files: dict[str, str],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["simulate", "--traffic", files["hpa.yaml"], "--hpa", files["hpa.yaml"], *ARGS])
    assert code == 2
    assert "missing column 'timestamp'" in capsys.readouterr().err


MEMORY_HPA = """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: Utilization, averageUtilization: 80}}
"""


@pytest.mark.parametrize(("per_rps_mib", "peak"), [
    # 30 req/s on 3 pods, 10 each: 200 + 4 x 10 = 240 MiB of 512 (47 %): stays at minReplicas 3
    ("4", 3),
    # 200 + 30 x 10 = 500 MiB (98 %, 1.22 x the 80 % target): ceil(3 x 1.22) = 4; then 7.5 req/s
    # each, 425 MiB (83 %, 1.04 x: within the 10 % tolerance): stays at 4
    ("30", 4),
])
def test_memory_model_flags_drive_a_memory_hpa(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               per_rps_mib: str, peak: int) -> None:
    (tmp_path / "hpa.yaml").write_text(MEMORY_HPA)
    (tmp_path / "t.csv").write_text("timestamp,requests_per_second\n" + "".join(
        f"{60 * i},30\n" for i in range(30)))
    assert main(["simulate", "--traffic", str(tmp_path / "t.csv"), "--hpa",
                 str(tmp_path / "hpa.yaml"), "--capacity-rps-per-pod", "50",
                 "--cpu-millicores-per-rps", "1", "--memory-request-mib", "512",
                 "--memory-baseline-mib", "200", "--memory-mib-per-rps", per_rps_mib,
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["peak_replicas"] == peak


def test_memory_hpa_without_a_memory_model_names_the_flags(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "hpa.yaml").write_text(MEMORY_HPA)
    (tmp_path / "t.csv").write_text("timestamp,requests_per_second\n0,30\n60,30\n")
    assert main(["simulate", "--traffic", str(tmp_path / "t.csv"), "--hpa",
                 str(tmp_path / "hpa.yaml"), "--capacity-rps-per-pod", "50",
                 "--cpu-millicores-per-rps", "1"]) == 2
    assert "needs the workload's memory model" in capsys.readouterr().err




def test_node_size_comes_from_the_instance_type(files: dict[str, str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    def run(*node: str) -> object:
        assert main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"],
                     "--deployment", files["deploy.yaml"], "--capacity-rps-per-pod", "100",
                     "--cpu-millicores-per-rps", "10", "--instance-type", "t3.xlarge", *node,
                     "--format", "json"]) == 0
        return json.loads(capsys.readouterr().out)
    # ec2_instance_specs_2026-08-06.csv: "t3.xlarge,4,16384,58" (vCPU, MiB, max pods); the
    # former fixed default (2 vCPU, 8 GiB, 29 pods) fits fewer 1000m pods on a node
    assert run() == run("--vcpu", "4", "--memory-gib", "16", "--max-pods", "58")
    assert run() != run("--vcpu", "2", "--memory-gib", "8", "--max-pods", "29")
    assert main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"], *ARGS[:4],
                 "--instance-type", "t3.medum"]) == 2
    assert "nearest instance_type: t3.medium" in capsys.readouterr().err
    # "i3p.16xlarge,64,499712,,amd64": no max-pods figure in the table
    assert main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"], *ARGS[:4],
                 "--instance-type", "i3p.16xlarge"]) == 2
    assert "no max-pods figure for i3p.16xlarge" in capsys.readouterr().err
