"""The report build: papermill execution, offline HTML export, failures, batches."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from plotly.offline import get_plotlyjs

from infra_toolkit.errors import ReportError
from infra_toolkit.report import (
    build_report,
    build_reports,
    export_html,
    find_external_references,
    kernel_socket_base,
)
from tests.notebook_fixtures import figures_notebook, fixture_plan, write_notebook

PLOTLY_BANNER = get_plotlyjs()[:40]  # the licence banner that opens the plotly.js bundle


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://cdn.jsdelivr.net/npm/require.js"></script>',
        "<script type='text/javascript' src='http://example.com/a.js'></script>",
        '<script src="//cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js"></script>',
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">',
        '<style>@import url("https://fonts.googleapis.com/css2");</style>',
        "<script type=\"module\">const m = await import('https://esm.sh/mermaid');</script>",
        '<script type="module">import "https://cdn.plot.ly/plotly-3.0.0.min"</script>',
        '<script type="module">import x from "https://esm.sh/x";</script>',
        '<img src="https://example.com/logo.png">',
    ],
)
def test_network_references_are_found(html: str) -> None:
    # the one reference found is the one the snippet loads, whole up to its closing quote
    url = re.search(r"""(https?:)?//[^"')\s]+""", html)
    assert url is not None
    (found,) = find_external_references(html)
    assert found.endswith(url.group(0)) and found in html


@pytest.mark.parametrize(
    "html",
    [
        '<a href="https://aws.amazon.com/ec2/pricing/">AWS pricing</a>',  # a link is not a load
        '<script>var docs = "https://plotly.com/javascript/";</script>',  # a string in code
        '<script src="data:text/javascript;base64,AAAA"></script>',
        "<p>see http://example.com</p>",
    ],
)
def test_text_and_links_are_not_network_loads(html: str) -> None:
    assert find_external_references(html) == []


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("report")
    plan = fixture_plan(tmp, "plan")
    notebook = figures_notebook(tmp / "three.ipynb", figures=3)
    result = build_report(plan, out=tmp / "out" / "plan.html", notebook=notebook,
                          parameters={"label": "from-cli"}, keep_notebook=True)
    assert result.html_path == tmp / "out" / "plan.html"
    assert result.notebook_path == tmp / "out" / "plan.ipynb"
    html = result.html_path.read_text(encoding="utf-8")
    assert result.html_bytes == len(html.encode("utf-8"))
    return tmp, html


def test_html_page_is_titled_by_the_plan_file(built: tuple[Path, str]) -> None:
    _tmp, html = built
    assert re.findall(r"<title>([^<]*)</title>", html)[0] == "plan"  # plan.yaml's stem


def test_html_embeds_plotly_js_exactly_once(built: tuple[Path, str]) -> None:
    _tmp, html = built
    assert html.count(PLOTLY_BANNER) == 1
    assert html.count(get_plotlyjs()) == 1  # the installed bundle, whole and as is


def test_html_draws_every_figure_and_hides_inputs(built: tuple[Path, str]) -> None:
    _tmp, html = built
    for i in range(3):
        assert f'"text":"figure {i}"' in html
    assert html.count("Plotly.newPlot(") == 3  # one call per figure
    assert "MARKER_IN_SOURCE_ONLY" not in html
    assert "label=from-cli" in html


def test_html_loads_nothing_from_the_network(built: tuple[Path, str]) -> None:
    _tmp, html = built
    assert find_external_references(html) == []
    for cdn in ("require.min.js", "MathJax.js", "mermaid", "html-manager"):
        assert cdn not in html.replace(get_plotlyjs(), "")


def test_kept_notebook_is_the_executed_one(built: tuple[Path, str]) -> None:
    tmp, _html = built
    nb = nbformat.read(tmp / "out" / "plan.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "from-cli" in injected[0].source


@pytest.mark.parametrize("fail", [False, True])
def test_a_kept_notebook_shows_the_store_password_as_stars(tmp_path: Path, fail: bool) -> None:
    # audit8 A8-10: the HTML showed postgresql://u:***@..., but the notebook kept beside it
    # (--keep-notebook, or the failure notebook) held the password in its parameters cell and
    # papermill's metadata, in a 0644 file next to the report
    plan = fixture_plan(tmp_path, "plan")
    notebook = write_notebook(tmp_path / "db.ipynb", 'plan_path = ""\ndb = None',
                              "print('stored in', db)\n" + ("1 / 0" if fail else ""))
    # the password holds a quote, a backslash and a non-ASCII letter, which papermill escapes
    url = 'postgresql://u:Zq7"x\\y\u00f6@db.example/approvals'
    out = tmp_path / "plan.html"
    if fail:
        with pytest.raises(ReportError, match=r"ZeroDivisionError"):
            build_report(plan, out=out, notebook=notebook, parameters={"db": url})
    else:
        build_report(plan, out=out, notebook=notebook, parameters={"db": url}, keep_notebook=True)
    text = (tmp_path / "plan.ipynb").read_text(encoding="utf-8")
    assert "Zq7" not in text
    nb = nbformat.reads(text, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert 'db = "postgresql://u:***@db.example/approvals"' in injected[0].source
    assert nb.metadata.papermill.parameters["db"] == "postgresql://u:***@db.example/approvals"


def test_failing_notebook_keeps_marked_notebook_and_names_the_cell(tmp_path: Path) -> None:
    plan = fixture_plan(tmp_path, "plan")
    notebook = write_notebook(
        tmp_path / "fails.ipynb", 'plan_path = ""', "x = 1", "raise ValueError('capacity unknown')"
    )
    out = tmp_path / "out" / "fails.html"
    out.parent.mkdir()
    previous = b"<html>the report of the last good run</html>"
    out.write_bytes(previous)
    # Cells: 0 markdown, 1 parameters, 2 injected parameters, 3 "x = 1", 4 the raise.
    kept = tmp_path / "out" / "fails.ipynb"
    with pytest.raises(ReportError, match=r"fails\.ipynb failed in cell 4 .*"
                       r"starting \"raise ValueError\('capacity unknown'\)\"\): "
                       r"ValueError: capacity unknown; the executed notebook with the error "
                       rf"marked is at {re.escape(str(kept))}; {re.escape(str(out))} was not "
                       r"written$"):
        build_report(plan, out=out, notebook=notebook)
    executed = nbformat.read(kept, as_version=4)
    failing = executed.cells[-1]
    assert failing.outputs[0]["ename"] == "ValueError"
    banners = [c for c in executed.cells if "An Exception was encountered" in c.source]
    assert len(banners) == 1  # papermill's error banner, placed before the failing cell
    # the previous report is untouched, and no traceback page was written anywhere beside it
    assert out.read_bytes() == previous
    assert sorted(p.name for p in out.parent.iterdir()) == ["fails.html", "fails.ipynb"]


def test_a_good_build_removes_the_failure_notebook_of_an_earlier_one_and_nothing_else(
    tmp_path: Path,
) -> None:
    plan = fixture_plan(tmp_path, "plan")
    notebook = write_notebook(tmp_path / "nb.ipynb", 'plan_path = ""\nfail = False',
                              "assert not fail, 'asked to fail'")
    out = tmp_path / "keep.html"
    kept = tmp_path / "keep.ipynb"
    with pytest.raises(ReportError, match=r"AssertionError: asked to fail; the executed notebook "
                       rf"with the error marked is at {re.escape(str(kept))}"):
        build_report(plan, out=out, notebook=notebook, parameters={"fail": True})
    assert nbformat.read(kept, as_version=4).metadata["infra_toolkit"] == {
        "failed_report": "keep.html"
    }
    build_report(plan, out=out, notebook=notebook)  # fixed: no --keep-notebook
    assert out.is_file() and not kept.exists()  # the failure is over: its notebook goes
    # a notebook that is not the toolkit's failure notebook stays: a user's, or a kept good one
    users = write_notebook(kept, 'plan_path = ""', "print('mine')").read_bytes()
    build_report(plan, out=out, notebook=notebook)
    assert kept.read_bytes() == users


def test_a_failing_plan_of_a_batch_leaves_no_html(tmp_path: Path) -> None:
    good, bad = fixture_plan(tmp_path, "good"), fixture_plan(tmp_path, "bad")
    notebook = write_notebook(tmp_path / "nb.ipynb", 'plan_path = ""',
                              "assert 'bad' not in plan_path, 'this plan breaks the notebook'")
    outcomes = build_reports([good, bad], jobs=2, out_dir=tmp_path / "reports",
                             notebook=notebook)
    assert outcomes[0].error is None
    assert "AssertionError: this plan breaks the notebook" in (outcomes[1].error or "")
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["bad.ipynb", "good.html"]


def test_an_invalid_plan_is_refused_before_any_kernel_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra_toolkit.cli import main

    monkeypatch.chdir(tmp_path)
    good = fixture_plan(tmp_path, "good").relative_to(tmp_path)
    bad = good.with_name("misspelt.yaml")  # relative: the lines name it as the user wrote it
    bad.write_text(good.read_text().replace("\nmonitoring:", "\nmonitorng:", 1))
    assert main(["validate", str(bad)]) == 1
    validator_lines = [ln for ln in capsys.readouterr().out.splitlines()
                       if ln.startswith(f"{bad}:") and "problem(s)" not in ln]
    # the missing section, the misspelt key, and the rollback trigger that names an alert of
    # the section the misspelling hid
    assert [ln.removeprefix(f"{bad}") for ln in validator_lines] == [
        ": monitoring: missing; the seed rule says always provide the monitoring; add a "
        "`monitoring:` section",
        ":66: monitorng: unknown key 'monitorng'; did you mean 'monitoring'?",
        ":72: rollback.triggers[0].alert: no alert named 'ApiDown' in monitoring.alerts"]
    # a notebook that records that it ran: for the invalid plan it must not run at all
    ran = tmp_path / "kernel-ran"
    notebook = write_notebook(tmp_path / "nb.ipynb", 'plan_path = ""',
                              f"open({str(ran)!r}, 'w').close()")
    assert main(["report", str(good), str(bad), "--jobs", "2", "--notebook", str(notebook)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        # the plan named once (it was `error: {bad}: {bad} is not ...`)
        f"error: {bad} is not a valid plan ({len(validator_lines)} problem(s)); nothing "
        "was built or written (infra-toolkit validate lists the same):", *validator_lines]
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["good.html"]
    assert ran.exists()  # the good plan's kernel ran
    ran.unlink()
    with pytest.raises(ReportError, match=r"misspelt\.yaml is not a valid plan"):
        build_report(bad, out=tmp_path / "x.html", notebook=notebook)
    assert not ran.exists()
    assert not (tmp_path / "x.html").exists() and not (tmp_path / "x.ipynb").exists()


def test_a_multi_line_error_is_quoted_whole(tmp_path: Path) -> None:
    plan = fixture_plan(tmp_path, "plan")
    # as a PlanError lists its problems: a first line, then one line per problem
    notebook = write_notebook(tmp_path / "nb.ipynb", 'plan_path = ""',
                              "raise ValueError('2 problems:\\n  a: bad\\n  b: worse')")
    with pytest.raises(ReportError, match=r"ValueError: 2 problems:\n  a: bad\n  b: worse; the "
                                          r"executed notebook"):
        build_report(plan, out=tmp_path / "p.html", notebook=notebook)


@pytest.mark.parametrize(("name", "words"), [
    ("lable", "has no parameter 'lable'; did you mean 'label'?"),
    ("horizon_h", "has no parameter 'horizon_h'; valid: 'label', 'plan_path'"),
])
def test_an_undeclared_parameter_is_refused_before_running(tmp_path: Path, name: str,
                                                           words: str) -> None:
    plan = fixture_plan(tmp_path, "plan")
    notebook = figures_notebook(tmp_path / "one.ipynb", figures=1)
    out = tmp_path / "p.html"
    with pytest.raises(ReportError, match=r"one\.ipynb " + re.escape(words)):
        build_report(plan, out=out, notebook=notebook, parameters={name: "x"})
    assert not out.exists() and not out.with_suffix(".ipynb").exists()


def test_two_plans_that_would_write_one_file_are_refused(tmp_path: Path) -> None:
    plans = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        plan = tmp_path / folder / "shop.yaml"
        plan.write_text("version: 1\n")  # refused before any plan is read
        plans.append(plan)
    notebook = figures_notebook(tmp_path / "one.ipynb", figures=1)
    with pytest.raises(ReportError, match=r"a/shop\.yaml and .*b/shop\.yaml would both write "
                                          r".*out/shop\.html; give the plans different"):
        build_reports(plans, jobs=2, out_dir=tmp_path / "out", notebook=notebook)
    with pytest.raises(ReportError, match=r"would both write"):  # the same plan twice
        build_reports([plans[0], plans[0]], out_dir=tmp_path / "out", notebook=notebook)
    assert not (tmp_path / "out").exists()


def test_missing_plan_and_notebook_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"plan file .*nope\.yaml does not exist"):
        build_report(tmp_path / "nope.yaml")
    plan = fixture_plan(tmp_path, "p")
    with pytest.raises(ReportError, match=r"notebook .*missing\.ipynb does not exist"):
        build_report(plan, notebook=tmp_path / "missing.ipynb", out=tmp_path / "p.html")


@pytest.mark.parametrize(("content", "why"), [
    (b"\x8f\x00binary", r"'utf-8' codec can't decode byte 0x8f in position 0"),
    (b"", r"Notebook does not appear to be JSON: ''"),
    (b'{"a": 1}', r"Notebook could not be converted from version 1 to version 2"),
])
def test_a_notebook_option_that_is_not_a_notebook_is_named(tmp_path: Path, content: bytes,
                                                           why: str) -> None:
    # audit8 A8-5: `report --notebook` of a binary or empty file raised UnicodeDecodeError or
    # NotJSONError from inside papermill / nbformat (a traceback), with or without -p
    plan = fixture_plan(tmp_path, "p")
    notebook = tmp_path / "nb.ipynb"
    notebook.write_bytes(content)
    for parameters in (None, {"horizon_h": 1}):
        with pytest.raises(ReportError, match=rf"notebook .*nb\.ipynb is not a Jupyter notebook "
                                              rf"\({why}.*\); pass an \.ipynb file such as "
                                              r"notebooks/plan_report\.ipynb$"):
            build_report(plan, out=tmp_path / "p.html", notebook=notebook, parameters=parameters)
    assert not (tmp_path / "p.html").exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_an_output_folder_no_file_can_be_written_in_is_refused_before_running(
        tmp_path: Path) -> None:
    # audit8 A8-4: --out /proc/r.html built the whole report, then raised FileNotFoundError
    # (a traceback) at the temporary file beside the output; /proc takes no new files
    plan = fixture_plan(tmp_path, "p")
    notebook = figures_notebook(tmp_path / "one.ipynb", figures=1)
    with pytest.raises(ReportError, match=r"cannot write /proc/r\.html: No such file or "
                                          r"directory; choose another output path$"):
        build_report(plan, out=Path("/proc/r.html"), notebook=notebook)


def test_an_output_path_that_cannot_be_a_file_is_refused_before_running(tmp_path: Path) -> None:
    plan = fixture_plan(tmp_path, "p")
    notebook = figures_notebook(tmp_path / "one.ipynb", figures=1)
    (tmp_path / "folder").mkdir()
    with pytest.raises(ReportError, match=r"output .*folder is a folder; name the HTML file, "
                                          r"e\.g\. .*folder/p\.html"):
        build_report(plan, out=tmp_path / "folder", notebook=notebook)
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ReportError, match=r"cannot create the folder of .*a-file/r\.html: "
                                          r"(File exists|Not a directory); choose another"):
        build_report(plan, out=tmp_path / "a-file" / "r.html", notebook=notebook)
    # before: --out p.yaml overwrote the plan itself with the HTML, and --out r.ipynb with
    # --keep-notebook wrote the notebook over the report it had just written
    plan_bytes = plan.read_bytes()
    for out in (plan, tmp_path / "r.ipynb"):
        with pytest.raises(ReportError, match=rf"output .*{out.name} does not end in \.html; "
                                              rf"name the HTML file, e\.g\. .*{out.stem}\.html$"):
            build_report(plan, out=out, notebook=notebook, keep_notebook=True)
    assert plan.read_bytes() == plan_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "fixture", "folder",
                                                          "one.ipynb"]


def test_batch_runs_in_parallel_and_reports_each_plan(tmp_path: Path) -> None:
    plans = []
    for name in ("a", "b"):
        p = fixture_plan(tmp_path, name)
        plans.append(p)
    missing = tmp_path / "c.yaml"
    notebook = figures_notebook(tmp_path / "one.ipynb", figures=1)
    outcomes = build_reports([*plans, missing], jobs=2, out_dir=tmp_path / "out",
                             notebook=notebook)
    assert [o.plan_path.name for o in outcomes] == ["a.yaml", "b.yaml", "c.yaml"]
    assert outcomes[0].error is None and outcomes[0].result is not None
    assert (tmp_path / "out" / "a.html").is_file() and (tmp_path / "out" / "b.html").is_file()
    assert outcomes[2].result is None and "does not exist" in (outcomes[2].error or "")


def test_cli_report_names_the_failing_cell_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra_toolkit.cli import main

    plan = fixture_plan(tmp_path, "plan")
    notebook = write_notebook(tmp_path / "nb.ipynb", 'plan_path = ""\nlimit = 1',
                              "assert limit > 5, f'limit {limit} too small'")
    out = tmp_path / "r.html"
    assert main(["report", str(plan), "--notebook", str(notebook), "--out", str(out),
                 "-p", "limit", "3"]) == 1
    err = capsys.readouterr().err
    assert "nb.ipynb failed in cell 3" in err and "AssertionError: limit 3 too small" in err
    assert main(["report", str(plan), "--notebook", str(notebook), "--out", str(out),
                 "-p", "limit", "9"]) == 0
    assert capsys.readouterr().out.startswith(f"{out} (")


def test_parallel_builds_use_private_unix_sockets_not_tcp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    import shutil
    import tempfile

    monkeypatch.chdir(tmp_path)
    # The spawned builders' temporary folder is this test's own: a report built by anything else
    # on the machine meanwhile leaves its sockets in the shared /tmp, not here. (Short: a unix
    # socket path has at most 107 characters.)
    private_tmp = Path(tempfile.mkdtemp(prefix="itk-"))
    request.addfinalizer(lambda: shutil.rmtree(private_tmp, ignore_errors=True))
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))  # and this process's
    plans = []
    for name in ("a", "b"):
        plan = fixture_plan(tmp_path, name)
        plans.append(plan)
    notebook = figures_notebook(tmp_path / "one.ipynb", figures=1)
    outcomes = build_reports(plans, jobs=2, out_dir=tmp_path / "out", notebook=notebook)
    assert [o.error for o in outcomes] == [None, None]
    # The kernels' stderr is this process's: no TCP transport warning was printed...
    assert "running over TCP" not in capfd.readouterr().err
    # ...no socket landed in the working directory, and every socket was removed afterwards.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fixture", "one.ipynb", "out"]
    assert list(private_tmp.glob("infra-toolkit-kernel-*")) == []


@pytest.mark.parametrize(("tmp_dir", "expected_dir"), [
    ("/tmp/short", "/tmp/short"),
    # 90 characters: with the 37-character name and "-ipc-65535" over the 103-byte limit
    ("/" + "d" * 89, "/tmp"),
])
def test_kernel_socket_base_fits_a_unix_socket_path(tmp_dir: str, expected_dir: str) -> None:
    base = kernel_socket_base(tmp_dir)
    assert os.path.dirname(base) == expected_dir
    assert os.path.basename(base).startswith("infra-toolkit-kernel-")
    assert len(base) + len("-ipc-65535") <= 103


def test_cli_report_parameters_read_scientific_notation_as_numbers(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # U-1: before, `-p horizon_h 1e9` reached the notebook as the text '1e9' ("give a number")
    from infra_toolkit import report
    from infra_toolkit.cli import main

    seen: dict[str, object] = {}

    def record(plans: list[str], **kwargs: Any) -> list[Any]:
        seen.update(kwargs["parameters"])
        return []

    monkeypatch.setattr(report, "build_reports", record)
    assert main(["report", "p.yaml", "-p", "horizon_h", "1e9", "-p", "region", "eu-west-1",
                 "-p", "scenarios", "[a, b]", "-p", "label", "'2e2'"]) == 0
    assert seen == {"horizon_h": 1e9, "region": "eu-west-1", "scenarios": ["a", "b"],
                    "label": "2e2"}


def test_a_plan_path_parameter_is_refused_not_swapped_in(tmp_path: Path) -> None:
    # before: -p plan_path other.yaml built reports/plan.html, titled plan, from other.yaml's
    # analysis (and every report of a batch from that one plan)
    plan = fixture_plan(tmp_path, "plan")
    other = fixture_plan(tmp_path, "other")
    out = tmp_path / "plan.html"
    with pytest.raises(ReportError, match=r"^-p plan_path: the plan is the PLAN\.yaml argument "
                                          r"\(.*plan\.yaml\); drop -p plan_path and pass the "
                                          r"plan to report as that argument$"):
        build_report(plan, out=out, parameters={"plan_path": str(other)},
                     notebook=figures_notebook(tmp_path / "one.ipynb", figures=1))
    assert not out.exists() and not out.with_suffix(".ipynb").exists()


def test_a_widget_is_exported_as_its_static_view_not_a_blank_area(tmp_path: Path) -> None:
    """A26-1: the offline template drops the widget manager, so the view of a widget saved by
    papermill (model id in the notebook's widget state) drew nothing; its text/html fallback,
    written here by hand, is what a reader without a kernel must see."""
    view = {"model_id": "m1", "version_major": 2, "version_minor": 0}
    notebook = nbformat.v4.new_notebook(metadata={"widgets": {
        "application/vnd.jupyter.widget-state+json": {
            "state": {"m1": {"model_module": "@jupyter-widgets/controls",
                             "model_name": "VBoxModel", "model_module_version": "2.0.0",
                             "state": {}}},
            "version_major": 2, "version_minor": 0}}})
    cell = nbformat.v4.new_code_cell("explorer")
    cell.outputs = [nbformat.v4.new_output("execute_result", execution_count=1, data={
        "application/vnd.jupyter.widget-view+json": view,
        "text/html": "<p>Scaling explorer, static view: peak 12 replicas</p>",
        "text/plain": "ScalingExplorer(...)"})]
    notebook.cells = [cell]
    path = tmp_path / "executed.ipynb"
    nbformat.write(notebook, str(path))
    html = export_html(path)
    assert "Scaling explorer, static view: peak 12 replicas" in html
    assert '<script type="application/vnd.jupyter.widget-view+json">' not in html


@pytest.mark.parametrize(("name", "value", "message"), [
    ("scenarios", ["stedy"], "-p scenarios: unknown scenario(s) ['stedy'] for {plan}; did you mean "
     "'steady'?; the plan's scenarios: steady, double: give names from that list, or None for "
     "all (None: -p NAME null, or leave that -p out); nothing was built or written"),
    ("expected_scenario", "double", "-p expected_scenario 'double' is not among the selected "
     "scenarios (steady); select it or pick one of them; nothing was built or written"),
    # the small plan's steps are 15 s: 0.001 h = 3.6 s is none of them; one is 15 / 3600 =
    # 0.0041667 h, given rounded up to 4 decimals as 0.0042
    ("horizon_h", 0.001, "-p horizon_h = 0.001 h is shorter than one step (15 s) of scenario "
     "'steady': give at least 0.0042 hours, or None (null with -p on the command line) to "
     "simulate whole scenarios (None: -p NAME null, or leave that -p out); nothing was built or "
     "written"),
    ("chart_workloads", ["apu"], "-p chart_workloads 'apu': no workload of that name in "
     "proposed.workloads of {plan}; did you mean 'api'?; workloads with an HPA: api; nothing "
     "was built or written"),
])
def test_a_report_parameter_value_is_refused_before_any_kernel_starts(
        tmp_path: Path, name: str, value: object, message: str) -> None:
    # it failed in the report notebook's third cell, after a kernel start, and kept a failure
    # notebook for a misspelt scenario; the message said "or None for all" only
    from tests.conftest import REPO_ROOT, SMALL_PLAN

    plan = REPO_ROOT / SMALL_PLAN
    out = tmp_path / "small.html"
    parameters = {name: value} if name != "expected_scenario" else {
        "scenarios": ["steady"], name: value}
    with pytest.raises(ReportError) as exc:
        build_report(plan, out=out, parameters=parameters)
    assert str(exc.value) == message.format(plan=plan)
    assert list(tmp_path.iterdir()) == []
