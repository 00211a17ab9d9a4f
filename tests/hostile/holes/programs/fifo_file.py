"""Hostile: see tests/hostile/test_holes.py."""

import os

# download() is prepended from _protocol.py by the test
download()
os.unlink("out.txt")
os.mkfifo("out.txt")  # the grader's file check must not block on it
