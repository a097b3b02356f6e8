"""An installation's DEC profile: what is national in a WCO declaration (offices, party identifiers,
declaration types, procedure and document codes, response codes), read from a TOML file the administration
configures (CLEARWAY_WCO_PROFILE). The UK's profile (data/profiles/uk.toml) is the worked example. No
database here."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from clearway.config import get_settings
from clearway.declarations.codes import DOCUMENT_TYPE_CODE

UK_EXAMPLE = "data/profiles/uk.toml"
OTHER_DOCUMENT = "ZZZ"  # a document type the profile has no code for: its word goes in AdditionalDocument/Name


class ProfileError(ValueError):
    """The mapping file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Profile:
    name: str
    economy: str
    responsible_country: str
    responsible_agency: str
    customization_version: str
    default_office: str | None
    office_paths: tuple[str, ...]
    offices: dict[str, str]
    party_prefix: str
    parties: dict[str, str]
    declaration_types: dict[str, str]
    type_suffix: str
    procedures: dict[str, str]
    documents: dict[str, str]
    responses: dict[str, str] = field(default_factory=dict)
    # DE 1/2 additional declaration types (TypeCode's third letter) of a clearance request; the first is
    # written for a clearance request lodged as JSON.
    clearance_request_types: tuple[str, ...] = ()

    # ---- national -> Clearway ------------------------------------------------------------------------
    def office(self, national: str) -> str | None:
        return self.offices.get(national.strip().upper())

    def party(self, national: str) -> str:
        national = national.strip()
        return self.parties.get(national, self.party_prefix + national)

    def declaration_type(self, type_code: str) -> str | None:
        return self.declaration_types.get(type_code.strip().upper()[:2])

    def clearance_request(self, type_code: str) -> bool:
        return type_code.strip().upper()[2:3] in self.clearance_request_types

    def procedure(self, national: str) -> str:
        return self.procedures.get(national, national)

    def document(self, national: str, name: str | None = None) -> str:
        if national.upper() == OTHER_DOCUMENT and name:
            return name.lower()
        return self.documents.get(national.upper(), national.lower())

    # ---- Clearway -> national (only what a declaration lodged as JSON needs) ----------------------------
    def national_office(self, office: str) -> str:
        return next((k for k, v in self.offices.items() if v == office), office)

    def national_party(self, party: str) -> str:
        back = {v: k for k, v in self.parties.items()}
        if party in back:
            return back[party]
        return party[len(self.party_prefix):] if self.party_prefix and party.startswith(self.party_prefix) else party

    def national_type(self, decl_type: str, *, clearance_request: bool = False) -> str:
        prefix = next((k for k, v in self.declaration_types.items() if v == decl_type), decl_type[:2].upper())
        if clearance_request and not self.clearance_request_types:
            raise ProfileError(f"{self.name}: [installation] clearance_request_types names no additional "
                               "declaration type for a clearance request")
        return prefix + (self.clearance_request_types[0] if clearance_request else self.type_suffix)

    def national_procedure(self, procedure: str) -> str:
        return next((k for k, v in self.procedures.items() if v == procedure), procedure)

    def national_document(self, doc_type: str) -> tuple[str | None, str, str | None]:
        """(CategoryCode, TypeCode, Name) of a Clearway document type: 'invoice' -> ('N', '935', None) by the
        table; an unlisted national code passed through ('c501') -> ('C', '501', None); a word with a
        UN/EDIFACT 1001 code ('packing_list') -> (None, '271', None); any other word -> (None, 'ZZZ', word)."""
        code = next((k for k, v in self.documents.items() if v == doc_type), None) or doc_type.upper()
        if len(code) == 4 and code[1:].isalnum():
            return code[0], code[1:], None
        if len(code) <= 3 and code.isalnum():
            return None, code, None
        if doc_type in DOCUMENT_TYPE_CODE:
            return None, DOCUMENT_TYPE_CODE[doc_type], None
        return None, OTHER_DOCUMENT, doc_type


def _table(data: dict[str, Any], key: str, source: str) -> dict[str, str]:
    value = data.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ProfileError(f"{source}: [{key}] must be a table of strings")
    return {str(k).upper() if key in ("offices", "documents", "declaration_types") else str(k): v
            for k, v in value.items()}


def parse(text: str, *, source: str = "profile") -> Profile:
    """The profile in a TOML text, or ProfileError naming the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: not TOML ({exc})") from None
    head = data.get("profile", {})
    inst = data.get("installation", {})
    parties = data.get("parties", {})
    for key in ("name",):
        if not isinstance(head.get(key), str):
            raise ProfileError(f"{source}: [profile] {key} is missing")
    economy = inst.get("economy")
    if not (isinstance(economy, str) and len(economy) == 2):
        raise ProfileError(f"{source}: [installation] economy must be a two-letter economy code")
    types = _table(data, "declaration_types", source)
    ccr = inst.get("clearance_request_types", [])
    if not (isinstance(ccr, list) and all(isinstance(c, str) and len(c) == 1 for c in ccr)):
        raise ProfileError(f"{source}: [installation] clearance_request_types must be a list of single letters")
    for code, word in types.items():
        if word not in ("import", "export", "transit"):
            raise ProfileError(f"{source}: [declaration_types] {code} = {word!r}: must be import, export or transit")
    return Profile(
        name=head["name"], economy=economy.upper(), responsible_country=head.get("responsible_country", economy),
        responsible_agency=head.get("responsible_agency", ""),
        customization_version=head.get("customization_version", ""),
        default_office=inst.get("default_office"), office_paths=tuple(inst.get("office_paths", ["DeclarationOfficeID"])),
        offices=_table(data, "offices", source), party_prefix=str(parties.get("prefix", "")),
        parties={str(k): v for k, v in parties.get("ids", {}).items()}, declaration_types=types,
        type_suffix=str(inst.get("type_suffix", "A")),
        procedures=_table(data, "procedures", source), documents=_table(data, "documents", source),
        responses=_table(data, "responses", source), clearance_request_types=tuple(c.upper() for c in ccr))


def load(path: Path) -> Profile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"{path}: cannot be read ({exc.strerror})") from None
    return parse(text, source=str(path))


def uk_example() -> Profile:
    text = resources.files("clearway.wco").joinpath(UK_EXAMPLE).read_text(encoding="utf-8")
    return parse(text, source="clearway/wco/" + UK_EXAMPLE)


@cache
def installed() -> Profile:
    """This installation's profile: CLEARWAY_WCO_PROFILE, or the UK worked example when none is set."""
    path = get_settings().wco_profile
    return load(path) if path is not None else uk_example()
