"""Hostile: see tests/hostile/test_holes.py."""

# download() is prepended from _protocol.py by the test
download()
