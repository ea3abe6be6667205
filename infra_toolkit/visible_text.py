"""Whether text has anything visible in it, and the key that tells two names apart however
they were typed: used by the approval rules (approvers, answers, reasons) and by the plan's
``acknowledged_warnings`` (a reason or a name), which import no store.

:func:`blank` and :func:`reviewer_key` are re-exported by :mod:`infra_toolkit.review_rules`,
where they were first written.
"""

from __future__ import annotations

import unicodedata

__all__ = ["NAME_CHARS", "blank", "reviewer_key"]

#: The longest name of a person (a requester, a reviewer, who acknowledged a warning), in
#: characters: every status, gate and queue line, and validate's acknowledged warnings, print
#: it whole.
NAME_CHARS = 200


def blank(text: str) -> bool:
    """Whether ``text`` has nothing visible in it: only spaces and characters drawn as nothing
    (a zero-width space or a Hangul filler is no name, answer or reason)."""
    return not reviewer_key(text)


def reviewer_key(name: str) -> str:
    """How approvers are told apart: ``name`` NFKC-normalised, without invisible format
    characters, case-folded, spaces collapsed and trimmed (empty for a name with nothing visible
    in it)."""
    # One person, one key, however the name was typed: NFKC (so a decomposed "José" and a
    # full-width "ａｌｉｃｅ" are the composed, narrow forms), invisible characters dropped
    # (_invisible), case folded (then NFKC again, as folding can un-normalize), spaces
    # collapsed. Look-alike letters of other scripts (Cyrillic "а") stay distinct: see
    # docs/APPROVALS.md, "Threat model".
    visible = "".join(c for c in unicodedata.normalize("NFKC", name) if not _invisible(c))
    return " ".join(unicodedata.normalize("NFKC", visible.casefold()).split())


#: Code points drawn as nothing that are not format characters (category Cf): the rest of
#: Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt: the combining grapheme
#: joiner U+034F, the Hangul fillers U+115F, U+1160, U+3164, U+FFA0, the Khmer inherent vowels
#: U+17B4-U+17B5, the Mongolian free variation selectors U+180B-U+180F, the variation selectors
#: U+FE00-U+FE0F, and the code points reserved as ignorable: U+2065, U+FFF0-U+FFF8,
#: U+E0000-U+E0FFF with the variation selectors U+E0100-U+E01EF) and the blank Braille pattern
#: U+2800. "alice" followed by one of them counted as a second approver, and one alone was a
#: name (or answer, or reason) with nothing visible in it.
_INVISIBLE_RANGES = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
                     (0x2065, 0x2065), (0x2800, 0x2800), (0x3164, 0x3164), (0xFE00, 0xFE0F),
                     (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF))


def _invisible(char: str) -> bool:
    """Whether ``char`` is drawn as nothing: a format character (zero-width space, joiner, soft
    hyphen, BOM, bidi controls: category Cf) or one of :data:`_INVISIBLE_RANGES`."""
    point = ord(char)
    return unicodedata.category(char) == "Cf" or any(
        low <= point <= high for low, high in _INVISIBLE_RANGES)
