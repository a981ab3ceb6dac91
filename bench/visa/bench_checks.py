"""Visa checklist throughput on 10,000 varied contracts, against msgspec-decoding the same payloads alone.

Run: .venv/bin/python bench/visa/bench_checks.py   (not a timed test; prints figures and a ratio)
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "unit" / "visa"))

from visa_builders import PARAMS, of_kind, week, with_clauses, with_pay, with_schedule

from coordination.visa.checks import CHECK_IDS, run_checklist
from coordination.visa.contract import Contract, ContractKind, NonCompete, TrialClause

N = 10_000
KINDS = [
    k for k in ContractKind if k not in (ContractKind.TRANSITION_INTERNSHIP, ContractKind.FIRST_INTERNSHIP)
]


def varied(rng: random.Random) -> Contract:
    c = of_kind(rng.choice(KINDS))
    c = msgspec.structs.replace(
        c,
        start_date=dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(900)),
        unpaid_test_days=rng.choice([0, 0, 0, 1, 2]),
        unpaid_test_productive=rng.choice([None, True, False]),
    )
    if c.pay is not None and c.pay.gross_monthly is not None:
        c = with_pay(c, gross_monthly=round(rng.uniform(1500, 4500), 2))
    h = rng.choice([38, 30, 19, 12])
    c = with_schedule(
        msgspec.structs.replace(c, weekly_hours=h),
        shifts=week("08:00", rng.choice(["16:06", "12:00", "20:30"])),
    )
    if rng.random() < 0.2:
        c = with_clauses(c, trial=TrialClause(working_days=5, written=True))
    if rng.random() < 0.2:
        c = with_clauses(c, non_compete=NonCompete(written=True, duration_months=12, indemnity_fraction=0.5))
    return c


def main() -> None:
    rng = random.Random(6)
    payloads = [msgspec.json.encode(varied(rng)) for _ in range(N)]
    decoder = msgspec.json.Decoder(Contract)

    t0 = time.perf_counter()
    for p in payloads:
        decoder.decode(p)
    decode_s = time.perf_counter() - t0

    verdicts: dict[str, int] = {}
    t0 = time.perf_counter()
    for p in payloads:
        v = run_checklist(decoder.decode(p), params=PARAMS).verdict
        verdicts[v.value] = verdicts.get(v.value, 0) + 1
    full_s = time.perf_counter() - t0

    checks = N * len(CHECK_IDS)
    print(f"contracts: {N}, checks per contract: {len(CHECK_IDS)}, verdicts: {verdicts}")
    print(f"decode only:        {N / decode_s:12,.0f} contracts/s  ({decode_s * 1e6 / N:7.1f} µs each)")
    print(f"decode + checklist: {N / full_s:12,.0f} contracts/s  ({full_s * 1e6 / N:7.1f} µs each)")
    print(f"checks per second:  {checks / full_s:12,.0f}")
    print(f"ratio (decode+checklist time / decode time): {full_s / decode_s:.1f}x")


if __name__ == "__main__":
    main()
