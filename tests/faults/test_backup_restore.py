"""Issue 20 item 9 (backups are built, not described): the backup CronJob's script dumps a real
PostgreSQL cluster (a throwaway one, like the tests' database) and the restore script brings it back into
an empty database, whole, and refuses an unchecked or tampered dump and a non-empty target."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import yaml
from sqlalchemy import text

from coordination.db.engine import Database
from coordination.db.migrate import upgrade
from tests.faults.conftest import PG_BIN

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "deploy" / "k8s" / "backup"


def run(script: str, url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "PATH": f"{PG_BIN}:{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", str(SCRIPTS / script), *args], env=env, capture_output=True, text=True, timeout=120
    )


async def snapshot(url: str) -> dict[str, object]:
    db = Database(url, pooled=False)
    try:
        async with db.engine.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            names = (await conn.execute(text("SELECT name FROM organisations ORDER BY name"))).scalars().all()
        return {"version": version, "organisations": list(names)}
    finally:
        await db.dispose()


async def test_backup_then_restore_into_an_empty_database(pg_cluster, tmp_path) -> None:
    await asyncio.to_thread(upgrade, pg_cluster.url)
    db = Database(pg_cluster.url, pooled=False)
    async with db.engine.begin() as conn:
        for name in ("CPAS de Namur", "Le Forem – Liège"):
            await conn.execute(
                text(
                    "INSERT INTO organisations (id, name, kind, bassin, created_at, updated_at) "
                    "VALUES (gen_random_uuid(), :n, 'cpas', 'Namur', now(), now())"
                ),
                {"n": name},
            )
    await db.dispose()
    before = await snapshot(pg_cluster.url)

    backups = tmp_path / "backups"
    made = run("backup_postgres.sh", pg_cluster.url, str(backups))
    assert made.returncode == 0, made.stderr
    (dump,) = backups.glob("coordination-*.dump")
    assert (backups / (dump.name + ".sha256")).exists()

    restored_url = pg_cluster.url.rsplit("/", 1)[0] + "/restored"
    restored = run("restore_postgres.sh", restored_url, str(dump))
    assert restored.returncode == 0, restored.stderr
    assert await snapshot(restored_url) == before

    again = run("restore_postgres.sh", restored_url, str(dump))
    assert again.returncode == 3 and "not empty" in again.stderr

    dump.write_bytes(dump.read_bytes()[:-10] + b"0123456789")
    tampered = run("restore_postgres.sh", pg_cluster.url.rsplit("/", 1)[0] + "/other", str(dump))
    assert tampered.returncode != 0


def test_the_backup_cronjobs_run_the_tested_scripts() -> None:
    docs = list(yaml.safe_load_all((ROOT / "deploy" / "k8s" / "backup-cronjob.yaml").read_text()))
    crons = {d["metadata"]["name"]: d for d in docs if d["kind"] == "CronJob"}
    expected = {
        "coordination-backup": ["bash", "/scripts/backup_postgres.sh"],
        "coordination-basebackup": ["bash", "/scripts/basebackup_postgres.sh"],  # tests/faults/test_pitr.py
    }
    assert set(crons) == set(expected)
    for name, command in expected.items():
        assert crons[name]["spec"]["concurrencyPolicy"] == "Forbid"
        (container,) = crons[name]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
        assert container["command"][:2] == command
    kustomization = yaml.safe_load((ROOT / "deploy" / "k8s" / "kustomization.yaml").read_text())
    (generated,) = [
        g for g in kustomization["configMapGenerator"] if g["name"] == "coordination-backup-scripts"
    ]
    assert set(generated["files"]) == {
        f"backup/{name}"
        for name in (
            "backup_postgres.sh", "restore_postgres.sh", "basebackup_postgres.sh", "restore_pitr.sh",
            "archive_wal.sh",
        )
    }  # fmt: skip


def test_compose_archives_the_wal_with_the_tested_script() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    postgres = compose["services"]["postgres"]
    settings = dict(arg.split("=", 1) for arg in postgres["command"] if "=" in arg)
    assert settings["archive_mode"] == "on" and settings["wal_level"] == "replica"
    assert settings["archive_command"].startswith("bash /backup-scripts/archive_wal.sh %p %f ")
    assert "./k8s/backup:/backup-scripts:ro" in postgres["volumes"]
