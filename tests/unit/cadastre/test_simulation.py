"""Coverage of the published ratio's interval, by simulation of populations with known true effects.

Each population has a creaming partner (takes people close to a job, adds nothing), a value-adding partner
(takes people far from work and doubles their chance), and neutral partners of very different sizes. People
are drawn per proximity band, outcomes are binomial with known probabilities. The true effect a partner's
ratio estimates is, given who it took in, its true expected exits over what the *other* partners would
have achieved with the same people (their true probabilities, weighted as in the reference):
``θ_p = Σ_b n_pb π_pb / Σ_b n_pb ρ_b(−p)``. The published interval must cover it in 93–97 % of the
populations, for every partner type; and the creaming partner's raw advantage must disappear once adjusted.

Pure Python/numpy through the same functions the evaluation calls (no database): about a second.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from coordination.cadastre.stats import BandCounts, leave_one_out, standardise

POPULATIONS = 1000
BANDS = np.arange(10)
BASE = 0.55 - 0.05 * BANDS  # score 0 (closest to a job) 55 %, score 9 10 %
CLOSE = np.array([0.3, 0.3, 0.2, 0.1, 0.05, 0.05, 0, 0, 0, 0])
FAR = np.array([0, 0, 0, 0, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2])
SPREAD = np.full(10, 0.1)
# (type, ended steps, band mix, effect on each person's chance)
PARTNERS = (
    ("creaming", 300, CLOSE, 1.0),
    ("value_adding", 200, FAR, 2.0),
    ("neutral", 40, SPREAD, 1.0),
    ("neutral", 150, FAR, 1.0),
    ("neutral", 600, SPREAD, 1.0),
    ("neutral", 2500, SPREAD, 1.0),
)


def _population(rng: np.random.Generator):
    n = np.array([rng.multinomial(size, mix) for _, size, mix, _ in PARTNERS])
    pi = np.array([np.minimum(1.0, BASE * effect) for *_, effect in PARTNERS])
    positive = rng.binomial(n, pi)
    return n, pi, positive


def _true_effect(n, pi, p: int) -> float:
    others = [q for q in range(len(PARTNERS)) if q != p]
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (n[others] * pi[others]).sum(axis=0) / n[others].sum(axis=0)
    seen = n[p] > 0
    return float((n[p] * pi[p])[seen].sum() / (n[p] * rho)[seen].sum())


def test_interval_covers_the_true_effect_and_creaming_disappears():
    rng = np.random.default_rng(20251206)
    covered, trials = defaultdict(int), defaultdict(int)
    ratios, errors, raw_advantage = defaultdict(list), defaultdict(list), []
    for _ in range(POPULATIONS):
        n, pi, positive = _population(rng)
        groups = [
            {int(b): BandCounts(int(n[p, b]), int(positive[p, b])) for b in BANDS if n[p, b]}
            for p in range(len(PARTNERS))
        ]
        population = {
            int(b): BandCounts(int(n[:, b].sum()), int(positive[:, b].sum())) for b in BANDS if n[:, b].sum()
        }
        for p, (kind, *_) in enumerate(PARTNERS):
            result = standardise(groups[p], leave_one_out(population, groups[p]))
            low, high = result.ratio_interval
            truth = _true_effect(n, pi, p)
            trials[kind] += 1
            covered[kind] += low <= truth <= high
            ratios[kind].append(result.ratio)
            errors[kind].append(result.ratio - truth)
        raw_creamer = positive[0].sum() / n[0].sum()
        raw_all = positive.sum() / n.sum()
        raw_advantage.append(raw_creamer / raw_all)
    for kind in trials:
        coverage = covered[kind] / trials[kind]
        print(f"{kind}: coverage {coverage:.3f} over {trials[kind]} partners")
        assert 0.93 <= coverage <= 0.97, (kind, coverage)
    # the creamer looks far better raw, and like everyone once adjusted; the value-adder stands out
    assert np.mean(raw_advantage) > 1.3
    assert abs(np.mean(ratios["creaming"]) - 1.0) < 0.03
    assert np.mean(ratios["value_adding"]) > 1.6
    for kind in trials:  # unbiased for every type (neutral partners' truth is below 1 where the adder works)
        assert abs(np.mean(errors[kind])) < 0.02, kind
