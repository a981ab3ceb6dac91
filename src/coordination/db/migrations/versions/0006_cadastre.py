"""cadastre: partner profiles, services, agreements"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import coordination.db.types

revision = "0006_cadastre"
down_revision = "0005_visa"


def upgrade() -> None:
    op.create_table(
        "cadastre_agreements",
        sa.Column("reference", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("funder_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("funding_cents", sa.BigInteger(), nullable=True),
        sa.Column("target_entrants", sa.Integer(), nullable=True),
        sa.Column("target_positive_exits", sa.Integer(), nullable=True),
        sa.Column(
            "territory",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "publics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_reason", sa.String(length=16), nullable=True),
        sa.Column("assured_date", sa.Date(), nullable=True),
        sa.Column("assured_by", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "closed_reason IS NULL OR closed_reason IN ('expired', 'terminated')",
            name=op.f("ck_cadastre_agreements_reason_known"),
        ),
        sa.CheckConstraint(
            "kind IN ('public_contract', 'call_for_projects', 'partnership', 'call_for_expressions_of_interest')",
            name=op.f("ck_cadastre_agreements_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'closed')", name=op.f("ck_cadastre_agreements_status_known")
        ),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_cadastre_agreements_dates_order")),
        sa.CheckConstraint(
            "funding_cents IS NULL OR funding_cents >= 0",
            name=op.f("ck_cadastre_agreements_funding_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["funder_id"], ["organisations.id"], name=op.f("fk_cadastre_agreements_funder_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cadastre_agreements_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadastre_agreements")),
        sa.UniqueConstraint("reference", name=op.f("uq_cadastre_agreements_reference")),
    )
    with op.batch_alter_table("cadastre_agreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cadastre_agreements_end_date"), ["end_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_cadastre_agreements_funder_id"), ["funder_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_cadastre_agreements_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "cadastre_partners",
        sa.Column("organisation_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("partner_kind", sa.String(length=32), nullable=False),
        sa.Column("alternate_name", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("legal_status", sa.String(length=80), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("assured_date", sa.Date(), nullable=True),
        sa.Column("assured_by", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "partner_kind IN ('cisp', 'mire', 'ale', 'eta', 'mentoring_association', 'cpas', 'employer', 'other')",
            name=op.f("ck_cadastre_partners_partner_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'inactive')", name=op.f("ck_cadastre_partners_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cadastre_partners_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadastre_partners")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_cadastre_partners_organisation_id")),
    )
    op.create_table(
        "cadastre_services",
        sa.Column("organisation_id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("alternate_name", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=300), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column(
            "publics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "service_areas",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("capacity_unit", sa.String(length=40), nullable=False),
        sa.Column("eligibility_description", sa.Text(), nullable=True),
        sa.Column("application_process", sa.Text(), nullable=True),
        sa.Column("minimum_age", sa.Integer(), nullable=True),
        sa.Column("maximum_age", sa.Integer(), nullable=True),
        sa.Column(
            "languages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("assured_date", sa.Date(), nullable=True),
        sa.Column("assured_by", coordination.db.types.GUID(length=16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", coordination.db.types.GUID(length=16), nullable=False),
        sa.Column("created_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", coordination.db.types.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'inactive', 'defunct', 'temporarily closed')",
            name=op.f("ck_cadastre_services_status_known"),
        ),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity >= 0", name=op.f("ck_cadastre_services_capacity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cadastre_services_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cadastre_services")),
        sa.UniqueConstraint(
            "organisation_id", "name", name=op.f("uq_cadastre_services_organisation_id_name")
        ),
    )
    with op.batch_alter_table("cadastre_services", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cadastre_services_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("cadastre_services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cadastre_services_organisation_id"))
    op.drop_table("cadastre_services")
    op.drop_table("cadastre_partners")
    with op.batch_alter_table("cadastre_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cadastre_agreements_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_cadastre_agreements_funder_id"))
        batch_op.drop_index(batch_op.f("ix_cadastre_agreements_end_date"))
    op.drop_table("cadastre_agreements")
