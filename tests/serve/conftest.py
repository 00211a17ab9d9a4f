"""The site's fixtures (defined in :mod:`serve_helpers`, which the load benchmark shares)."""

from .serve_helpers import course, database, pg_cluster, server, site_app

__all__ = ["course", "database", "pg_cluster", "server", "site_app"]
