# Encodes and decodes with GBK (a Windows console default) while the protocol says UTF-8.
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
sentence = input("Input lowercase sentence: ")
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((host, port))
client.sendall((sentence + "\n").encode("gbk"))
reply = b""
while not reply.endswith(b"\n"):
    chunk = client.recv(1024)
    if not chunk:
        break
    reply += chunk
print(reply.decode("gbk", errors="replace"), end="")
client.close()
