# Waits for the newline, but then treats everything received as ONE message: when several
# lines arrive together, only the first is parsed and the rest is shown as raw text.
import os
import socket
import sys
import threading


def receive(sock):
    buf = b""
    while True:
        data = sock.recv(1024)
        if not data:
            print("*** disconnected")
            os._exit(0)
        buf += data
        if buf.endswith(b"\n"):
            _, name, text = buf.decode("utf-8").rstrip("\n").split(" ", 2)
            print(f"[{name}] {text}")
            buf = b""


sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
threading.Thread(target=receive, args=(sock,), daemon=True).start()
while True:
    text = input()
    if text == "/quit":
        sock.sendall(b"QUIT\n")
        sock.close()
        break
    sock.sendall(f"MSG {text}\n".encode())
