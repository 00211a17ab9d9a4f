# Reads the sentence with input() but shows no prompt, so the user does not know what to type.
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
sentence = input()
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((host, port))
client.sendall((sentence + "\n").encode())
reply = b""
while not reply.endswith(b"\n"):
    chunk = client.recv(1024)
    if not chunk:
        break
    reply += chunk
print(reply.decode(), end="")
client.close()
