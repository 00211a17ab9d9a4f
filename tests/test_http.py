"""HTTP steps, fixture files, any address and any port: the reader on every imperfect response
real student servers send, the pure checks, and whole gradings of real programs in namespaces.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.grade import GradeOptions, grade
from grader.messages.codes import Code
from grader.render.words import feedback_text, say
from grader.run.http_steps import judge_response
from grader.spec.fixtures import FixtureError, place_fixtures, read_fixtures
from grader.spec.load import SpecError, load_assignment
from grader.spec.net_steps import Response
from grader.text.http import read_message

PAGE = b"<html><body><h1>Hello</h1></body></html>\n"


def _bytewise(data: bytes) -> bytes:
    """Feed ``data`` one byte at a time, as a server that sends one char per send(); return
    what the reader made of it once the server closed, and check it never answered early."""
    for n in range(len(data)):
        assert read_message(data[:n], eof=False) is None or b"Content-Length" in data[:n]
    message = read_message(data, eof=True)
    assert message is not None
    return message.body


# -- the reader ----------------------------------------------------------------------------


def test_body_sent_one_char_per_send_and_ended_by_close() -> None:
    data = b"HTTP/1.1 200 OK\r\n\r\n" + PAGE
    assert _bytewise(data) == PAGE
    message = read_message(data, eof=True)
    assert message is not None and message.framing == "close" and message.complete


def test_no_content_length_waits_for_the_close() -> None:
    data = b"HTTP/1.1 200 OK\r\nServer: PWS1.0\r\n\r\n" + PAGE
    assert read_message(data, eof=False) is None
    message = read_message(data, eof=True)
    assert message is not None and message.body == PAGE and message.header("server") == "PWS1.0"


def test_content_length_ends_the_body_without_a_close() -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(PAGE) + PAGE + b"extra"
    message = read_message(data, eof=False)
    assert message is not None and message.body == PAGE and message.framing == "content-length"
    assert data[message.consumed :] == b"extra"


def test_bare_newlines_are_read_and_noted() -> None:
    message = read_message(b"HTTP/1.1 200 OK\nServer: x\n\n" + PAGE, eof=True)
    assert message is not None and message.status == 200 and message.body == PAGE
    assert message.line_ends == "lf" and message.has(Code.HTTP_BARE_LF)


def test_404_ok_has_status_404() -> None:
    message = read_message(b"HTTP/1.0 404 OK\r\n\r\nnot here", eof=True)
    assert message is not None and (message.status, message.reason) == (404, "OK")


def test_status_200_with_a_404_body_is_status_200() -> None:
    message = read_message(b"HTTP/1.1 200 OK\r\n\r\n<h1>404 Not Found</h1>", eof=True)
    assert message is not None and message.status == 200


def test_missing_blank_line_is_found_where_the_body_begins() -> None:
    message = read_message(b"HTTP/1.1 200 OK\r\nServer: x\r\n<html>hi</html>", eof=True)
    assert message is not None and message.has(Code.HTTP_NO_BLANK_LINE)
    assert message.headers == [("Server", "x")] and message.body == b"<html>hi</html>"


def test_cut_short_and_chunked() -> None:
    cut = read_message(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", eof=True)
    assert cut is not None and not cut.complete and cut.has("http_body_cut_short")
    chunked = read_message(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1\r\n!\r\n0\r\n\r\n", eof=False
    )
    assert chunked is not None and chunked.body == b"hello!" and chunked.framing == "chunked"


def test_nothing_at_all_and_garbage() -> None:
    empty = read_message(b"", eof=True)
    assert empty is not None and empty.has("http_nothing_sent")
    garbage = read_message(b"hello there", eof=True)
    assert garbage is not None and garbage.status is None and garbage.has("http_bad_status_line")


# -- the checks ----------------------------------------------------------------------------


def _judge(data: bytes, closed: bool = True, fixture: bytes | None = PAGE, **spec: object):
    step = Response.model_validate({"action": "response", **spec})
    message = read_message(data, eof=closed)
    assert message is not None
    return judge_response(step, message, closed, fixture)


def test_status_mismatch_names_the_status_line_as_received() -> None:
    reason = _judge(b"HTTP/1.0 404 OK\r\n\r\nx", status=200)
    assert reason is not None and reason.code is Code.HTTP_STATUS_MISMATCH
    assert reason.args == {"expected": 200, "received": 404, "line": "HTTP/1.0 404 OK"}
    assert "“HTTP/1.0 404 OK”" in say(reason, "en")
    assert "404" in say(reason, "zh")


def test_body_differs_from_the_file_at_a_byte() -> None:
    wrong = PAGE.replace(b"Hello", b"Hallo")
    reason = _judge(b"HTTP/1.1 200 OK\r\n\r\n" + wrong, status=200, body={"file": "index.html"})
    assert reason is not None and reason.code is Code.HTTP_BODY_DIFFERS_FROM_FILE
    assert reason.args["byte"] == PAGE.index(b"Hello") + 2  # counted from 1, as people count
    assert f"byte {PAGE.index(b'Hello') + 2}" in say(reason, "en")


def test_body_cut_short_at_n_of_m() -> None:
    reason = _judge(b"HTTP/1.1 200 OK\r\n\r\n" + PAGE[:10], status=200, body={"file": "index.html"})
    assert reason is not None and reason.code is Code.HTTP_BODY_CUT_SHORT
    assert f"cut short at 10 of {len(PAGE)}" in say(reason, "en")


def test_strict_line_ends_and_required_framing() -> None:
    lf = b"HTTP/1.1 200 OK\n\n" + PAGE
    assert _judge(lf, status=200) is None
    assert _judge(lf, status=200, crlf="strict").code is Code.HTTP_BARE_LF  # type: ignore[union-attr]
    assert _judge(lf.replace(b"\n", b"\r\n", 2), framing="content-length").code is Code.HTTP_FRAMING  # type: ignore[union-attr]


def test_headers_are_case_insensitive_exact_or_regex() -> None:
    data = b"HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n\r\n" + PAGE
    assert _judge(data, headers={"Content-Type": {"regex": "text/html.*"}}) is None
    assert _judge(data, headers={"Content-Type": "text/plain"}).code is Code.HTTP_HEADER_MISMATCH  # type: ignore[union-attr]
    assert _judge(data, headers={"Server": "x"}).code is Code.HTTP_HEADER_MISSING  # type: ignore[union-attr]


# -- fixture files -------------------------------------------------------------------------


def test_fixtures_are_read_and_placed(tmp_path: Path) -> None:
    files = tmp_path / "a" / "files"
    (files / "static").mkdir(parents=True)
    (files / "static" / "index.html").write_bytes(PAGE)
    (files / "HelloWorld.html").write_bytes(b"hi")
    fixtures = read_fixtures(tmp_path / "a")
    assert fixtures == {"HelloWorld.html": b"hi", "static/index.html": PAGE}
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "HelloWorld.html").write_bytes(b"the student's own")
    assert sorted(place_fixtures(fixtures, scratch)) == ["HelloWorld.html", "static/index.html"]
    assert (scratch / "HelloWorld.html").read_bytes() == b"hi"
    assert (scratch / "static" / "index.html").read_bytes() == PAGE


def test_fixtures_never_write_through_a_submitted_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "static").symlink_to(outside)
    assert place_fixtures({"static/index.html": PAGE}, scratch) == []
    assert list(outside.iterdir()) == []
    (tmp_path / "a" / "files").mkdir(parents=True)
    (tmp_path / "a" / "files" / "link").symlink_to(outside)
    with pytest.raises(FixtureError):
        read_fixtures(tmp_path / "a")


def _assignment(tmp_path: Path, spec: str, files: dict[str, bytes] | None = None) -> Path:
    folder = tmp_path / "assignment"
    folder.mkdir()
    (folder / "assignment.yaml").write_text(textwrap.dedent(spec))
    for name, data in (files or {}).items():
        (folder / "files" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "files" / name).write_bytes(data)
    return folder


SERVER_SPEC = """
id: t
title: t
role: server
student: {entry: web.py}
network: {host: any, port: any}
timeouts: {step: 4, scenario: 10}
scenarios:
  - id: listening
    title: listening
    points: 1
    steps: [connect]
  - id: page
    title: page
    points: 1
    steps:
      - connect
      - request: {path: /}
      - response: {status: 200, body: {file: index.html}}
"""


def test_a_body_file_must_be_a_fixture(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"index\.html"):
        load_assignment(_assignment(tmp_path, SERVER_SPEC))


def _server(tmp_path: Path, address: str, port: int, one_shot: bool = False) -> Path:
    code = f"""
        import socket
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(({address!r}, {port}))
        s.listen(128)
        while True:
            c, _ = s.accept()
            request = c.recv(4096).decode()
            path = request.split()[1]  # crashes on an empty request, as real ones do
            c.send(b"HTTP/1.1 200 OK\\r\\n\\r\\n" + open("index.html", "rb").read())
            c.close()
            {"break" if one_shot else ""}
    """
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "web.py").write_text(textwrap.dedent(code))
    return folder


@pytest.mark.root
@pytest.mark.parametrize(
    ("address", "port"), [("172.31.30.247", 80), ("192.168.1.5", 8080), ("", 9090), ("127.0.0.1", 7878)]
)
def test_server_on_any_address_and_port(tmp_path: Path, address: str, port: int) -> None:
    spec = load_assignment(_assignment(tmp_path, SERVER_SPEC, {"index.html": PAGE}))
    result = grade(spec, _server(tmp_path, address, port), "s", GradeOptions(isolation="namespace"))
    assert result.score == result.max_score, [feedback_text(s) for s in result.scenarios]
    page = next(s for s in result.scenarios if s.id == "page")
    assert page.outcome is not None and page.outcome.fixtures == ["index.html"]
    assert page.outcome.address_used == f"{address or '0.0.0.0'}:{port}"


@pytest.mark.root
def test_probes_do_not_consume_a_one_shot_server(tmp_path: Path) -> None:
    """Listening is checked from the socket table: the one accept is left for the request,
    and the server that crashes on an empty request is never fed one."""
    head = "  - id: page\n    title: page\n    points: 1\n    steps:\n"
    spec_text = SERVER_SPEC.replace(
        head + "      - connect", head + "      - connect: {conn: probe}\n      - connect"
    )
    spec = load_assignment(_assignment(tmp_path, spec_text, {"index.html": PAGE}))
    result = grade(spec, _server(tmp_path, "", 8000, one_shot=True), "s", GradeOptions(isolation="namespace"))
    assert result.score == result.max_score, [feedback_text(s) for s in result.scenarios]


def test_any_is_refused_in_host_mode(tmp_path: Path) -> None:
    spec = load_assignment(_assignment(tmp_path, SERVER_SPEC, {"index.html": PAGE}))
    result = grade(spec, _server(tmp_path, "", 8000), "s", GradeOptions(isolation="host"))
    assert result.score == 0
    for scenario in result.scenarios:
        assert scenario.status == "not_gradable"
        assert "namespace mode" in feedback_text(scenario) and "\n" not in feedback_text(scenario)


CLIENT_SPEC = """
id: c
title: c
role: client
student: {entry: client.py}
network: {host: any, port: PORT}
timeouts: {step: 4, scenario: 10}
scenarios:
  - id: talks
    title: talks
    points: 1
    steps:
      - accept
      - expect: {text: "hello"}
      - send: {text: "HELLO"}
      - output: {text: "HELLO"}
      - exit: 0
"""


def _client(tmp_path: Path, address: str, port: int) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "client.py").write_text(
        textwrap.dedent(f"""
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.connect(({address!r}, {port}))
            s.send("hello".encode("gbk"))
            print(s.recv(1024).decode("gbk"))
            s.close()
        """)
    )
    return folder


@pytest.mark.root
def test_client_hard_coding_a_lan_address_and_any_port(tmp_path: Path) -> None:
    spec = load_assignment(_assignment(tmp_path, CLIENT_SPEC.replace("PORT", "any")))
    result = grade(spec, _client(tmp_path, "192.168.1.102", 7788), "s", GradeOptions(isolation="namespace"))
    assert result.score == result.max_score, [feedback_text(s) for s in result.scenarios]
    outcome = result.scenarios[0].outcome
    assert outcome is not None and outcome.address_used == "192.168.1.102:7788"


@pytest.mark.root
def test_client_on_a_wrong_fixed_port_is_told_what_it_dialled(tmp_path: Path) -> None:
    spec = load_assignment(_assignment(tmp_path, CLIENT_SPEC.replace("PORT", "8080")))
    result = grade(spec, _client(tmp_path, "192.168.1.102", 7788), "s", GradeOptions(isolation="namespace"))
    assert result.score == 0
    told = feedback_text(result.scenarios[0])
    assert "192.168.1.102:7788" in told and "8080" in told


def test_the_refusal_is_a_reason_code_in_either_language(tmp_path: Path) -> None:
    spec = load_assignment(_assignment(tmp_path, SERVER_SPEC, {"index.html": PAGE}))
    result = grade(spec, _server(tmp_path, "", 8000), "s", GradeOptions(isolation="host"))
    outcome = result.scenarios[0].outcome
    assert outcome is not None and outcome.grader_error is not None
    assert outcome.grader_error.code is Code.ANY_NEEDS_NAMESPACE
    assert "命名空间模式" in feedback_text(result.scenarios[0], "zh")


HOST_SPEC = """
id: h
title: h
role: server
student: {entry: web.py, args: ["{port}"]}
timeouts: {step: 4, scenario: 10}
scenarios:
  - id: page
    title: page
    points: 1
    steps:
      - wait_listening
      - connect: {conn: probe}
      - connect
      - request: {path: /}
      - response: {status: 200, body: {file: index.html}}
"""


def test_host_mode_probes_cost_nothing_either(tmp_path: Path) -> None:
    """On the host network the machine's socket table, narrowed to the sockets the student's
    processes hold, says when it listens: its one accept is kept for the request."""
    folder = _server(tmp_path, "", 0, one_shot=True)
    argv_port = "s.bind(('', int(__import__('sys').argv[1])))"
    (folder / "web.py").write_text((folder / "web.py").read_text().replace("s.bind(('', 0))", argv_port))
    spec = load_assignment(_assignment(tmp_path, HOST_SPEC, {"index.html": PAGE}))
    result = grade(spec, folder, "s", GradeOptions(isolation="host"))
    assert result.score == result.max_score, [feedback_text(s) for s in result.scenarios]


def test_fixture_files_named_md_travel_in_batch_bundles(tmp_path: Path) -> None:
    from grader.task.job import assignment_files

    folder = _assignment(tmp_path, SERVER_SPEC, {"index.html": PAGE, "notes.md": b"# served\n"})
    (folder / "README.md").write_text("the task statement")
    assert sorted(assignment_files(folder)) == ["assignment.yaml", "files/index.html", "files/notes.md"]


def test_every_name_is_answered_with_the_graders_address_and_garbage_is_ignored() -> None:
    import socket
    import struct

    from grader.run.any_name import answer

    def query(name: str, qtype: int) -> bytes:
        labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split("."))
        return (
            struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + labels + b"\0" + struct.pack("!HH", qtype, 1)
        )

    reply, name = answer(query("servername", 1)) or (b"", "")
    assert name == "servername"
    ident, flags, _, answers = struct.unpack_from("!HHHH", reply)
    assert (ident, flags & 0x8000, answers) == (0x1234, 0x8000, 1)
    assert reply.endswith(socket.inet_aton("127.0.0.1"))
    aaaa, _ = answer(query("teacher-pc.lan", 28)) or (b"", "")
    assert struct.unpack_from("!H", aaaa, 6)[0] == 0  # no IPv6 answer: the resolver uses IPv4
    for garbage in (b"", b"\xff" * 11, query("x", 1)[:-3], b"\x12\x34\x81\x80" + b"\0" * 8):
        assert answer(garbage) is None
