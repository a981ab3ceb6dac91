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

On PostgreSQL, the access journal becomes a table partitioned by HASH of ``person_id`` (16 partitions,
in the schema ``access_journal_partitions`` so that the application's schema stays the models' one): see
``docs/decisions/journal-partitioning.md``. An existing database is migrated in place: the rows are moved
into the new partitioned table, which takes the old one's name, constraints and index; the unique
``(person_id, seq)`` stays (it contains the partition key), the primary key becomes ``(id, person_id)``
(a partitioned table's keys must contain it). SQLite: unchanged.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_scale_indexes"
down_revision = "0014_org_proposals"

CURRENT = sa.text("ended_at IS NULL")
PARTITIONS = 16
PARTITION_SCHEMA = "access_journal_partitions"


def _trigram_indexes() -> None:
    """The name search (``first_name|last_name ILIKE '%word%'``): on PostgreSQL through trigram GIN
    indexes (``pg_trgm``, a trusted extension: the database owner may create it), 1.0 s -> 4 ms at
    200,000 files for a Forem worker, who may read nearly everyone. SQLite gets plain indexes of the same
    names (the models declare one index for both engines; the demo's size needs no trigram)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in ("last_name", "first_name"):
            op.execute(f"CREATE INDEX ix_persons_{column}_trgm ON persons USING gin ({column} gin_trgm_ops)")
    else:
        for column in ("last_name", "first_name"):
            op.create_index(f"ix_persons_{column}_trgm", "persons", [column])


def _partition_journal() -> None:
    """PostgreSQL: move ``access_journal`` into a table partitioned by hash of ``person_id``. The table is
    locked for the move (a deployment step: appends wait, nothing is lost); the keys and the index are
    built after the rows are in, once per partition, which is much faster than row by row."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("LOCK TABLE access_journal IN ACCESS EXCLUSIVE MODE")
    op.execute("ALTER TABLE access_journal RENAME TO access_journal_unpartitioned")
    op.execute("ALTER TABLE access_journal_unpartitioned RENAME CONSTRAINT pk_access_journal TO pk_ajo")
    op.execute(
        "ALTER TABLE access_journal_unpartitioned RENAME CONSTRAINT uq_access_journal_person_seq TO uq_ajo"
    )
    op.execute("ALTER INDEX ix_access_journal_at RENAME TO ix_ajo_at")
    op.execute(
        "CREATE TABLE access_journal (LIKE access_journal_unpartitioned INCLUDING DEFAULTS) "
        "PARTITION BY HASH (person_id)"
    )
    op.execute(f"CREATE SCHEMA IF NOT EXISTS {PARTITION_SCHEMA}")
    for remainder in range(PARTITIONS):
        op.execute(
            f"CREATE TABLE {PARTITION_SCHEMA}.access_journal_p{remainder:02d} PARTITION OF access_journal "
            f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {remainder})"
        )
    op.execute("INSERT INTO access_journal SELECT * FROM access_journal_unpartitioned")
    op.execute("DROP TABLE access_journal_unpartitioned")
    op.execute("ALTER TABLE access_journal ADD CONSTRAINT pk_access_journal PRIMARY KEY (id, person_id)")
    op.execute(
        "ALTER TABLE access_journal ADD CONSTRAINT uq_access_journal_person_seq UNIQUE (person_id, seq)"
    )
    op.execute("CREATE INDEX ix_access_journal_at ON access_journal (at)")
    op.execute("ANALYZE access_journal")


def _unpartition_journal() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("LOCK TABLE access_journal IN ACCESS EXCLUSIVE MODE")
    op.execute("CREATE TABLE access_journal_plain (LIKE access_journal INCLUDING DEFAULTS)")
    op.execute("INSERT INTO access_journal_plain SELECT * FROM access_journal")
    op.execute("DROP TABLE access_journal")  # and its partitions
    op.execute(f"DROP SCHEMA IF EXISTS {PARTITION_SCHEMA}")
    op.execute("ALTER TABLE access_journal_plain RENAME TO access_journal")
    op.execute("ALTER TABLE access_journal ADD CONSTRAINT pk_access_journal PRIMARY KEY (id)")
    op.execute(
        "ALTER TABLE access_journal ADD CONSTRAINT uq_access_journal_person_seq UNIQUE (person_id, seq)"
    )
    op.execute("CREATE INDEX ix_access_journal_at ON access_journal (at)")


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
    _trigram_indexes()
    _partition_journal()


def downgrade() -> None:
    _unpartition_journal()
    op.drop_index("ix_persons_first_name_trgm", table_name="persons")
    op.drop_index("ix_persons_last_name_trgm", table_name="persons")
    op.drop_index("ix_referrals_to_org_status_person", table_name="referrals")
    op.create_index("ix_referrals_to_org_status", "referrals", ["to_organisation_id", "status"])
    op.drop_index("ix_trajectory_steps_org_status_person", table_name="trajectory_steps")
    op.create_index("ix_trajectory_steps_org_status", "trajectory_steps", ["organisation_id", "status"])
    op.drop_index("ix_referent_links_team_active", table_name="referent_links")
    op.drop_index("ix_mandates_current_kind_org", table_name="mandates")
    op.drop_index("ix_consents_recipient_expiry", table_name="consents")
    op.drop_index("ix_persons_name_order", table_name="persons")
