"""The plan's ``acknowledged_warnings``: warnings its author has weighed and accepts, each with
the reason and who accepted it (docs/PLAN.md, "Acknowledged warnings").

:func:`read_acknowledgements` reads the section (every problem recorded with its path, in the
plan loader's style); :func:`acknowledge` is the one matching rule, which ``validate`` and the
report both apply to the warnings they compute: an acknowledgement covers the warnings whose
path equals its ``path`` and whose message contains its ``contains``. A covered warning is not
dropped: it is listed apart, with the reason and the name. An acknowledgement that covers no
warning is a warning itself, so one left behind by a change of the plan does not linger unseen.
A warning that blocks approval (:attr:`PlanWarning.blocks_approval`: a cost line without a
price) is never covered; the approval rules read the prices themselves, never these.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra_toolkit.errors import quoted, shown
from infra_toolkit.plan_fields import FieldReader, join_path
from infra_toolkit.plan_warning_type import PlanWarning
from infra_toolkit.visible_text import NAME_CHARS, blank

__all__ = ["SIMULATED_WARNING_PATHS", "AcknowledgedWarning", "Acknowledgement", "Triage",
           "acknowledge", "read_acknowledgements"]

_KEYS = ("path", "contains", "reason", "by")
# the fix each field names when it is left out
_MISSING = {
    "path": "give the warning's field path exactly as `validate` prints it before ': warning:' "
            "(e.g. proposed.workloads[0].hpa)",
    "contains": "give a part of the warning's message, copied as printed (e.g. 'peaks at 480 "
                "rps')",
    "reason": "say why the warning is accepted",
    "by": "name who accepted the warning",
}

# what a field holding a control character is told: a path and a message part are one line
# (a warning's path and message never hold one, so such an entry could match nothing); a reason
# may be a YAML block, whose line breaks and tabs are printed as spaces
_PLAIN = {
    "path": "copy the path on one line, as validate prints it",
    "contains": "copy a part of the message on one line, as validate prints it",
    "reason": "write it as plain text (line breaks and tabs are fine)",
    "by": "write the name on one line, as plain text",
}


def _controls(key: str, text: str) -> list[str]:
    """The control characters (categories Cc, Zl, Zp) in field ``key``'s ``text`` that
    ``validate`` would print raw: an ESC recoloured the terminal, and U+2028 or a NUL in ``by``
    or ``reason`` went into the one line it prints an acknowledged warning on; a reason's line
    breaks and tabs (a YAML block) are printed as spaces, so they may stay."""
    kept = "\n\t" if key == "reason" else ""
    return sorted({c for c in text
                   if unicodedata.category(c) in ("Cc", "Zl", "Zp") and c not in kept})


#: Where the warnings computed from a simulation are (``credit_warnings``: a node group's
#: resource or ``proposed.resources``; ``simulated_commitment_warnings``: its
#: ``usage.committed_instances``; ``silent_alert_warnings``: ``monitoring.alerts[i]``;
#: ``canary_room_warnings``: ``deployment_strategy.canary.steps[i]``, or a Rollout's own canary
#: at ``proposed.workloads[i].deployment``, ``[*]`` standing for any index). An
#: acknowledgement there that covers none of the warnings of a run that simulated less than all
#: of the plan may cover one of those: it is left unchecked, not called stale.
SIMULATED_WARNING_PATHS = ("proposed.resources", "monitoring.alerts",
                           "deployment_strategy.canary", "proposed.workloads[*].deployment")
# each of them, or a field under one ("proposed.resources[0]"; "proposed.resourcesX" is not)
_SIMULATED = re.compile("|".join(re.escape(top).replace(re.escape("[*]"), r"\[\d+\]")
                                 + r"(?:[\[.].*)?" for top in SIMULATED_WARNING_PATHS))


@dataclass(frozen=True)
class Acknowledgement:
    """One entry of ``acknowledged_warnings`` (at ``entry_path``, ``acknowledged_warnings[0]``):
    it covers the warnings at ``path`` whose message contains ``contains``; ``reason`` says why
    they are accepted, ``by`` who accepted them."""

    entry_path: str
    path: str
    contains: str
    reason: str
    by: str

    def covers(self, warning: PlanWarning) -> bool:
        """Whether this acknowledgement covers ``warning`` (same path, message containing
        ``contains``), whether or not the warning may be acknowledged."""
        return warning.path == self.path and self.contains in warning.message

    @property
    def simulated(self) -> bool:
        """Whether ``path`` is one of :data:`SIMULATED_WARNING_PATHS` or a field under one
        (``proposed.resources[0]``; ``proposed.resourcesX`` is not)."""
        return _SIMULATED.fullmatch(self.path) is not None


@dataclass(frozen=True)
class AcknowledgedWarning:
    """A warning and the acknowledgement that covers it (the first in plan order)."""

    warning: PlanWarning
    acknowledgement: Acknowledgement

    @property
    def text(self) -> str:
        """How ``validate`` says it after the warning's path, as ``warning: MESSAGE`` for an
        open one: ``acknowledged by NAME: REASON (acknowledges: MESSAGE)``."""
        a = self.acknowledgement
        # one line: a reason written as a YAML block (`|`) keeps its line breaks
        return (f"acknowledged by {' '.join(a.by.split())}: {' '.join(a.reason.split())} "
                f"(acknowledges: {self.warning.message})")


@dataclass(frozen=True)
class Triage:
    """The plan's warnings sorted by :func:`acknowledge`: ``open`` (not covered, then one for
    each acknowledgement that is stale or tries to cover a warning that blocks approval),
    ``acknowledged`` (covered, in the warnings' order) and ``unchecked`` (acknowledgements
    that may cover a warning of a simulation not run)."""

    open: tuple[PlanWarning, ...]
    acknowledged: tuple[AcknowledgedWarning, ...]
    unchecked: tuple[Acknowledgement, ...] = ()


def read_acknowledgements(r: FieldReader, top: Mapping[str, Any]
                          ) -> tuple[Acknowledgement, ...] | None:
    """The top-level ``acknowledged_warnings`` list (absent or ``[]``: none), or ``None`` after
    recording every problem on ``r``: a field missing or blank, not text, and the same
    ``path`` and ``contains`` acknowledged twice."""
    before = r.count()
    out: list[Acknowledgement] = []
    first: dict[tuple[str, str], str] = {}
    for p, m in r.items(top, "", "acknowledged_warnings", _KEYS, list_required=False,
                           why=" or remove the section"):
        fields: dict[str, str | None] = {}
        for key in _KEYS:
            value = m.get(key)
            fields[key] = None
            if value is None:
                r.add(join_path(p, key), f"missing; {_MISSING[key]}")
            elif isinstance(value, str) and blank(value):
                # a zero-width space or a Hangul filler alone is no reason and no name
                r.add(join_path(p, key), f"is blank; {_MISSING[key]}")
            elif key == "by" and isinstance(value, str) and len(value) > NAME_CHARS:
                # printed whole on every acknowledged warning's line, as a reviewer's name is on
                # each status line, where a longer one is refused too
                r.add(join_path(p, key), f"{quoted(value)} is longer than {NAME_CHARS} "
                                         "characters; name who accepted the warning")
            elif isinstance(value, str) and _controls(key, value):
                r.add(join_path(p, key), (
                    f"{quoted(value)} holds control character(s) "
                    f"{', '.join(map(repr, _controls(key, value)))}, which validate would print "
                    f"raw (a terminal escape, or a line break that forges a line); "
                    f"{_PLAIN[key]}"))
            else:
                fields[key] = r.text(value, join_path(p, key))
        path, contains, reason, by = (fields[k] for k in _KEYS)
        if path is None or contains is None or reason is None or by is None:
            continue
        seen = first.setdefault((path, contains), p)
        if seen != p:
            r.add(p, f"acknowledges the same warning as {seen} (path {quoted(path)}, contains "
                     f"{quoted(contains)}); keep one")
            continue
        out.append(Acknowledgement(p, path, contains, reason, by))
    return None if r.count() > before else tuple(out)


def acknowledge(warnings: Sequence[PlanWarning], acknowledgements: Sequence[Acknowledgement],
                *, complete: bool) -> Triage:
    """Sort ``warnings`` by ``acknowledgements``: each warning is covered by the first
    acknowledgement that :meth:`~Acknowledgement.covers` it, unless it blocks approval, which
    stays open with a warning at each acknowledgement trying to cover it. An acknowledgement
    covering nothing is a warning at its entry, unless ``complete`` is false (the caller did
    not compute the simulation's warnings: ``validate``, or a report of some scenarios) and its
    path is one of :data:`SIMULATED_WARNING_PATHS`: then it is ``unchecked``."""
    open_: list[PlanWarning] = []
    covered: list[AcknowledgedWarning] = []
    for w in warnings:
        by = next((a for a in acknowledgements if a.covers(w)), None)
        if by is None or w.blocks_approval:
            open_.append(w)
        else:
            covered.append(AcknowledgedWarning(w, by))
    stale: list[PlanWarning] = []
    unchecked: list[Acknowledgement] = []
    for a in acknowledgements:
        matched = [w for w in warnings if a.covers(w)]
        blocking = [w for w in matched if w.blocks_approval]
        if blocking:
            stale.append(PlanWarning(a.entry_path, (
                f"acknowledges {len(blocking)} warning(s) at {shown(a.path)} that block "
                "approval (a cost line without a price): they stay open, and the plan cannot be "
                "approved until the lines are priced; price them, and remove this "
                "acknowledgement")))
        elif matched:
            continue
        elif not complete and a.simulated:
            unchecked.append(a)
        else:
            stale.append(PlanWarning(a.entry_path, (
                f"acknowledges the warning at {shown(a.path)} containing {quoted(a.contains)}, "
                "but matches no warning: the plan changed or the text is wrong; remove it or "
                "update `contains`")))
    return Triage(tuple(open_ + stale), tuple(covered), tuple(unchecked))
