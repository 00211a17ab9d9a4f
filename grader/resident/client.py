"""The client side of a resident process: ``grader check``, and batch workers of a warm pool.

``forward`` returns ``None`` whenever the resident process cannot take the job (none running,
turned off, the grader changed since it started, a descriptor that cannot be passed): the
caller then runs it in its own process, exactly as without one. Built-in modules only
(``_socket``, ``_signal``): see :mod:`grader.resident.wire`.

``python -m grader.resident.client --socket PATH task`` is a batch worker that costs only
an interpreter start: a child forked from the pool's warm process does the work.
"""

from __future__ import annotations

import _signal
import _socket
import os
import sys

from grader.resident.paths import DISABLE_ENV, UnsafeFolder, check_folder, socket_path
from grader.resident.wire import Lines, send_request

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

FORWARDED_SIGNALS = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP, _signal.SIGQUIT)


def connect(path: str | None = None) -> _socket.socket | None:
    """A connection to the resident process at ``path`` (default: this installation's), or None."""
    path = path or socket_path()
    try:
        check_folder(os.path.dirname(path), create=False)
    except (OSError, UnsafeFolder):
        return None
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    return sock


def ask(command: str, path: str | None = None) -> str | None:
    """Send a one-line command (``status``, ``stop``) to a resident process; its answer, or None."""
    sock = connect(path)
    if sock is None:
        return None
    try:
        send_request(sock, {"command": command}, [])
        return Lines(sock).readline().strip() or None
    except OSError:
        return None
    finally:
        sock.close()


def status_of(path: str | None = None) -> dict[str, Any] | None:
    """What a resident process says of itself (pid, checks served, running), or None."""
    import json

    answer = ask("status", path)
    if answer is None or not answer.startswith("status "):
        return None
    return json.loads(answer.removeprefix("status "))


def forward_check(argv: list[str]) -> int | None:
    """Run ``grader <argv>`` in the resident checker; its exit code, or None to run it here."""
    if os.environ.get(DISABLE_ENV, "") == "0":
        return None
    return forward("check", argv)


def forward(command: str, argv: list[str], path: str | None = None) -> int | None:
    """Have the resident process at ``path`` run ``command``; its exit code, or None."""
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
        cwd = os.getcwd()
    except OSError:
        return None  # a closed standard stream cannot be handed over; a removed folder, neither
    sock = connect(path)
    if sock is None:
        return None
    try:
        umask = os.umask(0o022)
        os.umask(umask)
        request = {
            "command": command,
            "argv": argv,
            "cwd": cwd,
            "env": dict(os.environ),
            "umask": umask,
            "stdio": [
                [stream.encoding, stream.errors] if stream else None for stream in (sys.stdout, sys.stderr)
            ],
        }
        try:
            send_request(sock, request, [0, 1, 2])
            lines = Lines(sock)
            first = lines.readline().split()
        except OSError:
            return None
        if first[:1] != ["pid"]:
            return None  # "stale", or a resident checker on its way out
        return _wait_for_exit(int(first[1]), lines)
    finally:
        sock.close()


def _wait_for_exit(pid: int, lines: Lines) -> int:
    """Pass Ctrl-C and friends to the child running the check, and wait for its exit code."""

    def pass_on(signum: int, _frame: FrameType | None) -> None:
        try:  # noqa: SIM105 (contextlib would be one more import on every check)
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in FORWARDED_SIGNALS:
        _signal.signal(signum, pass_on)
    while True:
        line = lines.readline()  # a forwarded signal interrupts it; Python resumes the read
        words = line.split()
        if words[:1] == ["exit"]:
            return int(words[1])
        if not line:
            from grader.i18n import default_lang, gettext_for  # only now: it costs 20 ms

            _ = gettext_for(default_lang())
            print(_("grader: the resident process running this job stopped before it ended"), file=sys.stderr)
            return 1


def main(argv: list[str] | None = None) -> int:
    """``--socket PATH task``: a batch worker run by a warm pool, or here if the pool is gone."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3 or args[0] != "--socket" or args[2] != "task":
        print("usage: python -m grader.resident.client --socket PATH task", file=sys.stderr)
        return 2
    code = forward("task", [], args[1])
    if code is not None:
        return code
    from grader.task.worker import main as work_here

    return work_here()


if __name__ == "__main__":
    sys.exit(main())
