"""Portable mode, run on Linux with every Linux-only part switched off: the code Windows and
macOS run, over real processes and real loopback sockets."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader.run.portable_io import LineEnds, decode_terminal

ROOT = Path(__file__).resolve().parent.parent
LINUX_ONLY = [
    "fcntl",
    "termios",
    "pty",
    "resource",
    "ptyprocess",
    "pexpect.pty_spawn",
    # grader.sandbox's Linux parts (its portable ones, platform_caps, portable_launch and
    # windows_job, are what Windows and macOS run)
    "grader.sandbox.box",
    "grader.sandbox.host",
    "grader.sandbox.namespaces",
    "grader.sandbox.cgroups",
    "grader.sandbox.confine",
    "grader.sandbox.errors",
    "grader.sandbox.landlock",
    "grader.sandbox.mounts",
    "grader.sandbox.cgroup2",
    "grader.sandbox.userns",
    "grader.sandbox.uids",
    "grader.sandbox.locks",
    "grader.run.terminal",
    "grader.resident",
]
BLOCKER = textwrap.dedent(
    """
    import importlib.abc, sys
    BLOCKED = {blocked!r}

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + ".") for b in BLOCKED):
                raise ImportError(f"{{name}} is blocked: Linux-only")
            return None

    sys.meta_path.insert(0, Block())
    for name in list(sys.modules):
        if any(name == b or name.startswith(b + ".") for b in BLOCKED):
            del sys.modules[name]
    from grader.cli import main
    code = main(sys.argv[1:])
    leaked = sorted(n for n in sys.modules if any(n == b or n.startswith(b + ".") for b in BLOCKED))
    print("LEAKED", leaked, file=sys.stderr)
    sys.exit(code)
    """
)


def portable_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "GRADER_FORCE_PORTABLE": "1"}


def grader_without_linux(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``grader ARGS`` as Windows and macOS run it: every Linux-only module unavailable; its
    stderr ends with the blocked modules imported anyway (``LEAKED []``: none)."""
    return subprocess.run(
        [sys.executable, "-c", BLOCKER.format(blocked=LINUX_ONLY), *args],
        capture_output=True,
        text=True,
        env=portable_env(),
        timeout=120,
        cwd=cwd,
    )


def test_portable_grading_without_any_linux_module(tmp_path: Path) -> None:
    """The CLI imports and grades end to end with the Linux-only modules unavailable."""
    out = tmp_path / "result.json"
    proc = grader_without_linux(
        "check",
        str(ROOT / "assignments/hello-client"),
        str(ROOT / "reference/hello-client"),
        "--isolation",
        "portable",
        "--json",
        str(out),
        "--lang",
        "zh",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "LEAKED []" in proc.stderr
    result = json.loads(out.read_text())
    assert result["score"] == result["max_score"] == 10
    assert result["run"]["isolation"] == "portable"
    assert "不要这样运行不可信的代码" in proc.stdout  # the one line of what it cannot promise


@pytest.mark.parametrize(("lang", "picked"), [("en", "auto picks it here"), ("zh", "auto 在本机选用它")])
def test_doctor_without_any_linux_module_says_auto_picks_portable(lang: str, picked: str) -> None:
    """On Windows and macOS the doctor shows what portable mode is, and why auto picks it."""
    proc = grader_without_linux("doctor", "--lang", lang)
    assert proc.returncode == 0, proc.stderr
    assert "LEAKED []" in proc.stderr
    rows = [line.strip() for line in proc.stdout.splitlines()[1:]]
    assert len(rows) == 3  # the Python, portable mode, what auto picks
    assert picked in rows[1] and "GRADER_FORCE_PORTABLE=1" in rows[1]
    assert re.search(r"[)）]\s+portable[:：]", rows[2])  # after the label "isolation (auto)"


def test_every_result_says_what_portable_mode_cannot_promise() -> None:
    from grader.outcome import Containment
    from grader.render.words import containment_facts, say
    from grader.sandbox.platform_caps import choose_isolation

    mode, contained = choose_isolation("portable")
    assert mode == "portable"
    assert isinstance(contained, Containment)
    text = say(containment_facts(contained), "en")
    assert "no isolation of files or network" in text and "untrusted" in text


def test_auto_is_portable_when_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.errors import UsageError
    from grader.sandbox.platform_caps import choose_isolation

    monkeypatch.setenv("GRADER_FORCE_PORTABLE", "1")
    assert choose_isolation("auto")[0] == "portable"
    with pytest.raises(UsageError):
        choose_isolation("namespace")


def test_validate_every_assignment_in_portable_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every reference gets full marks and every buggy submission loses exactly what its
    manifest says, for the cause it names (the manifests hold namespace mode's), in portable
    mode. A server that exits after one client is named so however busy the machine: its
    start-up module reports the listener's end before the close resets the next client."""
    from grader.commands.validate_checks import ValidateOptions, find_assignments, validate

    monkeypatch.setenv("GRADER_FORCE_PORTABLE", "1")
    reports = validate(find_assignments(ROOT / "assignments"), ValidateOptions(lang="en"))
    assert len(reports) == 17
    for report in reports:
        assert not report.problems, report.problems
        for check in [*report.reference, *report.buggy]:
            where = f"{report.folder.name}/{check.label}"
            assert not check.errors, (where, check.errors)
            assert check.result is not None and check.result.run.isolation == "portable"
            assert not check.unexpectedly_passed and not check.unexpectedly_lost, (where, check.lost)
            assert not check.wrong_cause, (where, check.cause, check.named_cause)


def test_line_ends_across_chunks() -> None:
    ends = LineEnds()
    assert ends.feed(b"a\r") + ends.feed(b"\nb\r\n") + ends.feed(b"c\r") + ends.flush() == b"a\nb\nc\r"


def test_terminal_text_in_the_console_code_page() -> None:
    gbk = "你好".encode("gbk")
    assert decode_terminal(gbk, "cp936") == "你好"
    assert decode_terminal("你好".encode(), "cp936") == "你好"


def test_process_tree_ends_with_the_run(tmp_path: Path) -> None:
    """kill_all ends the program and the child it started (process group / job object)."""
    from grader.sandbox.portable_launch import PortableSandbox
    from grader.spec.models import Limits

    pidfile = tmp_path / "child.pid"
    code = (
        "import subprocess, sys, time\n"
        f"c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(c.pid))\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    box = PortableSandbox(Limits())
    proc = box.spawn([sys.executable, "-c", code], cwd=tmp_path, env=dict(os.environ))
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    child = int(pidfile.read_text())
    box.close()
    assert proc.wait(timeout=10) != 0
    if sys.platform == "win32":
        return  # the job object's end is asserted by the exit above
    for _ in range(1000):  # reaped by init soon after the kill; a living child never ends
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        try:
            with open(f"/proc/{child}/stat") as f:
                if f.read().split(")")[1].split()[0] == "Z":
                    return  # killed; its parent (also gone) left it to init to reap
        except OSError:
            pass  # macOS: no /proc, wait for the reaping
        time.sleep(0.01)
    pytest.fail("the child outlived the run")


@pytest.mark.skipif(sys.platform != "win32", reason="job objects and console code pages are Windows'")
def test_windows_job_and_code_page(tmp_path: Path) -> None:
    from grader.run.portable_io import console_encoding
    from grader.sandbox import windows_job

    assert console_encoding().startswith("cp")
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    job = windows_job.contain(proc)  # type: ignore[arg-type]
    assert job is not None
    windows_job.terminate(job)
    assert proc.wait(timeout=10) == 1
    windows_job.close(job)


def test_start_up_module_reports_a_closed_listener_before_it_closes(tmp_path: Path) -> None:
    """A server that closes its listener resets the clients queued on it; the report of that
    must already be written when they see the reset (the one-client server's diagnosis)."""
    report = tmp_path / "report"
    program = textwrap.dedent(
        """
        import socket, sys
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            print(open(sys.argv[1]).read().split()[0], flush=True)
        print(open(sys.argv[1]).read().split("\\n")[1].split()[0], flush=True)
        """
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "grader" / "run" / "portable_shim"),
        "GRADER_SHIM_REPORT": str(report),
    }
    done = subprocess.run(
        [sys.executable, "-c", program, str(report)], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["listen", "unlisten"]


def test_start_up_module_names_a_connection_before_it_is_made(tmp_path: Path) -> None:
    """On the shared loopback the grader tells the program's connection from a stranger's by
    the port its start-up module reported before connecting (a scanner's is turned away)."""
    import socket

    report = tmp_path / "report"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as stranger:
            program = f"import socket; socket.create_connection(('127.0.0.1', {port})).close()"
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT / "grader" / "run" / "portable_shim"),
                "GRADER_SHIM_REPORT": str(report),
            }
            subprocess.run([sys.executable, "-c", program], env=env, check=True, timeout=60)
            ends = [listener.accept()[0] for _ in range(2)]
            reported = {
                line.split()[1] for line in report.read_text().splitlines() if line.startswith("connect ")
            }
            origin = {str(end.getpeername()[1]): end for end in ends}
            assert set(origin) - reported == {str(stranger.getsockname()[1])}
            for end in ends:
                end.close()
