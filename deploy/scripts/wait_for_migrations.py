"""Wait until the database schema is at the migrations' head (Kubernetes init container).

The migration Job and the Deployment are applied together by ``kubectl apply -k``: new pods must not
serve on an old schema, so each pod's init container waits here until ``alembic_version`` holds exactly
the heads of the migrations shipped in the image. It never migrates anything itself.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine

from coordination.db.migrate import alembic_config


async def current_heads(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda sync: set(MigrationContext.configure(sync).get_current_heads()))
    finally:
        await engine.dispose()


def expected_heads(url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def main() -> int:
    url = os.environ.get("COORDINATION_DATABASE_URL", "")
    if not url:
        print("wait_for_migrations : COORDINATION_DATABASE_URL manquant.", file=sys.stderr)
        return 2
    timeout = float(os.environ.get("MIGRATION_WAIT_SECONDS", "600"))
    expected = expected_heads(url)
    deadline = time.monotonic() + timeout
    current: set[str] | None = None
    while time.monotonic() < deadline:
        try:
            current = asyncio.run(current_heads(url))
        except Exception as exc:
            print(f"wait_for_migrations : base injoignable ({type(exc).__name__}), nouvel essai.", flush=True)
        else:
            if current == expected:
                print(f"wait_for_migrations : schéma à jour ({', '.join(sorted(expected))}).", flush=True)
                return 0
        time.sleep(3)
    print(
        f"wait_for_migrations : schéma {sorted(current or [])} au lieu de {sorted(expected)} après "
        f"{timeout:.0f} s ; le Job coordination-migrate a-t-il réussi ?",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
