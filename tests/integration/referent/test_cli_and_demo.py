"""``coordination assign`` (dry run, then --apply) and the demo seed, on the test database."""

from __future__ import annotations

import anyio
from sqlalchemy import func, select

from coordination.demo.directory import seed_directory
from coordination.referent.cli import assign_cli
from coordination.referent.demo import seed_referent_demo
from coordination.referent.models import ReferentLink


async def active_links(database) -> int:
    async with database.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).where(ReferentLink.ended_at.is_(None))))


async def test_assign_cli_dry_run_then_apply(world, settings, database, capsys):
    assert await anyio.to_thread.run_sync(assign_cli, settings, False) == 0
    out = capsys.readouterr().out
    assert "Simulation" in out and "Pas d'orientation" in out and "Coût optimal" in out
    assert await active_links(database) == 0
    assert await anyio.to_thread.run_sync(assign_cli, settings, True) == 0
    assert "Attribution appliquée" in capsys.readouterr().out
    assert await active_links(database) == 4  # Léa, Marc, Nina, Rita; Omar is not oriented


async def test_assign_cli_unreachable_database(settings, capsys):
    broken = settings.replace(database_url="postgresql+asyncpg://nobody:nothing@127.0.0.1:9/none")
    assert await anyio.to_thread.run_sync(assign_cli, broken, False) == 3
    assert "attribution impossible" in capsys.readouterr().err


async def test_demo_gives_every_person_one_referent_and_shows_a_handover(world, database):
    async with database.sessionmaker() as s:
        directory = await seed_directory(s)
        await seed_referent_demo(s, directory)
        await s.commit()
        links = list(await s.scalars(select(ReferentLink)))
    active = [link for link in links if link.ended_at is None]
    assert len({link.person_id for link in active}) == len(active) == 4
    ended = [link for link in links if link.ended_at is not None]
    assert len(ended) == 1 and ended[0].end_reason
    assert any(link.handover_note and link.last_contact_at for link in active)
