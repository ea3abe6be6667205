"""What the Price List refresh tests share: a copy of the shipped tables, a botocore-stubbed
``pricing`` client, an environment without AWS credentials, a client whose pagination fails
after one page, and a fingerprint of a folder to show a failed refresh changed nothing."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from infra_toolkit.pricing import DEFAULT_PRICING_DIR


def copy_shipped_tables(folder: Path) -> Path:
    """``folder`` with a copy of every shipped table, for a refresh to write beside."""
    for path in DEFAULT_PRICING_DIR.glob("*.csv"):
        shutil.copy(path, folder / path.name)
    return folder


@contextlib.contextmanager
def stubbed_pricing_client() -> Iterator[tuple[Any, Stubber]]:
    """A ``pricing`` client in us-east-1 and its active Stubber (no network)."""
    session = botocore.session.get_session()
    pricing = session.create_client("pricing", region_name="us-east-1",
                                    aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(pricing) as stub:
        yield pricing, stub


def clear_aws_credentials(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """An environment where botocore finds no credentials and never asks the network."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                 "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(folder / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def snapshot(folder: Path) -> dict[str, str]:
    """Each file of ``folder`` -> its SHA-256."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


class RaisingClient:
    """A client whose paginator yields ``first_page``, then raises ``exc``."""

    def __init__(self, first_page: dict[str, Any], exc: BaseException) -> None:
        self.first_page, self.exc = first_page, exc

    def get_paginator(self, name: str) -> RaisingClient:
        return self

    def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        yield self.first_page
        raise self.exc
