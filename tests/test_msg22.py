"""msg22: errors that reach ``infra-toolkit <command>`` name the flags the user typed
(``--hpa-name``, ``--step-s``, ``--metric-resolution-s``, ``--region``,
``--queue-depth-metric``), never the library's argument or field names (``name=``, ``step_s``,
``resolution_s``, ``region =``, ``queue_depth_metrics``); the library keeps its own words.

Each case was provoked from the command line and its old stderr is quoted in the comment."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_toolkit.cli import main
from infra_toolkit.errors import PricingError, SpecError, TrafficError
from infra_toolkit.hpa_yaml import read_hpa_yaml
from infra_toolkit.notebook_parameters import check_region
from infra_toolkit.pricing import load_price_book
from infra_toolkit.traffic import read_traffic_csv
from tests.test_simulate_cli import HPA

HPA_DATA = Path(__file__).parent / "data" / "hpa"
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: NAME}
spec:
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec: {containers: [{name: app, resources: {requests: {cpu: 500m}}}]}
"""
MODEL = ["--capacity-rps-per-pod", "25", "--cpu-millicores-per-rps", "10"]


def _simulate(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str,
              hpa: Path | None = None, csv: str = "0,10\n60,20\n120,30\n") -> str:
    """stderr of ``simulate --traffic t.csv --hpa ...`` with ``args``, after asserting exit 2."""
    traffic = tmp_path / "t.csv"
    traffic.write_text("timestamp,requests_per_second\n" + csv)
    if hpa is None:
        hpa = tmp_path / "hpa.yaml"
        hpa.write_text(HPA)
    code = main(["simulate", "--traffic", str(traffic), "--hpa", str(hpa), *MODEL, *args])
    assert code == 2
    return capsys.readouterr().err


def test_several_hpas_name_the_hpa_name_flag(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was: "...; pass name= (infra-toolkit simulate --hpa-name NAME) to choose one"
    hpa = HPA_DATA / "two-hpas.yaml"
    assert _simulate(tmp_path, capsys, hpa=hpa) == (
        f"error: {hpa} holds 2 HorizontalPodAutoscalers (a, b); pass --hpa-name=NAME to "
        "choose one\n")


def test_an_unknown_hpa_name_names_the_flag(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was: "...(its HPAs: a, b); pass one of those names" (pass them where?)
    hpa = HPA_DATA / "two-hpas.yaml"
    assert _simulate(tmp_path, capsys, "--hpa-name", "zz", hpa=hpa) == (
        f"error: {hpa} holds no HorizontalPodAutoscaler named 'zz' (its HPAs: a, b); pass one "
        "of those names as --hpa-name\n")


def test_the_library_keeps_its_argument_names() -> None:
    # a notebook user calls read_hpa_yaml(path, name=...): the fix names that argument
    with pytest.raises(SpecError) as raised:
        read_hpa_yaml(HPA_DATA / "two-hpas.yaml")
    assert str(raised.value).endswith(
        "holds 2 HorizontalPodAutoscalers (a, b); pass name=NAME to choose one")


def test_several_deployments_none_the_hpa_scales_are_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was: "... holds 2 Deployments/StatefulSets/Rollouts; point to a file with one workload",
    # naming neither; the HPA (web) scales neither 'api' nor 'worker' (author23)
    dep = tmp_path / "d.yaml"
    dep.write_text(DEPLOYMENT.replace("NAME", "api") + "---\n"
                   + DEPLOYMENT.replace("NAME", "worker"))
    assert _simulate(tmp_path, capsys, "--deployment", str(dep)) == (
        f"error: {dep} holds api, worker but no Deployment, StatefulSet or Rollout named "
        "'web', which HPA 'web' scales (its scaleTargetRef.name); point to the file holding "
        "it, or correct the HPA's scaleTargetRef.name\n")


def test_a_helm_render_of_several_deployments_runs_the_one_the_hpa_scales(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # author23: `helm template` writes every Deployment of a chart in one file; simulate
    # refused it ("point to a file with one workload") where a plan takes the Deployment its
    # HPA names. 'worker' requests no CPU, which the HPA's CPU Utilization metric would refuse
    # (exit 2): exit 0 shows 'web', the HPA's scaleTargetRef, was read.
    traffic = tmp_path / "t.csv"
    traffic.write_text("timestamp,requests_per_second\n0,10\n60,20\n120,30\n")
    hpa = tmp_path / "hpa.yaml"
    hpa.write_text(HPA)
    dep = tmp_path / "rendered.yaml"
    dep.write_text(DEPLOYMENT.replace("NAME", "worker").replace(
        "resources: {requests: {cpu: 500m}}", "resources: {}") + "---\n"
        + DEPLOYMENT.replace("NAME", "web"))
    assert main(["simulate", "--traffic", str(traffic), "--hpa", str(hpa), *MODEL,
                 "--deployment", str(dep)]) == 0
    assert "peak_replicas" in capsys.readouterr().out


def test_a_one_row_csv_names_the_step_flag(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was: "...; pass step_s=SECONDS (infra-toolkit simulate --step-s SECONDS) for how long..."
    err = _simulate(tmp_path, capsys, csv="0,10\n")
    assert err == (f"error: {tmp_path / 't.csv'} has one data row, so its interval is unknown; "
                   "pass --step-s=SECONDS for how long the row lasts\n")


@pytest.mark.parametrize(("step", "shown"), [("0", "0.0"), ("-60", "-60.0"), ("nan", "nan")])
def test_a_bad_step_names_the_step_flag(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], step: str, shown: str) -> None:
    # was: "t.csv: step_s (=0.0) must be a positive number of seconds (infra-toolkit simulate
    # --step-s SECONDS)"; the value is shown as the flag's float made it
    err = _simulate(tmp_path, capsys, "--step-s", step)
    assert err == (f"error: {tmp_path / 't.csv'}: --step-s (={shown}) must be a positive "
                   "number of seconds\n")


def test_the_csv_reader_keeps_its_argument_names(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("timestamp,requests_per_second\n0,10\n")
    with pytest.raises(TrafficError) as raised:
        read_traffic_csv(path)
    assert str(raised.value) == (f"{path} has one data row, so its interval is unknown; pass "
                                 "step_s=SECONDS for how long the row lasts")
    with pytest.raises(TrafficError) as raised:
        read_traffic_csv(path, step_s=0)
    assert str(raised.value) == f"{path}: step_s (=0) must be a positive number of seconds"


@pytest.mark.parametrize("seconds", ["0", "-1", "nan"])  # whole values reach the spec as ints
def test_a_bad_metric_resolution_names_its_flag(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], seconds: str) -> None:
    # was: "argument --metric-resolution-s: metrics pipeline resolution_s (=0) must be ..."
    with pytest.raises(SystemExit) as exited:
        _simulate(tmp_path, capsys, "--metric-resolution-s", seconds)
    assert exited.value.code == 2
    assert capsys.readouterr().err.endswith(
        f"argument --metric-resolution-s: --metric-resolution-s (={seconds}) must be a whole "
        "number of seconds >= 1\n")


def test_an_unknown_queue_depth_metric_names_its_flag(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was: "simulation 'baseline': queue_depth_metrics names foo, ..." (no simulation named
    # baseline at the command line, no queue_depth_metrics field)
    err = _simulate(tmp_path, capsys, "--queue-depth-metric", "foo", "--queue-timeout-s", "5")
    assert err == (
        f"error: --hpa {tmp_path / 'hpa.yaml'}: --queue-depth-metric names foo, no Object or "
        "External metric of the HPA (it has none); name the metric as spec.metrics writes it\n")


def test_cost_names_the_region_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was: "region = 'mars-1': ...; ..., or leave region unset to price each resource ..."
    today = tmp_path / "today.yaml"
    today.write_text("resources:\n  - {type: aws_instance, name: web, instance_type: t3.medium}\n")
    assert main(["cost", str(today), "--region", "mars-1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --region 'mars-1': no pricing table or rate prices that "
                          "region; valid: 'af-south-1', ")
    assert ("; pass a region code a table or rate prices, or leave --region out to price each "
            "resource in its own region; if it is a region the tables lack, price it with "
            "`infra-toolkit pricing refresh --service AmazonEC2 --region mars-1`") in err


def test_the_region_parameter_keeps_its_name() -> None:
    # the report's parameter (and a notebook's analyze_plan(region=...)) is still region =
    with pytest.raises(PricingError) as raised:
        check_region("mars-1", load_price_book())
    assert str(raised.value).startswith("region = 'mars-1': no pricing table or rate prices")
    assert "or leave region unset to price each resource in its own region" in str(raised.value)


def test_an_answer_to_no_question_is_numbered_as_typed(
        tmp_path: Path, plan_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was: "answer(s) to question [0, 9]: ... numbered 1-2" (a Python list, and no fix);
    # conftest's stand-in plan has 2 questions
    db = ["--db", str(tmp_path / "approvals.sqlite")]
    assert main(["submit", str(plan_file), "--requester", "dev", *db]) == 0
    capsys.readouterr()
    assert main(["approve", str(plan_file), "--reviewer", "alice", "--answer", "0=yes",
                 "--answer", "9=ops", *db]) == 2
    assert capsys.readouterr().err == (
        f"error: answer(s) to question 0, 9: {plan_file} has 2 question(s) for approval, "
        "numbered 1-2; nothing recorded: number each --answer N=TEXT from 1 to 2\n")


def test_spot_names_no_nearest_type_when_none_is_close(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was: "(zz: nearest ); ..." an empty list; refused before any AWS call
    assert main(["pricing", "spot", "--region", "us-east-1", "--instance-type", "zz",
                 "--out", str(tmp_path / "spot.yaml")]) == 2
    assert capsys.readouterr().err == (
        "error: pricing spot --instance-type: zz not in the instance specs tables (zz: no type "
        "close); an overrides file cannot use a rate for a type they lack: check the name, or "
        "add its specs row first (pricing_data/README.md); nothing fetched\n")


def test_cloudwatch_refuses_a_region_that_is_no_region_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was passed to AWS and said as "no usable AWS credentials", as pricing's --region is not
    assert main(["traffic", "cloudwatch", "--load-balancer", "app/shop/0123", "--start",
                 "2026-11-27T00:00:00Z", "--end", "2026-11-27T01:00:00Z", "--region", "xx",
                 "--out", str(tmp_path / "day.csv")]) == 2
    assert capsys.readouterr().err == (
        "error: traffic cloudwatch --region: region 'xx' is not an AWS region code; write it "
        "like us-east-1\n")


@pytest.mark.parametrize("pods", ["0", "2"])
def test_max_pods_at_most_the_daemonsets_names_the_flag(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], pods: str) -> None:
    # was: "--instance-type m5.large: a pod ... does not fit on node group 'm5.large' (...
    # -2 pod(s) free ...); lower the requests or use a larger instance type"; an EKS node runs
    # kube-proxy and aws-node, 2 pods, so --max-pods 2 leaves 2 - 2 = 0 slots
    assert _simulate(tmp_path, capsys, "--max-pods", pods) == (
        f"error: --max-pods (={pods}) leaves no pod slot on a node beside EKS's 2 DaemonSet "
        "pods (kube-proxy, aws-node); give --max-pods above 2, or leave it out for the "
        "instance type's\n")


@pytest.mark.parametrize(("command", "what"), [
    (["validate"], "plan"), (["simulate"], "plan"), (["cost"], "resources file")])
def test_a_yaml_file_that_is_not_utf8_says_so_without_python_words(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str],
        what: str) -> None:
    # was: "cannot read plan p.yaml: 'utf-8' codec can't decode byte 0xff in position 0:
    # invalid start byte; ..."; UTF-16 starts with its byte order mark, 0xff 0xfe
    path = tmp_path / "p.yaml"
    path.write_bytes("title: x\n".encode("utf-16"))
    assert main([*command, str(path)]) == 2
    assert capsys.readouterr().err == (
        f"error: {what} {path} is not UTF-8 text (byte 0xff at offset 0); save the file as "
        "UTF-8\n")


def test_a_price_table_that_is_not_utf8_says_how_to_save_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was: "t.csv: not UTF-8 text (invalid start byte at byte 0)", no fix
    table = tmp_path / "t.csv"
    table.write_bytes("region,instance_type\n".encode("utf-16"))
    today = tmp_path / "today.yaml"
    today.write_text("resources:\n  - {type: aws_instance, name: web, instance_type: t3.medium, "
                     "region: us-east-1}\n")
    assert main(["cost", str(today), "--pricing-table", str(table)]) == 2
    assert capsys.readouterr().err == (
        f"error: {table} is not UTF-8 text (byte 0xff at offset 0); save the table as UTF-8\n")


def test_sweep_help_speaks_of_the_check_not_its_functions(
        capsys: pytest.CaptureFixture[str]) -> None:
    # was: "the report's own SLO check (simulate + slo_check), run on the baseline and the
    # cheapest variants simulate_many's summary rows do not already reject"
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert ('"meets SLOs" is the report\'s own SLO check (a full simulation, judged as the '
            "report judges it), run on the baseline and the cheapest variants the screen's "
            'summary rows do not already reject; the others are "not confirmed".') in text
