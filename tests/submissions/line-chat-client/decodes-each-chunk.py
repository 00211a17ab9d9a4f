# Decodes every recv() piece on its own: a Chinese character cut between two pieces raises
# UnicodeDecodeError in the receiving thread.
import os
import socket
import sys
import threading


def receive(sock):
    buf = ""
    while True:
        data = sock.recv(1024)
        if not data:
            print("*** disconnected")
            os._exit(0)
        buf += data.decode("utf-8")
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            _, name, text = line.split(" ", 2)
            print(f"[{name}] {text}")


sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
threading.Thread(target=receive, args=(sock,), daemon=True).start()
while True:
    text = input()
    if text == "/quit":
        sock.sendall(b"QUIT\n")
        sock.close()
        break
    sock.sendall(f"MSG {text}\n".encode())
