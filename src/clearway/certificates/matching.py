"""The clearance document check as a pure rule: does a declaration's set of referenced ePhytos cover
its regulated goods? Plain data in (the declaration's content, certificate views), plain data out."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from clearway.config import get_settings
from clearway.reference.names import name_key

_POLICY_FILE = Path(__file__).parent / "data" / "phyto_requirements.json"
KG_UNITS = {"kg", "kgm", "kgs", "kilogram", "kilograms"}


@dataclass(frozen=True)
class Policy:
    hs_prefixes: tuple[str, ...]
    tolerance: Decimal = Decimal("0.05")

    def regulated(self, hs_code: str) -> bool:
        return hs_code.startswith(self.hs_prefixes)  # any of them (str.startswith takes a tuple)


@lru_cache(maxsize=64)
def _file_policy(economy: str) -> Policy:
    data = json.loads(_POLICY_FILE.read_text())
    chosen = data["default"] | data.get("economies", {}).get(economy, {})
    return Policy(tuple(chosen["hs_prefixes"]), Decimal(chosen["quantity_tolerance"]))


def policy_for(economy: str) -> Policy:
    """The packaged list, unless CLEARWAY_PHYTO_HS / CLEARWAY_PHYTO_TOLERANCE override it."""
    base = _file_policy(economy.upper())
    settings = get_settings()  # checked there: a bad override is refused, never ignored
    prefixes = settings.phyto_hs if settings.phyto_hs is not None else base.hs_prefixes
    tolerance = settings.phyto_tolerance if settings.phyto_tolerance is not None else base.tolerance
    return Policy(prefixes, tolerance)


@dataclass(frozen=True)
class CertView:
    number: str
    exporting_economy: str
    importing_economy: str
    status: str
    signed: bool
    verified: bool
    summary: dict[str, Any]
    replaced_by: str | None = None


@dataclass
class Outcome:
    required: bool
    problems: list[str] = field(default_factory=list)
    missing: bool = False  # every problem is an absent certificate (no mismatch found)
    references: list[str] = field(default_factory=list)

    @property
    def cleared(self) -> bool:
        return self.required and not self.problems


def _norm(name: str | None) -> str:
    # Letters and digits of any script, NFKC-normalised and case-folded: "Siam Fruit Co., Ltd." ~ "SIAM FRUIT CO LTD",
    # full-width "ＡＣＭＥ" ~ "ACME".
    return "".join(ch for ch in name_key(name) if ch.isalnum())


def same_party(a: str | None, b: str | None) -> bool:
    x, y = _norm(a), _norm(b)
    return bool(x and y) and (x == y or (min(len(x), len(y)) >= 6 and (x in y or y in x)))


def hs_match(declared: str, certified: str | None) -> bool:
    if not certified or len(certified) < 4:
        return False
    n = min(len(certified), 6)
    return declared[:n] == certified[:n]


def _dec(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def _net_kg(item: dict[str, Any]) -> Decimal | None:
    net = _dec(item.get("net_weight_kg"))
    if net is not None:
        return net
    return _dec(item.get("quantity")) if str(item.get("unit", "")).lower() in KG_UNITS else None


def _lines(item_no: list[int]) -> str:
    return ("item " if len(item_no) == 1 else "items ") + ", ".join(str(n) for n in item_no)


def _regulated(items: list[dict[str, Any]], policy: Policy) -> list[tuple[int, dict[str, Any]]]:
    """The goods items (numbered from 1) whose commodity code needs a certificate under `policy`."""
    return [(n, it) for n, it in enumerate(items, start=1) if policy.regulated(str(it.get("hs_code", "")))]


def requires(declaration: dict[str, Any], policy: Policy) -> bool:
    """Whether any goods item of the declaration needs a certificate (`match`'s `required`, without matching)."""
    return bool(_regulated(declaration.get("items") or [], policy))


def cited(declaration: dict[str, Any]) -> list[str]:
    """The ePhyto numbers the declaration's documents cite, each once, in order."""
    return list(dict.fromkeys(d["reference"] for d in declaration.get("documents") or []
                              if str(d.get("type", "")).lower() == "ephyto"))


def match(declaration: dict[str, Any], *, economy: str, certificates: dict[str, CertView | None],
          policy: Policy) -> Outcome:
    items = declaration.get("items") or []
    regulated = _regulated(items, policy)
    refs = cited(declaration)
    out = Outcome(required=bool(regulated), references=refs)
    if not regulated:
        return out
    if not refs:
        codes = ", ".join(f"{n} (HS {it['hs_code']})" for n, it in regulated)
        out.problems.append(f"items {codes} need a phytosanitary certificate and the declaration references no ePhyto")
        out.missing = True
        return out
    usable: list[CertView] = []
    absent = 0
    for ref in refs:
        cert = certificates.get(ref)
        if cert is None:
            out.problems.append(f"ePhyto {ref} has not been received by {economy}")
            absent += 1
            continue
        before = len(out.problems)
        if cert.status == "withdrawn":
            out.problems.append(f"ePhyto {ref} was withdrawn by the NPPO of {cert.exporting_economy}")
        elif cert.status == "replaced":
            out.problems.append(f"ePhyto {ref} was replaced by {cert.replaced_by or 'a newer certificate'}")
        if not (cert.signed and cert.verified):
            out.problems.append(f"ePhyto {ref} carries no verified signature")
        if cert.importing_economy != economy:
            out.problems.append(f"ePhyto {ref} is addressed to {cert.importing_economy}, not {economy}")
        exporter, importer = declaration.get("exporter") or {}, declaration.get("importer") or {}
        consignor = (cert.summary.get("consignor") or {}).get("name")
        consignee = (cert.summary.get("consignee") or {}).get("name")
        # The certificate's own parties are not quoted: the declarant reads these reasons, and the number it
        # cites may be someone else's certificate (officers read the certificate itself).
        if exporter.get("name") and not same_party(exporter["name"], consignor):
            out.problems.append(f"exporter {exporter['name']!r} is not the consignor named on ePhyto {ref}")
        if importer.get("name") and not same_party(importer["name"], consignee):
            out.problems.append(f"importer {importer['name']!r} is not the consignee named on ePhyto {ref}")
        if len(out.problems) == before:
            usable.append(cert)
    out.missing = absent > 0 and absent == len(out.problems)
    if not usable:
        return out
    covered: dict[tuple[str, int], list[int]] = {}
    for n, item in regulated:
        hs, origin = str(item["hs_code"]), item.get("origin")
        found = [(c, i, line) for c in usable for i, line in enumerate(c.summary.get("items") or [])
                 if hs_match(hs, line.get("hs_code"))]
        if not found:
            out.problems.append(f"item {n} (HS {hs}) is on no referenced ePhyto ({', '.join(c.number for c in usable)})")
            continue
        same_origin = [f for f in found if (f[2].get("origin") or f[0].summary.get("export_country")) == origin]
        if not same_origin:
            certified = sorted({f[2].get("origin") or f[0].summary.get("export_country") for f in found})
            out.problems.append(f"item {n} (HS {hs}) declares origin {origin}; the ePhyto certifies {', '.join(certified)}")
            continue
        cert, index, _ = same_origin[0]
        covered.setdefault((cert.number, index), []).append(n)
    by_number = {c.number: c for c in usable}
    for (number, index), item_no in covered.items():
        line = by_number[number].summary["items"][index]
        certified = _dec(line.get("net_weight_kg"))
        declared = [_net_kg(items[n - 1]) for n in item_no]
        if certified is None or any(d is None for d in declared):
            continue
        total = sum(declared, Decimal(0))
        if abs(total - certified) > certified * policy.tolerance:
            out.problems.append(f"{_lines(item_no)} declare {total.normalize():f} kg net of HS {line.get('hs_code')}; "
                                f"ePhyto {number} certifies {certified.normalize():f} kg "
                                f"(tolerance {(policy.tolerance * 100).normalize():f}%)")
    return out
