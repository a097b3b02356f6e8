"""How long the TFA matching and gaps take at the region's full size: 21 economies x 36 measures of commitments
and N capacity-building projects (default 500), through the pure core (tfa.matching), against a baseline in the
same run (building the commitments and projects themselves).

    python benchmarks/bench_tfa.py [--projects 500] [--repeat 5]

A page or GET /api/v1/tfa/matches ranks one economy; GET /api/v1/tfa/gaps walks every economy's needs."""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from clearway.reference.economies import all_economies  # noqa: E402
from clearway.tfa.core import Commitment  # noqa: E402
from clearway.tfa.matching import Project, gaps, rank  # noqa: E402
from clearway.tfa.measures import all_measures  # noqa: E402
from timing import best  # noqa: E402

TODAY = date(2026, 12, 2)


def world(n_projects: int, seed: int = 1) -> tuple[list[Commitment], list[Project]]:
    rng = random.Random(seed)
    codes, ids = sorted(all_economies()), list(all_measures())
    rows = [Commitment(e, m, rng.choice("ABC"), rng.choice(["not_started", "in_progress", "implemented"]),
                       definitive_date=date(rng.choice([2020, 2025, 2030]), 1, 1),
                       priority=rng.choice(["high", "medium", "low", None]),
                       ta_needed=rng.choice([None, "training"])) for e in codes for m in ids]
    projects = [Project(f"P{i}", f"Project {i}", "donor", tuple(rng.sample(ids, rng.randint(1, 5))),
                        tuple(rng.sample(codes, rng.randint(0, 6))), "national",
                        rng.choice(["planned", "ongoing", "completed"]), None, None) for i in range(n_projects)]
    return rows, projects


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rows, projects = world(args.projects)
    base = best(lambda: world(args.projects), args.repeat)
    one = best(lambda: rank(rows, projects, economy="PG", today=TODAY), args.repeat)
    every = best(lambda: [rank(rows, projects, economy=e, today=TODAY) for e in sorted(all_economies())], args.repeat)
    found = best(lambda: gaps(rows, projects, today=TODAY), args.repeat)
    print(f"{len(rows)} commitments, {len(projects)} projects (best of {args.repeat})")
    print(f"baseline, building them:      {base * 1000:8.2f} ms")
    print(f"matches for one economy:      {one * 1000:8.2f} ms")
    print(f"matches for all 21 economies: {every * 1000:8.2f} ms")
    print(f"gaps of the region:           {found * 1000:8.2f} ms")


if __name__ == "__main__":
    main()
