"""Hostile inputs found by fuzzing (fuzz22: KEDA ScaledObjects read as HPAs, flag mode's number
flags): each is one error at its file and the field the user wrote, with the fix, never a field
of the HPA the toolkit derives from it, a line split in two, or a number read from other
scripts' digits."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_toolkit import cli
from infra_toolkit.errors import PlanError, SpecError
from infra_toolkit.hpa_yaml import read_hpa_yaml
from infra_toolkit.plan_validate import check_plan_warnings
from infra_toolkit.resources import parse_resources
from tests.test_fuzz21 import _acknowledging, _entry, _the_one_problem

AUTHOR18 = Path(__file__).resolve().parent / "data" / "author18"
SO = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject",
      "metadata": {"name": "jobs-worker"},
      "spec": {"scaleTargetRef": {"name": "jobs-worker"}, "minReplicaCount": 2,
               "maxReplicaCount": 40,
               "triggers": [{"type": "aws-sqs-queue", "metadata": {"queueURL": "jobs"}}]}}
CPU = {"type": "cpu", "metricType": "Utilization", "metadata": {"value": "70"}}
NAME_FIX = ("(fix: use lowercase letters, digits and '-', starting and ending with a letter or "
            "digit)")


def _so(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(SO)
    change(doc)
    return doc


def _refusal(tmp_path: Path, *docs: dict[str, Any]) -> str:
    """What ``simulate --hpa`` (read_hpa_yaml) says of a file holding ``docs``."""
    path = tmp_path / "so.yaml"
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        read_hpa_yaml(path)
    return str(caught.value)


def _trigger(trigger: dict[str, Any]) -> Any:
    return lambda d: d["spec"].__setitem__("triggers", [trigger])


@pytest.mark.parametrize(("change", "message"), [
    # was: metadata.name (='keda-hpa-Web') ..., the HPA's name the user never wrote
    (lambda d: d["metadata"].__setitem__("name", "Web"),
     "metadata.name (='Web') must be a lowercase RFC 1123 subdomain of at most 253 characters "
     f"(a Kubernetes object name) in so.yaml {NAME_FIX}"),
    # was two lines, each at spec.metrics[i].external.metric.selector.matchLabels...
    (lambda d: d["metadata"].__setitem__("name", "-5"),
     "metadata.name (='-5') must be a lowercase RFC 1123 subdomain of at most 253 characters "
     f"(a Kubernetes object name) in so.yaml {NAME_FIX}"),
    # 64 characters: a valid object name, but no label value; 80 at most are quoted whole
    (lambda d: d["metadata"].__setitem__("name", "a" * 64),
     f"metadata.name (='{'a' * 64}') is longer than 63 characters: KEDA selects "
     "spec.triggers[0]'s External metric by the label scaledobject.keda.sh/name, whose value "
     "holds at most 63 in so.yaml (fix: shorten the ScaledObject's name)"),
    # was accepted and copied into the HPA as its namespace
    (lambda d: d["metadata"].__setitem__("namespace", ["jobs"]),
     "metadata.namespace (=['jobs']) must be a lowercase RFC 1123 label of at most 63 "
     f"characters (a namespace's name) in so.yaml {NAME_FIX}"),
    # was: spec.metrics[0].resource.target.averageUtilization (=0) must be greater than 0
    (_trigger({**CPU, "metadata": {"value": "0"}}),
     "spec.triggers[0].metadata.value (='0') must be a whole percent above 0 in so.yaml "
     "(fix: write e.g. value: \"70\")"),
    # was: spec.metrics[0].containerResource.target.averageValue (='-5') ...
    (_trigger({"type": "memory", "metricType": "AverageValue", "metadata": {"value": "-5"}}),
     "spec.triggers[0].metadata.value (='-5') must be a quantity above 0 (the HPA's "
     "averageValue) in so.yaml (fix: write e.g. value: \"500m\")"),
    # was: spec.metrics[0].containerResource.container (='App') must be a DNS-1123 label ...
    (_trigger({**CPU, "metadata": {"value": "70", "containerName": "App"}}),
     "spec.triggers[0].metadata.containerName (='App') must be a container's name, a "
     f"lowercase RFC 1123 label of at most 63 characters in so.yaml {NAME_FIX}"),
    # 10^16 x 1000 = 10^19 milli-units > 2^63 - 1 = 9,223,372,036,854,775,807: was refused as
    # spec.metrics[0].external.target.averageValue; (2^63 - 1) // 1000 = 9,223,372,036,854,775
    (_trigger({"type": "prometheus", "metadata": {"serverAddress": "http://p", "query": "q",
                                                  "threshold": "10000000000000000"}}),
     "spec.triggers[0].metadata.threshold (='10000000000000000') gives a target of "
     "10,000,000,000,000,000,000 milli-units, above the int64 KEDA holds it in (at most "
     "9,223,372,036,854,775 units) in so.yaml (fix: lower the threshold)"),
    # 0, '' and [] were read as no horizontalPodAutoscalerConfig / no metadata at all
    (lambda d: d["spec"].__setitem__("advanced", {"horizontalPodAutoscalerConfig": 0}),
     "spec.advanced.horizontalPodAutoscalerConfig (=0) must be a mapping of behavior and name "
     "in so.yaml (fix: write {behavior: ..., name: ...})"),
    (_trigger({"type": "aws-sqs-queue", "metadata": []}),
     "spec.triggers[0].metadata (=[]) must be a mapping in so.yaml (fix: write metadata: "
     "{key: 'value'})"),
    # fields that change nothing simulated, but typed by the CRD: were accepted as anything
    (lambda d: d["spec"].__setitem__("advanced", {"restoreToOriginalReplicaCount": "yes"}),
     "spec.advanced.restoreToOriginalReplicaCount (='yes') must be true or false in so.yaml "
     "(fix: write restoreToOriginalReplicaCount: true)"),
    (_trigger({**SO["spec"]["triggers"][0], "useCachedMetrics": "maybe"}),  # type: ignore[index]
     "spec.triggers[0].useCachedMetrics (='maybe') must be true or false in so.yaml "
     "(fix: write useCachedMetrics: true)"),
    (_trigger({**SO["spec"]["triggers"][0], "name": ["q"]}),  # type: ignore[index]
     "spec.triggers[0].name (=['q']) must be text in so.yaml (fix: write name: queue)"),
    (_trigger({**SO["spec"]["triggers"][0], "authenticationRef": 5}),  # type: ignore[index]
     "spec.triggers[0].authenticationRef (=5) must be a mapping with a name in so.yaml "
     "(fix: write authenticationRef: {name: TRIGGER_AUTHENTICATION})"),
])
def test_a_bad_scaled_object_field_is_named_as_written(
        tmp_path: Path, change: Any, message: str) -> None:
    assert _refusal(tmp_path, _so(change)) == message


def test_a_bad_field_in_a_plan_scaled_object_names_the_plan_file_and_the_field(
        tmp_path: Path) -> None:
    # author18's workers scaled by a ScaledObject whose cpu target is 0 %: the plan's one
    # problem is at the workload's hpa, naming the ScaledObject's file and its field
    problems = _plan_problems(tmp_path, _so(_trigger({**CPU, "metadata": {"value": "0"}})))
    assert len(problems) == 1
    assert "spec.triggers[0].metadata.value (='0') must be a whole percent above 0 in so.yaml " \
        "(fix: write e.g. value: \"70\")" in problems[0]
    assert "spec.metrics" not in problems[0]


def _plan_problems(tmp_path: Path, *docs: dict[str, Any]) -> list[str]:
    """The problems of author18's plan whose workers' hpa is a file holding ``docs``."""
    shutil.copytree(AUTHOR18, tmp_path / "author18")
    (tmp_path / "author18" / "jobs" / "so.yaml").write_text(yaml.safe_dump_all(docs))
    plan = tmp_path / "author18" / "jobs-workers.yaml"
    text = plan.read_text()
    assert text.count("hpa: jobs/worker-hpa.yaml") == 1
    plan.write_text(text.replace("hpa: jobs/worker-hpa.yaml", "hpa: jobs/so.yaml"))
    return [str(p) for p in check_plan_warnings(plan)[1]]


def test_a_kind_with_a_line_break_is_said_on_one_line_in_a_plan(tmp_path: Path) -> None:
    # was "(kinds found: Scaled" and "Object); point at ..." on two lines of validate
    (problem,) = _plan_problems(tmp_path, {**SO, "kind": "Scaled\nObject"})
    assert problem.endswith(
        "proposed.workloads[0].hpa: so.yaml holds no HorizontalPodAutoscaler or ScaledObject "
        "(kinds found: 'Scaled\\nObject'); point at the HorizontalPodAutoscaler or ScaledObject "
        "manifest")


def test_a_kind_with_a_line_break_is_said_on_one_line(tmp_path: Path) -> None:
    message = _refusal(tmp_path, {**SO, "kind": "Scaled\nObject"})
    assert message == (f"{tmp_path / 'so.yaml'} holds no HorizontalPodAutoscaler or KEDA "
                       "ScaledObject (found: 'Scaled\\nObject'); point to the file with the HPA "
                       "manifest (kind: HorizontalPodAutoscaler)")


def test_the_same_scaled_object_twice_is_not_told_to_pick_by_name(tmp_path: Path) -> None:
    # --hpa-name cannot tell two keda-hpa-jobs-worker apart: the old fix led nowhere
    assert _refusal(tmp_path, SO, SO) == (
        f"{tmp_path / 'so.yaml'} holds 2 HorizontalPodAutoscalers and 'keda-hpa-jobs-worker' "
        "names more than one (a ScaledObject is read as its HPA keda-hpa-NAME); keep one of "
        "them in the file")


@pytest.mark.parametrize(("flag", "value", "kind"), [
    ("--slo-p99-latency-ms", "٣", "float"),   # ARABIC-INDIC DIGIT THREE: was a 3 ms SLO
    ("--slo-p50-latency-ms", "１", "float"),  # FULLWIDTH DIGIT ONE: was a 1 ms SLO
    ("--slo-p50-latency-ms", "1_000", "float"),  # was 1000
    ("--min-nodes", "٣", "int"),
])
def test_flag_mode_numbers_are_ascii(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                     flag: str, value: str, kind: str) -> None:
    (tmp_path / "so.yaml").write_text(yaml.safe_dump(SO))
    with pytest.raises(SystemExit) as caught:
        cli.main(["simulate", "--traffic", "t.csv", "--hpa", str(tmp_path / "so.yaml"),
                  "--capacity-rps-per-pod", "40", "--cpu-millicores-per-rps", "10",
                  flag, value])
    assert caught.value.code == 2
    assert f"argument {flag}: invalid {kind} value: '{value}'" in capsys.readouterr().err


def test_horizon_hours_are_ascii(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["simulate", "plan.yaml", "--horizon-h", "٣"])
    assert ("argument --horizon-h: '٣' is not a number of hours > 0; leave --horizon-h out to "
            "simulate whole scenarios") in capsys.readouterr().err


def _cache_problems(**fields: Any) -> list[str]:
    """The problems of one Redis replication group with ``fields``."""
    group = {"type": "aws_elasticache_replication_group", "name": "dedupe",
             "node_type": "cache.r6g.large", **fields}
    with pytest.raises(PlanError) as caught:
        parse_resources([group], default_region="us-west-2")
    return [str(p) for p in caught.value.problems]


def test_one_cluster_mode_node_with_failover_is_said_at_its_replicas() -> None:
    # 1 shard x (1 + 0 replicas) = 1 node: was said at num_cache_clusters, which the group
    # does not have, with no fix
    assert _cache_problems(num_node_groups=1, replicas_per_node_group=0,
                           automatic_failover_enabled=True, multi_az_enabled=True) == [
        "resources[0].replicas_per_node_group: automatic failover / Multi-AZ needs at least 2 "
        "nodes: 1 shard x (1 + 0 replicas) is 1; set replicas_per_node_group: 1, or "
        "num_node_groups: 2"]


def test_one_node_with_failover_names_its_fix() -> None:
    # num_cache_clusters absent: 1 node
    assert _cache_problems(automatic_failover_enabled=True) == [
        "resources[0].num_cache_clusters: automatic failover / Multi-AZ needs at least 2 nodes, "
        "not 1; set num_cache_clusters: 2, or automatic_failover_enabled and multi_az_enabled "
        "false"]


def test_too_many_replicas_is_said_at_replicas_alone() -> None:
    # 2 shards x (1 + 1,000 replicas) = 2,002 nodes was also said at num_node_groups (2, within
    # its bounds), before the 1,000 replicas Terraform refuses
    assert _cache_problems(num_node_groups=2, replicas_per_node_group=1000,
                           automatic_failover_enabled=True) == [
        "resources[0].replicas_per_node_group: 1000 is more than the 5 Terraform accepts"]


def test_a_name_longer_than_a_reviewer_may_have_is_refused_at_by(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 201 characters: was printed whole on the acknowledged warning's line (5,000 made a 5 KB
    # line), where approve and submit refuse a name over 200; shown as its first 60 and length
    assert _the_one_problem(tmp_path, capsys, "by", "a" * 201) == (
        f"acknowledged_warnings[0].by: '{'a' * 60}'… (201 characters) is longer than 200 "
        "characters; name who accepted the warning")


def test_a_name_of_200_characters_acknowledges(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan, _ = _acknowledging(tmp_path, _entry("by", "a" * 200))
    assert cli.main(["validate", str(plan)]) == 0
    assert f"acknowledged by {'a' * 200}: ok" in capsys.readouterr().out
