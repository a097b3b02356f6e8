"""Clearway: paperless customs clearance for the 21 APEC economies."""

from importlib.metadata import PackageNotFoundError, version

try:  # the installed distribution's version: pyproject.toml says it once
    __version__ = version("clearway")
except PackageNotFoundError:  # pragma: no cover - a source tree that was never installed
    __version__ = "0+unknown"
