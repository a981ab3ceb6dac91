"""cadastre: proposals to change an organisation's name, kind or BCE number, verified by the administrator;
inbox: ``notifications.about_person_id`` (a worker's notification carrying a person's data is gated and journaled)
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import coordination.db.types

revision = "0014_org_proposals"
down_revision = "0013_production"

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_GUID = coordination.db.types.GUID(length=16)
_WHEN = coordination.db.types.DateTimeUTC(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cadastre_org_proposals",
        sa.Column("organisation_id", _GUID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("old_values", _JSON, nullable=False),
        sa.Column("new_values", _JSON, nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("proposed_by", _GUID, nullable=False),
        sa.Column("proposed_by_name", sa.String(length=200), nullable=False),
        sa.Column("decided_by", _GUID, nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("decided_at", _WHEN, nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", _GUID, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_cadastre_org_proposals_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cadastre_org_proposals_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadastre_org_proposals")),
    )
    with op.batch_alter_table("cadastre_org_proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cadastre_org_proposals_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cadastre_org_proposals_status"), ["status"], unique=False)

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("about_person_id", _GUID, nullable=True))
        batch_op.add_column(sa.Column("about_basis", sa.String(length=16), nullable=True))
    _backfill_referent_notices()


NOTE_MARK = " Note de passation : "
NOTE_GONE = " La note de passation est transmise au nouveau référent."


def _backfill_referent_notices() -> None:
    """Notifications written before this revision: the workers' handover, overdue-contact and referral items
    name the person (their subject is the referent link or the referral), so they gain ``about_person_id``
    (and the partner's referral items the basis ``referral``); a handover item sent to anyone but the new
    link's holder (the former referent) loses the handover note it held."""
    notifications = sa.table(
        "notifications",
        sa.column("id", _GUID),
        sa.column("kind", sa.String),
        sa.column("recipient_user_id", _GUID),
        sa.column("subject_id", _GUID),
        sa.column("body_fr", sa.Text),
        sa.column("about_person_id", _GUID),
        sa.column("about_basis", sa.String),
    )
    links = sa.table(
        "referent_links",
        sa.column("id", _GUID),
        sa.column("person_id", _GUID),
        sa.column("referent_user_id", _GUID),
        sa.column("team", sa.String),
        sa.column("organisation_id", _GUID),
    )
    users = sa.table(
        "users", sa.column("id", _GUID), sa.column("team", sa.String), sa.column("organisation_id", _GUID)
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            notifications.c.id,
            notifications.c.kind,
            notifications.c.body_fr,
            links.c.person_id,
            links.c.referent_user_id,
            links.c.team,
            links.c.organisation_id,
            notifications.c.recipient_user_id,
            users.c.team.label("user_team"),
            users.c.organisation_id.label("user_organisation_id"),
        )
        .select_from(
            notifications.join(links, links.c.id == notifications.c.subject_id).join(
                users, users.c.id == notifications.c.recipient_user_id
            )
        )
        .where(notifications.c.kind.in_(("referent_handover", "first_contact_overdue")))
    ).all()
    for row in rows:
        values = {"about_person_id": row.person_id}
        holder = (
            row.referent_user_id == row.recipient_user_id
            if row.referent_user_id is not None
            else row.team is not None
            and row.user_team == row.team
            and row.user_organisation_id == row.organisation_id
        )
        if row.kind == "referent_handover" and not holder and NOTE_MARK in row.body_fr:
            values["body_fr"] = row.body_fr[: row.body_fr.index(NOTE_MARK)] + NOTE_GONE
        bind.execute(sa.update(notifications).where(notifications.c.id == row.id).values(**values))
    # referral items sent to workers: the partner's read on the basis « referral », the sender's through the gate
    referrals = sa.table(
        "referrals",
        sa.column("id", _GUID),
        sa.column("person_id", _GUID),
        sa.column("to_organisation_id", _GUID),
    )
    rows = bind.execute(
        sa.select(
            notifications.c.id,
            referrals.c.person_id,
            referrals.c.to_organisation_id,
            users.c.organisation_id.label("user_organisation_id"),
        ).select_from(
            notifications.join(referrals, referrals.c.id == notifications.c.subject_id).join(
                users, users.c.id == notifications.c.recipient_user_id
            )
        )
    ).all()
    for row in rows:
        partner = row.user_organisation_id == row.to_organisation_id
        bind.execute(
            sa.update(notifications)
            .where(notifications.c.id == row.id)
            .values(about_person_id=row.person_id, about_basis="referral" if partner else None)
        )


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("about_basis")
        batch_op.drop_column("about_person_id")
    with op.batch_alter_table("cadastre_org_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cadastre_org_proposals_status"))
        batch_op.drop_index(batch_op.f("ix_cadastre_org_proposals_organisation_id"))
    op.drop_table("cadastre_org_proposals")
