"""``grader doctor``: one screen of what this machine gives the grader, and what enables the rest.

Always exits 0: it reports, it does not judge (a machine without namespaces still grades).
"""

from __future__ import annotations

import argparse
import os
import unicodedata

from grader import __version__
from grader.commands.doctor_portable import Finding, common_findings
from grader.i18n import default_lang
from grader.messages import msg, verbatim
from grader.messages.codes import Code
from grader.render.words import say
from grader.sandbox.platform_caps import linux_parts_missing

LABEL_WIDTH = 24
"""Columns of the label (a Chinese character takes two)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor", help="show what this machine gives the grader (namespaces, cgroups, Landlock)"
    )
    p.add_argument("--lang", choices=["en", "zh"], default=None, help="language (default: from the locale)")
    p.add_argument("--python", default=None, help="the interpreter that would run students")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    lang = args.lang or default_lang()
    if linux_parts_missing() is not None:  # Windows, macOS: the Linux rows cannot even be asked
        print(render(common_findings(args.python), lang))
        return 0
    from grader.commands.doctor_checks import Machine, examine
    from grader.sandbox.host import enter_private_user_namespace, in_private_user_namespace

    # As a grading process does, before any thread: without root, the private user namespace.
    note = enter_private_user_namespace("auto")
    refused = "" if in_private_user_namespace() else note
    machine = Machine(private_userns=in_private_user_namespace(), userns_error=refused)
    print(render(examine(machine, args.python), lang))
    return 0


def render(findings: list[Finding], lang: str) -> str:
    """The screen: a title, then one line per finding and, under what is missing, its fix."""
    uid = f", uid {os.geteuid()}" if hasattr(os, "geteuid") else ""  # Windows has no uids
    lines = [f"{say(msg(Code.DOCTOR_TITLE), lang)} (grader {__version__}{uid})"]
    shown: set[str] = set()
    for finding in findings:
        label = say(msg(finding.what), lang)
        lines.append(f"  {_pad(label)} {say(finding.state, lang)}")
        if finding.fix and finding.fix not in shown:  # once: four namespaces share one fix
            shown.add(finding.fix)
            lines.append(
                f"  {_pad('')}   -> {say(msg(Code.DOCTOR_FIX, command=verbatim(finding.fix)), lang)}"
            )
    return "\n".join(lines)


def _pad(text: str) -> str:
    width = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, LABEL_WIDTH - width)
