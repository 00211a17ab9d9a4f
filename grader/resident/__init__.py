"""The resident checker: ``grader check`` without paying Python's start and imports each time.

A student re-checks the same program many times, and an instructor tries a spec again and
again; most of a short check was the grader starting (the interpreter, pydantic, the spec
models, rich: a quarter to half a second) rather than grading. A resident process keeps
all of that loaded: ``grader check`` leaves one behind after a check at a terminal
(:mod:`grader.resident.autostart`), and ``grader daemon start`` starts one by hand.
``grader check`` then only connects to it and hands over its own terminal (stdin, stdout and
stderr, as file descriptors), working folder, environment and arguments; the resident
process forks a child that runs the ordinary ``check`` command with them and reports its
exit code. Every check still gets a fresh process of its own, so nothing one check does is
seen by the next.

:mod:`grader.resident.paths` is shared by both sides, :mod:`grader.resident.client` is what
``grader check`` runs (standard library only, so that it stays cheap), and
:mod:`grader.resident.server` is the resident process.
"""
