"""Illustrative workforce figures and self-assessments for the demo: NOT any administration's real data
(stored with illustrative=True). Action owners are job titles, never names. Deterministic, loaded once."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from clearway.workforce import service
from clearway.workforce.models import WorkforceMetrics
from clearway.workforce.principles import indicators
from clearway.workforce.schemas import GradeIn, MetricsIn, RatingIn

ACTOR = "demo (illustrative)"
ECONOMIES = {"AU": 0.46, "NZ": 0.44, "US": 0.32, "CA": 0.41, "JP": 0.18, "TH": 0.38, "PE": 0.35, "PG": 0.22}
YEARS = range(2021, 2026)
ASSESSED = (date(2024, 3, 1), date(2025, 3, 1), date(2026, 3, 1))
OWNERS = ("Director of human resources", "Gender focal point", "Head of training", "Deputy commissioner")


def _metrics(rng: random.Random, share: float, step: int) -> MetricsIn:
    staff = rng.randrange(800, 6000)
    women_share = share + 0.01 * step
    women = int(staff * women_share)
    leaders = staff // 25
    return MetricsIn(staff=staff, women=women, frontline_staff=staff * 3 // 5,
                     frontline_women=int(staff * 3 // 5 * (women_share - 0.08)), recruits=staff // 20,
                     recruits_women=int(staff // 20 * min(0.6, women_share + 0.08)), leaders=leaders,
                     leaders_women=int(leaders * (women_share - 0.12 + 0.02 * step)),
                     trained=int(staff * min(0.95, 0.1 + 0.18 * step)),
                     grades={"senior": GradeIn(staff=leaders, women=int(leaders * (women_share - 0.12 + 0.02 * step))),
                             "officer": GradeIn(staff=staff - leaders, women=women - int(
                                 leaders * (women_share - 0.12 + 0.02 * step)))})


def load(session: Session, *, seed: int = 15) -> dict[str, int]:
    """Five years of head counts and three self-assessments per illustrative economy; nothing if any exist."""
    if session.scalar(select(func.count()).select_from(WorkforceMetrics)):
        return {"years": 0, "ratings": 0}
    rng = random.Random(seed)
    years = ratings = 0
    for economy, share in ECONOMIES.items():
        for step, year in enumerate(YEARS):
            service.put_metrics(session, principal=None, actor=ACTOR, economy=economy, year=year,
                                body=_metrics(rng, share, step), illustrative=True)
            years += 1
        level = {code: rng.randrange(0, 3) for code in indicators()}
        for n, day in enumerate(ASSESSED):
            for code in indicators():
                level[code] = min(4, level[code] + rng.choice([0, 0, 1]) if n else level[code])
                act = level[code] < 3
                body = RatingIn(rating=level[code], evidence="illustrative self-assessment",
                                action=f"raise {code} to 'largely in place'" if act else None,
                                action_owner=rng.choice(OWNERS) if act else None,
                                action_due=date(day.year + 1, rng.choice([3, 6, 9, 12]), 30) if act else None)
                service.put_rating(session, principal=None, actor=ACTOR, economy=economy, assessed_on=day,
                                   indicator=code, body=body, illustrative=True)
                ratings += 1
    return {"years": years, "ratings": ratings}
