"""Forks as fast as it can, in every child too: the process limit must hold."""
import os

while True:
    try:
        os.fork()
    except OSError:
        pass
