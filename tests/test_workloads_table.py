"""The Proposed Architecture's workloads table says what a pod takes on a node when the
scheduler's request is not the containers' sum the HPA divides by (init containers requesting
more, no memory request), and leaves the tables of plans that pack by their requests as they
were."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_toolkit.analysis import analyze_plan
from infra_toolkit.hpa_api import hpa_from_dict
from infra_toolkit.plan import read_plan
from infra_toolkit.sections_architecture import _metrics, proposed_architecture, workloads_table
from tests.conftest import REPO_ROOT
from tests.test_node_placement import _plan

# the table's columns before the scheduler's column existed (no rule caps pods a node)
COLUMNS = ["Workload", "Deployment", "Node group", "CPU request (m)", "Memory request (MiB)",
           "Capacity (rps per pod)", "Traffic share", "Behind load balancer", "Replicas",
           "HPA metrics", "Scale up", "Scale down", "Pod start-up"]
ON_A_NODE = "On a node (scheduler)"
# minimal.yaml's Deployment 'api': one container requesting 200m / 256Mi
MIGRATE_1500 = {"initContainers": [{"name": "migrate", "image": "x",
                                    "resources": {"requests": {"cpu": "1500m"}}}]}
NO_MEMORY = {"containers": [{"name": "api", "image": "x",
                             "resources": {"requests": {"cpu": "200m"}}}]}


@pytest.mark.parametrize(("pod", "hpa", "on_a_node"), [
    # init 1500m above the container's 200m: the HPA's utilization divides by 200m, the
    # scheduler reserves max(200, 1500) = 1500m; memory max(256, 0 in the init container) = 256
    (MIGRATE_1500, (200, 256.0), "1500m, 256 MiB (its init containers' request)"),
    # no memory request: the HPA's memory model takes the 256 MiB stand-in, the scheduler
    # counts 0; CPU 200m either way
    (NO_MEMORY, (200, 256.0),
     "200m, 0 MiB (no container requests memory: 0 MiB, not the HPA's 256 MiB stand-in)"),
    # both: max(200, 1500) = 1500m and max(0, 0) = 0 MiB
    ({**NO_MEMORY, **MIGRATE_1500}, (200, 256.0),
     "1500m, 0 MiB (its init containers' request; no container requests memory: 0 MiB, not "
     "the HPA's 256 MiB stand-in)"),
])
def test_the_table_shows_the_schedulers_request_beside_the_hpas(
    tmp_path: Path, pod: dict, hpa: tuple[int, float], on_a_node: str
) -> None:
    table = workloads_table(read_plan(_plan(tmp_path, pod)).proposed.workloads)
    # the column right after the requests, only because this workload differs
    assert list(table.frame.columns) == [*COLUMNS[:5], ON_A_NODE, *COLUMNS[5:]]
    (row,) = table.frame.to_dict("records")
    assert (row["CPU request (m)"], row["Memory request (MiB)"]) == hpa
    assert row[ON_A_NODE] == on_a_node
    assert table.caption.startswith("Workloads: the CPU and memory requests are the "
                                    "containers' sum, which the HPA's utilization divides by")


def test_a_plan_packing_by_its_requests_keeps_its_table(tmp_path: Path) -> None:
    # an init container within the container's 200m: max(200, 150) = 200m, as requested
    small_init = {"initContainers": [{"name": "migrate", "image": "x", "resources": {
        "requests": {"cpu": "150m", "memory": "64Mi"}}}]}
    table = workloads_table(read_plan(_plan(tmp_path, small_init)).proposed.workloads)
    assert list(table.frame.columns) == COLUMNS
    assert table.caption == "Workloads"


@pytest.mark.parametrize(("plan", "requests"), [
    # the manifests' requests: search-api 750m / 1536Mi, search-indexer 500m / 768Mi,
    # backend 250m / 512Mi; no init containers, every container requesting memory
    ("plans/search-api.yaml", [(750, 1536.0), (500, 768.0)]),
    ("plans/ecommerce-eks.yaml", [(250, 512.0)]),
])
def test_the_shipped_plans_tables_are_unchanged(plan: str, requests: list[tuple[int, float]]
                                                ) -> None:
    table = workloads_table(read_plan(REPO_ROOT / plan).proposed.workloads)
    assert list(table.frame.columns) == COLUMNS
    assert table.caption == "Workloads"
    assert list(zip(table.frame["CPU request (m)"], table.frame["Memory request (MiB)"],
                    strict=True)) == requests


def test_the_report_section_carries_the_column(tmp_path: Path) -> None:
    a = analyze_plan(_plan(tmp_path, MIGRATE_1500), store_location=str(tmp_path / "none"))
    html = "\n".join(t.to_html() for t in proposed_architecture(a).tables)
    assert f"<th>{ON_A_NODE}</th>" in html
    assert "<td>1500m, 256 MiB (its init containers' request)</td>" in html


def _hpa(*metrics: dict[str, object]) -> dict[str, object]:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": "w"},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment",
                                        "name": "w"},
                     "minReplicas": 1, "maxReplicas": 5, "metrics": list(metrics)}}


@pytest.mark.parametrize(("metrics", "text"), [
    # the column as it was for a utilization target
    ([{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 70}}}], "cpu 70 % of requests"),
    # reader23: these read 'External' alone; search-api's indexer scales on 12 messages sent a
    # second a pod, event-ingest's consumer on 300 visible messages a pod
    ([{"type": "External", "external": {"metric": {"name": "sqs_messages_sent_per_second"},
                                        "target": {"type": "AverageValue", "averageValue": "12"}}}],
     "External sqs_messages_sent_per_second 12 a pod"),
    # a Value target is the metric's whole value: "100" read in milli-units is 100
    ([{"type": "Object", "object": {
        "describedObject": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                            "name": "main"},
        "metric": {"name": "requests_per_second"},
        "target": {"type": "Value", "value": "100"}}}],
     "Object requests_per_second of Ingress/main 100 (Value)"),
    # "500m" a pod of a custom metric is half a unit
    ([{"type": "Pods", "pods": {"metric": {"name": "queue_depth"},
                                "target": {"type": "AverageValue", "averageValue": "500m"}}}],
     "Pods queue_depth 0.5 a pod"),
    # cpu as millicores ("1" = 1000m), memory in MiB (512Mi), joined in the manifest's order
    ([{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "AverageValue", "averageValue": "1"}}},
      {"type": "ContainerResource", "containerResource": {
          "name": "memory", "container": "app",
          "target": {"type": "AverageValue", "averageValue": "512Mi"}}}],
     "cpu 1000m a pod; memory of container app 512 MiB a pod"),
])
def test_hpa_metrics_name_what_they_read_and_their_target(
        metrics: list[dict[str, object]], text: str) -> None:
    assert _metrics(hpa_from_dict(_hpa(*metrics))) == text
