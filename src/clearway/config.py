"""Settings read from the environment (CLEARWAY_*), with embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _data_dir() -> Path:
    return Path(os.environ.get("CLEARWAY_DATA_DIR") or Path.cwd() / "var").resolve()


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=_data_dir)
    database_url: str = ""
    max_body_bytes: int = 1_000_000
    # Bulk endpoints (manifests of parcels, seal event batches) may take more.
    max_bulk_body_bytes: int = 64_000_000
    # Handler threads per process (CLEARWAY_THREADS); 0 = 1 on SQLite, 8 on PostgreSQL.
    threads: int = field(default_factory=lambda: int(os.environ.get("CLEARWAY_THREADS") or 0))

    def __post_init__(self) -> None:
        if not self.database_url:
            url = os.environ.get("CLEARWAY_DATABASE_URL") or f"sqlite:///{self.data_dir / 'clearway.db'}"
            object.__setattr__(self, "database_url", url)


def get_settings() -> Settings:
    return Settings()
