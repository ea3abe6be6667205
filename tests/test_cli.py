from __future__ import annotations

import argparse
import re
import tomllib
from pathlib import Path

import pytest

from infra_toolkit import __version__
from infra_toolkit.cli import main
from tests.conftest import REPO_ROOT


def test_version_subcommand_prints_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip() == __version__
    # the version pyproject.toml declares, installed in editable mode
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert __version__ == project["version"] == "0.1.0"


def test_unknown_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_a_closed_pipe_ends_quietly_without_a_traceback() -> None:
    import subprocess
    import sys

    # stdout is a pipe whose reader has already gone (`... | head` after head exited), and
    # unbuffered, so the first print raises BrokenPipeError inside the command.
    script = ("import os, sys; r, w = os.pipe(); os.close(r); os.dup2(w, 1); "
              "from infra_toolkit.cli import main; sys.exit(main(['version']))")
    proc = subprocess.run([sys.executable, "-u", "-c", script], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 1
    assert proc.stderr == ""  # no traceback, no "Exception ignored" at exit


def test_ctrl_c_is_one_line_and_status_130(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # audit8 A8-7: Ctrl-C during `report` printed a KeyboardInterrupt traceback from nbformat
    from infra_toolkit import cli

    def interrupted(_args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_COMMANDS", [(cli._add_version, "version", interrupted)])
    assert main(["version"]) == 130  # 128 + SIGINT (2), as a shell reports it
    captured = capsys.readouterr()
    assert captured.err == "error: interrupted (Ctrl-C); the command stopped before it finished\n"
    assert captured.out == ""


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    """Every subcommand's parser by its command line (``pricing lookup``), nested ones too."""
    from infra_toolkit.cli import build_parser

    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser: argparse.ArgumentParser, words: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    found[f"{words} {name}".strip()] = child
                    walk(child, f"{words} {name}")

    walk(build_parser(), "")
    return found


def test_every_subcommand_says_what_it_does() -> None:
    # a newcomer's `infra-toolkit gate --help` said only its options: no word of what it
    # checks or of its exit status, as cost, report, submit, queue, status, verify, version,
    # traffic and pricing's actions
    parsers = _subcommands()
    assert sorted(parsers) == [
        "approve", "comment", "cost", "gate", "pricing", "pricing lookup", "pricing refresh",
        "pricing show", "pricing spot", "queue", "reject", "report", "request-changes",
        "simulate", "status", "submit", "sweep", "traffic", "traffic cloudwatch", "validate",
        "verify", "version"]
    assert [name for name, p in parsers.items() if not p.description] == []
    for name in ("cost", "gate", "report", "status", "validate", "verify", "sweep"):
        assert "Exit 0" in (parsers[name].description or ""), name


def test_every_default_is_stated_in_its_help() -> None:
    # before: `simulate --help` hid --instance-type's m5.large, --min-nodes 1, --max-nodes 10,
    # --provisioning-delay-s 120 and --concurrency 1; no --format said table; --jobs hid its 1
    missing = []
    for name, parser in _subcommands().items():
        # simulate keeps its flags' defaults apart, to tell a flag given from one left out
        hidden = parser.get_default("flag_defaults") or {}
        for action in parser._actions:
            default = hidden.get(action.dest, action.default)
            switch = isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction))
            # a switch's default is its absence; an empty text (--comment) is none given
            if action.option_strings and not switch and default not in (
                    None, "", [], argparse.SUPPRESS):
                if "default" not in (action.help or ""):
                    missing.append(f"{name} {action.option_strings[-1]}")
    assert missing == []


@pytest.mark.parametrize(("command", "option", "help_text"), [
    ("simulate", "--instance-type", "its vCPU, memory and max pods come from the instance "
                                    "specs table; default m5.large"),
    ("simulate", "--provisioning-delay-s", "a new node's time from the autoscaler's scan to "
                                           "Ready, at most 3600 (as a plan's); default 120, or "
                                           "45 with --karpenter"),
    ("report", "--jobs", "plans built in parallel (default 1)"),
    ("sweep", "--format", "output format (default table); columns: README, Output columns"),
])
def test_help_texts(command: str, option: str, help_text: str) -> None:
    parser = _subcommands()[command]
    (action,) = [a for a in parser._actions if option in a.option_strings]
    assert action.help == help_text


def test_a_plan_argument_and_a_workload_are_named_alike_everywhere() -> None:
    # sweep said `plan` and `--workload WORKLOAD` where every other command says PLAN.yaml
    # and simulate `--workload NAME`
    shown = {}
    for name, parser in _subcommands().items():
        for action in parser._actions:
            if action.dest in ("plan", "plans", "target"):
                shown[name] = action.metavar
            if "--workload" in action.option_strings:
                shown[f"{name} --workload"] = action.metavar
    assert shown == {
        "validate": "PLAN.yaml", "simulate": "PLAN.yaml", "sweep": "PLAN.yaml",
        "report": "PLAN.yaml", "submit": "PLAN.yaml", "status": "PLAN.yaml|review-NNN",
        "approve": "PLAN.yaml", "reject": "PLAN.yaml", "request-changes": "PLAN.yaml",
        "comment": "PLAN.yaml|review-NNN", "gate": "PLAN.yaml",
        "simulate --workload": "NAME", "sweep --workload": "NAME"}


def test_report_names_a_missing_plan_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # it said `error: plans/ecommerce.yaml: plan file plans/ecommerce.yaml does not exist`
    monkeypatch.chdir(tmp_path)
    assert main(["report", "plans/ecommerce.yaml"]) == 1
    assert capsys.readouterr().err == ("error: plan file plans/ecommerce.yaml does not exist; "
                                       "pass the path of a plan YAML\n")


def test_cost_of_a_plan_missing_a_side_names_the_plan_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # `cost plan.yaml` of a plan whose `proposed:` is misspelt was read as a resources file,
    # which said "a plan (current / proposed), not a resources file: run infra-toolkit cost
    # plan.yaml": the command just run
    plan = tmp_path / "plan.yaml"
    plan.write_text((REPO_ROOT / "plans/ecommerce-eks.yaml").read_text(encoding="utf-8")
                    .replace("\nproposed:", "\npropsed:", 1), encoding="utf-8")
    assert main(["cost", str(plan)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {plan}: ")
    assert f"{plan}: proposed: missing (required); add a `proposed:` section\n" in err
    assert "unknown key 'propsed'; did you mean 'proposed'?" in err
    assert "not a resources file" not in err


def test_cloudwatch_refuses_an_average_before_asking_aws(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # with no region configured it said "cannot create the CloudWatch client: You must specify
    # a region" and never that an Average is no request count (README, CloudWatch)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    with pytest.raises(SystemExit) as exc:
        main(["traffic", "cloudwatch", "--load-balancer", "app/shop/1", "--start", "2026-11-23",
              "--end", "2026-11-24", "--statistic", "Average", "--out", "x.csv"])
    assert exc.value.code == 2
    assert ("argument --statistic: invalid choice: 'Average' (choose from 'Sum', 'SampleCount')"
            in capsys.readouterr().err)


def test_simulate_placeholders_give_the_unit() -> None:
    # they were the argparse dests (--startup-cpu-s STARTUP_CPU_S, --memory-mib-per-rps
    # MEMORY_MIB_PER_RPS); now the unit the name ends in
    usage = _subcommands()["simulate"].format_usage()
    for shown in ("--startup-cpu-s SECONDS", "--memory-request-mib MIB",
                  "--memory-mib-per-rps MIB", "--cpu-request-millicores MILLICORES",
                  "--slo-p95-latency-ms MS", "--memory-gib GIB", "--instance-type TYPE",
                  "--max-pods N", "--concurrency N"):
        assert shown in " ".join(usage.split()), shown
    assert re.findall(r"\b[A-Z]+_[A-Z_]+\b", usage) == []


def test_pricing_lookup_refuses_a_misspelt_region_code(capsys: pytest.CaptureFixture[str]) -> None:
    # `--region us-east1` said "Refresh the table for your region (infra-toolkit pricing refresh
    # --service AmazonEC2 --region us-east1)", a region AWS does not have
    assert main(["pricing", "lookup", "--region", "us-east1", "--instance-type", "t3.medium"]) == 2
    assert capsys.readouterr().err == ("error: pricing lookup --region: region 'us-east1' is not "
                                       "an AWS region code; write it like us-east-1\n")


def test_cost_names_a_region_flag_no_table_prices(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # it said "resources[0].region: 'eu-west-9' is not a region ...", a field the file lacks
    today = tmp_path / "today.yaml"
    today.write_text("resources:\n  - {type: aws_instance, name: web, instance_type: t3.medium}\n")
    assert main(["cost", str(today), "--region", "eu-west-9"]) == 2
    assert capsys.readouterr().err == (
        "error: --region 'eu-west-9': no pricing table or rate prices that region; did you mean "
        "'eu-west-1', 'eu-west-2' or 'eu-west-3'?; pass a region code a table or rate prices, "
        "or leave --region out to price each resource in its own region; if it is a region the "
        "tables lack, price it with `infra-toolkit pricing refresh --service AmazonEC2 --region "
        "eu-west-9` (and the other services it uses) or with rates in an overrides file "
        "(pricing_data/README.md)\n")
