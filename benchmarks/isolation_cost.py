"""What the isolation of issue 18 costs per scenario, layer by layer and end to end.

    python benchmarks/isolation_cost.py [--runs N]

Prints medians in milliseconds (run it as root: the layers need it):

* each layer alone, as the starting thread or the runner does it once per scenario: a uid
  lease (lock file), ``unshare(CLONE_NEWIPC)``, the keyring calls, the private view (mount
  namespace, hidepid ``/proc``, tmpfs scratch, the submission copied in), reading the checked
  file safely, removing a scratch folder without recursion;
* one hello-client scenario end to end, per mode, with every layer on and with all of them
  turned off (the isolation of before: uid 65534, shared IPC, disk scratch).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.namespace_cost import median_ms
from grader.grade import STUDENT_UID, resolve_python
from grader.run import scenario as run
from grader.run.context import RunContext
from grader.run.scenario import run_scenario
from grader.sandbox import confine, mounts, namespaces, scratch
from grader.sandbox import host as sandbox_host
from grader.sandbox.uids import lease_uid
from grader.spec.load import load_assignment
from grader.submission.files import prepare


def in_thread(fn: Callable[[], None]) -> Callable[[], None]:
    def run_it() -> None:
        thread = threading.Thread(target=fn)
        thread.start()
        thread.join()

    return run_it


def lease_cycle() -> None:
    lease = lease_uid()
    assert lease is not None
    lease.release()


def ipc_unshare() -> None:
    namespaces._unshare(namespaces.CLONE_NEWIPC)


def keyrings() -> None:
    confine._clear_user_keyrings()
    confine._join_new_session_keyring()


def private_view(submission: Path) -> tuple[Callable[[], None], list[str]]:
    def enter() -> None:
        folder = tempfile.mkdtemp(dir=sandbox_host.scratch_parent())
        view = mounts.PrivateView(
            folder,
            mounts.scratch_bytes(64),
            STUDENT_UID,
            lambda: shutil.copytree(submission, folder, dirs_exist_ok=True),
            proc=sandbox_host.mount_support().proc,
        )
        view.enter()
        assert view.folder_fd is not None
        os.close(view.folder_fd)
        made.append(folder)  # removed outside the thread, whose namespace has the mount

    made: list[str] = []
    return enter, made


def safe_read(folder: Path) -> None:
    fd = scratch.open_folder(folder)
    try:
        scratch.read_student_file(fd, "client.py", 64 << 20)
    finally:
        os.close(fd)


def removal(submission: Path, remover: Callable[[Path], object]) -> Callable[[], None]:
    def copy_and_remove() -> None:
        folder = Path(tempfile.mkdtemp(dir=sandbox_host.scratch_parent()))
        shutil.copytree(submission, folder, dirs_exist_ok=True)
        remover(folder)

    return copy_and_remove


@contextlib.contextmanager
def without_new_isolation() -> Iterator[None]:
    """The isolation of before: no lease (uid 65534), no IPC namespace, keyrings, mounts."""
    saved = (
        run.lease_uid,
        sandbox_host.ipc_namespaces,
        confine._clear_user_keyrings,
        confine._join_new_session_keyring,
    )
    run.lease_uid = lambda: None  # type: ignore[assignment]
    sandbox_host.ipc_namespaces = lambda: False  # type: ignore[assignment]
    confine._clear_user_keyrings = confine._join_new_session_keyring = lambda: None  # type: ignore[assignment]
    os.environ["GRADER_NO_PRIVATE_MOUNTS"] = "1"
    try:
        yield
    finally:
        (
            run.lease_uid,
            sandbox_host.ipc_namespaces,
            confine._clear_user_keyrings,
            confine._join_new_session_keyring,
        ) = saved
        del os.environ["GRADER_NO_PRIVATE_MOUNTS"]


def whole_scenario(mode: str, runs: int, folder: Path, entry: str) -> float:
    spec = load_assignment(ROOT / "assignments" / "hello-client")
    ctx = RunContext(
        assignment=spec,
        submission=folder,
        entry=entry,
        mode=mode,
        python=resolve_python(),
        student_uid=STUDENT_UID,
    )  # type: ignore[arg-type]
    scenario = next(s for s in spec.scenarios if s.id == "closes-and-exits")

    async def one() -> None:
        outcome = await run_scenario(ctx, scenario)
        assert all(s.status == "ok" for s in outcome.steps), (outcome.grader_error, outcome.steps)

    return median_ms(lambda: asyncio.run(one()), runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    runs = parser.parse_args().runs
    if os.geteuid() != 0:
        sys.exit("run as root: a uid per run and private mounts need it")
    spec = load_assignment(ROOT / "assignments" / "hello-client")
    prepared = prepare(ROOT / "reference" / "hello-client" / "client.py", spec)
    try:
        view, made = private_view(prepared.folder)
        rows = [
            ("uid lease + release (lock file)", median_ms(lease_cycle, runs * 4)),
            ("thread alone (baseline for the next rows)", median_ms(in_thread(lambda: None), runs * 4)),
            ("thread + unshare(CLONE_NEWIPC)", median_ms(in_thread(ipc_unshare), runs * 4)),
            ("thread + clear user keyrings + new session keyring", median_ms(in_thread(keyrings), runs * 4)),
            (
                "thread + private view (mount ns, hidepid /proc, tmpfs, copy in)",
                median_ms(in_thread(view), runs * 4),
            ),
            ("safe read of the checked file", median_ms(lambda: safe_read(prepared.folder), runs * 4)),
            (
                "copy + remove_tree (scratch, disk)",
                median_ms(removal(prepared.folder, scratch.remove_tree), runs),
            ),
            (
                "copy + shutil.rmtree (before)",
                median_ms(removal(prepared.folder, lambda p: shutil.rmtree(p, ignore_errors=True)), runs),
            ),
        ]
        for folder in made:
            os.rmdir(folder)
        for mode in ("namespace", "host"):
            on = whole_scenario(mode, runs, prepared.folder, prepared.entry)
            with without_new_isolation():
                sandbox_host.host().mountable.clear()
                off = whole_scenario(mode, runs, prepared.folder, prepared.entry)
            sandbox_host.host().mountable.clear()
            rows.append((f"whole scenario, {mode} mode, all new isolation", on))
            rows.append((f"whole scenario, {mode} mode, none of it (before)", off))
    finally:
        prepared.cleanup()
    width = max(len(name) for name, _ in rows)
    for name, ms in rows:
        print(f"{name:<{width}}  {ms:8.3f} ms")


if __name__ == "__main__":
    main()
