"""Load on ``grader serve`` over loopback: N students sign in and submit within a minute.

Starts a real server (``grader serve`` on a free loopback port) on a fresh course of N
students, then N threads each, at an evenly spread moment of SPREAD seconds, sign in with
id and password, upload a client.py (every third one buggy) and read their queue position;
then waits until every submission is graded. ``--burst`` signs everyone in at once first
(N argon2 checks in the same second), then spreads only the uploads. Prints the figures
recorded in benchmarks/RESULTS.md. Run: ``python benchmarks/serve_load.py --students 200
--spread 60``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "serve"))

from serve_helpers import BUGGY, CORRECT, Server, Student, http_client, write_course


def run_load(
    students: int, spread: float, workers: int, folder: Path, *, burst: bool = False
) -> dict[str, float]:
    course = write_course(folder / "course", students=students, per_hour=5, queue=students + 10)
    names = ["alice", "bob"] + [f"s{n:03d}" for n in range(students - 2)]
    server = Server(course, workers=workers).start()
    failures: list[str] = []
    latencies: list[float] = []
    signins: list[float] = []
    positions: list[int] = []
    ids: dict[str, str] = {}
    graded: list[str] = []
    lock = threading.Lock()
    started = time.monotonic()

    def one(n: int, name: str) -> None:
        def wait_turn() -> None:
            delay = started + spread * n / students - time.monotonic()
            if delay > 0:
                time.sleep(delay)

        try:
            client = Student(http_client(server.url))
            if not burst:
                wait_turn()
            t0 = time.monotonic()
            client.sign_in(name)
            with lock:
                signins.append(time.monotonic() - t0)
            wait_turn()
            t0 = time.monotonic()
            r = client.submit((BUGGY if n % 3 == 2 else CORRECT) + f"\n# {name}\n".encode())
            took = time.monotonic() - t0
            if r.status_code != 200 or not client.ids:
                raise AssertionError(f"{name}: HTTP {r.status_code}")
            pid = client.ids[0]
            status = client.status(pid)
            with lock:
                latencies.append(took)
                ids[name] = pid
                if status.get("position"):
                    positions.append(int(status["position"]))
            client.wait_done(pid, seconds=600)
            with lock:
                graded.append(name)
        except Exception as exc:
            with lock:
                failures.append(f"{name}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=one, args=(n, name)) for n, name in enumerate(names)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    if failures:
        print(server.log.read_text(encoding="utf-8", errors="replace")[-3000:], file=sys.stderr)
    latencies.sort()
    signins.sort()
    return {
        "students": students,
        "graded": len(graded),
        "failed_requests": len(failures),
        "first_failures": failures[:3],
        "signin_p50_s": round(statistics.median(signins), 3) if signins else 0,
        "signin_p95_s": round(signins[int(0.95 * (len(signins) - 1))], 3) if signins else 0,
        "upload_p50_s": round(statistics.median(latencies), 3) if latencies else 0,
        "upload_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 3) if latencies else 0,
        "max_queue_position_shown": max(positions, default=0),
        "all_graded_after_s": round(elapsed, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--spread", type=float, default=60.0, help="seconds over which uploads arrive")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--burst", action="store_true", help="everyone signs in at once, first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="grader-serve-load-") as tmp:
        figures = run_load(args.students, args.spread, args.workers, Path(tmp), burst=args.burst)
    for key, value in figures.items():
        print(f"{key}: {value}")
    return 0 if figures["failed_requests"] == 0 and figures["graded"] == args.students else 1


if __name__ == "__main__":
    sys.exit(main())
