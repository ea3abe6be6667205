"""cli23: four CLI answers that were wrong or in Python's terms, each provoked from the command
line; the old output is quoted in each test's comment, the new wording pinned by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_toolkit.cli import main
from infra_toolkit.errors import PlanError
from infra_toolkit.notebook_parameters import select_scenarios
from infra_toolkit.plan import read_plan

CLOUDWATCH = ["traffic", "cloudwatch", "--load-balancer", "app/shop/1", "--start",
              "2026-11-01T00:00:00Z", "--end", "2026-11-02T00:00:00Z", "--out", "x.csv"]


@pytest.mark.parametrize(("argv", "flag", "value", "kind"), [
    # was read as 60 (ARABIC-INDIC digits), then refused for a region 'xx' typed later
    ([*CLOUDWATCH, "--period-s"], "--period-s", "٦٠", "int"),
    ([*CLOUDWATCH, "--period-s"], "--period-s", "6_0", "int"),  # was 60
    # was a 3-day window (FULLWIDTH THREE), reaching for an AWS client
    (["pricing", "spot", "--region", "us-east-1", "--instance-type", "m5.large", "--out",
      "o.yaml", "--days"], "--days", "３", "int"),
    (["report", "plan.yaml", "--jobs"], "--jobs", "٢", "int"),  # was 2 jobs
])
def test_number_flags_are_ascii(capsys: pytest.CaptureFixture[str], argv: list[str], flag: str,
                                value: str, kind: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*argv, value])
    assert caught.value.code == 2
    assert f"argument {flag}: invalid {kind} value: '{value}'" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "flag", "value", "said"), [
    # was read as 15 s (ARABIC-INDIC ONE FIVE)
    (["simulate"], "--metric-resolution-s", "١٥", "a whole number of seconds >= 1"),
    # was already refused ('٣' isdigit), still is; '1_0' was refused too: one reader now
    (["sweep", "p.yaml", "--workload", "w"], "--top", "1_0", "a whole number >= 1"),
])
def test_own_readers_read_ascii_numbers(capsys: pytest.CaptureFixture[str], argv: list[str],
                                        flag: str, value: str, said: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*argv, flag, value])
    assert caught.value.code == 2
    assert f"argument {flag}: '{value}' is not {said}" in capsys.readouterr().err


PLAN = str(Path(__file__).parents[1] / "plans" / "ecommerce-eks.yaml")
SCENARIOS = "expected-day, launch-day, flash-crowd, load-test-1000-users"  # the plan's, in order


@pytest.mark.parametrize(("argv", "said"), [
    # was "--scenario: unknown scenario(s) ['flash-crwd'] for PLAN; did you mean 'flash-crowd'?;
    # the plan's scenarios: ...: give names from that list, or leave --scenario out ..."
    (["simulate", PLAN, "--scenario", "flash-crwd"],
     f"--scenario 'flash-crwd': no scenario of that name in {PLAN}; did you mean "
     f"'flash-crowd'?; the plan's scenarios: {SCENARIOS}; give one of those, or leave "
     "--scenario out for the default"),
    # two unknown names, one of them twice: each named once, as typed
    (["sweep", PLAN, "--workload", "backend", "--scenario", "nope", "--scenario", "nah",
      "--scenario", "nope"],
     f"--scenario 'nope', --scenario 'nah': no scenarios of those names in {PLAN}; the plan's "
     f"scenarios: {SCENARIOS}; give one of those, or leave --scenario out for the default"),
    # was "--scenario: scenarios ['launch-day', 'launch-day', ...] repeat for PLAN; ..."
    (["simulate", PLAN, "--scenario", "launch-day", "--scenario", "flash-crowd", "--scenario",
      "launch-day", "--scenario", "flash-crowd", "--scenario", "flash-crowd"],
     "--scenario 'launch-day' is given twice, --scenario 'flash-crowd' 3 times; pass each "
     f"scenario once (the plan's scenarios: {SCENARIOS}), or leave --scenario out for the "
     "default"),
    # was "--workload: ['backend', 'backend'] repeats a name; give each once (backend)"
    (["simulate", PLAN, "--workload", "backend", "--workload", "backend"],
     "--workload 'backend' is given twice; pass each workload once (workloads with an HPA: "
     "backend)"),
])
def test_scenario_and_workload_errors_in_the_flags_terms(
        capsys: pytest.CaptureFixture[str], argv: list[str], said: str) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == f"error: {said}\n"


def test_the_notebook_parameter_keeps_its_words() -> None:
    # the report's -p scenarios / the notebook's scenarios is a list, and said as one
    plan = read_plan(PLAN)
    with pytest.raises(PlanError) as raised:
        select_scenarios(plan, ["nope", "nope"])
    assert str(raised.value) == (
        f"scenarios: unknown scenario(s) ['nope', 'nope'] for {PLAN}; the plan's scenarios: "
        f"{SCENARIOS}: give names from that list, or None for all")


@pytest.mark.parametrize(("flag", "value", "said"), [
    # both were accepted and sent to GetMetricData (here they reached the region check first)
    ("--namespace", "", "--namespace '' is blank; give the metric's namespace, or leave "
                        "--namespace out for the default, AWS/ApplicationELB"),
    ("--metric", " ", "--metric ' ' is blank; give a count metric's name, or leave --metric out "
                      "for the default, RequestCount"),
])
def test_cloudwatch_namespace_and_metric_are_not_blank(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, flag: str,
        value: str, said: str) -> None:
    import infra_toolkit.cli_traffic as cli_traffic

    def no_client(*_: object) -> object:
        raise AssertionError("a client was made")

    monkeypatch.setattr(cli_traffic, "_client", no_client)
    # --region xx is refused after the blank flag: the blank one is said first
    assert main([*CLOUDWATCH, "--region", "xx", flag, value]) == 2
    assert capsys.readouterr().err == f"error: traffic cloudwatch {said}\n"


FLAG_MODE = ["simulate", "--traffic", "t.csv", "--hpa", "missing-hpa.yaml",
             "--capacity-rps-per-pod", "25", "--cpu-millicores-per-rps", "10"]
TIMING_RULE = ("a timing of hours is a slip (minutes meant as seconds, an exponent); check the "
               "value and its unit (seconds)")


@pytest.mark.parametrize(("flag", "value", "field"), [
    # both ran with exit 0: no node ever Ready, no metric ever read in the run
    ("--provisioning-delay-s", "1e12", "node_provisioning_s"),
    ("--metric-resolution-s", "1000000000000", "metrics_resolution_s"),
    ("--provisioning-delay-s", "3600.5", "node_provisioning_s"),  # just past the hour
])
def test_simulate_timings_have_the_plans_bound(capsys: pytest.CaptureFixture[str], flag: str,
                                               value: str, field: str) -> None:
    # refused before any file is read: the HPA file does not exist
    assert main([*FLAG_MODE, flag, value]) == 2
    shown = "1e+12" if value.startswith("1") else "3600.5"  # as :g prints the value
    assert capsys.readouterr().err == (
        f"error: {flag} (={shown}) must be at most 3,600 s: a plan's simulation.{field} is held "
        f"to it too, as {TIMING_RULE}\n")


def test_an_hour_is_allowed(capsys: pytest.CaptureFixture[str]) -> None:
    # 3600 s is the bound itself: the next problem is the missing HPA file
    assert main([*FLAG_MODE, "--provisioning-delay-s", "3600", "--metric-resolution-s",
                 "3600"]) == 2
    assert "missing-hpa.yaml" in capsys.readouterr().err


def test_report_region_parameter_is_left_out_as_a_p_option(
        capsys: pytest.CaptureFixture[str]) -> None:
    # was "-p region = 'mars-1': ...; pass a region code a table or rate prices, or leave region
    # unset to price each resource in its own region" (the notebook's words for region = None)
    assert main(["report", PLAN, "-p", "region", "mars-1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {PLAN}: -p region 'mars-1': no pricing table or rate prices "
                          "that region; valid: 'af-south-1', ")
    assert ("; pass a region code a table or rate prices, or leave -p region out to price each "
            "resource in its own region; if it is a region the tables lack, price it with "
            "`infra-toolkit pricing refresh --service AmazonEC2 --region mars-1`") in err
    assert err.endswith("; nothing was built or written\n")
