"""Chinese throughout the command line: every command's --help, argparse's own words, the
grader's error lines and the files ``grader new`` writes, under ``--lang zh``, ``GRADER_LANG=zh``
or a Chinese locale; each scanned for English fragments by the rules of
``tests/english_fragments.py`` (results rendered in Chinese are scanned in test_assignments.py).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from english_fragments import english_fragments, html_text, spec_texts

from grader.cli import COMMANDS, _new_parser

COMMENTED_OUT = re.compile(r"^\s*(-\s+)?[a-z_]+:\s")
"""A commented-out YAML line (``#   - submission: ...``): an example of the spec, not words."""
SUBCOMMANDS = [name.replace("_", "-") for name in COMMANDS]


def grader(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("GRADER_LANG", "LC_ALL", "LC_MESSAGES", "LANG")}
    return subprocess.run(
        [sys.executable, "-m", "grader", *args],
        capture_output=True,
        text=True,
        env={**base, "PYTHONPATH": str(ROOT), "GRADER_DAEMON": "0", **(env or {})},
        cwd=cwd,
        timeout=60,
    )


def placeholders() -> set[str]:
    """Every metavar and choice of every command: what the user types, not words to translate."""
    found: set[str] = set()

    def walk(parser: argparse.ArgumentParser) -> None:
        for action in parser._actions:
            found.update(str(c) for c in action.choices or ())  # a dict's keys: the commands
            found.update([action.dest, action.dest.upper(), *action.option_strings])
            if isinstance(action.metavar, str):
                found.add(action.metavar)
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    found.add(sub.prog)
                    walk(sub)

    walk(_new_parser(None, "zh"))
    return {word for word in found if len(word) > 1}  # ``N`` stays: ``local[:N]`` is code


def test_the_scanner_finds_english_and_ascii_punctuation() -> None:
    """The test that guards Chinese can fail: on what the issue found in the grader's output."""
    for text in (
        "“hello”(5 字节)",
        "隔离方式：namespace",
        "（the program listens on port 8080）",
        "学生: 张三",
    ):
        assert english_fragments(text), text
    assert english_fragments("总分；通过; 用时") == ["'过;': …总分；通过; 用时…"]
    kept = '请调用 sock.recv(1024)，用 encode("gbk") 发送 “hello”，见 client.py:11、--lang 和 UTF-8。'
    assert english_fragments(kept) == []


@pytest.mark.parametrize("command", ["", *SUBCOMMANDS])
@pytest.mark.parametrize("how", ["--lang zh", "GRADER_LANG=zh", "LANG=zh_CN.UTF-8"])
def test_every_help_page_is_chinese(command: str, how: str) -> None:
    args = [command] if command else []
    if how == "--lang zh":  # before the command: every command takes it there
        shown = grader("--lang", "zh", *args, "--help")
    else:
        name, value = how.split("=")
        shown = grader(*args, "--help", env={name: value})
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("用法：grader"), shown.stdout[:80]
    assert "选项：" in shown.stdout
    assert english_fragments(shown.stdout, placeholders()) == []


def test_english_help_stays_english() -> None:
    shown = grader("check", "--help", env={"LANG": "C.UTF-8"})
    assert shown.stdout.startswith("usage: grader check")
    assert "write the HTML report here" in shown.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["check"], "grader check：错误：缺少以下必需的参数：assignment, submission"),
        (
            ["check", "a", "b", "--isolation", "box"],
            "无效的选择：'box'（可选：'auto', 'namespace', 'host', 'portable'）",
        ),
        (["frobnicate"], "无效的选择：'frobnicate'"),
        (["check", str(ROOT / "assignments" / "hello-client"), "/nonexistent/client.py"], "grader：错误："),
    ],
)
def test_errors_are_chinese(args: list[str], words: str) -> None:
    shown = grader(*args, env={"GRADER_LANG": "zh"})
    assert shown.returncode == 2
    assert words in shown.stderr, shown.stderr
    assert english_fragments(shown.stderr, placeholders()) == [], shown.stderr


def test_grader_new_writes_chinese_comments(tmp_path: Path) -> None:
    for role in ("client", "server"):
        made = grader("new", f"demo-{role}", "--role", role, "--root", str(tmp_path), "--lang", "zh")
        assert made.returncode == 0, made.stderr
        assert english_fragments(made.stdout, [str(tmp_path), *placeholders()]) == []
        for name in ("assignment.yaml", "manifest.yaml"):
            text = (tmp_path / "assignments" / f"demo-{role}" / name).read_text(encoding="utf-8")
            comments = [line.split("#", 1)[1] for line in text.splitlines() if "#" in line]
            comments = [c for c in comments if not COMMENTED_OUT.match(c)]  # spec lines, not prose
            theirs = [*spec_texts(yaml.safe_load(text)), "yaml-language-server", "TODO"]
            assert english_fragments("\n".join(comments), theirs) == [], name
        proven = grader("validate", str(tmp_path / "assignments" / f"demo-{role}"), env={"GRADER_LANG": "zh"})
        assert "无法使用" not in proven.stdout + proven.stderr  # the commented spec still loads


def test_a_batch_reads_in_chinese(tmp_path: Path) -> None:
    """What a teacher reads after ``grader batch --lang zh``: the terminal summary, grades.csv
    (headers, statuses, notes) and the class index; names, ids and scenario ids are theirs."""
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "张三_2023001_client.py").write_bytes((ROOT / "reference/hello-client/client.py").read_bytes())
    (subs / "李四_2023002_client.py").write_bytes(
        (ROOT / "tests/submissions/hello-client/str-send.py").read_bytes()
    )
    (subs / "王五_2023003").mkdir()  # nothing in it: not graded, with the reason in Chinese
    (subs / "notes.txt").write_text("hi")
    spec = ROOT / "assignments" / "hello-client"
    ran = grader(
        "batch", str(spec), str(subs), "--out", str(tmp_path / "out"), "--lang", "zh", "--no-progress"
    )
    assert ran.returncode == 0, ran.stderr
    theirs = [
        *placeholders(),
        *spec_texts(yaml.safe_load((spec / "assignment.yaml").read_text(encoding="utf-8"))),
        *(p.stem for p in subs.iterdir()),
        str(tmp_path),
    ]
    assert english_fragments(ran.stdout + ran.stderr, theirs) == [], ran.stdout
    gradebook = (tmp_path / "out" / "grades.csv").read_text(encoding="utf-8-sig")
    assert gradebook.startswith("学生,学号,姓名,")
    cells = "\n".join(cell for row in csv.reader(io.StringIO(gradebook)) for cell in row)
    assert english_fragments(cells, theirs) == [], gradebook
    index = html_text((tmp_path / "out" / "index.html").read_text(encoding="utf-8"))
    assert english_fragments(index, theirs) == []


def test_spec_errors_read_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "assignment.yaml").write_text(
        "id: bad\ntitle: Bad\nrole: client\nstudent: {entry: client.py}\nscenarios:\n"
        "  - id: a\n    title: A\n    pionts: 2\n    steps:\n      - acept\n",
        encoding="utf-8",
    )
    shown = grader("check", str(tmp_path), str(tmp_path), env={"GRADER_LANG": "zh"})
    assert shown.returncode == 2
    assert shown.stderr.startswith("grader：错误：")
    steps = [
        "accept",
        "acept",
        "points",
        "pionts",
        "wait_listening",
        "close_stdin",
        "expect_eof",
        "scenarios",
    ]
    kinds = "connect send expect shutdown close reset pause request response browser parallel prompt"
    kinds += " output type exit stderr file"
    assert english_fragments(shown.stderr, [*steps, *kinds.split(), str(tmp_path)]) == [], shown.stderr
