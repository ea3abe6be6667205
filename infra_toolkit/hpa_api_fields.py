"""A manifest's fields read as the API server reads them: typed, at a field path, strictly.

:class:`ManifestReader` reads one manifest's fields (mappings with no unknown key, int32 integers,
non-empty strings, API path segments, DNS-1123 names, quantities, lists), raising a
:class:`~infra_toolkit.errors.SpecError` that names the source, the field path, the bad value and
the fix; :meth:`ManifestReader.collect` keeps a problem and goes on, so independent parts are all
checked at once. An unknown field is refused with the nearest valid name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from infra_toolkit.errors import SpecError
from infra_toolkit.hpa_problems import NO_VALUE, format_problem
from infra_toolkit.plan_fields import bare_number_fix, did_you_mean
from infra_toolkit.quantity import QuantityError, parse_quantity_milli

__all__ = ["ManifestReader", "DNS_SUBDOMAIN", "DNS_LABEL"]

T = TypeVar("T")

# apimachinery's DNS-1123 subdomain (object names) and label (container names)
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
DNS_LABEL = re.compile(_LABEL)


class ManifestReader:
    """Reads fields of one manifest, raising SpecErrors that carry the path and the source."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def collect(self, read: Callable[[], T]) -> T | None:
        """``read()``, or ``None`` with its SpecError kept in ``problems``: the independent parts
        of a manifest (each metric, each scaling direction, each policy) are all checked, as the
        API server lists every invalid field at once."""
        try:
            return read()
        except SpecError as exc:
            self.problems.append(str(exc))
            return None

    def fail(self, path: str, value: object, rule: str, fix: str = "") -> SpecError:
        """The problem at ``path`` (the bad value, the rule it breaks, the fix) as a SpecError
        naming the source, for the caller to raise or keep."""
        return SpecError(format_problem(path, value, rule, fix, self.source))

    @contextmanager
    def at(self, prefix: str) -> Iterator[None]:
        """Re-raise a dataclass's own SpecError with the full field path and the source."""
        try:
            yield
        except SpecError as exc:
            field_path = getattr(exc, "field_path", None)
            if field_path is None:
                raise
            raise SpecError(
                format_problem(
                    prefix + field_path, exc.value, exc.rule, exc.fix, self.source  # type: ignore[attr-defined]
                )
            ) from None

    def mapping(self, value: object, path: str, allowed: tuple[str, ...]) -> Mapping[str, Any]:
        """A mapping whose keys are all in ``allowed``; an unknown key is refused with the
        nearest valid name."""
        if not isinstance(value, Mapping):
            raise self.fail(path, value, "must be a mapping of fields")
        for key in value:
            if key not in allowed:
                # the fix slot takes the hint without its "; "; the fields listed in API order
                near = did_you_mean(str(key), allowed, list_choices=False).removeprefix("; ")
                fix = near or "valid fields: " + ", ".join(allowed)
                raise self.fail(f"{path}.{key}", NO_VALUE, "is not a known field", fix)
        return value

    def integer(self, value: object, path: str) -> int:
        """An int32, as every integer field of the HPA API is."""
        if isinstance(value, bool) or not isinstance(value, int):
            # averageUtilization is the one percent among the HPA's integer fields
            unit = "%" if path.endswith("averageUtilization") else None
            raise self.fail(path, value, "must be an integer", bare_number_fix(value, unit))
        if not -(2**31) <= value < 2**31:
            raise self.fail(path, value, "must fit in 32 bits (at most 2147483647)")
        return value

    def string(self, value: object, path: str) -> str:
        """A non-empty string."""
        if not isinstance(value, str) or not value:
            raise self.fail(path, value, "must be a non-empty string")
        return value

    def segment(self, value: object, path: str) -> str:
        """A non-empty name usable as one API path segment (Go ``IsValidPathSegmentName``)."""
        text = self.string(value, path)
        if text in (".", "..") or "/" in text or "%" in text:
            raise self.fail(path, text, "may not be '.' or '..' and may not contain '/' or '%'",
                            "use the object's or metric's name as Kubernetes shows it")
        return text

    def pattern(self, value: object, path: str, regex: re.Pattern[str], max_len: int,
                what: str) -> str:
        """A name matching ``regex`` with at most ``max_len`` characters (a DNS-1123 name)."""
        text = self.string(value, path)
        if len(text) > max_len or not regex.fullmatch(text):
            raise self.fail(path, text, f"must be {what} of at most {max_len} characters",
                            "use lowercase letters, digits and '-', starting and ending with a "
                            "letter or digit")
        return text

    def milli(self, value: object, path: str) -> int:
        """A quantity ("500m", "1Gi", 100) in milli-units."""
        try:
            return parse_quantity_milli(value)
        except QuantityError as exc:
            raise self.fail(path, value, "must be a quantity", str(exc)) from None

    def required(self, block: Mapping[str, Any], key: str, path: str, fix: str) -> Any:
        """``block[key]``, refused as required (with ``fix``) when it is missing or null."""
        value = block.get(key, NO_VALUE)
        if value is NO_VALUE or value is None:
            raise self.fail(f"{path}.{key}" if path else key, NO_VALUE, "is required", fix)
        return value

    def items(
        self, value: object, path: str, parse: Callable[[Any, str], T]
    ) -> tuple[T, ...]:
        """A list, each item read by ``parse(item, path[i])``."""
        if not isinstance(value, list):
            raise self.fail(path, value, "must be a list")
        return tuple(parse(item, f"{path}[{i}]") for i, item in enumerate(value))

