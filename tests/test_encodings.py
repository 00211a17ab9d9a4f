"""Either encoding: a step naming ``[utf-8, gbk]`` takes text in any of them, the grader answers
in the one the program used, and the feedback says which one that was."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from grader.grade import GradeOptions, grade
from grader.render.words import feedback_text
from grader.run.http_steps import body_encoding
from grader.spec.load import load_assignment
from grader.spec.matching import match_expect
from grader.spec.net_steps import BodyCheck, Expect, Send
from grader.text.encodings import choose, distinguishes

BOTH = ["utf-8", "gbk"]


def _expect(**fields: object) -> Expect:
    return Expect.model_validate({"action": "expect", "encoding": BOTH, **fields})


@pytest.mark.parametrize("encoding", BOTH)
def test_text_in_either_encoding_matches_and_names_it(encoding: str) -> None:
    step = _expect(text="你好，服务器")
    data = "你好，服务器".encode(encoding)
    result = match_expect(step, data + b"more", eof=False)
    assert (result.verdict, result.consumed, result.encoding) == ("match", len(data), encoding)


def test_a_line_or_regex_in_gbk_matches() -> None:
    line = match_expect(_expect(line="收到"), "收到\n".encode("gbk"), eof=False)
    assert (line.verdict, line.encoding) == ("match", "gbk")
    regex = match_expect(_expect(regex="ok, .*处理中.*"), "ok, 问题正在处理中...\n".encode("gbk"), eof=False)
    assert (regex.verdict, regex.encoding) == ("match", "gbk")


def test_ascii_is_the_same_in_both_so_no_encoding_is_named() -> None:
    result = match_expect(_expect(text="hello"), b"hello", eof=False)
    assert (result.verdict, result.encoding) == ("match", None)
    assert not distinguishes(BOTH, "hello") and distinguishes(BOTH, "你好")


def test_waits_while_either_could_still_match_and_fails_when_neither_can() -> None:
    gbk = "你好".encode("gbk")
    assert match_expect(_expect(text="你好"), gbk[:1], eof=False).verdict == "need_more"
    wrong = match_expect(_expect(text="你好"), "再见".encode("gbk"), eof=False)
    assert wrong.verdict == "mismatch"
    assert match_expect(_expect(text="你好"), gbk[:1], eof=True).verdict == "mismatch"


def test_one_encoding_is_strict() -> None:
    step = Expect.model_validate({"action": "expect", "text": "你好", "encoding": "utf-8"})
    assert match_expect(step, "你好".encode("gbk"), eof=False).verdict == "mismatch"


def test_the_grader_writes_in_the_encoding_the_program_used() -> None:
    send = Send.model_validate({"action": "send", "text": "收到", "encoding": BOTH})
    assert send.render() == "收到".encode()
    assert send.render("gbk") == "收到".encode("gbk")
    assert choose(BOTH, "latin-1") == "utf-8"  # not one the step allows: the first


def test_http_body_in_either_encoding() -> None:
    check = BodyCheck(text="你好", encoding=BOTH)
    assert body_encoding(check, "你好".encode("gbk")) == "gbk"
    assert body_encoding(check, "你好".encode()) == "utf-8"
    assert body_encoding(check, b"nope") is None


@pytest.mark.parametrize("bad", ["klingon", []])
def test_unknown_or_no_encoding_is_a_spec_error(bad: object) -> None:
    with pytest.raises(ValidationError, match="encoding"):
        Expect.model_validate({"action": "expect", "text": "x", "encoding": bad})


SPEC = """
id: enc
title: enc
role: client
student: {entry: client.py}
network: {port: 8080}
timeouts: {step: 4, scenario: 10}
scenarios:
  - id: talks
    title: talks
    points: 1
    steps:
      - accept
      - expect: {text: "你好，我是客户端", encoding: [utf-8, gbk]}
      - send: {text: "收到：你好", encoding: [utf-8, gbk]}
      - output: {text: "收到：你好"}
      - exit: 0
"""

CLIENT = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.connect(("127.0.0.1", 8080))
s.send("你好，我是客户端".encode("ENC"))
print(s.recv(1024).decode("ENC"))
s.close()
"""


@pytest.mark.root
@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_a_client_in_either_encoding_gets_full_marks_and_is_told_which(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "assignment.yaml").write_text(SPEC)
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "client.py").write_text(textwrap.dedent(CLIENT.replace("ENC", encoding)))
    spec = load_assignment(tmp_path / "a")
    result = grade(spec, tmp_path / "s", "s", GradeOptions(isolation="namespace"))
    scenario = result.scenarios[0]
    assert scenario.score == scenario.max_score, feedback_text(scenario)
    assert f"was in {encoding.upper()}" in feedback_text(scenario)
    assert scenario.outcome is not None
    assert f"{encoding.upper()}" in feedback_text(scenario, "zh")
    assert "文本编码" in feedback_text(scenario, "zh")
