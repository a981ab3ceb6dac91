"""What the referral routes declare to the access gate (``opt``), shared by the API and the pages: the
routes that touch no file say why, and the use cases the services decide themselves say so too
(``coordination policy check`` reads these)."""

from __future__ import annotations

CARD = {
    "public": "carte d'orientation du partenaire destinataire : instantané (service, catégorie de motif, prénom, "
    "bassin) pris à l'envoi par un travailleur passé par le gate ; rien du dossier ; chaque carte montrée "
    "est journalisée sur la chaîne de la personne (base « referral »)"
}
PARTNER_ANSWER = {
    "public": "réponse du partenaire destinataire à sa carte d'orientation (refus, liste d'attente) : "
    "n'ouvre rien du dossier"
}
AGGREGATES = {"public": "chiffres agrégés par service et partenaire, sans aucune donnée personnelle"}
VOCABULARY = {"public": "listes de motifs (règles), sans donnée personnelle"}

REFERRAL_USE_CASE = (
    "une orientation demande plusieurs décisions du gate (identité, parcours, plan, consentements) selon ce "
    "qu'elle contient : le service referral.services les demande, le même pour l'API et les pages"
)

TRAJECTORY_READ = {"section": "trajectory", "action": "read"}
TRAJECTORY_WRITE = {"section": "trajectory", "action": "write"}
CONSENTS_WRITE = {"section": "consents", "action": "write"}
FILE_REFERRALS = {**TRAJECTORY_READ, "gate": REFERRAL_USE_CASE}
"""The referrals of one file: each one's reading is decided by the service."""
SENDING = {**TRAJECTORY_WRITE, "gate": REFERRAL_USE_CASE}
"""Sending a referral from the file (the service asks the gate for each part it touches)."""
