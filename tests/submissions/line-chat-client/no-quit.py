# On "/quit" closes the connection without telling the server "QUIT\n".
import os
import socket
import sys
import threading


def receive(sock):
    buf = b""
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            return
        if not data:
            print("*** disconnected")
            os._exit(0)
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            _, name, text = line.decode("utf-8").split(" ", 2)
            print(f"[{name}] {text}")


sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
threading.Thread(target=receive, args=(sock,), daemon=True).start()
while True:
    text = input()
    if text == "/quit":
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        break
    sock.sendall(f"MSG {text}\n".encode())
