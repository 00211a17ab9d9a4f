"""Which isolation this machine can give, decided without importing any Linux-only module.

The namespace and host modes (:mod:`grader.sandbox`) need Linux: namespaces, pidfd, a
pseudo-terminal, ``/proc``. Windows and macOS have none of these, and a Linux machine can
lack some; there the grader runs in *portable* mode (:mod:`grader.run.portable`), which needs
only what every Python has. Everything here decides that by looking, never by importing
the Linux parts, so this module is safe to import on any system.

``GRADER_FORCE_PORTABLE=1`` makes a Linux machine answer as Windows and macOS do: every
Linux-only part is off and ``auto`` runs the portable code, which is how CI proves that
code on Linux.
"""

from __future__ import annotations

import os
import platform
import sys
from typing import Literal

from grader.errors import UsageError
from grader.messages import Message, msg
from grader.messages.codes import Code
from grader.outcome import Containment, IsolationMode

FORCE_ENV = "GRADER_FORCE_PORTABLE"
Requested = Literal["auto", "namespace", "host", "portable"]
CHOICES: tuple[Requested, ...] = ("auto", "namespace", "host", "portable")


def forced() -> bool:
    return os.environ.get(FORCE_ENV) == "1"


def linux_parts_missing() -> Message | None:
    """Why the Linux modes cannot run here; None where they can."""
    if forced():
        return msg(Code.PORTABLE_FORCED, env=FORCE_ENV)
    if sys.platform != "linux":
        return msg(Code.PORTABLE_NOT_LINUX, system=platform.system() or sys.platform)
    missing = [
        name
        for name, present in (
            ("pidfd", hasattr(os, "pidfd_open")),
            ("pty", hasattr(os, "openpty")),
            ("/proc", os.path.exists("/proc/self/net/tcp")),
        )
        if not present
    ]
    return msg(Code.PORTABLE_LINUX_PARTS_MISSING, parts=", ".join(missing)) if missing else None


def portable_chosen(requested: str) -> bool:
    """Whether ``--isolation requested`` will run the portable code here."""
    return requested == "portable" or (requested == "auto" and linux_parts_missing() is not None)


def choose_isolation(requested: Requested) -> tuple[IsolationMode, Containment]:
    """Resolve ``--isolation``: the mode, and how runs are contained (for the result).

    The Linux modes are imported only when they will run.
    """
    if requested == "portable":
        return "portable", Containment(portable=msg(Code.PORTABLE_REQUESTED))
    missing = linux_parts_missing()
    if missing is not None:
        if requested != "auto":
            raise UsageError(
                f"--isolation {requested} needs Linux parts that are missing here: use --isolation portable"
            )
        return "portable", Containment(portable=missing)
    from grader.sandbox.host import choose_mode

    return choose_mode(requested)


def prepare_isolation(requested: str) -> None:
    """Before any thread starts: the Linux modes may enter a private user namespace now;
    portable mode has nothing to prepare (and must not import the sandbox)."""
    if portable_chosen(requested):
        return
    from grader.sandbox.host import enter_private_user_namespace

    enter_private_user_namespace(requested)


def requested_in(words: list[str]) -> str:
    """``--isolation`` as given on a command line (``auto`` when absent)."""
    for i, word in enumerate(words):
        if word == "--isolation" and i + 1 < len(words):
            return words[i + 1]
        if word.startswith("--isolation="):
            return word.split("=", 1)[1]
    return "auto"
