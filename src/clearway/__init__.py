"""Clearway: paperless customs clearance for the 21 APEC economies."""

__version__ = "0.1.0"
