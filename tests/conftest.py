"""Shared test fixtures. Tests may read ../shared (beside the checkout) directly."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ../shared folder (HPA spec and vectors, traces, pricing reference)."""
    if not SHARED.is_dir():
        pytest.fail(f"{SHARED} is missing: CI and tests expect ../shared beside the checkout")
    return SHARED
