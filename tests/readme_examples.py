"""README examples run as tests: each ```sh block marked ``<!-- example: NAME -->`` runs in bash,
as a user would type it, from a workspace holding a copy of ``plans/`` and ``notebooks/``, with the
virtualenv's ``bin`` first on PATH and ``INFRA_TOOLKIT_DB`` pointing into the workspace.

The ``check-and-report`` example builds the default plan's report: the session's one build of
the real report, which tests/test_plan_report.py inspects.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
README = REPO_ROOT / "README.md"
DEFAULT_PLAN = "plans/ecommerce-eks.yaml"

_BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
_MARKED = re.compile(r"<!-- example: ([\w-]+) -->\n```sh\n(.*?)```", re.S)


def sh_blocks() -> list[str]:
    """Every ```sh block of the README, in order."""
    return _BLOCK.findall(README.read_text(encoding="utf-8"))


def examples() -> dict[str, str]:
    """The README's runnable examples by name."""
    return dict(_MARKED.findall(README.read_text(encoding="utf-8")))


def make_workspace(root: Path) -> Path:
    """``root`` with copies of plans/ and notebooks/."""
    for folder in ("plans", "notebooks"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    return root


def run_example(name: str, workspace: Path, db: Path) -> subprocess.CompletedProcess[str]:
    """Run README example ``name`` in bash (``set -euo pipefail``) in ``workspace``."""
    # this checkout's package first, whatever is installed: a relative PYTHONPATH would point
    # into the workspace, and the console script would import another copy of the library
    path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "INFRA_TOOLKIT_DB": str(db), "PYTHONPATH": path}
    return subprocess.run(["bash", "-c", "set -euo pipefail\n" + examples()[name]], cwd=workspace,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


@dataclass(frozen=True)
class ReportRun:
    """The README's check-and-report example, run once: where, what it printed, the report."""

    workspace: Path
    db: Path
    stdout: str
    html_path: Path
