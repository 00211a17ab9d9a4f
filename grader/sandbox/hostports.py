"""Host mode: whose socket is at the other end of a loopback connection.

On the host network every program of the machine shares the ports. A student graded beside
another can connect first to that run's reference server; a student's own old server, still
running in another terminal, can answer in place of the program being graded. The kernel's
socket table (``/proc/net/tcp``, ``tcp6``) names each socket's owner uid and inode, so:

* with a uid per run (as root, :mod:`grader.sandbox.uids`) a socket is the run's if its uid is the
  run's uid (the uid stays on a socket the student has already closed);
* otherwise (every run has the grader's uid) it is the run's if one of the run's processes
  holds its inode open (``/proc/<pid>/fd``); a socket its program already closed has no inode
  left and is given the benefit of the doubt.

Namespace mode needs none of this: a scenario's network holds the run's sockets alone.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from grader.messages import Message, msg
from grader.messages.codes import Code

LISTEN = "0A"
TIME_WAIT = "06"


@dataclass(frozen=True)
class TcpSocket:
    local_port: int
    remote_port: int
    state: str
    uid: int
    inode: int
    local_hex: str = ""
    """The bound address as the kernel prints it (see :meth:`local_address`)."""
    family: socket.AddressFamily = socket.AF_INET

    @property
    def local_address(self) -> str:
        """The bound address: ``0.0.0.0``, ``127.0.0.1``, ``::``."""
        raw = bytes.fromhex(self.local_hex)
        if self.family == socket.AF_INET:
            return socket.inet_ntop(self.family, struct.pack("<I", struct.unpack(">I", raw)[0]))
        return socket.inet_ntop(self.family, struct.pack("<4I", *struct.unpack(">4I", raw)))


def tcp_table(net: str = "/proc/net") -> Iterator[TcpSocket]:
    """Every TCP socket of the network namespace ``net`` shows (IPv4 first, then IPv6).

    ``net`` is ``/proc/net`` (this network namespace) or ``/proc/<pid>/net`` (that process's).
    """
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        try:
            with open(f"{net}/{table}") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) < 10:
                continue
            with contextlib.suppress(ValueError):
                local_hex, local_port = fields[1].rsplit(":", 1)
                yield TcpSocket(
                    local_port=int(local_port, 16),
                    remote_port=int(fields[2].rsplit(":", 1)[1], 16),
                    state=fields[3],
                    uid=int(fields[7]),
                    inode=int(fields[9]),
                    local_hex=local_hex,
                    family=family,
                )


def listeners(port: int) -> list[TcpSocket]:
    return [s for s in tcp_table() if s.state == LISTEN and s.local_port == port]


def connection_end(local_port: int, remote_port: int) -> TcpSocket | None:
    """The socket whose own port is ``local_port`` and whose peer's is ``remote_port``."""
    for s in tcp_table():
        if s.local_port == local_port and s.remote_port == remote_port and s.state != TIME_WAIT:
            return s
    return None


def holders(inode: int, pids: Iterable[int] | None = None) -> list[int]:
    """Processes (of ``pids``, or of the whole machine) that hold socket ``inode`` open."""
    target = f"socket:[{inode}]"
    if pids is None:
        pids = (int(e.name) for e in os.scandir("/proc") if e.name.isdigit())
    found = []
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    found.append(pid)
                    break
    return found


def command_of(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return "?"
    words = " ".join(a.decode("utf-8", "replace") for a in argv if a).split()
    return " ".join(words)[:120] or "?"


def children(pid: int) -> list[int]:
    """The processes ``pid``'s threads started (``/proc/<pid>/task/<tid>/children``)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
        except OSError:
            continue
    return found


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (a process that double-forked away is not)."""
    found: list[int] = []
    pending, seen = [root], set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        found.append(pid)
        pending += children(pid)
    return found


@dataclass(frozen=True)
class RunIdentity:
    """How to tell a run's sockets: its own uid, or (same uid as the grader) its processes."""

    uid: int | None
    pids: tuple[int, ...] = ()

    def owns(self, sock: TcpSocket) -> bool:
        if self.uid is not None:
            return sock.uid == self.uid
        if sock.uid != os.geteuid():
            return False
        if sock.inode == 0:  # closed by its program already: no process holds it any more
            return True
        return bool(holders(sock.inode, self.pids))


@dataclass(frozen=True)
class PortTaken:
    """Another program listens on the port: who, for the message."""

    port: int
    pid: int | None
    command: str

    def reason(self) -> Message:
        """Why the run is not graded: the program to stop, where the grader can see it."""
        if self.pid is None:
            return msg(Code.PORT_IN_USE_OWNER_HIDDEN, port=self.port)
        return msg(Code.PORT_IN_USE, port=self.port, pid=self.pid, command=self.command)


def taken_by_other(port: int, run: RunIdentity | None = None) -> PortTaken | None:
    """A program not of ``run`` (or any program, if None) listening on ``port``, if one is."""
    for sock in listeners(port):
        if run is not None and run.owns(sock):
            continue
        pids = holders(sock.inode) if sock.inode else []
        pid = pids[0] if pids else None
        return PortTaken(port, pid, command_of(pid) if pid is not None else "?")
    return None
