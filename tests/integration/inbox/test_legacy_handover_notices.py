"""The migration that adds ``notifications.about_person_id`` also repairs the handover items written before it:
they name the person (so they gain ``about_person_id``), and the former referent's copy loses the handover
note it held (issue 15, point 7). Run on a SQLite file migrated step by step (the migration is plain Core)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import sqlalchemy as sa

import coordination.db.types
from coordination.db.migrate import upgrade

_GUID = coordination.db.types.GUID(length=16)
_WHEN = coordination.db.types.DateTimeUTC(timezone=True)
SECRET = "Confidentiel : suivi psychiatrique."


def _tables():
    meta = sa.MetaData()

    def table(name, *columns):
        common = (sa.Column("id", _GUID), sa.Column("created_at", _WHEN), sa.Column("updated_at", _WHEN))
        return sa.Table(name, meta, *common, *columns)

    return {
        "organisations": table("organisations", sa.Column("name", sa.String), sa.Column("kind", sa.String)),
        "users": table(
            "users",
            sa.Column("subject", sa.String),
            sa.Column("display_name", sa.String),
            sa.Column("role", sa.String),
            sa.Column("organisation_id", _GUID),
            sa.Column("team", sa.String),
        ),
        "persons": table(
            "persons",
            sa.Column("niss_hash", sa.String),
            sa.Column("niss", sa.String),
            sa.Column("first_name", sa.String),
            sa.Column("last_name", sa.String),
            sa.Column("language", sa.String),
            sa.Column("inami_return_to_work", sa.Boolean),
            sa.Column("version", sa.Integer),
        ),
        "referent_links": table(
            "referent_links",
            sa.Column("person_id", _GUID),
            sa.Column("referent_user_id", _GUID),
            sa.Column("organisation_id", _GUID),
            sa.Column("started_at", _WHEN),
            sa.Column("reason", sa.String),
            sa.Column("kind", sa.String),
        ),
        "referrals": table(
            "referrals",
            sa.Column("person_id", _GUID),
            sa.Column("from_user_id", _GUID),
            sa.Column("from_organisation_id", _GUID),
            sa.Column("service_id", _GUID),
            sa.Column("to_organisation_id", _GUID),
            sa.Column("reason_category", sa.String),
            sa.Column("reason", sa.Text),
            sa.Column("requested_sections", sa.JSON),
            sa.Column("person_first_name", sa.String),
            sa.Column("consent_state", sa.String),
            sa.Column("consent_expires_at", _WHEN),
            sa.Column("status", sa.String),
            sa.Column("sent_at", _WHEN),
            sa.Column("deadline", sa.Date),
            sa.Column("reminders_sent", sa.JSON),
            sa.Column("rules_version", sa.String),
            sa.Column("version", sa.Integer),
        ),
        "notifications": table(
            "notifications",
            sa.Column("recipient_user_id", _GUID),
            sa.Column("kind", sa.String),
            sa.Column("title_fr", sa.String),
            sa.Column("body_fr", sa.Text),
            sa.Column("subject_id", _GUID),
        ),
    }


def test_old_handover_items_gain_their_person_and_the_former_s_copy_loses_the_note(tmp_path: Path) -> None:
    path = tmp_path / "legacy.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}", "0014_org_proposals-1")
    t = _tables()
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    keys = ("org", "cisp", "anna", "nadia", "paul", "person", "link", "referral")
    ids = {k: uuid4() for k in (*keys, "to_anna", "to_nadia", "other", "to_paul", "to_sender")}

    def row(key, **values):
        return {"id": ids[key], "created_at": now, "updated_at": now, **values}

    body = f"Le suivi de Rita Test passe à Nadia AS. Motif : Suivi CPAS. Note de passation : {SECRET}"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(
            sa.insert(t["organisations"]),
            [row("org", name="CPAS", kind="cpas"), row("cisp", name="CISP", kind="partner")],
        )
        conn.execute(
            sa.insert(t["users"]),
            [
                row(
                    "anna",
                    subject="anna",
                    display_name="Anna",
                    role="forem_referent",
                    organisation_id=None,
                    team=None,
                ),
                row(
                    "nadia",
                    subject="nadia",
                    display_name="Nadia",
                    role="cpas_social_worker",
                    organisation_id=ids["org"],
                    team=None,
                ),
                row(
                    "paul",
                    subject="paul",
                    display_name="Paul",
                    role="partner_operator",
                    organisation_id=ids["cisp"],
                    team=None,
                ),
            ],
        )
        conn.execute(
            sa.insert(t["persons"]),
            [
                row(
                    "person",
                    niss_hash="0" * 64,
                    niss="x",
                    first_name="Rita",
                    last_name="Test",
                    language="fr",
                    inami_return_to_work=False,
                    version=1,
                )
            ],
        )
        conn.execute(
            sa.insert(t["referent_links"]),
            [
                row(
                    "link",
                    person_id=ids["person"],
                    referent_user_id=ids["nadia"],
                    organisation_id=ids["org"],
                    started_at=now,
                    reason="Suivi CPAS",
                    kind="cpas_social_worker",
                )
            ],
        )
        conn.execute(
            sa.insert(t["referrals"]),
            [
                row(
                    "referral",
                    person_id=ids["person"],
                    from_user_id=ids["nadia"],
                    from_organisation_id=ids["org"],
                    service_id=uuid4(),
                    to_organisation_id=ids["cisp"],
                    reason_category="training",
                    reason="Formation",
                    requested_sections=["project"],
                    person_first_name="Rita",
                    consent_state="requested",
                    consent_expires_at=now,
                    status="sent",
                    sent_at=now,
                    deadline=date(2026, 3, 20),
                    reminders_sent=[],
                    rules_version="test",
                    version=1,
                )
            ],
        )
        conn.execute(
            sa.insert(t["notifications"]),
            [
                row(
                    "to_anna",
                    recipient_user_id=ids["anna"],
                    kind="referent_handover",
                    title_fr="Passation",
                    body_fr=body,
                    subject_id=ids["link"],
                ),
                row(
                    "to_nadia",
                    recipient_user_id=ids["nadia"],
                    kind="referent_handover",
                    title_fr="Nouvelle",
                    body_fr=body,
                    subject_id=ids["link"],
                ),
                row(
                    "to_paul",
                    recipient_user_id=ids["paul"],
                    kind="referral_received",
                    title_fr="Nouvelle orientation : Rita",
                    body_fr="Rita vous est orientée.",
                    subject_id=ids["referral"],
                ),
                row(
                    "to_sender",
                    recipient_user_id=ids["nadia"],
                    kind="referral_answered",
                    title_fr="Réponse",
                    body_fr="Le CISP a répondu pour Rita.",
                    subject_id=ids["referral"],
                ),
                row(
                    "other",
                    recipient_user_id=ids["anna"],
                    kind="visa_decided",
                    title_fr="Visa",
                    body_fr="Décision.",
                    subject_id=None,
                ),
            ],
        )
    engine.dispose()

    upgrade(f"sqlite+aiosqlite:///{path}", "0014_org_proposals")

    engine = sa.create_engine(f"sqlite:///{path}")
    notes = sa.Table(
        "notifications",
        sa.MetaData(),
        sa.Column("id", _GUID),
        sa.Column("body_fr", sa.Text),
        sa.Column("about_person_id", _GUID),
        sa.Column("about_basis", sa.String),
    )
    with engine.connect() as conn:
        found = {r.id: r for r in conn.execute(sa.select(notes))}
    engine.dispose()
    to_anna, to_nadia, other = found[ids["to_anna"]], found[ids["to_nadia"]], found[ids["other"]]
    assert SECRET not in to_anna.body_fr and "Motif : Suivi CPAS." in to_anna.body_fr
    assert to_anna.body_fr.endswith("La note de passation est transmise au nouveau référent.")
    assert SECRET in to_nadia.body_fr  # the new referent keeps the note written for them
    assert to_anna.about_person_id == to_nadia.about_person_id == ids["person"]
    assert other.about_person_id is None and other.body_fr == "Décision."
    assert to_anna.about_basis is None and to_nadia.about_basis is None
    to_paul, to_sender = found[ids["to_paul"]], found[ids["to_sender"]]
    assert (to_paul.about_person_id, to_paul.about_basis) == (ids["person"], "referral")
    assert (to_sender.about_person_id, to_sender.about_basis) == (ids["person"], None)
