"""Hostile inputs found by fuzzing the CLI (fuzz19): each is one error at its file and field,
never a Python traceback or a silently wrong number."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from infra_toolkit import cli

DB = ("{type: aws_db_instance, name: main, engine: postgres, instance_class: db.t3.medium, "
      "allocated_storage: 100, region: us-east-1}")


def _cost(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = cli.main(["cost", str(path)])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


@pytest.mark.parametrize("written", ["[aws_db_instance]", "{a: 1}"])
def test_a_resource_type_written_as_a_list_or_mapping_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str) -> None:
    # was TypeError: unhashable type (the type looked up in the schemas as a key)
    path = tmp_path / "res.yaml"
    path.write_text(f"resources:\n  - {DB}\n  - {{type: {written}, name: x}}\n")
    status, text = _cost(path, capsys)
    assert status == 2
    assert str(path) in text
    assert "resources[1].type:" in text and "is not a supported resource type" in text
    assert "Traceback" not in text and "unhashable" not in text


@pytest.mark.parametrize("written", ["[main]", "{a: 1}"])
def test_a_db_instance_name_written_as_a_list_or_mapping_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str) -> None:
    # was TypeError: unhashable type in the read replicas' source lookup, before the name check
    path = tmp_path / "res.yaml"
    db = DB.replace("name: main", f"name: {written}")
    path.write_text(f"resources:\n  - {db}\n")
    status, text = _cost(path, capsys)
    assert status == 2
    assert str(path) in text
    assert "resources[0].name:" in text and "non-empty string name" in text
    assert "unhashable" not in text


DATA = Path(__file__).parent / "data"


def test_simulate_names_the_hpa_file_of_a_metric_the_model_cannot_produce(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was "error: HPA 'checkout' spec.metrics[0] (Resource gpu) cannot be simulated ...", no file
    hpa = tmp_path / "hpa.yaml"
    hpa.write_text((DATA / "hpa" / "behavior-partial.yaml").read_text().replace("name: cpu",
                                                                              "name: gpu"))
    traffic = tmp_path / "t.csv"
    traffic.write_text("timestamp,requests_per_second\n0,10\n300,10\n")
    status = cli.main(["simulate", "--traffic", str(traffic), "--hpa", str(hpa),
                       "--capacity-rps-per-pod", "25", "--cpu-millicores-per-rps", "10"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"error: {hpa}: HPA 'checkout' spec.metrics[0] (Resource gpu) cannot be "
                          "simulated; supported: Resource cpu and memory")


SIMULATE = ["simulate", "--traffic", str(DATA / "argo" / "traffic.csv"), "--hpa",
            str(DATA / "hpa" / "minimal.yaml"), "--capacity-rps-per-pod", "25",
            "--cpu-millicores-per-rps", "10"]


@pytest.mark.parametrize(("flags", "message"), [
    # were tracebacks: OverflowError / ValueError from math.ceil on the probes' grid, from the
    # node's memory overhead, from int() in the whole-number rule
    (["--app-start-s", "inf"], "--app-start-s (=inf) must be a finite number >= 0"),
    (["--image-pull-s", "nan"], "--image-pull-s (=nan) must be a finite number >= 0"),
    (["--memory-gib", "nan"], "--memory-gib (=nan) must be a finite number > 0"),
    (["--memory-gib", "1e309"], "--memory-gib (=inf) must be a finite number > 0"),
    # were worded for the specs' fields (node group 'm5.large'.vcpu, probe period_s,
    # cluster-autoscaler.provisioning_delay_s): now the flag given
    (["--vcpu", "-1"], "--vcpu (=-1.0) must be a finite number > 0"),
    (["--max-nodes", "0"], "--max-nodes (=0) must be >= --min-nodes (=1) and >= 1"),
    (["--provisioning-delay-s", "-1"], "--provisioning-delay-s (=-1.0) must be >= 0 seconds"),
    (["--readiness-period-s", "0"],
     "--readiness-period-s (=0.0) must be a whole number of seconds >= 1"),
    (["--readiness-delay-s", "nan"], "--readiness-delay-s (=nan) must be a finite number >= 0"),
])
def test_simulate_refuses_a_bad_flag_naming_it(capsys: pytest.CaptureFixture[str],
                                               flags: list[str], message: str) -> None:
    assert cli.main([*SIMULATE, *flags]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"


def test_an_infinite_metric_resolution_is_refused_by_its_rule(
        capsys: pytest.CaptureFixture[str]) -> None:
    # was OverflowError: cannot convert float infinity to integer (require_whole's int())
    with pytest.raises(SystemExit):
        cli.main([*SIMULATE, "--metric-resolution-s", "inf"])
    assert ("argument --metric-resolution-s: --metric-resolution-s (=inf) must be a "
            "whole number of seconds >= 1") in capsys.readouterr().err


@pytest.mark.parametrize("kept", ["op: '>', threshold: 1", "signal: pending_pods, threshold: 1"])
def test_an_alert_condition_missing_a_required_text_is_one_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], kept: str) -> None:
    # was AttributeError: 'NoneType' object has no attribute 'casefold': the mapping reported the
    # missing key, the text reader's second "missing" was dropped, and None reached the check
    shutil.copytree(DATA / "plans", tmp_path / "plans")
    plan = tmp_path / "plans" / "minimal.yaml"
    plan.write_text(plan.read_text().replace(
        "severity: critical, summary: the API is down}",
        f"severity: critical, summary: the API is down, simulated: {{{kept}}}}}"))
    assert cli.main(["validate", str(plan)]) == 1
    out = capsys.readouterr().out
    field = "signal" if "signal" not in kept else "op"
    assert f"{plan}:47: monitoring.alerts[0].simulated.{field}: missing (required)" in out
    # and only that: no second problem about the None passed on ("None is not a comparison")
    assert "1 problem(s)" in out and "None" not in out


def _shipped_plan(tmp_path: Path, name: str) -> tuple[Path, str]:
    """A copy of ``plans/NAME.yaml`` with its manifests and traces in ``tmp_path``: the copy's
    path and the plan's text, for the test to write back changed."""
    plans = Path(__file__).parent.parent / "plans"
    shutil.copytree(plans / name, tmp_path / name)
    shutil.copytree(plans / "traces", tmp_path / "traces")
    return tmp_path / f"{name}.yaml", (plans / f"{name}.yaml").read_text()


def test_a_plans_cluster_config_with_two_cluster_configs_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was valid: the plan read the first ClusterConfig and silently dropped the second (here its
    # general group's maxSize 99), though `read_cluster_config` refuses such a file
    plan, text = _shipped_plan(tmp_path, "ecommerce-eks")
    plan.write_text(text)
    cluster = tmp_path / "ecommerce-eks" / "cluster.yaml"
    text = cluster.read_text()
    cluster.write_text(text + "\n---\n" + text.replace("maxSize: 10", "maxSize: 99"))
    assert cli.main(["validate", str(plan)]) == 1
    assert (f"{plan}:49: proposed.cluster_config: cluster.yaml: 2 ClusterConfig documents "
            "(documents 1, 2); eksctl reads one per file: keep one, or put each cluster in its "
            "own file") in capsys.readouterr().out


@pytest.mark.parametrize("ports", ["7", "{hostPort: 80}"])
def test_container_ports_that_are_no_list_are_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], ports: str) -> None:
    # was "could not be checked: infra_toolkit.manifests failed with TypeError: 'int' object is
    # not iterable" (host_ports), and a mapping's hostPort silently not read
    shutil.copytree(DATA / "plans", tmp_path / "plans")
    deployment = tmp_path / "plans" / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace(
        "          image: example/api:1.0\n", f"          image: example/api:1.0\n"
        f"          ports: {ports}\n"))
    assert cli.main(["validate", str(tmp_path / "plans" / "minimal.yaml")]) == 1
    out = capsys.readouterr().out
    assert ("proposed.workloads[0].deployment: spec.template.spec.containers[0].ports of "
            "Deployment 'api' in deployment.yaml is ") in out
    assert "not a list, which the API server refuses; write a list such as ports:" in out
    assert "TypeError" not in out


@pytest.mark.parametrize(("written", "shown"), [("[compute]", "['compute']"), ("7", "7")])
def test_a_node_group_name_that_is_no_text_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, shown: str) -> None:
    # was valid: read as no name, the group silently named after the resource
    shutil.copytree(DATA / "plans", tmp_path / "plans")
    plan = tmp_path / "plans" / "minimal.yaml"
    plan.write_text(plan.read_text().replace(
        "      name: general\n", f"      name: general\n      node_group_name: {written}\n"))
    assert cli.main(["validate", str(plan)]) == 1
    assert (f"proposed.resources[1].node_group_name: {shown} is not a node group name; write it "
            "as text, e.g. node_group_name: general (or remove it: the group is then named "
            "general)") in capsys.readouterr().out


def test_a_traffic_share_past_a_billion_requests_per_second_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was valid, then `validate` ran the latency model's bisection at 1e30 rps without end;
    # the trace peaks at 12 rps, and 12 x 1e9 = 1.2e10 rps is past the billion a rate may be
    shutil.copytree(DATA / "plans", tmp_path / "plans")
    plan = tmp_path / "plans" / "minimal.yaml"
    plan.write_text(plan.read_text().replace(
        "      hpa: manifests/hpa.yaml\n",
        "      hpa: manifests/hpa.yaml\n      traffic_share: 1000000000\n"))
    assert cli.main(["validate", str(plan)]) == 1
    assert ("proposed.workloads[0].traffic_share: 1e+09 takes scenario 'steady' to 1.2e+10 "
            "requests per second for workload 'api' (12 x traffic_share), more than the "
            "1,000,000,000 (a billion) a rate may be") in capsys.readouterr().out


def test_plan_version_true_is_no_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    # was valid: `version: true` is Python's True, and True == 1
    shutil.copytree(DATA / "plans", tmp_path / "plans")
    plan = tmp_path / "plans" / "minimal.yaml"
    plan.write_text(plan.read_text().replace("\nversion: 1\n", "\nversion: true\n"))
    assert cli.main(["validate", str(plan)]) == 1
    assert (f"{plan}:2: version: True is not a plan version this toolkit reads; write "
            "`version: 1`") in capsys.readouterr().out


@pytest.mark.parametrize(("written", "why"), [
    ("abc", "'abc' is not a quantity"),
    ("-1Gi", "is negative: the API server refuses it")])
def test_an_ephemeral_storage_quantity_the_api_server_refuses_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, why: str) -> None:
    # was valid: ephemeral storage is summed quietly for a warning, an unreadable quantity as 0
    shutil.copytree(DATA / "plans", tmp_path / "plans")
    deployment = tmp_path / "plans" / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace(
        "requests: {cpu: 200m, memory: 256Mi}",
        f"requests: {{cpu: 200m, memory: 256Mi, ephemeral-storage: {written}}}"))
    assert cli.main(["validate", str(tmp_path / "plans" / "minimal.yaml")]) == 1
    out = capsys.readouterr().out
    assert ("proposed.workloads[0].deployment: spec.template.spec.containers[0].resources."
            "requests.ephemeral-storage (=") in out
    assert "in deployment.yaml" in out and why in out


def test_a_tiny_negative_memory_request_is_negative(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was valid: -0.0001 bytes is -0.1 milli-bytes, rounded up to 0 before the sign was checked
    shutil.copytree(DATA / "plans", tmp_path / "plans")
    deployment = tmp_path / "plans" / "manifests" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace("memory: 256Mi", "memory: -0.0001"))
    assert cli.main(["validate", str(tmp_path / "plans" / "minimal.yaml")]) == 1
    assert ("spec.template.spec.containers[0].resources.requests.memory (=-0.0001) in "
            "deployment.yaml is negative: the API server refuses it") in capsys.readouterr().out


def test_an_overrides_file_with_a_nul_byte_names_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was "not valid YAML: unacceptable character #x0000: ... in "<unicode string>", position
    # 12; fix the indentation, brackets or quoting on this line" (PyYAML's text, a wrong fix)
    overrides = tmp_path / "rates.yaml"
    overrides.write_text("version: 1\n\x00rates: []\n")
    status = cli.main(["cost", str(DATA / "cost" / "seed_current.yaml"),
                       "--pricing-overrides", str(overrides)])
    assert status == 2
    assert capsys.readouterr().err == (f"error: {overrides}:2: character U+0000 is not allowed "
                                       "in YAML; remove it\n")


@pytest.mark.parametrize(("key", "written"), [
    ("hpa_sync_period_s", "1e30"), ("metrics_resolution_s", "3601"),
    ("node_provisioning_s", "1e30"), ("node_provisioning_s", "3600.5")])
def test_a_simulation_timing_of_more_than_an_hour_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, written: str) -> None:
    # fuzz19 left alone, session 19: 1e30 was accepted and ran: the HPA never synced (or no node
    # arrived) within any scenario, and the report called the result the plan's behaviour
    shutil.copytree(DATA / "plans", tmp_path / "plans")
    plan = tmp_path / "plans" / "minimal.yaml"
    plan.write_text(plan.read_text() + f"\nsimulation:\n  {key}: {written}\n")
    assert cli.main(["validate", str(plan)]) == 1
    out = capsys.readouterr().out
    assert f"simulation.{key}: " in out and "must be <= 3600" in out and "1 problem(s)" in out


def test_a_simulation_timing_of_an_hour_is_accepted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(DATA / "plans", tmp_path / "plans")
    plan = tmp_path / "plans" / "minimal.yaml"
    plan.write_text(plan.read_text() + "\nsimulation:\n  node_provisioning_s: 3600\n")
    assert cli.main(["validate", str(plan)]) == 0
    assert "valid; digest" in capsys.readouterr().out


def test_simulate_names_the_instance_type_flag_of_an_unknown_type(
        capsys: pytest.CaptureFixture[str]) -> None:
    # fuzz19 left alone, session 19: "error: no EC2 instance spec price for instance_type=m5.larg
    # in ...": a spec is not a price, and the flag that gave the type was not named
    trace = Path(__file__).parent.parent / "plans" / "traces" / "nasa_http_1995-07-12_13_1min.csv"
    hpa = DATA / "hpa" / "minimal.yaml"
    status = cli.main(["simulate", "--traffic", str(trace), "--hpa", str(hpa),
                       "--capacity-rps-per-pod", "25", "--cpu-millicores-per-rps", "10",
                       "--instance-type", "m5.larg"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("error: --instance-type m5.larg: ec2_instance_specs_")
    assert "nearest instance_type: m5.large" in err and "price" not in err
    assert err.rstrip().endswith("or give the node's size with --vcpu, --memory-gib and --max-pods")


def test_a_missing_instance_spec_is_no_missing_price() -> None:
    from infra_toolkit.errors import PriceNotFound
    from infra_toolkit.pricing import load_price_book
    with pytest.raises(PriceNotFound, match=r"^no EC2 instance spec row for instance_type=nosuch "
                                            r"in ec2_instance_specs_"):
        load_price_book().instance_spec("nosuch")


def test_an_alert_without_its_workload_is_named_beside_other_problems(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # author19b, session 19: an unknown key in monitoring.metrics hid the missing `workload:` of
    # a simulated alert until it was fixed (the check ran on the whole plan, only once every
    # section read); validate lists every problem at once
    plan, text = _shipped_plan(tmp_path, "search-api")
    mapped = 'simulated: {signal: p95_latency_ms, op: ">", threshold: 250, workload: search-api}'
    metric = "      source: Prometheus (search-api)\n"
    assert mapped in text and metric in text
    plan.write_text(text.replace(mapped, mapped.replace(", workload: search-api", ""))
                    .replace(metric, metric + "      bogus: 1\n", 1))
    assert cli.main(["validate", str(plan)]) == 1
    out = capsys.readouterr().out
    assert "monitoring.metrics[0].bogus: unknown key 'bogus'" in out
    assert ("monitoring.alerts[1].simulated: the plan has 2 autoscaled workloads; say which the "
            "alert watches with `workload:` (one of search-api, search-indexer, or a list of "
            "them)") in out
    assert "2 problem(s)" in out
