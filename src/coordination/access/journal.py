"""The access journal: append-only, one hash chain per person, verifiable.

Why per person: two requests on two different files never wait for each other; two requests on the same
file are serialised by the person's head row (``access_journal_heads``), locked until commit: on
PostgreSQL by the gate's one statement (``SELECT … FOR UPDATE`` of the head, then the rows and the head
update in the same statement, see ``gate._pg_statement``; the database computes the rows' hashes from
the canonical JSON the gate prepared, :func:`canonical_pieces`), or by :func:`lock_head` (its write takes
SQLite's database write lock; PostgreSQL's row lock, or an advisory lock for a file's first row).

An append of any number of rows (one per section of a full-file read) is one multi-row INSERT and one
head update (on PostgreSQL the gate does both in its single statement).

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
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, Text, bindparam, func, literal_column, select, text, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from coordination.access.models import AccessJournalEntry, JournalHead
from coordination.access.principal import Principal
from coordination.db.base import new_id, utcnow
from coordination.directory.models import Organisation
from coordination.dossier.models import Person

GENESIS_HASH = "0" * 64
HASHED_FIELDS_V1 = (
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
HASHED_FIELDS = (*HASHED_FIELDS_V1, "organisation_name", "format_version")
"""The fields the hash of a NEW row covers (format version 2): version 1 plus the organisation's name as
it was at the time of access (so a later rename changes nothing in past rows and cannot be slipped in),
and the version itself (so a row cannot be passed off as version 1 to drop the name from its hash)."""
FORMAT_VERSION = 2
HASHED_FIELDS_BY_VERSION = {1: HASHED_FIELDS_V1, 2: HASHED_FIELDS}
"""Rows keep the format they were written with: no migration rehashes anything."""

_journal = cast(Table, AccessJournalEntry.__table__)
_heads = cast(Table, JournalHead.__table__)
_persons = cast(Table, Person.__table__)
_organisations = cast(Table, Organisation.__table__)
_ORGANISATION_NAME = select(_organisations.c.name).where(
    _organisations.c.id == bindparam("organisation_id", type_=_organisations.c.id.type)
)


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


def canonical_json(fields: dict[str, Any], version: int = FORMAT_VERSION) -> str:
    """The canonical JSON of the fields hashed in ``version`` (sorted keys, no spaces, UTF-8 kept)."""
    return json.dumps(
        {name: _canonical_value(fields.get(name)) for name in HASHED_FIELDS_BY_VERSION[version]},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def row_hash(fields: dict[str, Any], prev_hash: str, version: int = FORMAT_VERSION) -> str:
    """sha256 of the canonical JSON of the fields of ``version`` followed by ``prev_hash``."""
    return hashlib.sha256(canonical_json(fields, version).encode() + b"|" + prev_hash.encode()).hexdigest()


_NAME_TTL_SECONDS = 30.0
_organisation_names: dict[UUID, tuple[str | None, float]] = {}


def organisation_name_sync(session: Session, organisation_id: UUID | None) -> str | None:
    """The organisation's current name, for a new journal row (it is stored and hashed, so the row keeps
    it whatever the registry says later). Names change rarely and only through the registry
    administrator's verification, so each process keeps them for 30 s rather than reading the
    organisations table on every decision; :func:`forget_organisation_names` clears the cache after a
    verified rename in this process."""
    if organisation_id is None:
        return None
    cached = _organisation_names.get(organisation_id)
    now = time.monotonic()
    if cached is not None and now - cached[1] < _NAME_TTL_SECONDS:
        return cached[0]
    name = execute(session, _ORGANISATION_NAME, {"organisation_id": organisation_id}).scalar()
    _organisation_names[organisation_id] = (name, now)
    return name


def forget_organisation_names() -> None:
    _organisation_names.clear()


_SORTED_FIELDS = tuple(sorted(HASHED_FIELDS))
_KEY_PREFIXES = tuple(
    ("{" if n == 0 else ",") + json.dumps(name) + ":" for n, name in enumerate(_SORTED_FIELDS)
)


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def encode_value(value: Any) -> str:
    """One field's value as it appears in :func:`canonical_json` (one encoder object, not one per call)."""
    if value is None:
        return "null"
    if isinstance(value, UUID):
        return f'"{value}"'  # hex digits and hyphens: nothing to escape
    return _ENCODER.encode(_canonical_value(value))


def canonical_pieces(encoded: dict[str, str], holes: tuple[str, ...]) -> list[str]:
    """:func:`canonical_json` cut at the values of the fields named in ``holes`` (``len(holes) + 1``
    pieces), for the database to fill them in: ``pieces[0] + <hole 0> + pieces[1] + … `` is the canonical
    JSON when each hole gets :func:`encode_value` of its field. ``encoded``: every other field's
    :func:`encode_value`. Built key by key the way ``json.dumps(sort_keys=True, separators=(",", ":"))``
    writes a flat object, so no field's content can be mistaken for a hole."""
    pieces: list[str] = []
    current = ""
    for prefix, name in zip(_KEY_PREFIXES, _SORTED_FIELDS, strict=True):
        current += prefix
        if name in holes:
            pieces.append(current)
            current = ""
        else:
            current += encoded[name]
    pieces.append(current + "}")
    return pieces


def sql_row_hash(canonical, prev_hash):
    """The SQL expression of :func:`row_hash` (PostgreSQL), from the canonical JSON text and the previous
    hash: ``encode(sha256(convert_to(canonical || '|' || prev, 'UTF8')), 'hex')``."""
    text_ = canonical.concat(literal_column("'|'", Text)).concat(prev_hash)
    return func.encode(func.sha256(func.convert_to(text_, literal_column("'UTF8'"))), literal_column("'hex'"))


def is_postgres(session: AsyncSession | Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def execute(session: Session, statement, params: dict[str, Any] | None = None):
    """Run a Core statement on the session's connection (inside :meth:`AsyncSession.run_sync`), after the
    autoflush ``Session.execute`` would do: the gate's statements are plain Core, and skipping the ORM
    execution path and one greenlet switch per statement is a good part of the gate's CPU."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


def lock_head_sync(session: Session, person_id: UUID, count: int = 1) -> tuple[int, str]:
    """Lock the person's chain head until the end of the transaction, reserve ``count`` sequence numbers,
    and return the (seq, hash) of the chain's current last row (the first new row gets ``seq + 1``).

    ``UPDATE … SET seq = seq + count … RETURNING`` on the head row is the lock: a concurrent append on the
    same file waits for our commit, then reads the NEW head (PostgreSQL re-reads the row after the wait;
    SQLite takes its database write lock on the first write, before anything is read, so it never
    upgrades a stale read). The first append of a file has no head row yet: then the PostgreSQL advisory
    lock on the person (``pg_advisory_xact_lock(hashtext(person_id))``) serialises creating it.

    The gate uses this on PostgreSQL only for a file's first journal rows (its own statement locks an
    existing head, see ``gate._pg_statement``).
    """
    touch = (
        update(_heads)
        .where(_heads.c.person_id == person_id)
        .values(seq=_heads.c.seq + count)
        .returning(_heads.c.seq, _heads.c.head_hash)
    )
    head = execute(session, touch).first()
    if head is not None:
        return head.seq - count, head.head_hash
    if is_postgres(session):
        execute(session, text("SELECT pg_advisory_xact_lock(hashtext(:p))"), {"p": str(person_id)})
        head = execute(session, touch).first()
        if head is not None:
            return head.seq - count, head.head_hash
    execute(
        session,
        _heads.insert().values(person_id=person_id, seq=count, head_hash=GENESIS_HASH, updated_at=utcnow()),
    )
    return 0, GENESIS_HASH


async def lock_head(session: AsyncSession, person_id: UUID, count: int = 1) -> tuple[int, str]:
    """:func:`lock_head_sync` from async code."""
    return await session.run_sync(lock_head_sync, person_id, count)


_ENTRY_COLUMNS = ("id", *HASHED_FIELDS, "prev_hash", "row_hash")


@lru_cache(maxsize=64)
def _insert_statement(count: int):
    """``INSERT INTO access_journal (…) SELECT … UNION ALL SELECT …`` for ``count`` rows (bound parameters
    ``<column>_<i>``), built once per count. Not ``.values([…])``: SQLAlchemy never caches the compiled
    form of a multi-VALUES insert, and compiling it cost more than the rest of the decision."""
    rows = [
        select(*(bindparam(f"{name}_{i}", type_=_journal.c[name].type) for name in _ENTRY_COLUMNS))
        for i in range(count)
    ]
    source = rows[0] if count == 1 else union_all(*rows)
    return _journal.insert().from_select(list(_ENTRY_COLUMNS), source)


_HEAD_UPDATE = (
    update(_heads)
    .where(_heads.c.person_id == bindparam("head_person_id", type_=_heads.c.person_id.type))
    .values(
        head_hash=bindparam("head_hash", type_=_heads.c.head_hash.type),
        updated_at=bindparam("head_at", type_=_heads.c.updated_at.type),
    )
)


@lru_cache(maxsize=64)
def _append_statement_pg(count: int):
    """PostgreSQL: the rows and the new head hash in ONE statement (a data-modifying CTE, always run)."""
    return _HEAD_UPDATE.add_cte(_insert_statement(count).cte("appended"))


@dataclass(frozen=True)
class Entry:
    """One decision to journal (the rest of the row comes from the caller and the chain)."""

    action: str
    decision: str
    section: str | None = None
    document_id: UUID | None = None
    basis: str | None = None
    consent_id: UUID | None = None
    reason: str | None = None


def _author_fields(session: Session, principal: Principal, request_id: str, at: datetime) -> dict[str, Any]:
    """The fields every row of one append shares: who accessed, for which organisation, when, and the
    row format (one place, so the single-file and the many-files appends cannot hash different rows)."""
    return {
        "at": at,
        "user_id": principal.user_id,
        "user_name": principal.display_name,
        "organisation_id": principal.organisation_id,
        "organisation_name": organisation_name_sync(session, principal.organisation_id),
        "role": str(principal.role.value),
        "request_id": (request_id or "-")[:64],
        "format_version": FORMAT_VERSION,
    }


def _chained_rows(
    common: dict[str, Any], person_id: UUID, last_seq: int, prev: str, entries: list[Entry]
) -> tuple[list[dict[str, Any]], str]:
    """The rows of ``entries`` chained after the head (``last_seq``, ``prev``), each hashed over the
    previous one, as column → value dicts in :data:`_ENTRY_COLUMNS` order; returns them and the last hash
    (the head's new hash)."""
    rows: list[dict[str, Any]] = []
    for i, entry in enumerate(entries):
        fields = {
            **common,
            "person_id": person_id,
            "seq": last_seq + 1 + i,
            "section": entry.section,
            "document_id": entry.document_id,
            "action": entry.action,
            "decision": entry.decision,
            "basis": entry.basis,
            "consent_id": entry.consent_id,
            "reason": entry.reason,
        }
        digest = row_hash(fields, prev)
        fields.update(id=new_id(), prev_hash=prev, row_hash=digest)
        rows.append({name: fields[name] for name in _ENTRY_COLUMNS})
        prev = digest
    return rows, prev


def append_entries_sync(
    session: Session,
    *,
    person_id: UUID,
    principal: Principal,
    request_id: str,
    entries: list[Entry],
) -> list[UUID]:
    """Append ``entries`` (in order) to the person's chain in the caller's transaction; returns their ids.

    :func:`lock_head` locks the head and reserves ``len(entries)`` sequence numbers; the rows are hashed
    in order and written with ONE multi-row INSERT, and the head's hash moved to the last one (on
    PostgreSQL in the same statement).
    """
    if not entries:
        return []
    count = len(entries)
    last_seq, prev = lock_head_sync(session, person_id, count)
    at = utcnow()
    common = _author_fields(session, principal, request_id, at)
    rows, prev = _chained_rows(common, person_id, last_seq, prev, entries)
    params: dict[str, Any] = {
        f"{name}_{i}": value for i, row in enumerate(rows) for name, value in row.items()
    }
    ids: list[UUID] = [row["id"] for row in rows]
    params.update(head_person_id=person_id, head_hash=prev, head_at=at)
    if is_postgres(session):
        execute(session, _append_statement_pg(count), params)
    else:
        execute(session, _insert_statement(count), params)
        execute(session, _HEAD_UPDATE, params)
    return ids


async def append_entries(
    session: AsyncSession,
    *,
    person_id: UUID,
    principal: Principal,
    request_id: str,
    entries: list[Entry],
) -> list[UUID]:
    """:func:`append_entries_sync` from async code."""
    return await session.run_sync(
        lambda sync_session: append_entries_sync(
            sync_session,
            person_id=person_id,
            principal=principal,
            request_id=request_id,
            entries=entries,
        )
    )


_LOCK_HEADS = (
    select(_heads.c.person_id, _heads.c.seq, _heads.c.head_hash)
    .where(_heads.c.person_id.in_(bindparam("person_ids", expanding=True)))
    .order_by(_heads.c.person_id)
    .with_for_update()
)
_HEAD_MOVE = _HEAD_UPDATE.values(seq=bindparam("head_seq", type_=_heads.c.seq.type))
""":data:`_HEAD_UPDATE` that also moves the sequence: the heads of a many-files append were locked, not
advanced, so each one's new ``seq`` is written with its hash."""


def append_many_sync(
    session: Session,
    *,
    principal: Principal,
    request_id: str,
    batches: list[tuple[UUID, list[Entry]]],
) -> None:
    """Append entries to MANY persons' chains (a list's page: one ``list`` row per file shown) in a
    constant number of statements, whatever the page size: on PostgreSQL the existing heads are locked in
    ONE ``SELECT … ORDER BY person_id FOR UPDATE`` (always in person order, so two lists sharing files
    cannot deadlock; a single-file append locks one head only), the rows of every chain go in one
    multi-row INSERT and the heads move in one batched UPDATE. A file never journaled before has no head:
    its head is created under :func:`lock_head_sync`'s protocol (advisory lock), one by one (rare).
    Elsewhere (SQLite, one writer at a time) the chains are appended one after the other."""
    merged: dict[UUID, list[Entry]] = {}
    for person_id, entries in batches:
        if entries:
            merged.setdefault(person_id, []).extend(entries)
    if not merged:
        return
    if not is_postgres(session):
        for person_id, entries in merged.items():
            append_entries_sync(
                session, person_id=person_id, principal=principal, request_id=request_id, entries=entries
            )
        return
    order = sorted(merged, key=str)  # the order PostgreSQL sorts uuids in (byte order = text order)
    heads = {
        row.person_id: (row.seq, row.head_hash)
        for row in execute(session, _LOCK_HEADS, {"person_ids": order})
    }
    fresh = {p for p in order if p not in heads}
    for person_id in order:
        if person_id in fresh:  # creates the head with seq = count: nothing to move afterwards but the hash
            heads[person_id] = lock_head_sync(session, person_id, len(merged[person_id]))
    at = utcnow()
    common = _author_fields(session, principal, request_id, at)
    rows: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    for person_id in order:
        last_seq, prev = heads[person_id]
        chained, prev = _chained_rows(common, person_id, last_seq, prev, merged[person_id])
        rows.extend(chained)
        moves.append(
            {
                "head_person_id": person_id,
                "head_seq": last_seq + len(merged[person_id]),
                "head_hash": prev,
                "head_at": at,
            }
        )
    execute(session, _journal.insert(), rows)  # executemany: one multi-VALUES INSERT (insertmanyvalues)
    execute(session, _HEAD_MOVE, moves)


async def append_many(
    session: AsyncSession,
    *,
    principal: Principal,
    request_id: str,
    batches: list[tuple[UUID, list[Entry]]],
) -> None:
    """:func:`append_many_sync` from async code."""
    await session.run_sync(
        lambda sync_session: append_many_sync(
            sync_session, principal=principal, request_id=request_id, batches=batches
        )
    )


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
    known = set(HASHED_FIELDS_BY_VERSION)
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
        version = fields["format_version"]
        recomputed = row_hash(dict(fields), fields["prev_hash"], version) if version in known else None
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
