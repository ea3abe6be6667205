"""Replacing a file so that a reader, or a crash, sees the old content or the new, never half.

The data goes to a temporary file in the same folder (so the rename cannot cross file systems),
is flushed to disk, optionally validated as it lies there, and renamed over the target; then the
folder is flushed too, since the rename lives in the folder's entries and a crash before they
reach the disk could bring back the old file (or none) after the command said it wrote the new.
Anything that fails before the rename leaves the target byte-identical and removes the
temporary file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["check_can_replace", "replace_file"]


def replace_file(
    path: Path, data: bytes, validate: Callable[[Path], object] | None = None,
    mode: int = 0o644,
) -> None:
    """Write ``data`` to ``path`` atomically with permissions ``mode``; ``validate`` reads the
    written temporary file and raises to stop the replacement."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # mkstemp creates 0600; a report or price table is for sharing
        if validate is not None:
            validate(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Flush ``folder``'s entries (the rename) to disk, where the platform can: a folder cannot
    be opened on Windows, and some file systems refuse fsync on one; the file is in place
    either way, so neither is an error."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_can_replace(path: Path) -> None:
    """Raise OSError (``strerror`` says why) unless :func:`replace_file` can put its temporary
    file beside ``path``: a check before slow work (a notebook run, an AWS fetch) whose result
    would otherwise be lost at the write."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    os.unlink(tmp_name)
