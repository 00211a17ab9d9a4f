# Looks at the last character to add the newline: an empty sentence raises IndexError.
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
sentence = input("Input lowercase sentence: ")
if sentence[-1] != "\n":
    sentence += "\n"
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
