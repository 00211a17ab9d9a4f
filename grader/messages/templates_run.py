"""Templates: What a run records (step reasons) and the grader's own problems."""

from __future__ import annotations

from grader.messages.codes import Code
from grader.messages.template import N_, Template, _t

TEMPLATES: dict[Code, Template] = {
    # run facts
    Code.DIFFERENT_BYTES_BEFORE_CLOSE: _t(N_("different bytes before the connection closed")),
    Code.DIFFERENT_BYTES: _t(N_("different bytes")),
    Code.CLOSED_WITHOUT_SENDING: _t(N_("the connection closed with nothing sent")),
    Code.CLOSED_EARLY: _t(N_("the connection closed too early")),
    Code.NO_NEWLINE_BEFORE_CLOSE: _t(N_("no newline before the connection closed")),
    Code.CRLF_LINE_ENDING: _t(N_("the line ends with \\r\\n")),
    Code.DIFFERENT_LINE: _t(N_("a different line")),
    Code.LINE_DOES_NOT_MATCH: _t(N_("the line does not match")),
    Code.EXTRA_BYTES: _t(N_("extra bytes after the expected ones")),
    Code.NO_SUCH_CONNECTION: _t(N_("no such connection")),
    Code.STILL_RUNNING: _t(N_("still running")),
    Code.EXIT_CODE: _t(N_("exit code {code}")),
    Code.KILLED_BY_SIGNAL: _t(N_("killed by signal {sig}")),
    Code.STOPPED_BY_GRADER: _t(N_("stopped by the grader: {why}")),
    Code.ENDED_WITHOUT_PRINTING: _t(N_("the program ended ({how}) without printing it")),
    Code.OUTPUT_CLOSED_WITHOUT_PRINTING: _t(N_("the program closed its output without printing it")),
    Code.ALREADY_ENDED: _t(N_("the program had already ended ({how})")),
    Code.STOPPED_READING_INPUT: _t(N_("the program had stopped reading its input")),
    Code.EXITED_WITHOUT_CONNECTING: _t(N_("the program exited ({code}) without connecting")),
    Code.CONNECTION_REFUSED: _t(N_("connection refused ({n} attempts)")),
    Code.LISTENS_ON_WRONG_PORT: _t(N_("listening on port {listening}, expected port {expected}")),
    Code.REFUSED_SERVER_EXITED: _t(N_("refused: the server had exited ({code})")),
    Code.STOPPED_LISTENING: _t(N_("the server no longer listened on port {port}")),
    Code.EXITED_BEFORE_LISTENING: _t(N_("the server exited ({code}) before listening")),
    Code.STUDENT_CLOSED_DURING_SEND: _t(
        N_("your program closed the connection before all the bytes were sent")
    ),
    Code.RESET_BY_STUDENT: _t(N_("your program reset the connection")),
    Code.STUDENT_HAD_CLOSED: _t(N_("your program had closed the connection")),
    Code.CONNECTION_RESET: _t(N_("the connection was reset")),
    Code.TRACEBACK_ON_STDERR: _t(N_("a traceback")),
    Code.MISSING_TEXT: _t(N_("the text is missing")),
    Code.FILE_EXISTS: _t(N_("the file exists")),
    Code.FILE_MISSING: _t(N_("the file is missing")),
    Code.FILE_DIFFERS: _t(N_("the file differs ({got} bytes, expected {want})")),
    Code.FILE_IS_FIFO: _t(N_("{path} is a FIFO (a named pipe), not a file")),
    Code.FILE_IS_SYMLINK: _t(N_("{path} is a symbolic link, not a file")),
    Code.FILE_IS_FOLDER: _t(N_("{path} is a folder, not a file")),
    Code.FILE_IS_DEVICE: _t(N_("{path} is a device, not a file")),
    Code.FILE_IS_SOCKET: _t(N_("{path} is a socket, not a file")),
    Code.FILE_TOO_LARGE: _t(N_("{path} is too large ({size} bytes; the grader reads at most {limit})")),
    Code.FILE_UNREADABLE: _t(N_("{path} cannot be read")),
    Code.SCENARIO_TIME_LIMIT: _t(N_("the scenario's time limit ({secs} s)")),
    Code.CLOSED_FIN: _t(N_("closed normally (FIN)")),
    Code.CLOSED_RST: _t(N_("reset (RST)")),
    Code.OS_ERROR: _t("{error}"),
    Code.WRONG_PORT_DIALLED: _t(
        N_("the program connected to {host}:{port}, but the server is on port {expected}")
    ),
    Code.HTTP_NOTHING_SENT: _t(N_("the server closed the connection without sending a response")),
    Code.HTTP_NO_RESPONSE: _t(N_("no response arrived")),
    Code.HTTP_BAD_STATUS_LINE: _t(N_("the first line is not an HTTP status line: “{line}”")),
    Code.HTTP_BAD_REQUEST_LINE: _t(N_("the first line is not an HTTP request line: “{line}”")),
    Code.HTTP_STATUS_MISMATCH: _t(
        N_("status {received} instead of {expected} (status line as received: “{line}”)")
    ),
    Code.HTTP_REASON_MISMATCH: _t(
        N_("reason phrase “{received}” instead of “{expected}” (status line: “{line}”)")
    ),
    Code.HTTP_HEAD_UNFINISHED: _t(
        N_("the connection closed before the headers ended (no blank line after {received} bytes)")
    ),
    Code.HTTP_BARE_LF: _t(N_("the header lines end with a bare \\n; HTTP needs \\r\\n")),
    Code.HTTP_NO_BLANK_LINE: _t(
        N_("no blank line (\\r\\n\\r\\n) between the headers and the body; the body began at “{line}”")
    ),
    Code.HTTP_BAD_HEADER: _t(N_("a header line is not “Name: value”: “{line}”")),
    Code.HTTP_BAD_CONTENT_LENGTH: _t(N_("the Content-Length header is not a number: “{value}”")),
    Code.HTTP_BAD_CHUNK: _t(N_("a chunk of the chunked body is malformed near “{line}”")),
    Code.HTTP_CHUNKS_UNFINISHED: _t(
        N_("the chunked body ended without its last (empty) chunk, after {received} bytes")
    ),
    Code.HTTP_HEADER_MISSING: _t(N_("the response has no {name} header")),
    Code.HTTP_HEADER_MISMATCH: _t(N_("header {name} is “{received}”, expected “{expected}”")),
    Code.HTTP_BODY_CUT_SHORT: _t(N_("the body was cut short at {received} of {expected} bytes")),
    Code.HTTP_FRAMING: _t(N_("the response must say its length (Content-Length); it was ended by {used}")),
    Code.HTTP_NOT_CLOSED: _t(
        N_("the response never ended: no Content-Length, and the server did not close the connection")
    ),
    Code.HTTP_BODY_LENGTH: _t(N_("the body has {received} bytes, expected {expected}")),
    Code.HTTP_BODY_NO_MATCH: _t(N_("the body ({received} bytes) does not match {pattern}")),
    Code.HTTP_BODY_MISMATCH: _t(
        N_("the body differs from the expected one at byte {byte} ({received} bytes, expected {expected})")
    ),
    Code.HTTP_BODY_DIFFERS_FROM_FILE: _t(
        N_("the body differs from {file} at byte {byte} ({received} bytes received, the file has {expected})")
    ),
    Code.HTTP_NO_REQUEST: _t(N_("no request arrived")),
    Code.HTTP_REQUEST_UNFINISHED: _t(
        N_(
            "the request never ended: no blank line (\\r\\n\\r\\n) after its headers ({received} bytes "
            "received)"
        )
    ),
    Code.HTTP_METHOD_MISMATCH: _t(
        N_("the request method is {received}, expected {expected} (request line: “{line}”)")
    ),
    Code.HTTP_PATH_MISMATCH: _t(
        N_("the request asks for {received}, expected {expected} (request line: “{line}”)")
    ),
    Code.HTTP_REQUEST_HEADER_MISSING: _t(N_("the request has no {name} header")),
    Code.HTTP_REQUEST_HEADER_MISMATCH: _t(
        N_("the request's {name} header is “{received}”, expected “{expected}”")
    ),
    Code.FRAMING_CONTENT_LENGTH: _t(N_("Content-Length")),
    Code.FRAMING_CHUNKED: _t(N_("chunked encoding")),
    Code.FRAMING_CLOSE: _t(N_("closing the connection")),
    Code.FRAMING_NONE: _t(N_("nothing")),
    Code.BROWSER_LOAD_FAILED: _t(N_("the browser could not load the page: {error}")),
    Code.BROWSER_CONTENT_TYPE: _t(
        N_("the browser took the page for {shown}, not {expected} (the server sent Content-Type: {sent})")
    ),
    Code.BROWSER_NO_ELEMENT: _t(
        N_(
            "the browser shows no {selector} element: it took the page for {shown} (the server sent "
            "Content-Type: {sent})"
        )
    ),
    Code.BROWSER_TEXT_MISSING: _t(N_("the browser shows “{received}” in {selector}, without “{expected}”")),
    Code.STOP_OUTPUT_LIMIT: _t(N_("too much output")),
    Code.STOP_SCENARIO_OVER: _t(N_("the scenario was over")),
    Code.STOP_SCENARIO_TIMEOUT: _t(N_("the scenario's time limit")),
    Code.STOP_DISK_LIMIT: _t(N_("disk limit reached")),
    Code.BUSY_MACHINE: _t(
        N_(
            "the machine was busy: the program waited {waited} s for a processor during this step, "
            "and the deadline was extended by as much"
        )
    ),
    Code.BUSY_MACHINE_NOT_EXTENDED: _t(
        N_(
            "the machine was busy: the grader was kept from running for {waited} s of this step"
            " (portable mode cannot tell how long the program waited, so the deadline stayed)"
        )
    ),
    Code.CUT_STDOUT: _t(N_("what the program printed (stdout)")),
    Code.CUT_STDERR: _t(N_("what the program wrote to stderr")),
    Code.CUT_SENT: _t(N_("what the program sent on connection {conn}")),
    Code.CUT_RECEIVED: _t(N_("what the reference peer sent on connection {conn}")),
    Code.CUT_FILE: _t(N_("the file {path}")),
    Code.CUT_KEPT_START: _t(
        N_("{where}: {size} bytes, the first {kept} kept here ({dropped} cut from the end)")
    ),
    Code.CUT_KEPT_END: _t(
        N_("{where}: {size} bytes, the last {kept} kept here ({dropped} cut from the start)")
    ),
    # grader problems
    Code.PEER_CANNOT_LISTEN: _t(N_("the reference server could not listen on {host}:{port}: {error}")),
    Code.CANNOT_START_PROGRAM: _t(N_("could not start {program}: {error}")),
    Code.SANDBOX_FAILED: _t(N_("the sandbox could not be set up: {error}")),
    Code.INTERNAL_ERROR: _t(N_("internal error: {error}")),
    Code.JUDGING_FAILED: _t(N_("judging failed: {error}")),
    Code.PORT_HELD: _t(
        N_(
            "port {port} was still in use on this machine ({states}) when the program started, so "
            "its bind() failed; this is not the program's fault"
        )
    ),
    Code.PORT_IN_USE: _t(
        N_("port {port} is in use by another program (pid {pid}, {command}): stop it and check again")
    ),
    Code.PORT_IN_USE_OWNER_HIDDEN: _t(
        N_("port {port} is in use by another program (the grader cannot see which): stop it and check again")
    ),
    Code.ANY_NEEDS_NAMESPACE: _t(
        N_(
            "network host or port “any” needs namespace mode (every address made local inside the "
            "scenario's own network); on the host network this scenario cannot be graded"
        )
    ),
    Code.NETNS_LOCAL_ROUTE_FAILED: _t(
        N_("the scenario's network could not be given every address (the local route): {error}")
    ),
    Code.NETNS_LOW_PORTS_FAILED: _t(N_("the scenario's network could not allow ports below 1024: {error}")),
    Code.NFT_MISSING: _t(
        N_("port “any” needs nftables (the nft command), which is not installed on the grading machine")
    ),
    Code.NFT_FAILED: _t(
        N_("the scenario's connections could not be redirected to the reference server: {error}")
    ),
    Code.TIME_WAIT_NEEDS_NAMESPACE: _t(
        N_(
            "this scenario restarts the server on a port just used, which needs namespace mode; "
            "on the host network it cannot be graded"
        )
    ),
    Code.TIME_WAIT_NOT_LEFT: _t(N_("the port could not be left in TIME_WAIT before the program started")),
    Code.BROWSER_UNAVAILABLE: _t(N_("no browser to open the page with on the grading machine: {why}")),
}
