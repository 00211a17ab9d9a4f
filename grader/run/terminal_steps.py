"""The steps on the student's terminal and files: prompts, output, typing, exit, stderr, files."""

from __future__ import annotations

import asyncio
import contextlib
import os

from grader.messages import msg
from grader.messages.codes import Code
from grader.outcome import StepOutcome
from grader.run.context import (
    MAX_FILE_CHECK,
    StepFailed,
    exit_reason,
)
from grader.run.state import RunState
from grader.sandbox.scratch import FileProblem, open_folder, read_student_file
from grader.spec.matching import find_output
from grader.spec.terminal_steps import CloseStdin, Exit, FileCheck, Output, Prompt, Stderr, Type


class TerminalSteps(RunState):
    """Handlers of the terminal steps (a mixin of :class:`~grader.run.scenario.ScenarioRun`)."""

    async def _wait_for_output(
        self, out: StepOutcome, *, text: str | None = None, regex: str | None = None, line: str | None = None
    ) -> tuple[int, int]:
        assert self.stdout is not None
        while True:
            found = find_output(bytes(self.stdout.data), self.cursor, text=text, regex=regex, line=line)
            if found is not None:
                return found
            if self.stdout.eof:
                out.observed = bytes(self.stdout.data[self.cursor :])
                # The end of stdout usually means the program is ending: let its exit arrive.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self.exited.wait()
                out.reason = (
                    msg(Code.ENDED_WITHOUT_PRINTING, how=exit_reason(self.process_end))
                    if self.exited.is_set()
                    else msg(Code.OUTPUT_CLOSED_WITHOUT_PRINTING)
                )
                raise StepFailed
            await self.stdout.wait_change()

    async def _prompt(self, step: Prompt, out: StepOutcome, copy: int | None) -> None:
        out.expected = step.text.encode() if step.text is not None else None
        out.pattern = step.regex
        begin, end = await self._wait_for_output(out, text=step.text, regex=step.regex)
        out.observed = bytes(self.stdout.data[begin:end]) if self.stdout else None
        self.outcome.prompt_spans.append((begin, end))
        self.cursor = end

    async def _output(self, step: Output, out: StepOutcome, copy: int | None) -> None:
        out.expected = (step.text or step.line or "").encode() if step.regex is None else None
        out.pattern = step.regex
        if step.stream != "stdout":
            await self._output_at_end(step, out)
            return
        _, end = await self._wait_for_output(out, text=step.text, regex=step.regex, line=step.line)
        assert self.stdout is not None
        out.observed = bytes(self.stdout.data[self.cursor : end])
        self.cursor = end

    async def _output_at_end(self, step: Output, out: StepOutcome) -> None:
        """Output on stderr (or either stream), looked for in all the program wrote."""
        await self._await_exit(out)
        assert self.stdout is not None and self.stderr is not None
        self.stdout.drain()
        self.stderr.drain()
        streams = [bytes(self.stderr.data)]
        if step.stream == "either":
            streams.insert(0, bytes(self.stdout.data[self.cursor :]))
        for data in streams:
            found = find_output(data, 0, text=step.text, regex=step.regex, line=step.line)
            if found is not None:
                out.observed = data[found[0] : found[1]]
                return
        out.observed = b"\n".join(d for d in streams if d)[-4000:]
        out.reason = msg(Code.MISSING_TEXT)
        raise StepFailed

    async def _type(self, step: Type, out: StepOutcome, copy: int | None) -> None:
        assert self.stdin is not None
        data = (step.text + ("\n" if step.newline else "")).encode("utf-8")
        out.expected = data
        await self._until_typed_taken()
        if self.stdin.closed or self.exited.is_set():
            out.reason = msg(Code.ALREADY_ENDED, how=exit_reason(self.process_end))
            raise StepFailed
        try:
            await self.stdin.write(data)
        except BrokenPipeError as exc:
            out.reason = msg(Code.STOPPED_READING_INPUT)
            raise StepFailed from exc

    async def _until_typed_taken(self) -> None:
        """Type one line at a time, as a person does: after the program has read the last one.

        Two ``type`` steps in a row otherwise reach the program in one read or in two as the
        scheduler decides, and a program that reads them differently (``readline`` in a
        ``select`` loop) would pass or fail by chance. So the next line waits until the pipe
        is empty, unless the program is busy elsewhere: every thread sleeping (none running
        or ready, none in disk wait) with bytes unread means it waits on something else
        (a reading thread would have been woken by the bytes), and then the line is typed
        ahead, as a person would. A ``type`` whose text holds several lines is a paste: it
        arrives in one write.
        """
        assert self.stdin is not None
        delay = 0.001
        while self.stdin.unread() and not self.exited.is_set() and self._student_working():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self.exited.wait()
            delay = min(delay * 2, 0.005)  # each look is a few small reads of /proc

    def _student_working(self) -> bool:
        """Whether a thread of the program is running, ready to run, or in disk wait."""
        for pid in self._student_pids():
            with contextlib.suppress(OSError):
                for tid in os.listdir(f"/proc/{pid}/task"):
                    with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{tid}/stat", "rb") as f:
                        if f.read().rsplit(b")", 1)[1].split()[0] in (b"R", b"D"):
                            return True
        return False

    async def _close_stdin(self, step: CloseStdin, out: StepOutcome, copy: int | None) -> None:
        assert self.stdin is not None
        self.stdin.close()

    async def _await_exit(self, out: StepOutcome, close_stdin: bool = True) -> None:
        # A program still blocked on input() gets EOF instead of hanging until the deadline.
        if close_stdin and self.stdin is not None:
            self.stdin.close()
        try:
            await self.exited.wait()
        except asyncio.CancelledError:
            out.reason = msg(Code.STILL_RUNNING)
            raise

    async def _exit(self, step: Exit, out: StepOutcome, copy: int | None) -> None:
        await self._await_exit(out, close_stdin=not step.stdin_open)
        code = self.process_end.exit_code
        out.reason = exit_reason(self.process_end)
        ok = step.code == "any" or (step.code == "nonzero" and code not in (0, None)) or code == step.code
        if not ok:
            raise StepFailed

    async def _stderr(self, step: Stderr, out: StepOutcome, copy: int | None) -> None:
        await self._await_exit(out)
        assert self.stderr is not None
        self.stderr.drain()
        err = bytes(self.stderr.data)
        out.observed = err[-4000:]
        if step.no_traceback and b"Traceback (most recent call last)" in err:
            out.reason = msg(Code.TRACEBACK_ON_STDERR)
            raise StepFailed
        if step.contains is not None:
            out.expected = step.contains.encode()
            if step.contains.encode() not in err:
                out.reason = msg(Code.MISSING_TEXT)
                raise StepFailed

    def _read_scratch_file(self, relative: str) -> bytes | FileProblem:
        """A file the student left, read without following, blocking on or trusting it."""
        assert self.scratch is not None
        try:
            folder = os.dup(self._scratch_fd) if self._scratch_fd is not None else open_folder(self.scratch)
        except OSError:
            return FileProblem("missing", relative)
        try:
            return read_student_file(folder, relative, MAX_FILE_CHECK)
        finally:
            os.close(folder)

    async def _file(self, step: FileCheck, out: StepOutcome, copy: int | None) -> None:
        await self._await_exit(out)
        assert self.scratch is not None
        found = self._read_scratch_file(step.path)
        problem = found if isinstance(found, FileProblem) else None
        data = found if isinstance(found, bytes) else None
        self.outcome.files[step.path] = data
        expected = await asyncio.to_thread(step.expected_bytes) if step.generate else step.expected_bytes()
        out.expected = expected
        out.observed = data[:4096] if data is not None else None
        if step.absent:
            if problem is None or problem.code != "missing":
                out.reason = msg(Code.FILE_EXISTS)
                raise StepFailed
            return
        if problem is not None or data is None:
            out.reason = problem.reason() if problem is not None else msg(Code.FILE_MISSING)
            raise StepFailed
        if data != expected:
            out.reason = msg(Code.FILE_DIFFERS, got=len(data), want=len(expected or b""))
            raise StepFailed
