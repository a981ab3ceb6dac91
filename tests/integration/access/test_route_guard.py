"""Every route of the real app is guarded: it declares (section, action) or is explicitly public, and the
policy mentions every declared (section, action)."""

from __future__ import annotations

from litestar import Litestar, get
from litestar.di import Provide

from coordination.access.declared import Access
from coordination.access.policy import load_policy
from coordination.access.policy_check import (
    check_routes_against_policy,
    gate_not_declared,
    run_policy_check,
    unguarded_routes,
)


def test_every_route_of_the_app_is_guarded(settings, database):
    from coordination.app import create_app

    app = create_app(settings, database=database)
    assert unguarded_routes(app) == []
    assert check_routes_against_policy(app, load_policy(settings.policies_dir)) == []
    assert run_policy_check(settings, app) == []


def test_an_unguarded_route_is_caught(settings):
    @get("/api/v1/persons/{person_id:uuid}/secret")
    async def secret(person_id: str) -> str:
        return "x"

    @get("/api/v1/persons/{person_id:uuid}/plan", opt={"section": "plan", "action": "read"})
    async def ok(person_id: str) -> str:
        return "x"

    @get("/api/v1/persons/{person_id:uuid}/weird", opt={"section": "plan", "action": "decide"})
    async def never(person_id: str) -> str:
        return "x"

    @get("/api/v1/partners", opt={"public": "registre public des partenaires"})
    async def partners() -> str:
        return "x"

    app = Litestar([secret, ok, never, partners])
    problems = unguarded_routes(app)
    assert len(problems) == 1 and "/secret" in problems[0]
    problems = check_routes_against_policy(app, load_policy(settings.policies_dir))
    assert any("/secret" in p for p in problems)
    assert any("(plan, decide)" in p for p in problems)
    assert not any("/plan " in p or "/partners" in p for p in problems)


def test_a_person_route_that_does_not_take_the_declared_gate_is_caught() -> None:
    """Issue 16: access declared on the route is enforced by the ``access`` dependency; a handler that
    would call the gate itself (or forget it) is reported unless it says why in ``opt["gate"]``."""

    @get("/api/v1/persons/{person_id:uuid}/remembered", opt={"section": "plan", "action": "read"})
    async def remembered(person_id: str) -> str:
        return "x"

    @get("/api/v1/persons/{person_id:uuid}/declared", opt={"section": "plan", "action": "read"})
    async def declared(person_id: str, access: Access) -> str:
        return "x"

    @get(
        "/api/v1/persons/{person_id:uuid}/explained",
        opt={"section": "plan", "action": "read", "gate": "la section dépend du document"},
    )
    async def explained(person_id: str) -> str:
        return "x"

    async def no_gate() -> None:
        return None

    app = Litestar([remembered, declared, explained], dependencies={"access": Provide(no_gate)})
    problems = gate_not_declared(app)
    assert len(problems) == 1 and "/remembered" in problems[0]
