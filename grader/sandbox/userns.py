"""Why unprivileged user namespaces are refused, read from the kernel's settings.

Without root, the grader owns a user namespace to give each scenario namespaces of its own.
Some systems forbid that: Ubuntu 23.10 and later (24.04 LTS among them) through AppArmor
(``kernel.apparmor_restrict_unprivileged_userns=1``), Debian's older kernels through
``kernel.unprivileged_userns_clone=0``, others with ``user.max_user_namespaces=0``. The
grader then grades on the host loopback with free ports, and says which setting did it
and the command that lifts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROC_SYS = Path("/proc/sys")


@dataclass(frozen=True)
class Restriction:
    setting: str
    """The sysctl as set, e.g. ``kernel.apparmor_restrict_unprivileged_userns=1``."""
    command: str
    """The command that lifts it."""


APPARMOR = Restriction(
    "kernel.apparmor_restrict_unprivileged_userns=1",
    "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 "
    "(or an AppArmor profile that allows `userns,` for the grader's Python)",
)
RULES = (
    ("kernel/apparmor_restrict_unprivileged_userns", "1", APPARMOR),
    (
        "kernel/unprivileged_userns_clone",
        "0",
        Restriction(
            "kernel.unprivileged_userns_clone=0", "sudo sysctl -w kernel.unprivileged_userns_clone=1"
        ),
    ),
    (
        "user/max_user_namespaces",
        "0",
        Restriction("user.max_user_namespaces=0", "sudo sysctl -w user.max_user_namespaces=15000"),
    ),
)


def restriction(proc_sys: Path = PROC_SYS) -> Restriction | None:
    """The kernel setting that forbids unprivileged user namespaces here, if one does."""
    for name, refusing, found in RULES:
        try:
            value = (proc_sys / name).read_text().strip()
        except OSError:
            continue
        if value == refusing:
            return found
    return None
