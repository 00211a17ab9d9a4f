"""Alembic migrations of the site's database, run at every start (``upgrade head``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

HERE = Path(__file__).parent


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema; a new database gets every table."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
