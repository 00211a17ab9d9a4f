"""Hostile: see tests/hostile/test_holes.py."""

import ctypes
import struct

# download() is prepended from _protocol.py by the test
libc = ctypes.CDLL(None, use_errno=True)
source = open(__file__, "rb").read()[:1000]
shm = libc.shmget(0x47524431, 8 << 20, 0o1666)  # IPC_CREAT | 0666
msq = libc.msgget(0x47524432, 0o1666)
buf = struct.pack("l", 1) + source
libc.msgsnd(msq, buf, len(source), 0)
key = libc.syscall(248, b"user", b"grader-secret", b"SECRET", 6, ctypes.c_long(-4))  # add_key to @u
print("MADE", shm, msq, key)
download()
