import socket

# The lesson's first version: one browser, one answer, then the program ends.
if __name__ == '__main__':
    tcp_server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp_server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
    tcp_server_socket.bind(("", 8080))
    tcp_server_socket.listen(128)
    new_socket, ip_port = tcp_server_socket.accept()
    recv_data = new_socket.recv(4096)
    with open("static/index.html", "rb") as file:
        file_data = file.read()
    response = ("HTTP/1.1 200 OK\r\nServer: PWS1.0\r\n\r\n").encode("utf-8") + file_data
    new_socket.send(response)
    new_socket.close()
    tcp_server_socket.close()
