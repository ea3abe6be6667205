"""The report and explorer notebooks stay thin: a markdown header, one documented parameters cell
in papermill's ``name: type = value  # help`` form, then only calls into the library and a loop
over figures; committed without outputs, kernel ``python3``. (Their runs: test_plan_report.py and
test_readme.py.)"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from papermill.translators import PythonTranslator

from tests.conftest import REPO_ROOT

NOTEBOOKS = {
    "plan_report.ipynb": ["plan_path", "scenarios", "expected_scenario", "horizon_h", "region",
                          "db", "chart_workloads"],
    "scaling_explorer.ipynb": ["plan_path", "workload", "scenario", "horizon_h"],
}


@pytest.mark.parametrize(("name", "parameters"), NOTEBOOKS.items())
def test_thin_and_without_outputs(name: str, parameters: list[str]) -> None:
    nb = nbformat.read(REPO_ROOT / "notebooks" / name, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    header = nb.cells[0]
    assert header.cell_type == "markdown"
    for part in ("**Purpose**", "**Inputs**", "**Outputs**"):
        assert part in header.source
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0]
    inferred = PythonTranslator.inspect(tagged[0])  # what papermill --help-notebook lists
    assert [p.name for p in inferred] == parameters
    assert all(p.help and p.inferred_type_name != "None" for p in inferred)
    for cell in code[1:]:
        tree = ast.parse(cell.source)
        assert not [n for n in ast.walk(tree) if isinstance(
            n, ast.FunctionDef | ast.ClassDef | ast.Lambda | ast.If | ast.While | ast.With)]
        for loop in (n for n in ast.walk(tree) if isinstance(n, ast.For)):
            assert ast.unparse(loop.iter).startswith("charts.") and \
                ast.unparse(loop.body[0]) == f"{ast.unparse(loop.target)}.show()"


def test_report_notebook_calls_every_section_once() -> None:
    from infra_toolkit import sections

    nb = nbformat.read(REPO_ROOT / "notebooks/plan_report.ipynb", as_version=4)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for name in sections.__all__:
        if name != "SECTION_TITLES":
            assert source.count(f"sections.{name}(analysis)") == 1, name
    # the notebook header is for notebook readers; the report leaves it out
    assert "report-hide" in nb.cells[0].metadata.get("tags", [])


def test_report_notebook_default_plan_path_works_from_the_notebooks_folder() -> None:
    nb = nbformat.read(REPO_ROOT / "notebooks/plan_report.ipynb", as_version=4)
    default = PythonTranslator.inspect(nb.cells[1])[0].default.strip('"')
    assert (REPO_ROOT / "notebooks" / Path(default)).resolve() == \
        (REPO_ROOT / "plans/ecommerce-eks.yaml").resolve()
