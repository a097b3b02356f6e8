"""Reading a WCO DEC message from outside: the hardened parser (no DTDs, no entities, size and depth
limits), the DEC schema, then the mapping to Clearway's declaration. Every refusal names the XPath and the
reason. No database here: the caller reads the message before it opens a transaction."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from clearway import xmlsafe
from clearway.declarations.schemas import DeclarationIn
from clearway.errors import ClearwayError, FieldError, Invalid
from clearway.validation import parse
from clearway.wco import inbound, schema
from clearway.wco.profile import Profile

ORIGINAL = "9"  # FunctionCode of an original declaration (WCO: "original"; HMRC: DE 2/5 lodged anew)


@dataclass(frozen=True)
class Read:
    tree: etree._ElementTree
    mapped: inbound.Mapped
    declaration: DeclarationIn

    def canonical(self) -> str:
        """The message as kept: the document as lodged, in UTF-8 (comments included: they are the sender's)."""
        return etree.tostring(self.tree, encoding="unicode")

    def located(self, exc: ClearwayError) -> ClearwayError:
        return located(self.mapped, exc)


def located(mapped: inbound.Mapped, exc: ClearwayError) -> ClearwayError:
    """A refusal of the mapped declaration (field paths) re-pointed at the message's XPaths."""
    exc.errors = [FieldError(inbound.locate(mapped, e.path), e.reason) for e in exc.errors]
    return exc


def read(body: bytes, *, profile: Profile) -> Read:
    """The declaration in a DEC message, or Invalid naming each XPath and reason."""
    try:
        tree = xmlsafe.parse(body)
    except xmlsafe.XmlRefused as exc:
        where = f"line {exc.line}" if exc.line else "/"
        raise Invalid(f"the XML was refused: {exc.message}", errors=[FieldError(where, exc.message)]) from None
    errors = schema.declaration_errors(tree)
    if errors:
        raise Invalid("the declaration does not validate against the WCO DEC-DMS schema", errors=errors)
    mapped = inbound.to_clearway(tree, profile)
    if mapped.function_code != ORIGINAL:
        decl = inbound.declaration_of(tree)
        mapped.errors[:] = []
        mapped.errors.append(FieldError(inbound.xpath(inbound.find(decl, "FunctionCode")),
                                        f"FunctionCode {mapped.function_code} is an additional message (amendment, "
                                        "cancellation or goods presentation): only original declarations (9) are "
                                        "lodged here; amend or cancel through /api/v1/declarations/{id}"))
    if mapped.errors:
        raise Invalid("the declaration cannot be mapped to this installation's profile", errors=mapped.errors)
    try:
        declaration = parse(DeclarationIn, mapped.data)
    except Invalid as exc:
        raise located(mapped, exc) from None
    return Read(tree, mapped, declaration)
