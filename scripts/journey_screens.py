"""Walk each user's main journey on a running demo, through the pages only, as a new user would: count the
clicks and the form submissions, and save one screenshot per key step, on a desktop (1366×768) and on a
phone (390×844).

    .venv/bin/python scripts/journey_screens.py http://127.0.0.1:8000 /tmp/shots [--only referent,personne]

Run it against ``make demo`` (it signs in with the development login, like the browser tests). It writes
data (a contact, a referral, a handover, a visa…), so run it on a demo you may change; the referent's and
the partner's steps pick the first person the worklist flags, so a second run walks the next one.

The screenshots are named ``<user>-<screen>-<NN>-<step>.png``; ``journeys.json`` in the same folder lists,
per user and screen, each step with its screenshot, and the totals of clicks and submissions
(``docs/journeys.md`` describes them). A step that fails is reported with the page it was on (screenshot
``…-ECHEC.png``) and the other journeys still run; the exit code is 1 if any journey failed.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--lang=fr-BE",
]
SCREENS = {"bureau": {"width": 1366, "height": 768}, "telephone": {"width": 390, "height": 844}}


def brussels_today() -> date:
    from datetime import datetime

    return datetime.now(ZoneInfo("Europe/Brussels")).date()


@dataclass
class Walk:
    """One user's journey on one screen: the page, the counters and the steps photographed."""

    page: Page
    base: str
    folder: Path
    user: str
    screen: str
    clicks: int = 0
    submissions: int = 0
    typed: int = 0
    steps: list[dict] = field(default_factory=list)

    def settle(self) -> None:
        self.page.wait_for_load_state("networkidle")

    def click(self, target: Locator) -> None:
        """A click that is not a form submission (a link, a tab, a checkbox, a « détails »)."""
        target.first.click()
        self.clicks += 1
        self.settle()

    def submit(self, button: Locator) -> None:
        """A click on a button that sends a form: one click and one submission."""
        button.first.click()
        self.clicks += 1
        self.submissions += 1
        self.settle()

    def fill(self, target: Locator, value: str) -> None:
        target.first.fill(value)
        self.typed += 1

    def choose(self, target: Locator, **option) -> None:
        target.first.select_option(**option)
        self.typed += 1

    def shot(self, step: str, what: str) -> None:
        number = len(self.steps) + 1
        name = f"{self.user}-{self.screen}-{number:02d}-{step}.png"
        self.page.screenshot(path=str(self.folder / name), full_page=True)
        self.steps.append(
            {"n": number, "step": step, "what": what, "file": name, "clicks": self.clicks,
             "submissions": self.submissions, "url": self.page.url.removeprefix(self.base)}
        )  # fmt: skip

    def confirmed(self, text: str) -> None:
        """The confirmation the last write must show (an HTMX post lands a moment after the network is
        idle: its redirect is followed by the XMLHttpRequest)."""
        self.page.get_by_role("status").filter(has_text=text).first.wait_for()

    def sign_in(self, display_name: str) -> None:
        """The development login: one click on the user's button (a real user types a password instead)."""
        self.page.context.clear_cookies()
        self.page.goto(self.base + "/connexion")
        self.submit(self.page.get_by_role("button", name=f"Se connecter comme {display_name}"))
        self.page.locator("header").get_by_text(display_name, exact=True).first.wait_for()

    def menu(self, name: str) -> None:
        """A link of the main menu (the header's navigation)."""
        self.click(self.page.locator("header nav").get_by_role("link", name=name))


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


# --- the five journeys -----------------------------------------------------------------------------


REFERENTS = {"bureau": ("Sophie Lambert", "Karim Benali"), "telephone": ("Karim Benali", "Sophie Lambert")}


def referent(w: Walk) -> None:
    """Forem referent: overdue first contact → record it → refer her person → hand over with reason and
    note. Each screen has its own referent (a run records the contact the worklist flagged)."""
    page = w.page
    me, colleague = REFERENTS[w.screen]
    w.sign_in(me)
    w.shot("portefeuille", "Mes personnes : le premier contact en retard est signalé")
    flag = page.get_by_role("link", name=re.compile("^premier contact en retard"))
    row = page.locator("main tbody tr", has=flag).first
    who = row.locator("td").first.get_by_role("link").first.inner_text()
    w.click(flag)
    w.shot("contact-formulaire", f"Enregistrer un contact avec {who}, ouvert depuis le signalement")
    w.fill(page.get_by_label("Jour du contact"), brussels_today().isoformat())
    w.fill(page.get_by_label("Note (facultatif)"), "Premier entretien téléphonique : bilan des attentes.")
    w.submit(page.get_by_role("button", name="Enregistrer le contact"))
    w.confirmed("Contact enregistré")
    w.shot("contact-enregistre", "Confirmation, de retour dans le portefeuille")
    w.click(page.get_by_role("link", name=who, exact=True))
    w.shot("dossier", "Le dossier de la personne")
    w.click(page.get_by_role("link", name="Orientations vers les partenaires"))
    w.click(page.get_by_role("link", name="Orienter vers un service"))
    w.shot("services", "Les services qui conviennent, sans cocher « afficher aussi… »")
    w.click(page.locator("a.button:not(.secondary)", has_text="Choisir"))
    w.choose(page.get_by_label("Type de demande"), index=1)
    w.fill(
        page.get_by_label(re.compile("^Motif")), "Souhaite être accompagnée vers l'emploi ; projet défini."
    )
    w.shot("orientation-formulaire", "La demande d'orientation, parties du dossier demandées par défaut")
    w.submit(page.get_by_role("button", name="Envoyer l'orientation"))
    w.confirmed("Orientation envoyée")
    w.shot("orientation-envoyee", "Confirmation de l'orientation")
    w.menu("Mes personnes")
    w.click(page.locator("main tbody tr", has_text=who).get_by_role("link", name="Passer le relais"))
    w.shot("passation-formulaire", "Passer le relais : motif et note obligatoires")
    chosen = page.locator("#adviser_id option", has_text=colleague).first.get_attribute("value")
    w.choose(page.get_by_label("Nouveau référent", exact=True), value=chosen)
    w.fill(page.get_by_label(re.compile("^Motif de la passation")), "Réorganisation des portefeuilles")
    w.fill(page.get_by_label(re.compile("^Note de passation")), "Bilan fait, orientation envoyée.")
    w.submit(page.get_by_role("button", name="Passer le relais"))
    w.confirmed("Passation enregistrée")
    w.shot("passation-enregistree", "Confirmation de la passation")


PARTNERS = {"bureau": "Inès Moreau", "telephone": "Paul Henrard"}


def partner(w: Walk) -> None:
    """Partner operator: answer a referral → record progress. Each screen has its own operator (a run
    answers the referral the person agreed to)."""
    page = w.page
    w.sign_in(PARTNERS[w.screen])
    w.shot("accueil", "Personnes suivies (sa page d'accueil)")
    w.menu("Orientations reçues")
    w.shot("orientations-recues", "Les orientations reçues, les plus urgentes d'abord")
    # a referral the person agreed to (« Accord : donné ») and still to answer (sent or on the waiting list)
    agreed = page.locator('td[data-label="Accord"] .badge', has_text=re.compile("^donné$"))
    open_ = page.locator('td[data-label="État"] .badge', has_text=re.compile("attente"))
    w.click(page.locator("main tbody tr", has=agreed).filter(has=open_).first.get_by_role("link"))
    w.shot("orientation", "Une orientation : ce que la personne a accepté de partager")
    start = page.get_by_label("Date de début convenue")
    if start.count():
        w.fill(start, (brussels_today() + timedelta(days=7)).isoformat())
        w.submit(page.get_by_role("button", name="Accepter", exact=True))
        w.confirmed("acceptée")
        w.shot("orientation-acceptee", "Confirmation : orientation acceptée")
    w.menu("Personnes suivies")
    w.shot("personnes-suivies", "Personnes suivies, avec l'action « Noter la progression »")
    w.click(page.get_by_role("link", name=re.compile("^Noter la progression")))
    form = page.locator("form", has=page.get_by_role("button", name="Enregistrer la progression")).first
    w.shot("progression-formulaire", "Le dossier ouvert sur la progression")
    w.fill(form.get_by_label("Note de suivi"), "Séance de mentorat : CV revu ensemble, deux candidatures.")
    w.fill(form.get_by_label(re.compile("^Heures de présence")), "2,5")
    w.submit(form.get_by_role("button", name="Enregistrer la progression"))
    w.confirmed("Progression enregistrée")
    w.shot("progression-enregistree", "Confirmation : progression enregistrée")


CONTRACT_CHOICES = {
    "kind": "open_ended", "written_before_start": "true", "worker_category": "manual", "schedule_stated": "true",
    "pay.frequency": "twice_monthly", "pay.bank_transfer": "true", "ris_beneficiary": "true",
    "piis.written": "true", "piis.fits_aspirations_and_aptitudes": "true",
}  # fmt: skip


def contract_text(today: date) -> dict[str, str]:
    return {
        "signature_date": (today + timedelta(days=1)).isoformat(),
        "start_date": (today + timedelta(days=8)).isoformat(),
        "employer_name": "Brasserie du Pont", "employer_bce": "0403170701", "joint_committee": "302",
        "function": "Commis de cuisine", "weekly_hours": "38", "full_time_weekly_hours": "38",
        "schedule.unpaid_presence_minutes_per_week": "0", "unpaid_test_days": "0", "gross_monthly": "2300",
        "pay.sector_minimum.monthly_full_time": "2200",
        "pay.sector_minimum.source": "CCT CP 302, barème commis de cuisine",
        "pay.sector_minimum.valid_from": "2025-01-01", "pay.max_days_between_payments": "16",
        "pay.payment_deadline_working_days": "4", "birth_date": "1978-09-22",
        "piis.ris_granted_on": (today - timedelta(days=180)).isoformat(),
        "piis.concluded_on": (today - timedelta(days=140)).isoformat(),
        "piis.reflection_working_days": "5", "piis.evaluation_interval_months": "3",
    }  # fmt: skip


def cpas(w: Walk) -> None:
    """CPAS worker: a visa request with a full contract → checklist → a colleague decides → certificate."""
    page = w.page
    field = lambda name: page.locator(f'[id="{name}"]')  # noqa: E731  (names hold dots)
    w.sign_in("Nadia Dubois")
    w.shot("accueil", "Mes personnes")
    w.menu("Rechercher un dossier")
    w.fill(page.get_by_label("Nom").first, "Lemaire")
    w.submit(page.get_by_role("button", name=re.compile("^Rechercher")))
    w.shot("recherche", "Recherche par nom")
    w.click(page.get_by_role("link", name=re.compile("Lemaire")))
    w.shot("dossier", "Le dossier, avec « Vérifier un contrat pour cette personne »")
    w.click(page.get_by_role("link", name="Vérifier un contrat pour cette personne"))
    for name, value in CONTRACT_CHOICES.items():
        w.choose(field(name), value=value)
    for name, value in contract_text(brussels_today()).items():
        w.fill(field(name), value)
    for name in ("clauses_read", "earlier_fixed_term_contracts?"):
        field(name).check()
        w.clicks += 1
    for day in range(5):
        w.choose(field(f"schedule.shifts.{day}.weekday"), value=str(day + 1))
        w.fill(field(f"schedule.shifts.{day}.start"), "08:00")
        w.fill(field(f"schedule.shifts.{day}.end"), "16:06")
        w.fill(field(f"schedule.shifts.{day}.break_minutes"), "30")
    w.shot("contrat-formulaire", "Le contrat saisi (horaires, paie, PIIS)")
    w.submit(page.get_by_role("button", name="Vérifier le contrat"))
    page.locator("#titre-checklist").wait_for()
    w.shot("checklist", "La liste de contrôle, chaque point avec sa référence légale")
    w.submit(page.get_by_role("button", name="Enregistrer la demande de visa dans le dossier"))
    w.confirmed("Demande de visa enregistrée")
    w.choose(page.get_by_label("Demander la décision à"), label="Thomas Leclercq")
    w.submit(page.get_by_role("button", name="Demander la décision"))
    w.confirmed("Thomas Leclercq")
    w.shot("demande-envoyee", "Demande enregistrée, décision demandée à un collègue (quatre yeux)")
    w.sign_in("Thomas Leclercq")
    w.menu("Visa juridique")
    w.shot("visas-a-decider", "Le collègue : les demandes à décider (date, employeur, demandeur)")
    to_decide = page.get_by_role("region", name="Demandes de visa à décider")
    w.click(to_decide.get_by_role("row").filter(has_text="Brasserie du Pont").first.get_by_role("link"))
    page.get_by_label("Visa accordé", exact=True).check()
    w.clicks += 1
    w.submit(page.get_by_role("button", name="Signer la décision"))
    w.confirmed("visa accordé")
    w.shot("visa-accorde", "Décision signée : visa accordé, certificat à télécharger")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le certificat signé (PDF)").click()
    w.clicks += 1
    download.value.save_as(w.folder / f"{w.user}-{w.screen}-certificat.pdf")


def regulator(w: Walk) -> None:
    """Regulator: the current year's evaluation (figures, charts, masked cells) → a partner page → a
    comparison of a selection → the report PDF."""
    page = w.page
    year = brussels_today().year
    w.sign_in("Régis Lemaire")
    w.shot("cadastre", f"Le cadastre des partenariats, année {year} par défaut")
    w.click(page.get_by_role("link", name="Comparer les partenaires"))
    w.shot(
        "evaluation", f"L'évaluation {year} de tous les partenaires : chiffres, barres, intervalles, masqués"
    )
    w.click(page.get_by_role("table", name="Chiffres par partenaire").get_by_role("link").nth(1))
    w.shot("partenaire", "Une fiche partenaire : définition de la sortie positive en clair, indicateurs")
    w.click(page.get_by_role("link", name=re.compile("Cadastre des partenariats")).first)
    boxes = page.locator('main input[type="checkbox"][name="p"]')
    for index in range(min(3, boxes.count())):
        boxes.nth(index).check()
        w.clicks += 1
    w.submit(page.get_by_role("button", name="Comparer la sélection"))
    expect(f"annee={year}" in page.url, "the comparison lost the year")
    w.shot("comparaison", "La comparaison de trois partenaires choisis, même année")
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Rapport d'évaluation {year} (PDF)").click()
    w.clicks += 1
    download.value.save_as(w.folder / f"{w.user}-{w.screen}-rapport.pdf")


def person(w: Walk) -> None:
    """The person: her file, who looked at it, her referent's contact, her data as PDF and JSON."""
    page = w.page
    w.sign_in("Julie Martin")
    w.shot("mon-espace", "Mon espace : mon dossier, mon référent (téléphone, courriel)")
    w.click(page.get_by_role("link", name="Voir tout l'historique des consultations"))
    w.shot("journal", "Qui a consulté mon dossier : une ligne par visite, refus à part")
    details = page.locator("ul.journal > li.visit summary")
    if details.count():
        w.click(details)
        w.shot("journal-details", "Le détail d'une visite, à la demande")
    w.menu("Mon espace")
    for label, suffix in (("PDF", "pdf"), ("JSON", "json")):
        with page.expect_download() as download:
            page.get_by_role("link", name=f"Télécharger mes données ({label})").first.click()
        w.clicks += 1
        download.value.save_as(w.folder / f"{w.user}-{w.screen}-mes-donnees.{suffix}")


JOURNEYS: dict[str, Callable[[Walk], None]] = {
    "referent": referent,
    "partenaire": partner,
    "cpas": cpas,
    "regulateur": regulator,
    "personne": person,
}


def reachable(base: str) -> bool:
    from urllib.error import URLError
    from urllib.request import urlopen

    try:
        with urlopen(base + "/health/live", timeout=5) as answer:  # noqa: S310 (the URL given on the command line)
            return answer.status == 200
    except (URLError, OSError):
        return False


def run(base: str, folder: Path, only: list[str]) -> int:
    if not reachable(base):
        print(f"{base} ne répond pas : lancez d'abord « make demo ».", file=sys.stderr)
        return 2
    folder.mkdir(parents=True, exist_ok=True)
    summary: dict = {}
    failed = 0
    profile = Path(tempfile.mkdtemp(prefix="journeys-chromium-"))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch_persistent_context(
                str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, locale="fr-BE",
                accept_downloads=True,
            )  # fmt: skip
            for user in only:
                for screen, viewport in SCREENS.items():
                    page = browser.new_page()
                    page.set_viewport_size(viewport)
                    page.set_default_timeout(20_000)
                    walk = Walk(page, base, folder, user, screen)
                    try:
                        JOURNEYS[user](walk)
                        result = "réussi"
                    except Exception as error:
                        failed += 1
                        result = f"échec : {type(error).__name__}: {str(error).splitlines()[0][:300]}"
                        page.screenshot(path=str(folder / f"{user}-{screen}-ECHEC.png"), full_page=True)
                        traceback.print_exc()
                    finally:
                        page.close()
                    summary.setdefault(user, {})[screen] = {
                        "result": result, "clicks": walk.clicks, "submissions": walk.submissions,
                        "fields_typed": walk.typed, "steps": walk.steps,
                    }  # fmt: skip
                    print(
                        f"{user:<11} {screen:<9} {walk.clicks:>3} clics, {walk.submissions:>2} envois, "
                        f"{walk.typed:>3} champs, {len(walk.steps):>2} captures — {result}",
                        flush=True,
                    )
            browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    (folder / "journeys.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base_url", help="adresse du démo en marche, p. ex. http://127.0.0.1:8000")
    parser.add_argument("folder", type=Path, help="dossier où écrire les captures et journeys.json")
    parser.add_argument("--only", default=",".join(JOURNEYS), help="parcours, séparés par des virgules")
    args = parser.parse_args(argv)
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in only if name not in JOURNEYS]
    if unknown:
        parser.error(f"parcours inconnu(s) : {', '.join(unknown)} (connus : {', '.join(JOURNEYS)})")
    return run(args.base_url.rstrip("/"), args.folder, only)


if __name__ == "__main__":
    sys.exit(main())
