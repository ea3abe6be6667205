"""A large plan written on the fly (audit15): a platform team's estate of many services on one
EKS cluster, for the scale test and ``benchmarks/bench_report_estate.py``. Never checked in.

Seven node groups: on-demand and spot, Graviton (arm64) and x86, a memory group, a tainted
system group no workload uses and a Karpenter NodePool (``burst``). Workloads cycle through five
kinds (CPU HPA, CPU + memory HPA, Pods metric, External metric, a Deployment without HPA) and
the groups; each is one multi-document manifest file (ServiceAccount, Deployment, Service,
PodDisruptionBudget, HPA) as ``kubectl apply -f`` takes it. The prose sections are the default
plan's. Scenarios: a day of the NASA trace at a 3,000 req/s peak, the World Cup evening at
6,000, the default plan's load test and, given ``month_trace`` (the whole-July NASA trace of
``/work/shared/traces``), ``month_days`` days of it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from tests.test_plan_node_pools import NODE_POOLS as _POOL_TEMPLATE

REPO = Path(__file__).resolve().parents[1]

#: node group -> (instance type, capacity type, min, max, desired, AMI type, label, tainted)
GROUPS: dict[str, tuple[str, str, int, int, int, str, str, bool]] = {
    "system": ("m5.large", "ON_DEMAND", 2, 4, 2, "AL2023_x86_64_STANDARD", "system", True),
    "general-x86": ("m6i.large", "ON_DEMAND", 3, 30, 9, "AL2023_x86_64_STANDARD", "general",
                    False),
    "general-arm": ("m6g.large", "ON_DEMAND", 2, 30, 5, "AL2023_ARM_64_STANDARD",
                    "general-arm", False),
    "compute-spot": ("c6i.xlarge", "SPOT", 0, 20, 2, "AL2023_x86_64_STANDARD", "compute", True),
    "arm-spot": ("c7g.large", "SPOT", 0, 20, 3, "AL2023_ARM_64_STANDARD", "arm-spot", True),
    "memory": ("r6g.large", "ON_DEMAND", 1, 10, 2, "AL2023_ARM_64_STANDARD", "memory", False),
}
KINDS = ("cpu", "cpu-mem", "pods", "external", "fixed")
PLACES = ("general-x86", "general-arm", "compute-spot", "arm-spot", "memory", "burst",
          "general-x86")

# the NodePool of the node-pool tests as "burst": c6i.large or c6i.xlarge, limits.cpu 40
NODE_POOLS = (_POOL_TEMPLATE.replace("name: general", "name: burst")
              .replace("TYPES", "c6i.large, c6i.xlarge")
              .replace("consolidateAfter: 1m", "consolidateAfter: 30s"))


def _node_groups() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for g, (itype, cap, lo, hi, desired, ami, label, taint) in GROUPS.items():
        lt = g.replace("-", "_")
        out.append({"type": "aws_launch_template", "name": lt, "block_device_mappings": [
            {"device_name": "/dev/xvda", "ebs": {"volume_size": 40, "volume_type": "gp3"}}]})
        group: dict[str, Any] = {
            "type": "aws_eks_node_group", "name": lt, "node_group_name": g,
            "instance_types": [itype], "capacity_type": cap, "ami_type": ami,
            "launch_template": {"name": lt, "version": "1"}, "labels": {"workload-class": label},
            "scaling_config": {"desired_size": desired, "min_size": lo, "max_size": hi}}
        if taint:
            group["taint"] = [{"key": "workload-class", "value": label, "effect": "NO_SCHEDULE"}]
        out.append(group)
    # the NodePool's group: 0 to limits.cpu 40 / 2 vCPU = 20 c6i.large, AL2023's 20 GiB gp3
    out.append({"type": "aws_launch_template", "name": "burst", "block_device_mappings": [
        {"device_name": "/dev/xvda", "ebs": {"volume_size": 20, "volume_type": "gp3"}}]})
    out.append({"type": "aws_eks_node_group", "name": "burst", "instance_types": ["c6i.large"],
                "capacity_type": "ON_DEMAND", "ami_type": "AL2023_x86_64_STANDARD",
                "launch_template": {"name": "burst", "version": "1"},
                "scaling_config": {"desired_size": 5, "min_size": 0, "max_size": 20}})
    return out


def _workload(i: int, manifests: Path) -> dict[str, Any]:
    """The i-th workload; writes its manifest file."""
    kind, group = KINDS[i % len(KINDS)], PLACES[i % len(PLACES)]
    name = f"svc-{i:02d}-{kind}"
    # the NodePool's nodes carry karpenter.sh/nodepool; the other groups their own label
    selector = {"workload-class": GROUPS[group][6]} if group in GROUPS else {
        "karpenter.sh/nodepool": group}
    tainted = group in GROUPS and GROUPS[group][7]
    label = GROUPS[group][6] if group in GROUPS else group
    cpu, mem = 250 + 50 * (i % 4), 384 + 128 * (i % 3)
    labels = {"app.kubernetes.io/name": name}
    pod: dict[str, Any] = {"nodeSelector": selector, "containers": [{
        "name": "app", "image": f"registry.example/{name}:1.0",
        "resources": {"requests": {"cpu": f"{cpu}m", "memory": f"{mem}Mi"},
                      "limits": {"memory": f"{mem}Mi"}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080},
                           "initialDelaySeconds": 5}}]}
    if tainted:
        pod["tolerations"] = [{"key": "workload-class", "operator": "Equal", "value": label,
                               "effect": "NoSchedule"}]
    if i % 6 == 1:  # one pod a node
        pod["affinity"] = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"labelSelector": {"matchLabels": labels}, "topologyKey": "kubernetes.io/hostname"}]}}
    meta = {"name": name, "namespace": "estate"}
    docs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": {
            "replicas": 2 + i % 3, "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": {
            "selector": labels, "ports": [{"port": 80, "targetPort": 8080}]}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta,
         "spec": {"maxUnavailable": 1, "selector": {"matchLabels": labels}}}]
    path = f"manifests/{name}.yaml"
    workload: dict[str, Any] = {"name": name, "deployment": path, "node_group": group}
    if kind != "fixed":
        metric: dict[str, Any] = {
            "cpu": {"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": 60 + 5 * (i % 3)}}},
            "pods": {"type": "Pods", "pods": {"metric": {"name": "http_requests_per_second"},
                                              "target": {"type": "AverageValue",
                                                         "averageValue": "20"}}},
            "external": {"type": "External", "external": {
                "metric": {"name": "sqs_messages_sent", "selector": {"matchLabels": {
                    "queue": name}}},
                "target": {"type": "AverageValue", "averageValue": "15"}}},
        }
        metrics = [metric["cpu" if kind == "cpu-mem" else kind]]
        if kind == "cpu-mem":
            metrics.append({"type": "Resource", "resource": {"name": "memory", "target": {
                "type": "Utilization", "averageUtilization": 75}}})
        docs.append({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                     "metadata": meta, "spec": {
                         "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                            "name": name},
                         "minReplicas": 2, "maxReplicas": 20 + 2 * (i % 5), "metrics": metrics}})
        workload["hpa"] = path
        workload["traffic_share"] = round(0.02 + 0.01 * (i % 7), 2)
        # at capacity CPU and memory pass their targets (no "never scales" warning)
        workload["model"] = {"cpu_millicores_per_rps": cpu // 25 + 2,
                             "baseline_cpu_millicores": 20, "capacity_rps_per_pod": 30,
                             "image_pull_s": 8, "app_start_s": 10, "memory_baseline_mib": 200,
                             "memory_mib_per_rps": (mem - 200) // 30 + 2}
        if kind == "external":
            workload["behind_load_balancer"] = False
            workload["model"]["queue_timeout_s"] = 600
    (manifests / f"{name}.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return workload


def write_estate_plan(root: Path, workloads: int = 25, month_trace: Path | None = None,
                      month_days: int = 27) -> Path:
    """Write the estate plan and its files under ``root`` (created); return the plan's path."""
    (root / "manifests").mkdir(parents=True)
    (root / "traces").mkdir()
    day = "nasa_http_1995-07-12_13_1min.csv"
    for trace in (day, "worldcup98_1998-07-07_12-24_1min.csv"):
        shutil.copy(REPO / "plans" / "traces" / trace, root / "traces")
    (root / "manifests" / "nodepools.yaml").write_text(NODE_POOLS)
    (root / "spot-rates.yaml").write_text(yaml.safe_dump({"version": 1, "rates": [
        {"service": "AmazonEC2", "region": "us-east-1", "instance_type": t,
         "purchase_option": "spot", "usd_per_unit": rate, "source": "an assumed spot rate"}
        for t, rate in (("c6i.xlarge", "0.07"), ("c7g.large", "0.03"))]}))
    base = yaml.safe_load((REPO / "plans" / "ecommerce-eks.yaml").read_text())
    kept = [r for r in base["proposed"]["resources"]
            if r["type"] not in ("aws_eks_node_group", "aws_launch_template")]
    items = [_workload(i, root / "manifests") for i in range(workloads)]
    scaled = [w["name"] for w in items if "hpa" in w]
    scenarios: list[dict[str, Any]] = [
        {"name": "expected-day", "description": "NASA 12 July 1995, peak 3,000 req/s",
         "csv": {"path": f"traces/{day}", "start": "1995-07-12T04:00:00Z",
                 "end": "1995-07-13T04:00:00Z", "peak_rps": 3000}},
        {"name": "flash-crowd", "description": "World Cup 98 evening, peak 6,000 req/s",
         "csv": {"path": "traces/worldcup98_1998-07-07_12-24_1min.csv", "peak_rps": 6000}},
        base["scenarios"][3]]
    if month_trace is not None:
        shutil.copy(month_trace, root / "traces")
        scenarios.insert(1, {
            "name": "month", "description": f"{month_days} days of NASA July 1995 x 1,000",
            "csv": {"path": f"traces/{month_trace.name}", "start": "1995-07-01T04:00:00Z",
                    "end": f"1995-07-{1 + month_days:02d}T04:00:00Z", "scale": 1000}})
    alerts = [dict(a, simulated=dict(a["simulated"], workload=scaled)) if "simulated" in a
              else a for a in base["monitoring"]["alerts"]]
    # the default plan's acknowledgements name its own workload: here they would be stale
    plan = {k: v for k, v in base.items() if k != "acknowledged_warnings"}
    plan.update({
        "metadata": dict(base["metadata"], title=f"Estate: {workloads} services on one EKS "
                                                 "cluster", id="estate"),
        "proposed": {"region": "us-east-1", "resources": kept + _node_groups(),
                     "workloads": items, "node_pools": "manifests/nodepools.yaml"},
        "pricing": {"overrides": "spot-rates.yaml"},
        "scenarios": scenarios,
        "slos": [slo for n in scaled for slo in (
            {"name": f"{n} p95", "metric": "latency", "percentile": 95, "threshold_ms": 300,
             "workload": n},
            {"name": f"{n} availability", "metric": "availability", "objective_pct": 99.9,
             "workload": n})],
        "deployment_strategy": {"type": "rolling", "description": "rolling updates",
                                "rolling": {"max_surge": "25%", "max_unavailable": 0}},
        "monitoring": dict(base["monitoring"], alerts=alerts),
        "simulation": {k: v for k, v in base["simulation"].items() if k != "node_provisioning_s"}
        | {"node_autoscaler": "karpenter-like"},
    })
    path = root / "estate.yaml"
    path.write_text(yaml.safe_dump(plan, sort_keys=False, width=100))
    return path
