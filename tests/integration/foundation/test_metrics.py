"""``/metrics`` (issue 20 item 3): Prometheus text, scrape token only, route templates, gate decisions by
basis and outcome, scans, dependency health and the daily task runs read from the database."""

from __future__ import annotations

from datetime import date

from prometheus_client.parser import text_string_to_metric_families

from coordination.directory.models import Role

TOKEN = "jeton-de-collecte-de-test"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(found, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(client) -> dict:
    response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_metrics_do_not_exist_without_a_token(client):
    response = await client.get("/metrics")
    assert response.status_code == 404


async def test_metrics_refuse_a_caller_without_the_token(client, app):
    app.state.settings = app.state.settings.replace(metrics_token=TOKEN)
    assert (await client.get("/metrics")).status_code == 401
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer pas-le-bon"})
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "Jeton de collecte des métriques absent ou invalide."


async def test_requests_gate_decisions_and_dependencies_are_counted(client, app, database, auth_headers):
    from tests.integration.access import seed

    app.state.settings = app.state.settings.replace(metrics_token=TOKEN)
    async with database.sessionmaker() as session:
        forem = seed.org(session, seed.OrganisationKind.FOREM)
        partner = seed.org(session, seed.OrganisationKind.PARTNER)
        person = seed.person(session, forem_registered=True)
        worker = seed.user(session, Role.FOREM_REFERENT, forem)
        outsider = seed.user(session, Role.PARTNER_OPERATOR, partner)
        await session.commit()
    before = await scrape(client)
    route = "/api/v1/persons/{person_id}/consents"
    for _ in range(3):
        ok = await client.get(
            f"/api/v1/persons/{person.id}/consents", headers=auth_headers(worker, org_kind="forem")
        )
        assert ok.status_code == 200
    denied = await client.get(
        f"/api/v1/persons/{person.id}/consents", headers=auth_headers(outsider, org_kind="partner")
    )
    assert denied.status_code == 403
    assert (await client.get("/nulle-part")).status_code == 404
    assert (await client.get("/health/dependencies")).status_code == 200
    after = await scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("coordination_http_requests_total", method="GET", route=route, status="200") == 3
    assert delta("coordination_http_requests_total", method="GET", route=route, status="403") == 1
    assert delta("coordination_http_requests_total", method="GET", route="<unmatched>", status="404") == 1
    assert delta("coordination_http_request_duration_seconds_count", method="GET", route=route) == 4
    assert not [key for key in after if str(person.id) in str(key)], "an id leaked into a label"
    assert delta("coordination_gate_decisions_total", basis="mandate", outcome="allow") == 3
    assert delta("coordination_gate_decisions_total", basis="none", outcome="deny") == 1
    assert value(after, "coordination_dependency_up", dependency="document_store") == 1
    assert value(after, "coordination_dependency_up", dependency="antivirus") == 1


async def test_task_runs_come_from_the_database(client, app, settings):
    from coordination.tasks import run_daily

    app.state.settings = app.state.settings.replace(metrics_token=TOKEN)
    await run_daily(settings, date(2026, 12, 7))
    await run_daily(settings, date(2026, 12, 8))
    found = await scrape(client)
    assert value(found, "coordination_task_runs_total", step="conservation", outcome="ok") == 2
    assert value(found, "coordination_task_runs_total", step="consentements", outcome="ok") == 2
    assert value(found, "coordination_task_last_run_timestamp_seconds", step="documents", outcome="ok") > 0


async def test_a_scan_verdict_is_counted(client, app):
    from coordination.storage.antivirus import DisabledScanner

    app.state.settings = app.state.settings.replace(metrics_token=TOKEN)
    before = await scrape(client)

    async def one():
        yield b"x"

    await DisabledScanner().scan(one())
    after = await scrape(client)
    assert value(after, "coordination_scan_results_total", result="not_scanned") == (
        value(before, "coordination_scan_results_total", result="not_scanned") + 1
    )
