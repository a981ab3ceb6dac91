"""access: consents and their events, the access journal (per-person hash chain) and its heads, referent links"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import coordination.db.types

revision = "0002_access"
down_revision = "0001_foundation"

GUID = coordination.db.types.GUID(length=16)


def _dt():
    return coordination.db.types.DateTimeUTC(timezone=True)


CHANNEL = sa.Enum("self", "paper", "interview", name="consentchannel", native_enum=False, length=32)


def upgrade() -> None:
    op.create_table(
        "access_journal",
        sa.Column("id", GUID, nullable=False),
        sa.Column("person_id", GUID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", _dt(), nullable=False),
        sa.Column("user_id", GUID, nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", GUID, nullable=True),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("section", sa.String(length=32), nullable=True),
        sa.Column("document_id", GUID, nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=True),
        sa.Column("consent_id", GUID, nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_journal")),
        sa.UniqueConstraint("person_id", "seq", name="uq_access_journal_person_seq"),
    )
    with op.batch_alter_table("access_journal", schema=None) as batch_op:
        batch_op.create_index("ix_access_journal_at", ["at"], unique=False)

    op.create_table(
        "access_journal_heads",
        sa.Column("person_id", GUID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_access_journal_heads")),
    )
    op.create_table(
        "consents",
        sa.Column("person_id", GUID, nullable=False),
        sa.Column("recipient_organisation_id", GUID, nullable=False),
        sa.Column(
            "sections",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("legal_basis", sa.String(length=80), nullable=False),
        sa.Column("given_at", _dt(), nullable=False),
        sa.Column("expires_at", _dt(), nullable=False),
        sa.Column("recorded_by_user_id", GUID, nullable=False),
        sa.Column("channel", CHANNEL, nullable=False),
        sa.Column("evidence_document_id", GUID, nullable=True),
        sa.Column("renews_id", GUID, nullable=True),
        sa.Column("id", GUID, nullable=False),
        sa.Column("created_at", _dt(), nullable=False),
        sa.Column("updated_at", _dt(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_consents_person_id_persons")),
        sa.ForeignKeyConstraint(
            ["recipient_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_consents_recipient_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"], ["users.id"], name=op.f("fk_consents_recorded_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(["renews_id"], ["consents.id"], name=op.f("fk_consents_renews_id_consents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consents_lookup", ["person_id", "recipient_organisation_id", "expires_at"], unique=False
        )

    op.create_table(
        "referent_links",
        sa.Column("person_id", GUID, nullable=False),
        sa.Column("referent_user_id", GUID, nullable=True),
        sa.Column("team", sa.String(length=80), nullable=True),
        sa.Column("organisation_id", GUID, nullable=False),
        sa.Column("started_at", _dt(), nullable=False),
        sa.Column("ended_at", _dt(), nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("handover_note", sa.Text(), nullable=True),
        sa.Column("id", GUID, nullable=False),
        sa.Column("created_at", _dt(), nullable=False),
        sa.Column("updated_at", _dt(), nullable=False),
        sa.CheckConstraint(
            "(referent_user_id IS NOT NULL) <> (team IS NOT NULL)",
            name=op.f("ck_referent_links_user_or_team"),
        ),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= started_at", name=op.f("ck_referent_links_period")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_referent_links_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_referent_links_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["referent_user_id"], ["users.id"], name=op.f("fk_referent_links_referent_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referent_links")),
    )
    with op.batch_alter_table("referent_links", schema=None) as batch_op:
        batch_op.create_index("ix_referent_links_user_active", ["referent_user_id", "ended_at"], unique=False)
        batch_op.create_index(
            "uq_referent_links_one_active",
            ["person_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "consent_events",
        sa.Column("id", GUID, nullable=False),
        sa.Column("consent_id", GUID, nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "given",
                "withdrawn",
                "renewed",
                "expired",
                name="consenteventkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("at", _dt(), nullable=False),
        sa.Column("by_user_id", GUID, nullable=True),
        sa.Column("channel", CHANNEL, nullable=True),
        sa.Column("evidence_document_id", GUID, nullable=True),
        sa.Column("successor_id", GUID, nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_consent_events_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consents.id"], name=op.f("fk_consent_events_consent_id_consents")
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"], ["consents.id"], name=op.f("fk_consent_events_successor_id_consents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.create_index("ix_consent_events_consent", ["consent_id", "kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_index("ix_consent_events_consent")
    op.drop_table("consent_events")
    with op.batch_alter_table("referent_links", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_referent_links_one_active",
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index("ix_referent_links_user_active")
    op.drop_table("referent_links")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index("ix_consents_lookup")
    op.drop_table("consents")
    op.drop_table("access_journal_heads")
    with op.batch_alter_table("access_journal", schema=None) as batch_op:
        batch_op.drop_index("ix_access_journal_at")
    op.drop_table("access_journal")
