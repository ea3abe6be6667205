"""An HPA manifest's ``spec.behavior`` as the API server reads it: validated, then defaulted.

:func:`behavior_from_dict` reads ``scaleUp`` and ``scaleDown`` (stabilization window, select
policy, policies, tolerance) into an :class:`HPABehavior`, every problem of both directions at
once. :class:`HPABehavior` fills the unset fields with the API defaults on construction
(``generate_scale_up_rules``, ``generate_scale_down_rules``); the scale-down window stays unset,
for the controller flag.
"""

from __future__ import annotations

from infra_toolkit.hpa_api_fields import ManifestReader
from infra_toolkit.hpa_spec import (
    MAX_PERIOD_SECONDS,
    MAX_STABILIZATION_WINDOW_SECONDS,
    HPABehavior,
    HPAScalingPolicy,
    HPAScalingRules,
)
from infra_toolkit.quantity import QuantityError, stored_quantity_float

__all__ = ["behavior_from_dict"]


def _policy(r: ManifestReader, raw: object, path: str) -> HPAScalingPolicy:
    block = r.mapping(raw, path, ("type", "value", "periodSeconds"))
    policy_type = r.string(r.required(block, "type", path, "use Pods or Percent"), f"{path}.type")
    value = r.integer(r.required(block, "value", path, "set how many pods or percent"),
                      f"{path}.value")
    period = r.integer(
        r.required(block, "periodSeconds", path,
                   f"set the period in seconds (1 to {MAX_PERIOD_SECONDS})"),
        f"{path}.periodSeconds",
    )
    with r.at(path + "."):
        return HPAScalingPolicy(type=policy_type, value=value, period_s=period)


def _rules(r: ManifestReader, raw: object, path: str) -> HPAScalingRules | None:
    """One scaling direction, or ``None`` with its problems kept in ``r.problems``."""
    block = r.mapping(
        raw, path, ("stabilizationWindowSeconds", "selectPolicy", "policies", "tolerance")
    )
    count = len(r.problems)
    window_raw = block.get("stabilizationWindowSeconds")
    window = None if window_raw is None else r.collect(lambda: r.integer(
        window_raw, f"{path}.stabilizationWindowSeconds"
    ))
    if window is not None and not 0 <= window <= MAX_STABILIZATION_WINDOW_SECONDS:
        r.problems.append(str(r.fail(
            f"{path}.stabilizationWindowSeconds", window,
            f"must be between 0 and {MAX_STABILIZATION_WINDOW_SECONDS}",
            "use a window of at most one hour",
        )))
    select = block.get("selectPolicy")
    policies_raw = block.get("policies")
    parsed = None if policies_raw is None else r.collect(lambda: r.items(
        policies_raw, f"{path}.policies", lambda p, q: r.collect(lambda: _policy(r, p, q))
    ))
    policies = None if parsed is None else tuple(p for p in parsed if p is not None)
    tolerance_raw = block.get("tolerance")
    tolerance = None
    if tolerance_raw is not None:
        try:
            tolerance = stored_quantity_float(tolerance_raw)
        except QuantityError as exc:
            r.problems.append(str(r.fail(f"{path}.tolerance", tolerance_raw,
                                         "must be a quantity", str(exc))))
    if len(r.problems) > count:
        return None
    with r.at(path + "."):
        return HPAScalingRules(
            stabilization_window_s=window,
            select_policy=None if select is None else str(select),
            policies=policies,
            tolerance=tolerance,
        )


def behavior_from_dict(r: ManifestReader, raw: object, path: str) -> HPABehavior:
    """``spec.behavior`` at ``path``; a direction with problems is ``None`` and its problems are
    kept in ``r.problems``."""
    block = r.mapping(raw, path, ("scaleUp", "scaleDown"))
    up = block.get("scaleUp")
    down = block.get("scaleDown")
    scale_up = None if up is None else r.collect(lambda: _rules(r, up, f"{path}.scaleUp"))
    scale_down = None if down is None else r.collect(
        lambda: _rules(r, down, f"{path}.scaleDown"))
    return HPABehavior(scale_up=scale_up, scale_down=scale_down)
