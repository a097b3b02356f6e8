"""The Border Management Dashboard's shape: its four pillars (APEC Border Management Dashboard: policy and
regulation; technology and ICT; industry and supply chains; COVID-19 response), the indicators of each,
and an indicator's figures as plain data. No database here.

Every indicator says where it comes from: `computed` live from Clearway's records (with its query
window), or `entered` by an administrator with a source and a date, for what Clearway cannot see (the
legal framework, declarations lodged on paper outside it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

PILLARS: dict[str, str] = {
    "policy": "Policy and regulation",
    "technology": "Technology and ICT",
    "industry": "Industry and supply chains",
    "covid": "COVID-19 response",
}

Value = float | Decimal | str | None


@dataclass
class Series:
    name: str
    points: list[tuple[str, Value]]  # (label, value), e.g. ("2026-05", 12.5)


@dataclass
class Indicator:
    key: str
    pillar: str
    title: str
    unit: str
    source: str  # "computed" | "entered"
    provenance: str  # the query window, or the entered source and date
    chart: str = "bar"  # bar | line | none
    series: list[Series] = field(default_factory=list)
    note: str | None = None
    section: str | None = None  # a heading the page shows above a run of indicators that belong together

    def as_dict(self) -> dict:
        return {"key": self.key, "pillar": self.pillar, "title": self.title, "unit": self.unit,
                "source": self.source, "provenance": self.provenance, "chart": self.chart, "note": self.note,
                "series": [{"name": s.name, "points": [[label, display(v)] for label, v in s.points]}
                           for s in self.series]}


def display(value: Value) -> str | None:
    """One spelling of a figure for the API, the chart's table and the CSV alike: money exact, other
    figures to two decimals at most."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return value  # an entered answer, e.g. "yes"
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def share(part: int, whole: int) -> float | None:
    """A percentage, or None when there is nothing to divide."""
    return None if whole == 0 else 100.0 * part / whole


# Entered indicators an administrator is expected to keep (others may be added with any key).
ENTERED: dict[str, tuple[str, str, str]] = {
    # key: (pillar, title, unit)
    "legal_framework_electronic_documents": ("policy", "Electronic documents and signatures have legal force",
                                             "yes/no"),
    "tfa_notified_implementation": ("policy", "TFA measures notified as implemented", "%"),
    "paperless_declarations_share": ("technology", "Declarations lodged without paper (all channels)", "%"),
    "single_window_agencies": ("technology", "Agencies connected to the single window", "agencies"),
    "essential_goods_procedures": ("covid", "Expedited procedures for essential goods in force", "yes/no"),
}
KEY_PATTERN = r"^[a-z][a-z0-9_]{2,79}$"


def csv_rows(ind: Indicator) -> list[list[str]]:
    """The indicator's figures as a table: one row per label, one column per series."""
    labels: list[str] = []
    for s in ind.series:
        labels += [label for label, _ in s.points if label not in labels]
    values = {(s.name, label): v for s in ind.series for label, v in s.points}
    head = ["label"] + [f"{s.name} ({ind.unit})" for s in ind.series]
    return [head] + [[label] + [display(values.get((s.name, label))) or "" for s in ind.series] for label in labels]


WORKFORCE_FIGURES = {"overall": "Women's share of staff", "frontline": "Women's share of frontline staff",
                     "recruits": "Women's share of recruits", "leadership": "Women's share of leadership",
                     "trained": "Share of staff trained"}


def regional_tables(published: list[tuple[str, dict]]) -> list[Indicator]:
    """The workforce shares (a line per economy over the years) and the TFA implementation rates (a bar
    per economy by category) that economies published, one figure each, economies side by side."""
    out = []
    for key, title in WORKFORCE_FIGURES.items():
        series = [Series(e, [(str(y["year"]), y["shares"].get(key)) for y in f.get("workforce", [])])
                  for e, f in published if f.get("workforce")]
        out.append(Indicator(f"workforce_{key}", "region", title, "%", "computed", "published per year; groups "
                             "under 5 people left out", "line", series))
    series = [Series(e, [(r["category"], r["rate"]) for r in f["tfa"]]) for e, f in published
              if any(r["measures"] for r in f.get("tfa", []))]  # an economy with no commitment entered: no bars
    out.append(Indicator("tfa_implementation", "region", "TFA measures implemented, by category", "%", "computed",
                         "share of the economy's commitments implemented", "bar", series))
    return [i for i in out if i.series]
