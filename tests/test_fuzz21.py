"""Hostile inputs found by fuzzing (fuzz21: the plan's acknowledged_warnings, the approval CLI
and store, report's parameters and output): each is one error at its file and field, never a
traceback, a raw control character on the terminal, or a silently wrong result."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from infra_toolkit import cli

DATA = Path(__file__).parent / "data"
# the phase ends 2027-01-12, a day after needed_by 2027-01-11: a warning at timeline[0]
_LATE = (("  summary: Move the API to EKS.\n",
          "  summary: Move the API to EKS.\n  needed_by: 2027-01-11\n"),
         ("  - {name: rollout, duration: 1d}",
          "  - {name: rollout, start: 2027-01-10, end: 2027-01-12}"))
_STALE = ("but matches no warning: the plan changed or the text is wrong; remove it or update "
          "`contains`")


def _acknowledging(tmp_path: Path, entries: str) -> tuple[Path, int]:
    """minimal.yaml (with its manifests) late for its deadline, with ``entries`` (one flow
    mapping a line) as its acknowledged_warnings: the plan and its first entry's line."""
    shutil.copytree(DATA / "plans", tmp_path / "plans")
    plan = tmp_path / "plans" / "minimal.yaml"
    text = plan.read_text(encoding="utf-8")
    for old, new in _LATE:
        text = text.replace(old, new)
    plan.write_text(f"{text}acknowledged_warnings:\n{entries}", encoding="utf-8")
    return plan, len(text.splitlines()) + 2


def _entry(field: str, written: str) -> str:
    """An entry covering the deadline warning, as a flow mapping line, with ``field`` written
    as ``written`` (a YAML double-quoted text: ``\\e`` is ESC)."""
    fields = {"path": "timeline[0]", "contains": "after metadata", "reason": "ok", "by": "ann"}
    fields[field] = written
    return "  - {" + ", ".join(f'{k}: "{v}"' for k, v in fields.items()) + "}\n"


def _the_one_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str,
                     written: str) -> str:
    """Validate the plan with :func:`_entry` (``field``, ``written``): its one problem, at the
    entry's line, without the ``PLAN:LINE: `` before it."""
    plan, line = _acknowledging(tmp_path, _entry(field, written))
    assert cli.main(["validate", str(plan)]) == 1
    problem, summary = capsys.readouterr().out.splitlines()
    assert summary == f"{plan}: 1 problem(s); the plan is not valid"
    assert problem.startswith(f"{plan}:{line}: ")
    return problem.removeprefix(f"{plan}:{line}: ")


@pytest.mark.parametrize(("field", "written", "shown", "fix"), [
    ("reason", r"ok\e[31m", r"'ok\x1b[31m' holds control character(s) '\x1b'",
     "write it as plain text (line breaks and tabs are fine)"),
    ("by", r"ann\u2028PASS: ok", r"'ann\u2028PASS: ok' holds control character(s) '\u2028'",
     "write the name on one line, as plain text"),
    ("contains", r"after\0", r"'after\x00' holds control character(s) '\x00'",
     "copy a part of the message on one line, as validate prints it"),
    ("path", r"timeline[0]\n", r"'timeline[0]\n' holds control character(s) '\n'",
     "copy the path on one line, as validate prints it")])
def test_a_control_character_in_an_acknowledgement_is_refused_at_its_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, written: str,
        shown: str, fix: str) -> None:
    # was printed raw: `acknowledged by ann<ESC>]0;title<BEL>: ...` retitled the terminal, and
    # U+2028 in `by` broke validate's line in two (a forged `PASS: ok` line in a log viewer)
    assert _the_one_problem(tmp_path, capsys, field, written) == (
        f"acknowledged_warnings[0].{field}: {shown}, which validate would print raw (a terminal "
        f"escape, or a line break that forges a line); {fix}")


def test_a_reason_block_keeps_its_line_breaks_and_tabs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan, line = _acknowledging(tmp_path, '  - {path: "timeline[0]", contains: after metadata, '
                                          'reason: "a target,\\n\\tnot a launch", by: ann}\n')
    assert cli.main(["validate", str(plan)]) == 0
    assert "timeline[0]: acknowledged by ann: a target, not a launch (acknowledges: phase " \
           in capsys.readouterr().out


def test_a_reason_or_name_drawn_as_nothing_is_blank(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was accepted (str.strip keeps a zero-width space and a Hangul filler): the warning
    # printed as `acknowledged by <nothing>: ...`, as the approval rules refuse a name
    assert _the_one_problem(tmp_path / "zero-width", capsys, "reason", r"\u200b") == (
        "acknowledged_warnings[0].reason: is blank; say why the warning is accepted")
    assert _the_one_problem(tmp_path / "filler", capsys, "by", r"\u3164") == (
        "acknowledged_warnings[0].by: is blank; name who accepted the warning")


def test_a_path_with_a_mark_drawn_as_nothing_is_quoted_where_it_matches_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was `acknowledges the warning at timeline[0] containing ...`: the right-to-left mark
    # U+200F is drawn as nothing, so the path read as the one it failed to match
    plan, line = _acknowledging(tmp_path, '  - {path: "timeline[0]\\u200f", contains: after '
                                          'metadata, reason: ok, by: ann}\n')
    assert cli.main(["validate", str(plan)]) == 0
    assert (f"{plan}:{line}: acknowledged_warnings[0]: warning: acknowledges the warning at "
            f"'timeline[0]\\u200f' containing 'after metadata', {_STALE}"
            in capsys.readouterr().out.splitlines())


def test_a_path_only_beginning_like_the_simulations_is_stale_not_unchecked(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was a note (`the report ... checks it against the simulation's warnings at
    # proposed.resourcesX`): a prefix test took it for a field under proposed.resources, where
    # the simulation warns; no warning is ever at proposed.resourcesX
    plan, line = _acknowledging(tmp_path, "  - {path: proposed.resourcesX, contains: credit, "
                                          "reason: ok, by: ann}\n"
                                          "  - {path: 'proposed.resources[0]', contains: credit, "
                                          "reason: ok, by: ann}\n")
    assert cli.main(["validate", str(plan)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (f"{plan}:{line}: acknowledged_warnings[0]: warning: acknowledges the warning at "
            f"proposed.resourcesX containing 'credit', {_STALE}") in out
    assert (f"{plan}:{line + 1}: acknowledged_warnings[1]: note: matches none of the warnings "
            "validate computes; the report, which simulates, checks it against the "
            "simulation's warnings at proposed.resources[0] too") in out


def _review(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    """minimal.yaml (whose one question is 'Approve?') submitted by alice to a fresh SQLite
    store: the plan and the store."""
    shutil.copytree(DATA / "plans", tmp_path / "plans")
    plan, db = tmp_path / "plans" / "minimal.yaml", str(tmp_path / "approvals.sqlite")
    assert cli.main(["submit", str(plan), "--requester", "alice", "--db", db]) == 0
    capsys.readouterr()
    return plan, db


def test_a_review_id_of_thousands_of_digits_is_an_unknown_review(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was OSError: [Errno 36] File name too long (Path.exists on it) and then ValueError:
    # Exceeds the limit (4300 digits) for integer string conversion (int() of the digits)
    _, db = _review(tmp_path, capsys)
    digits = "9" * 5000
    assert cli.main(["status", f"review-{digits}", "--db", db]) == 2
    # quoted clips a value past 80 characters: its first 60 ('review-' and 53 nines), `…` and
    # its length, 7 + 5,000 = 5,007 characters
    assert capsys.readouterr().err == (
        f"error: unknown review id 'review-{'9' * 53}'… (5,007 characters) in {db} (reviews: "
        "review-001..review-001); infra-toolkit queue lists the open ones\n")


@pytest.mark.parametrize(("flag", "value", "said"), [
    ("--answer", "²=yes", "'²=yes' is not N=TEXT (e.g. --answer 2='yes, tested')"),
    ("--answer", "٣=yes", "'٣=yes' is not N=TEXT (e.g. --answer 2='yes, tested')"),
    # 60 shown of the 5,004 characters: 5,000 nines and '=yes'
    ("--answer", "9" * 5000 + "=yes",
     f"'{'9' * 60}'… (5,004 characters) is not N=TEXT (e.g. --answer 2='yes, tested')")])
def test_an_answer_number_int_refuses_is_said_as_not_n_equals_text(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str,
        said: str) -> None:
    # '²' passed str.isdigit, then int('²') raised and argparse said `invalid _answer value`;
    # '٣' was read as question 3; 5,000 digits exceeded int()'s 4,300
    plan, db = _review(tmp_path, capsys)
    with pytest.raises(SystemExit) as stop:
        cli.main(["approve", str(plan), "--reviewer", "bob", flag, value, "--db", db])
    assert stop.value.code == 2
    assert capsys.readouterr().err.endswith(
        f"infra-toolkit approve: error: argument {flag}: {said}\n")


@pytest.mark.parametrize(("argv", "said"), [
    (["verify", "--known-head", "²:" + "a" * 64],
     f"argument --known-head: '²:{'a' * 64}' is not N:HASH (a record number and its "
     "64-hex-digit hash, as verify prints them)"),
    (["gate", "PLAN", "--min-approvers", "9" * 5000],
     f"argument --min-approvers: '{'9' * 60}'… (5,000 characters) is not a positive whole "
     "number of approvers: pass 1, 2, ...")])
def test_a_count_int_refuses_is_a_usage_error_naming_the_flag(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str) -> None:
    # were `invalid _known_head value: '²:aaa...'` (int('²') raised in the type function) and
    # `invalid _min_approvers value` with all 5,000 digits
    plan, db = _review(tmp_path, capsys)
    with pytest.raises(SystemExit) as stop:
        cli.main([str(plan) if a == "PLAN" else a for a in argv] + ["--db", db])
    assert stop.value.code == 2
    assert capsys.readouterr().err.endswith(f"infra-toolkit {argv[0]}: error: {said}\n")


def test_a_reviewer_name_longer_than_200_characters_is_refused_recording_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was recorded, and printed whole in every status, gate and queue line from then on
    plan, db = _review(tmp_path, capsys)
    assert cli.main(["comment", str(plan), "--reviewer", "x" * 201, "--comment", "hi",
                     "--db", db]) == 2
    assert capsys.readouterr().err == (
        f"error: reviewer '{'x' * 60}'… (201 characters) is longer than 200 characters: pass "
        "--reviewer NAME, a person's name; nothing recorded\n")
    assert cli.main(["comment", str(plan), "--reviewer", "x" * 200, "--comment", "hi",
                     "--db", db]) == 0
    capsys.readouterr()
    assert cli.main(["verify", "--db", db]) == 0  # the request and the 200-character comment
    assert capsys.readouterr().out.startswith(f"OK: {db}: 2 records, chain valid, head ")


def test_status_clips_a_long_objection_comment(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    # was the whole 300,000-character comment on status's (and gate's) one line
    plan, db = _review(tmp_path, capsys)
    assert cli.main(["reject", str(plan), "--reviewer", "bob", "--comment", "n" * 300_000,
                     "--db", db]) == 0
    capsys.readouterr()
    assert cli.main(["status", str(plan), "--db", db]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{plan}: review-001 REJECTED by bob at ")
    assert out.endswith(f": '{'n' * 60}'… (300,000 characters)\n")


def test_a_plan_path_with_a_line_break_stays_on_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was `error: cannot read plan review-1` and `: No such file or directory; ...` on two
    # lines: the path's line break printed raw
    _, db = _review(tmp_path, capsys)
    assert cli.main(["status", "review-1\n", "--db", db]) == 2
    assert capsys.readouterr().err == (
        "error: cannot read plan 'review-1\\n': No such file or directory; give the path of a "
        "readable UTF-8 YAML file\n")


@pytest.mark.parametrize("where", ["plan", "out"])
def test_report_names_a_path_too_long_for_the_os_before_building(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    # was OSError: [Errno 36] File name too long (Path.is_file, Path.is_dir), a traceback
    long = f"{tmp_path}/{'p' * 5000}"
    minimal = str(DATA / "plans" / "minimal.yaml")
    argv = {"plan": ["report", long], "out": ["report", minimal, "--out", f"{long}.html"]}
    assert cli.main(argv[where]) == 1
    # clipped to its last 60 characters, where a file's name is (60 p, or 55 p and '.html');
    # its length: the folder, '/' and 5,000 p (and '.html': 5 more)
    length = len(str(tmp_path)) + 1 + 5000 + (5 if where == "out" else 0)
    named = {"plan": "plan file", "out": f"{minimal}: output"}[where]
    tail = {"plan": "p" * 60, "out": "p" * 55 + ".html"}[where]
    assert capsys.readouterr().err == (
        f"error: {named} …{tail} ({length:,} characters) cannot be used as a file name: "
        "File name too long; pass a shorter path\n")
    assert not list(tmp_path.iterdir())



@pytest.mark.parametrize("command", [["queue"], ["verify"]])
def test_another_programs_approval_records_table_is_said_to_be_no_store(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    # was `cannot read (no such column: seq); check the file and its folder`: nothing wrong
    # with the file or its folder, it is another program's database
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE approval_records (ticket TEXT, approved INTEGER)")
    before = db.read_bytes()
    assert cli.main([*command, "--db", str(db)]) == 2
    assert capsys.readouterr().err == (
        f"error: approval store {db}: cannot read (no such column: seq); its approval_records "
        "table is not an approval store's (another program's database?): point --db / "
        "$INFRA_TOOLKIT_DB at the right file\n")
    assert db.read_bytes() == before


def test_a_report_parameter_with_a_nul_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # was two lines: the YAML reader's `in "<unicode string>", position 1` on the second
    assert cli.main(["report", str(DATA / "plans" / "minimal.yaml"), "-p", "region",
                     "'\x00'"]) == 2
    assert capsys.readouterr().err == (
        "error: -p region \"'\\x00'\" is not a YAML value: unacceptable character #x0000: "
        "control characters are not allowed; write it as YAML (a number, a name, a list such as "
        "'[a, b]'), or quote text; nothing was built or written\n")


def test_a_refused_report_parameter_is_clipped_and_leaves_no_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the value was printed whole (3,000 names: 15 KB on one line), and --out's new folders
    # were made before the value was refused with "nothing was built or written"
    plan = DATA / "plans" / "minimal.yaml"
    names = "[" + ", ".join(["x"] * 3000) + "]"
    out = tmp_path / "new" / "deep" / "r.html"
    assert cli.main(["report", str(plan), "-p", "expected_scenario", names,
                     "--out", str(out)]) == 1
    # the list's repr, 3,000 × 'x' (3 characters) + 2,999 × ', ' + the brackets = 9,000 + 5,998
    # + 2 = 15,000 characters, clipped to its first 60: '[' and 12 × "'x', " less the last space
    shown = "['x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x',… (15,000 characters)"
    err = capsys.readouterr().err
    assert err.startswith(f"error: {plan}: -p expected_scenario = {shown}: give one scenario "
                          "name (e.g. -p expected_scenario ")
    assert len(err.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("out", "said"), [("", "empty"), (" ", "blank")])
def test_an_empty_out_is_refused_not_taken_for_the_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        out: str, said: str) -> None:
    # --out "" was no --out: the report went to reports/minimal.html, not where it was sent
    monkeypatch.chdir(tmp_path)
    assert cli.main(["report", str(DATA / "plans" / "minimal.yaml"), "--out", out]) == 2
    assert capsys.readouterr().err == (
        f"error: --out is {said} (--out \"$VAR\" with VAR unset?): name the HTML file, e.g. "
        "--out reports/plan.html, or leave --out out for reports/<plan name>.html\n")
    assert list(tmp_path.iterdir()) == []


def test_an_out_that_is_only_the_extension_is_said_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # was `output .html does not end in .html` (Path('.html').suffix is '')
    plan = DATA / "plans" / "minimal.yaml"
    assert cli.main(["report", str(plan), "--out", str(tmp_path / ".html")]) == 1
    assert capsys.readouterr().err == (
        f"error: {plan}: output {tmp_path}/.html is only the extension; name the HTML file, "
        f"e.g. {tmp_path}/minimal.html\n")
