"""A resident checker started by ``grader check`` itself, for the checks that follow it.

Students check the same work again and again, and a check in its own process pays the
interpreter and the grader's imports first (~0.3 s; more than a whole echo-server check
through a resident checker). So after a check graded in its own process, at a terminal, one
is started in the background (not waited for: this check is already done) and stops by
itself after :data:`AUTO_IDLE_MINUTES` without a check. As build tools do with their own
servers (Gradle's daemon, sccache), and with the same ways out:

* ``GRADER_DAEMON=0``: never used nor started;
* ``GRADER_DAEMON=1``: started even without a terminal (scripts that check many times);
* ``CI`` set, or no terminal: not started (a CI job or a cron script leaves no process behind);
* ``grader daemon stop`` stops it now, ``grader daemon status`` shows it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from grader.resident.launch import launch_resident, start_lock
from grader.resident.paths import DISABLE_ENV, UnsafeFolder, check_folder, log_path, socket_path

AUTO_IDLE_MINUTES = 15.0
"""A resident checker nobody asked for leaves sooner than one started by hand (30 minutes)."""


def wanted() -> bool:
    """Whether a check that ran in its own process should leave a resident checker behind."""
    setting = os.environ.get(DISABLE_ENV, "")
    if setting in ("0", "1"):
        return setting == "1"
    if os.environ.get("CI"):
        return False
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


def start_in_background() -> bool:
    """Launch a resident checker and return at once; False if one is starting already or
    this user has no safe folder for its socket."""
    socket = Path(socket_path())
    try:
        check_folder(str(socket.parent), create=True)
        with start_lock(socket, wait=False) as free:
            if not free:
                return False
        launch_resident(
            ["--idle", str(AUTO_IDLE_MINUTES * 60)], Path(log_path()), detach=True, stdout=subprocess.DEVNULL
        )
    except (OSError, UnsafeFolder):
        return False
    return True


def start_after_check(lang: str | None) -> None:
    """After a check that ran in its own process: leave a resident checker, if wanted, and
    say so once, on stderr (stdout may be parsed)."""
    if not wanted() or not start_in_background():
        return
    from grader.i18n import default_lang, gettext_for

    _ = gettext_for(lang or default_lang())
    print(
        _(
            "grader: a resident checker now runs in the background, so the next checks start at once "
            "(it stops after {minutes:g} idle minutes; `grader daemon stop` stops it now, "
            "GRADER_DAEMON=0 turns this off)"
        ).format(minutes=AUTO_IDLE_MINUTES),
        file=sys.stderr,
    )
