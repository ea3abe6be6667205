"""Typed field readers for YAML documents that record every problem with its path instead of
raising.

A :class:`FieldReader` walks a loaded YAML mapping; each ``str_``/``int_``/``choice``/... call
returns the value when it is valid, or ``None`` after recording a :class:`Problem` that names the
field path (``proposed.resources[2].instance_class``), the bad value and the fix. The plan
validator uses it so ``infra-toolkit validate`` can report every problem at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from infra_toolkit.errors import clipped_path, quoted

__all__ = [
    "FieldReader",
    "InvalidField",
    "Problem",
    "bare_number_fix",
    "close_choices",
    "did_you_mean",
    "join_path",
    "parse_duration_s",
    "raw_names",
]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_DURATION_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


class InvalidField(ValueError):
    """Raised by a dataclass's ``__post_init__`` for a rule across fields; ``field`` names the
    offending field so the reader can report it under the item's path."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Problem:
    """One problem in a plan: where (field path, file, line) and what (message, with the fix)."""

    path: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "
        path = clipped_path(self.path)
        return f"{where}{path}: {self.message}" if path else f"{where}{self.message}"


def join_path(parent: str, key: str | int) -> str:
    """``parent`` + one step: ``a.b`` for identifier keys, ``a[3]`` for indexes, ``a["x.y"]``
    else."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if _IDENT.match(key):
        return f"{parent}.{key}" if parent else key
    return f'{parent}["{key}"]'


def close_choices(value: str, choices: Iterable[str], cutoff: float = 0.6) -> list[str]:
    """The choices closest to ``value`` (sorted): those difflib scores equally best at or above
    ``cutoff``, else the one choice ``value`` is a prefix of ('prod' for production), else none.
    The one selection behind :func:`did_you_mean`, for a message that also names the choice."""
    options = sorted(set(choices))
    same_letters = [o for o in options if o.casefold() == value.casefold()]
    if same_letters:  # difflib is case-sensitive: it scores 'T3.MEDIUM' close to no type
        return same_letters
    close = difflib.get_close_matches(value, options, n=3, cutoff=cutoff)
    # equally close choices are all named: 'us-est-1' is one letter from us-east-1 and us-west-1
    score = {o: difflib.SequenceMatcher(None, value, o).ratio() for o in close}
    close = sorted(o for o in close if score[o] == score[close[0]]) if close else []
    starting = [o for o in options if value and o.startswith(value)]
    return close or (starting if len(starting) == 1 else [])


def did_you_mean(value: str, choices: Iterable[str], *, list_choices: bool = True,
                 cutoff: float = 0.6) -> str:
    """``; did you mean 'x'?`` for the :func:`close_choices` (``'x', 'y' or 'z'`` when several
    are equally close); when none is close, ``; valid: ...`` (the first twelve, then the count)
    if ``list_choices``, else nothing (for a message that lists the choices itself); nothing
    when there are no choices. ``cutoff`` is difflib's: 0.8 where only a misspelling of a known
    name should be named (a manifest's fields, most of which are not read, are not refused)."""
    options = sorted(set(choices))
    if not options:
        return ""
    close = [quoted(o) for o in close_choices(value, options, cutoff)]
    if close:
        joined = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
        return f"; did you mean {joined}?"
    if not list_choices:
        return ""
    shown = ", ".join(quoted(o) for o in options[:12])
    more = f", ... ({len(options)} in all)" if len(options) > 12 else ""
    return f"; valid: {shown}{more}"


def parse_duration_s(text: str) -> float:
    """Seconds in a duration such as ``200ms``, ``90s``, ``10m``, ``2h``, ``1h30m``, ``2d``, ``1w``.

    Raises ``ValueError`` when ``text`` is not one or more ``<number><unit>`` parts (units ms, s,
    m, h, d, w).
    """
    compact = text.strip().replace(" ", "")
    if not compact or _DURATION_PART.sub("", compact):
        raise ValueError(f"{quoted(text)} is not a duration")
    return sum(float(n) * _DURATION_UNIT_S[u] for n, u in _DURATION_PART.findall(compact))


_NUMBER_TEXT = re.compile(r"\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*(%?)\s*")
_UNIT_SUFFIXES = {"_pct": "%", "_ms": "ms", "_s": "s"}


# keys holding a fraction 0-1 that an author may write as a percent
_FRACTION_KEYS = ("traffic_share", "daily_amplitude")


def _unit_of_key(key: str) -> str | None:
    """The unit a plan key's name ends in (``weight_pct`` -> ``%``, ``at_s`` -> ``s``,
    ``threshold_ms`` -> ``ms``), ``fraction`` for a share such as ``traffic_share``, ``None``
    for another key."""
    if key in _FRACTION_KEYS:
        return "fraction"
    return next((u for suffix, u in _UNIT_SUFFIXES.items() if key.endswith(suffix)), None)


def bare_number_fix(value: Any, unit: str | None) -> str:
    """How to write a number a field (of ``unit``: ``%``, ``fraction``, ``s``, ``ms`` or
    ``None``) got as text: ``'60'`` -> ``write 60 unquoted``, ``'60%'`` in a percent field ->
    ``write 60 without the % sign``, in a fraction -> ``write 0.6``, ``'2m'`` in a seconds
    field -> ``write 120``; ``""`` when ``value`` is no such
    text (the unit is in the field's name, docs/PLAN.md "Units", so it is never written)."""
    if not isinstance(value, str):
        return ""
    m = _NUMBER_TEXT.fullmatch(value)
    if m and not m.group(2):
        return f"write {m.group(1)} unquoted, as a number"
    if m and unit == "%":
        return f"write {m.group(1)} without the % sign: the field is a percent already"
    if m and unit == "fraction":
        return f"write {float(m.group(1)) / 100:g}: the field is a fraction, not a percent"
    if unit in ("s", "ms"):
        try:
            seconds = parse_duration_s(value)
        except ValueError:
            return ""
        amount, unit_name = (seconds * 1000, "milliseconds") if unit == "ms" else \
            (seconds, "seconds")
        return f"write {amount:g}: the field takes a number of {unit_name}"
    return ""


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):  # audit18 A18-3: a CSV given as a plan was the whole message
        return f"text ({quoted(value)})"
    return f"{type(value).__name__} ({quoted(value)})"


def _bool_hint(value: Any) -> str:
    # YAML 1.1 reads yes/no/on/off as booleans: the classic surprise in hand-written files
    return "; YAML reads unquoted yes/no/on/off/true/false as booleans: quote it" if isinstance(
        value, bool) else ""


@dataclass
class FieldReader:
    """Reads fields out of loaded YAML and records a :class:`Problem` for each bad one."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        """Record one problem at ``path`` (a second "missing" at the same path is dropped: a
        mapping and its field reader may both notice the same absent key)."""
        if message.startswith("missing") and any(
                p.path == path and p.message.startswith("missing") for p in self.problems):
            return
        self.problems.append(Problem(path, message))

    def _absent(self, m: Mapping[str, Any], key: str, path: str, required: bool,
                hint: str = "") -> bool:
        """Whether ``m[key]`` is absent or null; records "missing" when it is ``required``."""
        if key in m and m[key] is not None:
            return False
        if required:
            self.add(join_path(path, key), f"missing (required){hint}")
        return True

    def build(self, path: str, cls: type, **fields: Any) -> Any:
        """``cls(**fields)``, turning an :class:`InvalidField` it raises into a problem."""
        try:
            return cls(**fields)
        except InvalidField as exc:
            self.add(join_path(path, exc.field), exc.message)
            return None

    def items(self, m: Mapping[str, Any], parent: str, key: str, allowed: Sequence[str],
              required: Sequence[str] = (), why: str = "", list_required: bool = True
              ) -> list[tuple[str, dict[str, Any]]]:
        """The mappings in the list ``m[key]`` (in section ``parent``) with their paths; bad
        items are reported and left out."""
        out = []
        for i, item in enumerate(self.list_(m, key, parent, required=list_required, why=why)
                                 or []):
            p = join_path(join_path(parent, key), i)
            mapping = self.mapping(item, p, allowed, required)
            if mapping is not None:
                out.append((p, mapping))
        return out

    def texts(self, m: Mapping[str, Any], path: str, required: Sequence[str],
              optional: Sequence[str] = ()) -> dict[str, Any] | None:
        """The texts of the ``required`` keys of ``m`` and of the ``optional`` ones (``None``
        when absent), or ``None`` after reporting each that is missing or not text."""
        before = self.count()
        out: dict[str, Any] = {key: self.str_(m, key, path) for key in required}
        out.update({key: self.str_(m, key, path, required=False) for key in optional})
        # a required key already reported missing (by the mapping that holds it) adds no second
        # problem (``add`` drops it), so the count alone would pass its None on
        missing = any(out[key] is None for key in required)
        return out if self.count() == before and not missing else None

    def count(self) -> int:
        """How many problems are recorded so far (to tell whether a section added any)."""
        return len(self.problems)

    def mapping(self, value: Any, path: str, allowed: Sequence[str] = (),
                required: Sequence[str] = (), what: str = "") -> dict[str, Any] | None:
        """``value`` as a mapping with string keys; flags unknown keys (with did-you-mean, when
        ``allowed`` is given) and each missing ``required`` key. ``None`` when it is not a
        mapping."""
        if not isinstance(value, Mapping):
            self.add(path, f"expected a mapping{what}, got {_type_name(value)}")
            return None
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                self.add(join_path(path, str(key)),
                         f"keys must be text, got {_type_name(key)}; quote the key")
                continue
            if allowed and key not in allowed:
                hint = did_you_mean(key, allowed)
                if "did you mean" not in hint and item is None and " " in key.strip():
                    # `{name: Create the cluster, node groups}` is YAML for a key 'node groups'
                    # without a value: the comma ended the value (author18)
                    hint += ("; it has no value, as a comma in an unquoted value inside `{...}` "
                             "makes of the text after it: quote that value (`name: \"a, b\"`)")
                self.add(join_path(path, key), f"unknown key {quoted(key)}{hint}")
                continue
            out[key] = item
        for key in required:
            if key not in value:
                self.add(join_path(path, key), f"missing (required); add `{key}:`{what}")
        return out

    def list_(self, m: Mapping[str, Any], key: str, path: str, required: bool = True,
              nonempty: bool = True, why: str = "") -> list[Any] | None:
        """``m[key]`` as a list; a missing or empty list is a problem unless allowed."""
        p = join_path(path, key)
        if key not in m:
            if required:
                self.add(p, f"missing (required){why}")
            return None
        value = m[key]
        if value is None and nonempty:
            self.add(p, f"is empty; give at least one item{why}")
            return None
        if not isinstance(value, list):
            self.add(p, f"expected a list (`- item` lines), got {_type_name(value)}")
            return None
        if nonempty and not value:
            self.add(p, f"is empty; give at least one item{why}")
            return None
        return value

    def str_(self, m: Mapping[str, Any], key: str, path: str, required: bool = True,
             choices: Sequence[str] = ()) -> str | None:
        """``m[key]`` as non-blank text, optionally one of ``choices`` (with did-you-mean)."""
        if self._absent(m, key, path, required,
                        f"; one of {', '.join(choices)}" if choices else ""):
            return None
        return self.text(m[key], join_path(path, key), choices)

    def text(self, value: Any, path: str, choices: Sequence[str] = ()) -> str | None:
        """``value`` as non-blank text, optionally one of ``choices`` (with did-you-mean)."""
        if not isinstance(value, str):
            if isinstance(value, (int, float)) and not isinstance(value, bool) and not choices:
                return str(value)  # a bare number where free text is expected reads fine
            valid = f"; one of {', '.join(choices)}" if choices else ""
            self.add(path, f"expected text, got {_type_name(value)}{_bool_hint(value)}{valid}")
            return None
        if not value.strip():
            self.add(path, "is blank; write the text")
            return None
        if choices and value not in choices:
            self.add(path, f"{quoted(value)} is not valid{did_you_mean(value, choices)}")
            return None
        return value

    def str_list(self, m: Mapping[str, Any], key: str, path: str, required: bool = True,
                 nonempty: bool = True, why: str = "") -> tuple[str, ...] | None:
        """``m[key]`` as a list of non-blank texts."""
        items = self.list_(m, key, path, required=required, nonempty=nonempty, why=why)
        if items is None:
            return None
        p = join_path(path, key)
        texts = [self.text(item, join_path(p, i)) for i, item in enumerate(items)]
        return tuple(t for t in texts if t is not None) if None not in texts else None

    def bool_(self, m: Mapping[str, Any], key: str, path: str, default: bool | None = None
              ) -> bool | None:
        """``m[key]`` as a boolean (``true``/``false``); ``default`` when absent."""
        if key not in m:
            if default is None:
                self.add(join_path(path, key), "missing (required); write true or false")
            return default
        value = m[key]
        if not isinstance(value, bool):
            self.add(join_path(path, key), f"expected true or false, got {_type_name(value)}")
            return None
        return value

    def number(self, m: Mapping[str, Any], key: str, path: str, required: bool = True,
               minimum: float | None = None, maximum: float | None = None,
               exclusive_minimum: bool = False, integer: bool = False,
               default: float | None = None) -> float | None:
        """``m[key]`` as a finite number within bounds (an ``int`` when ``integer``)."""
        if self._absent(m, key, path, required, "; give a number"):
            return default
        p, value = join_path(path, key), m[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fix = bare_number_fix(value, _unit_of_key(key))
            self.add(p, f"expected a number, got {_type_name(value)}{'; ' + fix if fix else ''}")
            return None
        if not math.isfinite(value):
            self.add(p, f"expected a finite number, got {quoted(value)}")
            return None
        if integer and not (isinstance(value, int) or float(value).is_integer()):
            self.add(p, f"expected a whole number, got {quoted(value)}")
            return None
        low_bad = minimum is not None and (value <= minimum if exclusive_minimum
                                           else value < minimum)
        if low_bad:
            self.add(p, f"{quoted(value)} must be {'>' if exclusive_minimum else '>='} {minimum:g}")
            return None
        if maximum is not None and value > maximum:
            self.add(p, f"{quoted(value)} must be <= {maximum:g}")
            return None
        return int(value) if integer else float(value)

    def int_(self, m: Mapping[str, Any], key: str, path: str, required: bool = True,
             minimum: int | None = None, maximum: int | None = None,
             default: int | None = None) -> int | None:
        """``m[key]`` as a whole number within bounds."""
        value = self.number(m, key, path, required=required, minimum=minimum, maximum=maximum,
                            integer=True, default=default)
        return None if value is None else int(value)

    def money(self, m: Mapping[str, Any], key: str, path: str, required: bool = True
              ) -> Decimal | None:
        """``m[key]`` as a non-negative amount of USD (a ``Decimal``, read from the YAML text)."""
        if self._absent(m, key, path, required, "; give an amount in USD, e.g. 500"):
            return None
        p, value = join_path(path, key), m[key]
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            amount = Decimal(str(value))
        except InvalidOperation:
            self.add(p, f"expected an amount in USD such as 500 or 499.99, got {_type_name(value)}")
            return None
        if not amount.is_finite() or amount < 0:
            self.add(p, f"{quoted(value)} must be a finite amount >= 0 USD")
            return None
        return amount

    def duration_s(self, m: Mapping[str, Any], key: str, path: str, required: bool = True,
                   minimum_s: float = 0.0, zero_ok: bool = False) -> float | None:
        """``m[key]`` as a duration written with its unit (``30s``, ``10m``, ``2h``, ``1d``);
        returns seconds. A zero duration (``0s``) is refused unless ``zero_ok``."""
        if self._absent(m, key, path, required,
                        "; give a duration such as 30s, 10m, 2h or 1d"):
            return None
        p, value = join_path(path, key), m[key]
        if not isinstance(value, str):
            bare = isinstance(value, (int, float)) and not isinstance(value, bool)
            self.add(p, f"expected a duration with its unit (30s, 10m, 2h, 1d), got "
                        f"{_type_name(value)}" + (f"; write e.g. '{value}m' or '{value}s'"
                                                  if bare else ""))
            return None
        try:
            seconds = parse_duration_s(value)
        except ValueError:
            self.add(p, f"{quoted(value)} is not a duration; write <number><unit> parts with units "
                        "ms, s, m, h, d, w, e.g. 90s, 10m, 1h30m")
            return None
        if seconds < minimum_s or (minimum_s == 0 and seconds == 0 and not zero_ok):
            self.add(p, f"{quoted(value)} must be longer than {max(minimum_s, 0):g} s")
            return None
        return seconds

    def date_(self, m: Mapping[str, Any], key: str, path: str, required: bool = True
              ) -> dt.date | None:
        """``m[key]`` as a calendar date written ``YYYY-MM-DD``."""
        if self._absent(m, key, path, required, "; give a date as YYYY-MM-DD"):
            return None
        p, value = join_path(path, key), m[key]
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.add(p, f"expected a date as YYYY-MM-DD, got {_type_name(value)}")
        return None

    def unique_names(self, items: Sequence[tuple[str, str | None]], what: str) -> None:
        """Flag a name used twice among ``(path, name)`` pairs (e.g. two scenarios both 'peak')."""
        seen: dict[str, str] = {}
        for path, name in items:
            if name is None:
                continue
            if name in seen:
                self.add(path, f"{what} {quoted(name)} is already used at {seen[name]}; names "
                               "must be unique")
            else:
                seen[name] = path


def raw_names(m: Any, *keys: str) -> set[str]:
    """The ``name`` of each item of the list at ``m[keys[0]][keys[1]]...`` as written, valid or
    not (so that one bad item does not turn every reference to it into a second problem)."""
    for key in keys:
        m = m.get(key) if isinstance(m, Mapping) else None
    return {i["name"] for i in m if isinstance(i, Mapping) and isinstance(i.get("name"), str)} \
        if isinstance(m, list) else set()
