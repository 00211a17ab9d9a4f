"""Any address, any port: what a scenario's own network namespace is changed into, and read back.

Students are taught to connect to their teacher's machine (``("192.168.1.102", 8080)``) and to
bind their own address; the lesson lets them pick any port. With ``network: {host: any}`` every
IPv4 address is local inside the scenario's namespace (a ``local`` route for 0.0.0.0/0 on
``lo``, added by netlink from the grader's own thread: no process, no fork), and ports below
1024 may be bound by anyone there. With ``port: any`` on a client assignment, an nftables rule
in the namespace redirects every outgoing TCP connection to the reference server, and the
accepted socket's ``SO_ORIGINAL_DST`` says which address and port the program dialled. Nothing
leaves the namespace: it has no interface but ``lo``.

All functions must run in a thread that is inside the scenario's namespace.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import struct
import subprocess

from grader.messages import msg
from grader.messages.codes import Code
from grader.outcome import GraderProblem

NETLINK_ROUTE = 0
RTM_NEWROUTE = 24
NLMSG_ERROR = 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
RT_TABLE_LOCAL = 255
RTPROT_STATIC = 4
RT_SCOPE_HOST = 254
RTN_LOCAL = 2
RTA_OIF = 4
SO_ORIGINAL_DST = 80
UNPRIVILEGED_PORT_START = "/proc/sys/net/ipv4/ip_unprivileged_port_start"


HOST_MODE_REFUSAL = msg(Code.ANY_NEEDS_NAMESPACE)
"""``any`` on the host network: the scenario is not gradable there (never a silent wrong score).

Where the namespace cannot be given any address or any port, a :class:`GraderProblem` says why
as a code: the scenario is not gradable, the student loses nothing."""


def _route_message(ifindex: int) -> bytes:
    """``ip route add local 0.0.0.0/0 dev lo table local`` as one netlink request."""
    rtmsg = struct.pack(
        "BBBBBBBBI", socket.AF_INET, 0, 0, 0, RT_TABLE_LOCAL, RTPROT_STATIC, RT_SCOPE_HOST, RTN_LOCAL, 0
    )
    oif = struct.pack("HHI", 8, RTA_OIF, ifindex)
    payload = rtmsg + oif
    header = struct.pack(
        "IHHII", 16 + len(payload), RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 1, 0
    )
    return header + payload


def make_every_address_local() -> None:
    """Every IPv4 address is this namespace's own, and every port may be bound by anyone."""
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE) as nl:
        nl.send(_route_message(socket.if_nametoindex("lo")))
        reply = nl.recv(4096)
    _, kind = struct.unpack_from("IH", reply)
    if kind == NLMSG_ERROR:
        (code,) = struct.unpack_from("i", reply, 16)
        if code not in (0, -errno.EEXIST):
            raise GraderProblem(msg(Code.NETNS_LOCAL_ROUTE_FAILED, error=os.strerror(-code)))
    try:
        # /proc/sys/net is the namespace of the thread that opens it.
        with open(UNPRIVILEGED_PORT_START, "w") as f:
            f.write("0")
    except OSError as exc:
        raise GraderProblem(msg(Code.NETNS_LOW_PORTS_FAILED, error=str(exc.strerror))) from exc


def nft_available() -> bool:
    return shutil.which("nft") is not None


def redirect_all_tcp(port: int) -> None:
    """Every outgoing TCP connection in this namespace goes to local ``port``, whatever it dialled.

    ``nft`` runs as a child of this thread, so it acts on this thread's namespace (about 3 ms,
    and only for client scenarios with ``port: any``).
    """
    nft = shutil.which("nft")
    if nft is None:
        raise GraderProblem(msg(Code.NFT_MISSING))
    rules = (
        "table ip grader {\n chain out {\n  type nat hook output priority -100;\n"
        f"  tcp dport != {port} redirect to :{port}\n }}\n}}\n"
    )
    done = subprocess.run([nft, "-f", "-"], input=rules.encode(), capture_output=True, check=False)
    if done.returncode != 0:
        raise GraderProblem(msg(Code.NFT_FAILED, error=done.stderr.decode(errors="replace").strip()[:200]))


def original_destination(sock: socket.socket) -> tuple[str, int] | None:
    """The address and port the program dialled before the redirect (``SO_ORIGINAL_DST``)."""
    try:
        raw = sock.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
    except OSError:
        return None  # not redirected (it dialled the reference server's own port)
    (port,) = struct.unpack_from("!H", raw, 2)
    return socket.inet_ntoa(raw[4:8]), port
