"""Grading a class: the driver, its executors, files and summaries."""
