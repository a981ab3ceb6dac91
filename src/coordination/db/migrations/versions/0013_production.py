"""production: ``task_runs`` (one row per step of each ``coordination tasks`` run: history and /metrics)
and ``directory_changes`` (the journal of ``coordination directory``)
"""

import sqlalchemy as sa
from alembic import op

from coordination.db.types import GUID, DateTimeUTC

revision = "0013_production"
down_revision = "0011_visa_rules"


def upgrade() -> None:
    op.create_table(
        "task_runs",
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("started_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("finished_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_runs")),
    )
    with op.batch_alter_table("task_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_runs_step"), ["step"], unique=False)

    op.create_table(
        "directory_changes",
        sa.Column("at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_id", GUID(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directory_changes")),
    )
    with op.batch_alter_table("directory_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directory_changes_target_id"), ["target_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("directory_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directory_changes_target_id"))
    op.drop_table("directory_changes")
    with op.batch_alter_table("task_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_runs_step"))
    op.drop_table("task_runs")
