"""Build the review document: execute a parameterized notebook with papermill, export it with
nbconvert to one self-contained, offline HTML file.

The HTML holds no input cells, plotly.js exactly once (inlined from the installed plotly package
by the ``offline`` template), and no ``http(s)://`` script, stylesheet or import: the stock
templates' require.js, MathJax, Mermaid and widget-manager CDN loads are dropped. Figures reach
the HTML as ``text/html`` outputs that call ``Plotly.newPlot`` (see
:func:`infra_toolkit.charts.use_report_renderer`).

The plan is validated first (:func:`infra_toolkit.plan.validate_plan`): an invalid plan is refused
with the validator's lines before any kernel starts, and nothing is written. A notebook that
fails still yields its executed copy, with papermill's error banner at the failing cell, beside
the output path (``<out>.ipynb``, marked as such in its metadata);
:class:`~infra_toolkit.errors.ReportError` names the cell and that file. A failure never writes
the HTML path: a report already there stays byte-identical, and no page made of a traceback can
pass for a report. A later good build of that path removes the marked notebook (and no other).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra_toolkit.approval_store import redacted
from infra_toolkit.atomic import check_can_replace, replace_file
from infra_toolkit.errors import PlanError, ReportError, shown_file

__all__ = [
    "DEFAULT_NOTEBOOK",
    "HIDE_TAG",
    "ReportResult",
    "ReportOutcome",
    "notebooks_dir",
    "kernel_socket_base",
    "execute_notebook",
    "export_html",
    "find_external_references",
    "build_report",
    "build_reports",
]

_TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DEFAULT_NOTEBOOK = "plan_report.ipynb"
KERNEL_NAME = "python3"
#: Cells with this tag stay in the notebook but not in its HTML (e.g. the notebook's own header).
HIDE_TAG = "report-hide"
# The metadata key that marks the executed notebook a failed build kept beside its HTML path.
_FAILURE_MARK = "infra_toolkit"
_WIDGET_VIEW_MIMETYPE = "application/vnd.jupyter.widget-view+json"

# A reference that makes the browser fetch from a network: <script src>, <link href>, <img src>,
# <iframe src>, CSS @import / url(), and ES module import()/import ... from.
_EXTERNAL_PATTERNS = (
    re.compile(
        r"<(?:script|img|iframe|source|embed)\b[^>]*\bsrc\s*=\s*[\"']?(https?:)?//[^\"'\s>]+", re.I
    ),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(https?:)?//[^\"'\s>]+", re.I),
    re.compile(r"@import\s+(?:url\()?\s*[\"']?(https?:)?//[^\"')\s;]+", re.I),
)
# ES module imports: each begins with the word import, so each is tried only where that word is
# written (:data:`_IMPORT_WORD`), not at every character of a page that inlines plotly.js
# (5 MB; a scan took 0.5 s a report); the matches are those of ``finditer``
_IMPORT_PATTERNS = (
    re.compile(r"\bimport\s*\(\s*[\"'](https?:)?//[^\"']+", re.I),
    re.compile(r"\bimport\s+[^;\"']*?\bfrom\s+[\"'](https?:)?//[^\"']+", re.I),
    re.compile(r"\bimport\s+[\"'](https?:)?//[^\"']+", re.I),
)
_IMPORT_WORD = re.compile("import", re.I)


@dataclass(frozen=True)
class ReportResult:
    """A report that was built: where the HTML went, how big it is and how long it took."""

    plan_path: Path
    html_path: Path
    notebook_path: Path | None
    html_bytes: int
    build_s: float


@dataclass(frozen=True)
class ReportOutcome:
    """One plan of a batch: a result, or the error message that stopped it."""

    plan_path: Path
    result: ReportResult | None
    error: str | None


# A unix socket path must fit sockaddr_un.sun_path (108 bytes on Linux, 104 on macOS, with the
# terminating NUL); jupyter_client appends "-ipc-<port>" to the base.
_SOCKET_PATH_MAX_BYTES = 103
_SOCKET_SUFFIX_MAX = len("-ipc-65535")


def kernel_socket_base(tmp_dir: str | None = None) -> str:
    """A unique path prefix for one kernel's connection file and sockets, in ``tmp_dir`` (None:
    the system temp dir), or in ``/tmp`` when ``tmp_dir`` is too long for a socket path."""
    name = f"infra-toolkit-kernel-{uuid.uuid4().hex[:16]}"
    base = os.path.join(tmp_dir or tempfile.gettempdir(), name)
    if len(os.fsencode(base)) + _SOCKET_SUFFIX_MAX > _SOCKET_PATH_MAX_BYTES:
        base = os.path.join("/tmp", name)
    return base


def _kernel_manager_class() -> type:
    """A kernel manager whose kernel talks over unix sockets, not TCP ports: a report build
    opens nothing on the network (and the kernel has no unencrypted-TCP warning to print)."""
    from jupyter_client.manager import KernelManager

    class LocalKernelManager(KernelManager):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.transport = "ipc"
            # Unique socket paths, so parallel builds (--jobs) never share them; jupyter_client
            # removes the sockets and the connection file when the kernel shuts down.
            base = kernel_socket_base()
            self.connection_file = base + ".json"
            self.ip = base + "-ipc"

    return LocalKernelManager


def notebooks_dir() -> Path:
    """The ``notebooks/`` folder of the source checkout the package runs from."""
    return Path(__file__).resolve().parent.parent / "notebooks"


def execute_notebook(
    notebook: Path, output: Path, parameters: Mapping[str, Any], cwd: Path | None = None
) -> None:
    """Run ``notebook`` with papermill, injecting ``parameters``; write the executed copy to
    ``output``. On a failing cell papermill has already saved ``output`` with an error banner;
    this raises :class:`ReportError` naming the cell (index, execution count, first line)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    if not notebook.is_file():
        raise ReportError(f"notebook {notebook} does not exist; pass an existing .ipynb file")
    try:
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=dict(parameters),
            kernel_name=KERNEL_NAME,
            kernel_manager_class=_kernel_manager_class(),
            progress_bar=False,
            log_output=False,
            cwd=str(cwd) if cwd else None,
        )
    except PapermillExecutionError as exc:
        raise ReportError(
            f"{notebook.name} failed in cell {exc.cell_index} (execution count {exc.exec_count}, "
            f"starting {_first_line(exc.source)!r}): {exc.ename}: {str(exc.evalue).strip()}; "
            f"the executed notebook with the error marked is at {output}"
        ) from None


def export_html(executed_notebook: Path) -> str:
    """The offline HTML of an executed notebook: input cells, prompts and cells tagged
    :data:`HIDE_TAG` hidden, plotly.js inlined once, a widget shown by its static HTML view
    (no widget manager runs offline). Raises :class:`ReportError` if any
    external reference is left in it."""
    from nbconvert import HTMLExporter
    from plotly.offline import get_plotlyjs
    from traitlets.config import Config

    # the template drops the widget manager, so a live widget's view would draw nothing: its
    # text/html fallback (the explorer's and the approval form's static view) is shown instead
    # nbconvert's exporters take traitlets keyword arguments and their __init__ is unannotated
    stock = HTMLExporter().default_config  # type: ignore[no-untyped-call]
    priority = [mime for mime in stock["NbConvertBase"]["display_data_priority"]
                if mime != _WIDGET_VIEW_MIMETYPE]
    exporter = HTMLExporter(  # type: ignore[no-untyped-call]
        config=Config({"TagRemovePreprocessor": {"remove_cell_tags": {HIDE_TAG}},
                       "NbConvertBase": {"display_data_priority": priority}}),
        extra_template_basedirs=[str(_TEMPLATES_DIR)],
        template_name="offline",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _resources = exporter.from_filename(
        str(executed_notebook), resources={"plotly_js": get_plotlyjs()}
    )
    leftovers = find_external_references(body)
    if leftovers:
        raise ReportError(
            f"the HTML of {executed_notebook.name} still loads from the network: "
            f"{', '.join(leftovers[:5])}; the offline template must drop or inline these"
        )
    return body


def find_external_references(html: str) -> list[str]:
    """Every script, stylesheet, image or import in ``html`` that points at a network URL."""
    found: list[str] = []
    for pattern in _EXTERNAL_PATTERNS:
        found.extend(m.group(0) for m in pattern.finditer(html))
    # "import" cannot overlap itself, so finditer lists every place it is written
    starts = [m.start() for m in _IMPORT_WORD.finditer(html)]
    for pattern in _IMPORT_PATTERNS:
        end = 0  # finditer's matches do not overlap: the next is searched from the last's end
        for start in starts:
            match = pattern.match(html, start) if start >= end else None
            if match:
                found.append(match.group(0))
                end = match.end()
    return found


def build_report(
    plan_path: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    keep_notebook: bool = False,
    notebook: str | os.PathLike[str] | None = None,
) -> ReportResult:
    """Execute the report notebook for one plan and write its offline HTML.

    ``out`` defaults to ``reports/<plan stem>.html`` (relative to the working directory). The
    notebook receives ``plan_path`` (absolute) plus ``parameters`` (which may not hold
    ``plan_path``: the plan is the argument). With ``keep_notebook`` the
    executed ``.ipynb`` is kept beside the HTML. An invalid plan is refused before anything
    runs or is written; after a failing cell the executed notebook is kept beside the HTML path
    and the HTML path itself is left untouched.
    """
    started = time.perf_counter()
    if "plan_path" in (parameters or {}):
        # it would replace the plan: a report named after one plan, holding another's analysis
        raise ReportError(f"-p plan_path: the plan is the PLAN.yaml argument ({plan_path}); drop "
                          "-p plan_path and pass the plan to report as that argument")
    plan = Path(plan_path).resolve()
    if not _is(Path(plan_path), Path.is_file, "plan file"):
        raise ReportError(f"plan file {plan_path} does not exist; pass the path of a plan YAML")
    _check_plan(Path(plan_path))  # as given: the lines read as `infra-toolkit validate` prints them
    source = Path(notebook) if notebook else notebooks_dir() / DEFAULT_NOTEBOOK
    html_path = Path(out) if out else Path("reports") / f"{plan.stem}.html"
    if _is(html_path, Path.is_dir, "output"):
        raise ReportError(f"output {html_path} is a folder; name the HTML file, e.g. "
                          f"{html_path / (plan.stem + '.html')}")
    if html_path.name.lower() == ".html":  # Path gives no suffix: `.html does not end in .html`
        raise ReportError(f"output {html_path} is only the extension; name the HTML file, e.g. "
                          f"{html_path.with_name(plan.stem + '.html')}")
    if html_path.suffix.lower() != ".html":  # else the notebook kept beside it, or a plan, goes
        raise ReportError(f"output {html_path} does not end in .html; name the HTML file, e.g. "
                          f"{html_path.with_suffix('.html')}")
    # every input checked before the output's folder is made: a misspelt -p or a missing
    # notebook left reports/ (or --out's new folders) behind, "nothing was built or written"
    _check_notebook(source)
    if parameters:
        _check_parameters(source, parameters)
        if notebook is None:  # the report notebook's own parameters, checked as it checks them
            _check_values(Path(plan_path), parameters)
    try:
        html_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot create the folder of {html_path}: {exc.strerror}; choose "
                          "another output path") from None
    _check_writable(html_path)
    kept = html_path.with_suffix(".ipynb")
    params = {"plan_path": str(plan), **dict(parameters or {})}

    with tempfile.TemporaryDirectory(prefix="infra-toolkit-report-") as tmp:
        # the executed copy's file name is the HTML page's title
        executed = Path(tmp) / f"{plan.stem}.ipynb"
        try:
            execute_notebook(source, executed, params)
        except ReportError as exc:
            if not executed.is_file():
                raise
            # Only the marked notebook is kept: the HTML path is not written, so a report already
            # there survives and no traceback page lands where reports are collected.
            replace_file(kept, _failure_notebook(executed, html_path, params))
            # the temporary copy the message names is deleted on the way out: name the kept one
            raise ReportError(f"{str(exc).replace(str(executed), str(kept))}; {html_path} was "
                              "not written") from None
        html = export_html(executed).encode("utf-8")
        replace_file(html_path, html)
        if keep_notebook:
            replace_file(kept, _kept_notebook(executed, params))
        else:
            _remove_failure_notebook(kept, html_path)
    return ReportResult(
        plan_path=plan,
        html_path=html_path,
        notebook_path=kept if keep_notebook else None,
        html_bytes=len(html),
        build_s=time.perf_counter() - started,
    )


def _check_notebook(notebook: Path) -> None:
    """Refuse a ``--notebook`` that is missing or not a Jupyter notebook (binary, empty, other
    JSON) with its name: papermill and nbformat would raise from deep inside."""
    import nbformat

    if not notebook.is_file():
        raise ReportError(f"notebook {notebook} does not exist; pass an existing .ipynb file")
    try:
        nbformat.read(str(notebook), as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:  # UnicodeDecodeError, NotJSONError, a schema ValidationError ...
        why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ReportError(f"notebook {notebook} is not a Jupyter notebook ({why[:200]}); pass "
                          "an .ipynb file such as notebooks/plan_report.ipynb") from None


def _is(path: Path, test: Callable[[Path], bool], what: str) -> bool:
    """``test(path)`` (``Path.is_file``, ``Path.is_dir``); ReportError naming the ``what``
    (``plan file``, ``output``) when the OS cannot look the name up: Python 3.11 raises for a
    name too long (ENAMETOOLONG), which was a traceback before anything ran."""
    try:
        return test(path)
    except OSError as exc:
        raise ReportError(f"{what} {shown_file(str(path))} cannot be used as a file name: "
                          f"{exc.strerror or exc}; pass a shorter path") from None


def _check_writable(html_path: Path) -> None:
    """Refuse an output folder no file can be written in (read-only, ``/proc``) before the
    notebook runs: the report would be built, then lost to an OSError at the rename."""
    try:
        check_can_replace(html_path)
    except OSError as exc:
        raise ReportError(f"cannot write {html_path}: {exc.strerror or exc}; choose another "
                          "output path") from None


def _failure_notebook(executed: Path, html_path: Path, params: Mapping[str, Any]) -> bytes:
    """The executed notebook of a failed build, marked in its metadata as the toolkit's failure
    notebook for ``html_path``: a later good build of that path removes it, and only it."""
    return _kept_notebook(executed, params, {"failed_report": html_path.name})


def _kept_notebook(executed: Path, params: Mapping[str, Any],
                   mark: dict[str, str] | None = None) -> bytes:
    """The executed notebook as it is kept beside the report: an approval store URL's password
    (``-p db``) shown as ``***`` wherever it was written (the injected parameters cell,
    papermill's metadata), as the report shows it; with ``mark``, marked as a failure notebook."""
    notebook = json.loads(executed.read_bytes())
    if mark is not None:
        notebook.setdefault("metadata", {})[_FAILURE_MARK] = mark
    db = params.get("db")
    if isinstance(db, str) and redacted(db) != db:
        # papermill writes the value as a Python string literal (unicode_escape, then quotes
        # escaped: translators.py), so that form is replaced as well as the raw one
        literal = db.encode("unicode_escape").decode("utf-8").replace('"', '\\"')
        shown = redacted(db)
        notebook = _replace_text(notebook, {db: shown, literal: shown})
    return json.dumps(notebook, indent=1, ensure_ascii=False).encode("utf-8") + b"\n"


def _replace_text(value: Any, replacements: Mapping[str, str]) -> Any:
    """``value`` (parsed JSON) with every string's occurrences of each key replaced."""
    if isinstance(value, str):
        for old, new in replacements.items():
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_replace_text(v, replacements) for v in value]
    if isinstance(value, dict):
        return {k: _replace_text(v, replacements) for k, v in value.items()}
    return value


def _remove_failure_notebook(kept: Path, html_path: Path) -> None:
    """Remove ``kept`` if it is the failure notebook an earlier build of ``html_path`` left (its
    mark says so): beside the new report it would tell of a failure that is over. Any other
    file there (a user's notebook, one kept with ``keep_notebook``) stays."""
    try:
        metadata = json.loads(kept.read_bytes()).get("metadata", {})
    except (OSError, ValueError, AttributeError):
        return  # missing, unreadable or not a notebook: not ours
    mark = metadata.get(_FAILURE_MARK) if isinstance(metadata, dict) else None
    if isinstance(mark, dict) and mark.get("failed_report") == html_path.name:
        kept.unlink(missing_ok=True)


def _check_plan(plan: Path) -> None:
    """Refuse an invalid plan with the validator's lines (``file:line: path: what; fix``), before
    a kernel starts: the notebook would only fail in its first cell with the same problems."""
    from infra_toolkit.plan import validate_plan

    try:
        problems = validate_plan(plan)
    except PlanError as exc:
        raise ReportError(str(exc)) from None
    if problems:
        lines = "\n".join(map(str, problems))
        raise ReportError(f"{plan} is not a valid plan ({len(problems)} problem(s)); nothing "
                          f"was built or written (infra-toolkit validate lists the same):\n{lines}")


def _check_values(plan_path: Path, parameters: Mapping[str, Any]) -> None:
    """Refuse a ``-p`` value the report notebook would refuse, before its kernel starts: it
    failed in the notebook's third cell, and kept a failure notebook for a misspelt scenario."""
    from infra_toolkit.errors import InfraToolkitError
    from infra_toolkit.notebook_parameters import check_report_parameters
    from infra_toolkit.plan import read_plan
    from infra_toolkit.pricing import load_price_book

    plan = read_plan(plan_path)
    book = load_price_book(extra_tables=plan.pricing_tables, overrides=plan.pricing_overrides)
    try:
        check_report_parameters(plan, book, parameters)
    except InfraToolkitError as exc:
        said = str(exc)
        none = " (None: -p NAME null, or leave that -p out)" if "None" in said else ""
        if not said.startswith("-p "):  # a check told the option (region) names it already
            said = f"-p {said}"
        raise ReportError(f"{said}{none}; nothing was built or written") from None


def _check_parameters(notebook: Path, parameters: Mapping[str, Any]) -> None:
    """Refuse a parameter the notebook does not declare: papermill would only warn and run the
    report with the default, so a misspelt ``-p`` would go unnoticed."""
    import papermill

    from infra_toolkit.plan_fields import did_you_mean

    if not notebook.is_file():
        return  # execute_notebook says so
    declared = list(papermill.inspect_notebook(str(notebook)))
    for name in parameters:
        if declared and name not in declared:
            raise ReportError(
                f"{notebook.name} has no parameter {name!r}{did_you_mean(name, declared)}"
            )


def _build_one(
    args: tuple[Path, Path | None, dict[str, Any], bool, Path | None],
) -> ReportOutcome:
    plan, out, parameters, keep, notebook = args
    try:
        result = build_report(plan, out=out, parameters=parameters, keep_notebook=keep,
                              notebook=notebook)
        return ReportOutcome(plan, result, None)
    except ReportError as exc:
        return ReportOutcome(plan, None, str(exc))


def build_reports(
    plan_paths: Sequence[str | os.PathLike[str]],
    *,
    jobs: int = 1,
    out_dir: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    keep_notebook: bool = False,
    notebook: str | os.PathLike[str] | None = None,
) -> list[ReportOutcome]:
    """Build one report per plan, ``jobs`` at a time in separate processes; one outcome per plan,
    in the order given. A failing plan does not stop the others. ``out`` names the HTML of a
    single plan; ``out_dir`` holds ``<plan stem>.html`` files (default ``reports/``)."""
    if jobs < 1:
        raise ReportError(f"--jobs (={jobs}) must be at least 1")
    if out is not None and len(plan_paths) != 1:
        raise ReportError("an output file name (--out) needs exactly one plan; use out_dir")
    work = [
        (Path(p), Path(out) if out else Path(out_dir) / f"{Path(p).stem}.html" if out_dir else None,
         dict(parameters or {}), keep_notebook, Path(notebook) if notebook else None)
        for p in plan_paths
    ]
    writes: dict[Path, Path] = {}
    for plan, html, *_rest in work:
        target = (html or Path("reports") / f"{plan.stem}.html").resolve()
        if target in writes:
            raise ReportError(
                f"{writes[target]} and {plan} would both write {target}; give the plans "
                "different file names, or build one with --out"
            )
        writes[target] = plan
    if jobs == 1 or len(work) == 1:
        return [_build_one(w) for w in work]
    # spawn, not fork: the parent may hold ZeroMQ/asyncio threads of an earlier kernel, and a
    # forked child inherits their locks in whatever state they were (a hang, seen in tests).
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(work)), mp_context=spawn) as pool:
        return list(pool.map(_build_one, work))


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")
