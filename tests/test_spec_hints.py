"""Spec mistakes in plain words: did you mean, unknown steps, YAML indentation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader.errors import SpecError
from grader.spec.load import load_assignment

HEAD = "id: x\ntitle: X\nrole: client\nstudent: {entry: client.py}\nscenarios:\n  - id: a\n    title: A\n"


def problems(tmp_path: Path, text: str) -> str:
    (tmp_path / "assignment.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_assignment(tmp_path)
    return str(caught.value)


def test_a_misspelled_field_gets_did_you_mean(tmp_path: Path) -> None:
    text = problems(tmp_path, HEAD + "    steps:\n      - accept\n      - expect: {text: hi, timout: 2}\n")
    assert "steps[1].expect.timout: unknown field (did you mean 'timeout'?)" in text


@pytest.mark.parametrize(
    ("step", "words"),
    [
        ("      - acept\n", "unknown step 'acept' (did you mean 'accept'?); steps are: accept, connect"),
        ("      - {expct: {text: hi}}\n", "(did you mean 'expect'?)"),
    ],
)
def test_an_unknown_step_is_named_with_its_nearest(tmp_path: Path, step: str, words: str) -> None:
    text = problems(tmp_path, HEAD + "    steps:\n" + step)
    assert words in text and "discriminator" not in text


def test_an_indentation_error_says_what_to_fix(tmp_path: Path) -> None:
    text = problems(tmp_path, HEAD + "    steps:\n      - accept\n     - expect: {text: hi}\n")
    assert "assignment.yaml:10: the indentation is off" in text
    tab = problems(tmp_path, HEAD + "    steps:\n\t- accept\n")
    assert "YAML indents with spaces only" in tab


# --------------------------------------------------------------------------- in Chinese


def lines(tmp_path: Path, text: str, lang: str) -> str:
    (tmp_path / "assignment.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_assignment(tmp_path)
    return "\n".join(caught.value.lines(lang))


STEPS = HEAD + "    steps:\n"
IN_BOTH = [
    # (the spec, its English words, its Chinese words)
    (
        STEPS + "      - accept\n      - expect: {text: hi, timout: 2}\n",
        "steps[1].expect.timout: unknown field (did you mean 'timeout'?)",
        "steps[1].expect.timout: 未知字段（是不是想写 'timeout'？）",
    ),
    (
        STEPS + "      - acept\n",
        "unknown step 'acept' (did you mean 'accept'?); steps are: accept,",
        "未知步骤 'acept'（是不是想写 'accept'？）；可用的步骤有：accept,",
    ),
    (
        STEPS + "      - accept\n     - expect: {text: hi}\n",
        "the indentation is off",
        "缩进不对：同一个映射或列表中的各项必须从同一列开始（YAML：",
    ),
    (
        STEPS.replace("    steps:\n", "    steps:\n\t") + "      - accept\n",
        "a tab character: YAML indents with spaces only",
        "这里有制表符（Tab）：YAML 只能用空格缩进",
    ),
    (
        HEAD.replace("role: client", "role: clinet") + "    steps: [accept]\n",
        "role: must be 'client' or 'server'",
        "role: 必须是 'client' 或 'server'",
    ),
    (
        STEPS + "      - accept\n      - expect: {text: hi, hex: '00'}\n",
        "give exactly one of text, hex, generate, line, regex, length or anything (got ['text', 'hex'])",
        "text、hex、generate、line、regex、length 或 anything 中必须恰好给出一个"
        "（现在给出的是 ['text', 'hex']）",
    ),
    (
        STEPS + "      - connect\n",
        "step 'connect' does not fit a client assignment (the grader is the server: use accept)",
        "步骤 'connect' 不适用于客户端作业（评分程序是服务器：请用 accept）",
    ),
    (
        STEPS + "      - accept\n      - pause: -1\n",
        "steps[1].pause.seconds: must be greater than 0",
        "steps[1].pause.seconds: 必须大于 0",
    ),
]


@pytest.mark.parametrize(("text", "english", "chinese"), IN_BOTH)
def test_spec_errors_and_hints_in_english_and_chinese(
    tmp_path: Path, text: str, english: str, chinese: str
) -> None:
    assert english in lines(tmp_path, text, "en")
    assert chinese in lines(tmp_path, text, "zh")


def test_a_missing_spec_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_assignment(tmp_path)
    assert caught.value.lines("zh") == [
        f"{tmp_path / 'assignment.yaml'}：文件不存在（作业文件夹里应有 assignment.yaml）"
    ]
    assert str(caught.value).endswith("no such file (an assignment folder holds assignment.yaml)")


@pytest.mark.parametrize(("lang", "words"), [
    ("en", "scenarios[0].steps[0]: step 'connect' does not fit a client assignment"),
    ("zh", "scenarios[0].steps[0]: 步骤 'connect' 不适用于客户端作业"),
])  # fmt: skip
def test_the_command_line_shows_spec_errors_in_the_chosen_language(
    tmp_path: Path, lang: str, words: str
) -> None:
    (tmp_path / "assignment.yaml").write_text(STEPS + "      - connect\n", encoding="utf-8")
    (tmp_path / "client.py").write_text("print('hi')\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "grader", "check", str(tmp_path), str(tmp_path / "client.py"), "--lang", lang],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2, run.stderr
    assert words in run.stderr


def test_a_spec_error_travels_from_a_worker_whole(tmp_path: Path) -> None:
    """Workers send their errors back pickled; the words must survive, in both languages."""
    import pickle

    (tmp_path / "assignment.yaml").write_text(STEPS + "      - connect\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_assignment(tmp_path)
    again = pickle.loads(pickle.dumps(caught.value))
    assert again.problems == caught.value.problems
    assert again.lines("zh") == caught.value.lines("zh")
