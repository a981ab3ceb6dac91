"""The access journal: append-only, one hash chain per person, verifiable.

Why per person: two requests on two different files never wait for each other; two requests on the same
file are serialised only for the few statements of the append (PostgreSQL: ``pg_advisory_xact_lock`` on
the person, released at commit; SQLite: the database write lock, taken FIRST by a no-op write so a
transaction never reads a stale head and then fails to upgrade).

Each row: ``seq`` = 1, 2, … per person, ``prev_hash`` = the previous row's ``row_hash`` (64 zeros for the
first), ``row_hash = sha256(canonical JSON of the fields + prev_hash)``. ``access_journal_heads`` holds
each person's last ``seq`` and hash.

What :func:`verify_chain` detects (``coordination journal verify``):

* a changed row (its hash no longer matches its fields);
* a removed row in the middle (``seq`` gap and broken ``prev_hash``);
* an inserted row (it must take a ``seq``: duplicates are refused by a unique constraint, so the rows
  after it are renumbered and their hashes break);
* a removed LAST row, or a whole removed chain (the head no longer matches);
* rows without a head, a head without rows.

What it cannot detect alone: someone with write access to the database who rewrites a person's whole
chain AND its head consistently. Against that, :class:`JournalReport.digest` (a hash of every head) is
printed by the verify command: record it outside the database (e.g. in the operations log) and a later
digest that differs for unchanged history reveals the rewrite.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from coordination.access.models import AccessJournalEntry, JournalHead
from coordination.access.principal import Principal
from coordination.db.base import new_id, utcnow

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "person_id",
    "seq",
    "at",
    "user_id",
    "user_name",
    "organisation_id",
    "role",
    "section",
    "document_id",
    "action",
    "decision",
    "basis",
    "consent_id",
    "request_id",
    "reason",
)

_journal = AccessJournalEntry.__table__
_heads = JournalHead.__table__


def _canonical_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def row_hash(fields: dict[str, Any], prev_hash: str) -> str:
    """sha256 of the canonical JSON of :data:`HASHED_FIELDS` followed by ``prev_hash``."""
    canonical = json.dumps(
        {name: _canonical_value(fields.get(name)) for name in HASHED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode() + b"|" + prev_hash.encode()).hexdigest()


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def lock_head(session: AsyncSession, person_id: UUID) -> tuple[int, str]:
    """Lock the person's chain head until the end of the transaction and return its (seq, hash).

    ``UPDATE … RETURNING`` on the head row is the lock: a concurrent append on the same file waits for
    our commit, then reads the NEW head (PostgreSQL re-reads the row after the wait; SQLite takes its
    database write lock on the first write, before anything is read, so it never upgrades a stale read).
    The first append of a file has no head row yet: then the PostgreSQL advisory lock on the person
    (``pg_advisory_xact_lock(hashtext(person_id))``) serialises creating it. One round trip in the
    common case instead of two (lock, then read).
    """
    touch = (
        update(_heads)
        .where(_heads.c.person_id == person_id)
        .values(seq=_heads.c.seq)
        .returning(_heads.c.seq, _heads.c.head_hash)
    )
    head = (await session.execute(touch)).first()
    if head is not None:
        return head.seq, head.head_hash
    if _is_postgres(session):
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:p))"), {"p": str(person_id)})
        head = (await session.execute(touch)).first()
        if head is not None:
            return head.seq, head.head_hash
    await session.execute(
        _heads.insert().values(person_id=person_id, seq=0, head_hash=GENESIS_HASH, updated_at=utcnow())
    )
    return 0, GENESIS_HASH


async def append(
    session: AsyncSession,
    *,
    person_id: UUID,
    principal: Principal,
    action: str,
    decision: str,
    request_id: str,
    section: str | None = None,
    document_id: UUID | None = None,
    basis: str | None = None,
    consent_id: UUID | None = None,
    reason: str | None = None,
) -> UUID:
    """Append one entry to the person's chain in the caller's transaction; returns the entry id."""
    last_seq, prev = await lock_head(session, person_id)
    seq = last_seq + 1
    at = utcnow()
    fields: dict[str, Any] = {
        "person_id": person_id,
        "seq": seq,
        "at": at,
        "user_id": principal.user_id,
        "user_name": principal.display_name,
        "organisation_id": principal.organisation_id,
        "role": str(principal.role.value),
        "section": section,
        "document_id": document_id,
        "action": action,
        "decision": decision,
        "basis": basis,
        "consent_id": consent_id,
        "request_id": (request_id or "-")[:64],
        "reason": reason,
    }
    digest = row_hash(fields, prev)
    entry_id = new_id()
    insert_row = _journal.insert().values(id=entry_id, prev_hash=prev, row_hash=digest, **fields)
    move_head = (
        update(_heads).where(_heads.c.person_id == person_id).values(seq=seq, head_hash=digest, updated_at=at)
    )
    if _is_postgres(session):
        # One round trip: the row and the new head in one statement (a data-modifying CTE).
        cte = insert_row.returning(_journal.c.id).cte("appended")
        await session.execute(move_head.add_cte(cte))  # PostgreSQL runs a data-modifying CTE always
    else:
        await session.execute(insert_row)
        await session.execute(move_head)
    return entry_id


@dataclass
class JournalReport:
    rows: int = 0
    persons: int = 0
    problems: list[str] = field(default_factory=list)
    digest: str = ""
    """sha256 over every (person, seq, head hash): record it outside the database as an anchor."""

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify_chain(session: AsyncSession, *, max_problems: int = 1000) -> JournalReport:
    """Walk every chain (streamed, person by person) and compare with the heads."""
    report = JournalReport()
    heads = {row.person_id: (row.seq, row.head_hash) for row in await session.execute(select(_heads))}
    seen: dict[UUID, tuple[int, str]] = {}

    def problem(message: str) -> None:
        if len(report.problems) < max_problems:
            report.problems.append(message)

    columns = [_journal.c[name] for name in HASHED_FIELDS] + [_journal.c.prev_hash, _journal.c.row_hash]
    stream = await session.stream(
        select(*columns).order_by(_journal.c.person_id, _journal.c.seq).execution_options(yield_per=5000)
    )
    current: UUID | None = None
    expected_seq, expected_prev = 1, GENESIS_HASH
    async for row in stream:
        report.rows += 1
        fields = row._mapping
        person = fields["person_id"]
        if person != current:
            current = person
            report.persons += 1
            expected_seq, expected_prev = 1, GENESIS_HASH
        seq = fields["seq"]
        if seq != expected_seq:
            problem(f"dossier {person} : numéro {seq} au lieu de {expected_seq} (ligne supprimée ou insérée)")
        if fields["prev_hash"] != expected_prev:
            problem(f"dossier {person} : ligne {seq} ne suit pas la précédente (chaîne rompue)")
        recomputed = row_hash(dict(fields), fields["prev_hash"])
        if recomputed != fields["row_hash"]:
            problem(f"dossier {person} : ligne {seq} modifiée (empreinte différente)")
        expected_seq, expected_prev = seq + 1, fields["row_hash"]
        seen[person] = (seq, fields["row_hash"])

    for person, last in seen.items():
        head = heads.get(person)
        if head is None:
            problem(f"dossier {person} : chaîne sans tête (table des têtes altérée)")
        elif head != last:
            problem(
                f"dossier {person} : la tête indique la ligne {head[0]}, la chaîne s'arrête à {last[0]} "
                "(dernière ligne supprimée ou tête altérée)"
            )
    for person in heads.keys() - seen.keys():
        problem(f"dossier {person} : tête sans aucune ligne (chaîne supprimée)")

    anchor = hashlib.sha256()
    for person in sorted(heads, key=str):
        anchor.update(f"{person}:{heads[person][0]}:{heads[person][1]};".encode())
    report.digest = anchor.hexdigest()
    return report


async def count_entries(session: AsyncSession, person_id: UUID | None = None) -> int:
    query = select(func.count()).select_from(_journal)
    if person_id is not None:
        query = query.where(_journal.c.person_id == person_id)
    return int(await session.scalar(query) or 0)


def journal_verify_cli(settings) -> int:
    """``coordination journal verify``: prints what is wrong (French) and the anchor digest; 0 if intact."""
    import asyncio

    from coordination.db.engine import Database

    async def run() -> JournalReport:
        db = Database(settings.effective_database_url)
        try:
            async with db.sessionmaker() as session:
                return await verify_chain(session)
        finally:
            await db.dispose()

    report = asyncio.run(run())
    for message in report.problems:
        print(f"✗ {message}")
    verdict = "intact" if report.ok else f"{len(report.problems)} anomalie(s)"
    print(f"Journal des accès : {report.rows} lignes, {report.persons} dossiers — {verdict}.")
    print(f"Empreinte des têtes (à consigner hors de la base) : {report.digest}")
    return 0 if report.ok else 1
