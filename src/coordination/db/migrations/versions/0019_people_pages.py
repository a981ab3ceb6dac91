"""Advisers' professional phone and e-mail, shown to the people they follow (issue 17)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_people_pages"
down_revision = "0018_directory_admin"


def upgrade() -> None:
    with op.batch_alter_table("advisers") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("email", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("advisers") as batch:
        batch.drop_column("email")
        batch.drop_column("phone")
