# Connects to the port from the textbook (12000) instead of the one on the command line.
import socket
import sys

host = sys.argv[1]
sentence = input("Input lowercase sentence: ")
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect((host, 12000))
client.sendall((sentence + "\n").encode())
print(client.recv(1024).decode(), end="")
client.close()
