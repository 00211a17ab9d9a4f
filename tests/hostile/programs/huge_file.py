"""Writes a file far beyond the file-size limit."""
with open("huge.bin", "wb") as f:
    block = b"\0" * (1 << 20)
    for _ in range(2048):
        f.write(block)
