"""Settings read from the environment (CLEARWAY_*), with embedded defaults.

Every CLEARWAY_* variable is one field of `Settings` below (pydantic-settings, prefix CLEARWAY_): the field's
name in capitals is the variable, its description is the README's table row (tests/test_config.py compares
them). Each value is checked as it is read: a bad one stops the server or the command at start-up with a
SettingsError naming the variable, instead of being ignored or failing later in a request. A blank value
counts as unset. No .env file is read: the environment is the only source."""

from __future__ import annotations

import base64
import binascii
import importlib.util
import os
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

PREFIX = "CLEARWAY_"


class SettingsError(ValueError):
    """A CLEARWAY_* variable holds a value that cannot be used; the message names it."""

    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"{variable}: {reason}")
        self.variable = variable
        self.reason = reason


class _Refused(ValueError):
    """A validator's reason, without the variable (the Settings constructor adds its name)."""


class _Environment(EnvSettingsSource):
    """The process environment, values stripped; a blank value is no value (the default applies)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        value, key, is_complex = super().get_field_value(field, field_name)
        if isinstance(value, str):
            value = value.strip() or None
        return value, key, is_complex


def variable(field: str) -> str:
    """The environment variable of a Settings field."""
    return PREFIX + field.upper()


def _is_file(raw: Any, what: str) -> Any:
    if isinstance(raw, str):
        if not Path(raw).is_file():
            raise _Refused(f"{raw} is not a readable file ({what})")
        return Path(raw)
    return raw


def _rate(raw: Any, example: str) -> Any:
    """N/SECONDS (e.g. 300/10): at most N in any SECONDS; 0 turns the limit off."""
    if not isinstance(raw, str):
        return raw
    if raw == "0":
        return None
    count, _, seconds = raw.partition("/")
    try:
        pair = int(count), int(seconds)
    except ValueError:
        pair = (0, 0)
    if pair[0] < 1 or not 0 < pair[1] <= 86400:
        raise _Refused(f"{raw!r} is not COUNT/SECONDS (whole numbers, e.g. {example}), or 0 for no limit")
    return pair


def _positive(raw: Any) -> Any:
    if isinstance(raw, str) and (not raw.isdigit() or int(raw) < 1):
        raise _Refused(f"{raw!r} is not a whole number from 1")
    return raw


class Settings(BaseSettings):
    """The installation's settings. `Settings()` reads the environment; keyword arguments win over it (the
    tests build apps on their own database that way)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, extra="forbid", enable_decoding=False,
                                      validate_default=False)

    data_dir: Path = Field(default_factory=lambda: (Path.cwd() / "var").resolve(), description=(
        "where the embedded database, the demo keys, the secret key file and the deployed fraud model live"),
        json_schema_extra={"default_text": "`./var`"})
    database_url: str = Field("", description=(
        "SQLAlchemy URL; `postgresql+psycopg://user@host/db` in production (install `clearway[postgresql]`)"),
        json_schema_extra={"default_text": "SQLite file `clearway.db` in the data directory"})
    max_body_bytes: int = Field(1_000_000, description="largest request body the API accepts (bytes)")
    # Bulk endpoints (manifests of parcels, seal event batches) may take more.
    max_bulk_body_bytes: int = Field(64_000_000, description=(
        "largest body of a bulk request: parcel manifests, seal event batches (bytes)"))
    threads: int = Field(0, description="handler threads per process; 0 = the default",
                         json_schema_extra={"default_text": "1 on SQLite, 8 on PostgreSQL"})
    batch_helpers: int | None = Field(None, description=(
        "helper processes per server process that make a batch's lines ready (read, validate, check); 0 = none"),
        json_schema_extra={"default_text": "1 where the machine has more than one core, else 0"})
    phyto_hs: tuple[str, ...] | None = Field(None, description=(
        "HS prefixes (2 to 6 digits, comma-separated) whose goods need an ePhyto"),
        json_schema_extra={"default_text": "the packaged list"})
    phyto_tolerance: Decimal | None = Field(None, description=(
        "quantity tolerance between declaration and ePhyto (a fraction from 0 up to 1)"),
        json_schema_extra={"default_text": "the packaged list's (`0.05`)"})
    seals_rules: Path | None = Field(None, description=(
        "tamper-rule thresholds (a TOML file; `docs/containers.md`)"),
        json_schema_extra={"default_text": "the built-in thresholds"})
    risk_model: Path | None = Field(None, description=(
        "a trained fraud model directory (`clearway risk train --out`); it need not exist yet"),
        json_schema_extra={"default_text": "`<data dir>/risk/model`"})
    hub_url: str | None = Field(None, description="the ePhyto hub this node exchanges through (http:// or https://)",
                                json_schema_extra={"default_text": "none: no exchange"})
    hub_token: str | None = Field(None, description="this node's token at the ePhyto hub",
                                  json_schema_extra={"default_text": "none"})
    hub_database_url: str | None = Field(None, description="the hub's own database (the `clearway hub` commands)",
                                         json_schema_extra={"default_text": "SQLite file `hub.db` in the data directory"})
    mqtt: tuple[str, int] | None = Field(None, description=(
        "the seal event broker, HOST:PORT (`clearway seals listen`; `/readyz` checks it when set)"),
        json_schema_extra={"default_text": "not checked by `/readyz`; the listener uses `127.0.0.1:1883`"})
    rate_limit: tuple[int, int] | None = Field((300, 10), description=(
        "requests per API key in any window, COUNT/SECONDS per process; `0` = no limit (`docs/operations.md`)"),
        json_schema_extra={"default_text": "`300/10`"})
    bad_key_limit: tuple[int, int] | None = Field((20, 60), description=(
        "unknown or revoked keys per client address before it is made to wait, COUNT/SECONDS; `0` = no limit"),
        json_schema_extra={"default_text": "`20/60`"})
    secret_key: str | None = Field(None, description=(
        "encrypts NPPO private keys at rest: 32 bytes, URL-safe base64 (`clearway secret-key` makes one)"),
        json_schema_extra={"default_text": "the file `secret.key` in the data directory, made on first use"})
    wco_profile: Path | None = Field(None, description=(
        "the installation's WCO DEC profile (TOML): offices, party ids, codes; `docs/wco.md`"),
        json_schema_extra={"default_text": "the UK worked example"})
    wco_callback_hosts: tuple[str, ...] = Field((), description=(
        "hosts a WCO callback may name over plain `http://` (comma-separated); others must be `https://` "
        "(`docs/wco.md`)"), json_schema_extra={"default_text": "none"})
    wco_push_seconds: float = Field(5, description=(
        "how often `clearway serve` pushes WCO response messages to callbacks; `0` = not in the server"),
        json_schema_extra={"default_text": "`5`"})
    idempotency_hours: int = Field(24, description=(
        "hours an `Idempotency-Key` and its first answer are kept, then purged (`docs/idempotency.md`)"))
    audit_key: str | None = Field(None, description=(
        "the audit checkpoint key (PEM, or the 32-byte seed as hex or base64); `docs/audit.md`"),
        json_schema_extra={"default_text": "none: checkpoints unsigned"})
    audit_key_file: Path | None = Field(None, description="a file holding the audit checkpoint key (instead of "
                                        "CLEARWAY_AUDIT_KEY; `clearway audit keygen` writes one)",
                                        json_schema_extra={"default_text": "none"})
    audit_seal_ms: int = Field(1000, description="how often each server process seals committed audit events (ms)")
    db_pool: int = Field(10, description=(
        "PostgreSQL connections per server process (and as many again at a peak)"))
    log_format: Literal["json", "text"] = Field("json", description=(
        "`json` or `text` logs of `clearway serve` (also `--log-format`)"))
    api_key: str | None = Field(None, description="the API key of the commands that act as a user (their `--key`)",
                                json_schema_extra={"default_text": "none"})
    economy: str | None = Field(None, description=(
        "the economy of `clearway seals listen` and `seals simulate` (their `--economy`)"),
        json_schema_extra={"default_text": "none"})
    device_key: str | None = Field(None, description=(
        "a seal device's signing key for `clearway seals affix` and `seals sign` (their `--device-key`)"),
        json_schema_extra={"default_text": "none"})
    region_key: str | None = Field(None, description=(
        "the regional installation's key for `clearway dashboard publish` (its `--token`)"),
        json_schema_extra={"default_text": "none"})

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _one_line(exc) from None

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _Environment(settings_cls)

    @model_validator(mode="before")
    @classmethod
    def _derived(cls, data: Any) -> Any:
        """The data directory resolved, the database under it by default, the audit key read from its file."""
        data = dict(data)
        data_dir = data.get("data_dir")
        if isinstance(data_dir, str | Path):
            data["data_dir"] = data_dir = Path(data_dir).resolve()
        if not data.get("database_url"):
            data["database_url"] = f"sqlite:///{(data_dir or (Path.cwd() / 'var').resolve()) / 'clearway.db'}"
        path = data.get("audit_key_file")
        if path is not None:
            if data.get("audit_key") is not None:
                raise SettingsError("CLEARWAY_AUDIT_KEY_FILE", "set CLEARWAY_AUDIT_KEY or CLEARWAY_AUDIT_KEY_FILE, "
                                    "not both")
            try:
                data["audit_key"] = Path(path).read_text()
            except OSError as exc:
                raise SettingsError("CLEARWAY_AUDIT_KEY_FILE", f"{path}: {exc.strerror}") from None
        return data

    @field_validator("database_url", "hub_database_url")
    @classmethod
    def _driver(cls, url: str | None) -> str | None:
        if url and url.startswith("postgresql") and importlib.util.find_spec("psycopg") is None:
            raise _Refused("PostgreSQL needs its driver, which is not installed: pip install 'clearway[postgresql]'")
        return url

    @field_validator("threads", mode="before")
    @classmethod
    def _threads(cls, raw: Any) -> Any:
        if isinstance(raw, str) and not raw.isdigit():
            raise _Refused(f"{raw!r} is not a whole number of threads (0 = the default)")
        return raw

    @field_validator("batch_helpers", mode="before")
    @classmethod
    def _batch_helpers(cls, raw: Any) -> Any:
        if isinstance(raw, str) and not (raw.isdigit() and int(raw) <= 64):
            raise _Refused(f"{raw!r} is not a whole number of processes from 0 to 64")
        return raw

    @field_validator("max_body_bytes", "max_bulk_body_bytes", "audit_seal_ms", "db_pool", "idempotency_hours",
                     mode="before")
    @classmethod
    def _positive(cls, raw: Any) -> Any:
        return _positive(raw)

    @field_validator("phyto_hs", mode="before")
    @classmethod
    def _phyto_hs(cls, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        prefixes = tuple(p.strip() for p in raw.split(","))
        for prefix in prefixes:
            if not (prefix.isdigit() and 2 <= len(prefix) <= 6):
                raise _Refused(f"{prefix!r} is not an HS prefix (2 to 6 digits, comma-separated)")
        return prefixes

    @field_validator("phyto_tolerance", mode="before")
    @classmethod
    def _phyto_tolerance(cls, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise _Refused(f"{raw!r} is not a number (a fraction, e.g. 0.05)") from None
        if not value.is_finite() or not Decimal(0) <= value < Decimal(1):
            raise _Refused(f"{raw} is not a fraction from 0 up to (not including) 1")
        return value

    @field_validator("seals_rules", mode="before")
    @classmethod
    def _seals_rules(cls, raw: Any) -> Any:
        return _is_file(raw, "a TOML file of thresholds")

    @field_validator("wco_profile", mode="before")
    @classmethod
    def _wco_profile(cls, raw: Any) -> Any:
        return _is_file(raw, "a TOML DEC profile")

    @field_validator("wco_callback_hosts", mode="before")
    @classmethod
    def _wco_callback_hosts(cls, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        hosts = tuple(h.strip().lower() for h in raw.split(","))
        for host in hosts:
            if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:]+\]", host):
                raise _Refused(f"{host!r} is not a host name or address (comma-separated, no scheme or port)")
        return hosts

    @field_validator("wco_push_seconds", mode="before")
    @classmethod
    def _wco_push_seconds(cls, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not 0 <= value <= 86400:
            raise _Refused(f"{raw!r} is not a number of seconds from 0 to 86400 (0 = off)")
        return value

    @field_validator("hub_url", mode="before")
    @classmethod
    def _hub_url(cls, raw: Any) -> Any:
        if isinstance(raw, str) and not raw.startswith(("http://", "https://")):
            raise _Refused(f"{raw!r} is not an http:// or https:// URL")
        return raw

    @field_validator("rate_limit", mode="before")
    @classmethod
    def _rate_limit(cls, raw: Any) -> Any:
        return _rate(raw, "300/10")

    @field_validator("bad_key_limit", mode="before")
    @classmethod
    def _bad_key_limit(cls, raw: Any) -> Any:
        return _rate(raw, "20/60")

    @field_validator("mqtt", mode="before")
    @classmethod
    def _mqtt(cls, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        host, _, port = raw.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise _Refused(f"{raw!r} is not a broker HOST:PORT")
        return host, int(port)

    @field_validator("secret_key", mode="before")
    @classmethod
    def _secret_key(cls, raw: Any) -> Any:
        if raw is None:
            return raw
        try:
            if len(base64.urlsafe_b64decode(str(raw).encode())) == 32:
                return raw
        except (ValueError, binascii.Error):
            pass
        raise _Refused("is not a key of 32 bytes in URL-safe base64 (make one with `clearway secret-key`)")

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format(cls, raw: Any) -> Any:
        if isinstance(raw, str) and raw not in ("json", "text"):
            raise _Refused(f"{raw!r} is not one of json, text")
        return raw

    @property
    def model_dir(self) -> Path:
        return self.risk_model or self.data_dir / "risk" / "model"

    @property
    def hub_db_url(self) -> str:
        return self.hub_database_url or f"sqlite:///{self.data_dir / 'hub.db'}"


def _one_line(exc: ValidationError) -> SettingsError:
    """The first refusal of a validation, as a SettingsError naming its variable."""
    first = exc.errors()[0]
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, SettingsError):
        return cause
    name = variable(str(first["loc"][0])) if first["loc"] else "CLEARWAY_*"
    if isinstance(cause, _Refused):
        return SettingsError(name, str(cause))
    given = first.get("input")
    return SettingsError(name, f"{given!r} is not valid: {first['msg']}" if isinstance(given, str) else first["msg"])


# Every variable, one per field (the cache key of get_settings).
VARIABLES = tuple(variable(name) for name in Settings.model_fields)


# The variables as os.environ keeps them (CPython: `_data`, the encoded mapping every change to os.environ
# writes through). Looking them up there costs 0.6 us for all 29, against 17 us through os.environ.get, which
# encodes each name and decodes each value; where that mapping is missing, os.environ.get.
_RAW = getattr(os.environ, "_data", None)
_RAW_KEYS = tuple(map(os.environ.encodekey, VARIABLES)) if _RAW is not None and hasattr(os.environ, "encodekey") else ()


def get_settings() -> Settings:
    """The settings as the environment says now: read afresh whenever a CLEARWAY_* variable (or the working
    directory) changed, else the same object (the lodging path asks on every declaration)."""
    values = tuple(map(_RAW.get, _RAW_KEYS)) if _RAW_KEYS else tuple(map(os.environ.get, VARIABLES))
    return _settings_for(values, os.getcwd())


@lru_cache(maxsize=8)
def _settings_for(values: tuple[str | None, ...], cwd: str) -> Settings:
    return Settings()
