"""Illustrative TFA entries for the demo: NOT any economy's real notifications. Every row is stored with
illustrative=True and the pages and answers say so. Deterministic (a fixed seed), loaded once."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.tfa import measures, service
from clearway.tfa.models import TfaCommitment
from clearway.tfa.schemas import CommitmentIn, ProjectIn

ACTOR = "demo (illustrative)"
# How far along each illustrative economy is: the share of measures implemented, and of the rest in Category C.
PROFILES = {"AU": (0.95, 0.0), "NZ": (0.92, 0.0), "US": (0.9, 0.0), "CA": (0.9, 0.0), "JP": (0.94, 0.0),
            "SG": (0.97, 0.0), "TH": (0.7, 0.2), "VN": (0.55, 0.35), "PE": (0.6, 0.3), "PH": (0.6, 0.3),
            "PG": (0.3, 0.6)}
PROJECTS = {
    "DEMO-RISK": ("Risk management and post-clearance audit (illustrative)", "Illustrative donor A",
                  ["7.4", "7.5"], [], "national", "ongoing", date(2026, 1, 1), date(2030, 12, 31)),
    "DEMO-TRS": ("Time release study coaching (illustrative)", "Illustrative donor B", ["7.6"], ["PG", "PE", "VN"],
                 "regional", "planned", date(2027, 3, 1), date(2028, 2, 28)),
    "DEMO-SW": ("Single window feasibility (illustrative)", "Illustrative implementer C", ["10.4", "10.1", "10.3"],
                ["PG", "PH"], "advisory", "ongoing", date(2025, 6, 1), date(2029, 6, 30)),
    "DEMO-AEO": ("Authorised operator programme design (illustrative)", "Illustrative donor A", ["7.7"], [],
                 "e-learning", "planned", date(2027, 1, 15), None),
    "DEMO-OLD": ("Advance rulings, first phase (illustrative)", "Illustrative donor B", ["3"], ["VN"], "national",
                 "completed", date(2019, 1, 1), date(2021, 12, 31)),
}
HELP = {"7.4": "risk engine and targeting training", "7.6": "time release study", "10.4": "single window design",
        "7.7": "AEO criteria and validation", "3": "advance rulings system", "7.1": "electronic manifest",
        "11": "transit guarantee scheme", "7.9": "cold storage at border posts"}


def _entry(rng: random.Random, done_share: float, c_share: float) -> CommitmentIn:
    category = "C" if rng.random() < c_share else "B"
    if rng.random() < done_share:  # implemented: on entry into force (A), or since by a definitive date
        if rng.random() < 0.7:
            return CommitmentIn(category="A", status="implemented", percent=100, evidence="illustrative: law in force")
        return CommitmentIn(category=category, definitive_date=date(rng.choice([2019, 2021, 2023]), 2, 22),
                            status="implemented", percent=100, evidence="illustrative: regulation in force")
    year = rng.choice([2021, 2023, 2025, 2027, 2029])
    started = rng.random() < 0.6
    return CommitmentIn(category=category, definitive_date=date(year, rng.choice([2, 6, 12]), 22 if year < 2026 else 1),
                        indicative_date=date(year - 1, 2, 22), status="in_progress" if started else "not_started",
                        percent=rng.choice([20, 40, 60, 80]) if started else 0,
                        priority=rng.choice(["high", "medium", "low", None]), ta_needed=None)


def load(session: Session, *, seed: int = 14) -> dict[str, int]:
    """Illustrative commitments of a few economies and five projects; nothing if any commitment exists."""
    if session.scalar(select(func.count()).select_from(TfaCommitment)):
        return {"commitments": 0, "projects": 0}
    rng = random.Random(seed)
    made = 0
    for economy, (done_share, c_share) in PROFILES.items():
        for measure in measures.all_measures():
            body = _entry(rng, done_share, c_share)
            if body.status != "implemented" and measure in HELP and (body.category == "C" or rng.random() < 0.5):
                body = body.model_copy(update={"ta_needed": HELP[measure], "priority": body.priority or "high"})
            service.put_commitment(session, principal=None, actor=ACTOR, economy=economy, measure=measure, body=body,
                                   illustrative=True)
            made += 1
    for code, (title, donor, covered, eligible, modality, status, start, end) in PROJECTS.items():
        service.put_project(session, principal=None, actor=ACTOR, code=code, illustrative=True,
                            body=ProjectIn(title=title, donor=donor, measures=covered, eligible=eligible,
                                           modality=modality, status=status, start=start, end=end))
    return {"commitments": made, "projects": len(PROJECTS)}
