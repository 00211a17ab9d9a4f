"""Writes 100 MB to stdout."""
import sys

block = b"flood " * 10922 + b"\n"
for _ in range((100 << 20) // len(block)):
    sys.stdout.buffer.write(block)
