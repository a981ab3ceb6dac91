"""cadastre: the verification's own timestamp (``assured_at``, UTC) on partners, services and agreements;
the evaluation PDF stored once per year (``cadastre_evaluation_reports``)

Verifying a record now sets only ``assured_at``/``assured_date``/``assured_by`` (never ``updated_at``), and a
record is "modifié depuis la vérification" when ``updated_at > assured_at``: two UTC instants, so an edit made
a minute after a verification counts at once. Earlier verifications carry no timestamp: they read as
changed since, until verified again.
"""

import sqlalchemy as sa
from alembic import op

import coordination.db.types

revision = "0017_cadastre_honest_b"
down_revision = "0016_scale_indexes"

TABLES = ("cadastre_partners", "cadastre_services", "cadastre_agreements")


def upgrade() -> None:
    op.create_table(
        "cadastre_evaluation_reports",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("rendered_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_cadastre_evaluation_reports")),
    )
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("assured_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=True)
            )


def downgrade() -> None:
    op.drop_table("cadastre_evaluation_reports")
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("assured_at")
