"""Imports every domain's ORM models so that Base.metadata knows all tables.

Each domain that has tables adds itself to DOMAINS_WITH_MODELS; a missing module is an error.
"""

from __future__ import annotations

import importlib
import pkgutil

import clearway

for _mod in pkgutil.iter_modules(clearway.__path__):
    if _mod.ispkg:
        try:
            importlib.import_module(f"clearway.{_mod.name}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"clearway.{_mod.name}.models":
                raise
