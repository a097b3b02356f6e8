"""The self-assessment's principles, indicators and rating scale (data/principles.json, with its source).
No database here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Indicator:
    code: str
    text: str
    principle: str


@dataclass(frozen=True)
class Principle:
    code: str
    name: str
    indicators: tuple[Indicator, ...]


@cache
def _data() -> dict:
    return json.loads(resources.files("clearway.workforce").joinpath("data", "principles.json").read_text("utf-8"))


@cache
def principles() -> tuple[Principle, ...]:
    return tuple(Principle(p["code"], p["name"], tuple(Indicator(i["code"], i["text"], p["code"])
                                                     for i in p["indicators"]))
                 for p in _data()["principles"])


@cache
def indicators() -> dict[str, Indicator]:
    return {i.code: i for p in principles() for i in p.indicators}


def scale() -> dict[int, str]:
    return {int(k): v for k, v in _data()["scale"].items()}


def source() -> str:
    return _data()["source"]


TOP = 4  # the highest rating on the scale
