"""The resident checker (``grader daemon``): real processes, a real Unix socket, real checks.

Each test gets its own ``XDG_RUNTIME_DIR``, so it never meets a resident checker a developer
left running, and stops what it started.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ASSIGNMENTS, REFERENCE, ROOT, SUBMISSIONS, wait_until

PYTHON = sys.executable
"""The interpreter running the tests, as started: a virtual environment's ``python`` is a
symlink to the base interpreter, and resolving it would import another copy of the grader."""


class Resident:
    """Runs ``python -m grader`` with one private runtime folder and temp folder."""

    def __init__(self, runtime: Path, temp: Path):
        self.runtime = runtime
        self.temp = temp
        self.env = {key: value for key, value in os.environ.items() if key != "GRADER_DAEMON"}
        self.env.update(XDG_RUNTIME_DIR=str(runtime), TMPDIR=str(temp), NO_COLOR="1", COLUMNS="120")

    def grader(self, *args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PYTHON, "-m", "grader", *args],
            cwd=cwd,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [PYTHON, "-m", "grader", *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def status(self) -> dict[str, int] | None:
        run = self.grader("daemon", "status")
        if run.returncode != 0:
            return None
        found = re.search(r"pid (\d+).*checks served: (\d+), running checks: (\d+)", run.stdout)
        assert found, run.stdout
        return {"pid": int(found[1]), "checks": int(found[2]), "running": int(found[3])}

    def at_terminal(self, *args: str, **env: str) -> str:
        """``python -m grader ARGS`` on a pseudo-terminal, as a student types it; its output."""
        import pexpect

        full_env = {key: value for key, value in {**self.env, **env}.items() if key != "CI" or "CI" in env}
        child = pexpect.spawn(
            PYTHON,
            ["-m", "grader", *args],
            cwd=str(ROOT),
            env=full_env,
            encoding="utf-8",
            dimensions=(24, 200),
            timeout=120,
        )
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, child.before
        return child.before

    def socket(self) -> Path:
        sockets = list((self.runtime / "socket-grader").glob("resident-*.sock"))
        assert len(sockets) <= 1
        return sockets[0] if sockets else self.runtime / "socket-grader" / "none.sock"


@pytest.fixture
def resident() -> Iterator[Resident]:
    # Under /tmp and open to all: the student (uid 65534 as root) must reach its scratch copy.
    runtime = Path(tempfile.mkdtemp(prefix="grader-runtime-"))
    temp = Path(tempfile.mkdtemp(prefix="grader-temp-"))
    temp.chmod(0o755)
    helper = Resident(runtime, temp)
    try:
        yield helper
    finally:
        info = helper.status()
        helper.grader("daemon", "stop")
        if info is not None:
            wait_until(lambda: not Path(f"/proc/{info['pid']}").exists(), what="the resident checker to stop")
        for pid in residents_of(runtime):  # one that ``daemon stop`` could not reach
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(runtime, ignore_errors=True)
        shutil.rmtree(temp, ignore_errors=True)


def residents_of(runtime: Path) -> list[int]:
    """Resident checkers started with this test's runtime folder, whatever interpreter ran them."""
    found = []
    wanted = f"XDG_RUNTIME_DIR={runtime}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if b"grader.resident.server" in cmdline and wanted in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def started(resident: Resident, *extra: str) -> dict[str, int]:
    run = resident.grader("daemon", "start", *extra)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Started the resident checker (pid")
    info = resident.status()
    assert info is not None and info["checks"] == 0
    return info


def without_timings(text: str) -> str:
    return re.sub(r"\d+\.\d+ ?s", "T", text)


def students_under(folder: Path) -> list[int]:
    """Processes whose working folder is inside ``folder``: the students of our checks."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")).is_relative_to(folder):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_check_through_the_resident_checker_matches_one_run_in_process(
    resident: Resident, tmp_path: Path
) -> None:
    started(resident)
    args = [
        "check",
        str(ASSIGNMENTS / "echo-server"),
        str(REFERENCE / "echo-server" / "server.py"),
        "--lang",
        "en",
        "--json",
        "out.json",
    ]
    through = resident.grader(*args, cwd=tmp_path)
    assert through.returncode == 0, through.stderr
    assert resident.status()["checks"] == 1  # type: ignore[index]
    result = json.loads((tmp_path / "out.json").read_text())  # written in the client's folder
    assert result["score"] == 10

    alone = resident.grader(*args, cwd=tmp_path, GRADER_DAEMON="0")
    assert alone.returncode == 0
    assert resident.status()["checks"] == 1  # type: ignore[index]
    assert "Score: 10/10" in through.stdout
    assert without_timings(through.stdout) == without_timings(alone.stdout)
    assert through.stderr == alone.stderr == ""


def test_errors_and_exit_codes_come_back_unchanged(resident: Resident, tmp_path: Path) -> None:
    started(resident)
    (tmp_path / "assignment.yaml").write_text("id: broken\nrole: client\nscenarios: nope\n")
    bad_spec = resident.grader("check", str(tmp_path), str(REFERENCE / "hello-client" / "client.py"))
    assert bad_spec.returncode == 2
    assert bad_spec.stderr.startswith("grader: error: ") and "assignment.yaml:3" in bad_spec.stderr
    bad_usage = resident.grader("check", "--no-such-option")
    assert bad_usage.returncode == 2 and "usage: grader check" in bad_usage.stderr
    helped = resident.grader("check", "--help")
    assert helped.returncode == 0 and "SUBMISSION" in helped.stdout.upper()
    zh = resident.grader(
        "check",
        str(ASSIGNMENTS / "hello-client"),
        str(SUBMISSIONS / "hello-client" / "single-recv.py"),
        LANG="zh_CN.UTF-8",
    )
    assert zh.returncode == 0 and "总分：8/10" in zh.stdout
    assert resident.status()["checks"] == 4  # type: ignore[index]


def test_ctrl_c_stops_the_check_and_its_student(resident: Resident) -> None:
    started(resident)
    check = resident.popen(
        "check",
        str(ASSIGNMENTS / "hello-client"),
        str(SUBMISSIONS / "hello-client" / "never-exits.py"),
        "--lang",
        "en",
    )
    wait_until(lambda: students_under(resident.temp), what="the student to start")
    check.send_signal(signal.SIGINT)
    out, err = check.communicate(timeout=30)
    assert check.returncode == 130, out + err
    assert "interrupted" in err
    wait_until(lambda: not students_under(resident.temp), what="the student to be stopped")
    assert resident.status()["checks"] == 1  # type: ignore[index]


def test_a_client_that_dies_takes_its_check_with_it(resident: Resident) -> None:
    started(resident)
    check = resident.popen(
        "check", str(ASSIGNMENTS / "hello-client"), str(SUBMISSIONS / "hello-client" / "never-exits.py")
    )
    wait_until(lambda: students_under(resident.temp), what="the student to start")
    check.kill()
    check.wait()
    wait_until(lambda: not students_under(resident.temp), what="the student to be stopped")
    wait_until(lambda: resident.status()["running"] == 0, what="the check to end")  # type: ignore[index]


def test_a_resident_checker_that_dies_takes_its_checks_with_it(resident: Resident) -> None:
    info = started(resident)
    check = resident.popen(
        "check", str(ASSIGNMENTS / "hello-client"), str(SUBMISSIONS / "hello-client" / "never-exits.py")
    )
    wait_until(lambda: students_under(resident.temp), what="the student to start")
    os.kill(info["pid"], signal.SIGKILL)
    _out, err = check.communicate(timeout=30)
    assert check.returncode == 1 and "stopped before it ended" in err
    wait_until(lambda: not students_under(resident.temp), what="the student to be stopped")


def test_a_changed_grader_is_never_answered_by_old_code(resident: Resident) -> None:
    info = started(resident)
    marker = ROOT / "grader" / "resident" / "__init__.py"
    before = marker.stat()
    os.utime(marker, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    try:
        run = resident.grader(
            "check",
            str(ASSIGNMENTS / "hello-client"),
            str(REFERENCE / "hello-client" / "client.py"),
            "--lang",
            "en",
        )
    finally:
        os.utime(marker, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert run.returncode == 0 and "Score: 10/10" in run.stdout  # graded in the client's process
    wait_until(lambda: not Path(f"/proc/{info['pid']}").exists(), what="the stale checker to stop")
    assert not resident.socket().exists()


def test_status_stop_and_idle_timeout(resident: Resident) -> None:
    not_running = resident.grader("daemon", "status")
    assert not_running.returncode == 3 and "No resident checker" in not_running.stdout
    in_chinese = resident.grader("daemon", "status", GRADER_LANG="zh")
    assert in_chinese.returncode == 3 and "没有正在运行的常驻检查进程" in in_chinese.stdout
    assert "No resident checker" in resident.grader("daemon", "stop").stdout
    info = started(resident, "--idle-minutes", "0.01")
    again = resident.grader("daemon", "start")
    assert again.returncode == 0 and f"already running (pid {info['pid']}" in again.stdout
    wait_until(lambda: not Path(f"/proc/{info['pid']}").exists(), what="the idle timeout")
    assert not resident.socket().exists()
    started(resident)
    assert "stopping" in resident.grader("daemon", "stop").stdout
    wait_until(lambda: not resident.socket().exists(), what="the socket to go")


def test_a_socket_folder_others_can_enter_is_refused(resident: Resident) -> None:
    folder = resident.runtime / "socket-grader"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    run = resident.grader("daemon", "start")
    assert run.returncode == 2 and "mode 0700" in run.stderr
    graded = resident.grader(
        "check",
        str(ASSIGNMENTS / "hello-client"),
        str(REFERENCE / "hello-client" / "client.py"),
        "--lang",
        "en",
    )
    assert graded.returncode == 0 and "Score: 10/10" in graded.stdout


@pytest.mark.root  # root only to become uid 65534 and to bind the interpreter
def test_the_resident_checker_without_root_still_gets_namespaces() -> None:
    from test_isolation import run_grader_as_nobody

    work = Path(tempfile.mkdtemp(prefix="grader-nobody-"))
    try:
        shutil.copytree(ASSIGNMENTS / "time-server", work / "time-server")
        shutil.copy(REFERENCE / "time-server" / "server.py", work / "server.py")
        (work / "run").mkdir()
        for path in [work, *work.rglob("*")]:
            path.chmod(0o777 if path.is_dir() else 0o666)
        run = run_grader_as_nobody(
            work,
            ["daemon", "start"],
            ["check", "time-server", "server.py", "--json", "r.json", "--lang", "en"],
            ["daemon", "status"],
            cleanup=["daemon", "stop"],
            env={"XDG_RUNTIME_DIR": str(work / "run"), "GRADER_DAEMON": "1"},
        )
        report = (work / "r.json").read_text() if (work / "r.json").exists() else "{}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert run.returncode == 0, run.stderr + run.stdout
    assert "Score: 10/10" in run.stdout and "checks served: 1" in run.stdout
    facts = json.loads(report)["run"]
    assert facts["isolation"] == "namespace"
    assert facts["containment"]["user_namespace"] is True


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resident loop's last resort, in this process: SIGTERM, then SIGKILL once overdue."""
    from grader.resident import server

    monkeypatch.setattr(server, "KILL_GRACE", 0.2)
    stubborn = subprocess.Popen(
        ["sh", "-c", 'trap "" TERM; echo ready; while :; do sleep 1; done'], stdout=subprocess.PIPE, text=True
    )
    assert stubborn.stdout is not None and stubborn.stdout.readline() == "ready\n"
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    saved_wakeup = signal.set_wakeup_fd(-1)
    listener = server.listen(tmp_path / "r.sock")
    try:
        resident = server.Resident(listener, tmp_path / "r.sock", idle=0)
        job = server.Job(pid=stubborn.pid, pidfd=os.pidfd_open(stubborn.pid), client=None)
        resident.jobs[job.pid] = job
        resident.selector.register(
            job.pidfd, server.selectors.EVENT_READ, lambda _fd: resident._finished(job)
        )
        resident._interrupt(job)
        resident.stopping = True
        resident.serve()  # returns once the job is gone
    finally:
        signal.set_wakeup_fd(saved_wakeup)
        for signum, handler in saved.items():
            signal.signal(signum, handler)
    assert job.killed and not resident.jobs
    assert not Path(f"/proc/{stubborn.pid}").exists()
    assert not (tmp_path / "r.sock").exists()


HELLO_CHECK = (
    "check",
    str(ASSIGNMENTS / "hello-client"),
    str(REFERENCE / "hello-client" / "client.py"),
    "--lang",
    "en",
)


def test_a_check_at_a_terminal_leaves_a_resident_checker_for_the_next(resident: Resident) -> None:
    first = resident.at_terminal(*HELLO_CHECK)
    assert "Score: 10/10" in first and "a resident checker now runs in the background" in first
    wait_until(lambda: resident.status() is not None, what="the resident checker to start")
    assert "stops after 15 idle minutes" in resident.grader("daemon", "status").stdout
    second = resident.grader(*HELLO_CHECK)  # no terminal needed to use one
    assert second.returncode == 0 and "Score: 10/10" in second.stdout
    assert "resident checker" not in second.stderr
    assert resident.status()["checks"] == 1  # type: ignore[index]


def test_no_resident_checker_is_left_without_a_terminal_in_ci_or_when_turned_off(resident: Resident) -> None:
    piped = resident.grader(*HELLO_CHECK)
    assert piped.returncode == 0 and "Score: 10/10" in piped.stdout and piped.stderr == ""
    for env in ({"CI": "true"}, {"GRADER_DAEMON": "0"}):
        assert "resident checker" not in resident.at_terminal(*HELLO_CHECK, **env)
    # Nothing was even tried: the log a start appends to was never made.
    assert not list(resident.runtime.glob("socket-grader/resident-*.log"))
    assert resident.status() is None
    scripted = resident.grader(*HELLO_CHECK, GRADER_DAEMON="1")  # asked for, no terminal needed
    assert "a resident checker now runs in the background" in scripted.stderr
    wait_until(lambda: resident.status() is not None, what="the resident checker to start")


def test_two_starts_at_once_leave_one_resident_checker(resident: Resident) -> None:
    starts = [resident.popen("daemon", "start") for _ in range(2)]
    outputs = [start.communicate(timeout=120) for start in starts]
    assert [start.returncode for start in starts] == [0, 0], outputs
    pids = {re.search(r"\(pid (\d+)", out)[1] for out, _err in outputs}  # type: ignore[index]
    assert len(pids) == 1, outputs  # the second deferred to the first
    info = resident.status()
    assert info is not None and str(info["pid"]) in pids


def test_an_edited_spec_is_read_again(resident: Resident, tmp_path: Path) -> None:
    """The spec a check used is read ahead for the next one, but never served once edited."""
    started(resident)
    spec = tmp_path / "hello"
    shutil.copytree(ASSIGNMENTS / "hello-client", spec)
    check = ("check", str(spec), str(REFERENCE / "hello-client" / "client.py"), "--lang", "en")
    assert "Hello, TCP client" in resident.grader(*check).stdout
    assert "Hello, TCP client" in resident.grader(*check).stdout  # the one read ahead
    yaml_file = spec / "assignment.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("en: Hello, TCP client", "en: Hello again"))
    edited = resident.grader(*check)
    assert "Hello again" in edited.stdout and "Hello, TCP client" not in edited.stdout
    assert resident.status()["checks"] == 3  # type: ignore[index]
