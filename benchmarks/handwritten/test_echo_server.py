"""What a teacher writes by hand to check echo-server: pytest, subprocess, a client socket.

The comparison point for the grader's overhead on a server assignment (benchmarks/bench.py
runs it): the same six things the assignment's scenarios check, each against a fresh
server process, with none of the grader's explanations, transcripts, isolation or limits.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

SERVER = os.environ.get("SERVER", "reference/echo-server/server.py")
PYTHON = os.environ.get("STUDENT_PYTHON", "/usr/bin/python3")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def port() -> Iterator[int]:
    chosen = free_port()
    server = subprocess.Popen(
        [PYTHON, SERVER, str(chosen)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield chosen
    finally:
        server.kill()
        server.wait()


def connect(port: int, within: float = 5.0) -> socket.socket:
    deadline = time.monotonic() + within
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port))
            sock.settimeout(10)
            return sock
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.002)  # polling, as any hand-written check must


def receive(sock: socket.socket, size: int) -> bytes:
    got = bytearray()
    while len(got) < size:
        chunk = sock.recv(65536)
        if not chunk:
            break
        got += chunk
    return bytes(got)


def echo(sock: socket.socket, data: bytes) -> bytes:
    sock.sendall(data)
    return receive(sock, len(data))


def test_listening(port: int) -> None:
    connect(port).close()


def test_echoes_short(port: int) -> None:
    with connect(port) as sock:
        assert echo(sock, b"hello, echo\n") == b"hello, echo\n"


def test_echoes_large(port: int) -> None:
    data = random.Random(7).randbytes(1 << 20)
    with connect(port) as sock:
        sender = threading.Thread(
            target=lambda: [sock.sendall(data[i : i + 65536]) for i in range(0, len(data), 65536)]
        )
        sender.start()
        got = receive(sock, len(data))
        sender.join()
    assert got == data


def test_closes_after_eof(port: int) -> None:
    with connect(port) as sock:
        assert echo(sock, b"bye\n") == b"bye\n"
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(64) == b""


def test_second_client(port: int) -> None:
    with connect(port) as first:
        assert echo(first, b"first\n") == b"first\n"
    with connect(port) as second:
        assert echo(second, b"second\n") == b"second\n"


def test_non_ascii(port: int) -> None:
    with connect(port) as sock:
        text = "你好，世界 ✓\n".encode()
        assert echo(sock, text) == text
        assert echo(sock, bytes.fromhex("00ff80fe0d0a")) == bytes.fromhex("00ff80fe0d0a")
