"""The 21 APEC economies and their customs offices (UN/LOCODE)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from clearway.errors import FieldError, Invalid


@dataclass(frozen=True)
class Economy:
    code: str
    name: str
    currency: str


@dataclass(frozen=True)
class Office:
    code: str
    name: str
    economy: str
    kind: str
    lat: float
    lon: float


def _load(name: str) -> list[dict]:
    return json.loads(resources.files("clearway.reference").joinpath("data", name).read_text("utf-8"))


@cache
def all_economies() -> dict[str, Economy]:
    return {e["code"]: Economy(**e) for e in _load("economies.json")}


@cache
def all_offices() -> dict[str, Office]:
    return {o["code"]: Office(**o) for o in _load("offices.json")}


def get(code: str) -> Economy | None:
    return all_economies().get(code.upper()) if isinstance(code, str) else None


def office(code: str) -> Office | None:
    return all_offices().get(code.upper()) if isinstance(code, str) else None


def checked(code: str, path: str = "economy") -> str:
    """The economy code, upper case, or Invalid naming the field."""
    found = get(code)
    if found is None:
        raise Invalid(f"{code!r} is not an APEC economy",
                      errors=[FieldError(path, "is not one of the 21 APEC economy codes (e.g. AU, PE)")])
    return found.code
