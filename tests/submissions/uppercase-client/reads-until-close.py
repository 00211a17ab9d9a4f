# Reads until the server closes instead of until the end of the reply line: it waits forever
# when the server keeps the connection open.
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
sentence = input("Input lowercase sentence: ")
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((host, port))
client.sendall((sentence + "\n").encode())
reply = b""
while True:
    chunk = client.recv(1024)
    if not chunk:
        break
    reply += chunk
print(reply.decode(), end="")
client.close()
