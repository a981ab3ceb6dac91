"""visa: the decider's answers to open items, and attendance per period compared with the approved contract"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import coordination.db.types

revision = "0011_visa_rules"
down_revision = "0010_mandates"

GUID = coordination.db.types.GUID(length=16)
TS = coordination.db.types.DateTimeUTC(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("visa_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("open_item_answers", JSON, nullable=True))
    op.create_table(
        "visa_attendance",
        sa.Column("id", GUID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("person_id", GUID, nullable=False),
        sa.Column("visa_id", GUID, nullable=False),
        sa.Column("step_id", GUID, nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("hours_worked", sa.Float(), nullable=False),
        sa.Column("recorded_by", GUID, nullable=False),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", GUID, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("alerted_at", TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_visa_attendance_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["visa_id"], ["visa_requests.id"], name=op.f("fk_visa_attendance_visa_id_visa_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visa_attendance")),
        sa.UniqueConstraint("visa_id", "period_start", name=op.f("uq_visa_attendance_visa_id_period_start")),
    )
    op.create_index("ix_visa_attendance_person_id", "visa_attendance", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_visa_attendance_person_id", table_name="visa_attendance")
    op.drop_table("visa_attendance")
    with op.batch_alter_table("visa_requests", schema=None) as batch_op:
        batch_op.drop_column("open_item_answers")
