"""A workload's manifests from a file holding several Deployments and HPAs (a team's
``kubectl apply -f`` file): each workload gets its own, never silently the file's first
(audit15 A15-2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra_toolkit.plan import read_plan, validate_plan

DATA = Path(__file__).parent / "data" / "plans"

WORKER = """\
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  replicas: 3
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers:
        - name: worker
          image: example/worker:1.0
          resources: {requests: {cpu: 500m, memory: 512Mi}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: worker-scaler}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: worker}
  minReplicas: 3
  maxReplicas: 5
  metrics:
    - {type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}}
"""

MODEL = """\
      model:
        cpu_millicores_per_rps: 5
        baseline_cpu_millicores: 20
        capacity_rps_per_pod: 40
        image_pull_s: 5
        app_start_s: 10
"""


def _plan(tmp_path: Path, worker_name: str = "worker") -> Path:
    """minimal.yaml with its api and a second workload ``worker_name``, both pointing at one
    file holding the api's Deployment and HPA and the worker's (whose HPA has its own name)."""
    shutil.copytree(DATA / "manifests", tmp_path / "manifests")
    m = tmp_path / "manifests"
    (m / "team.yaml").write_text((m / "deployment.yaml").read_text() + "---\n"
                                 + (m / "hpa.yaml").read_text() + WORKER)
    text = (DATA / "minimal.yaml").read_text()
    text = text.replace("deployment: manifests/deployment.yaml", "deployment: manifests/team.yaml")
    text = text.replace("hpa: manifests/hpa.yaml", "hpa: manifests/team.yaml")
    text = text.replace("scenarios:", f"    - name: {worker_name}\n      deployment: "
                        "manifests/team.yaml\n      hpa: manifests/team.yaml\n" + MODEL
                        + "scenarios:", 1)
    plan = tmp_path / "plan.yaml"
    plan.write_text(text)
    return plan


def test_each_workload_gets_its_own_deployment_and_hpa(tmp_path: Path) -> None:
    plan = read_plan(_plan(tmp_path))
    got = {w.name: (w.deployment_spec.name, w.deployment_spec.cpu_request_millicores,
                    w.hpa_spec.max_replicas if w.hpa_spec else None)
           for w in plan.proposed.workloads}
    # the api's Deployment (200m) and HPA (maxReplicas 8); the worker's (500m) and the HPA
    # scaling it (maxReplicas 5), whose name differs from the workload's
    assert got == {"api": ("api", 200, 8), "worker": ("worker", 500, 5)}


def test_a_workload_naming_none_of_several_is_refused(tmp_path: Path) -> None:
    problems = validate_plan(_plan(tmp_path, worker_name="jobs"))
    assert [(p.path, p.message) for p in problems][:2] == [
        ("proposed.workloads[1].deployment",
         "team.yaml holds 2 Deployment, StatefulSet or Rollout manifests (Deployment/api, "
         "Deployment/worker) and none of them is named 'jobs' like the workload; make exactly "
         "one so, or point at a file holding only it"),
        # the HPA is picked by what it scales, never by its own name (audit18 A18-8: before,
        # "none of them is named 'jobs' like the workload")
        ("proposed.workloads[1].hpa",
         # each with what it scales (newplans: an HPA scaling an Argo Rollout was not said)
         "team.yaml holds 2 HorizontalPodAutoscaler or ScaledObject manifests "
         "(HorizontalPodAutoscaler/api scaling Deployment/api, "
         "HorizontalPodAutoscaler/worker-scaler scaling "
         "Deployment/worker) and none of them is scaling one named 'jobs' like the workload; "
         "make exactly one so, or point at a file holding only it")]


@pytest.mark.parametrize("target", ["api", "nothing"])
def test_several_hpas_none_or_two_scaling_the_deployment_is_refused(tmp_path: Path,
                                                                    target: str) -> None:
    path = _plan(tmp_path)
    team = tmp_path / "manifests" / "team.yaml"
    team.write_text(team.read_text().replace("kind: Deployment, name: worker}",
                                             f"kind: Deployment, name: {target}}}"))
    problems = [(p.path, p.message) for p in validate_plan(path) if p.path.endswith(".hpa")]
    # "api": both HPAs scale the api (two for it, none for the worker); "nothing": none scales
    # the worker
    want = [("proposed.workloads[1].hpa", "none of them is scaling Deployment/worker")]
    if target == "api":
        want.insert(0, ("proposed.workloads[0].hpa", "2 of them are scaling Deployment/api"))
    assert [p for p, _m in problems] == [p for p, _w in want]
    assert all(words in message for (_p, message), (_q, words) in zip(problems, want))
