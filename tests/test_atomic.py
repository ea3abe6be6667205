"""Atomic file replacement: old or new content, never half, and shareable permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from infra_toolkit import atomic
from infra_toolkit.atomic import replace_file


def test_replaces_content_with_shareable_permissions(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_bytes(b"old")
    replace_file(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # not mkstemp's owner-only 0600
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_a_failed_validation_leaves_the_target_byte_identical(tmp_path: Path) -> None:
    target = tmp_path / "table.csv"
    target.write_bytes(b"a,b\n1,2\n")
    seen: list[bytes] = []

    def refuse(tmp: Path) -> None:
        seen.append(tmp.read_bytes())
        raise ValueError("column b is not numeric")

    with pytest.raises(ValueError, match="not numeric"):
        replace_file(target, b"a,b\n1,x\n", validate=refuse)
    assert seen == [b"a,b\n1,x\n"]  # the validator read exactly what would have been renamed
    assert target.read_bytes() == b"a,b\n1,2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_an_interrupted_rename_leaves_no_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "x.txt"
    target.write_bytes(b"kept")

    def interrupted(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        replace_file(target, b"lost")
    assert target.read_bytes() == b"kept"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_the_file_then_its_folder_are_flushed(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # audit cloud19: the rename was never flushed (no fsync of the folder): after a crash the
    # old table could come back although the refresh had reported the new one
    target = tmp_path / "table.csv"
    target.write_bytes(b"old")
    synced: list[tuple[bool, bytes]] = []  # (a folder?, the target's content at that moment)
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append((stat.S_ISDIR(os.fstat(fd).st_mode), target.read_bytes()))
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    replace_file(target, b"new")
    # the temporary file before the rename (target still old), the folder after it
    assert synced == [(False, b"old"), (True, b"new")]


def test_a_folder_that_refuses_fsync_is_no_error(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "table.csv"
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise OSError(22, "Invalid argument")  # as some network file systems answer
        real_fsync(fd)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    replace_file(target, b"new")
    assert target.read_bytes() == b"new"
