"""The whole schedules shipped inside the package (data/full/XX.json.gz, see data/full/SOURCE.md), loaded
for the demo. Nothing here reads outside the package."""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Any

from sqlalchemy.orm import Session

from clearway.tariff import schedule
from clearway.tariff.importers import packed, store


def economies() -> list[str]:
    folder = resources.files("clearway.tariff").joinpath("data", "full")
    return sorted(p.name[:2] for p in folder.iterdir() if p.name.endswith(".json.gz"))


def document(economy: str) -> dict[str, Any]:
    path = resources.files("clearway.tariff").joinpath("data", "full", f"{economy.upper()}.json.gz")
    return packed.unpack(path.read_bytes())


def load(session: Session, *, economy: str, actor: str = "demo") -> dict[str, Any]:
    """Load a shipped whole schedule; the demo schedule's own measures stay where the publication has none
    at that code (so the demo's six-digit lines still quote) and its excise, VAT and fee measures stay."""
    doc = document(economy)
    present = {(m["type"], m["code"]) for m in doc["measures"]}
    demo = schedule.builtin(economy)
    fallback = [m for m in (demo.measures if demo else []) if m.type in store.REPLACED
                and (m.type, m.code) not in present]
    return store.replace(session, doc=doc, actor=actor, file=f"clearway/tariff/data/full/{economy}.json.gz",
                         validate=False, fallback=fallback)


def schedule_of(economy: str) -> schedule.Schedule:
    """A shipped whole schedule in memory (for the pure core, the coverage figures and the benchmarks)."""
    doc = document(economy)
    nodes: dict[str, Any] = {}
    measures = []
    for m in doc["measures"]:
        node = nodes.get(m["rate"])
        if node is None:
            node = nodes[m["rate"]] = schedule.expressions.parse(m["rate"], doc["currency"])
        day = lambda k, m=m: date.fromisoformat(m[k]) if m.get(k) else None  # noqa: E731
        measures.append(schedule.Measure(
            economy=doc["economy"], code=m["code"], type=m["type"], rate=m["rate"], expression=node,
            valid_from=day("valid_from"), valid_to=day("valid_to"), agreement=m.get("agreement"),
            origins=tuple(m.get("origins") or ()), description=m.get("description"), legal_basis=m.get("legal_basis"),
            source=m.get("source"), note=m.get("note")))
    return schedule.Schedule(economy=doc["economy"], currency=doc["currency"], name=doc.get("name", ""),
                             measures=measures)
