"""The checkpoint key: Ed25519 (RFC 8032), kept outside the database (CLEARWAY_AUDIT_KEY holds the key, or
CLEARWAY_AUDIT_KEY_FILE names a file holding it). Whoever can write the database but does not hold the key
cannot forge a checkpoint, so cannot rewrite sealed events unnoticed. No database here."""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class KeyProblem(ValueError):
    """The configured key cannot be read; the message says why."""


def load(text: str) -> Ed25519PrivateKey:
    """A private key from PEM (PKCS#8), or its 32-byte seed as 64 hex digits or base64."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        except ValueError as exc:
            raise KeyProblem(f"not a readable PEM private key ({exc})") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyProblem("the PEM key is not an Ed25519 key")
        return key
    try:
        seed = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        seed = b""
    if len(seed) != 32:
        raise KeyProblem("give an Ed25519 key as PEM, or its 32-byte seed as 64 hex digits or base64")
    return Ed25519PrivateKey.from_private_bytes(seed)


def generate_pem() -> str:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, text: str) -> str:
    return key.sign(text.encode()).hex()


def valid(public: Ed25519PublicKey, text: str, signature: str) -> bool:
    try:
        public.verify(bytes.fromhex(signature), text.encode())
    except (InvalidSignature, ValueError):
        return False
    return True
