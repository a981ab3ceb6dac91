"""referral: referrals to partner services, their history, and the notifications inbox"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import coordination.db.types

revision = "0007_referral"
down_revision = "0006_cadastre"


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("recipient_user_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("recipient_person_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title_fr", sa.String(length=200), nullable=False),
        sa.Column("body_fr", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("subject_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("read_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "recipient_user_id IS NOT NULL OR recipient_person_id IS NOT NULL",
            name=op.f("ck_notifications_has_recipient"),
        ),
        sa.ForeignKeyConstraint(
            ["recipient_person_id"], ["persons.id"], name=op.f("fk_notifications_recipient_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["recipient_user_id"], ["users.id"], name=op.f("fk_notifications_recipient_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_person_created", ["recipient_person_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_notifications_user_created", ["recipient_user_id", "created_at"], unique=False
        )

    op.create_table(
        "referrals",
        sa.Column("person_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("from_user_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("from_organisation_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("service_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("to_organisation_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("agreement_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("reason_category", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("plan_objective_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column(
            "requested_sections",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("outside_bassin_reason", sa.Text(), nullable=True),
        sa.Column("person_first_name", sa.String(length=100), nullable=False),
        sa.Column("person_bassin", sa.String(length=80), nullable=True),
        sa.Column("consent_state", sa.String(length=16), nullable=False),
        sa.Column("consent_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("consent_expires_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("answered_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("answered_by_user_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("closed_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("refusal_reason", sa.String(length=32), nullable=True),
        sa.Column("refusal_text", sa.Text(), nullable=True),
        sa.Column("agreed_start_date", sa.Date(), nullable=True),
        sa.Column("trajectory_step_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column(
            "reminders_sent",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("rules_version", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "consent_state IN ('requested', 'given', 'declined', 'withdrawn')",
            name=op.f("ck_referrals_consent_state_known"),
        ),
        sa.CheckConstraint(
            "status != 'accepted' OR agreed_start_date IS NOT NULL",
            name=op.f("ck_referrals_accepted_has_start_date"),
        ),
        sa.CheckConstraint(
            "status != 'refused' OR refusal_reason IS NOT NULL", name=op.f("ck_referrals_refused_has_reason")
        ),
        sa.CheckConstraint(
            "status IN ('sent', 'accepted', 'refused', 'waiting_list', 'withdrawn', 'expired')",
            name=op.f("ck_referrals_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["cadastre_agreements.id"],
            name=op.f("fk_referrals_agreement_id_cadastre_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_user_id"], ["users.id"], name=op.f("fk_referrals_answered_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consents.id"], name=op.f("fk_referrals_consent_id_consents")
        ),
        sa.ForeignKeyConstraint(
            ["from_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_referrals_from_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(["from_user_id"], ["users.id"], name=op.f("fk_referrals_from_user_id_users")),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_referrals_person_id_persons")),
        sa.ForeignKeyConstraint(
            ["plan_objective_id"],
            ["plan_objectives.id"],
            name=op.f("fk_referrals_plan_objective_id_plan_objectives"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["cadastre_services.id"], name=op.f("fk_referrals_service_id_cadastre_services")
        ),
        sa.ForeignKeyConstraint(
            ["to_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_referrals_to_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_referrals_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_referrals_service_sent", ["service_id", "sent_at"], unique=False)
        batch_op.create_index("ix_referrals_to_org_status", ["to_organisation_id", "status"], unique=False)

    op.create_table(
        "referral_history",
        sa.Column("referral_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("by_user_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("by_organisation_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("by_person", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_referral_history_by_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_referral_history_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referrals.id"], name=op.f("fk_referral_history_referral_id_referrals")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_history")),
    )
    with op.batch_alter_table("referral_history", schema=None) as batch_op:
        batch_op.create_index("ix_referral_history_referral_at", ["referral_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("referral_history", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_history_referral_at")

    op.drop_table("referral_history")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_to_org_status")
        batch_op.drop_index("ix_referrals_service_sent")
        batch_op.drop_index(batch_op.f("ix_referrals_person_id"))
        batch_op.drop_index(batch_op.f("ix_referrals_deadline"))

    op.drop_table("referrals")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_created")
        batch_op.drop_index("ix_notifications_person_created")

    op.drop_table("notifications")
