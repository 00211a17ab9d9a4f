"""Every bad input the site must refuse, and what it must never show to the wrong person.

In-process (Starlette's TestClient) where a real server adds nothing; a real uvicorn on
loopback where the network matters (a body never sent, requests racing each other).
"""

from __future__ import annotations

import io
import socket
import threading
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from grader.serve.db import Grading, Submission

from .serve_helpers import BUGGY, CORRECT, Server, Student, csrf_of, http_client, new_client, write_course


def _count(site: object, model: type) -> int:
    with site.db() as s:  # type: ignore[attr-defined]
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_a_student_submits_and_reads_their_report(site_app) -> None:
    alice = Student(site_app)
    alice.sign_in("alice")
    r = alice.submit(CORRECT)
    assert r.status_code == 200
    pid = alice.ids[0]
    assert alice.wait_done(pid)["score"] == 10
    report = site_app.get(f"/s/{pid}/report")
    assert report.status_code == 200 and "hello" in report.text
    assert "frame-ancestors 'self'" in report.headers["content-security-policy"]
    history = site_app.get("/a/hello-client").text
    assert pid in history and "counts" in history


def test_another_student_gets_404_or_403_on_every_route(site_app) -> None:
    alice = Student(site_app)
    alice.sign_in("alice")
    alice.submit(CORRECT)
    pid = alice.ids[0]
    alice.wait_done(pid)
    bob = Student(new_client(site_app))
    bob.sign_in("bob")
    gets = [
        f"/s/{pid}",
        f"/s/{pid}/status",
        f"/s/{pid}/report",
        f"/s/{pid}/upload",
        f"/teacher/s/{pid}",
        f"/teacher/s/{pid}/upload",
        f"/teacher/s/{pid}/status",
        f"/teacher/s/{pid}/report",
        "/teacher",
        "/teacher/queue",
        "/teacher/a/hello-client",
        "/teacher/a/hello-client/status",
        "/teacher/a/hello-client/index",
        "/teacher/a/hello-client/grades.csv",
        "/teacher/a/hello-client/gradescope.json",
        "/teacher/student/alice",
    ]
    for path in gets:
        r = bob.http.get(path)
        assert r.status_code in (403, 404), (path, r.status_code)
        assert "Alice" not in r.text and "<iframe" not in r.text and "client.py" not in r.text, path
    posts = [
        f"/teacher/s/{pid}/regrade",
        "/teacher/a/hello-client/regrade",
        "/teacher/student/alice/extend",
        "/teacher/student/alice/revoke-link",
        "/teacher/links",
    ]
    for path in posts:
        r = bob.http.post(
            path, data={"csrf": bob.csrf, "assignment": "hello-client", "due": "2100-01-01T00:00"}
        )
        assert r.status_code in (403, 404), (path, r.status_code)
    assert _count(site_app.site, Grading) == 1  # nothing regraded


def test_a_student_downloads_their_own_upload_and_no_one_elses(site_app) -> None:
    alice = Student(site_app)
    alice.sign_in("alice")
    assert alice.submit(CORRECT, name="我的 client.py").status_code == 200
    pid = alice.ids[0]
    page = site_app.get(f"/s/{pid}").text
    assert f'href="/s/{pid}/upload"' in page
    mine = site_app.get(f"/s/{pid}/upload")
    assert mine.status_code == 200 and mine.content == CORRECT
    disposition = mine.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "\n" not in disposition
    assert 'filename="client.py"' in disposition  # an ASCII-safe name for old browsers
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == "我的 client.py"  # the name graded
    bob = Student(new_client(site_app))
    bob.sign_in("bob")
    theirs = bob.http.get(f"/s/{pid}/upload")
    assert theirs.status_code == 404 and CORRECT not in theirs.content
    assert bob.http.get(f"/teacher/s/{pid}/upload").status_code == 403
    nobody = new_client(site_app).get(f"/s/{pid}/upload", follow_redirects=False)
    assert nobody.status_code == 303 and CORRECT not in nobody.content
    teacher = Student(new_client(site_app))
    teacher.teacher()
    assert teacher.http.get(f"/teacher/s/{pid}/upload").content == CORRECT


def test_a_folder_upload_downloads_as_the_zip_graded(site_app) -> None:
    alice = Student(site_app)
    alice.sign_in("alice")
    assert alice.submit_files({"hw/client.py": CORRECT, "hw/notes.md": b"# notes"}).status_code == 200
    got = site_app.get(f"/s/{alice.ids[0]}/upload")
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
    assert CORRECT in files.values() and b"# notes" in files.values()
    assert all(not n.startswith("/") and ".." not in n for n in files)


def test_a_wrong_csrf_token_is_refused_and_stores_nothing(site_app) -> None:
    alice = Student(site_app)
    alice.sign_in("alice")
    r = site_app.post(
        "/a/hello-client/submit",
        data={"csrf": "forged"},
        files=[("file", ("client.py", CORRECT, "text/plain"))],
    )
    assert r.status_code == 403
    r = site_app.post("/a/hello-client/submit", files=[("file", ("client.py", CORRECT, "text/plain"))])
    assert r.status_code == 403
    assert _count(site_app.site, Submission) == 0
    other = new_client(site_app)
    r = other.post("/signin", data={"csrf": "x", "student": "alice", "password": "alice-pw"})
    assert r.status_code == 403 and "grader_session" not in other.cookies


def test_a_form_from_another_origin_is_refused(site_app) -> None:
    alice = Student(site_app)
    alice.sign_in("alice")
    r = site_app.post(
        "/a/hello-client/submit",
        data={"csrf": alice.csrf},
        files=[("file", ("client.py", CORRECT, "text/plain"))],
        headers={"origin": "https://evil.example"},
    )
    assert r.status_code == 403 and _count(site_app.site, Submission) == 0


def test_a_session_cookie_is_worthless_after_sign_out(site_app) -> None:
    alice = Student(site_app)
    alice.sign_in("alice")
    alice.submit(CORRECT)
    pid = alice.ids[0]
    stolen = site_app.cookies.get("grader_session")
    assert stolen
    r = site_app.post("/signout", data={"csrf": alice.csrf})
    assert r.status_code == 200
    thief = new_client(site_app)
    thief.cookies.set("grader_session", stolen)
    assert thief.get(f"/s/{pid}/status").status_code == 401
    page = thief.get(f"/s/{pid}")
    assert "Sign in" in page.text and pid not in page.text
    assert thief.get(f"/s/{pid}/report", follow_redirects=False).status_code == 303
    r = thief.post(
        "/a/hello-client/submit", data={"csrf": alice.csrf}, files=[("file", ("c.py", BUGGY, "x"))]
    )
    assert r.status_code in (401, 403)


def test_a_wrong_password_is_refused_then_rate_limited(site_app) -> None:
    page = site_app.get("/")
    csrf = csrf_of(page.text)
    codes = [
        site_app.post("/signin", data={"csrf": csrf, "student": "alice", "password": "guess"}).status_code
        for _ in range(12)
    ]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    r = site_app.post("/signin", data={"csrf": csrf, "student": "alice", "password": "alice-pw"})
    assert r.status_code == 429  # the right password too, until the window passes
    bob = Student(new_client(site_app))
    bob.sign_in("bob")  # another account from the same address is not held up


def test_personal_links_sign_in_and_can_be_revoked(site_app) -> None:
    rows = site_app.site.make_links(replace_all=False)
    header, alice_row = rows[0], next(r for r in rows if r[0] == "alice")
    assert header == ["id", "name", "email", "link"]
    path = "/" + alice_row[3].split("/", 3)[3]
    visitor = new_client(site_app)
    assert "Sign out" in visitor.get(path).text
    assert len(site_app.site.make_links(replace_all=False)) == 1  # printed once: no new link for alice
    site_app.site.revoke_link("alice")
    assert visitor.get("/a/hello-client", follow_redirects=False).status_code == 303  # signed out
    assert new_client(site_app).get(path).status_code == 404


def test_a_100_mb_upload_is_refused_before_it_is_read(site_app) -> None:
    alice = Student(site_app)
    alice.sign_in("alice")

    def body():
        chunk = b"x" * (1 << 20)
        for _ in range(100):
            yield chunk

    r = site_app.post(
        "/a/hello-client/submit",
        content=body(),
        headers={"content-type": "multipart/form-data; boundary=xyz", "transfer-encoding": "chunked"},
    )
    assert r.status_code == 413 and "larger than" in r.text
    assert _count(site_app.site, Submission) == 0


def test_a_declared_100_mb_body_is_answered_at_once_by_the_real_server(server) -> None:
    """The server answers 413 to the headers alone: not one byte of the body is sent."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(
            b"POST /a/hello-client/submit HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 104857600\r\n\r\n"
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_zip_bomb_is_refused_without_unpacking_it(site_app) -> None:
    bomb = _zip({"client.py": CORRECT, "data.bin": b"\0" * (300 << 20)})
    assert len(bomb) < 1_000_000
    alice = Student(site_app)
    alice.sign_in("alice")
    r = alice.submit(bomb, name="work.zip")
    assert r.status_code == 400 and "too large" in r.text
    assert _count(site_app.site, Submission) == 0


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("../../evil.py", CORRECT),
        ("/etc/evil.py", CORRECT),
        ("work.zip", _zip({"../evil/client.py": CORRECT})),
        ("work.zip", _zip({"a\\..\\..\\client.py": CORRECT})),
    ],
)
def test_a_path_traversal_name_is_refused(site_app, tmp_path: Path, name: str, data: bytes) -> None:
    alice = Student(site_app)
    alice.sign_in("alice")
    r = alice.submit(data, name=name)
    assert r.status_code == 400 and "unsafe path" in r.text, r.text[-800:]
    assert _count(site_app.site, Submission) == 0
    assert not list(tmp_path.rglob("evil*"))


def test_uploads_follow_the_rules_of_grader_batch(site_app) -> None:
    alice = Student(site_app)
    alice.sign_in("alice")
    r = alice.submit(b"print('hi')\n", name="notes.txt")
    assert r.status_code == 400 and "no client.py" in r.text
    r = alice.submit(_zip({"a.py": b"", "b.py": b""}), name="work.zip")
    assert r.status_code == 400 and "which one is it" in r.text
    r = alice.submit(_zip({"hw1/Client.py": CORRECT}), name="hw1.zip")  # a wrapper folder, another case
    assert r.status_code == 200
    r = site_app.post(
        "/a/hello-client/submit",
        data={"csrf": alice.csrf},
        files=[("file", ("folder/client.py", BUGGY, "x")), ("file", ("folder/notes.md", b"# notes", "x"))],
    )
    assert r.status_code == 200  # a folder upload
    assert _count(site_app.site, Submission) == 2


def test_the_per_hour_limit_and_closed_assignments(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from grader.serve.app import create_app
    from grader.serve.config import load_course
    from grader.serve.site import Site

    site = Site(load_course(write_course(tmp_path / "c", per_hour=2)), workers_count=1)
    site.open()
    with TestClient(create_app(site), follow_redirects=True) as client:
        alice = Student(client)
        alice.sign_in("alice")
        assert alice.submit(CORRECT).status_code == 200
        assert alice.submit(BUGGY).status_code == 200
        r = alice.submit(CORRECT + b"\n# again\n")
        assert r.status_code == 429 and "2 times in the last hour" in r.text
        r = alice.submit(CORRECT, assignment="closed")
        assert r.status_code == 403 and "closed" in r.text
        r = alice.submit(CORRECT, assignment="no-such")
        assert r.status_code == 404


def test_a_duplicate_submission_racing_itself_is_stored_once(course: Path, database: str | None) -> None:
    server = Server(course, database=database).start()
    try:
        _race_a_duplicate(server)
    finally:
        server.stop()


def _race_a_duplicate(server: Server) -> None:
    alice = Student(http_client(server.url))
    alice.sign_in("alice")
    results: list[int] = []
    urls: list[str] = []
    barrier = threading.Barrier(8)

    def post() -> None:
        barrier.wait()
        r = alice.http.post(
            "/a/hello-client/submit", data={"csrf": alice.csrf}, files=[("file", ("client.py", CORRECT, "x"))]
        )
        results.append(r.status_code)
        urls.append(str(r.url))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 8
    assert len(set(urls)) == 1 and "/s/" in urls[0]
    pid = urls[0].rsplit("/", 1)[1]
    alice.wait_done(pid)
    history = alice.http.get("/a/hello-client").text
    assert history.count(f"/s/{pid}") == 1
    assert history.count("/s/") == 1


def test_security_headers_on_every_page(site_app) -> None:
    r = site_app.get("/")
    h = r.headers
    assert "script-src 'self'" in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"
    assert h["cache-control"] == "no-store"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_a_report_reads_in_the_viewers_language_without_grading_again(site_app) -> None:
    """Results are stored as facts, not words: a submission graded for a student who reads
    Chinese is read by an English-reading teacher in English, and its downloads follow the
    teacher's language too, all from the one stored result."""
    zh = {"accept-language": "zh-CN,zh;q=0.9"}
    alice = Student(site_app)
    alice.sign_in("alice")
    alice.http.headers.update(zh)  # graded in Chinese: the language of the upload
    alice.submit(BUGGY)
    pid = alice.ids[0]
    alice.wait_done(pid)
    job = alice.status(pid)
    student_page = site_app.get(f"/s/{pid}/report", headers=zh)
    assert student_page.status_code == 200 and 'lang="zh' in student_page.text
    teacher = Student(new_client(site_app))
    teacher.teacher()
    english = teacher.http.get(f"/teacher/s/{pid}/report", headers={"accept-language": "en"})
    assert english.status_code == 200 and 'lang="en"' in english.text
    assert english.text != student_page.text
    chinese_csv = teacher.http.get("/teacher/a/hello-client/grades.csv", headers=zh)
    assert chinese_csv.text.lstrip("\ufeff").startswith("学生,学号,姓名,得分,满分")
    english_csv = teacher.http.get("/teacher/a/hello-client/grades.csv", headers={"accept-language": "en"})
    assert english_csv.text.lstrip("\ufeff").startswith("student,number,name,score,max_score")
    gradescope = teacher.http.get("/teacher/a/hello-client/gradescope.json", headers=zh).json()
    assert gradescope["alice"]["max_score"] == 10 and gradescope["alice"]["score"] < 10
    assert alice.status(pid) == job  # read four ways, graded once
