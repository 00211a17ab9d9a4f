"""Templates: The judge's diagnoses (recognised mistakes) and its sentences."""

from __future__ import annotations

from grader.messages.codes import Code
from grader.messages.template import N_, Template, _t

TEMPLATES: dict[Code, Template] = {
    # diagnoses
    Code.PYTHON2: _t(N_('This is Python 2 code: in Python 3, print is a function: print("...").')),
    Code.SOURCE_NOT_UTF8: _t(
        N_(
            "Python cannot read {file}: it is not saved as UTF-8 (line {line} holds the byte {byte}, "
            "as Chinese text saved in GBK by Windows Notepad does). Save {file} as UTF-8, or add "
            "“# -*- coding: gbk -*-” as its first line."
        )
    ),
    Code.SYNTAX_ERROR: _t(N_("Your program does not start: {error} at {where}.")),
    Code.STR_NOT_BYTES: _t(
        N_(
            "Your program crashed at {where}: send() was given a str. Sockets carry bytes: "
            'send text.encode("utf-8").'
        )
    ),
    Code.ADDRESS_IN_USE: _t(
        N_("bind() failed: the address was in use. Set SO_REUSEADDR before bind(), and bind only once.")
    ),
    Code.WRONG_PORT: _t("{explanation}"),
    Code.WRONG_PORT_ARGV: _t(
        N_(
            "Your server is listening on port {listening}, but this scenario expects port {expected}, "
            "given on the command line."
        )
    ),
    Code.WRONG_PORT_FIXED: _t(
        N_("Your server is listening on port {listening}, but this scenario expects port {expected}.")
    ),
    Code.WRONG_PORT_DIALLED_CAUSE: _t(
        N_(
            "Your program connected to port {port}, but the server it must reach listens on port "
            "{expected}: connect() to that port."
        )
    ),
    Code.CONNECTION_REFUSED_CAUSE: _t(
        N_(
            "Your program's connection was refused: it connected to the wrong address or port. "
            "The server was at {host}:{port}; take them from the command line (sys.argv)."
        )
    ),
    Code.RESOURCE_LIMIT: _t("{explanation}"),
    Code.LIMIT_MEMORY: _t(
        N_(
            "Your program used more memory than it is allowed and was stopped. Does it keep "
            "data it no longer needs, or read without end?"
        )
    ),
    Code.LIMIT_PROCESSES: _t(
        N_("Your program started more processes than it is allowed. Does it call fork() in a loop?")
    ),
    Code.LIMIT_CPU_TIME: _t(
        N_(
            "Your program used up its CPU time and was stopped: is it stuck in a loop that "
            "never ends (for example after recv() returned b'')?"
        )
    ),
    Code.LIMIT_FILE_SIZE: _t(N_("Your program tried to write a file larger than it is allowed.")),
    Code.LIMIT_DISK: _t(
        N_("Your program wrote more into its folder than it is allowed (disk limit reached).")
    ),
    Code.LIMIT_OPEN_FILES: _t(
        N_("Your program opened more files or sockets than it is allowed: close the ones you no longer need.")
    ),
    Code.OUTPUT_LIMIT: _t(N_("Your program printed too much and was stopped ({n} bytes kept).")),
    Code.SPLIT_CHARACTER: _t(
        N_(
            "A character was cut between two recv() calls, and decoding one piece on its own failed. "
            "TCP does not keep characters (or lines) whole: collect the bytes, and decode only "
            "complete lines or the whole message."
        )
    ),
    Code.WRONG_ENCODING: _t(
        N_(
            "You sent “{text}” encoded in {used}; this assignment expects {expected}: "
            'send text.encode("{codec}").'
        )
    ),
    Code.GBK_UTF8: _t(
        N_(
            "The non-ASCII text was garbled: one side used GBK and the other UTF-8. This "
            'assignment\'s text is {encoding}: use encode("{encoding}") and decode("{encoding}") on both '
            "sides."
        )
    ),
    Code.DECODED_BINARY: _t(
        N_(
            "Bytes that are not valid UTF-8 came back changed. Echo the bytes you received as they "
            "are: do not decode() and encode() them."
        )
    ),
    Code.CRASH: _t(N_("Your program crashed at {where}: {error}")),
    Code.SERVER_EXITED: _t(N_("Your server exited before it accepted a connection.")),
    Code.NEVER_CONNECTED: _t(
        N_(
            "Your program never connected to {host}:{port}. Did it call connect() with the host "
            "and port given on the command line?"
        )
    ),
    Code.NOT_LISTENING: _t(
        N_(
            "Nothing was listening on port {port}. Your server must bind() to that port (from the "
            "command line) and call listen() before accept()."
        )
    ),
    Code.SINGLE_RECV: _t(
        N_(
            "Only the first part of the reply was printed. TCP is a byte stream: one recv() may "
            'return just a piece. Call recv() in a loop until it returns b"" (the server closed).'
        )
    ),
    Code.CLOSED_EARLY_CAUSE: _t("{explanation}"),
    Code.CLOSED_AFTER_PART: _t(
        N_(
            "Your program closed the connection after {n} of {total} bytes. One recv() returns only "
            "what has arrived so far: keep calling recv() (and sendall()) until the other side "
            "closes."
        )
    ),
    Code.CLOSED_WHILE_RECEIVING: _t(
        N_(
            "Your program closed the connection while {total} bytes were still being sent to it. "
            "One recv() returns only what has arrived so far: keep calling recv() until you have "
            "the whole message (or until the other side closes)."
        )
    ),
    Code.MISSING_NEWLINE: _t(
        N_('The line ending "\\n" is missing: this protocol ends each message with a newline.')
    ),
    Code.EXTRA_NEWLINE: _t(
        N_('There is an extra newline: send exactly the bytes asked for, with no "\\n" added.')
    ),
    Code.CRLF: _t(N_('Lines must end with "\\n", not "\\r\\n".')),
    Code.PRINTED_BYTES: _t(
        N_("Your program printed a bytes object (b'...'). Decode it first: print(data.decode(\"utf-8\")).")
    ),
    Code.NEVER_CLOSED: _t(
        N_(
            "Your program never closed the connection. Call close() on the socket when you are "
            "done (or use it in a with block)."
        )
    ),
    Code.NEVER_EXITED: _t(
        N_(
            "Your program did not exit, even after its input was closed. Is it stuck in recv() "
            "or in a loop that never ends?"
        )
    ),
    Code.RESET: _t(
        N_("The connection was reset: a socket was closed while unread data was still waiting in it.")
    ),
    Code.KILLED: _t(N_("Your program was killed by signal {sig} (a resource limit?).")),
    Code.NOT_A_FILE: _t(
        N_(
            "The grader reads {path} as an ordinary file, and your program left something else "
            'there. Create it with open("{path}", "wb") and write the bytes into it.'
        )
    ),
    Code.FILE_TOO_LARGE_CAUSE: _t(
        N_(
            "Your program wrote {size} bytes into {path}, more than the grader reads ({limit}). "
            "Does it write the data more than once, or in a loop that never ends?"
        )
    ),
    Code.SKIPPED_CAUSE: _t(N_("“{title}” did not pass.")),
    Code.HTTP_NO_BLANK_LINE_CAUSE: _t(
        N_(
            'HTTP ends the headers with an empty line: after the last header line send "\\r\\n" '
            'once more ("\\r\\n\\r\\n" in all), then the body. Without it the other side cannot '
            "tell where the headers end."
        )
    ),
    Code.HTTP_BARE_LF_CAUSE: _t(
        N_(
            'HTTP lines end with "\\r\\n", not a bare "\\n": write each status and header line as '
            '"...\\r\\n" (browsers forgive it; HTTP clients need not).'
        )
    ),
    # the judge's sentences
    Code.PASSED: _t(N_("Passed.")),
    Code.NOT_EVERY_STEP_RAN: _t(N_("Not every step ran.")),
    Code.NEVER_STARTED: _t(N_("Your program never started, so no scenario can pass.")),
    Code.NOT_GRADABLE: _t(N_("Not gradable (a problem of the grader, not of your program): {why}")),
    Code.SKIPPED: _t(N_("Skipped: it needs “{title}”, which did not pass. Fix that first.")),
    Code.STEP_EXPECTED: _t(N_("Step {n} ({title}): expected {expected}; observed {observed}.")),
    Code.STEP_WAITED: _t(
        N_("Step {n} ({title}): waited {secs:g} s for {expected}; by then it had seen {observed}.")
    ),
    Code.STEP_FAILED_BECAUSE: _t(N_("Step {n} ({title}): {reason}.")),
    Code.STEP_WAITED_BECAUSE: _t(N_("Step {n} ({title}): waited {secs:g} s; {reason}.")),
    Code.ENCODING_USED: _t(N_("Your program's text was in {encoding}.")),
    Code.CLIENTS_FAILED: _t(N_("{bad} of {all} clients failed; the first was client {i}.")),
    Code.WHY: _t(N_("Why: {message}")),
    Code.HINT: _t(N_("Hint: {hint}")),
    Code.EXPECT_EXIT_NONZERO: _t(N_("exit with a non-zero code")),
    Code.EXPECT_EXIT: _t(N_("exit")),
    Code.EXPECT_EXIT_CODE: _t(N_("exit with code {code}")),
    Code.EXPECT_CLOSE: _t(N_("the program closes its socket (nothing more to send)")),
    Code.EXPECT_NO_TRACEBACK: _t(N_("no traceback on stderr")),
    Code.EXPECT_STDERR_CONTAINS: _t(N_("stderr contains “{text}”")),
    Code.EXPECT_LINE_MATCHING: _t(N_("a line matching {pattern}")),
    Code.SHOWN_BYTES: _t(N_("“{text}” ({size})")),
    Code.SHOWN_TEXT_IN: _t(N_("“{text}” ({size}, {encoding})")),
    Code.BYTE_COUNT: _t(N_("{n} byte"), N_("{n} bytes")),
    Code.NOTHING: _t(N_("nothing")),
    Code.NOTHING_BECAUSE: _t(N_("nothing ({why})")),
    Code.FIRST_DIFFERENCE: _t(N_("first difference at byte {n}")),
    Code.FACTS: _t("{facts}"),
    Code.SENTENCES: _t("{sentences}"),
    Code.OWN_WORDS: _t("{text}"),
    Code.VERBATIM: _t("{text}"),
}
