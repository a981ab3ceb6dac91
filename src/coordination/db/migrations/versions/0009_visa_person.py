"""visa: ``visa_requests.person_id`` references ``persons.id`` (a visa belongs to an existing file)"""

from alembic import op

revision = "0009_visa_person"
down_revision = "0008_consent_end"

FK = "fk_visa_requests_person_id_persons"


def upgrade() -> None:
    with op.batch_alter_table("visa_requests", schema=None) as batch_op:
        batch_op.create_foreign_key(op.f(FK), "persons", ["person_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("visa_requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f(FK), type_="foreignkey")
