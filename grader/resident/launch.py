"""Starting a resident process and waiting until it listens: shared by ``grader daemon`` and batches."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


class ResidentUnavailable(Exception):
    """The resident process ended before it was ready; the message ends with its log."""


def start_resident(args: list[str], log: Path, *, detach: bool) -> subprocess.Popen[bytes]:
    """``python -m grader.resident.server ARGS``, returned once it listens.

    It writes "ready" on a pipe when its socket is in place, so this blocks on that line (or
    on the pipe's end, if it dies), never on a timer. ``detach``: a session of its own, so that
    it outlives the terminal that started it.
    """
    with open(log, "ab") as errors:
        process = subprocess.Popen([sys.executable, "-m", "grader.resident.server", *args],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors,
                                   cwd="/", start_new_session=detach)
    assert process.stdout is not None
    ready = process.stdout.readline()
    process.stdout.close()
    if not ready.startswith(b"ready"):
        code = process.wait()
        tail = log.read_text(errors="replace").strip().splitlines()[-5:] or ["(empty)"]
        raise ResidentUnavailable(f"exit code {code}; {log} ends with:\n  " + "\n  ".join(tail))
    return process
