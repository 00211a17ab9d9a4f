"""Discovery: every layout an instructor downloads, and every odd case a class produces."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from grader.submission.discover import discover
from grader.submission.reading import safe_id
from tests.conftest import REFERENCE

CLIENT = (REFERENCE / "hello-client" / "client.py").read_bytes()


def make_zip(path: Path, members: dict[str, bytes], symlinks: dict[str, str] | None = None) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    path.write_bytes(buf.getvalue())


def found_by_id(root: Path, assignment) -> dict:
    return {f.student: f for f in discover(root, assignment).submissions}


def test_each_layout_gives_the_student_id_from_its_names(tmp_path: Path, hello_client) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "client.py").write_bytes(CLIENT)
    (tmp_path / "bob.py").write_bytes(CLIENT)
    make_zip(tmp_path / "carol.zip", {"carol-hw1/client.py": CLIENT, "__MACOSX/._client.py": b"x"})
    moodle = tmp_path / "Dan Brown_100234_assignsubmission_file_"
    moodle.mkdir()
    (moodle / "Client.py").write_bytes(CLIENT)
    text = tmp_path / "Dan Brown_100234_assignsubmission_onlinetext_"
    text.mkdir()
    (text / "onlinetext.html").write_text("<p>hi</p>")
    (tmp_path / "frankli_2001_3001_client.py").write_bytes(CLIENT)
    (tmp_path / "frankli_2001_3001_helper.txt").write_bytes(b"notes")
    (tmp_path / "gracewu_LATE_2002_3002_client.py").write_bytes(CLIENT)
    (tmp_path / "submission_77").mkdir()
    (tmp_path / "submission_77" / "client.py").write_bytes(CLIENT)
    (tmp_path / "submission_metadata.yml").write_text(
        "submission_77:\n  :submitters:\n  - :name: Hank Wang\n    :sid: 'h123'\n"
        "  :score: !ruby/object:BigDecimal 18:0.0\n"
    )
    (tmp_path / "README.txt").write_text("not a submission")

    found = found_by_id(tmp_path, hello_client)

    assert {s: f.layout for s, f in found.items()} == {
        "alice": "folder",
        "bob": "file",
        "carol": "zip",
        "Dan_Brown": "moodle",
        "frankli": "canvas",
        "gracewu": "canvas",
        "h123": "gradescope",
    }
    assert all(f.problem is None for f in found.values()), {s: f.problem for s, f in found.items()}
    assert found["carol"].files == {"client.py": CLIENT}  # wrapper folder and __MACOSX dropped
    assert found["frankli"].files == {"client.py": CLIENT, "helper.txt": b"notes"}
    assert found["Dan_Brown"].lms_id == "100234"
    assert found["Dan_Brown"].files == {"Client.py": CLIENT}
    assert found["bob"].files == {"bob.py": CLIENT}
    assert discover(tmp_path, hello_client).ignored == ["README.txt"]


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda d: (d / "s").mkdir(), "empty"),
        (lambda d: ((d / "s").mkdir(), (d / "s" / "notes.txt").write_text("x")), "no client.py"),
        (
            lambda d: (
                (d / "s").mkdir(),
                (d / "s" / "a.py").write_bytes(CLIENT),
                (d / "s" / "b.py").write_bytes(CLIENT),
            ),
            "2 Python files",
        ),
        (lambda d: (d / "s.zip").write_bytes(b"PK\x03\x04 broken"), "not a readable zip"),
        (lambda d: make_zip(d / "s.zip", {"../../evil.py": CLIENT}), "unsafe path"),
        (lambda d: make_zip(d / "s.zip", {"/etc/client.py": CLIENT}), "unsafe path"),
        (lambda d: make_zip(d / "s.zip", {"client.py": CLIENT}, {"link.py": "/etc/passwd"}), "symbolic link"),
        (lambda d: (d / "s").symlink_to("/etc"), "outside the submissions folder"),
        (
            lambda d: ((d / "s").mkdir(), (d / "s" / "client.py").symlink_to("/etc/passwd")),
            "outside the submission",
        ),
    ],
)
def test_odd_submissions_are_not_graded_with_a_reason(tmp_path: Path, hello_client, make, problem) -> None:
    make(tmp_path)
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "client.py").write_bytes(CLIENT)

    found = found_by_id(tmp_path, hello_client)

    assert found["ok"].problem is None  # one odd submission never stops the others
    assert problem in (found["s"].problem or ""), found["s"].problem
    assert found["s"].files == {}


def test_names_with_path_tricks_become_safe_ids_and_are_not_graded(tmp_path: Path, hello_client) -> None:
    (tmp_path / "evil\nname").mkdir()
    (tmp_path / "evil\nname" / "client.py").write_bytes(CLIENT)
    (tmp_path / "x\\..\\y.py").write_bytes(CLIENT)

    subs = discover(tmp_path, hello_client).submissions

    for f in subs:
        assert f.problem and "unsafe" in f.problem
        assert "/" not in f.student and "\\" not in f.student and ".." not in f.student
        assert all(ord(c) >= 32 for c in f.student)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("alice", "alice"),
        ("Dan Brown", "Dan_Brown"),
        ("张三", "张三"),
        ("../../etc", "etc"),
        ("..", "student"),
        ("-rf", "rf"),
        ("a/b", "a_b"),
        ("tab\there", "tab_here"),
    ],
)
def test_safe_ids(raw: str, expected: str) -> None:
    assert safe_id(raw)[0] == expected


def test_two_submissions_with_one_id_are_told_apart(tmp_path: Path, hello_client) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "client.py").write_bytes(CLIENT)
    (tmp_path / "alice.py").write_bytes(CLIENT)
    (tmp_path / "index.html").mkdir()  # would clash with the class overview
    (tmp_path / "index.html" / "client.py").write_bytes(CLIENT)

    subs = discover(tmp_path, hello_client).submissions
    ids = sorted(f.student for f in subs)

    assert ids == ["alice", "alice-2", "index.html-2"]
    noted = [f for f in subs if f.notes]
    assert {f.student for f in noted} == {"alice-2", "index.html-2"}
    assert "alice" in noted[0].notes[0]


def test_only_restricts_discovery_to_some_entries(tmp_path: Path, hello_client) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.py").write_bytes(CLIENT)

    subs = discover(tmp_path, hello_client, only=["b.py"]).submissions

    assert [f.student for f in subs] == ["b"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_a_problem(tmp_path: Path, hello_client) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "client.py").write_bytes(CLIENT)
    (tmp_path / "s" / "client.py").chmod(0)

    assert "cannot read" in (found_by_id(tmp_path, hello_client)["s"].problem or "")


def test_chinese_problems(tmp_path: Path, hello_client) -> None:
    (tmp_path / "s").mkdir()

    subs = discover(tmp_path, hello_client, lang="zh").submissions

    assert subs[0].problem and any("\u4e00" <= c <= "\u9fff" for c in subs[0].problem)


def test_a_file_with_path_tricks_inside_a_folder_is_a_problem(tmp_path: Path, hello_client) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "client.py").write_bytes(CLIENT)
    (tmp_path / "s" / "a\\..\\x.py").write_bytes(CLIENT)

    assert "unsafe" in (found_by_id(tmp_path, hello_client)["s"].problem or "")
