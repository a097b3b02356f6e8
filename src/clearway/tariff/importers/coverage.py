"""How much of HS 2022 a schedule rates: the share of HS 2022 subheadings with an applied (MFN) rate on a
date. No database here. A subheading counts when a quote on it gives a rate: it (or its heading) has an
MFN measure, or every national line the schedule lists under it has one."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from clearway.reference.hs import nomenclature
from clearway.tariff.schedule import Schedule


def coverage(sched: Schedule, on: date, unrated: list[str] = ()) -> dict[str, Any]:
    """`unrated`: national lines the publication lists whose MFN rate was refused at import."""
    subs = nomenclature().subheadings
    national: dict[str, set[str]] = defaultdict(set)
    for code in unrated:
        national[code[:6]].add(code)
    for (t, code) in sched._by:  # noqa: SLF001 - read-only walk of the index
        if t == "mfn" and len(code) > 6:
            national[code[:6]].add(code)
    covered, missing = [], []
    for sub in subs:
        if sched.find("mfn", sub, on) or (national[sub] and all(sched.find("mfn", c, on) for c in national[sub])):
            covered.append(sub)
        else:
            missing.append(sub)
    chapters = {c[:2] for (t, c) in sched._by if t == "mfn"}  # noqa: SLF001
    in_chapters = [s for s in subs if s[:2] in chapters]
    covered_in = [s for s in covered if s[:2] in chapters]
    return {"economy": sched.economy, "date": on.isoformat(), "subheadings": len(subs), "covered": len(covered),
            "share": round(100 * len(covered) / len(subs), 2), "chapters": len(chapters),
            "subheadings_in_chapters": len(in_chapters), "covered_in_chapters": len(covered_in),
            "share_in_chapters": round(100 * len(covered_in) / len(in_chapters), 2) if in_chapters else 0.0,
            "missing": missing}
