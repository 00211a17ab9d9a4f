"""Messages into words, in the reader's language: the one place a result becomes text.

Every renderer (terminal, HTML, platform JSON, CSV) calls :func:`say` with the language it
was asked for; results themselves hold only :class:`~grader.messages.Message` codes and
arguments, and the spec's own texts in every language they were written in.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from grader.i18n import translations
from grader.messages import Message, Translate, facts, fill, msg, own_words
from grader.messages.codes import Code
from grader.messages.template import Template
from grader.spec.base import LocalText, localize

if TYPE_CHECKING:
    from grader.outcome import Containment
    from grader.results.models import GradeResult, RunInfo, ScenarioResult


def status_label(status: str, lang: str) -> str:
    """A scenario's status in the reader's words (terminal table, HTML report, class index)."""
    _ = translations(lang).gettext
    return {
        "passed": _("passed"),
        "failed": _("failed"),
        "skipped": _("skipped"),
        "not_gradable": _("not gradable"),
        "not_reached": _("not reached"),
    }.get(status, status)


def say(message: Message | LocalText | None, lang: str = "en") -> str:
    """The words of ``message`` (or of a spec text) in ``lang``; ``""`` for ``None``."""
    if message is None or isinstance(message, str | dict):
        return localize(message, lang)
    return fill(message, _translator(lang), lang)


@cache
def _translator(lang: str) -> Translate:
    words = translations(lang)

    def translate(template: Template, count: int) -> str:
        if template.singular == "{text}":  # the spec's or an exception's own words: as they are
            return template.singular
        if template.plural is not None:
            return words.ngettext(template.singular, template.plural, count)
        return words.gettext(template.singular)

    return translate


def containment_facts(c: Containment) -> Message:
    """How the runs were contained, as facts in a row: network, files, IPC, scratch and /proc."""
    if c.portable is not None:
        # One line every result carries: what this mode could not promise.
        return facts(msg(Code.ISO_PORTABLE, why=c.portable), msg(Code.ISO_PORTABLE_NO_PROMISE))
    if c.host_requested:
        network = msg(Code.ISO_HOST_REQUESTED)
    elif c.no_namespaces is not None:
        network = msg(Code.ISO_HOST_FALLBACK, why=c.no_namespaces)
    else:
        network = msg(Code.ISO_NET_PID_NAMESPACES if c.pid_namespaces else Code.ISO_NET_NAMESPACE)
    parts = [network]
    if c.user_namespace:
        parts.append(msg(Code.ISO_USER_NAMESPACE))
    if c.one_at_a_time:
        parts.append(msg(Code.ISO_ONE_AT_A_TIME))
    if c.landlock_abi:
        scoped = Code.FILES_LANDLOCK_SCOPED if c.landlock_abi >= 6 else Code.FILES_LANDLOCK
        parts.append(msg(scoped, abi=c.landlock_abi))
    else:
        parts.append(msg(Code.FILES_UID_PER_RUN if c.uid_per_run else Code.FILES_NOT_CONFINED))
    parts.append(msg(Code.IPC_OWN if c.ipc_namespace else Code.IPC_SHARED))
    if c.private_scratch:
        parts.append(msg(Code.SCRATCH_TMPFS_OWN_PROC if c.private_proc else Code.SCRATCH_TMPFS_HOST_PROC))
    else:
        parts.append(msg(Code.SCRATCH_WATCHDOG, why=c.no_private_mounts or msg(Code.MOUNTS_NONE_ON_OS)))
    return facts(*parts)


def containment_text(run: RunInfo, lang: str = "en") -> str:
    """The isolation note of a result, in ``lang`` (empty for a submission never run)."""
    return say(containment_facts(run.containment), lang) if run.isolation else ""


def not_scored_because(result: GradeResult) -> Message | None:
    """Why the total is not a score: the submission, or a scenario of it, could not be graded.

    A scenario the grader could not run (its port taken by another program, a sandbox that
    failed) has 0 points that say nothing about the program; the total says why instead.
    """
    if result.status == "not_graded":
        return result.not_graded_reason
    for s in result.scenarios:
        if s.status == "not_gradable" and s.message is not None:
            why = s.message.args.get("why") if s.message.code is Code.NOT_GRADABLE else None
            return why if isinstance(why, Message) else s.message
    return None


def total_not_graded(result: GradeResult) -> Message | None:
    """The total's sentence when it is not a score (``Could not be graded: ...``)."""
    why = not_scored_because(result)
    return None if why is None else msg(Code.TOTAL_NOT_GRADED, why=why)


def say_all(messages: list[Message], lang: str = "en") -> list[str]:
    return [say(m, lang) for m in messages]


def feedback_text(scenario: ScenarioResult, lang: str = "en") -> str:
    """A scenario's feedback as plain text: the verdict, the one cause shown, the hint.

    Only the most specific diagnosis is said; the others stay in the result as secondary facts
    (the HTML report folds them away).
    """
    lines = [say(scenario.message, lang)] if scenario.message else []
    if scenario.status == "failed":
        if scenario.cause is not None:
            lines.append(say(msg(Code.WHY, message=scenario.cause), lang))
        if scenario.hint:
            lines.append(say(msg(Code.HINT, hint=own_words(scenario.hint)), lang))
    return "\n".join(lines)
