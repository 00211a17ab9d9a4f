"""``python -m grader.task``: a fresh worker process (see :mod:`grader.task.worker`)."""

import sys

# Imported as grader.task.worker (not run as __main__), so the pickled Task class is the one
# the driver pickled: grader.task.job.Task.
from grader.task.worker import main

sys.exit(main())
