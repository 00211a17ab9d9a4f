"""A bounded loopback load test: 200 students sign in and submit within a minute; all are graded.

The figures of a run are in benchmarks/RESULTS.md (``python benchmarks/serve_load.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))


@pytest.mark.slow
def test_200_students_within_a_minute_are_all_graded(tmp_path: Path) -> None:
    from serve_load import run_load

    figures = run_load(200, 60.0, 2, tmp_path)
    assert figures["failed_requests"] == 0, figures["first_failures"]
    assert figures["graded"] == 200
    assert figures["max_queue_position_shown"] >= 1  # some waited, and were told where
