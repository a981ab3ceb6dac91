"""directory: ``users.deactivated_at`` (an administrator deactivates an account from the directory pages or
the CLI; the account is refused on its next request, its row stays for the journals that name it)
"""

import sqlalchemy as sa
from alembic import op

from coordination.db.types import DateTimeUTC

revision = "0018_directory_admin"
down_revision = "0017_cadastre_honest_b"


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deactivated_at", DateTimeUTC(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("deactivated_at")
