"""Settings read from the environment (CLEARWAY_*), with embedded defaults.

Every CLEARWAY_* variable the package reads is read here, and checked: a bad value stops the
server or the command at start-up with a SettingsError naming the variable, instead of being
ignored or failing later in a request. (Command options that typer fills from CLEARWAY_API_KEY,
CLEARWAY_ECONOMY, CLEARWAY_MQTT and the hub variables are checked by typer as options.)"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from pathlib import Path


class SettingsError(ValueError):
    """A CLEARWAY_* variable holds a value that cannot be used; the message names it."""

    def __init__(self, variable: str, reason: str) -> None:
        super().__init__(f"{variable}: {reason}")
        self.variable = variable
        self.reason = reason


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value.strip() if value and value.strip() else None


def _data_dir() -> Path:
    return Path(_env("CLEARWAY_DATA_DIR") or Path.cwd() / "var").resolve()


def _threads() -> int:
    raw = _env("CLEARWAY_THREADS")
    if raw is None:
        return 0
    if not raw.isdigit():
        raise SettingsError("CLEARWAY_THREADS", f"{raw!r} is not a whole number of threads (0 = the default)")
    return int(raw)


def _phyto_hs() -> tuple[str, ...] | None:
    raw = _env("CLEARWAY_PHYTO_HS")
    if raw is None:
        return None
    prefixes = tuple(p.strip() for p in raw.split(","))
    for prefix in prefixes:
        if not (prefix.isdigit() and 2 <= len(prefix) <= 6):
            raise SettingsError("CLEARWAY_PHYTO_HS",
                                f"{prefix!r} is not an HS prefix (2 to 6 digits, comma-separated)")
    return prefixes


def _phyto_tolerance() -> Decimal | None:
    raw = _env("CLEARWAY_PHYTO_TOLERANCE")
    if raw is None:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise SettingsError("CLEARWAY_PHYTO_TOLERANCE", f"{raw!r} is not a number (a fraction, e.g. 0.05)") from None
    if not value.is_finite() or not Decimal(0) <= value < Decimal(1):
        raise SettingsError("CLEARWAY_PHYTO_TOLERANCE", f"{raw} is not a fraction from 0 up to (not including) 1")
    return value


def _seals_rules() -> Path | None:
    raw = _env("CLEARWAY_SEALS_RULES")
    if raw is None:
        return None
    if not Path(raw).is_file():
        raise SettingsError("CLEARWAY_SEALS_RULES", f"{raw} is not a readable file (a TOML file of thresholds)")
    return Path(raw)


def _wco_profile() -> Path | None:
    raw = _env("CLEARWAY_WCO_PROFILE")
    if raw is None:
        return None
    if not Path(raw).is_file():
        raise SettingsError("CLEARWAY_WCO_PROFILE", f"{raw} is not a readable file (a TOML DEC profile)")
    return Path(raw)


def _wco_callback_hosts() -> tuple[str, ...]:
    raw = _env("CLEARWAY_WCO_CALLBACK_HOSTS")
    if raw is None:
        return ()
    hosts = tuple(h.strip().lower() for h in raw.split(","))
    for host in hosts:
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:]+\]", host):
            raise SettingsError("CLEARWAY_WCO_CALLBACK_HOSTS",
                                f"{host!r} is not a host name or address (comma-separated, no scheme or port)")
    return hosts


def _seconds(name: str, default: float) -> float:
    raw = _env(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86400:
        raise SettingsError(name, f"{raw!r} is not a number of seconds from 0 to 86400 (0 = off)")
    return value


def _risk_model() -> Path | None:
    raw = _env("CLEARWAY_RISK_MODEL")
    # A directory that does not exist yet is allowed: no model is deployed until it does.
    return Path(raw) if raw is not None else None


def _hub_url() -> str | None:
    raw = _env("CLEARWAY_HUB_URL")
    if raw is not None and not raw.startswith(("http://", "https://")):
        raise SettingsError("CLEARWAY_HUB_URL", f"{raw!r} is not an http:// or https:// URL")
    return raw


def _rate(name: str, default: str) -> tuple[int, int] | None:
    """N/SECONDS (e.g. 300/10): at most N in any SECONDS; 0 turns the limit off."""
    raw = _env(name) or default
    if raw == "0":
        return None
    count, _, seconds = raw.partition("/")
    try:
        pair = int(count), int(seconds)
    except ValueError:
        pair = (0, 0)
    if pair[0] < 1 or not 0 < pair[1] <= 86400:
        raise SettingsError(name, f"{raw!r} is not COUNT/SECONDS (whole numbers, e.g. {default}), or 0 for no limit")
    return pair


def _mqtt() -> tuple[str, int] | None:
    raw = _env("CLEARWAY_MQTT")
    if raw is None:
        return None
    host, _, port = raw.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError("CLEARWAY_MQTT", f"{raw!r} is not a broker HOST:PORT")
    return host, int(port)


def _secret_key() -> str | None:
    raw = _env("CLEARWAY_SECRET_KEY")
    if raw is None:
        return None
    try:
        if len(base64.urlsafe_b64decode(raw.encode())) == 32:
            return raw
    except (ValueError, binascii.Error):
        pass
    raise SettingsError("CLEARWAY_SECRET_KEY", "is not a key of 32 bytes in URL-safe base64 (make one with "
                        "`clearway secret-key`)")


def _audit_key() -> str | None:
    raw = _env("CLEARWAY_AUDIT_KEY")
    path = _env("CLEARWAY_AUDIT_KEY_FILE")
    if raw is not None and path is not None:
        raise SettingsError("CLEARWAY_AUDIT_KEY_FILE", "set CLEARWAY_AUDIT_KEY or CLEARWAY_AUDIT_KEY_FILE, not both")
    if path is not None:
        try:
            return Path(path).read_text()
        except OSError as exc:
            raise SettingsError("CLEARWAY_AUDIT_KEY_FILE", f"{path}: {exc.strerror}") from None
    return raw


def _positive(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(name, f"{raw!r} is not a whole number from 1")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=_data_dir)
    database_url: str = ""
    max_body_bytes: int = 1_000_000
    # Bulk endpoints (manifests of parcels, seal event batches) may take more.
    max_bulk_body_bytes: int = 64_000_000
    # Handler threads per process (CLEARWAY_THREADS); 0 = 1 on SQLite, 8 on PostgreSQL.
    threads: int = field(default_factory=_threads)
    # Phytosanitary matching overrides of the packaged list (CLEARWAY_PHYTO_HS, CLEARWAY_PHYTO_TOLERANCE).
    phyto_hs: tuple[str, ...] | None = field(default_factory=_phyto_hs)
    phyto_tolerance: Decimal | None = field(default_factory=_phyto_tolerance)
    # Tamper-rule thresholds, a TOML file (CLEARWAY_SEALS_RULES); None = the defaults.
    seals_rules: Path | None = field(default_factory=_seals_rules)
    # The deployed fraud model directory (CLEARWAY_RISK_MODEL); None = <data dir>/risk/model.
    risk_model: Path | None = field(default_factory=_risk_model)
    # The ePhyto hub this node exchanges through, and the hub's own database.
    hub_url: str | None = field(default_factory=_hub_url)
    hub_token: str | None = field(default_factory=lambda: _env("CLEARWAY_HUB_TOKEN"))
    hub_database_url: str | None = field(default_factory=lambda: _env("CLEARWAY_HUB_DATABASE_URL"))
    # The MQTT broker the seal listeners use (CLEARWAY_MQTT, HOST:PORT); /readyz checks it when set.
    mqtt: tuple[str, int] | None = field(default_factory=_mqtt)
    # Requests per API key (CLEARWAY_RATE_LIMIT, COUNT/SECONDS), per process; None = no limit.
    rate_limit: tuple[int, int] | None = field(default_factory=lambda: _rate("CLEARWAY_RATE_LIMIT", "300/10"))
    # Unknown or revoked keys per client address before it is made to wait (CLEARWAY_BAD_KEY_LIMIT).
    bad_key_limit: tuple[int, int] | None = field(default_factory=lambda: _rate("CLEARWAY_BAD_KEY_LIMIT", "20/60"))
    # The key that encrypts secrets at rest (NPPO private keys): CLEARWAY_SECRET_KEY, else the file
    # <data dir>/secret.key (made on first use, readable by its owner only).
    secret_key: str | None = field(default_factory=_secret_key)
    # The installation's WCO DEC profile, a TOML file (CLEARWAY_WCO_PROFILE); None = the UK worked example.
    wco_profile: Path | None = field(default_factory=_wco_profile)
    # Hosts a WCO callback may name over plain http:// (CLEARWAY_WCO_CALLBACK_HOSTS, comma-separated); any other
    # callback must be https://. Empty by default: a receiver on 127.0.0.1 is allowed only by saying so.
    wco_callback_hosts: tuple[str, ...] = field(default_factory=_wco_callback_hosts)
    # How often `clearway serve` pushes new WCO response messages to the callbacks (CLEARWAY_WCO_PUSH_SECONDS,
    # 5 by default); 0 = no pusher in the server (run `clearway wco push --follow` beside it instead).
    wco_push_seconds: float = field(default_factory=lambda: _seconds("CLEARWAY_WCO_PUSH_SECONDS", 5))
    # The audit checkpoint key (CLEARWAY_AUDIT_KEY, or a file named by CLEARWAY_AUDIT_KEY_FILE), kept out of the
    # database; None = checkpoints unsigned. The server seals committed events every audit_seal_ms.
    audit_key: str | None = field(default_factory=_audit_key)
    audit_seal_ms: int = field(default_factory=lambda: _positive("CLEARWAY_AUDIT_SEAL_MS", 1000))
    # PostgreSQL connections per worker process (CLEARWAY_DB_POOL): pool size, plus as many again on overflow.
    db_pool: int = field(default_factory=lambda: _positive("CLEARWAY_DB_POOL", 10))
    # Hours an Idempotency-Key and its first answer are kept (CLEARWAY_IDEMPOTENCY_HOURS), then purged.
    idempotency_hours: int = field(default_factory=lambda: _positive("CLEARWAY_IDEMPOTENCY_HOURS", 24))

    def __post_init__(self) -> None:
        if not self.database_url:
            url = _env("CLEARWAY_DATABASE_URL") or f"sqlite:///{self.data_dir / 'clearway.db'}"
            object.__setattr__(self, "database_url", url)

    @property
    def model_dir(self) -> Path:
        return self.risk_model or self.data_dir / "risk" / "model"

    @property
    def hub_db_url(self) -> str:
        return self.hub_database_url or f"sqlite:///{self.data_dir / 'hub.db'}"


def get_settings() -> Settings:
    """The settings as the environment says now: read afresh whenever a CLEARWAY_* variable (or the working
    directory) changed, else the same object (the lodging path asks on every declaration)."""
    return _settings_for(tuple(map(os.environ.get, _VARIABLES)), os.getcwd())


# Every variable this module reads (found in its own text, so a variable added later is never missed).
_VARIABLES = tuple(sorted(set(re.findall(r'"(CLEARWAY_[A-Z0-9_]+)"', Path(__file__).read_text()))))


@lru_cache(maxsize=8)
def _settings_for(values: tuple[str | None, ...], cwd: str) -> Settings:
    return Settings()
