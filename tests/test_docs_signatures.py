"""The calls the docs write out are calls the code takes: every `` `name(args)` `` of the user
docs whose name is one of the package's functions or classes (``module.name``, ``Class.method``
or a name the package defines once) binds to its signature, the arguments written
positionally or as ``key=...``, so a parameter renamed, added without a default or made
keyword-only fails here until the docs say it (tests/test_docs_links.py checks that the name
exists)."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable

from tests.conftest import REPO_ROOT
from tests.test_docs_cli import DOCS
from tests.test_docs_links import _FENCE

MODULES = sorted(p.stem for p in (REPO_ROOT / "infra_toolkit").glob("*.py")
                 if p.stem != "__init__")


def _defined() -> dict[str, list[object]]:
    """Each public name the package's modules define (not import) -> those objects."""
    out: dict[str, list[object]] = {}
    for m in MODULES:
        module = importlib.import_module(f"infra_toolkit.{m}")
        for name, obj in vars(module).items():
            if callable(obj) and getattr(obj, "__module__", None) == module.__name__:
                out.setdefault(name, []).append(obj)
    return out


Target = tuple[Callable[..., object], int]


def resolve(name: str, defined: dict[str, list[object]]) -> Target | None:
    """The callable ``name`` means and how many leading arguments the docs leave out (1, the
    instance, for ``Class.method``); None for a name that is not the package's, or is ambiguous."""
    head, _, rest = name.partition(".")
    if rest and head in MODULES:
        obj = getattr(importlib.import_module(f"infra_toolkit.{head}"), rest, None)
        return (obj, 0) if callable(obj) else None
    if rest and len(defined.get(head, [])) == 1 and inspect.isclass(defined[head][0]):
        method = inspect.getattr_static(defined[head][0], rest, None)
        return (getattr(defined[head][0], rest), 1) if inspect.isfunction(method) else None
    found = defined.get(name, [])
    return (found[0], 0) if not rest and len(found) == 1 else None  # type: ignore[return-value]


def _arguments(inner: str) -> tuple[int, list[str]] | None:
    """(positional count, keyword names) of an argument list as written; None with ``...``,
    which stands for arguments left unsaid."""
    parts, depth, current = [], 0, ""
    for ch in inner:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts = [p for p in [*parts, current.strip()] if p]
    if any(p == "..." for p in parts):
        return None
    # a signature's bare `*`: the names after it are given by keyword
    star = parts.index("*") if "*" in parts else len(parts)
    before, after = parts[:star], parts[star + 1:]
    keywords = [m.group(1) for p in before if (m := re.match(r"(\w+)\s*=(?!=)", p))]
    return len(before) - len(keywords), keywords + [re.split(r"\W", p)[0] for p in after]


def calls() -> list[tuple[str, str, str]]:
    """(doc, name, arguments as written) of each call in a code span, nested ones too."""
    out = []
    for doc in DOCS:
        # a fenced block's ``` would pair the spans after it wrongly
        text = _FENCE.sub("", (REPO_ROOT / doc).read_text(encoding="utf-8"))
        for span in re.findall(r"`([^`]+)`", text):
            span = " ".join(span.split())
            for m in re.finditer(r"(?<![\w.])([A-Za-z_][\w.]*)\(", span):
                depth, end = 0, m.end() - 1
                for end in range(m.end() - 1, len(span)):
                    depth += (span[end] == "(") - (span[end] == ")")
                    if depth == 0:
                        break
                out.append((doc, m.group(1), span[m.end():end]))
    return out


def test_calls_are_found_and_resolved() -> None:
    # by hand from docs/DESIGN.md's contracts: simulate_many(traffic, specs, engine="auto"),
    # the SimulationSpec nested in simulate(traffic, SimulationSpec(...)), and PLAN.md's
    # Workload.workload_spec(slo_p95_latency_ms), a method; PLAN.md's plan.read_plan(path)
    defined = _defined()
    found = {(name, inner) for _, name, inner in calls()}
    assert ("plan.read_plan", "path") in found
    assert ("simulate_many", 'traffic, specs, engine="auto"') in found
    assert any(name == "SimulationSpec" for name, _ in found)
    method = resolve("Workload.workload_spec", defined)
    assert method is not None and method[1] == 1


def test_every_call_binds() -> None:
    defined = _defined()
    wrong = []
    for doc, name, inner in calls():
        target = resolve(name, defined)
        written = _arguments(inner)
        if target is None or written is None:
            continue
        func, skipped = target
        positional, keywords = written
        try:
            signature = inspect.signature(func)
        except (TypeError, ValueError):
            continue  # a builtin without a signature
        try:
            signature.bind(*range(skipped + positional), **dict.fromkeys(keywords))
        except TypeError as exc:
            wrong.append(f"{doc}: {name}({inner}): {exc}")
    assert wrong == []
