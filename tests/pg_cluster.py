"""A throwaway PostgreSQL cluster for the tests and benchmarks: initdb into a temp dir, start on a
unix socket in that dir (no TCP port to collide with), trust auth, stop and delete afterwards.

PostgreSQL refuses to run as root, so under root the server runs as the ``postgres`` OS user
(``runuser``), in a data dir that user owns. ``INFRA_TOOLKIT_TEST_PG_URL`` set by the caller
means "use this server instead" and nothing is started; each pytest-xdist worker then works in a
database of its own there (``worker_database``).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

__all__ = ["PG_URL_ENV", "find_pg_bindir", "schema_url", "throwaway_cluster", "worker_database"]

PG_URL_ENV = "INFRA_TOOLKIT_TEST_PG_URL"


def find_pg_bindir() -> Path | None:
    """The directory holding ``initdb``, ``pg_ctl`` and ``postgres``, or None when absent."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    if shutil.which("pg_ctl"):
        candidates.append(str(Path(shutil.which("pg_ctl") or "").resolve().parent))
    for c in candidates:
        if c and all((Path(c) / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(c)
    return None


def _as_owner(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@contextmanager
def throwaway_cluster(bindir: Path, *, fsync: bool = False) -> Iterator[str]:
    """Start a fresh cluster; yield its URL (``postgresql:///postgres?host=DIR&user=postgres``)."""
    root = Path(tempfile.mkdtemp(prefix="infra_toolkit-pg-"))
    data = root / "data"
    try:
        if os.geteuid() == 0:
            shutil.chown(root, "postgres")
        root.chmod(0o755)

        def run(argv: list[str]) -> None:
            subprocess.run(_as_owner(argv), check=True, capture_output=True, text=True)

        run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ]
        )
        options = f"-c listen_addresses='' -c unix_socket_directories={root} -c max_connections=40"
        if not fsync:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        run(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(root / "log"),
                "-w",
                "-o",
                options,
                "start",
            ]
        )
        try:
            yield f"postgresql:///postgres?host={quote(str(root), safe='')}&user=postgres"
        finally:
            run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
    except subprocess.CalledProcessError as exc:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        raise RuntimeError(f"throwaway PostgreSQL failed: {exc.cmd}\n{exc.stderr}\n{log}") from exc
    finally:
        shutil.rmtree(root, ignore_errors=True)


def schema_url(base_url: str) -> str:
    """Create a fresh schema in ``base_url``'s database; a URL whose search_path is that schema,
    so each test gets an empty store of its own."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options={quote(f'-csearch_path={name}', safe='')}"


@contextmanager
def worker_database(base_url: str, worker: str) -> Iterator[str]:
    """A new database for one pytest-xdist ``worker`` on ``base_url``'s server; yield its URL, drop
    it afterwards. The store's advisory write lock is per database, so workers sharing a server
    never wait on (or time out behind) a lock another worker's test holds. Needs CREATEDB."""
    import psycopg

    name = f"infra_toolkit_test_{worker}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    parts = urlsplit(base_url)
    query = "&".join(p for p in parts.query.split("&") if p and not p.startswith("dbname="))
    try:
        # by hand: urlunsplit drops the "//" of a host-less postgresql:///db?host=/socket/dir
        yield f"{parts.scheme}://{parts.netloc}/{name}" + (f"?{query}" if query else "")
    finally:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
