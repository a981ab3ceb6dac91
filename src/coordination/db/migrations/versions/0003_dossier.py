"""dossier: profile sections, action plan, trajectory, progress, assessments, documents, timeline"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import coordination.db.types

revision = "0003_dossier"
down_revision = "0002_access"


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("person_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("section", sa.String(length=16), nullable=False),
        sa.Column("retention_rule", sa.String(length=32), nullable=False),
        sa.Column("retain_until", sa.Date(), nullable=True),
        sa.Column("organisation_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("created_by", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("deleted_by", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("deletion_reason", sa.Text(), nullable=True),
        sa.Column("deletion_rule", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "category IN ('cv', 'certificate', 'contract', 'consent_form', 'identity', 'payslip', 'other')",
            name=op.f("ck_documents_category_known"),
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_documents_created_by_users")),
        sa.ForeignKeyConstraint(["deleted_by"], ["users.id"], name=op.f("fk_documents_deleted_by_users")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_documents_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_documents_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_person_id"), ["person_id"], unique=False)

    op.create_table(
        "file_events",
        sa.Column("person_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("section", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("subject_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("actor_user_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("actor_organisation_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("occurred_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_file_events_actor_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_file_events_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_file_events_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_events")),
    )
    with op.batch_alter_table("file_events", schema=None) as batch_op:
        batch_op.create_index("ix_file_events_person_at", ["person_id", "occurred_at"], unique=False)

    op.create_table(
        "plan_objectives",
        sa.Column("person_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('proposed', 'agreed', 'in_progress', 'achieved', 'abandoned')",
            name=op.f("ck_plan_objectives_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_plan_objectives_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_plan_objectives_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_objectives")),
    )
    with op.batch_alter_table("plan_objectives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_objectives_person_id"), ["person_id"], unique=False)

    op.create_table(
        "profile_sections",
        sa.Column("person_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("section", sa.String(length=16), nullable=False),
        sa.Column(
            "content",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_by", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("organisation_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "section IN ('project', 'social', 'health')", name=op.f("ck_profile_sections_section_known")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_profile_sections_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_profile_sections_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_profile_sections_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_sections")),
        sa.UniqueConstraint("person_id", "section", name=op.f("uq_profile_sections_person_id_section")),
    )
    with op.batch_alter_table("profile_sections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profile_sections_person_id"), ["person_id"], unique=False)

    op.create_table(
        "trajectory_steps",
        sa.Column("person_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("service_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("agreement_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("job_contract_kind", sa.String(length=16), nullable=True),
        sa.Column("job_duration_months", sa.SmallInteger(), nullable=True),
        sa.Column("training_qualifying", sa.Boolean(), nullable=True),
        sa.Column("exit_date", sa.Date(), nullable=True),
        sa.Column("created_by", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "job_contract_kind IS NULL OR job_contract_kind IN ('cdi', 'cdd', 'interim', 'art60', 'art61', 'independent', 'other')",
            name=op.f("ck_trajectory_steps_job_contract_kind_known"),
        ),
        sa.CheckConstraint(
            "kind IN ('orientation', 'training', 'immersion', 'mentoring', 'pfi', 'art60', 'art61', 'job', 'other')",
            name=op.f("ck_trajectory_steps_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('planned', 'ongoing', 'completed', 'dropped_out', 'cancelled')",
            name=op.f("ck_trajectory_steps_status_known"),
        ),
        sa.CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date",
            name=op.f("ck_trajectory_steps_dates_order"),
        ),
        sa.CheckConstraint(
            "job_duration_months IS NULL OR job_duration_months >= 0",
            name=op.f("ck_trajectory_steps_job_duration_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_trajectory_steps_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_trajectory_steps_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_trajectory_steps_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trajectory_steps")),
    )
    with op.batch_alter_table("trajectory_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trajectory_steps_agreement_id"), ["agreement_id"], unique=False)
        batch_op.create_index("ix_trajectory_steps_org_status", ["organisation_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_trajectory_steps_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_trajectory_steps_service_id"), ["service_id"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("step_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("person_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("organisation_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("author_user_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.Column("qualifier", sa.SmallInteger(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("qualifier BETWEEN 0 AND 4", name=op.f("ck_assessments_qualifier_range")),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"], name=op.f("fk_assessments_author_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_assessments_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_assessments_person_id_persons")),
        sa.ForeignKeyConstraint(
            ["step_id"], ["trajectory_steps.id"], name=op.f("fk_assessments_step_id_trajectory_steps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index("ix_assessments_person_item", ["person_id", "item_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_step_id"), ["step_id"], unique=False)

    op.create_table(
        "document_versions",
        sa.Column("document_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("person_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("object_key", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("scan_status", sa.String(length=16), nullable=False),
        sa.Column("scan_signature", sa.String(length=200), nullable=True),
        sa.Column("scanned_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("uploaded_by", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("purged_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "scan_status IN ('pending', 'clean', 'infected', 'not_scanned')",
            name=op.f("ck_document_versions_scan_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_versions_document_id_documents")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_document_versions_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_document_versions_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_versions")),
        sa.UniqueConstraint("document_id", "number", name=op.f("uq_document_versions_document_id_number")),
        sa.UniqueConstraint("object_key", name=op.f("uq_document_versions_object_key")),
    )
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_versions_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_document_versions_person_id"), ["person_id"], unique=False)

    op.create_table(
        "plan_commitments",
        sa.Column("objective_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("person_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "party IN ('person', 'forem', 'cpas', 'partner')", name=op.f("ck_plan_commitments_party_known")
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'done', 'not_done', 'cancelled')",
            name=op.f("ck_plan_commitments_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["plan_objectives.id"],
            name=op.f("fk_plan_commitments_objective_id_plan_objectives"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_plan_commitments_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_plan_commitments_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_commitments")),
    )
    with op.batch_alter_table("plan_commitments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_commitments_objective_id"), ["objective_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_commitments_person_id"), ["person_id"], unique=False)

    op.create_table(
        "progress_entries",
        sa.Column("step_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("person_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("organisation_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("author_user_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attendance_hours", sa.Numeric(precision=6, scale=2, asdecimal=False), nullable=True),
        sa.Column("milestone", sa.String(length=200), nullable=True),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "attendance_hours IS NULL OR attendance_hours >= 0",
            name=op.f("ck_progress_entries_hours_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"], name=op.f("fk_progress_entries_author_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_progress_entries_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_progress_entries_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["step_id"], ["trajectory_steps.id"], name=op.f("fk_progress_entries_step_id_trajectory_steps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_entries")),
    )
    with op.batch_alter_table("progress_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_progress_entries_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_progress_entries_step_id"), ["step_id"], unique=False)

    op.create_table(
        "plan_history",
        sa.Column("person_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("objective_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("commitment_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("author_user_id", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("change", sa.String(length=32), nullable=False),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_user_id"], ["users.id"], name=op.f("fk_plan_history_author_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["plan_commitments.id"],
            name=op.f("fk_plan_history_commitment_id_plan_commitments"),
        ),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["plan_objectives.id"],
            name=op.f("fk_plan_history_objective_id_plan_objectives"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_plan_history_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_history")),
    )
    with op.batch_alter_table("plan_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_history_objective_id"), ["objective_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_history_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_history_person_id"))
        batch_op.drop_index(batch_op.f("ix_plan_history_objective_id"))

    op.drop_table("plan_history")
    with op.batch_alter_table("progress_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_entries_step_id"))
        batch_op.drop_index(batch_op.f("ix_progress_entries_person_id"))

    op.drop_table("progress_entries")
    with op.batch_alter_table("plan_commitments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_commitments_person_id"))
        batch_op.drop_index(batch_op.f("ix_plan_commitments_objective_id"))

    op.drop_table("plan_commitments")
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_versions_person_id"))
        batch_op.drop_index(batch_op.f("ix_document_versions_document_id"))

    op.drop_table("document_versions")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_step_id"))
        batch_op.drop_index("ix_assessments_person_item")

    op.drop_table("assessments")
    with op.batch_alter_table("trajectory_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trajectory_steps_service_id"))
        batch_op.drop_index(batch_op.f("ix_trajectory_steps_person_id"))
        batch_op.drop_index("ix_trajectory_steps_org_status")
        batch_op.drop_index(batch_op.f("ix_trajectory_steps_agreement_id"))

    op.drop_table("trajectory_steps")
    with op.batch_alter_table("profile_sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_sections_person_id"))

    op.drop_table("profile_sections")
    with op.batch_alter_table("plan_objectives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_objectives_person_id"))

    op.drop_table("plan_objectives")
    with op.batch_alter_table("file_events", schema=None) as batch_op:
        batch_op.drop_index("ix_file_events_person_at")

    op.drop_table("file_events")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_person_id"))

    op.drop_table("documents")
