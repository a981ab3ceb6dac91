"""Integration fixtures: a migrated database on SQLite AND PostgreSQL, the app, an HTTP client.

Each backend is migrated once per session; each test then gets a clean database (a copy of the migrated
SQLite file, or truncated PostgreSQL tables), so tests stay independent without re-running migrations.

Under pytest-xdist (``make test`` runs ``-n``), a session is one worker: each worker migrates its own
PostgreSQL database in the one cluster of ``scripts/with-postgres.sh`` (``<db>_gw0``, ``<db>_gw1``…, see
:func:`worker_postgres_url`) and its own SQLite template under its own temporary folder.
"""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from coordination import clock
from coordination.db.engine import Database, create_engine
from coordination.db.migrate import upgrade
from coordination.db.models import load_all_models
from coordination.settings import Settings
from tests.conftest import POSTGRES_URL_ENV
from tests.fixtures.apps import app_for
from tests.fixtures.web_demo import DemoSeed, load_demo_seed

PG_URL = os.environ.get(POSTGRES_URL_ENV, "")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def pytest_configure(config) -> None:
    if os.environ.get("CI") and not PG_URL:
        raise pytest.UsageError(
            f"CI must run the integration tests on PostgreSQL too: set {POSTGRES_URL_ENV}."
        )


def worker_postgres_url(url: str) -> str:
    """The database of this xdist worker in the cluster of ``url`` (``coordination_gw0`` for ``gw0``), or
    ``url`` itself outside xdist: two workers truncating one database would empty each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


async def _reset_postgres(url: str) -> None:
    """An empty database at ``url``: the worker's own one created afresh (the cluster's user may create
    databases), or, without xdist, the given database with its public schema dropped."""
    if url == PG_URL:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        finally:
            await engine.dispose()
        return
    name = make_url(url).database
    engine = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            # the name is this run's database name and the xdist worker id (gw0…), never input
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


@functools.cache
def _non_empty_tables_probe() -> str:
    """One statement naming the tables that hold rows (no sequence exists: ids are UUIDs)."""
    tables = [t.name for t in load_all_models().metadata.sorted_tables]
    # the names are our models' tables, never input
    return " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)  # noqa: S608


async def _empty_postgres_tables(conn) -> None:
    """Every table empty, as after the migrations: TRUNCATE costs a new file per table, index and
    partition (the journal alone has sixteen), so only the tables a test wrote to are truncated; the
    probe that finds them reads each table's first row, one round trip."""
    written = [row[0] for row in await conn.execute(text(_non_empty_tables_probe()))]
    if written:
        names = ", ".join(f'"{t}"' for t in written)
        await conn.execute(text(f"TRUNCATE TABLE {names} CASCADE"))


@pytest.fixture(scope="session")
def _migrated_backends() -> dict[str, tuple[str, str]]:
    """The backends this session (one xdist worker) has migrated, by name: see :func:`migrated_backend`."""
    return {}


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_backend(request, tmp_path_factory, _migrated_backends) -> tuple[str, str]:
    """(backend, url-or-template-path) of a database migrated to head, migrated once per session.

    pytest keeps one value of a parametrized session fixture at a time: each time a worker passes from a
    SQLite test to a PostgreSQL one (or back) it calls this again. ``make test`` hands tests to workers one
    by one, slowest first (see ``pytest_collection_modifyitems`` in tests/conftest.py), so a worker
    switches often; the migrated template and database are kept and given again, never migrated twice
    (each test empties its database itself)."""
    done = _migrated_backends.get(request.param)
    if done is not None:
        return done
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
        upgrade(f"sqlite+aiosqlite:///{template}")
        done = ("sqlite", str(template))
    else:
        import asyncio

        url = worker_postgres_url(PG_URL)
        asyncio.run(_reset_postgres(url))
        upgrade(url)
        done = ("postgresql", url)
    _migrated_backends[request.param] = done
    return done


@pytest.fixture
def backend(migrated_backend) -> str:
    return migrated_backend[0]


@pytest.fixture(scope="session")
def _engines() -> dict[str, AsyncEngine]:
    """One engine per backend in this session (xdist worker), shared by its tests' databases, by URL.

    SQLAlchemy caches compiled statements per engine (and the gate its prebuilt statements per dialect,
    which is the engine's): with an engine per test every statement of every test was compiled again.
    Connections are not shared: each event loop has its own, closed when it ends (``PerLoopPool``)."""
    return {}


def _fresh_sqlite(template: str) -> Path:
    """A copy of the migrated template at one path per worker (the URL of the shared engine), written
    beside it and moved into place: a connection some test left open keeps the old file, never a
    half-written one; the old file's write-ahead log goes with it."""
    live = Path(template).with_name("test.sqlite3")
    incoming = live.with_name("incoming.sqlite3")
    shutil.copyfile(template, incoming)
    for suffix in ("-wal", "-shm", "-journal"):
        live.with_name(live.name + suffix).unlink(missing_ok=True)
    os.replace(incoming, live)
    return live


async def _postgres_copy(template_url: str, name: str) -> str:
    """The URL of database ``name``, made afresh from the one at ``template_url`` (PostgreSQL copies its
    files: no statement replayed). Nobody may be connected to the template meanwhile."""
    template = make_url(template_url).database
    engine = create_async_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            # the names are this run's database names with a fixed suffix, never input
            try:  # ends autovacuum's work there; WITH (FORCE) may not (not our role's process)
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            except DBAPIError:  # a connection a test left open: ours, which WITH (FORCE) may end
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    finally:
        await engine.dispose()
    return make_url(template_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _demo_seeds() -> dict[tuple[str, object], DemoSeed]:
    """The demo loaded in this session (xdist worker), by backend and Brussels day: see :func:`demo_seed`."""
    return {}


@pytest.fixture
async def demo_seed(request, migrated_backend, _demo_seeds, tmp_path_factory) -> DemoSeed | None:
    """For a test of the demo (one using the ``demo`` fixture of tests/integration/web/conftest.py), the
    demo loaded once per worker, backend and Brussels day (its dates count from today), which the test's
    database is a copy of; ``None`` for the other tests."""
    if "demo" not in request.fixturenames:
        return None
    kind, where = migrated_backend
    today = clock.today()
    seed = _demo_seeds.get((kind, today))
    if seed is not None:
        return seed
    folder = tmp_path_factory.mktemp(f"demo-{kind}")
    if kind == "sqlite":
        seeded = Path(where).with_name(f"demo-{today:%Y%m%d}.sqlite3")
        await anyio.to_thread.run_sync(shutil.copyfile, where, seeded)
        url = f"sqlite+aiosqlite:///{seeded}"
    else:
        empty = create_async_engine(where)  # what the previous test wrote goes: the demo starts empty
        try:
            async with empty.begin() as conn:
                await _empty_postgres_tables(conn)
        finally:
            await empty.dispose()
        url = await _postgres_copy(where, f"{make_url(where).database}_demo_{today:%Y%m%d}")
    seed = _demo_seeds[(kind, today)] = await load_demo_seed(url, folder)
    return seed


@pytest.fixture
async def database(migrated_backend, _engines, demo_seed) -> AsyncIterator[Database]:
    """A clean migrated database for this test, or a copy of the seeded demo for a test of the demo."""
    kind, where = migrated_backend
    if kind == "sqlite":
        source = demo_seed.database if demo_seed is not None else where
        live = await anyio.to_thread.run_sync(_fresh_sqlite, source)
        url = f"sqlite+aiosqlite:///{live}"
    elif demo_seed is not None:
        url = await _postgres_copy(demo_seed.database, f"{make_url(where).database}_copy")
    else:
        url = where
    engine = _engines.get(url)
    if engine is None:
        engine = _engines[url] = create_engine(url, pooled="per-loop")
    db = Database(url, engine=engine)
    if kind != "sqlite" and demo_seed is None:
        async with db.engine.begin() as conn:
            await _empty_postgres_tables(conn)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def settings(tmp_path: Path, database: Database) -> Settings:
    return Settings(
        env="test",
        var_dir=tmp_path / "var",
        database_url=database.url,
        documents_dir=tmp_path / "documents",
    )


@pytest.fixture(scope="session")
def built_apps() -> dict[str, object]:
    """Apps built in this run, by settings shape: Litestar's route registration is the bulk of
    ``create_app`` (about 0.2 s quiet, a second on a loaded machine), paid once per shape, not per test."""
    return {}


@pytest.fixture
def app(settings: Settings, database: Database, built_apps):
    """The app for this test's settings and database: built once per settings shape and run, then given
    this test's own state (settings, database, document store, identity) as ``create_app`` would."""
    return app_for(built_apps, settings, database=database)


@pytest.fixture
async def client(app) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
def issuer(app):
    """The development issuer of this app: mints tokens for test users."""
    return app.state.identity.dev_issuer


@pytest.fixture
def auth_headers(issuer):
    """``auth_headers(user)`` → the Authorization header of a token for that ``users`` row."""

    def make(user, **overrides) -> dict[str, str]:
        return {"Authorization": f"Bearer {issuer.issue(user, **overrides)}"}

    return make
