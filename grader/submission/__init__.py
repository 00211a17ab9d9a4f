"""What is graded: finding each student's files (folders, archives, names, rosters)."""
