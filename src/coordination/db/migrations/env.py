"""Alembic environment: runs the package's migrations on the URL given by ``coordination.db.migrate``."""

import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from coordination.db.models import load_all_models

target_metadata = load_all_models().metadata
config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if not url:  # set by coordination.db.migrate from the settings; never empty there
        raise RuntimeError("alembic: sqlalchemy.url is not set")
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
