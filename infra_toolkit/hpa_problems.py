"""The one wording of an HPA spec problem: field, bad value, rule, file and fix.

``spec.maxReplicas (=3) must be greater than or equal to spec.minReplicas (=5) in
plans/checkout.yaml (fix: raise maxReplicas or lower minReplicas)``. The spec records
(:mod:`infra_toolkit.hpa_spec`, :mod:`infra_toolkit.hpa_controller_config`) raise
:func:`spec_problem` without the file;
:mod:`infra_toolkit.hpa_api` words it again with the full field path and the file name
(:meth:`infra_toolkit.hpa_api_fields.ManifestReader.at`).
"""

from __future__ import annotations

from typing import Any

from infra_toolkit.errors import SpecError, clipped, clipped_path, quoted

__all__ = ["NO_VALUE", "format_problem", "spec_problem"]


def spec_problem(field_path: str, value: object, rule: str, fix: str = "") -> SpecError:
    """A :class:`SpecError` ``<field> (=<value>) <rule> (fix: <fix>)`` that keeps its parts.

    :mod:`infra_toolkit.hpa_api` re-raises it with the full field path and the file name.
    """
    err = SpecError(format_problem(field_path, value, rule, fix, source=None))
    err.field_path = field_path  # type: ignore[attr-defined]
    err.value = value  # type: ignore[attr-defined]
    err.rule = rule  # type: ignore[attr-defined]
    err.fix = fix  # type: ignore[attr-defined]
    return err


def format_problem(field_path: str, value: object, rule: str, fix: str, source: str | None) -> str:
    """The one wording of a spec problem: field, bad value, rule, file, fix."""
    # a number as written (0.5, not np.float64(0.5)); text in quotes
    shown = "" if value is NO_VALUE else \
        f" (={quoted(value) if isinstance(value, str) else clipped(str(value))})"
    where = f" in {source}" if source else ""
    advice = f" (fix: {fix})" if fix else ""
    return f"{clipped_path(field_path)}{shown} {rule}{where}{advice}"


class _NoValue:
    def __repr__(self) -> str:
        return "<no value>"


NO_VALUE: Any = _NoValue()  # a problem about an absent field: the message shows no "(=value)"
