"""visa: stored visa requests with checklist, rule-set version and signed decision"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import coordination.db.types

revision = "0005_visa"
down_revision = "0004_referent"

GUID = coordination.db.types.GUID(length=16)
TS = coordination.db.types.DateTimeUTC(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "visa_requests",
        sa.Column("person_id", GUID, nullable=False),
        sa.Column("submitted_by", GUID, nullable=False),
        sa.Column("submitted_by_name", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", GUID, nullable=True),
        sa.Column("contract", JSON, nullable=False),
        sa.Column("checklist", JSON, nullable=False),
        sa.Column("rule_set_version", sa.String(length=40), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("verdict_changed", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("submitted", "returned", "decided", name="visastatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "decision",
            sa.Enum(
                "approved",
                "approved_with_reservations",
                "refused",
                "returned",
                name="decision",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("decided_by", GUID, nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column("signing_key_fingerprint", sa.String(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", GUID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visa_requests")),
    )
    with op.batch_alter_table("visa_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visa_requests_person_id_created_at", ["person_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("visa_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_visa_requests_person_id_created_at")
    op.drop_table("visa_requests")
