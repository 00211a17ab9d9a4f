"""GBK shown as the text it is: in the feedback, the terminal and the report, in both languages.

Real programs graded in namespaces: a client that sends UTF-8 where the assignment asks for GBK
(the spec's GBK text must read as Chinese, not as ``\\xc4\\xe3``), one that writes the GBK
bytes it received straight to its terminal, and one whose source Windows Notepad saved in GBK
(one diagnosis, first, in the student's language; no socket hint; no point for a scenario it
"passes" by never starting). The report's text is checked in a real browser by
``tests/test_gbk_report_browser.py``.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest
from rich.console import Console

from grader.grade import GradeOptions, grade
from grader.messages.codes import Code
from grader.render.terminal import print_result
from grader.results.models import GradeResult
from grader.spec.load import load_assignment
from grader.text.show import show_bytes, text_encoding

SPEC = """\
id: gbk-talk
title: {en: A GBK conversation, zh: GBK 对话}
role: client
student: {entry: client.py, args: ["{host}", "{port}"]}
timeouts: {step: 3, scenario: 10}
scenarios:
  - id: greets
    title: {en: Greets in GBK, zh: 用 GBK 问候}
    points: 2
    hint: {en: 'sock.sendall(text.encode("gbk"))', zh: 'sock.sendall(text.encode("gbk"))'}
    steps:
      - accept
      - expect: {text: "你好，服务器", encoding: gbk}
  - id: prints
    title: {en: Prints the welcome as text, zh: 以文本形式打印欢迎词}
    points: 2
    steps:
      - accept
      - expect: {anything: true}
      - send: {text: "欢迎光临", encoding: gbk}
      - close
      - output: {text: "欢迎光临"}
  - id: server-down
    title: {en: Reports an unreachable server, zh: 服务器未运行时给出提示}
    points: 1
    server_running: false
    hint: {en: 'except ConnectionRefusedError: sys.exit(1)', zh: 'except ConnectionRefusedError: sys.exit(1)'}
    steps:
      - exit: nonzero
      - stderr: {no_traceback: true}
"""

UTF8_CLIENT = """\
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
except ConnectionRefusedError:
    print("no server", file=sys.stderr)
    sys.exit(1)
s.sendall("你好，服务器".encode("utf-8"))
sys.stdout.buffer.write(s.recv(1024))  # the GBK bytes, as they came
s.close()
"""

NOTEPAD_CLIENT = """\
# 客户端：连接服务器，发送问候
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
except ConnectionRefusedError:
    sys.exit(1)
s.sendall("你好，服务器".encode("gbk"))
print(s.recv(1024).decode("gbk"))
s.close()
"""


def _grade(tmp_path: Path, source: bytes, name: str) -> GradeResult:
    (tmp_path / "a").mkdir(exist_ok=True)
    (tmp_path / "a" / "assignment.yaml").write_text(SPEC, encoding="utf-8")
    folder = tmp_path / name
    folder.mkdir()
    (folder / "client.py").write_bytes(source)
    return grade(load_assignment(tmp_path / "a"), folder, name, GradeOptions(isolation="namespace"))


def terminal_text(result: GradeResult, lang: str) -> str:
    out = io.StringIO()
    print_result(result, Console(file=out, width=1000, highlight=False, color_system=None), lang)
    return out.getvalue()


def test_gbk_bytes_read_as_gbk_and_binary_stays_bytes() -> None:
    assert text_encoding("你好，服务器".encode("gbk")) == "gbk"
    assert text_encoding("你好".encode()) == "utf-8"
    assert text_encoding("䶮".encode("gb18030")) == "gb18030"  # not in GBK
    assert text_encoding(bytes(range(128, 256))) == "utf-8"  # binary: escaped, not guessed
    assert text_encoding(b"\xc4\xe3\xba\xc3", known="gbk") == "gbk"
    assert text_encoding("Grüße".encode("latin-1"), ["latin-1"]) == "iso8859-1"  # named: any text
    assert text_encoding("Grüße".encode("latin-1")) == "utf-8"  # unnamed: Chinese text only
    assert show_bytes("你好\n".encode("gbk"), encoding="gbk") == "你好\\n"
    assert show_bytes("你好".encode("gbk") + b"\xff", encoding="gbk") == "你好\\xff"


@pytest.fixture(scope="module")
def utf8_result(tmp_path_factory: pytest.TempPathFactory) -> GradeResult:
    from conftest import require_root

    require_root()
    return _grade(tmp_path_factory.mktemp("utf8"), UTF8_CLIENT.encode("utf-8"), "utf8")


@pytest.fixture(scope="module")
def notepad_result(tmp_path_factory: pytest.TempPathFactory) -> GradeResult:
    from conftest import require_root

    require_root()
    return _grade(tmp_path_factory.mktemp("notepad"), NOTEPAD_CLIENT.encode("gbk"), "notepad")


WORDS = {
    "en": {
        "sent": "You sent “你好，服务器” encoded in UTF-8; this assignment expects GBK",
        "expected": "“你好，服务器” (12 bytes, GBK)",
        "observed": "“你好，服务器” (18 bytes, UTF-8)",
        "printed": "“欢迎光临” (8 bytes, GBK)",
        "notepad": "Save client.py as UTF-8, or add “# -*- coding: gbk -*-” as its first line",
        "never": "Your program never started",
    },
    "zh": {
        "sent": "你发送的“你好，服务器”是 UTF-8 编码的；本作业要求 GBK 编码",
        "expected": "“你好，服务器”（12 字节，GBK 编码）",
        "observed": "“你好，服务器”（18 字节，UTF-8 编码）",
        "printed": "“欢迎光临”（8 字节，GBK 编码）",
        "notepad": "请把 client.py 另存为 UTF-8 编码，或者在它的第一行加上“# -*- coding: gbk -*-”",
        "never": "你的程序没有运行起来",
    },
}


@pytest.mark.root
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_specs_gbk_text_and_a_utf8_send_read_as_text_and_are_named(
    utf8_result: GradeResult, lang: str
) -> None:
    greets, prints, down = utf8_result.scenarios
    assert greets.status == "failed" and greets.cause is not None
    assert greets.cause.code is Code.WRONG_ENCODING
    assert prints.status == "failed"
    assert down.status == "passed"  # it ran, and failed gracefully
    shown = terminal_text(utf8_result, lang)
    for key in ("sent", "expected", "observed", "printed"):
        assert WORDS[lang][key] in shown, (key, shown)
    assert "\\x" not in shown  # no byte of the Chinese text as an escape


@pytest.mark.root
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_source_saved_in_gbk_is_one_cause_with_no_socket_hint_and_no_point(
    notepad_result: GradeResult, lang: str
) -> None:
    assert notepad_result.score == 0
    greets, prints, down = notepad_result.scenarios
    for s in (greets, prints, down):
        assert s.status == "failed"
        assert s.cause is not None and s.cause.code is Code.SOURCE_NOT_UTF8, s.diagnoses
        assert len(s.diagnoses) == 1
        assert s.hint is None
    shown = terminal_text(notepad_result, lang)
    assert WORDS[lang]["notepad"] in shown
    assert WORDS[lang]["never"] in shown
    assert "grader-run-" not in shown and "pep-0263" not in shown
    assert "sendall" not in shown and "ConnectionRefusedError" not in shown  # the hints are gone


@pytest.mark.root
def test_an_indentation_error_is_a_program_that_never_ran(tmp_path: Path) -> None:
    broken = textwrap.dedent(UTF8_CLIENT).replace("import socket, sys", "import socket, sys\n  x = 1")
    result = _grade(tmp_path, broken.encode(), "indent")
    down = result.scenarios[2]
    assert down.status == "failed" and down.score == 0
    assert down.cause is not None and down.cause.code is Code.SYNTAX_ERROR
    assert "client.py:2" in terminal_text(result, "en")
