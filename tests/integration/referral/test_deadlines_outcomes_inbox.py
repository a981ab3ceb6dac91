"""Reminders and expiry; outcomes for the registry; the inbox API."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from uuid import UUID

from coordination import clock
from coordination.clock import BRUSSELS
from coordination.formatting import day_fr
from coordination.referral.calendar import load_calendar
from coordination.referral.models import Referral
from coordination.referral.rules import load_rules
from coordination.referral.tasks import run_deadlines
from tests.integration.referral.conftest import API, inbox, send


def _at(day) -> datetime:
    return datetime.combine(day, time(8, 0), tzinfo=BRUSSELS).astimezone(UTC)


async def test_reminders_then_expiry(client, world, database, settings) -> None:
    w = world
    rid = (await send(client, w)).json()["id"]
    rules = load_rules(Path(settings.policies_dir))
    cal = load_calendar(Path(settings.policies_dir))
    async with database.sessionmaker() as s:
        deadline = (await s.get(Referral, UUID(rid))).deadline
    three_before = cal.subtract_working_days(deadline, 3)
    async with database.sessionmaker() as s:
        first = await run_deadlines(s, rules, cal, now=_at(three_before))
        again = await run_deadlines(s, rules, cal, now=_at(three_before))
        await s.commit()
    assert (first.reminders, again.reminders) == (1, 0)
    reminders = [n for n in await inbox(client, w, "cisp") if n["kind"] == "referral_reminder"]
    assert len(reminders) == 1 and f"avant le {day_fr(deadline)}" in reminders[0]["body"]

    # past the deadline: effective status is expired even before the sweep, and answers are refused
    async with database.sessionmaker() as s:
        referral = await s.get(Referral, UUID(rid))
        referral.deadline = clock.today() - timedelta(days=1)
        await s.commit()
    card = (await client.get(f"{API}/referrals/received/{rid}", headers=w.h("cisp"))).json()
    assert card["status"] == "expired"
    late = await client.post(f"{API}/referrals/{rid}/waiting-list", json={}, headers=w.h("cisp"))
    assert late.status_code == 409
    async with database.sessionmaker() as s:
        swept = await run_deadlines(s, rules, cal)
        await s.commit()
    assert swept.expired == 1
    full = (await client.get(f"{API}/referrals/{rid}", headers=w.h("referent"))).json()
    assert full["status"] == "expired" and "expired" in [h["event"] for h in full["history"]]
    assert any(n["kind"] == "referral_expired" for n in await inbox(client, w, "person"))
    assert any(n["kind"] == "referral_expired" for n in await inbox(client, w, "referent"))


async def test_outcomes_for_the_registry(client, world) -> None:
    w = world
    ids = [(await send(client, w)).json()["id"] for _ in range(3)]
    await client.post(f"{API}/referrals/{ids[0]}/refuse", json={"reason": "no_capacity"}, headers=w.h("cisp"))
    await client.post(f"{API}/referrals/{ids[1]}/refuse", json={"reason": "timing"}, headers=w.h("cisp"))
    await client.post(f"{API}/referrals/{ids[2]}/withdraw", json={}, headers=w.h("referent"))

    # raw counts by day are the partner's own: the regulator reads the registry's audited figures
    refused = await client.get(f"{API}/referral-outcomes", headers=w.h("regulator"))
    assert refused.status_code == 403 and "/api/v1/cadastre/referral-outcomes" in refused.json()["detail"]
    assert (await client.get(f"{API}/referral-outcomes", headers=w.h("referent"))).status_code == 403
    response = await client.get(f"{API}/referral-outcomes", headers=w.h("cisp"))
    assert response.status_code == 200, response.text
    body = response.json()
    [svc] = body["services"]
    assert svc["name"] == "Formation maçonnerie"
    assert svc["organisation_id"] == str(w.orgs["cisp"].id)
    assert (svc["received"], svc["refused"], svc["withdrawn"]) == (3, 2, 1)
    assert svc["refusal_rate"] == 1.0 and svc["acceptance_rate"] == 0.0
    assert svc["refusal_reasons"] == {"no_capacity": 1, "timing": 1}
    assert svc["median_response_days"] is not None
    assert svc["alerts"] == []  # 2 decisions < min_referrals
    [partner] = body["partners"]
    assert partner["name"] == "CISP Les Ateliers du Pays Noir"
    assert "Julie" not in response.text
    # a partner sees its own figures only; the person sees none
    other = await client.get(f"{API}/referral-outcomes", headers=w.h("mire"))
    assert other.status_code == 200 and other.json()["services"] == []
    assert (await client.get(f"{API}/referral-outcomes", headers=w.h("person"))).status_code == 403
    vocab = (await client.get(f"{API}/referral-rules", headers=w.h("cisp"))).json()
    assert vocab["deadline_working_days"] == 10
    assert {"code": "other", "label": "Autre raison (à préciser)"} in vocab["refusal_reasons"]


async def test_inbox_read_unread(client, world) -> None:
    w = world
    await send(client, w)
    page = (await client.get(f"{API}/inbox", headers=w.h("person"))).json()
    # the referral's two notices, and the Forem registration asserted when her file was opened
    assert page["unread"] == page["total"] == 3
    first = page["items"][0]
    assert first["read"] is False and first["kind_label"]
    read = await client.post(f"{API}/inbox/{first['id']}/read", headers=w.h("person"))
    assert read.status_code == 200 and read.json()["read"] is True
    assert (await client.get(f"{API}/inbox", params={"unread": "true"}, headers=w.h("person"))).json()[
        "total"
    ] == 2
    # somebody else's notification does not exist for me
    assert (await client.post(f"{API}/inbox/{first['id']}/read", headers=w.h("cisp"))).status_code == 404
    unread = await client.post(f"{API}/inbox/{first['id']}/unread", headers=w.h("person"))
    assert unread.json()["read"] is False
    marked = await client.post(f"{API}/inbox/read-all", headers=w.h("person"))
    assert marked.json() == {"marked": 3}
    assert (await client.get(f"{API}/inbox", headers=w.h("person"))).json()["unread"] == 0
    # both partner users are told; the sender is not told about their own action
    assert len(await inbox(client, w, "cisp")) == 1
    assert len(await inbox(client, w, "cisp_manager")) == 1
    assert await inbox(client, w, "referent") == []
    assert (await client.get(f"{API}/inbox")).status_code == 401
