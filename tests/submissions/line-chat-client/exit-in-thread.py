# When the server closes, calls sys.exit() in the receiving thread: that ends only the
# thread, and the main thread keeps waiting in input().
import socket
import sys
import threading


def receive(sock):
    buf = b""
    while True:
        data = sock.recv(1024)
        if not data:
            print("*** disconnected")
            sock.close()
            sys.exit(0)
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            _, name, text = line.decode("utf-8").split(" ", 2)
            print(f"[{name}] {text}")


sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
threading.Thread(target=receive, args=(sock,), daemon=True).start()
while True:
    try:
        text = input()
    except EOFError:
        text = "/quit"
    if text == "/quit":
        sock.sendall(b"QUIT\n")
        sock.close()
        break
    sock.sendall(f"MSG {text}\n".encode())
