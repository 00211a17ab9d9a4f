"""Which traceback frames are the student's: a path test shared by the diagnosis and the report.

Tracebacks name files as the system writes paths: ``/usr/lib/python3.11/socket.py`` on
Linux, ``/Library/Frameworks/Python.framework/Versions/3.12/lib/python3.12/socket.py`` on
macOS, ``C:\\Users\\张三\\AppData\\Local\\Programs\\Python\\Python312\\Lib\\socket.py`` on
Windows (whose standard library sits right in ``Lib``, a virtual environment's packages in
``Lib\\site-packages``). Frames there say nothing useful to a student; the line of their own
file that called them does.
"""

from __future__ import annotations

import re

_LIBRARY = re.compile(r"/lib/python[\d.]*/|/(site|dist)-packages/")
_WINDOWS_DRIVE = re.compile(r"^[a-z]:/|^//")
"""A Windows path (``C:\\...`` or ``\\\\server\\share``): there ``Lib`` holds the standard library."""


def is_library_path(name: str) -> bool:
    """Whether a traceback's ``File "..."`` is Python's own or an installed package's."""
    if name.startswith("<"):  # <frozen runpy>, <string>
        return True
    path = name.replace("\\", "/").lower()
    return bool(_LIBRARY.search(path)) or (bool(_WINDOWS_DRIVE.match(path)) and "/lib/" in path)


def file_name(name: str) -> str:
    """The last part of a traceback's path, whichever system's separators it has."""
    return re.split(r"[\\/]", name)[-1]
