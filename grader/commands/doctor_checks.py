"""What this machine gives the grader: each piece of isolation it uses, found or missing.

``grader doctor`` shows it on one screen. Each :class:`Finding` is facts as codes (what, its
state, the command that enables what is missing); :mod:`grader.commands.doctor` puts them in
the reader's words. The places the doctor reads (``/proc/sys``, the cgroup folders, the
user it runs as) are fields of :class:`Machine`, so that a test can show it another machine.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from grader.commands.doctor_portable import Finding, common_findings
from grader.messages import Message, msg, verbatim
from grader.messages.codes import Code
from grader.sandbox import cgroup2, host, userns
from grader.sandbox import cgroups as sandbox_cgroups
from grader.sandbox import namespaces as sandbox_namespaces

NAMESPACES = (
    (Code.DOCTOR_NETWORK_NS, sandbox_namespaces.CLONE_NEWNET),
    (Code.DOCTOR_PID_NS, sandbox_namespaces.CLONE_NEWPID),
    (Code.DOCTOR_IPC_NS, sandbox_namespaces.CLONE_NEWIPC),
    (Code.DOCTOR_MOUNT_NS, sandbox_namespaces.CLONE_NEWNS),
)
CONTAINER_FIX = (
    "run the grader as root, or its container with `--security-opt seccomp=unconfined --cap-add SYS_ADMIN`"
)
DELEGATE_FIX = "systemd-run --user --scope -p Delegate=yes grader ... (or GRADER_CGROUP=<a delegated cgroup>)"
MOUNT_V2_FIX = "sudo mount -t cgroup2 none /sys/fs/cgroup"
LANDLOCK_FIX = "add landlock to the kernel's lsm= boot parameter (Linux 5.13 or later)"
NFT_FIX = "sudo apt-get install nftables"


@dataclass(frozen=True)
class Machine:
    """Where the doctor looks; the defaults are this machine."""

    proc_sys: Path = userns.PROC_SYS
    cgroup_v1: Path = Path("/sys/fs/cgroup")
    euid: int = field(default_factory=os.geteuid)
    private_userns: bool = field(default_factory=host.in_private_user_namespace)
    """Whether this process (not root) entered a user namespace of its own."""
    userns_error: str = ""
    """Why entering one was refused (the kernel's words), if it was."""


def namespaces(machine: Machine) -> list[Finding]:
    found = []
    for what, flag in NAMESPACES:
        error = _try_unshare(flag)
        if error is None:
            found.append(Finding(what, msg(Code.DOCTOR_YES)))
            continue
        restricted = userns.restriction(machine.proc_sys) if machine.euid != 0 else None
        fix = restricted.command if restricted else CONTAINER_FIX
        found.append(Finding(what, msg(Code.DOCTOR_NO, why=verbatim(error)), fix))
    return found


def _try_unshare(flag: int) -> str | None:
    """None if a throwaway thread may enter a new namespace of that kind, else the refusal."""
    outcome: list[str | None] = []

    def attempt() -> None:
        try:
            sandbox_namespaces._unshare(flag)
            outcome.append(None)
        except OSError as exc:
            outcome.append(exc.strerror or str(exc))

    thread = threading.Thread(target=attempt, name="grader-doctor-probe")
    thread.start()
    thread.join()
    return outcome[0]


def user_namespaces(machine: Machine) -> Finding:
    """As root none is needed; without root, the grader's own (or which setting refused it)."""
    restricted = userns.restriction(machine.proc_sys)
    if machine.euid == 0:
        if restricted is None:
            return Finding(Code.DOCTOR_USER_NS, msg(Code.DOCTOR_NOT_NEEDED_ROOT))
        return Finding(
            Code.DOCTOR_USER_NS,
            msg(Code.DOCTOR_ROOT_BUT_RESTRICTED, setting=restricted.setting),
            restricted.command,
        )
    if machine.private_userns:
        return Finding(Code.DOCTOR_USER_NS, msg(Code.DOCTOR_PRIVATE_USERNS))
    if restricted is not None:
        return Finding(
            Code.DOCTOR_USER_NS,
            msg(Code.DOCTOR_USERNS_RESTRICTED, setting=restricted.setting),
            restricted.command,
        )
    why = verbatim(machine.userns_error or "?")
    fix = "unset GRADER_NO_USERNS" if "GRADER_NO_USERNS" in machine.userns_error else CONTAINER_FIX
    return Finding(Code.DOCTOR_USER_NS, msg(Code.DOCTOR_USERNS_REFUSED, why=why), fix)


def cgroups(machine: Machine) -> list[Finding]:
    """The cgroup each run gets (see :func:`grader.sandbox.box.create_cgroup`), and v2 beside v1."""
    mount = cgroup2.v2_mount()
    v1 = [
        name
        for name in ("pids", "memory")
        if (machine.cgroup_v1 / name / "tasks").exists() and machine.euid == 0
    ]
    v2_row = []
    if mount is not None:
        v2_row = [
            Finding(
                Code.DOCTOR_CGROUP_V2_ROW,
                msg(Code.DOCTOR_V2_MOUNTED, mount=str(mount), controllers=_names(cgroup2.controllers(mount))),
            )
        ]
    if "pids" in v1 and not os.environ.get(cgroup2.ENV_PARENT):
        return [Finding(Code.DOCTOR_CGROUPS, msg(Code.DOCTOR_CGROUP_V1, controllers=v1)), *v2_row]
    parent = sandbox_cgroups.v2_parent() if mount is not None or os.environ.get(cgroup2.ENV_PARENT) else None
    if parent is not None:
        on = [c for c in cgroup2.enabled(parent) if c in cgroup2.CONTROLLERS]
        if on:
            state = msg(Code.DOCTOR_CGROUP_V2, folder=str(parent), controllers=on)
            return [Finding(Code.DOCTOR_CGROUPS, state)]
        state = msg(Code.DOCTOR_CGROUP_V2_BARE, folder=str(parent))
        return [Finding(Code.DOCTOR_CGROUPS, state)]
    if os.environ.get(cgroup2.ENV_PARENT):
        state = msg(Code.DOCTOR_CGROUP_GIVEN_UNUSABLE, folder=os.environ[cgroup2.ENV_PARENT])
        return [Finding(Code.DOCTOR_CGROUPS, state, DELEGATE_FIX), *v2_row]
    if mount is not None:
        return [Finding(Code.DOCTOR_CGROUPS, msg(Code.DOCTOR_CGROUP_NOT_DELEGATED), DELEGATE_FIX), *v2_row]
    return [
        Finding(
            Code.DOCTOR_CGROUPS,
            msg(Code.DOCTOR_CGROUP_NONE),
            MOUNT_V2_FIX if machine.euid == 0 else DELEGATE_FIX,
        )
    ]


def _names(controllers: list[str]) -> list[str] | Message:
    return controllers or msg(Code.DOCTOR_NONE)


def landlock() -> Finding:
    abi = host.landlock_abi()
    if abi == 0:
        return Finding(Code.DOCTOR_LANDLOCK, msg(Code.DOCTOR_NOT_IN_KERNEL), LANDLOCK_FIX)
    code = Code.DOCTOR_LANDLOCK_SCOPED if abi >= 6 else Code.DOCTOR_LANDLOCK_ABI
    return Finding(Code.DOCTOR_LANDLOCK, msg(code, abi=abi))


def nftables() -> Finding:
    path = shutil.which("nft") or next((p for p in ("/usr/sbin/nft", "/sbin/nft") if os.path.exists(p)), None)
    if path is None:
        return Finding(Code.DOCTOR_NFTABLES, msg(Code.DOCTOR_NFT_MISSING), NFT_FIX)
    return Finding(Code.DOCTOR_NFTABLES, msg(Code.DOCTOR_FOUND_AT, path=path))


def examine(machine: Machine | None = None, python: str | None = None) -> list[Finding]:
    """Everything ``grader doctor`` shows, in its order."""
    machine = machine or Machine()
    return [
        *namespaces(machine),
        user_namespaces(machine),
        *cgroups(machine),
        landlock(),
        nftables(),
        *common_findings(python),
    ]
