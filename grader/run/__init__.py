"""Running the scenarios: a student program against the grader's peers -> an Outcome."""
