"""notebooks/approve.ipynb stays thin: header, a documented parameters cell, calls, no outputs."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "approve.ipynb"


def test_approve_notebook_is_thin_and_committed_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# Approve a plan")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and params[0] is code[0]
    names = [line.split(":")[0] for line in params[0].source.splitlines()]
    assert names == ["plan_path", "db", "reviewer"]
    assert all("  # " in line for line in params[0].source.splitlines())  # a help per line
    for cell in code:
        tree = ast.parse(cell.source)
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)]


def test_running_the_form_cell_again_reviews_the_edited_plan(tmp_path: Path) -> None:
    # interact22: the notebook read the plan in one cell and built the form in the next; after
    # an edit, a click was refused with "run the cell again", and running the form's cell again
    # built a form of the same stale subject, refused on every click. Driven in a real kernel as
    # a user does: run the notebook, edit the plan, run the form's cell again, click each form.
    from nbclient import NotebookClient

    from infra_toolkit.cli import main
    from infra_toolkit.review_subject import read_review_subject
    from tests.notebook_fixtures import fixture_plan

    plan, db = fixture_plan(tmp_path), tmp_path / "approvals.sqlite"
    assert main(["submit", str(plan), "--db", str(db), "--requester", "dev"]) == 0
    before = read_review_subject(plan).digest
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # papermill's injected-parameters cell: after the parameters cell, overriding its values
    nb.cells.insert(2, nbformat.v4.new_code_cell(
        f"plan_path = {str(plan)!r}\ndb = {str(db)!r}\nreviewer = 'alice'"))
    client = NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(tmp_path)}})
    form_cell = nb.cells.index(next(c for c in nb.cells if c.get("id") == "approval-form"))

    def run(source: str) -> str:
        """``source`` run in the kernel as one more cell; what it printed."""
        cell = nbformat.v4.new_code_cell(source)
        nb.cells.append(cell)
        client.execute_cell(cell, len(nb.cells) - 1)
        return "".join(o.get("text", "") for o in cell.outputs)

    with client.setup_kernel():
        for index, cell in enumerate(list(nb.cells)):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
        run("first = _")
        plan.write_text(plan.read_text().replace("requested_review: 30", "requested_review: 45"))
        after = read_review_subject(plan).digest
        # a new version is a new review, as the refusal says (records 1 and 2: the requests)
        assert main(["submit", str(plan), "--db", str(db), "--requester", "dev"]) == 0
        client.execute_cell(nb.cells[form_cell], form_cell)  # the user runs it again
        run("second = _")
        clicked = run(
            "for form in (first, second):\n"
            "    form.decision.value = form.decision.options[3][1]  # Comment\n"
            "    form.comment.value = 'looked at the new review time'\n"
            "    form.submit_button.click()\n"
            "    print(form.subject.digest, form.result.value)")
    first_line, second_line = clicked.splitlines()
    assert first_line.startswith(before) and "Not recorded" in first_line
    assert "nothing recorded: read it again and build a new form" in first_line
    # the form built again shows the plan as it is now, and records against that digest
    assert second_line.startswith(after)
    assert "Recorded record 3: review-002 comment by alice" in second_line
    assert after in nb.cells[form_cell].outputs[-1]["data"]["text/html"]
