"""Warm batch workers (:mod:`grader.resident.pool`): real pools, real forked workers, real grading."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS, REFERENCE, SUBMISSIONS, wait_until

from grader.batch.driver import task_options
from grader.batch.local import LocalExecutor
from grader.resident import pool as pools
from grader.resident import pool_workers
from grader.resident.client import status_of
from grader.resident.pool import run_pooled_task as run_task
from grader.resident.pool import worker_command
from grader.task.job import assignment_files, make_task

SPEC = assignment_files(ASSIGNMENTS / "hello-client")
REF = (REFERENCE / "hello-client" / "client.py").read_bytes()


@pytest.fixture
def fresh_pool() -> Iterator[None]:
    """Each test starts without this process's pool, and leaves none behind."""
    pools._close_at_exit()
    pools._failed = False
    yield
    pools._close_at_exit()


def served(pool: pools.WarmPool) -> int:
    info = status_of(pool.socket)
    assert info is not None, "the pool does not answer"
    return int(info["checks"])


def test_workers_are_children_of_the_warm_pool(fresh_pool: None) -> None:
    pool = pools.shared_pool()
    assert pool is not None and worker_command() == pool.worker_command()
    tasks = [make_task(f"s{i}", SPEC, {"client.py": REF}, task_options(lang="en")) for i in range(3)]
    results = list(LocalExecutor(jobs=2).map_unordered(tasks))
    assert sorted(r.student for r in results) == ["s0", "s1", "s2"]
    assert all(r.result().score == 10 for r in results)
    assert served(pool) == 2  # each of the two threads kept its worker for the next task
    assert pools.shared_pool() is pool  # one pool for the whole process
    assert status_of(pool.socket)["running"] == 0  # type: ignore[index]  # kept workers let go at the end


def test_a_kept_worker_is_let_go_after_its_share_of_tasks(
    fresh_pool: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_workers, "TASKS_PER_WORKER", 2)
    pool = pools.shared_pool()
    assert pool is not None
    tasks = [make_task(f"s{i}", SPEC, {"client.py": REF}, task_options(lang="en")) for i in range(5)]
    results = list(LocalExecutor(jobs=1).map_unordered(tasks))
    assert [r.result().score for r in results] == [10] * 5
    assert served(pool) == 3  # 2 + 2 + 1


def test_a_kept_worker_that_dies_costs_only_its_task(fresh_pool: None) -> None:
    """The worker is killed in the middle of a task: that one is not graded, the next task
    (same thread) gets a new worker and is graded."""
    pool = pools.shared_pool()
    assert pool is not None
    hanging = (SUBMISSIONS / "hello-client" / "never-exits.py").read_bytes()
    killed: list[int] = []

    def kill_the_worker(proc: object) -> None:
        if not killed:
            pid = proc.pid  # type: ignore[attr-defined]
            killed.append(pid)
            os.kill(pid, signal.SIGKILL)

    first = run_task(
        make_task("hangs", SPEC, {"client.py": hanging}, task_options(lang="en")), on_start=kill_the_worker
    )
    assert first.result().status == "not_graded" and first.key == ""
    after = run_task(make_task("after", SPEC, {"client.py": REF}, task_options(lang="en")))
    assert after.result().score == 10
    assert served(pool) == 2


def test_cold_workers_on_request(fresh_pool: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pools.DISABLE_ENV, "0")
    assert pools.shared_pool() is None
    assert worker_command() == [sys.executable, "-m", "grader.task"]
    result = run_task(make_task("cold", SPEC, {"client.py": REF}, task_options(lang="en")))
    assert result.result().score == 10


def test_a_pool_that_died_is_replaced_and_costs_no_result(fresh_pool: None) -> None:
    first = pools.shared_pool()
    assert first is not None
    first.process.kill()
    first.process.wait()
    result = run_task(make_task("after", SPEC, {"client.py": REF}, task_options(lang="en")))
    assert result.result().score == 10
    second = pools.shared_pool()
    assert second is not None and second is not first and second.alive()
    assert not first.folder.exists()


def test_a_worker_whose_pool_dies_mid_task_is_not_graded_not_zero(fresh_pool: None) -> None:
    pool = pools.shared_pool()
    assert pool is not None
    hanging = (SUBMISSIONS / "hello-client" / "never-exits.py").read_bytes()
    task = make_task("hangs", SPEC, {"client.py": hanging}, task_options(lang="en"))
    started: list[subprocess.Popen[bytes]] = []

    def kill_the_pool_once_running(proc: subprocess.Popen[bytes]) -> None:
        started.append(proc)
        wait_until(lambda: served(pool) == 1, what="the pool to fork the worker")
        pool.process.kill()

    result = run_task(task, on_start=kill_the_pool_once_running)
    assert started
    graded = result.result()
    assert graded.status == "not_graded" and result.key == ""
    assert "not a zero" in str(graded.not_graded_reason)


def test_the_pool_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    starter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from grader.resident.pool import shared_pool; import sys, time; "
            "print(shared_pool().process.pid, flush=True); time.sleep(120)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, pools.DISABLE_ENV: "1"},
    )
    assert starter.stdout is not None
    pool_pid = int(starter.stdout.readline())
    assert Path(f"/proc/{pool_pid}").exists()
    arguments = Path(f"/proc/{pool_pid}/cmdline").read_bytes().split(b"\0")
    socket = Path(arguments[arguments.index(b"--socket") + 1].decode())
    assert socket.exists()
    starter.send_signal(signal.SIGKILL)
    starter.wait()
    wait_until(
        lambda: (
            not Path(f"/proc/{pool_pid}").exists()
            or "Z" in Path(f"/proc/{pool_pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        ),
        what="the pool to stop with its parent",
    )
    wait_until(lambda: not socket.parent.exists(), what="the pool to remove its folder")
