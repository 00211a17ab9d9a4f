"""Every fact and explanation the grader states, as a code plus arguments: the words come last.

A run records *what happened* as a :class:`Message` (``connection_refused {attempts: 3}``), the
judge builds its verdicts and diagnoses from such messages, and results keep them as they are.
Only a renderer turns one into words, in the language of the reader it serves
(:func:`grader.words.say`), so one result reads in English and in Chinese without grading again.

There is one closed set of codes, :class:`Code`, and one table, :data:`TEMPLATES`, mapping each
code to its English template (which is also the gettext message id its translations use).

To add a code: add a member to :class:`Code` (its value is stable: results and class statistics
keep it), add its template to :data:`TEMPLATES` in the same section (wrapped in ``N_``), and add
the template's Chinese to ``grader/locale/zh/LC_MESSAGES/grader.po`` (then
``python -m grader.i18n_build``). ``tests/test_messages.py`` fails while one of those is missing.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, model_validator


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where it is shown."""
    return message


class Code(StrEnum):
    """The closed set of message codes. Sections: run facts, grader problems, diagnoses
    (the values are the diagnosis codes of class statistics), the judge's sentences, step titles,
    and reasons a submission is not graded at all."""

    # -- facts a run records about a step (StepOutcome.reason) -----------------------------
    DIFFERENT_BYTES_BEFORE_CLOSE = "different_bytes_before_close"
    DIFFERENT_BYTES = "different_bytes"
    CLOSED_WITHOUT_SENDING = "closed_without_sending"
    CLOSED_EARLY = "closed_early"
    NO_NEWLINE_BEFORE_CLOSE = "no_newline_before_close"
    CRLF_LINE_ENDING = "crlf_line_ending"
    DIFFERENT_LINE = "different_line"
    LINE_DOES_NOT_MATCH = "line_does_not_match"
    EXTRA_BYTES = "extra_bytes"
    NO_SUCH_CONNECTION = "no_such_connection"
    STILL_RUNNING = "still_running"
    EXIT_CODE = "exit_code"
    KILLED_BY_SIGNAL = "killed_by_signal"
    STOPPED_BY_GRADER = "stopped_by_grader"
    ENDED_WITHOUT_PRINTING = "ended_without_printing"
    OUTPUT_CLOSED_WITHOUT_PRINTING = "output_closed_without_printing"
    ALREADY_ENDED = "already_ended"
    STOPPED_READING_INPUT = "stopped_reading_input"
    EXITED_WITHOUT_CONNECTING = "exited_without_connecting"
    CONNECTION_REFUSED = "connection_refused"
    LISTENS_ON_WRONG_PORT = "listens_on_wrong_port"
    REFUSED_SERVER_EXITED = "refused_server_exited"
    STOPPED_LISTENING = "stopped_listening"
    EXITED_BEFORE_LISTENING = "exited_before_listening"
    STUDENT_CLOSED_DURING_SEND = "student_closed_during_send"
    RESET_BY_STUDENT = "reset_by_student"
    STUDENT_HAD_CLOSED = "student_had_closed"
    CONNECTION_RESET = "connection_reset"
    TRACEBACK_ON_STDERR = "traceback_on_stderr"
    MISSING_TEXT = "missing_text"
    FILE_EXISTS = "file_exists"
    FILE_MISSING = "file_missing"
    FILE_DIFFERS = "file_differs"
    FILE_IS_FIFO = "file_is_fifo"
    FILE_IS_SYMLINK = "file_is_symlink"
    FILE_IS_FOLDER = "file_is_folder"
    FILE_IS_DEVICE = "file_is_device"
    FILE_IS_SOCKET = "file_is_socket"
    FILE_TOO_LARGE = "file_too_large"
    FILE_UNREADABLE = "file_unreadable"
    SCENARIO_TIME_LIMIT = "scenario_time_limit"
    CLOSED_FIN = "closed_fin"
    CLOSED_RST = "closed_rst"
    OS_ERROR = "os_error"
    WRONG_PORT_DIALLED = "wrong_port_dialled"
    # HTTP: what was wrong with a response or a request, in the order a person reads one
    HTTP_NOTHING_SENT = "http_nothing_sent"
    HTTP_NO_RESPONSE = "http_no_response"
    HTTP_BAD_STATUS_LINE = "http_bad_status_line"
    HTTP_BAD_REQUEST_LINE = "http_bad_request_line"
    HTTP_STATUS_MISMATCH = "http_status_mismatch"
    HTTP_REASON_MISMATCH = "http_reason_mismatch"
    HTTP_HEAD_UNFINISHED = "http_head_unfinished"
    HTTP_BARE_LF = "http_bare_lf"
    HTTP_NO_BLANK_LINE = "http_no_blank_line"
    HTTP_BAD_HEADER = "http_bad_header"
    HTTP_BAD_CONTENT_LENGTH = "http_bad_content_length"
    HTTP_BAD_CHUNK = "http_bad_chunk"
    HTTP_CHUNKS_UNFINISHED = "http_chunks_unfinished"
    HTTP_HEADER_MISSING = "http_header_missing"
    HTTP_HEADER_MISMATCH = "http_header_mismatch"
    HTTP_BODY_CUT_SHORT = "http_body_cut_short"
    HTTP_FRAMING = "http_framing"
    HTTP_NOT_CLOSED = "http_not_closed"
    HTTP_BODY_LENGTH = "http_body_length"
    HTTP_BODY_NO_MATCH = "http_body_no_match"
    HTTP_BODY_MISMATCH = "http_body_mismatch"
    HTTP_BODY_DIFFERS_FROM_FILE = "http_body_differs_from_file"
    HTTP_NO_REQUEST = "http_no_request"
    HTTP_REQUEST_UNFINISHED = "http_request_unfinished"
    HTTP_METHOD_MISMATCH = "http_method_mismatch"
    HTTP_PATH_MISMATCH = "http_path_mismatch"
    HTTP_REQUEST_HEADER_MISSING = "http_request_header_missing"
    HTTP_REQUEST_HEADER_MISMATCH = "http_request_header_mismatch"
    # how an HTTP response ended (the ``used`` of http_framing, and the report's exchange view)
    FRAMING_CONTENT_LENGTH = "framing_content_length"
    FRAMING_CHUNKED = "framing_chunked"
    FRAMING_CLOSE = "framing_close"
    FRAMING_NONE = "framing_none"
    # what a real browser made of the student's page
    BROWSER_LOAD_FAILED = "browser_load_failed"
    BROWSER_CONTENT_TYPE = "browser_content_type"
    BROWSER_NO_ELEMENT = "browser_no_element"
    BROWSER_TEXT_MISSING = "browser_text_missing"
    # why the grader stopped a program (ProcessEnd.killed_by_grader)
    STOP_OUTPUT_LIMIT = "output limit"
    STOP_SCENARIO_OVER = "scenario over"
    STOP_SCENARIO_TIMEOUT = "scenario timeout"
    STOP_DISK_LIMIT = "disk limit"
    # a deadline that passed while the machine kept the program (or the grader) from running
    BUSY_MACHINE = "busy_machine"
    BUSY_MACHINE_NOT_EXTENDED = "busy_machine_not_extended"
    # what a stored result left out to stay within its size limit (Outcome.cuts)
    CUT_STDOUT = "cut_stdout"
    CUT_STDERR = "cut_stderr"
    CUT_SENT = "cut_sent"
    CUT_RECEIVED = "cut_received"
    CUT_FILE = "cut_file"
    CUT_KEPT_START = "cut_kept_start"
    CUT_KEPT_END = "cut_kept_end"

    # -- problems of the grader itself (Outcome.grader_error): not the student's fault -----
    PEER_CANNOT_LISTEN = "peer_cannot_listen"
    CANNOT_START_PROGRAM = "cannot_start_program"
    SANDBOX_FAILED = "sandbox_failed"
    INTERNAL_ERROR = "internal_error"
    JUDGING_FAILED = "judging_failed"
    PORT_HELD = "port_held"
    PORT_IN_USE = "port_in_use"
    PORT_IN_USE_OWNER_HIDDEN = "port_in_use_owner_hidden"
    ANY_NEEDS_NAMESPACE = "any_needs_namespace"
    NETNS_LOCAL_ROUTE_FAILED = "netns_local_route_failed"
    NETNS_LOW_PORTS_FAILED = "netns_low_ports_failed"
    NFT_MISSING = "nft_missing"
    NFT_FAILED = "nft_failed"
    TIME_WAIT_NEEDS_NAMESPACE = "time_wait_needs_namespace"
    TIME_WAIT_NOT_LEFT = "time_wait_not_left"
    BROWSER_UNAVAILABLE = "browser_unavailable"

    # -- diagnoses: recognised mistakes, most specific first (see grader.diagnose) --------
    PYTHON2 = "python2"
    SYNTAX_ERROR = "syntax-error"
    STR_NOT_BYTES = "str-not-bytes"
    ADDRESS_IN_USE = "address-in-use"
    WRONG_PORT = "wrong-port"
    WRONG_PORT_DIALLED_CAUSE = "wrong-port-dialled"
    CONNECTION_REFUSED_CAUSE = "connection-refused"
    RESOURCE_LIMIT = "resource-limit"
    OUTPUT_LIMIT = "output-limit"
    SPLIT_CHARACTER = "split-character"
    GBK_UTF8 = "gbk-utf8"
    DECODED_BINARY = "decoded-binary"
    CRASH = "crash"
    SERVER_EXITED = "server-exited"
    NEVER_CONNECTED = "never-connected"
    NOT_LISTENING = "not-listening"
    SINGLE_RECV = "single-recv"
    CLOSED_EARLY_CAUSE = "closed-early"
    MISSING_NEWLINE = "missing-newline"
    EXTRA_NEWLINE = "extra-newline"
    CRLF = "crlf"
    PRINTED_BYTES = "printed-bytes"
    NEVER_CLOSED = "never-closed"
    NEVER_EXITED = "never-exited"
    RESET = "reset"
    KILLED = "killed"
    NOT_A_FILE = "not-a-file"
    FILE_TOO_LARGE_CAUSE = "file-too-large"
    SKIPPED_CAUSE = "skipped"
    HTTP_NO_BLANK_LINE_CAUSE = "http-no-blank-line"
    HTTP_BARE_LF_CAUSE = "http-bare-lf"
    # the two ways a wrong port is told: the port came from the command line, or is fixed
    WRONG_PORT_ARGV = "wrong_port_argv"
    WRONG_PORT_FIXED = "wrong_port_fixed"
    # the two ways closing early shows (which one is timing: were the bytes still in flight?)
    CLOSED_AFTER_PART = "closed_after_part"
    CLOSED_WHILE_RECEIVING = "closed_while_receiving"
    # what a student reads about the resource limit the sandbox saw (ProcessEnd.limit)
    LIMIT_MEMORY = "limit_memory"
    LIMIT_PROCESSES = "limit_processes"
    LIMIT_CPU_TIME = "limit_cpu_time"
    LIMIT_FILE_SIZE = "limit_file_size"
    LIMIT_OPEN_FILES = "limit_open_files"
    LIMIT_DISK = "limit_disk"

    # -- the judge's sentences -------------------------------------------------------------
    PASSED = "passed"
    NOT_EVERY_STEP_RAN = "not_every_step_ran"
    NOT_GRADABLE = "not_gradable"
    SKIPPED = "skipped_scenario"
    STEP_EXPECTED = "step_expected"
    STEP_WAITED = "step_waited"
    STEP_FAILED_BECAUSE = "step_failed_because"
    STEP_WAITED_BECAUSE = "step_waited_because"
    ENCODING_USED = "encoding_used"
    CLIENTS_FAILED = "clients_failed"
    WHY = "why"
    HINT = "hint"
    EXPECT_EXIT_NONZERO = "expect_exit_nonzero"
    EXPECT_EXIT = "expect_exit"
    EXPECT_EXIT_CODE = "expect_exit_code"
    EXPECT_CLOSE = "expect_close"
    EXPECT_NO_TRACEBACK = "expect_no_traceback"
    EXPECT_STDERR_CONTAINS = "expect_stderr_contains"
    EXPECT_LINE_MATCHING = "expect_line_matching"
    SHOWN_BYTES = "shown_bytes"
    BYTE_COUNT = "byte_count"
    NOTHING = "nothing"
    NOTHING_BECAUSE = "nothing_because"
    FIRST_DIFFERENCE = "first_difference"
    FACTS = "facts"
    SENTENCES = "sentences"
    """Several sentences in a row (``Step 3 ... . 2 of 5 clients failed ...``)."""
    """Several messages in a row, joined the way the reader's language joins clauses."""
    OWN_WORDS = "own_words"
    """Text from the assignment's spec (its own words, in each language it gives)."""
    VERBATIM = "verbatim"
    """Text that is not ours to translate (an exception's own message, a result written by an
    older grader)."""

    # -- step titles (each step class names its own: grader.spec.StepBase.title) ----------
    TITLE_ACCEPT = "title_accept"
    TITLE_CONNECT = "title_connect"
    TITLE_WAIT_LISTENING = "title_wait_listening"
    TITLE_SEND = "title_send"
    TITLE_EXPECT = "title_expect"
    TITLE_EXPECT_EOF = "title_expect_eof"
    TITLE_SHUTDOWN = "title_shutdown"
    TITLE_CLOSE = "title_close"
    TITLE_RESET = "title_reset"
    TITLE_PAUSE = "title_pause"
    TITLE_REQUEST = "title_request"
    TITLE_RESPONSE = "title_response"
    TITLE_BROWSER = "title_browser"
    TITLE_PARALLEL = "title_parallel"
    TITLE_PROMPT = "title_prompt"
    TITLE_OUTPUT = "title_output"
    TITLE_TYPE = "title_type"
    TITLE_CLOSE_STDIN = "title_close_stdin"
    TITLE_EXIT = "title_exit"
    TITLE_STDERR = "title_stderr"
    TITLE_FILE = "title_file"

    # -- how a run was contained (RunInfo.containment, put in words by grader.words) -------
    ISO_HOST_REQUESTED = "iso_host_requested"
    ISO_HOST_FALLBACK = "iso_host_fallback"
    ISO_NET_PID_NAMESPACES = "iso_net_pid_namespaces"
    ISO_NET_NAMESPACE = "iso_net_namespace"
    ISO_USER_NAMESPACE = "iso_user_namespace"
    ISO_ONE_AT_A_TIME = "iso_one_at_a_time"
    ISO_PORTABLE = "iso_portable"
    ISO_PORTABLE_NO_PROMISE = "iso_portable_no_promise"
    PORTABLE_REQUESTED = "portable_requested"
    PORTABLE_FORCED = "portable_forced"
    PORTABLE_NOT_LINUX = "portable_not_linux"
    PORTABLE_LINUX_PARTS_MISSING = "portable_linux_parts_missing"
    NS_NONE_ON_OS = "ns_none_on_os"
    NS_REFUSED = "ns_refused"
    NS_REFUSED_BY = "ns_refused_by"
    FILES_LANDLOCK = "files_landlock"
    FILES_LANDLOCK_SCOPED = "files_landlock_scoped"
    FILES_UID_PER_RUN = "files_uid_per_run"
    FILES_NOT_CONFINED = "files_not_confined"
    IPC_OWN = "ipc_own"
    IPC_SHARED = "ipc_shared"
    SCRATCH_TMPFS_OWN_PROC = "scratch_tmpfs_own_proc"
    SCRATCH_TMPFS_HOST_PROC = "scratch_tmpfs_host_proc"
    SCRATCH_WATCHDOG = "scratch_watchdog"
    MOUNTS_TURNED_OFF = "mounts_turned_off"
    MOUNTS_NONE_ON_OS = "mounts_none_on_os"
    MOUNTS_REFUSED = "mounts_refused"

    # -- the total, when it is not a score ---------------------------------------------------
    TOTAL_NOT_GRADED = "total_not_graded"

    # -- why a submission (or a task) was not graded at all --------------------------------
    NO_ENTRY_FILE = "no_entry_file"
    WRONG_ENTRY_NAME = "wrong_entry_name"
    NO_SUCH_SUBMISSION = "no_such_submission"
    SUBMISSION_IS_SYMLINK = "submission_is_symlink"
    NOT_A_PYTHON_FILE = "not_a_python_file"
    SUBMISSION_TOO_LARGE = "submission_too_large"
    CANNOT_READ_SUBMISSION = "cannot_read_submission"
    GRADER_FAILED = "grader_failed"
    WORKER_DID_NOT_START = "worker_did_not_start"
    WORKER_TOO_SLOW = "worker_too_slow"
    WORKER_UNREADABLE = "worker_unreadable"
    WORKER_DIED = "worker_died"
    WORKER_DIED_SAYING = "worker_died_saying"
    DASK_VERSION_MISMATCH = "dask_version_mismatch"
    DASK_FAILED = "dask_failed"

    # -- grader doctor: what this machine gives the grader (grader.doctor) ----------------
    DOCTOR_TITLE = "doctor_title"
    DOCTOR_NETWORK_NS = "doctor_network_ns"
    DOCTOR_PID_NS = "doctor_pid_ns"
    DOCTOR_IPC_NS = "doctor_ipc_ns"
    DOCTOR_MOUNT_NS = "doctor_mount_ns"
    DOCTOR_USER_NS = "doctor_user_ns"
    DOCTOR_CGROUPS = "doctor_cgroups"
    DOCTOR_CGROUP_V2_ROW = "doctor_cgroup_v2_row"
    DOCTOR_LANDLOCK = "doctor_landlock"
    DOCTOR_NFTABLES = "doctor_nftables"
    DOCTOR_PYTHON = "doctor_python"
    DOCTOR_AUTO = "doctor_auto"
    DOCTOR_PORTABLE = "doctor_portable"
    DOCTOR_PORTABLE_WHAT = "doctor_portable_what"
    DOCTOR_PORTABLE_PICKED = "doctor_portable_picked"
    DOCTOR_PORTABLE_NOT_PICKED = "doctor_portable_not_picked"
    DOCTOR_YES = "doctor_yes"
    DOCTOR_NO = "doctor_no"
    DOCTOR_NONE = "doctor_none"
    DOCTOR_NOT_NEEDED_ROOT = "doctor_not_needed_root"
    DOCTOR_ROOT_BUT_RESTRICTED = "doctor_root_but_restricted"
    DOCTOR_PRIVATE_USERNS = "doctor_private_userns"
    DOCTOR_USERNS_RESTRICTED = "doctor_userns_restricted"
    DOCTOR_USERNS_REFUSED = "doctor_userns_refused"
    DOCTOR_CGROUP_V1 = "doctor_cgroup_v1"
    DOCTOR_V2_MOUNTED = "doctor_v2_mounted"
    DOCTOR_CGROUP_V2 = "doctor_cgroup_v2"
    DOCTOR_CGROUP_V2_BARE = "doctor_cgroup_v2_bare"
    DOCTOR_CGROUP_GIVEN_UNUSABLE = "doctor_cgroup_given_unusable"
    DOCTOR_CGROUP_NOT_DELEGATED = "doctor_cgroup_not_delegated"
    DOCTOR_CGROUP_NONE = "doctor_cgroup_none"
    DOCTOR_LANDLOCK_ABI = "doctor_landlock_abi"
    DOCTOR_LANDLOCK_SCOPED = "doctor_landlock_scoped"
    DOCTOR_NOT_IN_KERNEL = "doctor_not_in_kernel"
    DOCTOR_NFT_MISSING = "doctor_nft_missing"
    DOCTOR_FOUND_AT = "doctor_found_at"
    DOCTOR_PYTHON_AT = "doctor_python_at"
    DOCTOR_MODE = "doctor_mode"
    DOCTOR_FIX = "doctor_fix"

    # -- the gradebook's column headers and statuses (grades.csv, grades.xlsx) -------------
    COLUMN_STUDENT = "column_student"
    COLUMN_NUMBER = "column_number"
    COLUMN_NAME = "column_name"
    COLUMN_SCORE = "column_score"
    COLUMN_MAX_SCORE = "column_max_score"
    COLUMN_STATUS = "column_status"
    COLUMN_NOTE = "column_note"
    STATUS_GRADED = "status_graded"
    STATUS_NOT_GRADED = "status_not_graded"
    STATUS_NO_SUBMISSION = "status_no_submission"

    # -- problems of a spec or a manifest (grader.errors.SpecError), for teachers ----------
    SPEC_AT = "spec_at"
    """``file:line: field: problem``: where, then what (``problem`` is one of the codes below)."""
    SPEC_NO_SUCH_FILE = "spec_no_such_file"
    SPEC_CANNOT_READ = "spec_cannot_read"
    SPEC_FILE_EXPECTED = "spec_file_expected"
    SPEC_NOT_A_MAPPING = "spec_not_a_mapping"
    MANIFEST_FILE_EXPECTED = "manifest_file_expected"
    MANIFEST_NOT_A_MAPPING = "manifest_not_a_mapping"
    YAML_SYNTAX = "yaml_syntax"
    YAML_EXPLAINED = "yaml_explained"
    YAML_TAB = "yaml_tab"
    YAML_SAME_COLUMN = "yaml_same_column"
    YAML_DASH_COLUMN = "yaml_dash_column"
    YAML_UNEXPECTED_COLON = "yaml_unexpected_colon"
    YAML_MISSING_COLON = "yaml_missing_colon"
    UNKNOWN_FIELD = "unknown_field"
    CHECK_SPELLING = "check_spelling"
    DID_YOU_MEAN = "did_you_mean"
    UNKNOWN_STEP = "unknown_step"
    STEP_MUST_BE = "step_must_be"
    FIELD_MISSING = "field_missing"
    MUST_BE = "must_be"
    MUST_BE_TEXT = "must_be_text"
    MUST_BE_WHOLE_NUMBER = "must_be_whole_number"
    MUST_BE_NUMBER = "must_be_number"
    MUST_BE_BOOL = "must_be_bool"
    MUST_BE_LIST = "must_be_list"
    MUST_BE_MAPPING = "must_be_mapping"
    MUST_BE_GREATER = "must_be_greater"
    MUST_BE_AT_LEAST = "must_be_at_least"
    MUST_BE_LESS = "must_be_less"
    MUST_BE_AT_MOST = "must_be_at_most"
    MUST_MATCH = "must_match"
    TOO_FEW_ITEMS = "too_few_items"
    ONE_OF_FIELDS = "one_of_fields"
    ONE_OF_FIELDS_OR_ABSENT = "one_of_fields_or_absent"
    GOT = "got"
    EITHER = "either"
    """Alternatives (``text, hex or generate``), joined the way the reader's language does."""
    PATH_OUTSIDE_SUBMISSION = "path_outside_submission"
    SCENARIO_ID_TWICE = "scenario_id_twice"
    DEPENDS_ON_LATER = "depends_on_later"
    STEP_NOT_FOR_CLIENT = "step_not_for_client"
    STEP_NOT_FOR_SERVER = "step_not_for_server"
    NO_SUCH_PATH = "no_such_path"
    UNKNOWN_SCENARIO = "unknown_scenario"
    SCENARIO_LISTED_TWICE = "scenario_listed_twice"
    UNKNOWN_CAUSE = "unknown_cause"
    FILE_OUTSIDE_FIXTURES = "file_outside_fixtures"
    NO_FIXTURE_FILE = "no_fixture_file"
    ONLY_SERVER_BINDS = "only_server_binds"
    NO_ENCODING = "no_encoding"
    UNKNOWN_ENCODING = "unknown_encoding"

    # -- problems of an export (grader.platforms.export.ExportError) -----------------------
    EXPORT_NO_SOURCE = "export_no_source"
    EXPORT_WHEEL_FAILED = "export_wheel_failed"
    EXPORT_VENDOR_FAILED = "export_vendor_failed"
    EXPORT_NOT_A_WHEEL = "export_not_a_wheel"
    EXPORT_NOT_EMPTY = "export_not_empty"
    EXPORT_ALL_HIDDEN = "export_all_hidden"


CAUSES: frozenset[Code] = frozenset(
    {
        Code.PYTHON2,
        Code.SYNTAX_ERROR,
        Code.STR_NOT_BYTES,
        Code.ADDRESS_IN_USE,
        Code.WRONG_PORT,
        Code.WRONG_PORT_DIALLED_CAUSE,
        Code.CONNECTION_REFUSED_CAUSE,
        Code.RESOURCE_LIMIT,
        Code.OUTPUT_LIMIT,
        Code.SPLIT_CHARACTER,
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
"""The diagnosis codes: recognised mistakes a failure can be blamed on (see :mod:`grader.diagnose`)."""

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


class Template(tuple[str, str | None]):
    """An English template, with its plural form when it counts something (``count`` arg)."""

    __slots__ = ()

    def __new__(cls, singular: str, plural: str | None = None) -> Template:
        return super().__new__(cls, (singular, plural))

    @property
    def singular(self) -> str:
        return self[0]

    @property
    def plural(self) -> str | None:
        return self[1]


def _t(singular: str, plural: str | None = None) -> Template:
    return Template(singular, plural)


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
    # diagnoses
    Code.PYTHON2: _t(N_('This is Python 2 code: in Python 3, print is a function: print("...").')),
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
    Code.SHOWN_BYTES: _t("“{text}” ({size})"),
    Code.BYTE_COUNT: _t(N_("{n} byte"), N_("{n} bytes")),
    Code.NOTHING: _t(N_("nothing")),
    Code.NOTHING_BECAUSE: _t(N_("nothing ({why})")),
    Code.FIRST_DIFFERENCE: _t(N_("first difference at byte {n}")),
    Code.FACTS: _t("{facts}"),
    Code.SENTENCES: _t("{sentences}"),
    Code.OWN_WORDS: _t("{text}"),
    Code.VERBATIM: _t("{text}"),
    # step titles
    Code.TITLE_ACCEPT: _t(N_("the program connects to the reference server")),
    Code.TITLE_CONNECT: _t(N_("the reference client connects to the program's server")),
    Code.TITLE_WAIT_LISTENING: _t(N_("the program's server is listening")),
    Code.TITLE_SEND: _t(N_("the reference peer sends data")),
    Code.TITLE_EXPECT: _t(N_("the program sends the expected bytes")),
    Code.TITLE_EXPECT_EOF: _t(N_("the program closes the connection")),
    Code.TITLE_SHUTDOWN: _t(N_("the reference peer half-closes (stops sending)")),
    Code.TITLE_CLOSE: _t(N_("the reference peer closes the connection")),
    Code.TITLE_RESET: _t(N_("the reference peer resets the connection")),
    Code.TITLE_PAUSE: _t(N_("a pause")),
    Code.TITLE_REQUEST: _t(N_("an HTTP request")),
    Code.TITLE_RESPONSE: _t(N_("the HTTP response")),
    Code.TITLE_BROWSER: _t(N_("a browser opens the page")),
    Code.TITLE_PARALLEL: _t(N_("several clients at the same time")),
    Code.TITLE_PROMPT: _t(N_("the program asks for input")),
    Code.TITLE_OUTPUT: _t(N_("the program prints the expected output")),
    Code.TITLE_TYPE: _t(N_("a line is typed into the program")),
    Code.TITLE_CLOSE_STDIN: _t(N_("the program's input is closed")),
    Code.TITLE_EXIT: _t(N_("the program exits")),
    Code.TITLE_STDERR: _t(N_("the program's error output")),
    Code.TITLE_FILE: _t(N_("the program saves the expected file")),
    # how a run was contained
    Code.ISO_HOST_REQUESTED: _t(N_("host loopback (requested)")),
    Code.ISO_HOST_FALLBACK: _t(N_("host loopback: {why}")),
    Code.ISO_NET_PID_NAMESPACES: _t(N_("own network and PID namespace per scenario")),
    Code.ISO_NET_NAMESPACE: _t(N_("own network namespace per scenario")),
    Code.ISO_USER_NAMESPACE: _t(N_("in a private user namespace, not root")),
    Code.ISO_ONE_AT_A_TIME: _t(N_("scenarios one after another")),
    Code.ISO_PORTABLE: _t(N_("portable mode, host loopback: {why}")),
    Code.ISO_PORTABLE_NO_PROMISE: _t(
        N_(
            "portable mode cannot promise: no isolation of files or network, no resource limits"
            " (do not run untrusted code this way)"
        )
    ),
    Code.PORTABLE_REQUESTED: _t(N_("requested")),
    Code.PORTABLE_FORCED: _t(N_("forced by {env}=1")),
    Code.PORTABLE_NOT_LINUX: _t(N_("{system} has no Linux namespaces")),
    Code.PORTABLE_LINUX_PARTS_MISSING: _t(N_("missing here: {parts}")),
    Code.NS_NONE_ON_OS: _t(N_("this OS has no Linux namespaces")),
    Code.NS_REFUSED: _t(N_("namespaces refused ({error})")),
    Code.NS_REFUSED_BY: _t(N_("namespaces refused by {setting} (lift with: {command})")),
    Code.FILES_LANDLOCK: _t(N_("files: Landlock ABI {abi} (scratch copy only)")),
    Code.FILES_LANDLOCK_SCOPED: _t(N_("files: Landlock ABI {abi} (scratch copy only, signals scoped)")),
    Code.FILES_UID_PER_RUN: _t(N_("files: a uid per run and private scratch folders (no Landlock)")),
    Code.FILES_NOT_CONFINED: _t(N_("files: NOT confined (no Landlock, not root)")),
    Code.IPC_OWN: _t(N_("own IPC namespace")),
    Code.IPC_SHARED: _t(N_("shared IPC (no IPC namespace)")),
    Code.SCRATCH_TMPFS_OWN_PROC: _t(N_("scratch: private tmpfs, own /proc")),
    Code.SCRATCH_TMPFS_HOST_PROC: _t(N_("scratch: private tmpfs, the host's /proc")),
    Code.SCRATCH_WATCHDOG: _t(N_("scratch: disk watchdog ({why})")),
    Code.MOUNTS_TURNED_OFF: _t(N_("private mounts turned off (GRADER_NO_PRIVATE_MOUNTS=1)")),
    Code.MOUNTS_NONE_ON_OS: _t(N_("no mount namespaces on this OS")),
    Code.MOUNTS_REFUSED: _t(N_("private mounts refused ({error})")),
    # the total
    Code.TOTAL_NOT_GRADED: _t(N_("Could not be graded: {why}")),
    # not graded
    Code.NO_ENTRY_FILE: _t(N_("no {entry} found in {folder}/")),
    Code.WRONG_ENTRY_NAME: _t(N_("{count} Python files and none named {entry} ({files}): rename yours")),
    Code.NO_SUCH_SUBMISSION: _t(N_("{path} does not exist")),
    Code.SUBMISSION_IS_SYMLINK: _t(N_("{name} is a symbolic link; submit the file itself")),
    Code.NOT_A_PYTHON_FILE: _t(N_("{name} is not a Python file")),
    Code.SUBMISSION_TOO_LARGE: _t(N_("the submission is too large ({mib} MiB)")),
    Code.CANNOT_READ_SUBMISSION: _t(N_("cannot read the submission: {error}")),
    Code.GRADER_FAILED: _t(N_("the grader failed: {error}")),
    Code.WORKER_DID_NOT_START: _t(N_("the grader could not start a worker: {why}")),
    Code.WORKER_TOO_SLOW: _t(
        N_(
            "grading took longer than {limit:.0f} s and the grader stopped it; "
            "this is the grader's problem, not a zero"
        )
    ),
    Code.WORKER_UNREADABLE: _t(
        N_(
            "the grader's worker returned an unreadable result ({why}); "
            "this is the grader's problem, not a zero"
        )
    ),
    Code.WORKER_DIED: _t(
        N_("the grader's worker process ended unexpectedly ({how}); this is the grader's problem, not a zero")
    ),
    Code.DASK_VERSION_MISMATCH: _t(
        N_(
            "a Dask worker runs grader {worker}, the driver {driver}; install the same version "
            "on every worker"
        )
    ),
    Code.DASK_FAILED: _t(
        N_("the Dask cluster could not grade it: {error}; this is the grader's problem, not a zero")
    ),
    Code.WORKER_DIED_SAYING: _t(
        N_(
            "the grader's worker process ended unexpectedly ({how}) {tail}; "
            "this is the grader's problem, not a zero"
        )
    ),
    # grader doctor
    Code.DOCTOR_TITLE: _t(N_("What this machine gives the grader")),
    Code.DOCTOR_NETWORK_NS: _t(N_("network namespaces")),
    Code.DOCTOR_PID_NS: _t(N_("PID namespaces")),
    Code.DOCTOR_IPC_NS: _t(N_("IPC namespaces")),
    Code.DOCTOR_MOUNT_NS: _t(N_("mount namespaces")),
    Code.DOCTOR_USER_NS: _t(N_("user namespaces")),
    Code.DOCTOR_CGROUPS: _t(N_("cgroups")),
    Code.DOCTOR_CGROUP_V2_ROW: _t(N_("cgroup v2")),
    Code.DOCTOR_LANDLOCK: _t(N_("Landlock")),
    Code.DOCTOR_NFTABLES: _t(N_("nftables")),
    Code.DOCTOR_PYTHON: _t(N_("students' Python")),
    Code.DOCTOR_AUTO: _t(N_("isolation (auto)")),
    Code.DOCTOR_PORTABLE: _t(N_("portable mode")),
    Code.DOCTOR_PORTABLE_WHAT: _t(
        N_(
            "any system: host loopback, plain pipes, the OS's tree kill; no isolation of files or"
            " network, no resource limits. {when}"
        )
    ),
    Code.DOCTOR_PORTABLE_PICKED: _t(N_("auto picks it here ({why})")),
    Code.DOCTOR_PORTABLE_NOT_PICKED: _t(
        N_(
            "auto picks it only where the Linux parts (namespaces, pidfd, a pty, /proc) are missing,"
            " as on Windows and macOS; here with --isolation portable"
        )
    ),
    Code.DOCTOR_YES: _t(N_("yes")),
    Code.DOCTOR_NO: _t(N_("no ({why})")),
    Code.DOCTOR_NONE: _t(N_("none")),
    Code.DOCTOR_NOT_NEEDED_ROOT: _t(N_("not needed (running as root)")),
    Code.DOCTOR_ROOT_BUT_RESTRICTED: _t(
        N_("not needed (running as root); without root refused by {setting}")
    ),
    Code.DOCTOR_PRIVATE_USERNS: _t(N_("yes (a private user namespace, not root)")),
    Code.DOCTOR_USERNS_RESTRICTED: _t(
        N_("refused by {setting}: grading falls back to the host loopback with free ports")
    ),
    Code.DOCTOR_USERNS_REFUSED: _t(
        N_("refused ({why}): grading falls back to the host loopback with free ports")
    ),
    Code.DOCTOR_CGROUP_V1: _t(N_("v1 ({controllers}), writable: every run gets its own")),
    Code.DOCTOR_V2_MOUNTED: _t(N_("mounted at {mount}; controllers: {controllers}")),
    Code.DOCTOR_CGROUP_V2: _t(N_("v2, runs under {folder}: {controllers}")),
    Code.DOCTOR_CGROUP_V2_BARE: _t(
        N_("v2, runs under {folder}: no controllers (cgroup.kill and events only; limits by rlimits)")
    ),
    Code.DOCTOR_CGROUP_GIVEN_UNUSABLE: _t(
        N_("GRADER_CGROUP={folder} is not a writable cgroup v2 folder: limits by rlimits only")
    ),
    Code.DOCTOR_CGROUP_NOT_DELEGATED: _t(
        N_("v2, but no cgroup was delegated to this user: limits by rlimits only")
    ),
    Code.DOCTOR_CGROUP_NONE: _t(N_("none writable: limits by rlimits only")),
    Code.DOCTOR_LANDLOCK_ABI: _t(N_("ABI {abi}")),
    Code.DOCTOR_LANDLOCK_SCOPED: _t(N_("ABI {abi} (signals scoped)")),
    Code.DOCTOR_NOT_IN_KERNEL: _t(N_("not in this kernel")),
    Code.DOCTOR_NFT_MISSING: _t(N_("not installed: scenarios with host: any or port: any cannot run")),
    Code.DOCTOR_FOUND_AT: _t(N_("found: {path}")),
    Code.DOCTOR_PYTHON_AT: _t(N_("{path} (Python {version}); another: --python or GRADER_PYTHON")),
    Code.DOCTOR_MODE: _t(N_("{mode}: {note}")),
    Code.DOCTOR_FIX: _t(N_("to enable: {command}")),
    # the gradebook
    Code.COLUMN_STUDENT: _t(N_("student")),
    Code.COLUMN_NUMBER: _t(N_("number")),
    Code.COLUMN_NAME: _t(N_("name")),
    Code.COLUMN_SCORE: _t(N_("score")),
    Code.COLUMN_MAX_SCORE: _t(N_("max_score")),
    Code.COLUMN_STATUS: _t(N_("status")),
    Code.COLUMN_NOTE: _t(N_("note")),
    Code.STATUS_GRADED: _t(N_("graded")),
    Code.STATUS_NOT_GRADED: _t(N_("not_graded")),
    Code.STATUS_NO_SUBMISSION: _t(N_("no_submission")),
    # spec and manifest problems
    Code.SPEC_AT: _t("{where}: {problem}"),
    Code.SPEC_NO_SUCH_FILE: _t(N_("{file}: no such file ({missing})")),
    Code.SPEC_CANNOT_READ: _t(N_("{file}: cannot read: {error}")),
    Code.SPEC_FILE_EXPECTED: _t(N_("an assignment folder holds assignment.yaml")),
    Code.SPEC_NOT_A_MAPPING: _t(N_("the spec must be a mapping of fields (id, title, role, ...)")),
    Code.MANIFEST_FILE_EXPECTED: _t(
        N_("it lists the reference solution and buggy submissions; `grader new` writes one")
    ),
    Code.MANIFEST_NOT_A_MAPPING: _t(
        N_("the manifest must be a mapping of fields (reference, reference_runs, buggy)")
    ),
    Code.YAML_SYNTAX: _t(N_("YAML syntax error: {problem}")),
    Code.YAML_EXPLAINED: _t(N_("{words} (YAML: {problem})")),
    Code.YAML_TAB: _t(N_("a tab character: YAML indents with spaces only")),
    Code.YAML_SAME_COLUMN: _t(
        N_("the indentation is off: items of one mapping or list must start in the same column")
    ),
    Code.YAML_DASH_COLUMN: _t(N_("the indentation is off: a list's items start with '-' in one column")),
    Code.YAML_UNEXPECTED_COLON: _t(
        N_("a ':' where YAML does not expect one: indent the field under its parent, or quote the text")
    ),
    Code.YAML_MISSING_COLON: _t(N_("a field without ':' (write 'name: value'), or a line indented too far")),
    Code.UNKNOWN_FIELD: _t(N_("unknown field{guess}")),
    Code.CHECK_SPELLING: _t(N_(" (check its spelling)")),
    Code.DID_YOU_MEAN: _t(N_(" (did you mean {name}?)")),
    Code.UNKNOWN_STEP: _t(N_("unknown step {tag}{guess}; steps are: {steps}")),
    Code.STEP_MUST_BE: _t(N_("a step must be one of: {steps}{guess}")),
    Code.FIELD_MISSING: _t(N_("a required field is missing")),
    Code.MUST_BE: _t(N_("must be {expected}")),
    Code.MUST_BE_TEXT: _t(N_("must be text")),
    Code.MUST_BE_WHOLE_NUMBER: _t(N_("must be a whole number")),
    Code.MUST_BE_NUMBER: _t(N_("must be a number")),
    Code.MUST_BE_BOOL: _t(N_("must be true or false")),
    Code.MUST_BE_LIST: _t(N_("must be a list")),
    Code.MUST_BE_MAPPING: _t(N_("must be a mapping of fields")),
    Code.MUST_BE_GREATER: _t(N_("must be greater than {gt}")),
    Code.MUST_BE_AT_LEAST: _t(N_("must be at least {ge}")),
    Code.MUST_BE_LESS: _t(N_("must be less than {lt}")),
    Code.MUST_BE_AT_MOST: _t(N_("must be at most {le}")),
    Code.MUST_MATCH: _t(N_("must match the pattern {pattern}")),
    Code.TOO_FEW_ITEMS: _t(N_("must have at least {min_length} items")),
    Code.ONE_OF_FIELDS: _t(N_("give exactly one of {choices}")),
    Code.ONE_OF_FIELDS_OR_ABSENT: _t(N_("give exactly one of {choices} (or absent: true)")),
    Code.GOT: _t(N_("{text} (got {got})")),
    Code.EITHER: _t("{items}"),
    Code.PATH_OUTSIDE_SUBMISSION: _t(N_("path must stay inside the submission's folder")),
    Code.SCENARIO_ID_TWICE: _t(N_("scenario id {id} is used twice")),
    Code.DEPENDS_ON_LATER: _t(N_("scenario {id} depends on {dep}, which is not an earlier scenario")),
    Code.STEP_NOT_FOR_CLIENT: _t(
        N_("step {step} does not fit a client assignment (the grader is the server: use accept)")
    ),
    Code.STEP_NOT_FOR_SERVER: _t(
        N_("step {step} does not fit a server assignment (the grader is the client: use connect)")
    ),
    Code.NO_SUCH_PATH: _t(N_("no such file or folder: {path} (paths are relative to the manifest)")),
    Code.UNKNOWN_SCENARIO: _t(N_("unknown scenario {ids}; the scenarios are: {known}")),
    Code.SCENARIO_LISTED_TWICE: _t(N_("a scenario is listed twice")),
    Code.UNKNOWN_CAUSE: _t(N_("unknown cause {cause}; the causes are: {known}")),
    Code.FILE_OUTSIDE_FIXTURES: _t(N_("file must name a file inside the assignment's files/ folder")),
    Code.NO_FIXTURE_FILE: _t(N_("no file {name} in the assignment's files/ folder")),
    Code.ONLY_SERVER_BINDS: _t(N_("only a server assignment binds a port")),
    Code.NO_ENCODING: _t(N_("give at least one name")),
    Code.UNKNOWN_ENCODING: _t(N_("unknown encoding {name} (e.g. utf-8, gbk)")),
    # export problems
    Code.EXPORT_NO_SOURCE: _t(N_("this grader was installed without its source; pass --wheel FILE")),
    Code.EXPORT_WHEEL_FAILED: _t(N_("could not build the grader's wheel: {error}")),
    Code.EXPORT_VENDOR_FAILED: _t(
        N_(
            "could not download the grader's dependencies for Python {version}: {error} "
            "(or export with --no-vendor for an image that already has them)"
        )
    ),
    Code.EXPORT_NOT_A_WHEEL: _t(N_("{path}: not a wheel file")),
    Code.EXPORT_NOT_EMPTY: _t(N_("{path}: already exists and is not empty; choose a new folder")),
    Code.EXPORT_ALL_HIDDEN: _t(N_("{path}: every scenario is hidden; students would have nothing to check")),
}


def template_fields(template: str) -> set[str]:
    """The ``{names}`` a template fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


Arg = Union[str, int, float, bool, None, "Message", dict[str, str], list[int], list[str], list["Message"]]
"""An argument: a plain value, another message (facts nest), a spec text in its languages
(``{"en": ..., "zh": ...}``) or a list (joined by the renderer)."""


class Message(BaseModel):
    """A code and its arguments: what a result keeps instead of words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: Code
    args: dict[str, Arg] = {}

    @model_validator(mode="after")
    def _args_fit_template(self) -> Message:
        wanted = template_fields(TEMPLATES[self.code].singular)
        if set(self.args) != wanted:
            raise ValueError(f"{self.code.value} takes {sorted(wanted)}, given {sorted(self.args)}")
        return self

    def __str__(self) -> str:
        """English words, for logs and exceptions; renderers use :func:`grader.words.say`."""
        return fill(self)


Translate = Callable[[Template, int], str]
"""Picks a template's words in some language (``count`` chooses the plural form)."""

JOINERS = {Code.FACTS: ("; ", "；"), Code.SENTENCES: (" ", "")}
"""How the reader's language joins facts and sentences (English, Chinese)."""


ALTERNATIVES = ((", ", " or "), ("、", " 或 "))
"""How the reader's language lists alternatives: ``a, b or c`` (English), ``a、b 或 c`` (Chinese)."""


def english(template: Template, count: int) -> str:
    return template.singular if count == 1 or template.plural is None else template.plural


def fill(message: Message, translate: Translate = english, lang: str = "en") -> str:
    """The words of ``message``: its template in ``lang`` (via ``translate``), arguments filled."""
    if message.code in JOINERS:
        parts = [p for p in message.args[message.code.value] or [] if isinstance(p, Message)]  # type: ignore[union-attr]
        return JOINERS[message.code][lang == "zh"].join(fill(p, translate, lang) for p in parts)
    if message.code is Code.EITHER:
        items = [str(i) for i in message.args["items"] or []]  # type: ignore[union-attr]
        between, last = ALTERNATIVES[lang == "zh"]
        return between.join(items[:-1]) + last + items[-1] if len(items) > 1 else "".join(items)
    template = TEMPLATES[message.code]
    count = message.args.get("n", 1)
    words = translate(template, count if isinstance(count, int) else 1)
    return words.format(**{name: _value(arg, translate, lang) for name, arg in message.args.items()})


def _value(arg: object, translate: Translate, lang: str) -> object:
    """An argument as the template wants it: numbers stay numbers (``{secs:g}``), the rest words."""
    if isinstance(arg, Message):
        return fill(arg, translate, lang)
    if isinstance(arg, dict):
        return arg.get(lang) or arg.get("en") or next(iter(arg.values()), "")
    if isinstance(arg, list):
        return ", ".join(str(_value(a, translate, lang)) for a in arg)
    return arg


class Invalid(ValueError):
    """A check's finding as a message, raised by a spec's or manifest's own validators.

    pydantic keeps the exception itself (``errors()[i]["ctx"]["error"]``), so the loader
    reads its code and arguments and words them in the reader's language: no English to
    parse back. ``at`` is the path below the validated model that the finding is about
    (``("scenarios", 2, "steps", 0)``), for checks across fields.
    """

    def __init__(self, code: Code, /, *, at: tuple[str | int, ...] = (), **args: Any) -> None:
        self.message = msg(code, **args)
        self.at = at
        super().__init__(str(self.message))


def either(items: list[str]) -> Message:
    """Alternatives, listed the reader's way: ``text, hex or generate``."""
    return Message(code=Code.EITHER, args={"items": items})


def msg(code: Code, /, **args: Any) -> Message:
    """``msg(Code.EXIT_CODE, code=1)``: a message, its arguments checked against its template."""
    return Message(code=code, args=args)


def verbatim(text: str) -> Message:
    """Words that are not ours (an exception's message): shown as they are, in any language."""
    return Message(code=Code.VERBATIM, args={"text": text})


def own_words(text: str | dict[Any, str]) -> Message:
    """The spec's own text (one string, or one per language)."""
    words: str | dict[str, str] = {str(k): v for k, v in text.items()} if isinstance(text, dict) else text
    return Message(code=Code.OWN_WORDS, args={"text": words})


def facts(*parts: Message) -> Message:
    """Several facts as one message (``refused (3 attempts); the connection was reset``)."""
    return parts[0] if len(parts) == 1 else Message(code=Code.FACTS, args={"facts": list(parts)})


__all__ = [
    "N_",
    "TEMPLATES",
    "Arg",
    "Code",
    "Invalid",
    "Message",
    "either",
    "facts",
    "msg",
    "own_words",
    "verbatim",
]
