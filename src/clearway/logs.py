"""The logs of `clearway serve`: an access log (one line per request: client, request line, status)
and an error log (start-up, shutdown, refused connections and every unhandled exception with its
traceback, from uvicorn and from the `clearway` loggers). Both go to stderr unless given files.
Times are UTC (ISO 8601, with Z).

Two formats: `json` (the default: one JSON object a line, for a log shipper) and `text` (for a person).
Every line written while a request is answered carries its request id (clearway.observe)."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from pythonjsonlogger.json import JsonFormatter
from uvicorn.logging import AccessFormatter

LEVELS = ("debug", "info", "warning", "error")
FORMATS = ("json", "text")
ERROR_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ACCESS_FORMAT = '%(asctime)s %(client_addr)s "%(request_line)s" %(status_code)s'
TEXT_ID = " request_id=%(request_id)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class UTCFormatter(logging.Formatter):
    converter = time.gmtime


class UTCAccessFormatter(AccessFormatter):
    converter = time.gmtime


class JSONFormatter(JsonFormatter):
    """One JSON object a line: time, level, logger, message, request_id (and exc_info when there is one).
    uvicorn's access records also get their parts as fields: client, method, path, http_version, status."""

    converter = time.gmtime

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                         rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                         datefmt=DATE_FORMAT, json_ensure_ascii=False, **kwargs)

    def add_fields(self, log_record: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_record, record, message_dict)
        log_record.pop("color_message", None)  # uvicorn's copy of the message with terminal colours
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            log_record.update(client=client, method=method, path=path, http_version=version, status=int(status))


def _handler(path: Path | None, formatter: str) -> dict[str, Any]:
    if path is None:
        return {"class": "logging.StreamHandler", "formatter": formatter, "stream": "ext://sys.stderr"}
    # WatchedFileHandler reopens the file when logrotate moves it away.
    return {"class": "logging.handlers.WatchedFileHandler", "formatter": formatter, "filename": str(path),
            "encoding": "utf-8"}


def _formatters(fmt: str) -> dict[str, Any]:
    if fmt == "json":
        return {"error": {"()": f"{__name__}.JSONFormatter"}, "access": {"()": f"{__name__}.JSONFormatter"}}
    return {
        "error": {"()": f"{__name__}.UTCFormatter", "fmt": ERROR_FORMAT + TEXT_ID, "datefmt": DATE_FORMAT},
        "access": {"()": f"{__name__}.UTCAccessFormatter", "fmt": ACCESS_FORMAT + TEXT_ID, "datefmt": DATE_FORMAT,
                   "use_colors": False},
    }


def config(*, level: str = "info", access: bool = True, access_file: Path | None = None,
           error_file: Path | None = None, fmt: str = "json") -> dict[str, Any]:
    """A logging.config.dictConfig for uvicorn (`log_config=`); the same in every worker process."""
    if level not in LEVELS:
        raise ValueError(f"log level must be one of {', '.join(LEVELS)}")
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}")
    upper = level.upper()
    handlers = {"error": _handler(error_file, "error"), "access": _handler(access_file, "access")}
    for handler in handlers.values():
        handler["filters"] = ["request_id"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "clearway.observe.RequestIdFilter"}},
        "formatters": _formatters(fmt),
        "handlers": handlers,
        "loggers": {
            "uvicorn": {"handlers": ["error"], "level": upper, "propagate": False},
            "uvicorn.error": {"level": upper},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO" if access else "CRITICAL",
                               "propagate": False},
            "clearway": {"handlers": ["error"], "level": upper, "propagate": False},
        },
    }


def share_metrics() -> None:
    """For `serve --workers N`: prometheus_client's multiprocess mode, so /metrics adds up every worker's
    counts. PROMETHEUS_MULTIPROC_DIR as given (emptied now: counts of an earlier run would be added in),
    else a fresh temporary directory. Must run before prometheus_client is imported in the workers."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        path = Path(given)
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True, mode=0o700)
    else:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="clearway-metrics-")
