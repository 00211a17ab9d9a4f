"""Prints bytes that are not text: NULs, terminal escapes, invalid UTF-8, on both streams."""
import os
import sys

junk = bytes(range(256)) + b"\x1b[2J\x1b]0;owned\x07\xff\xfe\xc3\x28" + os.urandom(4096)
sys.stdout.buffer.write(junk)
sys.stdout.buffer.flush()
sys.stderr.buffer.write(junk)
sys.stderr.buffer.flush()
