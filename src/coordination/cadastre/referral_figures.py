"""Referral outcomes for regulators, under the evaluation's disclosure rules.

Per partner and per calendar month (the finest window published: never a day), for one year: referrals
received, accepted, refused, put on a waiting list, withdrawn, expired (no answer by the deadline, computed
on read) and still pending. The months are Brussels months of the sending instant.

Before anything leaves, the same protection as the evaluation applies (:mod:`.audit`): a count from 1 to
``min_cell − 1`` is masked, complements are masked so that no relation (a month's total and its partners, a
partner's year and its months, received = the sum of its outcomes) gives it back, then the linear-programming
audit checks every masked count against all the figures of the year together. Ties are broken by partner
name and month, never by ids, so the masking depends on the figures only.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.cadastre import audit
from coordination.cadastre.policy import PositiveExitPolicy
from coordination.cadastre.stats import complementary_suppression, primary_suppression
from coordination.directory.models import Organisation
from coordination.referral import rules as referral_rules
from coordination.referral.models import Referral

OUTCOMES = ("accepted", "refused", "waiting_list", "withdrawn", "expired", "pending")
MEASURES = ("received", *OUTCOMES)
MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_STATUS = {
    referral_rules.ACCEPTED: "accepted",
    referral_rules.REFUSED: "refused",
    referral_rules.WAITING_LIST: "waiting_list",
    referral_rules.WITHDRAWN: "withdrawn",
    referral_rules.EXPIRED: "expired",
    referral_rules.SENT: "pending",
}

Key = tuple[str, Any]  # ("all", None) | ("partner", id) | ("month", m) | ("partner_month", (id, m))


def month_label(year: int, month: int) -> str:
    return f"{MONTHS_FR[month - 1]} {year}"


async def referral_outcomes(
    session: AsyncSession, year: int, policy: PositiveExitPolicy, today: date
) -> dict[str, Any]:
    """The protected tables of one year (``today`` decides which unanswered referrals have expired)."""
    start = datetime.combine(date(year, 1, 1), time.min, tzinfo=clock.BRUSSELS)
    end = datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=clock.BRUSSELS)
    rows = await session.execute(
        select(Referral.to_organisation_id, Referral.sent_at, Referral.status, Referral.deadline).where(
            Referral.sent_at >= start, Referral.sent_at < end
        )
    )
    counts: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    for partner, sent_at, status, deadline in rows.all():
        if status == referral_rules.SENT and today > deadline:
            status = referral_rules.EXPIRED
        outcome = _STATUS.get(status, "pending")
        month = sent_at.astimezone(clock.BRUSSELS).month
        for key in (
            ("all", None),
            ("partner", partner),
            ("month", month),
            ("partner_month", (partner, month)),
        ):
            counts[key]["received"] += 1
            counts[key][outcome] += 1
    names = dict((await session.execute(select(Organisation.id, Organisation.name))).all())
    return assemble(dict(counts), names, year, policy)


def assemble(
    counts: dict[Key, dict[str, int]], names: dict[UUID, str], year: int, policy: PositiveExitPolicy
) -> dict[str, Any]:
    """Pure: counts → protected tables (``None`` = masqué)."""
    hidden = protect(counts, names, policy)

    def row(key: Key, label: str, **extra) -> dict[str, Any]:
        figures = {m: (None if (key, m) in hidden else counts[key][m]) for m in MEASURES}
        return {"label": label, **extra, **figures}

    partners = sorted(
        (row(k, names.get(k[1], "?"), partner_id=str(k[1])) for k in counts if k[0] == "partner"),
        key=lambda r: r["label"],
    )
    months = [row(k, month_label(year, k[1]), month=f"{year}-{k[1]:02d}") for k in sorted(
        (k for k in counts if k[0] == "month"), key=lambda k: k[1])]  # fmt: skip
    partner_months = sorted(
        (
            row(k, f"{names.get(k[1][0], '?')} — {month_label(year, k[1][1])}",
                partner_id=str(k[1][0]), month=f"{year}-{k[1][1]:02d}")
            for k in counts if k[0] == "partner_month"
        ),
        key=lambda r: (r["label"].rsplit(" — ", 1)[0], r["month"]),
    )  # fmt: skip
    overall = row(("all", None), "Ensemble des partenaires") if ("all", None) in counts else None
    return {
        "year": year,
        "window": "mois",
        "min_cell": policy.min_cell,
        "disclosure": f"Les orientations sont publiées par mois au plus fin. Tout nombre de 1 à "
        f"{policy.min_cell - 1} est masqué, ainsi que les nombres choisis pour qu'aucun chiffre masqué ne "
        "puisse être retrouvé en combinant tous les chiffres publiés pour l'année.",
        "overall": overall,
        "partners": partners,
        "months": months,
        "partner_months": partner_months,
    }


def protect(counts: dict[Key, dict[str, int]], names: dict[UUID, str], policy: PositiveExitPolicy) -> set:
    values = {(key, m): int(v[m]) for key, v in counts.items() for m in MEASURES}
    measure_rank = {m: i for i, m in enumerate(MEASURES)}
    dims = {"all": 0, "partner": 1, "month": 2, "partner_month": 3}

    def rank(cell: tuple[Key, str]) -> tuple:
        (dim, value), measure = cell
        partner = value if dim == "partner" else value[0] if dim == "partner_month" else None
        month = value if dim == "month" else value[1] if dim == "partner_month" else 0
        signature = tuple(counts[cell[0]][m] for m in MEASURES)
        return (dims[dim], names.get(partner, "") if partner else "", month, signature, measure_rank[measure])

    # relations built in that order too: the complements never depend on the order rows came in
    relations = _relations(sorted(counts, key=lambda key: rank((key, "received"))))
    hidden = primary_suppression(values, policy.min_cell)
    sensitive = set(hidden)
    hidden = complementary_suppression(values, hidden, relations, rank)
    constraints = [audit.total_of(r[0], r[1:]) for r in relations]
    return audit.secure(values, hidden, constraints, policy.protection_range, sensitive, rank=rank)


def _relations(counts: list[Key]) -> list[list[tuple]]:
    relations = [[(key, "received"), *((key, m) for m in OUTCOMES)] for key in counts]
    partners = defaultdict(list)
    months = defaultdict(list)
    for key in counts:
        if key[0] == "partner_month":
            partners[key[1][0]].append(key)
            months[key[1][1]].append(key)
    for measure in MEASURES:
        relations.append([(("all", None), measure), *((k, measure) for k in counts if k[0] == "partner")])
        relations.append([(("all", None), measure), *((k, measure) for k in counts if k[0] == "month")])
        for partner, parts in partners.items():
            relations.append([(("partner", partner), measure), *((k, measure) for k in parts)])
        for month, parts in months.items():
            relations.append([(("month", month), measure), *((k, measure) for k in parts)])
    return [r for r in relations if len(r) > 1]
