"""The outbox of domain events (coordination.events), with the announcements already made.

The daily sweeps now ask the outbox, not the inbox, whether something was already announced: the
notifications already sent for those sweeps are copied in as events so nobody is told twice.
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from coordination.db.types import GUID, DateTimeUTC

revision = "0022_domain_events"
down_revision = "0021_list_scale"

ANNOUNCED = {"consent_expiring": "consent_expiring", "first_contact_overdue": "first_contact_overdue"}
"""Notification kind → event kind of the sweeps that must not repeat themselves."""


def upgrade() -> None:
    events = op.create_table(
        "domain_events",
        sa.Column("id", GUID(), primary_key=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("occurred_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("person_id", GUID(), nullable=True),
        sa.Column("subject_id", GUID(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("published_at", DateTimeUTC(timezone=True), nullable=True),
    )
    op.create_index("ix_domain_events_kind_occurred", "domain_events", ["kind", "occurred_at"])
    op.create_index("ix_domain_events_kind_subject", "domain_events", ["kind", "subject_id"])
    op.create_index("ix_domain_events_unpublished", "domain_events", ["published_at"])
    notifications = sa.table(
        "notifications",
        sa.column("kind", sa.String),
        sa.column("subject_id", GUID()),
        sa.column("created_at", DateTimeUTC(timezone=True)),
    )
    rows = (
        op.get_bind()
        .execute(
            sa.select(
                notifications.c.kind, notifications.c.subject_id, sa.func.min(notifications.c.created_at)
            )
            .where(notifications.c.kind.in_(ANNOUNCED), notifications.c.subject_id.is_not(None))
            .group_by(notifications.c.kind, notifications.c.subject_id)
        )
        .all()
    )
    now = datetime.now(UTC)
    if rows:
        op.bulk_insert(
            events,
            [
                {
                    "id": uuid.uuid4(),
                    "created_at": now,
                    "updated_at": now,
                    "kind": ANNOUNCED[kind],
                    "occurred_at": at or now,
                    "person_id": None,
                    "subject_id": subject_id,
                    "payload": {"backfilled_from": "notifications"},
                }
                for kind, subject_id, at in rows
            ],
        )


def downgrade() -> None:
    op.drop_table("domain_events")
