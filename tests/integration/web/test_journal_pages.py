"""The journal a person can read (issue 17): one line per visit, refusals apart, details on demand, a
filter by organisation and period; the same grouping for the DPO. The stored rows stay one per section."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import func, select

from coordination.access.models import AccessJournalEntry
from coordination.clock import today
from tests.integration.web.conftest import person_ids, sign_in


def _main(html: str) -> str:
    return unescape(html.split("<main", 1)[1])


async def _rows(database, person_id) -> int:
    async with database.sessionmaker() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(AccessJournalEntry)
                .where(AccessJournalEntry.person_id == person_id)
            )
        )


async def _sophies_visits_in_julies_journal(client) -> tuple[list[str], str]:
    """Julie's journal page: the lines of Sophie's visits (the demo's own work included), and the page."""
    client.cookies.clear()
    await sign_in(client, "julie")
    response = await client.get("/mon-espace/journal")
    assert response.status_code == 200, response.text
    html = _main(response.text)
    visits = html.split('id="titre-refus"')[0]
    lines = re.findall(r'<li class="visit">(.*?)</li>\s*(?=<li class="visit">|</ul>)', visits, re.S)
    return [line for line in lines if "Sophie Lambert" in line], html


async def test_one_opening_of_the_file_is_one_line_with_the_parts_seen(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    earlier, _ = await _sophies_visits_in_julies_journal(client)
    before = await _rows(database, julie)
    client.cookies.clear()
    await sign_in(client, "sophie")
    assert (await client.get(f"/dossiers/{julie}")).status_code == 200
    written = await _rows(database, julie) - before
    assert written >= 5, "the stored rows stay one per section"
    sophie, html = await _sophies_visits_in_julies_journal(client)
    new = [line for line in sophie if line not in earlier]
    assert len(new) == 1, "one opening of the file is one line, not one per section"
    [line] = new
    assert "a consulté" in line and "identité" in line and "plan d'action" in line
    assert line.count("identité :") <= 1
    assert "<details>" in line and "Base :" in line
    assert re.search(
        r"\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4} à \d{2}:\d{2}",
        line,
    )
    refusals = html.split('id="titre-refus"')[1]
    assert "Une demande refusée n'a rien montré" in refusals
    if "Sophie Lambert" in refusals:  # her parts without basis (health, CPAS social): apart, explained
        assert "a demandé à consulter" in refusals


async def test_filters_by_organisation_and_period_and_says_what_is_wrong(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    await sign_in(client, "sophie")
    await client.get(f"/dossiers/{julie}")
    client.cookies.clear()
    await sign_in(client, "julie")
    html = _main((await client.get("/mon-espace/journal")).text)
    options = dict(
        (name, oid)
        for oid, name in re.findall(r'<option value="([0-9a-f-]{36})"[^>]*>([^<]+)</option>', html)
    )
    forem = next(oid for name, oid in options.items() if "Forem" in name)
    other = next((oid for name, oid in options.items() if "Forem" not in name), None)
    only_forem = _main((await client.get("/mon-espace/journal", params={"organisme": forem})).text)
    assert "Sophie Lambert" in only_forem.split('id="titre-refus"')[0]
    if other:
        not_forem = _main((await client.get("/mon-espace/journal", params={"organisme": other})).text)
        assert "Sophie Lambert" not in not_forem
    past = (today() - timedelta(days=400)).isoformat()
    old = _main((await client.get("/mon-espace/journal", params={"du": past, "au": past})).text)
    assert "Sophie Lambert" not in old and "Aucune consultation" in old
    bad = await client.get("/mon-espace/journal", params={"du": "hier", "au": "2026-01-01"})
    assert bad.status_code == 400
    page = _main(bad.text)
    assert 'value="hier"' in page, "what was typed is shown back"
    assert 'id="du-erreur"' in page and "Date invalide" in page


async def _sophies_reads_for_the_dpo(client) -> list[str]:
    client.cookies.clear()
    await sign_in(client, "dpo")
    html = _main((await client.get("/journal")).text)
    lines = re.findall(r'<li class="visit">(.*?)</details>', html.split('id="titre-refus"')[0], re.S)
    return [line for line in lines if "Sophie Lambert" in line and "a consulté" in line]


async def test_dpo_view_groups_the_same_way(client, demo, database):
    julie = (await person_ids(database))["Julie"]
    earlier = await _sophies_reads_for_the_dpo(client)  # the demo's own work, before this visit
    client.cookies.clear()
    await sign_in(client, "sophie")
    await client.get(f"/dossiers/{julie}")
    new = [line for line in await _sophies_reads_for_the_dpo(client) if line not in earlier]
    assert len(new) == 1 and "plan d'action" in new[0]
