"""The floor: a correct student program run as many times as the grader runs it, by a bare loop.

No checking, no sandbox, no transcript: an already-running reference peer (a thread in this
process) and a loop that starts the student program once per scenario and waits for it.
Whatever the grader costs beyond this is overhead.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from pathlib import Path

REPLY = "你好, hello!".encode()
PIECES = ["你好".encode(), b", hello! ", b"Nice to meet you."]
DELAY = 0.2  # the hello-client spec's reply-in-pieces delay between pieces


def _serve_hello(listener: socket.socket, modes: list[str]) -> None:
    """Answer each connection as the hello-client scenarios' reference server does."""
    for mode in modes:
        conn, _ = listener.accept()
        with conn:
            conn.recv(64)
            if mode == "pieces":
                for i, piece in enumerate(PIECES):
                    if i:
                        time.sleep(DELAY)  # the peer's scripted delay, part of the floor too
                    conn.sendall(piece)
            else:
                conn.sendall(REPLY)
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(4096):
                pass


def hello_client_floor(python: str, client: Path) -> float:
    """Six runs, like the six scenarios: four plain, one reply in pieces, one with no server."""
    modes = ["plain", "plain", "plain", "plain", "pieces"]
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = threading.Thread(target=_serve_hello, args=(listener, modes), daemon=True)
    server.start()
    started = time.perf_counter()
    for _ in modes:
        subprocess.run([python, str(client), "127.0.0.1", str(port)], capture_output=True, check=True)
    listener.close()
    subprocess.run([python, str(client), "127.0.0.1", str(port)], capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    server.join()
    return elapsed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_listening(port: int, deadline: float) -> socket.socket:
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port))
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.002)  # polling connect, as any hand-written client must


def _echo_once(sock: socket.socket, payload: bytes) -> None:
    sender = threading.Thread(target=lambda: (sock.sendall(payload), sock.shutdown(socket.SHUT_WR)))
    sender.start()
    got = bytearray()
    while chunk := sock.recv(65536):
        got += chunk
    sender.join()
    assert bytes(got) == payload


def echo_server_floor(python: str, server: Path) -> float:
    """Six server runs, like the six scenarios: short, 1 MiB, EOF, two clients, non-ASCII, listen."""
    payloads = [
        [b"hi"],
        [b"hello, echo\n"],
        [bytes(range(256)) * 4096],
        [b"bye"],
        [b"first\n", b"second\n"],
        ["你好\n".encode() + b"\x00\xff\x80\xfe\r\n"],
    ]
    started = time.perf_counter()
    for payload_list in payloads:
        port = free_port()
        proc = subprocess.Popen(
            [python, str(server), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            for payload in payload_list:
                with _wait_listening(port, time.monotonic() + 5) as sock:
                    _echo_once(sock, payload)
        finally:
            proc.kill()
            proc.wait()
    return time.perf_counter() - started
