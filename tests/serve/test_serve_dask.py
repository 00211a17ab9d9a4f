"""``grader serve --dask ADDRESS``: gradings on a real Dask cluster, and a cluster that goes away.

The cluster is a ``distributed.LocalCluster`` of one worker process on 127.0.0.1, started by
the test; the site is a real ``grader serve`` process that knows only the scheduler's address.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .serve_helpers import BUGGY, CORRECT, Server, Student, free_port, http_client, write_course

distributed = pytest.importorskip("distributed", reason="Dask is an optional extra: pip install '.[dask]'")

pytestmark = pytest.mark.slow  # a cluster takes seconds to start


@contextlib.contextmanager
def local_cluster(port: int) -> Iterator[Any]:
    cluster = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        scheduler_port=port,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    try:
        yield cluster
    finally:
        cluster.close()


def _graded_on(cluster: Any) -> int:
    """How many gradings this cluster's scheduler has run to the end."""
    prefix = cluster.scheduler.task_prefixes.get("grade")
    return 0 if prefix is None else prefix.state_counts["memory"]


def test_submissions_are_graded_on_the_cluster(tmp_path: Path) -> None:
    port = free_port()
    with local_cluster(port) as cluster:
        server = Server(
            write_course(tmp_path / "course"), extra=("--dask", f"tcp://127.0.0.1:{port}")
        ).start()
        try:
            alice = Student(http_client(server.url))
            alice.sign_in("alice")
            assert alice.submit(CORRECT).status_code == 200
            assert alice.submit(BUGGY).status_code == 200
            scores = [alice.wait_done(pid)["score"] for pid in alice.ids]
            teacher = Student(http_client(server.url))
            teacher.teacher()
            dashboard = teacher.http.get("/teacher").text
        finally:
            server.stop()
        assert scores == [10, 3]  # the same scores as the warm pool gives (test_serve_security)
        assert _graded_on(cluster) == 2
        assert f"dask tcp://127.0.0.1:{port}" in dashboard


def test_a_submission_waits_while_the_cluster_is_gone_then_is_graded_once(tmp_path: Path) -> None:
    """The scheduler stops: an upload is not turned into a "not graded" result but waits in
    the queue; when a scheduler is back at the address, it is graded, once."""
    port = free_port()
    course = write_course(tmp_path / "course")
    with local_cluster(port):
        server = Server(course, workers=1, extra=("--dask", f"tcp://127.0.0.1:{port}")).start()
    try:
        alice = Student(http_client(server.url))
        alice.sign_in("alice")
        assert alice.submit(CORRECT).status_code == 200
        pid = alice.ids[0]
        deadline = time.monotonic() + 120
        log = server.log
        while "waits in the queue" not in log.read_text(encoding="utf-8", errors="replace"):
            assert time.monotonic() < deadline, "the site never noticed the cluster had gone"
            assert alice.status(pid)["state"] != "done", alice.status(pid)
            time.sleep(0.5)
        assert alice.status(pid)["state"] in ("queued", "running")
        with local_cluster(port) as back:
            got = alice.wait_done(pid, seconds=180)
            assert got["score"] == 10
            assert _graded_on(back) == 1
    finally:
        server.stop()
    db = sqlite3.connect(course / ".grader-site" / "site.db")
    gradings = db.execute("SELECT status, score FROM gradings").fetchall()
    assert gradings == [("graded", 10.0)]  # no "not graded" stored while the cluster was gone
