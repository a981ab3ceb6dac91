"""Issue 20 item 8: ``coordination directory`` creates organisations and users and changes roles, each
change journaled; refusals are French and change nothing. Run as an operator would, on the test's database
(SQLite and PostgreSQL): the first command as a real ``python -m coordination`` subprocess, the others
through the same ``main`` in this process, with the environment the subprocess had (a new interpreter
importing the app costs a CPU-second or two per command)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from sqlalchemy import func, select

from coordination.directory.admin import DirectoryChange
from coordination.directory.models import Role, User
from tests.fixtures.cli import run_coordination_in_thread


async def directory(settings, *args: str, subprocess_run: bool = False) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COORDINATION_")}
    env.update(
        COORDINATION_ENV="test",
        COORDINATION_VAR_DIR=str(settings.var_dir),
        COORDINATION_DATABASE_URL=settings.database_url,
    )
    argv = ["directory", "--par", "Admin Région", *args]
    if not subprocess_run:
        return await run_coordination_in_thread(argv, env)
    return await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "coordination", *argv],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def test_organisation_user_and_role_changes_are_journaled(settings, database):
    made = await directory(
        settings, "organisation-add", "--name", "CPAS de Namur", "--kind", "cpas", "--bassin", "Namur",
        subprocess_run=True,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    org_id = made.stdout.split(":", 1)[1].split()[0]
    user = await directory(settings, "user-add", "--subject", "m.dubois", "--name", "Marc Dubois",
                           "--role", "cpas_social_worker", "--org", "CPAS de Namur")  # fmt: skip
    assert user.returncode == 0, user.stdout + user.stderr
    assert "role=cpas_social_worker" in user.stdout and f"org={org_id}" in user.stdout
    misfit = await directory(settings, "user-role", "--user", "m.dubois", "--role", "partner_manager")
    assert misfit.returncode == 1 and "organisation de type partner" in misfit.stdout
    partner = await directory(settings, "organisation-add", "--name", "CISP L'Envol", "--kind", "partner")
    assert partner.returncode == 0, partner.stdout + partner.stderr
    partner_id = partner.stdout.split(":", 1)[1].split()[0]
    changed = await directory(settings, "user-role", "--user", "m.dubois", "--role", "partner_manager",
                              "--org", "CISP L'Envol")  # fmt: skip
    assert changed.returncode == 0, changed.stdout
    unexplained = await directory(settings, "user-deactivate", "--user", "m.dubois")
    assert unexplained.returncode == 1 and "Le motif est obligatoire." in unexplained.stdout
    off = await directory(settings, "user-deactivate", "--user", "m.dubois", "--reason", "Départ")
    assert off.returncode == 0 and "désactivé" in off.stdout, off.stdout

    duplicate = await directory(
        settings, "user-add", "--subject", "m.dubois", "--name", "Autre", "--role", "dpo"
    )
    assert duplicate.returncode == 1 and "déjà utilisé" in duplicate.stdout
    wrong = await directory(settings, "user-add", "--subject", "x", "--name", "X", "--role", "chef")
    assert wrong.returncode == 1 and "Rôle inconnu" in wrong.stdout
    orphan = await directory(
        settings, "user-add", "--subject", "y", "--name", "Y", "--role", "forem_referent"
    )
    assert orphan.returncode == 1 and "--org" in orphan.stdout

    async with database.sessionmaker() as session:
        stored = await session.scalar(select(User).where(User.subject == "m.dubois"))
        assert stored.role is Role.PARTNER_MANAGER and str(stored.organisation_id) == partner_id
        assert stored.deactivated_at is not None
        assert await session.scalar(select(func.count()).select_from(User)) == 1
        journal = (await session.scalars(select(DirectoryChange).order_by(DirectoryChange.at))).all()
    assert [c.action for c in journal] == [
        "organisation_created", "user_created", "organisation_created", "user_role_changed", "user_deactivated"
    ]  # fmt: skip
    assert all(c.actor == "Admin Région" for c in journal)
    assert "cpas_social_worker → partner_manager (organisation changée)" in journal[-2].summary
    listing = await directory(settings, "journal")
    assert "Rôle de « Marc Dubois »" in listing.stdout
