"""referent: advisers, orientations, and the referent links' orientation snapshot, deadlines and contacts

SQLite alters a table by copying it (``batch_alter_table``); the partial unique index that keeps ONE active
referent per person is dropped before the copy and created again after, on both databases, so it can never
be lost on the way.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import coordination.db.types

revision = "0004_referent"
down_revision = "0003_dossier"

GUID = coordination.db.types.GUID(length=16)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
KINDS = "kind IN ('forem_adviser', 'eadviser_team', 'cpas_social_worker')"
TRACKS = "('digital', 'e_adviser', 'sectoral', 'socio_professional')"
OVERRIDE = (
    "chosen_track IS NULL OR computed_track IS NULL OR chosen_track = computed_track "
    "OR (override_reason IS NOT NULL AND length(override_reason) > 0)"
)


def _dt():
    return coordination.db.types.DateTimeUTC(timezone=True)


def _entity_columns() -> list[sa.Column]:
    return [
        sa.Column("id", GUID, nullable=False),
        sa.Column("created_at", _dt(), nullable=False),
        sa.Column("updated_at", _dt(), nullable=False),
    ]


def _one_active_index() -> None:
    op.create_index(
        "uq_referent_links_one_active",
        "referent_links",
        ["person_id"],
        unique=True,
        sqlite_where=sa.text("ended_at IS NULL"),
        postgresql_where=sa.text("ended_at IS NULL"),
    )


def upgrade() -> None:
    op.create_table(
        "advisers",
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("user_id", GUID, nullable=True),
        sa.Column("team", sa.String(length=80), nullable=True),
        sa.Column("organisation_id", GUID, nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("cluster", sa.String(length=80), nullable=True),
        sa.Column("bassins", JSON, nullable=False),
        sa.Column("languages", JSON, nullable=False),
        sa.Column("tracks", JSON, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_entity_columns(),
        sa.CheckConstraint(
            "(user_id IS NOT NULL) <> (team IS NOT NULL)", name=op.f("ck_advisers_user_or_team")
        ),
        sa.CheckConstraint(KINDS, name=op.f("ck_advisers_kind_known")),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_advisers_capacity_positive")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_advisers_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_advisers_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisers")),
        sa.UniqueConstraint("organisation_id", "team", name="uq_advisers_organisation_team"),
        sa.UniqueConstraint("user_id", name=op.f("uq_advisers_user_id")),
    )
    op.create_table(
        "orientations",
        sa.Column("person_id", GUID, nullable=False),
        sa.Column("proximity_score", sa.SmallInteger(), nullable=False),
        sa.Column("digital_autonomy", sa.Boolean(), nullable=False),
        sa.Column("computed_track", sa.String(length=24), nullable=False),
        sa.Column("chosen_track", sa.String(length=24), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("cluster", sa.String(length=80), nullable=True),
        sa.Column("young", sa.Boolean(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("first_contact_due", sa.Date(), nullable=True),
        sa.Column("digital_move_due", sa.Date(), nullable=True),
        sa.Column("matrix_version", sa.String(length=80), nullable=False),
        sa.Column("rules_version", sa.String(length=80), nullable=False),
        sa.Column("decided_by_user_id", GUID, nullable=True),
        *_entity_columns(),
        sa.CheckConstraint("proximity_score BETWEEN 0 AND 9", name=op.f("ck_orientations_score_range")),
        sa.CheckConstraint(f"computed_track IN {TRACKS}", name=op.f("ck_orientations_computed_known")),
        sa.CheckConstraint(f"chosen_track IN {TRACKS}", name=op.f("ck_orientations_chosen_known")),
        sa.CheckConstraint(OVERRIDE, name=op.f("ck_orientations_override_has_reason")),
        sa.ForeignKeyConstraint(
            ["decided_by_user_id"], ["users.id"], name=op.f("fk_orientations_decided_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_orientations_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orientations")),
    )
    op.create_index("ix_orientations_person_created", "orientations", ["person_id", "created_at"])

    op.drop_index("uq_referent_links_one_active", table_name="referent_links")
    with op.batch_alter_table("referent_links", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=24), nullable=False, server_default="forem_adviser")
        )
        batch_op.add_column(sa.Column("adviser_id", GUID, nullable=True))
        batch_op.add_column(sa.Column("started_by_user_id", GUID, nullable=True))
        batch_op.add_column(sa.Column("ended_by_user_id", GUID, nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("computed_track", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("chosen_track", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("override_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("first_contact_due", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("last_contact_at", _dt(), nullable=True))
        batch_op.create_check_constraint("kind_known", KINDS)
        batch_op.create_check_constraint("override_has_reason", OVERRIDE)
        batch_op.create_foreign_key(
            batch_op.f("fk_referent_links_adviser_id_advisers"), "advisers", ["adviser_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_referent_links_started_by_user_id_users"), "users", ["started_by_user_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_referent_links_ended_by_user_id_users"), "users", ["ended_by_user_id"], ["id"]
        )
        batch_op.create_index("ix_referent_links_adviser_active", ["adviser_id", "ended_at"], unique=False)
    _one_active_index()


def downgrade() -> None:
    op.drop_index("uq_referent_links_one_active", table_name="referent_links")
    with op.batch_alter_table("referent_links", schema=None) as batch_op:
        batch_op.drop_index("ix_referent_links_adviser_active")
        batch_op.drop_constraint(batch_op.f("fk_referent_links_ended_by_user_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_referent_links_started_by_user_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_referent_links_adviser_id_advisers"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("ck_referent_links_override_has_reason"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_referent_links_kind_known"), type_="check")
        for column in (
            "last_contact_at",
            "first_contact_due",
            "override_reason",
            "chosen_track",
            "computed_track",
            "end_reason",
            "ended_by_user_id",
            "started_by_user_id",
            "adviser_id",
            "kind",
        ):
            batch_op.drop_column(column)
    _one_active_index()
    op.drop_index("ix_orientations_person_created", table_name="orientations")
    op.drop_table("orientations")
    op.drop_table("advisers")
