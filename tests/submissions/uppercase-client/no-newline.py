# Sends the sentence without the trailing newline: the server cannot tell where the line ends.
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
sentence = input("Input lowercase sentence: ")
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((host, port))
client.sendall(sentence.encode())
reply = b""
while not reply.endswith(b"\n"):
    chunk = client.recv(1024)
    if not chunk:
        break
    reply += chunk
print(reply.decode(), end="")
client.close()
