"""Reference solution for time-server: on 127.0.0.1:8080, tell each client the time, then close."""

import datetime
import socket
import threading

HOST, PORT = "127.0.0.1", 8080


def tell_time(conn: socket.socket) -> None:
    with conn:
        now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
        conn.sendall((now + "\n").encode("ascii"))


def serve() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((HOST, PORT))
        server.listen()
        while True:
            conn, _addr = server.accept()
            threading.Thread(target=tell_time, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    serve()
