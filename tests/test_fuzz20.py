"""Hostile inputs found by fuzzing the CLI (fuzz20: manifests, traffic CSVs, resources and
price files, flag values): each is one error at its file and field, never a Python traceback
or a silently wrong number."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from infra_toolkit import cli

DATA = Path(__file__).parent / "data"


def _minimal(tmp_path: Path) -> Path:
    """A copy of tests/data/plans (minimal.yaml and its manifests) in ``tmp_path``: its plan."""
    shutil.copytree(DATA / "plans", tmp_path / "plans")
    return tmp_path / "plans" / "minimal.yaml"


@pytest.mark.parametrize(("written", "shown"), [("{}", "{}"), ("[api]", "['api']"),
                                                ("7", "7")])
def test_a_container_name_that_is_no_text_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, shown: str) -> None:
    # was TypeError: unhashable type: 'dict' (the sidecar injection warning's name set);
    # a number was valid
    plan = _minimal(tmp_path)
    deployment = plan.parent / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("        - name: api\n",
                                                         f"        - name: {written}\n"))
    assert cli.main(["validate", str(plan)]) == 1
    out = capsys.readouterr().out
    assert (f"{plan}:25: proposed.workloads[0].deployment: spec.template.spec.containers[0].name "
            f"of Deployment 'api' in deployment.yaml is {shown}, not a container name, which the "
            "API server refuses; write it as text, e.g. name: app") in out
    assert "1 problem(s)" in out


SIMULATE = ["simulate", "--traffic", str(DATA / "argo" / "traffic.csv"), "--hpa",
            str(DATA / "argo" / "hpa-deployment.yaml"), "--capacity-rps-per-pod", "25",
            "--cpu-millicores-per-rps", "10"]


@pytest.mark.parametrize(("written", "shown"), [("1e-320", "1e-320"), ("0.5", "0.5")])
def test_a_readiness_period_below_a_second_is_refused(
        capsys: pytest.CaptureFixture[str], written: str, shown: str) -> None:
    # was OverflowError: cannot convert float infinity to integer (the probe's tick count,
    # t / 1e-320); the API takes periodSeconds as whole seconds >= 1
    assert cli.main([*SIMULATE, "--readiness-period-s", written]) == 2
    assert capsys.readouterr().err == (f"error: --readiness-period-s (={shown}) must be a whole "
                                       "number of seconds >= 1\n")


_PDB = ("apiVersion: {api}\nkind: PodDisruptionBudget\nmetadata: {{name: api-pdb}}\nspec:\n"
        "  minAvailable: 1\n  selector: {{matchLabels: {{app: api}}}}\n")


def _with_budget(tmp_path: Path, api: str) -> Path:
    """minimal.yaml whose workload names manifests/pdb.yaml, a budget at ``api``: its plan."""
    plan = _minimal(tmp_path)
    (plan.parent / "manifests" / "pdb.yaml").write_text(_PDB.format(api=api))
    plan.write_text(plan.read_text().replace(
        "      hpa: manifests/hpa.yaml\n",
        "      hpa: manifests/hpa.yaml\n      disruption_budgets: manifests/pdb.yaml\n"))
    return plan


@pytest.mark.parametrize("api", ["apps/v2", "v1", "7"])
def test_a_budget_at_an_api_that_serves_none_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], api: str) -> None:
    # was valid: the budget was honoured (kubectl finds no PodDisruptionBudget at apps/v2), and
    # one with an empty selector was read as policy/v1beta1's, selecting no pod
    plan = _with_budget(tmp_path, api)
    assert cli.main(["validate", str(plan)]) == 1
    out = capsys.readouterr().out
    shown = "7" if api == "7" else f"'{api}'"
    assert (f"{plan}:27: proposed.workloads[0].disruption_budgets: apiVersion (={shown}) is not "
            "an API serving PodDisruptionBudget (policy/v1) in PodDisruptionBudget 'api-pdb' of "
            "pdb.yaml (the API server refuses it) "
            "(fix: write apiVersion: policy/v1)") in out
    assert "1 problem(s)" in out


@pytest.mark.parametrize("api", ["policy/v1", "policy/v1beta1"])
def test_a_budget_at_policy_v1_or_v1beta1_is_read(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], api: str) -> None:
    plan = _with_budget(tmp_path, api)
    assert cli.main(["validate", str(plan)]) == 0
    assert "valid; digest" in capsys.readouterr().out


@pytest.mark.parametrize(("written", "why"), [
    ("[1", "did not find expected ',' or ']' (while parsing a flow sequence)"),
    ("*a", "found undefined alias"),
    ("!!python/name:os.system", "could not determine a constructor for the tag "
                                "'tag:yaml.org,2002:python/name:os.system'")])
def test_a_report_parameter_that_is_no_yaml_is_named(
        capsys: pytest.CaptureFixture[str], written: str, why: str) -> None:
    # was a traceback (yaml.parser.ParserError ... in "<unicode string>"), before any report
    status = cli.main(["report", str(DATA / "plans" / "minimal.yaml"), "-p", "horizon_h",
                       written])
    assert status == 2
    assert capsys.readouterr().err == (
        f"error: -p horizon_h '{written}' is not a YAML value: {why}; write it as YAML (a "
        "number, a name, a list such as '[a, b]'), or quote text; nothing was built or written\n")


def test_a_base_60_replica_count_in_a_manifest_is_text_as_kubectl_reads_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was 90 replicas (PyYAML's YAML 1.1 base 60: 1 x 60 + 30); kubectl's go-yaml never reads
    # base 60 and sends the text "1:30", which the API server refuses
    plan = _minimal(tmp_path)
    deployment = plan.parent / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("replicas: 2", "replicas: 1:30"))
    assert cli.main(["validate", str(plan)]) == 1
    out = capsys.readouterr().out
    assert (f"{plan}:25: proposed.workloads[0].deployment: spec.replicas (='1:30') of Deployment "
            "'api' in deployment.yaml must be a whole number >= 0") in out
    # the tmp folder's own name may hold 90 (pytest-1590): look at the messages without it
    assert "90" not in out.replace(str(plan), "PLAN")


def test_a_base_60_max_replicas_given_to_simulate_is_text(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the flags' HPA file is read as the plan's manifests are: it was 90 (1 x 60 + 30)
    hpa = tmp_path / "hpa.yaml"
    hpa.write_text((DATA / "argo" / "hpa-deployment.yaml").read_text().replace(
        "maxReplicas: 12", "maxReplicas: 1:30"))
    assert cli.main([*SIMULATE[:3], "--hpa", str(hpa), *SIMULATE[5:]]) == 2
    assert "spec.maxReplicas (='1:30') must be an integer" in capsys.readouterr().err


def test_a_base_60_number_in_a_plan_keeps_its_documented_reading(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # docs/PLAN.md: in a plan, `1:30` is 90 (the toolkit is its only reader); 1:30 s of image
    # pull is 90 s, so the plan stays valid
    plan = _minimal(tmp_path)
    plan.write_text(plan.read_text().replace("image_pull_s: 5", "image_pull_s: 1:30"))
    assert cli.main(["validate", str(plan)]) == 0


@pytest.mark.parametrize(("flags", "message"), [
    (["--instance-type", ""], "--instance-type is blank; give a value, e.g. --instance-type "
                              "t3.medium"),
    (["--instance-class", " ", "--engine", "PostgreSQL"],
     "--instance-class is blank; give a value, e.g. --instance-class db.t3.micro")])
def test_pricing_lookup_refuses_a_blank_key(capsys: pytest.CaptureFixture[str],
                                            flags: list[str], message: str) -> None:
    # was AttributeError: 'NoneType' object has no attribute 'casefold': a blank key chose no
    # table, and the lookup fell through to other_services with item_id None
    with pytest.raises(SystemExit) as exit_:
        cli.main(["pricing", "lookup", "--region", "us-east-1", *flags])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.endswith(f"infra-toolkit pricing lookup: error: {message}\n")


def test_a_max_surge_past_int32_is_refused(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # was valid: maxSurge is an IntOrString, whose int32 the API server cannot fill with
    # 2^31 = 2,147,483,648 (one past 2,147,483,647)
    plan = _minimal(tmp_path)
    deployment = plan.parent / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace(
        "  replicas: 2\n", "  replicas: 2\n  strategy: {rollingUpdate: {maxSurge: 2147483648}}\n"))
    assert cli.main(["validate", str(plan)]) == 1
    assert (f"{plan}:25: proposed.workloads[0].deployment: spec.strategy.rollingUpdate.maxSurge of "
            "Deployment 'api' in deployment.yaml: 2147483648 is above 2,147,483,647, the largest "
            "int32 the API server takes; write the real number or a percentage like '25%'"
            ) in capsys.readouterr().out


@pytest.mark.parametrize(("written", "status"), [("2147483648", 1), ("2147483647", 0)])
def test_a_budget_count_past_int32_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              written: str, status: int) -> None:
    # was valid (a minAvailable of 2^31 blocked every eviction); 2^31 - 1 is the largest int32
    plan = _with_budget(tmp_path, "policy/v1")
    pdb = plan.parent / "manifests" / "pdb.yaml"
    pdb.write_text(pdb.read_text().replace("minAvailable: 1", f"minAvailable: {written}"))
    assert cli.main(["validate", str(plan)]) == status
    out = capsys.readouterr().out
    refused = (f"{plan}:27: proposed.workloads[0].disruption_budgets: spec.minAvailable "
               f"(={written}) is above 2,147,483,647, the largest int32 the API server takes in "
               "PodDisruptionBudget 'api-pdb' of pdb.yaml (the API server refuses it) (fix: write "
               "e.g. 1 or '25%')")
    assert (refused in out) is (status == 1)


@pytest.mark.parametrize("field", ["progressDeadlineSeconds", "minReadySeconds",
                                   "revisionHistoryLimit"])
def test_a_deployment_count_past_int32_is_refused_at_its_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str) -> None:
    # progressDeadlineSeconds and revisionHistoryLimit 2^31 were valid; minReadySeconds 2^31 was
    # blamed on progressDeadlineSeconds ("600 must be greater than minReadySeconds")
    plan = _minimal(tmp_path)
    deployment = plan.parent / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace(
        "  replicas: 2\n", f"  replicas: 2\n  {field}: 2147483648\n"))
    assert cli.main(["validate", str(plan)]) == 1
    out = capsys.readouterr().out
    assert (f"{plan}:25: proposed.workloads[0].deployment: spec.{field} of Deployment 'api' in "
            "deployment.yaml: 2147483648 is above 2,147,483,647, the largest int32 the API "
            "server takes; write the real number\n") in out
    assert "1 problem(s)" in out


def test_simulate_names_the_files_of_a_pod_no_node_holds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was "error: a pod requesting 60000m CPU ... does not fit on node group 'm5.large' ...":
    # neither the Deployment file that asked 60 cores nor the flag that chose the node named
    deployment = tmp_path / "deployment.yaml"
    deployment.write_text((DATA / "argo" / "deployment.yaml").read_text().replace(
        "cpu: 250m", 'cpu: "60"'))
    assert cli.main([*SIMULATE, "--deployment", str(deployment)]) == 2
    assert capsys.readouterr().err.startswith(
        f"error: {deployment}, --instance-type m5.large: a pod requesting 60000m CPU and 384 MiB "
        "does not fit on node group 'm5.large'")


def test_a_pod_capacity_below_a_request_a_day_is_refused(
        capsys: pytest.CaptureFixture[str]) -> None:
    # was ZeroDivisionError: float division by zero (5e-324 rps underflowed the latency model);
    # one request a day is 1 / 86,400 s = 1.157e-05 rps
    assert cli.main([*SIMULATE[:5], "--capacity-rps-per-pod", "5e-324",
                     "--cpu-millicores-per-rps", "10"]) == 2
    assert capsys.readouterr().err == (
        "error: --capacity-rps-per-pod (=4.94066e-324) must be at least 1.16e-05 (one request a "
        "day): a slower pod serves nothing in a scenario; check the value and its unit (requests "
        "per second)\n")


def test_a_memory_request_too_small_to_bind_leaves_the_pod_count_to_the_node(
        capsys: pytest.CaptureFixture[str]) -> None:
    # was OverflowError: cannot convert float infinity to integer (6,903 MiB / 1e-320 MiB);
    # the m5.large's 29 pods less its 2 DaemonSet pods bind instead: the run completes
    from infra_toolkit.nodes import NodeGroup, pod_slots

    assert cli.main([*SIMULATE, "--memory-request-mib", "1e-320", "--format", "json"]) == 0
    assert '"peak_replicas"' in capsys.readouterr().out
    group = NodeGroup("g", "m5.large", vcpu=2, memory_gib=8, max_pods=29,
                      reserved_cpu_millicores=0, reserved_memory_mib=0, daemonset_pods=2)
    # CPU: 2,000m / 10m = 200 pods; memory: 8,192 MiB / 1e-320 MiB is past any count; the pod
    # limit binds: 29 max pods - 2 DaemonSet pods = 27
    assert pod_slots(group, 10, 1e-320) == 27


def test_a_bare_equals_sign_is_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was "deployment.yaml:15: YAML syntax error: could not determine a constructor for the tag
    # 'tag:yaml.org,2002:value'" (YAML 1.1's value key); kubectl reads `image: =` as text
    plan = _minimal(tmp_path)
    deployment = plan.parent / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("image: example/api:1.0", "image: ="))
    assert cli.main(["validate", str(plan)]) == 0
    assert "valid; digest" in capsys.readouterr().out
    from infra_toolkit.plan_yaml import PlanLoader

    assert yaml.load("title: =", Loader=PlanLoader) == {"title": "="}


def test_simulate_names_the_size_flags_of_a_node_no_pod_fits(
        capsys: pytest.CaptureFixture[str]) -> None:
    # the node's size came from --vcpu: named beside --instance-type, whose type it overrides
    assert cli.main([*SIMULATE, "--vcpu", "0.5"]) == 2
    assert capsys.readouterr().err.startswith(
        "error: --instance-type m5.large, --vcpu 0.5: a pod requesting 500m CPU and 256 MiB does "
        "not fit on node group 'm5.large'")


@pytest.mark.parametrize("command", [["simulate"], ["sweep", "--workload", "backend"]])
def test_a_horizon_under_one_step_is_worded_for_the_flag(
        capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    # was "horizon_h = 0.004 h is shorter than one step ...: give at least 0.0042 hours, or None
    # (null with -p on the command line)": the report's parameter and its -p, not the flag;
    # one 15 s step is 15 / 3,600 = 0.00417 h, rounded up to 0.0042
    plan = Path(__file__).parent.parent / "plans" / "ecommerce-eks.yaml"
    assert cli.main([command[0], str(plan), *command[1:], "--horizon-h", "0.004"]) == 2
    assert capsys.readouterr().err == (
        "error: --horizon-h 0.004 is shorter than one step (15 s) of scenario 'expected-day': "
        "give at least 0.0042 hours, or leave --horizon-h out to simulate whole scenarios\n")
