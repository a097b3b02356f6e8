"""What the hub checks in a certificate before it delivers it (ValidateAndDeliverEnvelope) and what it
reports for ValidatePhytoXML. No database here: plain data in, a refusal or rows out."""

from __future__ import annotations

from lxml import etree

from clearway.certificates import schema, sps
from clearway.certificates.soap import Envelope, SoapFault


def header_mismatches(env: Envelope, root: etree._Element) -> list[str]:
    """What the envelope's header says and the certificate inside it contradicts."""
    doc, cons = root.find(sps.q("rsm:SPSExchangedDocument")), root.find(sps.q("rsm:SPSConsignment"))
    pairs = [("NPPOCertificateNumber", env.NPPOCertificateNumber, doc, "ram:ID"),
             ("CertificateType", str(env.CertificateType), doc, "ram:TypeCode"),
             ("CertificateStatus", str(env.CertificateStatus), doc, "ram:StatusCode"),
             ("From", env.From, cons, "ram:ExportSPSCountry/ram:ID"),
             ("To", env.To, cons, "ram:ImportSPSCountry/ram:ID")]
    out = []
    for field, said, parent, path in pairs:
        found = parent.findtext(path, namespaces=sps.NSMAP) if parent is not None else None
        if found is not None and found.strip() != said:
            out.append(f"{field}: the envelope says {said!r}, the certificate's {path.replace('ram:', '')} says "
                       f"{found.strip()!r}")
    return out


def validated(env: Envelope) -> Envelope:
    """The envelope, if its certificate is schema-valid, breaks no ePhyto rule graded SEVERE and agrees with
    the envelope's header; SoapFault naming the first five problems otherwise."""
    findings, tree = schema.check(env.Content or "")
    problems = [f"{f.path or f'line {f.line}'}: {f.message}" for f in schema.severe(findings)]
    if tree is not None and not problems:
        problems = header_mismatches(env, tree.getroot())
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise SoapFault(f"the certificate does not validate: {'; '.join(problems[:5])}{more}")
    return env


_MANDATORY = {"ephyto.number", "ephyto.issued", "ephyto.country", "ephyto.hs", "ephyto.botanical"}


def area(code: str) -> str:
    return "Schema" if code in ("schema", "xml", "root") else "MandatoryElements" if code in _MANDATORY else "Mapping"


def validation_results(text: str) -> list[dict]:
    """ValidatePhytoXML's rows (area, field, level, msg in the WSDL's order), most severe first."""
    findings, _ = schema.check(text)
    return [{"area": area(f.code), "field": f.path, "level": f.level, "msg": f.message} for f in findings]
