"""Enveloped XML-DSig (RSA-SHA256, SHA-256 digests, exclusive canonicalisation) with signxml, and the
NPPO key pairs with their self-signed X.509 certificates. Pure: bytes in, bytes out, no database."""

from __future__ import annotations

import base64
import hashlib
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import SignatureConfiguration, SignatureMethod, XMLSigner, XMLVerifier
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm
from signxml.exceptions import InvalidCertificate, InvalidInput, InvalidSignature

from clearway import xmlsafe
from clearway.certificates import sps

EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0


class SignatureRefused(ValueError):
    """The signature does not hold: absent, altered, wrong key, or a certificate out of its validity."""


@dataclass(frozen=True)
class KeyPair:
    key_pem: bytes
    cert_pem: bytes

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)


def fingerprint(cert_pem: bytes | str) -> str:
    cert = x509.load_pem_x509_certificate(cert_pem.encode() if isinstance(cert_pem, str) else cert_pem)
    return cert.fingerprint(hashes.SHA256()).hex()


def load_certificate(cert_pem: bytes | str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(cert_pem.encode() if isinstance(cert_pem, str) else cert_pem)
    except ValueError as exc:
        raise SignatureRefused(f"not a PEM X.509 certificate: {exc}") from None


def new_key_pair(*, economy: str, party: str, organisation: str | None = None, days: int = 730,
                 bits: int = 2048, now: datetime | None = None) -> KeyPair:
    """An RSA key and a self-signed X.509 certificate naming the NPPO (CN = party, C = economy)."""
    now = now or datetime.now(timezone.utc)
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, economy.upper()),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation or f"NPPO {economy.upper()}"),
                      x509.NameAttribute(NameOID.COMMON_NAME, party)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return KeyPair(key_pem, cert.public_bytes(serialization.Encoding.PEM))


def sign(root: etree._Element, pair: KeyPair) -> etree._Element:
    """The certificate with an enveloped ds:Signature as its last child (any earlier one is refused)."""
    if root.find(sps.q("ds:Signature")) is not None:
        raise SignatureRefused("the certificate is already signed")
    signer = XMLSigner(signature_algorithm=SignatureMethod.RSA_SHA256, digest_algorithm=DigestAlgorithm.SHA256,
                       c14n_algorithm=EXC_C14N)
    signer.namespaces = {"ds": sps.DS}
    return signer.sign(root, key=_private_key(pair.key_pem), cert=_cert_chain(pair.cert_pem))


@lru_cache(maxsize=64)
def _private_key(key_pem: bytes):  # noqa: ANN202
    # Loading checks the RSA key (tens of milliseconds): once per key, not once per certificate.
    return serialization.load_pem_private_key(key_pem, password=None)


@lru_cache(maxsize=64)
def _cert_chain(cert_pem: bytes) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(cert_pem)]


class _Verifier(XMLVerifier):
    """signxml, plus one reading: a Reference without URI in an enveloped signature means the whole
    document (as the CAN/IPPC signed sample does)."""

    def _resolve_reference(self, doc_root, reference, uri_resolver=None):  # noqa: ANN001
        if reference.get("URI") is None:
            return doc_root
        return super()._resolve_reference(doc_root, reference, uri_resolver=uri_resolver)


def embedded_certificate(root: etree._Element) -> bytes | None:
    """The signer's certificate carried in KeyInfo (PEM), if any: to name it, never to trust it."""
    node = root.find(f".//{{{sps.DS}}}X509Certificate")
    if node is None or not (node.text or "").strip():
        return None
    try:
        der = base64.b64decode("".join(node.text.split()), validate=True)
        return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
    except (ValueError, TypeError):
        return None


def verify(data: bytes | etree._Element, trusted_pem: bytes | str, *, at: datetime | None = None) -> etree._Element:
    """Check the enveloped signature against a trusted certificate (valid at `at`, default now), and that
    it covers the whole certificate. Returns what the signature covers: the certificate as canonicalised
    for its digest and read again (no comments, text never split, no ds:Signature). Read every field from
    that tree only. SignatureRefused says why not."""
    if isinstance(data, etree._Element):
        root = data
    else:
        try:
            root = xmlsafe.parse(data).getroot()  # signxml never sees unparsed, untrusted bytes
        except xmlsafe.XmlRefused as exc:
            raise SignatureRefused(f"the certificate cannot be read: {exc.message}") from None
    if root.find(sps.q("ds:Signature")) is None:
        raise SignatureRefused("the certificate is not signed")
    hidden = xmlsafe.first_unsigned_node(root)
    if hidden is not None:
        # Canonicalisation drops comments: "AU-1<!---->-77" would verify and read as "AU-1".
        raise SignatureRefused(f"the certificate carries {hidden}: a signed ePhyto may carry no comments or "
                               "processing instructions, which a signature does not cover")
    pem = trusted_pem.encode() if isinstance(trusted_pem, str) else trusted_pem
    config = SignatureConfiguration(
        signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
        verification_time=at)
    try:
        result = _Verifier().verify(root, x509_cert=pem, expect_config=config)
    except InvalidCertificate as exc:
        raise SignatureRefused(f"the signing certificate is not acceptable: {_short(exc)}") from None
    except InvalidSignature as exc:
        raise SignatureRefused(f"the signature does not verify: {_short(exc)}") from None
    except InvalidInput as exc:
        raise SignatureRefused(f"the signature cannot be read: {_short(exc)}") from None
    signed = result.signed_xml
    if signed is None or signed.tag != sps.q("rsm:SPSCertificate"):
        raise SignatureRefused("the signature does not cover the whole certificate")
    if _content(_without_signature(root)) != _content(signed):
        raise SignatureRefused("the certificate as written differs from what its signature covers")
    return signed


def _without_signature(root: etree._Element) -> etree._Element:
    """A copy of the certificate with its enveloped signature taken out as the enveloped transform does
    (the signature's tail text stays)."""
    copy = deepcopy(root)
    xmlsafe.remove_keeping_tail(copy.find(sps.q("ds:Signature")))
    return copy


def _content(root: etree._Element) -> list[tuple]:
    """Every node in document order with its name, attributes and text: what a reader of the tree sees."""
    out = []
    for node in root.iter():
        element = isinstance(node.tag, str)
        out.append((node.tag if element else type(node).__name__, sorted(node.attrib.items()) if element else [],
                    node.text or "", "" if node is root else node.tail or ""))
    return out


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 300 else text[:297] + "..."


def verification_code(xml: bytes) -> str:
    """A short code printed on the paper fallback: the first 80 bits of the SHA-256 of the signed XML,
    base32, in groups of four (e.g. 'K3JD-8QXZ-...')."""
    digest = base64.b32encode(hashlib.sha256(xml).digest()[:10]).decode().rstrip("=")
    return "-".join(digest[i:i + 4] for i in range(0, len(digest), 4))
