"""``coordination policy check``: the policy and the routes agree, or the check fails.

Fails on
* a line of ``policy.csv`` naming a role, section, action or basis the code does not know, or malformed;
* a route that touches a person's file without declaring ``opt={"section": ..., "action": ...}``
  (and is neither declared ``opt={"public": "<why>"}`` nor under :data:`PUBLIC_ROUTE_PREFIXES`);
* a declared (section, action) the policy never mentions (a route nobody could ever use is a bug, or a
  policy line is missing).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from litestar import Litestar

from coordination.access.policy import (
    KNOWN_ROLES,
    PUBLIC_ROUTE_PREFIXES,
    Action,
    Basis,
    Policy,
    PolicyLine,
    Section,
    load_policy,
    read_lines,
)
from coordination.settings import Settings


@dataclass(frozen=True)
class RouteDeclaration:
    path: str
    methods: tuple[str, ...]
    handler: str
    sections: tuple[str, ...]
    action: str | None
    public: str | None


def declared_sections(opt: dict) -> tuple[str, ...]:
    raw = opt.get("section")
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,)
    return tuple(str(s) for s in raw)


def route_declarations(app: Litestar) -> list[RouteDeclaration]:
    """Every (path, handler) of the app with what it declares; auto OPTIONS handlers are skipped."""
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            methods = tuple(sorted(getattr(handler, "http_methods", ()) or ("ASGI",)))
            if methods == ("OPTIONS",):
                continue
            opt = handler.opt or {}
            found.append(
                RouteDeclaration(
                    path=route.path,
                    methods=methods,
                    handler=getattr(handler, "handler_name", repr(handler)),
                    sections=declared_sections(opt),
                    action=str(opt["action"]) if opt.get("action") is not None else None,
                    public=opt.get("public"),
                )
            )
    return found


def _takes_access(handler) -> bool:
    import inspect

    fn = getattr(handler.fn, "func", handler.fn)
    return "access" in inspect.signature(fn).parameters


def gate_not_declared(app: Litestar) -> list[str]:
    """Routes on a person's file (``{person_id}`` in the path) whose handler does not take the ``access``
    dependency (:mod:`coordination.access.declared`, the gate run from the route's declaration) and does
    not say in ``opt["gate"]`` why it decides otherwise: each is a gate left to memory."""
    problems = []
    for route in app.routes:
        if "{person_id" not in route.path:
            continue
        for handler in getattr(route, "route_handlers", ()):
            methods = tuple(sorted(getattr(handler, "http_methods", ()) or ()))
            if methods in ((), ("OPTIONS",)):
                continue
            opt = handler.opt or {}
            if opt.get("public") or opt.get("gate") or _takes_access(handler):
                continue
            name = getattr(handler, "handler_name", repr(handler))
            problems.append(
                f"route {','.join(methods)} {route.path} ({name}) : touche un dossier sans la dépendance "
                '`access` (accès déclaré sur la route) ni opt={"gate": "<pourquoi>"}'
            )
    return problems


def is_public_path(path: str) -> bool:
    return any(path == p.rstrip("/") or path.startswith(p) for p in PUBLIC_ROUTE_PREFIXES)


def unguarded_routes(app: Litestar) -> list[str]:
    """Routes that neither declare (section, action) nor are public: each one is a hole."""
    problems = []
    for decl in route_declarations(app):
        if decl.public or is_public_path(decl.path):
            continue
        if not decl.sections or not decl.action:
            problems.append(
                f"route {','.join(decl.methods)} {decl.path} ({decl.handler}) : ni section/action déclarées "
                'dans opt, ni opt={"public": ...}'
            )
    return problems


def check_policy_lines(lines: Iterable[PolicyLine | str]) -> list[str]:
    problems = []
    sections = {s.value for s in Section}
    actions = {a.value for a in Action}
    bases = {b.value for b in Basis} - {
        Basis.REFERRAL.value
    }  # a journal-only basis: the gate never chooses it
    seen: set[tuple[str, str, str, str]] = set()
    for line in lines:
        if isinstance(line, str):
            problems.append(line)
            continue
        where = f"ligne {line.lineno}"
        if line.role not in KNOWN_ROLES:
            problems.append(f"{where} : rôle inconnu « {line.role} »")
        if line.section not in sections:
            problems.append(f"{where} : section inconnue « {line.section} »")
        if line.action not in actions:
            problems.append(f"{where} : action inconnue « {line.action} »")
        if line.basis not in bases:
            problems.append(f"{where} : base inconnue « {line.basis} »")
        key = (line.role, line.section, line.action, line.basis)
        if key in seen:
            problems.append(f"{where} : ligne en double {key}")
        seen.add(key)
    return problems


def check_routes_against_policy(app: Litestar, policy: Policy) -> list[str]:
    problems = unguarded_routes(app)
    sections = {s.value for s in Section}
    actions = {a.value for a in Action}
    for decl in route_declarations(app):
        if not decl.sections or not decl.action:
            continue
        for section in decl.sections:
            where = f"route {','.join(decl.methods)} {decl.path}"
            if section not in sections:
                problems.append(f"{where} : section inconnue « {section} »")
            elif decl.action not in actions:
                problems.append(f"{where} : action inconnue « {decl.action} »")
            elif not policy.mentions(section, decl.action):
                problems.append(f"{where} : la politique ne mentionne jamais ({section}, {decl.action})")
    return problems


def run_policy_check(settings: Settings, app: Litestar | None = None) -> list[str]:
    problems = check_policy_lines(read_lines(settings.policies_dir / "policy.csv"))
    if problems:
        return problems
    policy = load_policy(settings.policies_dir)
    if app is None:
        from coordination.app import create_app

        app = create_app(settings)
    return check_routes_against_policy(app, policy) + gate_not_declared(app)


def policy_check_cli(settings: Settings) -> int:
    """Print problems in French; exit code 0 when none, 1 otherwise."""
    problems = run_policy_check(settings)
    for problem in problems:
        print(f"✗ {problem}")
    if problems:
        print(f"Politique d'accès : {len(problems)} problème(s).")
        return 1
    policy = load_policy(settings.policies_dir)
    print(f"Politique d'accès : {len(policy.lines)} lignes, toutes les routes déclarées et couvertes.")
    return 0
