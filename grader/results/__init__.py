"""Results: the grader's own result models, stored size bounds."""
