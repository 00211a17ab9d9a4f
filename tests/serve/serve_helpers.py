"""A course in a temporary folder, the site on it (in-process or a real uvicorn), and a student's client.

The course offers the repository's own assignments; grading is real (the warm pool, the
sandbox), so every report a test reads was made by the grader from a real run.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = ROOT / "assignments"
CORRECT = (ROOT / "reference" / "hello-client" / "client.py").read_bytes()
BUGGY = (ROOT / "tests" / "submissions" / "hello-client" / "str-send.py").read_bytes()
HANGS = (ROOT / "tests" / "submissions" / "hello-client" / "never-exits.py").read_bytes()
TEACHER_PASSWORD = "teacher-password-for-tests"

pytest.importorskip("starlette", reason="the site's dependencies: pip install -e '.[serve]'")


def write_course(
    folder: Path,
    *,
    students: int = 2,
    per_hour: int = 20,
    upload_bytes: int = 1_000_000,
    queue: int = 2000,
    due: str = "2099-12-31 23:59:00",
    counts: str = "best",
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.yaml").write_text(
        f"""
title: {{en: Test course, zh: 测试课程}}
languages: [en, zh]
timezone: UTC
submissions_per_hour: {per_hour}
counts: {counts}
limits: {{upload_bytes: {upload_bytes}, upload_files: 50, queue: {queue}}}
assignments:
  - id: hello-client
    path: {ASSIGNMENTS / "hello-client"}
    opens: 2024-01-01 00:00:00
    due: {due}
  - id: closed
    path: {ASSIGNMENTS / "uppercase-client"}
    opens: 2024-01-01 00:00:00
    due: 2024-02-01 00:00:00
""",
        encoding="utf-8",
    )
    names = ["alice", "bob"] + [f"s{n:03d}" for n in range(max(0, students - 2))]
    lines = ["id,name,email,password"] + [f"{n},{n.title()},,{n}-pw" for n in names]
    (folder / "roster.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


@dataclass
class Student:
    """A browser-less student (or teacher) over HTTP: an httpx or Starlette test client."""

    http: Any
    name: str = ""
    csrf: str = ""
    ids: list[str] = field(default_factory=list)

    def sign_in(self, student: str, password: str | None = None) -> Any:
        self.name = student
        page = self.http.get("/")
        r = self.http.post(
            "/signin",
            data={"csrf": csrf_of(page.text), "student": student, "password": password or f"{student}-pw"},
        )
        assert r.status_code == 200 and "Sign out" in r.text, r.text[:500]
        self.csrf = csrf_of(r.text)
        return r

    def teacher(self) -> Any:
        page = self.http.get("/teacher/signin")
        r = self.http.post("/teacher/signin", data={"csrf": csrf_of(page.text), "password": TEACHER_PASSWORD})
        assert r.status_code == 200 and "Dashboard" in r.text, r.text[:500]
        self.csrf = csrf_of(r.text)
        return r

    def submit(self, data: bytes, name: str = "client.py", assignment: str = "hello-client") -> Any:
        return self.submit_files({name: data}, assignment)

    def submit_files(self, files: dict[str, bytes], assignment: str = "hello-client") -> Any:
        """Upload these files in one form (several: a folder, with its relative names)."""
        r = self.http.post(
            f"/a/{assignment}/submit",
            data={"csrf": self.csrf},
            files=[("file", (name, data, "text/x-python")) for name, data in files.items()],
        )
        if r.status_code == 200 and "/s/" in str(r.url):
            self.ids.append(str(r.url).rsplit("/", 1)[1])
        return r

    def status(self, public_id: str, prefix: str = "") -> dict[str, Any]:
        return self.http.get(f"{prefix}/s/{public_id}/status").json()

    def wait_done(self, public_id: str, prefix: str = "", seconds: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        known = ""
        while time.monotonic() < deadline:
            got = self.http.get(f"{prefix}/s/{public_id}/status", params={"known": known}).json()
            if got["state"] == "done":
                return got
            known = got["etag"]
        raise AssertionError(f"submission {public_id} was not graded within {seconds} s")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    return write_course(tmp_path / "course")


@pytest.fixture
def site_app(course: Path) -> Iterator[Any]:
    """The app in-process (Starlette's TestClient), with its real workers."""
    from starlette.testclient import TestClient

    from grader.serve.app import create_app
    from grader.serve.config import load_course
    from grader.serve.site import Site

    site = Site(load_course(course), workers_count=2)
    site.open()
    site.set_teacher_password(TEACHER_PASSWORD)
    app = create_app(site)
    with TestClient(app, follow_redirects=True) as client:
        client.site = site
        yield client


def new_client(site_app: Any) -> Any:
    from starlette.testclient import TestClient

    client = TestClient(site_app.app, follow_redirects=True)
    return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Any]:
    """One throwaway PostgreSQL server for the session (each test gets its own database)."""
    from .pg_cluster import cluster

    with cluster() as running:
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> str | None:
    """The site's database for a test run on both: None (SQLite in the course folder) or a
    fresh PostgreSQL database's URL (skipped where PostgreSQL is not installed)."""
    if request.param == "sqlite":
        return None
    cluster = request.getfixturevalue("pg_cluster")
    return cluster.create_database(f"t{next(_databases)}_{os.getpid()}")


_databases = itertools.count(1)


class Server:
    """``grader serve`` as a real process on a loopback port."""

    def __init__(
        self, course: Path, workers: int = 2, database: str | None = None, extra: tuple[str, ...] = ()
    ) -> None:
        self.course, self.workers, self.database, self.extra = course, workers, database, extra
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        env = dict(os.environ, PYTHONPATH=str(ROOT), GRADER_TEACHER_PASSWORD=TEACHER_PASSWORD)
        self.log = self.course.parent / f"serve-{self.port}.log"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "grader",
                "serve",
                str(self.course),
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                *(["--database", self.database] if self.database else []),
                *self.extra,
            ],
            env=env,
            stdout=self.log.open("wb"),  # a file, not a pipe nobody reads (a full pipe stalls the server)
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180  # a big roster is hashed (argon2) before it listens
        while True:
            if self.proc.poll() is not None:
                out = self.log.read_text(encoding="utf-8", errors="replace")
                raise AssertionError(f"grader serve ended with {self.proc.returncode}: {out}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()  # no server left behind, still hashing a roster
                    raise AssertionError("grader serve did not listen within 180 s") from None
                time.sleep(0.05)

    def kill(self) -> None:
        """As a crash does: SIGKILL to the server alone (its workers must notice and end)."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture
def server(course: Path) -> Iterator[Server]:
    s = Server(course).start()
    try:
        yield s
    finally:
        s.stop()


def http_client(url: str) -> Any:
    import httpx

    return httpx.Client(base_url=url, follow_redirects=True, timeout=60)
