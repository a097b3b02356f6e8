"""Imports every domain's ORM models so that Base.metadata knows all tables.

Every package of clearway that has a `models` module is imported; a package without one is skipped, and an
error inside a models module (or a module it imports that is missing) is raised.
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
