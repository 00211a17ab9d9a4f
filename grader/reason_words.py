"""Reason codes in the reader's language: one table, one place where their words are made.

A run and the HTTP checks record a :class:`~grader.outcome.Reason` (a code and typed
arguments); renderers call :func:`reason_words` for the sentence. Each row is a code and its
translatable template; the arguments fill it.
"""

from __future__ import annotations

from grader.i18n import N_, gettext_for
from grader.outcome import Reason

REASONS: dict[str, str] = {
    "http_nothing_sent": N_("the server closed the connection without sending a response"),
    "http_no_response": N_("no response arrived"),
    "http_bad_status_line": N_("the first line is not an HTTP status line: “{line}”"),
    "http_bad_request_line": N_("the first line is not an HTTP request line: “{line}”"),
    "http_status_mismatch": N_("status {received} instead of {expected} (status line as received: “{line}”)"),
    "http_reason_mismatch": N_("reason phrase “{received}” instead of “{expected}” (status line: “{line}”)"),
    "http_head_unfinished": N_(
        "the connection closed before the headers ended (no blank line after {received} bytes)"
    ),
    "http_bare_lf": N_("the header lines end with a bare \\n; HTTP needs \\r\\n"),
    "http_no_blank_line": N_(
        "no blank line (\\r\\n\\r\\n) between the headers and the body; the body began at “{line}”"
    ),
    "http_bad_header": N_("a header line is not “Name: value”: “{line}”"),
    "http_bad_content_length": N_("the Content-Length header is not a number: “{value}”"),
    "http_bad_chunk": N_("a chunk of the chunked body is malformed near “{line}”"),
    "http_chunks_unfinished": N_(
        "the chunked body ended without its last (empty) chunk, after {received} bytes"
    ),
    "http_header_missing": N_("the response has no {name} header"),
    "http_request_header_missing": N_("the request has no {name} header"),
    "http_request_header_mismatch": N_("the request's {name} header is “{received}”, expected “{expected}”"),
    "http_no_request": N_("no request arrived"),
    "http_request_unfinished": N_(
        "the request never ended: no blank line (\\r\\n\\r\\n) after its headers ({received} bytes received)"
    ),
    "http_header_mismatch": N_("header {name} is “{received}”, expected “{expected}”"),
    "http_body_cut_short": N_("the body was cut short at {received} of {expected} bytes"),
    "http_framing": N_("the response must say its length (Content-Length); it was ended by {used}"),
    "http_not_closed": N_(
        "the response never ended: no Content-Length, and the server did not close the connection"
    ),
    "http_body_length": N_("the body has {received} bytes, expected {expected}"),
    "http_body_no_match": N_("the body ({received} bytes) does not match {pattern}"),
    "http_body_mismatch": N_(
        "the body differs from the expected one at byte {offset} ({received} bytes, expected {expected})"
    ),
    "http_body_differs_from_file": N_(
        "the body differs from {file} at byte {offset} ({received} bytes received, the file has {expected})"
    ),
    "http_method_mismatch": N_(
        "the request method is {received}, expected {expected} (request line: “{line}”)"
    ),
    "http_path_mismatch": N_("the request asks for {received}, expected {expected} (request line: “{line}”)"),
    "wrong_port_dialled": N_("the program connected to {host}:{port}, but the server is on port {expected}"),
    "any_needs_namespace": N_(
        "network host or port “any” needs namespace mode (every address made local inside the "
        "scenario's own network); on the host network this scenario cannot be graded"
    ),
    "netns_local_route_failed": N_(
        "the scenario's network could not be given every address (the local route): {error}"
    ),
    "netns_low_ports_failed": N_("the scenario's network could not allow ports below 1024: {error}"),
    "nft_missing": N_(
        "port “any” needs nftables (the nft command), which is not installed on the grading machine"
    ),
    "time_wait_needs_namespace": N_(
        "this scenario restarts the server on a port just used, which needs namespace mode; "
        "on the host network it cannot be graded"
    ),
    "time_wait_not_left": N_("the port could not be left in TIME_WAIT before the program started"),
    "browser_unavailable": N_("no browser to open the page with on the grading machine: {why}"),
    "browser_load_failed": N_("the browser could not load the page: {error}"),
    "browser_content_type": N_(
        "the browser took the page for {shown}, not {expected} (the server sent Content-Type: {sent})"
    ),
    "browser_no_element": N_(
        "the browser shows no {selector} element: it took the page for {shown} "
        "(the server sent Content-Type: {sent})"
    ),
    "browser_text_missing": N_("the browser shows “{received}” in {selector}, without “{expected}”"),
    "nft_failed": N_("the scenario's connections could not be redirected to the reference server: {error}"),
}

FRAMING_WORDS = {
    "close": N_("closing the connection"),
    "chunked": N_("chunked encoding"),
    "none": N_("nothing"),
    "content-length": N_("Content-Length"),
}


def reason_words(reason: Reason | None, lang: str = "en") -> str | None:
    """The sentence for ``reason`` in ``lang``; an unknown code is shown as the code itself."""
    if reason is None:
        return None
    _ = gettext_for(lang)
    template = REASONS.get(reason.code)
    if template is None:
        return reason.code
    args = {k: ("" if v is None else v) for k, v in reason.args.items()}
    if "used" in args:
        args["used"] = _(FRAMING_WORDS.get(str(args["used"]), str(args["used"])))
    if "offset" in args and isinstance(args["offset"], int):
        args["offset"] = args["offset"] + 1  # people count bytes from 1
    try:
        return _(template).format(**args)
    except (KeyError, IndexError):
        return f"{reason.code} {reason.args}"
