"""``grader batch --dask``: the same class, the same bytes, on a Dask cluster.

The cluster tests are marked ``slow`` (a cluster takes seconds to start); the rest is quick.
Real clusters: a ``LocalCluster`` of two worker processes, and a ``dask scheduler`` with two
``dask worker`` processes on 127.0.0.1 driven through the command line.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed", reason="Dask is an optional extra: pip install '.[dask]'")

from conftest import ASSIGNMENTS, REFERENCE, ROOT, SUBMISSIONS  # noqa: E402
from dask_tasks import kill_worker_once, never_returns  # noqa: E402

from grader.batch.dask_executor import DaskExecutor, parse_address, run_checked  # noqa: E402
from grader.batch.driver import run_batch  # noqa: E402
from grader.batch.local import LocalExecutor  # noqa: E402
from grader.errors import UsageError  # noqa: E402
from grader.render.progress import PlainProgress  # noqa: E402
from grader.task.job import Task, TaskResult  # noqa: E402

HELLO = ASSIGNMENTS / "hello-client"
CLASS = {
    "alice": REFERENCE / "hello-client" / "client.py",
    "bob": SUBMISSIONS / "hello-client" / "gbk-decode.py",
    "carol": SUBMISSIONS / "hello-client" / "extra-newline.py",
}


class Quiet(PlainProgress):
    def __init__(self) -> None:
        super().__init__("en")

    def start(self, total: int, reused: int) -> None:
        pass

    def advance(self, result: object, duration: float) -> None:
        pass

    def close(self) -> None:
        pass


class Counting:
    """Wraps an executor and records every result it hands to the driver."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.yielded: list[str] = []

    def map_unordered(self, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        for result in self.inner.map_unordered(tasks):  # type: ignore[attr-defined]
            self.yielded.append(result.student)
            yield result


@pytest.fixture(scope="module")
def submissions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    for student, source in CLASS.items():
        (folder / student).mkdir()
        shutil.copy2(source, folder / student / "client.py")
    (folder / "erin").mkdir()
    (folder / "erin" / "notes.txt").write_text("I could not finish it\n")  # not gradable: no client.py
    return folder


@pytest.fixture(scope="module")
def local_out(submissions: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The class graded by the ordinary local batch: what every Dask run must reproduce."""
    out = tmp_path_factory.mktemp("local-out")
    run_batch(HELLO, submissions, out, executor=LocalExecutor(2), progress=Quiet())
    return out


@pytest.fixture(scope="module")
def cluster() -> Iterator[DaskExecutor]:
    with DaskExecutor("local:2") as executor:
        assert executor.workers == 2
        yield executor


def _scores(out: Path) -> dict[str, tuple[float, list[str]]]:
    found = {}
    for path in sorted(out.glob("*/results.json")):
        doc = json.loads(path.read_text())
        found[path.parent.name] = (doc["score"], [t["score"] for t in doc["scenarios"]])
    return found


def _no_temporaries(out: Path) -> None:
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


@pytest.mark.slow
def test_local_cluster_gives_the_same_bytes_as_local_batch(
    cluster: DaskExecutor, submissions: Path, local_out: Path, tmp_path: Path
) -> None:
    counting = Counting(cluster)
    summary = run_batch(HELLO, submissions, tmp_path, executor=counting, progress=Quiet())
    assert sorted(counting.yielded) == sorted(CLASS)  # erin is not gradable: no task at all
    assert summary.graded_now == len(CLASS)
    assert (tmp_path / "grades.csv").read_bytes() == (local_out / "grades.csv").read_bytes()
    assert _scores(tmp_path) == _scores(local_out)
    assert _scores(tmp_path)["alice"][0] == 10
    _no_temporaries(tmp_path)


@pytest.mark.slow
def test_a_worker_killed_mid_task_still_gives_every_result_once(
    submissions: Path, local_out: Path, tmp_path: Path
) -> None:
    """On ``dask worker`` processes of their own (a nanny each, as a course's cluster runs
    them), so that only the victim's death is tested, not whatever the test process left."""
    marker = tmp_path / "killed"
    with (
        dask_processes(tmp_path) as address,
        DaskExecutor(
            address, run=functools.partial(kill_worker_once, str(marker), "bob"), stall_limit=240
        ) as dying,
    ):
        counting = Counting(dying)
        out = tmp_path / "out"
        run_batch(HELLO, submissions, out, executor=counting, progress=Quiet())
        logs = {log.name: log.read_text(errors="replace")[-2000:] for log in (tmp_path / "logs").iterdir()}
        assert marker.is_file(), "the victim's first attempt did not run"
        assert sorted(counting.yielded) == sorted(CLASS), (
            "each result reaches the driver exactly once",
            logs,
        )
        assert (out / "grades.csv").read_bytes() == (local_out / "grades.csv").read_bytes(), logs
        _no_temporaries(out)
        dying.client.wait_for_workers(2, timeout=60)  # the nanny restarted the killed worker


@pytest.mark.slow
def test_a_cluster_that_gives_nothing_back_ends_the_batch_with_every_student_not_graded(
    cluster: DaskExecutor, submissions: Path, tmp_path: Path
) -> None:
    address = cluster.client.scheduler.address
    with DaskExecutor(address, run=never_returns, stall_limit=2) as stuck:
        run_batch(HELLO, submissions, tmp_path, executor=stuck, progress=Quiet())
    for student in CLASS:
        doc = json.loads((tmp_path / student / "results.json").read_text())
        assert doc["status"] == "not_graded", doc["status"]
        assert "dask_stalled" in json.dumps(doc), student
    cluster.client.restart()  # the held tasks' threads are gone with the workers
    cluster.client.wait_for_workers(2, timeout=60)


@pytest.mark.slow
def test_a_partial_output_is_resumed(
    cluster: DaskExecutor, submissions: Path, local_out: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(local_out, out)
    shutil.rmtree(out / "carol")  # never graded
    (out / "alice" / ".grader-key").unlink()  # results written, key not: interrupted
    (out / "alice" / ".results.json.abc123.tmp").write_text("{half")  # a write cut short
    counting = Counting(cluster)
    summary = run_batch(HELLO, submissions, out, executor=counting, progress=Quiet())
    assert sorted(counting.yielded) == ["alice", "carol"]
    assert summary.reused == 1 and summary.graded_now == 2
    assert (out / "grades.csv").read_bytes() == (local_out / "grades.csv").read_bytes()
    _no_temporaries(out)


@pytest.mark.slow
def test_a_worker_with_another_grader_version_is_refused(
    cluster: DaskExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    import grader.batch.dask_executor as module

    monkeypatch.setattr(module, "__version__", "0.0.0-driver")
    with pytest.raises(UsageError, match="install the same version on every worker"):
        DaskExecutor(cluster.client.scheduler.address)


def test_a_task_on_a_worker_of_another_version_is_not_graded_not_failed(submissions: Path) -> None:
    from grader.batch.driver import task_options
    from grader.task.job import assignment_files, make_task

    task = make_task(
        "alice", assignment_files(HELLO), {"client.py": CLASS["alice"].read_bytes()}, task_options()
    )
    result = run_checked(task, "9.9.9")
    assert result.key == "" and "install the same version" in str(result.result().not_graded_reason)


@pytest.mark.parametrize(
    ("address", "parsed"),
    [
        ("local", ("local", None)),
        ("local:3", ("local", 3)),
        ("tcp://10.0.0.5:8786", ("tcp://10.0.0.5:8786", None)),
    ],
)
def test_addresses(address: str, parsed: tuple[str, int | None]) -> None:
    assert parse_address(address) == parsed


@pytest.mark.parametrize("address", ["local:0", "local:two", "10.0.0.5:8786"])
def test_bad_addresses_are_one_line_errors(address: str) -> None:
    with pytest.raises(UsageError, match="--dask"):
        parse_address(address)


# ------------------------------------------------------------------------------ a real cluster


@contextlib.contextmanager
def dask_processes(tmp_path: Path, workers: int = 2) -> Iterator[str]:
    """``dask scheduler`` and ``dask worker`` processes on 127.0.0.1; yields the scheduler address."""
    scheduler_file = tmp_path / "scheduler.json"
    # The tests folder too: the tests' own task functions (dask_tasks) are imported there.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}
    started: list[subprocess.Popen[bytes]] = []
    logs = tmp_path / "logs"
    logs.mkdir()

    def start(name: str, *args: str) -> None:
        log = open(logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        started.append(
            subprocess.Popen(
                [sys.executable, "-m", "dask", *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=tmp_path,
                start_new_session=True,
            )
        )
        log.close()

    try:
        start(
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        )
        for i in range(workers):
            start(
                f"worker{i}",
                "worker",
                "--scheduler-file",
                str(scheduler_file),
                "--host",
                "127.0.0.1",
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--no-dashboard",
            )
        with distributed.Client(scheduler_file=str(scheduler_file), timeout=60) as client:
            client.wait_for_workers(workers, timeout=60)
            yield client.scheduler.address
    finally:
        for proc in started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in started:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.mark.slow
def test_cli_on_a_real_scheduler_with_two_workers(submissions: Path, local_out: Path, tmp_path: Path) -> None:
    with dask_processes(tmp_path) as address:
        assert address.startswith("tcp://127.0.0.1:")
        out = tmp_path / "out"
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "grader",
                "batch",
                str(HELLO),
                str(submissions),
                "--out",
                str(out),
                "--dask",
                address,
                "--no-progress",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=tmp_path,
        )
    assert proc.returncode == 0, proc.stderr
    assert "graded: 3, not graded: 1 (3 graded now, 0 unchanged)" in proc.stdout
    assert (out / "grades.csv").read_bytes() == (local_out / "grades.csv").read_bytes()
    _no_temporaries(out)
