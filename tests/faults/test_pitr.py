"""Issue 20 item 9 and "What to build": backups with WAL archiving, restored to a point in time.

A throwaway cluster archives its WAL through ``archive_wal.sh`` (the archive_command the deploy files
configure); ``basebackup_postgres.sh`` takes a base backup; more rows are written, a moment T is noted,
more rows again; ``restore_pitr.sh`` prepares a new data folder that stops at T; started, it holds exactly
what was committed before T: the rows written after the base backup and before T, none written after."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from coordination.db.engine import Database
from coordination.db.migrate import upgrade
from tests.faults.conftest import PG_BIN, PgCluster
from tests.fixtures.s3 import free_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "deploy" / "k8s" / "backup"


async def sh(args: list[str], **options) -> subprocess.CompletedProcess:
    """A command off the event loop (the test's database calls share it)."""
    options.setdefault("timeout", 300)
    return await asyncio.to_thread(subprocess.run, args, capture_output=True, text=True, **options)


def _psql_super(cluster: PgCluster, *sql: str) -> None:
    args = [str(PG_BIN / "psql"), "-X", "-q", "-h", str(cluster.sock), "-p", str(cluster.port), "-U", "postgres",
            "-d", "postgres", "-v", "ON_ERROR_STOP=1"]  # fmt: skip
    for statement in sql:
        args += ["-c", statement]
    subprocess.run([*cluster.as_pg, *args], check=True, capture_output=True, timeout=60, cwd=cluster.dir)


async def _insert(url: str, *names: str) -> None:
    db = Database(url, pooled=False)
    try:
        async with db.engine.begin() as conn:
            for name in names:
                await conn.execute(
                    text(
                        "INSERT INTO organisations (id, name, kind, created_at, updated_at) "
                        "VALUES (gen_random_uuid(), :n, 'partner', now(), now())"
                    ),
                    {"n": name},
                )
    finally:
        await db.dispose()


async def _scalar(url: str, sql: str):
    db = Database(url, pooled=False)
    try:
        async with db.engine.connect() as conn:
            return (await conn.execute(text(sql))).scalar()
    finally:
        await db.dispose()


async def _names(url: str) -> list[str]:
    db = Database(url, pooled=False)
    try:
        async with db.engine.connect() as conn:
            return list((await conn.execute(text("SELECT name FROM organisations ORDER BY name"))).scalars())
    finally:
        await db.dispose()


@pytest.fixture
def archive_dir(pg_cluster):
    folder = Path(tempfile.mkdtemp(prefix="coordination-wal-"))
    if pg_cluster.as_pg:
        shutil.chown(folder, "postgres")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


async def test_point_in_time_restore_from_base_backup_and_wal_archive(pg_cluster, archive_dir):
    command = f"bash {SCRIPTS / 'archive_wal.sh'} %p %f {archive_dir}"
    _psql_super(
        pg_cluster,
        "ALTER SYSTEM SET archive_mode = on",
        f"ALTER SYSTEM SET archive_command = '{command}'",
        "ALTER ROLE faults REPLICATION",
    )
    pg_cluster.stop()
    pg_cluster.start()
    url = pg_cluster.url
    await asyncio.to_thread(upgrade, url)
    await _insert(url, "A – avant la sauvegarde")

    backups = pg_cluster.dir / "backups"
    env = {**os.environ, "DATABASE_URL": url, "PATH": f"{PG_BIN}:{os.environ['PATH']}"}
    made = await sh(["bash", str(SCRIPTS / "basebackup_postgres.sh"), str(backups)], env=env)
    assert made.returncode == 0, made.stderr
    (base,) = backups.glob("base-*")
    if pg_cluster.as_pg:  # restored by the database server's own user, as on the server's host
        await sh(["chown", "-R", "postgres:", str(backups)], check=True)
    assert {p.name for p in base.iterdir()} >= {"base.tar.gz", "pg_wal.tar.gz", "SHA256SUMS"}

    await _insert(url, "B – après la sauvegarde, avant T")
    await asyncio.sleep(1.1)
    target = await _scalar(
        url, "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'"
    )
    await asyncio.sleep(1.1)
    await _insert(url, "C – après T")
    segment = await _scalar(url, "SELECT pg_walfile_name(pg_current_wal_lsn())")
    _psql_super(pg_cluster, "SELECT pg_switch_wal()")
    deadline = time.monotonic() + 60
    while not (archive_dir / segment).exists():
        assert time.monotonic() < deadline, (
            f"segment {segment} never archived: {sorted(os.listdir(archive_dir))}"
        )
        await asyncio.sleep(0.2)
    assert await _names(url) == ["A – avant la sauvegarde", "B – après la sauvegarde, avant T", "C – après T"]

    restored = pg_cluster.dir / "restored"
    restore = [
        *pg_cluster.as_pg,
        "bash",
        str(SCRIPTS / "restore_pitr.sh"),
        str(base),
        str(archive_dir),
        target,
    ]
    prepared = await sh([*restore, str(restored)], cwd=pg_cluster.dir)
    assert prepared.returncode == 0, prepared.stderr
    again = await sh([*restore, str(restored)], cwd=pg_cluster.dir)
    assert again.returncode == 3 and "not empty" in again.stderr

    port = free_port()
    log = pg_cluster.dir / "restored.log"
    await sh(
        [*pg_cluster.as_pg, str(PG_BIN / "pg_ctl"), "-D", str(restored), "-l", str(log), "-w", "-t", "120",
         "-s", "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {pg_cluster.sock}", "start"],
        check=True, cwd=pg_cluster.dir,
    )  # fmt: skip
    try:
        restored_url = url.replace(f":{pg_cluster.port}/", f":{port}/")
        deadline = time.monotonic() + 60  # hot standby answers reads while replay ends, then promotes
        while await _scalar(restored_url, "SELECT pg_is_in_recovery()"):
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            await asyncio.sleep(0.2)
        assert await _names(restored_url) == ["A – avant la sauvegarde", "B – après la sauvegarde, avant T"]
        assert "recovery stopping before commit" in log.read_text()
    finally:
        await sh(
            [*pg_cluster.as_pg, str(PG_BIN / "pg_ctl"), "-D", str(restored), "-m", "immediate", "-w", "-s",
             "stop"],
            cwd=pg_cluster.dir,
        )  # fmt: skip

    (base / "base.tar.gz").write_bytes((base / "base.tar.gz").read_bytes()[:-8] + b"01234567")
    tampered = await sh([*restore, str(pg_cluster.dir / "other")], cwd=pg_cluster.dir)
    assert tampered.returncode != 0 and not (pg_cluster.dir / "other").exists()


def test_archive_wal_never_overwrites_a_segment(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    segment = tmp_path / "000000010000000000000001"
    segment.write_bytes(b"wal" * 100)
    run = ["bash", str(SCRIPTS / "archive_wal.sh"), str(segment), segment.name, str(archive)]
    assert subprocess.run(run, capture_output=True).returncode == 0
    assert (archive / segment.name).read_bytes() == segment.read_bytes()
    assert subprocess.run(run, capture_output=True).returncode == 0  # same bytes again: a success
    segment.write_bytes(b"other")
    clash = subprocess.run(run, capture_output=True, text=True)
    assert clash.returncode == 1 and "refusing to overwrite" in clash.stderr
    assert (archive / segment.name).read_bytes() == b"wal" * 100
