"""The demo gives the CPAS of Charleroi's two workers visa work waiting this year (issue 17)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from coordination.demo.directory import seed_directory
from coordination.dossier.demo import seed_dossier_demo
from coordination.formatting import brussels
from coordination.visa.demo import seed_visa_demo
from coordination.visa.models import VisaRequest, VisaStatus


async def _seed(database, settings, today: dt.date):
    async with database.sessionmaker() as s:
        directory = await seed_directory(s)
        people = await seed_dossier_demo(
            s, directory.organisations, directory.users, niss_key=b"k" * 32, today=today
        )
        created = await seed_visa_demo(s, people, directory.users, settings=settings, today=today)
        await s.commit()
        users = {u.id: key for key, u in directory.users.items()}
        rows = (await s.scalars(select(VisaRequest).order_by(VisaRequest.created_at))).all()
        return created, users, rows


async def test_each_cpas_worker_has_a_request_to_decide_or_to_correct(database, settings):
    today = dt.date(2026, 1, 3)  # early January: nothing may fall back into the previous year
    created, users, rows = await _seed(database, settings, today)
    assert len(created) == len(rows) == 3
    assert all(brussels(v.created_at).year == 2026 for v in rows)
    waiting = [v for v in rows if v.status is VisaStatus.SUBMITTED]
    by_submitter = {users[v.submitted_by] for v in waiting}
    assert by_submitter == {"nadia", "thomas"}  # each has one waiting for the other (four eyes)
    returned = [v for v in rows if v.status is VisaStatus.RETURNED]
    assert len(returned) == 1 and users[returned[0].submitted_by] == "nadia"
    assert users[returned[0].decided_by] == "thomas" and "horaire" in returned[0].decision_reason
    assert all(v.organisation_id == rows[0].organisation_id for v in rows)
    # the contracts are the fixed demo contracts, dated from the given day
    employers = sorted(v.contract["employer_name"] for v in rows)
    assert employers == ["Boulangerie Lenoir", "CPAS de Charleroi", "Titres-services Sambre"]
    assert {v.contract["start_date"] for v in rows} == {"2026-01-17"}
