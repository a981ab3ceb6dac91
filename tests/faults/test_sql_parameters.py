"""Issue 20 item 9: on PostgreSQL a database error carried the statement's parameters (names, addresses,
NISS hashes) into the logs. A real error on a real cluster, raised through the application's engine and
logged the way the application logs errors: the parameters appear nowhere."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from coordination.db.engine import Database
from coordination.db.migrate import upgrade
from coordination.logging_config import configure_logging

SECRET_NAME = "Marie Dupont-Secrète, rue des Alouettes 12"
NISS_HASH = "c0ffee" * 10


async def test_a_database_error_never_carries_its_parameters(pg_cluster, caplog) -> None:
    await asyncio.to_thread(upgrade, pg_cluster.url)
    configure_logging("INFO")
    db = Database(pg_cluster.url, pooled=False)
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(DBAPIError) as raised:
            async with db.engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO organisations (id, name, kind, bce_number, created_at, updated_at) "
                        "VALUES (gen_random_uuid(), :name, 'partner', :bce, now(), now())"
                    ),
                    {"name": SECRET_NAME, "bce": NISS_HASH},  # too long for bce_number: a DataError
                )
        logging.getLogger("coordination.errors").exception("database error", exc_info=raised.value)
    finally:
        await db.dispose()
    message = str(raised.value)
    assert "hide_parameters" in message  # SQLAlchemy's own placeholder for what it left out
    for secret in (SECRET_NAME, NISS_HASH, "Dupont"):
        assert secret not in message
        assert secret not in caplog.text
