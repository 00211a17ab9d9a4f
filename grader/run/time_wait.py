"""A port an earlier run of the server has just used: a connection left in TIME_WAIT on it.

The lessons set ``SO_REUSEADDR`` so that a server restarted at once can bind its port again:
without it, ``bind()`` fails with "Address already in use" for a minute after the last run
closed a connection. A scenario with ``port_in_time_wait: true`` recreates that moment inside
its own network namespace before the program starts: a connection to the port whose server
side closes first, which leaves that side in TIME_WAIT. Nothing is left on the host.

Runs in a thread inside the scenario's namespace (the sockets belong to it).
"""

from __future__ import annotations

import socket
import time

from grader.run.peer import tcp_sockets

TIME_WAIT = "06"
THIS_THREAD = "/proc/thread-self/net"
"""The socket table of the calling thread's namespace (``/proc/net`` is the main thread's)."""
SETTLE_SECONDS = 1.0
"""The loopback close is synchronous; this only bounds the look at the socket table."""


def leave_time_wait(host: str, port: int) -> bool:
    """Leave a TIME_WAIT connection on ``host:port``; whether the table shows it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1)
        client = socket.create_connection((host, port), timeout=SETTLE_SECONDS)
        server_side, _ = listener.accept()
    with client:
        server_side.close()  # the side that closes first is the one left in TIME_WAIT
        client.recv(1)
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        if any(local == port and state == TIME_WAIT for local, state in tcp_sockets(THIS_THREAD)):
            return True
        time.sleep(0.001)  # a bounded look at the table, normally never taken
    return False
