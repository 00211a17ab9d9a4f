"""``grader serve``: a submission site for a course, a thin web layer over batch grading and the reports.

Modules, one job each: :mod:`.config` reads the course folder (``course.yaml``, ``roster.csv``);
:mod:`.db` and :mod:`.migrations` hold the state (SQLAlchemy 2, Alembic); :mod:`.blobs` keeps
uploads content-addressed; :mod:`.jobs` is the durable queue (claims with leases, fair order);
:mod:`.workers` grade from it; :mod:`.grading` is the only door into the grader's core;
:mod:`.security` has secrets, sessions, CSRF, limits and headers; :mod:`.app` is the ASGI app.
"""
