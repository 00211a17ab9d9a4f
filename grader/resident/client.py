"""``grader check`` through a resident checker, when one is running for this installation.

Returns ``None`` whenever the resident checker cannot take the check (none running, turned
off, the grader changed since it started, a descriptor that cannot be passed): the caller
then grades in its own process, exactly as without one. Built-in modules only (``_socket``,
``_signal``): see :mod:`grader.resident.wire`.
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

FORWARDED_SIGNALS = (_signal.SIGINT, _signal.SIGTERM, _signal.SIGHUP, _signal.SIGQUIT)


def connect() -> _socket.socket | None:
    """A connection to this installation's resident checker, or None."""
    path = socket_path()
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


def forward_check(argv: list[str]) -> int | None:
    """Run ``grader <argv>`` in the resident checker; its exit code, or None to run it here."""
    if os.environ.get(DISABLE_ENV, "") == "0":
        return None
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:
        return None  # a closed standard stream cannot be handed over
    sock = connect()
    if sock is None:
        return None
    try:
        umask = os.umask(0o022)
        os.umask(umask)
        request = {
            "command": "check",
            "argv": argv,
            "cwd": os.getcwd(),
            "env": dict(os.environ),
            "umask": umask,
            "stdio": [[stream.encoding, stream.errors] if stream else None
                      for stream in (sys.stdout, sys.stderr)],
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

    def forward(signum: int, _frame: FrameType | None) -> None:
        try:  # noqa: SIM105 (contextlib would be one more import on every check)
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in FORWARDED_SIGNALS:
        _signal.signal(signum, forward)
    while True:
        line = lines.readline()  # a forwarded signal interrupts it; Python resumes the read
        words = line.split()
        if words[:1] == ["exit"]:
            return int(words[1])
        if not line:
            print("grader: the resident checker stopped during the check "
                  "(see `grader daemon status`)", file=sys.stderr)
            return 1
