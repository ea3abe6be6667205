"""`infra-toolkit validate`: exit 0 valid / 1 invalid / 2 unreadable, one line per problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra_toolkit.cli import main
from tests.test_plan_validate import EXPECTED

REPO = Path(__file__).resolve().parent.parent
BROKEN = REPO / "tests" / "data" / "plans" / "broken"


def test_valid_plan_exits_0_and_prints_its_digest(capsys: pytest.CaptureFixture[str]) -> None:
    plan = str(REPO / "plans" / "ecommerce-eks.yaml")
    assert main(["validate", plan]) == 0
    *warnings, last = capsys.readouterr().out.splitlines()
    assert re.fullmatch(rf"{re.escape(plan)}: valid; digest [0-9a-f]{{64}}", last)
    # its four true warnings (tests/test_plan_warnings.py), three at the workload's `hpa:` (line
    # 134: memory never scales, the flash crowd, the CPU target at the p95 SLO), one at its
    # model's `startup_cpu_s:` (line 156), each acknowledged by the plan, and a note on the
    # acknowledgement of a warning only the report's simulation finds
    where = f"{plan}:134: proposed.workloads[0].hpa: acknowledged by platform-team: "
    burst = f"{plan}:156: proposed.workloads[0].model.startup_cpu_s: acknowledged by " \
        "platform-team: A readiness delay of 28-32 s"
    assert [w[:len(where)] for w in warnings[:3]] == [where] * 3
    assert [w[:len(burst)] for w in warnings[3:4]] == [burst]
    assert re.match(rf"{re.escape(plan)}:\d+: acknowledged_warnings\[3\]: note: ", warnings[4])
    assert len(warnings) == 5


@pytest.mark.parametrize("broken", sorted(p.name for p in BROKEN.glob("*.yaml")))
def test_each_broken_plan_exits_1_with_one_line_per_problem(
        broken: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(BROKEN / broken)
    assert main(["validate", path]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    count = int(re.fullmatch(rf"{re.escape(path)}: (\d+) problem\(s\); the plan is not valid",
                             lines[-1]).group(1))  # type: ignore[union-attr]
    # as many as test_plan_validate.py expects of that file, one line each, then the summary
    assert count == len(lines) - 1 == len(EXPECTED[broken.removesuffix(".yaml")])
    assert all(line.startswith(path) for line in lines)
    assert captured.err == "" and "Traceback" not in captured.out


def test_unreadable_plan_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert re.match(r"error: cannot read plan .*nope.yaml: No such file or directory",
                    capsys.readouterr().err)


def test_several_plans_exit_1_when_any_is_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = REPO / "plans" / "ecommerce-eks.yaml", BROKEN / "version.yaml"
    assert main(["validate", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{good}: valid; digest " in out and f"{bad}: 1 problem(s)" in out


def test_an_unreadable_plan_does_not_stop_the_others(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # exit 2 for the unreadable file, and the invalid plan after it is still checked
    missing, bad = tmp_path / "nope.yaml", BROKEN / "version.yaml"
    assert main(["validate", str(missing), str(bad)]) == 2
    captured = capsys.readouterr()
    assert re.match(r"error: cannot read plan .*nope.yaml: No such file", captured.err)
    assert f"{bad}: 1 problem(s); the plan is not valid" in captured.out


@pytest.mark.parametrize(("text", "message"), [
    # U-8: before, "version: None is not a plan version this toolkit reads" and "version:
    # missing (required)" for the one absent key, among eight lines of missing plan sections
    ("region: us-east-1\nresources:\n  - {type: aws_instance, name: web, "
     "instance_type: t3.medium}\n",
     "this is a resources file (top-level `resources:`, no `version`), not a plan; price it "
     "with `infra-toolkit cost {path}`, or see docs/PLAN.md to write a plan"),
    # audit18 A18-4: `simulate hpa.yaml` listed 23 missing plan sections
    ("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n"
     "spec: {}\n",
     "this is a Kubernetes HorizontalPodAutoscaler manifest (apiVersion autoscaling/v2), not a "
     "plan; a plan names it in proposed.workloads (deployment, hpa): see docs/PLAN.md; to "
     "simulate an HPA without a plan: infra-toolkit simulate --traffic CSV --hpa FILE ..."),
    # a Karpenter NodePool goes in proposed.node_pools (before: "in proposed.workloads")
    ("apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: a}\n",
     "this is a Kubernetes NodePool manifest (apiVersion karpenter.sh/v1), not a plan; a plan "
     "names it in proposed.node_pools: see docs/PLAN.md"),
])
def test_another_kind_of_file_is_named_as_such_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str) -> None:
    path = tmp_path / "today.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}: " + message.format(path=path), f"{path}: 1 problem(s); the plan is not valid"]


def test_a_plan_without_version_says_so_once(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    minimal = (REPO / "tests" / "data" / "plans" / "minimal.yaml").read_text()
    path = tmp_path / "plan.yaml"
    path.write_text(minimal.replace("version: 1\n", ""))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "is not a plan version" not in out
    assert [line for line in out.splitlines() if line.startswith(f"{path}: version")] == [
        f"{path}: version: missing (required); add a `version:` section"]


def test_a_traffic_csv_given_as_a_plan_is_quoted_short(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # audit18 A18-3: YAML reads a CSV as one string and the message quoted all of it (80 KB
    # for the shipped NASA trace); now its first 60 characters and its length
    path = tmp_path / "day.csv"
    rows = "".join(f"1995-07-12T04:{m:02d}:00Z,0.7333\n" for m in range(60))
    path.write_text("timestamp,requests_per_second\n" + rows)
    # the header "timestamp,requests_per_second" is 9 + 1 + 19 = 29 characters, a row
    # "1995-07-12T04:00:00Z,0.7333" 20 + 1 + 6 = 27; YAML folds each newline between them to
    # a space and drops the last: 29 + 60 x (1 + 27) = 1,709 characters
    assert main(["validate", str(path)]) == 1
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{path}: expected a mapping at the top of the plan, got text ('timestamp,"
        "requests_per_second 1995-07-12T04:00:00Z,0.7333 19'… (1,709 characters))")


@pytest.mark.parametrize("command", ["validate", "cost"])
@pytest.mark.parametrize(("text", "field"), [
    ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n---\n"
     "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n",
     "proposed.workloads (deployment, hpa)"),
    # a Karpenter file: before, "a plan names it in proposed.workloads", where it is refused
    ("apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: a}\n---\n"
     "apiVersion: karpenter.k8s.aws/v1\nkind: EC2NodeClass\n", "proposed.node_pools"),
    ("apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: a}\n---\n"
     "apiVersion: policy/v1\nkind: PodDisruptionBudget\n",
     "proposed.workloads (disruption_budgets)"),
])
def test_a_file_of_several_manifests_given_as_a_plan_says_so_at_its_second_document(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, text: str,
        field: str) -> None:
    # audit18 A18-10: before, "YAML syntax error: but found another document (expected a single
    # document in the stream); fix the indentation or quoting on this line"
    path = tmp_path / "apps.yaml"
    path.write_text(text)
    main([command, str(path)])
    captured = capsys.readouterr()
    assert f"{path}:4: a second YAML document starts on this line (`---`): a plan or " \
           "resources file is one document (a file of Kubernetes manifests is neither: a plan " \
           f"names it in {field})" in captured.out + captured.err

