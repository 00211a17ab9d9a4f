"""The Jinja2 environment: autoescaping on, undefined names are errors, gettext installed.

One environment per language, built once: templates compile on first use only.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from grader.i18n import translations
from grader.render.html.report_view import stamp

SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      var numeric = th.getAttribute("data-type") === "number";
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-sort"), y = b.cells[col].getAttribute("data-sort");
        var r = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return ascending ? r : -r;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""
"""Sorting the class table by a header click; the page reads the same without it."""

SORT_SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SORT_SCRIPT.encode()).digest()).decode()

CSP_REPORT = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
"""A report runs no script at all: even markup that escaped escaping could not run or load."""
CSP_INDEX = (
    f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    f"script-src '{SORT_SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)
"""The index runs exactly the sort script above (by its hash) and nothing else."""


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("grader.render.html", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["stamp"] = stamp
    env.globals.update(csp_report=CSP_REPORT, csp_index=CSP_INDEX, sort_script=Markup(SORT_SCRIPT))
    return env
