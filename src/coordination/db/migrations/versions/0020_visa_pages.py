"""visa: the stored certificate of a decided visa (rendered once, served on every download) and the index of
the organisation's waiting requests (the CPAS worker's list of visas to decide)
"""

import sqlalchemy as sa
from alembic import op

import coordination.db.types

revision = "0020_visa_pages"
down_revision = "0019_people_pages"

GUID = coordination.db.types.GUID(length=16)


def upgrade() -> None:
    with op.batch_alter_table("visa_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certificate_document_id", GUID, nullable=True))
    op.create_index(
        "ix_visa_requests_organisation_id_status_created_at",
        "visa_requests",
        ["organisation_id", "status", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_visa_requests_organisation_id_status_created_at", table_name="visa_requests")
    with op.batch_alter_table("visa_requests", schema=None) as batch_op:
        batch_op.drop_column("certificate_document_id")
