"""Hostile: see tests/hostile/test_holes.py."""

import socket
import sys
import time

# download() is prepended from _protocol.py by the test
own = int(sys.argv[2])
deadline = time.monotonic() + 1.5
tried, stolen = set(), []
while time.monotonic() < deadline:  # connect to every reference server of the other students
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in open(table).read().splitlines()[1:]:
            fields = row.split()
            port = int(fields[1].rsplit(":", 1)[1], 16)
            if fields[3] == "0A" and port != own and port not in tried:
                tried.add(port)
                try:
                    s = socket.create_connection(("127.0.0.1", port), timeout=0.2)
                    s.sendall(b"GET out.txt\n")
                    stolen.append((port, s))
                except OSError:
                    pass
served = []
for port, s in stolen:
    try:
        s.settimeout(0.3)
        if s.recv(100):
            served.append(port)
    except OSError:
        pass
print("CONNECTED", len(stolen), "SERVED", " ".join(map(str, served)) + ";")
download()
