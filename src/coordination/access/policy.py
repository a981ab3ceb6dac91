"""The role-level access policy (Casbin), its vocabulary, and how routes declare what they touch.

``policies/model.conf`` + ``policies/policy.csv`` hold lines ``role, section, action, basis``; they are
loaded once per process (:func:`load_policy`) into a pycasbin ``FastEnforcer`` that indexes the lines by
all four fields, so ``enforce`` looks at the one matching line instead of walking the whole file. It is
synchronous (tens of microseconds, cheaper than a thread hop) and :class:`Policy` remembers each answer,
the policy being static. Casbin's own per-request logging is switched off (:func:`silence_casbin`).
Per-person facts (consents, referent links, mandates) are resolved by the gate from the database and
reach Casbin as the ``basis`` request attribute; they are never cached.

How a route declares what it touches (checked by ``coordination policy check`` and by the route test)::

    @get("/persons/{person_id:uuid}/plan", opt={"section": "plan", "action": "read"})

``section`` may be a tuple of sections for a handler that reads several (a full-file view). A route that
does not touch any person's file declares ``opt={"public": "<why>"}`` instead (e.g. the partner
registry); :data:`PUBLIC_ROUTE_PREFIXES` lists the infrastructure paths that need no declaration.
"""

from __future__ import annotations

import csv
import enum
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import casbin

from coordination.directory.models import Role


class Section(enum.StrEnum):
    IDENTITY = "identity"
    PROJECT = "project"
    PLAN = "plan"
    TRAJECTORY = "trajectory"
    PROGRESS = "progress"
    SOCIAL = "social"
    HEALTH = "health"
    DOCUMENTS = "documents"
    CONTRACTS = "contracts"
    JOURNAL = "journal"
    CONSENTS = "consents"


FILE_SECTIONS: tuple[Section, ...] = tuple(s for s in Section if s not in (Section.JOURNAL, Section.CONSENTS))
"""The parts of a file a consent can name (the journal and the consents are about the file, not in it)."""


class Action(enum.StrEnum):
    READ = "read"
    WRITE = "write"
    UPLOAD = "upload"
    EXPORT = "export"
    DECIDE = "decide"
    DELETE = "delete"


class Basis(enum.StrEnum):
    """Why an access is legitimate. Order = preference when several hold (the journal keeps one)."""

    SELF = "self"
    MANDATE = "mandate"
    REFERENT = "referent"
    CONSENT = "consent"
    OVERSIGHT = "oversight"
    REFERRAL = "referral"
    """Never a policy line, never chosen by the gate: the journal's basis for a referral card shown to the
    partner it was sent to (first name, reason), which the card's snapshot makes visible without the file."""


SECTION_LABELS_FR = {
    Section.IDENTITY: "identité",
    Section.PROJECT: "projet professionnel",
    Section.PLAN: "plan d'action",
    Section.TRAJECTORY: "parcours",
    Section.PROGRESS: "progression",
    Section.SOCIAL: "situation sociale (CPAS)",
    Section.HEALTH: "santé",
    Section.DOCUMENTS: "documents",
    Section.CONTRACTS: "contrats",
    Section.JOURNAL: "journal des accès",
    Section.CONSENTS: "consentements",
}
ACTION_LABELS_FR = {
    Action.READ: "consultation",
    Action.WRITE: "modification",
    Action.UPLOAD: "dépôt de document",
    Action.EXPORT: "export",
    Action.DECIDE: "décision",
    Action.DELETE: "suppression",
}
BASIS_LABELS_FR = {
    Basis.SELF: "vous-même",
    Basis.MANDATE: "mandat légal de l'organisme",
    Basis.REFERENT: "référent de votre dossier",
    Basis.CONSENT: "votre consentement",
    Basis.OVERSIGHT: "contrôle par le délégué à la protection des données",
    Basis.REFERRAL: "orientation envoyée à l'organisme (carte d'orientation)",
}

ROLE_LABELS_FR = {
    "forem_referent": "conseiller·ère de référence Forem",
    "forem_eadviser": "e-conseiller·ère Forem",
    "cpas_social_worker": "assistant·e social·e CPAS",
    "partner_operator": "opérateur partenaire",
    "partner_manager": "responsable partenaire",
    "regulator": "régulateur régional",
    "beneficiary": "la personne elle-même",
    "dpo": "délégué·e à la protection des données",
    "admin": "administrateur",
}

PUBLIC_ROUTE_PREFIXES: tuple[str, ...] = ("/health", "/schema", "/static", "/api/v1/dev/")
"""Infrastructure routes that touch no file and need no declaration."""


@dataclass(frozen=True)
class PolicyLine:
    role: str
    section: str
    action: str
    basis: str
    lineno: int


def read_lines(path: Path) -> list[PolicyLine | str]:
    """Parse ``policy.csv`` (comments and blanks skipped). Malformed lines come back as error strings."""
    result: list[PolicyLine | str] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for lineno, row in enumerate(csv.reader(handle, skipinitialspace=True), start=1):
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            cells = [c.strip() for c in row]
            if cells[0] != "p" or len(cells) != 5:
                result.append(f"ligne {lineno} : attendu « p, rôle, section, action, base » ({row!r})")
                continue
            role, section, action, basis = cells[1:]
            result.append(PolicyLine(role, section, action, basis, lineno=lineno))
    return result


CASBIN_LOGGERS = ("casbin", "casbin.enforcer", "casbin.policy", "casbin.role")


def silence_casbin() -> None:
    """pycasbin logs every allowed request at INFO and every refused one at WARNING on ``casbin.enforcer``
    (role, section, action, basis, outcome): noise at the gate's rate, and the gate's journal is the record
    of decisions. Only its errors reach our logs, whatever the root level."""
    for name in CASBIN_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)


class Policy:
    """The loaded policy. ``allows`` asks Casbin; ``mentions`` serves the route check.

    Casbin's answer for a (role, section, action, basis) is remembered for the life of the object: the
    policy is static (loaded once per process, see :func:`load_policy`) and the question holds no per-person
    fact, so the answer cannot change. Casbin is asked at most once per tuple (a few thousand at most), and
    the gate then decides a whole file's sections in microseconds."""

    def __init__(self, policies_dir: Path) -> None:
        silence_casbin()
        self.model_path = policies_dir / "model.conf"
        self.policy_path = policies_dir / "policy.csv"
        self.enforcer = casbin.FastEnforcer(
            str(self.model_path), str(self.policy_path), enable_log=False, cache_key_order=[0, 1, 2, 3]
        )
        self._answers: dict[tuple[str, str, str, str], bool] = {}
        self.lines = [line for line in read_lines(self.policy_path) if isinstance(line, PolicyLine)]
        self._mentioned = {(line.section, line.action) for line in self.lines}
        candidates: dict[tuple[str, str, str], set[str]] = {}
        for line in self.lines:
            candidates.setdefault((line.role, line.section, line.action), set()).add(line.basis)
        self._candidates = {
            key: tuple(b for b in Basis if b.value in found) for key, found in candidates.items()
        }
        # Every answer the gate can ask, computed now, in the loading thread: Casbin evaluates its matcher
        # with ``ast``, and CPython 3.11's AST constructor fails ("recursion depth mismatch") when first
        # asked inside the greenlet in which the gate runs its statements (``AsyncSession.run_sync``).
        for (role, section, action), bases in self._candidates.items():
            for basis in bases:
                self.allows(role, section, action, basis.value)

    def allows(self, role: str, section: str, action: str, basis: str) -> bool:
        key = (str(role), str(section), str(action), str(basis))
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = bool(self.enforcer.enforce(*key))
        return answer

    def mentions(self, section: str, action: str) -> bool:
        return (str(section), str(action)) in self._mentioned

    def bases_for(self, role: str, section: str, action: str) -> list[Basis]:
        """Which bases could allow this (in preference order): tells the gate which facts to look up
        and the denial message what is missing."""
        return list(self._candidates.get((str(role), str(section), str(action)), ()))


@lru_cache(maxsize=4)
def load_policy(policies_dir: Path) -> Policy:
    """Load once per process (per folder)."""
    return Policy(Path(policies_dir))


def default_policy() -> Policy:
    from coordination.settings import get_settings

    return load_policy(get_settings().policies_dir)


KNOWN_ROLES = frozenset(r.value for r in Role)
