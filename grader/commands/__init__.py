"""Subcommands of ``grader``; each module exposes ``add_parser(subparsers)``."""
