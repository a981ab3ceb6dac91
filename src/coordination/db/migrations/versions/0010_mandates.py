"""mandates: Forem registration and the CPAS paying the RIS become dated, attributed assertions
(``mandates``) instead of editable columns of ``persons``; the journal keeps organisation names as they
were (``access_journal.organisation_name``) and says which fields its hash covers (``format_version``)

Existing values are moved into ``mandates`` rows with ``source = 'migration'`` (nobody asserted them in
the new sense: the person sees that they came from before). Journal rows are NOT rehashed: they keep
format version 1; their ``organisation_name`` is the name on the day of the migration, outside their hash.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from uuid_utils.compat import uuid7

import coordination.db.types

revision = "0010_mandates"
down_revision = "0009_visa_person"

GUID = coordination.db.types.GUID(length=16)
WHEN = coordination.db.types.DateTimeUTC(timezone=True)
KIND = sa.Enum("forem_registration", "ris", name="mandatekind", native_enum=False, length=32)
MIGRATION_GROUND = "Situation reprise de l'ancien dossier (avant l'enregistrement des mandats)"


def _create_mandates() -> None:
    op.create_table(
        "mandates",
        sa.Column("person_id", GUID, nullable=False),
        sa.Column("kind", KIND, nullable=False),
        sa.Column("organisation_id", GUID, nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ground", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("asserted_by_user_id", GUID, nullable=True),
        sa.Column("asserted_by_name", sa.String(length=200), nullable=False),
        sa.Column("asserted_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("ended_by_user_id", GUID, nullable=True),
        sa.Column("ended_by_name", sa.String(length=200), nullable=True),
        sa.Column("end_ground", sa.String(length=300), nullable=True),
        sa.Column("id", GUID, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["asserted_by_user_id"], ["users.id"], name=op.f("fk_mandates_asserted_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_user_id"], ["users.id"], name=op.f("fk_mandates_ended_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_mandates_organisation_id_organisations")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name=op.f("fk_mandates_person_id_persons")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandates")),
    )
    with op.batch_alter_table("mandates", schema=None) as batch_op:
        batch_op.create_index(
            "uq_mandates_current",
            ["person_id", "kind"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.create_index("ix_mandates_person_kind_org", ["person_id", "kind", "organisation_id"])


def _move_person_columns_to_mandates() -> None:
    bind = op.get_bind()
    forem = bind.execute(
        sa.text("SELECT id FROM organisations WHERE kind = 'forem' ORDER BY created_at, id LIMIT 1")
    ).scalar()
    rows = bind.execute(
        sa.text("SELECT id, forem_registered, forem_registered_on, ris_cpas_id, created_at FROM persons")
    ).all()
    table = sa.table(
        "mandates",
        *(
            sa.column(name)
            for name in (
                "id",
                "person_id",
                "kind",
                "organisation_id",
                "started_on",
                "ground",
                "source",
                "asserted_by_name",
                "asserted_at",
                "created_at",
                "updated_at",
            )
        ),
    )
    now = datetime.now(UTC)
    values = []
    for person_id, registered, registered_on, cpas_id, created_at in rows:
        since = registered_on or (
            created_at.date() if isinstance(created_at, datetime) else datetime.now(UTC).date()
        )
        common = {
            "person_id": person_id,
            "ground": MIGRATION_GROUND,
            "source": "migration",
            "asserted_by_name": "Reprise des données",
            "asserted_at": now,
            "created_at": now,
            "updated_at": now,
        }
        if registered and forem is not None:
            values.append(
                {
                    **common,
                    "id": uuid7(),
                    "kind": "forem_registration",
                    "organisation_id": forem,
                    "started_on": since,
                }
            )
        if cpas_id is not None:
            values.append(
                {**common, "id": uuid7(), "kind": "ris", "organisation_id": cpas_id, "started_on": since}
            )
    if values:
        op.bulk_insert(table, values)


def upgrade() -> None:
    _create_mandates()
    _move_person_columns_to_mandates()
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_persons_ris_cpas_id"))
        batch_op.drop_constraint(op.f("fk_persons_ris_cpas_id_organisations"), type_="foreignkey")
        batch_op.drop_column("ris_cpas_id")
        batch_op.drop_column("forem_registered_on")
        batch_op.drop_column("forem_registered")
    with op.batch_alter_table("access_journal", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_name", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("format_version", sa.SmallInteger(), server_default="1", nullable=False)
        )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index("ix_referrals_consent", ["consent_id"], unique=False)
    op.execute(
        "UPDATE access_journal SET organisation_name = "
        "(SELECT name FROM organisations WHERE organisations.id = access_journal.organisation_id) "
        "WHERE organisation_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_consent")
    with op.batch_alter_table("access_journal", schema=None) as batch_op:
        batch_op.drop_column("format_version")
        batch_op.drop_column("organisation_name")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("forem_registered", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("forem_registered_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ris_cpas_id", GUID, nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_persons_ris_cpas_id_organisations"), "organisations", ["ris_cpas_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_persons_ris_cpas_id"), ["ris_cpas_id"], unique=False)
    op.execute(
        "UPDATE persons SET forem_registered = EXISTS (SELECT 1 FROM mandates m WHERE m.person_id = persons.id "
        "AND m.kind = 'forem_registration' AND m.ended_at IS NULL)"
    )
    op.execute(
        "UPDATE persons SET ris_cpas_id = (SELECT m.organisation_id FROM mandates m WHERE m.person_id = "
        "persons.id AND m.kind = 'ris' AND m.ended_at IS NULL)"
    )
    op.drop_table("mandates")
