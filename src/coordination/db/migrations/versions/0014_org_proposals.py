"""cadastre: proposals to change an organisation's name, kind or BCE number, verified by the administrator;
inbox: ``notifications.about_person_id`` (a worker's notification carrying a person's data is gated and journaled)

Revision ID: 0014_org_proposals
Revises: 0009_visa_person
"""

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014_org_proposals"
down_revision = "0009_visa_person"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_GUID = advanced_alchemy.types.guid.GUID(length=16)
_WHEN = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


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


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("about_person_id")
    with op.batch_alter_table("cadastre_org_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cadastre_org_proposals_status"))
        batch_op.drop_index(batch_op.f("ix_cadastre_org_proposals_organisation_id"))
    op.drop_table("cadastre_org_proposals")
