"""Insertion schemes: article 60 §7 and 61 (CPAS), the PIIS, Forem's PFI, immersion conventions, internships."""

from __future__ import annotations

from coordination.visa.checks.base import Ctx, Outcome, check, eur, not_applicable, on_part, only_for
from coordination.visa.checks.form import require_written
from coordination.visa.contract import Article60, Article61, ContractKind, Mention, Pfi
from coordination.visa.facts import add_months
from coordination.visa.parameters import Unknown


@check("ART60")
@only_for(ContractKind.ARTICLE_60, "Pas une mise à l'emploi article 60 §7.")
@on_part("article_60", "conditions de l'article 60 §7 (employeur, durée, mise à disposition)")
def art60(ctx: Ctx, a: Article60) -> Outcome:
    ctx.flag(
        "employer_is_cpas",
        a.employer_is_cpas,
        "le CPAS est-il l'employeur?",
        "le CPAS doit être l'employeur, sous un vrai contrat de travail",
    )
    target = ctx.param("article_60_working_days")
    days = ctx.use("planned_working_days", a.planned_working_days)
    if isinstance(target, Unknown):
        ctx.unknown_law(target, "le nombre de jours de travail requis pour ouvrir le droit au chômage")
    elif days is None:
        ctx.missing("nombre de jours de travail prévus")
    elif days < target:
        ctx.fail(
            f"{days} jours de travail prévus: il en faut {target} pour ouvrir le droit aux allocations de chômage"
        )
    if ctx.use("placed_with_user", a.placed_with_user):
        ctx.flag(
            "user_allowed",
            a.user_allowed,
            "l'utilisateur fait-il partie des utilisateurs autorisés?",
            "mise à disposition d'un utilisateur non autorisé",
        )
        ctx.flag(
            "placement_agreement_written",
            a.placement_agreement_written,
            "convention de mise à disposition écrite",
            "pas de convention écrite de mise à disposition",
        )
    elif a.placed_with_user is None:
        ctx.missing("mise à disposition d'un utilisateur (oui/non)")
    return ctx.verdict(
        "Le CPAS est l'employeur et la durée ouvre le droit aux allocations. Le niveau de rémunération propre à "
        "l'article 60 n'est pas connu ici: les contrôles de salaire s'appliquent."
    )


@check("ART61")
@only_for(ContractKind.ARTICLE_61, "Pas une mise à l'emploi article 61.")
@on_part("article_61", "prime de tutorat (montant, durée, effet sur le salaire)", "article_61")
def art61(ctx: Ctx, a: Article61, rules: dict | Unknown) -> Outcome:
    ctx.flag(
        "premium_deducted_from_pay",
        a.premium_deducted_from_pay,
        "la prime de tutorat réduit-elle le salaire?",
        "la prime de tutorat du CPAS ne peut jamais réduire le salaire",
        want=False,
    )
    if isinstance(rules, Unknown):
        ctx.unknown_law(rules, "la prime de tutorat")
    else:
        p = ctx.use("tutoring_premium_monthly", a.tutoring_premium_monthly)
        if p is not None and p > rules["tutoring_premium_monthly"]:
            ctx.fail(
                f"prime de tutorat de {eur(p)} par mois, au-delà de {eur(rules['tutoring_premium_monthly'])}"
            )
        m = ctx.use("tutoring_months", a.tutoring_months)
        if m is not None and m > rules["tutoring_max_months"]:
            ctx.fail(f"prime de tutorat sur {m:g} mois, au-delà de {rules['tutoring_max_months']} mois")
    return ctx.verdict("Contrat ordinaire à plein salaire; la prime de tutorat ne le réduit pas.")


@check("PIIS")
def piis(ctx: Ctx) -> Outcome:
    c = ctx.contract
    ris = ctx.use("ris_beneficiary", c.worker.ris_beneficiary)
    p = c.piis
    cpas_kind = c.kind in (ContractKind.ARTICLE_60, ContractKind.ARTICLE_61)
    if p is None:
        if ris or (cpas_kind and ris is None):
            return ctx.stop_missing("PIIS signé (date, contenu, évaluations)")
        return not_applicable(
            "Pas de PIIS en jeu: la personne n'est pas indiquée comme bénéficiaire du revenu d'intégration."
        )
    rules = ctx.param("piis")
    ctx.flag("written", p.written, "PIIS écrit", "le PIIS doit être écrit")
    ctx.flag(
        "fits_aspirations_and_aptitudes",
        p.fits_aspirations_and_aptitudes,
        "l'offre correspond-elle aux aspirations et aptitudes inscrites au PIIS?",
        "l'offre ne correspond pas aux aspirations et aptitudes inscrites au PIIS",
    )
    if isinstance(rules, Unknown):
        return ctx.stop_unknown_law(rules, "les délais du PIIS")
    granted, concluded = ctx.use("ris_granted_on", p.ris_granted_on), ctx.use("concluded_on", p.concluded_on)
    if granted and concluded and concluded > add_months(granted, rules["conclude_within_months"]):
        ctx.fail(
            f"PIIS conclu plus de {rules['conclude_within_months']} mois après l'octroi du revenu d'intégration"
        )
    r = ctx.use("reflection_working_days", p.reflection_working_days)
    if r is not None and r < rules["reflection_working_days"]:
        ctx.fail(
            f"{r} jour(s) ouvrable(s) de réflexion: la personne doit en avoir {rules['reflection_working_days']}"
        )
    e = ctx.use("evaluation_interval_months", p.evaluation_interval_months)
    if e is not None and e > rules["evaluation_max_interval_months"]:
        ctx.fail("le PIIS doit être évalué au moins une fois par trimestre")
    return ctx.verdict(
        "L'offre s'inscrit dans le PIIS signé, construit avec la personne et évalué chaque trimestre."
    )


@check("PFI")
@only_for(ContractKind.PFI, "Pas une PFI.")
@on_part("pfi", "conditions de la PFI (durée, prime, tuteur, engagement)", "pfi")
def pfi(ctx: Ctx, f: Pfi, rules: dict | Unknown) -> Outcome:
    if isinstance(rules, Unknown):
        return ctx.stop_unknown_law(rules, "les règles de la PFI (réforme du 1-10-2024)")
    w = ctx.need("duration_weeks", f.duration_weeks, "durée en semaines")
    target = ctx.use("target_group", f.target_group)
    cap = rules["max_weeks_target_group"] if target else rules["max_weeks"]
    if w is not None and (w < rules["min_weeks"] or w > cap):
        ctx.fail(f"durée de {w:g} semaines: entre {rules['min_weeks']} et {cap} semaines")
    pr = ctx.need(
        "employer_premium_fraction", f.employer_premium_fraction, "prime de stagiaire payée par l'employeur"
    )
    if pr is not None and not rules["premium_min"] <= pr <= rules["premium_max"]:
        ctx.fail(
            f"prime de stagiaire de {round(pr * 100)} %: entre 60 et 100 % de (salaire d'embauche − allocations)"
        )
    ctx.flag(
        "travel_costs_paid",
        f.travel_costs_paid,
        "frais de déplacement payés",
        "l'employeur doit payer les frais de déplacement",
    )
    ctx.flag("tutor", f.tutor, "tuteur désigné", "un tuteur doit être désigné")
    ctx.flag(
        "accident_insurance",
        f.accident_insurance,
        "assurance accidents",
        "le stagiaire doit être assuré contre les accidents",
    )
    h = ctx.need("hiring_commitment_weeks", f.hiring_commitment_weeks, "durée de l'engagement après la PFI")
    if h is not None and w is not None and h < w:
        ctx.fail("l'engagement après la PFI doit durer au moins autant que la formation")
    ctx.flag(
        "hiring_in_trained_job",
        f.hiring_in_trained_job,
        "engagement dans le métier appris",
        "l'engagement doit porter sur le métier appris",
    )
    ctx.flag(
        "dismissal_to_make_room",
        f.dismissal_to_make_room,
        "licenciement pour faire place au stagiaire?",
        "un travailleur ne peut être licencié pour faire place au stagiaire",
        want=False,
    )
    d = ctx.need(
        "days_worked_there_previous_3_months",
        f.days_worked_there_previous_3_months,
        "jours déjà travaillés dans l'entreprise les 3 derniers mois",
    )
    if d is not None and d > rules["max_days_worked_previous_3_months"]:
        ctx.fail(
            f"{d} jours déjà travaillés dans l'entreprise les 3 derniers mois (au plus {rules['max_days_worked_previous_3_months']})"
        )
    return ctx.verdict(
        "La PFI respecte la durée, la prime de stagiaire, le tutorat, l'assurance et l'engagement."
    )


CIP_MENTIONS = (
    Mention.PARTIES,
    Mention.PLACE,
    Mention.OBJECT,
    Mention.DURATION,
    Mention.DAILY_HOURS,
    Mention.WEEKLY_HOURS,
    Mention.ALLOWANCE,
    Mention.TERMINATION,
    Mention.TRAINING_PLAN,
)


@check("CIP")
@only_for(ContractKind.CIP, "Pas une convention d'immersion professionnelle.")
def cip(ctx: Ctx) -> Outcome:
    c = ctx.contract
    require_written(ctx, "la convention d'immersion", CIP_MENTIONS)
    minimum = ctx.param("cip_min_allowance")
    allowance = ctx.use("monthly_allowance", c.cip.monthly_allowance if c.cip else None)
    if allowance is None:
        ctx.missing("allocation mensuelle")
    elif isinstance(minimum, Unknown):
        ctx.unknown_law(minimum, "le montant minimal de l'allocation")
    elif allowance < minimum:
        ctx.fail(f"allocation de {eur(allowance)}, inférieure à l'allocation d'apprenti ({eur(minimum)})")
    return ctx.verdict(
        "La convention est écrite avant le début avec toutes les mentions et une allocation suffisante."
    )


@check("STAGE_TRANSITION")
@only_for(ContractKind.TRANSITION_INTERNSHIP, "Pas un stage de transition.")
def stage_transition(ctx: Ctx) -> Outcome:
    ctx.unknown(
        "le stage de transition est signalé comme supprimé en Wallonie francophone (date de suppression inconnue): "
        "vérifier auprès du Forem qu'il peut encore être conclu, sinon proposer une PFI ou une immersion"
    )
    return ctx.verdict("")


@check("STAGE_FIRST")
@only_for(ContractKind.FIRST_INTERNSHIP, "Pas un stage First.")
def stage_first(ctx: Ctx) -> Outcome:
    ctx.fail("le stage First est un dispositif bruxellois (Actiris): il ne s'applique pas en Wallonie")
    return ctx.verdict("")
