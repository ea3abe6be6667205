"""Loading YAML for plans: a safe loader that never raises from inside, line numbers for every
field path, and keys written twice (which YAML loaders silently collapse to the last)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from infra_toolkit.errors import PlanError, SpecError, clipped, not_utf8, shown_file
from infra_toolkit.plan_fields import Problem, join_path

__all__ = ["MAX_DIGITS", "MAX_EXPANDED_VALUES", "MAX_NESTING", "ManifestLoader", "PlanLoader",
           "PricesLoader", "StructureError", "line_of", "parse_yaml", "read_yaml_documents",
           "read_yaml_text", "refused_character", "plan_field_of_kind", "syntax_problem",
           "TAB_FIX", "yaml_line_index"]


class PlanLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader, except that a date-like scalar that is no real date
    (``2027-02-30``) stays text for the field reader to reject, instead of raising
    ``ValueError`` from inside the loader, and that numbers in scientific notation without a dot
    or exponent sign (``2e2``, ``2.5e1``, ``1e9``) are numbers, as in YAML 1.2 (see
    :data:`_YAML12_FLOAT`)."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        """A date or datetime, or the scalar's text when it is no real date."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


PlanLoader.add_constructor("tag:yaml.org,2002:timestamp", PlanLoader.construct_yaml_timestamp)
# a bare `=` is YAML 1.1's "value key" tag, which no safe loader constructs: `image: =` was a
# "YAML syntax error"; it is the text "=", as in YAML 1.2 and to kubectl
PlanLoader.add_constructor("tag:yaml.org,2002:value", PlanLoader.construct_yaml_str)

#: YAML 1.2's core-schema float with an exponent. PyYAML resolves YAML 1.1, whose float needs a
#: dot and a signed exponent (``2.5e+1``), so ``2e2`` or ``1e9`` stayed text and a plan field
#: refused them as "text" although every other YAML 1.2 reader (and Kubernetes) reads a number.
#: Only forms with an exponent are added: ``25`` stays an int, ``1_000`` and ``0x10`` keep their
#: YAML 1.1 meaning.
_YAML12_FLOAT = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$")
PlanLoader.add_implicit_resolver("tag:yaml.org,2002:float", _YAML12_FLOAT,
                                 list("-+0123456789."))


#: YAML 1.1's base-60 int and float (``1:30``, ``1:30.5``), which PyYAML reads as 90 (and 90.5)
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")


class _Base60AsText:
    """A loader mixin: a plain base-60 scalar (``1:30``) is the text "1:30", not YAML 1.1's 90."""

    def resolve(self, kind: type[yaml.Node], value: str | None, implicit: tuple[bool, bool]
                ) -> str:
        """The tag of a node: text for a plain base-60 scalar, else the loader's own."""
        if kind is yaml.ScalarNode and implicit[0] and value and _SEXAGESIMAL.match(value):
            return "tag:yaml.org,2002:str"
        return str(super().resolve(kind, value, implicit))  # type: ignore[misc]


class ManifestLoader(_Base60AsText, PlanLoader):
    """:class:`PlanLoader` for the Kubernetes and eksctl files a plan names, which a plan reads
    as kubectl does: a plain base-60 scalar (``replicas: 1:30``) is the text "1:30", as go-yaml
    (never base 60) sends it and the API server refuses it, not the 90 a plan reads."""


class PricesLoader(_Base60AsText, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader for pricing overrides files, except that a plain base-60 scalar is
    text: ``AmazonEC2: 1:30`` under ``discounts_pct`` was a silent 90 % discount."""


class StructureError(yaml.composer.ComposerError):
    """A document the toolkit refuses for its shape: an alias inside the collection it names (an
    infinite value), aliases expanding to too many values, nesting deeper than
    :data:`MAX_NESTING`, an integer longer than :data:`MAX_DIGITS`. Its ``problem`` is the whole
    message with the fix."""


#: How many values a document may expand to through its aliases before it is refused: a few
#: nested aliases of aliases (a "billion laughs" file) would otherwise be walked for hours.
MAX_EXPANDED_VALUES = 1_000_000

#: The longest integer literal read: Python refuses to turn more than 4,300 digits into an int
#: (``ValueError`` from inside the YAML constructor); none of the toolkit's fields needs 100.
MAX_DIGITS = 1_000
_INT_TAG = "tag:yaml.org,2002:int"

#: How deep mappings and lists may nest. A Kubernetes manifest nests about 15 levels; near
#: libyaml's own limit of 1,000 the readers' recursion ran out (``RecursionError``).
MAX_NESTING = 100


def yaml_line_index(node: yaml.Node) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """Line numbers (1-based) of each field path in a composed YAML document, and the paths of
    keys written twice in one mapping (``(path, line)``; YAML loaders keep only the last).

    Raises :class:`StructureError` (a ``yaml.YAMLError``, with the line) for an alias inside the
    mapping or list it names, which makes the document infinite, for aliases that expand to
    more than :data:`MAX_EXPANDED_VALUES` values, for nesting deeper than :data:`MAX_NESTING`
    and for an integer longer than :data:`MAX_DIGITS`."""
    lines: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []
    open_nodes: set[int] = set()  # the collections the walk is inside: an alias to one loops
    walked = 0

    def walk(n: yaml.Node, path: str, mark: yaml.Mark, depth: int = 0) -> None:
        nonlocal walked
        walked += 1
        if depth > MAX_NESTING:
            raise StructureError(
                None, None, f"{clipped(path)}: mappings and lists nest deeper than "
                f"{MAX_NESTING} levels; no plan, manifest or pricing file needs that: flatten the "
                "value", mark)
        if walked > MAX_EXPANDED_VALUES:
            raise StructureError(
                None, None, f"the aliases (*name) expand to more than {MAX_EXPANDED_VALUES:,} "
                "values; write the values out or use fewer nested aliases", mark)
        if id(n) in open_nodes:
            raise StructureError(
                None, None, f"{path or 'the document'}: an alias (*name) refers to a mapping or "
                "list that contains it, which makes the value infinite; write the value out "
                "instead of the alias", mark)
        lines.setdefault(path, n.start_mark.line + 1)
        if isinstance(n, yaml.ScalarNode) and n.tag == _INT_TAG and len(n.value) > MAX_DIGITS:
            raise StructureError(
                None, None, f"{path or 'the document'}: an integer of {len(n.value):,} "
                f"characters; no field holds a number longer than {MAX_DIGITS:,} digits: check "
                "the value", mark)
        if isinstance(n, yaml.MappingNode):
            open_nodes.add(id(n))
            seen: set[str] = set()
            for key_node, value_node in n.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                child = join_path(path, key)
                if key in seen and key != "<<":
                    duplicates.append((child, key_node.start_mark.line + 1))
                seen.add(key)
                lines[child] = key_node.start_mark.line + 1
                walk(value_node, child, key_node.start_mark, depth + 1)
            open_nodes.discard(id(n))
        elif isinstance(n, yaml.SequenceNode):
            open_nodes.add(id(n))
            for i, item in enumerate(n.value):
                walk(item, join_path(path, i), item.start_mark if item is not n else mark,
                     depth + 1)
            open_nodes.discard(id(n))

    walk(node, "", node.start_mark)
    return lines, duplicates


def line_of(lines: Mapping[str, int], path: str) -> int | None:
    """The line of ``path`` or of its nearest ancestor present in ``lines`` (``None`` when only
    the document itself is: a missing top-level section has no line)."""
    probe = path
    while probe:
        if probe in lines:
            return lines[probe]
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return None


def refused_character(exc: yaml.reader.ReaderError, text: str) -> tuple[int, str]:
    """The line (1-based) of a character YAML refuses anywhere (NUL, other control characters)
    and one line saying so: the reader's own message spans two lines and counts characters."""
    code = exc.character if isinstance(exc.character, int) else ord(exc.character)
    return (text.count("\n", 0, exc.position) + 1,
            f"character U+{code:04X} is not allowed in YAML; remove it")


def parse_yaml(text: str, source: str) -> tuple[Any, dict[str, int], list[Problem]]:
    """Load one YAML document: ``(data, line of each field path, problems)``. A syntax error is
    one problem with ``file:line``; duplicate keys are problems too."""
    loader = PlanLoader(text)
    try:
        node = loader.get_single_node()
        # before constructing: a recursive alias would make the data itself infinite
        lines, duplicates = yaml_line_index(node) if node is not None else ({}, [])
        data = loader.construct_document(node) if node is not None else None
    except yaml.reader.ReaderError as exc:
        where, what = refused_character(exc, text)
        return None, {}, [Problem("", f"YAML syntax error: {what}", source, where)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        if isinstance(exc, yaml.composer.ComposerError) and context is not None \
                and "single document" in context:
            # a manifest file of several documents given as a plan (audit18 A18-10): no
            # indentation or quoting to fix
            first = _FIRST_KIND.search(text)
            field = plan_field_of_kind(first.group(1) if first else None)
            return None, {}, [Problem("", "a second YAML document starts on this line (`---`): "
                                          "a plan or resources file is one document (a file of "
                                          "Kubernetes manifests is neither: a plan names it in "
                                          f"{field})", source, line)]
        if isinstance(exc, StructureError):
            return None, {}, [Problem("", what, source, line)]
        detail = syntax_problem(exc, text)
        fix = "" if detail.endswith(TAB_FIX) else "; fix the indentation or quoting on this line"
        return None, {}, [Problem("", f"YAML syntax error: {detail}{fix}", source, line)]
    finally:
        loader.dispose()
    if node is None:
        return None, {}, []
    problems = [Problem(p, "this key is written twice in the same mapping and YAML keeps only "
                           "the last one; delete or rename one", source, line)
                for p, line in duplicates]
    return data, lines, problems


# where a plan names a manifest file, by the kind of its (first) object
_PLAN_FIELDS = {"NodePool": "proposed.node_pools", "EC2NodeClass": "proposed.node_pools",
                "ClusterConfig": "proposed.cluster_config",
                "PodDisruptionBudget": "proposed.workloads (disruption_budgets)"}
_FIRST_KIND = re.compile(r"^kind:[ \t]*['\"]?([A-Za-z0-9]+)", re.MULTILINE)


def plan_field_of_kind(kind: object) -> str:
    """The plan field that names a manifest file whose object is of ``kind``: a Karpenter file
    in ``proposed.node_pools``, an eksctl ClusterConfig in ``proposed.cluster_config``, a
    Deployment or an HPA (or an unknown kind) in ``proposed.workloads``."""
    return _PLAN_FIELDS.get(str(kind), "proposed.workloads (deployment, hpa)")


TAB_FIX = "replace the tab with spaces"


def syntax_problem(exc: yaml.YAMLError, text: str) -> str:
    """What a YAML syntax error says, worded for the author: a tab where YAML wants spaces (the
    parsers say "cannot start any token" or "violates indentation", never naming the tab) is
    named with its column and the fix; else the parser's problem and its context."""
    mark = getattr(exc, "problem_mark", None)
    index = getattr(mark, "index", None)
    if isinstance(index, int) and 0 <= index < len(text) and text[index] == "\t":
        column = getattr(mark, "column", 0) + 1
        return f"a tab character at column {column}: YAML indents with spaces only; {TAB_FIX}"
    # a ReaderError (a NUL, another control character) has no ``problem``: its text's first
    # line says it, the second (`in "<unicode string>", position 1`) split a one-line error
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    return f"{what} ({context})" if context else what


def read_yaml_text(path: Path, what: str) -> str:
    """The UTF-8 text of the YAML file at ``path``; raises :class:`PlanError` naming the file
    when it cannot be read (``what`` says which kind of file it is: ``plan``, ``resources
    file``)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:  # it said Python's "'utf-8' codec can't decode byte"
        raise PlanError(f"{what} {shown_file(str(path))} {not_utf8(exc)}; save the file as UTF-8"
                        ) from None
    except OSError as exc:
        raise PlanError(f"cannot read {what} {shown_file(str(path))}: {exc.strerror or exc}; "
                        "give the path of a readable UTF-8 YAML file") from None


def read_yaml_documents(path: Path) -> list[Any]:
    """The non-empty YAML documents of the file at ``path`` (a manifest file: eksctl, Karpenter);
    raises :class:`SpecError` naming the file (and the line of a syntax error)."""
    try:
        text = path.read_text(encoding="utf-8")
        for node in yaml.compose_all(text, Loader=PlanLoader):
            # refuses a recursive alias with its line; a key written twice kept only the last
            # (a second maxSize in an eksctl node group was read, the first silently lost)
            twice = yaml_line_index(node)[1] if node is not None else []
            if twice:
                key, at_line = twice[0]
                raise SpecError(f"{path}:{at_line}: {key} is written twice in the same mapping and "
                                "YAML keeps only the last; delete one of them")
        return [d for d in yaml.load_all(text, Loader=ManifestLoader) if d is not None]
    except OSError as exc:
        raise SpecError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path} {not_utf8(exc)}; save the file as UTF-8") from None
    except yaml.reader.ReaderError as exc:
        at, what = refused_character(exc, text)
        raise SpecError(f"{path}:{at}: YAML syntax error: {what}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{path}{line}: YAML syntax error: {syntax_problem(exc, text)}"
                        ) from None
