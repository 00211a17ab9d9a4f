"""Tries to leave files outside its scratch folder: the grader's tree, /tmp, its parent folder."""
from pathlib import Path

PROJECT = "__PROJECT__"  # the test fills in the grader's folder
targets = [
    Path("..") / "planted.txt", Path("/tmp/planted-by-student.txt"),
    Path(PROJECT) / "planted.txt", Path(PROJECT) / "reference" / "planted.txt",
    Path("/dev/shm/planted-by-student.txt"), Path("/var/tmp/planted-by-student.txt"),
]
wrote = 0
for t in targets:
    try:
        t.write_text("planted")
        print("WROTE", t)
        wrote += 1
    except OSError:
        pass
Path("inside.txt").write_text("my own folder is fine")
print("DONE", wrote)
