"""The building blocks of a report section: a :class:`Section` (a heading and its parts) that
notebooks display as HTML, a :class:`Table` (a DataFrame and how to format its columns), and the
formatters of money, quantities and durations. Every text from a plan is HTML-escaped here; a
part given as a string is an HTML fragment built with :func:`paragraph` / :func:`fields` /
:func:`preformatted`."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from infra_toolkit.time_to_capacity import TimeToCapacity

__all__ = [
    "Section",
    "Table",
    "chart_anchor",
    "chart_links",
    "duration_text",
    "elapsed_text",
    "longest_time_to_capacity_text",
    "fields",
    "paragraph",
    "preformatted",
    "number_text",
    "quantity_text",
    "share_pct_text",
]


def number_text(value: Any) -> str:
    """A table cell with no format of its own: a whole float without its ``.0`` (``512``, not
    ``512.0``), other floats with up to 6 decimals, ``-`` for none, a bool as ``yes`` / ``no``
    (never Python's ``True``), anything else as ``str``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, float):
        return str(value)
    if value.is_integer():
        return f"{int(value):,}"
    return quantity_text(value, 6)


def quantity_text(value: Decimal | float | None, places: int = 2, up: bool = False,
                  down: bool = False) -> str:
    """A quantity with thousands separators and at most ``places`` decimals (trailing zeros
    dropped); ``-`` for ``None``. ``up`` / ``down``: rounded up / down to those decimals, not to
    the nearest (a peak rate rounded up beside a capacity rounded down never reads as equal to
    a capacity it exceeds)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if up or down:  # the decimal the float prints as, so 1.1 stays 1.1 (not 1.1000000000000001)
        value = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places),
                                                     ROUND_CEILING if up else ROUND_FLOOR)
    text = f"{float(value):,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def share_pct_text(pct: float, places: int = 2, trailing_zeros: bool = False) -> str:
    """A share in % (dropped requests) to ``places`` decimals as :func:`quantity_text` gives it
    (``trailing_zeros``: always ``places`` of them, ``0.00``), but ``< 0.01`` (at 2 places) for
    one above 0 that would round to 0: requests dropped never read as none dropped beside an
    availability below 100 % and an under-capacity episode."""
    smallest = 10.0 ** -places
    if 0 < pct < smallest / 2:
        return f"< {smallest:.{places}f}"
    return f"{pct:,.{places}f}" if trailing_zeros else quantity_text(pct, places)


def duration_text(seconds: float | None, units: int = 2) -> str:
    """``90`` -> ``1 min 30 s``, ``5400`` -> ``1 h 30 min``, ``172800`` -> ``2 d``: a length
    in its ``units`` largest units (the rest dropped: ``30185`` -> ``8 h 23 min``)."""
    if seconds is None or math.isnan(seconds):
        return "-"
    if math.isinf(seconds):
        return "unbounded"
    left = round(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if left >= size:
            parts.append(f"{left // size} {unit}")
            left %= size
    return " ".join(parts[:units]) or "0 s"


def elapsed_text(seconds: float | None) -> str:
    """A moment of a run, seconds from its start, or the gap between two such moments, to the
    second: ``29165`` -> ``8 h 6 min 5 s``, ``119340`` -> ``1 d 9 h 9 min``, so a reader can
    subtract two of them and find the third. Not :func:`duration_text`'s two units, which drop
    the rest: an alert firing at 7 h 7 min 35 s read '7 h 7 min' beside its '5 min 35 s after'
    an episode starting at 7 h 2 min, and episodes starting at 1 d 11 h 9 min, 1 d 11 h 50 min
    and 1 d 11 h 56 min all read '1 d 11 h'."""
    return duration_text(seconds, units=4)


_ENDED_BY = {"load": " (ended by the load falling: capacity not reached)",
             "end": " (ended by the run's end: capacity not reached)"}


def longest_time_to_capacity_text(episodes: Sequence[TimeToCapacity]) -> str:
    """The longest under-capacity episode's duration (``6 min``), saying when the load falling
    or the run's end, not Ready pods, ended it (``6 min (ended by the load falling: capacity
    not reached)``); ``-`` without an episode (not ``0 s``, which reads as instant capacity)."""
    if not episodes:
        return "-"
    longest = max(episodes, key=lambda e: e.total_s)
    return duration_text(longest.total_s) + _ENDED_BY.get(longest.closed_by, "")


def paragraph(text: str, css_class: str = "") -> str:
    """``text`` escaped, as one paragraph."""
    attr = f' class="{css_class}"' if css_class else ""
    return f"<p{attr}>{html.escape(text)}</p>"


def preformatted(text: str, css_class: str = "") -> str:
    """``text`` escaped, as a block to copy (a command, an expression)."""
    attr = f' class="{css_class}"' if css_class else ""
    return f"<pre{attr}><code>{html.escape(text)}</code></pre>"


def fields(rows: Iterable[tuple[str, str]], css_class: str = "") -> str:
    """Label / value pairs as a two-column table (both escaped)."""
    attr = f' class="{css_class}"' if css_class else ""
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in rows)
    return f"<table{attr}><tbody>{body}</tbody></table>"


@dataclass(frozen=True)
class Table:
    """A DataFrame shown as an HTML table: ``formats`` maps column names to a function giving
    the cell text (others use ``str``); ``css_class`` names the table in the page."""

    frame: pd.DataFrame
    formats: Mapping[str, Callable[[Any], str]] = field(default_factory=dict)
    css_class: str = ""
    caption: str = ""

    def to_html(self) -> str:
        """The table, cells escaped, without the index."""
        if self.frame.empty:
            return paragraph(f"{self.caption or 'Table'}: none.")
        shown = self.frame.copy()
        for column in shown.columns:
            fmt = self.formats.get(column, number_text)
            shown[column] = [fmt(v) for v in shown[column]]
        # pandas is untyped here (no stubs installed); to_html without a buffer returns the text
        body: str = shown.to_html(index=False, escape=True, na_rep="-", border=0,
                                  classes=["report-table", *(
                                      [self.css_class] if self.css_class else [])])
        return _caption_html(self.caption) + body


def _caption_html(caption: str) -> str:
    """A table's caption: its title in bold (before the first ``: `` when short, else its first
    sentence when short), the explanation after it in the body weight; a long caption set all
    in bold read as a wall. A short caption with neither is all title."""
    if not caption:
        return ""
    title, sep, rest = caption.partition(": ")
    if sep and len(title) <= 100:
        return (f'<p class="table-caption"><strong>{html.escape(title)}</strong>: '
                f"{html.escape(rest)}</p>")
    first, dot, rest = caption.partition(". ")
    if dot and len(first) <= 160:
        return (f'<p class="table-caption"><strong>{html.escape(first)}.</strong> '
                f"{html.escape(rest)}</p>")
    if len(caption) <= 160:
        return f'<p class="table-caption"><strong>{html.escape(caption)}</strong></p>'
    return f'<p class="table-caption">{html.escape(caption)}</p>'


def anchor_of(title: str) -> str:
    """A heading's id: ``title`` in lower case, words joined by ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def chart_anchor(scenario: str, workload: str) -> str:
    """The id of the first chart of ``workload`` in ``scenario`` (its load chart), which the
    Scaling Behaviour section links to: 25 workloads in 4 scenarios are 240 charts. The two
    names are joined by ``--``, which :func:`anchor_of` never leaves inside one name, so
    scenario ``day-web`` with workload ``api`` and ``day`` with ``web-api`` differ."""
    return f"chart-{anchor_of(scenario)}--{anchor_of(workload)}"


def chart_links(runs: Iterable[tuple[str, Iterable[str]]]) -> str:
    """One line per scenario linking to each of its workloads' charts (:func:`chart_anchor`);
    ``runs`` is each scenario's name with its workloads' names."""
    lines = []
    for scenario, workloads in runs:
        links = " · ".join(f'<a href="#{chart_anchor(scenario, w)}">{html.escape(w)}</a>'
                           for w in workloads)
        lines.append(f"<strong>{html.escape(scenario)}</strong>: {links}")
    return ('<nav class="chart-links"><p class="table-caption"><strong>Charts</strong> per '
            "scenario and workload (below the tables):<br>" + "<br>".join(lines) + "</p></nav>")


def contents(titles: Iterable[str]) -> str:
    """A list of in-page links to the sections titled ``titles`` (their :func:`anchor_of`
    ids), for the top of the report: the file is long and read in a browser."""
    links = " · ".join(f'<a href="#{anchor_of(t)}">{html.escape(t)}</a>' for t in titles)
    return f'<nav class="report-contents"><strong>Contents</strong>: {links}</nav>'


@dataclass(frozen=True)
class Section:
    """One section of the report: ``title`` and its ``parts`` (HTML fragments and tables).
    ``level`` 1 is the document header, 2 a section."""

    title: str
    parts: tuple[str | Table, ...]
    level: int = 2

    @property
    def anchor(self) -> str:
        """The heading's id (:func:`anchor_of` its title); the document header's is ``top``: its
        title is the plan's, which may read as a section's (``Security``: two ids, the Contents
        link landing on the header) or have no ASCII letter (an empty id)."""
        return "top" if self.level == 1 else anchor_of(self.title)

    @property
    def tables(self) -> tuple[Table, ...]:
        """The section's tables, in order."""
        return tuple(p for p in self.parts if isinstance(p, Table))

    def _repr_html_(self) -> str:
        heading = (f'<h{self.level} id="{self.anchor}">{html.escape(self.title)}'
                   f"</h{self.level}>")
        body = "\n".join(p.to_html() if isinstance(p, Table) else p for p in self.parts)
        return f'<section class="report-section">{heading}\n{body}</section>'
