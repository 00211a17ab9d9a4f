"""No student lost: .rar and .7z, GBK names, one entry-name rule, the roster and the gradebook.

Archives are real ones (RAR written by :mod:`archive_fixtures` as WinRAR's store mode does,
7z by libarchive), read through the grader's own discovery; the class at the end is graded by
a real ``grader batch`` and its ``grades.csv``, ``grades.xlsx`` and ``index.html`` are read back.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from archive_fixtures import rar4, seven_zip
from conftest import ASSIGNMENTS, REFERENCE, ROOT, SUBMISSIONS

from grader.spec.load import load_assignment
from grader.submission import archives
from grader.submission.archives import ArchiveProblem, read_archive
from grader.submission.discover import discover
from grader.submission.entry_names import choose_entry
from grader.submission.roster import Identity, identify, identity_from_name, read_roster

HELLO = ASSIGNMENTS / "hello-client"
REF = (REFERENCE / "hello-client" / "client.py").read_bytes()
BUGGY = (SUBMISSIONS / "hello-client" / "gbk-decode.py").read_bytes()


def gbk_zip(path: Path, name: str, data: bytes) -> Path:
    """A zip whose member name is GBK bytes without the UTF-8 flag (Windows' own zip tool)."""
    raw = name.encode("gbk")
    placeholder = b"X" * len(raw)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(placeholder.decode(), data)
    path.write_bytes(buf.getvalue().replace(placeholder, raw))
    return path


def found(root: Path) -> dict[str, object]:
    return {f.student: f for f in discover(root, load_assignment(HELLO)).submissions}


# --------------------------------------------------------------------------- archives


@pytest.mark.parametrize("kind", ["rar", "7z"])
def test_rar_and_7z_are_read_like_zips(tmp_path: Path, kind: str) -> None:
    make = rar4 if kind == "rar" else seven_zip
    make(tmp_path / f"alice.{kind}", {"alice/hw1/client.py": REF, "alice/hw1/notes.txt": b"hi"})
    alice = found(tmp_path)["alice"]
    assert alice.problem is None and alice.layout == kind
    assert alice.files == {"client.py": REF, "notes.txt": b"hi"}


def test_gbk_names_inside_a_rar_are_read_as_text(tmp_path: Path) -> None:
    data = rar4(tmp_path / "a.rar", {"作业/client.py": REF}, encoding="gbk").read_bytes()
    assert read_archive(data, "rar", str) == {"作业/client.py": REF}


@pytest.mark.parametrize(
    ("members", "links", "why"),
    [
        ({"../evil.py": b"x"}, {}, "unsafe path"),
        ({"/etc/client.py": b"x"}, {}, "unsafe path"),
        ({"client.py": REF}, {"link.py": "/etc/passwd"}, "holds a link"),
    ],
)
def test_a_rar_with_path_tricks_or_links_is_not_graded(
    tmp_path: Path, members: dict[str, bytes], links: dict[str, str], why: str
) -> None:
    rar4(tmp_path / "mallory.rar", members, symlinks=links)
    mallory = found(tmp_path)["mallory"]
    assert why in mallory.problem and not mallory.files


def test_the_size_and_count_limits_hold_for_7z(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    many = {f"f{i}.py": b"x" for i in range(6)}
    data = seven_zip(tmp_path / "m.7z", many).read_bytes()
    monkeypatch.setattr(archives, "MAX_FILES", 5)
    with pytest.raises(ArchiveProblem, match="too large"):
        read_archive(data, "7z", str)
    monkeypatch.setattr(archives, "MAX_FILES", 500)
    monkeypatch.setattr(archives, "MAX_SUBMISSION_BYTES", 1000)
    big = seven_zip(tmp_path / "b.7z", {"client.py": b"#" * 5000}).read_bytes()
    with pytest.raises(ArchiveProblem, match="too large"):
        read_archive(big, "7z", str)


@pytest.mark.parametrize("content", [b"", b"Rar!\x1a\x07\x00 truncated", b"not an archive at all"])
def test_an_unreadable_rar_is_a_problem_in_chinese_too(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "bo.rar").write_bytes(content)
    bo = discover(tmp_path, load_assignment(HELLO), lang="zh").submissions[0]
    assert bo.student == "bo" and bo.problem in ("不是可以读取的 rar 压缩包", "提交的内容是空的")


def test_gbk_names_in_a_zip_and_on_disk_are_read_as_text(tmp_path: Path) -> None:
    gbk_zip(tmp_path / "孙七_2023005.zip", "作业/client.py", REF)
    folder = os.fsencode(tmp_path) + b"/" + "赵六_2023004".encode("gbk")
    os.mkdir(folder)
    with open(folder + b"/" + "客户端.py".encode("gbk"), "wb") as f:
        f.write(REF)
    by_id = found(tmp_path)
    assert set(by_id) == {"孙七_2023005", "赵六_2023004"}
    assert by_id["孙七_2023005"].files == {"client.py": REF}
    assert by_id["赵六_2023004"].files == {"客户端.py": REF} and by_id["赵六_2023004"].problem is None


# --------------------------------------------------------------------------- one entry-name rule


@pytest.mark.parametrize(
    ("names", "entry"),
    [
        (["client.py", "Client.PY"], "client.py"),
        (["Client.PY", "util.py"], "Client.PY"),
        (["CLIENT.py"], "CLIENT.py"),
        (["main.PY"], "main.PY"),
        (["a.py", "b.py"], None),
        (["client_alias.py", "x.py"], "client_alias.py"),
    ],
)
def test_the_entry_rule(names: list[str], entry: str | None) -> None:
    assert choose_entry(names, ["client.py", "client_alias.py"]) == entry


def test_client_py_in_capitals_is_graded_the_same_by_check_folder_and_batch(tmp_path: Path) -> None:
    (tmp_path / "subs" / "folder").mkdir(parents=True)
    (tmp_path / "subs" / "Client.PY").write_bytes(REF)
    (tmp_path / "subs" / "folder" / "Client.PY").write_bytes(REF)
    env = {**os.environ, "GRADER_DAEMON": "0", "PYTHONPATH": str(ROOT)}

    def grader(*args: str) -> str:
        run = subprocess.run(
            [sys.executable, "-m", "grader", *args, "--lang", "en"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stderr
        return run.stdout

    assert "Score: 10/10" in grader("check", str(HELLO), str(tmp_path / "subs" / "Client.PY"))
    assert "Score: 10/10" in grader("check", str(HELLO), str(tmp_path / "subs" / "folder"))
    summary = grader("batch", str(HELLO), str(tmp_path / "subs"), "--out", str(tmp_path / "out"))
    assert "graded: 2, not graded: 0" in summary


# --------------------------------------------------------------------------- names and roster


@pytest.mark.parametrize(
    ("raw", "number", "name"),
    [
        ("张三_2023001_client", "2023001", "张三"),
        ("2023001_张三_作业1", "2023001", "张三"),
        ("2023001张三", "2023001", "张三"),
        ("张三2023001-实验一", "2023001", "张三"),
        ("第一次作业_欧阳修远_S20230017", "S20230017", "欧阳修远"),
        ("客户端_2023001", "2023001", ""),
        ("alice", "", ""),
    ],
)
def test_number_and_name_from_file_names(raw: str, number: str, name: str) -> None:
    assert identity_from_name(raw) == Identity(number, name)


def test_an_lms_name_is_the_name_when_the_file_has_none() -> None:
    assert identity_from_name("Dan_Brown", "Dan Brown") == Identity("", "Dan Brown")


def test_a_gbk_roster_names_and_lists_the_absent(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_bytes(
        "学号,姓名,班级\r\n2023001,张三,1班\r\n2023002,李四,1班\r\n2023003,王五,1班\r\n".encode("gbk")
    )
    table = read_roster(roster, str)
    matched = identify([("a", "2023001_client", ""), ("b", "李四_hw", ""), ("c", "stranger", "")], table, str)
    assert matched.identities["a"] == Identity("2023001", "张三")
    assert matched.identities["b"] == Identity("2023002", "李四")
    assert "not on the roster" in matched.notes["c"]
    assert matched.absent == [Identity("2023003", "王五")]


def test_a_roster_without_the_columns_is_a_clear_error(tmp_path: Path) -> None:
    from grader.errors import UsageError

    (tmp_path / "r.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(UsageError, match="学号"):
        read_roster(tmp_path / "r.csv", str)


# --------------------------------------------------------------------------- the whole class


@pytest.fixture(scope="module")
def chinese_class(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    base = tmp_path_factory.mktemp("class")
    subs = base / "subs"
    subs.mkdir()
    rar4(subs / "张三_2023001_client.rar", {"client.py": REF})
    seven_zip(subs / "2023002_李四.7z", {"hw/client.py": BUGGY})
    (subs / "2023003_王五_Client.PY").write_bytes(REF)
    folder = os.fsencode(subs) + b"/" + "赵六_2023004".encode("gbk")
    os.mkdir(folder)
    with open(folder + b"/client.py", "wb") as f:
        f.write(REF)
    gbk_zip(subs / "2023005孙七.zip", "作业/client.py", REF)
    (subs / "周八_2023006.rar").write_bytes(b"Rar!\x1a\x07\x00 cut short by the chat app")
    roster = base / "roster.csv"
    names = ["张三", "李四", "王五", "赵六", "孙七", "周八", "吴九"]
    lines = ["学号,姓名"] + [f"{n},{name}" for n, name in zip(range(2023001, 2023008), names, strict=True)]
    roster.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    out = base / "out"
    (out / "old_name").mkdir(parents=True)
    (out / "old_name" / "results.json").write_text("{}")
    (out / "old_name" / "report.html").write_text("")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader",
            "batch",
            str(HELLO),
            str(subs),
            "--out",
            str(out),
            "--roster",
            str(roster),
            "--lang",
            "zh",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert run.returncode == 0, run.stderr
    return out, run


def test_a_chinese_class_gives_one_row_per_student_with_number_and_name(chinese_class) -> None:
    out, run = chinese_class
    with (out / "grades.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:5] == ["学生", "学号", "姓名", "得分", "满分"]
    assert list(rows[0])[-2:] == ["状态", "备注"]
    table = {r["学号"]: (r["姓名"], r["得分"], r["状态"]) for r in rows}
    assert table == {
        "2023001": ("张三", "10", "已评分"),
        "2023002": ("李四", "6", "已评分"),
        "2023003": ("王五", "10", "已评分"),
        "2023004": ("赵六", "10", "已评分"),
        "2023005": ("孙七", "10", "已评分"),
        "2023006": ("周八", "", "未评分"),
        "2023007": ("吴九", "", "未提交"),
    }
    assert len(rows) == 7
    assert next(r for r in rows if r["学号"] == "2023006")["备注"] == "不是可以读取的 rar 压缩包"
    assert "名单上未提交的学生：2023007 吴九" in run.stdout


def test_the_unreadable_one_is_in_the_index_and_the_old_folder_is_gone(chinese_class) -> None:
    out, run = chinese_class
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "周八_2023006" in index and "不是可以读取的 rar 压缩包" in index
    assert not (out / "old_name").exists()
    assert "old_name" in run.stdout


def test_the_index_shows_number_and_name_and_who_sent_nothing(chinese_class) -> None:
    out, _run = chinese_class
    index = (out / "index.html").read_text(encoding="utf-8")
    header = r"<th[^>]*><button[^>]*>{}</button></th>"
    assert re.search(header.format("学号") + r"\s*" + header.format("姓名"), index)
    shown = re.findall(r'<td class="number"[^>]*>([^<]*)</td><td class="name"[^>]*>([^<]*)</td>', index)
    assert sorted(shown) == [
        ("2023001", "张三"),
        ("2023002", "李四"),
        ("2023003", "王五"),
        ("2023004", "赵六"),
        ("2023005", "孙七"),
        ("2023006", "周八"),
    ]
    assert "名单上未提交的学生：2023007 吴九" in index


def test_the_gradebook_as_an_excel_workbook(chinese_class) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out, _run = chinese_class
    sheet = openpyxl.load_workbook(out / "grades.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    with (out / "grades.csv").open(encoding="utf-8-sig", newline="") as f:
        csv_rows = list(csv.reader(f))
    assert [str(c) if c is not None else "" for c in rows[0]] == csv_rows[0]
    zhang = next(r for r in rows if r[1] == "2023001")
    assert zhang[2] == "张三" and zhang[3] == 10.0 and isinstance(zhang[1], str)
