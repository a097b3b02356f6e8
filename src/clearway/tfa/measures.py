"""The 36 measures of Section I of the WTO Trade Facilitation Agreement (WT/L/931), shipped as reference
data (data/measures.csv, sources in data/SOURCE.md). No database here."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

# TFA Art. 15.1 / 16.1: Category A measures are implemented upon entry into force of the Agreement for a
# developing member (data/notification_deadlines.csv, "Category A implementation, developing").
ENTRY_INTO_FORCE = date(2017, 2, 22)


@dataclass(frozen=True)
class Measure:
    id: str  # "7.1", "3"
    article: int
    title: str
    article_title: str
    customs_related: bool
    other_agencies: str
    notification_article: str
    note: str

    @property
    def label(self) -> str:
        return f"{self.id} {self.title}"


def sort_key(measure_id: str) -> tuple[int, ...]:
    return tuple(int(p) for p in measure_id.split("."))


@cache
def all_measures() -> dict[str, Measure]:
    """The measures in treaty order, by id."""
    text = resources.files("clearway.tfa").joinpath("data", "measures.csv").read_text("utf-8")
    rows = [Measure(id=r["measure_id"], article=int(r["article"]), title=r["measure_title"],
                    article_title=r["article_title"], customs_related=r["customs_related"] == "yes",
                    other_agencies=r["other_agencies_typically_involved"],
                    notification_article=r["transparency_notification_article"], note=r["note"])
            for r in csv.DictReader(io.StringIO(text))]
    return {m.id: m for m in sorted(rows, key=lambda m: sort_key(m.id))}


def get(measure_id: str) -> Measure | None:
    return all_measures().get(measure_id.strip()) if isinstance(measure_id, str) else None
