"""Loaded into the student's Python by portable mode (this folder is put first on its
``PYTHONPATH``): what a scenario's own network namespace gives on Linux, done inside the
program where there is none.

* It reports every listening socket and every connection it dials to the grader, one line
  each, appended to the file ``GRADER_SHIM_REPORT`` names: the grader's socket table (and
  how it tells the program's connections from another program's on the shared loopback).
* With ``GRADER_SHIM_ANY_HOST=1`` (a spec with ``host: any``) a ``bind`` to any address
  binds the loopback instead, and a client's ``connect`` to any address (and any name)
  reaches the reference server at ``GRADER_SHIM_REDIRECT``.
* With ``GRADER_SHIM_ANY_PORT=1`` a server's chosen port is replaced by a free one (two
  students who chose 8888 do not collide); the port it chose is reported with it.
* ``GRADER_SHIM_TIME_WAIT=<port>``: binding that port without ``SO_REUSEADDR`` fails as
  Linux fails it right after an earlier server used the port (the lesson this teaches).

None of this confines anything: portable mode says so in every result. Tracebacks leave
this file's frames out, so a crash names the student's line, as it would without it.
"""

from __future__ import annotations

import _socket
import atexit
import os
import socket
import sys

_REPORT = os.environ.get("GRADER_SHIM_REPORT", "")  # kept: children report too
_ANY_HOST = os.environ.pop("GRADER_SHIM_ANY_HOST", "") == "1"
_ANY_PORT = os.environ.pop("GRADER_SHIM_ANY_PORT", "") == "1"
_REDIRECT = os.environ.pop("GRADER_SHIM_REDIRECT", "")
_TIME_WAIT = int(os.environ.pop("GRADER_SHIM_TIME_WAIT", "0") or 0)
_PORT = int(os.environ.pop("GRADER_SHIM_PORT", "0") or 0)
_listening: dict[int, int] = {}
"""Per listening socket (by id): its port, reported again when it stops listening."""
_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_chosen: dict[int, int] = {}
"""Per socket (by id): the port the program asked to bind, when another was given."""
_reuse: set[int] = set()


def _report(*words):
    if not _REPORT:
        return
    line = (" ".join(str(w) for w in words) + "\n").encode()
    fd = os.open(_REPORT, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def _tcp(sock):
    return sock.type == socket.SOCK_STREAM and sock.family in (socket.AF_INET, socket.AF_INET6)


_bind = socket.socket.bind
_listen = socket.socket.listen
_real_close = socket.socket._real_close  # type: ignore[attr-defined]
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_setsockopt = socket.socket.setsockopt
_getaddrinfo = socket.getaddrinfo


def _setsockopt_shim(self, level, option, *value):
    if level == socket.SOL_SOCKET and option == socket.SO_REUSEADDR and value and value[0]:
        _reuse.add(id(self))
    return _setsockopt(self, level, option, *value)


def _bind_shim(self, address):
    if _tcp(self) and isinstance(address, tuple) and len(address) >= 2:
        host, port = address[0], address[1]
        if _TIME_WAIT and port == _TIME_WAIT and id(self) not in _reuse:
            raise OSError(98, "Address already in use")
        if _ANY_HOST and host not in _LOOPBACK:
            host = "::1" if self.family == socket.AF_INET6 else "127.0.0.1"
        if port and (_ANY_PORT or (_PORT and port != _PORT)):
            _chosen[id(self)] = port  # another run may hold it: a free one, reported as this
            port = 0
        elif os.name == "posix" and port:
            # What a fresh namespace gives: the port free of the last run's TIME_WAIT (the
            # lesson's SO_REUSEADDR is kept in ``_reuse`` for GRADER_SHIM_TIME_WAIT)
            _setsockopt(self, socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        address = (host, port, *address[2:])
    return _bind(self, address)


def _listen_shim(self, *backlog):
    result = _listen(self, *backlog)
    if _tcp(self):
        host, port = self.getsockname()[:2]
        _report("listen", host, port, _chosen.get(id(self), port), int(self.family))
        _listening[id(self)] = port
    return result


def _real_close_shim(self, _ss=_socket.socket):
    """Where a socket really closes (``close``, ``with``, or its last ``makefile`` closed):
    a listener reports its end *before* it closes, so the grader, reset by that close, finds
    the report already written, as a namespace's socket table would show it gone."""
    try:
        port = _listening.pop(id(self), None)
        if port is not None:
            _report("unlisten", port)
    except Exception:  # at the interpreter's very end the module may be half gone
        pass
    return _real_close(self, _ss)


@atexit.register
def _unlisten_all():
    """Before the interpreter's end closes them: a server that exits stops listening."""
    for port in list(_listening.values()):
        _report("unlisten", port)
    _listening.clear()


def _target(self, address):
    if _ANY_HOST and _REDIRECT and _tcp(self) and isinstance(address, tuple):
        host, port = _REDIRECT.rsplit(":", 1)
        if self.family == socket.AF_INET:
            try:
                bound = self.getsockname()[1] != 0
            except OSError:  # Windows: an unbound socket has no name
                bound = False
            if not bound:
                _bind(self, ("127.0.0.1", 0))
            _report("dial", self.getsockname()[1], address[0], address[1])
            return (host, int(port))
    return address


def _own_end(self):
    """Report the local port a connection will come from, *before* it is made: the grader,
    accepting it, tells the program's connections from any other program's on the host."""
    if not (_REPORT and _tcp(self)):
        return
    try:
        port = self.getsockname()[1]
    except OSError:  # Windows: an unbound socket has no name
        port = 0
    if not port:
        try:  # the wildcard: any destination still works, and the port is known now
            _bind(self, ("::" if self.family == socket.AF_INET6 else "0.0.0.0", 0))
            port = self.getsockname()[1]
        except OSError:
            return
    _report("connect", port)


def _connect_shim(self, address):
    address = _target(self, address)
    _own_end(self)
    return _connect(self, address)


def _connect_ex_shim(self, address):
    address = _target(self, address)
    _own_end(self)
    return _connect_ex(self, address)


def _getaddrinfo_shim(host, port, family=0, type=0, proto=0, flags=0):
    if _ANY_HOST and _REDIRECT and host not in (None, "", *_LOOPBACK):
        _report("name", host)
        host = "127.0.0.1"
        family = socket.AF_INET if family in (0, socket.AF_INET) else family
    return _getaddrinfo(host, port, family, type, proto, flags)


def _gethostbyname_shim(host):
    if _ANY_HOST and _REDIRECT and host not in _LOOPBACK:
        _report("name", host)
        return "127.0.0.1"
    return _gethostbyname(host)


_gethostbyname = socket.gethostbyname
socket.socket.bind = _bind_shim  # type: ignore[method-assign]
socket.socket.listen = _listen_shim  # type: ignore[method-assign]
socket.socket._real_close = _real_close_shim  # type: ignore[attr-defined]
socket.socket.connect = _connect_shim  # type: ignore[method-assign]
socket.socket.connect_ex = _connect_ex_shim  # type: ignore[method-assign]
socket.socket.setsockopt = _setsockopt_shim  # type: ignore[method-assign]
socket.getaddrinfo = _getaddrinfo_shim
socket.gethostbyname = _gethostbyname_shim


def _without_shim(tb):
    """The traceback with this file's frames left out."""
    here = os.path.normcase(os.path.abspath(__file__))
    kept = []
    while tb is not None:
        if os.path.normcase(os.path.abspath(tb.tb_frame.f_code.co_filename)) != here:
            kept.append(tb)
        tb = tb.tb_next
    if not kept:
        return None
    for before, after in zip(kept, [*kept[1:], None], strict=True):
        before.tb_next = after
    return kept[0]


_excepthook = sys.excepthook


def _excepthook_shim(kind, value, tb):
    _excepthook(kind, value, _without_shim(tb))


sys.excepthook = _excepthook_shim
