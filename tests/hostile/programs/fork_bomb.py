"""Forks as fast as it can, in every child too: the process limit must hold."""
import contextlib
import os

while True:
    with contextlib.suppress(OSError):
        os.fork()
