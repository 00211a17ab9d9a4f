"""``grader export student``: what a teacher hands to students, without the hidden scenarios.

Students check their work with the same grader and the same spec the teacher grades with,
minus every scenario that is not ``visibility: visible`` (and the ``depends_on`` links to
them): a hidden test that students can read is no longer hidden. The zip holds the spec, the
assignment's README (the task statement) and files, the grader's wheel, and ``CHECK.md``
with the one line that installs the grader and checks a program.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Any

import yaml

from grader.messages.codes import Code
from grader.platforms.export import ZIP_TIME, ExportError, assignment_files, wheel_for
from grader.spec.load import load_assignment, spec_path

CHECK_MD = """\
# Checking your program / 检查你的程序

```sh
python3 -m pip install ./{wheel} && grader check {id} {entry}
```

Run it in this folder, with your `{entry}` beside the `{id}/` folder. `grader check` prints a
score and explains every failed step; add `--html report.html` for the whole conversation,
`--lang zh` for Chinese. The teacher grades with more scenarios than the ones here.

在本文件夹中运行上面这一行（把你的 `{entry}` 放在 `{id}/` 文件夹旁边）。`grader check`
给出分数，并解释每个失败的步骤；加 `--html report.html` 可看到完整的对话，加 `--lang zh`
显示中文。老师评分时使用的场景比这里的更多。
"""


def visible_spec(data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The spec's data without its non-visible scenarios; also the ids that were left out."""
    scenarios = data.get("scenarios") or []
    hidden = [
        str(s.get("id"))
        for s in scenarios
        if isinstance(s, dict) and s.get("visibility", "visible") != "visible"
    ]
    kept = []
    for s in scenarios:
        if isinstance(s, dict) and str(s.get("id")) in hidden:
            continue
        if isinstance(s, dict) and s.get("depends_on"):
            s = {**s, "depends_on": [d for d in s["depends_on"] if d not in hidden]}
        kept.append(s)
    return {**data, "scenarios": kept}, hidden


def _add(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100644 & 0xFFFF) << 16
    info.create_system = 3
    zf.writestr(info, data)


def export_student(assignment_dir: Path, out: Path, *, wheel: Path | None = None) -> tuple[Path, list[str]]:
    """Write the students' zip; return it and the ids of the scenarios left out."""
    assignment = load_assignment(assignment_dir)
    source = spec_path(assignment_dir)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data, hidden = visible_spec(data)
    if hidden and not data["scenarios"]:
        raise ExportError(Code.EXPORT_ALL_HIDDEN, path=str(source))
    spec_text = (
        f"# {assignment.id}: the visible scenarios of the assignment, for students to check their work.\n"
        + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    )
    folder = assignment.id
    with tempfile.TemporaryDirectory(prefix="grader-student-") as tmp:
        check = Path(tmp) / folder
        check.mkdir()
        (check / source.name).write_text(spec_text, encoding="utf-8")
        load_assignment(check)  # the spec students get loads, or nothing is written
        with wheel_for(wheel) as whl:
            buffer = out.with_name(f".{out.name}.tmp")
            try:
                with zipfile.ZipFile(buffer, "w") as zf:
                    _add(zf, f"{folder}/{source.name}", spec_text.encode())
                    for path, rel in assignment_files(source.parent):
                        if rel != source.name:
                            _add(zf, f"{folder}/{rel}", path.read_bytes())
                    _add(zf, whl.name, whl.read_bytes())
                    text = CHECK_MD.format(wheel=whl.name, id=folder, entry=assignment.student.entry)
                    _add(zf, "CHECK.md", text.encode())
                buffer.replace(out)
            finally:
                buffer.unlink(missing_ok=True)
    return out, hidden
