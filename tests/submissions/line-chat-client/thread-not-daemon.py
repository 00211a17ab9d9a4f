# After "/quit" the main thread ends, but the receiving thread is not a daemon and stays
# blocked in recv(): closing the socket from another thread does not wake it, so the
# program never exits (and the connection is never really closed).
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
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            _, name, text = line.decode("utf-8").split(" ", 2)
            print(f"[{name}] {text}")


sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
threading.Thread(target=receive, args=(sock,)).start()
while True:
    text = input()
    if text == "/quit":
        sock.sendall(b"QUIT\n")
        sock.close()
        break
    sock.sendall(f"MSG {text}\n".encode())
