"""Issue 17: an adviser's professional phone and e-mail, given when the profile is created, are in the
directory (and shown to the people the adviser follows, see tests/integration/web/test_my_space.py)."""

from __future__ import annotations


async def test_adviser_phone_and_email_are_kept_and_listed(client, world):
    payload = {
        "kind": "eadviser_team",
        "organisation_id": str(world.orgs["forem"].id),
        "display_name": "Équipe e-conseil Namur",
        "capacity": 300,
        "team": "econseil-namur",
        "phone": "081 23 45 67",
        "email": "e-conseil.namur@forem.example",
    }
    created = await client.post("/api/v1/advisers", json=payload, headers=world.headers("admin"))
    assert created.status_code == 201, created.text
    assert created.json()["phone"] == "081 23 45 67"
    listed = (await client.get("/api/v1/advisers", headers=world.headers("anna"))).json()
    [namur] = [a for a in listed if a["display_name"] == "Équipe e-conseil Namur"]
    assert namur["email"] == "e-conseil.namur@forem.example"
    too_long = await client.post(
        "/api/v1/advisers",
        json={**payload, "team": "econseil-namur-2", "phone": "0" * 41},
        headers=world.headers("admin"),
    )
    assert too_long.status_code == 400
