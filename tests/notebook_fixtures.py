"""Small notebooks for testing the report build, written with nbformat (no committed outputs)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

PLOTLY_SETUP = "from infra_toolkit.charts import use_report_renderer\nuse_report_renderer()"


def write_notebook(path: Path, parameters: str, *cells: str) -> Path:
    """A python3 notebook: a markdown title, a ``parameters``-tagged cell, then code cells."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python"
    }
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Fixture report"), params]
    nb.cells += [nbformat.v4.new_code_cell(src) for src in cells]
    nbformat.write(nb, path)
    return path


def figures_notebook(path: Path, figures: int) -> Path:
    """``figures`` plotly line charts, each titled ``figure <i>``, and a label printed from the
    ``label`` parameter."""
    return write_notebook(
        path,
        'plan_path = ""  # help: the plan file\nlabel = "default"  # help: printed once',
        PLOTLY_SETUP,
        "import plotly.graph_objects as go\n"
        "MARKER_IN_SOURCE_ONLY = 1\n"
        f"for i in range({figures}):\n"
        "    go.Figure(go.Scatter(y=[1, 3, 2]), layout_title_text=f'figure {i}').show()",
        "print(f'label={label}')",
    )


def fixture_plan(folder: Path, stem: str = "plan") -> Path:
    """A valid plan named ``<stem>.yaml`` (tests/data/plans/report/small.yaml and the manifests
    it references, copied under ``folder/fixture``): the report build refuses an invalid one."""
    data = Path(__file__).resolve().parent / "data" / "plans"
    root = folder / "fixture"
    if not (root / "manifests").is_dir():
        shutil.copytree(data / "manifests", root / "manifests")
    plan = root / "report" / f"{stem}.yaml"
    plan.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(data / "report" / "small.yaml", plan)
    return plan
