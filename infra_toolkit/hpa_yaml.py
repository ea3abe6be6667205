"""``read_hpa_yaml``: an autoscaling/v2 HorizontalPodAutoscaler read from a YAML file that may
hold several documents (``---``), as ``kubectl apply -f`` files often do, or a ``kind: List`` as
``kubectl get -o yaml`` writes; API defaults applied by
:func:`~infra_toolkit.hpa_api.hpa_from_dict`. Errors name the file, and the line for malformed
YAML. ``read_hpa_keda_yaml`` also gives a KEDA ScaledObject's own scaling to zero
(:class:`~infra_toolkit.keda_activation.KedaActivation`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from infra_toolkit.errors import SpecError, quoted, shown
from infra_toolkit.hpa_api import KIND, hpa_from_dict
from infra_toolkit.hpa_spec import HPASpec
from infra_toolkit.keda_activation import KedaActivation
from infra_toolkit.keda_scaled_object import KIND as SCALED_OBJECT
from infra_toolkit.keda_scaled_object import read_scaled_object
from infra_toolkit.manifest_documents import load_documents, manifest_objects, object_name

__all__ = ["read_hpa_keda_yaml", "read_hpa_yaml"]


def read_hpa_yaml(
    path: str | os.PathLike[str], name: str | None = None, *, gate_scale_to_zero: bool = True,
    name_option: str = "name"
) -> HPASpec:
    """:func:`read_hpa_keda_yaml`'s HPA."""
    return read_hpa_keda_yaml(path, name, gate_scale_to_zero=gate_scale_to_zero,
                              name_option=name_option)[0]


def read_hpa_keda_yaml(
    path: str | os.PathLike[str], name: str | None = None, *, gate_scale_to_zero: bool = True,
    name_option: str = "name"
) -> tuple[HPASpec, KedaActivation | None]:
    """The HorizontalPodAutoscaler in a YAML file (or a KEDA ScaledObject, read as the HPA its
    operator creates: :mod:`infra_toolkit.keda_scaled_object`), API defaults applied (see
    ``hpa_from_dict``).

    With several HPAs in the file, ``name`` (``metadata.name``) picks one; ``name_option`` is how
    the caller's user gives it (the CLI's ``--hpa-name``), named in the messages' fix. Raises
    :class:`SpecError` naming the file when it cannot be read, is not YAML, holds no (or no such)
    HPA, or the HPA is invalid. The second item: a ScaledObject's scaling to zero (``None`` for
    an HPA, or a ScaledObject leaving the scaling to its HPA).
    """
    path = Path(path)
    documents = manifest_objects(load_documents(path))
    # a KEDA ScaledObject is read as the HPA its operator creates, as a plan's hpa file is;
    # --hpa-name picks it by either name (the ScaledObject's or that HPA's)
    objects = [doc for doc in documents
               if isinstance(doc, dict) and doc.get("kind") in (KIND, SCALED_OBJECT)]
    aliases = [object_name(doc) for doc in objects]
    reads = [_as_hpa(doc, path.name) for doc in objects]
    hpas: list[dict[str, Any] | SpecError] = [doc for doc, _ in reads]
    activations = {id(doc): keda for doc, keda in reads}
    # a ScaledObject that cannot be read has no HPA name: it goes by its own
    hpa_names = [object_name(doc) if isinstance(doc, dict) else alias
                 for doc, alias in zip(hpas, aliases, strict=True)]
    names = ", ".join(str(n) for n in hpa_names)
    if name is not None and hpas:
        # another workload's ScaledObject the simulation cannot read (scale to zero, a trigger
        # it does not model) stays out of the way of the one asked for, as in a plan
        picked = [(doc, hpa_name) for doc, alias, hpa_name
                  in zip(hpas, aliases, hpa_names, strict=True) if name in (alias, hpa_name)]
        hpas, hpa_names = [doc for doc, _ in picked], [hpa_name for _, hpa_name in picked]
        if not hpas:
            raise SpecError(f"{path} holds no {KIND} named {quoted(name)} (its HPAs: {names}); "
                            f"pass one of those names as {name_option}")
    if not hpas:
        # each kind as shown: a kind with a line break split the one-line error in two
        kinds = sorted({shown(str(doc.get("kind"))) for doc in documents if isinstance(doc, dict)})
        found = ", ".join(kinds) if kinds else "no Kubernetes objects"
        raise SpecError(
            f"{path} holds no {KIND} or KEDA {SCALED_OBJECT} (found: {found}); "
            "point to the file with the HPA manifest (kind: HorizontalPodAutoscaler)"
        )
    written = hpa_names  # an unreadable ScaledObject by its own name
    if len(hpas) > 1 and len(set(map(str, written))) < len(written):
        # --hpa-name cannot tell them apart: the fix it gave led nowhere
        twice = sorted({str(n) for n in written if written.count(n) > 1})
        raise SpecError(
            f"{path} holds {len(hpas)} HorizontalPodAutoscalers and {quoted(twice[0])} names more "
            "than one (a ScaledObject is read as its HPA keda-hpa-NAME); keep one of them in "
            "the file"
        )
    if len(hpas) > 1:
        raise SpecError(
            f"{path} holds {len(hpas)} HorizontalPodAutoscalers ({names}); "
            f"pass {name_option}=NAME to choose one"
        )
    if isinstance(hpas[0], SpecError):
        raise hpas[0]
    return (hpa_from_dict(hpas[0], source=str(path), gate_scale_to_zero=gate_scale_to_zero),
            activations[id(hpas[0])])


def _as_hpa(doc: dict[str, Any], file_name: str
            ) -> tuple[dict[str, Any] | SpecError, KedaActivation | None]:
    """``doc`` as an HPA manifest (a ScaledObject as KEDA's, with its scaling to zero), or why
    it cannot be read."""
    if doc.get("kind") != SCALED_OBJECT:
        return doc, None
    try:
        read = read_scaled_object(doc, file_name)
    except SpecError as exc:
        return exc, None
    return read.hpa, read.activation
