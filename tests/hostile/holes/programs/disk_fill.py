"""Hostile: see tests/hostile/test_holes.py."""

# download() is prepended from _protocol.py by the test
download()
block = b"x" * (3 << 20)  # under the file size limit, many times over
for n in range(200):
    with open(f"fill-{n}", "wb") as f:
        f.write(block)
print("FILLED")
