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
from grader.resident.client import ask, status_of
from grader.resident.launch import ResidentUnavailable, start_resident
from grader.resident.paths import UnsafeFolder, check_folder, log_path, socket_path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "daemon", help="keep a resident checker running, so that `grader check` skips its start-up")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.add_argument("--idle-minutes", type=float, default=30.0, metavar="N",
                   help="start: stop by itself after N minutes without a check (default: 30)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    return {"start": start, "stop": stop, "status": status}[args.action](args)


def describe(info: dict[str, Any]) -> str:
    minutes = info["idle_seconds"] / 60
    return (f"(pid {info['pid']}, grader {info['version']}; "
            f"checks served: {info['checks']}, running checks: {info['running']}; "
            f"stops after {minutes:g} idle minutes)\n  socket: {info['socket']}")


def start(args: argparse.Namespace) -> int:
    if args.idle_minutes <= 0:
        raise UsageError("--idle-minutes must be more than 0")
    try:
        check_folder(os.path.dirname(socket_path()), create=True)
    except (OSError, UnsafeFolder) as exc:
        raise UsageError(f"cannot keep a resident checker here: {exc}") from exc
    info = status_of()
    if info is not None:
        print("A resident checker is already running " + describe(info))
        return 0
    try:
        process = start_resident(["--idle", str(args.idle_minutes * 60)], Path(log_path()), detach=True)
    except ResidentUnavailable as exc:
        raise UsageError(f"the resident checker did not start ({exc})") from exc
    info = status_of()
    print("Started the resident checker " + describe(info) if info else f"Started (pid {process.pid})")
    print("`grader check` now uses it; `grader daemon stop` stops it; GRADER_DAEMON=0 bypasses it.")
    return 0


def stop(_args: argparse.Namespace) -> int:
    if ask("stop") is None:
        print("No resident checker is running.")
        return 0
    print("Resident checker stopping (checks under way finish first).")
    return 0


def status(_args: argparse.Namespace) -> int:
    info = status_of()
    if info is None:
        print(f"No resident checker is running (it would listen on {socket_path()}).")
        return 3
    print("Resident checker running " + describe(info))
    return 0
