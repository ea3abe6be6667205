"""Every README example runs (tests/readme_examples.py); the two that cannot run here (the make
targets and installing JupyterLab, which needs the network) are checked as far as they can be."""

from __future__ import annotations

import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import nbformat

from infra_toolkit.cli import build_parser
from infra_toolkit.digest import plan_digest
from infra_toolkit.plan import read_plan
from tests.conftest import REPO_ROOT
from tests.readme_examples import (
    DEFAULT_PLAN,
    README,
    ReportRun,
    examples,
    make_workspace,
    run_example,
    sh_blocks,
)

MAKE_BLOCK = ("make report   # creates .venv, installs, writes reports/ecommerce-eks.html from the "
              "default plan\nmake test     # same environment, whole test suite\n")
JUPYTER_BLOCK = ".venv/bin/pip install -e '.[notebooks]'\n.venv/bin/jupyter lab notebooks/\n"
CLOUDWATCH_BLOCK = ("infra-toolkit traffic cloudwatch --load-balancer "
                    "app/shop/50dc6c495c0c9188 \\\n"
                    "    --start 2026-11-23T00:00:00Z --end 2026-11-24T00:00:00Z --region "
                    "us-east-1 \\\n    --out plans/traces/shop-monday.csv\n")
PRICING_BLOCK = ("infra-toolkit pricing refresh --service AmazonEC2 --region eu-west-1   "
                 "# instance prices\ninfra-toolkit pricing refresh --other-services "
                 "--region eu-west-1      # EKS, ELB, NAT, EBS, RDS storage\n")


def test_every_sh_block_is_run_or_checked() -> None:
    run = examples()
    assert list(run) == ["check-and-report", "sign-off", "sweep", "notebook-batch"]
    assert sh_blocks() == [MAKE_BLOCK, run["check-and-report"], PRICING_BLOCK, run["sign-off"],
                           run["sweep"],
                           CLOUDWATCH_BLOCK, run["notebook-batch"], JUPYTER_BLOCK]


def test_check_and_report_output(default_report: ReportRun) -> None:
    out = default_report.stdout
    digest = plan_digest(read_plan(default_report.workspace / DEFAULT_PLAN))
    assert f"{DEFAULT_PLAN}: valid; digest {digest}" in out
    # the NASA trace peaks at 6.75 req/s (13 July 13:49Z), x 37.89 = 255.76 req/s; at the 70 %
    # CPU target a pod takes 250m x 0.70 / 10m per req/s = 17.5 req/s, so the peak needs
    # ceil(255.76 / 17.5) = 15 pods, maxReplicas 15
    assert re.search(r"^peak_replicas\s+15$", out, re.M)
    # simulate PLAN: the launch-day run of the report, led by what was run; backend has its
    # node group alone; launch-day is the same trace x 37.89, so the same 15 pods at its peak
    assert re.search(rf"^plan\s+{DEFAULT_PLAN}\ndigest\s+{digest}\nscenario\s+launch-day\n"
                     r"workload\s+backend\nnode_groups\s+general\nshared_nodes_with\s+none\n",
                     out, re.M)
    assert len(re.findall(r"^peak_replicas\s+15$", out, re.M)) == 2
    # today.yaml: t3.medium 730 h x $0.0416 = 30.368, default 8 GB gp2 root x $0.10 = 0.80
    assert "TOTAL $31.17 per month (730 hours)" in out
    assert f"{DEFAULT_PLAN} submitted as review-001" in out
    assert "reports/ecommerce-eks.html (" in out


def test_report_size_is_near_the_readmes(default_report: ReportRun) -> None:
    # "the default plan's is 5.3 MB, under the ~10 MB attachment limit": the figure as
    # `report` prints it (MB of 10^6 bytes); a tenth or two either way is a chart's change,
    # more is a README to update
    text = " ".join(README.read_text(encoding="utf-8").split())
    stated = re.search(r"the default plan's is (\d+\.\d) MB, under the ~10 MB", text)
    assert stated, "README no longer gives the default report's size"
    size_mb = default_report.html_path.stat().st_size / 1e6
    assert abs(size_mb - float(stated.group(1))) <= 0.25 and size_mb < 10, size_mb


def test_sign_off_example(default_report: ReportRun) -> None:
    done = run_example("sign-off", default_report.workspace, default_report.db)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("FAIL: plans/ecommerce-eks.yaml: review-001 AWAITING APPROVAL: 0 of 2")
    assert "not approved yet: the gate exits 1" in out
    assert re.search(r"^plans/ecommerce-eks\.yaml: review-001 APPROVED by alice at \S+, bob at "
                     r"\S+$", out, re.M)
    assert "\nPASS: " in out and "the pipeline may deploy" in out
    # the request and two approvals (gate and status only read)
    assert re.search(r"^OK: .*approvals\.sqlite: 3 records, chain valid", out, re.M)


def test_notebook_batch_example(default_report: ReportRun) -> None:
    done = run_example("notebook-batch", default_report.workspace, default_report.db)
    assert done.returncode == 0, done.stderr
    executed = nbformat.read(default_report.workspace / "explorer.ipynb", as_version=4)
    widget = executed.cells[-1].outputs[0]
    assert "application/vnd.jupyter.widget-view+json" in widget["data"]
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "scenario = \"flash-crowd\"" in injected[0].source


def test_sweep_example_prints_the_readme_excerpt(tmp_path: Path) -> None:
    done = run_example("sweep", make_workspace(tmp_path), tmp_path / "none.sqlite")
    assert done.returncode == 0, done.stderr
    text = README.read_text(encoding="utf-8")
    excerpt = text.split("Its output (columns cut):\n\n```text\n", 1)[1].split("```", 1)[0]
    header, *rows = excerpt.splitlines()
    # the README cuts columns after "vs baseline": up to there each line is the output's own
    cut = header.index("vs baseline") + len("vs baseline")
    lines = done.stdout.splitlines()
    assert any(ln.startswith(header[:cut]) for ln in lines)
    for row in rows:
        assert any(ln.startswith(row[:cut]) for ln in lines), row
        assert row[cut:].split()[-1] in ("yes", "NO", "min")
    assert "NO 57.5 min" in done.stdout
    # the outcome line the text after the excerpt quotes is this run's
    outcome = re.search(r"then the `outcome` line \(`([^`]+)`", " ".join(text.split()))
    assert outcome and f"\noutcome: {outcome.group(1)}\n" in done.stdout


def test_make_report_runs_the_report_command() -> None:
    dry = subprocess.run(["make", "--no-print-directory", "-n", "report"], cwd=REPO_ROOT,
                         capture_output=True, text=True, check=True)
    assert dry.stdout.splitlines()[-1] == ".venv/bin/infra-toolkit report plans/ecommerce-eks.yaml"


def test_notebooks_extra_installs_jupyterlab() -> None:
    extras = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert [re.split(r"[<>=]", spec)[0] for spec in extras["notebooks"]] == ["jupyterlab"]
    assert "jupyterlab" not in " ".join(extras["dev"])  # make test stays without it


def test_cloudwatch_example_is_a_valid_command() -> None:
    # it needs AWS, so it cannot run here: its arguments parse, and the CSV it writes (the same
    # format, tests/test_traffic_capture.py) goes where plans keep their traces
    words = shlex.split(CLOUDWATCH_BLOCK.replace("\\\n", " "))
    assert words[0] == "infra-toolkit"
    args = build_parser().parse_args(words[1:])
    assert (args.command, args.traffic_command) == ("traffic", "cloudwatch")
    assert args.out.startswith("plans/traces/") and args.period_s == 60


def test_pricing_refresh_examples_are_valid_commands() -> None:
    # they call AWS, so they cannot run here (tests/test_pricing_refresh*.py stub the API):
    # each parses as the refresh it says
    parsed = [build_parser().parse_args(shlex.split(line, comments=True)[1:])
              for line in PRICING_BLOCK.splitlines()]
    assert [(a.command, a.pricing_command, a.service, a.other_services, a.region)
            for a in parsed] == [("pricing", "refresh", "AmazonEC2", False, ["eu-west-1"]),
                                 ("pricing", "refresh", None, True, ["eu-west-1"])]


def test_plan_md_python_calls_exist() -> None:
    # docs/PLAN.md's "Using a plan from Python" names module.function or Class.method calls:
    # each one must be there to be called as written
    import importlib

    from infra_toolkit.plan import Plan
    from infra_toolkit.plan_workloads import Workload

    text = (REPO_ROOT / "docs/PLAN.md").read_text(encoding="utf-8")
    table = text.split("## Using a plan from Python", 1)[1]
    calls = re.findall(r"`(\w+(?:\.\w+)+)\(", table)
    assert calls == [
        "plan.read_plan", "plan.validate_plan", "plan_validate.check_plan_warnings",
        "plan_warnings.plan_warnings", "Plan.referenced_files", "digest.plan_digest",
        "digest.digest_inputs", "Workload.workload_spec", "plan_traffic.scenario_curve",
        "plan_simulation.simulation_spec", "tuning.sweep_workload"]
    classes = {"Plan": Plan, "Workload": Workload}
    for call in calls:
        owner, name = call.rsplit(".", 1)
        where = classes.get(owner) or importlib.import_module(f"infra_toolkit.{owner}")
        assert callable(getattr(where, name, None)), call

