"""Hostile: see tests/hostile/test_holes.py."""

import os

# download() is prepended from _protocol.py by the test
download()
# A chain of folders deeper than Python's recursion limit, built from the top: each new folder
# takes the chain so far inside it, so every step touches a shallow path (quick under Landlock,
# whose checks walk a path up to its root) and the depth costs nothing to build.
os.mkdir("deep")
depth = 1
while depth < 5000:
    try:
        os.mkdir("top")
        os.rename("deep", "top/d")
        os.rename("top", "deep")
    except OSError:  # a tmpfs's inode limit
        break
    depth += 1
print("DEEP", depth)
