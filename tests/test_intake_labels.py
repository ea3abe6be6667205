"""Label values YAML reads as numbers or booleans (``version: 2``, ``canary: true``, a Helm
chart's ``{{ .Chart.Version }}`` unquoted): labels are ``map[string]string``, so kubectl
refuses the manifest; they were read here as the text "2" or "True" and the plan was valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_toolkit.errors import SpecError
from infra_toolkit.label_selector import selector_problems
from infra_toolkit.manifests import deployment_from_dict
from tests.test_intake_karpenter_volumes import INTAKE


def _storefront() -> dict[str, Any]:
    docs = yaml.safe_load_all((INTAKE / "frontend_multidoc.yaml").read_text())
    return next(d for d in docs if d["kind"] == "Deployment")


@pytest.mark.parametrize(("value", "shown", "fix"), [
    (True, "True", "quote it: 'true'"),
    (2, "2", "quote it: '2'"),
    (1.1, "1.1", "quote it as written (YAML read it as the number 1.1)"),
])
def test_a_label_value_that_is_not_text_is_refused(value: object, shown: str, fix: str) -> None:
    doc = _storefront()
    doc["spec"]["selector"]["matchLabels"]["version"] = value
    doc["spec"]["template"]["metadata"]["labels"]["version"] = value
    with pytest.raises(SpecError) as raised:
        deployment_from_dict(doc, Path("f.yaml"))
    rule = "must be text, but YAML reads it as a number or a boolean, which kubectl refuses"
    assert str(raised.value).splitlines() == [
        f"spec.template.metadata.labels.version (={shown}) {rule} in Deployment 'storefront' "
        f"of f.yaml (fix: {fix})",
        f"spec.selector.matchLabels.version (={shown}) {rule} in Deployment 'storefront' of "
        f"f.yaml (fix: {fix})"]


def test_a_match_expression_value_that_is_not_text_is_refused() -> None:
    selector = {"matchExpressions": [{"key": "canary", "operator": "In", "values": [True]}]}
    assert selector_problems(selector, "spec.selector", "PodDisruptionBudget 'p'") == [
        "spec.selector.matchExpressions[0].values (=True) must be text, but YAML reads it as a "
        "number or a boolean, which kubectl refuses in PodDisruptionBudget 'p' (fix: quote "
        "it: 'true')"]


def test_quoted_values_are_read() -> None:
    doc = _storefront()
    doc["spec"]["selector"]["matchLabels"]["version"] = "2"
    doc["spec"]["template"]["metadata"]["labels"]["version"] = "2"
    assert deployment_from_dict(doc, Path("f.yaml")).name == "storefront"
