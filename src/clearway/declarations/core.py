"""Pure rules of the goods declaration: reference-data checks, the lifecycle state machine,
the MRN, content fingerprints and amendments. No database here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from clearway.containers.iso6346 import normalise as container_number, problem as container_problem
from clearway.declarations.schemas import CLEARANCE_REQUEST, DeclarationIn
from clearway.errors import FieldError
from clearway.reference import countries, currencies, economies
from clearway.reference.hs import nomenclature
from clearway.reference.iso7064 import ALPHANUMERIC, mod_37_36_check


# How a declaration reached Clearway. Every channel but "paper" is electronic end to end; "unrecorded": lodged
# before the channel was recorded (then every channel Clearway offered was electronic).
CHANNELS = {"api": "JSON over HTTP (API key)", "web": "the trader's web form", "upload": "a file uploaded on the web",
            "file": "a file lodged with `clearway submit`", "paper": "keyed in from a paper declaration",
            "unrecorded": "lodged before the channel was recorded (electronic)"}


# ---- reference checks ------------------------------------------------------------------------------

def check(decl: DeclarationIn) -> list[FieldError]:
    """Every finding against reference data and cross-field rules, each naming its field."""
    errors: list[FieldError] = []
    add = lambda path, reason: errors.append(FieldError(path, reason))  # noqa: E731

    economy = economies.get(decl.economy)
    if economy is None:
        add("economy", f"{decl.economy!r} is not one of the 21 APEC economies")
    office = economies.office(decl.office)
    if office is None:
        add("office", f"{decl.office!r} is not a known customs office (UN/LOCODE)")
    elif economy is not None and office.economy != economy.code:
        add("office", f"{office.code} ({office.name}) is an office of {office.economy}, not of {economy.code}")

    request = decl.kind == CLEARANCE_REQUEST
    for path, reason in required_goods_data(decl):
        add(path, reason)
    if decl.currency is None:
        if not request or any(v is not None for _, v in _amounts(decl)):
            add("currency", "is required" + ("" if not request else ": the clearance request declares a value"))
    elif not currencies.is_currency(decl.currency):
        add("currency", f"{decl.currency!r} is not an ISO 4217 currency code")
    else:
        places = currencies.minor_units(decl.currency)
        for path, amount in _amounts(decl):
            if amount is not None and -amount.as_tuple().exponent > places and amount != amount.quantize(
                    currencies.quantum(decl.currency)):
                add(path, f"{amount} has more decimal places than {decl.currency} allows ({places})")

    for role in ("declarant", "importer", "exporter"):
        party = getattr(decl, role)
        if party is not None and party.country is not None and not countries.is_country(party.country):
            add(f"{role}.country", f"{party.country!r} is not an ISO 3166-1 alpha-2 country code")
    if not decl.declarant.id:
        add("declarant.id", "the declarant must be identified (TIN, ABN, EORI or customs id)")
    if decl.type == "import" and decl.importer is None:
        add("importer", "an import declaration must name the importer")
    if decl.type == "export" and decl.exporter is None:
        add("exporter", "an export declaration must name the exporter")

    for i, number in enumerate(decl.transport.containers):
        reason = container_problem(number)
        if reason:
            add(f"transport.containers[{i}]", reason)
    t = decl.transport
    if t.departure and t.arrival and t.arrival < t.departure:
        add("transport.arrival", "arrival is before departure")

    hs = nomenclature()
    for i, item in enumerate(decl.items):
        if item.hs_code is not None and not hs.is_subheading(item.hs_code):
            near = ", ".join(hs.suggest(item.hs_code, 3))
            add(f"items[{i}].hs_code",
                f"{item.hs_code}: {item.hs_code[:6]} is not an HS 2022 subheading; nearest valid codes: {near}")
        if not countries.is_country(item.origin):
            add(f"items[{i}].origin", f"{item.origin!r} is not an ISO 3166-1 alpha-2 country code")
        if item.net_weight_kg is not None and item.gross_weight_kg is not None \
                and item.net_weight_kg > item.gross_weight_kg:
            add(f"items[{i}].net_weight_kg",
                f"net weight {item.net_weight_kg} kg is above gross weight {item.gross_weight_kg} kg")
    return errors


REQUIRED_ITEM_FIELDS = ("hs_code", "quantity", "unit", "value")


def required_goods_data(decl: DeclarationIn) -> list[tuple[str, str]]:
    """(path, reason) of each goods item field a declaration must carry and lacks: every one but a clearance
    request's (schemas.KINDS), which may omit them; a quantity always needs its unit."""
    found = []
    for i, item in enumerate(decl.items):
        for key in REQUIRED_ITEM_FIELDS:
            if getattr(item, key) is not None:
                continue
            if decl.kind != CLEARANCE_REQUEST:
                found.append((f"items[{i}].{key}", "is required (only a clearance request may omit it)"))
            elif key == "unit" and item.quantity is not None:
                found.append((f"items[{i}].unit", "is required with the quantity"))
    return found


def _amounts(decl: DeclarationIn):
    yield "freight", decl.freight
    yield "insurance", decl.insurance
    for i, item in enumerate(decl.items):
        yield f"items[{i}].value", item.value


# ---- content ---------------------------------------------------------------------------------------

def _plain(value: Any) -> Any:
    # Texts, plain dicts and lists first (nearly every value): the general tests below answer the same, slower.
    kind = value.__class__
    if kind is str:
        return value
    if kind is dict:
        return {k: _plain(v) for k, v in value.items() if v is not None and (v.__class__ is not list or v)}
    if kind is list:
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat().replace("+00:00", "Z")
    return value


def _plain_dump(value: Any) -> Any:
    """`_plain` of a model's dump, its texts taken where they stand (no call for each) and decimals by their exact
    class; anything else through `_plain` (about 4 us a declaration less)."""
    kind = value.__class__
    if kind is dict:
        out = {}
        for k, v in value.items():
            if v.__class__ is str:
                out[k] = v
            elif v is not None and (v.__class__ is not list or v):
                out[k] = _plain_dump(v)
        return out
    if kind is list:
        return [v if v.__class__ is str else _plain_dump(v) for v in value]
    if kind is Decimal:
        return format(value.normalize(), "f")
    return _plain(value)


def content(decl: DeclarationIn) -> dict[str, Any]:
    """The declaration as stored: JSON-ready, decimals as strings, no empty fields. (The dump leaves out the
    fields that are None, which `_plain` leaves out too.)"""
    return _plain_dump(decl.model_dump(exclude_none=True))


def fingerprint(data: dict[str, Any]) -> str:
    """Same content (whatever the decimal spelling) -> same fingerprint: the SHA-256 of the content as
    json.dumps(sort_keys=True, separators=(",", ":")) writes it. orjson writes the same bytes four times faster
    when they are printable ASCII (json.dumps escapes all else; content holds no floats, whose spelling
    differs), so it is asked first."""
    try:
        text = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an integer beyond 64 bits, a key not a text
        text = b"\x80"
    if not text.isascii() or b"\x7f" in text:  # json.dumps escapes DEL too
        text = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(text).hexdigest()


# ---- a declaration as lodging takes it ------------------------------------------------------------

AMOUNTS = ("quantity", "gross_weight_kg", "net_weight_kg", "value")  # a goods item's amounts (Money columns)


@dataclass(frozen=True, slots=True)
class Checked:
    """What lodging needs of a declaration, told without the database: its keys, what `check` found, and (when
    it found nothing) its content as stored, that content's fingerprint and the rows by which other domains find
    it (goods items as columns, its containers, its documents). A batch's lines are made so in helper processes
    (flows/preparing.py), which hand them over as `plain` data."""

    lrn: str
    declarant_id: str | None
    type: str
    economy: str
    office: str
    errors: tuple[FieldError, ...] = ()
    content: dict[str, Any] | None = None
    digest: str = ""
    items: tuple[dict[str, Any], ...] = ()
    containers: tuple[str, ...] = ()
    documents: tuple[dict[str, Any], ...] = ()

    def plain(self) -> dict[str, Any]:
        """JSON-ready, exact: an amount as its own decimal text (trailing zeros kept, as the model holds it)."""
        return {"lrn": self.lrn, "declarant_id": self.declarant_id, "type": self.type, "economy": self.economy,
                "office": self.office, "errors": [[e.path, e.reason] for e in self.errors], "content": self.content,
                "digest": self.digest, "containers": self.containers, "documents": self.documents,
                "items": [{**it, **{k: None if it[k] is None else str(it[k]) for k in AMOUNTS}} for it in self.items]}

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> Checked:
        """The Checked whose `plain` is `data` (str of a Decimal reads back as the same Decimal, exponent and all)."""
        return cls(data["lrn"], data["declarant_id"], data["type"], data["economy"], data["office"],
                   tuple(FieldError(path, reason) for path, reason in data["errors"]), data["content"],
                   data["digest"], tuple({**it, **{k: None if it[k] is None else Decimal(it[k]) for k in AMOUNTS}}
                                         for it in data["items"]),
                   tuple(data["containers"]), tuple(data["documents"]))


def checked(decl: DeclarationIn) -> Checked:
    """`decl` as lodging takes it (`Checked`): the content and the rows only when `check` found nothing."""
    keys = (decl.lrn, decl.declarant.id, decl.type, decl.economy, decl.office)
    errors = check(decl)
    if errors:
        return Checked(*keys, errors=tuple(errors))
    data = content(decl)
    items, containers, documents = child_rows(decl)
    return Checked(*keys, content=data, digest=fingerprint(data), items=tuple(items), containers=tuple(containers),
                   documents=tuple(documents))


def child_rows(decl: DeclarationIn) -> tuple[list[dict[str, Any]], list[str], list[dict[str, Any]]]:
    """(its goods items as columns, its containers, its documents): the rows by which other domains find a
    declaration."""
    return ([dict(line=i + 1, hs_code=it.hs_code, description=it.description, origin=it.origin,
                  quantity=it.quantity, unit=it.unit, gross_weight_kg=it.gross_weight_kg,
                  net_weight_kg=it.net_weight_kg, value=it.value) for i, it in enumerate(decl.items)],
            [container_number(c) for c in dict.fromkeys(decl.transport.containers)],
            [dict(type=d.type, reference=d.reference) for d in decl.documents])


# ---- lifecycle -------------------------------------------------------------------------------------

STATUSES = ("accepted", "assessed", "lane_selected", "under_control", "released", "rejected", "cancelled")
TRANSITIONS: dict[str, frozenset[str]] = {
    "accepted": frozenset({"assessed", "rejected", "cancelled"}),
    "assessed": frozenset({"lane_selected", "accepted", "rejected", "cancelled"}),
    "lane_selected": frozenset({"under_control", "released", "accepted", "rejected", "cancelled"}),
    "under_control": frozenset({"released", "rejected"}),
    "released": frozenset(),
    "rejected": frozenset(),
    "cancelled": frozenset(),
}
CANCELLABLE = frozenset({"accepted", "assessed", "lane_selected"})
AMENDABLE = frozenset({"accepted", "assessed", "lane_selected"})
FINAL = frozenset({"released", "rejected", "cancelled"})


class TransitionError(ValueError):
    pass


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "none (final)"
        raise TransitionError(f"a declaration in status {current!r} cannot move to {target!r}; allowed: {allowed}")


# ---- MRN -------------------------------------------------------------------------------------------

def check_character(body: str) -> str:
    """ISO 7064 MOD 37,36 check character."""
    return mod_37_36_check(body)


def make_mrn(year: int, office: str, number: int) -> str:
    """e.g. 26AUSYD00000042 + check: year, office of lodgement, running number, check character."""
    body = f"{year % 100:02d}{office}{number:08d}"
    return body + check_character(body)


def mrn_is_valid(mrn: str) -> bool:
    return len(mrn) == 16 and all(c in ALPHANUMERIC for c in mrn) and check_character(mrn[:-1]) == mrn[-1]


# ---- amendments ------------------------------------------------------------------------------------

FIXED_ON_AMENDMENT = ("lrn", "type", "kind", "economy", "declarant")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def fixed_field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldError]:
    return [FieldError(f"changes.{k}", f"{k} cannot be amended; cancel and lodge a new declaration")
            for k in FIXED_ON_AMENDMENT if before.get(k) != after.get(k)]
