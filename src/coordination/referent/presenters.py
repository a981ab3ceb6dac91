"""The referent package's answer shapes, built from its rows: the API returns them and the pages render
them, so both show a link, an orientation or an adviser the same way (and keep the handover note from
the same readers)."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from coordination.access.principal import Principal
from coordination.referent import bulk, schemas
from coordination.referent.models import Adviser, Orientation, ReferentLink
from coordination.referent.orientation import Track, local_date
from coordination.referent.policies import ReferentPolicies
from coordination.referent.services import KIND_LABELS_FR
from coordination.referent.worklist import Alert
from coordination.shapes import from_row


def track_label(policies: ReferentPolicies, track: str | None) -> str | None:
    return policies.matrix.labels_fr.get(Track(track)) if track else None


def orientation_out(row: Orientation, policies: ReferentPolicies) -> schemas.OrientationOut:
    return from_row(
        row,
        schemas.OrientationOut,
        computed_track_label=track_label(policies, row.computed_track) or "",
        chosen_track_label=track_label(policies, row.chosen_track) or "",
        overridden=row.chosen_track != row.computed_track,
        decided_at=row.created_at,
    )


def may_read_note(reader: Principal, link: ReferentLink) -> bool:
    """A handover note is written for the new referent: only they (the link's holder: the named adviser or
    a member of the team sharing the portfolio) and the person it is about read it. Former referents, and
    anyone else who may read the file (a colleague under the same mandate, a partner with consent), do not."""
    if reader.person_id is not None and reader.person_id == link.person_id:
        return True
    if link.referent_user_id is not None:
        return link.referent_user_id == reader.user_id
    return (
        link.team is not None and reader.team == link.team and reader.organisation_id == link.organisation_id
    )


def link_out(
    link: ReferentLink,
    names: dict[UUID, str],
    policies: ReferentPolicies,
    reader: Principal | None = None,
) -> schemas.ReferentOut:
    """``reader``: who will see it (the handover note is kept from whoever :func:`may_read_note` refuses);
    ``None`` only for the author of the handover, in the answer to their own request."""
    referent_name = (names.get(link.adviser_id) if link.adviser_id else None) or link.team or "—"
    return from_row(
        link,
        schemas.ReferentOut,
        kind_label=KIND_LABELS_FR.get(link.kind, link.kind),
        referent_name=referent_name,
        since=link.started_at,
        since_date=local_date(link.started_at, policies.rules),
        handover_note=link.handover_note if reader is None or may_read_note(reader, link) else None,
        track_label=track_label(policies, link.chosen_track),
    )


def adviser_out(adviser: Adviser, load: int) -> schemas.AdviserOut:
    return from_row(
        adviser,
        schemas.AdviserOut,
        kind_label=KIND_LABELS_FR.get(adviser.kind, adviser.kind),
        load=load,
        over_capacity=load > adviser.capacity,
        bassins=list(adviser.bassins or []),
        languages=list(adviser.languages or []),
        tracks=list(adviser.tracks or []),
    )


def alert_out(alert: Alert) -> schemas.AlertOut:
    return schemas.AlertOut(kind=alert.kind, message=alert.message, person_id=alert.person_id, due=alert.due)


def _cost(cost: bulk.model.CostBreakdown) -> dict[str, int]:
    """The total, then each criterion's part as the breakdown names it."""
    return {"total": cost.total, **asdict(cost)}


def bulk_out(result: bulk.BulkPlan, *, dry_run: bool) -> schemas.BulkOut:
    return schemas.BulkOut(
        dry_run=dry_run,
        applied=result.applied,
        optimal=result.result.optimal,
        cost=_cost(result.result.cost),
        greedy_cost=_cost(result.greedy.cost),
        seconds=round(result.result.seconds, 4),
        assigned=[
            schemas.BulkAssignedOut(person_id=p, adviser_id=a, adviser_name=result.advisers[a].display_name)
            for p, a in result.assignments.items()
        ],
        unassigned=[
            schemas.BulkUnassignedOut(person_id=p, reason=r, detail=bulk.REASONS_FR.get(r, r))
            for p, r in result.unassigned.items()
        ],
        stats=result.stats,
    )
