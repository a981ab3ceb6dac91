"""The person's PDF prints her most recent visits one per line and summarises older ones by month."""

from __future__ import annotations

from coordination.dossier.services.export import summarise_older_visits


def _visit(at: str, who: str, decision: str = "allow", sections=("identité",)) -> dict:
    return {"at": at, "who": who, "decision": decision, "sections": list(sections)}


def test_older_visits_are_counted_per_brussels_month_and_visitor_newest_first():
    visits = [
        _visit("2026-03-31T22:30:00+00:00", "Nadia Benali (CPAS)"),  # 1 April in Brussels
        _visit("2026-03-31T21:30:00+00:00", "Nadia Benali (CPAS)", sections=("projet",)),  # 31 March
        _visit("2026-03-02T09:00:00+00:00", "Nadia Benali (CPAS)", sections=("identité", "projet")),
        _visit("2026-03-03T09:00:00+00:00", "Inès Moreau (partenaire)", decision="deny"),
    ]
    summary = summarise_older_visits(visits)
    assert [(g["month"], g["who"], g["decision"], g["visits"]) for g in summary] == [
        ("avril 2026", "Nadia Benali (CPAS)", "allow", 1),
        ("mars 2026", "Inès Moreau (partenaire)", "deny", 1),
        ("mars 2026", "Nadia Benali (CPAS)", "allow", 2),
    ]
    assert summary[2]["sections"] == ["projet", "identité"]
