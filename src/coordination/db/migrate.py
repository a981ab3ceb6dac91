"""Run Alembic migrations programmatically (the CLI's ``db upgrade`` and the tests use this).

Alembic's env runs its own event loop, so from async code call these through a worker thread.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(rev)s")
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def revision(url: str, message: str, rev_id: str) -> None:
    """Autogenerate a migration from the models (developer tool)."""
    command.revision(alembic_config(url), message=message, autogenerate=True, rev_id=rev_id)
