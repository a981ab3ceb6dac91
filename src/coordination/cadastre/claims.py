"""What a trajectory step claims about the registry, checked before it is written (for the dossier package).

A step names the organisation that runs it, and may name one of its services and the agreement that funds
it. Those claims feed the effectiveness figures (a service's steps, an agreement's entrants), so they must be
true: the service and the agreement belong to the step's organisation, the agreement covers the step's
dates, and an agreement closed (terminated, or past its end even before the daily task closed it) takes no
new step. A refusal is a 422 problem with a French ``detail``; nothing is written.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from coordination import clock
from coordination.cadastre import rules
from coordination.cadastre.models import Agreement, Service
from coordination.errors import ProblemError
from coordination.formatting import day_fr


def _refuse(code: str, detail: str, field: str) -> ProblemError:
    return ProblemError(422, code, detail, errors=[{"field": field, "message": detail}])


def claim_problems(
    organisation_id: UUID,
    service: Service | None,
    agreement: Agreement | None,
    start_date: date | None,
    end_date: date | None,
    *,
    attaching: bool,
    today: date,
) -> list[tuple[str, str, str]]:
    """Pure: ``(code, detail, field)`` for every false claim. ``attaching`` is true when the agreement is
    newly named (a new step, or another agreement): only then does a closed agreement refuse it."""
    problems = []
    if service is not None and service.organisation_id != organisation_id:
        problems.append(
            (
                "service-not-of-organisation",
                f"Le service « {service.name} » n'est pas proposé par l'organisation qui mène l'étape.",
                "service_id",
            )
        )
    if agreement is None:
        return problems
    if agreement.organisation_id != organisation_id:
        problems.append(
            (
                "agreement-not-of-organisation",
                f"La convention {agreement.reference} n'a pas été conclue par l'organisation qui mène l'étape.",
                "agreement_id",
            )
        )
        return problems
    period = f"du {day_fr(agreement.start_date)} au {day_fr(agreement.end_date)}"
    for day, what in ((start_date, "début"), (end_date, "fin")):
        if day is not None and not agreement.start_date <= day <= agreement.end_date:
            problems.append(
                (
                    "agreement-dates",
                    f"La convention {agreement.reference} ({period}) ne couvre pas la date de {what} de "
                    f"l'étape ({day_fr(day)}).",
                    "agreement_id",
                )
            )
    if attaching and rules.effective_status(agreement.status, agreement.end_date, today) != "active":
        problems.append(
            (
                "agreement-closed",
                f"La convention {agreement.reference} est clôturée : elle n'accepte plus de nouvelle étape.",
                "agreement_id",
            )
        )
    return problems


async def check_step_claims(
    session: AsyncSession,
    organisation_id: UUID,
    service_id: UUID | None,
    agreement_id: UUID | None,
    start_date: date | None,
    end_date: date | None,
    *,
    attaching: bool,
    today: date | None = None,
) -> None:
    """Raise a 422 problem if the step's service or agreement claims are false (reads only)."""
    service = await session.get(Service, service_id) if service_id is not None else None
    if service_id is not None and service is None:
        raise _refuse("unknown-service", "Ce service ne figure pas au cadastre.", "service_id")
    agreement = await session.get(Agreement, agreement_id) if agreement_id is not None else None
    if agreement_id is not None and agreement is None:
        raise _refuse("unknown-agreement", "Cette convention ne figure pas au cadastre.", "agreement_id")
    problems = claim_problems(
        organisation_id,
        service,
        agreement,
        start_date,
        end_date,
        attaching=attaching,
        today=today or clock.today(),
    )
    if problems:
        code = problems[0][0]
        detail = " ".join(p[1] for p in problems)
        raise ProblemError(
            422, code, detail, errors=[{"field": f, "message": message} for _, message, f in problems]
        )
