"""A person's previous referent found by index (the bulk assignment's continuity, per waiting person)."""

from alembic import op

revision = "0021_list_scale"
down_revision = "0020_visa_pages"


def upgrade() -> None:
    op.create_index("ix_referent_links_person_ended", "referent_links", ["person_id", "ended_at"])


def downgrade() -> None:
    op.drop_index("ix_referent_links_person_ended", table_name="referent_links")
