"""The choices the trader's forms offer: offices of the trader's economy, currencies, countries, and the
declaration's code lists (from declarations.schemas). Reference data only."""

from __future__ import annotations

from functools import cache

from clearway.declarations.schemas import DECLARATION_TYPES, INCOTERMS, TRANSPORT_MODES
from clearway.reference import countries, economies

# Invoice currencies offered beside the 21 economies' own (the common currencies of trade invoices).
TRADE_CURRENCIES = ("EUR", "GBP", "CHF", "USD")


@cache
def currencies() -> tuple[str, ...]:
    return tuple(sorted({e.currency for e in economies.all_economies().values()} | set(TRADE_CURRENCIES)))


def offices(economy: str) -> list[tuple[str, str]]:
    return sorted(((o.code, f"{o.code} {o.name}") for o in economies.all_offices().values() if o.economy == economy),
                  key=lambda o: o[1])


def pickers(economy: str) -> dict:
    return {"offices": offices(economy), "currencies": [(c, c) for c in currencies()],
            "countries": [(code, f"{code} {name}") for code, name in countries.all_countries()],
            "types": [(t, t) for t in DECLARATION_TYPES], "modes": [(m, m.replace("_", " ")) for m in TRANSPORT_MODES],
            "incoterms": [(i, i) for i in INCOTERMS],
            "home_currency": economies.get(economy).currency if economies.get(economy) else ""}
