"""What ``--help`` and the docs say of the commands is what they do: each option's help that gives
its default ("default 10", "default: the OS user" aside) gives the parser's; README's report
parameter table lists the report notebook's parameters, as ``report --help`` names them; every
``infra-toolkit`` command line of the docs' ``sh`` blocks parses with its own subcommand's
options (tests/test_docs_cli.py checks that an option exists in some subcommand); every
``make TARGET`` the docs name is a target of the Makefile."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
from pathlib import Path

import nbformat
import pytest
from papermill.translators import PythonTranslator

from infra_toolkit.cli import build_parser, main
from infra_toolkit.nodes import ClusterAutoscalerSpec
from tests.conftest import REPO_ROOT
from tests.test_docs_cli import DOCS

# a figure: a number (20,000 as printed), or one word or name such as m5.large or Linux/UNIX
_DEFAULT = re.compile(r"default:? (?:is )?(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?|[A-Za-z][\w./-]*\w)"
                      r"(?=[;,.)\s]|$)")


# left unset (None), the option takes the figure of what it replaces: simulate's
# "default 120, or 45 with --karpenter" is cluster-autoscaler's provisioning delay
UNSET_MEANS = {"simulate --provisioning-delay-s": ClusterAutoscalerSpec().provisioning_delay_s}


def _actions() -> list[tuple[str, argparse.Action, dict[str, object]]]:
    """Every option of every subcommand as typed, with the ``flag_defaults`` its parser sets
    (simulate's flag-mode options are SUPPRESSed: their defaults live there)."""
    return [(name, action, parser._defaults.get("flag_defaults", {}))
            for name, parser in _subparsers() for action in parser._actions
            if action.option_strings and action.help]


def _subparsers() -> list[tuple[str, argparse.ArgumentParser]]:
    """Every subcommand as typed with its parser."""
    out = []
    todo: list[tuple[str, argparse.ArgumentParser]] = [("", build_parser())]
    while todo:
        name, parser = todo.pop()
        out.append((name, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo += [(f"{name} {sub}".strip(), p) for sub, p in action.choices.items()]
    return out[1:]


def _figure(value: object) -> str:
    return f"{value:,g}" if isinstance(value, float) else \
        f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def stated_defaults() -> dict[str, tuple[str, str]]:
    """``command --option`` -> (the default its help states, the parser's, as text)."""
    out = {}
    for name, action, flag_defaults in _actions():
        # the first "default" only: --db's "(default: $INFRA_TOOLKIT_DB ...)" is followed by
        # the store timeout's "(default 30)", which is no default of --db
        text = " ".join((action.help or "").split())
        first = re.search(r"\bdefault\b.*", text)
        m = _DEFAULT.match(first.group(0)) if first else None
        # or the choice marked so: "Sum (default) or SampleCount", "push (default, ...)"
        m = m or re.search(r"([\w/-]+) (?=\(default[,)])", text)
        if not m or m.group(1) in ("the", "every", "one"):
            continue  # "default: the OS user", "default: every one": words, not a figure
        parsed = flag_defaults.get(action.dest, action.default)
        if hasattr(parsed, "resolution_s"):  # simulate's metrics settings, by their figure
            parsed = parsed.resolution_s
        key = f"{name} {action.option_strings[-1]}"
        out[key] = (m.group(1), _figure(UNSET_MEANS[key] if parsed is None else parsed))
    return out


def test_the_scan_reads_figures_and_words() -> None:
    # by hand from the help texts: sweep's "(default 20,000)", simulate's flag-mode
    # "default 10" (SUPPRESSed, read from flag_defaults) and pricing spot's "Linux/UNIX"
    stated = stated_defaults()
    assert stated["sweep --max-variants"][0] == "20,000"
    assert stated["simulate --image-pull-s"][0] == "10"
    assert stated["simulate --instance-type"][0] == "m5.large"
    assert stated["pricing spot --product-description"][0] == "Linux/UNIX"
    assert (stated["traffic cloudwatch --statistic"][0], stated["simulate --consumer"][0]) == \
        ("Sum", "push")
    assert len(stated) >= 25


def test_every_help_default_is_the_parsers() -> None:
    assert {k: v for k, v in stated_defaults().items() if v[0] != v[1]} == {}


def _notebook_parameters() -> list[str]:
    nb = nbformat.read(REPO_ROOT / "notebooks/plan_report.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    # plan_path is the plan `report` is given, never a -p
    return [p.name for p in PythonTranslator.inspect(cell) if p.name != "plan_path"]


def test_report_parameter_table_is_the_notebooks() -> None:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| parameter | default | meaning |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \|", table, re.M)
    assert rows == _notebook_parameters()
    parameter = next(a for _, a, _ in _actions() if "--parameter" in a.option_strings)
    assert ", ".join(rows) in " ".join((parameter.help or "").split())


def _command_lines() -> list[tuple[str, str]]:
    """(doc, command) for each ``infra-toolkit`` command of the docs' ``sh`` blocks (continued
    lines joined, comments and what follows ``&&`` / ``||`` / ``|`` cut) and of the examples
    closing a subcommand's ``--help``."""
    out = []
    for doc in DOCS:
        text = (REPO_ROOT / doc).read_text(encoding="utf-8")
        for block in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M):
            for line in block.replace("\\\n", " ").splitlines():
                words = shlex.split(line, comments=True)
                if "infra-toolkit" in words:
                    words = words[words.index("infra-toolkit"):]
                    cut = [i for i, w in enumerate(words) if w in ("&&", "||", "|", ";")]
                    out.append((doc, shlex.join(words[:cut[0]] if cut else words)))
    for name, parser in _subparsers():  # and the examples each --help ends with
        for line in (parser.epilog or "").replace("\\\n", " ").splitlines():
            if "infra-toolkit " in line:
                out.append((f"{name} --help", " ".join(line[line.index("infra-toolkit"):].split())))
    return out


def test_docs_command_lines_are_found() -> None:
    lines = [c for _, c in _command_lines()]
    assert "infra-toolkit queue" in lines and len(lines) >= 30
    assert any(c.startswith("infra-toolkit pricing spot --region us-east-1") for c in lines)
    assert [d for d, _ in _command_lines()].count("simulate --help") == 2


@pytest.mark.parametrize(("doc", "command"), _command_lines())
def test_docs_command_line_parses(doc: str, command: str) -> None:
    # a kept head, written N:HASH or held in a variable, stands for one of the right form
    head = "1:" + "0" * 64
    words = shlex.split(re.sub(r"\b\d+:HASH\b", head, command.replace("$APPROVALS_HEAD", head)))
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            build_parser().parse_args(words[1:])
        except SystemExit as exc:
            assert exc.code == 0, f"{doc}: {command}: {err.getvalue().strip()}"


def test_every_make_target_named_is_in_the_makefile() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.M))
    named = {t for doc in DOCS
             for t in re.findall(r"`make ([a-z][\w-]*)`|^make ([a-z][\w-]*)",
                                 (REPO_ROOT / doc).read_text(encoding="utf-8"), re.M)
             for t in t if t}
    assert {"report", "test", "bench"} <= named
    assert sorted(named - targets) == []


# (argv with a plan or store that does not exist, the words of the command's --help that say
# what such a run exits with, that status): each help's promise, run. Written by hand from the
# help texts; a missing file is the one failure every command meets without AWS or a kernel
# (report refuses it before a kernel starts).
MISSING = "no-such-plan.yaml"
EXIT_CASES = [
    (["validate", MISSING], "2 a file that cannot be read", 2),
    (["cost", MISSING], "2 a file that cannot be read or priced", 2),
    (["report", MISSING], "1 a plan's was not (a missing or invalid plan", 1),
    (["submit", MISSING], "Exit 0 queued, 2 bad input", 2),
    (["status", MISSING, "--db", "{db}"], "2 bad input", 2),
    (["gate", MISSING, "--db", "{db}"], "a plan or store that cannot be read included", 1),
    (["verify", "--db", "{db}"], "2 a store that cannot be read", 2),
    (["sweep", MISSING, "--workload", "w"], "2 bad input", 2),
]


@pytest.mark.parametrize(("argv", "promise", "status"), EXIT_CASES,
                         ids=[" ".join(c[0][:1]) for c in EXIT_CASES])
def test_help_exit_status_is_what_the_command_returns(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], promise: str,
        status: int) -> None:
    monkeypatch.chdir(tmp_path)
    sub = dict(_subparsers())[argv[0]]
    assert promise in " ".join((sub.description or "").split())
    db = str(tmp_path / "missing.sqlite")  # no store: status and verify refuse, gate FAILs
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        assert main([a.replace("{db}", db) for a in argv]) == status
