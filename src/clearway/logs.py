"""The logs of `clearway serve`: an access log (one line per request: client, request line, status)
and an error log (start-up, shutdown, refused connections and every unhandled exception with its
traceback, from uvicorn and from the `clearway` loggers). Both go to stderr unless given files.
Times are UTC (ISO 8601, with Z)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from uvicorn.logging import AccessFormatter

LEVELS = ("debug", "info", "warning", "error")
ERROR_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ACCESS_FORMAT = '%(asctime)s %(client_addr)s "%(request_line)s" %(status_code)s'
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class UTCFormatter(logging.Formatter):
    converter = time.gmtime


class UTCAccessFormatter(AccessFormatter):
    converter = time.gmtime


def _handler(path: Path | None, formatter: str) -> dict[str, Any]:
    if path is None:
        return {"class": "logging.StreamHandler", "formatter": formatter, "stream": "ext://sys.stderr"}
    # WatchedFileHandler reopens the file when logrotate moves it away.
    return {"class": "logging.handlers.WatchedFileHandler", "formatter": formatter, "filename": str(path),
            "encoding": "utf-8"}


def config(*, level: str = "info", access: bool = True, access_file: Path | None = None,
           error_file: Path | None = None) -> dict[str, Any]:
    """A logging.config.dictConfig for uvicorn (`log_config=`); the same in every worker process."""
    if level not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}")
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "error": {"()": f"{__name__}.UTCFormatter", "fmt": ERROR_FORMAT, "datefmt": DATE_FORMAT},
            "access": {"()": f"{__name__}.UTCAccessFormatter", "fmt": ACCESS_FORMAT, "datefmt": DATE_FORMAT,
                       "use_colors": False},
        },
        "handlers": {"error": _handler(error_file, "error"), "access": _handler(access_file, "access")},
        "loggers": {
            "uvicorn": {"handlers": ["error"], "level": upper, "propagate": False},
            "uvicorn.error": {"level": upper},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO" if access else "CRITICAL",
                               "propagate": False},
            "clearway": {"handlers": ["error"], "level": upper, "propagate": False},
        },
    }
