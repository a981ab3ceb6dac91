"""scale: the indexes the gate's query filter, the keyset order of lists and the worklists use at a
million files (each one checked with EXPLAIN at 100,000+ rows, see ``bench/scale``)

* ``persons (last_name, first_name, id)``: the keyset order of every person list; a list whose readable
  set is large (a Forem worker: every registered person) walks this index and stops after the page,
  instead of sorting every readable file.
* ``consents (recipient_organisation_id, expires_at) INCLUDE (person_id)`` (PostgreSQL; a plain index on
  SQLite): a partner's readable set is the consents in force naming her organisation; the existing
  ``ix_consents_lookup`` starts with ``person_id`` and serves the single-file gate only.
* ``mandates (kind, organisation_id, person_id) WHERE ended_at IS NULL``: the current mandate facts of a
  kind (Forem registration) or of one CPAS (RIS), read index-only.
* ``referent_links (organisation_id, team) WHERE ended_at IS NULL``: a team's shared portfolio (a
  referent's own links are served by ``ix_referent_links_user_active``).
* ``trajectory_steps (organisation_id, status, person_id)`` and ``referrals (to_organisation_id,
  status, person_id)``: the partner's worklist ("in her hands"), index-only; they replace the
  two-column indexes they extend (same prefix, so every query of those uses them as before).

Revision ID: 0016_scale_indexes
Revises: 0010_mandates
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_scale_indexes"
down_revision = "0010_mandates"
branch_labels = None
depends_on = None

CURRENT = sa.text("ended_at IS NULL")


def upgrade() -> None:
    op.create_index("ix_persons_name_order", "persons", ["last_name", "first_name", "id"])
    op.create_index(
        "ix_consents_recipient_expiry",
        "consents",
        ["recipient_organisation_id", "expires_at"],
        postgresql_include=["person_id"],
    )
    op.create_index(
        "ix_mandates_current_kind_org",
        "mandates",
        ["kind", "organisation_id", "person_id"],
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    )
    op.create_index(
        "ix_referent_links_team_active",
        "referent_links",
        ["organisation_id", "team"],
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    )
    op.drop_index("ix_trajectory_steps_org_status", table_name="trajectory_steps")
    op.create_index(
        "ix_trajectory_steps_org_status_person",
        "trajectory_steps",
        ["organisation_id", "status", "person_id"],
    )
    op.drop_index("ix_referrals_to_org_status", table_name="referrals")
    op.create_index(
        "ix_referrals_to_org_status_person", "referrals", ["to_organisation_id", "status", "person_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_referrals_to_org_status_person", table_name="referrals")
    op.create_index("ix_referrals_to_org_status", "referrals", ["to_organisation_id", "status"])
    op.drop_index("ix_trajectory_steps_org_status_person", table_name="trajectory_steps")
    op.create_index("ix_trajectory_steps_org_status", "trajectory_steps", ["organisation_id", "status"])
    op.drop_index("ix_referent_links_team_active", table_name="referent_links")
    op.drop_index("ix_mandates_current_kind_org", table_name="mandates")
    op.drop_index("ix_consents_recipient_expiry", table_name="consents")
    op.drop_index("ix_persons_name_order", table_name="persons")
