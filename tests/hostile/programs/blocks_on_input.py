"""Waits for keyboard input that never comes (and ignores EOF)."""
while True:
    try:
        input("> ")
    except EOFError:
        import time
        time.sleep(10**6)
