"""How a Deployment, StatefulSet or Argo Rollout replaces its pods by itself: ``spec.strategy``
(Deployment, Rollout) or ``spec.updateStrategy`` (StatefulSet), as the API server (Argo
Rollouts for a Rollout) defaults them.

- Deployment ``RollingUpdate`` (the default): ``maxSurge`` and ``maxUnavailable``, each a pod
  count or a percentage, 25 % when unset (``SetDefaults_Deployment``); both 0 is refused.
  ``Recreate``: every old pod goes before a new one starts.
- StatefulSet ``RollingUpdate`` (the default): one pod at a time, never a surge;
  ``rollingUpdate.maxUnavailable`` (default 1) lets several go at once, and
  ``rollingUpdate.partition`` (default 0) holds the ordinals below it back: the controller
  updates ordinals ``replicas - 1`` down to ``partition`` only, none when ``partition >=
  replicas`` (a staged rollout). ``OnDelete``: the controller replaces a pod only when someone
  deletes it.
- ``spec.minReadySeconds`` (both kinds, default 0): a new pod counts as available only once it
  has been Ready that long (``IsPodAvailable`` in pkg/api/v1/pod/util.go), and the controllers
  replace the next pods only as the new ones become available, so every wave of a rolling update
  takes that much longer. ``spec.progressDeadlineSeconds`` (a Deployment's, default 600,
  ``SetDefaults_Deployment``): when no new pod becomes available for that long the Deployment's
  Progressing condition turns False with ProgressDeadlineExceeded and ``kubectl rollout status``
  fails (the rollout itself goes on); the API server refuses one not above minReadySeconds.
- a Rollout's ``spec.strategy`` is ``canary`` or ``blueGreen``
  (:mod:`infra_toolkit.argo_rollout`); its minReadySeconds, progressDeadlineSeconds (default
  600) and revisionHistoryLimit (default 10) are a Deployment's.
- ``spec.revisionHistoryLimit`` (every kind, default 10): the old revisions kept; at 0 none is,
  so ``kubectl rollout undo`` has nothing to return to.

A plan's ``deployment_strategy`` names the workloads it rolls (Argo Rollouts, a canary by DNS
weights, ...); the others roll by this
(:func:`infra_toolkit.rollout_strategies.effective_strategy`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from infra_toolkit.errors import SpecError
from infra_toolkit.go_arithmetic import MAX_INT32

if TYPE_CHECKING:  # argo_rollout reads its amounts with this module's amount_from
    from infra_toolkit.argo_rollout import ArgoStrategy

__all__ = ["DEFAULT_PROGRESS_DEADLINE_S", "UpdateStrategy", "amount_from", "is_zero_amount",
           "update_strategy_from"]

#: A Deployment's ``progressDeadlineSeconds`` when unset (``SetDefaults_Deployment``).
DEFAULT_PROGRESS_DEADLINE_S = 600


@dataclass(frozen=True)
class UpdateStrategy:
    """``type`` (``RollingUpdate``, ``Recreate`` or, for a StatefulSet, ``OnDelete``) and, for
    a rolling update, ``max_surge`` / ``max_unavailable`` as written (a count or ``"N%"``;
    ``None``: the Deployment default, 25 %; a StatefulSet's are 0 and its maxUnavailable,
    default 1); ``partition``: a StatefulSet's ``rollingUpdate.partition``, the lowest ordinal
    a rolling update replaces (0: every pod); ``min_ready_s``: ``spec.minReadySeconds``;
    ``progress_deadline_s``: a Deployment's ``spec.progressDeadlineSeconds`` (``None`` for a
    StatefulSet, which has none); ``revision_history_limit``: ``spec.revisionHistoryLimit``;
    ``argo``: a Rollout's own strategy (``type`` is then its ``canary`` or ``blueGreen``, and
    ``max_surge`` / ``max_unavailable`` a canary's)."""

    type: str = "RollingUpdate"
    max_surge: int | str | None = None
    max_unavailable: int | str | None = None
    partition: int = 0
    min_ready_s: int = 0
    progress_deadline_s: int | None = DEFAULT_PROGRESS_DEADLINE_S
    revision_history_limit: int = 10
    argo: ArgoStrategy | None = None

    def __post_init__(self) -> None:
        if isinstance(self.partition, bool) or not isinstance(self.partition, int) \
                or self.partition < 0:
            raise SpecError(f"partition {self.partition!r} must be a whole number >= 0")


def _past_int32(where: str, value: int, other_form: str = "") -> str:
    """Why the API server refuses ``value`` at ``where``: an int32 field (or an IntOrString's
    int) holds at most 2,147,483,647; ``other_form`` names another way to write it."""
    return (f"{where}: {value!r} is above {MAX_INT32:,}, the largest int32 the API server "
            f"takes; write the real number{other_form}")


def amount_from(value: Any, where: str, problems: list[str]) -> int | str | None:
    """A ``maxSurge`` / ``maxUnavailable`` as written (a pod count >= 0 or ``"N%"``), ``None``
    when unset or after recording in ``problems`` why ``value`` is neither."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INT32:
        return value
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_INT32:
        # an IntOrString holds an int32: the API server refuses a larger count
        problems.append(_past_int32(where, value, " or a percentage like '25%'"))
        return None
    problems.append(f"{where}: {value!r} must be a pod count >= 0 or a percentage like '25%'")
    return None


def _partition(value: Any, where: str, problems: list[str]) -> int:
    """A StatefulSet's ``rollingUpdate.partition``: a whole number >= 0 (the API server's
    ValidateNonnegativeField), 0 when unset; it may exceed the replicas (nothing rolls)."""
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    problems.append(f"{where}: {value!r} must be a whole number >= 0 (the lowest ordinal "
                    "updated; 0, the default, updates every pod)")
    return 0


def is_zero_amount(value: int | str | None) -> bool:
    """Whether a pod count or percentage from :func:`amount_from` is 0 (``"0%"`` and ``"00%"``
    too: the API server reads the digits before the "%" as a number)."""
    return value == 0 or (isinstance(value, str) and int(value[:-1]) == 0)


def _seconds(spec: Any, key: str, default: int, of: str, problems: list[str]) -> int:
    """``spec[key]``, a whole number of seconds >= 0 (``ValidateNonnegativeField``), ``default``
    when unset."""
    return _whole(spec, key, default, of, problems, " of seconds")


def _whole(spec: Any, key: str, default: int, of: str, problems: list[str],
           unit: str = "") -> int:
    """``spec[key]``, a whole number >= 0 (``ValidateNonnegativeField``) that fits the field's
    int32, ``default`` when unset."""
    value = spec.get(key) if isinstance(spec, Mapping) else None
    if value is None:
        return default
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INT32:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_INT32:
        # minReadySeconds 2^31 was blamed on progressDeadlineSeconds; a larger deadline valid
        problems.append(_past_int32(f"spec.{key}{of}", value))
        return default
    problems.append(f"spec.{key}{of}: {value!r} must be a whole number{unit} >= 0")
    return default


def update_strategy_from(spec: Any, kind: str, of: str = "") -> tuple[UpdateStrategy, list[str]]:
    """The :class:`UpdateStrategy` of a Deployment's, StatefulSet's or Rollout's ``spec`` and the
    problems found (each naming its field, followed by ``of``, e.g. `` of Deployment 'web' in
    web.yaml``)."""
    if kind == "Rollout":
        from infra_toolkit.argo_rollout import argo_strategy_from  # it imports amount_from

        argo, problems = argo_strategy_from(spec, of)
        strategy = UpdateStrategy(argo.type, argo.max_surge, argo.max_unavailable, argo=argo)
    else:
        strategy, problems = _strategy_of(spec, kind, of)
    min_ready = _seconds(spec, "minReadySeconds", 0, of, problems)
    strategy = replace(strategy, min_ready_s=min_ready, revision_history_limit=_whole(
        spec, "revisionHistoryLimit", 10, of, problems))
    if kind == "StatefulSet":
        return replace(strategy, progress_deadline_s=None), problems
    deadline = _seconds(spec, "progressDeadlineSeconds", DEFAULT_PROGRESS_DEADLINE_S, of,
                        problems)
    if deadline <= min_ready:  # ValidateDeploymentSpec
        problems.append(f"spec.progressDeadlineSeconds{of}: {deadline} must be greater than "
                        f"minReadySeconds ({min_ready}); the API server refuses it")
    return replace(strategy, progress_deadline_s=deadline), problems


def _strategy_of(spec: Any, kind: str, of: str) -> tuple[UpdateStrategy, list[str]]:
    problems: list[str] = []
    stateful = kind == "StatefulSet"
    key = "updateStrategy" if stateful else "strategy"
    raw = spec.get(key) if isinstance(spec, Mapping) else None
    if raw is None:  # a StatefulSet's default: one pod at a time, no surge
        return (UpdateStrategy("RollingUpdate", 0, 1) if stateful else UpdateStrategy()), problems
    where = f"spec.{key}"
    if not isinstance(raw, Mapping):
        return UpdateStrategy(), [f"{where}{of}: must be a mapping with type"]
    types = ("RollingUpdate", "OnDelete") if stateful else ("RollingUpdate", "Recreate")
    kind_of = raw.get("type") or "RollingUpdate"
    if kind_of not in types:
        return UpdateStrategy(), [f"{where}.type{of}: {kind_of!r} must be one of "
                                  f"{', '.join(types)}"]
    rolling = raw.get("rollingUpdate") or {}
    if kind_of != "RollingUpdate" or not isinstance(rolling, Mapping):
        if raw.get("rollingUpdate") is not None and kind_of != "RollingUpdate":
            problems.append(f"{where}.rollingUpdate{of}: only applies to type RollingUpdate "
                            "(the API server refuses it with another type)")
        elif not isinstance(rolling, Mapping):
            problems.append(f"{where}.rollingUpdate{of}: must be a mapping (maxSurge, "
                            "maxUnavailable)")
        return UpdateStrategy(kind_of), problems
    rw = f"{where}.rollingUpdate"
    surge = None if stateful else amount_from(rolling.get("maxSurge"), f"{rw}.maxSurge{of}",
                                              problems)
    unavailable = amount_from(rolling.get("maxUnavailable"), f"{rw}.maxUnavailable{of}", problems)
    if isinstance(unavailable, str) and int(unavailable[:-1]) > 100:
        problems.append(f"{rw}.maxUnavailable{of}: {unavailable!r} is more than 100% (the API "
                        "server refuses it); at most '100%'")
    if not stateful and is_zero_amount(surge) and is_zero_amount(unavailable):
        problems.append(f"{rw}{of}: maxSurge and maxUnavailable cannot both be 0 (the API "
                        "server refuses it: the rollout could never progress)")
    if stateful and is_zero_amount(unavailable):
        problems.append(f"{rw}.maxUnavailable{of}: cannot be 0 for a StatefulSet (the API "
                        "server refuses it); leave it out for one pod at a time")
    if stateful:
        return UpdateStrategy(kind_of, 0, 1 if unavailable is None else unavailable,
                              _partition(rolling.get("partition"), f"{rw}.partition{of}",
                                         problems)), problems
    return UpdateStrategy(kind_of, surge, unavailable), problems
