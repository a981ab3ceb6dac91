"""The migrations and the models describe the same schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from coordination.db.models import load_all_models


async def test_models_match_migrations(database):
    """Tables, columns, indexes, constraints and, on PostgreSQL, column types. SQLite reflects the app's
    own types (``GUID``, ``DateTimeUTC``) as their storage affinity, so its types cannot be compared; a
    type written differently in a migration than in its model is caught on PostgreSQL."""
    metadata = load_all_models().metadata

    def diff(sync_conn):
        opts = {"compare_type": not database.is_sqlite}
        return compare_metadata(MigrationContext.configure(sync_conn, opts=opts), metadata)

    async with database.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []
