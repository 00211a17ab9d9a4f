"""Hostile: see tests/hostile/test_holes.py."""

import os

# download() is prepended from _protocol.py by the test
download()
os.mkdir("deep")
os.chdir("deep")
for _ in range(5000):  # deeper than Python's recursion limit
    try:
        os.mkdir("d")
        os.chdir("d")
    except OSError:  # a tmpfs's inode limit
        break
