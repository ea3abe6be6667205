"""The CLI and its docs agree both ways: every subcommand and option ``infra-toolkit`` parses is
named, spelled the same, in README.md, docs/*.md or pricing_data/README.md, and every option
those files name is one the parser has (or one of the other tools they quote). The parser is
walked, not copied, so a new flag fails here until it is documented."""

from __future__ import annotations

import argparse
import re

from infra_toolkit.cli import build_parser
from tests.conftest import REPO_ROOT

DOCS = ("README.md", "docs/PLAN.md", "docs/APPROVALS.md", "docs/DESIGN.md",
        "pricing_data/README.md")
# flags of the other tools the docs quote: papermill, nbconvert, cluster-autoscaler
OTHER_TOOLS = {"--help-notebook", "--to", "--max-pod-eviction-time", "--max-drain-parallelism",
               "--scan-interval"}
_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]+")


def _commands() -> dict[str, set[str]]:
    """Each subcommand as typed (``pricing lookup``) -> its options but ``-h`` / ``--help``."""
    out: dict[str, set[str]] = {}
    todo: list[tuple[str, argparse.ArgumentParser]] = [("", build_parser())]
    while todo:
        name, parser = todo.pop()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo += [(f"{name} {sub}".strip(), p) for sub, p in action.choices.items()]
        if name:
            out[name] = {o for a in parser._actions for o in a.option_strings
                         if o not in ("-h", "--help")}
    return out


def _docs_text() -> str:
    return "\n".join((REPO_ROOT / doc).read_text(encoding="utf-8") for doc in DOCS)


def _named(word: str, text: str) -> bool:
    # a whole word: `--scale` must not count as named by `--scale-down`
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def test_walk_finds_the_commands() -> None:
    # the walk reaches nested subcommands: without that the checks below would pass vacuously
    commands = _commands()
    assert {"simulate", "pricing lookup", "traffic cloudwatch", "request-changes"} <= set(commands)
    assert "--instance-class" in commands["pricing lookup"]


def test_every_subcommand_is_documented() -> None:
    text = _docs_text()
    # spelled out as typed: a bare `version` could be the plan's field of that name
    missing = [name for name in _commands() if not _named(f"infra-toolkit {name}", text)]
    assert missing == []


def test_every_option_is_documented() -> None:
    text = _docs_text()
    missing = [f"{name} {option}" for name, options in _commands().items()
               for option in sorted(options) if option.startswith("--")
               and not _named(option, text)]
    assert missing == []


def test_every_option_the_docs_name_is_an_option() -> None:
    ours = set().union(*_commands().values()) | {"--version", "--help"}
    unknown = []
    for doc in DOCS:
        text = (REPO_ROOT / doc).read_text(encoding="utf-8")
        unknown += [f"{doc}: {o}" for o in _OPTION.findall(text) if o not in ours | OTHER_TOOLS]
    assert unknown == []
