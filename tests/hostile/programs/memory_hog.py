"""Allocates (and touches) memory until something stops it."""
hog = []
while True:
    hog.append(bytearray(16 << 20))
