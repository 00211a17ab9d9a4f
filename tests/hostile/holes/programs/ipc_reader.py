"""Hostile: see tests/hostile/test_holes.py."""

import ctypes
import os

# download() is prepended from _protocol.py by the test
libc = ctypes.CDLL(None, use_errno=True)
found = []
if libc.shmget(0x47524431, 0, 0) >= 0:
    found.append("shm")
if libc.msgget(0x47524432, 0) >= 0:
    found.append("msg")
if libc.syscall(250, 10, ctypes.c_long(-4), b"user", b"grader-secret", 0) >= 0:  # KEYCTL_SEARCH @u
    found.append("key")
me = os.readlink("/proc/self")  # its pid as this /proc counts (not its PID namespace)
others = [p for p in os.listdir("/proc") if p.isdigit() and p != me]
print("FOUND", found or "nothing", "OTHER PIDS", len(others))
download()
