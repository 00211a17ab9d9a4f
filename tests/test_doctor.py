"""``grader doctor``: one screen, in English and Chinese, of what the machine gives the grader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from test_isolation import run_grader_as_nobody

from grader.commands.doctor import render
from grader.commands.doctor_checks import Machine, user_namespaces
from grader.messages.codes import Code
from grader.sandbox.host import userns_refused_note

APPARMOR_FIX = "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0"
LABELS = {
    "en": ["network namespaces", "PID namespaces", "IPC namespaces", "mount namespaces", "user namespaces",
           "cgroups", "Landlock", "nftables", "students' Python", "portable mode", "isolation (auto)"],
    "zh": ["网络命名空间", "PID 命名空间", "IPC 命名空间", "挂载命名空间", "用户命名空间", "cgroup",
           "Landlock", "nftables", "运行学生程序的 Python", "便携模式", "隔离方式（auto）"],
}  # fmt: skip


def fake_proc_sys(tmp_path: Path, **settings: str) -> Path:
    """A ``/proc/sys`` with only the given settings (``kernel__x="1"`` is kernel/x)."""
    for name, value in settings.items():
        path = tmp_path / "sys" / name.replace("__", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n")
    (tmp_path / "sys").mkdir(exist_ok=True)
    return tmp_path / "sys"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_one_screen_of_every_piece_exits_zero(lang: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "grader", "doctor", "--lang", lang],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert len(lines) <= 24  # one screen
    shown = [line.strip() for line in lines[1:]]
    for label in LABELS[lang]:
        assert any(line.startswith(label) for line in shown), (label, done.stdout)
    auto = next(line for line in shown if line.startswith(LABELS[lang][-1]))
    assert "namespace" in auto or "host" in auto
    portable = next(line for line in shown if line.startswith(LABELS[lang][-2]))
    assert "--isolation portable" in portable  # not picked here: how to ask for it


def test_ubuntu_apparmor_restriction_is_named_with_the_command_that_lifts_it(tmp_path: Path) -> None:
    proc_sys = fake_proc_sys(tmp_path, kernel__apparmor_restrict_unprivileged_userns="1")
    machine = Machine(
        proc_sys=proc_sys, euid=1000, private_userns=False, userns_error="Operation not permitted"
    )
    finding = user_namespaces(machine)
    assert finding.state.code == Code.DOCTOR_USERNS_RESTRICTED
    assert finding.fix is not None and finding.fix.startswith(APPARMOR_FIX)
    en = render([finding], "en").splitlines()
    assert "refused by kernel.apparmor_restrict_unprivileged_userns=1" in en[1]
    assert "host loopback" in en[1]
    assert APPARMOR_FIX in en[2] and "to enable" in en[2]
    zh = render([finding], "zh")
    assert "被 kernel.apparmor_restrict_unprivileged_userns=1 拒绝" in zh and APPARMOR_FIX in zh
    # The grading path says it in one line too (the isolation note of every result).
    note = userns_refused_note(PermissionError(1, "Operation not permitted"), proc_sys)
    assert "\n" not in note and "apparmor_restrict_unprivileged_userns=1" in note and APPARMOR_FIX in note


def test_other_settings_and_root(tmp_path: Path) -> None:
    debian = fake_proc_sys(tmp_path, kernel__unprivileged_userns_clone="0")
    refused = user_namespaces(Machine(proc_sys=debian, euid=1000, private_userns=False))
    assert refused.fix == "sudo sysctl -w kernel.unprivileged_userns_clone=1"
    allowed = fake_proc_sys(tmp_path / "ok", kernel__apparmor_restrict_unprivileged_userns="0")
    assert user_namespaces(Machine(proc_sys=allowed, euid=0)).state.code == Code.DOCTOR_NOT_NEEDED_ROOT
    own = user_namespaces(Machine(proc_sys=allowed, euid=1000, private_userns=True))
    assert own.state.code == Code.DOCTOR_PRIVATE_USERNS and own.fix is None
    ubuntu = fake_proc_sys(tmp_path / "u", kernel__apparmor_restrict_unprivileged_userns="1")
    as_root = user_namespaces(Machine(proc_sys=ubuntu, euid=0))
    assert as_root.state.code == Code.DOCTOR_ROOT_BUT_RESTRICTED and as_root.fix is not None
    unknown = user_namespaces(
        Machine(proc_sys=allowed, euid=1000, private_userns=False, userns_error="EPERM")
    )
    assert unknown.state.code == Code.DOCTOR_USERNS_REFUSED and "EPERM" in render([unknown], "en")


@pytest.mark.root
def test_without_root_the_private_user_namespace_is_shown(tmp_path: Path) -> None:
    tmp_path.chmod(0o777)
    done = run_grader_as_nobody(tmp_path, ["doctor", "--lang", "en"])
    assert done.returncode == 0, done.stderr
    assert "uid 65534" in done.stdout
    assert "yes (a private user namespace, not root)" in done.stdout, done.stdout
