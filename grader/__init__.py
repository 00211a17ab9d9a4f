"""Automated grader for TCP socket programming assignments."""

__version__ = "0.1.0"
