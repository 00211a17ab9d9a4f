"""Judging: Outcome (facts) -> verdicts, points and ranked causes. Pure: no I/O, no words."""
