# Reads the reply with one recv(): fine on a quiet network, wrong when the line arrives in pieces.
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
sentence = input("Input lowercase sentence: ")
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((host, port))
client.sendall((sentence + "\n").encode())
modified = client.recv(1024)
print("From server:", modified.decode())
client.close()
