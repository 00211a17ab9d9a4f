"""The site's fixtures (defined in :mod:`serve_helpers`, which the load benchmark shares)."""

from .serve_helpers import course, server, site_app

__all__ = ["course", "server", "site_app"]
