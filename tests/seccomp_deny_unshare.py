"""Run a command the way Docker's default seccomp profile would: ``unshare``/``setns`` refused.

Usage: ``python tests/seccomp_deny_unshare.py COMMAND [ARG...]``. Installs a seccomp filter
that makes ``unshare`` and ``setns`` fail with EPERM (as in a container without
``CAP_SYS_ADMIN``), then replaces itself with the command; the filter is inherited by every
process the command starts.
"""

from __future__ import annotations

import errno
import os
import sys

import pyseccomp as seccomp


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit("usage: seccomp_deny_unshare.py COMMAND [ARG...]")
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for call in ("unshare", "setns"):
        rules.add_rule(seccomp.ERRNO(errno.EPERM), call)
    rules.load()
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
