"""Which addresses and ports a process listens on, read from its namespace's socket table.

Reading ``/proc/<pid>/net/tcp`` makes no connection: a server that accepts one client and
exits keeps its one accept for the real client, and a server that crashes on an empty request
(``request.split()[1]``) is never fed one. In a scenario's own namespace every listening
socket is the student's, so the table also tells which port a program chose. On the host
network the table is the whole machine's; :func:`owned_by` keeps the sockets the student's
own processes hold (their ``/proc/<pid>/fd`` links name each socket's inode).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from grader.sandbox.hostports import LISTEN, descendants, tcp_table


@dataclass(frozen=True)
class Listening:
    address: str
    """The bound address as the program gave it: ``0.0.0.0``, ``127.0.0.1``, ``192.168.1.5``."""
    port: int
    family: socket.AddressFamily = socket.AF_INET
    inode: int = 0

    @property
    def connect_to(self) -> str:
        """Where a client reaches it: the wildcard addresses mean the loopback one."""
        if self.address == "0.0.0.0":
            return "127.0.0.1"
        if self.address == "::":
            return "::1"
        return self.address


def listening(pid: int) -> list[Listening]:
    """Every TCP socket in LISTEN state in ``pid``'s network namespace (IPv4 first)."""
    return [
        Listening(s.local_address, s.local_port, s.family, s.inode)
        for s in tcp_table(f"/proc/{pid}/net")
        if s.state == LISTEN
    ]


def socket_inodes(pid: int) -> set[int] | None:
    """Inodes of the sockets held by ``pid`` and its descendants; None if they cannot be read."""
    inodes: set[int] = set()
    readable = False
    for current in descendants(pid):
        try:
            names = os.listdir(f"/proc/{current}/fd")
            readable = True
        except OSError:
            continue
        for name in names:
            try:
                target = os.readlink(f"/proc/{current}/fd/{name}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes if readable else None


def owned_by(pid: int, table: list[Listening]) -> list[Listening] | None:
    """The entries of ``table`` whose socket ``pid``'s process tree holds (host network);
    None where the grader may not look at the processes' descriptors."""
    inodes = socket_inodes(pid)
    if inodes is None:
        return None
    return [entry for entry in table if entry.inode in inodes]
