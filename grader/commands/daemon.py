"""``grader daemon start|stop|status``: the resident checker that makes ``grader check`` start at once.

See :mod:`grader.resident`. ``start`` returns when the resident process is ready to take
checks (it says so on a pipe; no polling); a failed start shows the end of its log.
``status`` exits 3 when none is running (as service managers do), 0 when one is.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.i18n import default_lang, gettext_for
from grader.resident.client import ask, status_of
from grader.resident.launch import ResidentUnavailable, start_resident
from grader.resident.paths import UnsafeFolder, check_folder, log_path, socket_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "daemon", help="keep a resident checker running, so that `grader check` skips its start-up"
    )
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument(
        "--idle-minutes",
        type=float,
        default=30.0,
        metavar="N",
        help="start: stop by itself after N minutes without a check (default: 30)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return {"start": start, "stop": stop, "status": status}[args.action](args)


def describe(info: dict[str, Any]) -> str:
    _ = gettext_for(default_lang())
    return _(
        "(pid {pid}, grader {version}; checks served: {checks}, running checks: {running}; "
        "stops after {minutes:g} idle minutes)\n  socket: {socket}"
    ).format(
        pid=info["pid"],
        version=info["version"],
        checks=info["checks"],
        running=info["running"],
        minutes=info["idle_seconds"] / 60,
        socket=info["socket"],
    )


def start(args: argparse.Namespace) -> int:
    _ = gettext_for(default_lang())
    if args.idle_minutes <= 0:
        raise UsageError(_("--idle-minutes must be more than 0"))
    try:
        check_folder(os.path.dirname(socket_path()), create=True)
    except (OSError, UnsafeFolder) as exc:
        raise UsageError(_("cannot keep a resident checker here: {error}").format(error=exc)) from exc
    info = status_of()
    if info is not None:
        print(_("A resident checker is already running {details}").format(details=describe(info)))
        return 0
    try:
        process = start_resident(["--idle", str(args.idle_minutes * 60)], Path(log_path()), detach=True)
    except ResidentUnavailable as exc:
        raise UsageError(_("the resident checker did not start ({error})").format(error=exc)) from exc
    info = status_of()
    print(
        _("Started the resident checker {details}").format(details=describe(info))
        if info
        else _("Started (pid {pid})").format(pid=process.pid)
    )
    print(_("`grader check` now uses it; `grader daemon stop` stops it; GRADER_DAEMON=0 bypasses it."))
    return 0


def stop(_args: argparse.Namespace) -> int:
    _ = gettext_for(default_lang())
    if ask("stop") is None:
        print(_("No resident checker is running."))
        return 0
    print(_("Resident checker stopping (checks under way finish first)."))
    return 0


def status(_args: argparse.Namespace) -> int:
    _ = gettext_for(default_lang())
    info = status_of()
    if info is None:
        print(_("No resident checker is running (it would listen on {socket}).").format(socket=socket_path()))
        return 3
    print(_("Resident checker running {details}").format(details=describe(info)))
    return 0
