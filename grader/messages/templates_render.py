"""Templates: Step titles, containment, totals, not-graded reasons, doctor and gradebook words."""

from __future__ import annotations

from grader.messages.codes import Code
from grader.messages.template import N_, Template, _t

TEMPLATES: dict[Code, Template] = {
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
    Code.DASK_STALLED: _t(
        N_(
            "the Dask cluster gave no result for {seconds} s (its workers may have gone); "
            "this is the grader's problem, not a zero: run the batch again to grade it"
        )
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
}
