"""Secrets at rest: NPPO private keys are stored encrypted (Fernet: AES-128-CBC with an HMAC-SHA256, from
`cryptography`) under a key kept outside the database: CLEARWAY_SECRET_KEY, else the file
<data dir>/secret.key, made on first use and readable by its owner only. Whoever copies the database
(a backup, a replica, a stolen disk) without that key gets no private key.

A stored secret reads `fernet:<token>`; a value without the prefix is a plain one from before the
migration 0302 encrypted them, and is read as it is."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from clearway.config import get_settings

PREFIX = "fernet:"


class SecretKeyMismatch(RuntimeError):
    """A stored secret does not open with this installation's key (CLEARWAY_SECRET_KEY was changed or lost)."""


def write_private(path: Path, text: str) -> None:
    """Write a file readable and writable by its owner only (also when it existed with wider rights)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def new_key() -> str:
    return Fernet.generate_key().decode()


def _key_file(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(new_key() + "\n")
    return path.read_text().strip()


@cache
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


def current() -> Fernet:
    settings = get_settings()
    return _fernet(settings.secret_key or _key_file(settings.data_dir / "secret.key"))


def seal(plain: str) -> str:
    return PREFIX + current().encrypt(plain.encode()).decode()


def unseal(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored
    try:
        return current().decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken:
        raise SecretKeyMismatch("a stored NPPO private key does not open with this installation's secret key "
                                "(CLEARWAY_SECRET_KEY or <data dir>/secret.key): was it changed?") from None
