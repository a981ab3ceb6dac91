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
