import socket


def handle_client_request(new_socket):
    recv_data = new_socket.recv(4096)
    if len(recv_data) == 0:
        new_socket.close()
        return
    recv_content = recv_data.decode("utf-8")
    request_list = recv_content.split(" ", maxsplit=2)
    request_path = request_list[1]
    if request_path == "/":
        request_path = "/index.html"
    try:
        with open("static" + request_path, "r", encoding="utf-8", errors="replace") as file:
            file_data = file.read().encode("utf-8")
    except Exception:
        with open("static/error.html", "rb") as file:
            file_data = file.read()
        response_line = "HTTP/1.1 404 Not Found\r\n"
    else:
        response_line = "HTTP/1.1 200 OK\r\n"
    response_header = "Server: PWS1.0\r\n"
    response = (response_line + response_header + "\r\n").encode("utf-8") + file_data
    new_socket.send(response)
    new_socket.close()


def main():
    tcp_server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp_server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
    tcp_server_socket.bind(("", 8000))
    tcp_server_socket.listen(128)
    while True:
        new_socket, ip_port = tcp_server_socket.accept()
        handle_client_request(new_socket)


if __name__ == '__main__':
    main()
