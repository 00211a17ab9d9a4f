import socket
import sys


def download() -> None:
    """What a correct client does: GET, read to the end, save the body."""
    sock = socket.create_connection((sys.argv[1], int(sys.argv[2])))
    sock.sendall(b"GET out.txt\n")
    data = b""
    while chunk := sock.recv(4096):
        data += chunk
    sock.close()
    with open("out.txt", "wb") as f:
        f.write(data.split(b"\n", 1)[1])
