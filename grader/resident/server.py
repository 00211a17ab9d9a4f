"""The resident checker: ``python -m grader.resident.server``, started by ``grader daemon start``.

One process, one thread, one ``epoll`` loop. It imports the grader once, then for every
``grader check`` that connects it forks a child that takes over the client's terminal,
folder, environment and arguments and runs the ordinary ``check`` command: the same code,
the same output, a fresh process per check. The loop itself only relays each child's exit
code (it waits on a pidfd, never on a timer) and stops a child whose client went away.

Why fork and not a thread or ``asyncio`` task in the resident process: a check unshares
namespaces (without root, a user namespace that only a single-threaded process may enter),
installs signal handlers and may be interrupted; a child keeps all of that per check. The
resident process therefore never starts a thread.

It stops after ``--idle`` seconds without a check, on ``grader daemon stop``, on SIGTERM,
and as soon as a file of the grader changes (the client then grades in its own process).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import json
import os
import selectors
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from grader import __version__
from grader.resident.paths import check_folder, code_fingerprint, socket_path
from grader.resident.wire import ProtocolError, read_request, reply

UCRED = struct.Struct("3i")
REQUEST_TIMEOUT = 5.0
"""Seconds a connected client has to send its request: one stuck client must not stall others."""


WARM_UP_SPEC = {
    "id": "warm-up", "title": {"en": "warm-up"}, "role": "client",
    "student": {"entry": "client.py", "args": ["{host}", "{port}"]},
    "scenarios": [{"id": "greets", "title": {"en": "greets"}, "points": 1,
                   "steps": [{"accept": {}}, {"expect": {"text": "hi\n"}}, {"send": {"text": "ok"}},
                             {"close": {}}, {"output": {"text": "ok"}}, {"exit": {"code": 0}}]}],
}
WARM_UP_CLIENT = """import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.sendall(b"hi\\n")
print(s.recv(64).decode())
"""


def warm_up() -> None:
    """Import and run, once, what every check needs, before any check forks from us.

    Besides imports, a first grading sets up what is made lazily on first use (pydantic's
    validators, asyncio's internals, rich's rendering): about 15 ms that each check would
    otherwise pay again. It grades on the host network, so that no namespace probe is
    cached here: without root, a check's answer depends on the user namespace it enters.
    """
    import io
    import tempfile

    from rich.console import Console

    import grader.cli
    import grader.commands.check
    import grader.report  # noqa: F401  (``--html``: Jinja2)
    from grader.grade import GradeOptions, grade, python_version, resolve_python
    from grader.i18n import LANGUAGES, translations
    from grader.spec import Assignment
    from grader.terminal_render import print_result

    for lang in LANGUAGES:
        translations(lang)
    # The default interpreter's version (a process start); cached by its path, so a check
    # naming another interpreter (--python, GRADER_PYTHON) still asks that one.
    python_version(resolve_python())
    with tempfile.TemporaryDirectory(prefix="grader-warm-up-") as folder:
        client = Path(folder) / "client.py"
        client.write_text(WARM_UP_CLIENT)
        result = grade(Assignment.model_validate(WARM_UP_SPEC), client, "warm-up",
                       GradeOptions(isolation="host"))
    print_result(result, console=Console(file=io.StringIO(), force_terminal=True, width=100))
    gc.collect()
    gc.freeze()  # children then do not touch (and copy) these pages when they collect


@dataclass
class Check:
    """One running check: the child's pid, its pidfd, and the client waiting for it."""

    pid: int
    pidfd: int
    client: socket.socket | None


class Resident:
    def __init__(self, listener: socket.socket, path: Path, idle: float):
        self.listener = listener
        self.path = path
        self.inode = path.stat().st_ino
        self.idle = idle
        self.fingerprint = code_fingerprint()
        self.selector = selectors.DefaultSelector()
        self.checks: dict[int, Check] = {}
        self.served = 0
        self.started = time.time()
        self.last_active = time.monotonic()
        self.stopping = False
        wake_read, wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._wake = wake_read
        signal.set_wakeup_fd(wake_write)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._on_stop_signal)
        self.selector.register(listener, selectors.EVENT_READ, self._accept)
        self.selector.register(wake_read, selectors.EVENT_READ, self._drain_wakeups)

    def _on_stop_signal(self, _signum: int, _frame: object) -> None:
        self.stopping = True  # the wakeup fd ends the current select()

    # -- the loop ----------------------------------------------------------------

    def serve(self) -> None:
        try:
            while self.checks or not self.stopping:
                if self.stopping:
                    self._stop_listening()
                timeout = None if self.checks or self.stopping else self._idle_left()
                if timeout is not None and timeout <= 0:
                    self.stopping = True
                    continue
                for key, _events in self.selector.select(timeout):
                    key.data(key.fileobj)
        finally:
            self._stop_listening()

    def _idle_left(self) -> float:
        return self.idle - (time.monotonic() - self.last_active)

    def _stop_listening(self) -> None:
        if self.listener.fileno() < 0:
            return
        self.selector.unregister(self.listener)
        self.listener.close()
        with contextlib.suppress(OSError):
            if self.path.stat().st_ino == self.inode:  # not a newer resident checker's socket
                self.path.unlink()

    def _drain_wakeups(self, fd: int) -> None:
        with contextlib.suppress(BlockingIOError):
            os.read(fd, 256)

    # -- requests ------------------------------------------------------------------

    def _accept(self, listener: socket.socket) -> None:
        try:
            client, _ = listener.accept()
        except BlockingIOError:
            return
        self.last_active = time.monotonic()
        client.settimeout(REQUEST_TIMEOUT)
        _pid, uid, _gid = UCRED.unpack(client.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, UCRED.size))
        if uid != os.getuid():
            client.close()  # the folder is ours alone; this is only a second lock
            return
        try:
            request, fds = read_request(client)
        except (OSError, ProtocolError):
            client.close()
            return
        try:
            self._answer(client, request, fds)
        except OSError:
            client.close()
        finally:
            for fd in fds:
                os.close(fd)

    def _answer(self, client: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
        command = request.get("command")
        if command == "status":
            reply(client, "status " + json.dumps(self.status()))
            client.close()
        elif command == "stop":
            self.stopping = True
            reply(client, "stopping")
            client.close()
        elif command == "check" and (self.stopping or code_fingerprint() != self.fingerprint):
            self.stopping = True  # the grader changed on disk: this process runs old code
            reply(client, "stale")
            client.close()
        elif command == "check" and len(fds) == 3:
            self._start_check(client, request, fds)
        else:
            client.close()

    def status(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "version": __version__, "python": sys.executable,
                "socket": str(self.path), "started": self.started, "checks": self.served,
                "running": len(self.checks), "idle_seconds": self.idle}

    def _start_check(self, client: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
        pid = os.fork()
        if pid == 0:
            client.close()
            self.close_in_child()
            run_check_child(request, fds)  # never returns
        self.served += 1
        pidfd = os.pidfd_open(pid)
        check = Check(pid=pid, pidfd=pidfd, client=client)
        self.checks[pid] = check
        self.selector.register(pidfd, selectors.EVENT_READ, lambda _fd: self._finished(check))
        self.selector.register(client, selectors.EVENT_READ, lambda _sock: self._client_spoke(check))
        reply(client, f"pid {pid}")

    def _finished(self, check: Check) -> None:
        _, status = os.waitpid(check.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        self.selector.unregister(check.pidfd)
        os.close(check.pidfd)
        if check.client is not None:
            self.selector.unregister(check.client)
            with contextlib.suppress(OSError):
                reply(check.client, f"exit {code if code >= 0 else 128 - code}")
            check.client.close()
        del self.checks[check.pid]
        self.last_active = time.monotonic()

    def _client_spoke(self, check: Check) -> None:
        """The client sends nothing after its request: readable means it is gone."""
        assert check.client is not None
        try:
            gone = not check.client.recv(64)
        except OSError:
            gone = True
        if gone:
            # An interrupt, so that the check stops its student's processes before it ends.
            with contextlib.suppress(ProcessLookupError):
                os.kill(check.pid, signal.SIGTERM)
            self.selector.unregister(check.client)
            check.client.close()
            check.client = None

    def close_in_child(self) -> None:
        """A forked child keeps none of the resident process's descriptors."""
        self.selector.close()
        self.listener.close()  # closing, not unlinking: the socket stays the parent's
        os.close(self._wake)
        os.close(signal.set_wakeup_fd(-1))
        for check in self.checks.values():
            os.close(check.pidfd)
            if check.client is not None:
                check.client.close()


def run_check_child(request: dict[str, Any], fds: list[int]) -> NoReturn:
    """In the forked child: become the client's ``grader check``, then exit with its code."""
    code = 1
    try:
        code = _become_client_check(request, fds)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            atexit._run_exitfuncs()  # scratch folders; os._exit would skip them
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _become_client_check(request: dict[str, Any], fds: list[int]) -> int:
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        # Every way a client stops a check becomes KeyboardInterrupt: students are cleaned up.
        signal.signal(signum, signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    _reopen_stdio(request.get("stdio") or [])
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.umask(int(request.get("umask", 0o022)))
    _forget_environment_caches()
    argv = [str(word) for word in request["argv"]]
    sys.argv = ["grader", *argv]
    from grader.cli import main

    return main(argv, resident=False)


def _reopen_stdio(stdio: list[Any]) -> None:
    """Text streams on the client's descriptors, with the client's encodings (its locale)."""
    sys.stdin = open(0, encoding=sys.stdin.encoding if sys.stdin else None, closefd=False)  # noqa: SIM115
    for index, fd in enumerate((1, 2)):
        encoding, errors = (stdio[index] if index < len(stdio) and stdio[index] else ("utf-8", "strict"))
        line_buffered = os.isatty(fd) or fd == 2
        stream = open(fd, "w", buffering=1 if line_buffered else -1,  # noqa: SIM115
                      encoding=encoding, errors=errors, closefd=False)
        setattr(sys, "stdout" if fd == 1 else "stderr", stream)
        setattr(sys, "__stdout__" if fd == 1 else "__stderr__", stream)


def _forget_environment_caches() -> None:
    """Answers the resident process cached from its own environment, not the client's."""
    import locale

    from grader.grade import resolve_python
    from grader.sandbox import adopt_environment

    with contextlib.suppress(locale.Error):
        locale.setlocale(locale.LC_CTYPE, "")
    resolve_python.cache_clear()
    adopt_environment()


def listen(path: Path) -> socket.socket:
    """Bind under a temporary name, then rename: a client never sees a half-made socket."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(temporary))
    listener.listen(64)
    listener.setblocking(False)
    os.rename(temporary, path)
    return listener


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.resident.server")
    parser.add_argument("--idle", type=float, default=1800.0, help="stop after this many idle seconds")
    args = parser.parse_args(argv)
    path = Path(socket_path())
    check_folder(str(path.parent), create=True)
    warm_up()
    if threading.active_count() > 1:  # fork() copies no thread: a lock one held stays held
        raise RuntimeError("the resident checker must not run threads")
    listener = listen(path)
    # "ready" on stdout tells `grader daemon start` to return; nothing else is ever written there.
    print(f"ready {os.getpid()}", flush=True)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    Resident(listener, path, args.idle).serve()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
