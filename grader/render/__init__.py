"""Renderers: results -> words (terminal, HTML reports, gradebooks) in the reader's language."""
