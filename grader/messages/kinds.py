"""Codes the judge treats apart: causes a failure can be blamed on, reasons that say it all."""

from __future__ import annotations

from grader.messages.codes import Code

CAUSES: frozenset[Code] = frozenset(
    {
        Code.PYTHON2,
        Code.SOURCE_NOT_UTF8,
        Code.SYNTAX_ERROR,
        Code.STR_NOT_BYTES,
        Code.ADDRESS_IN_USE,
        Code.WRONG_PORT,
        Code.WRONG_PORT_DIALLED_CAUSE,
        Code.CONNECTION_REFUSED_CAUSE,
        Code.RESOURCE_LIMIT,
        Code.OUTPUT_LIMIT,
        Code.SPLIT_CHARACTER,
        Code.WRONG_ENCODING,
        Code.GBK_UTF8,
        Code.DECODED_BINARY,
        Code.CRASH,
        Code.SERVER_EXITED,
        Code.NEVER_CONNECTED,
        Code.NOT_LISTENING,
        Code.SINGLE_RECV,
        Code.CLOSED_EARLY_CAUSE,
        Code.MISSING_NEWLINE,
        Code.EXTRA_NEWLINE,
        Code.CRLF,
        Code.PRINTED_BYTES,
        Code.NEVER_CLOSED,
        Code.NEVER_EXITED,
        Code.RESET,
        Code.KILLED,
        Code.NOT_A_FILE,
        Code.FILE_TOO_LARGE_CAUSE,
        Code.HTTP_NO_BLANK_LINE_CAUSE,
        Code.HTTP_BARE_LF_CAUSE,
    }
)
"""The diagnosis codes: recognised mistakes a failure can be blamed on (see :mod:`grader.judge.diagnose`)."""

SELF_EXPLAINING: frozenset[Code] = frozenset(
    {
        Code.WRONG_PORT_DIALLED,
        Code.HTTP_NOTHING_SENT,
        Code.HTTP_NO_RESPONSE,
        Code.HTTP_BAD_STATUS_LINE,
        Code.HTTP_BAD_REQUEST_LINE,
        Code.HTTP_STATUS_MISMATCH,
        Code.HTTP_REASON_MISMATCH,
        Code.HTTP_HEAD_UNFINISHED,
        Code.HTTP_BARE_LF,
        Code.HTTP_NO_BLANK_LINE,
        Code.HTTP_BAD_HEADER,
        Code.HTTP_BAD_CONTENT_LENGTH,
        Code.HTTP_BAD_CHUNK,
        Code.HTTP_CHUNKS_UNFINISHED,
        Code.HTTP_HEADER_MISSING,
        Code.HTTP_HEADER_MISMATCH,
        Code.HTTP_BODY_CUT_SHORT,
        Code.HTTP_FRAMING,
        Code.HTTP_NOT_CLOSED,
        Code.HTTP_BODY_LENGTH,
        Code.HTTP_BODY_NO_MATCH,
        Code.HTTP_BODY_MISMATCH,
        Code.HTTP_BODY_DIFFERS_FROM_FILE,
        Code.HTTP_NO_REQUEST,
        Code.HTTP_REQUEST_UNFINISHED,
        Code.HTTP_METHOD_MISMATCH,
        Code.HTTP_PATH_MISMATCH,
        Code.HTTP_REQUEST_HEADER_MISSING,
        Code.HTTP_REQUEST_HEADER_MISMATCH,
        Code.BROWSER_LOAD_FAILED,
        Code.BROWSER_CONTENT_TYPE,
        Code.BROWSER_NO_ELEMENT,
        Code.BROWSER_TEXT_MISSING,
        Code.STOP_OUTPUT_LIMIT,
        Code.STOP_SCENARIO_OVER,
        Code.STOP_SCENARIO_TIMEOUT,
    }
)
"""Step reasons that say all there is to say (``status 404 instead of 200 ...``): the judge
states them alone, not as an expected/observed pair of bytes."""
