"""Windows only: a job object holding the student's process tree, through ``ctypes``.

A job created with ``JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`` ends every process in it when its
last handle closes, grader crashes included; children started by the program join it
automatically. ``TerminateJobObject`` ends them at once. A program may have started a child
in the moment between its start and its assignment to the job: ``taskkill /T`` (which walks
the parent links) is the fallback, used also where no job could be made (a grader itself
running in a job that forbids nesting, on old Windows).
"""

from __future__ import annotations

import contextlib
import ctypes
import subprocess
import sys
from ctypes import wintypes
from typing import Any

JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x2000
JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS = 9
PROCESS_TERMINATE = 0x0001
PROCESS_SET_QUOTA = 0x0100


class _IoCounters(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_ulonglong) for name in ("r_ops", "w_ops", "o_ops", "r_bytes", "w_bytes", "o_bytes")
    ]


class _BasicLimits(ctypes.Structure):
    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", wintypes.DWORD),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", wintypes.DWORD),
        ("Affinity", ctypes.c_size_t),
        ("PriorityClass", wintypes.DWORD),
        ("SchedulingClass", wintypes.DWORD),
    ]


class _ExtendedLimits(ctypes.Structure):
    _fields_ = [
        ("BasicLimitInformation", _BasicLimits),
        ("IoInfo", _IoCounters),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


def _kernel32() -> Any:
    assert sys.platform == "win32", "job objects are Windows'"
    return ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]


def contain(process: subprocess.Popen[bytes]) -> int | None:
    """A job that holds ``process`` and is killed with its handle; None if none could be made."""
    k32 = _kernel32()
    k32.CreateJobObjectW.restype = wintypes.HANDLE
    k32.OpenProcess.restype = wintypes.HANDLE
    job = k32.CreateJobObjectW(None, None)
    if not job:
        return None
    info = _ExtendedLimits()
    info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    handle = k32.OpenProcess(PROCESS_TERMINATE | PROCESS_SET_QUOTA, False, process.pid)
    ok = bool(handle) and k32.SetInformationJobObject(
        wintypes.HANDLE(job),
        JOB_OBJECT_EXTENDED_LIMIT_INFORMATION_CLASS,
        ctypes.byref(info),
        ctypes.sizeof(info),
    )
    ok = ok and k32.AssignProcessToJobObject(wintypes.HANDLE(job), wintypes.HANDLE(handle))
    if handle:
        k32.CloseHandle(wintypes.HANDLE(handle))
    if not ok:
        k32.CloseHandle(wintypes.HANDLE(job))
        return None
    return int(job)


def terminate(job: int) -> None:
    _kernel32().TerminateJobObject(wintypes.HANDLE(job), 1)


def close(job: int) -> None:
    _kernel32().CloseHandle(wintypes.HANDLE(job))


def taskkill_tree(pid: int) -> None:
    """The fallback: Windows' own tool ends the process and its descendants."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            ["taskkill", "/T", "/F", "/PID", str(pid)], capture_output=True, timeout=10, check=False
        )
