"""A throwaway PostgreSQL cluster for the site's tests: initdb into a private folder, a server on
a unix socket there only (no TCP port to collide with anyone's), stopped and removed at the end.

PostgreSQL refuses to run as root, so as root the cluster belongs to the ``postgres`` user
Debian's package creates. Where the server binaries are missing the tests skip, saying how
to get them; CI sets ``GRADER_REQUIRE_POSTGRES=1`` so that there they fail instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

PORT = 5432
"""Only names the socket file, inside the cluster's own folder."""


def binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (Debian keeps them off PATH)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def require_postgres() -> Path:
    """The binaries' folder, or a skip (a failure in CI) with the reason."""
    reason = ""
    bin_dir = binaries()
    if bin_dir is None:
        reason = "PostgreSQL's server binaries (initdb, pg_ctl) are absent: apt-get install postgresql"
    elif os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            reason = "running as root, and there is no postgres user to own a test cluster"
    if not reason:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            reason = "the PostgreSQL driver is absent: pip install -e '.[serve]' (psycopg)"
    if reason:
        if os.environ.get("GRADER_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL tests are required here (GRADER_REQUIRE_POSTGRES=1): {reason}")
        pytest.skip(reason)
    assert bin_dir is not None
    return bin_dir


@dataclass
class Cluster:
    folder: Path

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.folder}&port={PORT}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host=str(self.folder), port=PORT, user="postgres", dbname="postgres") as c:
            c.autocommit = True
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextmanager
def cluster() -> Iterator[Cluster]:
    bin_dir = require_postgres()
    folder = Path(tempfile.mkdtemp(prefix="grader-pg-"))
    as_root = os.geteuid() == 0
    user = "postgres" if as_root else None
    if as_root:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data, log = folder / "data", folder / "server.log"

    def run(*args: str) -> None:
        done = subprocess.run(
            [str(bin_dir / args[0]), *args[1:]], user=user, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise AssertionError(f"{args[0]} failed: {done.stdout}{done.stderr}{tail}")

    try:
        run("initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale")
        options = f"-c listen_addresses='' -k {folder} -p {PORT} -c fsync=off"
        run("pg_ctl", "start", "-D", str(data), "-w", "-t", "60", "-l", str(log), "-o", options)
        try:
            yield Cluster(folder)
        finally:
            run("pg_ctl", "stop", "-D", str(data), "-m", "fast", "-w")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
