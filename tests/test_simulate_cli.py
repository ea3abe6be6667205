"""`infra-toolkit simulate` and the Deployment reader, on small files written in the test."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import pytest

from infra_toolkit.cli import main
from infra_toolkit.deployment_spec import DeploymentSpec
from infra_toolkit.errors import SpecError
from infra_toolkit.manifests import read_deployment_yaml
from infra_toolkit.readiness import ContainerProbes, Probe

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
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        resources: {requests: {cpu: 900m, memory: 1Gi}}
        readinessProbe: {httpGet: {path: /ready, port: 8080}, initialDelaySeconds: 5}
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
    # 900m + 0.1 CPU = 1000m; 1 GiB + 512 MiB = 1536 MiB; the app's readiness probe:
    # initialDelaySeconds 5, periodSeconds and successThreshold unset (10 s, 1); no probe on proxy
    assert read_deployment_yaml(files["deploy.yaml"]) == DeploymentSpec(
        "web", 2, 1000, 1536.0, (ContainerProbes(Probe(5.0, 10.0, 1)),))


SIDECAR = """kind: Deployment
metadata: {name: w}
spec:
  selector: {matchLabels: {app: w}}
  template:
    metadata: {labels: {app: w}}
    spec:
      containers:
      - {name: app, resources: {requests: {cpu: 400m, memory: 256Mi}}}
      initContainers:
      - {name: migrate, resources: {requests: {cpu: "2", memory: 1Gi}}}
      - name: proxy
        restartPolicy: Always
        resources: {requests: {cpu: 100m, memory: 128Mi}}
        readinessProbe: {tcpSocket: {port: 15001}, initialDelaySeconds: 7}
"""


def test_native_sidecars_count_and_pod_level_requests_win(tmp_path: Path) -> None:
    # calculateRequests: containers plus init containers with restartPolicy: Always. The
    # one-shot "migrate" init container does not count: 400m + 100m = 500m; 256 + 128 = 384 MiB;
    # the sidecar's readiness probe (initial delay 7 s) is the pod's one probe, a sidecar's.
    path = tmp_path / "d.yaml"
    path.write_text(SIDECAR)
    # What the scheduler reserves for "migrate": 2 cpu and 1 GiB, the sidecar listed after it
    # not yet started (one native sidecar, none before a one-shot init container).
    assert read_deployment_yaml(path) == DeploymentSpec(
        "w", None, 500, 384.0, (ContainerProbes(Probe(7.0), sidecar=True),),
        init_cpu_millicores=2000, init_memory_mib=1024.0,
        native_sidecars=1, sidecars_before_init=False)
    # pod-level requests (PodLevelResources) replace the container sum: 2500m, 2 GiB (at
    # least the aggregate the API server requires: max(500m, migrate's 2000m) = 2000m and
    # max(384Mi, 1024Mi) = 1024Mi)
    path.write_text(SIDECAR + "      resources: {requests: {cpu: 2500m, memory: 2Gi}}\n")
    assert read_deployment_yaml(path) == DeploymentSpec(
        "w", None, 2500, 2048.0, (ContainerProbes(Probe(7.0), sidecar=True),), native_sidecars=1)


# a Deployment 'w' up to its containers' list, with the selector apps/v1 requires
_W = ("kind: Deployment\nmetadata: {name: w}\nspec: {selector: {matchLabels: {app: w}}, "
      "template: {metadata: {labels: {app: w}}, spec: {containers: ")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("kind: Service\n", (r"holds no Deployment, StatefulSet or Rollout; point to the "
                             r"Deployment \(StatefulSet, Rollout\) manifest the HPA scales")),
        # the library's caller can pick one (simulate, without a name flag: test_msg22)
        ("kind: Deployment\nmetadata: {name: a}\n---\nkind: Deployment\nmetadata: {name: b}\n",
         (r"holds 2 Deployments/StatefulSets/Rollouts \(a, b\); pass name=NAME to choose one, "
          r"or point to a file with one workload$")),
        ((_W + "[{name: a}]}}}\n"),
         r"requests.cpu of Deployment 'w' in .* is missing; CPU utilization"),
        ((_W + "[{name: a, resources: {requests: {cpu: lots}}}]}}}\n"),
         r"spec.template.spec.containers\[0\].resources.requests.cpu \(='lots'\) in "),
        # one container without a cpu request: the real HPA's utilization fails ("missing
        # request for cpu in container b"), so a sum over the others would be silently wrong
        ((_W + "[{name: a, resources: {requests: {cpu: 1}}}, {name: b}]}}}\n"),
         r"spec.template.spec.containers\[1\] \('b'\).resources.requests.cpu of Deployment 'w' "
         r"in .* is missing while other containers request CPU: .* reports "
         r"FailedGetResourceMetric and never scales"),
        # an empty list where the delay goes is refused, not read as 0 s
        ((_W + "[{name: a, resources: {requests: {cpu: 1}}, readinessProbe: "
          "{tcpSocket: {port: 80}, initialDelaySeconds: []}}]}}}\n"),
         r"spec.template.spec.containers\[0\].readinessProbe.initialDelaySeconds \(=\[\]\) of "
         r"Deployment 'w' in .* must be a whole number >= 0"),
        # audit19 A19-23: apps/v1 has no default selector; the API server refuses the file
        # ("spec.selector: Required value"), and an empty one ("empty selector is invalid")
        (("kind: Deployment\nmetadata: {name: w}\nspec: {template: {metadata: {labels: "
          "{app: w, tier: web}}, spec: {containers: [{name: a, resources: {requests: "
          "{cpu: 1}}}]}}}\n"),
         r"^spec\.selector of Deployment 'w' in .*d\.yaml is missing: the API server refuses "
         r"it \(spec\.selector: Required value; apps/v1 has no default selector\); add "
         r"selector: \{matchLabels: \{app: w, tier: web\}\} under spec \(the labels of "
         r"spec\.template\.metadata\.labels\)$"),
        (("kind: StatefulSet\nmetadata: {name: db}\nspec: {selector: {matchLabels: {}}, "
          "template: {spec: {containers: [{name: a, resources: {requests: {cpu: 1}}}]}}}\n"),
         r"^spec\.selector of StatefulSet 'db' in .* is empty \(=\{'matchLabels': \{\}\}\): "
         r"the API server refuses it \(empty selector is invalid for statefulset\); add "
         r"labels to spec\.template\.metadata\.labels and "
         r"the same under spec\.selector\.matchLabels$"),
    ],
)
def test_deployment_errors(tmp_path: Path, text: str, match: str) -> None:
    (tmp_path / "d.yaml").write_text(text)
    with pytest.raises(SpecError, match=match):
        read_deployment_yaml(tmp_path / "d.yaml")


def test_a_null_readiness_delay_is_unset(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(
        _W + "[{name: a, "
        "resources: {requests: {cpu: 1}}, readinessProbe: {tcpSocket: {port: 80}, "
        "initialDelaySeconds: null}}]}}}\n")
    # cpu 1 = 1000m; no memory request: the reader's 256 MiB stand-in; null delay: 0 s (the
    # probe is there, on the default 10 s period)
    assert read_deployment_yaml(tmp_path / "d.yaml") == DeploymentSpec(
        "w", None, 1000, 256.0, (ContainerProbes(Probe(0.0)),), memory_requested=False,
        memory_stand_in=True)


def test_every_bad_deployment_field_is_named_at_once(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(
        "kind: Deployment\nmetadata: {name: w}\nspec:\n  replicas: -2\n"
        "  selector: {matchLabels: {app: w}}\n  template:\n    metadata: {labels: {app: w}}\n"
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


def _simulate_files(tmp_path: Path, hpa: str, deployment: str, rps_per_minute: list[int],
                    *extra: str) -> int:
    """``simulate`` in JSON from flags over these HPA and Deployment texts and one rate a
    minute, written to ``tmp_path``."""
    for name, text in (("hpa.yaml", hpa), ("deploy.yaml", deployment),
                       ("t.csv", "timestamp,requests_per_second\n"
                        + "".join(f"{60 * i},{r}\n" for i, r in enumerate(rps_per_minute)))):
        (tmp_path / name).write_text(text)
    return main(["simulate", "--traffic", str(tmp_path / "t.csv"), "--hpa",
                 str(tmp_path / "hpa.yaml"), "--deployment", str(tmp_path / "deploy.yaml"),
                 *ARGS, *extra, "--format", "json"])


def _run(files: dict[str, str], fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"],
                 "--deployment", files["deploy.yaml"], *ARGS, "--format", fmt])
    assert code == 0
    return capsys.readouterr().out


def test_json_is_one_object(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(_run(files, "json", capsys))
    # The hand derivation of tests/test_simulate.py, whose pods are Ready 35 s after their bind,
    # here with the Deployment's probe (initialDelaySeconds 5, periodSeconds 10 by default):
    # image pulled at 10 s, app up at 10 + 20 = 30 s (> 10 + 5), and the 10 s probe grid from the
    # bind has a tick at 30 s: Ready 30 s after the bind, 5 s sooner. Pod 3 (bound 315) is Ready
    # at 345, not 350; the HPA reads the same: at 345 pod 3 has no sample yet (Running 325, first
    # sample at scrape 350), at 360 its 350 sample is within Ready + 15 s (345 + 15 = 360 > 350,
    # unready), at 375 its 365 sample counts (365 >= 360; 365 >= 365 there). Pods 4-6 (bound
    # 400) are Ready at 430, not 435; at 450 the scrape-440 window [425, 440) is 100 rps at 425
    # and 400 / 6 = 66.7 at 430 and 435: (100 + 66.7 + 66.7) / 3 = 77.8 rps -> 778m on pods 1-3,
    # pods 4-6 unready (440 < 430 + 15): int(3 x 778 x 100 / 6000) = 38 % -> 0.76 flips
    # direction -> keep 6, as there. So the spec counts, nodes and peak are the same.
    assert data["peak_replicas"] == 8
    # dropped: 400 offered vs ready capacity 200 on [300, 345), 300 on [345, 430):
    # 200 x 45 + 100 x 85 = 9000 + 8500 = 17500 (18500 with Ready 35 s after the bind)
    assert data["dropped_requests"] == pytest.approx(17_500)
    # billed from launch: 600 + (600 - 340) + (600 - 470) = 990 node-seconds
    assert data["node_hours_by_instance_type"] == {"m5.xlarge": pytest.approx(990 / 3600)}
    # the command line's one node group is named after its instance type
    assert data["node_hours_by_node_group"] == {"m5.xlarge": pytest.approx(990 / 3600)}
    # the episode's parts as test_simulate.py derives them, the start-up 5 s shorter:
    # 300 s -> 400 + 30 = 430 s, 130 s in all (135 there); no KEDA: no activation wait
    assert {k: v for k, v in data["time_to_capacity"][0].items() if k.endswith("_s")} == {
        "keda_activation_s": 0.0, "start_s": 300.0, "end_s": 430.0, "total_s": 130.0,
        "metric_lag_s": 5.0, "sync_wait_s": 10.0, "controller_hold_s": 15.0,
        "at_max_replicas_s": 0.0,
        "node_provisioning_s": 70.0, "at_max_nodes_s": 0.0, "pod_startup_s": 30.0}


def test_csv_and_table(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(_run(files, "csv", capsys))))
    assert len(rows) == 1 and rows[0]["scale_events"] == "4"
    table = _run(files, "table", capsys)
    # 2475 pod-seconds / 3600 = 0.6875 h, printed to 3 decimals (basis: hours to 3.6 s)
    assert "pod_hours" in table and "0.688" in table
    # the one episode of the hand-worked run (test_json_is_one_object): 300 s -> 430 s split
    # into metric lag 5, sync wait 10, hold 15, at maxReplicas 0 (spec <= 6 of 10), node
    # provisioning 70, node groups at max_size 0 (1 node of 5), start-up 30 (sum 130)
    lines = dict(line.rsplit(maxsplit=1) for line in table.splitlines())
    # the label says what is counted: 990 node-seconds billed from launch / 3600 = 0.275
    assert lines["node_hours_m5.xlarge (billed from launch)"] == "0.275"
    assert rows[0]["node_hours_m5.xlarge"] == "0.275"  # CSV keeps the column name
    parts = ("metric_lag_s", "sync_wait_s", "controller_hold_s", "at_max_replicas_s",
             "node_provisioning_s", "at_max_nodes_s", "pod_startup_s")
    assert [lines[f"total_{part}"] for part in parts] == ["5", "10", "15", "0", "70", "0", "30"]
    # audit4 A4-X3: the CSV carries the same totals under the same names, after the columns of
    # simulate_many's rows
    assert [float(rows[0][f"total_{part}"]) for part in parts] == [5, 10, 15, 0, 70, 0, 30]
    assert list(rows[0])[-len(parts):] == [f"total_{part}" for part in parts]


def test_request_counts_print_as_whole_numbers_in_every_format(
        files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    # left24: CSV printed offered_requests as 150000.0 where the table printed 150000.
    # TRAFFIC: 100 rps for 300 s + 400 rps for 300 s = 30000 + 120000 = 150000 requests;
    # dropped 17500 (test_json_is_one_object), served 150000 - 17500 = 132500
    row = next(csv.DictReader(io.StringIO(_run(files, "csv", capsys))))
    assert (row["offered_requests"], row["served_requests"], row["dropped_requests"]) == (
        "150000", "132500", "17500")
    data = json.loads(_run(files, "json", capsys))
    assert [data[k] for k in ("offered_requests", "served_requests", "dropped_requests")] == [
        150000, 132500, 17500]
    assert all(type(data[k]) is int for k in ("offered_requests", "dropped_requests"))
    # a rate or hours stay floats: 2475 pod-seconds / 3600 = 0.6875 h -> 0.688
    assert row["pod_hours"] == "0.688" and row["total_sync_wait_s"] == "10.0"
    lines = dict(line.rsplit(maxsplit=1) for line in _run(files, "table", capsys).splitlines())
    assert lines["offered_requests"] == "150000"


def test_a_run_never_under_capacity_has_no_longest_time_in_the_table(
        files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    # 100 rps on 2 pods of 100 rps from the start: no episode. The table says "-" (as the
    # report and explorer), not "0"; the CSV keeps its numeric column for simulate_many rows
    Path(files["t.csv"]).write_text("timestamp,requests_per_second\n" + "".join(
        f"{60 * i},100\n" for i in range(10)))
    lines = dict(line.rsplit(maxsplit=1) for line in _run(files, "table", capsys).splitlines())
    assert lines["capacity_episodes"] == "0"
    assert (lines["max_time_to_capacity_s"], lines["mean_time_to_capacity_s"]) == ("-", "-")
    rows = list(csv.DictReader(io.StringIO(_run(files, "csv", capsys))))
    assert rows[0]["max_time_to_capacity_s"] == "0.0"
    # audit8 A8-8: JSON said 0.0 s, an instant reaction, where the table says there is none
    data = json.loads(_run(files, "json", capsys))
    assert (data["capacity_episodes"], data["time_to_capacity"]) == (0, [])
    assert (data["max_time_to_capacity_s"], data["mean_time_to_capacity_s"]) == (None, None)


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
    # it named a plan's workload fields (memory_baseline_mib ...), which flag mode has none of
    assert capsys.readouterr().err == (
        f"error: {tmp_path / 'hpa.yaml'}: HPA 'web' spec.metrics[0] scales on memory, which "
        "needs the pods' memory model: pass --memory-baseline-mib (a pod's MiB at zero load) and "
        "--memory-mib-per-rps (MiB per request per second, default 0)\n")




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


# the files fixture's pod as one container: app asks the 900m + 100m = 1000m and 1 GiB + 512 MiB
# the two containers asked, so the hand-worked run (tests/test_simulate.py) is unchanged
ONE_CONTAINER = DEPLOYMENT.replace(
    "        resources: {requests: {cpu: 900m, memory: 1Gi}}", "        resources: "
    "{requests: {cpu: 1000m, memory: 1536Mi}}").replace(
    "      - name: proxy\n        resources: {requests: {cpu: \"0.1\", memory: 512Mi}}\n", "")
CONTAINER_HPA = HPA.replace(
    "  - type: Resource\n    resource: {name: cpu,",
    "  - type: ContainerResource\n    containerResource: {name: cpu, container: app,")


def test_a_container_resource_metric_on_the_one_container_simulates_as_resource(
        files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # basis: the controller divides app's usage by app's request; with app the pod's one
    # container those are the pod's, so the run is the Resource metric's to the last figure
    assert "proxy" not in ONE_CONTAINER and "containerResource" in CONTAINER_HPA
    (tmp_path / "one.yaml").write_text(ONE_CONTAINER)
    (tmp_path / "container-hpa.yaml").write_text(CONTAINER_HPA)
    out = {}
    for hpa in (files["hpa.yaml"], str(tmp_path / "container-hpa.yaml")):
        assert main(["simulate", "--traffic", files["t.csv"], "--hpa", hpa, "--deployment",
                     str(tmp_path / "one.yaml"), *ARGS, "--format", "json"]) == 0
        out[hpa] = json.loads(capsys.readouterr().out)
    resource, container = out.values()
    assert container == resource
    # the hand-worked run of test_json_is_one_object (the same readiness probe on app): 8 pods
    # at peak, 17,500 requests dropped
    assert (container["peak_replicas"], container["dropped_requests"]) == (8, 17_500)


@pytest.mark.parametrize(("deployment", "message"), [
    # no pod template: whether 'app' is the pod's one container is unknown
    (None, "HPA 'web' spec.metrics[0] (ContainerResource cpu of container 'app') needs the pod "
     "template to be simulated: it is the Resource metric only when that container is the pod's "
     "one container; pass --deployment DEPLOYMENT.yaml"),
    # the fixture's pod runs app and proxy: the model has no per-container usage
    (DEPLOYMENT, "HPA 'web' spec.metrics[0] (ContainerResource cpu of container 'app') cannot be "
     "simulated: Deployment 'web' runs 2 containers for the pod's life ('app', 'proxy', native "
     "sidecars included) and the model, one pod's usage, cannot give container 'app' its share; "
     "write type: Resource, resource: {name: cpu, target: ...} to scale on the pod's usage of "
     "all of them (a Utilization target is then a percent of their requests summed, not of "
     "container 'app''s alone: recheck it)"),
    (ONE_CONTAINER.replace("name: app", "name: web-app"),
     "HPA 'web' spec.metrics[0] (ContainerResource cpu of container 'app'): container 'app' is "
     "not in Deployment 'web' (containers: 'web-app'); the controller would report "
     "FailedGetContainerResourceMetric and never scale on this metric: name one of those "
     "containers"),
])
def test_a_container_resource_metric_the_model_cannot_feed_is_refused(
        files: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        deployment: str | None, message: str) -> None:
    (tmp_path / "container-hpa.yaml").write_text(CONTAINER_HPA)
    flags = []
    if deployment is not None:
        (tmp_path / "d.yaml").write_text(deployment)
        flags = ["--deployment", str(tmp_path / "d.yaml")]
    assert main(["simulate", "--traffic", files["t.csv"], "--hpa",
                 str(tmp_path / "container-hpa.yaml"), *flags, *ARGS]) == 2
    # the metric is the HPA file's: its path leads (fuzz19)
    assert capsys.readouterr().err == f"error: {tmp_path / 'container-hpa.yaml'}: {message}\n"


def _simulate(tmp_path: Path, csv_text: str, *extra: str, fmt: str = "json") -> int:
    (tmp_path / "hpa.yaml").write_text(HPA)
    (tmp_path / "t.csv").write_text("timestamp,requests_per_second\n" + csv_text)
    return main(["simulate", "--traffic", str(tmp_path / "t.csv"), "--hpa",
                 str(tmp_path / "hpa.yaml"), *ARGS, *extra, "--format", fmt])


def test_printed_figures_carry_no_float_noise(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    # basis: 60 s rows of 0.1, 0.2 and 0.7 rps on 2 pods of 500m (no --deployment), 10m per
    # request/s and no baseline. Offered: 60 x (0.1 + 0.2 + 0.7) = 60 requests, which the
    # library's sum of floats holds as 59.999999999999986. CPU: each pod serves r / 2 rps, so
    # 10 x r / 2 = 5r millicores of 500m = r %; the mean over the three rows is
    # (0.1 + 0.2 + 0.7) / 3 = 0.333... %, printed 0.333. 2 pods x 180 s = 0.1 pod-hours; one
    # node for 180 s = 0.05 node-hours.
    assert _simulate(tmp_path, "0,0.1\n60,0.2\n120,0.7\n") == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["offered_requests"], data["served_requests"], data["dropped_requests"]) == \
        (60.0, 60.0, 0.0)
    assert (data["mean_cpu_utilization_pct"], data["pod_hours"]) == (0.333, 0.1)
    assert data["node_hours_by_node_group"] == {"m5.xlarge": 0.05}
    # milliseconds to 2 decimals
    assert re.fullmatch(r"\d+\.\d{1,2}", str(data["max_p95_latency_ms"]))
    assert _simulate(tmp_path, "0,0.1\n60,0.2\n120,0.7\n", fmt="csv") == 0
    (row,) = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert (row["offered_requests"], row["mean_cpu_utilization_pct"], row["pod_hours"],
            row["node_hours_m5.xlarge"]) == ("60", "0.333", "0.1", "0.05")  # a count: whole
    assert _simulate(tmp_path, "0,0.1\n60,0.2\n120,0.7\n", fmt="table") == 0
    lines = dict(line.rsplit(maxsplit=1) for line in capsys.readouterr().out.splitlines())
    assert (lines["offered_requests"], lines["mean_cpu_utilization_pct"]) == ("60", "0.333")


def test_step_s_gives_a_one_row_csv_its_interval(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # one row of 10 rps held for 600 s: 10 x 600 = 6000 requests offered, 600 s simulated
    assert _simulate(tmp_path, "0,10\n", "--step-s", "600") == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["duration_s"], data["offered_requests"]) == (600.0, 6000.0)
    # without it the message names the flag that exists
    assert _simulate(tmp_path, "0,10\n") == 2
    assert capsys.readouterr().err.endswith(
        "has one data row, so its interval is unknown; pass --step-s=SECONDS for how long the "
        "row lasts\n")


def test_step_s_resamples_the_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 60 s rows 100, 400 read at 120 s: one bin of (100 + 400) / 2 = 250 rps, 120 s;
    # offered 250 x 120 = 30000 requests either way (resampling conserves requests)
    assert _simulate(tmp_path, "0,100\n60,400\n", "--step-s", "120") == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["duration_s"], data["offered_requests"]) == (120.0, 30000.0)


def test_a_step_that_does_not_divide_the_trace_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # N-17: two 60 s rows are 120 s; 120 / 7 = 17.14 steps, and the last 1 s was dropped silently
    assert _simulate(tmp_path, "0,100\n60,400\n", "--step-s", "7") == 2
    assert re.search(r"--step-s 7 does not divide the 120 s of \S*t\.csv \(2 rows of 60 s\) "
                     r"\(17\.14 steps\); choose a --step-s that divides it, such as 60\n$",
                     capsys.readouterr().err)


def test_traffic_shorter_than_a_tick_says_so_in_cli_terms(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # three 0.5 s rows: 1.5 s of traffic; the tick is gcd(15 s sync, 15 s metrics, 10 s scan) = 5
    assert _simulate(tmp_path, "0,1\n0.5,2\n1,3\n") == 2
    err = capsys.readouterr().err
    assert err.endswith("t.csv holds 1.5 s of traffic, shorter than one simulation tick of 5 s "
                        "(the gcd of the HPA sync period, --metric-resolution-s and the "
                        "autoscaler's scan interval); give at least 5 s of traffic\n")
    assert "step_s" not in err


@pytest.mark.parametrize("seconds", ["20", "30", "45"])
def test_metric_resolution_takes_any_whole_seconds_as_a_plan_does(
        files: dict[str, str], capsys: pytest.CaptureFixture[str], seconds: str) -> None:
    # before: choices 15 and 60 only, while simulation.metrics_resolution_s takes any >= 1
    assert main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"], *ARGS,
                 "--metric-resolution-s", seconds, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["duration_s"] == 600.0


@pytest.mark.parametrize(("seconds", "message"), [
    ("0", "--metric-resolution-s (=0) must be a whole number of seconds >= 1"),
    ("2.5", "--metric-resolution-s (=2.5) must be a whole number of seconds >= 1"),
    ("fast", "'fast' is not a whole number of seconds >= 1"),
])
def test_a_bad_metric_resolution_is_refused_with_the_specs_rule(
        files: dict[str, str], capsys: pytest.CaptureFixture[str], seconds: str,
        message: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"], *ARGS,
              "--metric-resolution-s", seconds])
    assert exited.value.code == 2
    assert capsys.readouterr().err.endswith(
        f"argument --metric-resolution-s: {message}\n")


def test_the_table_prints_whole_numbers_in_full(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    # 60 s rows of 1, 1e6, 1 rps: 60 x 1 + 60 x 1e6 + 60 x 1 = 60,000,120 requests offered
    # (6 significant digits printed 6.00001e+07); 3 x 60 = 180 s
    assert _simulate(tmp_path, "0,1\n60,1e6\n120,1\n", fmt="table") == 0
    lines = dict(line.rsplit(maxsplit=1) for line in capsys.readouterr().out.splitlines())
    assert (lines["offered_requests"], lines["duration_s"]) == ("60000120", "180")
    assert all("e+" not in value for value in lines.values())


def test_traffic_that_is_not_a_whole_number_of_ticks_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # fifteen 0.5 s rows: 7.5 s of traffic = 1.5 ticks of 5 s; the last 2.5 s (a third of the
    # requests) used to be left out of the simulation without a word
    rows = "".join(f"{i * 0.5:g},3\n" for i in range(15))
    assert _simulate(tmp_path, rows) == 2
    assert capsys.readouterr().err.endswith(
        "t.csv holds 7.5 s of traffic, 1.50 ticks of the simulation tick of 5 s (the gcd of the "
        "HPA sync period, --metric-resolution-s and the autoscaler's scan interval): the last "
        "2.5 s would be left out; give a multiple of 5 s of traffic\n")


def test_pods_that_never_get_a_node_are_warned_about(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # one node of 3 slots (--max-nodes 1): the hand-worked run asks a 4th pod at 330 and the
    # scan at 340 finds no group with room (tests/test_simulate.py: 1000m pods, 3 per 4-vCPU
    # node); stdout stays one JSON object
    assert _simulate(tmp_path, TRAFFIC.split("\n", 1)[1], "--max-nodes", "1",
                     "--cpu-request-millicores", "1000") == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["peak_replicas"] == 6
    assert err == ("warning: from 340 s, 1 pending pod(s) fit no node group: all at max_size "
                   "(--max-nodes 1): pods stayed Pending 1 time(s) in the run and the load they "
                   "would serve was queued or dropped; raise --max-nodes or use a larger "
                   "--instance-type\n")


def test_no_warning_when_every_pod_gets_a_node(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _simulate(tmp_path, TRAFFIC.split("\n", 1)[1]) == 0
    assert capsys.readouterr().err == ""


def test_scale_and_peak_rps_size_the_csv_as_a_plan_scenario_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 60 s rows 10, 40 (peak 40): --scale 2.5 -> 25, 100 rps, offered (25 + 100) x 60 = 7500
    # requests; --peak-rps 100 gives the same factor 100 / 40 = 2.5
    for flags in (("--scale", "2.5"), ("--peak-rps", "100")):
        assert _simulate(tmp_path, "0,10\n60,40\n", *flags) == 0
        assert json.loads(capsys.readouterr().out)["offered_requests"] == 7500.0
    # one or the other (argparse's usage error, exit 2); bad values and an empty CSV are one
    # located line each
    with pytest.raises(SystemExit) as stop:
        _simulate(tmp_path, "0,10\n60,40\n", "--scale", "2", "--peak-rps", "5")
    assert stop.value.code == 2
    assert "argument --peak-rps: not allowed with argument --scale" in capsys.readouterr().err
    for flags, message in (
            (("--scale", "0"), re.escape("--scale (=0) must be a finite number above 0")),
            (("--peak-rps", "nan"), re.escape("--peak-rps (=nan) must be a finite number above "
                                              "0")),
            (("--scale", "1e300"), "makes .*t.csv peak at 4e\\+301 requests per second, more "
                                   "than the 1,000,000,000 \\(a billion\\)")):
        assert _simulate(tmp_path, "0,10\n60,40\n", *flags) == 2
        assert re.search(message, capsys.readouterr().err), flags
    assert _simulate(tmp_path, "0,0\n60,0\n", "--peak-rps", "100") == 2
    assert "has no traffic, so it cannot be scaled to --peak-rps" in capsys.readouterr().err


def test_a_hostname_anti_affinity_is_one_pod_a_node(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # audit9 A9-12: simulate read the Deployment's requests but dropped its anti-affinity, so
    # the command packed pods a plan would spread. 100 req/s for 600 s on 2 pods (minReplicas,
    # the Deployment's replicas): 100 x 10 m / 2 = 500m of a 1000m request = 50 %, the target:
    # 2 replicas throughout. By requests an m5.xlarge holds 3 such pods (one node, 600 s =
    # 1/6 node-hour); one pod a node needs 2 nodes from the start: 2 x 600 / 3600 = 1/3.
    anti = ("    spec:\n      affinity:\n"
            "        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n"
            "          - {topologyKey: kubernetes.io/hostname,\n"
            "             labelSelector: {matchLabels: {app: web}}}\n")
    assert "    metadata: {labels: {app: web}}\n    spec:\n" in DEPLOYMENT
    # printed to 3 decimals (output_numbers): 600 / 3600 = 0.1666... -> 0.167, 1200 / 3600 ->
    # 0.333
    assert steady_node_hours(tmp_path, capsys, DEPLOYMENT) == 0.167
    assert steady_node_hours(tmp_path, capsys, DEPLOYMENT.replace("    spec:\n", anti, 1)) == (
        0.333)


def steady_node_hours(tmp_path: Path, capsys: pytest.CaptureFixture[str], deployment: str
                      ) -> float:
    """The m5.xlarge node-hours of ``simulate`` in flag mode over ``deployment`` under 100 rps
    for 600 s, the HPA steady at its 2 pods (asserted)."""
    for name, text in (("hpa.yaml", HPA), ("deploy.yaml", deployment),
                       ("t.csv", "timestamp,requests_per_second\n" + "".join(
                           f"{60 * i},100\n" for i in range(10)))):
        (tmp_path / name).write_text(text)
    assert main(["simulate", "--traffic", str(tmp_path / "t.csv"), "--hpa",
                 str(tmp_path / "hpa.yaml"), "--deployment", str(tmp_path / "deploy.yaml"),
                 *ARGS, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["peak_replicas"] == 2
    assert set(data["node_hours_by_instance_type"]) == {"m5.xlarge"}
    return float(data["node_hours_by_instance_type"]["m5.xlarge"])


PODS_HPA = HPA.replace(
    "  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, "
    "averageUtilization: 50}}\n",
    "  - type: Pods\n    pods: {metric: {name: rps}, target: {type: AverageValue, "
    "averageValue: '50'}}\n")


@pytest.mark.parametrize(("hpa", "code"), [(PODS_HPA, 0), (HPA, 2)])
def test_a_sidecar_without_a_cpu_request_is_refused_only_for_a_cpu_utilization_hpa(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], hpa: str, code: int) -> None:
    # audit19 A19-24: the flags read the Deployment before the HPA, needing every container's
    # CPU request even for an HPA that divides by none; a plan takes it (A19-8)
    assert PODS_HPA != HPA
    sidecar = DEPLOYMENT.replace('resources: {requests: {cpu: "0.1", memory: 512Mi}}',
                                 "resources: {requests: {memory: 512Mi}}")
    assert sidecar != DEPLOYMENT
    for name, text in (("hpa.yaml", hpa), ("deploy.yaml", sidecar), ("t.csv", "timestamp,"
                       "requests_per_second\n" + "".join(f"{60 * i},300\n" for i in range(10)))):
        (tmp_path / name).write_text(text)
    assert main(["simulate", "--traffic", str(tmp_path / "t.csv"), "--hpa",
                 str(tmp_path / "hpa.yaml"), "--deployment", str(tmp_path / "deploy.yaml"),
                 *ARGS, "--format", "json"]) == code
    out = capsys.readouterr()
    if code == 0:
        # 300 req/s on the Deployment's 2 pods is 150 a pod against a target of 50: ratio 3,
        # 2 x 3 = 6 replicas, which the default scale-up allows at once (max(4 pods, 100 %) a
        # 15 s period: 2 + 4 = 6); then 300 / 6 = 50 a pod, the target: 6 stays
        assert json.loads(out.out)["peak_replicas"] == 6
    else:
        assert re.search(r"containers\[1\] \('proxy'\).resources.requests.cpu of Deployment "
                         r"'web' in .* is missing while other containers request CPU",
                         out.err)


@pytest.mark.parametrize(("flags", "scan_s", "provisioning_s"), [
    ([], 10, 120.0),  # cluster-autoscaler's defaults
    (["--provisioning-delay-s", "60"], 10, 60.0),
    (["--karpenter"], 5, 45.0),  # karpenter-like: a scan every 5 s, Ready 45 s later
    # before: --karpenter dropped --provisioning-delay-s without a word (45 s whatever given)
    (["--karpenter", "--provisioning-delay-s", "60"], 5, 60.0),
])
def test_provisioning_delay_applies_with_either_autoscaler(
        files: dict[str, str], monkeypatch: pytest.MonkeyPatch, flags: list[str], scan_s: int,
        provisioning_s: float) -> None:
    from infra_toolkit import simulate as simulate_module

    seen = []
    real = simulate_module.simulate

    def record(traffic: object, spec: object) -> object:
        seen.append(spec)
        return real(traffic, spec)  # type: ignore[arg-type]

    monkeypatch.setattr(simulate_module, "simulate", record)
    # ARGS without its --provisioning-delay-s 60
    assert ARGS[-4:-2] == ["--provisioning-delay-s", "60"]
    assert main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"],
                 "--deployment", files["deploy.yaml"], *ARGS[:-4], *ARGS[-2:], *flags]) == 0
    (spec,) = seen
    assert (spec.autoscaler.scan_interval_s, spec.autoscaler.provisioning_delay_s) == (
        scan_s, provisioning_s)


def test_the_readiness_flags_give_the_hand_worked_run(
        files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    # --readiness-delay-s 25 --readiness-period-s 5 over the Deployment's probe: image pulled at
    # 10 s, app up at 30 s, the delay over at 10 + 25 = 35 s, a tick of the 5 s grid at 35 s:
    # Ready 35 s after the bind, tests/test_simulate.py's pods, so its hand-worked episode:
    # 300 -> 400 + 35 = 435 s (135 s), dropped 200 x 50 + 100 x 85 = 18,500
    code = main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"],
                 "--deployment", files["deploy.yaml"], *ARGS, "--readiness-delay-s", "25",
                 "--readiness-period-s", "5", "--format", "json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["dropped_requests"] == pytest.approx(18_500)
    assert (data["time_to_capacity"][0]["total_s"],
            data["time_to_capacity"][0]["pod_startup_s"]) == (135.0, 35.0)


@pytest.mark.parametrize(("delay_s", "period_s", "dep", "probes"), [
    # no Deployment: a readiness probe with a 5 s delay on the 10 s default period
    (None, None, None, (ContainerProbes(Probe(5.0, 10.0)),)),
    # the flags replace the delay and period; the threshold and startup probe are kept
    (12.0, None, DeploymentSpec("w", 1, 100, 64.0, (
        ContainerProbes(Probe(5.0, 10.0, 2), Probe(30.0)),)),
     (ContainerProbes(Probe(12.0, 10.0, 2), Probe(30.0)),)),
    # a Deployment without a probe: the flag gives its container one (delay 0, as unset)
    (None, 5.0, DeploymentSpec("w", 1, 100, 64.0, ()), (ContainerProbes(Probe(0.0, 5.0)),)),
])
def test_the_readiness_flags_map_to_probes(delay_s: float | None, period_s: float | None,
                                           dep: DeploymentSpec | None,
                                           probes: tuple[ContainerProbes, ...]) -> None:
    from infra_toolkit.cli_simulate import _probes

    assert _probes(delay_s, period_s, dep) == probes


def test_a_crash_looping_start_and_a_burst_past_ready_are_warned(
        files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    # defaults: image pulled 10 s after the bind, app up 20 s later (30 s). The app container's
    # liveness probe every 5 s from its start, 2 failures: ticks 10 and 15 fail, restart at
    # 15 s < 30 s. Least initialDelaySeconds: tick(10 + d) + 5 >= 30 needs tick(10 + d) >= 25
    # on the 5 s grid, 10 + d > 20: d = 11 (21 -> 25); d = 10 gives 20 + 5 = 25 < 30. A startup
    # probe every 10 s from 10 s: ticks 10, 20, 30: F = 3 (restart 30 >= 30).
    # Ready: readiness delay 5, period 10: tick(10 + max(5, 20)) = 30 s. A 400m burst for 60 s
    # from the start runs to 70 s, 40 s past Ready; 400 / 1000m requested = 40 %. Least
    # readiness delay: tick(10 + max(d, 20)) >= 70 on the 10 s grid needs 10 + d > 60: d = 51
    # (61 -> 70); d = 50 gives 60.
    deploy = Path(files["deploy.yaml"])
    text = deploy.read_text()
    probe = ("        readinessProbe: {httpGet: {path: /ready, port: 8080}, "
             "initialDelaySeconds: 5}\n")
    assert probe in text
    deploy.write_text(text.replace(probe, probe + "        livenessProbe: {httpGet: {path: "
                                   "/healthz, port: 8080}, periodSeconds: 5, "
                                   "failureThreshold: 2}\n"))
    assert main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"],
                 "--deployment", files["deploy.yaml"], *ARGS, "--startup-cpu-millicores", "400",
                 "--startup-cpu-s", "60", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    json.loads(out)  # stdout stays one JSON object
    assert err.splitlines() == [
        "warning: the start-up CPU burst (400m from the container's start, 10 s after the bind, "
        "for 60 s: until 70 s) lasts 40 s past the pod's Ready (30 s after the bind): the HPA "
        "ignores a starting pod's CPU samples only while their window starts before Ready, so "
        "for 40 s each new pod's CPU runs up to 400m (40 % of its 1,000m request) above its "
        "load in samples that spec.metrics[0] (cpu) counts, and each scale-up can feed the "
        "next; raise the readiness probe's initialDelaySeconds to 51 (on its 10 s grid the pod "
        "is then Ready 70 s after the bind), or have the app report ready only once warm",
        "warning: container web/app's livenessProbe (initialDelaySeconds 0, periodSeconds 5, "
        "failureThreshold 2; no startupProbe) fails for the 2nd time 15 s after the bind, "
        "before the app is up at 30 s (image_pull_s 10 + app_start_s 20) (the model's one app "
        "start for the pod's 2 containers: if that container is up sooner, it is not "
        "restarted): the kubelet restarts the container, each start ends the same way, and "
        "its pods never become Ready "
        "(CrashLoopBackOff), while the simulation counts them Ready 30 s after the bind; add a "
        "startupProbe (periodSeconds 10, failureThreshold 3) so the livenessProbe waits for "
        "the start, or raise its initialDelaySeconds to 11"]


def test_a_target_the_model_never_reaches_is_warned(
        files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    # owndata: a pod serving at most 30 rps at 10m a request uses 0 + 10 x 30 = 300m of its
    # 1,000m request (900m + 100m), 30 %, never above the 50 % target plus tolerance: the HPA
    # holds minReplicas 2 (60 rps) while the rest is dropped, and nothing said so
    args = [a if a != "100" else "30" for a in ARGS]  # --capacity-rps-per-pod 30
    assert main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"],
                 "--deployment", files["deploy.yaml"], *args, "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["peak_replicas"] == 2
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("warning: spec.metrics[0] (cpu) reaches at most 30 % at a pod's "
                               "full capacity of 30 rps (0m + 10m x 30 rps = 300m of the "
                               "1,000m request), not above its 50 % target")
    assert lines[1].startswith("warning: no metric of HPA 'web' can rise above its target under "
                               "the model: the HPA never scales above minReplicas (2) under "
                               "load, and 2 pod(s) serve at most 2 x 30 = 60 rps")


def test_a_one_shot_init_container_is_warned_as_untimed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # SIDECAR: "migrate" runs to completion before the app container starts. The flags'
    # defaults: image pull 10 s, app start 20 s; the proxy sidecar has no startup probe (the
    # app runs at 10 s); its readiness probe (delay 7, every 10 s) passes at the tick at or
    # after 10 + max(7, 20) = 30 s, 30 s; the app container has no probe: Ready at 10 s, so
    # the pod at 30 s
    assert _simulate_files(tmp_path, HPA.replace("name: web}", "name: w}"), SIDECAR,
                           [100] * 5) == 0
    assert ("warning: Deployment 'w': its one-shot init container 'migrate' runs to completion "
            "before the app containers start, in every new pod, and the model gives no time "
            "for that: the simulation starts the app containers 10 s after the bind "
            "(image_pull_s 10) and counts the pods Ready 30 s after the bind, too early by the "
            "init containers' run time; add that run time to the model's image_pull_s (the "
            "seconds from the bind until the app containers run)\n") in capsys.readouterr().err


@pytest.mark.parametrize(("extra", "message"), [
    # the simulator's own checks named the plan's model fields (workload 'app'.queue_timeout_s),
    # which a user of the flags never wrote
    (["--queue-timeout-s", "-5"], "--queue-timeout-s (=-5.0) must be a finite number >= 0"),
    # 1e12 ran: the plan's and the library's bound, SQS's longest retention (14 days x 86,400 s)
    (["--queue-timeout-s", "1e12"], "--queue-timeout-s (=1e+12) must be at most 1,209,600 s: "
     "no AWS queue holds a message longer (SQS's longest retention, 14 days; an ALB cuts a "
     "request at its idle timeout, at most 4,000 s); check the value and its unit (seconds)"),
    (["--queue-depth-metric", "sqs-visible"],
     "--queue-depth-metric (sqs-visible) read the requests waiting in the queue, but "
     "--queue-timeout-s is 0, so none ever wait (load above capacity is dropped at once); set "
     "--queue-timeout-s to how long a message may wait in the queue"),
    (["--concurrency", "0"], "--concurrency (=0) must be a whole number >= 1"),
])
def test_a_bad_workload_flag_is_named_as_the_flag(
        files: dict[str, str], capsys: pytest.CaptureFixture[str], extra: list[str],
        message: str) -> None:
    assert main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"],
                 "--deployment", files["deploy.yaml"], *ARGS, *extra]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"


@pytest.mark.parametrize(("consumer", "minutes", "max_p95_ms"), [
    # 199 rps on 2 pods held at 2 (maxReplicas 2) of 100 rps: 99.5 a pod, at the cap (0.99)
    # for all 10 minutes, nothing dropped or queued. Push: each tick violates the 60 s SLO
    # whatever its p95 (a lower bound). Pull: nothing queued, so a message's p95 is the M/M/8
    # value at 0.99 (larger than its service time ln 20 / 12.5 s = 239.66 ms): a = 7.92, Erlang
    # B_8 = 0.2311204, Pw = B / (1 - 0.99 (1 - B)) = 0.9678036, theta = 100 x 0.01 = 1 /s,
    # P(T > t) ~ Pw x 12.5 / 11.5 x e^-t (tests/test_simulate.py): p95 = ln(20 x 0.9678036 x
    # 12.5 / 11.5) s = 3,046.39 ms, judged under 60 s: met.
    ("push", 10.0, None),
    ("pull", 0.0, 1000 * math.log(20 * 0.9678036 * 12.5 / 11.5)),
])
def test_the_consumer_flag_says_how_a_saturated_tick_is_judged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], consumer: str, minutes: float,
        max_p95_ms: float | None) -> None:
    assert _simulate_files(tmp_path, HPA.replace("maxReplicas: 10", "maxReplicas: 2"),
                           DEPLOYMENT, [199] * 10, "--slo-p95-latency-ms", "60000",
                           "--consumer", consumer) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["slo_violation_minutes"] == minutes
    if max_p95_ms is not None:
        assert data["max_p95_latency_ms"] == pytest.approx(max_p95_ms, abs=0.01)


def test_a_consumer_the_flag_does_not_know_is_refused(
        files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"], *ARGS,
              "--consumer", "pul"])
    assert "--consumer: invalid choice: 'pul' (choose from" in capsys.readouterr().err


@pytest.mark.parametrize(("extra", "minutes"), [
    ([], 0.0),  # p95 alone: 149.79 ms <= 250 ms in every minute
    (["--slo-p99-latency-ms", "200"], 3.0),  # 230.26 ms > 200 in the 3 minutes at 40 rps
    (["--slo-p99-latency-ms", "240"], 0.0),  # 230.26 <= 240: never
    (["--slo-p50-latency-ms", "30"], 3.0),  # 34.66 > 30 there, 23.10 <= 30 elsewhere
])
def test_flag_mode_counts_the_p50_and_p99_thresholds_given(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str],
        minutes: float) -> None:
    # slo20's run (tests/test_slo_percentiles.py) from flags: 2 pods held at 2, one slot of
    # 40 rps each (M/M/1, response time Exp(40 - rate a pod)); 20 rps in minutes 0, 1 and 5,
    # 40 in minutes 2-4. At 10 a pod: p50 ln 2 / 30 = 23.10 ms, p99 ln 100 / 30 = 153.51 ms;
    # at 20 a pod: p50 ln 2 / 20 = 34.66 ms, p95 ln 20 / 20 = 149.79 ms, p99 ln 100 / 20 =
    # 230.26 ms. CPU 10 m per rps of a 1000 m request: 20 % at most, no scaling asked for.
    assert [round(1000 * math.log(q) / r, 2) for q, r in ((2, 30), (100, 30), (2, 20),
                                                         (20, 20), (100, 20))] == \
        [23.10, 153.51, 34.66, 149.79, 230.26]
    traffic = tmp_path / "t.csv"
    traffic.write_text("timestamp,requests_per_second\n" + "".join(
        f"{60 * i},{r}\n" for i, r in enumerate([20, 20, 40, 40, 40, 20])))
    hpa = tmp_path / "hpa.yaml"
    hpa.write_text(HPA.replace("minReplicas: 2\n  maxReplicas: 10",
                               "minReplicas: 2\n  maxReplicas: 2"))
    assert main(["simulate", "--traffic", str(traffic), "--hpa", str(hpa),
                 "--capacity-rps-per-pod", "40", "--cpu-millicores-per-rps", "10",
                 "--cpu-request-millicores", "1000", "--instance-type", "m5.xlarge",
                 "--slo-p95-latency-ms", "250", "--format", "json", *extra]) == 0
    assert json.loads(capsys.readouterr().out)["slo_violation_minutes"] == minutes


def test_a_bad_p99_threshold_names_its_flag(tmp_path: Path, files: dict[str, str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--traffic", files["t.csv"], "--hpa", files["hpa.yaml"], *ARGS,
                 "--slo-p99-latency-ms", "0"]) == 2
    assert "--slo-p99-latency-ms (=0.0) must be a finite number > 0" in capsys.readouterr().err


SCALED_OBJECT = """apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: web}
spec:
  scaleTargetRef: {name: web}
  minReplicaCount: 2
  maxReplicaCount: 10
  triggers:
  - type: cpu
    metricType: Utilization
    metadata: {value: "50"}
"""


def test_flag_mode_reads_a_keda_scaled_object_as_the_hpa_keda_creates(
        tmp_path: Path, files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    # keda21 read a ScaledObject in a plan only; flag mode said "holds no HorizontalPodAutoscaler".
    # KEDA's HPA for it: keda-hpa-web, minReplicas 2, maxReplicas 10, cpu Utilization 50 (a
    # cpu trigger's value), no behavior: HPA above, whose hand-derived 100 -> 400 rps run
    # (tests/test_simulate.py) the two must give alike
    scaled = tmp_path / "scaledobject.yaml"
    scaled.write_text(SCALED_OBJECT)
    outs = []
    for hpa, name in ((files["hpa.yaml"], []), (str(scaled), []),
                      (str(scaled), ["--hpa-name", "web"]),
                      (str(scaled), ["--hpa-name", "keda-hpa-web"])):
        assert main(["simulate", "--traffic", files["t.csv"], "--hpa", hpa, *ARGS, *name,
                     "--format", "json"]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0]["peak_replicas"] > 2  # the step to 400 rps scales it
    assert outs[1:] == [outs[0]] * 3


def idle_scaled_to_zero(tmp_path: Path) -> tuple[Path, Path]:
    """A ScaledObject scaling to zero (``web``, minReplicaCount left out, one prometheus
    trigger) and 10 minutes of no traffic, written in ``tmp_path``: (the YAML, the CSV)."""
    scaled = tmp_path / "scaledobject.yaml"
    scaled.write_text(SCALED_OBJECT.replace("  minReplicaCount: 2\n", "").replace(
        "  - type: cpu\n    metricType: Utilization\n    metadata: {value: \"50\"}\n",
        "  - type: prometheus\n    metadata: {serverAddress: \"http://p\", query: q, "
        "threshold: \"50\"}\n"))
    traffic = tmp_path / "idle.csv"
    traffic.write_text("timestamp,requests_per_second\n"
                       + "".join(f"{60 * i},0\n" for i in range(10)))
    return scaled, traffic


def test_flag_mode_runs_a_scaled_object_that_scales_to_zero(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # minReplicaCount left out (KEDA's 0), one prometheus trigger: KEDA's HPA at minReplicas 1
    # starts the run with 1 pod (no --deployment), and KEDA's operator polls every 30 s. No
    # request in the 10 minutes: the poll at 30 s reads 0 rps, not above activationThreshold 0;
    # never active, and initialCooldownPeriod 0 s from the start is before 30 s, so 1 -> 0 at
    # 30 s: 30 s of one pod = 30 / 3600 pod-hours (the HPA alone would keep it 600 s)
    scaled, traffic = idle_scaled_to_zero(tmp_path)
    assert main(["simulate", "--traffic", str(traffic), "--hpa", str(scaled), *ARGS,
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pod_hours"] == round(30 / 3600, 3)  # 0.008, printed to 3 decimals
    assert out["peak_replicas"] == 1
