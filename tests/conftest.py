"""Shared fixtures and skip rules.

Tests that need root (namespaces, cgroups, uid switching) or Debian's Chromium skip with a
reason elsewhere; CI sets GRADER_REQUIRE_ROOT=1 / GRADER_REQUIRE_BROWSER=1 so that there a
missing capability fails instead of skipping.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

# Every grader the tests start runs in its own process, even where a developer left a resident
# checker running (tests/test_resident.py starts its own, with a private runtime folder).
os.environ["GRADER_DAEMON"] = "0"

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ROOT / "assignments"
REFERENCE = ROOT / "reference"
SUBMISSIONS = ROOT / "tests" / "submissions"


def _namespaces_available() -> tuple[bool, str]:
    from grader.sandbox.host import probe_namespaces

    ok, why = probe_namespaces()
    return ok, str(why or "")


def require_root() -> None:
    """Skip (or fail, in CI) unless this process may create namespaces and cgroups as root."""
    ok, why = _namespaces_available()
    if os.geteuid() == 0 and ok:
        return
    reason = "needs root and network namespaces: " + (why if not ok else "not running as root")
    if os.environ.get("GRADER_REQUIRE_ROOT") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture
def root_only() -> None:
    require_root()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """``@pytest.mark.root`` tests run only where namespaces and root are available."""
    if item.get_closest_marker("root") is not None:
        require_root()


@pytest.fixture(scope="session")
def hello_client():
    from grader.spec.load import load_assignment

    return load_assignment(ASSIGNMENTS / "hello-client")


@pytest.fixture(scope="session")
def echo_server():
    from grader.spec.load import load_assignment

    return load_assignment(ASSIGNMENTS / "echo-server")


def wait_until(condition: Callable[[], object], what: str, seconds: float = 30.0) -> None:
    """Poll ``condition`` (a test's view of another process) until it holds, or fail saying what."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
