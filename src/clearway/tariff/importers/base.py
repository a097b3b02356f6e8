"""What every publication importer returns, and the steps they share. No database here.

An importer reads a publication into tariff lines: each line has its MFN (applied) rate and its preference
rates, with the line's legal text (description), the legal basis and the source. A rate the importer cannot
read is refused with the line's code, the column and the text; the line then has no rate of that column
(a quote on it is refused), never a zero."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from collections.abc import Callable, Mapping
from typing import Any

from clearway.reference.hs import nomenclature
from clearway.tariff.importers.rates import RateError

FORMAT = "clearway-tariff-schedule/1"


@dataclass(frozen=True)
class Refusal:
    code: str
    column: str
    text: str
    reason: str

    def line(self) -> str:
        return f"{self.code} [{self.column}] {self.text!r}: {self.reason}"


@dataclass
class Imported:
    economy: str
    currency: str
    name: str
    source: str
    measures: list[dict[str, Any]] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    skipped: list[Refusal] = field(default_factory=list)  # known and deliberately not imported (not an error)
    notes: list[str] = field(default_factory=list)
    lines: int = 0  # national tariff lines read
    unrated: list[str] = field(default_factory=list)  # national lines (HS 2022) whose MFN rate was refused

    def document(self) -> dict[str, Any]:
        return {"format": FORMAT, "economy": self.economy, "currency": self.currency, "name": self.name,
                "unrated_lines": sorted(set(self.unrated)), "measures": self.measures}

    def summary(self) -> dict[str, Any]:
        kinds: dict[str, int] = defaultdict(int)
        for m in self.measures:
            kinds[m["type"]] += 1
        return {"economy": self.economy, "name": self.name, "lines": self.lines, "measures": len(self.measures),
                **{f"{k}_measures": v for k, v in sorted(kinds.items())}, "refused": len(self.refused),
                "skipped": len(self.skipped)}


def hs_ok(code: str) -> bool:
    """Is this national code under an HS 2022 subheading?"""
    return len(code) >= 6 and code.isdigit() and nomenclature().get(code[:6]) is not None


def compact(lines: dict[str, dict[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """Measures from {national code: {"mfn": [measures], "preferences": [measures]}} (mfn: one, or several
    dated ones).

    Every national line keeps its own MFN measures (with its legal text). Where all national lines of an HS
    subheading carry the same MFN rates, the subheading gets them too, so a quote on the six digits works.
    Preferences are stored once on the subheading when all its lines share the same set, else per line
    (a line's preferences replace its parent's as a whole, so the two are never mixed)."""
    by_sub: dict[str, list[str]] = defaultdict(list)
    for code in sorted(lines):
        by_sub[code[:6]].append(code)
    out: list[dict[str, Any]] = []
    for sub, codes in sorted(by_sub.items()):
        mfn_sets = [_key(lines[c].get("mfn", [])) for c in codes]
        for c in codes:
            out.extend(lines[c].get("mfn", []))
        if sub not in codes and mfn_sets[0] and len(set(mfn_sets)) == 1:
            note = f"{_hs_text(sub)} (all {len(codes)} national lines of {sub} carry this rate)"
            out.extend({**m, "code": sub, "description": note} for m in lines[codes[0]]["mfn"])
        pref_sets = [_key(lines[c].get("preferences", [])) for c in codes]
        if len(codes) > 1 and len(set(pref_sets)) == 1 and pref_sets[0] and sub not in codes:
            out.extend({**p, "code": sub} for p in lines[codes[0]]["preferences"])
        else:
            for c in codes:
                out.extend(lines[c].get("preferences", []))
    return out


def _key(measures: list[dict[str, Any]]) -> frozenset:
    return frozenset((m.get("agreement"), m["rate"], m.get("valid_from"), m.get("valid_to")) for m in measures)


def _hs_text(sub: str) -> str:
    entry = nomenclature().get(sub)
    return entry.description if entry else sub


def preference_columns(rates: Mapping[str, str], columns: Mapping[str, tuple[str, tuple[str, ...]] | None], *,
                       shown: str, code: str, parse: Callable[[str], Any], unmapped: str,
                       basis: Callable[[str], str], source: str, out: Imported,
                       not_applied: Callable[[str], str | None] = lambda text: None) -> list[dict[str, Any]]:
    """The preference measures of one line from its agreement columns. A column whose beneficiaries are not
    known is skipped with `unmapped`; one `not_applied` names a reason for is skipped with that reason; a rate
    that cannot be parsed is refused with its text. Skips and refusals go to `out`."""
    found = []
    for column, target in columns.items():
        text = (rates.get(column) or "").strip()
        if not text:
            continue
        reason = unmapped if target is None else not_applied(text)
        if reason:
            out.skipped.append(Refusal(shown, column, text, reason))
            continue
        try:
            expr = parse(text)
        except RateError as exc:
            out.refused.append(Refusal(shown, column, text, str(exc)))
            continue
        agreement, who = target
        found.append({"code": code, "type": "preference", "agreement": agreement, "origins": list(who),
                      "rate": expr, "legal_basis": basis(column), "source": source, "note": f"published: {text}"})
    return found
