"""What a teacher writes by hand to check hello-client: pytest, subprocess, a threaded server.

Kept as the comparison point for the grader's overhead (benchmarks/bench.py runs it); it
checks the same six things the assignment's scenarios check, with none of the grader's
explanations, transcripts, isolation or limits.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time

import pytest

CLIENT = os.environ.get("CLIENT", "reference/hello-client/client.py")
PYTHON = os.environ.get("STUDENT_PYTHON", "/usr/bin/python3")
REPLY = "你好, hello!"


class Server:
    def __init__(self, pieces: list[bytes], delay: float = 0.0) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received = b""
        self.closed_by_client = False
        self.pieces, self.delay = pieces, delay
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            self.received = conn.recv(1024)
            for i, piece in enumerate(self.pieces):
                if i and self.delay:
                    time.sleep(self.delay)
                conn.sendall(piece)
            conn.shutdown(socket.SHUT_WR)
            self.closed_by_client = conn.recv(1024) == b""
        self.listener.close()


def run_client(port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, CLIENT, "127.0.0.1", str(port)], capture_output=True, text=True, timeout=10
    )


@pytest.fixture
def server() -> Server:
    return Server([REPLY.encode()])


def test_connects(server: Server) -> None:
    run_client(server.port)
    server.thread.join(5)
    assert server.received


def test_sends_hello(server: Server) -> None:
    run_client(server.port)
    server.thread.join(5)
    assert server.received == b"hello"


def test_prints_reply(server: Server) -> None:
    assert REPLY in run_client(server.port).stdout


def test_closes_and_exits(server: Server) -> None:
    assert run_client(server.port).returncode == 0
    server.thread.join(5)
    assert server.closed_by_client


def test_reply_in_pieces() -> None:
    text = "你好, hello! Nice to meet you."
    data = text.encode()
    server = Server([data[:6], data[6:16], data[16:]], delay=0.2)
    assert text in run_client(server.port).stdout


def test_server_down() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_client(port)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
