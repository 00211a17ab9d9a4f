"""Templates: Problems of a spec, a manifest or an export, for teachers."""

from __future__ import annotations

from grader.messages.codes import Code
from grader.messages.template import N_, Template, _t

TEMPLATES: dict[Code, Template] = {
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
