"""Every relative link of the user docs reaches something: ``[text](path)`` names a file of the
checkout, and ``[text](path#anchor)`` (or ``#anchor`` within the page) a heading of that file,
by GitHub's anchor rule. README's "Common tasks" table points a new user at sections by such
anchors, so a renamed heading fails here instead of leaving a dead link. And every
``module.name`` of the package the docs give is there."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.test_docs_plan_fields import plan_rows, resource_rows

DOCS = ("README.md", "docs/PLAN.md", "docs/APPROVALS.md", "pricing_data/README.md")
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation but ``-`` and ``_`` dropped,
    each space a ``-``."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    """The anchors of ``doc``'s headings (a ``#`` line inside a code block is no heading)."""
    text = _FENCE.sub("", doc.read_text(encoding="utf-8"))
    return {anchor(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}


def test_anchor_follows_githubs_rule() -> None:
    # by hand: "Tuning a workload: `sweep`" loses ":" and the backticks -> tuning-a-workload-sweep;
    # "In a CI/CD pipeline" loses "/" -> in-a-cicd-pipeline; "--traffic ..." keeps its hyphens
    assert anchor("Tuning a workload: `sweep`") == "tuning-a-workload-sweep"
    assert anchor("In a CI/CD pipeline") == "in-a-cicd-pipeline"
    assert anchor("One workload from flags: `simulate --traffic ...`") == \
        "one-workload-from-flags-simulate---traffic-"


@pytest.mark.parametrize("doc", DOCS)
def test_every_relative_link_resolves(doc: str) -> None:
    page = REPO_ROOT / doc
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    dead = []
    for target in _LINK.findall(text):
        if re.match(r"[a-z]+://", target):
            continue  # the network is not checked here
        path, _, fragment = target.partition("#")
        where = (page.parent / path).resolve() if path else page
        if not where.exists():
            dead.append(f"{target}: no {where.relative_to(REPO_ROOT)}")
        elif fragment and fragment not in anchors(where):
            dead.append(f"{target}: no heading with anchor #{fragment}")
    assert dead == []


def test_common_tasks_reach_every_guide() -> None:
    # the README's index of common tasks links each task to where it is explained
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Common tasks\n", 1)[1].split("\n## ", 1)[0]
    rows = [row for row in table.splitlines() if row.startswith("|")][2:]  # header, rule
    tasks = [row.split(" | ")[0].strip("| ") for row in rows]
    assert tasks == ["write a plan", "use your own manifests", "replay your own traffic",
                     "simulate one workload without a plan", "use your own prices",
                     "price another region", "tune replicas, targets, instance type",
                     "build the review document", "get it approved",
                     "gate a deployment in CI/CD"]
    assert all("](" in row.split(" | ")[-1] for row in rows)


def test_every_module_name_the_docs_give_exists() -> None:
    # `module.name` (or `module.py`) of the package: a renamed function or a module split in
    # two leaves the docs pointing at nothing; a plan key that reads alike
    # (`pricing.tables`, a node group's `launch_template.name`) is a field, not code
    modules = {p.stem for p in (REPO_ROOT / "infra_toolkit").glob("*.py")}
    fields = set(plan_rows()) | {f for kind in resource_rows().values() for f in kind}
    missing = []
    for doc in DOCS:
        text = (REPO_ROOT / doc).read_text(encoding="utf-8")
        for module, name in re.findall(r"`(?:infra_toolkit\.)?([a-z_]+)\.([A-Za-z_][\w.]*)`",
                                       text):
            if module not in modules or f"{module}.{name}" in fields:
                continue
            if name == "py":
                continue  # the module's file, which exists: it is in `modules`
            owner: object = importlib.import_module(f"infra_toolkit.{module}")
            for part in name.split("."):
                owner = getattr(owner, part, None)
            if owner is None:
                missing.append(f"{doc}: {module}.{name}")
    assert missing == []
