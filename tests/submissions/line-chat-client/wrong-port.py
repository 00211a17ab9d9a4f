# Hard-codes port 8080 instead of reading HOST and PORT from the command line.
import socket
import sys
import threading


def receive(sock):
    buf = b""
    while True:
        data = sock.recv(1024)
        if not data:
            print("*** disconnected")
            import os
            os._exit(0)
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            _, name, text = line.decode("utf-8").split(" ", 2)
            print(f"[{name}] {text}")


try:
    sock = socket.create_connection(("127.0.0.1", 8080))
except OSError as e:
    print("cannot connect:", e, file=sys.stderr)
    sys.exit(1)
threading.Thread(target=receive, args=(sock,), daemon=True).start()
while True:
    text = input()
    if text == "/quit":
        sock.sendall(b"QUIT\n")
        sock.close()
        break
    sock.sendall(f"MSG {text}\n".encode())
