"""Running inside grading platforms that start one container per submission.

Gradescope and PrairieLearn each mount the student's files at a fixed place, run one
command, and read one ``results.json`` in their own shape. :mod:`.gradescope` and
:mod:`.prairielearn` render a :class:`~grader.results.models.GradeResult` into those shapes (and
the "could not grade" document for grader failures); :mod:`.export` builds what a teacher
uploads; :mod:`.layout` says where each platform keeps what.
"""
