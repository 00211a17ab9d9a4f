"""One grading job as bytes in, results out, and the worker process that runs it."""
