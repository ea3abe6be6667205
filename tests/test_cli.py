from __future__ import annotations

import tomllib

import pytest

from infra_toolkit import __version__
from infra_toolkit.cli import main
from tests.conftest import REPO_ROOT


def test_version_subcommand_prints_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip() == __version__
    # the version pyproject.toml declares, installed in editable mode
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert __version__ == project["version"] == "0.1.0"


def test_unknown_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_a_closed_pipe_ends_quietly_without_a_traceback() -> None:
    import subprocess
    import sys

    # stdout is a pipe whose reader has already gone (`... | head` after head exited), and
    # unbuffered, so the first print raises BrokenPipeError inside the command.
    script = ("import os, sys; r, w = os.pipe(); os.close(r); os.dup2(w, 1); "
              "from infra_toolkit.cli import main; sys.exit(main(['version']))")
    proc = subprocess.run([sys.executable, "-u", "-c", script], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 1
    assert proc.stderr == ""  # no traceback, no "Exception ignored" at exit


def test_ctrl_c_is_one_line_and_status_130(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    # audit8 A8-7: Ctrl-C during `report` printed a KeyboardInterrupt traceback from nbformat
    from infra_toolkit import cli

    def interrupted(_args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_COMMANDS", [(cli._add_version, "version", interrupted)])
    assert main(["version"]) == 130  # 128 + SIGINT (2), as a shell reports it
    captured = capsys.readouterr()
    assert captured.err == "error: interrupted (Ctrl-C); the command stopped before it finished\n"
    assert captured.out == ""
