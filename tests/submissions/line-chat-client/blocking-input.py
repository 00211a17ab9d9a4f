# Lock-step: looks at the socket only after the user has typed a line, so a pushed message
# waits on the screen-less socket until the next input().
import socket
import sys

sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
buf = b""
while True:
    try:
        text = input("> ")
    except EOFError:
        text = "/quit"
    if text == "/quit":
        sock.sendall(b"QUIT\n")
        sock.close()
        break
    sock.sendall(f"MSG {text}\n".encode())
    sock.setblocking(False)
    try:
        data = sock.recv(4096)
    except BlockingIOError:
        data = None
    sock.setblocking(True)
    if data == b"":
        print("*** disconnected")
        break
    if data:
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            _, name, msg = line.decode("utf-8").split(" ", 2)
            print(f"[{name}] {msg}")
